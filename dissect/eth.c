// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ethernet II (RFC 894; IEEE 802.3-2018 clause 3.2) and the IEEE 802.1Q
 * VLAN tag (IEEE 802.1Q-2018 section 9.6).
 *
 *   0                   6                  12      14
 *   +-------------------+-------------------+-------+---------
 *   |  destination MAC  |    source MAC     | type  | payload (46..1500)
 *   +-------------------+-------------------+-------+---------
 *
 * A type of 0x8100 (or 0x88a8, 802.1ad) means a 4-byte tag follows, whose
 * first two bytes are the Tag Control Information:
 *
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-----+-+-----------------------+-------------------------------+
 *   | PCP |D|       VLAN ID         |     type of what follows      |
 *   +-----+-+-----------------------+-------------------------------+
 *
 * A frame is padded to 60 bytes (64 with the FCS); the IP layer says how
 * much of it is its own, and the rest is shown as eth.padding (eth.trailer
 * past 60 bytes, vlan.trailer inside a tag).
 */
#include <stdio.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"

#define ETH_HDR_LEN	14
#define VLAN_HDR_LEN	4
#define ETH_MAX_LENGTH	1500	/* below 0x0600 the type is an 802.3 length */
#define ETH_TYPE_MIN	0x0600
#define ETH_MIN_FRAME	60	/* without the FCS */

static const struct vname ethertypes[] = {
	{ 0x0800, "IPv4" },
	{ 0x0806, "ARP" },
	{ 0x8100, "802.1Q Virtual LAN" },
	{ 0x88a8, "802.1ad Provider Bridge (Q-in-Q)" },
	{ 0x86dd, "IPv6" },
	{ 0x8035, "RARP" },
	{ 0x8863, "PPPoE Discovery" },
	{ 0x8864, "PPPoE Session" },
	{ 0x8847, "MPLS label switched packet" },
	{ 0x88cc, "802.1 Link Layer Discovery Protocol (LLDP)" },
	{ 0x88e5, "802.1AE (MACsec)" },
	{ 0x88f7, "PTPv2 over Ethernet (IEEE1588)" },
	VNAME_END
};

/* IEEE 802.1Q Annex I: traffic types by priority code point. */
static const struct vname vlan_priorities[] = {
	{ 0, "Best Effort (default)" },
	{ 1, "Background" },
	{ 2, "Excellent Effort" },
	{ 3, "Critical Applications" },
	{ 4, "Video, < 100ms latency and jitter" },
	{ 5, "Voice, < 10ms latency and jitter" },
	{ 6, "Internetwork Control" },
	{ 7, "Network Control" },
	VNAME_END
};

/* Emit the bytes [from, to) of the frame as one padding field. */
static void eth_tail(struct dissect *d, const struct cursor *c, size_t from,
		     size_t to, const char *name, const char *label)
{
	char hex[256];

	if (to <= from)
		return;
	dissect_fmt_hex(hex, sizeof(hex), c->base + from, to - from);
	dissect_field(d, name, label, from, to - from, NULL, "%s", hex);
}

/* Hand the payload to the ethertype's dissector on a copy of c, so that
 * what the inner layer does not claim (cursor_limit) shows up afterwards:
 * as Wireshark does, padding up to the 60-byte minimum frame and a
 * trailer beyond it, or all of it as the VLAN tag's trailer. */
static void eth_payload(struct dissect *d, uint16_t type, struct cursor *c,
			int is_vlan)
{
	struct cursor in = *c;
	size_t pad_end;

	if (cursor_left(c) == 0) {
		/* A frame always carries a payload (46 bytes at least). */
		dissect_truncated(d, is_vlan ? "802.1Q payload" :
				  "Ethernet payload", c->off);
		return;
	}
	dissect_next(d, DT_ETHERTYPE, type, &in);
	if (in.end < c->end) {
		/* They belong to the Ethernet layer, not to the last
		 * protocol printed, so they go back to the top level. */
		d->depth = 0;
		if (is_vlan) {
			eth_tail(d, c, in.end, c->end, "vlan.trailer",
				 "Trailer");
		} else {
			pad_end = c->end < ETH_MIN_FRAME ? c->end :
				  ETH_MIN_FRAME;
			eth_tail(d, c, in.end, pad_end, "eth.padding",
				 "Padding");
			eth_tail(d, c, in.end > pad_end ? in.end : pad_end,
				 c->end, "eth.trailer", "Trailer");
		}
	}
	cursor_skip(c, cursor_left(c));
}

