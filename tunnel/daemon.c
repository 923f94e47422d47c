// SPDX-License-Identifier: GPL-2.0-only
/*
 * The daemon: sets up the device, the sockets and the control channel,
 * drops its privileges, and runs one event loop in which the tun, the UDP
 * socket, every control connection, the signals and a one-second timer
 * each have a callback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon.h"

#define TICK_NS		1000000000ull
#define KEEPALIVE_NS	(10 * TICK_NS)
#define CONNECT_TRIES	30	/* the first session: once a second */
#define LOG_EVERY_NS	TICK_NS

/* Overhead on the wire: outer IPv4, UDP, and the tunnel header with tag. */
#define WIRE_OVERHEAD	(20 + 8 + TL_WIRE_HDR_LEN)

static const char *const drop_names[TUNNEL_DROP_MAX - CRYPTO_VERDICT_MAX] = {
	[DROP_UNKNOWN_PEER - CRYPTO_VERDICT_MAX] = "unknown peer-id",
	[DROP_NO_ROUTE - CRYPTO_VERDICT_MAX] = "no such client",
	[DROP_SPOOFED - CRYPTO_VERDICT_MAX] = "spoofed source",
	[DROP_INNER_MALFORMED - CRYPTO_VERDICT_MAX] = "malformed inner packet",
	[DROP_MTU - CRYPTO_VERDICT_MAX] = "MTU",
	[DROP_NO_ADDRESS - CRYPTO_VERDICT_MAX] = "client address unknown",
	[DROP_SEND - CRYPTO_VERDICT_MAX] = "send failed",
	[DROP_TUN_WRITE - CRYPTO_VERDICT_MAX] = "tun write failed",
	[DROP_NOT_READY - CRYPTO_VERDICT_MAX] = "tunnel not ready",
};

const char *tunnel_drop_name(unsigned int reason)
{
	if (reason < CRYPTO_VERDICT_MAX)
		return crypto_verdict_name(reason);
	if (reason < TUNNEL_DROP_MAX)
		return drop_names[reason - CRYPTO_VERDICT_MAX];
	return "?";
}

const char *tunnel_addr_text(struct tunnel *t,
			     const struct sockaddr_storage *addr)
{
	if (!t->text[0] || !addr_same(&t->text_addr, addr)) {
		t->text_addr = *addr;
		addr_fmt(addr, t->text, sizeof(t->text));
	}
	return t->text;
}

