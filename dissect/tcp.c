// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP (RFC 9293 section 3.1; options: MSS 3.2, window scale and
 * timestamps RFC 7323 sections 2 and 3, SACK RFC 2018; ECN flags RFC 3168
 * section 6.1, AE RFC 9768).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------------------------------+-------------------------------+
 *   |          Source Port          |       Destination Port        |
 *   +-------------------------------+-------------------------------+
 *   |                        Sequence Number                        |
 *   +---------------------------------------------------------------+
 *   |                    Acknowledgment Number                      |
 *   +-------+-----+-+-+-+-+-+-+-+-+-+-------------------------------+
 *   |  Data |Rsrvd|A|C|E|U|A|P|R|S|F|                               |
 *   | Offset|     |E|W|C|R|C|S|S|Y|I|            Window             |
 *   +-------+-----+-+-+-+-+-+-+-+-+-+-------------------------------+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-------------------------------+-------------------------------+
 *   |        Options (data offset > 5)              |    Padding    |
 *   +-----------------------------------------------+---------------+
 *
 * An option is one byte (EOL 0, NOP 1) or kind, length (counting both),
 * data.  The checksum covers the pseudo-header, header and data.
 */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"

#define TCP_HDR_LEN	20
#define IPPROTO_TCP	6

#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define TCPOPT_WS	3
#define TCPOPT_SACKOK	4
#define TCPOPT_SACK	5
#define TCPOPT_TS	8

#define TH_FIN		0x001
#define TH_SYN		0x002
#define TH_RST		0x004
#define TH_PSH		0x008
#define TH_ACK		0x010
#define TH_URG		0x020
#define TH_ECE		0x040
#define TH_CWR		0x080
#define TH_AE		0x100
#define TH_RES		0xe00

/* In Wireshark's order: lowest bit first. */
static const struct vname flag_names[] = {
	{ TH_FIN, "FIN" }, { TH_SYN, "SYN" }, { TH_RST, "RST" },
	{ TH_PSH, "PSH" }, { TH_ACK, "ACK" }, { TH_URG, "URG" },
	{ TH_ECE, "ECE" }, { TH_CWR, "CWR" }, { TH_AE, "AE" },
	VNAME_END
};

/* Each flag bit's field, high bit first as the tree shows them. */
static const struct {
	uint16_t mask;
	const char *name, *label;
} flag_fields[] = {
	{ TH_RES, "tcp.flags.res", "Reserved" },
	{ TH_AE, "tcp.flags.ae", "Accurate ECN" },
	{ TH_CWR, "tcp.flags.cwr", "Congestion Window Reduced" },
	{ TH_ECE, "tcp.flags.ece", "ECN-Echo" },
	{ TH_URG, "tcp.flags.urg", "Urgent" },
	{ TH_ACK, "tcp.flags.ack", "Acknowledgment" },
	{ TH_PSH, "tcp.flags.push", "Push" },
	{ TH_RST, "tcp.flags.reset", "Reset" },
	{ TH_SYN, "tcp.flags.syn", "Syn" },
	{ TH_FIN, "tcp.flags.fin", "Fin" },
};

/* Per option kind: the subtree's filter name, its label, the kind's name
 * for tcp.option_kind, and the length it must have (0: any). */
static const struct tcp_opt {
	uint8_t kind;
	uint8_t len;
	const char *name, *label, *kind_name;
} tcp_opts[] = {
	{ TCPOPT_EOL, 1, "tcp.options.eol", "End of Option List (EOL)",
	  "End of Option List" },
	{ TCPOPT_NOP, 1, "tcp.options.nop", "No-Operation (NOP)",
	  "No-Operation" },
	{ TCPOPT_MSS, 4, "tcp.options.mss", "Maximum segment size",
	  "Maximum Segment Size" },
	{ TCPOPT_WS, 3, "tcp.options.wscale", "Window scale", "Window Scale" },
	{ TCPOPT_SACKOK, 2, "tcp.options.sack_perm", "SACK permitted",
	  "SACK Permitted" },
	{ TCPOPT_SACK, 0, "tcp.options.sack", "SACK", "SACK" },
	{ TCPOPT_TS, 10, "tcp.options.timestamp", "Timestamps",
	  "Time Stamp Option" },
	{ 19, 18, "tcp.options.md5", "TCP MD5 signature",
	  "TCP MD5 signature" },
	{ 28, 4, "tcp.options.user_to", "User Timeout", "User Timeout" },
	{ 29, 0, "tcp.options.tcpao", "TCP-AO", "TCP Authentication (TCP-AO)" },
	{ 30, 0, "tcp.options.mptcp", "Multipath TCP", "Multipath TCP" },
	{ 34, 0, "tcp.options.tfo", "TCP Fast Open", "TCP Fast Open Cookie" },
	{ 253, 0, "tcp.options.experimental", "Experimental",
	  "RFC3692-style Experiment 1" },
	{ 254, 0, "tcp.options.experimental", "Experimental",
	  "RFC3692-style Experiment 2" },
};

