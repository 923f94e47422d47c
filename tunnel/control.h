/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control channel: TLS 1.3 over TCP (port TL_WIRE_CONTROL_PORT, 1195),
 * mutual certificate authentication against the lab CA, then a few text
 * lines that agree on the tunnel's settings and a key-id; both sides then
 * export the data channel's keys from the TLS session.  docs/control.md
 * draws the exchange.
 *
 *   client                                   server
 *   TLS 1.3 handshake (ECDHE, certificates both ways)  <------->
 *   HELLO version 1 dev tun cipher AES-256-GCM  ------>
 *            <------  PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 ...
 *   both: SSL_export_keying_material("EXPORTER-tunlab-datakeys",
 *                                    context = key-id, 80 bytes)
 *
 * A rekey is a new TCP connection and a new handshake (fresh ECDHE, so a
 * fresh exporter secret), where the client sends "REKEY peer-id 1 key-id 1"
 * and the server, having checked that peer-id 1 is bound to the name in
 * this client's certificate, answers "OK peer-id 1 key-id 1".  A session's
 * exporter is never used twice: a second key-id always means a second
 * handshake.
 *
 * Non-blocking, for an epoll loop: create a connection on a connected (or
 * connecting) TCP socket, call control_io() whenever the socket is readable
 * or writable, or the deadline passed; it returns what to wait for next;
 * then take the events it queued with control_next_event():
 *
 *	want = control_io(c);
 *	while (control_next_event(c, &ev))
 *		handle(&ev);			// KEYS: install, then wipe
 *	if (!want)
 *		control_conn_free(c);		// closed or failed
 *	else
 *		epoll_mod(fd, want); timer(control_deadline(c));
 *
 * Every read is bounded (CONTROL_MSG_MAX per message, OpenSSL's limits
 * below), every wait too (the handshake and the HELLO/PUSH exchange must
 * finish within the handshake timeout), and nothing a peer sends can do
 * more than fail its own connection.  Writes never raise SIGPIPE.
 */
#ifndef TUNLAB_CONTROL_H
#define TUNLAB_CONTROL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pki.h"
#include "wire.h"

/* The data channel's keys, as exported: client-to-server key and implicit
 * IV, then server-to-client key and implicit IV.  The client sends with the
 * first half, the server with the second (as OpenVPN's tls-ekm). */
#define TUNNEL_KEY_LEN		32
#define TUNNEL_IV_LEN		TL_WIRE_IMPLICIT_IV_LEN		/* 8 */
#define TUNNEL_KEYMAT_HALF	(TUNNEL_KEY_LEN + TUNNEL_IV_LEN)	/* 40 */
#define TUNNEL_KEYMAT_LEN	(2 * TUNNEL_KEYMAT_HALF)		/* 80 */
#define TUNNEL_KEYMAT_C2S	0		/* offset: client -> server */
#define TUNNEL_KEYMAT_S2C	TUNNEL_KEYMAT_HALF /* server -> client */
#define CONTROL_KEYMAT_LABEL	"EXPORTER-tunlab-datakeys"

#define CONTROL_VERSION		1
#define CONTROL_MSG_MAX		512	/* one message, its newline included */
#define CONTROL_TEXT_MAX	640	/* a message or a reason, with NUL */
#define CONTROL_ERRBUF		512
#define CONTROL_HANDSHAKE_TIMEOUT_MS 10000
#define CONTROL_KEY_ID_COUNT	8	/* 3 bits in the data header */

enum control_dev {
	CONTROL_DEV_TUN,
	CONTROL_DEV_TAP,
};

enum control_cipher {
	CONTROL_CIPHER_AES_256_GCM,		/* "AES-256-GCM" (default) */
	CONTROL_CIPHER_CHACHA20_POLY1305,	/* "CHACHA20-POLY1305" */
	CONTROL_CIPHER_COUNT,
};

