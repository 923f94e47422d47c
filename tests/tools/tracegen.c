// SPDX-License-Identifier: GPL-2.0-only
/*
 * tracegen: write a realistic synthetic trace with the trace writer, for
 * the tshark check (tests/trace/tshark.sh) and the exporters' tests.
 *
 *   tracegen [-t] OUT.pcapng [N]
 *
 * N packets (default 3) each cross the tunnel from host "mobile" to host
 * "office": an IPv4/UDP datagram 10.8.0.2 -> 10.8.0.1 through all fourteen
 * steps, seen by the app, the kernel tracepoints, pcap on the tun device,
 * the daemon (plaintext at 4, P_DATA_V2 at 5) and pcap on the wire
 * (Ethernet/IPv4/UDP to port 1194).  -t uses tap devices: Ethernet frames
 * at steps 3 and 4.  Then one datagram dropped by the kernel (no socket),
 * a TLS key log, and the sources' losses at the end (made-up counts,
 * every one different, so a test can tell them apart: 3 frames dropped by
 * pcap, 1 malformed probe event, 2 late, 6 without memory, 5 kernel events,
 * at least 4 probe events not handed over).  With SOURCE_DATE_EPOCH set
 * the output is the same byte for byte on every run; otherwise the times
 * are now.
 *
 * Every packet has correct IPv4 and UDP checksums, so tshark reports no
 * errors; the tunnel payload is pseudo-random "ciphertext".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "steps.h"
#include "tracefile.h"
#include "wire.h"

#define RUN_ID		"1a2b"
#define PAYLOAD		"hello"
#define INNER_PORT	7777
#define NS_PER_US	1000ull

struct gen {
	struct tracefile_writer *w;
	uint64_t ts;		/* monotonic ns of the next event */
	uint64_t pkt;
	uint32_t rng;
	bool tap;
	char errbuf[TRACEFILE_ERRBUF];
};

/* A small deterministic generator for "ciphertext", tags and keys. */
static uint32_t rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 17;
	g->rng ^= g->rng << 5;
	return g->rng;
}

/* Fill n bytes with pseudo-random ones. */
static void rnd_bytes(struct gen *g, uint8_t *p, size_t n)
{
	while (n--)
		*p++ = (uint8_t)rnd(g);
}

/* FNV-1a, the "digest" the app probe reports. */
static uint32_t digest(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *b++) * 16777619u;
	return h;
}

/* Network byte order stores. */
static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

/* The Internet checksum's running sum over n bytes. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* Fold a running sum into the final one's-complement checksum. */
static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Build IPv4 + UDP around a payload at p; returns the packet's length. */
static size_t ipv4_udp(uint8_t *p, const uint8_t src[4], const uint8_t dst[4],
		       uint16_t sport, uint16_t dport, uint16_t ip_id,
		       const uint8_t *payload, size_t plen)
{
	size_t ulen = 8 + plen, tlen = 20 + ulen;
	uint8_t pseudo[12];
	uint16_t csum;

	memset(p, 0, 28);
	p[0] = 0x45;
	be16(p + 2, (uint16_t)tlen);
	be16(p + 4, ip_id);
	p[6] = 0x40;		/* don't fragment */
	p[8] = 64;
	p[9] = 17;		/* UDP */
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	be16(p + 10, fold(sum16(0, p, 20)));
	be16(p + 20, sport);
	be16(p + 22, dport);
	be16(p + 24, (uint16_t)ulen);
	memcpy(p + 28, payload, plen);
	memcpy(pseudo, src, 4);
	memcpy(pseudo + 4, dst, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	be16(pseudo + 10, (uint16_t)ulen);
	csum = fold(sum16(sum16(0, pseudo, 12), p + 20, ulen));
	be16(p + 26, csum ? csum : 0xffff);
	return tlen;
}

/* Put an Ethernet header for IPv4 in front of len bytes at p + 14. */
static size_t ether(uint8_t *p, const uint8_t dst[6], const uint8_t src[6],
		    size_t len)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	be16(p + 12, 0x0800);
	return 14 + len;
}

/* Start an event at the next moment. */
static void ev_init(struct gen *g, struct tl_event *ev, const char *host,
		    enum tl_step_id step, enum tl_source src,
		    enum tl_basis basis, const char *dev)
{
	memset(ev, 0, sizeof(*ev));
	g->ts += 7 * NS_PER_US + rnd(g) % (5 * NS_PER_US);
	ev->ts_ns = g->ts;
	ev->pkt = g->pkt;
	ev->step = step;
	ev->source = src;
	ev->basis = basis;
	snprintf(ev->host, sizeof(ev->host), "%s", host);
	snprintf(ev->dev, sizeof(ev->dev), "%s", dev);
}

