// SPDX-License-Identifier: GPL-2.0-only
/*
 * IPv6 (RFC 8200 section 3) and its extension headers: Hop-by-Hop Options
 * (4.3), Routing (4.4), Fragment (4.5), Destination Options (4.6), with the
 * TLV options of section 4.2 (Router Alert RFC 2711, Jumbo RFC 2675,
 * Tunnel Encapsulation Limit RFC 2473).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+---------------+---------------------------------------+
 *   |Version| Traffic Class |              Flow Label               |
 *   +-------+---------------+-------+---------------+---------------+
 *   |        Payload Length         |  Next Header  |   Hop Limit   |
 *   +-------------------------------+---------------+---------------+
 *   |                  Source Address (16 bytes)                    |
 *   +---------------------------------------------------------------+
 *   |                Destination Address (16 bytes)                 |
 *   +---------------------------------------------------------------+
 *
 * Options headers and Routing:       Fragment:
 *   +--------+--------+-------+      +--------+--------+------------+--+-+
 *   |next hdr|hdr len | ...   |      |next hdr|reserved| offset (13)|rs|M|
 *   +--------+--------+-------+      +--------+--------+------------+--+-+
 *   (hdr len + 1) * 8 bytes          |        identification (32)        |
 *                                    +-----------------------------------+
 */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"

#define IPV6_HDR_LEN	40
#define IPV6_FRAG_LEN	8
/* A real packet carries a handful of extension headers; more than this is
 * a crafted chain, and the bound keeps the loop finite. */
#define IPV6_MAX_EXT	8

#define NH_HOPOPTS	0
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_NONE		59
#define NH_DSTOPTS	60

#define OPT_PAD1	0x00
#define OPT_PADN	0x01
#define OPT_TEL		0x04
#define OPT_RA		0x05
#define OPT_JUMBO	0xc2

/* One row per extension header: its filter prefix and label. */
/* What the Fragment header said, for the info line. */
struct frag_info {
	int seen, more;
	unsigned int off;	/* in bytes */
	uint32_t ident;
};

struct ext_hdr {
	uint8_t nh;
	const char *name;	/* "ipv6.hopopts" */
	const char *label;
};

static const struct ext_hdr ext_hdrs[] = {
	{ NH_HOPOPTS, "ipv6.hopopts", "IPv6 Hop-by-Hop Option" },
	{ NH_ROUTING, "ipv6.routing", "Routing Header for IPv6" },
	{ NH_FRAGMENT, "ipv6.fraghdr", "Fragment Header for IPv6" },
	{ NH_DSTOPTS, "ipv6.dstopts", "Destination Options for IPv6" },
};

static const struct vname opt_names[] = {
	{ OPT_PAD1, "Pad1" },
	{ OPT_PADN, "PadN" },
	{ OPT_TEL, "Tunnel Encapsulation Limit" },
	{ OPT_RA, "Router Alert" },
	{ 0x26, "Quick-Start" },
	{ 0x63, "RPL Option" },
	{ 0x6d, "MPL Option" },
	{ 0x8b, "ILNP Nonce" },
	{ 0x8c, "Line-Identification Option" },
	{ OPT_JUMBO, "Jumbo Payload" },
	{ 0xc9, "Home Address Option" },
	VNAME_END
};

/* RFC 2711 section 2.1. */
static const struct vname ra_values[] = {
	{ 0, "MLD" },
	{ 1, "RSVP" },
	{ 2, "Active Networks" },
	VNAME_END
};

static const struct vname routing_types[] = {
	{ 0, "Source Route" },
	{ 2, "Type 2 Routing" },
	{ 3, "RPL Source Route" },
	{ 4, "Segment Routing" },
	VNAME_END
};

/* Find the extension header row for nh, or NULL if nh is not one. */
static const struct ext_hdr *ext_find(uint8_t nh)
{
	for (size_t i = 0; i < sizeof(ext_hdrs) / sizeof(ext_hdrs[0]); i++)
		if (ext_hdrs[i].nh == nh)
			return &ext_hdrs[i];
	return NULL;
}

/* The TLV options of a Hop-by-Hop or Destination Options header; o covers
 * the options only.  Returns -1 if an option runs past the header. */
