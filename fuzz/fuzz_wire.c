/*
 * fuzz/fuzz_wire.c: libFuzzer target for the decoder of worker results (parse/wire.h), which
 * the parent runs on bytes from a process that parsed untrusted input. Invariants: a decoded
 * result satisfies fuzz/fuzz_parse.h.
 */
#include "fuzz_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_parse_limits l;
	sf_parse_limits_default(&l);
	l.max_docs = 1000;
	l.max_blocks = 10000;
	struct sf_presult r;
	sf_presult_init(&r);
	struct sf_buf why = SF_BUF_INIT;
	if (sf_wire_decode(data, size, &l, &r, &why) == SF_OK && !(r.rc && r.ndocs)) fuzz_check_result(&r);
	sf_buf_release(&why);
	sf_presult_release(&r);
	return 0;
}
