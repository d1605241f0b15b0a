/*
 * parse/parse.h: outside files to text with structure: the document model every parser fills,
 * and the entry points.
 *
 * Layer: parse (uses base, text; libxml2, libzip, libcsv, Tesseract; poppler's pdftotext and
 * pdftoppm as separate programs). Knows nothing of the store or the index. A parser reads bytes
 * it does not trust: every size that comes from the input is checked against a limit in
 * struct sf_parse_limits before it is used, and a parser never aborts on bad input, it fails
 * with a reason. Parsers run inside worker processes (parse/pool.h), so a crash or a hang costs
 * one file, never the run.
 *
 * The model: a file gives one or more documents (a JSON export gives one per record). A
 * document is a title plus a sequence of blocks (headings, paragraphs, list items, table rows,
 * code), each with its page and, for rows, its table; the blocks' text lives in one buffer.
 * Chunking (parse/chunk.h) follows the blocks.
 */
#ifndef SF_PARSE_PARSE_H
#define SF_PARSE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/str.h"

enum sf_pblock_kind {
	SF_PB_HEADING = 1, /* level 1..6 */
	SF_PB_PARA = 2,
	SF_PB_ITEM = 3,    /* list item; level = nesting depth (1 = top) */
	SF_PB_THEAD = 4,   /* a table's header row: cells joined by " | " */
	SF_PB_ROW = 5,     /* a table row: cells joined by " | " (or "name: value; ..." records) */
	SF_PB_CODE = 6,    /* preformatted text, kept line by line */
};

struct sf_pblock {
	uint8_t kind;      /* enum sf_pblock_kind */
	uint8_t level;
	uint32_t page;     /* 1-based page, 0 when the format has none */
	uint32_t table;    /* 1-based table number within the document for THEAD/ROW, else 0 */
	uint32_t off, len; /* the block's text in sf_pdoc.text (valid UTF-8, no NUL; the '\n' after
			      it not counted) */
	float conf;        /* OCR confidence 0..100 for text from OCR, else -1 */
};

/* Optional fields a mapping (JSON, XML, CSV records) or a format's metadata may fill; empty when
 * unknown. ACL holds access groups joined by ",". */
enum sf_pfield {
	SF_PF_ID, SF_PF_URL, SF_PF_DATE, SF_PF_LANG, SF_PF_AUTHOR, SF_PF_ACL, SF_PF_CATEGORY, SF_PF_KIND,
	SF_PF_LINKS, /* a page's link targets, one per line (HTML) */
	SF_PF_COUNT
};
/* Their names, as extract and the stored metadata show them. */
extern const char *const sf_pfield_names[SF_PF_COUNT];

struct sf_pdoc {
	struct sf_buf title;
	struct sf_buf text;        /* every block's text, each followed by '\n' */
	struct sf_pblock *blocks;
	size_t nblocks, capblocks;
	struct sf_buf field[SF_PF_COUNT];
	uint32_t pages;            /* pages seen (PDF, TIFF), else 0 */
	uint32_t ocr_pages;        /* pages (or images) that went through OCR */
	double ocr_conf;           /* mean OCR word confidence 0..100 over those, -1 when none */
};

/* Why a file gave nothing: the first failure of a parse (SF_OK when it went through). */
struct sf_presult {
	char type[16];             /* detected type: "html", "pdf", "docx", ... or "unknown" */
	char encoding[24];         /* source text encoding where it applies ("utf-8", "windows-1251") */
	struct sf_pdoc *docs;
	size_t ndocs, capdocs;
	enum sf_err rc;
	bool skipped;              /* not a failure: a kind of file sufler does not read (empty,
				      unknown binary, executables) */
	struct sf_buf reason;      /* for people: why it failed or was skipped */
	struct sf_buf warnings;    /* non-fatal notes, one per line (repaired bytes, pages skipped) */
};

