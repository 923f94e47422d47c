/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tunnel in a lab: tunlab up makes the lab's PKI, its owner starts a
 * tunnel daemon in office and one in each mobile host, and tunlab up waits
 * until every client is connected.  (cli/ joins labs/ and tunnel/: the
 * modules themselves never include each other.)
 */
#ifndef TUNLAB_LAB_TUNNEL_H
#define TUNLAB_LAB_TUNNEL_H

#include <stdbool.h>

#include "lab.h"
#include "tracefile.h"
#include "tracer.h"

#define LAB_PKI_DIR	"pki"
#define LAB_STATUS_FMT	"tunnel-%s.status"	/* per host, in the run dir */
#define LAB_KEYLOG_FMT	"keylog-%s.txt"		/* per host, with --keylog */

/* Load lab name, or the only lab running when name is NULL; says why not
 * on stderr as command cmd (0, or EXIT_FAIL). */
int lab_pick(const char *cmd, const char *name, struct lab *lab);

/* Create the lab's CA, server and client certificates in its run dir. */
int lab_tunnel_pki(const struct lab *lab, char *err);

/* As the owner: start the server, then each client, as lab processes. */
int lab_tunnel_start(struct lab *lab, char *err);

/* Wait until every client says it is connected, at most timeout_ms;
 * 0, or -ETIMEDOUT with which host is not ready in err. */
int lab_tunnel_wait(const struct lab *lab, int timeout_ms, char *err);

/* What the tracer needs to watch the lab: its VPN hosts with their tun and
 * wire devices, the probe socket (its path written to probe), the device
 * prefix, the daemons' pids.  tunlab trace, ui and walk share it. */
void lab_tracer_cfg(const struct lab *lab, struct tracer_cfg *cfg,
		    char *probe, size_t probe_len);

/* The probe events the lab's daemons could not hand over so far (the
 * tracer's socket was full), from their status files, which they rewrite
 * once a second: a count to take a difference of. */
uint64_t lab_probes_dropped(const struct lab *lab);

/* What the tracer's sources lost, as a trace file keeps it and tunlab
 * trace, ui and walk show it: st, whether the kernel's tracepoints were
 * read, and the daemons' count (lab_probes_dropped) at start and now. */
void lab_tracer_losses(struct tracefile_losses *l,
		       const struct tracer_stats *st, bool kernel,
		       uint64_t dropped0, uint64_t dropped1);

/* Print each daemon's counters, indented, as tunlab status shows them. */
void lab_tunnel_print(const struct lab *lab, const char *indent);

#endif
