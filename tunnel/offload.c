// SPDX-License-Identifier: GPL-2.0-only
/* The fast mode's segmenting and merging: see offload.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "offload.h"

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_PSH	0x08
#define TCP_ACK	0x10
#define TCP_URG	0x20
#define TCP_ECE	0x40
#define TCP_CWR	0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/*
 * One's complement sum of n bytes in network order, accumulated in 64 bits
 * so that carries wait until the fold.  Adding big-endian words keeps the
 * arithmetic independent of the host's byte order.
 */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t n)
{
	while (n >= 4) {
		sum += get32(p);
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		sum += get16(p);
		p += 2;
		n -= 2;
	}
	if (n)
		sum += (uint64_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header's sum for a transport segment of l4len bytes. */
static uint64_t pseudo_sum(const uint8_t *pkt, size_t l3, int family,
			   uint8_t proto, size_t l4len)
{
	uint64_t sum = proto + (uint64_t)l4len;

	if (family == 4)
		return csum_add(sum, pkt + l3 + 12, 8);
	return csum_add(sum, pkt + l3 + 8, 32);
}

uint16_t offload_l4_csum(const uint8_t *pkt, size_t len, size_t l3, size_t l4,
			 int family, uint8_t proto)
{
	uint64_t sum = pseudo_sum(pkt, l3, family, proto, len - l4);
	uint16_t c = (uint16_t)~csum_fold(csum_add(sum, pkt + l4, len - l4));

	/* UDP sends a computed zero as all ones (zero means "none"). */
	return proto == 17 && c == 0 ? 0xffff : c;
}

static void ipv4_csum(uint8_t *ip)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, ihl)));
}

int offload_csum_complete(uint8_t *pkt, size_t len,
			  const struct virtio_net_hdr *vh)
{
	size_t start = vh->csum_start, at = start + vh->csum_offset;

	if (start >= len || at + 2 > len)
		return -EINVAL;
	/* The field holds the pseudo-header's sum already: sum over it. */
	put16(pkt + at, (uint16_t)~csum_fold(csum_add(0, pkt + start,
						       len - start)));
	return 0;
}

/* Where the IP header of a tap frame starts (one VLAN tag allowed), or 0
 * for a tun packet; -1 if the frame holds no IP packet. */
static long l3_offset(const uint8_t *pkt, size_t len, bool tap)
{
	uint16_t type;

	if (!tap)
		return 0;
	if (len < 14)
		return -1;
	type = get16(pkt + 12);
	if (type == 0x8100) {
		if (len < 18)
			return -1;
		type = get16(pkt + 16);
		return type == 0x0800 || type == 0x86dd ? 18 : -1;
	}
	return type == 0x0800 || type == 0x86dd ? 14 : -1;
}

int gso_split_init(struct gso_split *s, const struct virtio_net_hdr *vh,
		   const uint8_t *pkt, size_t len, bool tap)
{
	uint8_t type = vh->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	long l3 = l3_offset(pkt, len, tap);
	size_t thlen, payload, min_ip;

	memset(s, 0, sizeof(*s));
	if (l3 < 0 || (type != VIRTIO_NET_HDR_GSO_TCPV4 &&
		       type != VIRTIO_NET_HDR_GSO_TCPV6) || !vh->gso_size)
		return -EINVAL;
	s->family = type == VIRTIO_NET_HDR_GSO_TCPV4 ? 4 : 6;
	min_ip = s->family == 4 ? 20 : 40;
	s->l3 = (size_t)l3;
	s->l4 = vh->csum_start;
	if (s->l3 + min_ip > len || (pkt[s->l3] >> 4) != s->family ||
	    s->l4 < s->l3 + min_ip || s->l4 + 20 > len)
		return -EINVAL;
	if (s->family == 4 && (s->l3 + (size_t)(pkt[s->l3] & 0x0f) * 4 != s->l4 ||
			       pkt[s->l3 + 9] != 6))
		return -EINVAL;
	thlen = (size_t)(pkt[s->l4 + 12] >> 4) * 4;
	if (thlen < 20 || s->l4 + thlen >= len)
		return -EINVAL;
	s->pkt = pkt;
	s->len = len;
	s->hdrs = s->l4 + thlen;
	s->mss = vh->gso_size;
	payload = len - s->hdrs;
	s->segs = (unsigned int)((payload + s->mss - 1) / s->mss);
	if (s->segs > OFFLOAD_MAX_SEGS)
		return -EINVAL;
	return 0;
}

