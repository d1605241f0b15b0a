/*
 * text/synonyms.h: the jargon/synonym dictionary, applied at query time.
 *
 * Layer: text. A plain UTF-8 file, one group of equivalent terms or phrases per line, separated by
 * commas: "1с, 1c, один эс" or "зп, зарплата, заработная плата". '#' starts a comment; blank
 * lines are skipped. Every entry is analyzed with the analyzer (so word forms match); a query
 * whose analyzed terms contain an entry (multi-word entries matched as a run of terms, longest
 * first) gets the group's other entries as alternatives.
 *
 * A loaded dictionary is immutable and may be shared between threads; reloading makes a new one
 * (the caller swaps pointers, readers keep the old one until they finish).
 */
#ifndef SF_TEXT_SYNONYMS_H
#define SF_TEXT_SYNONYMS_H

#include <stddef.h>

#include "base/err.h"
#include "base/str.h"
#include "text/analyze.h"

/* Limits on a dictionary file. */
#define SF_SYN_MAX_FILE (16u << 20)
#define SF_SYN_MAX_ENTRY_TERMS 8

struct sf_synonyms;

/*
 * Parses the dictionary text (text, len). Lines that cannot be used (a group of one entry, an
 * entry past SF_SYN_MAX_ENTRY_TERMS terms) are skipped and counted in *skipped (optional), with
 * the first such line described in err. Free with sf_synonyms_free.
 */
enum sf_err sf_synonyms_parse(struct sf_analyzer *a, const char *text, size_t len,
			      struct sf_synonyms **out, size_t *skipped, struct sf_buf *err) SF_WUR;
/* Reads and parses a file; SF_ERR_IO when it cannot be read, SF_ERR_LIMIT past SF_SYN_MAX_FILE. */
enum sf_err sf_synonyms_load(struct sf_analyzer *a, const char *path, struct sf_synonyms **out,
			     size_t *skipped, struct sf_buf *err) SF_WUR;
void sf_synonyms_free(struct sf_synonyms *s);
/* Number of groups. */
size_t sf_synonyms_count(const struct sf_synonyms *s);

/* One alternative: a run of analyzed terms (pointers valid while the dictionary lives). */
struct sf_syn_alt {
	const struct sf_str *terms;
	size_t nterms;
};

/*
 * Looks for the longest entry that starts at terms[0] (terms are analyzed query terms).
 * Returns how many terms it covers (0 = none) and sets *alts / *nalts to the other entries of
 * its group (borrowed from the dictionary).
 */
size_t sf_synonyms_match(const struct sf_synonyms *s, const struct sf_str *terms, size_t nterms,
			 const struct sf_syn_alt **alts, size_t *nalts);

#endif