void tunnel_log(struct tunnel *t, const char *fmt, ...)
{
	va_list ap;

	(void)t;
	fprintf(stderr, "tunlab tunnel: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void tunnel_drop(struct tunnel *t, unsigned int reason, unsigned int step,
		 const struct crypto_info *info, const uint8_t *bytes,
		 size_t len, const struct sockaddr_storage *peer)
{
	uint64_t now;
	char who[64] = "";

	t->stats.drops[reason]++;
	if (peer)
		addr_fmt(peer, who, sizeof(who));
	probes_drop(&t->probes, step, tunnel_drop_name(reason), info, bytes,
		    len, peer ? who : NULL);
	now = tl_now_ns();
	if (now < t->log_next_ns[reason]) {
		t->log_quiet[reason]++;
		return;
	}
	tunnel_log(t, "dropped a %zu-byte %s%s%s: %s%s", len,
		   step == TL_STEP_RECV_DECRYPT ? "datagram" : "packet",
		   peer ? " from " : "", who, tunnel_drop_name(reason),
		   t->log_quiet[reason] ? " (and more since the last line)" : "");
	t->log_next_ns[reason] = now + LOG_EVERY_NS;
	t->log_quiet[reason] = 0;
}

/* The counters, for SIGUSR1, the status file and the end. */
static void print_stats(const struct tunnel *t, FILE *out)
{
	const struct tunnel_stats *s = &t->stats;

	fprintf(out, "role %s\ndev %s\nstate %s\n",
		t->cfg->server ? "server" : "client", t->dev.ifname,
		t->ready ? "ready" : "starting");
	fprintf(out, "tun_read %" PRIu64 " packets %" PRIu64 " bytes\n",
		s->tun_rx, s->tun_rx_bytes);
	fprintf(out, "udp_sent %" PRIu64 " datagrams %" PRIu64 " bytes\n",
		s->udp_tx, s->udp_tx_bytes);
	fprintf(out, "udp_received %" PRIu64 " datagrams %" PRIu64 " bytes\n",
		s->udp_rx, s->udp_rx_bytes);
	fprintf(out, "tun_written %" PRIu64 " packets %" PRIu64 " bytes\n",
		s->tun_tx, s->tun_tx_bytes);
	fprintf(out, "keepalives %" PRIu64 "\nhandshakes %" PRIu64
		"\nrekeys %" PRIu64 "\nfloats %" PRIu64 "\n", s->keepalives,
		s->handshakes, s->rekeys, s->floats);
	if (t->probes.pub.fd >= 0)
		fprintf(out, "probes %" PRIu64 " sent %" PRIu64 " dropped %"
			PRIu64 " unheard\n", t->probes.pub.sent,
			t->probes.pub.dropped, t->probes.pub.unheard);
	if (t->cfg->offload)
		fprintf(out, "super_read %" PRIu64 " packets %" PRIu64
			" segments\nsuper_written %" PRIu64 " packets %" PRIu64
			" segments\nudp_gso_sends %" PRIu64
			"\nudp_gro_receives %" PRIu64 "\n", s->super_rx,
			s->super_rx_segs, s->super_tx, s->super_tx_segs,
			s->udp_gso_sends, s->udp_gro_msgs);
	for (unsigned int r = 1; r < TUNNEL_DROP_MAX; r++)
		if (s->drops[r])
			fprintf(out, "drop %" PRIu64 " %s\n", s->drops[r],
				tunnel_drop_name(r));
	for (uint32_t id = 1; id < PEERS_MAX; id++) {
		const struct peer *p = peers_by_id(t->peers, id);
		char where[64], a4[INET_ADDRSTRLEN] = "-";

		if (!p)
			continue;
		addr_fmt(&p->remote, where, sizeof(where));
		if (p->has4)
			inet_ntop(AF_INET, p->addr4, a4, sizeof(a4));
		fprintf(out, "peer %u %s %s %s rx %" PRIu64 " tx %" PRIu64 "\n",
			p->id, p->name, a4, p->remote_len ? where : "-",
			p->rx_packets, p->tx_packets);
	}
}

/* Rewrite the status file in place (it was opened before privileges were
 * dropped; the daemon may no longer create files there). */
static void write_status(struct tunnel *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (t->status_fd < 0)
		return;
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	print_stats(t, f);
	fclose(f);
	if (pwrite(t->status_fd, buf, len, 0) == (ssize_t)len)
		(void)!ftruncate(t->status_fd, (off_t)len);
	free(buf);
}

/* Become cfg->user:cfg->group for good, after every privileged step. */
static int drop_privileges(struct tunnel *t, char *err)
{
	const struct tunnel_cfg *cfg = t->cfg;
	struct passwd *pw;
	struct group *gr = NULL;
	gid_t gid;

	if (!cfg->user || geteuid() != 0)
		return 0;
	pw = getpwnam(cfg->user);
	if (!pw) {
		snprintf(err, TUNNEL_ERRBUF, "no user %s to run as (--user)",
			 cfg->user);
		return -ENOENT;
	}
	if (cfg->group) {
		gr = getgrnam(cfg->group);
		if (!gr) {
			snprintf(err, TUNNEL_ERRBUF, "no group %s (--group)",
				 cfg->group);
			return -ENOENT;
		}
	}
	gid = gr ? gr->gr_gid : pw->pw_gid;
	if (setgroups(0, NULL) || setgid(gid) || setuid(pw->pw_uid) ||
	    setuid(0) == 0) {
		snprintf(err, TUNNEL_ERRBUF, "cannot drop privileges to %s: %s",
			 cfg->user, strerror(errno));
		return -EPERM;
	}
	tunnel_log(t, "running as %s:%s from now on", cfg->user,
		   gr ? gr->gr_name : "(its group)");
	return 0;
}

static void on_ctl(struct evloop *l, int fd, unsigned int events, void *arg);

/* Watch a new control connection. */
static int add_ctl(struct tunnel *t, struct control_conn *c)
{
	for (int i = 0; i < MAX_CTL; i++) {
		if (t->ctl[i].conn)
			continue;
		if (evloop_add_fd(t->loop, control_fd(c), EV_READ | EV_WRITE,
				  on_ctl, &t->ctl[i]) < 0)
			break;
		t->ctl[i] = (struct ctl_slot){ .t = t, .conn = c };
		return 0;
	}
	control_conn_free(c);
	return -EMFILE;
}

/* Open a control connection to the server: the first session (rekey false)
 * or a new key-id. */
static void client_connect(struct tunnel *t, bool rekey)
{
	struct control_conn *c;
	char err[CONTROL_ERRBUF];
	int fd, rc;

	fd = control_connect((struct sockaddr *)&t->server_tcp,
			     t->server_tcp_len, err);
	if (fd < 0) {
		tunnel_log(t, "control: %s", err);
		return;
	}
	if (rekey)
		rc = control_client_rekey(&c, t->cctx, fd, t->server->id,
					  control_next_key_id(t->key_id), err);
	else
		rc = control_client_new(&c, t->cctx, fd, err);
	if (rc) {
		tunnel_log(t, "control: %s", err);
		return;
	}
	if (add_ctl(t, c) == 0)
		t->rekeying = rekey;
}

/* Configure the client's device from what the server pushed. */
static int client_configure(struct tunnel *t, const struct control_push *push,
			    char *err)
{
	char a[INET6_ADDRSTRLEN], derr[DEVICE_ERRBUF];
	int rc;

	inet_ntop(AF_INET, &push->addr, a, sizeof(a));
	rc = device_configure(&t->dev, push->mtu, a, push->prefix, derr);
	if (!rc && push->has_ipv6) {
		inet_ntop(AF_INET6, &push->addr6, a, sizeof(a));
		rc = device_configure(&t->dev, push->mtu, a, push->prefix6, derr);
	}
	for (int i = 0; !rc && i < t->cfg->nroutes; i++) {
		char net[64];
		const char *slash = strchr(t->cfg->routes[i], '/');
		unsigned int prefix = slash ? (unsigned int)atoi(slash + 1) : 32;
		char gw[INET_ADDRSTRLEN];

		snprintf(net, sizeof(net), "%.*s", slash ?
			 (int)(slash - t->cfg->routes[i]) : 63, t->cfg->routes[i]);
		inet_ntop(AF_INET, &push->gateway, gw, sizeof(gw));
		rc = device_route(&t->dev, net, prefix, gw, derr);
	}
	if (rc)
		snprintf(err, TUNNEL_ERRBUF, "%s", derr);
	return rc;
}

/* The client's keys for a key-id have been agreed. */
static void client_keys(struct tunnel *t, const struct control_event *ev)
{
	const struct control_push *push = &ev->push;
	struct crypto_ctx *c;
	char err[TUNNEL_ERRBUF];
	int rc;

	if (!ev->rekey && !t->server) {
		rc = crypto_ctx_new(&c, (enum crypto_cipher)push->cipher,
				    CRYPTO_CLIENT, push->peer_id);
		if (rc) {
			snprintf(t->exit_msg, sizeof(t->exit_msg),
				 "data channel: %s", strerror(-rc));
			t->exit_code = rc;
			return;
		}
		t->server = peers_add(t->peers, push->peer_id, "server", NULL,
				      NULL);
		if (!t->server) {
			crypto_ctx_free(c);
			snprintf(t->exit_msg, sizeof(t->exit_msg),
				 "the server gave a bad peer-id %u",
				 push->peer_id);
			t->exit_code = -EPROTO;
			return;
		}
		t->server->crypto = c;
		memcpy(&t->server->remote, &t->server_tcp, t->server_tcp_len);
		t->server->remote_len = t->server_tcp_len;
		((struct sockaddr_in *)&t->server->remote)->sin_port =
			htons(push->data_port);
		rc = client_configure(t, push, err);
		if (!rc)
			rc = drop_privileges(t, err);
		if (rc) {
			snprintf(t->exit_msg, sizeof(t->exit_msg), "%s", err);
			t->exit_code = rc;
			return;
		}
	}
	if (!t->server) {
		tunnel_log(t, "control: keys for a session that does not exist");
		return;
	}
	rc = crypto_key_install(t->server->crypto, push->key_id, ev->keymat,
				TUNNEL_KEYMAT_LEN, true);
	if (rc) {
		tunnel_log(t, "control: installing key-id %u: %s",
			   push->key_id, strerror(-rc));
		return;
	}
	t->key_id = push->key_id;
	t->keyed_ns = tl_now_ns();
	t->keyed_tx = t->stats.udp_tx;
	t->rekey_now = false;
	t->rekeying = false;
	if (ev->rekey) {
		t->stats.rekeys++;
		tunnel_log(t, "rekeyed: now key-id %u", push->key_id);
	} else {
		char a[INET_ADDRSTRLEN];

		t->stats.handshakes++;
		t->ready = true;
		inet_ntop(AF_INET, &push->addr, a, sizeof(a));
		tunnel_log(t, "connected: peer-id %u, %s/%u on %s, mtu %u, %s",
			   push->peer_id, a, push->prefix, t->dev.ifname,
			   push->mtu, crypto_cipher_name(
				   (enum crypto_cipher)push->cipher));
	}
	/* Tell the server where we are before it has anything to send, and
	 * whoever waits for the tunnel (tunlab up) that it is ready. */
	send_keepalive(t, t->server);
	write_status(t);
}

/* The server's keys for a client have been agreed. */
static void server_keys(struct tunnel *t, struct control_conn *conn,
			const struct control_event *ev)
{
	const struct control_push *push = &ev->push;
	struct control_lease *lease;
	struct peer *p;
	int rc;

	lease = control_pool_by_peer(t->pool, push->peer_id);
	if (!lease)
		return;
	p = peers_by_id(t->peers, push->peer_id);
	if (!p)
		p = peers_add(t->peers, push->peer_id, lease->name,
			      (const uint8_t *)&lease->addr,
			      push->has_ipv6 ? (const uint8_t *)&lease->addr6
					     : NULL);
	if (!p)
		return;
	if (!ev->rekey) {
		/* A new session replaces whatever the client had before. */
		crypto_ctx_free(p->crypto);
		p->crypto = NULL;
		rc = crypto_ctx_new((struct crypto_ctx **)&p->crypto,
				    (enum crypto_cipher)push->cipher,
				    CRYPTO_SERVER, p->id);
		if (rc) {
			tunnel_log(t, "data channel for %s: %s", p->name,
				   strerror(-rc));
			return;
		}
		t->stats.handshakes++;
	} else {
		t->stats.rekeys++;
	}
	/* On a rekey the server keeps sending with the old key until the
	 * client's first packet under the new one arrives. */
	rc = crypto_key_install(p->crypto, push->key_id, ev->keymat,
				TUNNEL_KEYMAT_LEN, !ev->rekey);
	if (rc)
		tunnel_log(t, "installing key-id %u for %s: %s", push->key_id,
			   p->name, strerror(-rc));
	else
		tunnel_log(t, "%s %s: peer-id %u key-id %u",
			   ev->rekey ? "rekeyed" : "connected",
			   control_peer_name(conn), p->id, push->key_id);
}

/* Is this first-session failure worth another try (the server is not up
 * yet, or slow), rather than final (a certificate refused, no address)? */
static bool retry_worthy(int error)
{
	/* Not ECONNRESET: a server refusing our certificate may reset the
	 * connection before its alert arrives. */
	return error == -ECONNREFUSED || error == -ETIMEDOUT ||
	       error == -EHOSTUNREACH || error == -ENETUNREACH;
}

static void handle_event(struct tunnel *t, struct control_conn *conn,
			 struct control_event *ev)
{
	switch (ev->type) {
	case CONTROL_EV_HANDSHAKE:
		if (t->cfg->verbose)
			tunnel_log(t, "control: TLS 1.3 with %s",
				   control_peer_name(conn));
		break;
	case CONTROL_EV_MESSAGE:
		if (t->cfg->verbose)
			tunnel_log(t, "control %s %s", ev->sent ? ">" : "<",
				   ev->text);
		break;
	case CONTROL_EV_KEYS:
		if (t->cfg->server) {
			server_keys(t, conn, ev);
		} else {
			client_keys(t, ev);
			/* The keys are agreed: the connection has done its
			 * job.  Each rekey opens a new one, so none linger. */
			control_close(conn, "keys agreed");
		}
		OPENSSL_cleanse(ev->keymat, sizeof(ev->keymat));
		break;
	case CONTROL_EV_CLOSED:
		if (t->cfg->verbose)
			tunnel_log(t, "control: closed: %s", ev->text);
		break;
	case CONTROL_EV_FAILED:
		tunnel_log(t, "control: %s", ev->text);
		if (!t->cfg->server && !t->ready) {
			if (!retry_worthy(ev->error) ||
			    ++t->connect_tries >= CONNECT_TRIES) {
				snprintf(t->exit_msg, sizeof(t->exit_msg),
					 "could not connect to %.64s: %.400s",
					 t->cfg->remote, ev->text);
				t->exit_code = -ECONNREFUSED;
			}
		}
		if (!t->cfg->server)
			t->rekeying = false;
		break;
	}
}

/* Let a control connection work: on I/O, or when its deadline passed.  An
 * event may close it (the client, once keys are agreed): then let it run
 * again, so it finishes at once. */
static void run_ctl(struct evloop *l, struct ctl_slot *slot)
{
	struct tunnel *t = slot->t;
	struct control_event ev;
	unsigned int want = 0;
	int fd = control_fd(slot->conn);

	for (int round = 0; round < 4; round++) {
		bool any = false;

		want = control_io(slot->conn);
		while (control_next_event(slot->conn, &ev)) {
			handle_event(t, slot->conn, &ev);
			any = true;
		}
		if (!any || !want)
			break;
	}
	OPENSSL_cleanse(&ev, sizeof(ev));
	if (!want) {
		evloop_del_fd(l, fd);
		control_conn_free(slot->conn);
		slot->conn = NULL;
	} else {
		evloop_mod_fd(l, fd, (want & CONTROL_WANT_READ ? EV_READ : 0) |
			      (want & CONTROL_WANT_WRITE ? EV_WRITE : 0));
	}
	if (t->exit_code)
		evloop_stop(l);
}

static void on_ctl(struct evloop *l, int fd, unsigned int events, void *arg)
{
	(void)fd;
	(void)events;
	run_ctl(l, arg);
}

/* A client knocks on the control port: accept it (server). */
static void on_listen(struct evloop *l, int fd, unsigned int events, void *arg)
{
	struct tunnel *t = arg;
	char err[CONTROL_ERRBUF];

	(void)l;
	(void)events;
	for (int i = 0; i < 16; i++) {
		struct control_conn *c;
		int cfd = control_accept(fd, err);

		if (cfd == -EAGAIN)
			break;
		if (cfd < 0) {
			tunnel_log(t, "control: %s", err);
			break;
		}
		if (control_server_new(&c, t->cctx, cfd, err)) {
			tunnel_log(t, "control: %s", err);
			continue;
		}
		if (add_ctl(t, c))
			tunnel_log(t, "control: too many connections at once");
	}
}

static void on_tun(struct evloop *l, int fd, unsigned int events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	send_from_tun(arg);
}

static void on_udp(struct evloop *l, int fd, unsigned int events, void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	receive_from_udp(arg);
}

/* SIGINT, SIGTERM, SIGHUP: stop; SIGUSR1: print the counters. */
static void on_signal(struct evloop *l, int fd, unsigned int events, void *arg)
{
	struct signalfd_siginfo si;
	struct tunnel *t = arg;

	(void)events;
	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			print_stats(t, stderr);
			continue;
		}
		tunnel_log(t, "stopping (%s)", strsignal((int)si.ssi_signo));
		evloop_stop(l);
	}
}