/* What the server told the client (and the server's KEYS event too). */
struct control_push {
	uint32_t peer_id;		/* the data header's peer-id */
	uint8_t key_id;			/* the data header's key-id, 0..7 */
	/* The rest only for a new session (HELLO/PUSH), not for a rekey. */
	struct in_addr addr;		/* the client's tunnel address */
	struct in_addr gateway;		/* the server's tunnel address */
	uint8_t prefix;			/* of the tunnel subnet, e.g. 24 */
	bool has_ipv6;
	struct in6_addr addr6, gateway6;
	uint8_t prefix6;
	uint16_t mtu;			/* of the tun/tap device */
	uint16_t data_port;		/* the server's UDP data port */
	enum control_cipher cipher;
};

enum control_event_type {
	CONTROL_EV_HANDSHAKE,	/* TLS done, peer's certificate verified */
	CONTROL_EV_MESSAGE,	/* a control message sent or received: text */
	CONTROL_EV_KEYS,	/* a key-id agreed: push, keymat */
	CONTROL_EV_CLOSED,	/* the peer said BYE or closed: text */
	CONTROL_EV_FAILED,	/* the connection failed: text says why */
};

struct control_event {
	enum control_event_type type;
	bool sent;			/* MESSAGE: we sent it (else got it) */
	bool rekey;			/* KEYS: from REKEY (else HELLO) */
	struct control_push push;	/* KEYS */
	uint8_t keymat[TUNNEL_KEYMAT_LEN];	/* KEYS: wipe it after use */
	char text[CONTROL_TEXT_MAX];	/* MESSAGE: the line (no newline);
					 * CLOSED, FAILED: the reason */
	int error;			/* FAILED: what kind of failure */
};

/*
 * The kinds of failure (control_event.error), for a daemon that must decide
 * whether to try again; the text says the details:
 *   -EACCES      a certificate was refused, by us or by the peer (alert)
 *   -EPERM       we refused the peer's request (server: sent ERROR)
 *   -EREMOTEIO   the peer refused ours (it sent ERROR: bad version, dev,
 *                cipher, pool exhausted, REKEY not allowed...)
 *   -EPROTO      not TLS, a bad or oversized message, a TLS protocol error
 *   -ETIMEDOUT   the handshake or the HELLO/PUSH exchange took too long
 *   -ECONNRESET  the peer closed before the keys were agreed
 *   -ECONNREFUSED, -EPIPE... the socket's own error (nobody listening...)
 *   -EIO         anything else
 */

/* What control_io() wants to wait for (0: the connection is finished). */
#define CONTROL_WANT_READ	0x1
#define CONTROL_WANT_WRITE	0x2

/* The address pool: each client certificate name is bound to one peer-id
 * and one tunnel address (peer-id n gets host n + 1 of the subnet: peer-id
 * 1 is 10.8.0.2; the gateway, the server, is host 1).  A binding lasts as
 * long as the pool: the same name gets the same address again.  The data
 * path's anti-spoofing looks packets' sources up here. */
struct control_lease {
	char name[PKI_NAME_MAX + 1];	/* the client certificate's CN */
	uint32_t peer_id;
	struct in_addr addr;
	struct in6_addr addr6;		/* when the pool has IPv6 */
	bool keyed;			/* a key-id has been agreed */
	uint8_t key_id;			/* the last key-id agreed */
	enum control_cipher cipher;	/* the cipher agreed by HELLO */
};

struct control_pool;

/* The pool's subnets. */
struct control_pool_info {
	struct in_addr net, gateway;
	uint8_t prefix;
	bool has_ipv6;
	struct in6_addr net6, gateway6;
	uint8_t prefix6;
	uint32_t size;			/* how many clients fit */
	uint32_t used;
};

/* A pool over cidr (e.g. "10.8.0.0/24", prefix 16..30) and optionally
 * cidr6 (e.g. "fd00:8::/64", prefix 64..124; NULL for none). */
int control_pool_new(struct control_pool **pool, const char *cidr,
		     const char *cidr6, char *err);
void control_pool_free(struct control_pool *pool);
const struct control_pool_info *control_pool_info(
	const struct control_pool *pool);

/* The lease bound to name, made now if there is none; -ENOSPC with a
 * message when every address is bound to another name. */
