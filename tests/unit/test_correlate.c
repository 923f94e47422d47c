// SPDX-License-Identifier: GPL-2.0-only
/* The correlator: one packet's observations get one number, and the basis
 * of each tie is recorded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "correlate.h"

struct obs {
	enum tl_step_id step;
	enum tl_source src;
	uint64_t inner, payload;
	int tunnel;		/* 0: none; else packet-id, from_server below */
	int from_server;
};

/* Run a script of observations; returns the numbers in pkts. */
static void run(struct correlator *c, const struct obs *o, size_t n,
		uint64_t *pkts, uint8_t *basis)
{
	for (size_t i = 0; i < n; i++) {
		struct tl_event ev = { .step = o[i].step, .source = o[i].src };
		struct corr_keys k = {
			.inner = o[i].inner, .payload = o[i].payload,
			.tunnel = o[i].tunnel != 0, .peer_id = 1, .key_id = 0,
			.packet_id = (uint32_t)o[i].tunnel,
			.from_server = o[i].from_server,
		};

		pkts[i] = corr_assign(c, &ev, &k);
		assert_int_equal(ev.pkt, pkts[i]);
		if (basis)
			basis[i] = ev.basis;
	}
}

/* A UDP echo: the request mobile -> office, the reply back, with the same
 * payload both ways (an echo) but different inner packets. */
static void test_echo_request_and_reply(void **state)
{
	enum { REQ = 0x1111, REP = 0x2222, DATA = 0x7777 };
	static const struct obs script[] = {
		/* request, on mobile then office */
		{ TL_STEP_APP_SEND, TL_SRC_APP, 0, DATA, 0, 0 },
		{ TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP, REQ, DATA, 0, 0 },
		{ TL_STEP_DAEMON_READ, TL_SRC_DAEMON, REQ, 0, 0, 0 },
		{ TL_STEP_ENCRYPT_SEND, TL_SRC_DAEMON, REQ, 0, 5, 0 },
		{ TL_STEP_WIRE_OUT, TL_SRC_PCAP, 0, 0, 5, 0 },
		{ TL_STEP_WIRE_IN, TL_SRC_PCAP, 0, 0, 5, 0 },
		{ TL_STEP_RECV_DECRYPT, TL_SRC_DAEMON, REQ, 0, 5, 0 },
		{ TL_STEP_DAEMON_WRITE, TL_SRC_DAEMON, REQ, 0, 0, 0 },
		{ TL_STEP_TUN_DRIVER_IN, TL_SRC_PCAP, REQ, DATA, 0, 0 },
		{ TL_STEP_APP_RECV, TL_SRC_APP, 0, DATA, 0, 0 },
		/* reply, on office then mobile: same data, same packet-id
		 * number but the other direction */
		{ TL_STEP_APP_SEND, TL_SRC_APP, 0, DATA, 0, 0 },
		{ TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP, REP, DATA, 0, 0 },
		{ TL_STEP_DAEMON_READ, TL_SRC_DAEMON, REP, 0, 0, 0 },
		{ TL_STEP_ENCRYPT_SEND, TL_SRC_DAEMON, REP, 0, 5, 1 },
		{ TL_STEP_WIRE_OUT, TL_SRC_PCAP, 0, 0, 5, 1 },
		{ TL_STEP_WIRE_IN, TL_SRC_PCAP, 0, 0, 5, 1 },
		{ TL_STEP_RECV_DECRYPT, TL_SRC_DAEMON, REP, 0, 5, 1 },
		{ TL_STEP_DAEMON_WRITE, TL_SRC_DAEMON, REP, 0, 0, 0 },
		{ TL_STEP_TUN_DRIVER_IN, TL_SRC_PCAP, REP, DATA, 0, 0 },
		{ TL_STEP_APP_RECV, TL_SRC_APP, 0, DATA, 0, 0 },
	};
	size_t n = sizeof(script) / sizeof(script[0]);
	struct correlator *c = corr_new();
	uint64_t pkts[32];
	uint8_t basis[32];

	(void)state;
	run(c, script, n, pkts, basis);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(pkts[i], 1);
	for (size_t i = 10; i < n; i++)
		assert_int_equal(pkts[i], 2);
	assert_int_equal(corr_packets(c), 2);
	assert_int_equal(basis[0], TL_BASIS_NONE);	/* the first seen */
	assert_int_equal(basis[1], TL_BASIS_CONTENT);
	assert_int_equal(basis[4], TL_BASIS_TUNNEL_KEY);	/* the wire */
	assert_int_equal(basis[5], TL_BASIS_TUNNEL_KEY);
	assert_int_equal(basis[10], TL_BASIS_NONE);	/* the reply is new */
	corr_free(c);
}

