// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fast mode's packet work: a TCP super-packet cut into segments that
 * are each a valid packet, merged back into the same super-packet; partial
 * checksums finished; what may never be merged; garbage never crashes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "offload.h"

#define MSS 1000

/* Does the one's complement sum over the pseudo-header and the whole
 * transport segment, checksum field included, come to all ones? */
static int l4_valid(const uint8_t *pkt, size_t len, size_t l3, int family)
{
	size_t l4 = l3 + (family == 4 ? (size_t)(pkt[l3] & 15) * 4 : 40);
	size_t alen = family == 4 ? 8 : 32, aoff = family == 4 ? 12 : 8;
	unsigned long s = pkt[l3 + (family == 4 ? 9 : 6)] + (len - l4);

	for (size_t i = 0; i < alen; i += 2)
		s += (unsigned long)pkt[l3 + aoff + i] << 8 |
		     pkt[l3 + aoff + i + 1];
	for (size_t i = l4; i < len; i++)
		s += (i - l4) % 2 ? pkt[i] : (unsigned long)pkt[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

static int ip4_hdr_valid(const uint8_t *ip)
{
	unsigned long s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (unsigned long)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* A TCP super-packet with payload bytes of data after l3 bytes of link
 * header, as the tun hands it over: lengths for the whole, the checksum
 * left partial (we put zero: the segmenter recomputes it). */
static size_t make_super(uint8_t *buf, int family, size_t l3, size_t payload,
			 uint8_t flags, struct virtio_net_hdr *vh)
{
	size_t iph = family == 4 ? 20 : 40, l4 = l3 + iph, len;
	uint8_t *ip = buf + l3, *th = buf + l4;

	memset(buf, 0, l4 + 32);
	if (l3) {
		memset(buf, 0x02, 12);
		buf[12] = family == 4 ? 0x08 : 0x86;
		buf[13] = family == 4 ? 0x00 : 0xdd;
	}
	len = l4 + 32 + payload;
	if (family == 4) {
		ip[0] = 0x45;
		ip[2] = (uint8_t)((len - l3) >> 8);
		ip[3] = (uint8_t)(len - l3);
		ip[4] = 0x12; ip[5] = 0x34;
		ip[6] = 0x40;		/* DF */
		ip[8] = 64;
		ip[9] = 6;
		memcpy(ip + 12, "\x0a\x08\x00\x02\x0a\x08\x00\x01", 8);
	} else {
		ip[0] = 0x60;
		ip[4] = (uint8_t)((len - l4) >> 8);
		ip[5] = (uint8_t)(len - l4);
		ip[6] = 6;
		ip[7] = 64;
		ip[8] = 0xfd; ip[23] = 2;
		ip[24] = 0xfd; ip[39] = 1;
	}
	th[0] = 0x9c; th[1] = 0x40; th[2] = 0x14; th[3] = 0x51;
	th[4] = 0xff; th[5] = 0xff; th[6] = 0xfe; th[7] = 0x00; /* wraps */
	th[8] = 0; th[9] = 0; th[10] = 0x10; th[11] = 0x01;
	th[12] = 0x80;		/* 32-byte header: timestamps */
	th[13] = flags;
	th[14] = 0x01; th[15] = 0xf5;
	memcpy(th + 20, "\x01\x01\x08\x0a\x00\x00\x00\x07\x00\x00\x00\x09",
	       12);
	for (size_t i = 0; i < payload; i++)
		buf[l4 + 32 + i] = (uint8_t)(i * 7 + i / 251);
	memset(vh, 0, sizeof(*vh));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = family == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
				   : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = MSS;
	vh->hdr_len = (uint16_t)(l4 + 32);
	vh->csum_start = (uint16_t)l4;
	vh->csum_offset = 16;
	return len;
}

static uint32_t seq_of(const uint8_t *th)
{
	return (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 |
	       (uint32_t)th[6] << 8 | th[7];
}

/* Cut, check every segment, merge back, compare with the original. */
static void split_and_merge(int family, size_t l3, size_t payload)
{
	static uint8_t super[70000], seg[OFFLOAD_MAX_SEGS][2048], merged[70000];
	size_t len, iph = family == 4 ? 20 : 40, hdrs = l3 + iph + 32;
	struct virtio_net_hdr vh, out;
	struct gso_split s;
	struct gro g = { .buf = merged };
	size_t seglen[OFFLOAD_MAX_SEGS];
	unsigned int want = (unsigned int)((payload + MSS - 1) / MSS);

	len = make_super(super, family, l3, payload, 0x18 /* PSH ACK */, &vh);
	assert_int_equal(gso_split_init(&s, &vh, super, len, l3 != 0), 0);
	assert_int_equal(s.segs, want);
	assert_int_equal(s.hdrs, hdrs);
	for (unsigned int i = 0; i < s.segs; i++) {
		uint8_t *p = seg[i], *th = p + l3 + iph;
		size_t pl = i + 1 < want ? MSS : payload - (want - 1) * MSS;

		seglen[i] = gso_split_seg(&s, i, p);
		assert_int_equal(seglen[i], hdrs + pl);
		assert_int_equal(gso_split_len(&s, i), seglen[i]);
		assert_true(l4_valid(p, seglen[i], l3, family));
		if (family == 4) {
			assert_true(ip4_hdr_valid(p + l3));
			assert_int_equal(p[l3 + 2] << 8 | p[l3 + 3],
					 seglen[i] - l3);
			assert_int_equal(p[l3 + 4] << 8 | p[l3 + 5],
					 0x1234 + i);
		} else {
			assert_int_equal(p[l3 + 4] << 8 | p[l3 + 5],
					 seglen[i] - l3 - 40);
		}
		assert_int_equal(seq_of(th), (uint32_t)(0xfffffe00u + i * MSS));
		/* PSH only on the last. */
		assert_int_equal(th[13], i + 1 < want ? 0x10 : 0x18);
		assert_memory_equal(p + hdrs, super + hdrs + i * MSS, pl);
	}
	for (unsigned int i = 0; i < s.segs; i++)
		assert_int_equal(gro_add(&g, seg[i], seglen[i], l3 != 0),
				 GRO_MERGED);
	assert_int_equal(g.segs, want);
	assert_int_equal(gro_finish(&g, &out), len);
	if (want > 1) {
		assert_int_equal(out.gso_type, vh.gso_type);
		assert_int_equal(out.gso_size, MSS);
		assert_int_equal(out.csum_start, l3 + iph);
		assert_int_equal(out.csum_offset, 16);
		assert_int_equal(out.hdr_len, hdrs);
		assert_int_equal(out.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	} else {
		assert_int_equal(out.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		assert_int_equal(out.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	}
	/* The same packet as was cut, but for the checksums and IPv4 id. */
	assert_memory_equal(merged + hdrs, super + hdrs, payload);
	assert_memory_equal(merged, super, l3 + (family == 4 ? 4 : iph));
	assert_memory_equal(merged + l3 + iph, super + l3 + iph, 16);
	if (family == 4)
		assert_true(ip4_hdr_valid(merged + l3));
	/* A finished partial checksum makes the merged packet valid. */
	if (want > 1) {
		assert_int_equal(offload_csum_complete(merged, len, &out), 0);
		assert_true(l4_valid(merged, len, l3, family));
	}
}

static void test_split_merge_ipv4(void **state)
{
	(void)state;
	split_and_merge(4, 0, 5 * MSS);		/* even */
	split_and_merge(4, 0, 5 * MSS + 123);	/* a short last one */
	split_and_merge(4, 0, 64000);
	split_and_merge(4, 0, 1);
}

static void test_split_merge_ipv6(void **state)
{
	(void)state;
	split_and_merge(6, 0, 7 * MSS + 1);
	split_and_merge(6, 0, 60000);
}

static void test_split_merge_tap(void **state)
{
	(void)state;
	split_and_merge(4, 14, 3 * MSS + 5);
	split_and_merge(6, 14, 2 * MSS);
}

/* FIN only on the last segment, CWR only on the first. */
static void test_split_flags(void **state)
{
	static uint8_t super[8000], seg[2048];
	struct virtio_net_hdr vh;
	struct gso_split s;
	size_t len = make_super(super, 4, 0, 3 * MSS, 0x80 | 0x10 | 0x01, &vh);

	(void)state;
	vh.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
	assert_int_equal(gso_split_init(&s, &vh, super, len, false), 0);
	gso_split_seg(&s, 0, seg);
	assert_int_equal(seg[20 + 13], 0x90);
	gso_split_seg(&s, 1, seg);
	assert_int_equal(seg[20 + 13], 0x10);
	gso_split_seg(&s, 2, seg);
	assert_int_equal(seg[20 + 13], 0x11);
}

/* Finishing a partial UDP checksum gives the full one. */
static void test_csum_complete(void **state)
{
	uint8_t p[20 + 8 + 37] = { 0x45, 0, 0, sizeof(p), 0, 0, 0x40, 0, 64,
				   17, 0, 0, 10, 8, 0, 2, 10, 8, 0, 1,
				   0x30, 0x39, 0x00, 0x07, 0, 8 + 37 };
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.csum_start = 20, .csum_offset = 6,
	};
	uint16_t full, pseudo;
	unsigned long s = 17 + 45 + 0x0a08 + 0x0002 + 0x0a08 + 0x0001;

	(void)state;
	for (size_t i = 28; i < sizeof(p); i++)
		p[i] = (uint8_t)(i * 13);
	full = offload_l4_csum(p, sizeof(p), 0, 20, 4, 17);
	/* What the kernel leaves: the pseudo-header's folded sum. */
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	pseudo = (uint16_t)s;
	p[26] = (uint8_t)(pseudo >> 8);
	p[27] = (uint8_t)pseudo;
	assert_int_equal(offload_csum_complete(p, sizeof(p), &vh), 0);
	assert_int_equal(p[26] << 8 | p[27], full);
	assert_true(l4_valid(p, sizeof(p), 0, 4));
	vh.csum_start = sizeof(p) - 1;
	assert_int_equal(offload_csum_complete(p, sizeof(p), &vh), -EINVAL);
}

/* What gro keeps apart: other flows, gaps, SYN, UDP, after a short one. */
static void test_gro_rules(void **state)
{
	static uint8_t super[8000], a[2048], b[2048], buf[70000];
	struct virtio_net_hdr vh;
	struct gso_split s;
	struct gro g = { .buf = buf };
	size_t len = make_super(super, 4, 0, 4 * MSS, 0x10, &vh), la, lb;

	(void)state;
	assert_int_equal(gso_split_init(&s, &vh, super, len, false), 0);
	la = gso_split_seg(&s, 0, a);
	lb = gso_split_seg(&s, 2, b);		/* a gap: seg 1 missing */
	assert_int_equal(gro_add(&g, a, la, false), GRO_MERGED);
	assert_int_equal(gro_add(&g, b, lb, false), GRO_FLUSH_FIRST);
	gro_reset(&g);

	lb = gso_split_seg(&s, 1, b);
	b[20 + 1] ^= 1;				/* another source port */
	assert_int_equal(gro_add(&g, a, la, false), GRO_MERGED);
	assert_int_equal(gro_add(&g, b, lb, false), GRO_FLUSH_FIRST);
	gro_reset(&g);

	lb = gso_split_seg(&s, 1, b);
	b[20 + 13] = 0x12;			/* SYN ACK */
	assert_int_equal(gro_add(&g, b, lb, false), GRO_ALONE);
	b[9] = 17;				/* UDP */
	b[20 + 13] = 0x10;
	assert_int_equal(gro_add(&g, b, lb, false), GRO_ALONE);
	assert_int_equal(gro_add(&g, a, 40 + 12, false), GRO_ALONE);

	/* A shorter segment closes the batch. */
	len = make_super(super, 4, 0, MSS + 10, 0x10, &vh);
	assert_int_equal(gso_split_init(&s, &vh, super, len, false), 0);
	la = gso_split_seg(&s, 0, a);
	lb = gso_split_seg(&s, 1, b);
	gro_reset(&g);
	assert_int_equal(gro_add(&g, a, la, false), GRO_MERGED);
	assert_int_equal(gro_add(&g, b, lb, false), GRO_MERGED);
	assert_true(g.closed);
	assert_int_equal(gro_add(&g, a, la, false), GRO_FLUSH_FIRST);
}

/* Malformed headers are refused; random ones never read out of bounds
 * (run under ASan in the asan tier). */
static void test_split_garbage(void **state)
{
	static uint8_t super[8000], out[70000];
	struct virtio_net_hdr vh;
	struct gso_split s;
	struct gro g = { .buf = out };
	size_t len = make_super(super, 4, 0, 3 * MSS, 0x10, &vh);

	(void)state;
	vh.gso_size = 0;
	assert_int_equal(gso_split_init(&s, &vh, super, len, false), -EINVAL);
	vh.gso_size = MSS;
	vh.csum_start = 10;
	assert_int_equal(gso_split_init(&s, &vh, super, len, false), -EINVAL);
	vh.csum_start = 20;
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	assert_int_equal(gso_split_init(&s, &vh, super, len, false), -EINVAL);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 8;			/* too many segments */
	assert_int_equal(gso_split_init(&s, &vh, super, len, false), -EINVAL);

	srand(7);
	for (int n = 0; n < 20000; n++) {
		size_t l = (size_t)rand() % 200;
		uint8_t *p = malloc(l ? l : 1);

		for (size_t i = 0; i < l; i++)
			p[i] = (uint8_t)rand();
		if (l > 0 && n % 2)
			p[0] = n % 4 == 1 ? 0x45 : 0x60;
		vh.gso_type = (uint8_t)(n % 3 ? VIRTIO_NET_HDR_GSO_TCPV4 :
					VIRTIO_NET_HDR_GSO_TCPV6);
		vh.gso_size = (uint16_t)(1 + rand() % 100);
		vh.csum_start = (uint16_t)(rand() % 80);
		vh.csum_offset = (uint16_t)(rand() % 40);
		if (gso_split_init(&s, &vh, p, l, n % 5 == 0) == 0)
			for (unsigned int i = 0; i < s.segs; i++)
				assert_true(gso_split_seg(&s, i, out) <= l);
		if (l)
			offload_csum_complete(p, l, &vh);
		gro_reset(&g);
		gro_add(&g, p, l, n % 5 == 0);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_merge_ipv4),
		cmocka_unit_test(test_split_merge_ipv6),
		cmocka_unit_test(test_split_merge_tap),
		cmocka_unit_test(test_split_flags),
		cmocka_unit_test(test_csum_complete),
		cmocka_unit_test(test_gro_rules),
		cmocka_unit_test(test_split_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