/* Attach bytes to an event. */
static void ev_bytes(struct tl_event *ev, enum tl_link link,
		     const uint8_t *data, size_t len)
{
	ev->link = link;
	ev->data = data;
	ev->len = (uint32_t)len;
	ev->caplen = (uint32_t)len;
}

/* Set the detail, write the event; exits on error. */
__attribute__((format(printf, 3, 4)))
static void put(struct gen *g, struct tl_event *ev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ev->detail, sizeof(ev->detail), fmt, ap);
	va_end(ap);
	if (tracefile_write(g->w, ev, g->errbuf) < 0) {
		fprintf(stderr, "tracegen: %s\n", g->errbuf);
		exit(1);
	}
}

/* A kernel tracepoint event without bytes. */
__attribute__((format(printf, 6, 7)))
static void kernel(struct gen *g, const char *host, enum tl_step_id step,
		   enum tl_basis basis, const char *dev, const char *fmt, ...)
{
	char detail[TL_DETAIL_MAX];
	struct tl_event ev;
	va_list ap;

	ev_init(g, &ev, host, step, TL_SRC_KERNEL, basis, dev);
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	put(g, &ev, "%s", detail);
}

static const uint8_t ip_mobile_tun[4] = { 10, 8, 0, 2 };
static const uint8_t ip_office_tun[4] = { 10, 8, 0, 1 };
static const uint8_t ip_mobile_wire[4] = { 192, 0, 2, 2 };
static const uint8_t ip_office_wire[4] = { 192, 0, 2, 1 };
/* Locally administered MACs: 02:74:6c ("tl"). */
static const uint8_t mac_mobile_wire[6] = { 2, 0x74, 0x6c, 0, 0x00, 2 };
static const uint8_t mac_office_wire[6] = { 2, 0x74, 0x6c, 0, 0x00, 1 };
static const uint8_t mac_mobile_tap[6] = { 2, 0x74, 0x6c, 0, 0x10, 2 };
static const uint8_t mac_office_tap[6] = { 2, 0x74, 0x6c, 0, 0x10, 1 };

