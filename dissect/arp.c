// SPDX-License-Identifier: GPL-2.0-only
/*
 * ARP, the Address Resolution Protocol (RFC 826; probes and announcements,
 * RFC 5227 section 2.1).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------------------------------+-------------------------------+
 *   |        hardware type          |        protocol type          |
 *   +---------------+---------------+-------------------------------+
 *   |  hw addr len  | proto addr len|           opcode              |
 *   +---------------+---------------+-------------------------------+
 *   |  sender hardware address (hw addr len), sender protocol       |
 *   |  address (proto addr len), target hardware address, target    |
 *   |  protocol address                                             |
 *   +---------------------------------------------------------------+
 *
 * For Ethernet and IPv4 the addresses are 6 and 4 bytes: 28 bytes in all.
 */
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "proto.h"
#include "table.h"

#define ARP_FIXED_LEN	8
#define ETH_P_IP	0x0800

#define ARP_REQUEST	1
#define ARP_REPLY	2

static const struct vname arp_hw_types[] = {
	{ 1, "Ethernet" },
	{ 6, "IEEE 802" },
	{ 15, "Frame Relay" },
	{ 16, "ATM" },
	{ 20, "Serial Line" },
	{ 32, "InfiniBand" },
	VNAME_END
};

static const struct vname arp_proto_types[] = {
	{ 0x0800, "IPv4" },
	{ 0x86dd, "IPv6" },
	VNAME_END
};

static const struct vname arp_opcodes[] = {
	{ 1, "request" },
	{ 2, "reply" },
	{ 3, "reverse request" },
	{ 4, "reverse reply" },
	{ 8, "inverse request" },
	{ 9, "inverse reply" },
	VNAME_END
};

/* One address: a MAC or IPv4 address when the sizes say so, else bytes.
 * Returns 0, or -1 if the packet ends first. */
static int arp_addr(struct dissect *d, struct cursor *c, const char *who,
		    int is_hw, size_t len, int is_ipv4, uint8_t *out,
		    char *text, size_t textlen)
{
	uint8_t a[255];
	char name[32], label[48];
	size_t off = c->off;

	if (cursor_bytes(c, a, len))
		return -1;
	if (is_hw && len == 6) {
		dissect_fmt_mac(text, textlen, a);
		snprintf(name, sizeof(name), "arp.%s.hw_mac", who);
		snprintf(label, sizeof(label), "%s MAC address",
			 who[0] == 's' ? "Sender" : "Target");
	} else if (!is_hw && is_ipv4) {
		dissect_fmt_ipv4(text, textlen, a);
		snprintf(name, sizeof(name), "arp.%s.proto_ipv4", who);
		snprintf(label, sizeof(label), "%s IP address",
			 who[0] == 's' ? "Sender" : "Target");
	} else {
		dissect_fmt_hex(text, textlen, a, len);
		snprintf(name, sizeof(name), "arp.%s.%s", who,
			 is_hw ? "hw" : "proto");
		snprintf(label, sizeof(label), "%s %s address",
			 who[0] == 's' ? "Sender" : "Target",
			 is_hw ? "hardware" : "protocol");
	}
	dissect_field(d, name, label, off, len, NULL, "%s", text);
	if (out)
		memcpy(out, a, len < 6 ? len : 6);
	return 0;
}

/* The info line: Wireshark's wording for requests, replies, RFC 5227
 * probes and announcements, and gratuitous ARP. */
