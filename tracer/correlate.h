/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The correlator: gives every observation the number of the packet it saw,
 * and records how the tie was made.
 *
 * Inner observations (steps 1-5 and 5'-1') are tied by content: a digest of
 * the inner packet's invariant fields (common/digest.h), or of the app's
 * payload for the apps' own events.  Outer ones (steps 6-7 and 7'-6') by the
 * tunnel key (peer-id, key-id, packet-id, direction), which the daemon's
 * step-5 and step-5' events link to the inner digest.  Observations must
 * come in time order (the tracer's reorder window sees to it).
 *
 * A key that points to a packet which already has the step being seen
 * starts a new packet instead: a retransmitted TCP segment or an echo
 * reply carries the same bytes as the packet before it.
 *
 * One-to-many: a packet may be a segment of a larger unit on a host (an
 * app's write, a GSO super-packet).  The correlator remembers the unit of
 * each packet for each direction (the sending host's, the receiving
 * host's) and stamps it on every observation of the packet in that
 * direction (tl_event.group, group_basis).  The unit comes from the caller
 * (by TCP sequence range, tracer/segjoin.h) or from a daemon's segment
 * event naming its super-packet's digest (parent): the packet bound to
 * that digest, or a new number bound to it now when the segments come
 * first (they are merged into it after step 5').
 */
#ifndef TUNLAB_CORRELATE_H
#define TUNLAB_CORRELATE_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

/* The keys an observation offers; zero where it has none. */
struct corr_keys {
	uint64_t inner;		/* digest of the inner packet (or frame) */
	uint64_t payload;	/* digest of the app data it carries */
	bool tunnel;		/* the tunnel key below is set */
	bool from_server;	/* the datagram goes server -> client */
	uint8_t key_id;
	uint32_t peer_id;
	uint32_t packet_id;
	uint64_t parent;	/* daemon: digest of the segment's super-packet */
	uint64_t join;		/* a packet this observation is part of by
				 * sequence range (a super-packet of a
				 * write), tried first */
	bool also;		/* join even where the packet has this step:
				 * another view of the same moment (the app's
				 * account of the kernel's refusal), tied by
				 * process and time */
	uint64_t group;		/* the unit this packet is a segment of */
	uint8_t group_basis;	/* how: enum tl_basis */
};

struct correlator;

struct correlator *corr_new(void);
void corr_free(struct correlator *c);

/* Set ev->pkt (a new number, or the packet a key ties it to) and
 * ev->basis; ev->step must be set.  Returns the packet number. */
uint64_t corr_assign(struct correlator *c, struct tl_event *ev,
		     const struct corr_keys *k);

/* A new packet number, for an observation tied to nothing (yet). */
uint64_t corr_new_packet(struct correlator *c);

/* The super-packet a super-datagram with these tunnel keys would join at
 * step (its first datagram's packet's unit on that side), or 0 if none is
 * known yet. */
uint64_t corr_super(struct correlator *c, const struct corr_keys *k,
		    unsigned int step);

/* The unit packet pkt is a segment of in direction dir, and how (basis
 * may be NULL); 0 if none or forgotten. */
uint64_t corr_group(struct correlator *c, uint64_t pkt, enum tl_dir dir,
		    uint8_t *basis);

/* How many packets have been numbered. */
uint64_t corr_packets(const struct correlator *c);

#endif
