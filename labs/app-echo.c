// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab app echo: UDP echo.  The client sends a datagram and waits for it
 * to come back; the server sends every datagram back to where it came from.
 * One datagram each way is the simplest packet to follow through the
 * seven steps.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app-common.h"

#define ECHO_MAX 65507		/* the largest UDP payload over IPv4 */

/* Open a UDP socket for the address family of ss. */
static int udp_socket(const struct sockaddr_storage *ss, char *err)
{
	int fd = socket(ss->ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		snprintf(err, APP_ERRBUF, "socket: %s", strerror(errno));
	return fd < 0 ? -errno : fd;
}

/* The server: send back what arrives, until stopped or count reached. */
static int echo_server(struct app *a, const struct app_cfg *cfg,
		       uint8_t *buf, char *err)
{
	struct sockaddr_storage local, from;
	socklen_t len, from_len;
	unsigned long served = 0;
	char who[64];
	int fd, rc;

	rc = addr_resolve(cfg->addr, cfg->port, SOCK_DGRAM, true, &local, &len,
			 err, APP_ERRBUF);
	if (rc < 0)
		return rc;
	fd = udp_socket(&local, err);
	if (fd < 0)
		return fd;
	if (bind(fd, (struct sockaddr *)&local, len) < 0) {
		rc = -errno;
		addr_fmt(&local, who, sizeof(who));
		snprintf(err, APP_ERRBUF, "bind %s: %s", who, strerror(errno));
		goto out_close;
	}
	if (!cfg->quiet) {
		addr_fmt(&local, who, sizeof(who));
		printf("echo server on udp %s\n", who);
		fflush(stdout);
	}
	while (!app_stop && (!cfg->count || served < cfg->count)) {
		uint64_t t0;
		ssize_t n;

		from_len = sizeof(from);
		n = recvfrom(fd, buf, ECHO_MAX, 0, (struct sockaddr *)&from,
			     &from_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			snprintf(err, APP_ERRBUF, "recvfrom: %s",
				 strerror(errno));
			goto out_close;
		}
		app_probe(a, false, "recvfrom", &from, buf, (size_t)n, 0);
		t0 = tl_now_ns();
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
			   from_len) == n)
			app_probe(a, true, "sendto", &from, buf, (size_t)n, t0);
		served++;
		if (!cfg->quiet) {
			addr_fmt(&from, who, sizeof(who));
			printf("echoed %zd bytes to %s\n", n, who);
			fflush(stdout);
		}
	}
	rc = 0;
out_close:
	close(fd);
	return rc;
}

/* Fill the payload: the message, or a numbered pattern of size bytes. */
static size_t make_payload(const struct app_cfg *cfg, unsigned long seq,
			   uint8_t *buf)
{
	size_t n;

	if (cfg->message) {
		n = strlen(cfg->message);
		if (n > ECHO_MAX)
			n = ECHO_MAX;
		memcpy(buf, cfg->message, n);
		return n;
	}
	n = cfg->size ? cfg->size : 32;
	if (n > ECHO_MAX)
		n = ECHO_MAX;
	/* Distinct per run and message, so every digest is distinct too. */
	snprintf((char *)buf, n, "tunlab echo %d seq %lu ", (int)getpid(), seq);
	for (size_t i = strlen((char *)buf); i < n; i++)
		buf[i] = (uint8_t)('a' + i % 26);
	return n;
}

/* Wait for the datagram to come back; 1 if it did, 0 on timeout. */
static int await_reply(struct app *a, int fd, const struct app_cfg *cfg,
		       uint8_t *buf, const uint8_t *sent, size_t len)
{
	uint64_t deadline = app_now_ms() + cfg->timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (!app_stop) {
		uint64_t now = app_now_ms();
		ssize_t n;

		if (now >= deadline)
			return 0;
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		n = recv(fd, buf, ECHO_MAX, 0);
		if (n < 0) {
			/* ICMP port unreachable comes back as ECONNREFUSED. */
			if (errno == ECONNREFUSED)
				return -ECONNREFUSED;
			continue;
		}
		app_probe(a, false, "recv", &a->peer, buf, (size_t)n, 0);
		if ((size_t)n == len && memcmp(buf, sent, len) == 0)
			return 1;
	}
	return 0;
}

/* The client: send count datagrams, one at a time, each awaiting its echo. */
static int echo_client(struct app *a, const struct app_cfg *cfg,
		       uint8_t *buf, char *err)
{
	unsigned long count = cfg->count ? cfg->count : 1, got = 0;
	uint8_t *sent = buf + ECHO_MAX;
	char who[64];
	int fd, rc;

	rc = addr_resolve(cfg->addr, cfg->port, SOCK_DGRAM, false, &a->peer,
			 &a->peer_len, err, APP_ERRBUF);
	if (rc < 0)
		return rc;
	fd = udp_socket(&a->peer, err);
	if (fd < 0)
		return fd;
	/* Connected: the kernel then filters replies from other addresses
	 * and reports ICMP errors, as ping-like tools expect. */
	if (connect(fd, (struct sockaddr *)&a->peer, a->peer_len) < 0) {
		rc = -errno;
		snprintf(err, APP_ERRBUF, "connect: %s", strerror(errno));
		app_probe_noroute(a, rc, "connect", &a->peer);
		goto out_close;
	}
	addr_fmt(&a->peer, who, sizeof(who));
	for (unsigned long seq = 1; seq <= count && !app_stop; seq++) {
		size_t len = make_payload(cfg, seq, sent);
		uint64_t t0 = tl_now_ns();

		if (send(fd, sent, len, 0) != (ssize_t)len) {
			rc = -errno;
			snprintf(err, APP_ERRBUF, "send to %s: %s", who,
				 strerror(errno));
			app_probe_noroute(a, rc, "send", &a->peer);
			goto out_close;
		}
		app_probe(a, true, "send", &a->peer, sent, len, t0);
		rc = await_reply(a, fd, cfg, buf, sent, len);
		if (rc == 1) {
			got++;
			if (!cfg->quiet)
				printf("%zu bytes from %s: seq=%lu time=%.3f ms\n",
				       len, who, seq,
				       (double)(tl_now_ns() - t0) / 1e6);
		} else if (!cfg->quiet) {
			printf("no reply from %s for seq=%lu%s\n", who, seq,
			       rc == -ECONNREFUSED ? " (port unreachable)" : "");
		}
		fflush(stdout);
	}
	if (!cfg->quiet)
		printf("%lu sent, %lu echoed\n", count, got);
	rc = got == count ? 0 : 1;
	if (rc)
		snprintf(err, APP_ERRBUF, "%lu of %lu datagrams came back from %s",
			 got, count, who);
out_close:
	close(fd);
	return rc;
}

int app_echo(const struct app_cfg *cfg, char *err)
{
	struct app a;
	uint8_t *buf;
	int rc;

	rc = app_begin(&a, "echo", err);
	if (rc < 0)
		return rc;
	buf = malloc(2 * ECHO_MAX);
	if (!buf) {
		snprintf(err, APP_ERRBUF, "out of memory");
		app_end(&a);
		return -ENOMEM;
	}
	rc = cfg->server ? echo_server(&a, cfg, buf, err)
			 : echo_client(&a, cfg, buf, err);
	app_probe_report(&a);
	free(buf);
	app_end(&a);
	return rc;
}
