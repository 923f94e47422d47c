// SPDX-License-Identifier: GPL-2.0-only
/*
 * UDP (RFC 768; over IPv6 RFC 8200 section 8.1).
 *
 *    0      7 8     15 16    23 24    31
 *   +--------+--------+--------+--------+
 *   |   Source Port   | Destination Port|
 *   +--------+--------+--------+--------+
 *   |     Length      |    Checksum     |
 *   +--------+--------+--------+--------+
 *   |          data octets ...
 *   +-----------------------------------
 *
 * Length counts the header.  The checksum covers a pseudo-header (source,
 * destination, protocol, length), the header and the data; 0 over IPv4
 * means "none".  A sender that offloads it (CHECKSUM_PARTIAL) leaves only
 * the folded pseudo-header sum, which a veth or tun never completes.
 */
#include <stdio.h>

#include "dissect.h"
#include "proto.h"

#define UDP_HDR_LEN	8
#define IPPROTO_UDP	17

/* The checksum field, with its verdict. */
static void udp_checksum(struct dissect *d, const struct cursor *c,
			 size_t start, size_t len, uint16_t csum)
{
	enum dissect_csum v = CSUM_UNVERIFIED;
	const uint8_t *seg = c->base + start;

	if (start + len <= c->end)
		v = dissect_l4_csum(d, IPPROTO_UDP, seg, len, 6);
	if (v == CSUM_NONE) {
		dissect_field(d, "udp.checksum", "Checksum", start + 6, 2,
			      "none", "0x%04x", csum);
		return;
	}
	dissect_field(d, "udp.checksum", "Checksum", start + 6, 2,
		      dissect_csum_name(v), "0x%04x", csum);
	if (v == CSUM_BAD)
		dissect_bad_checksum(d, start + 6, "bad UDP checksum 0x%04x, "
				  "should be 0x%04x", csum,
				  dissect_l4_csum_expected(d, IPPROTO_UDP, seg,
							   len, 6));
}

/* The UDP header, then the dissector of its port (the tunnel), or data. */
void udp_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, left;
	uint16_t sport, dport, len, csum;
	struct cursor peek = *c;
	uint32_t key;

	if (!cursor_be16(&peek, &sport) && !cursor_be16(&peek, &dport))
		dissect_proto(d, "udp", "User Datagram Protocol", start,
			      dissect_avail(c, UDP_HDR_LEN),
			      "Src Port: %u, Dst Port: %u", sport, dport);
	else
		dissect_proto(d, "udp", "User Datagram Protocol", start,
			      dissect_avail(c, UDP_HDR_LEN), "%s", "");
	if (cursor_be16(c, &sport))
		goto trunc;
	dissect_field(d, "udp.srcport", "Source Port", start, 2, NULL, "%u",
		      sport);
	if (cursor_be16(c, &dport))
		goto trunc;
	dissect_field(d, "udp.dstport", "Destination Port", start + 2, 2, NULL,
		      "%u", dport);
	if (d->sum) {
		d->sum->sport = sport;
		d->sum->dport = dport;
	}
	if (cursor_be16(c, &len))
		goto trunc;
	dissect_field(d, "udp.length", "Length", start + 4, 2, NULL, "%u",
		      len);
	if (len < UDP_HDR_LEN) {
		dissect_malformed(d, start + 4, "UDP length %u is less than the "
				  "8-byte header", len);
		return;
	}
	if (d->ip.family && !d->ip.is_fragment && len > d->ip.payload_len) {
		dissect_malformed(d, start + 4, "UDP length %u is more than the "
				  "IP payload length %zu", len,
				  d->ip.payload_len);
		return;
	}
	if (cursor_be16(c, &csum))
		goto trunc;
	udp_checksum(d, c, start, len, csum);

	dissect_summary_set(d, "UDP", "%u \u2192 %u Len=%u", sport, dport,
			    len - UDP_HDR_LEN);
	left = cursor_left(c);
	if (left > (size_t)len - UDP_HDR_LEN)
		cursor_limit(c, len - UDP_HDR_LEN);
	/* Wireshark tries the lower port first; so do we, so that replies
	 * from the tunnel's port decode as well as requests to it. */
	key = sport < dport ? sport : dport;
	if (!dissect_known(DT_UDP_PORT, key))
		key = sport < dport ? dport : sport;
	dissect_pop(d);
	dissect_next(d, DT_UDP_PORT, key, c);
	/* A first fragment holds only the start of the datagram: the rest
	 * is in other fragments, not cut off. */
	if (left < (size_t)len - UDP_HDR_LEN && !d->ip.is_fragment &&
	    !(d->flags & DISSECT_TRUNCATED))
		dissect_truncated(d, "UDP payload", start + UDP_HDR_LEN + left);
	return;
trunc:
	dissect_truncated(d, "UDP header", c->off);
}