static int ipv6_options(struct dissect *d, struct cursor *o)
{
	uint8_t type, len;
	size_t at, olen;
	char hex[256];
	const char *name;

	while (!cursor_u8(o, &type)) {
		at = o->off - 1;
		name = vname_str(opt_names, type, "Unknown IPv6 Option");
		/* The whole option, or what of it lies inside the header. */
		olen = 1;
		if (type != OPT_PAD1 && !cursor_peek_u8(o, o->off, &len))
			olen = 1 + dissect_avail(o, 1 + (size_t)len);
		dissect_fmt_hex(hex, sizeof(hex), o->base + at, olen);
		dissect_field(d, "ipv6.opt", "IPv6 Option", at, olen, name,
			      "%s", hex);
		dissect_subfield(d, "ipv6.opt.type", "Type", at, 1, name,
				 "0x%02x", type);
		if (type == OPT_PAD1) {
			dissect_subfield(d, "ipv6.opt.pad1", "Pad1", at, 1,
					 NULL, "%s", "");
			continue;
		}
		if (cursor_u8(o, &len) || len > cursor_left(o)) {
			dissect_malformed(d, at, "IPv6 option 0x%02x runs past "
					  "its extension header", type);
			return -1;
		}
		dissect_subfield(d, "ipv6.opt.length", "Length", at + 1, 1,
				 NULL, "%u", len);
		at = o->off;
		if (type == OPT_RA && len == 2) {
			uint16_t ra;

			cursor_be16(o, &ra);
			dissect_subfield(d, "ipv6.opt.router_alert",
					 "Router Alert", at, 2,
					 vname_str(ra_values, ra, "Unknown"),
					 "%u", ra);
		} else if (type == OPT_JUMBO && len == 4) {
			uint32_t jl;

			cursor_be32(o, &jl);
			dissect_subfield(d, "ipv6.opt.jumbo", "Payload Length",
					 at, 4, NULL, "%u", jl);
		} else if (type == OPT_TEL && len == 1) {
			uint8_t tel;

			cursor_u8(o, &tel);
			dissect_subfield(d, "ipv6.opt.tel",
					 "Tunnel Encapsulation Limit", at, 1,
					 NULL, "%u", tel);
		} else {
			/* tshark prints an empty byte field as "<none>". */
			dissect_fmt_hex(hex, sizeof(hex), cursor_ptr(o), len);
			dissect_subfield(d, type == OPT_PADN ? "ipv6.opt.padn" :
					 "ipv6.opt.unknown",
					 type == OPT_PADN ? "PadN" :
					 "Unknown Option Payload", at, len, NULL,
					 "%s", len ? hex : "<none>");
			cursor_skip(o, len);
		}
	}
	return 0;
}

/* One extension header at c: its fields, then the next header's number in
 * *nh.  limited: c ends at the payload length, not at the capture.
 * Returns its length, 0 to stop (truncated or malformed: reported). */
static size_t ipv6_ext(struct dissect *d, struct cursor *c,
		       const struct ext_hdr *e, uint8_t *nh,
		       struct frag_info *fi, int limited)
{
	size_t start = c->off, len;
	char lname[40], label[24];
	uint8_t next, hlen;
	struct cursor body;