/* One packet, app to app, through all fourteen steps. */
static void one_packet(struct gen *g, unsigned int i)
{
	const char *mtun = g->tap ? "tl" RUN_ID "m-tap" : "tl" RUN_ID "m-tun";
	const char *otun = g->tap ? "tl" RUN_ID "o-tap" : "tl" RUN_ID "o-tun";
	const char *mw = "tl" RUN_ID "m-w0", *ow = "tl" RUN_ID "o-w0";
	uint8_t inner[128], tunnel[192], frame[256];
	size_t ilen, tlen, flen, iplen;
	uint32_t pid = 6 + i, dig = digest(PAYLOAD, strlen(PAYLOAD));
	enum tl_link ilink = g->tap ? TL_LINK_ETH : TL_LINK_IP;
	struct tl_event ev;
	uint8_t *ip;

	g->pkt++;
	g->ts += 100000 * NS_PER_US;
	/* The inner packet as a tun (IP) or tap (Ethernet) device has it. */
	ip = g->tap ? inner + 14 : inner;
	iplen = ipv4_udp(ip, ip_mobile_tun, ip_office_tun,
			 (uint16_t)(40000 + i), INNER_PORT,
			 (uint16_t)(0x1000 + i), (const uint8_t *)PAYLOAD,
			 strlen(PAYLOAD));
	ilen = g->tap ? ether(inner, mac_office_tap, mac_mobile_tap, iplen) :
			iplen;
	/* P_DATA_V2: opcode and key id, peer id, packet id, tag, ciphertext. */
	tunnel[0] = TL_WIRE_OP_DATA_V2 << TL_WIRE_OPCODE_SHIFT;
	tunnel[1] = 0;
	tunnel[2] = 0;
	tunnel[3] = 1;
	be32(tunnel + 4, pid);
	rnd_bytes(g, tunnel + TL_WIRE_AD_LEN, TL_WIRE_TAG_LEN + ilen);
	tlen = TL_WIRE_HDR_LEN + ilen;
	flen = ether(frame, mac_office_wire, mac_mobile_wire,
		     ipv4_udp(frame + 14, ip_mobile_wire, ip_office_wire,
			      TL_WIRE_DATA_PORT, TL_WIRE_DATA_PORT,
			      (uint16_t)(0x2000 + i), tunnel, tlen));

	/* mobile: out steps 1..7 */
	ev_init(g, &ev, "mobile", TL_STEP_APP_SEND, TL_SRC_APP, TL_BASIS_NONE,
		"chat");
	ev.len = (uint32_t)strlen(PAYLOAD);
	put(g, &ev, "sendto %zu bytes digest %08x", strlen(PAYLOAD), dig);
	kernel(g, "mobile", TL_STEP_ROUTE_TUN, TL_BASIS_CONTENT, mtun,
	       "fib_table_lookup 10.8.0.1 ==> dev %s", mtun);
	kernel(g, "mobile", TL_STEP_ROUTE_TUN, TL_BASIS_SKB, mtun,
	       "net_dev_queue dev %s len %zu", mtun, ilen);
	ev_init(g, &ev, "mobile", TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP,
		TL_BASIS_CONTENT, mtun);
	ev_bytes(&ev, ilink, inner, ilen);
	put(g, &ev, "%s", "");
	ev_init(g, &ev, "mobile", TL_STEP_DAEMON_READ, TL_SRC_DAEMON,
		TL_BASIS_CONTENT, "tunnel");
	ev_bytes(&ev, ilink, inner, ilen);
	put(g, &ev, "read fd 5 len %zu digest %08x", ilen, dig);
	ev_init(g, &ev, "mobile", TL_STEP_ENCRYPT_SEND, TL_SRC_DAEMON,
		TL_BASIS_TUNNEL_KEY, "tunnel");
	ev_bytes(&ev, TL_LINK_TUNNEL, tunnel, tlen);
	put(g, &ev, "key 0 peer 1 pid %u ct %zu tag %02x%02x%02x%02x "
	    "sendto 192.0.2.1:%u", pid, ilen, tunnel[8], tunnel[9],
	    tunnel[10], tunnel[11], TL_WIRE_DATA_PORT);
	kernel(g, "mobile", TL_STEP_ROUTE_WIRE, TL_BASIS_TUNNEL_KEY, mw,
	       "fib_table_lookup 192.0.2.1 ==> dev %s", mw);
	kernel(g, "mobile", TL_STEP_ROUTE_WIRE, TL_BASIS_SKB, mw,
	       "net_dev_queue dev %s len %zu", mw, flen);
	kernel(g, "mobile", TL_STEP_WIRE_OUT, TL_BASIS_SKB, mw,
	       "net_dev_xmit dev %s len %zu rc 0", mw, flen);
	ev_init(g, &ev, "mobile", TL_STEP_WIRE_OUT, TL_SRC_PCAP,
		TL_BASIS_TUNNEL_KEY, mw);
	ev_bytes(&ev, TL_LINK_ETH, frame, flen);
	put(g, &ev, "%s", "");

	/* office: in steps 7'..1' */
	ev_init(g, &ev, "office", TL_STEP_WIRE_IN, TL_SRC_PCAP,
		TL_BASIS_TUNNEL_KEY, ow);
	ev_bytes(&ev, TL_LINK_ETH, frame, flen);
	put(g, &ev, "%s", "");
	kernel(g, "office", TL_STEP_WIRE_IN, TL_BASIS_TUNNEL_KEY, ow,
	       "netif_receive_skb dev %s len %zu", ow, flen - 14);
	kernel(g, "office", TL_STEP_DELIVER_UDP, TL_BASIS_SKB, ow,
	       "fib_table_lookup 192.0.2.1 ==> local, udp port %u",
	       TL_WIRE_DATA_PORT);
	ev_init(g, &ev, "office", TL_STEP_RECV_DECRYPT, TL_SRC_DAEMON,
		TL_BASIS_TUNNEL_KEY, "tunnel");
	ev_bytes(&ev, TL_LINK_TUNNEL, tunnel, tlen);
	put(g, &ev, "recvfrom %zu bytes key 0 peer 1 pid %u replay ok tag ok",
	    tlen, pid);
	ev_init(g, &ev, "office", TL_STEP_DAEMON_WRITE, TL_SRC_DAEMON,
		TL_BASIS_CONTENT, "tunnel");
	ev_bytes(&ev, ilink, inner, ilen);
	put(g, &ev, "write fd 5 len %zu digest %08x", ilen, dig);
	ev_init(g, &ev, "office", TL_STEP_TUN_DRIVER_IN, TL_SRC_PCAP,
		TL_BASIS_CONTENT, otun);
	ev_bytes(&ev, ilink, inner, ilen);
	put(g, &ev, "%s", "");
	kernel(g, "office", TL_STEP_ROUTE_LOCAL, TL_BASIS_CONTENT, otun,
	       "fib_table_lookup 10.8.0.1 ==> local, udp port %u",
	       INNER_PORT);
	ev_init(g, &ev, "office", TL_STEP_APP_RECV, TL_SRC_APP,
		TL_BASIS_CONTENT, "chat");
	ev.len = (uint32_t)strlen(PAYLOAD);
	put(g, &ev, "recvfrom %zu bytes digest %08x", strlen(PAYLOAD), dig);
}

