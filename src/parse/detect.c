/*
 * parse/detect.c: a file's type from its first and last bytes, then its name.
 *
 * Content decides where it can (a PDF named .txt is a PDF); the extension only picks between
 * formats the bytes cannot tell apart (Markdown or plain text, JSON or JSONL, CSV or text). ZIP
 * containers are told apart by the member names in their central directory (at the end) or
 * first local header (ODF puts its "mimetype" member first, uncompressed).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse/detect.h"
#include "parse/encoding.h"
#include "base/banned.h"

static bool has(const uint8_t *p, size_t n, const char *s)
{
	return memmem(p, n, s, strlen(s)) != NULL;
}

static const char *ext_of(const char *name)
{
	if (!name) return "";
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	const char *dot = strrchr(base, '.');
	return dot && dot != base ? dot + 1 : "";
}

static bool ext_is(const char *ext, const char *const *list)
{
	for (; *list; list++)
		if (!strcasecmp(ext, *list)) return true;
	return false;
}

/* Skips whitespace and a UTF-8 BOM at the start. */
static size_t lead(const uint8_t *p, size_t n)
{
	size_t i = 0;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n')) i++;
	return i;
}

static bool starts_ci(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	return n >= k && !strncasecmp((const char *)p, s, k);
}

static const char *zip_kind(const uint8_t *p, size_t n, char *why, size_t whylen)
{
	size_t head = n < 65536 ? n : 65536;
	const uint8_t *tail = n > 65536 ? p + n - 65536 : p;
	size_t tl = n > 65536 ? 65536 : n;
	if (head > 38 && !memcmp(p + 30, "mimetype", 8)) {
		if (has(p, head < 200 ? head : 200, "application/vnd.oasis.opendocument.text")) return "odt";
		if (has(p, head < 200 ? head : 200, "application/vnd.oasis.opendocument.spreadsheet"))
			return "ods";
	}
	if (head > 38 && !memcmp(p + 30, "mimetype", 8) && (has(tail, tl, "content.xml") || has(p, head, "content.xml")))
		return "odf"; /* a compressed mimetype member: the parser reads it */
	if (has(tail, tl, "word/document.xml") || has(p, head, "word/document.xml")) return "docx";
	if (has(tail, tl, "xl/workbook.xml") || has(p, head, "xl/workbook.xml")) return "xlsx";
	if (has(tail, tl, "ppt/presentation.xml")) {
		snprintf(why, whylen, "PowerPoint presentations (.pptx) are not read");
		return NULL;
	}
	if (has(p, head < 200 ? head : 200, "application/vnd.oasis.opendocument")) {
		snprintf(why, whylen, "OpenDocument of a kind other than text or spreadsheet");
		return NULL;
	}
	snprintf(why, whylen, "ZIP archive that is not a DOCX, XLSX, ODT or ODS document");
	return NULL;
}

const char *sf_parse_detect(const uint8_t *p, size_t n, const char *name, char *why, size_t whylen)
{
	static const char *const md[] = { "md", "markdown", "mdown", "mkd", NULL };
	static const char *const csv[] = { "csv", "tsv", NULL };
	static const char *const jsonl[] = { "jsonl", "ndjson", NULL };
	static const char *const htm[] = { "html", "htm", "xhtml", "xht", NULL };
	const char *ext = ext_of(name);
	if (why && whylen) why[0] = 0;
	if (n == 0) {
		snprintf(why, whylen, "empty file");
		return NULL;
	}
	if (n >= 5 && !memcmp(p, "%PDF-", 5)) return "pdf";
	/* some PDFs carry junk before the header: it must be in the first KiB */
	if (has(p, n < 1024 ? n : 1024, "%PDF-")) return "pdf";
	if (n >= 4 && !memcmp(p, "PK\x03\x04", 4)) return zip_kind(p, n, why, whylen);
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8)) return "image";
	if (n >= 3 && !memcmp(p, "\xff\xd8\xff", 3)) return "image";
	if (n >= 4 && (!memcmp(p, "II*\0", 4) || !memcmp(p, "MM\0*", 4))) return "image";
	if (n >= 8 && !memcmp(p, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8)) {
		snprintf(why, whylen, "%s", has(p, n < 65536 ? n : 65536, "E\0n\0c\0r\0y\0p\0t\0e\0d\0P\0a\0c\0k\0a\0g\0e")
					       ? "password-protected Office document (encrypted)"
					       : "legacy Office binary format (.doc/.xls): save it as DOCX/XLSX");
		return NULL;
	}
	if (n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8) return "gzip";
	if (n >= 4 && !memcmp(p, "\x7f" "ELF", 4)) {
		snprintf(why, whylen, "executable (ELF)");
		return NULL;
	}
	bool bmp = n >= 14 && !memcmp(p, "BM", 2) && !p[6] && !p[7] && !p[8] && !p[9];
	if (n >= 4 && (!memcmp(p, "GIF8", 4) || !memcmp(p, "RIFF", 4) || bmp)) {
		snprintf(why, whylen, "image format not read (GIF, BMP, WebP): convert to PNG");
		return NULL;
	}
	size_t bom;
	const char *enc = sf_enc_detect(p, n, &bom);
	if (!enc) {
		snprintf(why, whylen, "binary data of an unknown type");
		return NULL;
	}
	if (strcmp(enc, "utf-8") && strcmp(enc, "windows-1251") && strcmp(enc, "koi8-r") &&
	    strcmp(enc, "cp866") && strcmp(enc, "iso-8859-1")) {
		/* UTF-16: markup and JSON in it are rare; read it as text */
		return ext_is(ext, md) ? "markdown" : ext_is(ext, csv) ? "csv" : "text";
	}
	size_t i = lead(p, n);
	const uint8_t *s = p + i;
	size_t m = n - i;
	if (starts_ci(s, m, "<!doctype html") || starts_ci(s, m, "<html") || ext_is(ext, htm)) return "html";
	if (starts_ci(s, m, "<?xml") || (m && s[0] == '<')) {
		size_t k = m < 4096 ? m : 4096;
		if (has(s, k, "<html") || has(s, k, "<HTML") || has(s, k, "http://www.w3.org/1999/xhtml"))
			return "html";
		return "xml";
	}
	if (ext_is(ext, jsonl)) return "jsonl";
	if (m && (s[0] == '{' || s[0] == '[')) {
		/* one object per line: JSONL even without the extension */
		const uint8_t *nl = memchr(s, '\n', m);
		if (s[0] == '{' && nl && (size_t)(nl - s) + 1 < m) {
			size_t j = (size_t)(nl - s) + 1;
			while (j < m && (s[j] == ' ' || s[j] == '\r' || s[j] == '\n' || s[j] == '\t')) j++;
			if (j < m && s[j] == '{') {
				/* the first line must close its object */
				size_t e = (size_t)(nl - s);
				while (e > 0 && (s[e - 1] == '\r' || s[e - 1] == ' ')) e--;
				if (e > 0 && s[e - 1] == '}') return "jsonl";
			}
		}
		return "json";
	}
	/* man pages: roff requests at line starts */
	if (m >= 3 && (starts_ci(s, m, ".\\\"") || starts_ci(s, m, "'\\\"") || starts_ci(s, m, ".TH ") ||
		       has(s, m < 4096 ? m : 4096, "\n.TH ") || has(s, m < 4096 ? m : 4096, "\n.SH ")))
		return "roff";
	if (ext_is(ext, md)) return "markdown";
	if (ext_is(ext, csv)) return "csv";
	return "text";
}
