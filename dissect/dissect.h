/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet dissection.  One file per protocol (eth.c, arp.c, ipv4.c ...), one
 * table (dissect.c) linking an ethertype, IP protocol or port to the next
 * dissector.  Dissectors never print: every decoded value goes to a sink as
 * a field (name, value text, byte offset, length), and the text printer, the
 * JSON exporter, the golden tests and the UI's detail and hex panes are all
 * sinks.
 *
 * Field names follow Wireshark's display-filter names where one exists
 * ("ip.src", "tcp.flags"), so students can carry them over, and the golden
 * tests compare our values with `tshark -T fields` directly.
 */
#ifndef TUNLAB_DISSECT_H
#define TUNLAB_DISSECT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "event.h"

enum dissect_kind {
	DISSECT_PROTO,		/* a protocol layer: "Internet Protocol Version 4" */
	DISSECT_FIELD,		/* one header field */
	DISSECT_NOTE,		/* [truncated], [malformed], checksum offloaded ... */
};

struct dissect_field {
	enum dissect_kind kind;
	unsigned int depth;	/* 0: protocol, 1: its fields, 2: sub-fields */
	const char *name;	/* filter name: "ip.ttl"; notes: "_ws.malformed" etc. */
	const char *label;	/* human label: "Time to Live" */
	const char *value;	/* raw value text: "64", "0x0012", "192.0.2.1" */
	const char *meaning;	/* optional reading of the value: "SYN, ACK"; or NULL */
	size_t off;		/* first byte, from the start of the packet */
	size_t len;		/* bytes covered (0 for a note) */
};

/* Receives fields in packet order.  Strings are only valid during the call. */
struct dissect_sink {
	void (*emit)(void *ctx, const struct dissect_field *f);
	void *ctx;
};

/* What the packet list shows for one packet (filled as layers decode). */
struct dissect_summary {
	char src[48];		/* innermost network source: "10.8.0.2" or a MAC */
	char dst[48];
	char proto[16];		/* highest decoded protocol: "ICMP", "TCP" */
	char info[96];		/* "Echo (ping) request id=0x1c, seq=1" */
	uint16_t sport, dport;	/* transport ports, 0 if none */
	uint8_t ip_proto;	/* innermost IP protocol number, 0 if none */
};

/* Result flags of a dissection. */
#define DISSECT_TRUNCATED	0x01	/* ran out of bytes before the end */
#define DISSECT_MALFORMED	0x02	/* a field held an impossible value */
#define DISSECT_SNAPPED		0x04	/* caplen < original length */
#define DISSECT_BAD_CHECKSUM	0x08	/* a checksum is wrong (not offloaded) */

/* Decode buf (caplen bytes of a packet that was origlen long) starting at
 * link.  Emits fields to sink (may be NULL) and fills sum (may be NULL).
 * Returns DISSECT_* flags; never reads past caplen. */
unsigned int dissect_packet(const uint8_t *buf, size_t caplen, size_t origlen,
			    enum tl_link link, const struct dissect_sink *sink,
			    struct dissect_summary *sum);

/* ---- for dissector files only ------------------------------------------ */

/* Which table dissect_next() looks in. */
enum dissect_table {
	DT_LINK,		/* enum tl_link */
	DT_ETHERTYPE,		/* 0x0800, 0x86dd, 0x0806, 0x8100 */
	DT_IPPROTO,		/* 1, 6, 17, 58 */
	DT_UDP_PORT,		/* 1194: the tunnel */
};

/* The state one packet's decode carries from layer to layer. */
struct dissect {
	const struct dissect_sink *sink;
	struct dissect_summary *sum;
	size_t origlen;		/* the packet's real length */
	unsigned int flags;	/* DISSECT_* */
	unsigned int depth;	/* nesting of the current protocol */
	unsigned int layers;	/* protocols decoded so far: a recursion bound */
	/* The innermost IP header, for transport pseudo-header checksums. */
	struct {
		int family;	/* 0, 4 or 6 */
		uint8_t src[16], dst[16];
		size_t payload_len;	/* the transport bytes the header claims */
		int is_fragment;	/* MF set or offset != 0 */
	} ip;
};

typedef void (*dissect_fn)(struct dissect *d, struct cursor *c);

struct dissect_entry {
	enum dissect_table table;
	uint32_t key;
	const char *name;	/* "ipv4" */
	dissect_fn fn;
};

