/*
 * text/tokenize.c: sf_analyze, cutting text into tokens, compounds and their parts.
 *
 * The text is read once as a sequence of character classes (text_int.h). A span is a maximal run
 * of letters, digits, joiners (_ . - / \ : @ ? = & % + # ~) and ignorables; everything else
 * separates spans, invalid bytes included. A span of letters only or digits only is one word or
 * number and goes straight to the cached word analysis: that is the hot path. Other spans are
 * trimmed (trailing joiners go, so "файл." is "файл"; leading joiners go except / and \ which
 * start paths), cut at ".." and "--" (ellipses and dashes written with ASCII), and what remains
 * becomes a compound when it has a joiner, mixes letters and digits, or is a 0x hex number. A
 * compound is emitted whole, normalized but not stemmed, then its parts: the pieces between
 * joiners, further split where letters meet digits ("win10" -> win, 10), with a 0x prefix
 * dropped ("0x80070005" -> 80070005). Parts are analyzed like words; the first shares the
 * compound's position and each next one takes the next position, stop words included.
 */
#include "text/text_int.h"

#include <string.h>

#include "base/banned.h"

struct scan {
	struct sf_analyzer *a;
	const struct sf_analyzer_opts *o;
	const char *text;
	size_t len;
	sf_token_fn fn;
	void *ctx;
	uint32_t pos;
	bool stopped;
};

static inline int cls_at(const struct scan *sc, size_t i, size_t end, size_t *k)
{
	return text_char_class((const unsigned char *)sc->text + i, end - i, k);
}

static void emit(struct scan *sc, const char *term, size_t tlen, uint32_t pos, size_t b, size_t e,
		 int kind, int script)
{
	struct sf_token t = {
		.term = term,
		.term_len = tlen,
		.pos = pos,
		.start = (uint32_t)b,
		.end = (uint32_t)e,
		.kind = (uint8_t)kind,
		.script = (uint8_t)script,
	};
	if (sc->fn(sc->ctx, &t)) sc->stopped = true;
}

/* Analyzes [b, e) as a word (or number) and emits it at pos unless it is empty or a stop word. */
static void emit_word(struct scan *sc, size_t b, size_t e, uint32_t pos, bool part)
{
	struct text_word w;
	text_analyze_word(sc->a, sc->text + b, e - b, &w);
	if (w.len == 0 || (w.stop && sc->o->stopwords)) return;
	int kind = part ? SF_TOK_PART : w.number ? SF_TOK_NUMBER : SF_TOK_WORD;
	emit(sc, w.term, w.len, pos, b, e, kind, w.script);
}

/* Drops trailing joiners and ignorables, and leading ones except / and \. False when empty. */
static bool trim(const struct scan *sc, size_t *pb, size_t *pe)
{
	const char *t = sc->text;
	size_t b = *pb, e = *pe, k;
	while (e > b) {
		size_t j = e - 1;
		while (j > b && ((unsigned char)t[j] & 0xc0) == 0x80 && e - j < 4) j--;
		int c = cls_at(sc, j, e, &k);
		if (c != TC_JOIN && c != TC_IGN) break;
		e = j;
	}
	while (b < e) {
		int c = cls_at(sc, b, e, &k);
		if (c == TC_IGN || (c == TC_JOIN && t[b] != '/' && t[b] != '\\'))
			b += k;
		else
			break;
	}
	*pb = b;
	*pe = e;
	return b < e;
}

static inline bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static inline bool is_ascii_join(char c)
{
	return (unsigned char)c < 0x80 && text_ascii_class[(unsigned char)c] == TC_JOIN;
}

/* Walks the parts of a compound [i, e). */
struct parts {
	size_t i;
	size_t e;
	bool seg_start; /* i is at the start of a piece between joiners */
};