/* Emit the type field of Ethernet or a VLAN tag. */
static void eth_type_field(struct dissect *d, const char *name, size_t off,
			   uint16_t type)
{
	if (type <= ETH_MAX_LENGTH)
		dissect_field(d, "eth.len", "Length", off, 2,
			      "802.3 length, not a type", "%u", type);
	else
		dissect_field(d, name, "Type", off, 2,
			      vname_str(ethertypes, type, "unknown"),
			      "0x%04x", type);
}

/* Ethernet II header, then the ethertype's dissector and any padding. */
void eth_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off;
	uint8_t dst[6], src[6];
	char sdst[18], ssrc[18];
	struct cursor peek = *c;
	uint16_t type;

	if (!cursor_bytes(&peek, dst, 6) && !cursor_bytes(&peek, src, 6)) {
		dissect_fmt_mac(sdst, sizeof(sdst), dst);
		dissect_fmt_mac(ssrc, sizeof(ssrc), src);
		dissect_proto(d, "eth", "Ethernet II", start, dissect_avail(c, ETH_HDR_LEN),
			      "Src: %s, Dst: %s", ssrc, sdst);
	} else {
		dissect_proto(d, "eth", "Ethernet II", start, dissect_avail(c, ETH_HDR_LEN),
			      "%s", "");
	}
	if (cursor_bytes(c, dst, 6))
		goto trunc;
	dissect_fmt_mac(sdst, sizeof(sdst), dst);
	dissect_field(d, "eth.dst", "Destination", start, 6,
		      (dst[0] & 1) ? "group address" : NULL, "%s", sdst);
	if (cursor_bytes(c, src, 6))
		goto trunc;
	dissect_fmt_mac(ssrc, sizeof(ssrc), src);
	dissect_field(d, "eth.src", "Source", start + 6, 6, NULL, "%s", ssrc);
	if (d->sum) {
		/* Layer 2 addresses until a network layer names better ones,
		 * as Wireshark's columns do (and ARP keeps them). */
		snprintf(d->sum->src, sizeof(d->sum->src), "%s", ssrc);
		snprintf(d->sum->dst, sizeof(d->sum->dst), "%s", sdst);
	}
	if (cursor_be16(c, &type))
		goto trunc;
	eth_type_field(d, "eth.type", start + 12, type);
	if (type < ETH_TYPE_MIN) {
		/* 802.3 with an LLC header: not decoded here. */
		dissect_summary_set(d, "LLC", "802.3 frame, length %u", type);
		dissect_data(d, c);
		return;
	}
	dissect_summary_set(d, "Ethernet", "Ethertype 0x%04x", type);
	eth_payload(d, type, c, 0);
	return;
trunc:
	dissect_truncated(d, "Ethernet header", c->off);
}

/* One 802.1Q (or 802.1ad) tag, then the type it carries. */
void vlan_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off;
	uint16_t tci, type;

	struct cursor peek = *c;

	if (!cursor_be16(&peek, &tci))
		dissect_proto(d, "vlan", "802.1Q Virtual LAN", start,
			      dissect_avail(c, VLAN_HDR_LEN), "PRI: %u, DEI: %u, ID: %u",
			      tci >> 13, (tci >> 12) & 1, tci & 0x0fff);
	else
		dissect_proto(d, "vlan", "802.1Q Virtual LAN", start,
			      dissect_avail(c, VLAN_HDR_LEN), "%s", "");
	if (cursor_be16(c, &tci))
		goto trunc;
	dissect_field(d, "vlan.priority", "Priority", start, 2,
		      vname_str(vlan_priorities, tci >> 13, NULL), "%u",
		      tci >> 13);
	dissect_field(d, "vlan.dei", "DEI", start, 2,
		      (tci & 0x1000) ? "Drop eligible" : "Ineligible", "%u",
		      (tci >> 12) & 1);
	dissect_field(d, "vlan.id", "ID", start, 2, NULL, "%u", tci & 0x0fff);
	if (cursor_be16(c, &type))
		goto trunc;
	eth_type_field(d, "vlan.etype", start + 2, type);
	if (type < ETH_TYPE_MIN) {
		dissect_summary_set(d, "LLC", "802.3 frame in VLAN %u",
				    tci & 0x0fff);
		dissect_data(d, c);
		return;
	}
	dissect_summary_set(d, "802.1Q", "VLAN %u, type 0x%04x",
			    tci & 0x0fff, type);
	eth_payload(d, type, c, 1);
	return;
trunc:
	dissect_truncated(d, "802.1Q tag", c->off);
}
