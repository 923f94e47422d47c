// SPDX-License-Identifier: GPL-2.0-only
/* The reorder window: items come out in time order (ties in the order they
 * went in), only once older than the horizon; pool blocks are reused, large
 * items work too; the capacity is reported, not enforced. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "reorder.h"

struct item {
	uint64_t ts;
	unsigned int order;	/* when it went in */
	uint8_t bytes[];
};

static struct item *put(struct reorder *r, uint64_t ts, unsigned int order,
			size_t extra)
{
	struct item *it = reorder_alloc(r, sizeof(*it) + extra);

	assert_non_null(it);
	it->ts = ts;
	it->order = order;
	memset(it->bytes, (int)(order & 0xff), extra);
	reorder_push(r, ts, it);
	return it;
}

static void test_time_order_and_stable_ties(void **state)
{
	struct reorder *r = reorder_new(1000, 64);
	uint64_t prev_ts = 0;
	unsigned int prev_order = 0, n = 0;
	struct item *it;

	(void)state;
	/* 5000 items, times drawn from 50 values: many ties. */
	srand(7);
	for (unsigned int i = 0; i < 5000; i++)
		put(r, 1000 + (uint64_t)(rand() % 50), i, 0);
	assert_int_equal(reorder_len(r), 5000);
	while ((it = reorder_pop_before(r, UINT64_MAX))) {
		assert_true(it->ts >= prev_ts);
		if (n && it->ts == prev_ts)
			assert_true(it->order > prev_order);
		prev_ts = it->ts;
		prev_order = it->order;
		reorder_release(r, it);
		n++;
	}
	assert_int_equal(n, 5000);
	assert_int_equal(reorder_len(r), 0);
	reorder_free(r);
}

static void test_only_older_than_horizon(void **state)
{
	struct reorder *r = reorder_new(100, 64);
	struct item *it;

	(void)state;
	put(r, 30, 0, 0);
	put(r, 10, 1, 0);
	put(r, 20, 2, 0);
	assert_null(reorder_pop_before(r, 10));	/* 10 is not older than 10 */
	it = reorder_pop_before(r, 25);
	assert_non_null(it);
	assert_int_equal(it->ts, 10);
	reorder_release(r, it);
	it = reorder_pop_before(r, 25);
	assert_non_null(it);
	assert_int_equal(it->ts, 20);
	reorder_release(r, it);
	assert_null(reorder_pop_before(r, 25));
	assert_int_equal(reorder_len(r), 1);
	reorder_free(r);	/* frees the one left */
}

static void test_capacity_reported(void **state)
{
	struct reorder *r = reorder_new(3, 64);

	(void)state;
	put(r, 1, 0, 0);
	put(r, 2, 1, 0);
	assert_false(reorder_full(r));
	put(r, 3, 2, 0);
	assert_true(reorder_full(r));
	put(r, 4, 3, 0);	/* advisory: still taken */
	assert_int_equal(reorder_len(r), 4);
	reorder_release(r, reorder_pop_before(r, UINT64_MAX));
	reorder_release(r, reorder_pop_before(r, UINT64_MAX));
	assert_false(reorder_full(r));
	reorder_free(r);
}

/* Blocks go back to the pool and come out again: a steady window uses the
 * same memory over and over. */
static void test_pool_reuses_blocks(void **state)
{
	struct reorder *r = reorder_new(100, 64);
	void *first = NULL;

	(void)state;
	for (int round = 0; round < 4; round++) {
		struct item *it = put(r, (uint64_t)round, (unsigned int)round, 8);

		if (!first)
			first = it;
		assert_ptr_equal(it, first);
		reorder_release(r, reorder_pop_before(r, UINT64_MAX));
	}
	reorder_free(r);
}

/* Items larger than a pool block are allocated alone, kept intact, freed
 * (ASan would see a leak or a bad free). */
static void test_large_items(void **state)
{
	struct reorder *r = reorder_new(100, 64);
	struct item *big, *it;

	(void)state;
	big = put(r, 5, 1, 4000);
	put(r, 1, 0, 16);
	put(r, 9, 2, 4000);	/* left in the window for reorder_free */
	it = reorder_pop_before(r, UINT64_MAX);
	assert_int_equal(it->order, 0);
	reorder_release(r, it);
	it = reorder_pop_before(r, UINT64_MAX);
	assert_ptr_equal(it, big);
	for (int i = 0; i < 4000; i++)
		assert_int_equal(it->bytes[i], 1);
	reorder_release(r, it);
	reorder_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_order_and_stable_ties),
		cmocka_unit_test(test_only_older_than_horizon),
		cmocka_unit_test(test_capacity_reported),
		cmocka_unit_test(test_pool_reuses_blocks),
		cmocka_unit_test(test_large_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
