// SPDX-License-Identifier: GPL-2.0-only
/* The peer table: link -> client by peer-id, tun -> client by address or
 * MAC, and the anti-spoofing check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "peers.h"

static const uint8_t a2[4] = { 10, 8, 0, 2 }, a3[4] = { 10, 8, 0, 3 };
static const uint8_t srv[4] = { 10, 8, 0, 1 };

/* An IPv4 packet src -> dst (20-byte header and 8 bytes of UDP). */
static size_t ip4(uint8_t *p, const uint8_t src[4], const uint8_t dst[4])
{
	memset(p, 0, 28);
	p[0] = 0x45;
	p[3] = 28;
	p[9] = 17;
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	return 28;
}

/* An Ethernet frame dst <- src carrying an IPv4 packet. */
static size_t eth_ip4(uint8_t *p, const uint8_t dmac[6], const uint8_t smac[6],
		      const uint8_t src[4], const uint8_t dst[4])
{
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	return 14 + ip4(p + 14, src, dst);
}

static struct peer_table *new_table(void)
{
	struct peer_table *t = malloc(sizeof(*t));

	assert_non_null(t);
	peers_init(t);
	return t;
}

static void test_ids_and_names(void **state)
{
	struct peer_table *t = new_table();
	struct peer *p, *q;

	(void)state;
	p = peers_add(t, 1, "client1", a2, NULL);
	q = peers_add(t, 2, "client2", a3, NULL);
	assert_non_null(p);
	assert_non_null(q);
	assert_int_equal(p->id, 1);
	assert_int_equal(q->id, 2);
	assert_null(peers_add(t, 0, "zero", a3, NULL));	/* never a peer */
	assert_null(peers_add(t, 2, "taken", a3, NULL));
	assert_null(peers_add(t, PEERS_MAX, "beyond", a3, NULL));
	assert_ptr_equal(peers_by_id(t, 2), q);
	assert_null(peers_by_id(t, 0));
	assert_null(peers_by_id(t, 3));
	assert_null(peers_by_id(t, 0xffffff));	/* from the network: bounded */
	assert_ptr_equal(peers_by_name(t, "client1"), p);
	assert_null(peers_by_name(t, "client9"));
	peers_remove(t, p);
	assert_null(peers_by_id(t, 1));
	/* The freed id can be used again. */
	assert_non_null(peers_add(t, 1, "client3", a2, NULL));
	free(t);
}

static void test_table_full(void **state)
{
	struct peer_table *t = new_table();
	uint8_t a[4] = { 10, 9, 0, 0 };

	(void)state;
	for (int i = 1; i < PEERS_MAX; i++) {
		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		assert_non_null(peers_add(t, (uint32_t)i, "c", a, NULL));
	}
	/* Every address still finds its peer in a full table. */
	for (int i = 1; i < PEERS_MAX; i++) {
		uint8_t pkt[28];
		struct peer *to;
		bool flood;

		a[2] = (uint8_t)(i >> 8);
		a[3] = (uint8_t)i;
		ip4(pkt, srv, a);
		assert_int_equal(peers_route(t, pkt, 28, false, &to, &flood),
				 PEER_OK);
		assert_int_equal(to->id, i);
	}
	free(t);
}

static void test_tun_route_by_destination(void **state)
{
	struct peer_table *t = new_table();
	uint8_t pkt[64], v6[16] = { 0xfd, 0, 0, 8 }, other6[16] = { 0xfd };
	struct peer *p, *q, *to;
	bool flood;

	(void)state;
	v6[15] = 2;
	p = peers_add(t, 1, "client1", a2, v6);
	q = peers_add(t, 2, "client2", a3, NULL);
	ip4(pkt, srv, a3);
	assert_int_equal(peers_route(t, pkt, 28, false, &to, &flood), PEER_OK);
	assert_ptr_equal(to, q);
	assert_false(flood);
	ip4(pkt, srv, (const uint8_t[]){ 10, 8, 0, 77 });
	assert_int_equal(peers_route(t, pkt, 28, false, &to, &flood),
			 PEER_NO_ROUTE);
	assert_null(to);
	/* IPv6. */
	memset(pkt, 0, 40);
	pkt[0] = 0x60;
	memcpy(pkt + 24, v6, 16);
	assert_int_equal(peers_route(t, pkt, 40, false, &to, &flood), PEER_OK);
	assert_ptr_equal(to, p);
	memcpy(pkt + 24, other6, 16);
	assert_int_equal(peers_route(t, pkt, 40, false, &to, &flood),
			 PEER_NO_ROUTE);
	/* Too short to hold the address: never read past. */
	assert_int_equal(peers_route(t, pkt, 39, false, &to, &flood),
			 PEER_MALFORMED);
	assert_int_equal(peers_route(t, pkt, 0, false, &to, &flood),
			 PEER_MALFORMED);
	/* A removed client's address no longer routes. */
	peers_remove(t, q);
	ip4(pkt, srv, a3);
	assert_int_equal(peers_route(t, pkt, 28, false, &to, &flood),
			 PEER_NO_ROUTE);
	free(t);
}

