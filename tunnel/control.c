// SPDX-License-Identifier: GPL-2.0-only
/*
 * The control channel (docs/control.md): TLS 1.3 with certificates both
 * ways, a few text lines inside it, and the data channel's keys exported
 * from each fresh session.  Also the address pool that binds each client
 * certificate name to a peer-id and a tunnel address.
 *
 * Everything here runs on non-blocking sockets driven by the daemon's
 * event loop; nothing a peer sends is trusted before it was checked for
 * length and characters, and each failure ends only its own connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "control.h"
#include "log.h"

#define EVQ_LEN		16	/* events queued between two drains */
#define MSG_MAX_PAIRS	16	/* key value pairs in one message */
#define MAX_CERT_LIST	(16 * 1024)	/* a peer's certificate chain */
#define LISTEN_BACKLOG	64
#define MTU_TUN_DEFAULT	1448	/* docs/wire-format.md */
#define MTU_TAP_DEFAULT	1434
#define MTU_MIN		576
#define MTU_MAX		9000

static const char *const cipher_names[CONTROL_CIPHER_COUNT] = {
	[CONTROL_CIPHER_AES_256_GCM] = "AES-256-GCM",
	[CONTROL_CIPHER_CHACHA20_POLY1305] = "CHACHA20-POLY1305",
};

static const char *const dev_names[] = {
	[CONTROL_DEV_TUN] = "tun",
	[CONTROL_DEV_TAP] = "tap",
};

static const char *const event_names[] = {
	[CONTROL_EV_HANDSHAKE] = "handshake",
	[CONTROL_EV_MESSAGE] = "message",
	[CONTROL_EV_KEYS] = "keys",
	[CONTROL_EV_CLOSED] = "closed",
	[CONTROL_EV_FAILED] = "failed",
};

struct control_pool {
	struct control_pool_info info;
	struct control_lease **slot;	/* slot[peer_id - 1] */
};

struct control_ctx {
	SSL_CTX *ssl_ctx;
	BIO_METHOD *bio_meth;
	struct control_cfg cfg;		/* strings below are not kept */
	char server_name[PKI_NAME_MAX + 1];
	int keylog_fd;
	int timeout_ms;
};

enum conn_state {
	ST_HANDSHAKE,		/* TLS handshake */
	ST_REQUEST,		/* server: waits for HELLO/REKEY; client: for
				 * PUSH/OK */
	ST_ESTABLISHED,		/* keys agreed; only BYE or ERROR may come */
	ST_DONE,		/* closed or failed: nothing more to do */
};

struct control_conn {
	struct control_ctx *ctx;
	SSL *ssl;
	int fd;
	bool server;
	enum conn_state state;
	bool tls_usable;	/* handshake done and no fatal TLS error */
	bool authenticated;	/* the handshake verified peer_name */
	bool rekey;		/* client: REKEY (else HELLO) */
	bool want_write;	/* an SSL call in this control_io() waits for
				 * writability */
	bool peer_eof;		/* recv() returned 0 */
	int sock_errno;		/* the socket's last hard error */
	uint32_t peer_id;	/* client rekey: asked for */
	uint8_t key_id;
	int64_t deadline;	/* CLOCK_MONOTONIC ms, -1 for none */
	char peer_name[PKI_NAME_MAX + 1];
	char verify_reason[CONTROL_TEXT_MAX / 2];
	char in[CONTROL_MSG_MAX];
	size_t in_len;
	char out[2 * CONTROL_MSG_MAX];
	size_t out_len;
	size_t write_len;	/* bytes of out in an SSL_write to retry */
	struct control_event evq[EVQ_LEN];
	unsigned int ev_head, ev_count;
};

/* A parsed control message: a verb and key value pairs, or free text. */
struct msg {
	char buf[CONTROL_MSG_MAX];
	const char *verb;
	const char *rest;		/* after the verb (ERROR, BYE) */
	unsigned int n;
	const char *key[MSG_MAX_PAIRS];
	const char *val[MSG_MAX_PAIRS];
};

/* Fill err (CONTROL_ERRBUF bytes) with a message and return rc. */
static int fail(char *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, CONTROL_ERRBUF, fmt, ap);
	va_end(ap);
	return rc;
}

/* snprintf for messages, where cutting a long one short is fine. */
static void textf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void textf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* Replace every byte that is not printable ASCII, so that text a peer
 * chose can be logged safely. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}

/* Now on CLOCK_MONOTONIC, in milliseconds. */
static int64_t now_ms(void)
{
	return (int64_t)(tl_now_ns() / 1000000);
}

const char *control_cipher_name(enum control_cipher cipher)
{
	return (unsigned int)cipher < CONTROL_CIPHER_COUNT ?
		cipher_names[cipher] : "?";
}

const char *control_dev_name(enum control_dev dev)
{
	return (unsigned int)dev <= CONTROL_DEV_TAP ? dev_names[dev] : "?";
}

const char *control_event_name(enum control_event_type type)
{
	return (unsigned int)type <= CONTROL_EV_FAILED ? event_names[type]
						       : "?";
}

uint8_t control_next_key_id(uint8_t k)
{
	return k >= CONTROL_KEY_ID_COUNT - 1 ? 1 : k + 1;
}

/* The cipher named s, or -1. */
static int cipher_parse(const char *s)
{
	for (int i = 0; i < CONTROL_CIPHER_COUNT; i++)
		if (!strcmp(cipher_names[i], s))
			return i;
	return -1;
}

/* Parse a decimal number without sign or leading zeros, at most max. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 10 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* Parse "ADDR/PREFIX" of family af into addr (in_addr or in6_addr). */
static bool parse_cidr(int af, const char *s, void *addr, unsigned int lo,
		       unsigned int hi, uint8_t *prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned long p;
	char *slash;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if (inet_pton(af, buf, addr) != 1 || !parse_uint(slash + 1, hi, &p) ||
	    p < lo)
		return false;
	*prefix = (uint8_t)p;
	return true;
}

/* Add n to the last 32 bits of an IPv6 address (no carry: the pool keeps
 * its host numbers below 2^24). */
static void addr6_add(struct in6_addr *a, const struct in6_addr *base,
		      uint32_t n)
{
	uint32_t low;

	*a = *base;
	memcpy(&low, &a->s6_addr[12], 4);
	low = htonl(ntohl(low) + n);
	memcpy(&a->s6_addr[12], &low, 4);
}

