/*
 * base/config.h: one table of settings drives the config file, the environment and the flags.
 *
 * Layer: base. A program describes its settings once (struct sf_cfg_def: key "section.name",
 * type, default, help, secret); sf_config_load reads them, later sources overriding earlier:
 *   1. the default of the table,
 *   2. the INI file (sections in [brackets], "name = value", '#' or ';' comments),
 *   3. the environment: key "section.name" is SUFLER_SECTION_NAME (dots and dashes become '_'),
 *   4. the flags: "--section.name=VALUE" or "--section.name VALUE".
 * Every value is checked against its type and bounds; an unknown key in the file or in the
 * flags is an error (a typo must not silently leave a default in place); unknown SUFLER_*
 * variables are ignored (other programs share the environment).
 *
 * A loaded struct sf_config is immutable and reference-counted, so a server can swap in a
 * reloaded one (SIGHUP) while requests still read the old one.
 */
#ifndef SF_BASE_CONFIG_H
#define SF_BASE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/str.h"

enum sf_cfg_type {
	SF_CFG_STRING,
	SF_CFG_INT,    /* decimal integer within [min, max] */
	SF_CFG_BOOL,   /* true/false, yes/no, on/off, 1/0 */
	SF_CFG_BYTES,  /* integer with an optional K, M or G suffix (powers of 1024), within [min, max] */
};

enum sf_cfg_origin { SF_CFG_DEFAULT, SF_CFG_FILE, SF_CFG_ENV, SF_CFG_FLAG };

struct sf_cfg_def {
	const char *key;     /* "section.name": lower case, digits, '_' */
	enum sf_cfg_type type;
	const char *def;     /* default as text ("" for none) */
	int64_t min, max;    /* bounds of INT and BYTES (both 0: unbounded) */
	bool secret;         /* never printed: "***" when set */
	bool restart;        /* a change takes effect only after a restart (reload warns) */
	const char *help;
};

struct sf_config;

/*
 * Loads the settings of defs[0..n) from file (NULL: none; a file named but missing is an error),
 * envp (NULL-terminated "NAME=value" strings; NULL: none) and the flags argv[0..argc) (only the
 * "--section.name" ones; other arguments are left for the caller and not looked at). Errors name
 * the source and the key. Free with sf_config_unref.
 */
enum sf_err sf_config_load(const struct sf_cfg_def *defs, size_t n, const char *file, char *const *envp,
			   int argc, char *const *argv, struct sf_config **out, struct sf_buf *err) SF_WUR;
/* Reference counting (thread-safe): a reader takes a reference for as long as it reads. */
struct sf_config *sf_config_ref(struct sf_config *c);
void sf_config_unref(struct sf_config *c);

/* Values by key (the key must be in the table: a wrong key aborts, it is a bug). Strings are
 * borrowed for the life of the config. */
const char *sf_config_str(const struct sf_config *c, const char *key);
int64_t sf_config_int(const struct sf_config *c, const char *key);
bool sf_config_bool(const struct sf_config *c, const char *key);
enum sf_cfg_origin sf_config_origin(const struct sf_config *c, const char *key);
const char *sf_config_origin_name(enum sf_cfg_origin o);
/* The file it was loaded from (NULL: none) and when (ms since the epoch). */
const char *sf_config_file(const struct sf_config *c);
int64_t sf_config_loaded_ms(const struct sf_config *c);
/* The table it was loaded with. */
const struct sf_cfg_def *sf_config_defs(const struct sf_config *c, size_t *n);

/* "SUFLER_SECTION_NAME" for key (into out, at most cap bytes). */
void sf_config_env_name(const char *key, char *out, size_t cap);
/* Prints every setting: flag, environment variable, default, help (for --help). */
void sf_config_print_help(const struct sf_cfg_def *defs, size_t n, FILE *f);
/* Is "--x" (or "--x=...") a settings flag? Then *takes_value tells whether the next argument is
 * its value. Lets a command skip settings flags when it parses its own. */
bool sf_config_is_flag(const struct sf_cfg_def *defs, size_t n, const char *arg, bool *takes_value);

#endif
