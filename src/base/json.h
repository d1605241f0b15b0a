/*
 * base/json.h: a fast, strict reader for one JSON object per line (JSONL documents).
 *
 * Layer: base. Ingestion reads millions of flat objects like {"id":..,"title":..,"text":..};
 * a general JSON library spends most of its time building trees for them. This reader scans one
 * object and reports its top-level members: strings are unescaped into a caller-owned buffer;
 * numbers, true/false/null and nested arrays/objects are returned as raw JSON slices (validated
 * for structure) for the caller to hand to a full parser when it needs them.
 *
 * Strict: RFC 8259 syntax, UTF-8 validated (invalid bytes, unpaired surrogates and control
 * characters in strings are errors), nesting depth limited, duplicate keys refused. Pure,
 * thread-safe, no allocation beyond the buffers given.
 */
#ifndef SF_BASE_JSON_H
#define SF_BASE_JSON_H

#include <stddef.h>

#include "base/err.h"
#include "base/str.h"

#define SF_JSON_MAX_MEMBERS 64
#define SF_JSON_MAX_DEPTH 32

enum sf_json_type { SF_JSON_STRING, SF_JSON_NUMBER, SF_JSON_BOOL, SF_JSON_NULL, SF_JSON_ARRAY, SF_JSON_OBJECT };

struct sf_json_member {
	struct sf_str key;     /* unescaped key in the scratch buffer, followed by a NUL */
	enum sf_json_type type;
	struct sf_str value;   /* STRING: unescaped text in the scratch buffer, followed by a NUL
				  (strings never contain NUL: \u0000 is refused); others: raw JSON */
};

/*
 * Parses the object in (p, n) (surrounding whitespace allowed). Unescaped strings are written to
 * scratch (reset first; members point into it, valid until scratch changes). On success fills
 * m[0..*nm). SF_ERR_INVALID with a message in err (with the byte offset) for malformed input,
 * SF_ERR_LIMIT past SF_JSON_MAX_MEMBERS members or SF_JSON_MAX_DEPTH nesting.
 */
enum sf_err sf_json_object(const char *p, size_t n, struct sf_buf *scratch,
			   struct sf_json_member m[SF_JSON_MAX_MEMBERS], size_t *nm,
			   struct sf_buf *err) SF_WUR;

/* The member called key, or NULL. */
const struct sf_json_member *sf_json_get(const struct sf_json_member *m, size_t nm, const char *key);

#endif
