// SPDX-License-Identifier: GPL-2.0-only
/*
 * The anti-replay window (tunnel/replay.c), scripted at its edges like
 * WireGuard's src/selftest/counter.c, swept across the whole window, and
 * compared with a naive model on random traffic.  W is the window: a pid
 * exactly W behind the highest accepted is still new, W + 1 is too old.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "replay.h"

#define W	REPLAY_WINDOW
#define U	UINT32_MAX

struct step {
	uint32_t pid;
	enum replay_verdict want;
};

/* Feed steps to a fresh window, as the data path would after the tag. */
static void run_script(const struct step *steps, size_t n)
{
	struct replay_window w;

	replay_init(&w);
	for (size_t i = 0; i < n; i++) {
		enum replay_verdict pure = replay_check(&w, steps[i].pid);
		enum replay_verdict got = replay_update(&w, steps[i].pid);

		if (got != steps[i].want || pure != got)
			fail_msg("step %zu: pid %u: check %s, update %s, "
				 "want %s", i + 1, steps[i].pid,
				 replay_verdict_name(pure),
				 replay_verdict_name(got),
				 replay_verdict_name(steps[i].want));
	}
}

static void test_window_size(void **state)
{
	(void)state;
	assert_true(REPLAY_WINDOW >= 2048);
	assert_int_equal(REPLAY_WINDOW, 4096 - 64);
	assert_int_equal(REPLAY_BLOCKS & (REPLAY_BLOCKS - 1), 0);
}

/* The edges of the window, one case per line (cf. counter.c's 34). */
static void test_scripted_edges(void **state)
{
	static const struct step script[] = {
		/*  1 */ { 0, REPLAY_ZERO },		/* never valid */
		/*  2 */ { 1, REPLAY_OK },		/* the first id */
		/*  3 */ { 1, REPLAY_DUP },
		/*  4 */ { 10, REPLAY_OK },		/* a gap forward */
		/*  5 */ { 9, REPLAY_OK },		/* out of order */
		/*  6 */ { 8, REPLAY_OK },
		/*  7 */ { 8, REPLAY_DUP },
		/*  8 */ { 2, REPLAY_OK },		/* late but in window */
		/*  9 */ { W + 1, REPLAY_OK },		/* 1 is now W behind */
		/* 10 */ { 1, REPLAY_DUP },		/* still remembered */
		/* 11 */ { 3, REPLAY_OK },		/* W - 2 behind */
		/* 12 */ { W, REPLAY_OK },
		/* 13 */ { W, REPLAY_DUP },
		/* 14 */ { W + 17, REPLAY_OK },		/* 17 is W behind */
		/* 15 */ { 16, REPLAY_TOO_OLD },	/* one beyond */
		/* 16 */ { 17, REPLAY_OK },
		/* 17 */ { 17, REPLAY_DUP },
		/* 18 */ { W + 17, REPLAY_DUP },	/* the top itself */
		/* 19 */ { W + 16, REPLAY_OK },
		/* 20 */ { 4 * W, REPLAY_OK },		/* a big jump */
		/* 21 */ { 3 * W, REPLAY_OK },		/* exactly W behind */
		/* 22 */ { 3 * W - 1, REPLAY_TOO_OLD },	/* one beyond */
		/* 23 */ { 10, REPLAY_TOO_OLD },	/* old after the jump */
		/* 24 */ { W + 16, REPLAY_TOO_OLD },	/* seen, pre-jump */
		/* 25 */ { 3 * W, REPLAY_DUP },
		/* 26 */ { 4 * W - 1, REPLAY_OK },
		/* 27 */ { 4 * W + 64, REPLAY_OK },	/* next block */
		/* 28 */ { 4 * W + 63, REPLAY_OK },	/* block boundary */
		/* 29 */ { 4 * W, REPLAY_DUP },
		/* 30 */ { 4 * W + 4160, REPLAY_OK },	/* a whole bitmap */
		/* 31 */ { 4 * W + 64, REPLAY_TOO_OLD },	/* same bit */
		/* 32 */ { 4 * W + 4159, REPLAY_OK },
		/* 33 */ { 4 * W + 4160 - W, REPLAY_OK },
		/* 34 */ { 0, REPLAY_ZERO },
	};

	(void)state;
	run_script(script, sizeof(script) / sizeof(script[0]));
}

/* Near the top of the 32-bit space nothing wraps or overflows. */
static void test_near_uint32_max(void **state)
{
	static const struct step script[] = {
		{ U - 1, REPLAY_OK },		/* a jump from nothing */
		{ U, REPLAY_OK },
		{ U, REPLAY_DUP },
		{ U - 1, REPLAY_DUP },
		{ U - 2, REPLAY_OK },
		{ U - W, REPLAY_OK },		/* exactly W behind */
		{ U - W - 1, REPLAY_TOO_OLD },
		{ U - W, REPLAY_DUP },
		{ 1, REPLAY_TOO_OLD },		/* no wrap to small ids */
		{ 0, REPLAY_ZERO },
		{ U, REPLAY_DUP },
	};

	(void)state;
	run_script(script, sizeof(script) / sizeof(script[0]));
}