/* A retransmitted segment has the same bytes: it is a second packet. */
static void test_retransmission_is_a_new_packet(void **state)
{
	static const struct obs script[] = {
		{ TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP, 0x42, 0, 0, 0 },
		{ TL_STEP_ENCRYPT_SEND, TL_SRC_DAEMON, 0x42, 0, 7, 0 },
		{ TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP, 0x42, 0, 0, 0 },
		{ TL_STEP_ENCRYPT_SEND, TL_SRC_DAEMON, 0x42, 0, 8, 0 },
		{ TL_STEP_WIRE_OUT, TL_SRC_PCAP, 0, 0, 7, 0 },
		{ TL_STEP_WIRE_OUT, TL_SRC_PCAP, 0, 0, 8, 0 },
	};
	struct correlator *c = corr_new();
	uint64_t pkts[8];

	(void)state;
	run(c, script, 6, pkts, NULL);
	assert_int_equal(pkts[0], 1);
	assert_int_equal(pkts[1], 1);
	assert_int_equal(pkts[2], 2);
	assert_int_equal(pkts[3], 2);
	/* The wire tells them apart by packet-id. */
	assert_int_equal(pkts[4], 1);
	assert_int_equal(pkts[5], 2);
	corr_free(c);
}

/* Kernel events may repeat a step (a lookup, then the queue). */
static void test_kernel_events_share_a_step(void **state)
{
	static const struct obs script[] = {
		{ TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP, 0x99, 0, 0, 0 },
		{ TL_STEP_ROUTE_TUN, TL_SRC_KERNEL, 0x99, 0, 0, 0 },
		{ TL_STEP_ROUTE_TUN, TL_SRC_KERNEL, 0x99, 0, 0, 0 },
	};
	struct correlator *c = corr_new();
	uint64_t pkts[4];

	(void)state;
	run(c, script, 3, pkts, NULL);
	assert_int_equal(pkts[1], 1);
	assert_int_equal(pkts[2], 1);
	corr_free(c);
}

/* Many packets in flight at once still tie up. */
static void test_many_interleaved(void **state)
{
	struct correlator *c = corr_new();

	(void)state;
	for (uint32_t i = 1; i <= 20000; i++) {
		struct tl_event ev = { .step = TL_STEP_TUN_DRIVER_OUT,
				       .source = TL_SRC_PCAP };
		struct corr_keys k = { .inner = 0x1000000ull + i };

		assert_int_equal(corr_assign(c, &ev, &k), i);
	}
	for (uint32_t i = 20000; i >= 1; i--) {
		struct tl_event ev = { .step = TL_STEP_ENCRYPT_SEND,
				       .source = TL_SRC_DAEMON };
		struct corr_keys k = { .inner = 0x1000000ull + i,
				       .tunnel = true, .packet_id = i };

		assert_int_equal(corr_assign(c, &ev, &k), i);
		assert_int_equal(ev.basis, TL_BASIS_CONTENT);
	}
	assert_int_equal(corr_packets(c), 20000);
	corr_free(c);
}

/* The app's account of a refusal (step 2, dropped) joins the kernel's
 * failed lookup when asked to (also): one packet, basis heuristic; a plain
 * join of a step the packet has starts a new packet, as before. */
static void test_also_joins_a_seen_step(void **state)
{
	struct correlator *c = corr_new();
	struct tl_event kern = { .step = TL_STEP_ROUTE_TUN,
				 .source = TL_SRC_KERNEL };
	struct tl_event app = { .step = TL_STEP_ROUTE_TUN,
				.source = TL_SRC_APP };
	struct corr_keys none = { 0 }, k = { 0 };
	uint64_t p;

	(void)state;
	assert_non_null(c);
	p = corr_assign(c, &kern, &none);
	k.join = p;
	assert_int_not_equal(corr_assign(c, &app, &k), p);
	k.also = true;
	assert_int_equal(corr_assign(c, &app, &k), p);
	assert_int_equal(app.basis, TL_BASIS_HEURISTIC);
	corr_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_request_and_reply),
		cmocka_unit_test(test_retransmission_is_a_new_packet),
		cmocka_unit_test(test_kernel_events_share_a_step),
		cmocka_unit_test(test_many_interleaved),
		cmocka_unit_test(test_also_joins_a_seen_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