/* Once a second: status file, control deadlines, the client's first
 * connection, rekeys and keepalives. */
static uint64_t on_tick(struct evloop *l, void *arg)
{
	struct tunnel *t = arg;
	uint64_t now = tl_now_ns();
	const struct tunnel_cfg *cfg = t->cfg;

	write_status(t);
	for (int i = 0; i < MAX_CTL; i++) {
		int64_t due;

		if (!t->ctl[i].conn)
			continue;
		due = control_deadline(t->ctl[i].conn);
		if (due >= 0 && (uint64_t)due * 1000000u <= now)
			run_ctl(l, &t->ctl[i]);
	}
	if (cfg->server || t->exit_code)
		return TICK_NS;
	if (!t->ready) {
		bool busy = false;

		for (int i = 0; i < MAX_CTL; i++)
			busy |= t->ctl[i].conn != NULL;
		if (!busy)
			client_connect(t, false);
		return TICK_NS;
	}
	if (!t->rekeying &&
	    (t->rekey_now || crypto_rekey_needed(t->server->crypto) ||
	     (cfg->rekey_seconds &&
	      now - t->keyed_ns >= cfg->rekey_seconds * TICK_NS) ||
	     (cfg->rekey_packets &&
	      t->stats.udp_tx - t->keyed_tx >= cfg->rekey_packets)))
		client_connect(t, true);
	if (now - t->last_tx_ns >= KEEPALIVE_NS) {
		send_keepalive(t, t->server);
		t->last_tx_ns = now;
	}
	return TICK_NS;
}

