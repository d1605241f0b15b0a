/*
 * parse/ocr.c: images (PNG, JPEG, TIFF) and scanned pages through Tesseract, and the detector
 * that keeps OCR junk and binary noise out of the index.
 *
 * One Tesseract instance per process ("rus+eng", the LSTM engine), made on first use and kept:
 * loading the models costs far more than a page. Before recognition a page is converted to
 * grey and deskewed (leptonica), which matters for scans a few degrees off. Image size is read
 * from the header first and refused past OCR_MAX_PIXELS, so a decompression bomb is never
 * decoded. Each page keeps its mean word confidence; a page whose confidence is below
 * limits.min_ocr_conf, or whose text fails sf_text_garbage, gives nothing (with a warning).
 */
#include <leptonica/allheaders.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "parse/ocr.h"
#include "parse/parse_int.h"
#include "text/utf8.h"
#include "base/banned.h"

#define OCR_MAX_PIXELS (120u * 1000u * 1000u) /* a 600 dpi A3 page is 70 Mpx */
#define OCR_DPI 200                            /* the resolution pages are recognized at */

static TessBaseAPI *api;
static bool api_failed;

static TessBaseAPI *ocr_api(void)
{
	if (api || api_failed) return api;
	setMsgSeverity(L_SEVERITY_NONE);
	api = TessBaseAPICreate();
	if (!api || TessBaseAPIInit3(api, NULL, "rus+eng") != 0) {
		if (api) TessBaseAPIDelete(api);
		api = NULL;
		api_failed = true;
		return NULL;
	}
	TessBaseAPISetPageSegMode(api, PSM_AUTO);
	return api;
}

static bool letter(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) ||
	       (c >= 0x370 && c <= 0x3ff) || (c >= 0x400 && c <= 0x4ff);
}

static bool vowel(uint32_t c)
{
	static const uint32_t v[] = { 'a', 'e', 'i', 'o', 'u', 'y', 'A', 'E', 'I', 'O', 'U', 'Y', 0x430, 0x435,
				      0x451, 0x438, 0x43e, 0x443, 0x44b, 0x44d, 0x44e, 0x44f, 0x410, 0x415,
				      0x401, 0x418, 0x41e, 0x423, 0x42b, 0x42d, 0x42e, 0x42f };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		if (v[i] == c) return true;
	return false;
}

bool sf_text_garbage(const char *p, size_t n, char *why, size_t whylen)
{
	size_t words = 0, good = 0, letters = 0, visible = 0, i = 0;
	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r' || p[i] == '\f')) i++;
		if (i >= n) break;
		size_t wl = 0, wd = 0, wv = 0, wchars = 0;
		bool lat = false, cyr = false;
		while (i < n && !(p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r' || p[i] == '\f')) {
			uint32_t c = 0xfffd;
			size_t k = sf_utf8_decode(p + i, n - i, &c);
			if (!k) k = 1;
			i += k;
			wchars++;
			if (letter(c)) {
				wl++;
				if (c < 0x250) lat = true;
				else if (c >= 0x400) cyr = true;
				if (vowel(c)) wv++;
			} else if (c >= '0' && c <= '9') {
				wd++;
			}
		}
		words++;
		letters += wl;
		/* a lone mark (dot leaders of a table of contents, bullets) is layout, not text */
		if (wchars > 1 || wl) visible += wchars;
		/* punctuation in and around a word (quotes, brackets, foo_bar@Base in a manual's
		 * code) is normal; mojibake and OCR noise lack vowels or mix scripts */
		bool wordish = wl >= 2 && wl * 10 >= wchars * 6 && !(lat && cyr) && (wv || wl <= 3);
		bool number = wd && wd + 2 >= wchars && wchars <= 16;
		bool shortp = wchars == 1 && (wl || wd || p[i - 1] == '-' || p[i - 1] == '.');
		if (wordish || number || shortp) good++;
	}
	if (!words) {
		if (why) snprintf(why, whylen, "no text");
		return true;
	}
	if (good * 2 < words) {
		if (why) snprintf(why, whylen, "only %zu of %zu words look like words", good, words);
		return true;
	}
	if (letters * 2 < visible) {
		if (why) snprintf(why, whylen, "only %zu of %zu characters are letters", letters, visible);
		return true;
	}
	return false;
}

