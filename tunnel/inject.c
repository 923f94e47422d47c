// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab inject: bad datagrams on purpose (inject.h).  The forged kinds are
 * built by inject_build() from a table row and a counter; the capture kinds
 * take one real datagram of this host's tunnel off the wire (AF_PACKET,
 * bounded wait) and change it or send it again; spoof-source hands the
 * kernel an IP packet with a forged source, which it routes into the tun.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "crypto.h"
#include "inject.h"
#include "replay.h"
#include "tunnel.h"

#define DEFAULT_WAIT_MS	3000
#define DESC_MAX	160

static const struct inject_kind_info kinds[INJECT_KIND_MAX] = {
	[INJECT_GARBAGE] = { "garbage",
	  "random bytes of random lengths, from empty to larger than the "
	  "MTU (the largest is 65507 bytes, sent in IP fragments)",
	  INJECT_REASONS, 16, 0 },
	[INJECT_TRUNCATED] = { "truncated",
	  "a well-formed P_DATA_V2 header cut at every length below "
	  "header + tag (0..23 bytes)", CRYPTO_DROP_SHORT, 24, 0 },
	[INJECT_BAD_OPCODE] = { "bad-opcode",
	  "a full-length datagram whose opcode is not P_DATA_V2 (9), "
	  "starting with OpenVPN's P_DATA_V1 (6)", CRYPTO_DROP_OPCODE, 4, 0 },
	[INJECT_BAD_KEY_ID] = { "bad-key-id",
	  "a valid peer-id with a key-id that is neither the current nor "
	  "the previous one", CRYPTO_DROP_KEY_ID, 4, INJECT_LIVE_KEY },
	[INJECT_UNKNOWN_PEER] = { "unknown-peer",
	  "a peer-id that no client has (0xffffff, 0, 0xfffffe, 0x100...)",
	  DROP_UNKNOWN_PEER, 4, 0 },
	[INJECT_BITFLIP] = { "bitflip",
	  "a real datagram of this host's tunnel, captured on the wire, with "
	  "one bit flipped (the first ciphertext bit, or at --at OFFSET)",
	  CRYPTO_DROP_TAG, 1, INJECT_CAPTURE },
	[INJECT_REPLAY] = { "replay",
	  "a real datagram of this host's tunnel, captured on the wire and "
	  "sent again as it is", CRYPTO_DROP_REPLAY, 1, INJECT_CAPTURE },
	[INJECT_SPOOF_SOURCE] = { "spoof-source",
	  "from a client: an IP packet with another inner source address "
	  "(raw socket), routed into the tun, so that this host's daemon "
	  "encrypts it and the server finds it is not from this client",
	  DROP_SPOOFED, 3, INJECT_INNER },
	[INJECT_UNKNOWN_ADDRESS] = { "unknown-address",
	  "a datagram with a valid peer-id and the live key-id from a port "
	  "the endpoint does not know, which does not authenticate, so the "
	  "peer must not move (float) there", CRYPTO_DROP_TAG, 3,
	  INJECT_LIVE_KEY },
};

/* Peer-ids that no client has: unset, never assigned, the largest, one
 * past the peer table. */
static const uint32_t unknown_peer_ids[] = {
	TL_WIRE_PEER_ID_UNSET, 0, TL_WIRE_PEER_ID_MAX, 0x100, 0xabcdef,
};

/* Names of OpenVPN's opcodes, to say what a bad one would have meant. */
static const char *const openvpn_opcodes[32] = {
	[1] = "P_CONTROL_HARD_RESET_CLIENT_V1",
	[2] = "P_CONTROL_HARD_RESET_SERVER_V1",
	[3] = "P_CONTROL_SOFT_RESET_V1",
	[4] = "P_CONTROL_V1",
	[5] = "P_ACK_V1",
	[6] = "P_DATA_V1",
	[7] = "P_CONTROL_HARD_RESET_CLIENT_V2",
	[8] = "P_CONTROL_HARD_RESET_SERVER_V2",
	[9] = "P_DATA_V2",
	[10] = "P_CONTROL_HARD_RESET_CLIENT_V3",
	[11] = "P_CONTROL_WKC_V1",
};

