// SPDX-License-Identifier: GPL-2.0-only
/*
 * ICMPv6 (RFC 4443 section 2.1), Neighbor Discovery (RFC 4861 section 4,
 * options 4.6) and MLDv1/MLDv2 (RFC 2710 section 3, RFC 3810 section 5).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------+---------------+-------------------------------+
 *   |     Type      |     Code      |           Checksum            |
 *   +---------------+---------------+-------------------------------+
 *   |  echo: Identifier, Sequence;  NS/NA: reserved or flags,       |
 *   |  then the target address;  RA: hop limit, flags, lifetime ... |
 *   +---------------------------------------------------------------+
 *   |  ND options:  type (8) | length (8, in units of 8 bytes) | ... |
 *   +---------------------------------------------------------------+
 *
 * The checksum covers an IPv6 pseudo-header (RFC 8200 section 8.1) and
 * the whole message.
 */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"

#define ICMPV6_HDR_LEN	4

#define T_DST_UNREACH	1
#define T_PKT_TOO_BIG	2
#define T_TIME_EXCEED	3
#define T_PARAM_PROB	4
#define T_ECHO_REQUEST	128
#define T_ECHO_REPLY	129
#define T_MLD_QUERY	130
#define T_MLD_REPORT	131
#define T_MLD_DONE	132
#define T_ROUTER_SOL	133
#define T_ROUTER_ADV	134
#define T_NEIGH_SOL	135
#define T_NEIGH_ADV	136
#define T_REDIRECT	137
#define T_MLD2_REPORT	143

#define OPT_SRC_LLA	1
#define OPT_TGT_LLA	2
#define OPT_PREFIX	3
#define OPT_MTU		5
#define OPT_RDNSS	25

static const struct vname icmpv6_types[] = {
	{ T_DST_UNREACH, "Destination Unreachable" },
	{ T_PKT_TOO_BIG, "Packet Too Big" },
	{ T_TIME_EXCEED, "Time Exceeded" },
	{ T_PARAM_PROB, "Parameter Problem" },
	{ T_ECHO_REQUEST, "Echo (ping) request" },
	{ T_ECHO_REPLY, "Echo (ping) reply" },
	{ T_MLD_QUERY, "Multicast Listener Query" },
	{ T_MLD_REPORT, "Multicast Listener Report" },
	{ T_MLD_DONE, "Multicast Listener Done" },
	{ T_ROUTER_SOL, "Router Solicitation" },
	{ T_ROUTER_ADV, "Router Advertisement" },
	{ T_NEIGH_SOL, "Neighbor Solicitation" },
	{ T_NEIGH_ADV, "Neighbor Advertisement" },
	{ T_REDIRECT, "Redirect" },
	{ T_MLD2_REPORT, "Multicast Listener Report Message v2" },
	VNAME_END
};

static const struct vname unreach_codes[] = {
	{ 0, "no route to destination" },
	{ 1, "communication with destination administratively prohibited" },
	{ 2, "beyond scope of source address" },
	{ 3, "address unreachable" },
	{ 4, "port unreachable" },
	{ 5, "source address failed ingress/egress policy" },
	{ 6, "reject route to destination" },
	VNAME_END
};

static const struct vname exceed_codes[] = {
	{ 0, "hop limit exceeded in transit" },
	{ 1, "fragment reassembly time exceeded" },
	VNAME_END
};

static const struct vname param_codes[] = {
	{ 0, "erroneous header field encountered" },
	{ 1, "unrecognized Next Header type encountered" },
	{ 2, "unrecognized IPv6 option encountered" },
	VNAME_END
};

static const struct {
	uint8_t type;
	const struct vname *codes;
} code_tables[] = {
	{ T_DST_UNREACH, unreach_codes },
	{ T_TIME_EXCEED, exceed_codes },
	{ T_PARAM_PROB, param_codes },
};

