/* SPDX-License-Identifier: GPL-2.0-only */
/* What the lab apps share: addresses, probe events, stop signals. */
#ifndef TUNLAB_APP_COMMON_H
#define TUNLAB_APP_COMMON_H

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include "addr.h"
#include "apps.h"
#include "probe_pub.h"

struct app {
	const char *name;	/* "echo": the probe event's dev field */
	struct probe_pub probe;
	struct sockaddr_storage peer;	/* client: the server */
	socklen_t peer_len;
};

/* Set when SIGINT, SIGTERM or SIGHUP arrives; loops check it. */
extern volatile sig_atomic_t app_stop;

/* Install the stop handlers and open the probe publisher from the
 * environment.  Returns 0 or a negative errno (message in err). */
int app_begin(struct app *a, const char *name, char *err);
void app_end(struct app *a);

/* Publish a step-1 (sent) or step-1' (received) event for payload; ts_ns
 * is when the app handed it over (taken before the send call), 0 for now. */
void app_probe(struct app *a, bool sent, const char *how,
	       const struct sockaddr_storage *peer, const void *payload,
	       size_t len, uint64_t ts_ns);

/* The kernel refused the app's packet for want of a route (err, a
 * negative errno, is ENETUNREACH, EHOSTUNREACH or ENETDOWN; others are
 * not this): publish it as a drop at step 2, where it happened, so the
 * tracer can say so even when the app is gone before its kernel events
 * are read.  what: the call that failed ("connect"). */
void app_probe_noroute(struct app *a, int err, const char *what,
		       const struct sockaddr_storage *peer);

/* Milliseconds on the monotonic clock. */
uint64_t app_now_ms(void);

/* Print the probe counters if any event could not be delivered. */
void app_probe_report(const struct app *a);

#endif
