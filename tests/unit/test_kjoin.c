// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel joins by skb address: within the skb's life only.  An address the
 * kernel gives to another skb later must not pull that skb's events into
 * the first packet (a sample trace once showed a packet "lasting" 313 ms
 * that way).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "kjoin.h"

#define SKB 0xffff888102a25300ull

struct got {
	struct tl_event ev[8];
	int n;
};

static void collect(void *ctx, struct tl_event *ev)
{
	struct got *g = ctx;

	if (g->n < 8)
		g->ev[g->n++] = *ev;
}

/* A kernel device event on mobile's wire at ts_ns. */
static void dev_event(struct kjoin *j, uint64_t ts_ns, uint32_t len,
		      unsigned int step)
{
	struct tl_event ev = { .ts_ns = ts_ns, .len = len, .step = (uint8_t)step,
			       .source = TL_SRC_KERNEL };
	struct kjoin_key k = { .kind = KJ_DEV, .skb = SKB, .len = len };

	strcpy(ev.host, "mobile");
	strcpy(ev.dev, "tl1m-w0");
	kjoin_kernel(j, &ev, &k);
}

static void test_skb_life(void **state)
{
	struct got g = { .n = 0 };
	struct kjoin *j = kjoin_new(collect, &g);
	struct tl_event frame = { .ts_ns = 1000000, .pkt = 1, .len = 106,
				  .step = TL_STEP_WIRE_OUT,
				  .source = TL_SRC_PCAP };
	struct kjoin_frame f = { .ev = &frame, .klen = 106 };

	(void)state;
	assert_non_null(j);
	strcpy(frame.host, "mobile");
	strcpy(frame.dev, "tl1m-w0");
	kjoin_frame(j, &f);

	/* Queued just before the frame: tied by device and length. */
	dev_event(j, 990000, 106, TL_STEP_ROUTE_WIRE);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.ev[0].pkt, 1);
	assert_int_equal(g.ev[0].basis, TL_BASIS_HEURISTIC);

	/* The same skb handed to the driver a moment later: by its life. */
	dev_event(j, 1010000, 106, TL_STEP_WIRE_OUT);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[1].pkt, 1);
	assert_int_equal(g.ev[1].basis, TL_BASIS_SKB);

	/* 313 ms on, the address belongs to another skb (no frame of ours
	 * near it): not packet 1's. */
	dev_event(j, 314000000, 118, TL_STEP_ROUTE_WIRE);
	kjoin_expire(j, 400000000);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ev[2].pkt, 0);
	kjoin_free(j);
}

/* Sent on a tun, an skb goes to the daemon's read, which frees it: a
 * receive on that tun 300 us later with the same address (seen in a demo
 * trace: the reply) is another skb, not the sent packet's. */
static void test_skb_life_ends_at_tun(void **state)
{
	struct got g = { .n = 0 };
	struct kjoin *j = kjoin_new(collect, &g);
	struct tl_event frame = { .ts_ns = 1000000, .pkt = 1, .len = 40,
				  .step = TL_STEP_TUN_DRIVER_OUT,
				  .source = TL_SRC_PCAP };
	struct kjoin_frame f = { .ev = &frame, .klen = 40 };
	struct tl_event ev = { .len = 40, .source = TL_SRC_KERNEL };
	struct kjoin_key k = { .kind = KJ_DEV, .skb = SKB, .len = 40 };

	(void)state;
	assert_non_null(j);
	strcpy(frame.host, "mobile");
	strcpy(frame.dev, "tl1m-tun");
	kjoin_frame(j, &f);
	strcpy(ev.host, "mobile");
	strcpy(ev.dev, "tl1m-tun");
	ev.ts_ns = 990000;
	ev.step = TL_STEP_ROUTE_TUN;
	kjoin_kernel(j, &ev, &k);
	ev.ts_ns = 1010000;
	ev.step = TL_STEP_TUN_DRIVER_OUT;
	k.last = true;
	kjoin_kernel(j, &ev, &k);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.ev[1].pkt, 1);
	assert_int_equal(g.ev[1].basis, TL_BASIS_SKB);

	ev.ts_ns = 1310000;
	ev.step = TL_STEP_TUN_DRIVER_IN;
	k.last = false;
	kjoin_kernel(j, &ev, &k);
	kjoin_expire(j, 400000000);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.ev[2].pkt, 0);
	kjoin_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skb_life),
		cmocka_unit_test(test_skb_life_ends_at_tun),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
