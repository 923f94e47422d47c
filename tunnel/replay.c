// SPDX-License-Identifier: GPL-2.0-only
/*
 * The anti-replay window (replay.h): RFC 6479's bitmap, laid out and slid
 * as in WireGuard's src/receive.c counter_validate(), with 32-bit packet-ids
 * that start at 1 instead of WireGuard's 64-bit counters that start at 0.
 *
 * Bit (pid mod 4096) records pid.  When a higher pid arrives, the blocks
 * between the old top and the new one are cleared: they now stand for ids
 * 4096 higher than before.  The block holding the top is never cleared, so
 * the ids the window vouches for are those at most REPLAY_WINDOW below top.
 */
#include <string.h>

#include "replay.h"

static const char *const verdict_names[REPLAY_VERDICT_MAX] = {
	[REPLAY_OK]	 = "ok",
	[REPLAY_ZERO]	 = "packet-id zero",
	[REPLAY_DUP]	 = "replay",
	[REPLAY_TOO_OLD] = "too old",
};

/* Which block, and which bit in it, records pid. */
static inline unsigned int block_of(uint32_t pid)
{
	return (pid / REPLAY_BLOCK_BITS) & (REPLAY_BLOCKS - 1);
}

static inline uint64_t bit_of(uint32_t pid)
{
	return 1ull << (pid % REPLAY_BLOCK_BITS);
}

void replay_init(struct replay_window *w)
{
	memset(w, 0, sizeof(*w));
}

enum replay_verdict replay_check(const struct replay_window *w, uint32_t pid)
{
	if (pid == 0)
		return REPLAY_ZERO;
	if (pid > w->top)
		return REPLAY_OK;
	/* pid <= top here, so the subtraction cannot wrap. */
	if (w->top - pid > REPLAY_WINDOW)
		return REPLAY_TOO_OLD;
	if (w->blocks[block_of(pid)] & bit_of(pid))
		return REPLAY_DUP;
	return REPLAY_OK;
}

enum replay_verdict replay_update(struct replay_window *w, uint32_t pid)
{
	enum replay_verdict v = replay_check(w, pid);

	if (v != REPLAY_OK)
		return v;
	if (pid > w->top) {
		/* Recycle the blocks the window slides over; a jump of a whole
		 * window or more clears them all, once each. */
		uint32_t cur = w->top / REPLAY_BLOCK_BITS;
		uint32_t gap = pid / REPLAY_BLOCK_BITS - cur;

		if (gap > REPLAY_BLOCKS)
			gap = REPLAY_BLOCKS;
		for (uint32_t i = 1; i <= gap; i++)
			w->blocks[(cur + i) & (REPLAY_BLOCKS - 1)] = 0;
		w->top = pid;
	}
	w->blocks[block_of(pid)] |= bit_of(pid);
	return REPLAY_OK;
}

const char *replay_verdict_name(enum replay_verdict v)
{
	if ((unsigned int)v >= REPLAY_VERDICT_MAX)
		return "unknown";
	return verdict_names[v];
}
