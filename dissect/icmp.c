// SPDX-License-Identifier: GPL-2.0-only
/*
 * ICMP for IPv4 (RFC 792; fragmentation needed RFC 1191 section 4).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +---------------+---------------+-------------------------------+
 *   |     Type      |     Code      |           Checksum            |
 *   +---------------+---------------+-------------------------------+
 *   | echo, timestamp: Identifier   |        Sequence Number        |
 *   | errors: unused (or MTU, pointer, gateway)                     |
 *   +---------------------------------------------------------------+
 *   | echo: data;  errors: the offending IP header + 8 bytes of it  |
 *   +---------------------------------------------------------------+
 *
 * The checksum covers the whole message, no pseudo-header.
 */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"

#define ICMP_HDR_LEN		8

#define ICMP_ECHOREPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_SOURCE_QUENCH	4
#define ICMP_REDIRECT		5
#define ICMP_ECHO		8
#define ICMP_TIME_EXCEEDED	11
#define ICMP_PARAMETERPROB	12
#define ICMP_TIMESTAMP		13
#define ICMP_TIMESTAMPREPLY	14
#define ICMP_FRAG_NEEDED	4	/* code of ICMP_DEST_UNREACH */

static const struct vname icmp_types[] = {
	{ ICMP_ECHOREPLY, "Echo (ping) reply" },
	{ ICMP_DEST_UNREACH, "Destination unreachable" },
	{ ICMP_SOURCE_QUENCH, "Source quench (flow control)" },
	{ ICMP_REDIRECT, "Redirect" },
	{ ICMP_ECHO, "Echo (ping) request" },
	{ 9, "Router advertisement" },
	{ 10, "Router solicitation" },
	{ ICMP_TIME_EXCEEDED, "Time-to-live exceeded" },
	{ ICMP_PARAMETERPROB, "Parameter problem" },
	{ ICMP_TIMESTAMP, "Timestamp request" },
	{ ICMP_TIMESTAMPREPLY, "Timestamp reply" },
	{ 17, "Address mask request" },
	{ 18, "Address mask reply" },
	VNAME_END
};

static const struct vname unreach_codes[] = {
	{ 0, "Network unreachable" },
	{ 1, "Host unreachable" },
	{ 2, "Protocol unreachable" },
	{ 3, "Port unreachable" },
	{ 4, "Fragmentation needed" },
	{ 5, "Source route failed" },
	{ 6, "Destination network unknown" },
	{ 7, "Destination host unknown" },
	{ 8, "Source host isolated" },
	{ 9, "Network administratively prohibited" },
	{ 10, "Host administratively prohibited" },
	{ 11, "Network unreachable for TOS" },
	{ 12, "Host unreachable for TOS" },
	{ 13, "Communication administratively filtered" },
	{ 14, "Host precedence violation" },
	{ 15, "Precedence cutoff in effect" },
	VNAME_END
};

static const struct vname redirect_codes[] = {
	{ 0, "Redirect for network" },
	{ 1, "Redirect for host" },
	{ 2, "Redirect for TOS and network" },
	{ 3, "Redirect for TOS and host" },
	VNAME_END
};

static const struct vname exceeded_codes[] = {
	{ 0, "Time to live exceeded in transit" },
	{ 1, "Fragment reassembly time exceeded" },
	VNAME_END
};

static const struct vname param_codes[] = {
	{ 0, "Pointer indicates the error" },
	{ 1, "Required option missing" },
	{ 2, "Bad length" },
	VNAME_END
};

/* Which types name their codes, and in which table. */
static const struct {
	uint8_t type;
	const struct vname *codes;
} code_tables[] = {
	{ ICMP_DEST_UNREACH, unreach_codes },
	{ ICMP_REDIRECT, redirect_codes },
	{ ICMP_TIME_EXCEEDED, exceeded_codes },
	{ ICMP_PARAMETERPROB, param_codes },
};

/* The name of code for type, or NULL. */
static const char *icmp_code_name(uint8_t type, uint8_t code)
{
	for (size_t i = 0; i < sizeof(code_tables) / sizeof(code_tables[0]);
	     i++)
		if (code_tables[i].type == type)
			return vname_find(code_tables[i].codes, code);
	return NULL;
}

/* See proto.h: the offending packet an ICMP error carries. */
void icmp_quoted(struct dissect *d, enum dissect_table table, uint32_t key,
		 struct cursor *c)
{
	struct dissect saved = *d;

	/* The quoted packet is cut short by design and is not the packet
	 * the list shows: keep the summary, the outer pseudo-header and
	 * the truncated flag as they were. */
	d->sum = NULL;
	dissect_next(d, table, key, c);
	d->sum = saved.sum;
	d->ip = saved.ip;
	d->flags = (d->flags & ~DISSECT_TRUNCATED) |
		   (saved.flags & DISSECT_TRUNCATED);
}

