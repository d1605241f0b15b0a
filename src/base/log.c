/* base/log.c: the log line writer (see log.h). */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int sf_log_level = SF_LOG_WARN;

static const char *level_name[] = { "debug", "info", "warn", "error", "off" };

int sf_log_parse_level(const char *s)
{
	for (int i = 0; i <= SF_LOG_OFF; i++)
		if (strcmp(s, level_name[i]) == 0) return i;
	return -1;
}

void sf_log_write(enum sf_log_level level, const char *subsys, const char *fmt, ...)
{
	char line[2048];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts.tv_nsec / 1000000, level_name[level], subsys);
	if (n < 0) return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0) return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof line - 2) len = sizeof line - 2;
	line[len++] = '\n';
	ssize_t w = write(2, line, len);
	(void)w;
}