static void arp_summary(struct dissect *d, uint16_t op, const char *spa,
			const char *sha, const char *tpa, const uint8_t tha[6],
			int is_ipv4)
{
	static const uint8_t zero[6];
	int tha_zero = memcmp(tha, zero, 6) == 0;

	if (op == ARP_REQUEST && is_ipv4 && strcmp(spa, "0.0.0.0") == 0 &&
	    tha_zero)
		dissect_summary_set(d, "ARP", "Who has %s? (ARP Probe)", tpa);
	else if (op == ARP_REQUEST && is_ipv4 && strcmp(spa, tpa) == 0 &&
		 tha_zero)
		dissect_summary_set(d, "ARP", "ARP Announcement for %s", spa);
	else if (is_ipv4 && strcmp(spa, tpa) == 0 &&
		 (op == ARP_REQUEST || op == ARP_REPLY))
		dissect_summary_set(d, "ARP", "Gratuitous ARP for %s (%s)", spa,
				    op == ARP_REQUEST ? "Request" : "Reply");
	else if (op == ARP_REQUEST)
		dissect_summary_set(d, "ARP", "Who has %s? Tell %s", tpa, spa);
	else if (op == ARP_REPLY)
		dissect_summary_set(d, "ARP", "%s is at %s", spa, sha);
	else
		dissect_summary_set(d, "ARP", "%s",
				    vname_str(arp_opcodes, op,
					      "Unknown ARP opcode"));
}

/* An ARP message; the Ethernet padding after it is the caller's. */
void arp_dissect(struct dissect *d, struct cursor *c)
{
	size_t start = c->off, total;
	uint16_t hrd, pro, op;
	uint8_t hln, pln, tha[6] = { 0 };
	char sha[512], spa[512], tha_s[512], tpa[512];
	struct cursor peek = *c;
	int is_ipv4;

	/* The opcode names the layer, as in "Address Resolution Protocol
	 * (request)"; peek at it before the fields go out. */
	if (!cursor_skip(&peek, 4) && !cursor_u8(&peek, &hln) &&
	    !cursor_u8(&peek, &pln) && !cursor_be16(&peek, &op))
		dissect_proto(d, "arp", "Address Resolution Protocol", start,
			      dissect_avail(c, ARP_FIXED_LEN +
					    2 * ((size_t)hln + pln)),
			      "(%s)", vname_str(arp_opcodes, op,
						"unknown opcode"));
	else
		dissect_proto(d, "arp", "Address Resolution Protocol", start,
			      dissect_avail(c, ARP_FIXED_LEN), "%s", "");
	if (cursor_be16(c, &hrd))
		goto trunc;
	dissect_field(d, "arp.hw.type", "Hardware type", start, 2,
		      vname_str(arp_hw_types, hrd, NULL), "%u", hrd);
	if (cursor_be16(c, &pro))
		goto trunc;
	dissect_field(d, "arp.proto.type", "Protocol type", start + 2, 2,
		      vname_str(arp_proto_types, pro, NULL), "0x%04x", pro);
	if (cursor_u8(c, &hln))
		goto trunc;
	dissect_field(d, "arp.hw.size", "Hardware size", start + 4, 1, NULL,
		      "%u", hln);
	if (cursor_u8(c, &pln))
		goto trunc;
	dissect_field(d, "arp.proto.size", "Protocol size", start + 5, 1, NULL,
		      "%u", pln);
	if (cursor_be16(c, &op))
		goto trunc;
	dissect_field(d, "arp.opcode", "Opcode", start + 6, 2,
		      vname_str(arp_opcodes, op, "unknown"), "%u", op);

	/* The addresses are all the message holds: what follows in the
	 * frame is Ethernet padding, which the caller shows. */
	total = 2 * ((size_t)hln + pln);
	if (cursor_left(c) > total)
		cursor_limit(c, total);
	is_ipv4 = pro == ETH_P_IP && pln == 4;
	if (arp_addr(d, c, "src", 1, hln, is_ipv4, NULL, sha, sizeof(sha)) ||
	    arp_addr(d, c, "src", 0, pln, is_ipv4, NULL, spa, sizeof(spa)) ||
	    arp_addr(d, c, "dst", 1, hln, is_ipv4, tha, tha_s, sizeof(tha_s)) ||
	    arp_addr(d, c, "dst", 0, pln, is_ipv4, NULL, tpa, sizeof(tpa)))
		goto trunc;
	if (hln != 6)
		memset(tha, 0xff, sizeof(tha));	/* not "zero": no probe */
	arp_summary(d, op, spa, sha, tpa, tha, is_ipv4);
	return;
trunc:
	dissect_truncated(d, "ARP message", c->off);
	if (d->sum)
		dissect_summary_set(d, "ARP", "%s", "ARP (truncated)");
}
