// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the protocol dissectors.  Each test builds a packet by hand
 * (checksums computed here, independently of dissect.c), decodes it with a
 * sink that records every field, and checks values, byte offsets and
 * lengths.  Every good packet is also cut at every length, captured short
 * (snapped) and sent short, to check that decoding stops cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dissect.h"

/* ---- a sink that records the fields ------------------------------------- */

#define MAX_REC 1024

struct rec {
	enum dissect_kind kind;
	unsigned int depth;
	char name[48];
	char label[64];
	char value[256];
	char meaning[96];
	int has_meaning;
	size_t off, len;
};

struct capture {
	struct rec r[MAX_REC];
	size_t n;
	size_t caplen;
	unsigned int flags;
	struct dissect_summary sum;
};

static struct capture cap;

/* Record one field; fail the test on a field past the captured bytes. */
static void record(void *ctx, const struct dissect_field *f)
{
	struct capture *c = ctx;
	struct rec *r;

	if (f->off + f->len > c->caplen)
		fail_msg("field %s at %zu+%zu is past caplen %zu", f->name,
			 f->off, f->len, c->caplen);
	assert_non_null(f->name);
	assert_non_null(f->value);
	if (c->n == MAX_REC)
		return;
	r = &c->r[c->n++];
	r->kind = f->kind;
	r->depth = f->depth;
	snprintf(r->name, sizeof(r->name), "%s", f->name);
	snprintf(r->label, sizeof(r->label), "%s", f->label ? f->label : "");
	snprintf(r->value, sizeof(r->value), "%s", f->value);
	snprintf(r->meaning, sizeof(r->meaning), "%s",
		 f->meaning ? f->meaning : "");
	r->has_meaning = f->meaning != NULL;
	r->off = f->off;
	r->len = f->len;
}

/* Decode buf into cap; returns the flags. */
static unsigned int run_snap(const uint8_t *buf, size_t caplen, size_t origlen,
			     enum tl_link link)
{
	struct dissect_sink sink = { record, &cap };

	memset(&cap, 0, sizeof(cap));
	cap.caplen = caplen;
	cap.flags = dissect_packet(buf, caplen, origlen, link, &sink, &cap.sum);
	return cap.flags;
}

/* Decode a packet captured whole. */
static unsigned int run(const uint8_t *buf, size_t len, enum tl_link link)
{
	return run_snap(buf, len, len, link);
}

/* The nth (0-based) record named name, or NULL. */
static const struct rec *find_nth(const char *name, int nth)
{
	for (size_t i = 0; i < cap.n; i++)
		if (strcmp(cap.r[i].name, name) == 0 && nth-- == 0)
			return &cap.r[i];
	return NULL;
}

/* The first record named name, or NULL. */
static const struct rec *find(const char *name)
{
	return find_nth(name, 0);
}

/* How many records are named name. */
static int count(const char *name)
{
	int n = 0;

	for (size_t i = 0; i < cap.n; i++)
		n += strcmp(cap.r[i].name, name) == 0;
	return n;
}

/* Check a field's value, offset and length. */
#define expect_at(name, val, o, l)					\
	do {								\
		const struct rec *r_ = find(name);			\
		if (!r_)						\
			fail_msg("no field %s", name);			\
		assert_string_equal(r_->value, val);			\
		assert_int_equal(r_->off, o);				\
		assert_int_equal(r_->len, l);				\
	} while (0)

#define expect_val(name, val)						\
	do {								\
		const struct rec *r_ = find(name);			\
		if (!r_)						\
			fail_msg("no field %s", name);			\
		assert_string_equal(r_->value, val);			\
	} while (0)

#define expect_nth(name, nth, val)					\
	do {								\
		const struct rec *r_ = find_nth(name, nth);		\
		if (!r_)						\
			fail_msg("no field %s #%d", name, nth);		\
		assert_string_equal(r_->value, val);			\
	} while (0)

#define expect_meaning(name, m)						\
	do {								\
		const struct rec *r_ = find(name);			\
		if (!r_)						\
			fail_msg("no field %s", name);			\
		assert_string_equal(r_->meaning, m);			\
	} while (0)

/* The two bytes at p as tshark prints a checksum: "0x1c2b". */
static const char *hex16(const uint8_t *p)
{
	static char s[8];

	snprintf(s, sizeof(s), "0x%02x%02x", p[0], p[1]);
	return s;
}

/* A note (truncated, malformed ...) whose text contains s. */
static int has_note(const char *name, const char *s)
{
	for (size_t i = 0; i < cap.n; i++)
		if (cap.r[i].kind == DISSECT_NOTE &&
		    strcmp(cap.r[i].name, name) == 0 &&
		    strstr(cap.r[i].value, s))
			return 1;
	return 0;
}

/* ---- packet builders ---------------------------------------------------- */

static const uint8_t mac1[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac2[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t ip_a[4] = { 10, 0, 0, 1 };
static const uint8_t ip_b[4] = { 10, 0, 0, 2 };
static const uint8_t ip6_a[16] = { 0xfe, 0x80, [15] = 1 };
static const uint8_t ip6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* Store v big-endian. */
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

/* Store v big-endian. */
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* One's complement sum, written out again so the tests do not trust the
 * code under test. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	return s;
}

/* Fold a sum to 16 bits, end-around carry. */
static uint16_t fold(uint32_t s)
{
	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Ethernet header; returns 14. */
static size_t mk_eth(uint8_t *p, const uint8_t *dst, const uint8_t *src,
		     uint16_t type)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	put16(p + 12, type);
	return 14;
}

/* IPv4 header with options and payload at p; returns the total length. */
static size_t mk_ipv4(uint8_t *p, uint8_t proto, uint16_t frag,
		      const uint8_t *opts, size_t optlen,
		      const uint8_t *payload, size_t plen)
{
	size_t hl = 20 + optlen;

	p[0] = 0x40 | (uint8_t)(hl / 4);
	p[1] = 0x00;
	put16(p + 2, (uint16_t)(hl + plen));
	put16(p + 4, 0x1c2b);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	put16(p + 10, 0);
	memcpy(p + 12, ip_a, 4);
	memcpy(p + 16, ip_b, 4);
	if (optlen)
		memcpy(p + 20, opts, optlen);
	put16(p + 10, (uint16_t)~fold(sum16(0, p, hl)));
	if (plen)
		memcpy(p + hl, payload, plen);
	return hl + plen;
}

/* IPv6 header, extension headers and payload; returns the total. */
static size_t mk_ipv6(uint8_t *p, uint8_t nh, const uint8_t *ext,
		      size_t extlen, const uint8_t *payload, size_t plen)
{
	put32(p, 0x6b812345);	/* tclass 0xb8, flow 0x12345 */
	put16(p + 4, (uint16_t)(extlen + plen));
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, ip6_a, 16);
	memcpy(p + 24, ip6_b, 16);
	if (extlen)
		memcpy(p + 40, ext, extlen);
	if (plen)
		memcpy(p + 40 + extlen, payload, plen);
	return 40 + extlen + plen;
}

/* The pseudo-header sum of RFC 768 / RFC 8200 section 8.1. */
static uint32_t pseudo(int family, uint8_t proto, size_t len)
{
	uint32_t s = 0;

	if (family == 4) {
		s = sum16(s, ip_a, 4);
		s = sum16(s, ip_b, 4);
	} else {
		s = sum16(s, ip6_a, 16);
		s = sum16(s, ip6_b, 16);
	}
	return s + proto + (uint32_t)len;
}

enum csum_mode { CS_GOOD, CS_PARTIAL, CS_BAD };

/* Fill the transport checksum at seg[off]: correct, partial as Linux
 * leaves it for CHECKSUM_PARTIAL (the folded pseudo-header sum, not
 * complemented), or wrong. */
static void fix_csum(int family, uint8_t proto, uint8_t *seg, size_t len,
		     size_t off, enum csum_mode mode)
{
	uint16_t c;

	put16(seg + off, 0);
	if (mode == CS_PARTIAL) {
		put16(seg + off, fold(pseudo(family, proto, len)));
		return;
	}
	c = (uint16_t)~fold(sum16(pseudo(family, proto, len), seg, len));
	if (proto == 17 && c == 0)
		c = 0xffff;
	if (mode == CS_BAD)
		c ^= 0x0101;
	put16(seg + off, c);
}

/* UDP header and data; checksum left 0. */
static size_t mk_udp(uint8_t *p, uint16_t sport, uint16_t dport,
		     const void *data, size_t dlen)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + dlen));
	put16(p + 6, 0);
	if (dlen)
		memcpy(p + 8, data, dlen);
	return 8 + dlen;
}

