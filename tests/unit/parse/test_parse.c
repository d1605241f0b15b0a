/*
 * tests/unit/parse/test_parse.c: parsers, encodings, chunking, the wire format and the worker
 * pool, on inputs built here (Office files are zipped with libzip by the tests themselves).
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>
#include <zlib.h>

#include "parse/chunk.h"
#include "parse/detect.h"
#include "parse/encoding.h"
#include "parse/ocr.h"
#include "parse/parse.h"
#include "parse/pool.h"
#include "parse/wire.h"
#include "text/utf8.h"

static void parse_str(const char *name, const char *data, size_t n, struct sf_presult *r)
{
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	o.name = name;
	sf_presult_init(r);
	sf_parse_bytes((const uint8_t *)data, n, &o, r);
}

/* The text of block i of document d (without its newline), in a static buffer. */
static const char *block(const struct sf_pdoc *d, size_t i)
{
	static char buf[4096];
	assert_true(i < d->nblocks);
	size_t n = d->blocks[i].len;
	if (n >= sizeof buf) n = sizeof buf - 1;
	memcpy(buf, d->text.ptr + d->blocks[i].off, n);
	buf[n] = 0;
	return buf;
}

static bool has_block(const struct sf_pdoc *d, unsigned kind, const char *text)
{
	for (size_t i = 0; i < d->nblocks; i++)
		if (d->blocks[i].kind == kind && !strcmp(block(d, i), text)) return true;
	return false;
}

static bool contains(const struct sf_pdoc *d, const char *s)
{
	return strstr(d->text.ptr, s) != NULL;
}

/* ---- encodings ---- */

/* "Привет, мир! Пароль не подходит." in UTF-8 */
static const char ru_utf8[] = "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\xbc\xd0\xb8\xd1\x80! "
			      "\xd0\x9f\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c \xd0\xbd\xd0\xb5 "
			      "\xd0\xbf\xd0\xbe\xd0\xb4\xd1\x85\xd0\xbe\xd0\xb4\xd0\xb8\xd1\x82.";
/* the same in Windows-1251, KOI8-R and CP866 */
static const char ru_1251[] = "\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xcf\xe0\xf0\xee\xeb\xfc \xed\xe5 "
			      "\xef\xee\xe4\xf5\xee\xe4\xe8\xf2.";
static const char ru_koi8[] = "\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2! \xf0\xc1\xd2\xcf\xcc\xd8 \xce\xc5 "
			      "\xd0\xcf\xc4\xc8\xcf\xc4\xc9\xd4.";
static const char ru_866[] = "\x8f\xe0\xa8\xa2\xa5\xe2, \xac\xa8\xe0! \x8f\xa0\xe0\xae\xab\xec \xad\xa5 "
			     "\xaf\xae\xa4\xe5\xae\xa4\xa8\xe2.";

static void check_enc(const char *data, size_t n, const char *want)
{
	size_t bom;
	const char *e = sf_enc_detect((const uint8_t *)data, n, &bom);
	assert_non_null(e);
	assert_string_equal(e, want);
	struct sf_buf out = SF_BUF_INIT;
	size_t fixed = 9;
	assert_int_equal(sf_enc_to_utf8((const uint8_t *)data + bom, n - bom, e, &out, &fixed), SF_OK);
	assert_int_equal(fixed, 0);
	assert_string_equal(out.ptr, ru_utf8);
	sf_buf_release(&out);
}

static void encodings(void **state)
{
	(void)state;
	check_enc(ru_utf8, sizeof ru_utf8 - 1, "utf-8");
	check_enc(ru_1251, sizeof ru_1251 - 1, "windows-1251");
	check_enc(ru_koi8, sizeof ru_koi8 - 1, "koi8-r");
	check_enc(ru_866, sizeof ru_866 - 1, "cp866");
	/* UTF-16 with and without a BOM */
	char u16[256];
	size_t n = 0;
	u16[n++] = (char)0xff, u16[n++] = (char)0xfe;
	const char *p = ru_utf8;
	while (*p) {
		uint32_t cp = 0;
		size_t k = 0;
		unsigned char c = (unsigned char)*p;
		if (c < 0x80) cp = c, k = 1;
		else cp = ((uint32_t)(c & 0x1f) << 6) | ((unsigned char)p[1] & 0x3f), k = 2;
		u16[n++] = (char)(cp & 0xff);
		u16[n++] = (char)(cp >> 8);
		p += k;
	}
	check_enc(u16, n, "utf-16le");
	check_enc(u16 + 2, n - 2, "utf-16le");
	/* binary is not text */
	char bin[256];
	for (int i = 0; i < 256; i++) bin[i] = (char)(i * 7);
	size_t bom;
	assert_null(sf_enc_detect((const uint8_t *)bin, sizeof bin, &bom));
	/* UTF-8 with a few broken bytes stays UTF-8 (repaired), not a code page */
	char broken[256];
	snprintf(broken, sizeof broken, "%s \xff\xfe %s", ru_utf8, ru_utf8);
	assert_string_equal(sf_enc_detect((const uint8_t *)broken, strlen(broken), &bom), "utf-8");
	struct sf_buf fixed = SF_BUF_INIT;
	size_t nfix = 0;
	assert_int_equal(sf_enc_to_utf8((const uint8_t *)broken, strlen(broken), "utf-8", &fixed, &nfix), SF_OK);
	assert_int_equal(nfix, 2);
	assert_true(sf_utf8_valid(fixed.ptr, fixed.len));
	sf_buf_release(&fixed);
	/* plain ASCII is UTF-8 */
	assert_string_equal(sf_enc_detect((const uint8_t *)"hello", 5, &bom), "utf-8");
}