int control_pool_lease(struct control_pool *pool, const char *name,
		       struct control_lease **lease, char *err);

/* Look a lease up (NULL when none). */
struct control_lease *control_pool_by_name(const struct control_pool *pool,
					   const char *name);
struct control_lease *control_pool_by_peer(const struct control_pool *pool,
					   uint32_t peer_id);
struct control_lease *control_pool_by_addr(const struct control_pool *pool,
					   const struct in_addr *addr);
struct control_lease *control_pool_by_addr6(const struct control_pool *pool,
					    const struct in6_addr *addr6);

/* One side's TLS setup, shared by its connections. */
struct control_cfg {
	bool server;
	const char *ca_file;		/* the lab CA: the only one trusted */
	const char *cert_file;
	const char *key_file;		/* refused if group/others can read */
	const char *keylog_file;	/* NSS key log (appended, 0600); NULL:
					 * off.  Warns on stderr when on. */
	int handshake_timeout_ms;	/* 0: CONTROL_HANDSHAKE_TIMEOUT_MS */
	enum control_dev dev;		/* both: must match */
	enum control_cipher cipher;	/* client: the one it asks for */
	/* client only */
	const char *server_name;	/* the server's name; NULL: "server" */
	/* server only */
	struct control_pool *pool;	/* the caller's; outlives the ctx */
	unsigned int ciphers;		/* accepted: bits 1 << cipher; 0: all */
	uint16_t mtu;			/* pushed; 0: 1448 (tun), 1434 (tap) */
	uint16_t data_port;		/* pushed; 0: TL_WIRE_DATA_PORT */
};

struct control_ctx;
struct control_conn;

/* Load certificates and key, check them, and set up TLS 1.3. */
int control_ctx_new(struct control_ctx **ctx, const struct control_cfg *cfg,
		    char *err);
void control_ctx_free(struct control_ctx *ctx);

/* A client connection starting a new session (HELLO, key-id 0) on fd,
 * which it owns from now on (closed by control_conn_free). */
int control_client_new(struct control_conn **conn, struct control_ctx *ctx,
		       int fd, char *err);

/* A client connection asking for a new key-id of an existing session
 * (REKEY); key_id is normally control_next_key_id() of the current one. */
int control_client_rekey(struct control_conn **conn, struct control_ctx *ctx,
			 int fd, uint32_t peer_id, uint8_t key_id, char *err);

/* A server connection on an accepted fd (which it owns from now on). */
int control_server_new(struct control_conn **conn, struct control_ctx *ctx,
		       int fd, char *err);

/* Do what the connection can do now; see the top of this file. */
unsigned int control_io(struct control_conn *conn);

/* Take the oldest event queued (false when none). */
bool control_next_event(struct control_conn *conn, struct control_event *ev);

/* When control_io() must be called even without I/O (CLOCK_MONOTONIC,
 * milliseconds), or -1 for never. */
int64_t control_deadline(const struct control_conn *conn);

/* The peer certificate's name, once verified ("" before). */
const char *control_peer_name(const struct control_conn *conn);

int control_fd(const struct control_conn *conn);

/* Say "BYE reason" and close TLS (best effort, never blocks); afterwards
 * control_io() returns 0. */
void control_close(struct control_conn *conn, const char *reason);

/* Close the socket and free everything, wiping secrets. */
void control_conn_free(struct control_conn *conn);

/* The key-id after k: 0 is used once, by the first session; then 1..7
 * cycle, as in OpenVPN. */
uint8_t control_next_key_id(uint8_t k);

/* Names for messages and logs. */
const char *control_cipher_name(enum control_cipher cipher);
const char *control_dev_name(enum control_dev dev);
const char *control_event_name(enum control_event_type type);

/* Non-blocking TCP helpers: a listening socket (SO_REUSEADDR), an accepted
 * connection (-EAGAIN when none waits) and a connection in progress.  They
 * return the fd or a negative errno. */
int control_listen(const struct sockaddr *sa, socklen_t len, char *err);
int control_accept(int listen_fd, char *err);
int control_connect(const struct sockaddr *sa, socklen_t len, char *err);

#endif
