// SPDX-License-Identifier: GPL-2.0-only
/*
 * TCP MSS clamping (RFC 879 for the option, RFC 1624 for the incremental
 * checksum update).
 *
 *   TCP option 2:  +--------+--------+--------+--------+
 *                  | kind=2 | len=4  |   max segment   |
 *                  +--------+--------+--------+--------+
 */
#include "mss.h"

#define IPPROTO_TCP_NUM 6
#define TCP_SYN 0x02

/* Replace the 16-bit word at w with v, updating checksum *cs (RFC 1624:
 * HC' = ~(~HC + ~m + m')). */
static void replace16(uint8_t *w, uint16_t v, uint8_t *cs)
{
	uint16_t old = (uint16_t)(w[0] << 8 | w[1]);
	uint32_t sum = (uint16_t)~(cs[0] << 8 | cs[1]);

	sum += (uint16_t)~old;
	sum += v;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = (uint16_t)~sum;
	w[0] = (uint8_t)(v >> 8);
	w[1] = (uint8_t)v;
	cs[0] = (uint8_t)(sum >> 8);
	cs[1] = (uint8_t)sum;
}

/* Clamp the MSS option of the TCP header at tcp (len bytes left). */
static bool clamp_tcp(uint8_t *tcp, size_t len, unsigned int max_mss)
{
	size_t hlen, i;

	if (len < 20 || !(tcp[13] & TCP_SYN))
		return false;
	hlen = (size_t)(tcp[12] >> 4) * 4;
	if (hlen < 20 || hlen > len)
		return false;
	for (i = 20; i < hlen;) {
		uint8_t kind = tcp[i];

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hlen || tcp[i + 1] < 2 || i + tcp[i + 1] > hlen)
			break;
		if (kind == 2 && tcp[i + 1] == 4) {
			unsigned int mss = (unsigned int)(tcp[i + 2] << 8 |
							  tcp[i + 3]);

			if (mss <= max_mss)
				return false;
			replace16(tcp + i + 2, (uint16_t)max_mss, tcp + 16);
			return true;
		}
		i += tcp[i + 1];
	}
	return false;
}

bool mss_clamp(uint8_t *pkt, size_t len, bool tap, unsigned int mtu)
{
	if (tap) {
		unsigned int type;

		if (len < 14)
			return false;
		type = (unsigned int)(pkt[12] << 8 | pkt[13]);
		if (type != 0x0800 && type != 0x86dd)
			return false;
		pkt += 14;
		len -= 14;
	} else if (len < 1) {
		return false;
	}
	if (len >= 20 && pkt[0] >> 4 == 4) {
		size_t ihl = (size_t)(pkt[0] & 0x0f) * 4;
		unsigned int frag = (unsigned int)((pkt[6] & 0x1f) << 8 | pkt[7]);

		/* Only the first fragment holds the TCP header. */
		if (ihl < 20 || ihl > len || pkt[9] != IPPROTO_TCP_NUM || frag)
			return false;
		return mtu > 40 && clamp_tcp(pkt + ihl, len - ihl, mtu - 40);
	}
	if (len >= 40 && pkt[0] >> 4 == 6) {
		/* Extension headers before TCP are rare on a SYN: skip them. */
		if (pkt[6] != IPPROTO_TCP_NUM)
			return false;
		return mtu > 60 && clamp_tcp(pkt + 40, len - 40, mtu - 60);
	}
	return false;
}