int control_pool_new(struct control_pool **pool, const char *cidr,
		     const char *cidr6, char *err)
{
	struct control_pool *p;
	uint32_t net, size;

	*pool = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return fail(err, -ENOMEM, "out of memory");
	if (!cidr || !parse_cidr(AF_INET, cidr, &p->info.net, 16, 30,
				 &p->info.prefix)) {
		free(p);
		return fail(err, -EINVAL, "address pool '%s': expected an "
			    "IPv4 subnet like 10.8.0.0/24 (prefix 16..30)",
			    cidr ? cidr : "");
	}
	net = ntohl(p->info.net.s_addr);
	if (net & ~(0xffffffffu << (32 - p->info.prefix))) {
		free(p);
		return fail(err, -EINVAL, "address pool %s: host bits are set "
			    "(the subnet's first address, please)", cidr);
	}
	p->info.gateway.s_addr = htonl(net + 1);
	/* Hosts minus the network, the gateway and the broadcast address. */
	size = (1u << (32 - p->info.prefix)) - 3;
	if (cidr6) {
		unsigned int host_bits;
		bool host_set = false;

		if (!parse_cidr(AF_INET6, cidr6, &p->info.net6, 64, 124,
				&p->info.prefix6)) {
			free(p);
			return fail(err, -EINVAL, "address pool '%s': expected "
				    "an IPv6 subnet like fd00:8::/64 (prefix "
				    "64..124)", cidr6);
		}
		for (unsigned int b = p->info.prefix6; b < 128; b++)
			if (p->info.net6.s6_addr[b / 8] & (0x80 >> (b % 8)))
				host_set = true;
		if (host_set) {
			free(p);
			return fail(err, -EINVAL, "address pool %s: host bits "
				    "are set", cidr6);
		}
		host_bits = 128 - p->info.prefix6;
		if (host_bits < 32 && (1u << host_bits) - 2 < size)
			size = (1u << host_bits) - 2;
		p->info.has_ipv6 = true;
		addr6_add(&p->info.gateway6, &p->info.net6, 1);
	}
	p->info.size = size;
	p->slot = calloc(size, sizeof(*p->slot));
	if (!p->slot) {
		free(p);
		return fail(err, -ENOMEM, "out of memory");
	}
	*pool = p;
	return 0;
}

void control_pool_free(struct control_pool *pool)
{
	if (!pool)
		return;
	for (uint32_t i = 0; i < pool->info.used; i++)
		free(pool->slot[i]);
	free(pool->slot);
	free(pool);
}

const struct control_pool_info *control_pool_info(
	const struct control_pool *pool)
{
	return &pool->info;
}

struct control_lease *control_pool_by_name(const struct control_pool *pool,
					   const char *name)
{
	for (uint32_t i = 0; i < pool->info.used; i++)
		if (!strcmp(pool->slot[i]->name, name))
			return pool->slot[i];
	return NULL;
}

struct control_lease *control_pool_by_peer(const struct control_pool *pool,
					   uint32_t peer_id)
{
	if (peer_id == 0 || peer_id > pool->info.used)
		return NULL;
	return pool->slot[peer_id - 1];
}

struct control_lease *control_pool_by_addr(const struct control_pool *pool,
					   const struct in_addr *addr)
{
	uint32_t host = ntohl(addr->s_addr) - ntohl(pool->info.net.s_addr);
	struct control_lease *l;

	if (host < 2 || host - 1 > pool->info.used)
		return NULL;
	l = pool->slot[host - 2];
	return l->addr.s_addr == addr->s_addr ? l : NULL;
}

struct control_lease *control_pool_by_addr6(const struct control_pool *pool,
					    const struct in6_addr *addr6)
{
	uint32_t a, n, host;
	struct control_lease *l;

	if (!pool->info.has_ipv6 ||
	    memcmp(addr6->s6_addr, pool->info.net6.s6_addr, 12))
		return NULL;
	memcpy(&a, &addr6->s6_addr[12], 4);
	memcpy(&n, &pool->info.net6.s6_addr[12], 4);
	host = ntohl(a) - ntohl(n);
	if (host < 2 || host - 1 > pool->info.used)
		return NULL;
	l = pool->slot[host - 2];
	return memcmp(&l->addr6, addr6, sizeof(*addr6)) ? NULL : l;
}

int control_pool_lease(struct control_pool *pool, const char *name,
		       struct control_lease **lease, char *err)
{
	struct control_pool_info *in = &pool->info;
	char net[INET_ADDRSTRLEN];
	struct control_lease *l;

	*lease = control_pool_by_name(pool, name);
	if (*lease)
		return 0;
	if (!pki_name_valid(name))
		return fail(err, -EINVAL, "'%s' is not a valid client name",
			    name);
	if (in->used >= in->size) {
		inet_ntop(AF_INET, &in->net, net, sizeof(net));
		return fail(err, -ENOSPC, "address pool %s/%u is exhausted: "
			    "all %u addresses are bound to other clients",
			    net, in->prefix, in->size);
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return fail(err, -ENOMEM, "out of memory");
	snprintf(l->name, sizeof(l->name), "%s", name);
	/* Leases are never given back, so the next peer-id is the next
	 * slot: peer-id n is host n + 1. */
	l->peer_id = in->used + 1;
	l->addr.s_addr = htonl(ntohl(in->net.s_addr) + l->peer_id + 1);
	if (in->has_ipv6)
		addr6_add(&l->addr6, &in->net6, l->peer_id + 1);
	pool->slot[in->used++] = l;
	*lease = l;
	return 0;
}

/* The socket BIO's write: send() with MSG_NOSIGNAL, so that a peer that
 * went away cannot kill the daemon with SIGPIPE. */
static int bio_write(BIO *b, const char *buf, int len)
{
	struct control_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(c->fd, buf, (size_t)len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_write(b);
	else
		c->sock_errno = errno;
	return -1;
}

/* The socket BIO's read: recv(), remembering end of file. */
static int bio_read(BIO *b, char *buf, int len)
{
	struct control_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(c->fd, buf, (size_t)len, 0);
	if (n > 0)
		return (int)n;
	if (n == 0) {
		c->peer_eof = true;
		return 0;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_read(b);
	else
		c->sock_errno = errno;
	return -1;
}

/* The socket BIO's controls: flush is a no-op, EOF is what recv saw. */
static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct control_conn *c = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return c->peer_eof;
	default:
		return 0;
	}
}

/* Append one NSS key log line to the key log file (one write, O_APPEND,
 * so lines from several connections never mix). */
static void keylog_cb(const SSL *ssl, const char *line)
{
	struct control_ctx *ctx = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	char buf[512];
	size_t n = strlen(line);

	if (!ctx || ctx->keylog_fd < 0 || n + 1 > sizeof(buf))
		return;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	if (write(ctx->keylog_fd, buf, n) != (ssize_t)n)
		return;	/* a key log is a debugging aid, not worth failing */
}

/* The certificate's subject, printable, for messages. */
static void subject_text(X509 *cert, char *buf, size_t size)
{
	char cn[PKI_NAME_MAX + 1], err[PKI_ERRBUF];

	if (cert && pki_cert_name(cert, cn, sizeof(cn), err) == 0)
		snprintf(buf, size, "CN %s", cn);
	else if (cert)
		X509_NAME_oneline(X509_get_subject_name(cert), buf, (int)size);
	else
		snprintf(buf, size, "?");
	sanitize(buf);
}

/*
 * OpenSSL's verification callback: record why a certificate was refused,
 * and at the peer's own certificate also require the right
 * extendedKeyUsage (a certificate without one is refused too) and a valid
 * name.
 */
static int verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(
		xs, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct control_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
	X509 *cert = X509_STORE_CTX_get_current_cert(xs);
	int depth = X509_STORE_CTX_get_error_depth(xs);
	char subj[128], perr[PKI_ERRBUF];
	int e;

	if (!c)
		return 0;
	if (ok && depth == 0 && cert) {
		uint32_t want = c->server ? XKU_SSL_CLIENT : XKU_SSL_SERVER;

		if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) ||
		    !(X509_get_extended_key_usage(cert) & want)) {
			X509_STORE_CTX_set_error(xs,
						 X509_V_ERR_INVALID_PURPOSE);
			ok = 0;
		} else if (pki_cert_name(cert, c->peer_name,
					 sizeof(c->peer_name), perr) < 0) {
			X509_STORE_CTX_set_error(
				xs, X509_V_ERR_APPLICATION_VERIFICATION);
			textf(c->verify_reason, sizeof(c->verify_reason),
			      "%s", perr);
			c->peer_name[0] = '\0';
			ok = 0;
		}
	}
	if (ok || c->verify_reason[0])
		return ok;
	subject_text(cert, subj, sizeof(subj));
	e = X509_STORE_CTX_get_error(xs);
	if (e == X509_V_ERR_INVALID_PURPOSE)
		snprintf(c->verify_reason, sizeof(c->verify_reason),
			 "certificate %s is not for a TLS %s (its "
			 "extendedKeyUsage lacks %s)", subj,
			 c->server ? "client" : "server",
			 c->server ? "clientAuth" : "serverAuth");
	else if (e == X509_V_ERR_HOSTNAME_MISMATCH)
		snprintf(c->verify_reason, sizeof(c->verify_reason),
			 "certificate %s is not the server's (expected CN or "
			 "DNS name \"%s\")", subj, c->ctx->server_name);
	else
		snprintf(c->verify_reason, sizeof(c->verify_reason),
			 "%s (certificate %s, depth %d)",
			 X509_verify_cert_error_string(e), subj, depth);
	return 0;
}

