/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Joining kernel events to packets.  A tracepoint carries no packet bytes,
 * so it cannot be tied by content: a device event (queue, transmit,
 * receive) joins the pcap frame seen on the same device, in the same
 * direction, with the same length, within a few milliseconds ("heuristic");
 * later events of the same skb join through its address while it lives
 * ("skb"); a route lookup joins the next frame to the same destination on
 * the device it chose; an app's syscall joins the app's own probe event
 * (same pid, same moment) or, for other programs, the next frame of its
 * host.  What joins nothing stays "not tied" (packet 0): never invented.
 */
#ifndef TUNLAB_KJOIN_H
#define TUNLAB_KJOIN_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

enum kjoin_kind {
	KJ_NONE = 0,
	KJ_DEV,			/* queue/xmit/receive: by device, length */
	KJ_FIB,			/* a route lookup: by device and destination */
	KJ_APP_SEND,		/* an app's send syscall */
	KJ_APP_RECV,		/* an app's receive syscall */
	KJ_FREE,		/* consume_skb / kfree_skb: by skb only */
};

/* What a kernel observation can be joined by. */
struct kjoin_key {
	enum kjoin_kind kind;
	uint64_t skb;
	uint32_t len;		/* skb->len as the tracepoint saw it */
	uint8_t dst[16];	/* KJ_FIB: destination (4 or 16 bytes) */
	uint8_t family;		/* 4 or 6 */
	int32_t pid;		/* KJ_APP_*: the task */
	bool last;		/* the skb leaves the kernel here (to a tun's
				 * reader): its life ends with this event */
};

/* What a tied observation offers later kernel events. */
struct kjoin_frame {
	const struct tl_event *ev;	/* with its packet number */
	uint32_t klen;			/* the length a tracepoint would show */
	uint8_t dst[16];		/* the frame's IP destination */
	uint8_t family;
	int32_t pid;			/* app probes: the sender */
};

/* Hands on a kernel event; it must not call back into kjoin. */
typedef void (*kjoin_emit_fn)(void *ctx, struct tl_event *ev);

struct kjoin;

struct kjoin *kjoin_new(kjoin_emit_fn emit, void *ctx);
void kjoin_free(struct kjoin *j);

/* A tied observation (pcap frame or probe) just handed on: remember it, and
 * emit the kernel events waiting for it. */
void kjoin_frame(struct kjoin *j, const struct kjoin_frame *f);

/* A kernel observation (ev->step set, ev->pkt 0): emitted now if it joins,
 * else held until a frame comes or it expires.  ev->data must be NULL. */
void kjoin_kernel(struct kjoin *j, const struct tl_event *ev,
		  const struct kjoin_key *k);

/* Emit, untied, what waited since before upto_ns. */
void kjoin_expire(struct kjoin *j, uint64_t upto_ns);

/* How many kernel observations joined, and how many stayed untied. */
void kjoin_counts(const struct kjoin *j, uint64_t *joined, uint64_t *untied);

#endif
