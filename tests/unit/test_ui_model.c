// SPDX-License-Identifier: GPL-2.0-only
/* The UI's model (ui/model.h): packets from events, the timeline the
 * arrows walk, progress and verdicts, statistics, the bytes each step
 * added, and the filter. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evstore.h"
#include "model.h"

/* A UDP datagram 10.8.0.2:5000 -> 10.8.0.1:7 carrying "hi", as a tun
 * device holds it (checksums left 0: the model does not check them). */
static const uint8_t inner[] = {
	0x45, 0x00, 0x00, 0x1e, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 8, 0, 2, 10, 8, 0, 1,
	0x13, 0x88, 0x00, 0x07, 0x00, 0x0a, 0x00, 0x00, 'h', 'i',
};

/* The daemon's step-5 bytes: P_DATA_V2 key 0, peer 1, packet id 2, a
 * 16-byte tag, then 30 bytes of "ciphertext". */
static uint8_t tunnel[24 + 30];

/* On the wire: Ethernet, IPv4 192.0.2.2 -> 192.0.2.1, UDP -> 1194, tunnel. */
static uint8_t frame[14 + 20 + 8 + sizeof(tunnel)];

/* An ARP request in a TAP device's Ethernet frame. */
static uint8_t arp[14 + 28];

static void make_bytes(void)
{
	size_t ulen = 8 + sizeof(tunnel);

	memset(tunnel, 0xab, sizeof(tunnel));
	tunnel[0] = 9 << 3;
	tunnel[1] = 0;
	tunnel[2] = 0;
	tunnel[3] = 1;
	tunnel[4] = 0;
	tunnel[5] = 0;
	tunnel[6] = 0;
	tunnel[7] = 2;
	memset(frame, 0, sizeof(frame));
	memset(frame, 0x02, 12);
	frame[12] = 0x08;
	frame[14] = 0x45;
	frame[16] = (uint8_t)((20 + ulen) >> 8);
	frame[17] = (uint8_t)(20 + ulen);
	frame[22] = 64;
	frame[23] = 17;
	memcpy(frame + 26, (uint8_t[]){ 192, 0, 2, 2, 192, 0, 2, 1 }, 8);
	frame[34] = 0xc0;
	frame[35] = 0x00;
	frame[36] = 0x04;
	frame[37] = 0xaa;	/* 1194 */
	frame[38] = (uint8_t)(ulen >> 8);
	frame[39] = (uint8_t)ulen;
	memcpy(frame + 42, tunnel, sizeof(tunnel));
	memset(arp, 0xff, 6);
	memset(arp + 6, 0x02, 6);
	arp[12] = 0x08;
	arp[13] = 0x06;
	arp[14 + 1] = 1;	/* hardware type 1 */
	arp[14 + 2] = 0x08;	/* IPv4 */
	arp[14 + 4] = 6;
	arp[14 + 5] = 4;
	arp[14 + 7] = 1;	/* request */
}

static void add(struct evstore *s, uint64_t ts, uint64_t pkt,
		enum tl_step_id step, const char *host, enum tl_link link,
		const uint8_t *data, size_t n, uint16_t flags, const char *detail)
{
	struct tl_event ev = {
		.ts_ns = ts, .pkt = pkt, .step = (uint8_t)step,
		.source = TL_SRC_PCAP, .link = (uint8_t)link, .flags = flags,
		.data = data, .caplen = (uint32_t)n, .len = (uint32_t)n,
	};

	snprintf(ev.host, sizeof(ev.host), "%s", host);
	snprintf(ev.dev, sizeof(ev.dev), "dev");
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	assert_int_equal(evstore_add(s, &ev), 0);
}

/*
 * The store, in trace order:
 *  0 pkt 1 step 1 mobile        5 pkt 1 step 7' office (frame)
 *  1 pkt 1 step 3 mobile (ip)   6 pkt 2 step 3 office (ip)
 *  2 untied step 2 mobile       7 pkt 1 step 5' office
 *  3 pkt 1 step 5 (tunnel)      8 pkt 1 step 1' office
 *  4 pkt 1 step 7 (frame)       9 pkt 2 step 5 office, DROP (bad tag)
 */