/* TCP header with options and data; checksum left 0. */
static size_t mk_tcp(uint8_t *p, uint16_t sport, uint16_t dport,
		     uint32_t seq, uint32_t ack, uint16_t flags, uint16_t win,
		     const uint8_t *opts, size_t optlen, const void *data,
		     size_t dlen)
{
	size_t hl = 20 + optlen;

	put16(p, sport);
	put16(p + 2, dport);
	put32(p + 4, seq);
	put32(p + 8, ack);
	put16(p + 12, (uint16_t)((hl / 4) << 12 | flags));
	put16(p + 14, win);
	put16(p + 16, 0);
	put16(p + 18, 0);
	if (optlen)
		memcpy(p + 20, opts, optlen);
	if (dlen)
		memcpy(p + hl, data, dlen);
	return hl + dlen;
}

/* ICMP message with a correct checksum. */
static size_t mk_icmp(uint8_t *p, uint8_t type, uint8_t code, uint32_t rest,
		      const void *data, size_t dlen)
{
	p[0] = type;
	p[1] = code;
	put16(p + 2, 0);
	put32(p + 4, rest);
	if (dlen)
		memcpy(p + 8, data, dlen);
	put16(p + 2, (uint16_t)~fold(sum16(0, p, 8 + dlen)));
	return 8 + dlen;
}

/* Ethernet + IPv4 + UDP with the given checksum mode. */
static size_t mk_eth_udp4(uint8_t *p, uint16_t sport, uint16_t dport,
			  const void *data, size_t dlen, enum csum_mode mode)
{
	uint8_t seg[1600];
	size_t n = mk_udp(seg, sport, dport, data, dlen);

	fix_csum(4, 17, seg, n, 6, mode);
	mk_eth(p, mac2, mac1, 0x0800);
	return 14 + mk_ipv4(p + 14, 17, 0x4000, NULL, 0, seg, n);
}

/* Ethernet + IPv4 + TCP with options. */
static size_t mk_eth_tcp4(uint8_t *p, uint16_t flags, const uint8_t *opts,
			  size_t optlen, const void *data, size_t dlen,
			  enum csum_mode mode)
{
	uint8_t seg[1600];
	size_t n = mk_tcp(seg, 12345, 80, 1000, 2000, flags, 64240, opts,
			  optlen, data, dlen);

	fix_csum(4, 6, seg, n, 16, mode);
	mk_eth(p, mac2, mac1, 0x0800);
	return 14 + mk_ipv4(p + 14, 6, 0x4000, NULL, 0, seg, n);
}

/* A tunnel data header + ciphertext. */
static size_t mk_tunnel(uint8_t *p, uint8_t op, uint8_t kid, uint32_t peer,
			uint32_t pid, size_t ctlen)
{
	p[0] = (uint8_t)(op << 3 | kid);
	p[1] = (peer >> 16) & 0xff;
	p[2] = (peer >> 8) & 0xff;
	p[3] = peer & 0xff;
	put32(p + 4, pid);
	for (int i = 0; i < 16; i++)
		p[8 + i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < ctlen; i++)
		p[24 + i] = (uint8_t)(i * 7);
	return 24 + ctlen;
}

/* ---- every length of a good packet ------------------------------------- */

/* Cut pkt at every length, both as a snapped capture and as a packet that
 * really was that short: nothing is read or reported past the end, every
 * short packet says truncated, none is called malformed, and the whole
 * packet decodes clean.  pad: trailing bytes no layer claims (padding). */
static void check_cuts_known(const uint8_t *pkt, size_t len, size_t pad,
			     size_t known, enum tl_link link)
{
	unsigned int fl;

	for (size_t n = 0; n <= len; n++) {
		fl = run_snap(pkt, n, len, link);
		if (n < len - pad && !(fl & DISSECT_TRUNCATED))
			fail_msg("snapped at %zu of %zu: not truncated", n, len);
		if (fl & DISSECT_MALFORMED)
			fail_msg("snapped at %zu of %zu: malformed", n, len);
		if (n < len)
			assert_true(fl & DISSECT_SNAPPED);
		fl = run(pkt, n, link);
		if (n < known && !(fl & DISSECT_TRUNCATED))
			fail_msg("short at %zu of %zu: not truncated", n, len);
		if (n >= len - pad && (fl & DISSECT_TRUNCATED))
			fail_msg("whole at %zu of %zu: truncated", n, len);
		if (fl & DISSECT_MALFORMED)
			fail_msg("short at %zu of %zu: malformed", n, len);
		assert_false(fl & DISSECT_SNAPPED);
	}
}

/* check_cuts_known() where every short packet can be told short. */
static void check_cuts(const uint8_t *pkt, size_t len, size_t pad,
		       enum tl_link link)
{
	check_cuts_known(pkt, len, pad, len - pad, link);
}

/* Flip bytes of pkt (a fixed pseudo-random walk): whatever the values,
 * decoding stays inside the buffer (the sink checks) and terminates. */
static void check_mutations(const uint8_t *pkt, size_t len, enum tl_link link)
{
	uint8_t m[2048];
	uint32_t x = 0x12345678;

	assert_true(len <= sizeof(m));
	for (int round = 0; round < 3000; round++) {
		memcpy(m, pkt, len);
		for (int k = 0; k < 1 + round % 4; k++) {
			x = x * 1103515245u + 12345u;
			m[(x >> 8) % len] = (uint8_t)(x >> 20);
		}
		x = x * 1103515245u + 12345u;
		run_snap(m, len - (x >> 8) % 4 % len, len, link);
	}
}

/* ---- Ethernet, VLAN, ARP ------------------------------------------------ */

static void test_eth_fields(void **state)
{
	uint8_t p[128];
	size_t n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("eth", "Src: 02:00:00:00:00:01, Dst: 02:00:00:00:00:02", 0,
		  14);
	expect_at("eth.dst", "02:00:00:00:00:02", 0, 6);
	expect_at("eth.src", "02:00:00:00:00:01", 6, 6);
	expect_at("eth.type", "0x0800", 12, 2);
	expect_meaning("eth.type", "IPv4");
	assert_int_equal(find("eth")->kind, DISSECT_PROTO);
	assert_int_equal(find("eth.dst")->depth, 1);
	assert_int_equal(count("eth.padding"), 0);
	assert_string_equal(cap.sum.src, "10.0.0.1");
	assert_string_equal(cap.sum.dst, "10.0.0.2");
	assert_string_equal(cap.sum.proto, "UDP");
	assert_string_equal(cap.sum.info, "5000 \u2192 53 Len=5");
	assert_int_equal(cap.sum.sport, 5000);
	assert_int_equal(cap.sum.dport, 53);
	assert_int_equal(cap.sum.ip_proto, 17);
	check_cuts(p, n, 0, TL_LINK_ETH);
}

/* An ARP request as a NIC sends it: padded to 60 bytes. */
static size_t mk_arp(uint8_t *p, uint16_t op, const uint8_t *sha,
		     const uint8_t *spa, const uint8_t *tha,
		     const uint8_t *tpa, size_t pad)
{
	size_t n = mk_eth(p, op == 1 ? bcast : tha, sha, 0x0806);

	put16(p + n, 1);
	put16(p + n + 2, 0x0800);
	p[n + 4] = 6;
	p[n + 5] = 4;
	put16(p + n + 6, op);
	memcpy(p + n + 8, sha, 6);
	memcpy(p + n + 14, spa, 4);
	memcpy(p + n + 18, tha, 6);
	memcpy(p + n + 24, tpa, 4);
	n += 28;
	memset(p + n, 0, pad);
	return n + pad;
}

static void test_arp_request_padding(void **state)
{
	static const uint8_t zero[6];
	uint8_t p[64];
	size_t n = mk_arp(p, 1, mac1, ip_a, zero, ip_b, 18);

	(void)state;
	assert_int_equal(n, 60);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("arp", "(request)", 14, 28);
	expect_at("arp.hw.type", "1", 14, 2);
	expect_meaning("arp.hw.type", "Ethernet");
	expect_at("arp.proto.type", "0x0800", 16, 2);
	expect_at("arp.hw.size", "6", 18, 1);
	expect_at("arp.proto.size", "4", 19, 1);
	expect_at("arp.opcode", "1", 20, 2);
	expect_meaning("arp.opcode", "request");
	expect_at("arp.src.hw_mac", "02:00:00:00:00:01", 22, 6);
	expect_at("arp.src.proto_ipv4", "10.0.0.1", 28, 4);
	expect_at("arp.dst.hw_mac", "00:00:00:00:00:00", 32, 6);
	expect_at("arp.dst.proto_ipv4", "10.0.0.2", 38, 4);
	expect_at("eth.padding", "000000000000000000000000000000000000", 42,
		  18);
	assert_int_equal(find("eth.padding")->depth, 0);
	assert_string_equal(cap.sum.proto, "ARP");
	assert_string_equal(cap.sum.info, "Who has 10.0.0.2? Tell 10.0.0.1");
	assert_string_equal(cap.sum.src, "02:00:00:00:00:01");
	assert_string_equal(cap.sum.dst, "ff:ff:ff:ff:ff:ff");
	check_cuts(p, n, 18, TL_LINK_ETH);
}

