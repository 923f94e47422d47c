/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Publishing probe events (include/probe.h) to the lab's probe socket.
 * Sends never block: a full socket queue or an absent tracer only bumps a
 * counter, so the data path never waits for the tracer.  When no tracer is
 * listening, the publisher tries again at most once a second, so the cost
 * without a tracer is one clock read per event.
 */
#ifndef TUNLAB_PROBE_PUB_H
#define TUNLAB_PROBE_PUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "clock.h"
#include "probe.h"

struct probe_pub {
	int fd;			/* -1 when publishing is off */
	struct sockaddr_un addr;
	char host[TL_HOST_MAX];
	uint64_t retry_ns;	/* no listener: next try not before this */
	uint64_t sent;		/* delivered to the socket queue */
	uint64_t dropped;	/* queue full: the tracer fell behind */
	uint64_t unheard;	/* nobody listening */
	uint32_t pid;		/* ours, asked once */
	/* Batching (probe_pub_batch): records wait here for one send. */
	uint8_t *batch;
	size_t used;
	unsigned int nbatch;
};

/* Open a publisher for path (NULL or "" turns publishing off: every call
 * becomes a no-op).  host names the lab host in every event.  Returns 0 or
 * a negative errno. */
int probe_pub_open(struct probe_pub *p, const char *path, const char *host);

/* Publish one event: hdr's host, pid, magic, version, hdr_len and caplen
 * are filled here, and ts_ns too unless the caller set it (to the moment
 * before the call the event is about); bytes (at most TL_PROBE_SNAP of
 * them) follow. */
void probe_pub_send(struct probe_pub *p, struct tl_probe *hdr,
		    const void *bytes, size_t caplen);

/* From now on, keep events until probe_pub_flush() (or until the batch is
 * full) and send them as one datagram of records back to back: one
 * syscall per batch of packets instead of one per event.  0 or -ENOMEM. */
int probe_pub_batch(struct probe_pub *p);

/* Send what the batch holds. */
void probe_pub_flush(struct probe_pub *p);

/* Flush, close, free the batch. */
void probe_pub_close(struct probe_pub *p);

/* Whether an event would be sent now: publishing is on and a tracer was
 * listening (or it is time to look again).  Callers test this before any
 * work on an event (digests, text), so that without a tracer an event
 * costs one clock read; a skipped event counts as unheard. */
bool probe_pub_wanted(struct probe_pub *p);

#endif