/* Load key, certificate and CA and install them in the SSL_CTX. */
static int load_credentials(struct control_ctx *ctx,
			    const struct control_cfg *cfg, char *err)
{
	char perr[PKI_ERRBUF];
	EVP_PKEY *key = NULL;
	X509 *cert = NULL, *ca = NULL;
	int rc;

	rc = pki_load_key(cfg->key_file, &key, perr);
	if (rc)
		return fail(err, rc, "%s", perr);
	rc = pki_load_cert(cfg->cert_file, &cert, perr);
	if (rc) {
		fail(err, rc, "%s", perr);
		goto out_free;
	}
	rc = pki_load_cert(cfg->ca_file, &ca, perr);
	if (rc) {
		fail(err, rc, "%s", perr);
		goto out_free;
	}
	if (SSL_CTX_use_certificate(ctx->ssl_ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx->ssl_ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx->ssl_ctx) != 1) {
		ERR_clear_error();
		rc = fail(err, -EINVAL, "certificate %s does not match key %s",
			  cfg->cert_file, cfg->key_file);
		goto out_free;
	}
	/* The lab CA, and nothing else: no system trust store. */
	if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx->ssl_ctx),
				ca) != 1) {
		ERR_clear_error();
		rc = fail(err, -EINVAL, "CA %s: cannot be used", cfg->ca_file);
	}
out_free:
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

/* Open the key log file for appending, mode 0600 whatever it was. */
static int open_keylog(struct control_ctx *ctx, const char *path, char *err)
{
	ctx->keylog_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
			      O_NOFOLLOW | O_NOCTTY, 0600);
	if (ctx->keylog_fd < 0)
		return fail(err, -errno, "key log %s: %s", path,
			    strerror(errno));
	if (fchmod(ctx->keylog_fd, 0600) != 0)
		return fail(err, -errno, "key log %s: chmod 600: %s", path,
			    strerror(errno));
	SSL_CTX_set_keylog_callback(ctx->ssl_ctx, keylog_cb);
	log_warn("writing TLS secrets to %s (--keylog): anyone who "
		 "reads it can decrypt the control channel", path);
	return 0;
}

int control_ctx_new(struct control_ctx **out, const struct control_cfg *cfg,
		    char *err)
{
	struct control_ctx *ctx;
	SSL_CTX *s;
	int rc;

	*out = NULL;
	if (!cfg->ca_file || !cfg->cert_file || !cfg->key_file)
		return fail(err, -EINVAL, "the CA, certificate and key files "
			    "are all needed");
	if ((unsigned int)cfg->cipher >= CONTROL_CIPHER_COUNT ||
	    (unsigned int)cfg->dev > CONTROL_DEV_TAP)
		return fail(err, -EINVAL, "unknown cipher or device type");
	if (cfg->server && !cfg->pool)
		return fail(err, -EINVAL, "a server needs an address pool");
	if (cfg->server_name && !pki_name_valid(cfg->server_name))
		return fail(err, -EINVAL, "'%s' is not a valid server name",
			    cfg->server_name);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return fail(err, -ENOMEM, "out of memory");
	ctx->keylog_fd = -1;
	ctx->cfg = *cfg;
	ctx->cfg.ca_file = ctx->cfg.cert_file = ctx->cfg.key_file = NULL;
	ctx->cfg.keylog_file = ctx->cfg.server_name = NULL;
	snprintf(ctx->server_name, sizeof(ctx->server_name), "%s",
		 cfg->server_name ? cfg->server_name : PKI_SERVER_NAME);
	ctx->timeout_ms = cfg->handshake_timeout_ms > 0 ?
		cfg->handshake_timeout_ms : CONTROL_HANDSHAKE_TIMEOUT_MS;
	if (!ctx->cfg.mtu)
		ctx->cfg.mtu = cfg->dev == CONTROL_DEV_TAP ? MTU_TAP_DEFAULT :
							     MTU_TUN_DEFAULT;
	if (!ctx->cfg.data_port)
		ctx->cfg.data_port = TL_WIRE_DATA_PORT;
	if (!ctx->cfg.ciphers)
		ctx->cfg.ciphers = (1u << CONTROL_CIPHER_COUNT) - 1;

	s = ctx->ssl_ctx = SSL_CTX_new(TLS_method());
	ctx->bio_meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				     "tunlab control socket");
	if (!s || !ctx->bio_meth ||
	    !BIO_meth_set_write(ctx->bio_meth, bio_write) ||
	    !BIO_meth_set_read(ctx->bio_meth, bio_read) ||
	    !BIO_meth_set_ctrl(ctx->bio_meth, bio_ctrl)) {
		rc = fail(err, -ENOMEM, "TLS setup: out of memory");
		goto out_free;
	}
	SSL_CTX_set_app_data(s, ctx);
	/* TLS 1.3 only; no tickets, no resumption: every connection is a
	 * full handshake with fresh ECDHE and both certificates. */
	if (SSL_CTX_set_min_proto_version(s, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set1_groups_list(s, "X25519:P-256") != 1 ||
	    SSL_CTX_set_num_tickets(s, 0) != 1) {
		rc = fail(err, -EINVAL, "TLS setup failed");
		goto out_free;
	}
	SSL_CTX_set_options(s, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_NO_COMPRESSION);
	SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_max_cert_list(s, MAX_CERT_LIST);
	SSL_CTX_set_verify(s, SSL_VERIFY_PEER | (cfg->server ?
			   SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), verify_cb);
	SSL_CTX_set_verify_depth(s, 1);		/* the peer, then the lab CA */
	SSL_CTX_set_purpose(s, cfg->server ? X509_PURPOSE_SSL_CLIENT :
					     X509_PURPOSE_SSL_SERVER);
	rc = load_credentials(ctx, cfg, err);
	if (rc)
		goto out_free;
	if (cfg->keylog_file) {
		rc = open_keylog(ctx, cfg->keylog_file, err);
		if (rc)
			goto out_free;
	}
	*out = ctx;
	return 0;

out_free:
	ERR_clear_error();
	control_ctx_free(ctx);
	return rc;
}

