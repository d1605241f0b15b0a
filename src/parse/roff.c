/*
 * parse/roff.c: gzip-compressed files, and man pages (roff with the man macros).
 *
 * A .gz file is inflated (zlib) with the same caps as an archive member (limits.max_unzipped,
 * limits.max_ratio past 1 MiB), then detected and parsed as what it holds; a gzip inside a gzip
 * is refused. A man page gives its title from .TH, headings from .SH (level 2) and .SS (level
 * 3), paragraphs broken at .PP/.P/.LP/.TP/.IP/.br/.sp, text of font macros (.B, .I, .BR, ...)
 * kept, .nf/.fi blocks as code, comments and other requests dropped, and the common escapes
 * reduced to their characters (font changes removed, \(em a dash, \- a hyphen, \e a backslash).
 * A ".so" page (a link to another page) says so and gives nothing.
 */
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "parse/detect.h"
#include "parse/parse_int.h"
#include "base/banned.h"

/* ---- roff ---- */

/* Escapes of [p, n) reduced, appended to out. */
static enum sf_err unescape(struct sf_buf *out, const char *p, size_t n)
{
	enum sf_err rc = SF_OK;
	for (size_t i = 0; i < n && !rc;) {
		if (p[i] != '\\' || i + 1 >= n) {
			rc = sf_buf_addch(out, p[i++]);
			continue;
		}
		char c = p[i + 1];
		i += 2;
		switch (c) {
		case 'f': /* font: \fB, \f(BI, \f[B] */
		case 's': /* size: \s+2, \s0 */
		case '*': /* string: \*(lq, \*[x], \*x */
			if (c == 's') {
				if (i < n && (p[i] == '+' || p[i] == '-')) i++;
				while (i < n && p[i] >= '0' && p[i] <= '9') i++;
				break;
			}
			if (i < n && p[i] == '(') i += 3;
			else if (i < n && p[i] == '[') {
				while (i < n && p[i] != ']') i++;
				i++;
			} else {
				i++;
			}
			break;
		case '(': /* two-letter character: \(em, \(bu, \(lq ... */
		case '[': {
			char name[16] = "";
			size_t k = 0;
			if (c == '(') {
				for (; k < 2 && i < n; k++) name[k] = p[i++];
			} else {
				while (i < n && p[i] != ']' && k < sizeof name - 1) name[k++] = p[i++];
				while (i < n && p[i] != ']') i++;
				i++;
			}
			name[k] = 0;
			if (!strcmp(name, "em") || !strcmp(name, "en")) rc = sf_buf_adds(out, "\xe2\x80\x94");
			else if (!strcmp(name, "bu")) rc = sf_buf_adds(out, "\xe2\x80\xa2");
			else if (!strcmp(name, "lq") || !strcmp(name, "rq") || !strcmp(name, "dq")) rc = sf_buf_addch(out, '"');
			else if (!strcmp(name, "aq") || !strcmp(name, "oq") || !strcmp(name, "cq")) rc = sf_buf_addch(out, '\'');
			else if (!strcmp(name, "co")) rc = sf_buf_adds(out, "\xc2\xa9");
			else if (!strcmp(name, "ti")) rc = sf_buf_addch(out, '~');
			else if (!strcmp(name, "ha")) rc = sf_buf_addch(out, '^');
			else if (!strcmp(name, "rs")) rc = sf_buf_addch(out, '\\');
			break;
		}
		case '-': rc = sf_buf_addch(out, '-'); break;
		case 'e':
		case '\\': rc = sf_buf_addch(out, '\\'); break;
		case ' ':
		case '~':
		case '0': rc = sf_buf_addch(out, ' '); break;
		case '"': i = n; break; /* a comment to the end of the line */
		default: break;        /* \&, \c, \|, \^, \%, \/, \, ... : nothing */
		}
	}
	return rc;
}

/* A macro's arguments ("quoted" or words) joined by spaces (join: without, as .BR does). */
static enum sf_err macro_args(struct sf_buf *out, const char *p, size_t n, bool join)
{
	enum sf_err rc = SF_OK;
	bool first = true;
	for (size_t i = 0; i < n && !rc;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t')) i++;
		if (i >= n) break;
		size_t s = i, e;
		if (p[i] == '"') {
			s = ++i;
			while (i < n && p[i] != '"') i++;
			e = i++;
		} else {
			while (i < n && p[i] != ' ' && p[i] != '\t') i++;
			e = i;
		}
		if (!first && !join) rc = sf_buf_addch(out, ' ');
		if (!rc) rc = unescape(out, p + s, e - s);
		first = false;
	}
	return rc;
}

