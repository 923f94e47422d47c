// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control channel: real TLS 1.3 handshakes between our server and our
 * client over a socketpair (and once over loopback TCP), with certificates
 * made by pki.c in a temporary directory.  Keys agree and differ where they
 * must; wrong, expired and misused certificates are refused; the address
 * pool binds names; garbage, oversized and malformed messages fail only
 * their connection.  A "raw" peer, plain OpenSSL in a thread, says what our
 * own code never would.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "control.h"
#include "pki.h"

#define DRIVE_MS	5000	/* no exchange in these tests takes this long */

/* The PKIs made once for every test: the lab's, and another CA's. */
static char lab_dir[] = "/tmp/tunlab-control-XXXXXX";
static char other_dir[PATH_MAX];

/* Files for one side: the CA it trusts, its certificate and key. */
struct creds {
	char ca[PATH_MAX], crt[PATH_MAX], key[PATH_MAX];
};

/* Fill creds for name, its certificate from dir, trusting ca_dir's CA. */
static void creds(struct creds *c, const char *ca_dir, const char *dir,
		  const char *name)
{
	assert_int_equal(pki_path(c->ca, sizeof(c->ca), ca_dir, "ca", "crt"),
			 0);
	assert_int_equal(pki_path(c->crt, sizeof(c->crt), dir, name, "crt"),
			 0);
	assert_int_equal(pki_path(c->key, sizeof(c->key), dir, name, "key"),
			 0);
}

/* A context for cfg (role and settings filled) with creds' files. */
static struct control_ctx *new_ctx(struct control_cfg *cfg,
				   const struct creds *c)
{
	struct control_ctx *ctx;
	char err[CONTROL_ERRBUF];
	int rc;

	cfg->ca_file = c->ca;
	cfg->cert_file = c->crt;
	cfg->key_file = c->key;
	rc = control_ctx_new(&ctx, cfg, err);
	if (rc)
		print_error("control_ctx_new: %s\n", err);
	assert_int_equal(rc, 0);
	return ctx;
}

/* A server context: the lab's server certificate and the given pool. */
static struct control_ctx *lab_server(struct control_pool *pool)
{
	struct control_cfg cfg = { .server = true, .pool = pool };
	struct creds c;

	creds(&c, lab_dir, lab_dir, "server");
	return new_ctx(&cfg, &c);
}

/* A client context: name's certificate from the lab's PKI. */
static struct control_ctx *lab_client(const char *name)
{
	struct control_cfg cfg = { .server = false };
	struct creds c;

	creds(&c, lab_dir, lab_dir, name);
	return new_ctx(&cfg, &c);
}

/* A 10.8.0.0/24 pool. */
static struct control_pool *new_pool(const char *cidr, const char *cidr6)
{
	struct control_pool *pool;
	char err[CONTROL_ERRBUF];

	assert_int_equal(control_pool_new(&pool, cidr, cidr6, err), 0);
	return pool;
}

/* One side of an exchange, and what it reported. */
struct side {
	struct control_conn *c;
	unsigned int want;
	bool done;		/* control_io returned 0 */
	bool handshake, keys, failed, closed;
	struct control_event kev;	/* the KEYS event */
	char reason[CONTROL_TEXT_MAX];
	int error;		/* of the FAILED event */
	char log[4096];		/* "> sent\n", "< received\n" */
};

/* Run one side's I/O and record its events. */
static void pump(struct side *s)
{
	struct control_event ev;

	if (!s || !s->c || s->done)
		return;
	s->want = control_io(s->c);
	while (control_next_event(s->c, &ev)) {
		size_t n = strlen(s->log);

		switch (ev.type) {
		case CONTROL_EV_HANDSHAKE:
			s->handshake = true;
			break;
		case CONTROL_EV_MESSAGE:
			snprintf(s->log + n, sizeof(s->log) - n, "%c %s\n",
				 ev.sent ? '>' : '<', ev.text);
			break;
		case CONTROL_EV_KEYS:
			s->keys = true;
			s->kev = ev;
			break;
		case CONTROL_EV_CLOSED:
			s->closed = true;
			snprintf(s->reason, sizeof(s->reason), "%s", ev.text);
			break;
		case CONTROL_EV_FAILED:
			s->failed = true;
			s->error = ev.error;
			snprintf(s->reason, sizeof(s->reason), "%s", ev.text);
			break;
		}
	}
	if (!s->want)
		s->done = true;
}

/* Has this side nothing more to wait for in an exchange? */
static bool settled(const struct side *s)
{
	return !s->c || s->done || s->keys;
}

/* Drive up to two sides until each has its keys or is finished. */
static void drive(struct side *a, struct side *b, int ms)
{
	struct timespec t0, t;
	struct side *sides[2] = { a, b };

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pump(a);
	pump(b);
	while (!(settled(a) && (!b || settled(b)))) {
		struct pollfd p[2];
		int n = 0;

		for (int i = 0; i < 2; i++) {
			struct side *s = sides[i];

			if (!s || !s->c || s->done)
				continue;
			p[n].fd = control_fd(s->c);
			p[n].events =
				(s->want & CONTROL_WANT_READ ? POLLIN : 0) |
				(s->want & CONTROL_WANT_WRITE ? POLLOUT : 0);
			n++;
		}
		poll(p, (nfds_t)n, 10);
		pump(a);
		pump(b);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
		    (t.tv_nsec - t0.tv_nsec) / 1000000 > ms)
			break;
	}
}

/* Connect a server and a client context over a new socketpair. */
static void pair(struct control_ctx *sctx, struct control_ctx *cctx,
		 struct side *srv, struct side *cli, int rekey_peer,
		 int rekey_key)
{
	char err[CONTROL_ERRBUF];
	int sv[2];

	memset(srv, 0, sizeof(*srv));
	memset(cli, 0, sizeof(*cli));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    sv), 0);
	assert_int_equal(control_server_new(&srv->c, sctx, sv[0], err), 0);
	if (rekey_peer < 0)
		assert_int_equal(control_client_new(&cli->c, cctx, sv[1], err),
				 0);
	else
		assert_int_equal(control_client_rekey(&cli->c, cctx, sv[1],
						      (uint32_t)rekey_peer,
						      (uint8_t)rekey_key, err),
				 0);
}