/* WireGuard's sweeps: fill the whole window in each order, then probe
 * its lower edge. */
static void test_full_window_sweeps(void **state)
{
	struct replay_window w;
	uint32_t i;

	(void)state;
	/* Ascending 2..W+1, then 1 is exactly W behind: new once. */
	replay_init(&w);
	for (i = 2; i <= W + 1; i++)
		assert_int_equal(replay_update(&w, i), REPLAY_OK);
	assert_int_equal(replay_update(&w, 1), REPLAY_OK);
	assert_int_equal(replay_update(&w, 1), REPLAY_DUP);

	/* Ascending 3..W+2: 2 is W behind, 1 is one beyond. */
	replay_init(&w);
	for (i = 3; i <= W + 2; i++)
		assert_int_equal(replay_update(&w, i), REPLAY_OK);
	assert_int_equal(replay_update(&w, 2), REPLAY_OK);
	assert_int_equal(replay_update(&w, 1), REPLAY_TOO_OLD);

	/* Descending W+1..1: every one is new. */
	replay_init(&w);
	for (i = W + 1; i >= 1; i--)
		assert_int_equal(replay_update(&w, i), REPLAY_OK);
	for (i = W + 1; i >= 1; i--)
		assert_int_equal(replay_update(&w, i), REPLAY_DUP);

	/* Descending W+2..2, then 1 is beyond. */
	replay_init(&w);
	for (i = W + 2; i >= 2; i--)
		assert_int_equal(replay_update(&w, i), REPLAY_OK);
	assert_int_equal(replay_update(&w, 1), REPLAY_TOO_OLD);

	/* Descending W+1..2, then a new top pushes 1 out. */
	replay_init(&w);
	for (i = W + 1; i >= 2; i--)
		assert_int_equal(replay_update(&w, i), REPLAY_OK);
	assert_int_equal(replay_update(&w, W + 2), REPLAY_OK);
	assert_int_equal(replay_update(&w, 1), REPLAY_TOO_OLD);

	/* Descending W+1..2, 1 still fits before the new top. */
	replay_init(&w);
	for (i = W + 1; i >= 2; i--)
		assert_int_equal(replay_update(&w, i), REPLAY_OK);
	assert_int_equal(replay_update(&w, 1), REPLAY_OK);
	assert_int_equal(replay_update(&w, W + 2), REPLAY_OK);
	assert_int_equal(replay_update(&w, 1), REPLAY_TOO_OLD);
}

/* For tops at every bit position of a block, every id around the window
 * gets the verdict its distance from the top says. */
static void test_every_offset(void **state)
{
	struct replay_window w;

	(void)state;
	for (uint32_t top = 100000; top < 100000 + 2 * REPLAY_BLOCK_BITS;
	     top++) {
		replay_init(&w);
		assert_int_equal(replay_update(&w, top), REPLAY_OK);
		for (uint32_t pid = top - W - 70; pid <= top + 70; pid++) {
			enum replay_verdict want;

			if (pid > top)
				want = REPLAY_OK;
			else if (pid == top)
				want = REPLAY_DUP;
			else if (top - pid > W)
				want = REPLAY_TOO_OLD;
			else
				want = REPLAY_OK;
			if (replay_check(&w, pid) != want)
				fail_msg("top %u pid %u: got %s", top, pid,
					 replay_verdict_name(
						 replay_check(&w, pid)));
		}
	}
}

/* After a jump forward of any size, what the window remembers is exactly
 * what was seen: nothing stale from the blocks it recycled. */
static void test_jumps_forget_the_past(void **state)
{
	static const uint32_t jumps[] = {
		1, 63, 64, 65, W - 1, W, W + 1, 4095, 4096, 4097, 4096 + 64,
		4096 + 63, 8192, 8192 + 1, 1u << 20, 1u << 31,
	};
	const uint32_t base = 100000, run = 300;

	(void)state;
	for (size_t j = 0; j < sizeof(jumps) / sizeof(jumps[0]); j++) {
		uint32_t top = base + run + jumps[j];
		struct replay_window w;

		replay_init(&w);
		for (uint32_t pid = base; pid <= base + run; pid++)
			assert_int_equal(replay_update(&w, pid), REPLAY_OK);
		assert_int_equal(replay_update(&w, top), REPLAY_OK);
		for (uint32_t pid = top - W - 70; pid <= top + 70; pid++) {
			enum replay_verdict want;

			if (pid > top)
				want = REPLAY_OK;
			else if (top - pid > W)
				want = REPLAY_TOO_OLD;
			else if (pid == top ||
				 (pid >= base && pid <= base + run))
				want = REPLAY_DUP;
			else
				want = REPLAY_OK;
			if (replay_check(&w, pid) != want)
				fail_msg("jump %u: pid %u (top %u): got %s",
					 jumps[j], pid, top,
					 replay_verdict_name(
						 replay_check(&w, pid)));
		}
	}
}

