/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A bounds-checked reader over a byte buffer.  Every read either succeeds in
 * full or fails without moving the cursor, so a parser can never read past
 * the end of a short packet; the caller reports "[truncated]".
 */
#ifndef TUNLAB_CURSOR_H
#define TUNLAB_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *base;	/* start of the whole buffer */
	size_t off;		/* next byte to read, from base */
	size_t end;		/* one past the last readable byte */
};

void cursor_init(struct cursor *c, const void *buf, size_t len);

/* Bytes left to read. */
static inline size_t cursor_left(const struct cursor *c)
{
	return c->end - c->off;
}

/* Pointer to the next byte; only valid for cursor_left() bytes. */
static inline const uint8_t *cursor_ptr(const struct cursor *c)
{
	return c->base + c->off;
}

/* Each returns 0 on success, -1 (cursor unchanged) if too few bytes. */
int cursor_u8(struct cursor *c, uint8_t *v);
int cursor_be16(struct cursor *c, uint16_t *v);
int cursor_be24(struct cursor *c, uint32_t *v);
int cursor_be32(struct cursor *c, uint32_t *v);
int cursor_be64(struct cursor *c, uint64_t *v);
int cursor_le16(struct cursor *c, uint16_t *v);
int cursor_le32(struct cursor *c, uint32_t *v);
int cursor_le64(struct cursor *c, uint64_t *v);
int cursor_bytes(struct cursor *c, void *dst, size_t n);
int cursor_skip(struct cursor *c, size_t n);

/* Point sub at the next n bytes and advance c past them (a bounded view for
 * a nested header or option list); -1 if fewer than n bytes are left. */
int cursor_sub(struct cursor *c, struct cursor *sub, size_t n);

/* Read at an absolute offset from base without moving; -1 if out of range. */
int cursor_peek_u8(const struct cursor *c, size_t at, uint8_t *v);

/* Shrink the readable end to n bytes from the current position (e.g. an IP
 * total length shorter than the frame); -1 if n exceeds what is left. */
int cursor_limit(struct cursor *c, size_t n);

#endif
