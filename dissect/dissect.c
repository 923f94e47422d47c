// SPDX-License-Identifier: GPL-2.0-only
/*
 * The dissector table and the helpers every protocol file uses.  A protocol
 * file exports one dissect_fn; the table below says what follows what.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "proto.h"

/* A packet nests at most this many protocol layers (Ethernet, VLAN, IP,
 * IPv6 extension headers, UDP, tunnel ...): a bound against crafted loops. */
#define MAX_LAYERS 16

static const struct dissect_entry dissectors[] = {
	{ DT_LINK, TL_LINK_ETH, "eth", eth_dissect },
	{ DT_LINK, TL_LINK_IP, "ip", ip_dissect },
	{ DT_LINK, TL_LINK_TUNNEL, "tunnel", tunnel_dissect },
	{ DT_ETHERTYPE, 0x0800, "ipv4", ipv4_dissect },
	{ DT_ETHERTYPE, 0x86dd, "ipv6", ipv6_dissect },
	{ DT_ETHERTYPE, 0x0806, "arp", arp_dissect },
	{ DT_ETHERTYPE, 0x8100, "vlan", vlan_dissect },
	{ DT_ETHERTYPE, 0x88a8, "vlan", vlan_dissect },	/* 802.1ad outer tag */
	{ DT_IPPROTO, 1, "icmp", icmp_dissect },
	{ DT_IPPROTO, 6, "tcp", tcp_dissect },
	{ DT_IPPROTO, 17, "udp", udp_dissect },
	{ DT_IPPROTO, 58, "icmpv6", icmpv6_dissect },
	{ DT_IPPROTO, 4, "ipv4", ipv4_dissect },	/* IP in IP */
	{ DT_IPPROTO, 41, "ipv6", ipv6_dissect },	/* IPv6 in IP */
	{ DT_UDP_PORT, 1194, "tunnel", tunnel_dissect },
};

static const struct dissect_entry *lookup(enum dissect_table table,
					  uint32_t key)
{
	for (size_t i = 0; i < sizeof(dissectors) / sizeof(dissectors[0]); i++)
		if (dissectors[i].table == table && dissectors[i].key == key)
			return &dissectors[i];
	return NULL;
}

/* Send one field to the sink, if there is one. */
static void emit(struct dissect *d, enum dissect_kind kind, unsigned int depth,
		 const char *name, const char *label, const char *value,
		 const char *meaning, size_t off, size_t len)
{
	struct dissect_field f = {
		.kind = kind, .depth = depth, .name = name, .label = label,
		.value = value, .meaning = meaning, .off = off, .len = len,
	};

	if (d->sink && d->sink->emit)
		d->sink->emit(d->sink->ctx, &f);
}

int dissect_known(enum dissect_table table, uint32_t key)
{
	return lookup(table, key) != NULL;
}

void dissect_next(struct dissect *d, enum dissect_table table, uint32_t key,
		  struct cursor *c)
{
	const struct dissect_entry *e;

	if (cursor_left(c) == 0)
		return;
	e = lookup(table, key);
	if (!e || d->layers >= MAX_LAYERS) {
		dissect_data(d, c);
		return;
	}
	d->layers++;
	e->fn(d, c);
}

