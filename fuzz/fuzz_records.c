/*
 * fuzz/fuzz_records.c: libFuzzer target for the JSON, JSONL and XML record parsers with a field mapping (parse/records.c), and through its output chunking and the wire
 * format. Invariants: fuzz/fuzz_parse.h.
 */
#include "fuzz_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "json", "jsonl", "xml", "json" };
	if (!size) return 0;
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	o.limits.max_depth = 64;
	/* the first byte chooses the format, and whether a mapping is given */
	if (data[0] & 4) {
		o.map.title = "q";
		o.map.text = "a";
		o.map.id = "n";
		o.map.record = "item";
	}
	struct sf_presult r;
	sf_presult_init(&r);
	sf_parse_bytes_as(types[data[0] & 3], data + 1, size - 1, &o, &r);
	fuzz_check_result(&r);
	sf_presult_release(&r);
	return 0;
}
