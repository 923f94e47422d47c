// SPDX-License-Identifier: GPL-2.0-only
/* Packet digests: equal for the same packet, blind to what routers change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "digest.h"

static uint8_t v4[60] = {
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0xab, 0xcd,
	10, 8, 0, 2, 10, 8, 0, 1,
	0x9c, 0x40, 0x00, 0x07, 0x00, 0x28, 0x00, 0x00,	/* UDP 40000 -> 7 */
	'h', 'e', 'l', 'l', 'o',
};

static uint8_t v6[48] = {
	0x60, 0x01, 0x23, 0x45, 0x00, 0x08, 0x11, 0x40,
	0xfd, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0xfd, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0x9c, 0x40, 0x00, 0x07, 0x00, 0x08, 0x00, 0x00,
};

static void test_ip_digest_ignores_ttl_and_checksum(void **state)
{
	uint8_t copy[sizeof(v4)];
	uint64_t d = tl_digest_ip(v4, sizeof(v4));

	(void)state;
	assert_true(d != 0);
	memcpy(copy, v4, sizeof(v4));
	copy[8] = 63;			/* a router decremented the TTL */
	copy[10] = 0x12;		/* and fixed the checksum */
	assert_true(tl_digest_ip(copy, sizeof(copy)) == d);
	copy[13] = 3;			/* another source: another packet */
	assert_true(tl_digest_ip(copy, sizeof(copy)) != d);
	memcpy(copy, v4, sizeof(v4));
	copy[5] = 0x35;			/* another IP id */
	assert_true(tl_digest_ip(copy, sizeof(copy)) != d);
	memcpy(copy, v4, sizeof(v4));
	copy[30] = 'j';			/* another payload */
	assert_true(tl_digest_ip(copy, sizeof(copy)) != d);
}

/* A UDP or TCP checksum partial at the tun (offload) and finished later
 * is the same packet; in a later fragment those bytes are data. */
static void test_ip_digest_ignores_l4_checksum(void **state)
{
	uint8_t copy[sizeof(v4)], c6[sizeof(v6)];
	uint64_t d = tl_digest_ip(v4, sizeof(v4)), d6;

	(void)state;
	memcpy(copy, v4, sizeof(v4));
	copy[26] = 0x5a;		/* UDP checksum */
	copy[27] = 0xa5;
	assert_true(tl_digest_ip(copy, sizeof(copy)) == d);
	copy[28] = 'j';			/* the data still counts */
	assert_true(tl_digest_ip(copy, sizeof(copy)) != d);

	memcpy(copy, v4, sizeof(v4));
	copy[9] = 6;			/* TCP: its checksum is at 16 */
	d = tl_digest_ip(copy, sizeof(copy));
	copy[20 + 16] = 0x77;
	assert_true(tl_digest_ip(copy, sizeof(copy)) == d);
	copy[20 + 6] = 0x77;		/* not a checksum in TCP */
	assert_true(tl_digest_ip(copy, sizeof(copy)) != d);

	memcpy(copy, v4, sizeof(v4));
	copy[7] = 0x10;			/* a later fragment */
	d = tl_digest_ip(copy, sizeof(copy));
	copy[26] = 0x5a;
	assert_true(tl_digest_ip(copy, sizeof(copy)) != d);

	memcpy(c6, v6, sizeof(v6));
	d6 = tl_digest_ip(c6, sizeof(c6));
	c6[40 + 6] = 0x12;		/* IPv6 UDP checksum */
	assert_true(tl_digest_ip(c6, sizeof(c6)) == d6);
}

/* A capture cut after the span still gives the same digest. */
static void test_ip_digest_needs_only_the_span(void **state)
{
	uint8_t big[20 + 400];
	uint64_t full;

	(void)state;
	memset(big, 0x5a, sizeof(big));
	memcpy(big, v4, 20);
	big[2] = sizeof(big) >> 8;
	big[3] = sizeof(big) & 0xff;
	full = tl_digest_ip(big, sizeof(big));
	assert_true(tl_digest_ip(big, 20 + TL_DIGEST_SPAN) == full);
	/* Bytes past the span do not count... */
	big[20 + TL_DIGEST_SPAN + 5] ^= 1;
	assert_true(tl_digest_ip(big, sizeof(big)) == full);
	/* ...bytes inside do. */
	big[20 + TL_DIGEST_SPAN - 1] ^= 1;
	assert_true(tl_digest_ip(big, sizeof(big)) != full);
}

static void test_ipv6_and_bad_input(void **state)
{
	uint8_t copy[sizeof(v6)];
	uint64_t d = tl_digest_ip(v6, sizeof(v6));

	(void)state;
	assert_true(d != 0);
	memcpy(copy, v6, sizeof(v6));
	copy[7] = 1;			/* hop limit */
	assert_true(tl_digest_ip(copy, sizeof(copy)) == d);
	copy[3] = 0x46;			/* flow label */
	assert_true(tl_digest_ip(copy, sizeof(copy)) != d);
	assert_true(tl_digest_ip(v6, 39) == 0);
	assert_true(tl_digest_ip(v4, 19) == 0);
	assert_true(tl_digest_ip(v4, 0) == 0);
	copy[0] = 0x50;			/* version 5 */
	assert_true(tl_digest_ip(copy, sizeof(copy)) == 0);
	memcpy(copy, v4, 20);
	copy[0] = 0x44;			/* IHL 4: not a header */
	assert_true(tl_digest_ip(copy, 20) == 0);
}

/* The app's payload digest is what the tracer computes from the packet. */
static void test_payload_digest(void **state)
{
	(void)state;
	assert_true(tl_digest_payload("hello", 5) ==
		    tl_digest_payload(v4 + 28, 5));
	assert_true(tl_digest_payload("hello", 5) !=
		    tl_digest_payload("hello", 4));
	assert_true(tl_digest_payload("", 0) != 0);
}

/* A frame is digested by its IP packet, or whole when it holds none. */
static void test_frame_digest(void **state)
{
	uint8_t f[14 + sizeof(v4)], tagged[18 + sizeof(v4)];
	uint8_t arp[42] = { 0 };

	(void)state;
	memset(f, 0, 14);
	f[12] = 0x08;
	memcpy(f + 14, v4, sizeof(v4));
	assert_true(tl_digest_frame(f, sizeof(f), sizeof(f), true) ==
		    tl_digest_ip(v4, sizeof(v4)));
	assert_true(tl_digest_frame(v4, sizeof(v4), sizeof(v4), false) ==
		    tl_digest_ip(v4, sizeof(v4)));
	/* A VLAN tag in front changes nothing. */
	memset(tagged, 0, 18);
	tagged[12] = 0x81;
	tagged[16] = 0x08;
	memcpy(tagged + 18, v4, sizeof(v4));
	assert_true(tl_digest_frame(tagged, sizeof(tagged), sizeof(tagged),
				    true) == tl_digest_ip(v4, sizeof(v4)));
	arp[12] = 0x08;
	arp[13] = 0x06;
	assert_true(tl_digest_frame(arp, 42, 42, true) ==
		    tl_digest_payload(arp, 42));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_digest_ignores_ttl_and_checksum),
		cmocka_unit_test(test_ip_digest_ignores_l4_checksum),
		cmocka_unit_test(test_ip_digest_needs_only_the_span),
		cmocka_unit_test(test_ipv6_and_bad_input),
		cmocka_unit_test(test_payload_digest),
		cmocka_unit_test(test_frame_digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