/* OCR of one decoded page into d; page 0 for a single image. */
static void ocr_pix(PIX *pix, uint32_t page, struct sf_pdoc *d, const struct sf_parse_opts *o,
		    struct sf_presult *r, struct sf_ocr_stats *st)
{
	TessBaseAPI *t = ocr_api();
	if (!t) {
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "OCR unavailable (Tesseract with rus+eng models not installed)");
		return;
	}
	/* Scans come at 300 dpi or more; recognition reads text lines scaled to a fixed height
	 * anyway, so past OCR_DPI only layout analysis and thresholding grow (measured on A4 pages:
	 * 200 dpi reads as well as 300, in two thirds of the time). A resolution the image does not
	 * state is guessed from its width: 2,000 pixels or more is a page at 300 dpi. */
	l_int32 res = pixGetXRes(pix);
	if (res < 70) res = pixGetWidth(pix) >= 2000 ? 300 : OCR_DPI;
	PIX *g = pixConvertTo8(pix, 0);
	PIX *sc = g && res > OCR_DPI + 40 ? pixScaleGrayLI(g, (l_float32)OCR_DPI / res, (l_float32)OCR_DPI / res) : NULL;
	if (sc) res = OCR_DPI;
	PIX *base = sc ? sc : g;
	PIX *dsk = base ? pixDeskew(base, 0) : NULL;
	PIX *use = dsk ? dsk : base ? base : pix;
	TessBaseAPISetImage2(t, use);
	TessBaseAPISetSourceResolution(t, res);
	char *text = TessBaseAPIGetUTF8Text(t);
	int conf = TessBaseAPIMeanTextConf(t);
	d->ocr_pages++;
	char why[160];
	size_t n = text ? strlen(text) : 0;
	if (!n || conf < o->limits.min_ocr_conf || sf_text_garbage(text, n, why, sizeof why)) {
		if (n && conf < o->limits.min_ocr_conf) snprintf(why, sizeof why, "confidence %d below %.0f", conf, o->limits.min_ocr_conf);
		else if (!n) snprintf(why, sizeof why, "no text recognized");
		if (page) sf_presult_warn(r, "page %u: OCR text refused (%s)", page, why);
		else sf_presult_warn(r, "OCR text refused (%s)", why);
	} else {
		st->conf_sum += conf;
		st->accepted++;
		/* Tesseract separates paragraphs with blank lines and keeps line breaks inside them */
		size_t i = 0;
		struct sf_buf para = SF_BUF_INIT;
		while (i < n && !r->rc) {
			const char *nl = strchr(text + i, '\n');
			size_t e = nl ? (size_t)(nl - text) : n;
			bool blank = e == i;
			if (!blank) {
				/* a word hyphenated across the line end joins up again */
				if (para.len && para.ptr[para.len - 1] == '-' && para.len >= 2 && para.ptr[para.len - 2] != ' ')
					sf_buf_setlen(&para, para.len - 1);
				else if (para.len && sf_buf_addch(&para, ' ') != SF_OK)
					break;
				if (sf_buf_add(&para, text + i, e - i) != SF_OK) break;
			}
			if ((blank || e >= n) && para.len) {
				if (sf_pdoc_add(d, &o->limits, SF_PB_PARA, 0, page, 0, para.ptr, para.len, (float)conf) != SF_OK)
					sf_presult_fail(r, SF_ERR_LIMIT, "text past the limits");
				sf_buf_reset(&para);
			}
			i = e + 1;
		}
		if (para.len && !r->rc &&
		    sf_pdoc_add(d, &o->limits, SF_PB_PARA, 0, page, 0, para.ptr, para.len, (float)conf) != SF_OK)
			sf_presult_fail(r, SF_ERR_LIMIT, "text past the limits");
		sf_buf_release(&para);
	}
	if (text) TessDeleteText(text);
	TessBaseAPIClear(t);
	if (dsk) pixDestroy(&dsk);
	if (sc) pixDestroy(&sc);
	if (g) pixDestroy(&g);
}

