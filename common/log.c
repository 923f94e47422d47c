// SPDX-License-Identifier: GPL-2.0-only
/* Messages for the user: see log.h. */
#include <stdio.h>

#include "log.h"

static enum log_level max_level = LOG_INFO;
static const char *prog = "tunlab";

static const char *const level_prefix[] = {
	[LOG_ERROR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DEBUG] = "debug: ",
};

void log_set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_level(void)
{
	return max_level;
}

void log_set_prog(const char *name)
{
	prog = name;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > max_level)
		return;
	fprintf(stderr, "%s: %s", prog, level_prefix[level]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