/* Free both sides' connections. */
static void unpair(struct side *srv, struct side *cli)
{
	control_conn_free(srv->c);
	control_conn_free(cli->c);
	srv->c = cli->c = NULL;
}

/* A whole exchange: connect, drive, free; the sides keep what happened. */
static void exchange(struct control_ctx *sctx, struct control_ctx *cctx,
		     struct side *srv, struct side *cli, int rekey_peer,
		     int rekey_key)
{
	pair(sctx, cctx, srv, cli, rekey_peer, rekey_key);
	drive(srv, cli, DRIVE_MS);
	unpair(srv, cli);
}

/* Print a side's story when a test is about to fail. */
static void dump(const char *who, const struct side *s)
{
	print_message("%s: handshake %d keys %d failed %d closed %d: %s\n%s",
		      who, s->handshake, s->keys, s->failed, s->closed,
		      s->reason, s->log);
}

/* A refused exchange: neither side has keys, both say why and what
 * kind of failure it is (0: not checked). */
static void assert_refused(const struct side *srv, const struct side *cli,
			   const char *srv_why, const char *cli_why,
			   int srv_err, int cli_err)
{
	if (srv->keys || cli->keys || !srv->failed || !cli->failed ||
	    (srv_why && !strstr(srv->reason, srv_why)) ||
	    (cli_why && !strstr(cli->reason, cli_why)) ||
	    (srv_err && srv->error != srv_err) ||
	    (cli_err && cli->error != cli_err)) {
		print_message("errors: server %d, client %d\n", srv->error,
			      cli->error);
		dump("server", srv);
		dump("client", cli);
		fail();
	}
}

/* The group's PKIs: the lab (server, client1..3, an expired "old") and
 * another CA with its own server and client1. */
static int setup_pki(void **state)
{
	const char *clients[] = { "client1", "client2", "client3" };
	char err[PKI_ERRBUF];
	struct pki_opts o;

	(void)state;
	signal(SIGPIPE, SIG_DFL);	/* our writes must never raise it */
	if (!mkdtemp(lab_dir))
		return -1;
	snprintf(other_dir, sizeof(other_dir), "%s/other", lab_dir);
	pki_opts_init(&o);
	o.dir = lab_dir;
	if (pki_create(&o, clients, 3, NULL, err))
		goto out_err;
	o.days = 0;
	if (pki_issue(&o, "old", PKI_ROLE_CLIENT, NULL, err))
		goto out_err;
	o.days = PKI_DEFAULT_DAYS;
	o.dir = other_dir;
	if (pki_create(&o, clients, 1, NULL, err))
		goto out_err;
	return 0;

out_err:
	fprintf(stderr, "setup: %s\n", err);
	return -1;
}