static void test_arp_reply(void **state)
{
	uint8_t p[64];
	size_t n = mk_arp(p, 2, mac2, ip_b, mac1, ip_a, 0);

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("arp", "(reply)", 14, 28);
	expect_val("arp.opcode", "2");
	expect_meaning("arp.opcode", "reply");
	expect_val("arp.src.hw_mac", "02:00:00:00:00:02");
	expect_val("arp.dst.proto_ipv4", "10.0.0.1");
	assert_int_equal(count("eth.padding"), 0);
	assert_string_equal(cap.sum.info, "10.0.0.2 is at 02:00:00:00:00:02");
	check_cuts(p, n, 0, TL_LINK_ETH);
}

static void test_arp_announcement(void **state)
{
	static const uint8_t zero[6];
	uint8_t p[64];
	size_t n = mk_arp(p, 1, mac1, ip_a, zero, ip_a, 0);

	(void)state;
	run(p, n, TL_LINK_ETH);
	assert_string_equal(cap.sum.info, "ARP Announcement for 10.0.0.1");
	n = mk_arp(p, 1, mac1, (const uint8_t[4]){ 0 }, zero, ip_b, 0);
	run(p, n, TL_LINK_ETH);
	assert_string_equal(cap.sum.info, "Who has 10.0.0.2? (ARP Probe)");
}

/* VLAN 100, priority 5, DEI set, carrying an ICMP echo, padded. */
static size_t mk_vlan_icmp(uint8_t *p, size_t pad)
{
	uint8_t msg[64];
	size_t m = mk_icmp(msg, 8, 0, 0x1c2b0001, "abcd", 4);
	size_t n = mk_eth(p, mac2, mac1, 0x8100);

	put16(p + n, 5 << 13 | 1 << 12 | 100);
	put16(p + n + 2, 0x0800);
	n += 4;
	n += mk_ipv4(p + n, 1, 0, NULL, 0, msg, m);
	memset(p + n, 0xee, pad);
	return n + pad;
}

static void test_vlan(void **state)
{
	uint8_t p[128];
	size_t n = mk_vlan_icmp(p, 6);

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("eth.type", "0x8100", 12, 2);
	expect_meaning("eth.type", "802.1Q Virtual LAN");
	expect_at("vlan", "PRI: 5, DEI: 1, ID: 100", 14, 4);
	expect_at("vlan.priority", "5", 14, 2);
	expect_meaning("vlan.priority", "Voice, < 10ms latency and jitter");
	expect_at("vlan.dei", "1", 14, 2);
	expect_at("vlan.id", "100", 14, 2);
	expect_at("vlan.etype", "0x0800", 16, 2);
	expect_at("ip.version", "4", 18, 1);
	expect_at("icmp.type", "8", 38, 1);
	expect_at("vlan.trailer", "eeeeeeeeeeee", 50, 6);
	assert_int_equal(count("eth.padding"), 0);
	assert_string_equal(cap.sum.proto, "ICMP");
	check_cuts(p, n, 6, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);
}

static void test_eth_short_and_llc(void **state)
{
	uint8_t p[64];

	(void)state;
	mk_eth(p, mac2, mac1, 0x0800);
	assert_int_equal(run(p, 13, TL_LINK_ETH), DISSECT_TRUNCATED);
	expect_val("eth.src", "02:00:00:00:00:01");
	assert_null(find("eth.type"));
	assert_true(has_note("_ws.truncated", "Ethernet header"));
	assert_int_equal(find("eth")->len, 13);

	/* A type below 0x0600 is an 802.3 length. */
	mk_eth(p, mac2, mac1, 46);
	memset(p + 14, 0x42, 46);
	assert_int_equal(run(p, 60, TL_LINK_ETH), 0);
	expect_at("eth.len", "46", 12, 2);
	expect_at("data.len", "46", 14, 46);

	/* An ethertype nobody decodes: the rest is data. */
	mk_eth(p, mac2, mac1, 0x88b5);
	assert_int_equal(run(p, 60, TL_LINK_ETH), 0);
	expect_val("eth.type", "0x88b5");
	expect_at("data.len", "46", 14, 46);
}

/* ---- IPv4 -------------------------------------------------------------- */

static void test_ipv4_fields(void **state)
{
	uint8_t p[128];
	size_t n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);

	(void)state;
	p[15] = 0xb9;	/* DSCP 46 (EF), ECN 1 */
	put16(p + 24, 0);
	put16(p + 24, (uint16_t)~fold(sum16(0, p + 14, 20)));
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("ip", "Src: 10.0.0.1, Dst: 10.0.0.2", 14, 20);
	expect_at("ip.version", "4", 14, 1);
	expect_at("ip.hdr_len", "20", 14, 1);
	expect_at("ip.dsfield", "0xb9", 15, 1);
	expect_val("ip.dsfield.dscp", "46");
	expect_meaning("ip.dsfield.dscp", "Expedited Forwarding");
	expect_val("ip.dsfield.ecn", "1");
	expect_at("ip.len", "33", 16, 2);
	expect_at("ip.id", "0x1c2b", 18, 2);
	expect_at("ip.flags", "0x02", 20, 1);
	expect_meaning("ip.flags", "Don't fragment");
	expect_val("ip.flags.rb", "0");
	expect_val("ip.flags.df", "1");
	expect_val("ip.flags.mf", "0");
	expect_at("ip.frag_offset", "0", 20, 2);
	expect_at("ip.ttl", "64", 22, 1);
	expect_at("ip.proto", "17", 23, 1);
	expect_meaning("ip.proto", "UDP");
	expect_at("ip.checksum", hex16(p + 24), 24, 2);
	expect_meaning("ip.checksum", "correct");
	expect_at("ip.src", "10.0.0.1", 26, 4);
	expect_at("ip.dst", "10.0.0.2", 30, 4);
	assert_int_equal(find("ip.dsfield.dscp")->depth, 2);
	check_cuts(p, n, 0, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);
}

static void test_ipv4_bad_checksum(void **state)
{
	uint8_t p[128];
	size_t n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);
	char want[8];

	(void)state;
	snprintf(want, sizeof(want), "0x%02x%02x", p[24], p[25]);
	p[24] ^= 0x10;
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_BAD_CHECKSUM);
	expect_meaning("ip.checksum", "incorrect");
	assert_true(has_note("_ws.bad_checksum", want));
	/* The layers above still decode. */
	expect_val("udp.srcport", "5000");
}

static void test_ipv4_padding(void **state)
{
	uint8_t p[128];
	size_t n = mk_eth_udp4(p, 7, 9, "x", 1, CS_GOOD);

	(void)state;
	memset(p + n, 0, 60 - n);
	/* 43 bytes of IP in a 60-byte frame, and 4 more past 60 (an FCS
	 * the capture kept). */
	memset(p + 60, 0xcc, 4);
	assert_int_equal(run(p, 64, TL_LINK_ETH), 0);
	expect_at("udp.length", "9", 38, 2);
	expect_meaning("udp.checksum", "correct");
	expect_at("data.len", "1", 42, 1);
	expect_at("eth.padding", "0000000000000000000000000000000000", 43,
		  17);
	expect_at("eth.trailer", "cccccccc", 60, 4);
	check_cuts(p, 64, 21, TL_LINK_ETH);
}

