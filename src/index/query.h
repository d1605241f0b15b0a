/*
 * index/query.h: a parsed search query, and the query language.
 *
 * Layer: index (uses base, text). The query language, as a support agent types it:
 *   free words                 ranked OR (BM25F over title and body)
 *   "a phrase"                 the words in this order (required)
 *   +word, +"phrase"           required
 *   -word, -"phrase"           excluded
 *   title:word  body:word      the word only in that field (field:"phrase" too)
 *   kind:pdf lang:ru source:x acl:group category:y
 *                              filters on document attributes: within one attribute the values
 *                              are OR-ed, across attributes AND-ed; applied inside the index
 * Unknown "name:" prefixes are read as plain words. Everything goes through the analyzer, so word
 * forms match; synonyms add alternatives (with SF_QUERY_SYN_WEIGHT) to optional words.
 *
 * A struct sf_query owns all its memory; free with sf_query_free. Not shared between threads
 * while being built; read-only afterwards (then shareable).
 */
#ifndef SF_INDEX_QUERY_H
#define SF_INDEX_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"
#include "text/analyze.h"
#include "text/synonyms.h"

/* Limits on query input: longer queries are refused with SF_ERR_LIMIT. */
#define SF_QUERY_MAX_BYTES 4096
#define SF_QUERY_MAX_TERMS 64

/* Weight of a synonym alternative relative to the word the user typed. */
#define SF_QUERY_SYN_WEIGHT 0.8f

/* The indexed text fields. Weights and length normalization per field are search options. */
enum sf_field { SF_FIELD_TITLE = 0, SF_FIELD_BODY = 1, SF_FIELD_COUNT = 2 };
#define SF_FIELDS_ALL ((uint8_t)((1u << SF_FIELD_COUNT) - 1))

enum sf_occur { SF_SHOULD = 0, SF_MUST = 1, SF_MUST_NOT = 2 };

/* A scored or constraining term. */
struct sf_qterm {
	char *term;         /* analyzed term (owned, NUL-terminated) */
	uint32_t len;
	uint8_t fields;     /* bitmask of (1 << enum sf_field); SF_FIELDS_ALL for any */
	uint8_t occur;      /* enum sf_occur */
	float weight;       /* multiplies the term's BM25F score; 1.0 for typed words */
};

/* A phrase: terms at relative positions (stop words leave gaps: "книга о python" -> 0, 2). */
struct sf_qphrase {
	char **terms;       /* owned */
	uint32_t *lens;
	uint32_t *rel_pos;  /* rel_pos[0] == 0, increasing */
	size_t nterms;
	uint8_t fields;
	uint8_t occur;      /* SF_MUST or SF_MUST_NOT (a phrase never only scores) */
};

/* A filter on one attribute: the document must carry name=value for one of the values. */
struct sf_qfilter {
	char *name;         /* "kind", "lang", "source", "acl", "category" (owned) */
	char **values;      /* owned, normalized (case-folded) */
	size_t nvalues;
};

struct sf_query {
	struct sf_qterm *terms;     /* scored terms (SHOULD and MUST) and excluded terms (MUST_NOT) */
	size_t nterms;
	struct sf_qphrase *phrases; /* a phrase's words also appear in terms[] as scored terms */
	size_t nphrases;
	struct sf_qfilter *filters;
	size_t nfilters;
	/* Every analyzed term the user asked for (for highlighting), owned, deduplicated. */
	struct sf_str *highlight;
	size_t nhighlight;
};

/* An empty query to be filled with sf_query_add_*; never fails. */
struct sf_query *sf_query_new(void);
void sf_query_free(struct sf_query *q);
/* Programmatic construction (the parser uses these too). Strings are copied. */
void sf_query_add_term(struct sf_query *q, const char *term, size_t len, uint8_t fields,
		       enum sf_occur occur, float weight);
void sf_query_add_phrase(struct sf_query *q, const struct sf_str *terms, const uint32_t *rel_pos,
			 size_t nterms, uint8_t fields, enum sf_occur occur);
/* Adds value to the filter on name (creating it), OR-ed with the values already there. */
void sf_query_add_filter(struct sf_query *q, const char *name, const char *value);
void sf_query_add_highlight(struct sf_query *q, const char *term, size_t len);

/*
 * Parses the query language (text, len) with analyzer a and optional synonyms syn.
 * SF_ERR_INVALID for input that is not valid UTF-8, SF_ERR_LIMIT past the limits above, with a
 * message in err. An empty or all-stop-word query parses to a query with no terms (matches
 * nothing unless it has filters only, which then match every document passing them).
 * Thread-safety: as the analyzer.
 */
enum sf_err sf_query_parse(const char *text, size_t len, struct sf_analyzer *a,
			   const struct sf_synonyms *syn, struct sf_query **out,
			   struct sf_buf *err) SF_WUR;

/*
 * Normalizes an attribute value as filters see it: word by word (case folding, ё→е, no
 * stemming), joined by one space. Indexing must store attribute values through this function so
 * that "category:\"Сеть и VPN\"" meets a document whose category is "сеть и  VPN". Replaces out.
 */
enum sf_err sf_query_normalize_value(struct sf_analyzer *a, const char *v, size_t n,
				     struct sf_buf *out) SF_WUR;

/* Appends a readable form of q to out ("+пароль title:vpn -\"x y\" kind:(pdf|html)"), for tests
 * and for showing the expansion to an administrator. */
enum sf_err sf_query_describe(const struct sf_query *q, struct sf_buf *out) SF_WUR;

#endif