/* Remove one entry of a tree (nftw callback). */
static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown_pki(void **state)
{
	(void)state;
	nftw(lab_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* A new session: both sides export the same 80 bytes, the client gets its
 * address, and the messages are the documented ones. */
static void test_handshake_keys(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_ctx *sctx = lab_server(pool);
	struct control_ctx *cctx = lab_client("client1");
	struct control_push *p;
	struct side srv, cli;
	char a[INET_ADDRSTRLEN];
	static const uint8_t zero[TUNNEL_KEYMAT_LEN];

	(void)state;
	pair(sctx, cctx, &srv, &cli, -1, 0);
	drive(&srv, &cli, DRIVE_MS);
	if (!srv.keys || !cli.keys) {
		dump("server", &srv);
		dump("client", &cli);
		fail();
	}
	assert_string_equal(control_peer_name(srv.c), "client1");
	assert_string_equal(control_peer_name(cli.c), "server");
	assert_true(srv.handshake && cli.handshake);
	assert_int_equal(control_deadline(srv.c), -1);	/* established */
	assert_memory_equal(srv.kev.keymat, cli.kev.keymat, TUNNEL_KEYMAT_LEN);
	assert_memory_not_equal(srv.kev.keymat, zero, TUNNEL_KEYMAT_LEN);
	assert_false(srv.kev.rekey || cli.kev.rekey);
	assert_string_equal(cli.log,
		"> HELLO version 1 dev tun cipher AES-256-GCM\n"
		"< PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 gateway "
		"10.8.0.1 mtu 1448 cipher AES-256-GCM data-port 1194\n");
	assert_string_equal(srv.log,
		"< HELLO version 1 dev tun cipher AES-256-GCM\n"
		"> PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 gateway "
		"10.8.0.1 mtu 1448 cipher AES-256-GCM data-port 1194\n");
	p = &cli.kev.push;
	assert_int_equal(p->peer_id, 1);
	assert_int_equal(p->key_id, 0);
	inet_ntop(AF_INET, &p->addr, a, sizeof(a));
	assert_string_equal(a, "10.8.0.2");
	inet_ntop(AF_INET, &p->gateway, a, sizeof(a));
	assert_string_equal(a, "10.8.0.1");
	assert_int_equal(p->prefix, 24);
	assert_int_equal(p->mtu, 1448);
	assert_int_equal(p->data_port, TL_WIRE_DATA_PORT);
	assert_int_equal(p->cipher, CONTROL_CIPHER_AES_256_GCM);
	assert_false(p->has_ipv6);
	assert_int_equal(srv.kev.push.peer_id, 1);
	assert_int_equal(srv.kev.push.addr.s_addr, p->addr.s_addr);

	/* The client says BYE: the server sees it closed, not failed. */
	control_close(cli.c, "client stopping");
	assert_int_equal(control_io(cli.c), 0);
	srv.keys = false;
	drive(&srv, NULL, DRIVE_MS);
	assert_true(srv.closed);
	assert_false(srv.failed);
	assert_string_equal(srv.reason, "the peer said BYE: client stopping");
	unpair(&srv, &cli);
	control_ctx_free(sctx);
	control_ctx_free(cctx);
	control_pool_free(pool);
}

/* Is the 40-byte half at a different from every other in list? */
static void assert_all_differ(const uint8_t *const *list, size_t n,
			      size_t len)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			assert_memory_not_equal(list[i], list[j], len);
}

/* Rekeys are fresh handshakes: each key-id's keys differ from the others',
 * and within one key-id the two directions differ, keys and IVs alike. */
static void test_rekey_keys_differ(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_ctx *sctx = lab_server(pool);
	struct control_ctx *cctx = lab_client("client1");
	uint8_t km[3][TUNNEL_KEYMAT_LEN];
	const uint8_t *keys[6], *ivs[6];
	struct control_lease *l;
	struct side srv, cli;

	(void)state;
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_true(srv.keys && cli.keys);
	memcpy(km[0], cli.kev.keymat, TUNNEL_KEYMAT_LEN);
	for (int k = 1; k <= 2; k++) {
		exchange(sctx, cctx, &srv, &cli, 1, k);
		if (!srv.keys || !cli.keys) {
			dump("server", &srv);
			dump("client", &cli);
			fail();
		}
		assert_true(srv.kev.rekey && cli.kev.rekey);
		assert_int_equal(srv.kev.push.key_id, k);
		assert_int_equal(cli.kev.push.key_id, k);
		assert_int_equal(cli.kev.push.peer_id, 1);
		assert_memory_equal(srv.kev.keymat, cli.kev.keymat,
				    TUNNEL_KEYMAT_LEN);
		memcpy(km[k], cli.kev.keymat, TUNNEL_KEYMAT_LEN);
	}
	assert_non_null(strstr(cli.log, "> REKEY peer-id 1 key-id 2\n"
				"< OK peer-id 1 key-id 2\n"));
	for (int k = 0; k < 3; k++) {
		keys[2 * k] = km[k] + TUNNEL_KEYMAT_C2S;
		keys[2 * k + 1] = km[k] + TUNNEL_KEYMAT_S2C;
		ivs[2 * k] = km[k] + TUNNEL_KEYMAT_C2S + TUNNEL_KEY_LEN;
		ivs[2 * k + 1] = km[k] + TUNNEL_KEYMAT_S2C + TUNNEL_KEY_LEN;
	}
	assert_all_differ(keys, 6, TUNNEL_KEY_LEN);
	assert_all_differ(ivs, 6, TUNNEL_IV_LEN);
	l = control_pool_by_peer(pool, 1);
	assert_non_null(l);
	assert_int_equal(l->key_id, 2);

	/* Asking for the current key-id again replaces it (a lost OK). */
	exchange(sctx, cctx, &srv, &cli, 1, 2);
	assert_true(srv.keys && cli.keys);
	assert_memory_not_equal(cli.kev.keymat, km[2], TUNNEL_KEYMAT_LEN);
	control_ctx_free(sctx);
	control_ctx_free(cctx);
	control_pool_free(pool);
}

/* REKEY is refused for another client's peer-id, out of sequence, for
 * key-id 0, and without a session. */
static void test_rekey_refused(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_ctx *sctx = lab_server(pool);
	struct control_ctx *c1 = lab_client("client1");
	struct control_ctx *c2 = lab_client("client2");
	struct side srv, cli;
	char err[CONTROL_ERRBUF];
	struct control_conn *conn;
	int sv[2];

	(void)state;
	exchange(sctx, c1, &srv, &cli, 3, 1);
	assert_refused(&srv, &cli, "peer-id 3 has no session: send HELLO",
		       "the server refused: peer-id 3 has no session", -EPERM,
		       -EREMOTEIO);
	exchange(sctx, c1, &srv, &cli, -1, 0);
	assert_true(cli.keys && cli.kev.push.peer_id == 1);
	exchange(sctx, c2, &srv, &cli, -1, 0);
	assert_true(cli.keys && cli.kev.push.peer_id == 2);

	exchange(sctx, c1, &srv, &cli, 2, 1);
	assert_refused(&srv, &cli, "refused client1: peer-id 2 is not bound "
		       "to client1", "the server refused: peer-id 2 is not "
		       "bound to client1", -EPERM, -EREMOTEIO);
	exchange(sctx, c1, &srv, &cli, 1, 3);
	assert_refused(&srv, &cli, "key-id 3 is out of sequence (expected 1)",
		       "out of sequence", -EPERM, -EREMOTEIO);
	/* Our client will not even ask for key-id 0 or 8. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(control_client_rekey(&conn, c1, sv[0], 1, 0, err),
			 -EINVAL);
	assert_int_equal(control_client_rekey(&conn, c1, sv[1], 1, 8, err),
			 -EINVAL);
	/* A server context cannot make a client connection. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(control_client_new(&conn, sctx, sv[0], err), -EINVAL);
	assert_int_equal(control_next_key_id(0), 1);
	assert_int_equal(control_next_key_id(6), 7);
	assert_int_equal(control_next_key_id(7), 1);
	control_ctx_free(sctx);
	control_ctx_free(c1);
	control_ctx_free(c2);
	control_pool_free(pool);
}

/* Certificates that must not get in: another CA's client, an expired
 * one, the server's certificate used by a client, a client certificate
 * used by the server, another CA's server, the wrong server name. */
static void test_certificates_refused(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_ctx *sctx = lab_server(pool), *cctx, *bad;
	struct control_cfg cfg;
	struct side srv, cli;
	struct creds c;

	(void)state;
	/* A client certificate from another CA. */
	memset(&cfg, 0, sizeof(cfg));
	creds(&c, lab_dir, other_dir, "client1");
	cctx = new_ctx(&cfg, &c);
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "peer certificate refused: unable to get "
		       "local issuer certificate (certificate CN client1",
		       "the peer refused us (TLS alert: unknown CA)", -EACCES,
		       -EACCES);
	control_ctx_free(cctx);

	/* An expired client certificate. */
	cctx = lab_client("old");
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "certificate has expired (certificate CN "
		       "old", "certificate expired", -EACCES, -EACCES);
	control_ctx_free(cctx);

	/* The server's certificate used as a client's: wrong EKU. */
	cctx = lab_client("server");
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "certificate CN server is not for a TLS "
		       "client (its extendedKeyUsage lacks clientAuth)",
		       "the peer refused us", -EACCES, -EACCES);
	control_ctx_free(cctx);

	/* A server using a client certificate: the client refuses it. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.server = true;
	cfg.pool = pool;
	creds(&c, lab_dir, lab_dir, "client2");
	bad = new_ctx(&cfg, &c);
	cctx = lab_client("client1");
	exchange(bad, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "the peer refused us",
		       "certificate CN client2 is not for a TLS server (its "
		       "extendedKeyUsage lacks serverAuth)", -EACCES, -EACCES);
	control_ctx_free(bad);

	/* A server certificate from another CA. */
	creds(&c, lab_dir, other_dir, "server");
	bad = new_ctx(&cfg, &c);
	exchange(bad, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "unknown CA", "unable to get local issuer",
		       -EACCES, -EACCES);
	control_ctx_free(bad);
	control_ctx_free(cctx);

	/* The right CA and usage, but not the name the client expects. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.server_name = "office";
	creds(&c, lab_dir, lab_dir, "client1");
	cctx = new_ctx(&cfg, &c);
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, NULL, "certificate CN server is not the "
		       "server's (expected CN or DNS name \"office\")", 0,
		       -EACCES);
	control_ctx_free(cctx);
	assert_int_equal(control_pool_info(pool)->used, 0);
	control_ctx_free(sctx);
	control_pool_free(pool);
}

/* Loading: a key others can read, missing files, a mismatched key. */
static void test_ctx_errors(void **state)
{
	struct control_cfg cfg = { 0 };
	struct control_ctx *ctx;
	char err[CONTROL_ERRBUF], want[2 * PATH_MAX + 160];
	char loose[PATH_MAX + 16], buf[4096];
	struct creds c, c2;
	ssize_t n;
	int in, out;

	(void)state;
	creds(&c, lab_dir, lab_dir, "client1");
	snprintf(loose, sizeof(loose), "%s/loose.key", lab_dir);
	in = open(c.key, O_RDONLY);
	out = open(loose, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(in >= 0 && out >= 0);
	n = read(in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	assert_int_equal(fchmod(out, 0644), 0);
	close(out);

	cfg.ca_file = c.ca;
	cfg.cert_file = c.crt;
	cfg.key_file = loose;
	assert_int_equal(control_ctx_new(&ctx, &cfg, err), -EPERM);
	assert_null(ctx);
	snprintf(want, sizeof(want), "key file %s is readable by others (mode "
		 "0644); chmod 600 %s", loose, loose);
	assert_string_equal(err, want);

	cfg.key_file = c.key;
	cfg.cert_file = "/nonexistent.crt";
	assert_int_equal(control_ctx_new(&ctx, &cfg, err), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent.crt"));
	creds(&c2, lab_dir, lab_dir, "client2");
	cfg.cert_file = c2.crt;		/* client2's, with client1's key */
	assert_int_equal(control_ctx_new(&ctx, &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "does not match key"));
	cfg.cert_file = c.crt;
	cfg.server = true;		/* a server without a pool */
	assert_int_equal(control_ctx_new(&ctx, &cfg, err), -EINVAL);
	assert_non_null(strstr(err, "pool"));
	cfg.server = false;
	cfg.keylog_file = "/nonexistent/dir/keylog";
	assert_int_equal(control_ctx_new(&ctx, &cfg, err), -ENOENT);
	assert_non_null(strstr(err, "key log"));
}

/* The address pool: the same name gets the same address, different names
 * different ones, exhaustion is an error that says so. */
static void test_pool(void **state)
{
	struct control_pool *pool;
	struct control_lease *a, *b, *again;
	char err[CONTROL_ERRBUF], s[INET6_ADDRSTRLEN];
	struct in_addr ip;
	struct in6_addr ip6;

	(void)state;
	pool = new_pool("10.8.0.0/24", "fd00:8::/64");
	assert_int_equal(control_pool_info(pool)->size, 253);
	assert_int_equal(control_pool_lease(pool, "client1", &a, err), 0);
	assert_int_equal(control_pool_lease(pool, "client2", &b, err), 0);
	assert_int_equal(control_pool_lease(pool, "client1", &again, err), 0);
	assert_ptr_equal(a, again);
	assert_int_not_equal(a->addr.s_addr, b->addr.s_addr);
	assert_int_equal(a->peer_id, 1);
	assert_int_equal(b->peer_id, 2);
	inet_ntop(AF_INET, &b->addr, s, sizeof(s));
	assert_string_equal(s, "10.8.0.3");
	inet_ntop(AF_INET6, &b->addr6, s, sizeof(s));
	assert_string_equal(s, "fd00:8::3");
	inet_ntop(AF_INET6, &control_pool_info(pool)->gateway6, s, sizeof(s));
	assert_string_equal(s, "fd00:8::1");
	/* Lookups for the data path's anti-spoofing. */
	inet_pton(AF_INET, "10.8.0.3", &ip);
	assert_ptr_equal(control_pool_by_addr(pool, &ip), b);
	inet_pton(AF_INET, "10.8.0.1", &ip);	/* the gateway */
	assert_null(control_pool_by_addr(pool, &ip));
	inet_pton(AF_INET, "10.8.0.4", &ip);	/* not bound yet */
	assert_null(control_pool_by_addr(pool, &ip));
	inet_pton(AF_INET, "10.9.0.2", &ip);
	assert_null(control_pool_by_addr(pool, &ip));
	inet_pton(AF_INET6, "fd00:8::2", &ip6);
	assert_ptr_equal(control_pool_by_addr6(pool, &ip6), a);
	inet_pton(AF_INET6, "fd00:9::2", &ip6);
	assert_null(control_pool_by_addr6(pool, &ip6));
	assert_ptr_equal(control_pool_by_peer(pool, 2), b);
	assert_null(control_pool_by_peer(pool, 0));
	assert_null(control_pool_by_peer(pool, 3));
	assert_ptr_equal(control_pool_by_name(pool, "client2"), b);
	assert_null(control_pool_by_name(pool, "client3"));
	assert_int_equal(control_pool_lease(pool, "../x", &a, err), -EINVAL);
	control_pool_free(pool);

	/* A /30 holds one client. */
	pool = new_pool("192.168.7.0/30", NULL);
	assert_int_equal(control_pool_lease(pool, "client1", &a, err), 0);
	assert_int_equal(control_pool_lease(pool, "client2", &b, err),
			 -ENOSPC);
	assert_string_equal(err, "address pool 192.168.7.0/30 is exhausted: "
			    "all 1 addresses are bound to other clients");
	assert_int_equal(control_pool_lease(pool, "client1", &again, err), 0);
	assert_ptr_equal(a, again);
	control_pool_free(pool);

	/* Bad pools. */
	assert_int_equal(control_pool_new(&pool, "10.8.0.1/24", NULL, err),
			 -EINVAL);
	assert_non_null(strstr(err, "host bits"));
	assert_int_equal(control_pool_new(&pool, "10.8.0.0/31", NULL, err),
			 -EINVAL);
	assert_int_equal(control_pool_new(&pool, "10.8.0.0", NULL, err),
			 -EINVAL);
	assert_int_equal(control_pool_new(&pool, "10.8.0.0/024", NULL, err),
			 -EINVAL);
	assert_int_equal(control_pool_new(&pool, "10.8.0.0/24", "fd00::/48",
					  err), -EINVAL);
	assert_int_equal(control_pool_new(&pool, "10.8.0.0/24", "fd00::1/64",
					  err), -EINVAL);
	/* A small IPv6 subnet limits the pool. */
	pool = new_pool("10.8.0.0/24", "fd00:8::/124");
	assert_int_equal(control_pool_info(pool)->size, 14);
	control_pool_free(pool);
}

/* Over the control channel: names keep their address across sessions,
 * and the client that finds the pool full is told why. */
static void test_pool_over_channel(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/30", NULL);
	struct control_ctx *sctx = lab_server(pool);
	struct control_ctx *c1 = lab_client("client1");
	struct control_ctx *c2 = lab_client("client2");
	struct side srv, cli;

	(void)state;
	exchange(sctx, c1, &srv, &cli, -1, 0);
	assert_true(cli.keys);
	assert_int_equal(cli.kev.push.peer_id, 1);
	exchange(sctx, c2, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "address pool 10.8.0.0/30 is exhausted",
		       "the server refused: address pool 10.8.0.0/30 is "
		       "exhausted", -EPERM, -EREMOTEIO);
	assert_non_null(strstr(cli.log, "< ERROR address pool"));
	exchange(sctx, c1, &srv, &cli, -1, 0);	/* client1 again: its address */
	assert_true(cli.keys);
	assert_int_equal(cli.kev.push.peer_id, 1);
	assert_int_equal(ntohl(cli.kev.push.addr.s_addr), 0x0a080002);
	control_ctx_free(sctx);
	control_ctx_free(c1);
	control_ctx_free(c2);
	control_pool_free(pool);
}

/* TAP, ChaCha20-Poly1305 and IPv6 travel in HELLO and PUSH; a cipher the
 * server does not accept, or another device type, is refused. */
static void test_settings(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/24", "fd00:8::/64");
	struct control_cfg scfg = {
		.server = true, .pool = pool, .dev = CONTROL_DEV_TAP,
		.data_port = 11940,
	};
	struct control_cfg ccfg = {
		.dev = CONTROL_DEV_TAP,
		.cipher = CONTROL_CIPHER_CHACHA20_POLY1305,
	};
	struct control_ctx *sctx, *cctx;
	struct side srv, cli;
	struct creds c;
	char s[INET6_ADDRSTRLEN];

	(void)state;
	creds(&c, lab_dir, lab_dir, "server");
	sctx = new_ctx(&scfg, &c);
	creds(&c, lab_dir, lab_dir, "client3");
	cctx = new_ctx(&ccfg, &c);
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_true(srv.keys && cli.keys);
	assert_non_null(strstr(cli.log, "> HELLO version 1 dev tap cipher "
			       "CHACHA20-POLY1305\n< PUSH peer-id 1 key-id 0 "
			       "ifconfig 10.8.0.2/24 gateway 10.8.0.1 "
			       "ifconfig6 fd00:8::2/64 gateway6 fd00:8::1 mtu "
			       "1434 cipher CHACHA20-POLY1305 data-port "
			       "11940\n"));
	assert_true(cli.kev.push.has_ipv6);
	inet_ntop(AF_INET6, &cli.kev.push.addr6, s, sizeof(s));
	assert_string_equal(s, "fd00:8::2");
	assert_int_equal(cli.kev.push.prefix6, 64);
	assert_int_equal(cli.kev.push.cipher, CONTROL_CIPHER_CHACHA20_POLY1305);
	assert_int_equal(srv.kev.push.cipher, CONTROL_CIPHER_CHACHA20_POLY1305);
	assert_int_equal(cli.kev.push.data_port, 11940);
	control_ctx_free(sctx);

	scfg.ciphers = 1u << CONTROL_CIPHER_AES_256_GCM;
	creds(&c, lab_dir, lab_dir, "server");
	sctx = new_ctx(&scfg, &c);
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "cipher CHACHA20-POLY1305 is not accepted",
		       "the server refused: cipher CHACHA20-POLY1305", -EPERM,
		       -EREMOTEIO);
	control_ctx_free(cctx);
	control_ctx_free(sctx);

	scfg.ciphers = 0;
	scfg.dev = CONTROL_DEV_TUN;
	creds(&c, lab_dir, lab_dir, "server");
	sctx = new_ctx(&scfg, &c);
	creds(&c, lab_dir, lab_dir, "client3");
	ccfg.dev = CONTROL_DEV_TAP;
	cctx = new_ctx(&ccfg, &c);
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_refused(&srv, &cli, "dev tap does not match the server's dev "
		       "tun", "dev tap does not match", -EPERM, -EREMOTEIO);
	control_ctx_free(cctx);
	control_ctx_free(sctx);
	control_pool_free(pool);
}

/* A plain OpenSSL peer in a thread, to say what our code never would. */
struct raw_peer {
	bool server;
	int fd;			/* blocking */
	struct creds cr;
	const char *send;	/* client: after the handshake; server:
				 * after reading one line; "": close;
				 * NULL: say nothing */
	size_t send_len;
	bool handshake_ok;
	char got[2048];		/* what it read, up to EOF */
	pthread_t th;
};

/* The raw peer's thread: handshake, say its piece, read until the end. */
static void *raw_peer_run(void *arg)
{
	struct raw_peer *r = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	struct timeval tv = { .tv_sec = 3 };
	size_t got = 0;
	sigset_t set;
	SSL *ssl;
	int n;

	/* Its writes may raise SIGPIPE when we hang up: keep it here. */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_use_certificate_file(ctx, r->cr.crt, SSL_FILETYPE_PEM);
	SSL_CTX_use_PrivateKey_file(ctx, r->cr.key, SSL_FILETYPE_PEM);
	SSL_CTX_load_verify_locations(ctx, r->cr.ca, NULL);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, r->fd);
	if ((r->server ? SSL_accept(ssl) : SSL_connect(ssl)) == 1) {
		r->handshake_ok = true;
		if (r->server) {
			while (got < sizeof(r->got) - 1 &&
			       !memchr(r->got, '\n', got)) {
				n = SSL_read(ssl, r->got + got,
					     (int)(sizeof(r->got) - 1 - got));
				if (n <= 0)
					break;
				got += (size_t)n;
			}
		}
		if (r->send_len)
			SSL_write(ssl, r->send, (int)r->send_len);
		else if (r->send)
			SSL_shutdown(ssl);	/* "": hang up at once */
		while (got < sizeof(r->got) - 1) {
			n = SSL_read(ssl, r->got + got,
				     (int)(sizeof(r->got) - 1 - got));
			if (n <= 0)
				break;
			got += (size_t)n;
		}
	}
	r->got[got] = '\0';
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	OPENSSL_thread_stop();
	return NULL;
}

/* Start a raw peer on fd, saying text. */
static void raw_start(struct raw_peer *r, bool server, int fd,
		      const char *text, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->server = server;
	r->fd = fd;
	r->send = text;
	r->send_len = len;
	creds(&r->cr, lab_dir, lab_dir, server ? "server" : "client1");
	assert_int_equal(pthread_create(&r->th, NULL, raw_peer_run, r), 0);
}

/* Wait for the raw peer to finish, and close its end. */
static void raw_join(struct raw_peer *r)
{
	pthread_join(r->th, NULL);
	close(r->fd);
}

/* Our server facing a raw client that says text: it must fail cleanly,
 * with reason in its message; returns what the raw client got. */
static void raw_client_case(struct control_ctx *sctx, const char *text,
			    size_t len, const char *reason, bool keys,
			    char *got, size_t got_size)
{
	char err[CONTROL_ERRBUF];
	struct raw_peer r;
	struct side srv = { 0 };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(control_server_new(&srv.c, sctx, sv[0], err), 0);
	raw_start(&r, false, sv[1], text, len);
	drive(&srv, NULL, DRIVE_MS);
	control_conn_free(srv.c);	/* the raw client reads EOF */
	raw_join(&r);
	if (srv.keys != keys || !srv.failed || !strstr(srv.reason, reason) ||
	    srv.error >= 0) {
		print_message("sent \"%.*s\"\n", (int)(len > 80 ? 80 : len),
			      text);
		dump("server", &srv);
		fail();
	}
	if (got)
		snprintf(got, got_size, "%s", r.got);
}

/* Bad messages from an authenticated client: each fails its connection
 * with a reason, and the client is told; the server goes on. */
static void test_bad_client_messages(void **state)
{
	static const struct {
		const char *text, *reason;
	} cases[] = {
		{ "hello\n", "upper-case verb" },
		{ "\n", "upper-case verb" },
		{ "GET / HTTP/1.0\r\n", "not printable" },
		{ "HELLO version 1 dev tun cipher AES-256-GCM\x01\n",
		  "not printable" },
		{ "HELLO version 1 dev tun cipher AES-256-GC\xc3\xa9\n",
		  "not printable" },
		{ "HELLO version 2 dev tun cipher AES-256-GCM\n",
		  "version 2 is not supported" },
		{ "HELLO version 01 dev tun cipher AES-256-GCM\n",
		  "version 01 is not supported" },
		{ "HELLO version 99999999999999 dev tun cipher AES-256-GCM\n",
		  "is not supported" },
		{ "HELLO version 1 dev tun\n", "HELLO needs" },
		{ "HELLO version 1 dev tun cipher\n", "without a value" },
		{ "HELLO version 1  dev tun cipher AES-256-GCM\n",
		  "stray spaces" },
		{ "HELLO version 1 dev tun cipher AES-256-GCM \n",
		  "stray spaces" },
		{ "HELLO  version 1 dev tun cipher AES-256-GCM\n",
		  "without a value" },
		{ "HELLO version 1 version 1 dev tun cipher AES-256-GCM\n",
		  "field version twice" },
		{ "HELLO a 1 b 2 c 3 d 4 e 5 f 6 g 7 h 8 i 9 j 10 k 11 l 12 "
		  "m 13 n 14 o 15 p 16 q 17\n", "more than 16 fields" },
		{ "HELLO version 1 dev tun cipher DES-CBC\n",
		  "cipher DES-CBC is not accepted" },
		{ "PUSH peer-id 1 key-id 0\n", "expected HELLO or REKEY" },
		{ "BYE\n", "the peer said BYE before the keys were agreed" },
		{ "ERROR nope\n", "the client refused: nope" },
		{ "REKEY peer-id 99999999999 key-id 1\n", "REKEY needs" },
		{ "REKEY peer-id 1 key-id 8\n", "REKEY needs" },
		{ "REKEY peer-id -1 key-id 1\n", "REKEY needs" },
		{ "", "the peer closed the connection before" },
	};
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_ctx *sctx = lab_server(pool);
	char got[2048], big[1500];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		raw_client_case(sctx, cases[i].text, strlen(cases[i].text),
				cases[i].reason, false, NULL, 0);
	/* Keys, then a message that has no place after them. */
	raw_client_case(sctx, "HELLO version 1 dev tun cipher AES-256-GCM\n"
			"HELLO\n", 49, "unexpected message after the keys",
			true, NULL, 0);
	/* An oversized message: no newline within 512 bytes. */
	memset(big, 'A', sizeof(big));
	raw_client_case(sctx, big, sizeof(big), "message too long", false, got,
			sizeof(got));
	assert_string_equal(got, "ERROR message too long (no newline within "
			    "512 bytes)\n");
	/* An oversized message with a newline at byte 600. */
	memcpy(big, "HELLO ", 6);
	big[600] = '\n';
	raw_client_case(sctx, big, 601, "message too long", false, NULL, 0);
	/* A refused message: the client hears why. */
	raw_client_case(sctx, "HELLO version 1 dev tap cipher AES-256-GCM\n",
			44, "dev tap", false, got, sizeof(got));
	assert_string_equal(got, "ERROR dev tap does not match the server's "
			    "dev tun\n");
	control_ctx_free(sctx);
	control_pool_free(pool);
}

/* Our client facing a raw server that answers HELLO with text. */
static void raw_server_case(struct control_ctx *cctx, const char *text,
			    const char *reason, bool keys)
{
	char err[CONTROL_ERRBUF];
	struct raw_peer r;
	struct side cli = { 0 };
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(control_client_new(&cli.c, cctx, sv[0], err), 0);
	raw_start(&r, true, sv[1], text, strlen(text));
	drive(&cli, NULL, DRIVE_MS);
	control_conn_free(cli.c);
	raw_join(&r);
	if (cli.keys != keys || !cli.failed || !strstr(cli.reason, reason) ||
	    cli.error >= 0) {
		print_message("server sent \"%s\"\n", text);
		dump("client", &cli);
		fail();
	}
	assert_non_null(strstr(r.got, "HELLO version 1"));
}

/* Bad answers from an authenticated server: each fails the client. */
static void test_bad_server_messages(void **state)
{
#define GOOD " ifconfig 10.8.0.2/24 gateway 10.8.0.1 mtu 1448 " \
	"cipher AES-256-GCM data-port 1194"
	static const struct {
		const char *text, *reason;
	} cases[] = {
		{ "ERROR go away\n", "the server refused: go away" },
		{ "ERROR\n", "the server refused: no reason given" },
		{ "OK peer-id 1 key-id 1\n", "expected PUSH" },
		{ "PUSH key-id 0" GOOD "\n", "PUSH without peer-id" },
		{ "PUSH peer-id 1 key-id 1" GOOD "\n",
		  "bad peer-id or key-id" },
		{ "PUSH peer-id 16777215 key-id 0" GOOD "\n",
		  "bad peer-id or key-id" },
		{ "PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/33 gateway "
		  "10.8.0.1 mtu 1448 cipher AES-256-GCM data-port 1194\n",
		  "bad ifconfig" },
		{ "PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 gateway "
		  "10.9.0.1 mtu 1448 cipher AES-256-GCM data-port 1194\n",
		  "bad ifconfig" },
		{ "PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 gateway "
		  "10.8.0.2 mtu 1448 cipher AES-256-GCM data-port 1194\n",
		  "bad ifconfig" },
		{ "PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 gateway "
		  "10.8.0.1 mtu 65535 cipher AES-256-GCM data-port 1194\n",
		  "bad mtu" },
		{ "PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 gateway "
		  "10.8.0.1 mtu 1448 cipher AES-256-GCM data-port 0\n",
		  "bad mtu" },
		{ "PUSH peer-id 1 key-id 0 ifconfig 10.8.0.2/24 gateway "
		  "10.8.0.1 mtu 1448 cipher CHACHA20-POLY1305 data-port 1194\n",
		  "not the cipher we asked for" },
		{ "PUSH peer-id 1 key-id 0" GOOD " ifconfig6 fd00::2/64\n",
		  "bad ifconfig6" },
		{ "PUSH peer-id 1 key-id 0" GOOD " ifconfig6 fd00::2/64 "
		  "gateway6 zz\n", "bad ifconfig6" },
		{ "PUSH peer-id 1 key-id 0" GOOD "\xff\n", "not printable" },
	};
	struct control_ctx *cctx = lab_client("client1");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		raw_server_case(cctx, cases[i].text, cases[i].reason, false);
	/* Keys, then a message that has no place after them. */
	raw_server_case(cctx, "PUSH peer-id 1 key-id 0" GOOD "\nPUSH\n",
			"unexpected message after the keys", true);
	control_ctx_free(cctx);
#undef GOOD
}

/* Bytes that are not TLS at all, or nothing, on the control port. */
static void test_garbage_and_silence(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_cfg cfg = {
		.server = true, .pool = pool, .handshake_timeout_ms = 150,
	};
	struct control_ctx *sctx;
	char err[CONTROL_ERRBUF];
	unsigned char junk[4096];
	struct side srv;
	struct creds c;
	struct raw_peer r;
	int sv[2];

	(void)state;
	creds(&c, lab_dir, lab_dir, "server");
	sctx = new_ctx(&cfg, &c);
	for (int round = 0; round < 4; round++) {
		memset(&srv, 0, sizeof(srv));
		assert_int_equal(socketpair(AF_UNIX,
					    SOCK_STREAM | SOCK_NONBLOCK, 0,
					    sv), 0);
		assert_int_equal(control_server_new(&srv.c, sctx, sv[0], err),
				 0);
		if (round == 0) {
			for (size_t i = 0; i < sizeof(junk); i++)
				junk[i] = (unsigned char)(i * 7919 + 13);
			assert_int_equal(write(sv[1], junk, sizeof(junk)),
					 (ssize_t)sizeof(junk));
		} else if (round == 1) {
			assert_int_equal(write(sv[1], "GET / HTTP/1.0\r\n\r\n",
					       18), 18);
		} else if (round == 2) {
			/* A TLS record header claiming 65535 bytes. */
			assert_int_equal(write(sv[1], "\x16\x03\x01\xff\xff",
					       5), 5);
		}
		/* round 3: silence */
		drive(&srv, NULL, DRIVE_MS);
		if (!srv.failed || srv.handshake)
			dump("server", &srv), fail();
		if (round == 1 && !strstr(srv.reason, "is the peer speaking"))
			dump("server", &srv);
		if (round == 1)
			assert_non_null(strstr(srv.reason, "is the peer "
					       "speaking TLS?"));
		assert_int_equal(srv.error, round == 3 ? -ETIMEDOUT : -EPROTO);
		if (round == 3)
			assert_string_equal(srv.reason, "TLS handshake timed "
					    "out after 150 ms");
		control_conn_free(srv.c);
		close(sv[1]);
	}

	/* A client that completes TLS, then says nothing. */
	memset(&srv, 0, sizeof(srv));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(control_server_new(&srv.c, sctx, sv[0], err), 0);
	raw_start(&r, false, sv[1], NULL, 0);
	drive(&srv, NULL, DRIVE_MS);
	control_conn_free(srv.c);
	raw_join(&r);
	assert_true(srv.handshake && srv.failed);
	assert_string_equal(srv.reason, "waiting for HELLO or REKEY timed out "
			    "after 150 ms");
	assert_int_equal(srv.error, -ETIMEDOUT);
	assert_string_equal(r.got, "ERROR timed out\n");
	control_ctx_free(sctx);
	control_pool_free(pool);
}

/* A peer that hung up: our write fails with EPIPE, and no SIGPIPE kills
 * the process (SIGPIPE has its default action in this test program). */
static void test_no_sigpipe(void **state)
{
	struct control_ctx *cctx = lab_client("client1");
	char err[CONTROL_ERRBUF];
	struct side cli = { 0 };
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
				    sv), 0);
	close(sv[1]);
	assert_int_equal(control_client_new(&cli.c, cctx, sv[0], err), 0);
	drive(&cli, NULL, DRIVE_MS);
	assert_true(cli.failed);
	assert_non_null(strstr(cli.reason, "Broken pipe"));
	assert_int_equal(cli.error, -EPIPE);
	control_conn_free(cli.c);
	control_ctx_free(cctx);
}