static bool font_macro(const char *m)
{
	static const char *const f[] = { "B", "I", "BR", "BI", "IB", "IR", "RB", "RI", "SM", "SB", NULL };
	for (int i = 0; f[i]; i++)
		if (!strcmp(m, f[i])) return true;
	return false;
}

void parse_roff(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	const struct sf_parse_limits *l = &o->limits;
	struct sf_buf t, para = SF_BUF_INIT, line = SF_BUF_INIT;
	sf_buf_init(&t, l->max_text);
	if (text_to_utf8(data, len, &t, r->encoding, r) != SF_OK) goto out;
	struct sf_pdoc *d = sf_presult_add_doc(r, l);
	if (!d) goto out;
	enum sf_err rc = SF_OK;
	bool nofill = false;
	enum sf_pblock_kind kind = SF_PB_PARA;
	for (size_t i = 0; i < t.len && !rc;) {
		const char *nl = memchr(t.ptr + i, '\n', t.len - i);
		size_t e = nl ? (size_t)(nl - t.ptr) : t.len;
		const char *s = t.ptr + i;
		size_t n = e - i;
		i = e + 1;
		if (n >= 3 && (s[0] == '.' || s[0] == '\'') && s[1] == '\\' && s[2] == '"') continue;
		if (n && (s[0] == '.' || s[0] == '\'')) {
			size_t k = 1;
			while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
			size_t m0 = k;
			while (k < n && s[k] != ' ' && s[k] != '\t') k++;
			char mac[8] = "";
			size_t ml = k - m0 < sizeof mac - 1 ? k - m0 : sizeof mac - 1;
			memcpy(mac, s + m0, ml);
			const char *args = s + k;
			size_t an = n - k;
			if (!strcmp(mac, "so") && !d->nblocks) {
				sf_presult_fail(r, SF_ERR_UNSUPPORTED, "a link to another man page (.so)");
				r->skipped = true;
				goto out;
			}
			if (!strcmp(mac, "TH")) {
				sf_buf_reset(&line);
				rc = macro_args(&line, args, an, false);
				/* "NAME SECTION DATE ...": the name and section */
				const char *sp = memchr(line.ptr, ' ', line.len);
				const char *sp2 = sp ? memchr(sp + 1, ' ', line.len - (size_t)(sp + 1 - line.ptr)) : NULL;
				size_t tl = sp2 ? (size_t)(sp2 - line.ptr) : line.len;
				if (!rc) sf_pdoc_set_title(d, line.ptr, tl, true);
				continue;
			}
			bool brk = !strcmp(mac, "PP") || !strcmp(mac, "P") || !strcmp(mac, "LP") || !strcmp(mac, "TP") ||
				   !strcmp(mac, "IP") || !strcmp(mac, "br") || !strcmp(mac, "sp") || !strcmp(mac, "HP") ||
				   !strcmp(mac, "RS") || !strcmp(mac, "RE");
			bool head = !strcmp(mac, "SH") || !strcmp(mac, "SS");
			if (brk || head || !strcmp(mac, "nf") || !strcmp(mac, "fi") || !strcmp(mac, "EX") || !strcmp(mac, "EE")) {
				if (para.len) rc = sf_pdoc_add(d, l, kind, 0, 0, 0, para.ptr, para.len, -1);
				sf_buf_reset(&para);
				kind = SF_PB_PARA;
			}
			if (!strcmp(mac, "nf") || !strcmp(mac, "EX")) nofill = true;
			if (!strcmp(mac, "fi") || !strcmp(mac, "EE")) nofill = false;
			if (nofill) kind = SF_PB_CODE;
			if (head) {
				sf_buf_reset(&line);
				if (!rc) rc = macro_args(&line, args, an, false);
				if (!rc) rc = sf_pdoc_add(d, l, SF_PB_HEADING, mac[1] == 'H' ? 2 : 3, 0, 0, line.ptr, line.len, -1);
			} else if (!strcmp(mac, "IP") && an) {
				/* .IP tag [indent]: the tag (the first argument alone) starts the item */
				size_t a = 0;
				while (a < an && (args[a] == ' ' || args[a] == '\t')) a++;
				size_t b = a;
				if (b < an && args[b] == '"') {
					b++;
					while (b < an && args[b] != '"') b++;
					if (b < an) b++;
				} else {
					while (b < an && args[b] != ' ' && args[b] != '\t') b++;
				}
				sf_buf_reset(&line);
				if (!rc) rc = macro_args(&line, args + a, b - a, false);
				if (!rc && line.len) rc = sf_buf_add(&para, line.ptr, line.len);
			} else if (font_macro(mac)) {
				if (para.len && !rc) rc = sf_buf_addch(&para, nofill ? '\n' : ' ');
				/* two-letter ones alternate fonts between arguments: no spaces between them */
				if (!rc) rc = macro_args(&para, args, an, strlen(mac) == 2 && strcmp(mac, "SM") && strcmp(mac, "SB"));
			}
			continue;
		}
		if (!n) {
			if (para.len && !nofill) {
				rc = sf_pdoc_add(d, l, kind, 0, 0, 0, para.ptr, para.len, -1);
				sf_buf_reset(&para);
			} else if (nofill && para.len) {
				rc = sf_buf_addch(&para, '\n');
			}
			continue;
		}
		if (para.len && !rc) rc = sf_buf_addch(&para, nofill ? '\n' : ' ');
		if (!rc) rc = unescape(&para, s, n);
	}
	if (!rc && para.len) rc = sf_pdoc_add(d, l, kind, 0, 0, 0, para.ptr, para.len, -1);
	if (rc) sf_presult_fail(r, SF_ERR_LIMIT, "text past the limits");
out:
	sf_buf_release(&t);
	sf_buf_release(&para);
	sf_buf_release(&line);
}

