// SPDX-License-Identifier: GPL-2.0-only
/*
 * IPv4 (RFC 791 section 3.1; DSCP RFC 2474, ECN RFC 3168 section 5;
 * Router Alert RFC 2113) and the version switch for raw IP (a tun device).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+-----------+---+-------------------------------+
 *   |Version|  IHL  |   DSCP    |ECN|         Total Length          |
 *   +-------+-------+-----------+---+-----+-------------------------+
 *   |        Identification         |Flags|     Fragment Offset     |
 *   +---------------+---------------+-----+-------------------------+
 *   |  Time to Live |   Protocol    |        Header Checksum        |
 *   +---------------+---------------+-------------------------------+
 *   |                        Source Address                         |
 *   +---------------------------------------------------------------+
 *   |                      Destination Address                      |
 *   +---------------------------------------------------------------+
 *   |                    Options (IHL > 5)          |    Padding    |
 *   +-----------------------------------------------+---------------+
 *
 * Flags: reserved, DF (don't fragment), MF (more fragments).  The fragment
 * offset counts 8-byte units.  An option is one byte (EOL 0, NOP 1) or
 * type, length (counting both), data.
 */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"

#define IPV4_MIN_HDR	20
#define IP_DF		0x4000
#define IP_MF		0x2000
#define IP_RB		0x8000
#define IP_OFFMASK	0x1fff

#define IPOPT_EOL	0
#define IPOPT_NOP	1
#define IPOPT_RR	7
#define IPOPT_TS	68
#define IPOPT_LSRR	131
#define IPOPT_SSRR	137
#define IPOPT_RA	148

/* Wireshark's names; ipv6.c shares them for ipv6.nxt. */
const struct vname ip_proto_names[] = {
	{ 0, "IPv6 Hop-by-Hop Option" },
	{ 1, "ICMP" },
	{ 2, "IGMP" },
	{ 4, "IPIP" },
	{ 6, "TCP" },
	{ 17, "UDP" },
	{ 41, "IPv6" },
	{ 43, "Routing Header for IPv6" },
	{ 44, "Fragment Header for IPv6" },
	{ 47, "GRE" },
	{ 50, "ESP" },
	{ 51, "AH" },
	{ 58, "ICMPv6" },
	{ 59, "No Next Header for IPv6" },
	{ 60, "Destination Options for IPv6" },
	{ 89, "OSPF IGP" },
	{ 103, "PIM" },
	{ 112, "VRRP" },
	{ 132, "SCTP" },
	{ 136, "UDPLite" },
	VNAME_END
};

/* RFC 2474, 2597, 3246, 4594, 5865, 8622. */
const struct vname ip_dscp_names[] = {
	{ 0, "Default" }, { 1, "Lower Effort" },
	{ 8, "CS1" }, { 10, "AF11" }, { 12, "AF12" }, { 14, "AF13" },
	{ 16, "CS2" }, { 18, "AF21" }, { 20, "AF22" }, { 22, "AF23" },
	{ 24, "CS3" }, { 26, "AF31" }, { 28, "AF32" }, { 30, "AF33" },
	{ 32, "CS4" }, { 34, "AF41" }, { 36, "AF42" }, { 38, "AF43" },
	{ 40, "CS5" }, { 44, "Voice Admit" }, { 46, "Expedited Forwarding" },
	{ 48, "CS6" }, { 56, "CS7" },
	VNAME_END
};

/* RFC 3168 section 5. */
const struct vname ip_ecn_names[] = {
	{ 0, "Not ECN-Capable Transport" },
	{ 1, "ECN-Capable Transport codepoint '01'" },
	{ 2, "ECN-Capable Transport codepoint '10'" },
	{ 3, "Congestion Experienced" },
	VNAME_END
};

/* Short ECN names for the one-line DS field reading. */
const struct vname ip_ecn_short[] = {
	{ 0, "Not-ECT" }, { 1, "ECT(1)" }, { 2, "ECT(0)" }, { 3, "CE" },
	VNAME_END
};

static const struct vname ipopt_names[] = {
	{ IPOPT_EOL, "End of Options List (EOL)" },
	{ IPOPT_NOP, "No-Operation (NOP)" },
	{ IPOPT_RR, "Record Route" },
	{ IPOPT_TS, "Time Stamp" },
	{ IPOPT_LSRR, "Loose Source Route" },
	{ IPOPT_SSRR, "Strict Source Route" },
	{ IPOPT_RA, "Router Alert" },
	{ 130, "Security" },
	{ 133, "Extended Security" },
	{ 134, "Commercial Security" },
	{ 136, "Stream ID" },
	{ 11, "MTU Probe" },
	{ 12, "MTU Reply" },
	{ 25, "Quick-Start" },
	{ 82, "Traceroute" },
	{ 149, "Selective Directed Broadcast" },
	VNAME_END
};