/* --keylog: NSS key log lines for the session, file mode 0600. */
static void test_keylog(void **state)
{
	static const char *const labels[] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET ",
		"SERVER_HANDSHAKE_TRAFFIC_SECRET ",
		"CLIENT_TRAFFIC_SECRET_0 ", "SERVER_TRAFFIC_SECRET_0 ",
		"EXPORTER_SECRET ",
	};
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	char path[PATH_MAX + 16], text[8192], random[65];
	struct control_cfg cfg = { .server = true, .pool = pool };
	struct control_ctx *sctx, *cctx = lab_client("client1");
	struct side srv, cli;
	struct creds c;
	struct stat st;
	const char *line;
	ssize_t n;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/keylog", lab_dir);
	cfg.keylog_file = path;
	creds(&c, lab_dir, lab_dir, "server");
	sctx = new_ctx(&cfg, &c);
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_true(srv.keys && cli.keys);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fd = open(path, O_RDONLY);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	assert_true(n > 0);
	text[n] = '\0';
	/* Five lines, all for the same client random. */
	line = strstr(text, labels[0]);
	assert_non_null(line);
	snprintf(random, sizeof(random), "%s", line + strlen(labels[0]));
	assert_int_equal(strspn(random, "0123456789abcdef"), 64);
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		char want[128];

		snprintf(want, sizeof(want), "%s%s ", labels[i], random);
		assert_non_null(strstr(text, want));
	}
	/* A second session appends its own lines. */
	exchange(sctx, cctx, &srv, &cli, 1, 1);
	assert_true(srv.keys);
	fd = open(path, O_RDONLY);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n] = '\0';
	assert_non_null(strstr(strstr(text, labels[4]) + 1, labels[4]));
	control_ctx_free(sctx);
	control_ctx_free(cctx);
	control_pool_free(pool);
}

