// SPDX-License-Identifier: GPL-2.0-only
/* Packet digests: see digest.h. */
#include <string.h>

#include "digest.h"

#define FNV_PRIME 0x100000001b3ull

uint64_t tl_fnv1a(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= FNV_PRIME;
	}
	return h;
}


/* The same step eight bytes at a time (little-endian words, whatever the
 * host), then a final mix so that every bit of the digest depends on every
 * byte: the digest runs four times per packet in the daemon and once per
 * frame in the tracer, and byte by byte it showed in their profiles. */
static uint64_t fnv_words(uint64_t h, const uint8_t *p, size_t n)
{
	for (; n >= 8; p += 8, n -= 8) {
		uint64_t w = 0;

		for (int i = 7; i >= 0; i--)
			w = w << 8 | p[i];
		h = (h ^ w) * FNV_PRIME;
	}
	h = tl_fnv1a(h, p, n);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* Mix a length in as 4 big-endian bytes. */
static uint64_t fnv_len(uint64_t h, size_t len)
{
	uint8_t b[4] = {
		(uint8_t)(len >> 24), (uint8_t)(len >> 16),
		(uint8_t)(len >> 8), (uint8_t)len,
	};

	return tl_fnv1a(h, b, sizeof(b));
}

static uint64_t span(uint64_t h, const uint8_t *p, size_t len, size_t have)
{
	size_t n = len < TL_DIGEST_SPAN ? len : TL_DIGEST_SPAN;

	if (n > have)
		n = have;
	return fnv_words(fnv_len(h, len), p, n);
}

/* The same over an IP payload of protocol proto: a TCP or UDP checksum
 * counts as zero.  It is the one field that changes on the way (a device
 * with checksum offload holds it partial, the daemon in the fast mode or
 * the NIC finishes it), like the IP header's own, which is left out. */
static uint64_t span_l4(uint64_t h, const uint8_t *p, size_t len, size_t have,
			unsigned int proto)
{
	size_t n = len < TL_DIGEST_SPAN ? len : TL_DIGEST_SPAN, at;
	uint8_t b[TL_DIGEST_SPAN];

	if (proto != 6 && proto != 17)
		return span(h, p, len, have);
	if (n > have)
		n = have;
	memcpy(b, p, n);
	at = proto == 6 ? 16 : 6;
	for (size_t i = at; i < at + 2 && i < n; i++)
		b[i] = 0;
	return fnv_words(fnv_len(h, len), b, n);
}

uint64_t tl_digest_payload(const void *buf, size_t len)
{
	return span(TL_FNV_OFFSET, buf, len, len);
}

uint64_t tl_digest_payload_part(const void *buf, size_t len, size_t have)
{
	return span(TL_FNV_OFFSET, buf, len, have);
}

uint64_t tl_digest_ip(const void *pkt, size_t caplen)
{
	const uint8_t *p = pkt;
	uint64_t h = TL_FNV_OFFSET;
	size_t hlen, total;

	if (caplen < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		if (caplen < 20)
			return 0;
		hlen = (size_t)(p[0] & 0x0f) * 4;
		total = (size_t)p[2] << 8 | p[3];
		if (hlen < 20 || total < hlen || caplen < hlen)
			return 0;
		h = tl_fnv1a(h, p + 4, 2);		/* identification */
		h = tl_fnv1a(h, p + 9, 1);		/* protocol */
		h = tl_fnv1a(h, p + 12, 8);		/* source, destination */
		/* Only a first fragment starts with the transport header. */
		return span_l4(h, p + hlen, total - hlen, caplen - hlen,
			       ((p[6] << 8 | p[7]) & 0x1fff) ? 0 : p[9]);
	case 6:
		if (caplen < 40)
			return 0;
		total = (size_t)p[4] << 8 | p[5];
		h = tl_fnv1a(h, p + 1, 3);		/* flow label (with tclass bits) */
		h = tl_fnv1a(h, p + 6, 1);		/* next header */
		h = tl_fnv1a(h, p + 8, 32);		/* source, destination */
		return span_l4(h, p + 40, total, caplen - 40, p[6]);
	default:
		return 0;
	}
}

uint64_t tl_digest_frame(const void *frame, size_t len, size_t caplen,
			 bool eth)
{
	const uint8_t *p = frame;
	size_t off = 12;
	unsigned int type;

	if (!eth)
		return tl_digest_ip(p, caplen);
	for (;;) {
		if (caplen < off + 2)
			return tl_digest_payload_part(p, len, caplen);
		type = (unsigned int)(p[off] << 8 | p[off + 1]);
		if (type != 0x8100 && type != 0x88a8)
			break;
		off += 4;
	}
	if (type != 0x0800 && type != 0x86dd)
		return tl_digest_payload_part(p, len, caplen);
	return tl_digest_ip(p + off + 2, caplen - off - 2);
}
