/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Messages for the user.  Library code returns errors upward; only the edge
 * (a command's main) calls these, once, with context.  Messages go to
 * stderr prefixed with the program name.
 */
#ifndef TUNLAB_LOG_H
#define TUNLAB_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_ERROR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/* Messages above this level are not printed (default LOG_INFO). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* The program name put in front of every message (default "tunlab"). */
void log_set_prog(const char *prog);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
