// SPDX-License-Identifier: GPL-2.0-only
/* Text without printf: see text.h. */
#include "text.h"

void tl_text_add(struct tl_text *t, const char *s)
{
	while (*s && t->len + 1 < t->size)
		t->buf[t->len++] = *s++;
	t->buf[t->len] = '\0';
}

void tl_text_num(struct tl_text *t, uint64_t v, bool hex)
{
	char d[24];
	int k = (int)sizeof(d) - 1;

	d[k] = '\0';
	do {
		d[--k] = "0123456789abcdef"[hex ? v & 15 : v % 10];
		v = hex ? v >> 4 : v / 10;
	} while (v);
	if (hex)
		tl_text_add(t, "0x");
	tl_text_add(t, d + k);
}
