/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracer's probe source: the lab's probe socket, where tunnel daemons
 * and lab apps publish their events (include/probe.h).  It is bound inside
 * one of the lab's namespaces: an AF_UNIX datagram socket queues at most
 * net.unix.max_dgram_qlen datagrams (10 by default), a value taken from the
 * namespace the socket is made in, and the lab's namespaces are ours to
 * raise it in.  The path works from every namespace; the socket file is
 * made writable by all, since the daemons send as nobody.
 *
 * A datagram holds one probe record (struct tl_probe and its caplen
 * bytes), or several back to back: a publisher may batch them, since one
 * send per event costs a daemon as much as its own work at full speed.
 */
#ifndef TUNLAB_PROBESRC_H
#define TUNLAB_PROBESRC_H

#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define PROBESRC_ERRBUF 320
#define PROBESRC_QLEN 4096
#define PROBESRC_DGRAM_MAX 65536	/* a datagram of several records */

typedef void (*probesrc_fn)(void *ctx, const struct tl_probe *p,
			    const uint8_t *bytes);

struct probesrc {
	int fd;
	char path[108];
	uint64_t received, malformed;
};

/* Bind path (replacing a stale socket file) inside namespace ns (NULL:
 * here).  0 or a negative errno with the reason in err. */
int probesrc_open(struct probesrc *s, const char *path, const char *ns,
		  char *err);

/* Deliver the events waiting, up to a bound (never blocks: the socket
 * stays readable for the rest); returns how many. */
int probesrc_read(struct probesrc *s, probesrc_fn fn, void *ctx);

/* Close and remove the socket file. */
void probesrc_close(struct probesrc *s);

#endif