size_t gso_split_len(const struct gso_split *s, unsigned int i)
{
	size_t off = (size_t)i * s->mss, payload = s->len - s->hdrs;

	return s->hdrs + (payload - off < s->mss ? payload - off : s->mss);
}

size_t gso_split_seg(const struct gso_split *s, unsigned int i, uint8_t *out)
{
	size_t seglen = gso_split_len(s, i);
	uint8_t *ip = out + s->l3, *th = out + s->l4;
	uint8_t flags;

	memcpy(out, s->pkt, s->hdrs);
	memcpy(out + s->hdrs, s->pkt + s->hdrs + (size_t)i * s->mss,
	       seglen - s->hdrs);
	if (s->family == 4) {
		put16(ip + 2, (uint16_t)(seglen - s->l3));
		put16(ip + 4, (uint16_t)(get16(ip + 4) + i));
		ipv4_csum(ip);
	} else {
		put16(ip + 4, (uint16_t)(seglen - s->l3 - 40));
	}
	put32(th + 4, get32(th + 4) + (uint32_t)(i * s->mss));
	flags = th[13];
	if (i + 1 < s->segs)
		flags &= (uint8_t)~(TCP_FIN | TCP_PSH);
	if (i > 0)
		flags &= (uint8_t)~TCP_CWR;
	th[13] = flags;
	put16(th + 16, 0);
	put16(th + 16, offload_l4_csum(out, seglen, s->l3, s->l4, s->family, 6));
	return seglen;
}

/* The headers of a segment gro may merge: plain IPv4 (no options, not a
 * fragment) or IPv6 (no extension headers) carrying TCP with data and
 * only ACK or ACK+PSH set.  Fills l3, l4, hdrs, family; false if not. */
static bool gro_parse(const uint8_t *pkt, size_t len, bool tap, size_t *l3p,
		      size_t *l4p, size_t *hdrsp, int *family)
{
	long l3 = l3_offset(pkt, len, tap);
	size_t l4, thlen;
	const uint8_t *ip;

	if (l3 < 0 || (size_t)l3 + 40 > len)
		return false;
	ip = pkt + l3;
	if ((ip[0] >> 4) == 4) {
		if (ip[0] != 0x45 || get16(ip + 2) != len - (size_t)l3 ||
		    (get16(ip + 6) & 0x3fff) || ip[9] != 6)
			return false;
		l4 = (size_t)l3 + 20;
		*family = 4;
	} else if ((ip[0] >> 4) == 6) {
		if (ip[6] != 6 || get16(ip + 4) != len - (size_t)l3 - 40)
			return false;
		l4 = (size_t)l3 + 40;
		*family = 6;
	} else {
		return false;
	}
	if (l4 + 20 > len)
		return false;
	thlen = (size_t)(pkt[l4 + 12] >> 4) * 4;
	if (thlen < 20 || l4 + thlen >= len ||
	    (pkt[l4 + 13] & ~TCP_PSH) != TCP_ACK)
		return false;
	*l3p = (size_t)l3;
	*l4p = l4;
	*hdrsp = l4 + thlen;
	return true;
}

/* Whether pkt's headers say it is the same flow as g's, in step: the same
 * link header, addresses, TOS/TTL, ports, ack, window and options. */