static void test_ipv4_options(void **state)
{
	static const uint8_t opts[] = {
		7, 11, 8, 192, 0, 2, 1, 0, 0, 0, 0,	/* RR: 1 filled */
		148, 4, 0, 0,				/* Router Alert */
		68, 12, 13, 0x01, 10, 0, 0, 1, 0, 0, 1, 0,	/* TS */
		1,					/* NOP */
		0, 0, 0, 0,				/* EOL, padding */
	};
	uint8_t msg[64], p[128];
	size_t m = mk_icmp(msg, 8, 0, 0x00010001, NULL, 0);
	size_t n = mk_eth(p, mac2, mac1, 0x0800);

	(void)state;
	assert_int_equal(sizeof(opts), 32);
	n += mk_ipv4(p + n, 1, 0, opts, sizeof(opts), msg, m);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("ip.hdr_len", "52", 14, 1);
	expect_meaning("ip.checksum", "correct");
	expect_at("ip.options", "070b08c000020100000000" "94040000"
		  "440c0d010a00000100000100" "01" "00000000", 34, 32);
	expect_at("ip.options.record_route", "070b08c000020100000000", 34,
		  11);
	expect_meaning("ip.options.record_route", "Record Route");
	expect_nth("ip.opt.type", 0, "7");
	expect_nth("ip.opt.len", 0, "11");
	expect_nth("ip.opt.ptr", 0, "8");
	expect_at("ip.rec_rt", "192.0.2.1", 37, 4);
	expect_at("ip.empty_rt", "0.0.0.0", 41, 4);
	expect_at("ip.options.routeralert", "94040000", 45, 4);
	expect_nth("ip.opt.type", 1, "148");
	expect_at("ip.opt.ra", "0", 47, 2);
	expect_meaning("ip.opt.ra", "Router shall examine packet");
	expect_at("ip.options.timestamp", "440c0d010a00000100000100", 49, 12);
	expect_val("ip.opt.overflow", "0");
	expect_val("ip.opt.flag", "0x01");
	expect_at("ip.opt.time_stamp_addr", "10.0.0.1", 53, 4);
	expect_at("ip.opt.time_stamp", "256", 57, 4);
	expect_at("ip.options.nop", "01", 61, 1);
	expect_at("ip.options.eol", "00", 62, 1);
	expect_at("ip.opt.padding", "000000", 63, 3);
	assert_int_equal(count("ip.opt.type"), 5);
	assert_int_equal(find("ip.options.nop")->depth, 2);
	assert_int_equal(find("ip.opt.ra")->depth, 3);
	expect_at("icmp.type", "8", 66, 1);
	assert_string_equal(cap.sum.info, "Echo (ping) request id=0x0001, seq=1");
	check_cuts(p, n, 0, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);
}

/* An IPv4 header with one 8-byte option area holding opt. */
static unsigned int run_ipv4_opt(const uint8_t opt[8])
{
	static uint8_t p[128];
	size_t n = mk_eth(p, mac2, mac1, 0x0800);

	n += mk_ipv4(p + n, 59, 0, opt, 8, NULL, 0);
	return run(p, n, TL_LINK_ETH);
}

static void test_ipv4_bad_options(void **state)
{
	(void)state;
	assert_int_equal(run_ipv4_opt((const uint8_t[8]){ 7, 1, 4 }),
			 DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "length 1 is less than 2"));
	assert_int_equal(run_ipv4_opt((const uint8_t[8]){ 1, 7, 0 }),
			 DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "length 0"));
	assert_int_equal(run_ipv4_opt((const uint8_t[8]){ 1, 1, 68, 9, 5 }),
			 DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "runs past the header"));
	expect_val("ip.options.nop", "01");
	/* An option type with no length byte at the end of the header. */
	assert_int_equal(run_ipv4_opt((const uint8_t[8]){ 1, 1, 1, 1, 1, 1,
							  1, 7 }),
			 DISSECT_MALFORMED);
	/* An unknown option is shown by type and length. */
	assert_int_equal(run_ipv4_opt((const uint8_t[8]){ 0x9e, 4, 1, 2, 0 }),
			 0);
	expect_at("ip.options.unknown", "9e040102", 34, 4);
	expect_val("ip.opt.type", "158");
	expect_val("ip.opt.len", "4");
}

static void test_ipv4_malformed_header(void **state)
{
	uint8_t p[128];
	size_t n = mk_eth_udp4(p, 1, 2, "abc", 3, CS_GOOD);

	(void)state;
	p[14] = 0x44;	/* IHL 4 */
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	expect_val("ip.hdr_len", "16");
	assert_true(has_note("_ws.malformed", "less than 20"));
	assert_null(find("ip.len"));
	assert_null(find("udp.srcport"));

	n = mk_eth_udp4(p, 1, 2, "abc", 3, CS_GOOD);
	put16(p + 16, 19);	/* total length < header */
	put16(p + 24, 0);
	put16(p + 24, (uint16_t)~fold(sum16(0, p + 14, 20)));
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "total length 19"));
	assert_null(find("udp.srcport"));

	n = mk_eth_udp4(p, 1, 2, "abc", 3, CS_GOOD);
	p[14] = 0x65;	/* an IPv6 version under ethertype IPv4 */
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	expect_val("ip.version", "6");

	/* Total length larger than the frame: truncated, not malformed. */
	n = mk_eth_udp4(p, 1, 2, "abc", 3, CS_GOOD);
	put16(p + 16, 200);
	put16(p + 24, 0);
	put16(p + 24, (uint16_t)~fold(sum16(0, p + 14, 20)));
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_TRUNCATED);
}

/* A UDP datagram of 24 data bytes split at 16: two IPv4 fragments. */
static void test_ipv4_fragments(void **state)
{
	uint8_t seg[64], p[128], data[24];
	size_t s, n;

	(void)state;
	memset(data, 'f', sizeof(data));
	s = mk_udp(seg, 4000, 4001, data, sizeof(data));
	fix_csum(4, 17, seg, s, 6, CS_GOOD);

	/* First: MF, offset 0; the UDP header is there but not all data. */
	n = mk_eth(p, mac2, mac1, 0x0800);
	n += mk_ipv4(p + n, 17, 0x2000, NULL, 0, seg, 16);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("ip.flags", "0x01");
	expect_meaning("ip.flags", "More fragments");
	expect_val("ip.flags.mf", "1");
	expect_val("ip.frag_offset", "0");
	expect_val("udp.srcport", "4000");
	expect_val("udp.length", "32");
	expect_meaning("udp.checksum", "unverified");
	assert_string_equal(cap.sum.proto, "UDP");

	/* Second: offset 16 bytes (2 units), the rest of the data. */
	n = mk_eth(p, mac2, mac1, 0x0800);
	n += mk_ipv4(p + n, 17, 2, NULL, 0, seg + 16, s - 16);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("ip.flags", "0x00");
	expect_at("ip.frag_offset", "2", 20, 2);
	expect_meaning("ip.frag_offset", "16 bytes");
	assert_null(find("udp.srcport"));
	expect_at("data.len", "16", 34, 16);
	assert_string_equal(cap.sum.proto, "IPv4");
	assert_string_equal(cap.sum.info, "Fragmented IP protocol (proto=UDP "
			    "17, off=16, ID=1c2b)");
	check_cuts(p, n, 0, TL_LINK_ETH);
}

/* A tun device hands raw IP: the version nibble picks the dissector. */
static void test_raw_ip_link(void **state)
{
	uint8_t msg[64], p[128];
	size_t m = mk_icmp(msg, 0, 0, 0x00070009, "pong", 4);
	size_t n = mk_ipv4(p, 1, 0, NULL, 0, msg, m);

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_IP), 0);
	expect_at("ip.version", "4", 0, 1);
	expect_at("icmp.type", "0", 20, 1);
	expect_meaning("icmp.type", "Echo (ping) reply");
	assert_string_equal(cap.sum.info, "Echo (ping) reply id=0x0007, seq=9");
	check_cuts(p, n, 0, TL_LINK_IP);

	p[0] = 0x55;
	assert_int_equal(run(p, n, TL_LINK_IP), DISSECT_MALFORMED);
	expect_at("ip.version", "5", 0, 1);
	assert_true(has_note("_ws.malformed", "IP version 5"));
}

/* ---- IPv6 -------------------------------------------------------------- */

/* Hop-by-hop (Router Alert, PadN), then a first fragment, then UDP. */
static size_t mk_ipv6_hbh_frag_udp(uint8_t *p, uint16_t fragword)
{
	uint8_t ext[16], seg[64];
	size_t s = mk_udp(seg, 5000, 53, "hello", 5);

	fix_csum(6, 17, seg, s, 6, CS_GOOD);
	memcpy(ext, (const uint8_t[8]){ 44, 0, 5, 2, 0, 0, 1, 0 }, 8);
	ext[8] = 17;
	ext[9] = 0;
	put16(ext + 10, fragword);
	put32(ext + 12, 0xdeadbeef);
	mk_eth(p, mac2, mac1, 0x86dd);
	return 14 + mk_ipv6(p + 14, 0, ext, 16, seg, s);
}