/* ---- gzip ---- */

void parse_gzip(const uint8_t *data, size_t len, const struct sf_parse_opts *o, struct sf_presult *r)
{
	const struct sf_parse_limits *l = &o->limits;
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		sf_presult_fail(r, SF_ERR_NOMEM, "zlib");
		return;
	}
	struct sf_buf out;
	sf_buf_init(&out, l->max_unzipped);
	uint8_t buf[65536];
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
	int zr = Z_OK;
	while (zr == Z_OK) {
		z.next_out = buf;
		z.avail_out = sizeof buf;
		zr = inflate(&z, Z_NO_FLUSH);
		size_t got = sizeof buf - z.avail_out;
		if ((zr == Z_OK || zr == Z_STREAM_END) && got && sf_buf_add(&out, buf, got) != SF_OK) {
			sf_presult_fail(r, SF_ERR_LIMIT, "unpacks past the %zu-byte limit", l->max_unzipped);
			break;
		}
		if (out.len > ((size_t)1 << 20) && out.len / (len ? len : 1) > l->max_ratio) {
			sf_presult_fail(r, SF_ERR_LIMIT, "compressed more than %u:1 (a zip bomb?)", l->max_ratio);
			break;
		}
		if (zr == Z_BUF_ERROR && z.avail_in == 0) break;
	}
	inflateEnd(&z);
	if (!r->rc && zr != Z_STREAM_END) sf_presult_fail(r, SF_ERR_INVALID, "damaged gzip data");
	if (!r->rc) {
		/* what it holds, named without its .gz */
		char name[4096] = "";
		if (o->name) {
			snprintf(name, sizeof name, "%s", o->name);
			size_t nl = strlen(name);
			if (nl > 3 && !strcmp(name + nl - 3, ".gz")) name[nl - 3] = 0;
		}
		char why[256];
		const char *type = sf_parse_detect((const uint8_t *)out.ptr, out.len, name, why, sizeof why);
		if (!type) sf_presult_fail(r, SF_ERR_UNSUPPORTED, "compressed %s", why);
		else if (!strcmp(type, "gzip")) sf_presult_fail(r, SF_ERR_UNSUPPORTED, "gzip inside gzip");
		else {
			struct sf_parse_opts io = *o;
			io.name = name[0] ? name : NULL;
			sf_parse_bytes_as(type, (const uint8_t *)out.ptr, out.len, &io, r);
		}
	}
	sf_buf_release(&out);
}