void dissect_proto(struct dissect *d, const char *name, const char *label,
		   size_t off, size_t len, const char *fmt, ...)
{
	char value[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	/* Every protocol sits at depth 0, as in Wireshark's tree. */
	emit(d, DISSECT_PROTO, 0, name, label, value, NULL, off, len);
	d->depth = 1;
}

void dissect_pop(struct dissect *d)
{
	d->depth = 0;
}

/* Format and emit a field at the given depth. */
static void field_v(struct dissect *d, unsigned int depth, const char *name,
		    const char *label, size_t off, size_t len,
		    const char *meaning, const char *fmt, va_list ap)
	__attribute__((format(printf, 8, 0)));

static void field_v(struct dissect *d, unsigned int depth, const char *name,
		    const char *label, size_t off, size_t len,
		    const char *meaning, const char *fmt, va_list ap)
{
	char value[256];

	vsnprintf(value, sizeof(value), fmt, ap);
	emit(d, DISSECT_FIELD, depth, name, label, value, meaning, off, len);
}

void dissect_field(struct dissect *d, const char *name, const char *label,
		   size_t off, size_t len, const char *meaning,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	field_v(d, d->depth, name, label, off, len, meaning, fmt, ap);
	va_end(ap);
}

void dissect_subfield(struct dissect *d, const char *name, const char *label,
		      size_t off, size_t len, const char *meaning,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	field_v(d, d->depth + 1, name, label, off, len, meaning, fmt, ap);
	va_end(ap);
}

void dissect_truncated(struct dissect *d, const char *what, size_t off)
{
	char value[128];

	d->flags |= DISSECT_TRUNCATED;
	snprintf(value, sizeof(value), "%s cut short", what);
	emit(d, DISSECT_NOTE, d->depth, "_ws.truncated", "truncated", value,
	     NULL, off, 0);
}

void dissect_malformed(struct dissect *d, size_t off, const char *fmt, ...)
{
	char value[256];
	va_list ap;

	d->flags |= DISSECT_MALFORMED;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	emit(d, DISSECT_NOTE, d->depth, "_ws.malformed", "malformed", value,
	     NULL, off, 0);
}

void dissect_bad_checksum(struct dissect *d, size_t off, const char *fmt, ...)
{
	char value[256];
	va_list ap;

	d->flags |= DISSECT_BAD_CHECKSUM;
	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	emit(d, DISSECT_NOTE, d->depth, "_ws.bad_checksum", "bad checksum",
	     value, NULL, off, 0);
}

void dissect_note(struct dissect *d, const char *name, size_t off, size_t len,
		  const char *fmt, ...)
{
	char value[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	emit(d, DISSECT_NOTE, d->depth, name, "note", value, NULL, off, len);
}

void dissect_data(struct dissect *d, struct cursor *c)
{
	size_t n = cursor_left(c);

	if (n == 0)
		return;
	dissect_pop(d);
	emit(d, DISSECT_PROTO, 0, "data", "Data", "", NULL, c->off, n);
	d->depth = 1;
	dissect_data_bytes(d, c->off, cursor_ptr(c), n);
	dissect_field(d, "data.len", "Length", c->off, n, NULL, "%zu", n);
	cursor_skip(c, n);
}

/* The bytes as hex, and as text when they read as text: what a student
 * wants to see of an app's payload. */
void dissect_data_bytes(struct dissect *d, size_t off, const uint8_t *p,
			size_t n)
{
	char hex[2 * 32 + 4], text[64 + 3];
	size_t show = n < 64 ? n : 64, printable = 0;

	dissect_fmt_hex(hex, sizeof(hex), p, n);
	for (size_t i = 0; i < show; i++)
		printable += (p[i] >= 0x20 && p[i] < 0x7f) || p[i] == '\n' ||
			     p[i] == '\r' || p[i] == '\t';
	if (show && printable == show) {
		size_t k = 0;

		text[k++] = '"';
		for (size_t i = 0; i < show; i++)
			text[k++] = p[i] >= 0x20 ? (char)p[i] : '.';
		snprintf(text + k, sizeof(text) - k, "%s", n > show ? "..." : "\"");
		dissect_field(d, "data.data", "Data", off, n, text, "%s", hex);
	} else {
		dissect_field(d, "data.data", "Data", off, n, NULL, "%s", hex);
	}
}

void dissect_summary_set(struct dissect *d, const char *proto,
			 const char *fmt, ...)
{
	va_list ap;

	if (!d->sum)
		return;
	snprintf(d->sum->proto, sizeof(d->sum->proto), "%s", proto);
	va_start(ap, fmt);
	vsnprintf(d->sum->info, sizeof(d->sum->info), fmt, ap);
	va_end(ap);
}

void dissect_fmt_mac(char *out, size_t n, const uint8_t m[6])
{
	snprintf(out, n, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
}

void dissect_fmt_ipv4(char *out, size_t n, const uint8_t a[4])
{
	snprintf(out, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
}

void dissect_fmt_ipv6(char *out, size_t n, const uint8_t a[16])
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(AF_INET6, a, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "?");
	snprintf(out, n, "%s", buf);
}

void dissect_fmt_hex(char *out, size_t n, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t show = len, o = 0;

	if (n == 0)
		return;
	/* Two digits a byte and the NUL; if they do not all fit, leave room
	 * for "..." as well. */
	if (2 * len + 1 > n)
		show = n >= 4 ? (n - 4) / 2 : 0;
	for (size_t i = 0; i < show; i++) {
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 0xf];
	}
	out[o] = '\0';
	if (show < len)
		snprintf(out + o, n - o, "...");
}

uint32_t dissect_csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)buf[i] << 8 | buf[i + 1];
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	return sum;
}