static void test_ipv6_hbh_fragment(void **state)
{
	uint8_t p[128];
	size_t n = mk_ipv6_hbh_frag_udp(p, 0x0001);	/* offset 0, M */

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("ipv6", "Src: fe80::1, Dst: 2001:db8::2", 14, 40);
	expect_at("ipv6.version", "6", 14, 1);
	expect_val("ipv6.tclass", "0x000000b8");
	expect_val("ipv6.tclass.dscp", "46");
	expect_val("ipv6.flow", "0x012345");
	expect_at("ipv6.plen", "29", 18, 2);
	expect_at("ipv6.nxt", "0", 20, 1);
	expect_meaning("ipv6.nxt", "IPv6 Hop-by-Hop Option");
	expect_at("ipv6.hlim", "64", 21, 1);
	expect_at("ipv6.src", "fe80::1", 22, 16);
	expect_at("ipv6.dst", "2001:db8::2", 38, 16);

	expect_at("ipv6.hopopts", "", 54, 8);
	expect_at("ipv6.hopopts.nxt", "44", 54, 1);
	expect_at("ipv6.hopopts.len", "0", 55, 1);
	expect_val("ipv6.hopopts.len_oct", "8");
	assert_int_equal(count("ipv6.opt"), 2);
	expect_nth("ipv6.opt.type", 0, "0x05");
	expect_nth("ipv6.opt.length", 0, "2");
	expect_at("ipv6.opt.router_alert", "0", 58, 2);
	expect_meaning("ipv6.opt.router_alert", "MLD");
	expect_nth("ipv6.opt.type", 1, "0x01");
	expect_at("ipv6.opt.padn", "<none>", 62, 0);

	expect_at("ipv6.fraghdr", "", 62, 8);
	expect_at("ipv6.fraghdr.nxt", "17", 62, 1);
	expect_val("ipv6.fraghdr.reserved_octet", "0x00");
	expect_at("ipv6.fraghdr.offset", "0", 64, 2);
	expect_val("ipv6.fraghdr.more", "1");
	expect_at("ipv6.fraghdr.ident", "0xdeadbeef", 66, 4);

	expect_at("udp.srcport", "5000", 70, 2);
	/* A fragment cannot be checked: the rest of it is elsewhere. */
	expect_meaning("udp.checksum", "unverified");
	assert_string_equal(cap.sum.proto, "UDP");
	assert_int_equal(cap.sum.ip_proto, 17);
	check_cuts(p, n, 0, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);

	/* Not a fragment at all (offset 0, M clear): verified. */
	n = mk_ipv6_hbh_frag_udp(p, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_meaning("udp.checksum", "correct");

	/* A later fragment: data, not UDP. */
	n = mk_ipv6_hbh_frag_udp(p, 185 << 3);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("ipv6.fraghdr.offset", "185");
	expect_meaning("ipv6.fraghdr.offset", "1480 bytes");
	assert_null(find("udp.srcport"));
	expect_at("data.len", "13", 70, 13);
	assert_string_equal(cap.sum.info, "IPv6 fragment (off=1480 more=n "
			    "ident=0xdeadbeef nxt=17)");
}

static void test_ipv6_routing_dstopts(void **state)
{
	uint8_t ext[32], seg[32], p[160];
	size_t s = mk_udp(seg, 7, 9, "abc", 3), n;

	(void)state;
	fix_csum(6, 17, seg, s, 6, CS_GOOD);
	/* Destination options: Tunnel Encapsulation Limit 4, PadN 0 bytes...
	 * then a type-0 routing header with no addresses. */
	memcpy(ext, (const uint8_t[8]){ 43, 0, 4, 1, 4, 1, 0, 0 }, 8);
	memcpy(ext + 8, (const uint8_t[8]){ 17, 0, 0, 0, 0, 0, 0, 0 }, 8);
	mk_eth(p, mac2, mac1, 0x86dd);
	n = 14 + mk_ipv6(p + 14, 60, ext, 16, seg, s);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("ipv6.dstopts", "", 54, 8);
	expect_val("ipv6.dstopts.nxt", "43");
	expect_at("ipv6.opt.tel", "4", 58, 1);
	expect_at("ipv6.routing", "", 62, 8);
	expect_val("ipv6.routing.nxt", "17");
	expect_val("ipv6.routing.type", "0");
	expect_val("ipv6.routing.segleft", "0");
	expect_meaning("udp.checksum", "correct");
	check_cuts(p, n, 0, TL_LINK_ETH);
}

static void test_ipv6_malformed(void **state)
{
	uint8_t ext[128], p[256];
	size_t n;

	(void)state;
	/* Nine destination-options headers: past the bound. */
	for (int i = 0; i < 9; i++) {
		memset(ext + 8 * i, 0, 8);
		ext[8 * i] = i == 8 ? 59 : 60;
		ext[8 * i + 2] = 1;	/* PadN of 4 */
		ext[8 * i + 3] = 4;
	}
	mk_eth(p, mac2, mac1, 0x86dd);
	n = 14 + mk_ipv6(p + 14, 60, ext, 72, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "more than 8 IPv6 extension"));
	assert_int_equal(count("ipv6.dstopts"), 8);

	/* Eight are fine, ending in No Next Header. */
	ext[7 * 8] = 59;
	n = 14 + mk_ipv6(p + 14, 60, ext, 64, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	assert_int_equal(count("ipv6.dstopts"), 8);

	/* An option longer than its header. */
	memcpy(ext, (const uint8_t[8]){ 59, 0, 1, 9, 0, 0, 0, 0 }, 8);
	n = 14 + mk_ipv6(p + 14, 60, ext, 8, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "runs past"));

	/* Extension headers longer than the payload length. */
	memcpy(ext, (const uint8_t[8]){ 59, 0, 1, 4, 0, 0, 0, 0 }, 8);
	n = 14 + mk_ipv6(p + 14, 60, ext, 8, NULL, 0);
	put16(p + 18, 4);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "runs past the IPv6 payload"));
}

/* ---- ICMP -------------------------------------------------------------- */

static void test_icmp_echo(void **state)
{
	uint8_t p[128];
	size_t n = mk_vlan_icmp(p, 0);

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("icmp", "", 38, 12);
	expect_at("icmp.type", "8", 38, 1);
	expect_meaning("icmp.type", "Echo (ping) request");
	expect_at("icmp.code", "0", 39, 1);
	expect_at("icmp.checksum", hex16(p + 40), 40, 2);
	expect_meaning("icmp.checksum", "correct");
	assert_string_equal(cap.sum.info,
			    "Echo (ping) request id=0x1c2b, seq=1");
}

static void test_icmp_echo_values(void **state)
{
	uint8_t msg[64], p[128];
	size_t m = mk_icmp(msg, 8, 0, 0x1c2b0001, "abcdefgh", 8);
	size_t n = mk_eth(p, mac2, mac1, 0x0800);
	char cs[8];

	(void)state;
	n += mk_ipv4(p + n, 1, 0x4000, NULL, 0, msg, m);
	snprintf(cs, sizeof(cs), "0x%02x%02x", msg[2], msg[3]);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("icmp.checksum", cs, 36, 2);
	expect_meaning("icmp.checksum", "correct");
	expect_at("icmp.ident", "7211", 38, 2);
	expect_at("icmp.seq", "1", 40, 2);
	expect_at("data.len", "8", 42, 8);
	assert_string_equal(cap.sum.proto, "ICMP");
	assert_string_equal(cap.sum.info,
			    "Echo (ping) request id=0x1c2b, seq=1");
	assert_int_equal(cap.sum.ip_proto, 1);
	check_cuts(p, n, 0, TL_LINK_ETH);

	p[n - 1] ^= 0xff;	/* the data no longer matches the checksum */
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_BAD_CHECKSUM);
	expect_meaning("icmp.checksum", "incorrect");
	assert_true(has_note("_ws.bad_checksum", "bad ICMP checksum"));
}

/* Port unreachable quoting the IPv4 header and 8 bytes of a UDP datagram
 * that was 40 bytes long. */
