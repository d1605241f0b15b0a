/*
 * base/config.c: the settings table read from defaults, an INI file, the environment and flags.
 *
 * Values are kept as validated text with their origin; typed getters parse again, which is
 * cheap and keeps one representation. Lookups are linear over the table: tens of settings, and
 * hot paths copy what they need out of a config when it is swapped in.
 */
#include "base/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/time.h"

/* A line of the file, a value: generous, but bounded. */
#define CFG_MAX_LINE 4096
#define CFG_MAX_FILE (1u << 20)

struct sf_config {
	atomic_int refs;
	const struct sf_cfg_def *defs;
	size_t n;
	char **values;
	enum sf_cfg_origin *origins;
	char *file;
	int64_t loaded_ms;
};

static ssize_t find_key(const struct sf_cfg_def *defs, size_t n, const char *key, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(defs[i].key) == len && memcmp(defs[i].key, key, len) == 0) return (ssize_t)i;
	return -1;
}

static bool parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0) return *out = true, true;
		if (strcasecmp(v, no[i]) == 0) return *out = false, true;
	}
	return false;
}

static bool parse_int(const char *v, bool bytes, int64_t *out)
{
	errno = 0;
	char *end;
	long long x = strtoll(v, &end, 10);
	if (end == v || errno) return false;
	if (bytes && *end) {
		int shift = 0;
		switch (toupper((unsigned char)*end)) {
		case 'K': shift = 10; break;
		case 'M': shift = 20; break;
		case 'G': shift = 30; break;
		default: return false;
		}
		end++;
		if (*end == 'B' || *end == 'b') end++;
		if (x < 0 || x > (INT64_MAX >> shift)) return false;
		x <<= shift;
	}
	if (*end) return false;
	*out = x;
	return true;
}

/* Checks v against d; an error message in err names where it came from. */
static enum sf_err check_value(const struct sf_cfg_def *d, const char *v, const char *where, struct sf_buf *err)
{
	bool b;
	int64_t x;
	switch (d->type) {
	case SF_CFG_STRING:
		if (strlen(v) >= CFG_MAX_LINE) {
			sf_errf(err, "%s: %s: value too long", where, d->key);
			return SF_ERR_INVALID;
		}
		return SF_OK;
	case SF_CFG_BOOL:
		if (!parse_bool(v, &b)) {
			sf_errf(err, "%s: %s: '%s' is not true or false", where, d->key, v);
			return SF_ERR_INVALID;
		}
		return SF_OK;
	case SF_CFG_INT:
	case SF_CFG_BYTES:
		if (!parse_int(v, d->type == SF_CFG_BYTES, &x)) {
			sf_errf(err, "%s: %s: '%s' is not %s", where, d->key, v,
				d->type == SF_CFG_BYTES ? "a size (like 512K, 10M)" : "an integer");
			return SF_ERR_INVALID;
		}
		if ((d->min || d->max) && (x < d->min || x > d->max)) {
			sf_errf(err, "%s: %s: %lld is outside %lld..%lld", where, d->key, (long long)x,
				(long long)d->min, (long long)d->max);
			return SF_ERR_INVALID;
		}
		return SF_OK;
	}
	return SF_ERR_INTERNAL;
}

static enum sf_err set(struct sf_config *c, size_t i, const char *v, enum sf_cfg_origin o, const char *where,
		       struct sf_buf *err)
{
	enum sf_err rc = check_value(&c->defs[i], v, where, err);
	if (rc) return rc;
	free(c->values[i]);
	c->values[i] = sf_xstrdup(v);
	c->origins[i] = o;
	return SF_OK;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t') s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) *--e = 0;
	return s;
}