static void detection(void **state)
{
	(void)state;
	char why[256];
	assert_string_equal(sf_parse_detect((const uint8_t *)"%PDF-1.4\n", 9, "a.txt", why, sizeof why), "pdf");
	assert_string_equal(sf_parse_detect((const uint8_t *)"<!DOCTYPE html><p>x", 19, NULL, why, sizeof why), "html");
	assert_string_equal(sf_parse_detect((const uint8_t *)"<?xml version='1.0'?><a/>", 25, NULL, why, sizeof why), "xml");
	assert_string_equal(sf_parse_detect((const uint8_t *)"{\"a\":1}\n{\"a\":2}\n", 16, "x.json", why, sizeof why), "jsonl");
	assert_string_equal(sf_parse_detect((const uint8_t *)"[{\"a\":1}]", 9, NULL, why, sizeof why), "json");
	assert_string_equal(sf_parse_detect((const uint8_t *)"# T\n\ntext", 9, "r.md", why, sizeof why), "markdown");
	assert_string_equal(sf_parse_detect((const uint8_t *)"a;b\n1;2\n", 8, "t.csv", why, sizeof why), "csv");
	assert_string_equal(sf_parse_detect((const uint8_t *)"\x89PNG\r\n\x1a\n....", 12, "x.txt", why, sizeof why), "image");
	assert_null(sf_parse_detect((const uint8_t *)"", 0, "e.txt", why, sizeof why));
	assert_string_equal(why, "empty file");
	assert_null(sf_parse_detect((const uint8_t *)"\x7f" "ELF\x02\x01\x01", 7, "x.pdf", why, sizeof why));
	assert_non_null(strstr(why, "ELF"));
	assert_null(sf_parse_detect((const uint8_t *)"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1....", 12, "x.docx", why, sizeof why));
	assert_non_null(strstr(why, "legacy"));
}

/* ---- text formats ---- */