#define OCR_MIN_SIDE 64 /* icons, bullets and rules: too small to hold a line of text */

static bool pix_size_ok(const uint8_t *data, size_t len, struct sf_presult *r)
{
	l_int32 fmt = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
	if (pixReadHeaderMem(data, len, &fmt, &w, &h, &bps, &spp, &cmap) != 0 || w <= 0 || h <= 0) {
		sf_presult_fail(r, SF_ERR_INVALID, "damaged image (unreadable header)");
		return false;
	}
	if (w < OCR_MIN_SIDE || h < OCR_MIN_SIDE / 4 || (uint64_t)w * (uint64_t)h < 64u * 64u) {
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "image of %dx%d pixels: too small to hold text", w, h);
		r->skipped = true;
		return false;
	}
	if ((uint64_t)w * (uint64_t)h > OCR_MAX_PIXELS) {
		sf_presult_fail(r, SF_ERR_LIMIT, "image of %dx%d pixels, over the %u-pixel limit", w, h, OCR_MAX_PIXELS);
		return false;
	}
	return true;
}

enum sf_err sf_ocr_page(const uint8_t *data, size_t len, uint32_t page, struct sf_pdoc *d,
			const struct sf_parse_opts *o, struct sf_presult *r, struct sf_ocr_stats *st)
{
	if (!pix_size_ok(data, len, r)) return r->rc;
	PIX *pix = pixReadMem(data, len);
	if (!pix) return sf_presult_fail(r, SF_ERR_INVALID, "damaged image");
	ocr_pix(pix, page, d, o, r, st);
	pixDestroy(&pix);
	return r->rc;
}

void parse_image(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	if (!o->limits.ocr) {
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "image, and OCR is off");
		r->skipped = true; /* asked for: not an error */
		return;
	}
	struct sf_pdoc *d = sf_presult_add_doc(r, &o->limits);
	if (!d) return;
	struct sf_ocr_stats st = { 0, 0 };
	bool tiff = len >= 4 && (!memcmp(data, "II*\0", 4) || !memcmp(data, "MM\0*", 4));
	if (!tiff) {
		if (sf_ocr_page(data, len, 0, d, o, r, &st) != SF_OK) return;
	} else {
		if (!pix_size_ok(data, len, r)) return;
		/* multi-page TIFF: page by page */
		for (uint32_t pg = 0; pg < o->limits.max_pages && !r->rc; pg++) {
			PIX *pix = pixReadMemTiff(data, len, (l_int32)pg);
			if (!pix) {
				if (pg == 0) sf_presult_fail(r, SF_ERR_INVALID, "damaged TIFF");
				break;
			}
			if ((uint64_t)pixGetWidth(pix) * (uint64_t)pixGetHeight(pix) > OCR_MAX_PIXELS) {
				pixDestroy(&pix);
				sf_presult_fail(r, SF_ERR_LIMIT, "TIFF page %u over the pixel limit", pg + 1);
				break;
			}
			ocr_pix(pix, pg + 1, d, o, r, &st);
			pixDestroy(&pix);
			d->pages = pg + 1;
		}
	}
	if (st.accepted) d->ocr_conf = st.conf_sum / st.accepted;
	if (!r->rc && !d->nblocks) {
		/* a picture (a diagram, a photo, a decoration), not a scan: nothing to index */
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "no readable text in the image");
		r->skipped = true;
	}
}