void control_ctx_free(struct control_ctx *ctx)
{
	if (!ctx)
		return;
	if (ctx->keylog_fd >= 0)
		close(ctx->keylog_fd);
	SSL_CTX_free(ctx->ssl_ctx);
	BIO_meth_free(ctx->bio_meth);
	free(ctx);
}

/* Queue an event; a full queue (the caller did not drain it) gives up a
 * message event rather than a state change. */
static struct control_event *push_event(struct control_conn *c,
					enum control_event_type type,
					const char *text)
{
	struct control_event *ev;

	if (c->ev_count == EVQ_LEN) {
		if (type == CONTROL_EV_MESSAGE)
			return NULL;
		ev = &c->evq[(c->ev_head + EVQ_LEN - 1) % EVQ_LEN];
		OPENSSL_cleanse(ev, sizeof(*ev));
	} else {
		ev = &c->evq[(c->ev_head + c->ev_count++) % EVQ_LEN];
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	snprintf(ev->text, sizeof(ev->text), "%s", text ? text : "");
	sanitize(ev->text);
	return ev;
}

bool control_next_event(struct control_conn *c, struct control_event *ev)
{
	struct control_event *head;

	if (!c->ev_count)
		return false;
	head = &c->evq[c->ev_head];
	*ev = *head;
	OPENSSL_cleanse(head, sizeof(*head));
	c->ev_head = (c->ev_head + 1) % EVQ_LEN;
	c->ev_count--;
	return true;
}

/* Queue a control message for sending, and report it. */
static void send_line(struct control_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void send_line(struct control_conn *c, const char *fmt, ...)
{
	char line[CONTROL_MSG_MAX];
	struct control_event *ev;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;	/* cut to fit, newline included */
	line[n] = '\0';
	sanitize(line);
	if (c->out_len + (size_t)n + 1 > sizeof(c->out))
		return;		/* cannot happen: one request, one reply */
	memcpy(c->out + c->out_len, line, (size_t)n);
	c->out[c->out_len + (size_t)n] = '\n';
	c->out_len += (size_t)n + 1;
	ev = push_event(c, CONTROL_EV_MESSAGE, line);
	if (ev)
		ev->sent = true;
}

/* Is this TLS alert about a certificate (refused, rather than garbled)? */
static bool cert_alert(int alert)
{
	switch (alert) {
	case SSL_AD_BAD_CERTIFICATE:
	case SSL_AD_UNSUPPORTED_CERTIFICATE:
	case SSL_AD_CERTIFICATE_REVOKED:
	case SSL_AD_CERTIFICATE_EXPIRED:
	case SSL_AD_CERTIFICATE_UNKNOWN:
	case SSL_AD_UNKNOWN_CA:
	case SSL_AD_ACCESS_DENIED:
	case SSL_AD_CERTIFICATE_REQUIRED:
		return true;
	default:
		return false;
	}
}

/* Describe the error of the TLS call that returned ret, for a reason;
 * return its class (a negative errno, see control.h). */
static int tls_error_text(struct control_conn *c, int ret, char *buf,
			  size_t size)
{
	int e = SSL_get_error(c->ssl, ret);
	unsigned long oe = ERR_peek_error();
	int reason = ERR_GET_REASON(oe), error = -EPROTO;

	if (c->verify_reason[0]) {
		textf(buf, size, "peer certificate refused: %s",
		      c->verify_reason);
		error = -EACCES;
	} else if (e == SSL_ERROR_SSL && oe && reason >= SSL_AD_REASON_OFFSET &&
		   ERR_GET_LIB(oe) == ERR_LIB_SSL) {
		int alert = reason - SSL_AD_REASON_OFFSET;

		snprintf(buf, size, "the peer refused us (TLS alert: %s)",
			 SSL_alert_desc_string_long(alert));
		if (cert_alert(alert))
			error = -EACCES;
	} else if (e == SSL_ERROR_SSL && oe &&
		   reason == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		snprintf(buf, size, "the peer closed the connection");
		error = -ECONNRESET;
	} else if (e == SSL_ERROR_SSL && oe) {
		const char *r = ERR_reason_error_string(oe);

		snprintf(buf, size, "%s%s", r ? r : "TLS error",
			 reason == SSL_R_WRONG_VERSION_NUMBER ||
			 reason == SSL_R_HTTP_REQUEST ||
			 reason == SSL_R_HTTPS_PROXY_REQUEST ||
			 reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
			 reason == SSL_R_RECORD_LENGTH_MISMATCH ?
			 " (is the peer speaking TLS?)" : "");
	} else if (c->sock_errno) {
		snprintf(buf, size, "%s", strerror(c->sock_errno));
		error = -c->sock_errno;
	} else if (c->peer_eof || e == SSL_ERROR_SYSCALL ||
		   e == SSL_ERROR_ZERO_RETURN) {
		snprintf(buf, size, "the peer closed the connection");
		error = -ECONNRESET;
	} else {
		snprintf(buf, size, "TLS error %d", e);
		error = -EIO;
	}
	ERR_clear_error();
	return error;
}

/* Try once to send what is queued; never blocks.  Returns false when the
 * connection failed. */
static bool flush(struct control_conn *c);

/*
 * End the connection with an event of type (CLOSED or FAILED), its error
 * class (a negative errno, see control.h) and the reason; with peer_msg,
 * first tell the peer "ERROR peer_msg".  TLS is closed with close_notify
 * when it still works (best effort: the socket buffer is almost always
 * empty here).  Returns -1, for the callers' "return finish(...)".
 */
static int finish(struct control_conn *c, enum control_event_type type,
		  int error, const char *peer_msg, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int finish(struct control_conn *c, enum control_event_type type,
		  int error, const char *peer_msg, const char *fmt, ...)
{
	struct control_event *ev;
	char reason[CONTROL_TEXT_MAX];
	va_list ap;

	if (c->state == ST_DONE)
		return -1;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	c->state = ST_DONE;
	if (c->tls_usable) {
		if (peer_msg) {
			send_line(c, "ERROR %s", peer_msg);
			flush(c);
		}
		if (c->tls_usable) {
			ERR_clear_error();
			SSL_shutdown(c->ssl);
			ERR_clear_error();
		}
	}
	c->deadline = -1;
	ev = push_event(c, type, reason);
	ev->error = error;
	return -1;
}

/* Fail the connection because of the TLS call that returned ret. */
static void fail_tls(struct control_conn *c, int ret, const char *what)
{
	char buf[CONTROL_TEXT_MAX / 2];
	int error = tls_error_text(c, ret, buf, sizeof(buf));

	c->tls_usable = false;	/* no close_notify after a fatal error */
	finish(c, CONTROL_EV_FAILED, error, NULL, "%s: %s", what, buf);
}

static bool flush(struct control_conn *c)
{
	int r, e;

	if (!c->out_len || !c->tls_usable)
		return true;
	if (!c->write_len)
		c->write_len = c->out_len;	/* a retry keeps its length */
	ERR_clear_error();
	r = SSL_write(c->ssl, c->out, (int)c->write_len);
	if (r > 0) {
		memmove(c->out, c->out + r, c->out_len - (size_t)r);
		c->out_len -= (size_t)r;
		c->write_len = 0;
		return true;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_WRITE) {
		c->want_write = true;
		return true;
	}
	if (e == SSL_ERROR_WANT_READ)
		return true;
	if (c->state == ST_DONE) {
		c->tls_usable = false;	/* a best-effort ERROR line */
		ERR_clear_error();
		return false;
	}
	fail_tls(c, r, "sending");
	return false;
}

/* Split a message into its verb and the rest. */
static bool msg_parse(struct msg *m, const char *line, size_t len)
{
	char *sp;

	memcpy(m->buf, line, len);
	m->buf[len] = '\0';
	m->verb = m->buf;
	m->n = 0;
	sp = strchr(m->buf, ' ');
	m->rest = "";
	if (sp) {
		*sp = '\0';
		m->rest = sp + 1;
	}
	if (!m->verb[0])
		return false;
	for (const char *p = m->verb; *p; p++)
		if (*p < 'A' || *p > 'Z')
			return false;
	return true;
}

/* Split the rest of a message into key value pairs: single spaces, no
 * empty token, no key twice.  Fills why on failure. */
static bool msg_pairs(struct msg *m, char *why, size_t size)
{
	char *p = (char *)m->rest;

	while (*p) {
		char *k = p, *v, *end;

		if (m->n == MSG_MAX_PAIRS) {
			snprintf(why, size, "more than %d fields",
				 MSG_MAX_PAIRS);
			return false;
		}
		v = strchr(k, ' ');
		if (!v || v == k || v[1] == '\0' || v[1] == ' ') {
			snprintf(why, size, "a field without a value");
			return false;
		}
		*v++ = '\0';
		end = strchr(v, ' ');
		if (end) {
			*end = '\0';
			p = end + 1;
			if (*p == '\0' || *p == ' ') {
				snprintf(why, size, "stray spaces");
				return false;
			}
		} else {
			p = v + strlen(v);
		}
		for (unsigned int i = 0; i < m->n; i++) {
			if (!strcmp(m->key[i], k)) {
				snprintf(why, size, "field %.32s twice", k);
				return false;
			}
		}
		m->key[m->n] = k;
		m->val[m->n++] = v;
	}
	return true;
}

/* The value of field key, or NULL. */
static const char *msg_get(const struct msg *m, const char *key)
{
	for (unsigned int i = 0; i < m->n; i++)
		if (!strcmp(m->key[i], key))
			return m->val[i];
	return NULL;
}

/* Export this session's keys for the push's key-id into a KEYS event;
 * the connection is then established.  Returns 0, or -1 if it failed. */
static int report_keys(struct control_conn *c, const struct control_push *p,
		       bool rekey)
{
	unsigned char context = p->key_id;
	uint8_t keymat[TUNNEL_KEYMAT_LEN];
	struct control_event *ev;
	char text[160];

	ERR_clear_error();
	if (SSL_export_keying_material(c->ssl, keymat, sizeof(keymat),
				       CONTROL_KEYMAT_LABEL,
				       strlen(CONTROL_KEYMAT_LABEL), &context,
				       1, 1) != 1) {
		/* Cannot happen after a TLS 1.3 handshake. */
		ERR_clear_error();
		return finish(c, CONTROL_EV_FAILED, -EIO, "internal error",
			      "exporting the keys failed");
	}
	snprintf(text, sizeof(text), "key-id %u of peer-id %u (%s): %d bytes "
		 "exported with label %s", p->key_id, p->peer_id,
		 c->server ? c->peer_name : "this client", TUNNEL_KEYMAT_LEN,
		 CONTROL_KEYMAT_LABEL);
	ev = push_event(c, CONTROL_EV_KEYS, text);
	ev->push = *p;
	ev->rekey = rekey;
	memcpy(ev->keymat, keymat, sizeof(keymat));
	OPENSSL_cleanse(keymat, sizeof(keymat));
	c->state = ST_ESTABLISHED;
	c->deadline = -1;
	return 0;
}

/* Fill a push with a lease and the server's settings. */
static void fill_push(struct control_conn *c, const struct control_lease *l,
		      struct control_push *p)
{
	const struct control_pool_info *in = &c->ctx->cfg.pool->info;

	memset(p, 0, sizeof(*p));
	p->peer_id = l->peer_id;
	p->key_id = l->key_id;
	p->addr = l->addr;
	p->gateway = in->gateway;
	p->prefix = in->prefix;
	p->has_ipv6 = in->has_ipv6;
	p->addr6 = l->addr6;
	p->gateway6 = in->gateway6;
	p->prefix6 = in->prefix6;
	p->mtu = c->ctx->cfg.mtu;
	p->data_port = c->ctx->cfg.data_port;
	p->cipher = l->cipher;
}

/* Refuse the client's request: ERROR to it, FAILED here. */
static int refuse(struct control_conn *c, const char *why)
{
	return finish(c, CONTROL_EV_FAILED, -EPERM, why, "refused %s: %s",
		      c->peer_name, why);
}

/* Server: a HELLO starts a new session with key-id 0. */
static int server_hello(struct control_conn *c, struct msg *m)
{
	const struct control_cfg *cfg = &c->ctx->cfg;
	char why[CONTROL_ERRBUF], a[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	char a6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN], v6[160] = "";
	const char *version, *dev, *cipher;
	struct control_lease *l;
	struct control_push p;
	unsigned long v;
	int ci;

	if (!msg_pairs(m, why, sizeof(why)))
		return refuse(c, why);
	version = msg_get(m, "version");
	dev = msg_get(m, "dev");
	cipher = msg_get(m, "cipher");
	if (!version || !dev || !cipher)
		return refuse(c, "HELLO needs version, dev and cipher");
	if (!parse_uint(version, 0xffff, &v) || v != CONTROL_VERSION) {
		snprintf(why, sizeof(why), "version %.16s is not supported "
			 "(this server speaks version %d)", version,
			 CONTROL_VERSION);
		return refuse(c, why);
	}
	if (strcmp(dev, control_dev_name(cfg->dev))) {
		snprintf(why, sizeof(why), "dev %.16s does not match the "
			 "server's dev %s", dev, control_dev_name(cfg->dev));
		return refuse(c, why);
	}
	ci = cipher_parse(cipher);
	if (ci < 0 || !(cfg->ciphers & (1u << ci))) {
		snprintf(why, sizeof(why), "cipher %.32s is not accepted here",
			 cipher);
		return refuse(c, why);
	}
	if (control_pool_lease(cfg->pool, c->peer_name, &l, why) < 0)
		return refuse(c, why);
	l->keyed = true;
	l->key_id = 0;
	l->cipher = ci;
	fill_push(c, l, &p);
	inet_ntop(AF_INET, &p.addr, a, sizeof(a));
	inet_ntop(AF_INET, &p.gateway, g, sizeof(g));
	if (p.has_ipv6) {
		inet_ntop(AF_INET6, &p.addr6, a6, sizeof(a6));
		inet_ntop(AF_INET6, &p.gateway6, g6, sizeof(g6));
		snprintf(v6, sizeof(v6), " ifconfig6 %s/%u gateway6 %s", a6,
			 p.prefix6, g6);
	}
	send_line(c, "PUSH peer-id %u key-id %u ifconfig %s/%u gateway %s%s "
		  "mtu %u cipher %s data-port %u", p.peer_id, p.key_id, a,
		  p.prefix, g, v6, p.mtu, control_cipher_name(p.cipher),
		  p.data_port);
	return report_keys(c, &p, false);
}

/* Server: a REKEY asks for a new key-id for the client's own peer-id. */
static int server_rekey(struct control_conn *c, struct msg *m)
{
	char why[CONTROL_ERRBUF];
	const char *ps, *ks;
	unsigned long peer, kid;
	struct control_lease *l;
	struct control_push p;
	uint8_t next;

	if (!msg_pairs(m, why, sizeof(why)))
		return refuse(c, why);
	ps = msg_get(m, "peer-id");
	ks = msg_get(m, "key-id");
	if (!ps || !ks || !parse_uint(ps, TL_WIRE_PEER_ID_MAX, &peer) ||
	    !parse_uint(ks, CONTROL_KEY_ID_COUNT - 1, &kid))
		return refuse(c, "REKEY needs peer-id and key-id (0..7)");
	l = control_pool_by_peer(c->ctx->cfg.pool, (uint32_t)peer);
	if (!l || !l->keyed) {
		snprintf(why, sizeof(why), "peer-id %lu has no session: send "
			 "HELLO", peer);
		return refuse(c, why);
	}
	if (strcmp(l->name, c->peer_name)) {
		snprintf(why, sizeof(why), "peer-id %lu is not bound to %s",
			 peer, c->peer_name);
		return refuse(c, why);
	}
	/* The next key-id; or the current one again, when the client never
	 * got our last OK (its keys replace the ones we installed). */
	next = control_next_key_id(l->key_id);
	if (kid == 0 || (kid != next && kid != l->key_id)) {
		snprintf(why, sizeof(why), "key-id %lu is out of sequence "
			 "(expected %u)", kid, next);
		return refuse(c, why);
	}
	l->key_id = (uint8_t)kid;
	fill_push(c, l, &p);
	send_line(c, "OK peer-id %u key-id %u", p.peer_id, p.key_id);
	return report_keys(c, &p, true);
}

/* Protocol error: tell the peer and fail. */
static int protocol_error(struct control_conn *c, const char *why)
{
	return finish(c, CONTROL_EV_FAILED, -EPROTO, why,
		      "protocol error from %s: %s",
	       c->peer_name[0] ? c->peer_name : "peer", why);
}

/* Client: check what the server pushed and take it. */
static int client_push(struct control_conn *c, struct msg *m)
{
	static const char *const need[] = {
		"peer-id", "key-id", "ifconfig", "gateway", "mtu", "cipher",
		"data-port",
	};
	char why[CONTROL_ERRBUF];
	struct control_push p = { 0 };
	unsigned long peer, kid, mtu, port;
	const char *if6, *gw6;

	if (!msg_pairs(m, why, sizeof(why)))
		return protocol_error(c, why);
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!msg_get(m, need[i])) {
			snprintf(why, sizeof(why), "PUSH without %s", need[i]);
			return protocol_error(c, why);
		}
	}
	if (!parse_uint(msg_get(m, "peer-id"), TL_WIRE_PEER_ID_MAX, &peer) ||
	    !parse_uint(msg_get(m, "key-id"), CONTROL_KEY_ID_COUNT - 1, &kid) ||
	    kid != 0)
		return protocol_error(c, "PUSH: bad peer-id or key-id (a new "
				      "session has key-id 0)");
	if (!parse_cidr(AF_INET, msg_get(m, "ifconfig"), &p.addr, 16, 30,
			&p.prefix) ||
	    inet_pton(AF_INET, msg_get(m, "gateway"), &p.gateway) != 1 ||
	    p.gateway.s_addr == p.addr.s_addr ||
	    ((ntohl(p.gateway.s_addr) ^ ntohl(p.addr.s_addr)) >>
	     (32 - p.prefix)))
		return protocol_error(c, "PUSH: bad ifconfig or gateway");
	if6 = msg_get(m, "ifconfig6");
	gw6 = msg_get(m, "gateway6");
	if (if6 || gw6) {
		if (!if6 || !gw6 ||
		    !parse_cidr(AF_INET6, if6, &p.addr6, 64, 124, &p.prefix6) ||
		    inet_pton(AF_INET6, gw6, &p.gateway6) != 1 ||
		    !memcmp(&p.addr6, &p.gateway6, sizeof(p.addr6)))
			return protocol_error(c, "PUSH: bad ifconfig6 or "
					      "gateway6");
		p.has_ipv6 = true;
	}
	if (!parse_uint(msg_get(m, "mtu"), MTU_MAX, &mtu) || mtu < MTU_MIN ||
	    !parse_uint(msg_get(m, "data-port"), 65535, &port) || port == 0)
		return protocol_error(c, "PUSH: bad mtu or data-port");
	if (cipher_parse(msg_get(m, "cipher")) != (int)c->ctx->cfg.cipher)
		return protocol_error(c, "PUSH: not the cipher we asked for");
	p.peer_id = (uint32_t)peer;
	p.key_id = 0;
	p.mtu = (uint16_t)mtu;
	p.data_port = (uint16_t)port;
	p.cipher = c->ctx->cfg.cipher;
	return report_keys(c, &p, false);
}

/* Client: the server accepted our REKEY. */
static int client_ok(struct control_conn *c, struct msg *m)
{
	char why[CONTROL_ERRBUF];
	struct control_push p = { 0 };
	unsigned long peer, kid;
	const char *ps, *ks;

	if (!msg_pairs(m, why, sizeof(why)))
		return protocol_error(c, why);
	ps = msg_get(m, "peer-id");
	ks = msg_get(m, "key-id");
	if (!ps || !ks || !parse_uint(ps, TL_WIRE_PEER_ID_MAX, &peer) ||
	    !parse_uint(ks, CONTROL_KEY_ID_COUNT - 1, &kid) ||
	    peer != c->peer_id || kid != c->key_id)
		return protocol_error(c, "OK does not match our REKEY");
	p.peer_id = c->peer_id;
	p.key_id = c->key_id;
	p.cipher = c->ctx->cfg.cipher;
	return report_keys(c, &p, true);
}

/* Act on one whole message (printable ASCII, no newline). */
static int handle_line(struct control_conn *c, const char *line, size_t len)
{
	struct msg m;

	push_event(c, CONTROL_EV_MESSAGE, line);
	if (!msg_parse(&m, line, len))
		return protocol_error(c, "a message starts with an upper-case "
				      "verb");
	if (!strcmp(m.verb, "ERROR"))
		return finish(c, CONTROL_EV_FAILED, -EREMOTEIO, NULL,
			      "%s refused: %s",
			      c->server ? "the client" : "the server",
			      m.rest[0] ? m.rest : "no reason given");
	if (!strcmp(m.verb, "BYE") && c->state == ST_ESTABLISHED)
		return finish(c, CONTROL_EV_CLOSED, 0, NULL,
			      "the peer said BYE%s%s",
			      m.rest[0] ? ": " : "", m.rest);
	if (!strcmp(m.verb, "BYE"))
		return finish(c, CONTROL_EV_FAILED, -ECONNRESET, NULL,
			      "the peer said BYE "
			      "before the keys were agreed%s%s",
			      m.rest[0] ? ": " : "", m.rest);
	if (c->state == ST_ESTABLISHED)
		return protocol_error(c, "unexpected message after the keys "
				      "were agreed");
	if (c->server && !strcmp(m.verb, "HELLO"))
		return server_hello(c, &m);
	if (c->server && !strcmp(m.verb, "REKEY"))
		return server_rekey(c, &m);
	if (c->server)
		return protocol_error(c, "expected HELLO or REKEY");
	if (!c->rekey && !strcmp(m.verb, "PUSH"))
		return client_push(c, &m);
	if (c->rekey && !strcmp(m.verb, "OK"))
		return client_ok(c, &m);
	return protocol_error(c, c->rekey ? "expected OK" : "expected PUSH");
}

/* Take every whole message out of the input buffer. */
static void handle_input(struct control_conn *c)
{
	while (c->state != ST_DONE) {
		char *nl = memchr(c->in, '\n', c->in_len);
		size_t len;

		if (!nl)
			break;
		len = (size_t)(nl - c->in);
		for (size_t i = 0; i < len; i++) {
			if (c->in[i] < 0x20 || c->in[i] > 0x7e) {
				protocol_error(c, "a message holds a byte "
					       "that is not printable ASCII");
				return;
			}
		}
		*nl = '\0';
		handle_line(c, c->in, len);
		c->in_len -= len + 1;
		memmove(c->in, nl + 1, c->in_len);
	}
	if (c->state != ST_DONE && c->in_len == sizeof(c->in))
		protocol_error(c, "message too long (no newline within 512 "
			       "bytes)");
}

/* Read what TLS has for us; false when it would block or we are done. */
static bool read_some(struct control_conn *c)
{
	int r, e;

	ERR_clear_error();
	r = SSL_read(c->ssl, c->in + c->in_len, (int)(sizeof(c->in) -
						       c->in_len));
	if (r > 0) {
		c->in_len += (size_t)r;
		handle_input(c);
		return c->state != ST_DONE;
	}
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return false;
	if (e == SSL_ERROR_WANT_WRITE) {
		c->want_write = true;
		return false;
	}
	if (e == SSL_ERROR_ZERO_RETURN) {
		/* close_notify: answer it and stop. */
		if (c->state == ST_ESTABLISHED)
			finish(c, CONTROL_EV_CLOSED, 0, NULL,
			       "the peer closed the connection");
		else
			finish(c, CONTROL_EV_FAILED, -ECONNRESET, NULL,
			       "the peer closed the connection before the "
			       "keys were agreed");
		return false;
	}
	fail_tls(c, r, c->state == ST_ESTABLISHED ? "control channel" :
		 "TLS handshake failed");
	return false;
}

/* The TLS handshake just finished: check the peer, say HELLO or REKEY. */
static int handshake_done(struct control_conn *c)
{
	X509 *peer = SSL_get0_peer_certificate(c->ssl);
	char text[CONTROL_TEXT_MAX / 2], perr[PKI_ERRBUF];
	const char *group;

	if (!peer || SSL_get_verify_result(c->ssl) != X509_V_OK) {
		c->tls_usable = false;
		return finish(c, CONTROL_EV_FAILED, -EACCES, NULL,
			      "TLS handshake failed: the peer has no valid "
			      "certificate");
	}
	if (!c->peer_name[0] && pki_cert_name(peer, c->peer_name,
					      sizeof(c->peer_name), perr) < 0)
		return finish(c, CONTROL_EV_FAILED, -EACCES, NULL,
			      "peer certificate refused: %s", perr);
	c->tls_usable = true;
	c->authenticated = true;
	group = SSL_group_to_name(c->ssl, SSL_get_negotiated_group(c->ssl));
	snprintf(text, sizeof(text), "%s %s, key exchange %s, peer %s "
		 "verified by the lab CA", SSL_get_version(c->ssl),
		 SSL_get_cipher_name(c->ssl), group ? group : "?",
		 c->peer_name);
	push_event(c, CONTROL_EV_HANDSHAKE, text);
	c->state = ST_REQUEST;
	if (c->server)
		return 0;
	if (c->rekey)
		send_line(c, "REKEY peer-id %u key-id %u", c->peer_id,
			  c->key_id);
	else
		send_line(c, "HELLO version %d dev %s cipher %s",
			  CONTROL_VERSION, control_dev_name(c->ctx->cfg.dev),
			  control_cipher_name(c->ctx->cfg.cipher));
	return 0;
}

unsigned int control_io(struct control_conn *c)
{
	unsigned int want;
	int r, e;

	if (c->state == ST_DONE)
		return 0;
	c->want_write = false;
	if (c->deadline >= 0 && now_ms() >= c->deadline) {
		finish(c, CONTROL_EV_FAILED, -ETIMEDOUT,
		       c->state == ST_REQUEST && c->server ?
		       "timed out" : NULL, "%s timed out after %d ms",
		       c->state == ST_HANDSHAKE ? "TLS handshake" :
		       c->server ? "waiting for HELLO or REKEY" :
		       "waiting for the server's answer", c->ctx->timeout_ms);
		return 0;
	}
	if (c->state == ST_HANDSHAKE) {
		ERR_clear_error();
		r = SSL_do_handshake(c->ssl);
		if (r != 1) {
			e = SSL_get_error(c->ssl, r);
			if (e == SSL_ERROR_WANT_READ)
				return CONTROL_WANT_READ;
			if (e == SSL_ERROR_WANT_WRITE)
				return CONTROL_WANT_WRITE;
			fail_tls(c, r, "TLS handshake failed");
			return 0;
		}
		handshake_done(c);
	}
	while (c->state != ST_DONE) {
		if (!flush(c) || c->state == ST_DONE)
			break;
		if (!read_some(c))
			break;
	}
	if (c->state == ST_DONE)
		return 0;
	/* Something queued by what we just read goes out now. */
	if (!flush(c) || c->state == ST_DONE)
		return 0;
	want = CONTROL_WANT_READ;
	if (c->want_write)
		want |= CONTROL_WANT_WRITE;
	return want;
}

/* Set up a connection of either role on fd. */
static int conn_new(struct control_conn **out, struct control_ctx *ctx,
		    int fd, bool server, char *err)
{
	struct control_conn *c;
	BIO *bio;

	*out = NULL;
	if (ctx->cfg.server != server) {
		close(fd);
		return fail(err, -EINVAL, "a %s connection needs a %s context",
			    server ? "server" : "client",
			    server ? "server" : "client");
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return fail(err, -ENOMEM, "out of memory");
	}
	c->ctx = ctx;
	c->fd = fd;
	c->server = server;
	c->state = ST_HANDSHAKE;
	c->deadline = now_ms() + ctx->timeout_ms;
	c->ssl = SSL_new(ctx->ssl_ctx);
	bio = BIO_new(ctx->bio_meth);
	if (!c->ssl || !bio) {
		BIO_free(bio);
		ERR_clear_error();
		control_conn_free(c);
		return fail(err, -ENOMEM, "TLS setup: out of memory");
	}
	BIO_set_data(bio, c);
	BIO_set_init(bio, 1);
	SSL_set_bio(c->ssl, bio, bio);
	SSL_set_app_data(c->ssl, c);
	if (server) {
		SSL_set_accept_state(c->ssl);
	} else {
		/* Check the server's name and send it (SNI). */
		SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(c->ssl, ctx->server_name) != 1 ||
		    SSL_set_tlsext_host_name(c->ssl, ctx->server_name) != 1) {
			ERR_clear_error();
			control_conn_free(c);
			return fail(err, -EINVAL, "TLS setup failed");
		}
		SSL_set_connect_state(c->ssl);
	}
	*out = c;
	return 0;
}