/* Hand the rest of c to the dissector registered for (table, key); if there
 * is none, emit the bytes as "data". */
void dissect_next(struct dissect *d, enum dissect_table table, uint32_t key,
		  struct cursor *c);

/* Whether (table, key) has a dissector: UDP tries the destination port, then
 * the source port. */
int dissect_known(enum dissect_table table, uint32_t key);

/* n, or what is left of c if less: the length a protocol line may claim for
 * a header that a short packet cuts off. */
static inline size_t dissect_avail(const struct cursor *c, size_t n)
{
	return cursor_left(c) < n ? cursor_left(c) : n;
}

/* Emit a protocol line at the current depth; the fields that follow go one
 * level deeper until dissect_pop().  fmt gives the value (a summary). */
void dissect_proto(struct dissect *d, const char *name, const char *label,
		   size_t off, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void dissect_pop(struct dissect *d);

/* Emit one field; meaning may be NULL.  fmt gives the raw value text. */
void dissect_field(struct dissect *d, const char *name, const char *label,
		   size_t off, size_t len, const char *meaning,
		   const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Same, one level deeper (a flag bit inside a flags field, an option). */
void dissect_subfield(struct dissect *d, const char *name, const char *label,
		      size_t off, size_t len, const char *meaning,
		      const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Notes: mark the packet and tell the reader why decoding stopped. */
void dissect_truncated(struct dissect *d, const char *what, size_t off);
void dissect_malformed(struct dissect *d, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A checksum that is wrong: not malformed (the packet still parses), but
 * worth a note, since the receiver will drop it. */
void dissect_bad_checksum(struct dissect *d, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void dissect_note(struct dissect *d, const char *name, size_t off, size_t len,
		  const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Remaining bytes as an opaque "data" field. */
void dissect_data(struct dissect *d, struct cursor *c);

/* A data.data field for n bytes at p: hex, with the text when printable. */
void dissect_data_bytes(struct dissect *d, size_t off, const uint8_t *p,
			size_t n);

/* Set the summary's protocol and info line (the highest layer wins). */
void dissect_summary_set(struct dissect *d, const char *proto,
			 const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Text helpers. */
void dissect_fmt_mac(char *out, size_t n, const uint8_t mac[6]);
void dissect_fmt_ipv4(char *out, size_t n, const uint8_t a[4]);
void dissect_fmt_ipv6(char *out, size_t n, const uint8_t a[16]);
/* Bytes as lower-case hex without separators, as tshark -T fields prints
 * a byte field; ends in "..." if out is too small. */
void dissect_fmt_hex(char *out, size_t n, const uint8_t *p, size_t len);

/* Internet checksum over buf, added to a running 32-bit sum. */
uint32_t dissect_csum_add(uint32_t sum, const uint8_t *buf, size_t len);
uint16_t dissect_csum_fold(uint32_t sum);

/* Verify a UDP/TCP checksum over the transport segment at seg (len bytes,
 * the whole segment captured) with the pseudo-header of d->ip.  Returns
 * the verdict the field's meaning shows. */
enum dissect_csum {
	CSUM_GOOD,
	CSUM_BAD,
	CSUM_OFFLOADED,		/* partial: only the pseudo-header sum is there */
	CSUM_UNVERIFIED,	/* not all bytes captured, or a fragment */
	CSUM_NONE,		/* UDP over IPv4 with checksum 0 */
};
enum dissect_csum dissect_l4_csum(const struct dissect *d, uint8_t proto,
				  const uint8_t *seg, size_t len,
				  size_t csum_off);
const char *dissect_csum_name(enum dissect_csum v);
/* The checksum a UDP/TCP segment should carry (for "should be 0x...");
 * len >= csum_off + 2, the whole segment captured. */
uint16_t dissect_l4_csum_expected(const struct dissect *d, uint8_t proto,
				  const uint8_t *seg, size_t len,
				  size_t csum_off);

/* ---- printers (sinks) ---------------------------------------------------- */

#define DISSECT_PRINT_NAMES	0x01	/* append [filter.name] to each line */
#define DISSECT_PRINT_OFFSETS	0x02	/* prefix each line with @off+len */

struct dissect_printer {
	struct dissect_sink sink;
	void *out;		/* FILE * */
	unsigned int opts;
};

/* A sink that prints an indented tree to out (a FILE *). */
void dissect_printer_init(struct dissect_printer *p, void *out,
			  unsigned int opts);

#endif