static bool parts_next(const struct scan *sc, struct parts *it, size_t *ps, size_t *pe)
{
	const char *t = sc->text;
	size_t k;
	for (;;) {
		while (it->i < it->e && cls_at(sc, it->i, it->e, &k) == TC_JOIN) {
			it->i += k;
			it->seg_start = true;
		}
		if (it->i >= it->e) return false;
		size_t s = it->i;
		if (it->seg_start) {
			it->seg_start = false;
			if (t[s] == '0' && s + 2 < it->e && (t[s + 1] | 0x20) == 'x' && is_hex(t[s + 2])) {
				size_t j = s + 2;
				while (j < it->e && is_hex(t[j])) j++;
				if (j == it->e || is_ascii_join(t[j])) {
					*ps = s + 2;
					*pe = j;
					it->i = j;
					return true;
				}
			}
		}
		while (s < it->e && cls_at(sc, s, it->e, &k) == TC_IGN) s += k;
		int type = 0;
		size_t j = s;
		while (j < it->e) {
			int c = cls_at(sc, j, it->e, &k);
			if (c == TC_JOIN) break;
			if (c == TC_LET || c == TC_DIG) {
				if (type && c != type) break;
				type = c;
			}
			j += k;
		}
		it->i = j;
		if (type) {
			*ps = s;
			*pe = j;
			return true;
		}
	}
}

/* A trimmed span without ".." or "--": one word, or a compound and its parts. */
static void do_core(struct scan *sc, size_t b, size_t e)
{
	bool has_join = false;
	for (size_t i = b; i < e; i++)
		if (is_ascii_join(sc->text[i])) {
			has_join = true;
			break;
		}
	struct parts it = { b, e, true };
	size_t ps = 0, pe = 0, nsub = 0;
	while (nsub < 2 && parts_next(sc, &it, &ps, &pe)) nsub++;
	if (nsub == 0) return;
	if (nsub == 1 && !has_join && ps == b && pe == e) {
		emit_word(sc, b, e, sc->pos, false);
		sc->pos++;
		return;
	}
	struct text_norm_info info;
	const char *term;
	size_t tl = text_normalize_compound(sc->a, sc->text + b, e - b, &info, &term);
	uint32_t p0 = sc->pos;
	if (tl) {
		emit(sc, term, tl, p0, b, e, SF_TOK_COMPOUND, info.script);
		if (sc->stopped) return;
	}
	if (!sc->o->parts) {
		sc->pos = p0 + 1;
		return;
	}
	it = (struct parts){ b, e, true };
	uint32_t np = 0;
	while (parts_next(sc, &it, &ps, &pe)) {
		emit_word(sc, ps, pe, p0 + np, true);
		if (sc->stopped) return;
		np++;
	}
	sc->pos = p0 + (np ? np : 1);
}

/* Index of the first ".." or "--" in [b, e), or e. */
static size_t find_double(const char *t, size_t b, size_t e)
{
	for (size_t i = b; i + 1 < e; i++)
		if ((t[i] == '.' || t[i] == '-') && t[i + 1] == t[i]) return i;
	return e;
}

static void do_span(struct scan *sc, size_t b, size_t e)
{
	while (!sc->stopped && trim(sc, &b, &e)) {
		size_t k = find_double(sc->text, b, e);
		if (k == e) {
			do_core(sc, b, e);
			return;
		}
		size_t cb = b, ce = k;
		if (trim(sc, &cb, &ce)) do_core(sc, cb, ce);
		b = k;
		while (b < e && (sc->text[b] == '.' || sc->text[b] == '-')) b++;
	}
}

enum sf_err sf_analyze(struct sf_analyzer *a, const char *text, size_t len, sf_token_fn fn,
		       void *ctx)
{
	if (len > UINT32_MAX) return SF_ERR_LIMIT;
	struct scan sc = { .a = a, .o = text_opts(a), .text = text, .len = len, .fn = fn, .ctx = ctx };
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, k;
	while (i < len && !sc.stopped) {
		int c = text_char_class(s + i, len - i, &k);
		if (c == TC_SEP) {
			i += k;
			continue;
		}
		size_t b = i;
		unsigned seen = 0;
		for (;;) {
			seen |= 1u << c;
			i += k;
			if (i >= len) break;
			c = text_char_class(s + i, len - i, &k);
			if (c == TC_SEP) break;
		}
		if (seen == (1u << TC_LET) || seen == (1u << TC_DIG)) {
			emit_word(&sc, b, i, sc.pos, false);
			sc.pos++;
		} else {
			do_span(&sc, b, i);
		}
	}
	return SF_OK;
}
