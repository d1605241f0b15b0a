/* base/err.c: names of the error enum. */
#include "base/err.h"

const char *sf_err_str(enum sf_err e)
{
	switch (e) {
	case SF_OK: return "ok";
	case SF_ERR_NOMEM: return "nomem";
	case SF_ERR_IO: return "io";
	case SF_ERR_INVALID: return "invalid";
	case SF_ERR_NOTFOUND: return "not_found";
	case SF_ERR_CORRUPT: return "corrupt";
	case SF_ERR_LIMIT: return "limit";
	case SF_ERR_EXISTS: return "exists";
	case SF_ERR_STORE: return "store";
	case SF_ERR_UNSUPPORTED: return "unsupported";
	case SF_ERR_INTERNAL: return "internal";
	case SF_ERR_BUSY: return "busy";
	}
	return "unknown";
}