static const struct vname opt_names[] = {
	{ OPT_SRC_LLA, "Source link-layer address" },
	{ OPT_TGT_LLA, "Target link-layer address" },
	{ OPT_PREFIX, "Prefix information" },
	{ 4, "Redirected header" },
	{ OPT_MTU, "MTU" },
	{ 14, "Nonce" },
	{ 24, "Route Information" },
	{ OPT_RDNSS, "Recursive DNS Server" },
	{ 31, "DNS Search List" },
	{ 38, "PREF64" },
	VNAME_END
};

/* RFC 3810 section 5.2.12. */
static const struct vname mld2_record_types[] = {
	{ 1, "Include" },
	{ 2, "Exclude" },
	{ 3, "Changed to include" },
	{ 4, "Changed to exclude" },
	{ 5, "Allow new sources" },
	{ 6, "Block old sources" },
	VNAME_END
};

/* RFC 4191 section 2.1: the router preference in the RA flags. */
static const struct vname ra_prf[] = {
	{ 0, "Medium" }, { 1, "High" }, { 2, "Reserved" }, { 3, "Low" },
	VNAME_END
};

/* Wireshark's reading of a flag bit. */
static const char *yes_no(int bit)
{
	return bit ? "Set" : "Not set";
}

/* The name of code for type, or NULL. */
static const char *code_name(uint8_t type, uint8_t code)
{
	for (size_t i = 0; i < sizeof(code_tables) / sizeof(code_tables[0]);
	     i++)
		if (code_tables[i].type == type)
			return vname_find(code_tables[i].codes, code);
	return NULL;
}

/* Read a 16-byte address and emit it; -1 if the packet ends first. */
static int addr6(struct dissect *d, struct cursor *c, const char *name,
		 const char *label, char *out, size_t outlen)
{
	uint8_t a[16];
	char s[48];
	size_t at = c->off;

	if (cursor_bytes(c, a, 16))
		return -1;
	dissect_fmt_ipv6(s, sizeof(s), a);
	dissect_field(d, name, label, at, 16, NULL, "%s", s);
	if (out)
		snprintf(out, outlen, "%s", s);
	return 0;
}

/* The body of one ND option (after type and length), in o. */
static void nd_option_body(struct dissect *d, struct cursor *o, uint8_t type,
			   char *lla, size_t llalen)
{
	size_t at = o->off;
	uint8_t b[16], plen, fl;
	uint32_t v;
	char s[48];

	switch (type) {
	case OPT_SRC_LLA:
	case OPT_TGT_LLA:
		if (cursor_left(o) == 6) {
			cursor_bytes(o, b, 6);
			dissect_fmt_mac(s, sizeof(s), b);
			dissect_field(d, "icmpv6.opt.linkaddr",
				      "Link-layer address", at, 6, NULL, "%s",
				      s);
			snprintf(lla, llalen, "%s", s);
		}
		break;
	case OPT_PREFIX:
		if (cursor_left(o) != 30)
			break;
		cursor_u8(o, &plen);
		dissect_field(d, "icmpv6.opt.prefix.length", "Prefix Length",
			      at, 1, NULL, "%u", plen);
		cursor_u8(o, &fl);
		dissect_field(d, "icmpv6.opt.prefix.flag", "Flag", at + 1, 1,
			      NULL, "0x%02x", fl);
		dissect_subfield(d, "icmpv6.opt.prefix.flag.l",
				 "On-link flag(L)", at + 1, 1,
				 yes_no(fl & 0x80), "%u", fl >> 7);
		dissect_subfield(d, "icmpv6.opt.prefix.flag.a",
				 "Autonomous address-configuration flag(A)",
				 at + 1, 1, yes_no(fl & 0x40), "%u",
				 (fl >> 6) & 1);
		dissect_subfield(d, "icmpv6.opt.prefix.flag.r",
				 "Router address flag(R)", at + 1, 1,
				 yes_no(fl & 0x20), "%u", (fl >> 5) & 1);
		cursor_be32(o, &v);
		dissect_field(d, "icmpv6.opt.prefix.valid_lifetime",
			      "Valid Lifetime", at + 2, 4,
			      v == 0xffffffff ? "Infinity" : NULL, "%u", v);
		cursor_be32(o, &v);
		dissect_field(d, "icmpv6.opt.prefix.preferred_lifetime",
			      "Preferred Lifetime", at + 6, 4,
			      v == 0xffffffff ? "Infinity" : NULL, "%u", v);
		cursor_skip(o, 4);	/* reserved */
		addr6(d, o, "icmpv6.opt.prefix", "Prefix", NULL, 0);
		break;
	case OPT_MTU:
		if (cursor_left(o) != 6)
			break;
		cursor_skip(o, 2);
		cursor_be32(o, &v);
		dissect_field(d, "icmpv6.opt.mtu", "MTU", at + 2, 4, NULL, "%u",
			      v);
		break;
	case OPT_RDNSS:
		if (cursor_skip(o, 2) || cursor_be32(o, &v))
			break;
		dissect_field(d, "icmpv6.opt.rdnss.lifetime", "Lifetime",
			      at + 2, 4, v == 0xffffffff ? "Infinity" : NULL,
			      "%u", v);
		while (cursor_left(o) >= 16)
			addr6(d, o, "icmpv6.opt.rdnss",
			      "Recursive DNS Servers", NULL, 0);
		break;
	default:
		break;
	}
}

