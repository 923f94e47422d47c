/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's probe points, what the tracer sees of steps 4, 5, 5' and 4'
 * and of every drop: one non-blocking datagram each on the lab's probe
 * socket (include/probe.h).  With no tracer listening, each costs one clock
 * read (common/probe_pub.h).
 */
#ifndef TUNLAB_PROBES_H
#define TUNLAB_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto.h"
#include "probe_pub.h"

struct tunnel_probes {
	struct probe_pub pub;
	char dev[TL_DEV_MAX];	/* the tun/tap device's name */
	bool tap;
};

/* Step 4: read() on the tun returned len bytes at pkt: one packet, or in
 * the fast mode a super-packet of segs segments (segs > 1).  Returns the
 * packet's digest, the parent of its segments' step-5 events. */
uint64_t probes_tun_read(struct tunnel_probes *p, const uint8_t *pkt,
			 size_t len, unsigned int segs);

/* Whether the next event would reach a tracer (see probe_pub_wanted): the
 * data path asks once per packet, before any work for the probes. */
static inline bool probes_on(struct tunnel_probes *p)
{
	return probe_pub_wanted(&p->pub);
}

/* The digest of the inner packet at pkt, taken before encryption overwrites
 * it. */
uint64_t probes_digest(const struct tunnel_probes *p, const uint8_t *pkt,
		       size_t len);

/* Step 5: the packet with that digest left as the encrypted datagram at
 * dgram (info->len bytes: header, tag, ciphertext), to the address to;
 * parent is the digest of the super-packet it was cut from, or 0. */
void probes_encrypt(struct tunnel_probes *p, uint64_t digest,
		    uint64_t parent, const struct crypto_info *info,
		    const uint8_t *dgram, const char *to);

/* Step 5': a datagram from `from` authenticated and decrypted to pkt at
 * ts_ns (0: now); parent is the digest of the super-packet it was merged
 * into, or 0.  Returns the packet's digest (0 when nobody listens). */
uint64_t probes_decrypt(struct tunnel_probes *p, const uint8_t *pkt, size_t len,
		    const struct crypto_info *info, const char *from,
		    uint64_t ts_ns, uint64_t parent);

/* Step 4': write() of len bytes at pkt to the tun, begun at ts_ns: one
 * packet, or a super-packet merged from segs segments.  digest: the
 * packet's, when step 5' took it of these very bytes; 0: take it here.
 * Returns it. */
uint64_t probes_tun_write(struct tunnel_probes *p, const uint8_t *pkt,
			  size_t len, uint64_t ts_ns, unsigned int segs,
			  uint64_t digest);

/* A drop at step (enum tl_step_id) for reason; info and bytes may be
 * NULL/0. */
void probes_drop(struct tunnel_probes *p, unsigned int step,
		 const char *reason, const struct crypto_info *info,
		 const uint8_t *bytes, size_t len, const char *peer);

#endif
