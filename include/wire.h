/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tunnel's data-channel wire format (docs/wire-format.md), shared by the
 * daemon that writes it and the dissector that reads it.  The layout is
 * OpenVPN 2.6's P_DATA_V2 with an AEAD cipher, so Wireshark decodes it too:
 *
 *   0        1                   4                   8                  24
 *   +--------+-------------------+-------------------+------------------+---
 *   | op|kid |   peer-id (24)    |  packet-id (32)   |  AEAD tag (128)  | ciphertext
 *   +--------+-------------------+-------------------+------------------+---
 *
 * op is the high 5 bits (P_DATA_V2 = 9), kid the low 3 bits.  All integers
 * are big-endian.  Bytes 0..7 are the AEAD's associated data; the nonce is
 * packet-id || the direction's 8-byte implicit IV.
 */
#ifndef TUNLAB_WIRE_H
#define TUNLAB_WIRE_H

#define TL_WIRE_OPCODE_SHIFT	3
#define TL_WIRE_KEY_ID_MASK	0x07
#define TL_WIRE_OP_DATA_V2	9
#define TL_WIRE_PEER_ID_UNSET	0xffffffu	/* no peer-id assigned */
#define TL_WIRE_PEER_ID_MAX	0xfffffeu

#define TL_WIRE_AD_LEN		8	/* opcode/key-id, peer-id, packet-id */
#define TL_WIRE_TAG_LEN		16
#define TL_WIRE_HDR_LEN		(TL_WIRE_AD_LEN + TL_WIRE_TAG_LEN)
#define TL_WIRE_IMPLICIT_IV_LEN	8
#define TL_WIRE_NONCE_LEN	12

#define TL_WIRE_DATA_PORT	1194	/* UDP, the data channel */
#define TL_WIRE_CONTROL_PORT	1195	/* TCP, the TLS control channel */

#endif