const struct inject_kind_info *inject_kind(enum inject_kind kind)
{
	return (unsigned int)kind < INJECT_KIND_MAX ? &kinds[kind] : NULL;
}

const char *inject_drop_name(const struct inject_kind_info *k)
{
	if (k->reason == INJECT_REASONS)
		return "short, bad opcode, unknown peer-id...";
	return tunnel_drop_name(k->reason);
}

int inject_kind_parse(const char *name, enum inject_kind *kind)
{
	for (unsigned int k = 0; k < INJECT_KIND_MAX; k++) {
		if (strcmp(kinds[k].name, name) == 0) {
			*kind = (enum inject_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

void inject_cfg_init(struct inject_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->key_id = -1;
	cfg->forced_peer_id = -1;
	cfg->forced_key_id = -1;
	cfg->at = -1;
	cfg->wait_ms = DEFAULT_WAIT_MS;
	cfg->to.sin_family = AF_INET;
}

/* xorshift32: reproducible from --seed, never 0. */
static uint32_t rnd(uint32_t *s)
{
	uint32_t x = *s ? *s : 0x2545f491u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* A number in [lo, hi]. */
static size_t rnd_range(uint32_t *s, size_t lo, size_t hi)
{
	return lo + rnd(s) % (hi - lo + 1);
}

/* len random bytes at buf. */
static void rnd_fill(uint32_t *s, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rnd(s);
}

/* Monotonic milliseconds. */
static int64_t now_ms(void)
{
	return (int64_t)(tl_now_ns() / 1000000);
}

/* The header fields present in the first len bytes, for a report line. */
static void describe(const uint8_t *buf, size_t len, char *out, size_t n)
{
	size_t off = 0;

	out[0] = '\0';
	if (len == 0) {
		snprintf(out, n, "(empty)");
		return;
	}
	off += (size_t)snprintf(out, n, "opcode %u key-id %u",
				buf[0] >> TL_WIRE_OPCODE_SHIFT,
				buf[0] & TL_WIRE_KEY_ID_MASK);
	if (len >= 4 && off < n)
		off += (size_t)snprintf(out + off, n - off, " peer-id %u",
					(unsigned int)(buf[1] << 16 |
						       buf[2] << 8 | buf[3]));
	if (len >= TL_WIRE_AD_LEN && off < n)
		off += (size_t)snprintf(out + off, n - off, " packet-id %u",
					(unsigned int)((uint32_t)buf[4] << 24 |
						       (uint32_t)buf[5] << 16 |
						       (uint32_t)buf[6] << 8 |
						       buf[7]));
	if (len < TL_WIRE_HDR_LEN && off < n)
		snprintf(out + off, n - off, ", cut at %zu of %d header bytes",
			 len, TL_WIRE_HDR_LEN);
	else if (off < n)
		snprintf(out + off, n - off, ", %zu bytes of ciphertext",
			 len - TL_WIRE_HDR_LEN);
}

/* What the receiver will most likely count this datagram as, following
 * its receive order: length, opcode, peer-id, key-id, tag. */
static const char *predict(const struct inject_cfg *cfg, int live_key,
			   const uint8_t *buf, size_t len)
{
	struct crypto_hdr h;
	enum crypto_verdict v = crypto_hdr_decode(buf, len, &h);

	if (v != CRYPTO_OK)
		return crypto_verdict_name(v);
	if (h.peer_id != cfg->peer_id)
		return tunnel_drop_name(DROP_UNKNOWN_PEER);
	if (live_key >= 0 && h.key_id != live_key)
		return crypto_verdict_name(CRYPTO_DROP_KEY_ID);
	return crypto_verdict_name(CRYPTO_DROP_TAG);
}

/* A header with a random tag and INJECT_BODY_LEN random bytes after it. */
static size_t forge(uint8_t *buf, size_t room, uint8_t opcode, int key_id,
		    uint32_t peer_id, uint32_t packet_id, uint32_t *rng)
{
	struct crypto_hdr h = {
		.opcode = opcode,
		.key_id = (uint8_t)(key_id & TL_WIRE_KEY_ID_MASK),
		.peer_id = peer_id & 0xffffffu, .packet_id = packet_id,
	};
	size_t len = TL_WIRE_HDR_LEN + INJECT_BODY_LEN;

	if (room < len)
		return 0;
	crypto_hdr_encode(buf, &h);
	rnd_fill(rng, buf + TL_WIRE_AD_LEN, len - TL_WIRE_AD_LEN);
	return len;
}

/* Garbage lengths, by turns: empty or shorter than a header, up to the
 * wire's MTU, beyond it, anything up to the largest UDP payload. */
static size_t garbage_len(unsigned int i, uint32_t *rng)
{
	switch (i % 4) {
	case 0:
		return i == 0 ? 0 : rnd_range(rng, 1, TL_WIRE_HDR_LEN - 1);
	case 1:
		return rnd_range(rng, TL_WIRE_HDR_LEN, 1472);
	case 2:
		return rnd_range(rng, 1473, 9000);
	default:
		return i == 3 ? INJECT_MAX_DATAGRAM :
			rnd_range(rng, 0, INJECT_MAX_DATAGRAM);
	}
}

/* The i-th opcode that is not P_DATA_V2, from P_DATA_V1 on. */
static uint8_t bad_opcode(unsigned int i)
{
	unsigned int k = (6 + i) % 31;	/* 31 values: 0..31 but 9 */

	return (uint8_t)(k >= TL_WIRE_OP_DATA_V2 ? k + 1 : k);
}

/* The i-th key-id that is neither live nor the previous one: live + 2..5
 * (key-ids go 0, 1..7, 1..7: the previous one is live - 1, or 7 or 0). */
static int dead_key_id(int live, unsigned int i)
{
	return (live + 2 + (int)(i % 4)) & TL_WIRE_KEY_ID_MASK;
}

size_t inject_build(const struct inject_cfg *cfg, unsigned int i,
		    uint32_t *rng, uint8_t *buf, size_t room, char *desc,
		    size_t n)
{
	int key = cfg->forced_key_id >= 0 ? cfg->forced_key_id :
		  cfg->key_id >= 0 ? cfg->key_id : 0;
	uint32_t peer = cfg->forced_peer_id >= 0 ?
			(uint32_t)cfg->forced_peer_id : cfg->peer_id;
	size_t len = 0;
	uint8_t op;

	desc[0] = '\0';
	switch (cfg->kind) {
	case INJECT_GARBAGE:
		len = garbage_len(i, rng);
		if (len > room)
			len = room;
		rnd_fill(rng, buf, len);
		describe(buf, len, desc, n);
		return len;
	case INJECT_TRUNCATED:
		len = forge(buf, room, TL_WIRE_OP_DATA_V2, key, peer, i + 1,
			    rng);
		len = len ? i % TL_WIRE_HDR_LEN : 0;
		break;
	case INJECT_BAD_OPCODE:
		op = bad_opcode(i);
		len = forge(buf, room, op, key, peer, i + 1, rng);
		describe(buf, len, desc, n);
		if (openvpn_opcodes[op])
			snprintf(desc + strlen(desc), n - strlen(desc),
				 " (opcode %u is OpenVPN's %s)", op,
				 openvpn_opcodes[op]);
		return len;
	case INJECT_BAD_KEY_ID:
		if (cfg->forced_key_id < 0)
			key = dead_key_id(cfg->key_id >= 0 ? cfg->key_id : 0, i);
		len = forge(buf, room, TL_WIRE_OP_DATA_V2, key, peer, i + 1,
			    rng);
		break;
	case INJECT_UNKNOWN_PEER:
		if (cfg->forced_peer_id < 0) {
			size_t k = i % (sizeof(unknown_peer_ids) /
					sizeof(unknown_peer_ids[0]));

			peer = unknown_peer_ids[k];
			if (peer == cfg->peer_id)
				peer = 0;
		}
		len = forge(buf, room, TL_WIRE_OP_DATA_V2, key, peer, i + 1,
			    rng);
		break;
	case INJECT_UNKNOWN_ADDRESS:
		/* Far ahead of the replay window: it would be accepted if it
		 * authenticated. */
		len = forge(buf, room, TL_WIRE_OP_DATA_V2, key, peer,
			    0x00100000u + i, rng);
		break;
	default:
		return 0;
	}
	describe(buf, len, desc, n);
	return len;
}

/* Is this captured IPv4 packet a whole UDP datagram to the endpoint?
 * Sets *payload and *plen when it is. */
static bool tunnel_datagram(const struct inject_cfg *cfg, const uint8_t *pkt,
			    size_t len, const uint8_t **payload, size_t *plen)
{
	const struct iphdr *ip = (const void *)pkt;
	const struct udphdr *udp;
	size_t ihl, ulen;

	if (len < sizeof(*ip) || ip->version != 4 || ip->protocol != IPPROTO_UDP)
		return false;
	ihl = (size_t)ip->ihl * 4;
	/* A fragment is not a whole datagram: tunnel datagrams never are. */
	if (ihl < sizeof(*ip) || len < ihl + sizeof(*udp) ||
	    (ntohs(ip->frag_off) & (IP_MF | IP_OFFMASK)) ||
	    ip->daddr != cfg->to.sin_addr.s_addr)
		return false;
	udp = (const void *)(pkt + ihl);
	ulen = ntohs(udp->len);
	if (udp->dest != cfg->to.sin_port || ulen < sizeof(*udp) ||
	    ihl + ulen > len)
		return false;
	*payload = pkt + ihl + sizeof(*udp);
	*plen = ulen - sizeof(*udp);
	return true;
}

/* Send one small UDP datagram to the tunnel address nudge, port 9: the
 * kernel routes it into the tun and the daemon sends it encrypted, so
 * that there is a datagram to capture. */
static int send_nudge(struct in_addr nudge, char *err)
{
	static const char msg[] = "tunlab inject: a datagram to capture";
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_addr = nudge,
		.sin_port = htons(INJECT_DISCARD_PORT),
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (fd < 0 || sendto(fd, msg, sizeof(msg) - 1, 0,
			     (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		rc = -errno;
		snprintf(err, INJECT_ERRBUF, "nudge to %s:%d: %s",
			 inet_ntoa(nudge), INJECT_DISCARD_PORT,
			 strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The next datagram this host sends to the endpoint, before deadline:
 * its UDP payload (at least a header long) in *payload, *plen bytes; 0,
 * or -ETIMEDOUT. */
static int next_datagram(const struct inject_cfg *cfg, int fd,
			 int64_t deadline, const uint8_t **payload,
			 size_t *plen)
{
	static uint8_t pkt[65536];

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int64_t left = deadline - now_ms();
		struct sockaddr_ll sll;
		socklen_t slen = sizeof(sll);
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		n = recvfrom(fd, pkt, sizeof(pkt), MSG_DONTWAIT,
			     (struct sockaddr *)&sll, &slen);
		if (n <= 0 || sll.sll_pkttype != PACKET_OUTGOING ||
		    sll.sll_protocol != htons(ETH_P_IP))
			continue;
		if (tunnel_datagram(cfg, pkt, (size_t)n, payload, plen) &&
		    *plen >= TL_WIRE_HDR_LEN)
			return 0;
	}
}

/* The packet-id of a datagram (its header is whole). */
static uint32_t packet_id(const uint8_t *d)
{
	return (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 |
	       (uint32_t)d[6] << 8 | d[7];
}

/*
 * Take a datagram this host sends to the endpoint off the wire, within
 * cfg->wait_ms, into buf; with cfg->after, also let that many more go by
 * first (the receiver's replay window moves on), and set *behind to how
 * far the highest packet-id under the same key got past it.  Returns the
 * datagram's length or a negative errno.
 */
static ssize_t capture(const struct inject_cfg *cfg, uint8_t *buf,
		       size_t room, uint32_t *behind, char *err)
{
	int64_t deadline = now_ms() + cfg->wait_ms;
	const uint8_t *payload;
	unsigned int seen = 0;
	int fd, rcvbuf = 4 << 20;
	ssize_t rc;
	size_t plen;

	*behind = 0;
	/* Outgoing packets reach only ETH_P_ALL sockets. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		rc = -errno;
		snprintf(err, INJECT_ERRBUF, "capture socket: %s%s",
			 strerror(errno), errno == EPERM ?
			 " (needs root: run it with tunlab exec)" : "");
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (cfg->nudge.s_addr) {
		rc = send_nudge(cfg->nudge, err);
		if (rc)
			goto out;
	}
	do {
		rc = next_datagram(cfg, fd, deadline, &payload, &plen);
	} while (!rc && plen > room);
	if (rc) {
		snprintf(err, INJECT_ERRBUF, "no tunnel datagram to %s:%u seen "
			 "on this host's wire within %d ms%s",
			 inet_ntoa(cfg->to.sin_addr), ntohs(cfg->to.sin_port),
			 cfg->wait_ms, cfg->nudge.s_addr ? "" :
			 " (send traffic through the tunnel meanwhile)");
		goto out;
	}
	memcpy(buf, payload, plen);
	if (cfg->out) {
		fprintf(cfg->out, "captured a %zu-byte datagram of this host's "
			"tunnel to %s:%u: key-id %u peer-id %u packet-id %u\n",
			plen, inet_ntoa(cfg->to.sin_addr),
			ntohs(cfg->to.sin_port), buf[0] & TL_WIRE_KEY_ID_MASK,
			(unsigned int)(buf[1] << 16 | buf[2] << 8 | buf[3]),
			packet_id(buf));
		if (cfg->after)
			fprintf(cfg->out, "waiting for %u more to go by\n",
				cfg->after);
		fflush(cfg->out);
	}
	rc = (ssize_t)plen;
	/* Count by packet-id too: the socket may miss some in a flood. */
	while (seen < cfg->after && *behind < cfg->after) {
		if (next_datagram(cfg, fd, deadline, &payload, &plen)) {
			snprintf(err, INJECT_ERRBUF, "only %u of %u more tunnel "
				 "datagrams went by within %d ms (--wait)", seen,
				 cfg->after, cfg->wait_ms);
			rc = -ETIMEDOUT;
			break;
		}
		seen++;
		if ((payload[0] & TL_WIRE_KEY_ID_MASK) ==
		    (buf[0] & TL_WIRE_KEY_ID_MASK) &&
		    packet_id(payload) > packet_id(buf) &&
		    packet_id(payload) - packet_id(buf) > *behind)
			*behind = packet_id(payload) - packet_id(buf);
	}
out:
	close(fd);
	return rc;
}

/* The Internet checksum of buf, continuing from sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	return sum;
}

/* Fold a checksum sum to 16 bits and complement it. */
static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Build an IPv4/UDP packet from inner_src to inner_dst port 9 in buf;
 * returns its length. */
static size_t spoofed_packet(const struct inject_cfg *cfg, unsigned int i,
			     uint8_t *buf)
{
	static const char msg[] = "tunlab inject: not my address";
	struct iphdr *ip = (void *)buf;
	struct udphdr *udp = (void *)(buf + sizeof(*ip));
	size_t ulen = sizeof(*udp) + sizeof(msg) - 1;
	uint8_t pseudo[12];
	uint32_t sum;

	memset(buf, 0, sizeof(*ip) + ulen);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + ulen));
	ip->id = htons((uint16_t)(0x7a00 + i));
	ip->saddr = cfg->inner_src.s_addr;
	ip->daddr = cfg->inner_dst.s_addr;
	udp->source = htons((uint16_t)(40000 + i));
	udp->dest = htons(INJECT_DISCARD_PORT);
	udp->len = htons((uint16_t)ulen);
	memcpy(udp + 1, msg, sizeof(msg) - 1);
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	pseudo[10] = (uint8_t)(ulen >> 8);
	pseudo[11] = (uint8_t)ulen;
	sum = csum_add(csum_add(0, pseudo, sizeof(pseudo)), (uint8_t *)udp,
		       ulen);
	udp->check = htons(csum_fold(sum));
	if (!udp->check)
		udp->check = 0xffff;
	sum = csum_add(0, buf, sizeof(*ip));
	ip->check = htons(csum_fold(sum));
	return sizeof(*ip) + ulen;
}

/* spoof-source: count IP packets through the tunnel from a foreign source. */
static int run_spoof(const struct inject_cfg *cfg, unsigned int count,
		     struct inject_result *res, char *err)
{
	struct sockaddr_in dst = {
		.sin_family = AF_INET, .sin_addr = cfg->inner_dst,
	};
	char src[INET_ADDRSTRLEN], to[INET_ADDRSTRLEN];
	uint8_t pkt[128];
	int fd, rc = 0;

	if (!cfg->inner_src.s_addr || !cfg->inner_dst.s_addr) {
		snprintf(err, INJECT_ERRBUF, "spoof-source needs a forged "
			 "source and a destination in the tunnel");
		return -EINVAL;
	}
	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, INJECT_ERRBUF, "raw socket: %s%s",
			 strerror(errno), errno == EPERM ?
			 " (needs root: run it with tunlab exec)" : "");
		return rc;
	}
	inet_ntop(AF_INET, &cfg->inner_src, src, sizeof(src));
	inet_ntop(AF_INET, &cfg->inner_dst, to, sizeof(to));
	for (unsigned int i = 0; i < count; i++) {
		size_t len = spoofed_packet(cfg, i, pkt);

		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) != (ssize_t)len) {
			rc = -errno;
			snprintf(err, INJECT_ERRBUF, "sending %s -> %s: %s",
				 src, to, strerror(errno));
			break;
		}
		res->sent++;
		res->bytes += len;
		if (cfg->out)
			fprintf(cfg->out, "spoof-source %u/%u: a %zu-byte IP "
				"packet %s:%u -> %s:%d into the tunnel (raw "
				"socket); expect the server to drop \"%s\"\n",
				i + 1, count, len, src, 40000 + i, to,
				INJECT_DISCARD_PORT,
				inject_drop_name(&kinds[INJECT_SPOOF_SOURCE]));
	}
	close(fd);
	return rc;
}

/* A UDP socket from a fresh port, not fragmenting by path MTU discovery
 * rules: large garbage leaves in fragments, as the kernel makes them. */
static int open_udp(uint16_t *port, char *err)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int pmtu = IP_PMTUDISC_DONT, sndbuf = 1 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len)) {
		int rc = -errno;

		snprintf(err, INJECT_ERRBUF, "UDP socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	*port = ntohs(sin.sin_port);
	return fd;
}

/* Count one more datagram expected to drop as reason. */
static void tally(struct inject_result *res, const char *reason)
{
	int i;

	for (i = 0; i < res->nexpect; i++)
		if (strcmp(res->expect[i].reason, reason) == 0)
			break;
	if (i == res->nexpect) {
		if (i == INJECT_EXPECT_MAX)
			return;
		res->expect[res->nexpect++].reason = reason;
	}
	res->expect[i].n++;
}

/* Send one datagram and account for it; a report line if asked. */
static int send_one(const struct inject_cfg *cfg, int fd, unsigned int i,
		    unsigned int count, const uint8_t *buf, size_t len,
		    const char *desc, const char *expect,
		    struct inject_result *res, char *err)
{
	char to[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &cfg->to.sin_addr, to, sizeof(to));
	if (sendto(fd, buf, len, 0, (const struct sockaddr *)&cfg->to,
		   sizeof(cfg->to)) != (ssize_t)len) {
		int rc = -errno;

		snprintf(err, INJECT_ERRBUF, "sending %zu bytes to %s:%u: %s",
			 len, to, ntohs(cfg->to.sin_port), strerror(errno));
		return rc;
	}
	tally(res, expect);
	if (!res->sent || len < res->min_len)
		res->min_len = len;
	if (len > res->max_len)
		res->max_len = len;
	res->sent++;
	res->bytes += len;
	if (cfg->out)
		fprintf(cfg->out, "%s %u/%u: %zu bytes to %s:%u: %s; expect "
			"\"%s\"\n", kinds[cfg->kind].name, i + 1, count, len,
			to, ntohs(cfg->to.sin_port), desc, expect);
	return 0;
}

/* bitflip and replay: copies of one captured datagram. */
static int run_captured(const struct inject_cfg *cfg, int fd,
			unsigned int count, const uint8_t *orig, size_t len,
			struct inject_result *res, char *err)
{
	static uint8_t buf[INJECT_MAX_DATAGRAM];
	char desc[DESC_MAX + 48];
	size_t at = cfg->at >= 0 ? (size_t)cfg->at :
		    len > TL_WIRE_HDR_LEN ? TL_WIRE_HDR_LEN : TL_WIRE_AD_LEN;
	int rc;

	if (cfg->kind == INJECT_BITFLIP && at >= len) {
		snprintf(err, INJECT_ERRBUF, "--at %zu is past the end of the "
			 "captured %zu-byte datagram", at, len);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < count; i++) {
		const char *expect = inject_drop_name(&kinds[cfg->kind]);

		memcpy(buf, orig, len);
		if (cfg->kind == INJECT_BITFLIP) {
			size_t byte = (at + i / 8) % len;
			uint8_t mask = (uint8_t)(0x80u >> (i % 8));

			buf[byte] ^= mask;
			describe(buf, len, desc, DESC_MAX);
			snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc),
				 ", byte %zu (%s) ^= 0x%02x", byte,
				 byte < 1 ? "opcode/key-id" :
				 byte < 4 ? "peer-id" :
				 byte < TL_WIRE_AD_LEN ? "packet-id" :
				 byte < TL_WIRE_HDR_LEN ? "tag" : "ciphertext",
				 mask);
			expect = predict(cfg, res->key_id, buf, len);
		} else {
			describe(buf, len, desc, DESC_MAX);
			snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc),
				 ", as captured");
			if (res->behind)
				snprintf(desc + strlen(desc),
					 sizeof(desc) - strlen(desc), ", now %u "
					 "packet-ids behind", res->behind);
			/* The receiver's window reaches REPLAY_WINDOW back
			 * from the newest packet-id it took. */
			if (res->behind > REPLAY_WINDOW)
				expect = crypto_verdict_name(CRYPTO_DROP_TOO_OLD);
		}
		rc = send_one(cfg, fd, i, count, buf, len, desc, expect, res,
			      err);
		if (rc)
			return rc;
	}
	return 0;
}

