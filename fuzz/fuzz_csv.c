/*
 * fuzz/fuzz_csv.c: libFuzzer target for the CSV parser (parse/records.c), with and without a per-row mapping, and through its output chunking and the wire
 * format. Invariants: fuzz/fuzz_parse.h.
 */
#include "fuzz_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	o.name = "f.csv";
	/* the first byte chooses: a table, or a document per row */
	if (size && data[0] & 1) {
		o.map.title = "a";
		o.map.text = "b";
		o.map.id = "c";
	}
	struct sf_presult r;
	sf_presult_init(&r);
	sf_parse_bytes_as("csv", data + (size > 0), size - (size > 0), &o, &r);
	fuzz_check_result(&r);
	sf_presult_release(&r);
	return 0;
}