/* The filter name of each option's subtree (Wireshark registers options
 * as protocols: ip.options.record_route ...). */
static const struct vname ipopt_filters[] = {
	{ IPOPT_EOL, "ip.options.eol" },
	{ IPOPT_NOP, "ip.options.nop" },
	{ IPOPT_RR, "ip.options.record_route" },
	{ IPOPT_TS, "ip.options.timestamp" },
	{ IPOPT_LSRR, "ip.options.route" },
	{ IPOPT_SSRR, "ip.options.source_route" },
	{ IPOPT_RA, "ip.options.routeralert" },
	{ 130, "ip.options.security" },
	{ 133, "ip.options.ext_security" },
	{ 134, "ip.options.cipso" },
	{ 136, "ip.options.sid" },
	{ 11, "ip.options.mtu_probe" },
	{ 12, "ip.options.mtu_reply" },
	{ 25, "ip.options.qs" },
	{ 82, "ip.options.traceroute" },
	{ 149, "ip.options.sdb" },
	VNAME_END
};

static const struct vname ts_flags[] = {
	{ 0, "Time stamps only" },
	{ 1, "Time stamp and address" },
	{ 3, "Time stamps for prespecified addresses" },
	VNAME_END
};

/* RFC 2113 section 2.1. */
static const struct vname ra_values[] = {
	{ 0, "Router shall examine packet" },
	VNAME_END
};

/* The three flag bits read as one value; 0 has no name. */
static const struct vname ip_flag_names[] = {
	{ 1, "More fragments" }, { 2, "Don't fragment" },
	{ 3, "Don't fragment, More fragments" }, { 4, "Reserved bit" },
	{ 5, "Reserved bit, More fragments" },
	{ 6, "Reserved bit, Don't fragment" },
	{ 7, "Reserved bit, Don't fragment, More fragments" },
	VNAME_END
};

/* Wireshark's reading of a flag bit. */
static const char *set_str(int bit)
{
	return bit ? "Set" : "Not set";
}

/* The addresses of a Record Route or source route option: those before
 * the pointer are filled in, the rest are still empty. */
static void ipopt_route(struct dissect *d, struct cursor *o, uint8_t type,
			uint8_t ptr, size_t opt_start)
{
	uint8_t a[4];
	char s[16];
	size_t at;

	while (cursor_left(o) >= 4) {
		at = o->off;
		cursor_bytes(o, a, 4);
		dissect_fmt_ipv4(s, sizeof(s), a);
		if (type != IPOPT_RR)
			dissect_field(d, "ip.src_rt", "Source Route", at, 4,
				      at - opt_start + 1 == ptr ? "next" : NULL,
				      "%s", s);
		else if (at - opt_start + 1 < ptr)
			dissect_field(d, "ip.rec_rt", "Recorded Route", at, 4,
				      NULL, "%s", s);
		else
			dissect_field(d, "ip.empty_rt", "Empty Route", at, 4,
				      at - opt_start + 1 == ptr ? "next" : NULL,
				      "%s", s);
	}
}

/* RFC 791 Internet Timestamp: overflow, flag, then stamps (with addresses
 * for flags 1 and 3). */
static void ipopt_ts(struct dissect *d, struct cursor *o)
{
	uint8_t of, a[4];
	uint32_t ts;
	char s[16];
	size_t at;

	at = o->off;
	if (cursor_u8(o, &of))
		return;
	dissect_field(d, "ip.opt.overflow", "Overflow", at, 1, NULL, "%u",
		      of >> 4);
	dissect_field(d, "ip.opt.flag", "Flag", at, 1,
		      vname_str(ts_flags, of & 0xf, "unknown"), "0x%02x",
		      of & 0xf);
	for (;;) {
		at = o->off;
		if ((of & 0xf) == 1 || (of & 0xf) == 3) {
			if (cursor_bytes(o, a, 4))
				break;
			dissect_fmt_ipv4(s, sizeof(s), a);
			dissect_field(d, "ip.opt.time_stamp_addr", "Address",
				      at, 4, NULL, "%s", s);
			at = o->off;
		}
		if (cursor_be32(o, &ts))
			break;
		dissect_field(d, "ip.opt.time_stamp", "Time stamp", at, 4,
			      NULL, "%u", ts);
	}
}