static const struct tcp_opt unknown_opt = {
	0, 0, "tcp.options.unknown", "Unknown", "Unknown",
};

/* The row for kind, or the "unknown" row. */
static const struct tcp_opt *opt_find(uint8_t kind)
{
	for (size_t i = 0; i < sizeof(tcp_opts) / sizeof(tcp_opts[0]); i++)
		if (tcp_opts[i].kind == kind)
			return &tcp_opts[i];
	return &unknown_opt;
}

/* The summary's info line holds this much; a part that would not fit
 * whole is left out rather than cut in the middle. */
#define INFO_MAX sizeof(((struct dissect_summary *)0)->info)

/* Append to a text of n bytes, all of it or nothing. */
static void info_add(char *info, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void info_add(char *info, size_t n, const char *fmt, ...)
{
	size_t used = strlen(info);
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(info + used, n - used, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= n - used)
		info[used] = '\0';
}

/* The fields inside one option with a length (o covers its data). */
static void tcp_opt_body(struct dissect *d, struct cursor *o, uint8_t kind,
			 char *info, size_t infolen)
{
	size_t at = o->off;
	uint32_t a, b;
	uint16_t mss;
	uint8_t ws;
	unsigned int n = 0;

	switch (kind) {
	case TCPOPT_MSS:
		cursor_be16(o, &mss);
		dissect_field(d, "tcp.options.mss_val", "MSS Value", at, 2,
			      NULL, "%u", mss);
		info_add(info, infolen, " MSS=%u", mss);
		break;
	case TCPOPT_WS:
		cursor_u8(o, &ws);
		dissect_field(d, "tcp.options.wscale.shift", "Shift count", at,
			      1, ws > 14 ? "exceeds 14" : NULL, "%u", ws);
		dissect_field(d, "tcp.options.wscale.multiplier", "Multiplier",
			      at, 1, NULL, "%u", ws > 14 ? 1u << 14 : 1u << ws);
		info_add(info, infolen, " WS=%u", ws > 14 ? 1u << 14 : 1u << ws);
		break;
	case TCPOPT_SACKOK:
		info_add(info, infolen, " SACK_PERM");
		break;
	case TCPOPT_TS:
		cursor_be32(o, &a);
		cursor_be32(o, &b);
		dissect_field(d, "tcp.options.timestamp.tsval",
			      "Timestamp value", at, 4, NULL, "%u", a);
		dissect_field(d, "tcp.options.timestamp.tsecr",
			      "Timestamp echo reply", at + 4, 4, NULL, "%u", b);
		info_add(info, infolen, " TSval=%u TSecr=%u", a, b);
		break;
	case TCPOPT_SACK:
		while (!cursor_be32(o, &a) && !cursor_be32(o, &b)) {
			dissect_field(d, "tcp.options.sack_le",
				      "TCP SACK Left Edge", at, 4, NULL, "%u",
				      a);
			dissect_field(d, "tcp.options.sack_re",
				      "TCP SACK Right Edge", at + 4, 4, NULL,
				      "%u", b);
			info_add(info, infolen, " SLE=%u SRE=%u", a, b);
			at += 8;
			n++;
		}
		dissect_field(d, "tcp.options.sack.count", "TCP SACK Count",
			      o->off, 0, NULL, "%u", n);
		break;
	default:
		break;
	}
}

/* The options area (o covers it).  Returns -1 if an option's length is
 * impossible; decoding of the options stops there. */
static int tcp_options(struct dissect *d, struct cursor *o, char *info,
		       size_t infolen)
{
	const struct tcp_opt *t;
	char hex[96];
	uint8_t kind, len;
	struct cursor body;
	size_t at;

	dissect_fmt_hex(hex, sizeof(hex), cursor_ptr(o), cursor_left(o));
	dissect_field(d, "tcp.options", "Options", o->off, cursor_left(o),
		      NULL, "%s", hex);
	d->depth++;
	while (!cursor_u8(o, &kind)) {
		at = o->off - 1;
		t = opt_find(kind);
		if (kind == TCPOPT_EOL || kind == TCPOPT_NOP) {
			dissect_field(d, t->name, t->label, at, 1, t->label,
				      "%02x", kind);
			dissect_subfield(d, "tcp.option_kind", "Kind", at, 1,
					 t->kind_name, "%u", kind);
			if (kind == TCPOPT_EOL)
				break;	/* the rest is padding */
			continue;
		}
		if (cursor_u8(o, &len)) {
			dissect_malformed(d, at, "TCP option %u has no length "
					  "byte", kind);
			goto bad;
		}
		if (len < 2 || (size_t)len - 2 > cursor_left(o)) {
			dissect_malformed(d, at + 1, "TCP option %u length %u %s",
					  kind, len, len < 2 ? "is less than 2" :
					  "runs past the header");
			goto bad;
		}
		if ((t->len && len != t->len) ||
		    (kind == TCPOPT_SACK && (len - 2) % 8)) {
			dissect_malformed(d, at + 1, "TCP %s option length %u "
					  "is invalid", t->label, len);
			goto bad;
		}
		cursor_sub(o, &body, len - 2);
		dissect_fmt_hex(hex, sizeof(hex), o->base + at, len);
		dissect_field(d, t->name, t->label, at, len, t->label, "%s",
			      hex);
		d->depth++;
		dissect_field(d, "tcp.option_kind", "Kind", at, 1, t->kind_name,
			      "%u", kind);
		dissect_field(d, "tcp.option_len", "Length", at + 1, 1, NULL,
			      "%u", len);
		tcp_opt_body(d, &body, kind, info, infolen);
		d->depth--;
	}
	d->depth--;
	return 0;
bad:
	d->depth--;
	return -1;
}

/* The checksum field against the pseudo-header of the IP layer. */
static void tcp_checksum(struct dissect *d, const struct cursor *c,
			 size_t start, uint16_t csum)
{
	size_t len = d->ip.payload_len;
	enum dissect_csum v = CSUM_UNVERIFIED;
	const uint8_t *seg = c->base + start;

	if (d->ip.family && start + len <= c->end && len >= TCP_HDR_LEN)
		v = dissect_l4_csum(d, IPPROTO_TCP, seg, len, 16);
	dissect_field(d, "tcp.checksum", "Checksum", start + 16, 2,
		      dissect_csum_name(v), "0x%04x", csum);
	if (v == CSUM_BAD)
		dissect_bad_checksum(d, start + 16, "bad TCP checksum 0x%04x, "
				  "should be 0x%04x", csum,
				  dissect_l4_csum_expected(d, IPPROTO_TCP, seg,
							   len, 16));
}

/* "SYN, ACK" for the flags field and the info line. */
static void flags_str(char *out, size_t n, uint16_t flags)
{
	const struct vname *f;

	out[0] = '\0';
	for (f = flag_names; f->name; f++)
		if (flags & f->val)
			info_add(out, n, "%s%s", out[0] ? ", " : "", f->name);
}

/* The TCP header and options; the payload is shown as data. */
void tcp_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, hlen, seglen = 0, left;
	uint16_t sport, dport, offflags, flags, win, csum, urp;
	uint32_t seq, ack;
	char fl[48], info[INFO_MAX], opt_info[256] = "", *tok, *save;
	struct cursor peek = *c, opts;
	int have_len = d->ip.family != 0;

	if (!cursor_be16(&peek, &sport) && !cursor_be16(&peek, &dport))
		dissect_proto(d, "tcp", "Transmission Control Protocol", start,
			      dissect_avail(c, TCP_HDR_LEN),
			      "Src Port: %u, Dst Port: %u", sport, dport);
	else
		dissect_proto(d, "tcp", "Transmission Control Protocol", start,
			      dissect_avail(c, TCP_HDR_LEN), "%s", "");
	if (cursor_be16(c, &sport))
		goto trunc;
	dissect_field(d, "tcp.srcport", "Source Port", start, 2, NULL, "%u",
		      sport);
	if (cursor_be16(c, &dport))
		goto trunc;
	dissect_field(d, "tcp.dstport", "Destination Port", start + 2, 2, NULL,
		      "%u", dport);
	if (d->sum) {
		d->sum->sport = sport;
		d->sum->dport = dport;
	}
	if (cursor_be32(c, &seq))
		goto trunc;
	dissect_field(d, "tcp.seq_raw", "Sequence Number (raw)", start + 4, 4,
		      NULL, "%u", seq);
	if (cursor_be32(c, &ack))
		goto trunc;
	dissect_field(d, "tcp.ack_raw", "Acknowledgment number (raw)",
		      start + 8, 4, NULL, "%u", ack);
	if (cursor_be16(c, &offflags))
		goto trunc;
	hlen = (size_t)(offflags >> 12) * 4;
	flags = offflags & 0x0fff;
	dissect_field(d, "tcp.hdr_len", "Header Length", start + 12, 1, NULL,
		      "%zu", hlen);
	if (hlen < TCP_HDR_LEN) {
		dissect_malformed(d, start + 12, "TCP header length %zu (data "
				  "offset %u) is less than 20", hlen,
				  offflags >> 12);
		return;
	}
	if (have_len && !d->ip.is_fragment && hlen > d->ip.payload_len) {
		dissect_malformed(d, start + 12, "TCP header length %zu is more "
				  "than the IP payload length %zu", hlen,
				  d->ip.payload_len);
		return;
	}
	flags_str(fl, sizeof(fl), flags);
	dissect_field(d, "tcp.flags", "Flags", start + 12, 2,
		      fl[0] ? fl : NULL, "0x%04x", flags);
	for (size_t i = 0; i < sizeof(flag_fields) / sizeof(flag_fields[0]);
	     i++) {
		uint16_t m = flag_fields[i].mask;

		/* Bits above 0xff live in byte 12, with the data offset. */
		dissect_subfield(d, flag_fields[i].name, flag_fields[i].label,
				 m > 0xff ? start + 12 : start + 13, 1,
				 (flags & m) ? "Set" : "Not set", "%u",
				 !!(flags & m));
	}
	if (cursor_be16(c, &win))
		goto trunc;
	dissect_field(d, "tcp.window_size_value", "Window", start + 14, 2,
		      NULL, "%u", win);
	if (cursor_be16(c, &csum))
		goto trunc;
	tcp_checksum(d, c, start, csum);
	if (cursor_be16(c, &urp))
		goto trunc;
	dissect_field(d, "tcp.urgent_pointer", "Urgent Pointer", start + 18, 2,
		      NULL, "%u", urp);
	if (hlen > TCP_HDR_LEN) {
		/* Options are decoded only whole: a cut-off option would
		 * look like a bad length. */
		if (cursor_sub(c, &opts, hlen - TCP_HDR_LEN))
			goto trunc;
		tcp_options(d, &opts, opt_info, sizeof(opt_info));
	}

	if (have_len && d->ip.payload_len >= hlen)
		seglen = d->ip.payload_len - hlen;
	else
		seglen = cursor_left(c);
	dissect_field(d, "tcp.len", "TCP Segment Len", start + hlen, 0, NULL,
		      "%zu", seglen);
	snprintf(info, sizeof(info), "%u \u2192 %u [%s] Seq=%u", sport, dport,
		 fl, seq);
	if (flags & TH_ACK)
		info_add(info, sizeof(info), " Ack=%u", ack);
	info_add(info, sizeof(info), " Win=%u", win);
	if (flags & TH_URG)
		info_add(info, sizeof(info), " Urg=%u", urp);
	info_add(info, sizeof(info), " Len=%zu", seglen);
	/* Options one word at a time, as many as fit. */
	for (tok = strtok_r(opt_info, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		size_t before = strlen(info);

		info_add(info, sizeof(info), " %s", tok);
		if (strlen(info) == before)
			break;
	}
	dissect_summary_set(d, "TCP", "%s", info);

	left = cursor_left(c);
	dissect_pop(d);
	dissect_data(d, c);
	if (left < seglen && !(d->flags & DISSECT_TRUNCATED))
		dissect_truncated(d, "TCP payload", start + hlen + left);
	return;
trunc:
	dissect_truncated(d, "TCP header", c->off);
}
