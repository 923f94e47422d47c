// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab app send: a traffic generator.  The client sends --count messages
 * of --size bytes at --rate per second over UDP (or TCP with --tcp), each
 * with a distinct payload so the tracer can tell them apart; the server
 * counts what arrives.  Both publish a probe event per message.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app-common.h"

#define SEND_MAX 65507
#define MIN_SIZE 24		/* room for the run id and sequence number */

/* A distinct payload for message seq of this run. */
static void fill(uint8_t *buf, size_t size, unsigned long seq)
{
	int n = snprintf((char *)buf, size, "tunlab send %d seq %lu ",
			 (int)getpid(), seq);

	for (size_t i = n > 0 ? (size_t)n : 0; i < size; i++)
		buf[i] = (uint8_t)('A' + (seq + i) % 26);
}

/* Sleep until the monotonic time t_ns (or a stop signal). */
static void sleep_until(uint64_t t_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(t_ns / 1000000000u),
		.tv_nsec = (long)(t_ns % 1000000000u),
	};

	while (!app_stop &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int send_client(struct app *a, const struct app_cfg *cfg,
		       uint8_t *buf, char *err)
{
	int type = cfg->tcp ? SOCK_STREAM : SOCK_DGRAM;
	size_t size = cfg->size < MIN_SIZE ? MIN_SIZE : cfg->size;
	unsigned long count = cfg->count ? cfg->count : 10, sent = 0;
	uint64_t start = tl_now_ns(), last_report = start;
	char who[64];
	int fd, rc;

	if (size > SEND_MAX)
		size = SEND_MAX;
	rc = addr_resolve(cfg->addr, cfg->port, type, false, &a->peer,
			 &a->peer_len, err, APP_ERRBUF);
	if (rc < 0)
		return rc;
	addr_fmt(&a->peer, who, sizeof(who));
	fd = socket(a->peer.ss_family, type | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, APP_ERRBUF, "socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&a->peer, a->peer_len) < 0) {
		rc = -errno;
		snprintf(err, APP_ERRBUF, "connect to %s: %s", who,
			 strerror(-rc));
		app_probe_noroute(a, rc, "connect", &a->peer);
		rc = 1;
		goto out_close;
	}
	for (unsigned long seq = 1; seq <= count && !app_stop; seq++) {
		uint64_t now;

		if (cfg->rate > 0)
			sleep_until(start + (uint64_t)((double)(seq - 1) *
						       1e9 / cfg->rate));
		fill(buf, size, seq);
		now = tl_now_ns();
		if (send(fd, buf, size, MSG_NOSIGNAL) != (ssize_t)size) {
			/* UDP to a closed port: the ICMP error surfaces on a
			 * later send; count it and go on. */
			if (errno == ECONNREFUSED && !cfg->tcp)
				continue;
			rc = -errno;
			snprintf(err, APP_ERRBUF, "send to %s: %s", who,
				 strerror(-rc));
			app_probe_noroute(a, rc, "send", &a->peer);
			rc = 1;
			goto out_close;
		}
		app_probe(a, true, "send", &a->peer, buf, size, now);
		sent++;
		now = tl_now_ns();
		if (!cfg->quiet && now - last_report >= 1000000000u) {
			fprintf(stderr, "\rsent %lu of %lu", sent, count);
			last_report = now;
		}
	}
	if (!cfg->quiet)
		printf("%ssent %lu messages of %zu bytes to %s in %.3f s\n",
		       last_report != start ? "\n" : "", sent, size, who,
		       (double)(tl_now_ns() - start) / 1e9);
	rc = sent == count ? 0 : 1;
	if (rc)
		snprintf(err, APP_ERRBUF, "sent %lu of %lu", sent, count);
out_close:
	close(fd);
	return rc;
}

/* Count UDP datagrams or TCP bytes until stopped or count messages. */
static int send_server(struct app *a, const struct app_cfg *cfg,
		       uint8_t *buf, char *err)
{
	int type = cfg->tcp ? SOCK_STREAM : SOCK_DGRAM;
	struct sockaddr_storage local, from;
	unsigned long msgs = 0;
	unsigned long long bytes = 0;
	socklen_t len, flen;
	int lfd, fd = -1, rc, one = 1;
	char who[64];

	rc = addr_resolve(cfg->addr, cfg->port, type, true, &local, &len, err,
			  APP_ERRBUF);
	if (rc < 0)
		return rc;
	lfd = socket(local.ss_family, type | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		snprintf(err, APP_ERRBUF, "socket: %s", strerror(errno));
		return -errno;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr_fmt(&local, who, sizeof(who));
	if (bind(lfd, (struct sockaddr *)&local, len) < 0 ||
	    (cfg->tcp && listen(lfd, 1) < 0)) {
		rc = -errno;
		snprintf(err, APP_ERRBUF, "bind %s: %s", who, strerror(errno));
		goto out_close;
	}
	if (!cfg->quiet) {
		printf("counting on %s %s\n", cfg->tcp ? "tcp" : "udp", who);
		fflush(stdout);
	}
	fd = lfd;
	while (!app_stop && (!cfg->count || msgs < cfg->count)) {
		ssize_t n;

		if (cfg->tcp && fd == lfd) {
			flen = sizeof(from);
			fd = accept4(lfd, (struct sockaddr *)&from, &flen,
				     SOCK_CLOEXEC);
			if (fd < 0)
				fd = lfd;
			continue;
		}
		flen = sizeof(from);
		n = recvfrom(fd, buf, SEND_MAX, 0, (struct sockaddr *)&from,
			     &flen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (cfg->tcp && fd != lfd) {
				close(fd);	/* the sender finished */
				fd = lfd;
				continue;
			}
			rc = -errno;
			snprintf(err, APP_ERRBUF, "recv: %s", strerror(errno));
			goto out_close;
		}
		if (cfg->tcp)
			flen = 0;
		app_probe(a, false, "recv", flen ? &from : NULL, buf,
			  (size_t)n, 0);
		msgs++;
		bytes += (unsigned long long)n;
	}
	if (!cfg->quiet)
		printf("received %lu %s, %llu bytes\n", msgs,
		       cfg->tcp ? "reads" : "datagrams", bytes);
	rc = 0;
out_close:
	if (fd >= 0 && fd != lfd)
		close(fd);
	close(lfd);
	return rc;
}

int app_send(const struct app_cfg *cfg, char *err)
{
	struct app a;
	uint8_t *buf;
	int rc;

	rc = app_begin(&a, "send", err);
	if (rc < 0)
		return rc;
	buf = malloc(SEND_MAX);
	if (!buf) {
		snprintf(err, APP_ERRBUF, "out of memory");
		app_end(&a);
		return -ENOMEM;
	}
	rc = cfg->server ? send_server(&a, cfg, buf, err)
			 : send_client(&a, cfg, buf, err);
	app_probe_report(&a);
	free(buf);
	app_end(&a);
	return rc;
}
