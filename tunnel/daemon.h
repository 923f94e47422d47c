/* SPDX-License-Identifier: GPL-2.0-only */
/* The daemon's state, shared by daemon.c, send.c, receive.c and socket.c. */
#ifndef TUNLAB_DAEMON_H
#define TUNLAB_DAEMON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "control.h"
#include "crypto.h"
#include "device.h"
#include "evloop.h"
#include "offload.h"
#include "peers.h"
#include "probes.h"
#include "tunnel.h"

#define BATCH		32	/* datagrams per recvmmsg/sendmmsg */
#define TUN_READS	64	/* packets read from the tun per wakeup */
#define PKT_ROOM	(TL_WIRE_HDR_LEN + 65535)	/* headroom + packet */
#define MAX_CTL		32	/* control connections at once */
/* Fast mode: a super-packet's datagrams, side by side for one UDP GSO send:
 * its payload plus, per segment, a tunnel header and copied headers. */
#define GSO_OUT_ROOM	(65536 + OFFLOAD_MAX_SEGS * (TL_WIRE_HDR_LEN + 160))

/* Fast mode, on the way in: a decrypted segment waiting in gro, whose
 * step-5' event is sent when its super-packet is known (probes.h). */
struct rx_note {
	uint64_t ts_ns;
	const uint8_t *pkt;		/* in an rx buffer, valid for the round */
	size_t len;
	struct crypto_info info;
	char from[64];
};

struct tunnel;

/* A control connection and the daemon it belongs to (the callback's arg). */
struct ctl_slot {
	struct tunnel *t;
	struct control_conn *conn;	/* NULL: free */
};

struct tunnel {
	const struct tunnel_cfg *cfg;
	struct evloop *loop;
	struct tun_device dev;
	int udp_fd;
	int listen_fd;			/* server: control connections */
	int sig_fd;
	int status_fd;
	struct control_ctx *cctx;
	struct control_pool *pool;	/* server */
	struct peer_table *peers;	/* server: clients; client: the server */
	struct ctl_slot ctl[MAX_CTL];
	struct tunnel_probes probes;
	struct tunnel_stats stats;
	bool ready;			/* keys installed, device configured */
	int exit_code;			/* set by a fatal event: stop the loop */
	char exit_msg[TUNNEL_ERRBUF];

	/* client */
	struct sockaddr_storage server_tcp;
	socklen_t server_tcp_len;
	struct peer *server;		/* the one peer of a client */
	uint8_t key_id;
	uint64_t keyed_ns;		/* when the current key-id was agreed */
	uint64_t keyed_tx;		/* udp_tx when it was agreed */
	bool rekeying;			/* a REKEY connection is under way */
	bool rekey_now;			/* the packet-id says: rekey */
	int connect_tries;
	uint64_t last_tx_ns;

	/* Batches: received datagrams, and datagrams waiting to be sent. */
	uint8_t (*rx)[PKT_ROOM];
	struct mmsghdr rx_msg[BATCH];
	struct iovec rx_iov[BATCH];
	struct sockaddr_storage rx_addr[BATCH];
	uint8_t (*tx)[PKT_ROOM];
	struct mmsghdr tx_msg[BATCH];
	struct iovec tx_iov[BATCH];
	struct peer *tx_peer[BATCH];
	int ntx;
	uint8_t *scratch;		/* PKT_ROOM: a plaintext sent to several */

	/* Fast mode (cfg->offload): cut super-packets, sent with UDP GSO;
	 * datagrams received with UDP GRO; segments merged for the tun. */
	uint8_t *gso_out;		/* GSO_OUT_ROOM */
	bool udp_gso;			/* the socket takes UDP_SEGMENT */
	uint16_t rx_gso[BATCH];		/* UDP GRO segment size per message */
	char rx_cmsg[BATCH][64];
	struct gro gro;
	struct rx_note notes[OFFLOAD_GRO_MAX_SEGS];	/* gro's segments */
	int nnotes;

	/* The last address written as text for a probe event: a tunnel
	 * talks to few, and inet_ntop per packet showed in profiles. */
	struct sockaddr_storage text_addr;
	char text[64];

	/* Log lines about drops: at most one a second per reason. */
	uint64_t log_next_ns[TUNNEL_DROP_MAX];
	uint64_t log_quiet[TUNNEL_DROP_MAX];
};

/* send.c: read packets from the tun and send them encrypted. */
void send_from_tun(struct tunnel *t);
/* Queue the plaintext in tx slot t->ntx (len bytes after the headroom)
 * for peer; sends the batch when full.  digest: the plaintext's, when the
 * probes already took it, or 0. */
void send_to_peer(struct tunnel *t, struct peer *p, size_t len,
		  uint64_t digest);
/* Copy len bytes of plaintext at pkt into the next tx slot and queue it. */
void send_copy_to_peer(struct tunnel *t, struct peer *p, const uint8_t *pkt,
		       size_t len);
/* Send a copy of the plaintext at pkt to every peer but except (a TAP
 * broadcast, or a frame for a MAC no client has shown yet). */
void send_flood(struct tunnel *t, const uint8_t *pkt, size_t len,
		const struct peer *except);
/* Send what is queued. */
void send_flush(struct tunnel *t);
/* An empty data packet: tells the server where the client is. */
void send_keepalive(struct tunnel *t, struct peer *p);

/* receive.c: read datagrams and write what decrypts to the tun. */
void receive_from_udp(struct tunnel *t);

/* socket.c: the UDP socket. */
int socket_open(struct tunnel *t, char *err);

/* daemon.c: count a drop, tell the tracer, log it (rate-limited). */
void tunnel_drop(struct tunnel *t, unsigned int reason, unsigned int step,
		 const struct crypto_info *info, const uint8_t *bytes,
		 size_t len, const struct sockaddr_storage *peer);
/* addr as text ("192.0.2.1:1194"), for probe events; valid until the
 * next call. */
const char *tunnel_addr_text(struct tunnel *t,
			     const struct sockaddr_storage *addr);
void tunnel_log(struct tunnel *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