static void test_anti_spoofing_tun(void **state)
{
	struct peer_table *t = new_table();
	struct peer *p, *q;
	uint8_t pkt[64];

	(void)state;
	p = peers_add(t, 1, "client1", a2, NULL);
	q = peers_add(t, 2, "client2", a3, NULL);
	ip4(pkt, a2, srv);
	assert_int_equal(peers_check_source(t, p, pkt, 28, false), PEER_OK);
	/* client2 claiming client1's address. */
	assert_int_equal(peers_check_source(t, q, pkt, 28, false), PEER_SPOOFED);
	ip4(pkt, (const uint8_t[]){ 192, 0, 2, 9 }, srv);
	assert_int_equal(peers_check_source(t, p, pkt, 28, false), PEER_SPOOFED);
	assert_int_equal(peers_check_source(t, p, pkt, 19, false),
			 PEER_MALFORMED);
	free(t);
}

static void test_tap_learning_and_flooding(void **state)
{
	static const uint8_t m2[6] = { 2, 0, 0, 0, 0, 2 };
	static const uint8_t m3[6] = { 2, 0, 0, 0, 0, 3 };
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t msrv[6] = { 2, 0, 0, 0, 0, 1 };
	struct peer_table *t = new_table();
	struct peer *p, *q, *to;
	uint8_t f[64];
	bool flood;
	size_t n;

	(void)state;
	p = peers_add(t, 1, "client1", a2, NULL);
	q = peers_add(t, 2, "client2", a3, NULL);
	/* Before any frame from client1, its MAC is unknown: flood. */
	n = eth_ip4(f, m2, msrv, srv, a2);
	assert_int_equal(peers_route(t, f, n, true, &to, &flood), PEER_OK);
	assert_true(flood);
	assert_null(to);
	/* client1 sends: its MAC is learned. */
	n = eth_ip4(f, msrv, m2, a2, srv);
	assert_int_equal(peers_check_source(t, p, f, n, true), PEER_OK);
	n = eth_ip4(f, m2, msrv, srv, a2);
	assert_int_equal(peers_route(t, f, n, true, &to, &flood), PEER_OK);
	assert_false(flood);
	assert_ptr_equal(to, p);
	/* Broadcasts always flood. */
	n = eth_ip4(f, bcast, msrv, srv, a2);
	assert_int_equal(peers_route(t, f, n, true, &to, &flood), PEER_OK);
	assert_true(flood);
	/* client2 using client1's MAC, or client1's IP with its own MAC. */
	n = eth_ip4(f, msrv, m2, a3, srv);
	assert_int_equal(peers_check_source(t, q, f, n, true), PEER_SPOOFED);
	n = eth_ip4(f, msrv, m3, a2, srv);
	assert_int_equal(peers_check_source(t, q, f, n, true), PEER_SPOOFED);
	/* A group MAC as source is refused. */
	n = eth_ip4(f, msrv, bcast, a2, srv);
	assert_int_equal(peers_check_source(t, p, f, n, true), PEER_SPOOFED);
	/* ARP: the sender address must be the client's own. */
	memset(f, 0, sizeof(f));
	memcpy(f, bcast, 6);
	memcpy(f + 6, m2, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14 + 14, a2, 4);
	assert_int_equal(peers_check_source(t, p, f, 42, true), PEER_OK);
	memcpy(f + 14 + 14, a3, 4);
	assert_int_equal(peers_check_source(t, p, f, 42, true), PEER_SPOOFED);
	assert_int_equal(peers_check_source(t, p, f, 41, true), PEER_MALFORMED);
	assert_int_equal(peers_check_source(t, p, f, 13, true), PEER_MALFORMED);
	/* Removing client1 forgets its MAC: frames to it flood again. */
	peers_remove(t, p);
	n = eth_ip4(f, m2, msrv, srv, a2);
	assert_int_equal(peers_route(t, f, n, true, &to, &flood), PEER_OK);
	assert_true(flood);
	free(t);
}

/* A client inventing MACs cannot fill the table. */
static void test_tap_mac_flood_is_bounded(void **state)
{
	static const uint8_t msrv[6] = { 2, 0, 0, 0, 0, 1 };
	struct peer_table *t = new_table();
	struct peer *p = peers_add(t, 1, "client1", a2, NULL);
	uint8_t f[64], mac[6] = { 2, 0, 0, 0, 0, 0 };
	int accepted = 0;

	(void)state;
	for (int i = 0; i < 4 * ADDR_MAP_SLOTS; i++) {
		mac[4] = (uint8_t)(i >> 8);
		mac[5] = (uint8_t)i;
		eth_ip4(f, msrv, mac, a2, srv);
		if (peers_check_source(t, p, f, 42, true) == PEER_OK)
			accepted++;
	}
	assert_true(accepted > 0);
	assert_true(accepted <= ADDR_MAP_SLOTS / 4);
	/* The real address still routes. */
	{
		struct peer *to;
		bool flood;

		ip4(f, srv, a2);
		assert_int_equal(peers_route(t, f, 28, false, &to, &flood),
				 PEER_OK);
		assert_ptr_equal(to, p);
	}
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_and_names),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_tun_route_by_destination),
		cmocka_unit_test(test_anti_spoofing_tun),
		cmocka_unit_test(test_tap_learning_and_flooding),
		cmocka_unit_test(test_tap_mac_flood_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
