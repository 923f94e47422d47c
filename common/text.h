/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text built without printf, into a fixed buffer, always terminated: the
 * daemon's probe details and the tracer's kernel event details are made
 * once per event at full speed, where snprintf cost more than the rest.
 */
#ifndef TUNLAB_TEXT_H
#define TUNLAB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tl_text {
	char *buf;
	size_t size;		/* of buf, > 0 */
	size_t len;		/* used, without the NUL */
};

/* Append s (as much as fits). */
void tl_text_add(struct tl_text *t, const char *s);

/* Append v in decimal, or with hex set as 0x and hexadecimal digits. */
void tl_text_num(struct tl_text *t, uint64_t v, bool hex);

#endif
