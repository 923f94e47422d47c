/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fast mode's packet work (tunnel --offload), kept free of file
 * descriptors so that unit tests can drive it.
 *
 * With IFF_VNET_HDR and TUNSETOFFLOAD the kernel hands the daemon TCP
 * "super-packets" of up to 64 KB, each behind a virtio_net_hdr saying how
 * to cut it (gso_size), and may leave checksums for the daemon to finish
 * (NEEDS_CSUM).  The daemon cuts a super-packet into the segments the
 * kernel would have sent (gso_split), so that each is encrypted into a
 * datagram no bigger than the classic mode's.  On the way in it does the
 * reverse (gro): consecutive segments of one TCP flow are merged into one
 * super-packet, so the receiving kernel's TCP sees one 64 KB packet
 * instead of 45.  docs/wire-format.md ("Fast mode") explains the rules.
 */
#ifndef TUNLAB_OFFLOAD_H
#define TUNLAB_OFFLOAD_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OFFLOAD_VNET_LEN	sizeof(struct virtio_net_hdr)	/* 10 */
#define OFFLOAD_MAX_SEGS	128	/* 64 KB at the smallest MSS, 536 */
#define OFFLOAD_GRO_MAX_SEGS	64	/* segments merged at most */
#define OFFLOAD_GRO_ROOM	65535	/* the biggest IP packet */

/* Finish the checksum the kernel left partial: the one's complement sum
 * from csum_start to the end, stored at csum_start + csum_offset.  0, or
 * -EINVAL if those offsets do not fit the packet. */
int offload_csum_complete(uint8_t *pkt, size_t len,
			  const struct virtio_net_hdr *vh);

/* The Internet checksum of a whole TCP or UDP packet at pkt (IPv4 or IPv6
 * header at l3, transport header at l4), with the pseudo-header; the
 * stored checksum field must be zero.  For tests and the segmenter. */
uint16_t offload_l4_csum(const uint8_t *pkt, size_t len, size_t l3, size_t l4,
			 int family, uint8_t proto);

/* A TCP super-packet being cut into segments. */
struct gso_split {
	const uint8_t *pkt;
	size_t len;
	size_t l3;		/* IP header: 0 (tun), 14 or 18 (tap) */
	size_t l4;		/* TCP header */
	size_t hdrs;		/* headers copied into every segment */
	size_t mss;		/* payload bytes per segment (the last: fewer) */
	unsigned int segs;
	int family;		/* 4 or 6 */
};

/* Check a super-packet (gso_type TCPV4 or TCPV6) and prepare to cut it.
 * 0, or -EINVAL for anything malformed or of another GSO type. */
int gso_split_init(struct gso_split *s, const struct virtio_net_hdr *vh,
		   const uint8_t *pkt, size_t len, bool tap);

/* Length of segment i (0 <= i < segs). */
size_t gso_split_len(const struct gso_split *s, unsigned int i);

/* Write segment i to out (room for s->hdrs + s->mss bytes) as the kernel
 * would have sent it: IP length and id, TCP sequence number, flags (FIN
 * and PSH only on the last, CWR only on the first) and both checksums.
 * Returns its length. */
size_t gso_split_seg(const struct gso_split *s, unsigned int i, uint8_t *out);

/* Segments of one TCP flow being merged into one super-packet. */
struct gro {
	uint8_t *buf;		/* OFFLOAD_GRO_ROOM bytes, owned by the caller */
	size_t len;		/* bytes in buf; 0: empty */
	size_t l3, l4, hdrs;
	size_t mss;		/* payload of the first segment */
	unsigned int segs;
	uint32_t next_seq;
	uint8_t psh;		/* a segment had PSH */
	bool closed;		/* a short or PSH segment ended it */
	int family;
};

enum gro_verdict {
	GRO_MERGED,		/* copied into g (or began it) */
	GRO_FLUSH_FIRST,	/* mergeable, but not with what g holds */
	GRO_ALONE,		/* never mergeable: write it by itself */
};

/* Offer one decrypted packet to g.  On GRO_FLUSH_FIRST the caller writes
 * out g (gro_finish, gro_reset) and offers the packet again; on GRO_ALONE
 * it writes out g, then the packet by itself, to keep the order. */
enum gro_verdict gro_add(struct gro *g, const uint8_t *pkt, size_t len,
			 bool tap);

/* Fix the merged packet's headers and fill vh for writing it to the tun.
 * A single segment goes out unchanged, marked as checksum-verified (the
 * AEAD tag vouches for it).  Returns the length at g->buf. */
size_t gro_finish(struct gro *g, struct virtio_net_hdr *vh);

static inline void gro_reset(struct gro *g)
{
	g->len = 0;
	g->segs = 0;
	g->psh = 0;
	g->closed = false;
}

#endif