/* The device's MTU: what the wire leaves after the tunnel's overhead. */
static unsigned int device_mtu(const struct tunnel_cfg *cfg)
{
	if (cfg->mtu)
		return cfg->mtu;
	return cfg->wire_mtu - WIRE_OVERHEAD - (cfg->tap ? 14 : 0);
}

/* After each round of the loop: the round's probe events, as one datagram
 * (one syscall per batch of packets, not four per packet). */
static void flush_probes(void *arg)
{
	struct tunnel *t = arg;

	probe_pub_flush(&t->probes.pub);
}

/* Everything privileged: device, sockets, keys, files.  The server drops
 * its privileges at the end; the client after its first session. */
static int setup(struct tunnel *t, char *err)
{
	const struct tunnel_cfg *cfg = t->cfg;
	struct control_cfg ccfg = {
		.server = cfg->server, .ca_file = cfg->ca,
		.cert_file = cfg->cert, .key_file = cfg->key,
		.keylog_file = cfg->keylog,
		.dev = cfg->tap ? CONTROL_DEV_TAP : CONTROL_DEV_TUN,
		.cipher = (enum control_cipher)cfg->cipher,
		.mtu = (uint16_t)device_mtu(cfg), .data_port = cfg->data_port,
	};
	char msg[CONTROL_ERRBUF], derr[DEVICE_ERRBUF];
	sigset_t sigs;
	int rc, spin_us;

	if (cfg->wire_mtu < 576 || device_mtu(cfg) < 576 - WIRE_OVERHEAD) {
		snprintf(err, TUNNEL_ERRBUF, "MTU %u is too small",
			 device_mtu(cfg));
		return -EINVAL;
	}
	t->peers = calloc(1, sizeof(*t->peers));
	t->rx = calloc(BATCH, PKT_ROOM);
	t->tx = calloc(BATCH, PKT_ROOM);
	t->scratch = malloc(PKT_ROOM);
	if (cfg->offload) {
		t->gso_out = malloc(GSO_OUT_ROOM);
		t->gro.buf = malloc(OFFLOAD_GRO_ROOM);
		if (!t->gso_out || !t->gro.buf) {
			snprintf(err, TUNNEL_ERRBUF, "out of memory");
			return -ENOMEM;
		}
	}
	t->loop = evloop_new();
	if (!t->peers || !t->rx || !t->tx || !t->scratch || !t->loop) {
		snprintf(err, TUNNEL_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	peers_init(t->peers);
	if (cfg->server) {
		rc = control_pool_new(&t->pool, cfg->pool ? cfg->pool :
				      "10.8.0.0/24", cfg->pool6, msg);
		if (rc)
			goto out_msg;
		ccfg.pool = t->pool;
		/* Names given in order get addresses in order: client1 is
		 * 10.8.0.2 whoever connects first. */
		for (int i = 0; i < cfg->nreserve; i++) {
			struct control_lease *lease;

			rc = control_pool_lease(t->pool, cfg->reserve[i],
						&lease, msg);
			if (rc)
				goto out_msg;
		}
	}
	rc = control_ctx_new(&t->cctx, &ccfg, msg);
	if (rc)
		goto out_msg;
	rc = probe_pub_open(&t->probes.pub, cfg->probe_path, cfg->host);
	if (!rc)
		rc = probe_pub_batch(&t->probes.pub);
	if (rc) {
		snprintf(err, TUNNEL_ERRBUF, "probe socket %s: %s",
			 cfg->probe_path, strerror(-rc));
		return rc;
	}
	rc = device_open(&t->dev, cfg->dev, cfg->tap, cfg->offload,
			 derr);
	if (rc)
		goto out_dev;
	snprintf(t->probes.dev, sizeof(t->probes.dev), "%s", t->dev.ifname);
	t->probes.tap = cfg->tap;
	if (cfg->server) {
		const struct control_pool_info *pi = control_pool_info(t->pool);
		char a[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET, &pi->gateway, a, sizeof(a));
		rc = device_configure(&t->dev, device_mtu(cfg), a, pi->prefix,
				      derr);
		if (!rc && pi->has_ipv6) {
			inet_ntop(AF_INET6, &pi->gateway6, a, sizeof(a));
			rc = device_configure(&t->dev, device_mtu(cfg), a,
					      pi->prefix6, derr);
		}
		if (rc)
			goto out_dev;
		t->ready = true;
	}
	rc = socket_open(t, err);
	if (rc)
		return rc;
	if (cfg->server) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		getsockname(t->udp_fd, (struct sockaddr *)&ss, &len);
		((struct sockaddr_in *)&ss)->sin_port = htons(cfg->control_port);
		t->listen_fd = control_listen((struct sockaddr *)&ss, len, msg);
		if (t->listen_fd < 0) {
			rc = t->listen_fd;
			goto out_msg;
		}
	}
	if (cfg->status_path) {
		t->status_fd = open(cfg->status_path, O_WRONLY | O_CREAT |
				    O_TRUNC | O_CLOEXEC, 0644);
		if (t->status_fd < 0) {
			snprintf(err, TUNNEL_ERRBUF, "%s: %s", cfg->status_path,
				 strerror(errno));
			return -errno;
		}
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	t->sig_fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (t->sig_fd < 0 ||
	    evloop_add_fd(t->loop, t->sig_fd, EV_READ, on_signal, t) ||
	    evloop_add_fd(t->loop, t->dev.fd, EV_READ, on_tun, t) ||
	    evloop_add_fd(t->loop, t->udp_fd, EV_READ, on_udp, t) ||
	    (t->listen_fd >= 0 &&
	     evloop_add_fd(t->loop, t->listen_fd, EV_READ, on_listen, t)) ||
	    evloop_add_timer(t->loop, TICK_NS, on_tick, t) < 0) {
		snprintf(err, TUNNEL_ERRBUF, "event loop: %s", strerror(errno));
		return -EIO;
	}
	evloop_set_after(t->loop, flush_probes, t);
	spin_us = cfg->busy_poll_us;
	if (spin_us < 0)
		spin_us = cfg->server ? TUNNEL_BUSY_POLL_SERVER_US :
					TUNNEL_BUSY_POLL_CLIENT_US;
	evloop_set_busy_poll(t->loop, 1000ull * (uint64_t)spin_us);
	write_status(t);
	if (cfg->server)
		return drop_privileges(t, err);
	client_connect(t, false);
	return 0;

out_dev:
	snprintf(err, TUNNEL_ERRBUF, "%s", derr);
	return rc;
out_msg:
	snprintf(err, TUNNEL_ERRBUF, "%s", msg);
	return rc;
}

/* Undo setup, in reverse. */
static void teardown(struct tunnel *t)
{
	for (int i = 0; i < MAX_CTL; i++)
		if (t->ctl[i].conn)
			control_conn_free(t->ctl[i].conn);
	for (uint32_t id = 1; t->peers && id < PEERS_MAX; id++) {
		struct peer *p = peers_by_id(t->peers, id);

		if (p)
			crypto_ctx_free(p->crypto);
	}
	if (t->status_fd >= 0)
		close(t->status_fd);
	if (t->sig_fd >= 0)
		close(t->sig_fd);
	if (t->listen_fd >= 0)
		close(t->listen_fd);
	if (t->udp_fd >= 0)
		close(t->udp_fd);
	device_close(&t->dev);
	probe_pub_close(&t->probes.pub);
	control_ctx_free(t->cctx);
	control_pool_free(t->pool);
	evloop_free(t->loop);
	free(t->scratch);
	free(t->gso_out);
	free(t->gro.buf);
	free(t->tx);
	free(t->rx);
	free(t->peers);
}

int tunnel_run(const struct tunnel_cfg *cfg, char *err)
{
	struct tunnel *t = calloc(1, sizeof(*t));
	int rc;

	if (!t) {
		snprintf(err, TUNNEL_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	t->cfg = cfg;
	t->udp_fd = t->listen_fd = t->sig_fd = t->status_fd = -1;
	t->dev.fd = -1;
	t->probes.pub.fd = -1;
	rc = setup(t, err);
	if (!rc) {
		tunnel_log(t, "%s on %s (%s), data on UDP %u, control on TCP %u",
			   cfg->server ? "serving" : "connecting",
			   t->dev.ifname, cfg->tap ? "tap" : "tun",
			   cfg->data_port, cfg->control_port);
		rc = evloop_run(t->loop);
		if (!rc && t->exit_code) {
			rc = t->exit_code;
			snprintf(err, TUNNEL_ERRBUF, "%s", t->exit_msg);
		}
		write_status(t);
		print_stats(t, stderr);
	}
	teardown(t);
	free(t);
	return rc;
}
