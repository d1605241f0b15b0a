/*
 * base/log.h: one-line structured logging to stderr.
 *
 * Layer: base. SF_LOG(level, subsys, fmt, ...) checks the level before evaluating its arguments.
 * Lines look like "2026-11-22T10:00:00.123Z warn index msg key=value"; write key=value pairs,
 * never a secret or a full document text at info level. Thread-safe (one write(2) per line).
 */
#ifndef SF_BASE_LOG_H
#define SF_BASE_LOG_H

enum sf_log_level { SF_LOG_DEBUG = 0, SF_LOG_INFO = 1, SF_LOG_WARN = 2, SF_LOG_ERROR = 3, SF_LOG_OFF = 4 };

extern int sf_log_level;

void sf_log_write(enum sf_log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses "debug|info|warn|error|off"; returns -1 when unknown. */
int sf_log_parse_level(const char *s);

#define SF_LOG(level, subsys, ...)                                                   \
	do {                                                                         \
		if ((int)(level) >= sf_log_level) sf_log_write((level), (subsys), __VA_ARGS__); \
	} while (0)

#endif