static enum sf_err load_file(struct sf_config *c, const char *path, struct sf_buf *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		sf_errf(err, "config: cannot open %s: %s", path, strerror(errno));
		return SF_ERR_IO;
	}
	char line[CFG_MAX_LINE + 2];
	char section[128] = "";
	unsigned lineno = 0;
	size_t total = 0;
	enum sf_err rc = SF_OK;
	char where[256 + 32];
	while (fgets(line, sizeof line, f)) {
		lineno++;
		snprintf(where, sizeof where, "%.256s:%u", path, lineno);
		size_t len = strlen(line);
		total += len;
		if (total > CFG_MAX_FILE || (len == sizeof line - 1 && line[len - 1] != '\n')) {
			sf_errf(err, "config: %s: line or file too long", where);
			rc = SF_ERR_LIMIT;
			break;
		}
		char *s = trim(line);
		if (!*s || *s == '#' || *s == ';') continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e || e[1] || e - s - 1 >= (ptrdiff_t)sizeof section || e == s + 1) {
				sf_errf(err, "config: %s: bad section header", where);
				rc = SF_ERR_INVALID;
				break;
			}
			*e = 0;
			snprintf(section, sizeof section, "%s", trim(s + 1));
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			sf_errf(err, "config: %s: expected 'name = value'", where);
			rc = SF_ERR_INVALID;
			break;
		}
		*eq = 0;
		char *name = trim(s), *value = trim(eq + 1);
		size_t vl = strlen(value);
		if (vl >= 2 && (value[0] == '"' || value[0] == '\'') && value[vl - 1] == value[0]) {
			value[vl - 1] = 0;
			value++;
		}
		char key[256];
		snprintf(key, sizeof key, "%s%s%s", section, *section ? "." : "", name);
		ssize_t i = find_key(c->defs, c->n, key, strlen(key));
		if (i < 0) {
			sf_errf(err, "config: %s: unknown setting '%s'", where, key);
			rc = SF_ERR_INVALID;
			break;
		}
		if ((rc = set(c, (size_t)i, value, SF_CFG_FILE, where, err))) break;
	}
	if (!rc && ferror(f)) {
		sf_errf(err, "config: reading %s: %s", path, strerror(errno));
		rc = SF_ERR_IO;
	}
	fclose(f);
	return rc;
}

void sf_config_env_name(const char *key, char *out, size_t cap)
{
	size_t o = 0;
	const char *pre = "SUFLER_";
	for (; *pre && o + 1 < cap; pre++) out[o++] = *pre;
	for (; *key && o + 1 < cap; key++)
		out[o++] = (*key == '.' || *key == '-') ? '_' : (char)toupper((unsigned char)*key);
	if (cap) out[o] = 0;
}

bool sf_config_is_flag(const struct sf_cfg_def *defs, size_t n, const char *arg, bool *takes_value)
{
	if (strncmp(arg, "--", 2) != 0) return false;
	const char *k = arg + 2, *eq = strchr(k, '=');
	size_t len = eq ? (size_t)(eq - k) : strlen(k);
	if (find_key(defs, n, k, len) < 0) return false;
	*takes_value = !eq;
	return true;
}