/* ND options to the end of c.  The link-layer address, if one is given,
 * goes to lla for the info line.  cut says the message was captured short,
 * so an option running off the end is truncated, not malformed.  Returns
 * -1 if decoding stopped. */
static int nd_options(struct dissect *d, struct cursor *c, char *lla,
		      size_t llalen, int cut)
{
	uint8_t type, len;
	char bytes[16], hex[128];
	struct cursor o;
	size_t at;

	while (cursor_left(c)) {
		at = c->off;
		if (cursor_u8(c, &type) || cursor_u8(c, &len)) {
			dissect_truncated(d, "ICMPv6 option", at);
			return -1;
		}
		/* RFC 4861 section 4.6: a zero length must be discarded, and
		 * it would loop forever. */
		if (len == 0) {
			dissect_malformed(d, at + 1, "ICMPv6 option %u has "
					  "length 0", type);
			return -1;
		}
		if ((size_t)len * 8 - 2 > cursor_left(c)) {
			dissect_fmt_hex(hex, sizeof(hex), c->base + at,
					2 + cursor_left(c));
			dissect_field(d, "icmpv6.opt", "ICMPv6 Option", at,
				      2 + cursor_left(c),
				      vname_str(opt_names, type, "Unknown"),
				      "%s", hex);
			if (cut) {
				dissect_truncated(d, "ICMPv6 option", c->end);
				return -1;
			}
			dissect_malformed(d, at + 1, "ICMPv6 option %u length "
					  "%u runs past the message", type,
					  len * 8);
			return -1;
		}
		dissect_fmt_hex(hex, sizeof(hex), c->base + at,
				(size_t)len * 8);
		dissect_field(d, "icmpv6.opt", "ICMPv6 Option", at,
			      (size_t)len * 8,
			      vname_str(opt_names, type, "Unknown"), "%s", hex);
		d->depth++;
		dissect_field(d, "icmpv6.opt.type", "Type", at, 1,
			      vname_str(opt_names, type, "Unknown"), "%u",
			      type);
		snprintf(bytes, sizeof(bytes), "%u bytes", len * 8);
		dissect_field(d, "icmpv6.opt.length", "Length", at + 1, 1,
			      bytes, "%u", len);
		cursor_sub(c, &o, (size_t)len * 8 - 2);
		nd_option_body(d, &o, type, lla, llalen);
		d->depth--;
	}
	return 0;
}

/* MLDv2 report: records of (type, aux len, sources, group, sources,
 * aux data). */
