// SPDX-License-Identifier: GPL-2.0-only
/* MSS clamping: the option lowered, the checksum still right. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mss.h"

/* Internet checksum of the TCP segment with the IPv4 pseudo-header. */
static uint16_t tcp4_sum(const uint8_t *ip, size_t len)
{
	size_t ihl = (size_t)(ip[0] & 15) * 4, tl = len - ihl;
	uint32_t s = 0;

	for (int i = 12; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	s += 6 + (uint32_t)tl;
	for (size_t i = 0; i < tl; i += 2)
		s += (uint32_t)(ip[ihl + i] << 8 |
				(i + 1 < tl ? ip[ihl + i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The same over an IPv6 packet (no extension headers). */
static uint16_t tcp6_sum(const uint8_t *ip, size_t len)
{
	size_t tl = len - 40;
	uint32_t s = 0;

	for (int i = 8; i < 40; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	s += 6 + (uint32_t)tl;
	for (size_t i = 0; i < tl; i += 2)
		s += (uint32_t)(ip[40 + i] << 8 |
				(i + 1 < tl ? ip[40 + i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A SYN from 10.8.0.2 with options MSS=mss, SACK-perm, NOP, WS. */
static size_t syn4(uint8_t *p, unsigned int mss, uint8_t flags)
{
	static const uint8_t hdr[] = {
		0x45, 0, 0, 48, 0, 1, 0x40, 0, 64, 6, 0, 0,
		10, 8, 0, 2, 10, 8, 0, 1,
		0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0,
		0x70, 0x02, 0xff, 0xff, 0, 0, 0, 0,
		2, 4, 0, 0, 4, 2, 1, 3, 3, 7, 0, 0,
	};
	uint16_t cs;

	memcpy(p, hdr, sizeof(hdr));
	p[20 + 20 + 2] = (uint8_t)(mss >> 8);
	p[20 + 20 + 3] = (uint8_t)mss;
	p[20 + 13] = flags;
	cs = tcp4_sum(p, 48);
	p[20 + 16] = (uint8_t)(cs >> 8);
	p[20 + 17] = (uint8_t)cs;
	return 48;
}

static unsigned int mss_of(const uint8_t *tcp_opts)
{
	return (unsigned int)(tcp_opts[2] << 8 | tcp_opts[3]);
}

static void test_clamps_ipv4_syn(void **state)
{
	uint8_t p[64];
	size_t n = syn4(p, 1460, 0x02);

	(void)state;
	assert_int_equal(tcp4_sum(p, n), 0);
	assert_true(mss_clamp(p, n, false, 1448));
	assert_int_equal(mss_of(p + 40), 1408);	/* 1448 - 20 - 20 */
	assert_int_equal(tcp4_sum(p, n), 0);	/* checksum still valid */
	/* Already small enough: untouched. */
	assert_false(mss_clamp(p, n, false, 1448));
	n = syn4(p, 536, 0x12);			/* SYN-ACK */
	assert_false(mss_clamp(p, n, false, 1448));
	assert_int_equal(mss_of(p + 40), 536);
}

static void test_only_syns_and_tcp(void **state)
{
	uint8_t p[64], copy[64];
	size_t n = syn4(p, 1460, 0x10);		/* ACK only */

	(void)state;
	memcpy(copy, p, n);
	assert_false(mss_clamp(p, n, false, 1448));
	assert_memory_equal(p, copy, n);
	n = syn4(p, 1460, 0x02);
	p[9] = 17;				/* UDP */
	assert_false(mss_clamp(p, n, false, 1448));
	n = syn4(p, 1460, 0x02);
	p[7] = 10;				/* a non-first fragment */
	assert_false(mss_clamp(p, n, false, 1448));
}

static void test_tap_and_ipv6(void **state)
{
	uint8_t f[128];
	uint8_t *ip6 = f + 14;

	(void)state;
	/* TAP: an Ethernet frame around the IPv4 SYN. */
	memset(f, 0, 14);
	f[12] = 0x08;
	syn4(f + 14, 1460, 0x02);
	assert_true(mss_clamp(f, 14 + 48, true, 1434));
	assert_int_equal(mss_of(f + 14 + 40), 1394);
	assert_int_equal(tcp4_sum(f + 14, 48), 0);
	/* IPv6: the header is 40 bytes, so 60 come off the MTU. */
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip6, 0, 40);
	ip6[0] = 0x60;
	ip6[5] = 28;
	ip6[6] = 6;
	ip6[8] = 0xfd;
	ip6[23] = 2;
	ip6[24] = 0xfd;
	ip6[39] = 1;
	memcpy(ip6 + 40, (const uint8_t[]){ 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0,
					    0x70, 0x02, 0xff, 0xff, 0, 0,
					    0, 0, 2, 4, 0x05, 0xa0, 1, 1, 1, 0 },
	       28);
	{
		uint16_t cs = tcp6_sum(ip6, 68);

		ip6[40 + 16] = (uint8_t)(cs >> 8);
		ip6[40 + 17] = (uint8_t)cs;
	}
	assert_int_equal(tcp6_sum(ip6, 68), 0);
	assert_true(mss_clamp(f, 14 + 68, true, 1434));
	assert_int_equal(mss_of(ip6 + 40 + 20), 1374);
	assert_int_equal(tcp6_sum(ip6, 68), 0);
}

/* Cut at every length, and broken option lists: never read past. */
static void test_malformed_left_alone(void **state)
{
	uint8_t p[64], copy[64];
	size_t n = syn4(p, 1460, 0x02);

	(void)state;
	for (size_t len = 0; len < n; len++) {
		syn4(p, 1460, 0x02);
		mss_clamp(p, len, false, 1448);
		mss_clamp(p, len, true, 1448);
	}
	syn4(p, 1460, 0x02);
	p[40 + 1] = 40;				/* MSS option runs past the header */
	memcpy(copy, p, n);
	assert_false(mss_clamp(p, n, false, 1448));
	assert_memory_equal(p, copy, n);
	syn4(p, 1460, 0x02);
	p[32] = 0xf0;				/* data offset 60 > 48 bytes */
	assert_false(mss_clamp(p, n, false, 1448));
	syn4(p, 1460, 0x02);
	p[40 + 1] = 0;				/* option length 0 */
	assert_false(mss_clamp(p, n, false, 1448));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clamps_ipv4_syn),
		cmocka_unit_test(test_only_syns_and_tcp),
		cmocka_unit_test(test_tap_and_ipv6),
		cmocka_unit_test(test_malformed_left_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