enum sf_err sf_config_load(const struct sf_cfg_def *defs, size_t n, const char *file, char *const *envp,
			   int argc, char *const *argv, struct sf_config **out, struct sf_buf *err)
{
	struct sf_config *c = sf_xcalloc(1, sizeof *c);
	atomic_init(&c->refs, 1);
	c->defs = defs;
	c->n = n;
	c->values = sf_xcalloc(n ? n : 1, sizeof *c->values);
	c->origins = sf_xcalloc(n ? n : 1, sizeof *c->origins);
	c->loaded_ms = sf_wall_ms();
	enum sf_err rc = SF_OK;
	for (size_t i = 0; i < n && !rc; i++) rc = set(c, i, defs[i].def ? defs[i].def : "", SF_CFG_DEFAULT, "default", err);
	if (!rc && file) {
		c->file = sf_xstrdup(file);
		rc = load_file(c, file, err);
	}
	for (size_t i = 0; !rc && envp && i < n; i++) {
		char name[160];
		sf_config_env_name(defs[i].key, name, sizeof name);
		size_t nl = strlen(name);
		for (char *const *e = envp; *e; e++) {
			if (strncmp(*e, name, nl) == 0 && (*e)[nl] == '=') {
				char where[200];
				snprintf(where, sizeof where, "environment %s", name);
				rc = set(c, i, *e + nl + 1, SF_CFG_ENV, where, err);
				break;
			}
		}
	}
	for (int a = 0; !rc && a < argc; a++) {
		const char *arg = argv[a];
		bool takes;
		if (!sf_config_is_flag(defs, n, arg, &takes)) continue;
		const char *k = arg + 2, *eq = strchr(k, '=');
		size_t len = eq ? (size_t)(eq - k) : strlen(k);
		size_t i = (size_t)find_key(defs, n, k, len);
		const char *v = eq ? eq + 1 : NULL;
		if (!v) {
			if (a + 1 >= argc) {
				sf_errf(err, "flag --%s needs a value", defs[i].key);
				rc = SF_ERR_INVALID;
				break;
			}
			v = argv[++a];
		}
		rc = set(c, i, v, SF_CFG_FLAG, "flag", err);
	}
	if (rc) {
		sf_config_unref(c);
		return rc;
	}
	*out = c;
	return SF_OK;
}

struct sf_config *sf_config_ref(struct sf_config *c)
{
	if (c) atomic_fetch_add(&c->refs, 1);
	return c;
}

void sf_config_unref(struct sf_config *c)
{
	if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
	for (size_t i = 0; i < c->n; i++) free(c->values[i]);
	free(c->values);
	free(c->origins);
	free(c->file);
	free(c);
}

static size_t must_find(const struct sf_config *c, const char *key)
{
	ssize_t i = find_key(c->defs, c->n, key, strlen(key));
	if (i < 0) {
		fprintf(stderr, "sufler: bug: no setting '%s' in the table\n", key);
		abort();
	}
	return (size_t)i;
}

const char *sf_config_str(const struct sf_config *c, const char *key) { return c->values[must_find(c, key)]; }

int64_t sf_config_int(const struct sf_config *c, const char *key)
{
	size_t i = must_find(c, key);
	int64_t x = 0;
	if (!parse_int(c->values[i], c->defs[i].type == SF_CFG_BYTES, &x)) return 0;
	return x;
}

bool sf_config_bool(const struct sf_config *c, const char *key)
{
	bool b = false;
	(void)parse_bool(c->values[must_find(c, key)], &b);
	return b;
}

enum sf_cfg_origin sf_config_origin(const struct sf_config *c, const char *key) { return c->origins[must_find(c, key)]; }

const char *sf_config_origin_name(enum sf_cfg_origin o)
{
	switch (o) {
	case SF_CFG_DEFAULT: return "default";
	case SF_CFG_FILE: return "file";
	case SF_CFG_ENV: return "env";
	case SF_CFG_FLAG: return "flag";
	}
	return "?";
}

const char *sf_config_file(const struct sf_config *c) { return c->file; }
int64_t sf_config_loaded_ms(const struct sf_config *c) { return c->loaded_ms; }

const struct sf_cfg_def *sf_config_defs(const struct sf_config *c, size_t *n)
{
	*n = c->n;
	return c->defs;
}

void sf_config_print_help(const struct sf_cfg_def *defs, size_t n, FILE *f)
{
	static const char *const types[] = { "TEXT", "N", "BOOL", "SIZE" };
	for (size_t i = 0; i < n; i++) {
		char env[160];
		sf_config_env_name(defs[i].key, env, sizeof env);
		fprintf(f, "  --%s=%s\n      %s%s\n      env %s, default: %s\n", defs[i].key, types[defs[i].type],
			defs[i].help, defs[i].restart ? " (restart to change)" : "", env,
			defs[i].def && *defs[i].def ? defs[i].def : "(none)");
	}
}
