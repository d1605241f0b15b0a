/*
 * fuzz/fuzz_html.c: libFuzzer target for the HTML parser (parse/html.c), and through its output chunking and the wire
 * format. Invariants: fuzz/fuzz_parse.h.
 */
#include "fuzz_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	o.limits.max_depth = 64;
	struct sf_presult r;
	sf_presult_init(&r);
	sf_parse_bytes_as("html", data, size, &o, &r);
	fuzz_check_result(&r);
	sf_presult_release(&r);
	return 0;
}