static int mld2_report(struct dissect *d, struct cursor *c, uint16_t nrec)
{
	uint8_t rtype, auxlen;
	uint16_t nsrc;
	size_t at, rlen;
	char hex[128];

	for (uint16_t i = 0; i < nrec; i++) {
		at = c->off;
		if (cursor_u8(c, &rtype) || cursor_u8(c, &auxlen) ||
		    cursor_be16(c, &nsrc))
			return -1;
		rlen = dissect_avail(c, 16 + 16 * (size_t)nsrc +
				     4 * (size_t)auxlen) + 4;
		dissect_fmt_hex(hex, sizeof(hex), c->base + at, rlen);
		dissect_field(d, "icmpv6.mldr.mar", "Multicast Address Record",
			      at, rlen,
			      vname_str(mld2_record_types, rtype, "Unknown"),
			      "%s", hex);
		d->depth++;
		dissect_field(d, "icmpv6.mldr.mar.record_type", "Record Type",
			      at, 1, vname_str(mld2_record_types, rtype,
					       "Unknown"), "%u", rtype);
		dissect_field(d, "icmpv6.mldr.mar.aux_data_len",
			      "Aux Data Len", at + 1, 1, NULL, "%u", auxlen);
		dissect_field(d, "icmpv6.mldr.mar.nb_sources",
			      "Number of Sources", at + 2, 2, NULL, "%u", nsrc);
		if (addr6(d, c, "icmpv6.mldr.mar.multicast_address",
			  "Multicast Address", NULL, 0))
			goto out;
		for (uint16_t s = 0; s < nsrc; s++)
			if (addr6(d, c, "icmpv6.mldr.mar.source_address",
				  "Source Address", NULL, 0))
				goto out;
		if (cursor_skip(c, 4 * (size_t)auxlen))
			goto out;
		d->depth--;
	}
	return 0;
out:
	d->depth--;
	return -1;
}

/* The checksum field against the IPv6 pseudo-header. */
static void icmpv6_checksum(struct dissect *d, const struct cursor *c,
			    size_t start, uint16_t csum)
{
	size_t len = d->ip.payload_len;
	enum dissect_csum v = CSUM_UNVERIFIED;

	if (d->ip.family == 6 && start + len <= c->end && len >= 4)
		v = dissect_l4_csum(d, 58, c->base + start, len, 2);
	dissect_field(d, "icmpv6.checksum", "Checksum", start + 2, 2,
		      dissect_csum_name(v), "0x%04x", csum);
	if (v == CSUM_BAD)
		dissect_bad_checksum(d, start + 2, "bad ICMPv6 checksum 0x%04x, "
				  "should be 0x%04x", csum,
				  dissect_l4_csum_expected(d, 58,
							   c->base + start,
							   len, 2));
}

