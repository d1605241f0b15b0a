/*
 * engine/expand.h: query-time help for how support questions are really typed.
 *
 * Layer: engine. After the query language is parsed, words the index does not know get
 * alternatives that it does know, each added as an optional (SHOULD) term with a weight below
 * 1, so an exact match still ranks first:
 *   translit  "впн" -> "vpn", "zoom" -> "зум": the other script's transliteration, if indexed
 *   typo      "авторизацыя" -> "авторизация": indexed terms within edit distance 1 (2 for
 *             terms of 8+ letters), the most frequent first
 *   split     "антивирус" written "анти вирус": two adjacent words whose concatenation is an
 *             indexed term get that term
 *   join      "вайфай" when the index has "вай" "фай": an unknown word that splits into two
 *             indexed words gets both
 * Which kinds run is a bit set (SF_EXPAND_*); each is kept on by default only where it measured
 * better on the Russian support set (docs/SEARCH.md has the figures).
 */
#ifndef SF_ENGINE_EXPAND_H
#define SF_ENGINE_EXPAND_H

#include <stddef.h>

#include "base/err.h"
#include "index/index.h"
#include "index/query.h"
#include "text/analyze.h"

enum {
	SF_EXPAND_TRANSLIT = 1 << 0,
	SF_EXPAND_TYPO = 1 << 1,
	SF_EXPAND_SPLIT = 1 << 2,
	SF_EXPAND_JOIN = 1 << 3,
};

/* The kinds on by default (measured: docs/SEARCH.md). */
#define SF_ENGINE_EXPAND_DEFAULT (SF_EXPAND_TRANSLIT | SF_EXPAND_TYPO | SF_EXPAND_SPLIT)

/* Weights of the added alternatives (the typed word has 1). */
#define SF_EXPAND_W_TRANSLIT 0.9f
#define SF_EXPAND_W_TYPO 0.7f
#define SF_EXPAND_W_SPLIT 0.9f
#define SF_EXPAND_W_JOIN 0.6f

/* Parses "translit,typo,split,join", "all" or "none" into a bit set; -1 when unknown. */
int sf_expand_parse(const char *spec);

/*
 * Adds alternatives to q for the words of text (the raw query) that the snapshot does not know.
 * an: the engine's analyzer (stemming on); surface: an analyzer with stemming off (for the
 * words as typed). Only free words are considered (not phrases, fields, exclusions, filters).
 * Cost: one dictionary lookup per word and pair; a typo search scans the terms sharing the
 * word's first byte, only for unknown words.
 */
enum sf_err sf_expand_query(struct sf_analyzer *an, struct sf_analyzer *surface,
			    const struct sf_snapshot *s, const char *text, size_t len, int kinds,
			    struct sf_query *q) SF_WUR;

#endif