/* A TLS key log for the control channel, in NSS format. */
static void keylog(struct gen *g)
{
	static const char *const labels[] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
		"SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0",
		"SERVER_TRAFFIC_SECRET_0",
	};
	uint8_t random[32], secret[32];
	char text[4 * 200];
	size_t i, j, n = 0;

	rnd_bytes(g, random, sizeof(random));
	for (i = 0; i < 4; i++) {
		rnd_bytes(g, secret, sizeof(secret));
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s ",
				      labels[i]);
		for (j = 0; j < sizeof(random); j++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%02x", random[j]);
		text[n++] = ' ';
		for (j = 0; j < sizeof(secret); j++)
			n += (size_t)snprintf(text + n, sizeof(text) - n,
					      "%02x", secret[j]);
		text[n++] = '\n';
	}
	if (tracefile_write_keylog(g->w, text, n, g->errbuf) < 0) {
		fprintf(stderr, "tracegen: %s\n", g->errbuf);
		exit(1);
	}
}

/* Clock readings as ns; SOURCE_DATE_EPOCH pins them. */
static void clocks(uint64_t *mono, int64_t *offset)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	struct timespec m, r;

	if (epoch && *epoch) {
		*mono = 1000ull * 1000000000ull;
		*offset = (int64_t)strtoll(epoch, NULL, 10) * 1000000000 -
			  (int64_t)*mono;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	*mono = (uint64_t)m.tv_sec * 1000000000ull + (uint64_t)m.tv_nsec;
	*offset = ((int64_t)r.tv_sec - (int64_t)m.tv_sec) * 1000000000 +
		  (r.tv_nsec - m.tv_nsec);
}

/* Print the usage and exit. */
static void usage(void)
{
	fprintf(stderr, "usage: tracegen [-t] OUT.pcapng [N]\n"
		"  -t  tap devices (Ethernet at steps 3 and 4)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct tracefile_info info = { .app = "tunlab tracegen",
				       .lab = "tracegen" };
	struct gen g = { .rng = 0x2545f491 };
	struct tracefile_losses lost = {
		.pcap_drops = 3, .probe_malformed = 1, .late = 2,
		.no_memory = 6, .kernel_lost = 5, .probe_dropped = 4,
		.flags = TRACEFILE_LOSSES_KERNEL,
	};
	struct tl_event ev;
	unsigned long n = 3, i;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "t")) != -1) {
		if (opt != 't')
			usage();
		g.tap = true;
	}
	if (argc - optind < 1 || argc - optind > 2)
		usage();
	if (argc - optind == 2) {
		errno = 0;
		n = strtoul(argv[optind + 1], &end, 10);
		if (errno || *end || n > 10000000)
			usage();
	}
	clocks(&g.ts, &info.wall_offset_ns);
	if (tracefile_create(&g.w, argv[optind], &info, g.errbuf) < 0) {
		fprintf(stderr, "tracegen: %s\n", g.errbuf);
		return 1;
	}
	keylog(&g);
	lost.start_ns = g.ts;
	for (i = 0; i < n; i++)
		one_packet(&g, (unsigned int)i + 1);

	/* A datagram to a port nobody listens on: the kernel drops it. */
	g.pkt++;
	g.ts += 100000 * NS_PER_US;
	ev_init(&g, &ev, "office", TL_STEP_DELIVER_UDP, TL_SRC_KERNEL,
		TL_BASIS_HEURISTIC, "tl" RUN_ID "o-w0");
	ev.flags = TL_EVENT_F_DROP;
	put(&g, &ev, "kfree_skb reason NO_SOCKET");

	lost.end_ns = g.ts + 1000 * NS_PER_US;
	if (tracefile_write_losses(g.w, &lost, g.errbuf) < 0) {
		fprintf(stderr, "tracegen: %s\n", g.errbuf);
		return 1;
	}
	if (tracefile_close(g.w, g.errbuf) < 0) {
		fprintf(stderr, "tracegen: %s\n", g.errbuf);
		return 1;
	}
	return 0;
}
