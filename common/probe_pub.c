// SPDX-License-Identifier: GPL-2.0-only
/* Non-blocking probe publisher: see probe.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "probe_pub.h"

#define RETRY_NS 1000000000ull
#define BATCH_MAX 65536		/* a datagram; the tracer reads this much */
#define BATCH_ROOM (8 << 20)	/* send buffer when batching */
#define SINGLE_ROOM (2 << 20)	/* otherwise */

static void room(struct probe_pub *p, int bytes);

int probe_pub_open(struct probe_pub *p, const char *path, const char *host)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	snprintf(p->host, sizeof(p->host), "%s", host ? host : "");
	p->pid = (uint32_t)getpid();
	if (!path || !path[0])
		return 0;
	if (strlen(path) >= sizeof(p->addr.sun_path))
		return -ENAMETOOLONG;
	p->addr.sun_family = AF_UNIX;
	memcpy(p->addr.sun_path, path, strlen(path) + 1);
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	/* One event a datagram: the default buffer holds some 170 of them,
	 * 17 ms of a lab app sending 10,000 a second. */
	room(p, SINGLE_ROOM);
	return 0;
}

bool probe_pub_wanted(struct probe_pub *p)
{
	if (p->fd < 0)
		return false;
	if (p->retry_ns && tl_now_ns() < p->retry_ns) {
		p->unheard++;
		return false;
	}
	return true;
}

/* Send n records in one datagram (iov), and count them. */
static void deliver(struct probe_pub *p, struct iovec *iov, int niov,
		    unsigned int n, uint64_t now)
{
	struct msghdr msg = {
		.msg_name = &p->addr, .msg_namelen = sizeof(p->addr),
		.msg_iov = iov, .msg_iovlen = (size_t)niov,
	};

	if (sendmsg(p->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
		p->sent += n;
		p->retry_ns = 0;
	} else if (errno == EAGAIN || errno == ENOBUFS) {
		p->dropped += n;
	} else {
		/* ENOENT or ECONNREFUSED: no tracer bound the socket yet. */
		p->unheard += n;
		p->retry_ns = now + RETRY_NS;
	}
}

void probe_pub_flush(struct probe_pub *p)
{
	struct iovec iov;

	if (!p->nbatch)
		return;
	iov = (struct iovec){ p->batch, p->used };
	deliver(p, &iov, 1, p->nbatch, tl_now_ns());
	p->used = 0;
	p->nbatch = 0;
}

void probe_pub_send(struct probe_pub *p, struct tl_probe *hdr,
		    const void *bytes, size_t caplen)
{
	struct iovec iov[2];
	uint64_t now;

	if (p->fd < 0)
		return;
	now = tl_now_ns();
	if (now < p->retry_ns) {
		p->unheard++;
		return;
	}
	if (!bytes)
		caplen = 0;
	if (caplen > TL_PROBE_SNAP)
		caplen = TL_PROBE_SNAP;
	hdr->magic = TL_PROBE_MAGIC;
	hdr->version = TL_PROBE_VERSION;
	hdr->hdr_len = sizeof(*hdr);
	/* The caller may stamp the moment itself (before the syscall the
	 * event is about); otherwise now. */
	if (!hdr->ts_ns)
		hdr->ts_ns = now;
	hdr->pid = p->pid;
	hdr->caplen = (uint32_t)caplen;
	memcpy(hdr->host, p->host, sizeof(hdr->host));
	if (p->batch) {
		if (p->used + sizeof(*hdr) + caplen > BATCH_MAX)
			probe_pub_flush(p);
		memcpy(p->batch + p->used, hdr, sizeof(*hdr));
		if (caplen)
			memcpy(p->batch + p->used + sizeof(*hdr), bytes,
			       caplen);
		p->used += sizeof(*hdr) + caplen;
		p->nbatch++;
		return;
	}
	iov[0] = (struct iovec){ hdr, sizeof(*hdr) };
	iov[1] = (struct iovec){ (void *)bytes, caplen };
	deliver(p, iov, 2, 1, now);
}

/* A unix datagram waits on the sender's account until read: room for
 * bursts while the tracer catches up (FORCE passes the system limit as
 * root, before a daemon drops its privileges). */
static void room(struct probe_pub *p, int bytes)
{
	if (setsockopt(p->fd, SOL_SOCKET, SO_SNDBUFFORCE, &bytes,
		       sizeof(bytes)))
		setsockopt(p->fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
}

int probe_pub_batch(struct probe_pub *p)
{
	if (p->fd < 0 || p->batch)
		return 0;
	room(p, BATCH_ROOM);
	p->batch = malloc(BATCH_MAX);
	return p->batch ? 0 : -ENOMEM;
}

void probe_pub_close(struct probe_pub *p)
{
	if (p->fd >= 0) {
		probe_pub_flush(p);
		close(p->fd);
	}
	p->fd = -1;
	free(p->batch);
	p->batch = NULL;
}