static void fill(struct evstore *s)
{
	make_bytes();
	evstore_init(s);
	add(s, 1000, 1, TL_STEP_APP_SEND, "mobile", TL_LINK_NONE, NULL, 0, 0, "");
	add(s, 1100, 1, TL_STEP_TUN_DRIVER_OUT, "mobile", TL_LINK_IP, inner,
	    sizeof(inner), 0, "");
	add(s, 1150, 0, TL_STEP_ROUTE_TUN, "mobile", TL_LINK_NONE, NULL, 0,
	    0, "fib_table_lookup");
	add(s, 1300, 1, TL_STEP_ENCRYPT_SEND, "mobile", TL_LINK_TUNNEL, tunnel,
	    sizeof(tunnel), 0, "key 0 peer 1 pid 2");
	add(s, 1400, 1, TL_STEP_WIRE_OUT, "mobile", TL_LINK_ETH, frame,
	    sizeof(frame), 0, "");
	add(s, 1500, 1, TL_STEP_WIRE_IN, "office", TL_LINK_ETH, frame,
	    sizeof(frame), 0, "");
	add(s, 1550, 2, TL_STEP_TUN_DRIVER_OUT, "office", TL_LINK_IP, inner,
	    sizeof(inner), 0, "");
	add(s, 1600, 1, TL_STEP_RECV_DECRYPT, "office", TL_LINK_IP, inner,
	    sizeof(inner), 0, "");
	add(s, 2000, 1, TL_STEP_APP_RECV, "office", TL_LINK_NONE, NULL, 0, 0, "");
	add(s, 2100, 2, TL_STEP_ENCRYPT_SEND, "office", TL_LINK_NONE, NULL, 0,
	    TL_EVENT_F_DROP, "drop: bad tag from 192.0.2.2:4000");
}

static void test_packets_from_events(void **state)
{
	struct evstore s;
	struct ui_model m;
	const uint32_t *rows;
	size_t n;

	(void)state;
	fill(&s);
	assert_int_equal(ui_model_init(&m, &s), 0);
	assert_int_equal(m.n, 10);
	assert_int_equal(m.npk, 2);
	assert_int_equal(m.untied, 1);
	rows = ui_model_rows(&m, &n);
	assert_int_equal(n, 2);
	assert_int_equal(m.pk[rows[0]].pkt, 1);
	assert_int_equal(m.pk[rows[1]].pkt, 2);
	assert_int_equal(m.pk[rows[0]].nev, 7);
	assert_int_equal(m.pk[rows[0]].t1 - m.pk[rows[0]].t0, 1000);
	/* The summary comes from the inner packet, not the wire's frame. */
	assert_int_equal(m.pk[rows[0]].sum_ev, 1);
	assert_true(m.pk[rows[0]].sum_inner);
	assert_null(ui_model_pkt_of(&m, 2));
	assert_int_equal(ui_model_pkt_of(&m, 7)->pkt, 1);
	assert_int_equal(ui_model_find(&m, 2), rows[1]);
	assert_int_equal(ui_model_find(&m, 99), UI_NONE);
	/* The path's boxes: packets per host and step, and the drop. */
	assert_int_equal(m.box[ui_model_host(&m, "mobile")][TL_STEP_WIRE_OUT], 1);
	assert_int_equal(m.box[ui_model_host(&m, "office")][TL_STEP_WIRE_IN], 1);
	assert_int_equal(m.box_drops[ui_model_host(&m, "office")]
				    [TL_STEP_ENCRYPT_SEND], 1);
	assert_false(m.tap);
	ui_model_free(&m);
	evstore_free(&s);
}

/* The k-th step from "before the first" is the k-th event of the trace,
 * untied ones included (as tunlab export lists them). */
static void test_kth_event_navigation(void **state)
{
	struct evstore s;
	struct ui_model m;
	long cur = -1;

	(void)state;
	fill(&s);
	assert_int_equal(ui_model_init(&m, &s), 0);
	for (long k = 0; k < 10; k++) {
		cur = ui_model_step(&m, cur, +1);
		assert_int_equal(cur, k);
	}
	assert_int_equal(ui_model_step(&m, cur, +1), -1);
	for (long k = 8; k >= 0; k--) {
		cur = ui_model_step(&m, cur, -1);
		assert_int_equal(cur, k);
	}
	assert_int_equal(ui_model_step(&m, 0, -1), -1);
	/* Step 5 of packet 1, and the step before it (3, the tun). */
	assert_int_equal(ui_model_pkt_at_step(&m, ui_model_find(&m, 1),
					      TL_STEP_ENCRYPT_SEND), 3);
	assert_int_equal(ui_model_prev_step(&m, 3), 1);
	assert_int_equal(ui_model_prev_step(&m, 0), -1);
	assert_int_equal(ui_model_pkt_at_step(&m, ui_model_find(&m, 1),
					      TL_STEP_ROUTE_TUN), -1);
	ui_model_free(&m);
	evstore_free(&s);
}

