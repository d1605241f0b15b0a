/*
 * text/lemma.c: Russian lemmas from the hunspell-ru dictionary, shared by every analyzer.
 *
 * The dictionary (Debian hunspell-ru: /usr/share/hunspell/ru_RU.aff + .dic, or the path prefix in
 * SUFLER_HUNSPELL_DICT) takes about 60 ms (100 ms with a cold page cache) and 18 MiB to load, so the process
 * loads it once, lazily (pthread_once) when the first analyzer that wants lemmas is created, and
 * keeps it to the end: the handle is never freed (the OS takes it back at exit; freeing it from
 * an atexit hook could pull it from under a thread that is still analyzing). The path is read
 * from the environment at that first load only. Hunspell is not documented as thread-safe, so
 * every call on the handle holds one mutex; analyzers call here only on term cache misses, so the
 * lock is rarely contended. When the files are missing or unreadable there are no lemmas and the
 * analyzer stems only (sf_analyzer_signature says "lemma=none").
 *
 * hunspell's C API takes and returns strings in the dictionary's encoding (the SET line of the
 * .aff). Debian's ru_RU is UTF-8 and goes through untouched; any other encoding is converted
 * with ICU converters that are opened once and used under the same mutex. A word that does not
 * fit the dictionary's encoding has no lemma.
 */
#include "text/text_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <hunspell/hunspell.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "base/log.h"

#include "base/banned.h"

#define LEMMA_DEFAULT_DICT "/usr/share/hunspell/ru_RU"
#define LEMMA_PATH_MAX 4096
/* Longest word handed to hunspell and longest stem taken back, in dictionary-encoded bytes. */
#define LEMMA_ENC_MAX (SF_TERM_MAX * 2 + 8)
#define LEMMA_U16_MAX (SF_TERM_MAX + 8)

static pthread_once_t lemma_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t lemma_mu = PTHREAD_MUTEX_INITIALIZER;
static Hunhandle *lemma_h;      /* NULL when no dictionary */
static UConverter *lemma_conv;  /* NULL when the dictionary is UTF-8 */

static bool readable(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) return false;
	fclose(f);
	return true;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void lemma_load(void)
{
	const char *base = getenv("SUFLER_HUNSPELL_DICT");
	if (!base || !*base) base = LEMMA_DEFAULT_DICT;
	char aff[LEMMA_PATH_MAX], dic[LEMMA_PATH_MAX];
	int na = snprintf(aff, sizeof aff, "%s.aff", base);
	int nd = snprintf(dic, sizeof dic, "%s.dic", base);
	if (na < 0 || nd < 0 || (size_t)na >= sizeof aff || (size_t)nd >= sizeof dic) {
		SF_LOG(SF_LOG_WARN, "text", "hunspell dictionary path too long, lemmas off");
		return;
	}
	/* Hunspell_create "succeeds" on missing files (it only complains on stderr): check first. */
	if (!readable(aff) || !readable(dic)) {
		SF_LOG(SF_LOG_WARN, "text", "hunspell dictionary not found, lemmas off path=%s", base);
		return;
	}
	double t0 = now_ms();
	Hunhandle *h = Hunspell_create(aff, dic);
	if (!h) {
		SF_LOG(SF_LOG_WARN, "text", "hunspell cannot load the dictionary, lemmas off path=%s", base);
		return;
	}
	const char *enc = Hunspell_get_dic_encoding(h);
	if (!enc || (strcasecmp(enc, "UTF-8") != 0 && strcasecmp(enc, "UTF8") != 0)) {
		UErrorCode st = U_ZERO_ERROR;
		UConverter *c = ucnv_open(enc ? enc : "ISO-8859-1", &st);
		if (U_SUCCESS(st)) {
			/* Unmappable characters stop the conversion instead of becoming '?'. */
			ucnv_setFromUCallBack(c, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
			ucnv_setToUCallBack(c, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
		}
		if (U_FAILURE(st)) {
			SF_LOG(SF_LOG_WARN, "text", "hunspell dictionary encoding unsupported, lemmas off enc=%s",
			       enc ? enc : "?");
			if (c) ucnv_close(c);
			Hunspell_destroy(h);
			return;
		}
		lemma_conv = c;
	}
	lemma_h = h;
	SF_LOG(SF_LOG_INFO, "text", "hunspell dictionary loaded path=%s enc=%s ms=%.0f", base,
	       enc ? enc : "?", now_ms() - t0);
}

bool text_lemma_available(void)
{
	pthread_once(&lemma_once, lemma_load);
	return lemma_h != NULL;
}

/* UTF-8 (w, n) into the dictionary's encoding, NUL-terminated; false when it does not fit. */
static bool to_dict(const char *w, size_t n, char *dst, size_t cap)
{
	if (!lemma_conv) {
		if (n >= cap) return false;
		memcpy(dst, w, n);
		dst[n] = '\0';
		return true;
	}
	UChar u16[LEMMA_U16_MAX];
	int32_t ul = 0;
	UErrorCode st = U_ZERO_ERROR;
	u_strFromUTF8(u16, LEMMA_U16_MAX, &ul, w, (int32_t)n, &st);
	if (U_FAILURE(st) || st == U_STRING_NOT_TERMINATED_WARNING) return false;
	int32_t dl = ucnv_fromUChars(lemma_conv, dst, (int32_t)cap, u16, ul, &st);
	return U_SUCCESS(st) && st != U_STRING_NOT_TERMINATED_WARNING && dl > 0 && (size_t)dl < cap;
}

/* A stem from hunspell (dictionary encoding) into UTF-8 out; its length, 0 when it fails. */
static size_t from_dict(const char *s, char *out, size_t cap)
{
	size_t sl = strlen(s);
	if (!lemma_conv) {
		if (sl == 0 || sl > cap) return 0;
		memcpy(out, s, sl);
		return sl;
	}
	UChar u16[LEMMA_U16_MAX];
	UErrorCode st = U_ZERO_ERROR;
	int32_t ul = ucnv_toUChars(lemma_conv, u16, LEMMA_U16_MAX, s, (int32_t)sl, &st);
	if (U_FAILURE(st) || ul <= 0 || ul >= LEMMA_U16_MAX) return 0;
	int32_t ol = 0;
	u_strToUTF8(out, (int32_t)cap, &ol, u16, ul, &st);
	if (U_FAILURE(st) || ol <= 0 || (size_t)ol > cap) return 0;
	return (size_t)ol;
}

/* The first stem of (w, n) into out; called with lemma_mu held. */
static size_t stem_locked(const char *w, size_t n, char *out, size_t cap)
{
	char enc[LEMMA_ENC_MAX];
	size_t len = 0;
	if (!to_dict(w, n, enc, sizeof enc)) return 0;
	char **list = NULL;
	int k = Hunspell_stem(lemma_h, &list, enc);
	/* The first stem, as `hunspell -s` prints it first. */
	if (k > 0 && list && list[0]) len = from_dict(list[0], out, cap);
	if (list) Hunspell_free_list(lemma_h, &list, k);
	return len;
}

size_t text_lemma(const char *w, size_t n, char *out, size_t cap)
{
	if (!text_lemma_available() || n == 0 || n > SF_TERM_MAX) return 0;
	if (pthread_mutex_lock(&lemma_mu) != 0) return 0;
	size_t len = stem_locked(w, n, out, cap);
	pthread_mutex_unlock(&lemma_mu);
	return len;
}
