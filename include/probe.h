/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Probe events: what tunnel daemons (steps 4, 5, 5', 4') and lab apps
 * (steps 1, 1') tell the tracer, in AF_UNIX datagrams sent without
 * blocking to the lab's probe socket, a pathname socket in the lab's run
 * directory (an abstract name would not cross namespaces).
 *
 * A record is struct tl_probe followed by caplen bytes; a datagram holds
 * one record (the apps) or several back to back (the daemons batch a round
 * of packets).  All fields are in host byte order: sender and receiver run
 * on the same machine.
 */
#ifndef TUNLAB_PROBE_H
#define TUNLAB_PROBE_H

#include <stdint.h>

#include "event.h"

#define TL_PROBE_MAGIC		0x424c5054u	/* "TPLB" in memory */
#define TL_PROBE_VERSION	2
#define TL_PROBE_SNAP		256	/* bytes a probe carries at most */
#define TL_PROBE_SOCK_NAME	"probe.sock"	/* in the lab's run dir */
#define TL_PROBE_ENV		"TUNLAB_PROBE"	/* path, for apps and daemons */

/* What the event says happened (the step says where). */
enum tl_probe_kind {
	TL_PROBE_SEND = 0,	/* app: data handed to a socket */
	TL_PROBE_RECV,		/* app: data read from a socket */
	TL_PROBE_TUN_READ,	/* daemon: read() on the tun returned a packet */
	TL_PROBE_ENCRYPT,	/* daemon: encrypted and sent on UDP */
	TL_PROBE_DECRYPT,	/* daemon: received, verified, decrypted */
	TL_PROBE_TUN_WRITE,	/* daemon: write() of a packet to the tun */
	TL_PROBE_DROP,		/* daemon or app: dropped, reason in detail */
};

struct tl_probe {
	uint32_t magic;		/* TL_PROBE_MAGIC */
	uint16_t version;	/* TL_PROBE_VERSION */
	uint16_t hdr_len;	/* sizeof(struct tl_probe) of the sender */
	uint64_t ts_ns;		/* CLOCK_MONOTONIC */
	uint8_t step;		/* enum tl_step_id */
	uint8_t kind;		/* enum tl_probe_kind */
	uint8_t source;		/* TL_SRC_APP or TL_SRC_DAEMON */
	uint8_t link;		/* enum tl_link of the bytes */
	uint32_t pid;		/* sender */
	uint32_t len;		/* length of what was sent/read/written */
	uint32_t caplen;	/* bytes that follow this header */
	/* Correlation keys; zero where they do not apply. */
	uint64_t digest;	/* app: payload; daemon: the inner packet */
	uint32_t peer_id;	/* tunnel header fields (steps 5, 5') */
	uint32_t packet_id;
	uint8_t key_id;
	uint8_t pad;
	/* The tunnel's fast mode (tunnel --offload) reads and writes GSO
	 * super-packets: one 64 KB TCP packet at step 4 that the daemon cuts
	 * into MTU-sized segments before step 5, and segments that it merges
	 * after step 5' into one super-packet for step 4'.  A super-packet's
	 * own event (step 4 or 4') has TL_EVENT_F_GSO in flags and the number
	 * of segments in segs; a segment's event (step 5 or 5') names the
	 * super-packet's digest in parent.  Zero everywhere else. */
	uint16_t flags;		/* TL_EVENT_F_GSO */
	uint16_t segs;		/* segments of a super-packet */
	uint16_t pad2;
	uint64_t parent;	/* digest of the super-packet, or 0 */
	char host[TL_HOST_MAX];
	char dev[TL_DEV_MAX];	/* tun device, or the app's name */
	char detail[TL_DETAIL_MAX];
};

#endif
