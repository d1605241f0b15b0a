/*
 * fuzz/fuzz_json.c: libFuzzer target for the JSONL object reader (base/json.h).
 * Invariants: no crash or sanitizer report; on success every string member is valid UTF-8 and
 * NUL-terminated, raw members lie inside the input, and jansson agrees that the input is valid.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "text/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sf_buf scratch = SF_BUF_INIT, err = SF_BUF_INIT;
	struct sf_json_member m[SF_JSON_MAX_MEMBERS];
	size_t nm = 0;
	const char *p = (const char *)data;
	if (sf_json_object(p, size, &scratch, m, &nm, &err) == SF_OK) {
		for (size_t i = 0; i < nm; i++) {
			if (!sf_utf8_valid(m[i].key.ptr, m[i].key.len) || m[i].key.ptr[m[i].key.len] != 0) abort();
			if (m[i].type == SF_JSON_STRING) {
				if (!sf_utf8_valid(m[i].value.ptr, m[i].value.len) || m[i].value.ptr[m[i].value.len] != 0)
					abort();
			} else if (m[i].value.ptr < p || m[i].value.ptr + m[i].value.len > p + size) {
				abort();
			}
		}
		/* jansson (strict, no NUL) must accept what we accept, except numbers too large for it
		 * (we keep numbers as text). */
		json_error_t je;
		json_t *j = json_loadb(p, size, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &je);
		if (!j && !strstr(je.text, "overflow") && !strstr(je.text, "too big")) abort();
		if (j && (!json_is_object(j) || json_object_size(j) != nm)) abort();
		json_decref(j);
	}
	sf_buf_release(&scratch);
	sf_buf_release(&err);
	return 0;
}
