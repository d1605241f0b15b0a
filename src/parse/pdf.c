/*
 * parse/pdf.c: PDF through poppler's pdftotext and pdftoppm, run as separate programs (they are
 * GPL, sufler links nothing of theirs) under CPU, memory and time limits.
 *
 * pdftotext gives the text layer with a form feed after every page, so each paragraph keeps its
 * page. A page whose text layer is missing (no letters) or unreadable (junk by sf_text_garbage,
 * as broken font encodings give, judged on pages of MIN_LETTERS letters or more) is rendered by
 * pdftoppm at
 * limits.ocr_dpi (200: OCR reads as well at 200 dpi as at 300, see ocr.c) in grey and goes
 * through OCR. Encrypted and damaged files fail with the reason
 * poppler gives. The title and author come from the document information (pdfinfo), else the
 * title is the first line when it is short.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/mem.h"
#include "parse/exec.h"
#include "parse/ocr.h"
#include "parse/parse_int.h"
#include "text/utf8.h"
#include "base/banned.h"

#define MIN_LETTERS 20

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

static size_t letters(const char *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		uint32_t c = 0;
		size_t m = sf_utf8_decode(p + i, n - i, &c);
		if (!m) m = 1;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0x24f) ||
		    (c >= 0x400 && c <= 0x4ff))
			k++;
		i += m;
	}
	return k;
}

static void poppler_reason(struct sf_presult *r, const struct sf_buf *err, int status, const char *what)
{
	if (strstr(err->ptr, "assword") || strstr(err->ptr, "ncrypt") || (WIFEXITED(status) && WEXITSTATUS(status) == 3))
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "password-protected PDF");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		sf_presult_fail(r, SF_ERR_UNSUPPORTED, "%s not installed (Debian package poppler-utils)", what);
	else {
		/* poppler's first message line, without its "Syntax Error" noise when there is more */
		const char *m = err->ptr;
		size_t n = strcspn(m, "\n");
		sf_presult_fail(r, SF_ERR_INVALID, "damaged PDF (%s: %.*s)", what, (int)(n > 200 ? 200 : n), n ? m : "no output");
	}
}

/* Renders page pg and runs OCR on it. */
static void ocr_page(const char *pdf, uint32_t pg, struct sf_pdoc *d, const struct sf_parse_opts *o,
		     struct sf_presult *r, struct sf_ocr_stats *st)
{
	char prefix[4096], png[4200], pgs[16], dpi[16];
	snprintf(prefix, sizeof prefix, "%s.p%u", pdf, pg);
	/* raw PGM: no PNG to compress here and inflate again in OCR (a tenth of its time) */
	snprintf(png, sizeof png, "%s.pgm", prefix);
	snprintf(pgs, sizeof pgs, "%u", pg);
	snprintf(dpi, sizeof dpi, "%u", o->limits.ocr_dpi ? o->limits.ocr_dpi : 200);
	char *argv[] = { "pdftoppm", "-q", "-r", dpi, "-gray", "-singlefile", "-f", pgs, "-l", pgs,
			 (char *)pdf, prefix, NULL };
	struct sf_exec_limits el = { 120, 180, (size_t)2 << 30 };
	struct sf_buf err = SF_BUF_INIT;
	int status;
	enum sf_err rc = sf_exec(argv, &el, NULL, &err, &status);
	if (rc || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		sf_presult_warn(r, "page %u: could not render it for OCR%s", pg, rc == SF_ERR_LIMIT ? " (time or memory limit)" : "");
		sf_buf_release(&err);
		unlink(png);
		return;
	}
	sf_buf_release(&err);
	int fd = open(png, O_RDONLY | O_CLOEXEC);
	struct sf_buf img;
	sf_buf_init(&img, (size_t)512 << 20);
	if (fd >= 0) {
		char buf[65536];
		ssize_t k;
		while ((k = read(fd, buf, sizeof buf)) > 0)
			if (sf_buf_add(&img, buf, (size_t)k) != SF_OK) break;
		close(fd);
	}
	unlink(png);
	if (!img.len) {
		sf_presult_warn(r, "page %u: rendering gave no image", pg);
	} else {
		/* a page OCR refuses is a warning: the rest of the document stands */
		struct sf_presult pr;
		sf_presult_init(&pr);
		if (sf_ocr_page((const uint8_t *)img.ptr, img.len, pg, d, o, &pr, st) != SF_OK) {
			if (pr.rc == SF_ERR_UNSUPPORTED) sf_presult_fail(r, pr.rc, "%s", pr.reason.ptr);
			else sf_presult_warn(r, "page %u: %s", pg, pr.reason.ptr);
		}
		if (pr.warnings.len) sf_presult_warn(r, "%.*s", (int)(pr.warnings.len - 1), pr.warnings.ptr);
		sf_presult_release(&pr);
	}
	sf_buf_release(&img);
}

