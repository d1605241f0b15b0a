/*
 * fuzz/fuzz_api.c: libFuzzer target for the service's own parsers of outside input: the route
 * matcher (URL paths), access-group lists and token scopes (request bodies, headers), the JSON
 * string escaper (every response carries client text back) and the INI config reader.
 * Invariants: a matched route's {} segment is non-empty, slash-free and bounded; normalizing
 * groups is idempotent; scopes survive format/parse; escaped text is valid JSON whose value is
 * the input when the input was valid UTF-8; the config reader never crashes or accepts an
 * out-of-bounds value.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/config.h"
#include "base/jw.h"
#include "http/auth.h"
#include "http/http_int.h"
#include "text/utf8.h"

static const struct sf_cfg_def defs[] = {
	{ "server.listen", SF_CFG_STRING, "127.0.0.1:8080", 0, 0, false, true, "" },
	{ "server.threads", SF_CFG_INT, "4", 2, 64, false, true, "" },
	{ "limits.body", SF_CFG_BYTES, "1M", 1024, 1 << 30, false, false, "" },
	{ "auth.secure", SF_CFG_BOOL, "false", 0, 0, false, false, "" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	/* routes */
	char param[256];
	const struct sf_route *rt = sf_route_find(s, param, sizeof param);
	if (rt && strstr(rt->pattern, "{}")) {
		size_t n = strlen(param);
		if (n == 0 || n >= sizeof param || strchr(param, '/')) abort();
	}
	/* groups */
	char g1[1100], g2[1100];
	if (sf_auth_groups_normalize(s, g1, sizeof g1)) {
		if (!sf_auth_groups_normalize(g1, g2, sizeof g2) || strcmp(g1, g2) != 0) abort();
	}
	/* scopes */
	unsigned m, m2;
	if (sf_scopes_parse(s, &m, NULL)) {
		char f[128];
		sf_scopes_format(m, f, sizeof f);
		if (!sf_scopes_parse(f, &m2, NULL) || m2 != m) abort();
	}
	/* escaping */
	struct sf_buf b = SF_BUF_INIT;
	if (sf_buf_addch(&b, '"') == SF_OK && sf_json_escape(&b, (const char *)data, size) == SF_OK &&
	    sf_buf_addch(&b, '"') == SF_OK) {
		json_t *j = json_loadb(b.ptr, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (!j || !json_is_string(j)) abort();
		if (sf_utf8_valid((const char *)data, size) &&
		    (json_string_length(j) != size || memcmp(json_string_value(j), data, size) != 0))
			abort();
		json_decref(j);
	}
	sf_buf_release(&b);
	/* the config reader, on a file in memory */
	int fd = memfd_create("cfg", 0);
	if (fd >= 0) {
		if (write(fd, data, size) == (ssize_t)size) {
			char path[64];
			snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
			struct sf_config *c = NULL;
			if (sf_config_load(defs, sizeof defs / sizeof defs[0], path, NULL, 0, NULL, &c, NULL) == SF_OK) {
				int64_t t = sf_config_int(c, "server.threads");
				if (t < 2 || t > 64) abort();
				sf_config_unref(c);
			}
		}
		close(fd);
	}
	free(s);
	return 0;
}
