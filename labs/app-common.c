// SPDX-License-Identifier: GPL-2.0-only
/* Shared pieces of the lab apps: see app-common.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-common.h"
#include "digest.h"

volatile sig_atomic_t app_stop;

static void on_stop(int sig)
{
	(void)sig;
	app_stop = 1;
}

int app_begin(struct app *a, const char *name, char *err)
{
	struct sigaction sa = { .sa_handler = on_stop };
	const char *host = getenv(APP_HOST_ENV);
	int rc;

	memset(a, 0, sizeof(*a));
	a->name = name;
	/* No SA_RESTART: a blocking poll() or read() returns EINTR at once. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = probe_pub_open(&a->probe, getenv(TL_PROBE_ENV),
			    host ? host : "");
	if (rc < 0)
		snprintf(err, APP_ERRBUF, "probe socket %s: %s",
			 getenv(TL_PROBE_ENV), strerror(-rc));
	return rc;
}

void app_end(struct app *a)
{
	probe_pub_close(&a->probe);
}

void app_probe(struct app *a, bool sent, const char *how,
	       const struct sockaddr_storage *peer, const void *payload,
	       size_t len, uint64_t ts_ns)
{
	struct tl_probe ev = { 0 };
	char where[64] = "";
	uint64_t digest;

	if (a->probe.fd < 0)
		return;
	digest = tl_digest_payload(payload, len);
	if (peer)
		addr_fmt(peer, where, sizeof(where));
	ev.ts_ns = ts_ns;
	ev.step = sent ? TL_STEP_APP_SEND : TL_STEP_APP_RECV;
	ev.kind = sent ? TL_PROBE_SEND : TL_PROBE_RECV;
	ev.source = TL_SRC_APP;
	ev.link = TL_LINK_NONE;
	ev.len = (uint32_t)len;
	ev.digest = digest;
	snprintf(ev.dev, sizeof(ev.dev), "%s", a->name);
	snprintf(ev.detail, sizeof(ev.detail), "%s %zu bytes %s %s digest %016llx",
		 how, len, sent ? "to" : "from", where[0] ? where : "peer",
		 (unsigned long long)digest);
	probe_pub_send(&a->probe, &ev, payload, len);
}

void app_probe_noroute(struct app *a, int err, const char *what,
		       const struct sockaddr_storage *peer)
{
	struct tl_probe ev = { 0 };
	char where[64] = "";

	if (a->probe.fd < 0 ||
	    (err != -ENETUNREACH && err != -EHOSTUNREACH && err != -ENETDOWN))
		return;
	addr_fmt_ip(peer, where, sizeof(where));	/* a route is to it */
	ev.step = TL_STEP_ROUTE_TUN;
	ev.kind = TL_PROBE_DROP;
	ev.source = TL_SRC_APP;
	ev.link = TL_LINK_NONE;
	snprintf(ev.dev, sizeof(ev.dev), "%s", a->name);
	snprintf(ev.detail, sizeof(ev.detail), "drop: no route to %s (%s: %s)",
		 where, what, strerror(-err));
	probe_pub_send(&a->probe, &ev, NULL, 0);
}

uint64_t app_now_ms(void)
{
	return tl_now_ns() / 1000000u;
}

void app_probe_report(const struct app *a)
{
	const struct probe_pub *p = &a->probe;

	if (p->fd < 0 || (!p->dropped && !p->unheard))
		return;
	fprintf(stderr, "tunlab app %s: probe events: %llu delivered, %llu "
		"dropped (tracer busy), %llu unheard (no tracer)\n", a->name,
		(unsigned long long)p->sent, (unsigned long long)p->dropped,
		(unsigned long long)p->unheard);
}