/* Over loopback TCP with the socket helpers, as the daemon will. */
static void test_loopback_tcp(void **state)
{
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_ctx *sctx = lab_server(pool);
	struct control_ctx *cctx = lab_client("client2");
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char err[CONTROL_ERRBUF];
	struct side srv = { 0 }, cli = { 0 };
	int lfd, cfd, afd = -EAGAIN;

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = control_listen((struct sockaddr *)&sa, sizeof(sa), err);
	assert_true(lfd >= 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(control_accept(lfd, err), -EAGAIN);
	cfd = control_connect((struct sockaddr *)&sa, sizeof(sa), err);
	assert_true(cfd >= 0);
	assert_int_equal(control_client_new(&cli.c, cctx, cfd, err), 0);
	pump(&cli);		/* the ClientHello waits for the connection */
	for (int i = 0; i < 200 && afd == -EAGAIN; i++) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };

		poll(&p, 1, 10);
		afd = control_accept(lfd, err);
	}
	assert_true(afd >= 0);
	assert_int_equal(control_server_new(&srv.c, sctx, afd, err), 0);
	drive(&srv, &cli, DRIVE_MS);
	assert_true(srv.keys && cli.keys);
	assert_memory_equal(srv.kev.keymat, cli.kev.keymat, TUNNEL_KEYMAT_LEN);
	assert_int_equal(cli.kev.push.peer_id, 1);
	unpair(&srv, &cli);
	close(lfd);

	/* Nobody listening: the client fails with the socket's error. */
	memset(&cli, 0, sizeof(cli));
	cfd = control_connect((struct sockaddr *)&sa, sizeof(sa), err);
	assert_true(cfd >= 0);
	assert_int_equal(control_client_new(&cli.c, cctx, cfd, err), 0);
	drive(&cli, NULL, DRIVE_MS);
	assert_true(cli.failed);
	assert_non_null(strstr(cli.reason, "Connection refused"));
	assert_int_equal(cli.error, -ECONNREFUSED);
	control_conn_free(cli.c);
	control_ctx_free(sctx);
	control_ctx_free(cctx);
	control_pool_free(pool);
}

