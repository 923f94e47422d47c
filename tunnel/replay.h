/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The anti-replay window of one receiving key: an RFC 6479 bitmap, as in
 * WireGuard's counter.c, 4096 bits in 64-bit blocks.  One block is always
 * being recycled as the window slides, so the usable window is 4096 - 64 =
 * 4032 packet-ids behind the highest one accepted (OpenVPN's 64-slot default
 * is too small for reordering on fast links; WireGuard went from 2048 to 8128
 * for the same reason).
 *
 * Packet-id 0 is never valid: senders start at 1.
 *
 * The window must only move for authenticated packets, or a forged packet
 * with a huge packet-id would push every real one out of the window.  So
 * there are two calls: replay_check() only looks, and replay_update() checks
 * again and records the id; the data path calls replay_update() only after
 * the AEAD tag has been verified.
 */
#ifndef TUNLAB_REPLAY_H
#define TUNLAB_REPLAY_H

#include <stdint.h>

#define REPLAY_BLOCK_BITS	64
#define REPLAY_BITS		4096
#define REPLAY_BLOCKS		(REPLAY_BITS / REPLAY_BLOCK_BITS)
/* How far behind the highest accepted id a new id may still be. */
#define REPLAY_WINDOW		(REPLAY_BITS - REPLAY_BLOCK_BITS)

enum replay_verdict {
	REPLAY_OK = 0,		/* not seen before, inside the window */
	REPLAY_ZERO,		/* packet-id 0: never sent by a valid peer */
	REPLAY_DUP,		/* seen before */
	REPLAY_TOO_OLD,		/* more than REPLAY_WINDOW behind */
	REPLAY_VERDICT_MAX
};

struct replay_window {
	uint32_t top;		/* highest id accepted; 0 before the first */
	uint64_t blocks[REPLAY_BLOCKS];
};

/* Empty the window, as for a new key. */
void replay_init(struct replay_window *w);

/* Would pid be accepted?  Changes nothing. */
enum replay_verdict replay_check(const struct replay_window *w, uint32_t pid);

/* Check pid and, if it is acceptable, record it; call only after the packet
 * authenticated.  A rejected pid leaves the window unchanged. */
enum replay_verdict replay_update(struct replay_window *w, uint32_t pid);

/* A short name for a verdict ("replay", "too old"), for counters and logs. */
const char *replay_verdict_name(enum replay_verdict v);

#endif
