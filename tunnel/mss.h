/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP MSS clamping: a TCP SYN announces the largest segment its sender
 * accepts; the daemon lowers that to what fits the tunnel, so that no outer
 * datagram ever needs fragmenting (docs/wire-format.md has the arithmetic).
 */
#ifndef TUNLAB_MSS_H
#define TUNLAB_MSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* If pkt (an IP packet, or an Ethernet frame with tap) is a TCP SYN whose
 * MSS option exceeds what a device MTU of mtu allows, lower it in place
 * and fix the TCP checksum.  Returns true if the packet was changed.
 * Malformed packets are left alone (never read past len). */
bool mss_clamp(uint8_t *pkt, size_t len, bool tap, unsigned int mtu);

#endif
