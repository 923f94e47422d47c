// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab app chat: a telnet-like line chat over TCP, the seed's example.
 * The client sends each line typed (or --message) and prints what comes
 * back; the server prints each line with who sent it, sends back lines
 * typed on its own terminal, and with --echo returns every line it gets.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app-common.h"

#define LINE_MAX_LEN 4096
#define MAX_CLIENTS 16

struct conn {
	int fd;
	struct sockaddr_storage peer;
	char buf[LINE_MAX_LEN];	/* an incomplete line */
	size_t used;
};

/* Write all of buf, publishing one step-1 event for the whole write. */
static int send_line(struct app *a, int fd, const struct sockaddr_storage *to,
		     const char *buf, size_t len)
{
	uint64_t t0 = tl_now_ns();	/* step 1: the moment it is handed over */
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	app_probe(a, true, "write", to, buf, len, t0);
	return 0;
}

/* Read what arrived on c; handle_line runs for each whole line.  Returns
 * bytes read, 0 at end of stream, or a negative errno. */
static ssize_t read_lines(struct app *a, struct conn *c,
			  void (*handle_line)(struct app *, struct conn *,
					      const char *, size_t, void *),
			  void *ctx)
{
	char chunk[LINE_MAX_LEN];
	ssize_t n = read(c->fd, chunk, sizeof(chunk));

	if (n <= 0)
		return n < 0 ? -errno : 0;
	app_probe(a, false, "read", &c->peer, chunk, (size_t)n, 0);
	for (ssize_t i = 0; i < n; i++) {
		if (c->used < sizeof(c->buf))
			c->buf[c->used++] = chunk[i];
		if (chunk[i] == '\n' || c->used == sizeof(c->buf)) {
			handle_line(a, c, c->buf, c->used, ctx);
			c->used = 0;
		}
	}
	return n;
}

struct server {
	const struct app_cfg *cfg;
	unsigned long lines;
};

/* A line at the server: show it, and send it back with --echo. */
static void server_line(struct app *a, struct conn *c, const char *line,
			size_t len, void *ctx)
{
	struct server *s = ctx;
	char who[64];

	addr_fmt(&c->peer, who, sizeof(who));
	if (!s->cfg->quiet) {
		printf("[%s] %.*s", who, (int)len, line);
		if (line[len - 1] != '\n')
			putchar('\n');
		fflush(stdout);
	}
	if (s->cfg->echo)
		send_line(a, c->fd, &c->peer, line, len);
	s->lines++;
}

/* Accept a client into the first free slot. */
static void accept_client(int lfd, struct conn *conns, const struct app_cfg *cfg)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	char who[64];
	int fd = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		if (conns[i].fd >= 0)
			continue;
		conns[i].fd = fd;
		conns[i].peer = peer;
		conns[i].used = 0;
		if (!cfg->quiet) {
			addr_fmt(&peer, who, sizeof(who));
			printf("%s joined\n", who);
			fflush(stdout);
		}
		return;
	}
	close(fd);		/* full: the client sees the connection close */
}

/* Send a line typed at the server to every client. */
static void broadcast(struct app *a, struct conn *conns, const char *line,
		      size_t len)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (conns[i].fd >= 0)
			send_line(a, conns[i].fd, &conns[i].peer, line, len);
}

