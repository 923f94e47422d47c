/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event record: one observation of one packet at one step on one host.
 * Every source (pcap, kernel tracepoints, daemon and app probes) produces
 * these; the correlator numbers them, trace files store them, the UI and
 * exporters read them back.
 */
#ifndef TUNLAB_EVENT_H
#define TUNLAB_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "steps.h"

#define TL_HOST_MAX	16	/* "mobile", "office", "mobile3", "internet" */
#define TL_DEV_MAX	16	/* a kernel device name: IFNAMSIZ */
#define TL_DETAIL_MAX	160	/* "fib_table_lookup ==> dev tl3fa2m-tun" */
#define TL_SNAP_MAX	65535	/* captured bytes are bounded by this */

/* Who made the observation. */
enum tl_source {
	TL_SRC_APP = 0,		/* a lab app's own probe (step 1, 1') */
	TL_SRC_KERNEL,		/* a kernel tracepoint via tracefs */
	TL_SRC_PCAP,		/* libpcap on a tun/tap or wire device */
	TL_SRC_DAEMON,		/* the tunnel daemon's probe (4, 5, 5', 4') */
	TL_SRC_COUNT,
};

/* How the correlator tied the event to its packet number. */
enum tl_basis {
	TL_BASIS_NONE = 0,	/* not tied (pkt is 0) or the packet's first */
	TL_BASIS_CONTENT,	/* digest of the inner packet */
	TL_BASIS_TUNNEL_KEY,	/* (sender, peer-id, key-id, packet-id) */
	TL_BASIS_SKB,		/* same skb address within its life */
	TL_BASIS_HEURISTIC,	/* device, order and length */
	TL_BASIS_SEQ_RANGE,	/* TCP sequence range: a segment of a write or
				 * of a GSO super-packet (tracer/segjoin.h) */
	TL_BASIS_PARENT,	/* the daemon named the super-packet a segment
				 * was cut from or merged into (probe parent) */
	TL_BASIS_COUNT,
};

/* How the captured bytes start, so a dissector knows where to begin. */
enum tl_link {
	TL_LINK_NONE = 0,	/* no packet bytes */
	TL_LINK_ETH,		/* Ethernet frame (tap, wire) */
	TL_LINK_IP,		/* raw IPv4/IPv6 packet (tun) */
	TL_LINK_TUNNEL,		/* UDP payload: tunnel header + ciphertext */
	TL_LINK_COUNT,
};

#define TL_EVENT_F_TRUNCATED	0x0001	/* caplen < len */
#define TL_EVENT_F_DROP		0x0002	/* the packet ended here */
#define TL_EVENT_F_CACHED_ROUTE	0x0004	/* route from connect(), not per packet */
#define TL_EVENT_F_REQUERIED	0x0008	/* route re-queried, not observed */
#define TL_EVENT_F_GSO		0x0010	/* a super-packet: several on the wire */

struct tl_event {
	uint64_t ts_ns;		/* CLOCK_MONOTONIC, nanoseconds */
	uint64_t pkt;		/* correlated packet number, 0 = none */
	uint32_t len;		/* length of the packet as it was */
	uint32_t caplen;	/* bytes at data (<= len, <= TL_SNAP_MAX) */
	const uint8_t *data;	/* captured bytes, owned by the producer */
	uint16_t flags;		/* TL_EVENT_F_* */
	uint8_t step;		/* enum tl_step_id */
	uint8_t source;		/* enum tl_source */
	uint8_t basis;		/* enum tl_basis */
	uint8_t link;		/* enum tl_link of data */
	char host[TL_HOST_MAX];	/* lab host: "mobile" */
	char dev[TL_DEV_MAX];	/* device, or the probe point's name */
	char detail[TL_DETAIL_MAX];	/* short key values, may be empty */
	/* One-to-many: the packet this one is a segment of, on this host
	 * (the app's write it carries bytes of, a GSO super-packet it was cut
	 * from or merged into), and how that was tied (group_basis, enum
	 * tl_basis: seq-range or parent).  The group's own observations carry
	 * TL_EVENT_F_GSO when it is a super-packet.  0: none. */
	uint64_t group;
	uint8_t group_basis;
};

const char *tl_source_name(enum tl_source src);
const char *tl_basis_name(enum tl_basis basis);
const char *tl_link_name(enum tl_link link);

/* The reason alone of a drop event's detail, into out[n] ("" if none):
 * "drop: bad tag from 192.0.2.2:41000" gives "bad tag", "kfree_skb reason
 * NO_SOCKET skb 0x..." gives "NO_SOCKET". */
void tl_drop_reason(const char *detail, char *out, size_t n);

#endif