/* The checksum field, verified when the whole message was captured. */
static void icmp_checksum(struct dissect *d, const struct cursor *c,
			  size_t start, uint16_t csum)
{
	size_t len = d->ip.payload_len;
	uint32_t sum;
	uint16_t should;

	if (d->ip.family != 4 || d->ip.is_fragment || start + len > c->end ||
	    len < 4) {
		dissect_field(d, "icmp.checksum", "Checksum", start + 2, 2,
			      dissect_csum_name(CSUM_UNVERIFIED), "0x%04x",
			      csum);
		return;
	}
	sum = dissect_csum_add(0, c->base + start, 2);
	sum = dissect_csum_add(sum, c->base + start + 4, len - 4);
	should = (uint16_t)~dissect_csum_fold(sum);
	if (dissect_csum_fold(dissect_csum_add(0, c->base + start, len)) ==
	    0xffff) {
		dissect_field(d, "icmp.checksum", "Checksum", start + 2, 2,
			      dissect_csum_name(CSUM_GOOD), "0x%04x", csum);
		return;
	}
	dissect_field(d, "icmp.checksum", "Checksum", start + 2, 2,
		      dissect_csum_name(CSUM_BAD), "0x%04x", csum);
	dissect_bad_checksum(d, start + 2,
			  "bad ICMP checksum 0x%04x, should be 0x%04x", csum,
			  should);
}

/* The second word of an error message: unused, or what the type keeps
 * there (next-hop MTU, pointer, gateway). */
static int icmp_error_word(struct dissect *d, struct cursor *c,
			   uint8_t type, uint8_t code)
{
	size_t at = c->off;
	uint8_t w[4];
	char s[16];

	if (cursor_bytes(c, w, 4))
		return -1;
	if (type == ICMP_DEST_UNREACH && code == ICMP_FRAG_NEEDED) {
		dissect_field(d, "icmp.unused", "Unused", at, 2, NULL,
			      "%02x%02x", w[0], w[1]);
		dissect_field(d, "icmp.mtu", "MTU of next hop", at + 2, 2, NULL,
			      "%u", (unsigned int)(w[2] << 8 | w[3]));
	} else if (type == ICMP_PARAMETERPROB) {
		dissect_field(d, "icmp.pointer", "Pointer", at, 1, NULL, "%u",
			      w[0]);
		dissect_field(d, "icmp.unused", "Unused", at + 1, 3, NULL,
			      "%02x%02x%02x", w[1], w[2], w[3]);
	} else if (type == ICMP_REDIRECT) {
		dissect_fmt_ipv4(s, sizeof(s), w);
		dissect_field(d, "icmp.redir_gw", "Gateway Address", at, 4,
			      NULL, "%s", s);
	} else {
		dissect_field(d, "icmp.unused", "Unused", at, 4, NULL,
			      "%02x%02x%02x%02x", w[0], w[1], w[2], w[3]);
	}
	return 0;
}

/* An ICMP message: echo and timestamp fields, or an error and its quote. */
void icmp_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, claim = d->ip.payload_len;
	const char *tname, *cname;
	uint8_t type, code;
	uint16_t csum, id, seq;
	uint32_t ts;
	int is_echo, is_error;
	static const char *const ts_names[][2] = {
		{ "icmp.originate_timestamp", "Originate Timestamp" },
		{ "icmp.receive_timestamp", "Receive Timestamp" },
		{ "icmp.transmit_timestamp", "Transmit Timestamp" },
	};

	dissect_proto(d, "icmp", "Internet Control Message Protocol", start,
		      cursor_left(c), "%s", "");
	if (cursor_u8(c, &type))
		goto trunc;
	tname = vname_str(icmp_types, type, "Unknown ICMP type");
	dissect_field(d, "icmp.type", "Type", start, 1, tname, "%u", type);
	if (cursor_u8(c, &code))
		goto trunc;
	cname = icmp_code_name(type, code);
	dissect_field(d, "icmp.code", "Code", start + 1, 1, cname, "%u", code);
	if (cursor_be16(c, &csum))
		goto trunc;
	icmp_checksum(d, c, start, csum);

	is_echo = type == ICMP_ECHO || type == ICMP_ECHOREPLY ||
		  type == ICMP_TIMESTAMP || type == ICMP_TIMESTAMPREPLY;
	is_error = type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
		   type == ICMP_REDIRECT || type == ICMP_TIME_EXCEEDED ||
		   type == ICMP_PARAMETERPROB;
	if (cname)
		dissect_summary_set(d, "ICMP", "%s (%s)", tname, cname);
	else
		dissect_summary_set(d, "ICMP", "%s", tname);
	if (is_echo) {
		if (cursor_be16(c, &id))
			goto trunc;
		dissect_field(d, "icmp.ident", "Identifier (BE)", start + 4, 2,
			      NULL, "%u", id);
		if (cursor_be16(c, &seq))
			goto trunc;
		dissect_field(d, "icmp.seq", "Sequence Number (BE)", start + 6,
			      2, NULL, "%u", seq);
		dissect_summary_set(d, "ICMP", "%s id=0x%04x, seq=%u", tname,
				    id, seq);
		if (type == ICMP_TIMESTAMP || type == ICMP_TIMESTAMPREPLY) {
			for (size_t i = 0; i < 3; i++) {
				size_t at = c->off;

				if (cursor_be32(c, &ts))
					goto trunc;
				dissect_field(d, ts_names[i][0], ts_names[i][1],
					      at, 4, "ms after midnight UTC",
					      "%u", ts);
			}
		}
		dissect_data(d, c);
	} else if (is_error) {
		if (icmp_error_word(d, c, type, code))
			goto trunc;
		icmp_quoted(d, DT_ETHERTYPE, 0x0800, c);
	} else {
		dissect_data(d, c);
	}
	if (start + claim > c->end && !(d->flags & DISSECT_TRUNCATED))
		dissect_truncated(d, "ICMP message", c->end);
	return;
trunc:
	dissect_truncated(d, "ICMP header", c->off);
}