int inject_run(const struct inject_cfg *cfg_in, struct inject_result *res,
	       char *err)
{
	static uint8_t buf[INJECT_MAX_DATAGRAM], orig[INJECT_MAX_DATAGRAM];
	const struct inject_kind_info *k = inject_kind(cfg_in->kind);
	struct inject_cfg cfg = *cfg_in;
	unsigned int count;
	uint32_t rng = cfg.seed, behind = 0;
	ssize_t caplen = 0;
	int fd, rc = 0;

	memset(res, 0, sizeof(*res));
	res->key_id = cfg.key_id;
	if (!k) {
		snprintf(err, INJECT_ERRBUF, "no such kind of bad input");
		return -EINVAL;
	}
	count = cfg.count ? cfg.count : k->count;
	if (k->needs & INJECT_INNER)
		return run_spoof(&cfg, count, res, err);
	if (!cfg.to.sin_addr.s_addr || !cfg.to.sin_port) {
		snprintf(err, INJECT_ERRBUF, "no endpoint to send to");
		return -EINVAL;
	}
	/* A real datagram: to change or send again, or to learn the key-id. */
	if ((k->needs & INJECT_CAPTURE) ||
	    ((k->needs & INJECT_LIVE_KEY) && cfg.key_id < 0 &&
	     cfg.forced_key_id < 0)) {
		caplen = capture(&cfg, orig, sizeof(orig), &behind, err);
		if (caplen < 0)
			return (int)caplen;
		cfg.key_id = res->key_id = orig[0] & TL_WIRE_KEY_ID_MASK;
		if (cfg.peer_id == 0)
			cfg.peer_id = (uint32_t)orig[1] << 16 |
				      (uint32_t)orig[2] << 8 | orig[3];
		res->captured_len = (size_t)caplen;
		res->behind = behind;
	}
	fd = open_udp(&res->src_port, err);
	if (fd < 0)
		return fd;
	if (k->needs & INJECT_CAPTURE) {
		rc = run_captured(&cfg, fd, count, orig, (size_t)caplen, res,
				  err);
		goto out;
	}
	for (unsigned int i = 0; i < count; i++) {
		char desc[DESC_MAX];
		size_t len = inject_build(&cfg, i, &rng, buf, sizeof(buf),
					  desc, sizeof(desc));
		const char *expect = cfg.kind == INJECT_GARBAGE ||
				     cfg.kind == INJECT_TRUNCATED ?
				     predict(&cfg, cfg.key_id, buf, len) :
				     inject_drop_name(k);

		rc = send_one(&cfg, fd, i, count, buf, len, desc, expect, res,
			      err);
		if (rc)
			break;
	}
out:
	close(fd);
	return rc;
}
