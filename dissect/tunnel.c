// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab's data-channel header (docs/wire-format.md, include/wire.h): the
 * layout of OpenVPN 2.6's P_DATA_V2 with an AEAD cipher (OpenVPN's
 * ssl_pkt.h and "Data channel packet format", doc/doxygen).
 *
 *    0        1                   4                   8                  24
 *   +--------+-------------------+-------------------+------------------+---
 *   | op|kid |   peer-id (24)    |  packet-id (32)   |  AEAD tag (128)  | ciphertext
 *   +--------+-------------------+-------------------+------------------+---
 *
 * op is the high 5 bits (P_DATA_V2 = 9), kid the low 3 bits; integers are
 * big-endian.  A peer-id of 0xffffff means none was assigned.
 */
#include <stdio.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"
#include "wire.h"

/* OpenVPN's opcodes, so a stray control packet is named, not guessed. */
static const struct vname opcodes[] = {
	{ 1, "P_CONTROL_HARD_RESET_CLIENT_V1" },
	{ 2, "P_CONTROL_HARD_RESET_SERVER_V1" },
	{ 3, "P_CONTROL_SOFT_RESET_V1" },
	{ 4, "P_CONTROL_V1" },
	{ 5, "P_ACK_V1" },
	{ 6, "P_DATA_V1" },
	{ 7, "P_CONTROL_HARD_RESET_CLIENT_V2" },
	{ 8, "P_CONTROL_HARD_RESET_SERVER_V2" },
	{ TL_WIRE_OP_DATA_V2, "P_DATA_V2" },
	{ 10, "P_CONTROL_HARD_RESET_CLIENT_V3" },
	{ 11, "P_CONTROL_WKC_V1" },
	VNAME_END
};

/* The tunnel's data header; the ciphertext is counted, not decoded. */
void tunnel_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, ct_len, have;
	uint8_t b0, op, kid, tag[TL_WIRE_TAG_LEN];
	uint32_t peer, pid;
	char hex[2 * TL_WIRE_TAG_LEN + 1], peer_s[16];
	struct cursor peek = *c;

	if (!cursor_u8(&peek, &b0) && !cursor_be24(&peek, &peer) &&
	    !cursor_be32(&peek, &pid) &&
	    b0 >> TL_WIRE_OPCODE_SHIFT == TL_WIRE_OP_DATA_V2)
		dissect_proto(d, "tlvpn", "tunlab VPN", start,
			      dissect_avail(c, TL_WIRE_HDR_LEN),
			      "DATA_V2, Key ID: %u, Packet ID: %u",
			      b0 & TL_WIRE_KEY_ID_MASK, pid);
	else
		dissect_proto(d, "tlvpn", "tunlab VPN", start,
			      dissect_avail(c, TL_WIRE_HDR_LEN), "%s", "");
	if (cursor_u8(c, &b0))
		goto trunc;
	op = b0 >> TL_WIRE_OPCODE_SHIFT;
	kid = b0 & TL_WIRE_KEY_ID_MASK;
	dissect_field(d, "tlvpn.opcode", "Opcode", start, 1,
		      vname_str(opcodes, op, "unknown"), "%u", op);
	dissect_field(d, "tlvpn.key_id", "Key ID", start, 1, NULL, "%u", kid);
	if (op != TL_WIRE_OP_DATA_V2) {
		dissect_note(d, "tlvpn.not_data", start, 1,
			     "not a tunnel data packet (opcode %u, %s)", op,
			     vname_str(opcodes, op, "unknown"));
		dissect_summary_set(d, "TLVPN", "%s key %u (not a tunnel data "
				    "packet)", vname_str(opcodes, op,
							 "unknown opcode"),
				    kid);
		dissect_data(d, c);
		return;
	}
	dissect_summary_set(d, "TLVPN", "DATA_V2 key %u", kid);
	if (cursor_be24(c, &peer))
		goto trunc;
	dissect_field(d, "tlvpn.peer_id", "Peer ID", start + 1, 3,
		      peer == TL_WIRE_PEER_ID_UNSET ? "unset" : NULL, "%u",
		      peer);
	if (peer == TL_WIRE_PEER_ID_UNSET)
		snprintf(peer_s, sizeof(peer_s), "unset");
	else
		snprintf(peer_s, sizeof(peer_s), "%u", peer);
	dissect_summary_set(d, "TLVPN", "DATA_V2 key %u peer %s", kid, peer_s);
	if (cursor_be32(c, &pid))
		goto trunc;
	dissect_field(d, "tlvpn.packet_id", "Packet ID", start + 4, 4, NULL,
		      "%u", pid);
	dissect_summary_set(d, "TLVPN", "DATA_V2 key %u peer %s pid %u", kid,
			    peer_s, pid);
	if (cursor_bytes(c, tag, sizeof(tag)))
		goto trunc;
	dissect_fmt_hex(hex, sizeof(hex), tag, sizeof(tag));
	dissect_field(d, "tlvpn.tag", "AEAD tag", start + TL_WIRE_AD_LEN,
		      TL_WIRE_TAG_LEN, NULL, "%s", hex);

	/* A snapped capture holds only the start of the ciphertext; the
	 * original length says how long it really was. */
	have = cursor_left(c);
	ct_len = have;
	if ((d->flags & DISSECT_SNAPPED) && d->origlen > c->off &&
	    d->origlen - c->off > have)
		ct_len = d->origlen - c->off;
	dissect_field(d, "tlvpn.ciphertext_len", "Ciphertext length", c->off,
		      have, ct_len > have ? "not all captured" : NULL, "%zu",
		      ct_len);
	cursor_skip(c, have);
	if (ct_len > have)
		dissect_truncated(d, "ciphertext", c->off);
	return;
trunc:
	dissect_truncated(d, "tunnel header", c->off);
}