struct sf_parse_limits {
	size_t max_input;          /* bytes of one input file (default 256 MiB) */
	size_t max_text;           /* bytes of text one file may give (default 64 MiB) */
	size_t max_blocks;         /* blocks per document (default 1,000,000) */
	size_t max_docs;           /* documents per file (default 1,000,000) */
	size_t max_unzipped;       /* bytes unpacked from one archive member (default 256 MiB) */
	unsigned max_ratio;        /* largest compression ratio an archive member may have (100) */
	unsigned max_depth;        /* element nesting in XML/HTML (default 256) */
	unsigned max_pages;        /* pages of a PDF or TIFF (default 5,000) */
	unsigned ocr_dpi;          /* resolution scanned PDF pages are rendered at (default 200) */
	bool ocr;                  /* run OCR on images and pages without text (default true) */
	double min_ocr_conf;       /* OCR text below this mean confidence is refused (default 40) */
};

void sf_parse_limits_default(struct sf_parse_limits *l);

/* How JSON, JSONL, XML and CSV records map to documents: the names of the fields (JSON keys,
 * XML child elements or attributes, CSV columns) that hold each part. NULL = the defaults
 * ("title", "text" (also "body", "content"), "id", "url", "date"). For XML, record names the
 * element that is one record (default: the root's children). */
struct sf_parse_mapping {
	const char *title, *text, *id, *url, *date, *record;
};

struct sf_parse_opts {
	struct sf_parse_limits limits;
	struct sf_parse_mapping map;
	const char *name;          /* the file's name (type hints from its extension), may be NULL */
};

void sf_parse_opts_default(struct sf_parse_opts *o);

void sf_presult_init(struct sf_presult *r);
void sf_presult_release(struct sf_presult *r);

/* A new empty document in r (owned by r). NULL past limits->max_docs. */
struct sf_pdoc *sf_presult_add_doc(struct sf_presult *r, const struct sf_parse_limits *l);

/*
 * Appends a block with text [p, p + n): whitespace runs are folded to one space and the ends
 * trimmed (except for SF_PB_CODE, whose lines are kept); an empty block is not added. The text
 * must be valid UTF-8. SF_ERR_LIMIT past max_text or max_blocks (the document keeps what it
 * had).
 */
enum sf_err sf_pdoc_add(struct sf_pdoc *d, const struct sf_parse_limits *l, enum sf_pblock_kind kind,
			unsigned level, uint32_t page, uint32_t table, const char *p, size_t n,
			float conf) SF_WUR;

/* Sets the title from [p, n) folded like a block (keeps an earlier non-empty title unless
 * replace). */
void sf_pdoc_set_title(struct sf_pdoc *d, const char *p, size_t n, bool replace);

/* Words in the document's text (runs of non-space). */
size_t sf_pdoc_words(const struct sf_pdoc *d);

/*
 * Parses the bytes of one file (detecting its type by content, then by o->name's extension)
 * into r. Never fails on bad input: r->rc and r->reason tell what went wrong, and r may still
 * hold documents when the failure was partial (r->rc then SF_OK with warnings). Runs in the
 * calling process: use the pool (parse/pool.h) for files from outside.
 */
void sf_parse_bytes(const uint8_t *data, size_t len, const struct sf_parse_opts *o,
		    struct sf_presult *r);

/* As sf_parse_bytes with the type given (a name sf_parse_detect returns) instead of detected;
 * SF_ERR_UNSUPPORTED for an unknown type. */
void sf_parse_bytes_as(const char *type, const uint8_t *data, size_t len, const struct sf_parse_opts *o,
		       struct sf_presult *r);

/* As sf_parse_bytes for a file; reads at most limits.max_input bytes (larger: SF_ERR_LIMIT). */
void sf_parse_file(const char *path, const struct sf_parse_opts *o, struct sf_presult *r);

/* Fails r with rc and a printf-style reason; returns rc. */
enum sf_err sf_presult_fail(struct sf_presult *r, enum sf_err rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds a warning line. */
void sf_presult_warn(struct sf_presult *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