static int chat_server(struct app *a, const struct app_cfg *cfg, char *err)
{
	struct pollfd pfd[MAX_CLIENTS + 2];
	struct conn *conns = calloc(MAX_CLIENTS, sizeof(*conns));
	struct server s = { .cfg = cfg };
	struct sockaddr_storage local;
	int lfd, rc, one = 1;
	bool use_stdin = true;
	socklen_t len;
	char who[64];

	if (!conns) {
		snprintf(err, APP_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		conns[i].fd = -1;
	rc = addr_resolve(cfg->addr, cfg->port, SOCK_STREAM, true, &local, &len,
			 err, APP_ERRBUF);
	if (rc < 0)
		goto out_free;
	lfd = socket(local.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		rc = -errno;
		snprintf(err, APP_ERRBUF, "socket: %s", strerror(errno));
		goto out_free;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	addr_fmt(&local, who, sizeof(who));
	if (bind(lfd, (struct sockaddr *)&local, len) < 0 ||
	    listen(lfd, 8) < 0) {
		rc = -errno;
		snprintf(err, APP_ERRBUF, "listen on %s: %s", who,
			 strerror(errno));
		goto out_close;
	}
	if (!cfg->quiet) {
		printf("chat server on tcp %s\n", who);
		fflush(stdout);
	}
	while (!app_stop && (!cfg->count || s.lines < cfg->count)) {
		int n = 0;

		pfd[n++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = use_stdin ? 0 : -1,
					    .events = POLLIN };
		for (int i = 0; i < MAX_CLIENTS; i++)
			pfd[n++] = (struct pollfd){ .fd = conns[i].fd,
						    .events = POLLIN };
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN)
			accept_client(lfd, conns, cfg);
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			char line[LINE_MAX_LEN];

			if (fgets(line, sizeof(line), stdin))
				broadcast(a, conns, line, strlen(line));
			else
				use_stdin = false;
		}
		for (int i = 0; i < MAX_CLIENTS; i++) {
			if (!(pfd[2 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (read_lines(a, &conns[i], server_line, &s) <= 0) {
				if (!cfg->quiet) {
					addr_fmt(&conns[i].peer, who,
						     sizeof(who));
					printf("%s left\n", who);
					fflush(stdout);
				}
				close(conns[i].fd);
				conns[i].fd = -1;
			}
		}
	}
	rc = 0;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
out_close:
	close(lfd);
out_free:
	free(conns);
	return rc;
}

struct client {
	unsigned long replies;
};

/* A line from the server: print it. */
static void client_line(struct app *a, struct conn *c, const char *line,
			size_t len, void *ctx)
{
	struct client *cl = ctx;

	(void)a;
	(void)c;
	printf("%.*s", (int)len, line);
	if (line[len - 1] != '\n')
		putchar('\n');
	fflush(stdout);
	cl->replies++;
}

/* Connect with a bounded wait, so an unreachable server fails clearly.
 * Returns 0 with *fdp set, 1 if the server could not be reached, or a
 * negative errno. */
static int connect_bounded(struct app *a, const struct app_cfg *cfg,
			   int *fdp, char *err)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	char who[64];
	int fd, soerr = 0;

	addr_fmt(&a->peer, who, sizeof(who));
	fd = socket(a->peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, APP_ERRBUF, "socket: %s", strerror(errno));
		return -errno;
	}
	if (connect(fd, (struct sockaddr *)&a->peer, a->peer_len) < 0 &&
	    errno != EINPROGRESS) {
		soerr = errno;
	} else {
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, (int)cfg->timeout_ms) <= 0)
			soerr = ETIMEDOUT;
		else
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &elen);
	}
	if (soerr) {
		snprintf(err, APP_ERRBUF, "connect to %s: %s", who,
			 strerror(soerr));
		app_probe_noroute(a, -soerr, "connect", &a->peer);
		close(fd);
		return 1;
	}
	/* Blocking again from here: writes are small lines. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*fdp = fd;
	return 0;
}

static int chat_client(struct app *a, const struct app_cfg *cfg, char *err)
{
	struct conn c = { .fd = -1 };
	struct client cl = { 0 };
	bool reading_stdin = !cfg->message;
	uint64_t deadline = 0;
	int rc;

	rc = addr_resolve(cfg->addr, cfg->port, SOCK_STREAM, false, &a->peer,
			 &a->peer_len, err, APP_ERRBUF);
	if (rc < 0)
		return rc;
	rc = connect_bounded(a, cfg, &c.fd, err);
	if (rc != 0)
		return rc;
	c.peer = a->peer;
	if (cfg->message) {
		char line[LINE_MAX_LEN];

		snprintf(line, sizeof(line), "%s\n", cfg->message);
		rc = send_line(a, c.fd, &c.peer, line, strlen(line));
		if (rc < 0) {
			snprintf(err, APP_ERRBUF, "write: %s", strerror(-rc));
			goto out_close;
		}
		/* Give the server a moment to answer, then hang up. */
		deadline = app_now_ms() + cfg->timeout_ms;
		shutdown(c.fd, SHUT_WR);
	}
	while (!app_stop) {
		struct pollfd pfd[2] = {
			{ .fd = c.fd, .events = POLLIN },
			{ .fd = reading_stdin ? 0 : -1, .events = POLLIN },
		};
		int wait = -1;

		if (deadline) {
			uint64_t now = app_now_ms();

			if (now >= deadline)
				break;
			wait = (int)(deadline - now);
		}
		if (poll(pfd, 2, wait) <= 0)
			continue;
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (read_lines(a, &c, client_line, &cl) <= 0)
				break;
			if (cfg->message && cfg->count && cl.replies >= cfg->count)
				break;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			char line[LINE_MAX_LEN];

			if (fgets(line, sizeof(line), stdin)) {
				send_line(a, c.fd, &c.peer, line, strlen(line));
			} else {
				reading_stdin = false;
				shutdown(c.fd, SHUT_WR);
			}
		}
	}
	rc = 0;
	if (cfg->message && cfg->count && cl.replies < cfg->count) {
		snprintf(err, APP_ERRBUF, "%lu of %lu replies came back",
			 cl.replies, cfg->count);
		rc = 1;
	}
out_close:
	close(c.fd);
	return rc;
}

int app_chat(const struct app_cfg *cfg, char *err)
{
	struct app a;
	int rc;

	rc = app_begin(&a, "chat", err);
	if (rc < 0)
		return rc;
	rc = cfg->server ? chat_server(&a, cfg, err)
			 : chat_client(&a, cfg, err);
	app_probe_report(&a);
	app_end(&a);
	return rc;
}
