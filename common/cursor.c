// SPDX-License-Identifier: GPL-2.0-only
/* Bounds-checked byte reader: see cursor.h. */
#include <string.h>

#include "cursor.h"

void cursor_init(struct cursor *c, const void *buf, size_t len)
{
	c->base = buf;
	c->off = 0;
	c->end = buf ? len : 0;
}

/* Check that n bytes are left; the one place that guards every read. */
static int need(const struct cursor *c, size_t n)
{
	return cursor_left(c) >= n ? 0 : -1;
}

int cursor_u8(struct cursor *c, uint8_t *v)
{
	if (need(c, 1))
		return -1;
	*v = c->base[c->off++];
	return 0;
}

/* Read n (<= 8) bytes as a big-endian integer. */
static int read_be(struct cursor *c, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (need(c, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		x = (x << 8) | c->base[c->off + i];
	c->off += n;
	*v = x;
	return 0;
}

/* Read n (<= 8) bytes as a little-endian integer. */
static int read_le(struct cursor *c, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (need(c, n))
		return -1;
	for (size_t i = n; i > 0; i--)
		x = (x << 8) | c->base[c->off + i - 1];
	c->off += n;
	*v = x;
	return 0;
}

int cursor_be16(struct cursor *c, uint16_t *v)
{
	uint64_t x;

	if (read_be(c, 2, &x))
		return -1;
	*v = (uint16_t)x;
	return 0;
}

int cursor_be24(struct cursor *c, uint32_t *v)
{
	uint64_t x;

	if (read_be(c, 3, &x))
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int cursor_be32(struct cursor *c, uint32_t *v)
{
	uint64_t x;

	if (read_be(c, 4, &x))
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int cursor_be64(struct cursor *c, uint64_t *v)
{
	return read_be(c, 8, v);
}

int cursor_le16(struct cursor *c, uint16_t *v)
{
	uint64_t x;

	if (read_le(c, 2, &x))
		return -1;
	*v = (uint16_t)x;
	return 0;
}

int cursor_le32(struct cursor *c, uint32_t *v)
{
	uint64_t x;

	if (read_le(c, 4, &x))
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int cursor_le64(struct cursor *c, uint64_t *v)
{
	return read_le(c, 8, v);
}

int cursor_bytes(struct cursor *c, void *dst, size_t n)
{
	if (need(c, n))
		return -1;
	memcpy(dst, c->base + c->off, n);
	c->off += n;
	return 0;
}

int cursor_skip(struct cursor *c, size_t n)
{
	if (need(c, n))
		return -1;
	c->off += n;
	return 0;
}

int cursor_sub(struct cursor *c, struct cursor *sub, size_t n)
{
	if (need(c, n))
		return -1;
	sub->base = c->base;
	sub->off = c->off;
	sub->end = c->off + n;
	c->off += n;
	return 0;
}

int cursor_peek_u8(const struct cursor *c, size_t at, uint8_t *v)
{
	if (at >= c->end)
		return -1;
	*v = c->base[at];
	return 0;
}

int cursor_limit(struct cursor *c, size_t n)
{
	if (need(c, n))
		return -1;
	c->end = c->off + n;
	return 0;
}