static void html(void **state)
{
	(void)state;
	const char *h =
		"<html><head><title>Настройка VPN</title><style>p{}</style></head><body>"
		"<div class=\"navheader\"><a href=x>Назад</a> Вперёд</div>"
		"<nav>Меню сайта</nav>"
		"<h1>Подключение</h1><p>Откройте <b>клиент</b>&nbsp;и нажмите <a href=\"https://kb/vpn\">Подключить</a>.</p>"
		"<p><a href=\"#top\">Наверх</a> <a href=\"https://kb/vpn\">ещё раз</a></p>"
		"<ul><li>Шаг первый</li><li>Шаг второй<ul><li>вложенный</li></ul></li></ul>"
		"<h2>Ошибки</h2><table><tr><th>Код</th><th>Что делать</th></tr>"
		"<tr><td>0x800</td><td>перезагрузить</td></tr></table>"
		"<pre>ping 10.0.0.1\n  ok</pre><script>alert(1)</script>"
		"<footer>© компания</footer></body></html>";
	struct sf_presult r;
	parse_str("a.html", h, strlen(h), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_string_equal(r.type, "html");
	assert_int_equal(r.ndocs, 1);
	const struct sf_pdoc *d = &r.docs[0];
	assert_string_equal(d->title.ptr, "Настройка VPN");
	assert_true(has_block(d, SF_PB_HEADING, "Подключение"));
	assert_true(has_block(d, SF_PB_PARA, "Откройте клиент и нажмите Подключить."));
	assert_true(has_block(d, SF_PB_ITEM, "Шаг первый"));
	assert_true(has_block(d, SF_PB_ITEM, "вложенный"));
	assert_true(has_block(d, SF_PB_THEAD, "Код | Что делать"));
	assert_true(has_block(d, SF_PB_ROW, "0x800 | перезагрузить"));
	assert_true(has_block(d, SF_PB_CODE, "ping 10.0.0.1\n  ok"));
	assert_false(contains(d, "Назад"));
	assert_false(contains(d, "Меню сайта"));
	assert_false(contains(d, "alert"));
	assert_false(contains(d, "компания"));
	/* link targets are kept (once each; anchors in the page are not links) */
	assert_string_equal(d->field[SF_PF_LINKS].ptr, "https://kb/vpn");
	sf_presult_release(&r);
	/* a page in Windows-1251 without a charset */
	char w[256];
	snprintf(w, sizeof w, "<html><body><p>%s</p></body></html>", ru_1251);
	parse_str("w.html", w, strlen(w), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_true(contains(&r.docs[0], ru_utf8));
	sf_presult_release(&r);
}

static void markdown_and_text(void **state)
{
	(void)state;
	const char *md = "# Инструкция\n\nВведение в [VPN](http://x) и **настройку**.\n\n## Шаги\n\n"
			 "- первый\n- второй\n\n```\nsudo systemctl restart vpn\n```\n\n"
			 "| Код | Значение |\n|---|---|\n| E-1024 | нет сети |\n";
	struct sf_presult r;
	parse_str("x.md", md, strlen(md), &r);
	assert_int_equal(r.rc, SF_OK);
	const struct sf_pdoc *d = &r.docs[0];
	assert_string_equal(d->title.ptr, "Инструкция");
	assert_true(has_block(d, SF_PB_HEADING, "Шаги"));
	assert_true(has_block(d, SF_PB_PARA, "Введение в VPN и настройку."));
	assert_true(has_block(d, SF_PB_ITEM, "второй"));
	assert_true(has_block(d, SF_PB_CODE, "sudo systemctl restart vpn"));
	assert_true(has_block(d, SF_PB_THEAD, "Код | Значение"));
	assert_true(has_block(d, SF_PB_ROW, "E-1024 | нет сети"));
	sf_presult_release(&r);
	/* plain text: paragraphs, hyphenation across lines, pages at form feeds */
	const char *t = "Первый абзац про ин-\nструкцию.\n\nВторой\nабзац.\fТретий на второй странице.";
	parse_str("t.txt", t, strlen(t), &r);
	assert_int_equal(r.rc, SF_OK);
	d = &r.docs[0];
	assert_true(has_block(d, SF_PB_PARA, "Первый абзац про инструкцию."));
	assert_true(has_block(d, SF_PB_PARA, "Второй абзац."));
	sf_presult_release(&r);
}

static void records(void **state)
{
	(void)state;
	struct sf_presult r;
	const char *csv = "Тема;Ответ;Номер\nНе печатает принтер;Проверьте очередь печати;17\nVPN;Перезапустите клиент;18\n";
	parse_str("faq.csv", csv, strlen(csv), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_int_equal(r.ndocs, 1);
	assert_true(has_block(&r.docs[0], SF_PB_THEAD, "Тема | Ответ | Номер"));
	assert_true(has_block(&r.docs[0], SF_PB_ROW, "Тема: VPN; Ответ: Перезапустите клиент; Номер: 18"));
	sf_presult_release(&r);
	/* with a mapping, a document per row */
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	o.name = "faq.csv";
	o.map.title = "Тема";
	o.map.text = "Ответ";
	o.map.id = "Номер";
	sf_presult_init(&r);
	sf_parse_bytes((const uint8_t *)csv, strlen(csv), &o, &r);
	assert_int_equal(r.rc, SF_OK);
	assert_int_equal(r.ndocs, 2);
	assert_string_equal(r.docs[1].title.ptr, "VPN");
	assert_string_equal(r.docs[1].field[SF_PF_ID].ptr, "18");
	assert_true(has_block(&r.docs[1], SF_PB_PARA, "Перезапустите клиент"));
	sf_presult_release(&r);
	/* JSON records with default names, nested fields kept */
	const char *js = "{\"items\":[{\"id\":5,\"question\":\"Как сбросить пароль?\",\"answer\":\"Через портал.\","
			 "\"meta\":{\"team\":\"ИТ\"}},{\"id\":6,\"subject\":\"Почта\",\"body\":\"Проверьте квоту.\"}]}";
	parse_str("e.json", js, strlen(js), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_int_equal(r.ndocs, 2);
	assert_string_equal(r.docs[0].title.ptr, "Как сбросить пароль?");
	assert_string_equal(r.docs[0].field[SF_PF_ID].ptr, "5");
	assert_true(contains(&r.docs[0], "team: ИТ"));
	sf_presult_release(&r);
	/* sufler's import format inside a folder: attributes are fields, not text */
	const char *imp = "{\"id\":\"k1\",\"title\":\"VPN\",\"text\":\"Перезапустите клиент.\",\"acl\":[\"hr\",\"it\"],"
			  "\"category\":\"Сеть\",\"lang\":\"ru\",\"kind\":\"kb\"}\n";
	parse_str("kb.jsonl", imp, strlen(imp), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_string_equal(r.docs[0].field[SF_PF_ACL].ptr, "hr,it");
	assert_string_equal(r.docs[0].field[SF_PF_CATEGORY].ptr, "Сеть");
	assert_string_equal(r.docs[0].field[SF_PF_KIND].ptr, "kb");
	assert_string_equal(r.docs[0].field[SF_PF_LANG].ptr, "ru");
	assert_false(contains(&r.docs[0], "hr"));
	sf_presult_release(&r);
	/* JSONL: a broken line is a warning, not a failure */
	const char *jl = "{\"title\":\"a\",\"text\":\"первый\"}\n{broken\n{\"title\":\"b\",\"text\":\"второй\"}\n";
	parse_str("l.jsonl", jl, strlen(jl), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_int_equal(r.ndocs, 2);
	assert_non_null(strstr(r.warnings.ptr, "line 2"));
	sf_presult_release(&r);
	/* XML records */
	const char *xml = "<?xml version=\"1.0\"?><r><ticket id=\"1\"><title>Сбой</title><text>Нет сети</text></ticket>"
			  "<ticket id=\"2\"><title>Принтер</title><text>Замялась бумага</text></ticket></r>";
	parse_str("t.xml", xml, strlen(xml), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_int_equal(r.ndocs, 2);
	assert_string_equal(r.docs[1].title.ptr, "Принтер");
	assert_string_equal(r.docs[0].field[SF_PF_ID].ptr, "1");
	sf_presult_release(&r);
	/* entities that multiply (billion laughs) are refused, not expanded */
	const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"AAAAAAAAAA\">"
			     "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
			     "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]><r><t>&d;&d;&d;</t></r>";
	parse_str("l.xml", laughs, strlen(laughs), &r);
	assert_int_equal(r.rc, SF_ERR_INVALID);
	assert_non_null(strstr(r.reason.ptr, "entity"));
	assert_int_equal(r.ndocs, 0);
	sf_presult_release(&r);
	/* malformed JSON fails with a position */
	parse_str("bad.json", "{\"a\": [1, 2", 11, &r);
	assert_int_equal(r.rc, SF_ERR_INVALID);
	assert_non_null(strstr(r.reason.ptr, "line"));
	sf_presult_release(&r);
}


/* A man page, plain and gzip-compressed. */
static void man_pages(void **state)
{
	(void)state;
	const char *man = ".\\\" comment\n.TH PING 8 \"2024\" \"iputils\"\n.SH ИМЯ\nping \\- проверка сети\n"
			  ".SH ОПИСАНИЕ\n.B ping\nотправляет пакеты \\fBICMP\\fR узлу.\n.PP\nВторой абзац.\n"
			  ".RS 3\n.TP 10\n.BR \\-c \" N\"\nчисло пакетов.\n.RE\n.nf\nping \\-c 3 host\n.fi\n";
	struct sf_presult r;
	parse_str("ping.8", man, strlen(man), &r);
	assert_int_equal(r.rc, SF_OK);
	assert_string_equal(r.type, "roff");
	const struct sf_pdoc *d = &r.docs[0];
	assert_string_equal(d->title.ptr, "PING 8");
	assert_true(has_block(d, SF_PB_HEADING, "ОПИСАНИЕ"));
	assert_true(has_block(d, SF_PB_PARA, "ping - проверка сети"));
	assert_true(has_block(d, SF_PB_PARA, "ping отправляет пакеты ICMP узлу."));
	assert_true(has_block(d, SF_PB_PARA, "-c N число пакетов."));
	assert_true(has_block(d, SF_PB_CODE, "ping -c 3 host"));
	sf_presult_release(&r);
	/* the same, gzip-compressed */
	uint8_t gz[4096];
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)man;
	z.avail_in = (uInt)strlen(man);
	z.next_out = gz;
	z.avail_out = sizeof gz;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	size_t n = sizeof gz - z.avail_out;
	deflateEnd(&z);
	parse_str("ping.8.gz", (const char *)gz, n, &r);
	assert_int_equal(r.rc, SF_OK);
	assert_string_equal(r.type, "roff");
	assert_true(has_block(&r.docs[0], SF_PB_HEADING, "ИМЯ"));
	sf_presult_release(&r);
	/* damaged gzip data */
	gz[n / 2] ^= 0x55;
	parse_str("bad.gz", (const char *)gz, n, &r);
	assert_int_not_equal(r.rc, SF_OK);
	sf_presult_release(&r);
}

/* ---- Office files, zipped here ---- */

static size_t make_zip(char *path, size_t cap, const char *const *names, const char *const *bodies, size_t n)
{
	snprintf(path, cap, "/tmp/sufler-test-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	int ze;
	zip_t *z = zip_open(path, ZIP_TRUNCATE, &ze);
	assert_non_null(z);
	for (size_t i = 0; i < n; i++) {
		zip_source_t *s = zip_source_buffer(z, bodies[i], strlen(bodies[i]), 0);
		assert_non_null(s);
		assert_true(zip_file_add(z, names[i], s, ZIP_FL_OVERWRITE) >= 0);
	}
	assert_int_equal(zip_close(z), 0);
	struct stat st;
	stat(path, &st);
	return (size_t)st.st_size;
}

static void parse_path(const char *path, const char *name, struct sf_presult *r)
{
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	o.name = name;
	sf_presult_init(r);
	sf_parse_file(path, &o, r);
}


/* Zips the members, parses the file as name, checks that it went through as type; r is the
 * caller's to release. */
static void parse_zip(const char *const *names, const char *const *bodies, size_t n, const char *name,
		      const char *type, struct sf_presult *r)
{
	char path[64];
	make_zip(path, sizeof path, names, bodies, n);
	parse_path(path, name, r);
	unlink(path);
	assert_int_equal(r->rc, SF_OK);
	assert_string_equal(r->type, type);
}

#define W "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\""

static void office(void **state)
{
	(void)state;
	char path[64];
	struct sf_presult r;
	/* DOCX: a localized heading style id, numbering, a table */
	const char *dn[] = { "[Content_Types].xml", "word/document.xml", "word/styles.xml", "docProps/core.xml" };
	const char *db[] = {
		"<Types/>",
		"<w:document " W "><w:body>"
		"<w:p><w:pPr><w:pStyle w:val=\"1\"/></w:pPr><w:r><w:t>Доступ к почте</w:t></w:r></w:p>"
		"<w:p><w:r><w:t xml:space=\"preserve\">Откройте </w:t></w:r><w:r><w:t>Outlook.</w:t></w:r></w:p>"
		"<w:p><w:pPr><w:numPr><w:ilvl w:val=\"0\"/></w:numPr></w:pPr><w:r><w:t>Введите логин</w:t></w:r></w:p>"
		"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Ошибка</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Решение</w:t></w:r></w:p></w:tc></w:tr>"
		"<w:tr><w:tc><w:p><w:r><w:t>0x80070005</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Права</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
		"</w:body></w:document>",
		"<w:styles " W "><w:style w:styleId=\"1\"><w:name w:val=\"heading 1\"/></w:style></w:styles>",
		"<cp:coreProperties xmlns:cp=\"x\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>Почта: памятка</dc:title></cp:coreProperties>",
	};
	parse_zip(dn, db, 4, "memo.docx", "docx", &r);
	const struct sf_pdoc *d = &r.docs[0];
	assert_string_equal(d->title.ptr, "Почта: памятка");
	assert_true(has_block(d, SF_PB_HEADING, "Доступ к почте"));
	assert_true(has_block(d, SF_PB_PARA, "Откройте Outlook."));
	assert_true(has_block(d, SF_PB_ITEM, "Введите логин"));
	assert_true(has_block(d, SF_PB_THEAD, "Ошибка | Решение"));
	assert_true(has_block(d, SF_PB_ROW, "0x80070005 | Права"));
	sf_presult_release(&r);
	/* ODT */
	const char *on[] = { "mimetype", "content.xml" };
	const char *ob[] = { "application/vnd.oasis.opendocument.text",
			     "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\" xmlns:table=\"b\"><office:body><office:text>"
			     "<text:h text:outline-level=\"1\">Принтер</text:h><text:p>Замена<text:s/>картриджа.</text:p>"
			     "<text:list><text:list-item><text:p>Откройте крышку</text:p></text:list-item></text:list>"
			     "</office:text></office:body></office:document-content>" };
	parse_zip(on, ob, 2, "p.odt", "odt", &r);
	assert_true(has_block(&r.docs[0], SF_PB_HEADING, "Принтер"));
	assert_true(has_block(&r.docs[0], SF_PB_PARA, "Замена картриджа."));
	assert_true(has_block(&r.docs[0], SF_PB_ITEM, "Откройте крышку"));
	sf_presult_release(&r);
	/* XLSX: shared strings, an inline string, a number, two sheets */
	const char *xn[] = { "[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml",
			     "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml" };
	const char *xb[] = {
		"<Types/>",
		"<workbook xmlns:r=\"r\"><sheets><sheet name=\"Заявки\" r:id=\"rId1\"/><sheet name=\"Пусто\" r:id=\"rId2\"/></sheets></workbook>",
		"<Relationships><Relationship Id=\"rId1\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Target=\"worksheets/sheet2.xml\"/></Relationships>",
		"<sst><si><t>Тема</t></si><si><t>Срок</t></si><si><r><t>Сброс </t></r><r><t>пароля</t></r></si></sst>",
		"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c></row>"
		"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>3</v></c></row>"
		"<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>VPN</t></is></c></row></sheetData></worksheet>",
		"<worksheet><sheetData/></worksheet>",
	};
	parse_zip(xn, xb, 6, "t.xlsx", "xlsx", &r);
	d = &r.docs[0];
	assert_true(has_block(d, SF_PB_HEADING, "Заявки"));
	assert_true(has_block(d, SF_PB_THEAD, "Тема | Срок"));
	assert_true(has_block(d, SF_PB_ROW, "Тема: Сброс пароля; Срок: 3"));
	assert_true(has_block(d, SF_PB_ROW, "Тема: VPN"));
	sf_presult_release(&r);
	/* ODS with repeated cells */
	const char *sn[] = { "mimetype", "content.xml" };
	const char *sb[] = { "application/vnd.oasis.opendocument.spreadsheet",
			     "<office:document-content xmlns:office=\"o\" xmlns:text=\"t\" xmlns:table=\"b\"><office:body><office:spreadsheet>"
			     "<table:table table:name=\"Лист1\"><table:table-row><table:table-cell><text:p>Код</text:p></table:table-cell>"
			     "<table:table-cell><text:p>Текст</text:p></table:table-cell></table:table-row>"
			     "<table:table-row><table:table-cell><text:p>E1</text:p></table:table-cell><table:table-cell><text:p>Сбой</text:p></table:table-cell>"
			     "<table:table-cell table:number-columns-repeated=\"16000\"/></table:table-row></table:table>"
			     "</office:spreadsheet></office:body></office:document-content>" };
	parse_zip(sn, sb, 2, "s.ods", "ods", &r);
	assert_true(has_block(&r.docs[0], SF_PB_ROW, "Код: E1; Текст: Сбой"));
	sf_presult_release(&r);
	/* a zip bomb member is refused, not unpacked */
	static char big[8u << 20];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	const char *bn[] = { "[Content_Types].xml", "word/document.xml" };
	const char *bb[] = { "<Types/>", big };
	make_zip(path, sizeof path, bn, bb, 2);
	parse_path(path, "bomb.docx", &r);
	assert_int_equal(r.rc, SF_ERR_LIMIT);
	assert_non_null(strstr(r.reason.ptr, "zip bomb"));
	sf_presult_release(&r);
	unlink(path);
	/* a truncated DOCX fails with a reason */
	make_zip(path, sizeof path, dn, db, 4);
	assert_int_equal(truncate(path, 100), 0);
	parse_path(path, "cut.docx", &r);
	assert_int_not_equal(r.rc, SF_OK);
	assert_true(r.reason.len > 0);
	assert_int_equal(r.ndocs, 0);
	sf_presult_release(&r);
	unlink(path);
}

/* ---- chunking ---- */

static void chunking(void **state)
{
	(void)state;
	struct sf_presult r;
	sf_presult_init(&r);
	struct sf_parse_limits l;
	sf_parse_limits_default(&l);
	struct sf_pdoc *d = sf_presult_add_doc(&r, &l);
	sf_pdoc_set_title(d, "Руководство", strlen("Руководство"), true);
	assert_int_equal(sf_pdoc_add(d, &l, SF_PB_HEADING, 1, 1, 0, "Руководство", strlen("Руководство"), -1), SF_OK);
	assert_int_equal(sf_pdoc_add(d, &l, SF_PB_HEADING, 2, 1, 0, "Сеть", 8, -1), SF_OK);
	/* a long paragraph: 600 words in sentences of 10 */
	struct sf_buf long_p = SF_BUF_INIT;
	for (int s = 0; s < 60; s++) {
		assert_int_equal(sf_buf_addf(&long_p, "Предложение номер %d говорит о настройке сети и о том как", s), SF_OK);
		assert_int_equal(sf_buf_adds(&long_p, " проверить. "), SF_OK);
	}
	assert_int_equal(sf_pdoc_add(d, &l, SF_PB_PARA, 0, 2, 0, long_p.ptr, long_p.len, -1), SF_OK);
	assert_int_equal(sf_pdoc_add(d, &l, SF_PB_HEADING, 2, 3, 0, "Таблица", 14, -1), SF_OK);
	assert_int_equal(sf_pdoc_add(d, &l, SF_PB_THEAD, 0, 3, 1, "Код | Описание", strlen("Код | Описание"), -1), SF_OK);
	for (int i = 0; i < 120; i++) {
		char row[128];
		snprintf(row, sizeof row, "E%d | описание ошибки номер %d", i, i);
		assert_int_equal(sf_pdoc_add(d, &l, SF_PB_ROW, 0, 3, 1, row, strlen(row), -1), SF_OK);
	}
	struct sf_chunk_opts o;
	sf_chunk_opts_default(&o);
	struct sf_dchunks ch = { 0 };
	assert_int_equal(sf_chunk_doc(d, &o, &ch), SF_OK);
	assert_true(ch.n >= 4);
	size_t table_chunks = 0;
	for (size_t i = 0; i < ch.n; i++) {
		const struct sf_dchunk *c = &ch.v[i];
		assert_true(c->words <= o.max_words + o.overlap_words + 20);
		if (strstr(c->text.ptr, "E1 |") || strstr(c->text.ptr, "E99 |")) {
			/* every chunk of table rows starts with the header, under its heading */
			assert_int_equal(strncmp(c->text.ptr, "Код | Описание", strlen("Код | Описание")), 0);
			assert_string_equal(c->heading.ptr, "Таблица");
			assert_int_equal(c->page_first, 3);
			table_chunks++;
		}
		if (strstr(c->text.ptr, "Предложение номер 30")) {
			/* the document's title is not repeated in the path */
			assert_string_equal(c->heading.ptr, "Сеть");
			assert_int_equal(c->page_first, 2);
		}
	}
	assert_true(table_chunks >= 2);
	/* the long paragraph is cut at sentence ends, and the next piece starts with the sentence
	 * handed on */
	for (size_t i = 0; i + 1 < ch.n; i++) {
		const char *t = ch.v[i].text.ptr;
		if (!strstr(t, "Предложение") || !strstr(ch.v[i + 1].text.ptr, "Предложение")) continue;
		size_t n = ch.v[i].text.len;
		assert_int_equal(t[n - 1], '.');
		const char *tail = t + n;
		while (tail > t && !(tail[-1] == ' ' && tail[-2] == '.')) tail--;
		assert_int_equal(strncmp(ch.v[i + 1].text.ptr, tail, strlen(tail)), 0);
	}
	sf_dchunks_release(&ch);
	sf_buf_release(&long_p);
	sf_presult_release(&r);
}

/* ---- wire ---- */

static void wire(void **state)
{
	(void)state;
	const char *h = "<html><title>T</title><h1>Заголовок</h1><p>Текст абзаца.</p><table><tr><td>a</td></tr></table></html>";
	struct sf_presult r;
	parse_str("a.html", h, strlen(h), &r);
	sf_presult_warn(&r, "a warning");
	struct sf_buf b = SF_BUF_INIT;
	assert_int_equal(sf_wire_encode(&r, &b), SF_OK);
	struct sf_parse_limits l;
	sf_parse_limits_default(&l);
	struct sf_presult back;
	sf_presult_init(&back);
	struct sf_buf why = SF_BUF_INIT;
	assert_int_equal(sf_wire_decode((const uint8_t *)b.ptr, b.len, &l, &back, &why), SF_OK);
	assert_string_equal(back.type, "html");
	assert_int_equal(back.ndocs, 1);
	assert_int_equal(back.docs[0].nblocks, r.docs[0].nblocks);
	assert_string_equal(back.docs[0].text.ptr, r.docs[0].text.ptr);
	assert_string_equal(back.warnings.ptr, "a warning\n");
	sf_presult_release(&back);
	/* every truncation and a flipped length are refused, never crash */
	for (size_t cut = 0; cut < b.len; cut += 3) {
		sf_presult_init(&back);
		assert_int_equal(sf_wire_decode((const uint8_t *)b.ptr, cut, &l, &back, &why), SF_ERR_INVALID);
		sf_presult_release(&back);
	}
	b.ptr[b.len - 10] = (char)0xff;
	sf_presult_init(&back);
	assert_int_equal(sf_wire_decode((const uint8_t *)b.ptr, b.len, &l, &back, &why), SF_ERR_INVALID);
	sf_presult_release(&back);
	sf_buf_release(&why);
	sf_buf_release(&b);
	sf_presult_release(&r);
}

static void garbage(void **state)
{
	(void)state;
	assert_false(sf_text_garbage(ru_utf8, strlen(ru_utf8), NULL, 0));
	const char *en = "Restart the VPN client, then check the 10.0.0.1 gateway (error 0x80070005).";
	assert_false(sf_text_garbage(en, strlen(en), NULL, 0));
	/* a table of contents with dot leaders, and a manual's code, are text */
	const char *toc = "1.1 Социальная динамика Debian . . . . . . . . . . . . . . . . . . . . 1\n1.2 Программы . . . . . . . 3";
	assert_false(sf_text_garbage(toc, strlen(toc), NULL, 0));
	const char *code = "$ dpkg-gensymbols -v1.1 -plibfoo1 -Osymbols\nfoo_get_name@Base 1.1\n+ foo_get_longtype@Base 1.3-1";
	assert_false(sf_text_garbage(code, strlen(code), NULL, 0));
	const char *junk = "ÃÂ¤Ã¼ ~~|| %$#@ ¦¦¦ ]]]] \\\\ 1l1l |_|_ ;;;; ,.,., ©©";
	char why[160];
	assert_true(sf_text_garbage(junk, strlen(junk), why, sizeof why));
	const char *mixed = "рrивeт мирm dлля вcеx пoльзoвaтeлeй";
	assert_true(sf_text_garbage(mixed, strlen(mixed), why, sizeof why));
}

/* ---- the pool ---- */

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static void pool(void **state)
{
	(void)state;
	const char *exe = getenv("SUFLER");
	if (!exe || access(exe, X_OK) != 0) {
		fprintf(stderr, "pool: $SUFLER not set to the sufler binary; skipped\n");
		skip();
	}
	setenv("SUFLER_FAULT_INJECT", "1", 1);
	char dir[] = "/tmp/sufler-pool-XXXXXX";
	assert_non_null(mkdtemp(dir));
	/* workers keep their temporary files under TMPDIR: nothing may be left there afterwards */
	char tmp[] = "/tmp/sufler-pool-tmp-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	const char *old_tmp = getenv("TMPDIR");
	char *saved_tmp = old_tmp ? strdup(old_tmp) : NULL;
	setenv("TMPDIR", tmp, 1);
	char p[6][256];
	const char *names[6] = { "ok.md", "x.crash", "x.hang", "x.spin", "x.oom", "missing.txt" };
	for (int i = 0; i < 6; i++) {
		snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
		if (i < 5) write_file(p[i], "# Заголовок\n\nТекст.\n");
	}
	struct sf_parse_pool_opts po;
	sf_parse_pool_opts_default(&po);
	po.workers = 2;
	po.wall_s = 3;
	po.cpu_s = 1;
	po.mem_bytes = (size_t)256 << 20;
	po.exe = exe;
	struct sf_parse_opts o;
	sf_parse_opts_default(&o);
	struct sf_parse_pool *pl = NULL;
	struct sf_buf err = SF_BUF_INIT;
	assert_int_equal(sf_parse_pool_new(&po, &o, &pl, &err), SF_OK);
	for (int round = 0; round < 2; round++) /* the second round runs on replaced workers */
		for (int i = 0; i < 6; i++) sf_parse_pool_submit(pl, p[i], (uint64_t)(round * 10 + i));
	int seen = 0;
	for (;;) {
		uint64_t tag;
		struct sf_presult r;
		enum sf_err e = sf_parse_pool_next(pl, &tag, &r, &err);
		if (e == SF_ERR_NOTFOUND) break;
		assert_int_equal(e, SF_OK);
		int i = (int)(tag % 10);
		seen++;
		switch (i) {
		case 0:
			assert_int_equal(r.rc, SF_OK);
			assert_string_equal(r.docs[0].title.ptr, "Заголовок");
			break;
		case 1:
			/* a signal, or (under ASan, which catches the fault) an exit */
			assert_int_equal(r.rc, SF_ERR_INTERNAL);
			assert_true(strstr(r.reason.ptr, "crashed") || strstr(r.reason.ptr, "ended unexpectedly"));
			break;
		case 2:
			assert_int_equal(r.rc, SF_ERR_LIMIT);
			assert_non_null(strstr(r.reason.ptr, "longer than"));
			break;
		case 3:
			assert_int_equal(r.rc, SF_ERR_LIMIT);
			assert_non_null(strstr(r.reason.ptr, "CPU"));
			break;
		case 4:
			assert_int_equal(r.rc, SF_ERR_LIMIT);
			assert_non_null(strstr(r.reason.ptr, "memory"));
			break;
		case 5:
			assert_int_equal(r.rc, SF_ERR_IO);
			break;
		}
		sf_presult_release(&r);
	}
	assert_int_equal(seen, 12);
	sf_parse_pool_free(pl);
	DIR *td = opendir(tmp);
	assert_non_null(td);
	struct dirent *de;
	int left = 0;
	while ((de = readdir(td)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) left++;
	closedir(td);
	assert_int_equal(left, 0);
	rmdir(tmp);
	if (saved_tmp) setenv("TMPDIR", saved_tmp, 1);
	else unsetenv("TMPDIR");
	free(saved_tmp);
	sf_buf_release(&err);
	for (int i = 0; i < 5; i++) unlink(p[i]);
	rmdir(dir);
	unsetenv("SUFLER_FAULT_INJECT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encodings), cmocka_unit_test(detection), cmocka_unit_test(html),
		cmocka_unit_test(markdown_and_text), cmocka_unit_test(records), cmocka_unit_test(man_pages), cmocka_unit_test(office),
		cmocka_unit_test(chunking), cmocka_unit_test(wire), cmocka_unit_test(garbage),
		cmocka_unit_test(pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