static bool gro_same_flow(const struct gro *g, const uint8_t *pkt,
			  size_t hdrs, int family)
{
	const uint8_t *a = g->buf, *b = pkt;
	size_t ip = g->l3, th = g->l4;

	if (family != g->family || hdrs != g->hdrs ||
	    memcmp(a, b, g->l3) != 0)
		return false;
	if (family == 4) {
		/* TOS, DF, TTL, protocol, addresses. */
		if (a[ip + 1] != b[ip + 1] || a[ip + 6] != b[ip + 6] ||
		    a[ip + 8] != b[ip + 8] ||
		    memcmp(a + ip + 12, b + ip + 12, 8) != 0)
			return false;
	} else if (memcmp(a + ip, b + ip, 4) != 0 || a[ip + 7] != b[ip + 7] ||
		   memcmp(a + ip + 8, b + ip + 8, 32) != 0) {
		return false;
	}
	/* Ports; then ack and window; then options (timestamps included). */
	return memcmp(a + th, b + th, 4) == 0 &&
	       memcmp(a + th + 8, b + th + 8, 4) == 0 &&
	       memcmp(a + th + 14, b + th + 14, 2) == 0 &&
	       memcmp(a + th + 20, b + th + 20, hdrs - th - 20) == 0;
}

enum gro_verdict gro_add(struct gro *g, const uint8_t *pkt, size_t len,
			 bool tap)
{
	size_t l3, l4, hdrs, payload;
	int family;

	if (!gro_parse(pkt, len, tap, &l3, &l4, &hdrs, &family))
		return GRO_ALONE;
	payload = len - hdrs;
	if (!g->len) {
		memcpy(g->buf, pkt, len);
		g->len = len;
		g->l3 = l3;
		g->l4 = l4;
		g->hdrs = hdrs;
		g->family = family;
		g->mss = payload;
		g->segs = 1;
		g->next_seq = get32(pkt + l4 + 4) + (uint32_t)payload;
		g->psh = pkt[l4 + 13] & TCP_PSH;
		g->closed = g->psh != 0;
		return GRO_MERGED;
	}
	if (g->closed || g->segs >= OFFLOAD_GRO_MAX_SEGS ||
	    payload > g->mss || g->len + payload > OFFLOAD_GRO_ROOM ||
	    g->len - g->l3 + payload > 65535 ||
	    get32(pkt + l4 + 4) != g->next_seq ||
	    !gro_same_flow(g, pkt, hdrs, family))
		return GRO_FLUSH_FIRST;
	memcpy(g->buf + g->len, pkt + hdrs, payload);
	g->len += payload;
	g->segs++;
	g->next_seq += (uint32_t)payload;
	g->psh |= pkt[l4 + 13] & TCP_PSH;
	/* A short segment or a push ends what the sender sent in one go. */
	g->closed = payload < g->mss || g->psh;
	return GRO_MERGED;
}

size_t gro_finish(struct gro *g, struct virtio_net_hdr *vh)
{
	uint8_t *ip = g->buf + g->l3, *th = g->buf + g->l4;

	memset(vh, 0, sizeof(*vh));
	if (g->segs <= 1) {
		vh->flags = VIRTIO_NET_HDR_F_DATA_VALID;
		vh->gso_type = VIRTIO_NET_HDR_GSO_NONE;
		return g->len;
	}
	if (g->family == 4) {
		put16(ip + 2, (uint16_t)(g->len - g->l3));
		ipv4_csum(ip);
	} else {
		put16(ip + 4, (uint16_t)(g->len - g->l3 - 40));
	}
	th[13] |= g->psh;
	/* Partial checksum, as the kernel keeps it for a GSO packet: the
	 * pseudo-header's sum, not complemented; the kernel finishes it if
	 * it ever sends the packet on. */
	put16(th + 16, csum_fold(pseudo_sum(g->buf, g->l3, g->family, 6,
					    g->len - g->l4)));
	vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh->gso_type = g->family == 4 ? VIRTIO_NET_HDR_GSO_TCPV4
				      : VIRTIO_NET_HDR_GSO_TCPV6;
	vh->gso_size = (uint16_t)g->mss;
	vh->hdr_len = (uint16_t)g->hdrs;
	vh->csum_start = (uint16_t)g->l4;
	vh->csum_offset = 16;
	return g->len;
}
