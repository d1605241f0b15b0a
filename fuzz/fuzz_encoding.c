/*
 * fuzz/fuzz_encoding.c: libFuzzer target for the encoding detector and the conversion to UTF-8
 * (parse/encoding.h). Invariants: detection never reads past the input; the output is valid
 * UTF-8 without NUL for every encoding detected or named; valid UTF-8 input stays byte for byte
 * the same (minus NUL bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "parse/encoding.h"
#include "text/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "utf-8", "utf-16le", "utf-16be", "windows-1251", "koi8-r", "cp866",
					     "iso-8859-1" };
	size_t bom = 0;
	const char *e = sf_enc_detect(data, size, &bom);
	if (bom > size) abort();
	for (size_t k = 0; k < sizeof names / sizeof names[0] + 1; k++) {
		const char *name = k < sizeof names / sizeof names[0] ? names[k] : e;
		if (!name) continue;
		struct sf_buf out = SF_BUF_INIT;
		size_t fixed = 0;
		if (sf_enc_to_utf8(data, size, name, &out, &fixed) != SF_OK) abort();
		if (memchr(out.ptr, 0, out.len) || !sf_utf8_valid(out.ptr, out.len)) abort();
		if (k == 0 && !memchr(data, 0, size) && sf_utf8_valid((const char *)data, size) &&
		    (out.len != size || memcmp(out.ptr, data, size)))
			abort();
		sf_buf_release(&out);
	}
	return 0;
}