	if (cursor_peek_u8(c, start + 1, &hlen))
		hlen = 0;
	len = e->nh == NH_FRAGMENT ? IPV6_FRAG_LEN : ((size_t)hlen + 1) * 8;
	dissect_proto(d, e->name, e->label, start, dissect_avail(c, len),
		      "%s", "");
	if (cursor_u8(c, &next))
		goto trunc;
	snprintf(lname, sizeof(lname), "%s.nxt", e->name);
	dissect_field(d, lname, e->nh == NH_FRAGMENT ? "Next header" :
		      "Next Header", start, 1,
		      vname_str(ip_proto_names, next, NULL), "%u", next);
	if (e->nh == NH_FRAGMENT) {
		uint16_t offm;
		uint32_t ident;
		uint8_t res;

		if (cursor_u8(c, &res))
			goto trunc;
		dissect_field(d, "ipv6.fraghdr.reserved_octet",
			      "Reserved octet", start + 1, 1, NULL, "0x%02x",
			      res);
		if (cursor_be16(c, &offm))
			goto trunc;
		snprintf(label, sizeof(label), "%u bytes", (offm >> 3) * 8u);
		dissect_field(d, "ipv6.fraghdr.offset", "Offset", start + 2, 2,
			      label, "%u", offm >> 3);
		dissect_field(d, "ipv6.fraghdr.reserved_bits", "Reserved bits",
			      start + 2, 2, NULL, "%u", (offm >> 1) & 3);
		dissect_field(d, "ipv6.fraghdr.more", "More Fragments",
			      start + 2, 2, (offm & 1) ? "Yes" : "No", "%u",
			      offm & 1);
		if (cursor_be32(c, &ident))
			goto trunc;
		dissect_field(d, "ipv6.fraghdr.ident", "Identification",
			      start + 4, 4, NULL, "0x%08x", ident);
		fi->seen = 1;
		fi->off = (offm >> 3) * 8u;
		fi->more = offm & 1;
		fi->ident = ident;
		*nh = next;
		return IPV6_FRAG_LEN;
	}
	if (cursor_u8(c, &hlen))
		goto trunc;
	snprintf(lname, sizeof(lname), "%s.len", e->name);
	dissect_field(d, lname, "Length", start + 1, 1, NULL, "%u", hlen);
	snprintf(lname, sizeof(lname), "%s.len_oct", e->name);
	snprintf(label, sizeof(label), "%zu bytes", len);
	dissect_field(d, lname, "Length", start + 1, 1, label, "%zu", len);
	if (cursor_sub(c, &body, len - 2))
		goto trunc;
	if (e->nh == NH_ROUTING) {
		uint8_t type, left;
		char hex[256];

		cursor_u8(&body, &type);
		dissect_field(d, "ipv6.routing.type", "Type", start + 2, 1,
			      vname_str(routing_types, type, "Unknown"), "%u",
			      type);
		cursor_u8(&body, &left);
		dissect_field(d, "ipv6.routing.segleft", "Segments Left",
			      start + 3, 1, NULL, "%u", left);
		dissect_fmt_hex(hex, sizeof(hex), cursor_ptr(&body),
				cursor_left(&body));
		dissect_field(d, "ipv6.routing.unknown_data",
			      "Type-Specific Data", body.off,
			      cursor_left(&body), NULL, "%s", hex);
	} else if (ipv6_options(d, &body)) {
		return 0;
	}
	*nh = next;
	return len;
trunc:
	/* Cut off by the payload length, not by the capture. */
	if (limited)
		dissect_malformed(d, c->off, "%s runs past the IPv6 payload "
				  "length", e->label);
	else
		dissect_truncated(d, e->label, c->off);
	return 0;
}

