/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The server's peer table: many clients on one tun/tap device and one UDP
 * socket.  A datagram from the wire finds its peer by the peer-id in its
 * header (link -> client); a packet read from the tun finds its peer by
 * its destination: the tunnel address in TUN mode, the MAC address in TAP
 * mode, learned from what each client sent (tun -> client).  A packet whose
 * inner source does not belong to the client that sent it is refused.
 */
#ifndef TUNLAB_PEERS_H
#define TUNLAB_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PEERS_MAX	256	/* peer-ids 0..PEERS_MAX-1 */
#define PEER_NAME_MAX	64
#define ADDR_MAP_SLOTS	1024	/* power of two, > 2 * (addresses + MACs) */

struct peer {
	uint32_t id;			/* the peer-id in its data packets */
	bool used;
	char name[PEER_NAME_MAX];	/* the client certificate's name */
	uint8_t addr4[4];		/* tunnel addresses assigned to it */
	uint8_t addr6[16];
	bool has4, has6;
	struct sockaddr_storage remote;	/* where its datagrams come from */
	socklen_t remote_len;
	void *crypto;			/* the data channel's keys, owned elsewhere */
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
};

/* One key (address or MAC, 16 bytes) -> peer-id, open addressing. */
struct addr_slot {
	uint8_t key[17];		/* key[0]: kind; 0 = empty slot */
	uint8_t deleted;		/* a tombstone keeps probe chains whole */
	uint16_t peer;
};

struct peer_table {
	struct peer peers[PEERS_MAX];
	struct addr_slot map[ADDR_MAP_SLOTS];
	unsigned int nmacs;		/* learned MACs, bounded */
};

/* Why a packet was refused (the daemon counts drops by reason). */
enum peer_verdict {
	PEER_OK = 0,
	PEER_NO_ROUTE,		/* no client has that destination */
	PEER_SPOOFED,		/* the inner source is not the sender's */
	PEER_MALFORMED,		/* too short to read the addresses */
};

const char *peer_verdict_name(enum peer_verdict v);

void peers_init(struct peer_table *t);

/* Add client name as peer-id id (the control channel's address pool binds
 * names to ids and addresses), with its tunnel addresses (either may be
 * NULL).  NULL if id is 0, out of range or taken. */
struct peer *peers_add(struct peer_table *t, uint32_t id, const char *name,
		       const uint8_t addr4[4], const uint8_t addr6[16]);

/* Forget a client, its addresses and learned MACs. */
void peers_remove(struct peer_table *t, struct peer *p);

/* The client with this peer-id, or NULL (range-checked: it comes from the
 * network). */
struct peer *peers_by_id(struct peer_table *t, uint32_t id);

/* The client named name (a certificate's), or NULL. */
struct peer *peers_by_name(struct peer_table *t, const char *name);

/* Where a packet read from the tun goes.  TUN: by destination IP.  TAP: by
 * destination MAC; *flood is set for broadcast, multicast and unknown
 * unicast frames, which go to every client.  Returns PEER_OK with *to set
 * (NULL when flooding), or why not. */
enum peer_verdict peers_route(struct peer_table *t, const uint8_t *pkt,
			      size_t len, bool tap, struct peer **to,
			      bool *flood);

/* Whether a decrypted packet from p may enter the tun: its inner source IP
 * must be p's tunnel address (TUN and TAP), and in TAP mode its source MAC
 * must not belong to another client; a new MAC is learned for p. */
enum peer_verdict peers_check_source(struct peer_table *t, struct peer *p,
				     const uint8_t *pkt, size_t len, bool tap);

#endif
