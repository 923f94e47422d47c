// SPDX-License-Identifier: GPL-2.0-only
/* One-to-many joins: a TCP write maps onto every segment carrying its bytes
 * by sequence range, a GSO super-packet onto the segments it is cut into;
 * the daemon's segment events name their super-packet (parent).  Synthetic
 * events through segjoin and the correlator, as the tracer feeds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "correlate.h"
#include "segjoin.h"

#define SEQ0	4000000000u	/* close to 2^32: ranges wrap */
#define MSS	1400

/* The test's world: a correlator, and what segjoin released. */
struct world {
	struct correlator *c;
	struct segjoin *j;
	struct tl_event released[8];
	uint64_t released_join[8];
	int nreleased;
};

/* segjoin's release: number the held skb as the tracer does. */
static uint64_t release(void *ctx, struct tl_event *ev, uint64_t join)
{
	struct world *w = ctx;

	ev->pkt = join ? join : corr_new_packet(w->c);
	ev->basis = join ? TL_BASIS_SEQ_RANGE : TL_BASIS_NONE;
	if (w->nreleased < 8) {
		w->released[w->nreleased] = *ev;
		w->released_join[w->nreleased++] = join;
	}
	return ev->pkt;
}

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->c = corr_new();
	w->j = segjoin_new(release, w);
	assert_non_null(w->c);
	assert_non_null(w->j);
}

static void world_free(struct world *w)
{
	segjoin_free(w->j);
	corr_free(w->c);
}

/* An IPv4/TCP packet, 10.8.0.2:sport -> 10.8.0.1:9, seq, paylen bytes of
 * payload whose bytes are payload[0..] (the first have of them written). */
static size_t tcp_packet(uint8_t *b, uint16_t sport, uint32_t seq,
			 uint32_t paylen, const uint8_t *payload, size_t have)
{
	size_t tot = 20 + 20 + paylen;

	memset(b, 0, 40);
	b[0] = 0x45;
	b[2] = (uint8_t)(tot >> 8);
	b[3] = (uint8_t)tot;
	b[8] = 64;
	b[9] = 6;
	b[12] = 10; b[13] = 8; b[15] = 2;
	b[16] = 10; b[17] = 8; b[19] = 1;
	b[20] = (uint8_t)(sport >> 8);
	b[21] = (uint8_t)sport;
	b[23] = 9;
	b[24] = (uint8_t)(seq >> 24);
	b[25] = (uint8_t)(seq >> 16);
	b[26] = (uint8_t)(seq >> 8);
	b[27] = (uint8_t)seq;
	b[32] = 5 << 4;
	b[33] = 0x18;
	memcpy(b + 40, payload, have);
	return 40 + have;
}

/* A pcap frame leaving mobile by its tun (step 3), through segjoin and
 * the correlator; returns the event as numbered. */
static struct tl_event frame(struct world *w, uint64_t ts, uint16_t sport,
			     uint32_t seq, uint32_t paylen,
			     const uint8_t *payload, bool super)
{
	static uint8_t buf[256];
	size_t have = paylen < 128 ? paylen : 128;
	struct tl_event ev = {
		.ts_ns = ts, .step = TL_STEP_TUN_DRIVER_OUT,
		.source = TL_SRC_PCAP, .link = TL_LINK_IP,
		.len = 40 + paylen, .data = buf,
	};
	struct corr_keys k = { 0 };
	struct seg_tie tie;

	ev.caplen = (uint32_t)tcp_packet(buf, sport, seq, paylen, payload,
					 have);
	strcpy(ev.host, "mobile");
	strcpy(ev.dev, "tl1m-tun");
	if (super)
		ev.flags |= TL_EVENT_F_GSO;
	segjoin_frame(w->j, &ev, super, &tie);
	k.inner = 0x1000000ull + seq;	/* unique content per segment */
	k.join = tie.join;
	k.group = tie.group;
	k.group_basis = tie.basis;
	corr_assign(w->c, &ev, &k);
	return ev;
}