static void test_progress_and_verdict(void **state)
{
	struct evstore s;
	struct ui_model m;
	char prog[TL_STEP_COUNT + 1], v[128];

	(void)state;
	fill(&s);
	assert_int_equal(ui_model_init(&m, &s), 0);
	ui_pkt_progress(&m.pk[ui_model_find(&m, 1)], prog);
	assert_string_equal(prog, "1.3.5.77.5...1");
	assert_int_equal(ui_pkt_verdict(&m, &m.pk[ui_model_find(&m, 1)], v,
					sizeof(v)), UI_V_DELIVERED);
	assert_string_equal(v, "delivered");
	ui_pkt_progress(&m.pk[ui_model_find(&m, 2)], prog);
	assert_string_equal(prog, "..3.X.........");
	assert_int_equal(ui_pkt_verdict(&m, &m.pk[ui_model_find(&m, 2)], v,
					sizeof(v)), UI_V_DROPPED);
	assert_string_equal(v, "dropped at 5 on office: bad tag");
	ui_model_free(&m);
	evstore_free(&s);
}

static void test_stats(void **state)
{
	struct evstore s;
	struct ui_model m;
	struct ui_stats st;

	(void)state;
	fill(&s);
	assert_int_equal(ui_model_init(&m, &s), 0);
	assert_int_equal(ui_model_stats(&m, &st), 0);
	assert_int_equal(st.events, 10);
	assert_int_equal(st.packets, 2);
	assert_int_equal(st.untied, 1);
	assert_int_equal(st.delivered, 1);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.step[TL_STEP_ROUTE_TUN].events, 1);
	assert_int_equal(st.step[TL_STEP_ROUTE_TUN].packets, 0);
	/* Step 5: packet 1 200 ns after its step 3, packet 2 550 ns. */
	assert_int_equal(st.step[TL_STEP_ENCRYPT_SEND].packets, 2);
	assert_int_equal(st.step[TL_STEP_ENCRYPT_SEND].nlat, 2);
	assert_int_equal(st.step[TL_STEP_ENCRYPT_SEND].lat_min, 200);
	assert_int_equal(st.step[TL_STEP_ENCRYPT_SEND].lat_max, 550);
	assert_int_equal(st.step[TL_STEP_ENCRYPT_SEND].drops, 1);
	assert_int_equal(st.step[TL_STEP_APP_RECV].lat_med, 400);
	assert_int_equal(st.ndrops, 1);
	assert_string_equal(st.drops[0].why, "bad tag");
	assert_int_equal(st.drops[0].n, 1);
	ui_model_free(&m);
	evstore_free(&s);
}

static void test_added_bytes(void **state)
{
	struct tl_event ev = { .caplen = sizeof(tunnel), .len = sizeof(tunnel),
			       .data = tunnel, .link = TL_LINK_TUNNEL,
			       .step = TL_STEP_ENCRYPT_SEND };
	struct ui_range r[UI_RANGE_MAX];
	const char *what;

	(void)state;
	make_bytes();
	/* Step 5: the tunnel header and tag, 24 bytes. */
	assert_int_equal(ui_added_bytes(&ev, r, UI_RANGE_MAX, &what), 1);
	assert_int_equal(r[0].off, 0);
	assert_int_equal(r[0].len, 24);
	assert_string_equal(what, "tunnel header and tag");
	/* Step 7: the Ethernet header of the wire's frame. */
	ev = (struct tl_event){ .caplen = sizeof(frame), .len = sizeof(frame),
				.data = frame, .link = TL_LINK_ETH,
				.step = TL_STEP_WIRE_OUT };
	assert_int_equal(ui_added_bytes(&ev, r, UI_RANGE_MAX, &what), 1);
	assert_int_equal(r[0].off, 0);
	assert_int_equal(r[0].len, 14);
	/* Step 6 with the same bytes: the outer IP and UDP headers. */
	ev.step = TL_STEP_ROUTE_WIRE;
	assert_int_equal(ui_added_bytes(&ev, r, UI_RANGE_MAX, &what), 2);
	assert_int_equal(r[0].off, 14);
	assert_int_equal(r[0].len, 20);
	assert_int_equal(r[1].off, 34);
	assert_int_equal(r[1].len, 8);
	/* Step 7' adds nothing: the receiver takes headers off. */
	ev.step = TL_STEP_WIRE_IN;
	assert_int_equal(ui_added_bytes(&ev, r, UI_RANGE_MAX, &what), 0);
	/* Step 3 on a TAP device: the inner Ethernet header; on TUN, none. */
	ev = (struct tl_event){ .caplen = sizeof(arp), .len = sizeof(arp),
				.data = arp, .link = TL_LINK_ETH,
				.step = TL_STEP_TUN_DRIVER_OUT };
	assert_int_equal(ui_added_bytes(&ev, r, UI_RANGE_MAX, &what), 1);
	assert_int_equal(r[0].len, 14);
	assert_string_equal(what, "inner Ethernet header (TAP)");
	ev = (struct tl_event){ .caplen = sizeof(inner), .len = sizeof(inner),
				.data = inner, .link = TL_LINK_IP,
				.step = TL_STEP_TUN_DRIVER_OUT };
	assert_int_equal(ui_added_bytes(&ev, r, UI_RANGE_MAX, &what), 0);
}