static void test_icmp_unreachable(void **state)
{
	uint8_t seg[64], inner[128], msg[128], p[192];
	size_t s = mk_udp(seg, 33434, 53, "0123456789abcdef0123456789abcdef",
			  32);
	size_t i = mk_ipv4(inner, 17, 0, NULL, 0, seg, s);
	size_t m = mk_icmp(msg, 3, 3, 0, inner, 28);
	size_t n = mk_eth(p, mac2, mac1, 0x0800);

	(void)state;
	assert_int_equal(i, 60);
	n += mk_ipv4(p + n, 1, 0, NULL, 0, msg, m);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("icmp.type", "3");
	expect_meaning("icmp.code", "Port unreachable");
	expect_at("icmp.unused", "00000000", 38, 4);
	/* The quoted header decodes as a second IP layer. */
	assert_int_equal(count("ip"), 2);
	expect_nth("ip.len", 1, "60");
	expect_nth("ip.src", 1, "10.0.0.1");
	expect_at("udp.srcport", "33434", 62, 2);
	expect_meaning("udp.checksum", "unverified");
	/* ... without taking over the summary. */
	assert_string_equal(cap.sum.proto, "ICMP");
	assert_string_equal(cap.sum.info,
			    "Destination unreachable (Port unreachable)");
	assert_int_equal(cap.sum.sport, 0);
	assert_int_equal(cap.sum.ip_proto, 1);
	check_cuts(p, n, 0, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);

	/* Fragmentation needed carries the next-hop MTU. */
	m = mk_icmp(msg, 3, 4, 1400, inner, 28);
	n = 14 + mk_ipv4(p + 14, 1, 0, NULL, 0, msg, m);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("icmp.mtu", "1400", 40, 2);
}

/* ---- ICMPv6 ------------------------------------------------------------ */

/* Ethernet + IPv6 + ICMPv6 body (type, code, then body), checksummed. */
static size_t mk_eth_icmpv6(uint8_t *p, uint8_t type, const uint8_t *body,
			    size_t blen, const uint8_t *ext, size_t extlen)
{
	uint8_t msg[256];

	msg[0] = type;
	msg[1] = 0;
	put16(msg + 2, 0);
	memcpy(msg + 4, body, blen);
	fix_csum(6, 58, msg, 4 + blen, 2, CS_GOOD);
	mk_eth(p, mac2, mac1, 0x86dd);
	return 14 + mk_ipv6(p + 14, extlen ? 0 : 58, ext, extlen, msg,
			    4 + blen);
}

static void test_icmpv6_echo_ns(void **state)
{
	uint8_t body[64], p[192];
	size_t n;

	(void)state;
	put32(body, 0x12340007);
	memcpy(body + 4, "ping", 4);
	n = mk_eth_icmpv6(p, 128, body, 8, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("icmpv6.type", "128", 54, 1);
	expect_meaning("icmpv6.checksum", "correct");
	expect_at("icmpv6.echo.identifier", "0x1234", 58, 2);
	expect_at("icmpv6.echo.sequence_number", "7", 60, 2);
	assert_string_equal(cap.sum.proto, "ICMPv6");
	assert_string_equal(cap.sum.info,
			    "Echo (ping) request id=0x1234, seq=7");
	check_cuts(p, n, 0, TL_LINK_ETH);

	/* Neighbor Solicitation with a source link-layer address. */
	put32(body, 0);
	memcpy(body + 4, ip6_b, 16);
	body[20] = 1;
	body[21] = 1;
	memcpy(body + 22, mac1, 6);
	n = mk_eth_icmpv6(p, 135, body, 28, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("icmpv6.nd.ns.target_address", "2001:db8::2", 62, 16);
	expect_at("icmpv6.opt", "0101020000000001", 78, 8);
	expect_meaning("icmpv6.opt", "Source link-layer address");
	expect_at("icmpv6.opt.type", "1", 78, 1);
	expect_at("icmpv6.opt.length", "1", 79, 1);
	expect_at("icmpv6.opt.linkaddr", "02:00:00:00:00:01", 80, 6);
	assert_string_equal(cap.sum.info, "Neighbor Solicitation for "
			    "2001:db8::2 from 02:00:00:00:00:01");
	check_cuts(p, n, 0, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);

	/* Option length 0 would never end: malformed. */
	body[21] = 0;
	n = mk_eth_icmpv6(p, 135, body, 28, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "length 0"));

	/* Option longer than the message. */
	body[21] = 2;
	n = mk_eth_icmpv6(p, 135, body, 28, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "runs past"));

	/* A bad checksum. */
	body[21] = 1;
	n = mk_eth_icmpv6(p, 135, body, 28, NULL, 0);
	p[n - 1] ^= 1;
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_BAD_CHECKSUM);
	expect_meaning("icmpv6.checksum", "incorrect");
}

static void test_icmpv6_ra_na(void **state)
{
	uint8_t body[96], p[192];
	size_t n, b = 0;

	(void)state;
	body[b++] = 64;		/* cur hop limit */
	body[b++] = 0xc0;	/* M, O */
	put16(body + b, 1800);
	b += 2;
	put32(body + b, 0);
	put32(body + b + 4, 0);
	b += 8;
	memcpy(body + b, (const uint8_t[8]){ 1, 1, 2, 0, 0, 0, 0, 1 }, 8);
	b += 8;
	memcpy(body + b, (const uint8_t[8]){ 5, 1, 0, 0, 0, 0, 5, 0x78 }, 8);
	b += 8;
	body[b++] = 3;
	body[b++] = 4;
	body[b++] = 64;
	body[b++] = 0xc0;
	put32(body + b, 86400);
	put32(body + b + 4, 14400);
	put32(body + b + 8, 0);
	memcpy(body + b + 12, ip6_b, 16);
	b += 28;
	n = mk_eth_icmpv6(p, 134, body, b, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("icmpv6.nd.ra.cur_hop_limit", "64");
	expect_val("icmpv6.nd.ra.flag", "0xc0");
	expect_val("icmpv6.nd.ra.flag.m", "1");
	expect_val("icmpv6.nd.ra.flag.o", "1");
	expect_val("icmpv6.nd.ra.router_lifetime", "1800");
	assert_int_equal(count("icmpv6.opt"), 3);
	expect_val("icmpv6.opt.mtu", "1400");
	expect_val("icmpv6.opt.prefix.length", "64");
	expect_val("icmpv6.opt.prefix.flag", "0xc0");
	expect_val("icmpv6.opt.prefix.valid_lifetime", "86400");
	expect_val("icmpv6.opt.prefix", "2001:db8::2");
	assert_string_equal(cap.sum.info,
			    "Router Advertisement from 02:00:00:00:00:01");
	check_cuts(p, n, 0, TL_LINK_ETH);

	/* Neighbor Advertisement: solicited, override. */
	put32(body, 0x60000000);
	memcpy(body + 4, ip6_b, 16);
	memcpy(body + 20, (const uint8_t[8]){ 2, 1, 2, 0, 0, 0, 0, 2 }, 8);
	n = mk_eth_icmpv6(p, 136, body, 28, NULL, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("icmpv6.nd.na.flag", "0x60000000");
	expect_meaning("icmpv6.nd.na.flag", "sol, ovr");
	expect_val("icmpv6.nd.na.flag.r", "0");
	expect_val("icmpv6.nd.na.flag.s", "1");
	expect_val("icmpv6.nd.na.target_address", "2001:db8::2");
	expect_val("icmpv6.opt.linkaddr", "02:00:00:00:00:02");
	assert_string_equal(cap.sum.info, "Neighbor Advertisement 2001:db8::2 "
			    "(sol, ovr) is at 02:00:00:00:00:02");
}

static void test_icmpv6_mld2(void **state)
{
	static const uint8_t hbh[8] = { 58, 0, 5, 2, 0, 0, 1, 0 };
	uint8_t body[64], p[192];
	size_t n;

	(void)state;
	put16(body, 0);
	put16(body + 2, 1);
	body[4] = 4;	/* change to exclude */
	body[5] = 0;
	put16(body + 6, 0);
	memcpy(body + 8, (const uint8_t[16]){ 0xff, 0x02, [11] = 1,
					      [12] = 0xff, [15] = 1 }, 16);
	n = mk_eth_icmpv6(p, 143, body, 24, hbh, 8);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("ipv6.opt.router_alert", "0");
	expect_val("icmpv6.type", "143");
	expect_meaning("icmpv6.type", "Multicast Listener Report Message v2");
	expect_meaning("icmpv6.checksum", "correct");
	expect_at("icmpv6.mldr.nb_mcast_records", "1", 68, 2);
	expect_at("icmpv6.mldr.mar.record_type", "4", 70, 1);
	expect_meaning("icmpv6.mldr.mar.record_type", "Changed to exclude");
	expect_val("icmpv6.mldr.mar.multicast_address", "ff02::1:ff00:1");
	assert_string_equal(cap.sum.info,
			    "Multicast Listener Report Message v2");
	check_cuts(p, n, 0, TL_LINK_ETH);
}

/* ---- UDP ---------------------------------------------------------------- */

static void test_udp_checksums(void **state)
{
	uint8_t p[128], seg[64];
	size_t n, s;

	(void)state;
	n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("udp", "Src Port: 5000, Dst Port: 53", 34, 8);
	expect_at("udp.srcport", "5000", 34, 2);
	expect_at("udp.dstport", "53", 36, 2);
	expect_at("udp.length", "13", 38, 2);
	expect_meaning("udp.checksum", "correct");
	assert_int_equal(find("udp.checksum")->off, 40);
	expect_at("data.len", "5", 42, 5);

	n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_PARTIAL);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_meaning("udp.checksum", "checksum offloaded");

	n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_BAD);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_BAD_CHECKSUM);
	expect_meaning("udp.checksum", "incorrect");
	assert_true(has_note("_ws.bad_checksum", "bad UDP checksum"));

	n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);
	put16(p + 40, 0);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("udp.checksum", "0x0000");
	expect_meaning("udp.checksum", "none");

	/* IPv6: the same three verdicts with the 16-byte pseudo-header. */
	s = mk_udp(seg, 1, 2, "v6", 2);
	fix_csum(6, 17, seg, s, 6, CS_PARTIAL);
	mk_eth(p, mac2, mac1, 0x86dd);
	n = 14 + mk_ipv6(p + 14, 17, NULL, 0, seg, s);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_meaning("udp.checksum", "checksum offloaded");
	fix_csum(6, 17, seg, s, 6, CS_GOOD);
	n = 14 + mk_ipv6(p + 14, 17, NULL, 0, seg, s);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_meaning("udp.checksum", "correct");
	fix_csum(6, 17, seg, s, 6, CS_BAD);
	n = 14 + mk_ipv6(p + 14, 17, NULL, 0, seg, s);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_BAD_CHECKSUM);
	expect_meaning("udp.checksum", "incorrect");
}