uint16_t dissect_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The pseudo-header sum (RFC 768, RFC 793; RFC 8200 section 8.1). */
static uint32_t pseudo_sum(const struct dissect *d, uint8_t proto, size_t len)
{
	size_t alen = d->ip.family == 6 ? 16 : 4;
	uint32_t sum = 0;

	sum = dissect_csum_add(sum, d->ip.src, alen);
	sum = dissect_csum_add(sum, d->ip.dst, alen);
	sum += proto;
	sum += (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
	return sum;
}

enum dissect_csum dissect_l4_csum(const struct dissect *d, uint8_t proto,
				  const uint8_t *seg, size_t len,
				  size_t csum_off)
{
	uint16_t field, pseudo;
	uint32_t sum;

	if (d->ip.family != 4 && d->ip.family != 6)
		return CSUM_UNVERIFIED;
	if (d->ip.is_fragment || csum_off + 2 > len)
		return CSUM_UNVERIFIED;
	field = (uint16_t)(seg[csum_off] << 8 | seg[csum_off + 1]);
	if (proto == 17 && d->ip.family == 4 && field == 0)
		return CSUM_NONE;
	sum = pseudo_sum(d, proto, len);
	if (dissect_csum_fold(dissect_csum_add(sum, seg, len)) == 0xffff)
		return CSUM_GOOD;
	/* CHECKSUM_PARTIAL: the sender stored only the folded pseudo-header
	 * sum and left the rest to the NIC, which a veth or tun never adds. */
	pseudo = dissect_csum_fold(pseudo_sum(d, proto, len));
	if (field == pseudo || field + pseudo == 0xffff)
		return CSUM_OFFLOADED;
	return CSUM_BAD;
}

uint16_t dissect_l4_csum_expected(const struct dissect *d, uint8_t proto,
				   const uint8_t *seg, size_t len,
				   size_t csum_off)
{
	uint32_t sum = pseudo_sum(d, proto, len);

	/* Sum the segment as if its checksum field were zero. */
	sum = dissect_csum_add(sum, seg, csum_off);
	sum = dissect_csum_add(sum, seg + csum_off + 2, len - csum_off - 2);
	return (uint16_t)~dissect_csum_fold(sum);
}

const char *dissect_csum_name(enum dissect_csum v)
{
	static const char *const names[] = {
		[CSUM_GOOD] = "correct",
		[CSUM_BAD] = "incorrect",
		[CSUM_OFFLOADED] = "checksum offloaded",
		[CSUM_UNVERIFIED] = "unverified",
		[CSUM_NONE] = "none",
	};

	return names[v];
}

unsigned int dissect_packet(const uint8_t *buf, size_t caplen, size_t origlen,
			    enum tl_link link, const struct dissect_sink *sink,
			    struct dissect_summary *sum)
{
	struct dissect d = {
		.sink = sink, .sum = sum, .origlen = origlen,
	};
	struct cursor c;

	if (sum)
		memset(sum, 0, sizeof(*sum));
	cursor_init(&c, buf, caplen);
	if (caplen < origlen)
		d.flags |= DISSECT_SNAPPED;
	/* Nothing captured of a packet that should start with a header is
	 * a truncated packet, not an empty one. */
	if (caplen == 0 && link != TL_LINK_NONE)
		dissect_truncated(&d, "packet", 0);
	dissect_next(&d, DT_LINK, link, &c);
	dissect_pop(&d);
	if (d.flags & DISSECT_SNAPPED)
		dissect_note(&d, "_ws.snapped", caplen, 0,
			     "captured %zu of %zu bytes", caplen, origlen);
	return d.flags;
}
