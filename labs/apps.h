/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lab apps: small programs that make step 1 and step 1' visible.  Each
 * publishes a probe event (include/probe.h) for every send and receive,
 * with the time, the length and a digest of the payload, so the tracer can
 * tie the app's own record to what the kernel and the tunnel did.
 *
 *   echo  UDP echo, client and server (the classic one-datagram example)
 *   chat  a telnet-like line chat over TCP, client and server (the seed's
 *         telnet example)
 *   send  a traffic generator (UDP or TCP) and its counting sink
 *
 * The probe socket comes from $TUNLAB_PROBE and the host name from
 * $TUNLAB_HOST, which `tunlab exec` sets; without them nothing is published.
 */
#ifndef TUNLAB_APPS_H
#define TUNLAB_APPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_ERRBUF 256
#define APP_HOST_ENV "TUNLAB_HOST"

struct app_cfg {
	bool server;
	const char *addr;	/* client: where to; server: bind address or NULL */
	uint16_t port;
	unsigned long count;	/* client: messages; server: stop after (0 = no limit) */
	size_t size;		/* payload bytes (echo, send) */
	double rate;		/* send: messages per second, 0 = as fast as possible */
	unsigned int timeout_ms;	/* client: wait this long for a reply */
	const char *message;	/* echo, chat: text to send */
	bool echo;		/* chat server: send each line back */
	bool tcp;		/* send: TCP instead of UDP */
	bool quiet;		/* no per-message lines */
};

/* Each returns 0 when it did all it was asked, 1 when the exchange failed
 * (no reply, connection refused: the message in err), or a negative errno
 * with a message in err for a local error (bad address, socket). */
int app_echo(const struct app_cfg *cfg, char *err);
int app_chat(const struct app_cfg *cfg, char *err);
int app_send(const struct app_cfg *cfg, char *err);

#endif
