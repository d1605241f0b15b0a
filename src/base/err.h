/*
 * base/err.h: the one error enum of sufler.
 *
 * Layer: base (everything may include it). Values are appended, never renumbered: they appear in
 * logs and, mapped through one table, in API responses. A function that can fail returns
 * enum sf_err and is marked SF_WUR; details for people go into an optional struct sf_buf *err.
 */
#ifndef SF_BASE_ERR_H
#define SF_BASE_ERR_H

#define SF_WUR __attribute__((warn_unused_result))

enum sf_err {
	SF_OK = 0,
	SF_ERR_NOMEM = 1,       /* an allocation whose size came from input failed */
	SF_ERR_IO = 2,          /* read, write, open, mmap, fsync failed */
	SF_ERR_INVALID = 3,     /* bad input: malformed JSON, bad UTF-8 refused, bad query */
	SF_ERR_NOTFOUND = 4,    /* the thing asked for does not exist */
	SF_ERR_CORRUPT = 5,     /* stored data fails its checksum, version or structure check */
	SF_ERR_LIMIT = 6,       /* a named size limit was exceeded */
	SF_ERR_EXISTS = 7,      /* the thing to create exists already */
	SF_ERR_STORE = 8,       /* the database reported an error */
	SF_ERR_UNSUPPORTED = 9, /* valid but not handled (unknown file type, newer format) */
	SF_ERR_INTERNAL = 10,   /* a bug: an invariant did not hold */
	SF_ERR_BUSY = 11,       /* locked by another process or writer */
};

/* Short stable name of an error ("invalid", "io", ...); never NULL. */
const char *sf_err_str(enum sf_err e);

#endif