/* One option with a length byte: its subtree, then the type-specific
 * fields.  Returns -1 if the length is impossible (the caller stops). */
static int ipopt_one(struct dissect *d, struct cursor *opts, uint8_t type)
{
	size_t start = opts->off;
	const char *name = vname_str(ipopt_names, type, "Unknown");
	struct cursor o;
	char hex[96];
	uint8_t len, ptr;
	uint16_t ra;

	if (cursor_peek_u8(opts, start + 1, &len)) {
		dissect_malformed(d, start, "IPv4 option %u has no length byte",
				  type);
		return -1;
	}
	if (len < 2 || len > cursor_left(opts)) {
		dissect_malformed(d, start + 1,
				  "IPv4 option %u length %u %s", type, len,
				  len < 2 ? "is less than 2" :
				  "runs past the header");
		return -1;
	}
	cursor_sub(opts, &o, len);
	dissect_fmt_hex(hex, sizeof(hex), o.base + start, len);
	dissect_field(d, vname_str(ipopt_filters, type, "ip.options.unknown"),
		      name, start, len, name, "%s", hex);
	d->depth++;
	cursor_skip(&o, 2);
	dissect_field(d, "ip.opt.type", "Type", start, 1, name, "%u", type);
	dissect_field(d, "ip.opt.len", "Length", start + 1, 1, NULL, "%u",
		      len);
	switch (type) {
	case IPOPT_RR:
	case IPOPT_LSRR:
	case IPOPT_SSRR:
	case IPOPT_TS:
		if (cursor_u8(&o, &ptr))
			break;
		dissect_field(d, "ip.opt.ptr", "Pointer", start + 2, 1, NULL,
			      "%u", ptr);
		if (type == IPOPT_TS)
			ipopt_ts(d, &o);
		else
			ipopt_route(d, &o, type, ptr, start);
		break;
	case IPOPT_RA:
		if (cursor_be16(&o, &ra))
			break;
		dissect_field(d, "ip.opt.ra", "Router Alert", start + 2, 2,
			      vname_str(ra_values, ra, "Reserved"), "%u", ra);
		break;
	default:
		break;
	}
	d->depth--;
	return 0;
}

/* The options between byte 20 and the header length. */
static void ipv4_options(struct dissect *d, struct cursor *opts)
{
	uint8_t type = IPOPT_NOP;
	char hex[96];
	size_t at;

	dissect_fmt_hex(hex, sizeof(hex), cursor_ptr(opts), cursor_left(opts));
	dissect_field(d, "ip.options", "Options", opts->off, cursor_left(opts),
		      NULL, "%s", hex);
	d->depth++;
	while (!cursor_u8(opts, &type)) {
		at = opts->off - 1;
		if (type == IPOPT_EOL || type == IPOPT_NOP) {
			dissect_field(d, vname_str(ipopt_filters, type, ""),
				      vname_str(ipopt_names, type, ""), at, 1,
				      vname_str(ipopt_names, type, ""),
				      "%02x", type);
			dissect_subfield(d, "ip.opt.type", "Type", at, 1,
					 vname_str(ipopt_names, type, ""),
					 "%u", type);
			if (type == IPOPT_EOL)
				break;
			continue;
		}
		opts->off = at;	/* the option reads its own type byte */
		if (ipopt_one(d, opts, type))
			break;
	}
	if (type == IPOPT_EOL && cursor_left(opts)) {
		dissect_fmt_hex(hex, sizeof(hex), cursor_ptr(opts),
				cursor_left(opts));
		dissect_field(d, "ip.opt.padding", "Padding", opts->off,
			      cursor_left(opts), NULL, "%s", hex);
	}
	d->depth--;
}

/* Verify the header checksum over hlen bytes at hdr. */
static void ipv4_checksum(struct dissect *d, const struct cursor *c,
			  size_t start, size_t hlen, uint16_t csum)
{
	const uint8_t *hdr = c->base + start;
	uint32_t sum;
	uint16_t should;

	if (start + hlen > c->end) {
		dissect_field(d, "ip.checksum", "Header Checksum", start + 10, 2,
			      dissect_csum_name(CSUM_UNVERIFIED), "0x%04x",
			      csum);
		return;
	}
	sum = dissect_csum_add(0, hdr, 10);
	sum = dissect_csum_add(sum, hdr + 12, hlen - 12);
	should = (uint16_t)~dissect_csum_fold(sum);
	if (should == csum ||
	    dissect_csum_fold(dissect_csum_add(0, hdr, hlen)) == 0xffff) {
		dissect_field(d, "ip.checksum", "Header Checksum", start + 10, 2,
			      dissect_csum_name(CSUM_GOOD), "0x%04x", csum);
		return;
	}
	dissect_field(d, "ip.checksum", "Header Checksum", start + 10, 2,
		      dissect_csum_name(CSUM_BAD), "0x%04x", csum);
	dissect_bad_checksum(d, start + 10,
			  "bad IPv4 header checksum 0x%04x, should be 0x%04x",
			  csum, should);
}