/* The IPv6 header, its extension headers, then the upper layer. */
void ipv6_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, claim, left, ext_len = 0, n;
	uint8_t src[16], dst[16], nh, hlim;
	char ssrc[48], sdst[48], tc_m[64];
	const struct ext_hdr *e;
	struct cursor peek = *c;
	struct frag_info fi = { 0 };
	int is_frag;
	uint32_t vtf;
	uint16_t plen;
	unsigned int next;

	if (!cursor_skip(&peek, 8) && !cursor_bytes(&peek, src, 16) &&
	    !cursor_bytes(&peek, dst, 16)) {
		dissect_fmt_ipv6(ssrc, sizeof(ssrc), src);
		dissect_fmt_ipv6(sdst, sizeof(sdst), dst);
		dissect_proto(d, "ipv6", "Internet Protocol Version 6", start,
			      IPV6_HDR_LEN, "Src: %s, Dst: %s", ssrc, sdst);
	} else {
		dissect_proto(d, "ipv6", "Internet Protocol Version 6", start,
			      dissect_avail(c, IPV6_HDR_LEN), "%s", "");
	}
	if (cursor_be32(c, &vtf))
		goto trunc;
	dissect_field(d, "ipv6.version", "Version", start, 1, NULL, "%u",
		      vtf >> 28);
	if (vtf >> 28 != 6) {
		dissect_malformed(d, start, "IP version %u in an IPv6 header",
				  vtf >> 28);
		return;
	}
	snprintf(tc_m, sizeof(tc_m), "DSCP: %s, ECN: %s",
		 vname_str(ip_dscp_names, (vtf >> 22) & 0x3f, "Unknown"),
		 vname_str(ip_ecn_short, (vtf >> 20) & 3, "?"));
	dissect_field(d, "ipv6.tclass", "Traffic Class", start, 2, tc_m,
		      "0x%08x", (vtf >> 20) & 0xff);
	dissect_subfield(d, "ipv6.tclass.dscp",
			 "Differentiated Services Codepoint", start, 2,
			 vname_str(ip_dscp_names, (vtf >> 22) & 0x3f,
				   "Unknown"), "%u", (vtf >> 22) & 0x3f);
	dissect_subfield(d, "ipv6.tclass.ecn",
			 "Explicit Congestion Notification", start + 1, 1,
			 vname_str(ip_ecn_names, (vtf >> 20) & 3, NULL), "%u",
			 (vtf >> 20) & 3);
	dissect_field(d, "ipv6.flow", "Flow Label", start + 1, 3, NULL,
		      "0x%06x", vtf & 0xfffff);
	if (cursor_be16(c, &plen))
		goto trunc;
	dissect_field(d, "ipv6.plen", "Payload Length", start + 4, 2, NULL,
		      "%u", plen);
	if (cursor_u8(c, &nh))
		goto trunc;
	dissect_field(d, "ipv6.nxt", "Next Header", start + 6, 1,
		      vname_str(ip_proto_names, nh, NULL), "%u", nh);
	if (cursor_u8(c, &hlim))
		goto trunc;
	dissect_field(d, "ipv6.hlim", "Hop Limit", start + 7, 1, NULL, "%u",
		      hlim);
	if (cursor_bytes(c, src, 16))
		goto trunc;
	dissect_fmt_ipv6(ssrc, sizeof(ssrc), src);
	dissect_field(d, "ipv6.src", "Source Address", start + 8, 16, NULL,
		      "%s", ssrc);
	if (cursor_bytes(c, dst, 16))
		goto trunc;
	dissect_fmt_ipv6(sdst, sizeof(sdst), dst);
	dissect_field(d, "ipv6.dst", "Destination Address", start + 24, 16,
		      NULL, "%s", sdst);

	/* Payload length 0 without a jumbogram is what GSO leaves in a
	 * super-packet: take the captured length. */
	claim = plen;
	left = cursor_left(c);
	if (plen == 0) {
		dissect_note(d, "ipv6.plen_zero", start + 4, 2, "payload length "
			     "0: a jumbogram or segmentation offload");
		claim = left;
	}
	if (left > claim)
		cursor_limit(c, claim);	/* the rest is Ethernet padding */
	if (d->sum) {
		snprintf(d->sum->src, sizeof(d->sum->src), "%s", ssrc);
		snprintf(d->sum->dst, sizeof(d->sum->dst), "%s", sdst);
		d->sum->sport = d->sum->dport = 0;
	}

	for (next = 0; (e = ext_find(nh)) != NULL; next++) {
		if (next == IPV6_MAX_EXT) {
			dissect_malformed(d, c->off, "more than %d IPv6 "
					  "extension headers", IPV6_MAX_EXT);
			return;
		}
		if (e->nh == NH_HOPOPTS && next > 0)
			dissect_note(d, "ipv6.hopopts.not_first", c->off, 0,
				     "Hop-by-Hop header must come first");
		n = ipv6_ext(d, c, e, &nh, &fi, left > claim);
		if (n == 0)
			return;
		ext_len += n;
	}
	if (ext_len > claim) {
		dissect_malformed(d, c->off, "IPv6 extension headers (%zu "
				  "bytes) run past the payload length %zu",
				  ext_len, claim);
		return;
	}

	is_frag = fi.seen && (fi.off || fi.more);
	d->ip.family = 6;
	memcpy(d->ip.src, src, 16);
	memcpy(d->ip.dst, dst, 16);
	d->ip.payload_len = claim - ext_len;
	d->ip.is_fragment = is_frag;
	if (d->sum)
		d->sum->ip_proto = nh;
	if (is_frag)
		dissect_summary_set(d, "IPv6", "IPv6 fragment (off=%u more=%c "
				    "ident=0x%08x nxt=%u)", fi.off,
				    fi.more ? 'y' : 'n', fi.ident, nh);
	else
		dissect_summary_set(d, "IPv6", "%s \u2192 %s next header %u",
				    ssrc, sdst, nh);
	dissect_pop(d);
	if (fi.off)
		/* Only the first fragment holds the upper-layer header. */
		dissect_data(d, c);
	else if (nh != NH_NONE)
		dissect_next(d, DT_IPPROTO, nh, c);
	if (left < claim && !(d->flags & DISSECT_TRUNCATED))
		dissect_truncated(d, "IPv6 payload", start + IPV6_HDR_LEN + left);
	return;
trunc:
	dissect_truncated(d, "IPv6 header", c->off);
}
