/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tunlab's VPN daemon (tunlab tunnel): one tun or tap device, one UDP socket
 * for the data channel, a TLS control channel over TCP, many clients on one
 * server.  The files follow the data path:
 *
 *   device.c   the tun/tap device           (steps 3/4 and 4'/3')
 *   send.c     tun -> encrypt -> UDP         (steps 4, 5)
 *   receive.c  UDP -> decrypt -> tun         (steps 5', 4')
 *   socket.c   the UDP socket, batched I/O
 *   crypto.c   the AEAD data channel, replay.c its replay window
 *   control.c  TLS 1.3 control channel, keys; pki.c the certificates
 *   peers.c    the server's clients; mss.c MSS clamping
 *   probes.c   events for the tracer
 *   offload.c  the fast mode: cutting and merging TCP super-packets
 *   daemon.c   the event loop that ties them together
 */
#ifndef TUNLAB_TUNNEL_H
#define TUNLAB_TUNNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "crypto.h"

#define TUNNEL_ERRBUF 512
#define TUNNEL_MAX_ROUTES 8
#define TUNNEL_MAX_RESERVE 64
/* --busy-poll defaults: a client spins briefly after each packet (an
 * answer usually comes sooner than a sleeping process wakes); a server,
 * shared by many clients, does not.  bench/README.md has the figures. */
#define TUNNEL_BUSY_POLL_CLIENT_US 100
#define TUNNEL_BUSY_POLL_SERVER_US 0

struct tunnel_cfg {
	bool server;
	const char *remote;		/* client: the server's address */
	const char *bind;		/* server: listen here (NULL: any) */
	uint16_t data_port;		/* UDP, 1194 */
	uint16_t control_port;		/* TCP, 1195 */
	bool tap;
	const char *dev;		/* device name */
	unsigned int wire_mtu;		/* of the physical path: 1500 */
	unsigned int mtu;		/* of the device; 0: from wire_mtu */
	const char *ca, *cert, *key;	/* PEM files */
	const char *keylog;		/* NSS key log, or NULL */
	enum crypto_cipher cipher;
	const char *pool, *pool6;	/* server: client addresses */
	const char *reserve[TUNNEL_MAX_RESERVE];	/* server: names leased
						 * first, in order */
	int nreserve;
	const char *routes[TUNNEL_MAX_ROUTES];	/* client: NET/PREFIX into the tunnel */
	int nroutes;
	uint64_t rekey_packets;		/* client: rekey after (0: only at the limit) */
	unsigned int rekey_seconds;	/* client: rekey every (0: never) */
	const char *user, *group;	/* drop to these after setup; NULL: stay */
	const char *probe_path;		/* the lab's probe socket, or NULL */
	const char *host;		/* lab host name for probe events */
	const char *status_path;	/* counters rewritten here each second */
	bool offload;			/* fast mode: TSO from the tun, UDP GSO/GRO */
	int busy_poll_us;		/* look for packets this long after the
					 * last before sleeping; < 0: default */
	bool verbose;
};

/* Why a packet was dropped: the crypto verdicts first (same numbers), then
 * the daemon's own reasons. */
enum tunnel_drop {
	DROP_UNKNOWN_PEER = CRYPTO_VERDICT_MAX,	/* "unknown peer-id" */
	DROP_NO_ROUTE,			/* "no such client" */
	DROP_SPOOFED,			/* "spoofed source" */
	DROP_INNER_MALFORMED,		/* "malformed inner packet" */
	DROP_MTU,			/* "MTU": the datagram would fragment */
	DROP_NO_ADDRESS,		/* "client address unknown" */
	DROP_SEND,			/* "send failed" */
	DROP_TUN_WRITE,			/* "tun write failed" */
	DROP_NOT_READY,			/* "tunnel not ready" */
	TUNNEL_DROP_MAX
};

const char *tunnel_drop_name(unsigned int reason);

struct tunnel_stats {
	uint64_t tun_rx, tun_rx_bytes;		/* step 4: read from the tun */
	uint64_t udp_tx, udp_tx_bytes;		/* step 5: sent encrypted */
	uint64_t udp_rx, udp_rx_bytes;		/* step 5': received */
	uint64_t tun_tx, tun_tx_bytes;		/* step 4': written to the tun */
	uint64_t keepalives;
	uint64_t handshakes, rekeys, floats;
	/* Fast mode only: super-packets and the segments in them. */
	uint64_t super_rx, super_rx_segs;	/* read from the tun, cut */
	uint64_t super_tx, super_tx_segs;	/* merged, written to the tun */
	uint64_t udp_gso_sends, udp_gro_msgs;	/* several datagrams each */
	uint64_t drops[TUNNEL_DROP_MAX];
};

/* Run the daemon until SIGINT or SIGTERM.  0 on a clean stop, or a
 * negative errno with the reason in err. */
int tunnel_run(const struct tunnel_cfg *cfg, char *err);

#endif
