/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One-to-many joins by TCP sequence range.  Two things are cut into
 * several packets on their way down:
 *   - an app's write of N bytes on a TCP socket: every segment carrying
 *     some of those bytes belongs to it, whatever their number (the write's
 *     first bytes, which the app's probe carries, find the segment that
 *     starts it; its sequence number then gives the write's range
 *     [seq, seq + N) on that flow);
 *   - a GSO super-packet: an skb longer than its device's MTU, queued at
 *     step 2 (or 6) and cut into MTU-sized segments by the device or the
 *     stack below it.  A tracepoint carries no bytes, so the skb is held
 *     until the first TCP segment on that device after it: that segment's
 *     sequence number and the skb's length give its range [seq, seq + L -
 *     headers), and the following segments on the device whose sequence
 *     numbers fall in it, while the skb lives, are its segments.
 * A unit (write or super-packet) is a packet of its own; its segments are
 * packets of their own that name it in tl_event.group, with the basis
 * "seq-range".  A super-packet carrying a write's first byte is the write's
 * packet itself (the bytes the app handed down, now in one skb).
 */
#ifndef TUNLAB_SEGJOIN_H
#define TUNLAB_SEGJOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* What a frame's bytes say of its TCP segment. */
struct seg_tcp {
	bool ok;		/* a TCP segment over IPv4 or IPv6 */
	uint64_t flow;		/* addresses and ports, this direction */
	uint32_t seq;
	uint32_t paylen;	/* payload bytes, from the IP lengths */
	uint32_t hdrs;		/* bytes before the payload (link, IP, TCP) */
	const uint8_t *payload;	/* the captured part of the payload */
	size_t have;
};

/* Parse a frame (an IP packet, or an Ethernet frame with link eth). */
void segjoin_tcp(enum tl_link link, const uint8_t *d, size_t caplen,
		 struct seg_tcp *t);

/* How a frame ties to a unit: join is a packet it is part of (a
 * super-packet seen whole, into the write it carries); group the unit it
 * was cut from; basis how.  whole: a held skb turned out to be this very
 * frame (a device that takes super-packets whole), to be joined as usual
 * after it, with its skb address in whole_skb. */
struct seg_tie {
	uint64_t join;
	uint64_t group;
	uint8_t basis;
	bool whole;
	struct tl_event whole_ev;
	uint64_t whole_skb;
};

/* Hands on a held super-skb: join is the write it carries, or 0 (a packet
 * of its own); returns the packet number it was given. */
typedef uint64_t (*segjoin_release_fn)(void *ctx, struct tl_event *ev,
				       uint64_t join);

struct segjoin;

struct segjoin *segjoin_new(segjoin_release_fn fn, void *ctx);
void segjoin_free(struct segjoin *j);

/* An app's send with its first bytes (step 1, numbered): a write whose
 * segments are still to come.  Or a send syscall of a program without
 * probes (source kernel, not numbered, no bytes): its host's next data
 * segment starts it, and is its packet. */
void segjoin_write(struct segjoin *j, const struct tl_event *ev);

/* A frame was just numbered (after segjoin_frame()): if it started a
 * syscall's write, that write is this packet (or the super-packet it is a
 * segment of). */
void segjoin_numbered(struct segjoin *j, const struct tl_event *ev);

/* A TCP read takes the bytes of several segments: the app's probe (step
 * 1') carries its length N and first bytes.  Every data segment that came
 * in by a tun, once numbered, is remembered a while (segjoin_arrived); a
 * read whose first bytes start one of them takes [S, S + N) of that flow,
 * and segjoin_read() gives the packets of the segments seen in that
 * range, in order (at most max; 0 when the read is within one segment or
 * its start was not seen).  Each of them gets the read as its step 1'. */
void segjoin_arrived(struct segjoin *j, const struct tl_event *ev);
int segjoin_read(struct segjoin *j, const struct tl_event *ev,
		 uint64_t *pkts, int max);

/* A queue event of an skb longer than its device's MTU (ev->len): held
 * until a frame on the device says where it starts. */
void segjoin_hold(struct segjoin *j, const struct tl_event *ev, uint64_t skb);

/* A frame leaving by a device, not numbered yet (ev->pkt 0): releases the
 * held skb it starts and says how it ties (tie zeroed when it does not).
 * super: the frame is longer than the device's MTU. */
void segjoin_frame(struct segjoin *j, const struct tl_event *ev, bool super,
		   struct seg_tie *tie);

/* Release, as packets of their own, the skbs held since before upto_ns
 * (their segments were not seen), and forget old writes. */
void segjoin_expire(struct segjoin *j, uint64_t upto_ns);

/* Counters: segments tied to a unit, skbs released untied. */
void segjoin_counts(const struct segjoin *j, uint64_t *tied,
		    uint64_t *untied);

#endif
