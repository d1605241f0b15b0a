/*
 * parse/detect.h: what kind of file this is.
 *
 * Layer: parse. Pure function of the bytes and the name; thread-safe.
 */
#ifndef SF_PARSE_DETECT_H
#define SF_PARSE_DETECT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The type of [p, n) named name (may be NULL): "text", "markdown", "html", "xml", "json",
 * "jsonl", "csv", "pdf", "docx", "odt", "xlsx", "ods", "odf" (an OpenDocument whose kind its
 * mimetype member tells), "roff" (a man page), "gzip" (whatever it holds) or "image" (a static string), or NULL
 * when sufler does not read it, with the reason in why (whylen bytes; e.g. "empty file",
 * "password-protected Office document (encrypted)", "executable (ELF)").
 */
const char *sf_parse_detect(const uint8_t *p, size_t n, const char *name, char *why, size_t whylen);

#endif
