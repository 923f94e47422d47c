/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracer: watches a running lab from its sources (libpcap on every
 * tun/tap and wire device of the VPN's hosts, the daemons' and apps' probe
 * events; the kernel's tracepoints join them in ktrace.c), puts every
 * observation in time order, ties each to its packet (correlate.c) and
 * hands it on: to a trace file, a live summary, the UI.
 */
#ifndef TUNLAB_TRACER_H
#define TUNLAB_TRACER_H

#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "event.h"
#include "evloop.h"

#define TRACER_ERRBUF 512
#define TRACER_MAX_HOSTS 20
#define TRACER_MAX_DEVS 4	/* per host: tun/tap and wires */
#define TRACER_CPU_DEFAULT 50	/* % of one CPU: the lab keeps the rest */

struct tracer_host {
	char name[TL_HOST_MAX];		/* mobile, office */
	char ns[32];			/* its network namespace */
	char tun[TL_DEV_MAX];		/* tun/tap device, or "" */
	char wires[TRACER_MAX_DEVS][TL_DEV_MAX];
	int nwires;
};

struct tracer_cfg {
	const char *lab;		/* name, for the trace file */
	struct tracer_host hosts[TRACER_MAX_HOSTS];
	int nhosts;
	const char *probe_path;		/* the lab's probe socket */
	const char *probe_ns;		/* where to bind it (a lab namespace) */
	int snaplen;			/* bytes kept per frame */
	const char *filter;		/* pcap-filter a packet must match in one
					 * of its observations, or NULL */
	uint16_t data_port;		/* the tunnel's UDP port (1194) */
	uint64_t reorder_ns;		/* how long events wait to be ordered */
	bool kernel;			/* the kernel's tracepoints too */
	int cpu_pct;			/* CPU budget, % of one CPU; 0: none */
	char dev_prefix[TL_DEV_MAX];	/* the lab's device names: "tl3fa2" */
	int daemon_pids[TRACER_MAX_HOSTS];	/* the VPN daemons (not apps) */
	int ndaemons;
};

/* Losses each source reports: shown, never hidden. */
struct tracer_stats {
	uint64_t events;		/* handed on */
	uint64_t packets;		/* numbered */
	uint64_t pcap_drops;		/* frames the kernel dropped for us */
	uint64_t probe_events, probe_malformed;
	uint64_t daemon_probe_events;	/* of probe_events, the daemons' */
	uint64_t late;			/* arrived after their window had passed */
	uint64_t no_memory;		/* observations with no room to wait */
	uint64_t skipped;		/* read while the tracer was behind
					 * (its window full), not recorded */
	uint64_t paused_ns;		/* paused to keep to cfg.cpu_pct: the
					 * sources counted what they lost */
	uint64_t skipped_ns;		/* slices skipped, in all: nothing was
					 * recorded then */
	uint64_t kernel_events, kernel_lost;	/* from tracefs */
	uint64_t kernel_joined, kernel_untied;
	uint64_t segments_tied;		/* to their write or super-packet */
	uint64_t super_untied;		/* super-skbs whose segments were
					 * not seen */
};

/* Called for every observation, in time order, with its packet number. */
typedef void (*tracer_fn)(void *ctx, const struct tl_event *ev);

struct tracer;

/* Open every source and register it on loop.  0 or a negative errno with
 * the reason in err. */
int tracer_open(struct tracer **t, const struct tracer_cfg *cfg,
		struct evloop *loop, tracer_fn fn, void *ctx, char *err);

/* Whether this observation's bytes match the filter (always true without
 * one).  A packet matches when any of its observations does, inner or
 * outer; the caller keeps a packet's observations until one matches. */
bool tracer_match(const struct tracer *t, const struct tl_event *ev);

/* A pcap-filter expression compiled once for Ethernet frames and once for
 * bare IP packets, as an observation's bytes are one or the other: what
 * tunlab trace -f and the UI's / both use. */
struct tracer_filter {
	struct bpf_program eth, ip;
};

/* 0, or -EINVAL (-ENOMEM) with pcap's message in err. */
int tracer_filter_compile(struct tracer_filter *f, const char *expr,
			  char *err);
/* Whether ev's bytes match; events with other bytes never do. */
bool tracer_filter_match(const struct tracer_filter *f,
			 const struct tl_event *ev);
void tracer_filter_free(struct tracer_filter *f);

/* Wall clock minus monotonic clock, as the trace file keeps it. */
int64_t tracer_wall_offset(const struct tracer *t);

/* Hand on everything still waiting in the reorder window. */
void tracer_flush(struct tracer *t);

void tracer_stats(struct tracer *t, struct tracer_stats *st);

/* Flush, close every source, unregister from the loop. */
void tracer_close(struct tracer *t);

#endif
