// SPDX-License-Identifier: GPL-2.0-only
/* The tracer's probe source: see probesrc.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "netns.h"
#include "probesrc.h"

#define READ_MAX 64		/* datagrams in one call */

/* Raise the datagram queue of the current namespace (best effort: the
 * socket still works with the default, it just drops more). */
static void raise_qlen(void)
{
	int fd = open("/proc/sys/net/unix/max_dgram_qlen", O_WRONLY | O_CLOEXEC);
	char v[16];

	if (fd < 0)
		return;
	snprintf(v, sizeof(v), "%d\n", PROBESRC_QLEN);
	(void)!write(fd, v, strlen(v));
	close(fd);
}

int probesrc_open(struct probesrc *s, const char *path, const char *ns,
		  char *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char nerr[NETNS_ERRBUF];
	int home = -1, rc = 0, buf = 8 << 20;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, PROBESRC_ERRBUF, "probe socket path too long: %s",
			 path);
		return -ENAMETOOLONG;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (ns && netns_enter(ns, &home, nerr)) {
		snprintf(err, PROBESRC_ERRBUF, "%s", nerr);
		return -EIO;
	}
	raise_qlen();
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		rc = -errno;
	netns_leave(home);
	if (rc) {
		snprintf(err, PROBESRC_ERRBUF, "probe socket: %s", strerror(-rc));
		return rc;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	unlink(path);
	if (bind(s->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    chmod(path, 0666) < 0) {
		rc = -errno;
		snprintf(err, PROBESRC_ERRBUF, "binding %s: %s", path,
			 strerror(errno));
		close(s->fd);
		s->fd = -1;
		return rc;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	return 0;
}

/* One record at buf (len bytes left): handed on, its length returned; 0 if
 * malformed (the rest of the datagram is then dropped, counted once). */
static size_t one_record(struct probesrc *s, const uint8_t *buf, size_t len,
			 probesrc_fn fn, void *ctx)
{
	struct tl_probe p;

	/* Checked whole before use: anyone may write to the socket. */
	if (len < sizeof(p))
		return 0;
	memcpy(&p, buf, sizeof(p));
	if (p.magic != TL_PROBE_MAGIC || p.version != TL_PROBE_VERSION ||
	    p.hdr_len != sizeof(p) || p.caplen > TL_PROBE_SNAP ||
	    len < sizeof(p) + p.caplen || p.step >= TL_STEP_COUNT ||
	    p.source >= TL_SRC_COUNT || p.link >= TL_LINK_COUNT)
		return 0;
	p.host[sizeof(p.host) - 1] = '\0';
	p.dev[sizeof(p.dev) - 1] = '\0';
	p.detail[sizeof(p.detail) - 1] = '\0';
	s->received++;
	fn(ctx, &p, buf + sizeof(p));
	return sizeof(p) + p.caplen;
}

int probesrc_read(struct probesrc *s, probesrc_fn fn, void *ctx)
{
	static uint8_t buf[PROBESRC_DGRAM_MAX];
	int n = 0;

	/* Bounded, so that no call runs long: the socket stays readable. */
	for (int dgrams = 0; dgrams < READ_MAX; dgrams++) {
		ssize_t len = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t off = 0, used;

		if (len < 0)
			break;
		/* One record per datagram, or several back to back (a
		 * publisher may batch them: one send per batch of packets
		 * costs it far less); a datagram with bytes left over that
		 * make no record is malformed. */
		do {
			used = one_record(s, buf + off, (size_t)len - off, fn,
					  ctx);
			off += used;
			n += used ? 1 : 0;
		} while (used && off < (size_t)len);
		if (!used || off != (size_t)len)
			s->malformed++;
	}
	return n;
}

void probesrc_close(struct probesrc *s)
{
	if (s->fd >= 0) {
		close(s->fd);
		unlink(s->path);
	}
	s->fd = -1;
}
