// SPDX-License-Identifier: GPL-2.0-only
/* Non-blocking probe publisher: see probe.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "probe_pub.h"

#define RETRY_NS 1000000000ull

int probe_pub_open(struct probe_pub *p, const char *path, const char *host)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	snprintf(p->host, sizeof(p->host), "%s", host ? host : "");
	if (!path || !path[0])
		return 0;
	if (strlen(path) >= sizeof(p->addr.sun_path))
		return -ENAMETOOLONG;
	p->addr.sun_family = AF_UNIX;
	memcpy(p->addr.sun_path, path, strlen(path) + 1);
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
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

void probe_pub_send(struct probe_pub *p, struct tl_probe *hdr,
		    const void *bytes, size_t caplen)
{
	struct iovec iov[2];
	struct msghdr msg = { 0 };
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
	hdr->pid = (uint32_t)getpid();
	hdr->caplen = (uint32_t)caplen;
	memcpy(hdr->host, p->host, sizeof(hdr->host));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(*hdr);
	iov[1].iov_base = (void *)bytes;
	iov[1].iov_len = caplen;
	msg.msg_name = &p->addr;
	msg.msg_namelen = sizeof(p->addr);
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (sendmsg(p->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
		p->sent++;
		p->retry_ns = 0;
	} else if (errno == EAGAIN || errno == ENOBUFS) {
		p->dropped++;
	} else {
		/* ENOENT or ECONNREFUSED: no tracer bound the socket yet. */
		p->unheard++;
		p->retry_ns = now + RETRY_NS;
	}
}

void probe_pub_close(struct probe_pub *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}