/* The IPv4 header, its options, then the payload by protocol number. */
void ipv4_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, hlen, claim, left;
	uint8_t vihl, tos, ttl, proto, src[4], dst[4];
	uint16_t tot_len, id, frag, csum, off8;
	char ssrc[16], sdst[16], ds[64];
	struct cursor peek = *c, opts;
	int is_frag;

	if (!cursor_u8(&peek, &vihl) && !cursor_skip(&peek, 11) &&
	    !cursor_bytes(&peek, src, 4) && !cursor_bytes(&peek, dst, 4)) {
		dissect_fmt_ipv4(ssrc, sizeof(ssrc), src);
		dissect_fmt_ipv4(sdst, sizeof(sdst), dst);
		dissect_proto(d, "ip", "Internet Protocol Version 4", start,
			      dissect_avail(c, (size_t)(vihl & 0xf) * 4 < 20 ?
					    20 : (size_t)(vihl & 0xf) * 4),
			      "Src: %s, Dst: %s", ssrc, sdst);
	} else {
		dissect_proto(d, "ip", "Internet Protocol Version 4", start,
			      dissect_avail(c, IPV4_MIN_HDR), "%s", "");
	}
	if (cursor_u8(c, &vihl))
		goto trunc;
	hlen = (size_t)(vihl & 0xf) * 4;
	dissect_field(d, "ip.version", "Version", start, 1, NULL, "%u",
		      vihl >> 4);
	if (vihl >> 4 != 4) {
		dissect_malformed(d, start, "IP version %u in an IPv4 header",
				  vihl >> 4);
		return;
	}
	dissect_field(d, "ip.hdr_len", "Header Length", start, 1, NULL, "%zu",
		      hlen);
	if (hlen < IPV4_MIN_HDR) {
		dissect_malformed(d, start, "IPv4 header length %zu (IHL %u) "
				  "is less than 20", hlen, vihl & 0xf);
		return;
	}
	if (cursor_u8(c, &tos))
		goto trunc;
	snprintf(ds, sizeof(ds), "DSCP: %s, ECN: %s",
		 vname_str(ip_dscp_names, tos >> 2, "Unknown"),
		 vname_str(ip_ecn_short, tos & 3, "?"));
	dissect_field(d, "ip.dsfield", "Differentiated Services Field",
		      start + 1, 1, ds, "0x%02x", tos);
	dissect_subfield(d, "ip.dsfield.dscp",
			 "Differentiated Services Codepoint", start + 1, 1,
			 vname_str(ip_dscp_names, tos >> 2, "Unknown"), "%u",
			 tos >> 2);
	dissect_subfield(d, "ip.dsfield.ecn",
			 "Explicit Congestion Notification", start + 1, 1,
			 vname_str(ip_ecn_names, tos & 3, NULL), "%u", tos & 3);
	if (cursor_be16(c, &tot_len))
		goto trunc;
	dissect_field(d, "ip.len", "Total Length", start + 2, 2, NULL, "%u",
		      tot_len);
	if (cursor_be16(c, &id))
		goto trunc;
	dissect_field(d, "ip.id", "Identification", start + 4, 2, NULL,
		      "0x%04x", id);
	if (cursor_be16(c, &frag))
		goto trunc;
	dissect_field(d, "ip.flags", "Flags", start + 6, 1,
		      vname_find(ip_flag_names, frag >> 13),
		      "0x%02x", frag >> 13);
	dissect_subfield(d, "ip.flags.rb", "Reserved bit", start + 6, 1,
			 set_str(frag & IP_RB), "%u", !!(frag & IP_RB));
	dissect_subfield(d, "ip.flags.df", "Don't fragment", start + 6, 1,
			 set_str(frag & IP_DF), "%u", !!(frag & IP_DF));
	dissect_subfield(d, "ip.flags.mf", "More fragments", start + 6, 1,
			 set_str(frag & IP_MF), "%u", !!(frag & IP_MF));
	off8 = frag & IP_OFFMASK;
	{
		char bytes[24];

		snprintf(bytes, sizeof(bytes), "%u bytes", off8 * 8u);
		dissect_field(d, "ip.frag_offset", "Fragment Offset",
			      start + 6, 2, bytes, "%u", off8);
	}
	if (cursor_u8(c, &ttl))
		goto trunc;
	dissect_field(d, "ip.ttl", "Time to Live", start + 8, 1, NULL, "%u",
		      ttl);
	if (cursor_u8(c, &proto))
		goto trunc;
	dissect_field(d, "ip.proto", "Protocol", start + 9, 1,
		      vname_str(ip_proto_names, proto, NULL), "%u", proto);
	if (cursor_be16(c, &csum))
		goto trunc;
	ipv4_checksum(d, c, start, hlen, csum);
	if (cursor_bytes(c, src, 4))
		goto trunc;
	dissect_fmt_ipv4(ssrc, sizeof(ssrc), src);
	dissect_field(d, "ip.src", "Source Address", start + 12, 4, NULL,
		      "%s", ssrc);
	if (cursor_bytes(c, dst, 4))
		goto trunc;
	dissect_fmt_ipv4(sdst, sizeof(sdst), dst);
	dissect_field(d, "ip.dst", "Destination Address", start + 16, 4, NULL,
		      "%s", sdst);
	if (hlen > IPV4_MIN_HDR) {
		/* Options are decoded only whole: a cut-off option would
		 * look like a bad length. */
		if (cursor_sub(c, &opts, hlen - IPV4_MIN_HDR))
			goto trunc;
		ipv4_options(d, &opts);
	}

	/* Total length 0 is what TSO leaves in a super-packet: the
	 * captured length is all we know. */
	if (tot_len == 0) {
		dissect_note(d, "ip.len.tso", start + 2, 2,
			     "total length 0: assuming TCP segmentation offload");
		tot_len = (uint16_t)(cursor_left(c) + hlen > 0xffff ? 0xffff :
				     cursor_left(c) + hlen);
	} else if (tot_len < hlen) {
		dissect_malformed(d, start + 2, "IPv4 total length %u is less "
				  "than the header length %zu", tot_len, hlen);
		return;
	}
	claim = tot_len - hlen;
	left = cursor_left(c);
	if (left > claim)
		cursor_limit(c, claim);	/* the rest is Ethernet padding */

	is_frag = (frag & IP_MF) || off8;
	d->ip.family = 4;
	memcpy(d->ip.src, src, 4);
	memcpy(d->ip.dst, dst, 4);
	d->ip.payload_len = claim;
	d->ip.is_fragment = is_frag;
	if (d->sum) {
		snprintf(d->sum->src, sizeof(d->sum->src), "%s", ssrc);
		snprintf(d->sum->dst, sizeof(d->sum->dst), "%s", sdst);
		d->sum->ip_proto = proto;
		d->sum->sport = d->sum->dport = 0;
	}
	if (is_frag)
		dissect_summary_set(d, "IPv4", "Fragmented IP protocol "
				    "(proto=%s %u, off=%u, ID=%04x)",
				    vname_str(ip_proto_names, proto, "?"),
				    proto, off8 * 8u, id);
	else
		dissect_summary_set(d, "IPv4", "%s \u2192 %s protocol %u",
				    ssrc, sdst, proto);
	dissect_pop(d);
	if (off8)
		/* Only the first fragment holds the transport header. */
		dissect_data(d, c);
	else
		dissect_next(d, DT_IPPROTO, proto, c);
	if (left < claim && !(d->flags & DISSECT_TRUNCATED))
		dissect_truncated(d, "IPv4 payload", start + hlen + left);
	return;
trunc:
	dissect_truncated(d, "IPv4 header", c->off);
}

/* A raw IP packet (tun): IPv4 or IPv6 by the version nibble. */
void ip_dissect(struct dissect *d, struct cursor *c)
{
	uint8_t v;

	if (cursor_peek_u8(c, c->off, &v))
		return;
	if (v >> 4 == 4) {
		ipv4_dissect(d, c);
	} else if (v >> 4 == 6) {
		ipv6_dissect(d, c);
	} else {
		dissect_proto(d, "ip", "Internet Protocol", c->off, 1, "%s",
			      "bogus version");
		dissect_field(d, "ip.version", "Version", c->off, 1, NULL, "%u",
			      v >> 4);
		dissect_malformed(d, c->off, "IP version %u is neither 4 nor 6",
				  v >> 4);
	}
}