static void test_udp_lengths(void **state)
{
	uint8_t p[128];
	size_t n;

	(void)state;
	n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);
	put16(p + 38, 7);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "less than the 8-byte header"));
	assert_null(find("udp.checksum"));

	n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);
	put16(p + 38, 14);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "more than the IP payload"));

	/* A UDP length shorter than the IP payload bounds the data. */
	n = mk_eth_udp4(p, 5000, 53, "hello", 5, CS_GOOD);
	put16(p + 38, 10);
	fix_csum(4, 17, p + 34, 10, 6, CS_GOOD);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_meaning("udp.checksum", "correct");
	expect_at("data.len", "2", 42, 2);
}

/* ---- TCP ---------------------------------------------------------------- */

static const uint8_t syn_opts[] = {
	2, 4, 0x05, 0xb4,		/* MSS 1460 */
	1,				/* NOP */
	3, 3, 7,			/* WS 7 */
	4, 2,				/* SACK permitted */
	8, 10, 0, 0, 0, 1, 0, 0, 0, 2,	/* TS 1, 2 */
	1, 1,				/* NOP NOP */
	5, 10, 0, 0, 0, 100, 0, 0, 0, 200,	/* SACK 100-200 */
};

static void test_tcp_syn_options(void **state)
{
	uint8_t p[160];
	size_t n = mk_eth_tcp4(p, 0x002, syn_opts, sizeof(syn_opts), NULL, 0,
			       CS_GOOD);

	(void)state;
	assert_int_equal(sizeof(syn_opts), 32);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_at("tcp", "Src Port: 12345, Dst Port: 80", 34, 20);
	expect_at("tcp.srcport", "12345", 34, 2);
	expect_at("tcp.dstport", "80", 36, 2);
	expect_at("tcp.seq_raw", "1000", 38, 4);
	expect_at("tcp.ack_raw", "2000", 42, 4);
	expect_at("tcp.hdr_len", "52", 46, 1);
	expect_at("tcp.flags", "0x0002", 46, 2);
	expect_meaning("tcp.flags", "SYN");
	expect_val("tcp.flags.syn", "1");
	expect_val("tcp.flags.ack", "0");
	expect_at("tcp.window_size_value", "64240", 48, 2);
	expect_at("tcp.checksum", hex16(p + 50), 50, 2);
	expect_meaning("tcp.checksum", "correct");
	expect_at("tcp.urgent_pointer", "0", 52, 2);
	expect_at("tcp.options", "020405b40103030704020"
		  "80a000000010000000201010"
		  "50a00000064000000c8", 54, 32);
	expect_at("tcp.options.mss", "020405b4", 54, 4);
	expect_at("tcp.options.mss_val", "1460", 56, 2);
	expect_at("tcp.options.wscale", "030307", 59, 3);
	expect_val("tcp.options.wscale.shift", "7");
	expect_val("tcp.options.wscale.multiplier", "128");
	expect_at("tcp.options.sack_perm", "0402", 62, 2);
	expect_at("tcp.options.timestamp.tsval", "1", 66, 4);
	expect_at("tcp.options.timestamp.tsecr", "2", 70, 4);
	assert_int_equal(count("tcp.options.nop"), 3);
	expect_at("tcp.options.sack_le", "100", 78, 4);
	expect_at("tcp.options.sack_re", "200", 82, 4);
	expect_val("tcp.options.sack.count", "1");
	/* kind of every option; length of those that have one */
	assert_int_equal(count("tcp.option_kind"), 8);
	expect_nth("tcp.option_kind", 2, "3");
	assert_int_equal(count("tcp.option_len"), 5);
	expect_nth("tcp.option_len", 4, "10");
	assert_int_equal(find("tcp.options.mss")->depth, 2);
	assert_int_equal(find("tcp.options.mss_val")->depth, 3);
	expect_val("tcp.len", "0");
	assert_null(find("data"));
	assert_string_equal(cap.sum.proto, "TCP");
	assert_string_equal(cap.sum.info, "12345 \u2192 80 [SYN] Seq=1000 "
			    "Win=64240 Len=0 MSS=1460 WS=128 SACK_PERM "
			    "TSval=1 TSecr=2 SLE=100");
	assert_int_equal(cap.sum.sport, 12345);
	assert_int_equal(cap.sum.dport, 80);
	check_cuts(p, n, 0, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);
}

static void test_tcp_flags_data(void **state)
{
	uint8_t p[160];
	size_t n = mk_eth_tcp4(p, 0x018, NULL, 0, "GET /", 5, CS_GOOD);

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("tcp.flags", "0x0018");
	expect_meaning("tcp.flags", "PSH, ACK");
	expect_val("tcp.flags.push", "1");
	expect_val("tcp.flags.ack", "1");
	expect_val("tcp.len", "5");
	expect_at("data.len", "5", 54, 5);
	assert_string_equal(cap.sum.info, "12345 \u2192 80 [PSH, ACK] "
			    "Seq=1000 Ack=2000 Win=64240 Len=5");
	check_cuts(p, n, 0, TL_LINK_ETH);

	n = mk_eth_tcp4(p, 0x0d2, NULL, 0, NULL, 0, CS_GOOD);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("tcp.flags", "0x00d2");
	expect_meaning("tcp.flags", "SYN, ACK, ECE, CWR");
	expect_val("tcp.flags.cwr", "1");
	expect_val("tcp.flags.ece", "1");
	expect_val("tcp.flags.fin", "0");
}

static void test_tcp_checksums(void **state)
{
	uint8_t p[160];
	size_t n;

	(void)state;
	n = mk_eth_tcp4(p, 0x018, NULL, 0, "x", 1, CS_PARTIAL);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_meaning("tcp.checksum", "checksum offloaded");

	n = mk_eth_tcp4(p, 0x018, NULL, 0, "x", 1, CS_BAD);
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_BAD_CHECKSUM);
	expect_meaning("tcp.checksum", "incorrect");
	assert_true(has_note("_ws.bad_checksum", "bad TCP checksum"));

	/* Captured short: the checksum cannot be checked. */
	n = mk_eth_tcp4(p, 0x018, NULL, 0, "xyz", 3, CS_GOOD);
	assert_int_equal(run_snap(p, n - 1, n, TL_LINK_ETH),
			 DISSECT_TRUNCATED | DISSECT_SNAPPED);
	expect_meaning("tcp.checksum", "unverified");
}