int control_client_new(struct control_conn **conn, struct control_ctx *ctx,
		       int fd, char *err)
{
	return conn_new(conn, ctx, fd, false, err);
}

int control_client_rekey(struct control_conn **conn, struct control_ctx *ctx,
			 int fd, uint32_t peer_id, uint8_t key_id, char *err)
{
	int rc;

	if (peer_id > TL_WIRE_PEER_ID_MAX || key_id == 0 ||
	    key_id >= CONTROL_KEY_ID_COUNT) {
		close(fd);
		return fail(err, -EINVAL, "rekey: bad peer-id %u or key-id %u "
			    "(1..7)", peer_id, key_id);
	}
	rc = conn_new(conn, ctx, fd, false, err);
	if (rc)
		return rc;
	(*conn)->rekey = true;
	(*conn)->peer_id = peer_id;
	(*conn)->key_id = key_id;
	return 0;
}

int control_server_new(struct control_conn **conn, struct control_ctx *ctx,
		       int fd, char *err)
{
	return conn_new(conn, ctx, fd, true, err);
}

int64_t control_deadline(const struct control_conn *c)
{
	return c->state == ST_DONE ? -1 : c->deadline;
}

const char *control_peer_name(const struct control_conn *c)
{
	return c->authenticated ? c->peer_name : "";
}