static void test_filter(void **state)
{
	struct evstore s;
	struct ui_model m;
	char err[UI_ERRBUF] = "";
	size_t n;

	(void)state;
	fill(&s);
	assert_int_equal(ui_model_init(&m, &s), 0);
	/* Outer bytes match for packet 1 (its wire frame), not packet 2. */
	assert_int_equal(ui_model_filter(&m, "udp port 1194", err), 0);
	assert_int_equal(m.nmatch, 1);
	ui_model_rows(&m, &n);
	assert_int_equal(n, 1);
	assert_false(ui_model_visible(&m, 2));	/* untied: hidden */
	assert_int_equal(ui_model_step(&m, -1, +1), 0);
	assert_int_equal(ui_model_step(&m, 5, +1), 7);	/* skips packet 2 */
	/* Inner bytes match both. */
	assert_int_equal(ui_model_filter(&m, "dst port 7", err), 0);
	assert_int_equal(m.nmatch, 2);
	/* A bad filter: pcap's message, the one in place kept. */
	assert_int_equal(ui_model_filter(&m, "port nonsense((", err), -EINVAL);
	assert_non_null(strstr(err, "bad filter"));
	assert_string_equal(m.filter, "dst port 7");
	/* Marking instead of hiding keeps every row. */
	m.only = false;
	m.order_dirty = true;
	ui_model_rows(&m, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ui_model_filter(&m, "", err), 0);
	assert_false(m.filtering);
	ui_model_free(&m);
	evstore_free(&s);
}

/* Events added later (live) join their packets. */
static void test_update(void **state)
{
	struct evstore s;
	struct ui_model m;

	(void)state;
	make_bytes();
	evstore_init(&s);
	add(&s, 10, 5, TL_STEP_APP_SEND, "mobile", TL_LINK_NONE, NULL, 0, 0, "");
	assert_int_equal(ui_model_init(&m, &s), 0);
	assert_int_equal(m.npk, 1);
	add(&s, 20, 3, TL_STEP_APP_SEND, "mobile", TL_LINK_NONE, NULL, 0, 0, "");
	add(&s, 30, 5, TL_STEP_TUN_DRIVER_OUT, "mobile", TL_LINK_ETH, arp,
	    sizeof(arp), 0, "");
	assert_int_equal(ui_model_update(&m), 0);
	assert_int_equal(m.npk, 2);
	assert_int_equal(m.pk[ui_model_find(&m, 5)].nev, 2);
	assert_true(m.tap);
	/* The list is by packet number, not by first appearance. */
	assert_int_equal(ui_model_row_of(&m, ui_model_find(&m, 3)), 0);
	assert_int_equal(ui_model_row_of(&m, ui_model_find(&m, 5)), 1);
	ui_model_free(&m);
	evstore_free(&s);
}

/* Many packets: the hash grows, numbers stay found. */
static void test_many_packets(void **state)
{
	struct evstore s;
	struct ui_model m;

	(void)state;
	evstore_init(&s);
	for (uint64_t p = 1; p <= 5000; p++)
		add(&s, p, p * 7, TL_STEP_APP_SEND, "mobile", TL_LINK_NONE, NULL,
		    0, 0, "");
	assert_int_equal(ui_model_init(&m, &s), 0);
	assert_int_equal(m.npk, 5000);
	for (uint64_t p = 1; p <= 5000; p++)
		assert_int_equal(m.pk[ui_model_find(&m, p * 7)].pkt, p * 7);
	assert_int_equal(ui_model_find(&m, 8), UI_NONE);
	ui_model_free(&m);
	evstore_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packets_from_events),
		cmocka_unit_test(test_kth_event_navigation),
		cmocka_unit_test(test_progress_and_verdict),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_added_bytes),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_update),
		cmocka_unit_test(test_many_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