/* A TCP SYN whose 8-byte option area is opts. */
static unsigned int run_tcp_opts(const uint8_t opts[8])
{
	static uint8_t p[160];
	size_t n = mk_eth_tcp4(p, 0x002, opts, 8, NULL, 0, CS_GOOD);

	return run(p, n, TL_LINK_ETH);
}

static void test_tcp_bad_options(void **state)
{
	uint8_t p[160];
	size_t n;

	(void)state;
	assert_int_equal(run_tcp_opts((const uint8_t[8]){ 2, 0 }),
			 DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "length 0 is less than 2"));
	assert_int_equal(run_tcp_opts((const uint8_t[8]){ 1, 8, 1 }),
			 DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "length 1 is less than 2"));
	assert_int_equal(run_tcp_opts((const uint8_t[8]){ 1, 1, 8, 10 }),
			 DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "runs past the header"));
	assert_int_equal(count("tcp.options.nop"), 2);
	assert_int_equal(run_tcp_opts((const uint8_t[8]){ 2, 3, 5, 1, 1, 1,
							  1, 1 }),
			 DISSECT_MALFORMED);
	assert_true(has_note("_ws.malformed", "length 3 is invalid"));
	/* The payload after bad options is still shown. */
	expect_val("tcp.len", "0");

	/* Unknown option kind 99: shown by kind and length. */
	assert_int_equal(run_tcp_opts((const uint8_t[8]){ 99, 4, 0xab, 0xcd,
							  0, 0, 0, 0 }), 0);
	expect_at("tcp.options.unknown", "6304abcd", 54, 4);
	expect_val("tcp.option_kind", "99");
	expect_val("tcp.option_len", "4");
	expect_at("tcp.options.eol", "00", 58, 1);

	/* Data offset below 5. */
	n = mk_eth_tcp4(p, 0x002, NULL, 0, NULL, 0, CS_GOOD);
	p[46] = 0x40;
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
	expect_val("tcp.hdr_len", "16");
	assert_null(find("tcp.flags"));

	/* Data offset past the IP payload. */
	n = mk_eth_tcp4(p, 0x002, NULL, 0, NULL, 0, CS_GOOD);
	p[46] = 0x60;
	assert_int_equal(run(p, n, TL_LINK_ETH), DISSECT_MALFORMED);
}

/* ---- the tunnel header ------------------------------------------------- */

static void test_tunnel_over_udp(void **state)
{
	uint8_t t[128], p[192];
	size_t tl = mk_tunnel(t, 9, 0, 1, 42, 40);
	size_t n = mk_eth_udp4(p, 40000, 1194, t, tl, CS_PARTIAL);

	(void)state;
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_meaning("udp.checksum", "checksum offloaded");
	expect_at("tlvpn", "DATA_V2, Key ID: 0, Packet ID: 42", 42, 24);
	expect_at("tlvpn.opcode", "9", 42, 1);
	expect_meaning("tlvpn.opcode", "P_DATA_V2");
	expect_at("tlvpn.key_id", "0", 42, 1);
	expect_at("tlvpn.peer_id", "1", 43, 3);
	expect_at("tlvpn.packet_id", "42", 46, 4);
	expect_at("tlvpn.tag", "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", 50, 16);
	expect_at("tlvpn.ciphertext_len", "40", 66, 40);
	assert_string_equal(cap.sum.proto, "TLVPN");
	assert_string_equal(cap.sum.info, "DATA_V2 key 0 peer 1 pid 42");
	assert_string_equal(cap.sum.src, "10.0.0.1");
	assert_int_equal(cap.sum.dport, 1194);
	check_cuts(p, n, 0, TL_LINK_ETH);
	check_mutations(p, n, TL_LINK_ETH);

	/* The reply direction: the tunnel port is the source. */
	n = mk_eth_udp4(p, 1194, 40000, t, tl, CS_GOOD);
	assert_int_equal(run(p, n, TL_LINK_ETH), 0);
	expect_val("tlvpn.packet_id", "42");
}

static void test_tunnel_fields(void **state)
{
	uint8_t t[128];
	size_t n;

	(void)state;
	n = mk_tunnel(t, 9, 5, 0xffffff, 0xfffffffe, 3);
	assert_int_equal(run(t, n, TL_LINK_TUNNEL), 0);
	expect_val("tlvpn.key_id", "5");
	expect_val("tlvpn.peer_id", "16777215");
	expect_meaning("tlvpn.peer_id", "unset");
	expect_val("tlvpn.packet_id", "4294967294");
	expect_at("tlvpn.ciphertext_len", "3", 24, 3);
	assert_string_equal(cap.sum.info,
			    "DATA_V2 key 5 peer unset pid 4294967294");
	/* A bare UDP payload has no length of its own: a short one is
	 * seen as short only within the header (or when snapped). */
	check_cuts_known(t, n, 0, 24, TL_LINK_TUNNEL);

	/* A snapped capture: the length is the original one. */
	n = mk_tunnel(t, 9, 1, 7, 8, 100);
	assert_int_equal(run_snap(t, 64, n, TL_LINK_TUNNEL),
			 DISSECT_TRUNCATED | DISSECT_SNAPPED);
	expect_at("tlvpn.ciphertext_len", "100", 24, 40);
	expect_meaning("tlvpn.ciphertext_len", "not all captured");

	/* A short packet: the header stops where the bytes do. */
	assert_int_equal(run(t, 10, TL_LINK_TUNNEL), DISSECT_TRUNCATED);
	expect_val("tlvpn.packet_id", "8");
	assert_null(find("tlvpn.tag"));
	assert_true(has_note("_ws.truncated", "tunnel header"));
	assert_int_equal(find("tlvpn")->len, 10);
	assert_string_equal(cap.sum.info, "DATA_V2 key 1 peer 7 pid 8");

	/* Another opcode: named, and not taken for data. */
	n = mk_tunnel(t, 4, 2, 0, 0, 10);
	assert_int_equal(run(t, n, TL_LINK_TUNNEL), 0);
	expect_val("tlvpn.opcode", "4");
	expect_meaning("tlvpn.opcode", "P_CONTROL_V1");
	expect_val("tlvpn.key_id", "2");
	assert_true(has_note("tlvpn.not_data", "not a tunnel data packet"));
	assert_null(find("tlvpn.peer_id"));
	assert_string_equal(cap.sum.proto, "TLVPN");
	assert_string_equal(cap.sum.info,
			    "P_CONTROL_V1 key 2 (not a tunnel data packet)");
}

/* ---- the whole decode --------------------------------------------------- */

static void test_no_sink_no_summary(void **state)
{
	uint8_t p[160];
	size_t n = mk_eth_tcp4(p, 0x002, syn_opts, sizeof(syn_opts), NULL, 0,
			       CS_GOOD);

	(void)state;
	assert_int_equal(dissect_packet(p, n, n, TL_LINK_ETH, NULL, NULL), 0);
	assert_int_equal(dissect_packet(p, 20, n, TL_LINK_ETH, NULL, NULL),
			 DISSECT_TRUNCATED | DISSECT_SNAPPED);
	assert_int_equal(dissect_packet(NULL, 0, 0, TL_LINK_ETH, NULL, NULL),
			 DISSECT_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_fields),
		cmocka_unit_test(test_arp_request_padding),
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_arp_announcement),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_eth_short_and_llc),
		cmocka_unit_test(test_ipv4_fields),
		cmocka_unit_test(test_ipv4_bad_checksum),
		cmocka_unit_test(test_ipv4_padding),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_bad_options),
		cmocka_unit_test(test_ipv4_malformed_header),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_raw_ip_link),
		cmocka_unit_test(test_ipv6_hbh_fragment),
		cmocka_unit_test(test_ipv6_routing_dstopts),
		cmocka_unit_test(test_ipv6_malformed),
		cmocka_unit_test(test_icmp_echo),
		cmocka_unit_test(test_icmp_echo_values),
		cmocka_unit_test(test_icmp_unreachable),
		cmocka_unit_test(test_icmpv6_echo_ns),
		cmocka_unit_test(test_icmpv6_ra_na),
		cmocka_unit_test(test_icmpv6_mld2),
		cmocka_unit_test(test_udp_checksums),
		cmocka_unit_test(test_udp_lengths),
		cmocka_unit_test(test_tcp_syn_options),
		cmocka_unit_test(test_tcp_flags_data),
		cmocka_unit_test(test_tcp_checksums),
		cmocka_unit_test(test_tcp_bad_options),
		cmocka_unit_test(test_tunnel_over_udp),
		cmocka_unit_test(test_tunnel_fields),
		cmocka_unit_test(test_no_sink_no_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
