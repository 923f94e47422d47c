// SPDX-License-Identifier: GPL-2.0-only
/*
 * The seven steps (include/steps.h), in our own words after the seed's mail.
 * The UI's boxes, the walkthrough and trace comments all read this table.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "steps.h"

const struct tl_step tl_steps[TL_STEP_COUNT] = {
	{ TL_STEP_APP_SEND, 1, TL_DIR_OUT, TL_SPACE_USER, "1", "app socket",
	  "A program such as telnet, ping or tunlab's chat hands its data to "
	  "the kernel through the socket API: write(), send() or sendto(). "
	  "Up to here the data is just bytes in the program's memory; nothing "
	  "about tunnels or encryption is known to the program." },
	{ TL_STEP_ROUTE_TUN, 2, TL_DIR_OUT, TL_SPACE_KERNEL, "2",
	  "kernel routing",
	  "The kernel wraps the data in a TCP or UDP header and an IP header, "
	  "then looks up the destination address in its routing table. The "
	  "VPN installed a route for the tunnel's addresses, so the lookup "
	  "picks the tun (or tap) device as the way out. A connected socket "
	  "remembers the route it got at connect() and skips this lookup." },
	{ TL_STEP_TUN_DRIVER_OUT, 3, TL_DIR_OUT, TL_SPACE_KERNEL, "3",
	  "tun/tap driver",
	  "The tun driver is a network device with no cable: instead of a "
	  "wire it has a file descriptor held by the VPN daemon. A tun device "
	  "queues the bare IP packet for that descriptor; a tap device "
	  "queues a whole Ethernet frame, and so also carries ARP and "
	  "broadcasts." },
	{ TL_STEP_DAEMON_READ, 4, TL_DIR_OUT, TL_SPACE_USER, "4",
	  "daemon reads tun",
	  "The VPN daemon's read() on the tun file descriptor returns exactly "
	  "one packet. The packet has left the kernel and is now ordinary "
	  "data in the daemon's memory, still in clear text." },
	{ TL_STEP_ENCRYPT_SEND, 5, TL_DIR_OUT, TL_SPACE_USER, "5",
	  "encrypt + UDP send",
	  "The daemon encrypts and authenticates the packet (AES-256-GCM), "
	  "puts a small tunnel header in front (opcode and key id, peer id, "
	  "packet id) and the authentication tag, and sends the result with "
	  "sendto() on an ordinary UDP socket to the far end of the tunnel." },
	{ TL_STEP_ROUTE_WIRE, 6, TL_DIR_OUT, TL_SPACE_KERNEL, "6",
	  "kernel routing again",
	  "Back in the kernel, the encrypted datagram gets its own UDP and IP "
	  "headers, addressed to the VPN server's real address. The routing "
	  "table is consulted again, and this time it picks a physical "
	  "interface: the wire, not the tunnel." },
	{ TL_STEP_WIRE_OUT, 7, TL_DIR_OUT, TL_SPACE_KERNEL, "7",
	  "NIC / wire",
	  "The network card's driver adds the Ethernet header and puts the "
	  "frame on the wire. An observer on the wire sees only the outer "
	  "addresses, the UDP port and the tunnel header; the inner packet "
	  "is ciphertext." },
	{ TL_STEP_WIRE_IN, 7, TL_DIR_IN, TL_SPACE_KERNEL, "7'",
	  "wire in",
	  "The frame arrives at the far host's network card and is handed to "
	  "the kernel's receive path." },
	{ TL_STEP_DELIVER_UDP, 6, TL_DIR_IN, TL_SPACE_KERNEL, "6'",
	  "kernel delivers to daemon",
	  "The kernel checks the outer IP and UDP headers, sees that the "
	  "datagram is for this host, and queues it on the socket bound to "
	  "the tunnel's UDP port: the VPN daemon's socket." },
	{ TL_STEP_RECV_DECRYPT, 5, TL_DIR_IN, TL_SPACE_USER, "5'",
	  "receive + decrypt",
	  "The daemon's recvfrom() returns the datagram. It checks the "
	  "tunnel header, verifies the authentication tag, rejects replays "
	  "with its packet-id window, and decrypts: the original packet "
	  "reappears, byte for byte." },
	{ TL_STEP_DAEMON_WRITE, 4, TL_DIR_IN, TL_SPACE_USER, "4'",
	  "daemon writes tun",
	  "The daemon write()s the decrypted packet to its tun file "
	  "descriptor, handing it back to the kernel as if it had arrived on "
	  "a network card." },
	{ TL_STEP_TUN_DRIVER_IN, 3, TL_DIR_IN, TL_SPACE_KERNEL, "3'",
	  "tun/tap driver in",
	  "The tun driver turns the written bytes into a packet received on "
	  "the tun device, and the kernel's normal receive path takes it "
	  "from there." },
	{ TL_STEP_ROUTE_LOCAL, 2, TL_DIR_IN, TL_SPACE_KERNEL, "2'",
	  "kernel routes to socket",
	  "The kernel routes the inner packet: it is addressed to this host, "
	  "so it strips the IP and TCP/UDP headers and queues the data on the "
	  "socket it belongs to (or, on a VPN server with a LAN, forwards it "
	  "onward)." },
	{ TL_STEP_APP_RECV, 1, TL_DIR_IN, TL_SPACE_USER, "1'",
	  "app reads",
	  "The receiving program's read() or recv() returns the data: the "
	  "same bytes the sender wrote at step 1, which crossed the tunnel "
	  "without the program knowing." },
};

const struct tl_step *tl_step_get(unsigned int id)
{
	return id < TL_STEP_COUNT ? &tl_steps[id] : NULL;
}

const struct tl_step *tl_step_lookup(unsigned int num, enum tl_dir dir)
{
	if (num < 1 || num > TL_STEPS_PER_DIR)
		return NULL;
	/* Out steps run 1..7 as ids 0..6; in steps run 7'..1' as ids 7..13. */
	if (dir == TL_DIR_OUT)
		return &tl_steps[num - 1];
	return &tl_steps[TL_STEP_COUNT - num];
}