/* An ICMPv6 message by type: errors, echo, MLD, Neighbor Discovery. */
void icmpv6_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, claim = d->ip.payload_len;
	const char *tname, *cname;
	char target[48] = "", lla[48] = "", fl[32];
	uint8_t type, code, b8, hop;
	uint16_t csum, id, seq, n16;
	uint32_t v32;
	int cut = start + claim > c->end;

	dissect_proto(d, "icmpv6", "Internet Control Message Protocol v6",
		      start, cursor_left(c), "%s", "");
	if (cursor_u8(c, &type))
		goto trunc;
	tname = vname_str(icmpv6_types, type, "Unknown ICMPv6 type");
	dissect_field(d, "icmpv6.type", "Type", start, 1, tname, "%u", type);
	if (cursor_u8(c, &code))
		goto trunc;
	cname = code_name(type, code);
	dissect_field(d, "icmpv6.code", "Code", start + 1, 1, cname, "%u",
		      code);
	if (cursor_be16(c, &csum))
		goto trunc;
	icmpv6_checksum(d, c, start, csum);
	if (cname)
		dissect_summary_set(d, "ICMPv6", "%s (%s)", tname, cname);
	else
		dissect_summary_set(d, "ICMPv6", "%s", tname);

	switch (type) {
	case T_DST_UNREACH:
	case T_TIME_EXCEED:
	case T_PKT_TOO_BIG:
	case T_PARAM_PROB:
		if (cursor_be32(c, &v32))
			goto trunc;
		if (type == T_PKT_TOO_BIG)
			dissect_field(d, "icmpv6.mtu", "MTU", start + 4, 4, NULL,
				      "%u", v32);
		else if (type == T_PARAM_PROB)
			dissect_field(d, "icmpv6.pointer", "Pointer", start + 4,
				      4, NULL, "%u", v32);
		else
			dissect_field(d, "icmpv6.reserved", "Reserved",
				      start + 4, 4, NULL, "%08x", v32);
		icmp_quoted(d, DT_ETHERTYPE, 0x86dd, c);
		break;
	case T_ECHO_REQUEST:
	case T_ECHO_REPLY:
		if (cursor_be16(c, &id))
			goto trunc;
		dissect_field(d, "icmpv6.echo.identifier", "Identifier",
			      start + 4, 2, NULL, "0x%04x", id);
		if (cursor_be16(c, &seq))
			goto trunc;
		dissect_field(d, "icmpv6.echo.sequence_number", "Sequence",
			      start + 6, 2, NULL, "%u", seq);
		dissect_summary_set(d, "ICMPv6", "%s id=0x%04x, seq=%u", tname,
				    id, seq);
		dissect_data(d, c);
		break;
	case T_MLD_QUERY:
	case T_MLD_REPORT:
	case T_MLD_DONE:
		if (cursor_be16(c, &n16))
			goto trunc;
		dissect_field(d, "icmpv6.mld.maximum_response_delay",
			      "Maximum Response Delay [ms]", start + 4, 2, NULL,
			      "%u", n16);
		if (cursor_skip(c, 2))
			goto trunc;
		if (addr6(d, c, "icmpv6.mld.multicast_address",
			  "Multicast Address", target, sizeof(target)))
			goto trunc;
		dissect_data(d, c);	/* MLDv2 query fields: not decoded */
		break;
	case T_MLD2_REPORT:
		if (cursor_skip(c, 2) || cursor_be16(c, &n16))
			goto trunc;
		dissect_field(d, "icmpv6.mldr.nb_mcast_records",
			      "Number of Multicast Address Records", start + 6,
			      2, NULL, "%u", n16);
		if (mld2_report(d, c, n16))
			goto trunc;
		break;
	case T_ROUTER_SOL:
		if (cursor_be32(c, &v32))
			goto trunc;
		dissect_field(d, "icmpv6.reserved", "Reserved", start + 4, 4,
			      NULL, "%08x", v32);
		if (nd_options(d, c, lla, sizeof(lla), cut))
			return;
		if (lla[0])
			dissect_summary_set(d, "ICMPv6", "%s from %s", tname,
					    lla);
		break;
	case T_ROUTER_ADV:
		if (cursor_u8(c, &hop))
			goto trunc;
		dissect_field(d, "icmpv6.nd.ra.cur_hop_limit", "Cur hop limit",
			      start + 4, 1, NULL, "%u", hop);
		if (cursor_u8(c, &b8))
			goto trunc;
		dissect_field(d, "icmpv6.nd.ra.flag", "Flags", start + 5, 1,
			      NULL, "0x%02x", b8);
		dissect_subfield(d, "icmpv6.nd.ra.flag.m",
				 "Managed address configuration", start + 5, 1,
				 yes_no(b8 & 0x80), "%u", b8 >> 7);
		dissect_subfield(d, "icmpv6.nd.ra.flag.o",
				 "Other configuration", start + 5, 1,
				 yes_no(b8 & 0x40), "%u", (b8 >> 6) & 1);
		dissect_subfield(d, "icmpv6.nd.ra.flag.prf",
				 "Prf (Default Router Preference)", start + 5,
				 1, vname_str(ra_prf, (b8 >> 3) & 3, NULL),
				 "%u", (b8 >> 3) & 3);
		if (cursor_be16(c, &n16))
			goto trunc;
		dissect_field(d, "icmpv6.nd.ra.router_lifetime",
			      "Router lifetime (s)", start + 6, 2, NULL, "%u",
			      n16);
		if (cursor_be32(c, &v32))
			goto trunc;
		dissect_field(d, "icmpv6.nd.ra.reachable_time",
			      "Reachable time (ms)", start + 8, 4, NULL, "%u",
			      v32);
		if (cursor_be32(c, &v32))
			goto trunc;
		dissect_field(d, "icmpv6.nd.ra.retrans_timer",
			      "Retrans timer (ms)", start + 12, 4, NULL, "%u",
			      v32);
		if (nd_options(d, c, lla, sizeof(lla), cut))
			return;
		if (lla[0])
			dissect_summary_set(d, "ICMPv6", "%s from %s", tname,
					    lla);
		break;
	case T_NEIGH_SOL:
		if (cursor_be32(c, &v32))
			goto trunc;
		dissect_field(d, "icmpv6.reserved", "Reserved", start + 4, 4,
			      NULL, "%08x", v32);
		if (addr6(d, c, "icmpv6.nd.ns.target_address",
			  "Target Address", target, sizeof(target)))
			goto trunc;
		dissect_summary_set(d, "ICMPv6", "%s for %s", tname, target);
		if (nd_options(d, c, lla, sizeof(lla), cut))
			return;
		if (lla[0])
			dissect_summary_set(d, "ICMPv6", "%s for %s from %s",
					    tname, target, lla);
		break;
	case T_NEIGH_ADV:
		if (cursor_be32(c, &v32))
			goto trunc;
		snprintf(fl, sizeof(fl), "%s%s%s",
			 (v32 & 0x80000000u) ? "rtr, " : "",
			 (v32 & 0x40000000u) ? "sol, " : "",
			 (v32 & 0x20000000u) ? "ovr, " : "");
		if (fl[0])
			fl[strlen(fl) - 2] = '\0';
		dissect_field(d, "icmpv6.nd.na.flag", "Flags", start + 4, 4,
			      fl[0] ? fl : NULL, "0x%08x", v32);
		dissect_subfield(d, "icmpv6.nd.na.flag.r", "Router", start + 4,
				 4, yes_no(v32 >> 31), "%u", v32 >> 31);
		dissect_subfield(d, "icmpv6.nd.na.flag.s", "Solicited",
				 start + 4, 4, yes_no((v32 >> 30) & 1), "%u",
				 (v32 >> 30) & 1);
		dissect_subfield(d, "icmpv6.nd.na.flag.o", "Override",
				 start + 4, 4, yes_no((v32 >> 29) & 1), "%u",
				 (v32 >> 29) & 1);
		if (addr6(d, c, "icmpv6.nd.na.target_address",
			  "Target Address", target, sizeof(target)))
			goto trunc;
		dissect_summary_set(d, "ICMPv6", "%s %s (%s)", tname, target,
				    fl);
		if (nd_options(d, c, lla, sizeof(lla), cut))
			return;
		if (lla[0])
			dissect_summary_set(d, "ICMPv6", "%s %s (%s) is at %s",
					    tname, target, fl, lla);
		break;
	case T_REDIRECT:
		if (cursor_be32(c, &v32))
			goto trunc;
		dissect_field(d, "icmpv6.reserved", "Reserved", start + 4, 4,
			      NULL, "%08x", v32);
		if (addr6(d, c, "icmpv6.nd.rd.target_address",
			  "Target Address", NULL, 0) ||
		    addr6(d, c, "icmpv6.rd.na.destination_address",
			  "Destination Address", NULL, 0))
			goto trunc;
		if (nd_options(d, c, lla, sizeof(lla), cut))
			return;
		break;
	default:
		dissect_data(d, c);
		break;
	}
	if (cut && !(d->flags & DISSECT_TRUNCATED))
		dissect_truncated(d, "ICMPv6 message", c->end);
	return;
trunc:
	dissect_truncated(d, "ICMPv6 message", c->off);
}