int control_fd(const struct control_conn *c)
{
	return c->fd;
}

void control_close(struct control_conn *c, const char *reason)
{
	char r[CONTROL_MSG_MAX / 2];

	if (c->state == ST_DONE)
		return;
	snprintf(r, sizeof(r), "%s", reason && reason[0] ? reason : "closing");
	c->state = ST_DONE;
	c->deadline = -1;
	if (!c->tls_usable)
		return;
	send_line(c, "BYE %s", r);
	flush(c);
	if (c->tls_usable) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
}

void control_conn_free(struct control_conn *c)
{
	if (!c)
		return;
	SSL_free(c->ssl);	/* frees the BIO too */
	if (c->fd >= 0) {
		char junk[4096];
		int bounded = 16;

		/* Closing with unread bytes makes the kernel send a reset,
		 * and a reset makes the peer throw away the alert we sent
		 * just before (why its certificate was refused): read what
		 * is there first, so the close is an orderly FIN. */
		shutdown(c->fd, SHUT_WR);
		while (bounded-- > 0 &&
		       recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
		close(c->fd);
	}
	OPENSSL_cleanse(c, sizeof(*c));
	free(c);
}

int control_listen(const struct sockaddr *sa, socklen_t len, char *err)
{
	int fd, one = 1, rc;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return fail(err, -errno, "control socket: %s", strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, sa, len) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
		rc = -errno;
		close(fd);
		return fail(err, rc, "control port: %s", strerror(-rc));
	}
	return fd;
}

int control_accept(int listen_fd, char *err)
{
	int fd, one = 1;

	fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return -EAGAIN;
		return fail(err, -errno, "accept: %s", strerror(errno));
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int control_connect(const struct sockaddr *sa, socklen_t len, char *err)
{
	int fd, one = 1, rc;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return fail(err, -errno, "control socket: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, sa, len) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		close(fd);
		return fail(err, rc, "connect: %s", strerror(-rc));
	}
	return fd;
}