/* An app's write of len bytes starting with bytes (step 1). */
static struct tl_event app_write(struct world *w, uint64_t ts, uint32_t len,
				 const uint8_t *bytes)
{
	struct tl_event ev = {
		.ts_ns = ts, .step = TL_STEP_APP_SEND, .source = TL_SRC_APP,
		.len = len, .caplen = 200, .data = bytes,
	};
	struct corr_keys k = { .payload = 0x7777 + len };

	strcpy(ev.host, "mobile");
	strcpy(ev.dev, "send");
	corr_assign(w->c, &ev, &k);
	segjoin_write(w->j, &ev);
	return ev;
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

/* One write of 5 segments' worth: each segment is a packet of its own,
 * tied to the write by sequence range; bytes of another flow, or past the
 * write, are not. */
static void test_write_maps_onto_its_segments(void **state)
{
	static uint8_t data[6000];
	struct world w;
	struct tl_event wr, seg, other;
	uint32_t len = 4 * MSS + 400;

	(void)state;
	world_init(&w);
	fill(data, sizeof(data), 3);
	wr = app_write(&w, 1000, len, data);
	assert_int_not_equal(wr.pkt, 0);
	for (uint32_t off = 0, i = 0; off < len; off += MSS, i++) {
		uint32_t n = len - off < MSS ? len - off : MSS;

		seg = frame(&w, 2000 + i, 40000, SEQ0 + off, n, data + off,
			    false);
		assert_int_not_equal(seg.pkt, wr.pkt);	/* a packet of its own */
		assert_int_equal(seg.group, wr.pkt);
		assert_int_equal(seg.group_basis, TL_BASIS_SEQ_RANGE);
	}
	/* The same sequence numbers on another flow: not the write's. */
	other = frame(&w, 3000, 40001, SEQ0 + MSS, MSS, data + MSS, false);
	assert_int_equal(other.group, 0);
	/* Bytes after the write (the next one, unseen): not the write's. */
	other = frame(&w, 3001, 40000, SEQ0 + len, MSS, data, false);
	assert_int_equal(other.group, 0);
	/* A retransmission of the second segment still carries its bytes. */
	seg = frame(&w, 4000, 40000, SEQ0 + MSS, MSS, data + MSS, false);
	assert_int_equal(seg.group, wr.pkt);
	world_free(&w);
}

/* A write that fits one segment is that segment (content ties them, as
 * before): no group. */
static void test_small_write_is_one_to_one(void **state)
{
	static uint8_t data[64];
	struct world w;
	struct tl_event seg;

	(void)state;
	world_init(&w);
	fill(data, sizeof(data), 9);
	app_write(&w, 1000, 64, data);
	seg = frame(&w, 2000, 40000, 7, 64, data, false);
	assert_int_equal(seg.group, 0);
	world_free(&w);
}

/* A GSO skb queued at step 2 (longer than the MTU) is held until its first
 * segment, then shown as a super-packet of its own; the segments in its
 * range name it.  A second skb on the device ties its own segments. */
static void test_gso_skb_one_to_many(void **state)
{
	static uint8_t data[9000];
	struct world w;
	struct tl_event q = { .step = TL_STEP_ROUTE_TUN,
			      .source = TL_SRC_KERNEL,
			      .flags = TL_EVENT_F_GSO };
	struct tl_event seg;
	uint32_t pay = 3 * MSS;
	uint64_t first;

	(void)state;
	world_init(&w);
	fill(data, sizeof(data), 1);
	strcpy(q.host, "mobile");
	strcpy(q.dev, "tl1m-tun");
	q.ts_ns = 100;
	q.len = 40 + pay;	/* one set of headers for the whole skb */
	segjoin_hold(w.j, &q, 0xffff888012345600ull);
	q.ts_ns = 150;
	segjoin_hold(w.j, &q, 0xffff888012345700ull);
	assert_int_equal(w.nreleased, 0);	/* held until a segment */
	seg = frame(&w, 200, 40000, SEQ0, MSS, data, false);
	assert_int_equal(w.nreleased, 1);
	first = w.released[0].pkt;
	assert_int_not_equal(first, 0);
	assert_int_equal(w.released_join[0], 0);	/* no write known */
	assert_true(w.released[0].flags & TL_EVENT_F_GSO);
	assert_int_equal(seg.group, first);
	assert_int_equal(seg.group_basis, TL_BASIS_SEQ_RANGE);
	seg = frame(&w, 201, 40000, SEQ0 + MSS, MSS, data, false);
	assert_int_equal(seg.group, first);
	seg = frame(&w, 202, 40000, SEQ0 + 2 * MSS, MSS, data, false);
	assert_int_equal(seg.group, first);
	/* The next segment starts the second skb. */
	seg = frame(&w, 203, 40000, SEQ0 + 3 * MSS, MSS, data, false);
	assert_int_equal(w.nreleased, 2);
	assert_int_not_equal(w.released[1].pkt, first);
	assert_int_equal(seg.group, w.released[1].pkt);
	segjoin_expire(w.j, UINT64_MAX);
	assert_int_equal(w.nreleased, 2);
	world_free(&w);
}

/* The skb carrying a write's first byte is the write's own packet: the
 * write (step 1) and the skb (step 2) are one packet, its segments name it. */
static void test_gso_skb_of_a_write(void **state)
{
	static uint8_t data[6000];
	struct world w;
	struct tl_event q = { .step = TL_STEP_ROUTE_TUN,
			      .source = TL_SRC_KERNEL };
	struct tl_event wr, seg;
	uint32_t len = 3 * MSS;

	(void)state;
	world_init(&w);
	fill(data, sizeof(data), 5);
	wr = app_write(&w, 50, len, data);
	strcpy(q.host, "mobile");
	strcpy(q.dev, "tl1m-tun");
	q.ts_ns = 100;
	q.len = 40 + len;
	segjoin_hold(w.j, &q, 0x1000);
	for (uint32_t i = 0; i < 3; i++) {
		seg = frame(&w, 200 + i, 40000, SEQ0 + i * MSS, MSS,
			    data + i * MSS, false);
		assert_int_equal(seg.group, wr.pkt);
	}
	assert_int_equal(w.nreleased, 1);
	assert_int_equal(w.released[0].pkt, wr.pkt);
	assert_int_equal(w.released[0].basis, TL_BASIS_SEQ_RANGE);
	world_free(&w);
}

/* A device that takes the skb whole (the fast mode's tun): the held skb
 * is that frame, handed back to be joined as usual; the super-frame itself
 * joins the write it carries. */
static void test_skb_taken_whole(void **state)
{
	static uint8_t data[6000];
	struct world w;
	struct tl_event q = { .step = TL_STEP_ROUTE_TUN,
			      .source = TL_SRC_KERNEL };
	struct tl_event wr, sup;
	static uint8_t buf[256];
	struct seg_tie tie;
	uint32_t len = 4000;

	(void)state;
	world_init(&w);
	fill(data, sizeof(data), 11);
	wr = app_write(&w, 50, 2 * len, data);	/* two super-packets' worth */
	strcpy(q.host, "mobile");
	strcpy(q.dev, "tl1m-tun");
	q.ts_ns = 100;
	q.len = 40 + len;
	segjoin_hold(w.j, &q, 0x2000);
	memset(&sup, 0, sizeof(sup));
	sup.ts_ns = 200;
	sup.step = TL_STEP_TUN_DRIVER_OUT;
	sup.source = TL_SRC_PCAP;
	sup.link = TL_LINK_IP;
	sup.len = 40 + len;
	sup.flags = TL_EVENT_F_GSO;
	sup.data = buf;
	sup.caplen = (uint32_t)tcp_packet(buf, 40000, SEQ0, len, data, 128);
	strcpy(sup.host, "mobile");
	strcpy(sup.dev, "tl1m-tun");
	segjoin_frame(w.j, &sup, true, &tie);
	assert_true(tie.whole);
	assert_int_equal(tie.whole_skb, 0x2000);
	assert_int_equal(tie.whole_ev.len, 40 + len);
	assert_int_equal(w.nreleased, 0);
	assert_int_equal(tie.join, wr.pkt);
	assert_int_equal(tie.basis, TL_BASIS_SEQ_RANGE);
	world_free(&w);
}

/* An skb whose segments never show is released untied after a while. */
static void test_gso_skb_expires(void **state)
{
	struct world w;
	struct tl_event q = { .step = TL_STEP_ROUTE_WIRE,
			      .source = TL_SRC_KERNEL, .len = 30000 };
	uint64_t tied, untied;

	(void)state;
	world_init(&w);
	strcpy(q.dev, "tl1m-w0");
	q.ts_ns = 1000;
	segjoin_hold(w.j, &q, 0x3000);
	segjoin_expire(w.j, 1000 + 1000000);
	assert_int_equal(w.nreleased, 0);
	segjoin_expire(w.j, 1000 + 100000000);
	assert_int_equal(w.nreleased, 1);
	segjoin_counts(w.j, &tied, &untied);
	assert_int_equal(untied, 1);
	world_free(&w);
}

/* The fast mode: the daemon reads a super-packet (step 4, flag GSO) and
 * names its digest in each segment's step 5 (parent); on the other host
 * the segments come first (5', parent) and the merged super-packet after
 * (4').  Each segment is a packet of its own, grouped to the super-packet
 * on each host, on every later point of the segment in that direction. */
static void test_parent_digest(void **state)
{
	enum { SUPER_OUT = 0x5000, SUPER_IN = 0x6000 };
	struct correlator *c = corr_new();
	struct tl_event ev;
	struct corr_keys k;
	uint64_t sup, seg[3], merged = 0;

	(void)state;
	memset(&ev, 0, sizeof(ev));
	ev.step = TL_STEP_DAEMON_READ;
	ev.source = TL_SRC_DAEMON;
	ev.flags = TL_EVENT_F_GSO;
	k = (struct corr_keys){ .inner = SUPER_OUT };
	sup = corr_assign(c, &ev, &k);
	assert_int_equal(ev.group, 0);
	for (int i = 0; i < 3; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.step = TL_STEP_ENCRYPT_SEND;
		ev.source = TL_SRC_DAEMON;
		k = (struct corr_keys){ .inner = 0x100 + (uint64_t)i,
					.parent = SUPER_OUT, .tunnel = true,
					.packet_id = 10 + (uint32_t)i };
		seg[i] = corr_assign(c, &ev, &k);
		assert_int_not_equal(seg[i], sup);
		assert_int_equal(ev.group, sup);
		assert_int_equal(ev.group_basis, TL_BASIS_PARENT);
		/* Its wire frame: by the tunnel key, still of the group. */
		memset(&ev, 0, sizeof(ev));
		ev.step = TL_STEP_WIRE_OUT;
		ev.source = TL_SRC_PCAP;
		k = (struct corr_keys){ .tunnel = true,
					.packet_id = 10 + (uint32_t)i };
		assert_int_equal(corr_assign(c, &ev, &k), seg[i]);
		assert_int_equal(ev.group, sup);
	}
	/* Sent with UDP GSO: one super-datagram on the wire, showing the
	 * first segment's header, is the super-packet's (and leaves the
	 * segment's key alone). */
	memset(&ev, 0, sizeof(ev));
	ev.step = TL_STEP_WIRE_OUT;
	ev.source = TL_SRC_PCAP;
	ev.flags = TL_EVENT_F_GSO;
	k = (struct corr_keys){ .tunnel = true, .packet_id = 10 };
	assert_int_equal(corr_assign(c, &ev, &k), sup);
	assert_int_equal(ev.basis, TL_BASIS_PARENT);
	for (int i = 0; i < 3; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.step = TL_STEP_RECV_DECRYPT;
		ev.source = TL_SRC_DAEMON;
		k = (struct corr_keys){ .inner = 0x100 + (uint64_t)i,
					.parent = SUPER_IN, .tunnel = true,
					.packet_id = 10 + (uint32_t)i };
		assert_int_equal(corr_assign(c, &ev, &k), seg[i]);
		assert_int_not_equal(ev.group, 0);
		assert_int_not_equal(ev.group, sup);	/* the in side's own */
		if (i)
			assert_int_equal(ev.group, merged);
		merged = ev.group;
		assert_int_equal(ev.group_basis, TL_BASIS_PARENT);
	}
	/* The merged super-packet, written to the tun: the group's packet. */
	memset(&ev, 0, sizeof(ev));
	ev.step = TL_STEP_DAEMON_WRITE;
	ev.source = TL_SRC_DAEMON;
	ev.flags = TL_EVENT_F_GSO;
	k = (struct corr_keys){ .inner = SUPER_IN };
	assert_int_equal(corr_assign(c, &ev, &k), merged);
	assert_int_equal(ev.basis, TL_BASIS_CONTENT);
	/* The sending host's group stays the sending host's. */
	assert_int_equal(corr_group(c, seg[0], TL_DIR_OUT, NULL), sup);
	assert_int_equal(corr_group(c, seg[0], TL_DIR_IN, NULL), merged);
	corr_free(c);
}

/* The TCP parser: flow, sequence number, payload, header length. */
static void test_tcp_parse(void **state)
{
	uint8_t b[256], eth[270], pay[8] = "abcdefg";
	struct seg_tcp t, t2;
	size_t n = tcp_packet(b, 1234, 0xdeadbeef, 1000, pay, 8);

	(void)state;
	segjoin_tcp(TL_LINK_IP, b, n, &t);
	assert_true(t.ok);
	assert_int_equal(t.seq, 0xdeadbeef);
	assert_int_equal(t.paylen, 1000);
	assert_int_equal(t.hdrs, 40);
	assert_int_equal(t.have, 8);
	assert_memory_equal(t.payload, "abcdefg", 8);
	memset(eth, 0, 14);
	eth[12] = 0x08;
	memcpy(eth + 14, b, n);
	segjoin_tcp(TL_LINK_ETH, eth, n + 14, &t2);
	assert_true(t2.ok);
	assert_int_equal(t2.flow, t.flow);
	assert_int_equal(t2.hdrs, 54);
	b[9] = 17;	/* UDP */
	segjoin_tcp(TL_LINK_IP, b, n, &t);
	assert_false(t.ok);
	segjoin_tcp(TL_LINK_IP, b, 30, &t);	/* cut short */
	assert_false(t.ok);
}

/* A syscall's send (source kernel, not numbered, no bytes) of len bytes
 * on mobile at ts. */
static void syscall_write(struct world *w, uint64_t ts, uint32_t len)
{
	struct tl_event ev = { .ts_ns = ts, .step = TL_STEP_APP_SEND,
			       .source = TL_SRC_KERNEL, .len = len };

	strcpy(ev.host, "mobile");
	segjoin_write(w->j, &ev);
}

/* A program without probes: its send is seen by the syscall alone (no
 * bytes); the host's next data segment starts it and is its packet, the
 * segments after it within the syscall's length are the write's. */
static void test_syscall_write(void **state)
{
	struct world w;
	uint8_t p[128];
	struct tl_event first, seg, after, other;

	(void)state;
	world_init(&w);
	fill(p, sizeof(p), 9);
	syscall_write(&w, 990, 3 * MSS);
	first = frame(&w, 1000, 40000, SEQ0, MSS, p, false);
	assert_int_equal(first.group, 0);	/* the write itself */
	segjoin_numbered(w.j, &first);
	seg = frame(&w, 1100, 40000, SEQ0 + MSS, MSS, p, false);
	segjoin_numbered(w.j, &seg);
	assert_int_equal(seg.group, first.pkt);
	assert_int_equal(seg.group_basis, TL_BASIS_SEQ_RANGE);
	assert_int_not_equal(seg.pkt, first.pkt);
	seg = frame(&w, 1200, 40000, SEQ0 + 2 * MSS, MSS, p, false);
	assert_int_equal(seg.group, first.pkt);
	after = frame(&w, 1300, 40000, SEQ0 + 3 * MSS, MSS, p, false);
	assert_int_equal(after.group, 0);	/* the next write's */
	other = frame(&w, 1400, 40001, SEQ0 + MSS, MSS, p, false);
	assert_int_equal(other.group, 0);	/* another flow */
	/* A syscall no longer than its segment maps nothing more; one too
	 * long ago starts nothing. */
	syscall_write(&w, 1450, MSS);
	first = frame(&w, 1500, 40000, SEQ0 + 4 * MSS, MSS, p, false);
	segjoin_numbered(w.j, &first);
	seg = frame(&w, 1600, 40000, SEQ0 + 5 * MSS, MSS, p, false);
	assert_int_equal(seg.group, 0);
	syscall_write(&w, 2000, 3 * MSS);
	first = frame(&w, 2000 + 6000000, 40000, SEQ0 + 6 * MSS, MSS, p, false);
	segjoin_numbered(w.j, &first);
	seg = frame(&w, 2000 + 6000100, 40000, SEQ0 + 7 * MSS, MSS, p, false);
	assert_int_equal(seg.group, 0);
	world_free(&w);
}

/* A data segment coming in by office's tun (step 3'), numbered. */
static struct tl_event arrive(struct world *w, uint64_t ts, uint32_t seq,
			      uint32_t paylen, const uint8_t *payload)
{
	static uint8_t buf[256];
	size_t have = paylen < 128 ? paylen : 128;
	struct tl_event ev = {
		.ts_ns = ts, .step = TL_STEP_TUN_DRIVER_IN,
		.source = TL_SRC_PCAP, .link = TL_LINK_IP,
		.len = 40 + paylen, .data = buf,
	};
	struct corr_keys k = { .inner = 0x2000000ull + seq };

	ev.caplen = (uint32_t)tcp_packet(buf, 40000, seq, paylen, payload,
					 have);
	strcpy(ev.host, "office");
	strcpy(ev.dev, "tl1o-tun");
	corr_assign(w->c, &ev, &k);
	segjoin_arrived(w->j, &ev);
	return ev;
}

/* An app's read on office (step 1') of len bytes starting with bytes. */
static struct tl_event app_read(uint64_t ts, uint32_t len,
				const uint8_t *bytes)
{
	struct tl_event ev = {
		.ts_ns = ts, .step = TL_STEP_APP_RECV, .source = TL_SRC_APP,
		.len = len, .caplen = 64, .data = bytes,
	};

	strcpy(ev.host, "office");
	strcpy(ev.dev, "send");
	return ev;
}

/* A read of three segments' bytes is step 1' of each of them, in order;
 * one within a segment, or whose start was not seen, is none of this. */
static void test_read_takes_segments(void **state)
{
	struct world w;
	uint8_t a[128], b[128], c[128];
	struct tl_event s1, s2, s3, rd;
	uint64_t pkts[8];

	(void)state;
	world_init(&w);
	fill(a, sizeof(a), 1);
	fill(b, sizeof(b), 2);
	fill(c, sizeof(c), 3);
	s1 = arrive(&w, 100, SEQ0, MSS, a);
	s3 = arrive(&w, 120, SEQ0 + 2 * MSS, MSS, c);	/* out of order */
	s2 = arrive(&w, 130, SEQ0 + MSS, MSS, b);
	arrive(&w, 140, SEQ0 + MSS, MSS, b);		/* a retransmission */
	rd = app_read(200, 3 * MSS, a);
	assert_int_equal(segjoin_read(w.j, &rd, pkts, 8), 3);
	assert_int_equal(pkts[0], s1.pkt);
	assert_int_equal(pkts[1], s2.pkt);
	assert_int_equal(pkts[2], s3.pkt);
	/* Only as far as the read's length. */
	rd = app_read(200, 2 * MSS, a);
	assert_int_equal(segjoin_read(w.j, &rd, pkts, 8), 2);
	/* Within one segment: content ties it, not this. */
	rd = app_read(200, 100, a);
	assert_int_equal(segjoin_read(w.j, &rd, pkts, 8), 0);
	/* A read before the bytes came, or of bytes never seen. */
	rd = app_read(50, 3 * MSS, a);
	assert_int_equal(segjoin_read(w.j, &rd, pkts, 8), 0);
	fill(a, sizeof(a), 99);
	rd = app_read(200, 3 * MSS, a);
	assert_int_equal(segjoin_read(w.j, &rd, pkts, 8), 0);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_maps_onto_its_segments),
		cmocka_unit_test(test_small_write_is_one_to_one),
		cmocka_unit_test(test_gso_skb_one_to_many),
		cmocka_unit_test(test_gso_skb_of_a_write),
		cmocka_unit_test(test_skb_taken_whole),
		cmocka_unit_test(test_gso_skb_expires),
		cmocka_unit_test(test_parent_digest),
		cmocka_unit_test(test_tcp_parse),
		cmocka_unit_test(test_syscall_write),
		cmocka_unit_test(test_read_takes_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