/* A tiny xorshift, so the random test is the same on every run. */
static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)(*s >> 16);
}

/* Random reordering, duplicates and jumps, against a model that simply
 * remembers every id it accepted. */
static void test_random_against_model(void **state)
{
	enum { SPAN = 300000 };
	uint8_t *seen = calloc(SPAN + 1, 1);
	struct replay_window w;
	uint32_t top = 0, next = 1;
	uint64_t s = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_non_null(seen);
	replay_init(&w);
	for (int i = 0; i < 400000; i++) {
		uint32_t r = rnd(&s), pid;
		enum replay_verdict want, got;

		switch (r % 8) {
		case 0:		/* a duplicate or an old one */
			pid = next > 1 ? 1 + rnd(&s) % (next - 1) : 0;
			break;
		case 1:		/* near the lower edge */
			pid = top > W + 3 ? top - W - 3 + rnd(&s) % 7 : next;
			break;
		case 2:		/* a jump forward */
			pid = next + rnd(&s) % (2 * W);
			break;
		default:	/* mostly in order, a little shuffled */
			pid = next + rnd(&s) % 32;
			break;
		}
		if (pid > SPAN)
			break;
		if (pid == 0)
			want = REPLAY_ZERO;
		else if (pid > top)
			want = REPLAY_OK;
		else if (top - pid > W)
			want = REPLAY_TOO_OLD;
		else if (seen[pid])
			want = REPLAY_DUP;
		else
			want = REPLAY_OK;
		got = replay_update(&w, pid);
		if (got != want)
			fail_msg("op %d pid %u top %u: got %s want %s", i, pid,
				 top, replay_verdict_name(got),
				 replay_verdict_name(want));
		if (got == REPLAY_OK) {
			seen[pid] = 1;
			if (pid > top)
				top = pid;
			if (pid >= next)
				next = pid + 1;
		}
	}
	assert_true(top > 10 * W);
	free(seen);
}

/* The "bad tag" path: a packet that fails authentication is only ever
 * checked, never recorded, and checking changes nothing, whatever its id
 * (a forged huge id must not slide the window). */
static void test_check_leaves_state_unchanged(void **state)
{
	static const uint32_t probes[] = {
		0, 1, 2, 9999, 10000, 10001, 10000 + W, 50000, 50000 + W,
		1u << 31, U - 1, U,
	};
	struct replay_window w, before;

	(void)state;
	replay_init(&w);
	for (uint32_t pid = 10000; pid < 10000 + 300; pid += 3)
		assert_int_equal(replay_update(&w, pid), REPLAY_OK);
	memcpy(&before, &w, sizeof(w));
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		(void)replay_check(&w, probes[i]);
		assert_memory_equal(&w, &before, sizeof(w));
	}
	/* A real packet after the forgeries is judged as if none came. */
	assert_int_equal(replay_update(&w, 10001), REPLAY_OK);
	assert_int_equal(replay_update(&w, 10300), REPLAY_OK);
	assert_int_equal(replay_update(&w, 10300 - W), REPLAY_OK);

	/* Rejected updates leave the window as it was too. */
	memcpy(&before, &w, sizeof(w));
	assert_int_equal(replay_update(&w, 0), REPLAY_ZERO);
	assert_int_equal(replay_update(&w, 10000), REPLAY_DUP);
	assert_int_equal(replay_update(&w, 1), REPLAY_TOO_OLD);
	assert_memory_equal(&w, &before, sizeof(w));
}

static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(replay_verdict_name(REPLAY_OK), "ok");
	assert_string_equal(replay_verdict_name(REPLAY_ZERO), "packet-id zero");
	assert_string_equal(replay_verdict_name(REPLAY_DUP), "replay");
	assert_string_equal(replay_verdict_name(REPLAY_TOO_OLD), "too old");
	assert_string_equal(replay_verdict_name(REPLAY_VERDICT_MAX), "unknown");
	assert_string_equal(replay_verdict_name((enum replay_verdict)-1),
			    "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_size),
		cmocka_unit_test(test_scripted_edges),
		cmocka_unit_test(test_near_uint32_max),
		cmocka_unit_test(test_full_window_sweeps),
		cmocka_unit_test(test_every_offset),
		cmocka_unit_test(test_jumps_forget_the_past),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_check_leaves_state_unchanged),
		cmocka_unit_test(test_verdict_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