int tl_step_parse(const char *s, enum tl_step_id *id)
{
	const struct tl_step *st;
	enum tl_dir dir = TL_DIR_OUT;

	if (!s || s[0] < '1' || s[0] > '7')
		return -1;
	if (strcmp(s + 1, "'") == 0 || strcmp(s + 1, "in") == 0)
		dir = TL_DIR_IN;
	else if (s[1] != '\0' && strcmp(s + 1, "out") != 0)
		return -1;
	st = tl_step_lookup((unsigned int)(s[0] - '0'), dir);
	*id = st->id;
	return 0;
}

const char *tl_dir_name(enum tl_dir dir)
{
	return dir == TL_DIR_IN ? "in" : "out";
}

const char *tl_source_name(enum tl_source src)
{
	static const char *const names[TL_SRC_COUNT] = {
		[TL_SRC_APP] = "app",
		[TL_SRC_KERNEL] = "kernel",
		[TL_SRC_PCAP] = "pcap",
		[TL_SRC_DAEMON] = "daemon",
	};

	return (unsigned int)src < TL_SRC_COUNT ? names[src] : "?";
}

const char *tl_basis_name(enum tl_basis basis)
{
	static const char *const names[TL_BASIS_COUNT] = {
		[TL_BASIS_NONE] = "none",
		[TL_BASIS_CONTENT] = "content",
		[TL_BASIS_TUNNEL_KEY] = "tunnel-key",
		[TL_BASIS_SKB] = "skb",
		[TL_BASIS_HEURISTIC] = "heuristic",
		[TL_BASIS_SEQ_RANGE] = "seq-range",
		[TL_BASIS_PARENT] = "parent",
	};

	return (unsigned int)basis < TL_BASIS_COUNT ? names[basis] : "?";
}

const char *tl_link_name(enum tl_link link)
{
	static const char *const names[TL_LINK_COUNT] = {
		[TL_LINK_NONE] = "none",
		[TL_LINK_ETH] = "eth",
		[TL_LINK_IP] = "ip",
		[TL_LINK_TUNNEL] = "tunnel",
	};

	return (unsigned int)link < TL_LINK_COUNT ? names[link] : "?";
}

void tl_drop_reason(const char *detail, char *out, size_t n)
{
	char *cut;

	if (strncmp(detail, "drop: ", 6) == 0)
		detail += 6;
	else if (strncmp(detail, "kfree_skb reason ", 17) == 0)
		detail += 17;
	snprintf(out, n, "%s", detail);
	if ((cut = strstr(out, " from ")))
		*cut = '\0';
	if ((cut = strstr(out, " skb ")))
		*cut = '\0';
}
