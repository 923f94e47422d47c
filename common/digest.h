/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Digests that tie one packet's observations together.  Apps digest the
 * data they send; the daemon and the tracer digest the inner IP packet from
 * its invariant fields.  Every party must compute them the same way, so the
 * definitions live here and nowhere else.
 *
 * Only the first TL_DIGEST_SPAN bytes of a payload enter a digest (with the
 * full length), so a capture of headers plus that many bytes is enough.
 * FNV-1a: fast and good enough to tell packets apart, not a MAC.
 */
#ifndef TUNLAB_DIGEST_H
#define TUNLAB_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_DIGEST_SPAN 128
#define TL_FNV_OFFSET 0xcbf29ce484222325ull

/* FNV-1a over n bytes from h (TL_FNV_OFFSET to start): also what the
 * tracer's hash tables key on. */
uint64_t tl_fnv1a(uint64_t h, const void *p, size_t n);

/* Digest of application data: its length and first TL_DIGEST_SPAN bytes. */
uint64_t tl_digest_payload(const void *buf, size_t len);

/* The same for data of length len of which only the first have bytes were
 * captured: equal to tl_digest_payload() whenever have covers the span. */
uint64_t tl_digest_payload_part(const void *buf, size_t len, size_t have);

/* Digest of an IPv4 or IPv6 packet from the fields no hop changes
 * (addresses, protocol, IPv4 id, IPv6 flow label, payload length) and the
 * first TL_DIGEST_SPAN bytes of its payload; 0 if it is not a whole IP
 * header.  TTL, hop limit and header checksum are left out: a router
 * changes them; so is a TCP or UDP checksum: checksum offload leaves it
 * partial at one point and finished at the next. */
uint64_t tl_digest_ip(const void *pkt, size_t caplen);

/* Digest of a frame as a tun or tap device holds it, the one both the
 * daemon's probes and the tracer use: with eth, the IP packet after the
 * Ethernet header (and any VLAN tags), or the frame itself for ARP and
 * other non-IP frames; without eth, the IP packet.  len is the frame's
 * length, caplen how much of it is at frame. */
uint64_t tl_digest_frame(const void *frame, size_t len, size_t caplen,
			 bool eth);

#endif