/* Ed25519 certificates work as well as EC P-256 ones. */
static void test_ed25519(void **state)
{
	const char *clients[] = { "client1" };
	struct control_pool *pool = new_pool("10.8.0.0/24", NULL);
	struct control_cfg scfg = { .server = true, .pool = pool };
	struct control_cfg ccfg = { 0 };
	struct control_ctx *sctx, *cctx;
	char dir[PATH_MAX], err[PKI_ERRBUF];
	struct side srv, cli;
	struct pki_opts o;
	struct creds c;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ed25519", lab_dir);
	pki_opts_init(&o);
	o.dir = dir;
	o.key_type = PKI_KEY_ED25519;
	assert_int_equal(pki_create(&o, clients, 1, NULL, err), 0);
	creds(&c, dir, dir, "server");
	sctx = new_ctx(&scfg, &c);
	creds(&c, dir, dir, "client1");
	cctx = new_ctx(&ccfg, &c);
	exchange(sctx, cctx, &srv, &cli, -1, 0);
	assert_true(srv.keys && cli.keys);
	assert_memory_equal(srv.kev.keymat, cli.kev.keymat, TUNNEL_KEYMAT_LEN);
	control_ctx_free(sctx);
	control_ctx_free(cctx);
	control_pool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_keys),
		cmocka_unit_test(test_rekey_keys_differ),
		cmocka_unit_test(test_rekey_refused),
		cmocka_unit_test(test_certificates_refused),
		cmocka_unit_test(test_ctx_errors),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_pool_over_channel),
		cmocka_unit_test(test_settings),
		cmocka_unit_test(test_bad_client_messages),
		cmocka_unit_test(test_bad_server_messages),
		cmocka_unit_test(test_garbage_and_silence),
		cmocka_unit_test(test_no_sigpipe),
		cmocka_unit_test(test_keylog),
		cmocka_unit_test(test_loopback_tcp),
		cmocka_unit_test(test_ed25519),
	};

	return cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