/* The document information's Title and Author (pdfinfo -enc UTF-8), when the PDF has them. */
static void pdf_info(const char *path, struct sf_pdoc *d)
{
	char *argv[] = { "pdfinfo", "-enc", "UTF-8", (char *)path, NULL };
	struct sf_exec_limits el = { 20, 30, (size_t)1 << 30 };
	struct sf_buf out;
	sf_buf_init(&out, 1 << 20);
	int status;
	if (sf_exec(argv, &el, &out, NULL, &status) == SF_OK && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		for (const char *l = out.ptr; *l;) {
			const char *nl = strchr(l, '\n');
			size_t n = nl ? (size_t)(nl - l) : strlen(l);
			if (n > 16 && !strncmp(l, "Title:", 6)) sf_pdoc_set_title(d, l + 16, n - 16, true);
			if (n > 16 && !strncmp(l, "Author:", 7)) {
				sf_buf_reset(&d->field[SF_PF_AUTHOR]);
				if (fold_ws(&d->field[SF_PF_AUTHOR], l + 16, n - 16) != SF_OK) sf_buf_reset(&d->field[SF_PF_AUTHOR]);
			}
			l += n + (nl != NULL);
		}
	}
	sf_buf_release(&out);
}

void parse_pdf(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	const struct sf_parse_limits *l = &o->limits;
	char path[4096];
	snprintf(path, sizeof path, "%s/sufler-pdf-XXXXXX", tmpdir());
	int fd = mkstemp(path);
	if (fd < 0) {
		sf_presult_fail(r, SF_ERR_IO, "cannot make a temporary file in %s: %s", tmpdir(), strerror(errno));
		return;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t k = write(fd, data + off, len - off);
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) break;
		off += (size_t)k;
	}
	close(fd);
	struct sf_buf text, err = SF_BUF_INIT;
	sf_buf_init(&text, l->max_text);
	if (off != len) {
		sf_presult_fail(r, SF_ERR_IO, "cannot write a temporary file in %s", tmpdir());
		goto out;
	}
	snprintf(r->encoding, sizeof r->encoding, "utf-8");
	char last[16];
	snprintf(last, sizeof last, "%u", l->max_pages);
	char *argv[] = { "pdftotext", "-enc", "UTF-8", "-eol", "unix", "-l", last, path, "-", NULL };
	struct sf_exec_limits el = { 300, 600, (size_t)2 << 30 };
	int status;
	enum sf_err rc = sf_exec(argv, &el, &text, &err, &status);
	if (rc == SF_ERR_LIMIT) {
		sf_presult_fail(r, SF_ERR_LIMIT, "pdftotext ran past its time, memory or output limit");
		goto out;
	}
	if (rc || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		poppler_reason(r, &err, status, "pdftotext");
		goto out;
	}
	struct sf_buf clean;
	size_t fixed = 0;
	sf_buf_init(&clean, l->max_text);
	if (sf_utf8_repair(text.ptr, text.len, &clean, &fixed) != SF_OK) {
		sf_presult_fail(r, SF_ERR_LIMIT, "text past the limits");
		sf_buf_release(&clean);
		goto out;
	}
	struct sf_pdoc *d = sf_presult_add_doc(r, l);
	struct sf_ocr_stats st = { 0, 0 };
	uint32_t page = 0, ocr_skipped = 0;
	size_t i = 0;
	while (d && i < clean.len && !r->rc) {
		const char *ff = memchr(clean.ptr + i, '\f', clean.len - i);
		size_t e = ff ? (size_t)(ff - clean.ptr) : clean.len;
		if (!ff && e == i) break; /* nothing after the last page's feed */
		page++;
		const char *pt = clean.ptr + i;
		size_t pn = e - i;
		char why[160];
		/* no letters at all: a scan (or an image); letters that do not read as text: a broken
		 * font encoding. A page with a few real words (a separator, a figure) is kept as is. */
		size_t nl = letters(pt, pn);
		bool readable = nl > 0 && (nl < MIN_LETTERS || !sf_text_garbage(pt, pn, why, sizeof why));
		if (readable) {
			if (parse_text_pages(d, l, pt, pn, page) != SF_OK) sf_presult_fail(r, SF_ERR_LIMIT, "text past the limits");
		} else if (l->ocr) {
			ocr_page(path, page, d, o, r, &st);
		} else {
			ocr_skipped++;
		}
		i = e + 1;
	}
	if (d) {
		d->pages = page;
		pdf_info(path, d);
		title_from_first_line(d);
		if (st.accepted) d->ocr_conf = st.conf_sum / st.accepted;
		if (ocr_skipped) sf_presult_warn(r, "%u pages without a text layer (OCR is off)", ocr_skipped);
	}
	if (fixed) sf_presult_warn(r, "%zu invalid UTF-8 bytes from pdftotext replaced", fixed);
	sf_buf_release(&clean);
out:
	unlink(path);
	sf_buf_release(&text);
	sf_buf_release(&err);
}
