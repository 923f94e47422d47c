// SPDX-License-Identifier: GPL-2.0-only
/* The tunnel in a lab: see lab-tunnel.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab-tunnel.h"
#include "pki.h"
#include "probe.h"

#define ARGV_MAX 40

/* The address of office that client host hi reaches: office's side of the
 * router's wire with --router, else the far end of the client's own wire. */
static void office_addr(const struct lab *lab, int hi, char *buf, size_t n)
{
	buf[0] = '\0';
	for (int i = 0; i < lab->nwires; i++) {
		const struct lab_wire *w = &lab->wires[i];
		const char *near = lab->hosts[w->end[0].host].name;

		if (strcmp(lab->hosts[w->end[1].host].name, "office"))
			continue;
		if (w->end[0].host == hi || strcmp(near, "internet") == 0)
			snprintf(buf, n, "%.*s",
				 (int)strcspn(w->end[1].addr4, "/"),
				 w->end[1].addr4);
	}
}

/* The certificate name of a mobile host: mobile -> client1, mobileK -> clientK. */
static void client_name(const char *host, char *buf, size_t n)
{
	const char *k = host + strlen("mobile");

	snprintf(buf, n, "client%s", *k ? k : "1");
}

int lab_tunnel_pki(const struct lab *lab, char *err)
{
	char dir[LAB_DIR_MAX + 8], names[LAB_MAX_CLIENTS][16];
	const char *clients[LAB_MAX_CLIENTS];
	struct pki_opts opts;
	char msg[PKI_ERRBUF];
	size_t n = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%s", lab->dir, LAB_PKI_DIR);
	for (int i = 0; i < lab->nhosts; i++) {
		if (strncmp(lab->hosts[i].name, "mobile", 6))
			continue;
		client_name(lab->hosts[i].name, names[n], sizeof(names[n]));
		clients[n] = names[n];
		n++;
	}
	pki_opts_init(&opts);
	opts.dir = dir;
	rc = pki_create(&opts, clients, n, NULL, msg);
	if (rc)
		snprintf(err, LAB_ERRBUF, "lab PKI: %.480s", msg);
	return rc;
}

/* Start one daemon in host h with the common arguments and extra ones. */
static int spawn(struct lab *lab, const struct lab_host *h, const char **extra,
		 int nextra, char *err)
{
	char exe[512], pki[LAB_DIR_MAX + 8], probe[LAB_DIR_MAX + 16];
	char status[LAB_DIR_MAX + 48], what[32], keylog[LAB_DIR_MAX + 48];
	const char *argv[ARGV_MAX];
	ssize_t len;
	int n = 0;

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len <= 0) {
		snprintf(err, LAB_ERRBUF, "cannot find the tunlab binary");
		return -ENOENT;
	}
	exe[len] = '\0';
	snprintf(pki, sizeof(pki), "%s/%s", lab->dir, LAB_PKI_DIR);
	snprintf(probe, sizeof(probe), "%s/%s", lab->dir, TL_PROBE_SOCK_NAME);
	snprintf(status, sizeof(status), "%s/" LAB_STATUS_FMT, lab->dir,
		 h->name);
	snprintf(what, sizeof(what), "tunnel-%s", h->name);
	argv[n++] = "ip";
	argv[n++] = "netns";
	argv[n++] = "exec";
	argv[n++] = h->ns;
	argv[n++] = exe;
	argv[n++] = "tunnel";
	argv[n++] = "--dev-type";
	argv[n++] = lab_dev_type_name(lab->opts.dev_type);
	argv[n++] = "--dev";
	argv[n++] = h->tun_ifname;
	argv[n++] = "--pki";
	argv[n++] = pki;
	argv[n++] = "--probe";
	argv[n++] = probe;
	argv[n++] = "--host";
	argv[n++] = h->name;
	argv[n++] = "--status";
	argv[n++] = status;
	if (lab->opts.keylog) {
		snprintf(keylog, sizeof(keylog), "%s/" LAB_KEYLOG_FMT, lab->dir,
			 h->name);
		argv[n++] = "--keylog";
		argv[n++] = keylog;
	}
	if (lab->opts.offload)
		argv[n++] = "--offload";	/* the fast mode, as the wires */
	for (int i = 0; i < nextra && n < ARGV_MAX - 1; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return lab_owner_spawn(lab, what, (char *const *)argv, err) < 0 ? -1 : 0;
}

int lab_tunnel_start(struct lab *lab, char *err)
{
	const char *extra[ARGV_MAX];
	char names[LAB_MAX_CLIENTS][16], server[LAB_ADDR_MAX];
	const struct lab_host *office = lab_host_find(lab, "office");
	int n = 0, nclients = 0;

	if (!office) {
		snprintf(err, LAB_ERRBUF, "lab %s has no office", lab->name);
		return -EINVAL;
	}
	extra[n++] = "--server";
	extra[n++] = "--pool";
	extra[n++] = "10.8.0.0/24";
	if (lab->opts.ipv6) {
		extra[n++] = "--pool6";
		extra[n++] = "fd00:8::/64";
	}
	/* client1 gets 10.8.0.2, client2 10.8.0.3...: as the plan says,
	 * whoever connects first. */
	for (int i = 0; i < lab->nhosts && n < ARGV_MAX - 2; i++) {
		if (strncmp(lab->hosts[i].name, "mobile", 6))
			continue;
		client_name(lab->hosts[i].name, names[nclients],
			    sizeof(names[nclients]));
		extra[n++] = "--reserve";
		extra[n++] = names[nclients++];
	}
	if (spawn(lab, office, extra, n, err))
		return -1;
	nclients = 0;
	for (int i = 0; i < lab->nhosts; i++) {
		const struct lab_host *h = &lab->hosts[i];

		if (strncmp(h->name, "mobile", 6))
			continue;
		office_addr(lab, i, server, sizeof(server));
		n = 0;
		extra[n++] = "--remote";
		extra[n++] = server;
		extra[n++] = "--name";
		extra[n++] = names[nclients++];
		if (lab->opts.lan) {
			extra[n++] = "--route";
			extra[n++] = "172.16.1.0/24";
		}
		if (spawn(lab, h, extra, n, err))
			return -1;
	}
	return 0;
}

/* Host i's tunnel status file, or NULL (no tunnel, not running). */
static FILE *status_open(const struct lab *lab, int i)
{
	char path[LAB_DIR_MAX + 48];

	if (!lab->hosts[i].tun_ifname[0])
		return NULL;
	snprintf(path, sizeof(path), "%s/" LAB_STATUS_FMT, lab->dir,
		 lab->hosts[i].name);
	return fopen(path, "r");
}

/* Whether host i's status file says "state ready". */
static bool host_ready(const struct lab *lab, int i)
{
	FILE *f = status_open(lab, i);
	bool ready = false;
	char line[128];

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (strcmp(line, "state ready\n") == 0)
			ready = true;
	fclose(f);
	return ready;
}

int lab_tunnel_wait(const struct lab *lab, int timeout_ms, char *err)
{
	struct timespec tick = { .tv_nsec = 100 * 1000000L };

	for (int waited = 0; waited <= timeout_ms; waited += 100) {
		const char *missing = NULL;

		for (int i = 0; i < lab->nhosts && !missing; i++)
			if (lab->hosts[i].tun_ifname[0] &&
			    !host_ready(lab, i))
				missing = lab->hosts[i].name;
		if (!missing)
			return 0;
		if (waited + 100 > timeout_ms) {
			snprintf(err, LAB_ERRBUF, "the tunnel of %s did not "
				 "come up within %d s (see %s/owner.log)",
				 missing, timeout_ms / 1000, lab->dir);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}


void lab_tunnel_print(const struct lab *lab, const char *indent)
{
	for (int i = 0; i < lab->nhosts; i++) {
		char line[256];
		FILE *f;

		if (!lab->hosts[i].tun_ifname[0])
			continue;
		f = status_open(lab, i);
		printf("%stunnel daemon in %s:%s\n", indent, lab->hosts[i].name,
		       f ? "" : " no status (not running)");
		while (f && fgets(line, sizeof(line), f))
			printf("%s    %s", indent, line);
		if (f)
			fclose(f);
	}
}

void lab_tracer_cfg(const struct lab *lab, struct tracer_cfg *cfg,
		    char *probe, size_t probe_len)
{
	for (int i = 0; i < lab->nhosts && cfg->nhosts < TRACER_MAX_HOSTS; i++) {
		const struct lab_host *h = &lab->hosts[i];
		struct tracer_host *th;

		if (!h->tun_ifname[0])
			continue;
		th = &cfg->hosts[cfg->nhosts++];
		snprintf(th->name, sizeof(th->name), "%s", h->name);
		snprintf(th->ns, sizeof(th->ns), "%s", h->ns);
		snprintf(th->tun, sizeof(th->tun), "%s", h->tun_ifname);
		for (int w = 0; w < lab->nwires; w++)
			for (int e = 0; e < 2; e++)
				if (lab->wires[w].end[e].host == i &&
				    th->nwires < TRACER_MAX_DEVS)
					snprintf(th->wires[th->nwires++],
						 TL_DEV_MAX, "%s",
						 lab->wires[w].end[e].ifname);
	}
	snprintf(probe, probe_len, "%s/%s", lab->dir, TL_PROBE_SOCK_NAME);
	cfg->lab = lab->name;
	cfg->probe_path = probe;
	cfg->probe_ns = lab_host_find(lab, "office")->ns;
	snprintf(cfg->dev_prefix, sizeof(cfg->dev_prefix), "tl%s", lab->id);
	for (int i = 0; i < lab->nprocs && cfg->ndaemons < TRACER_MAX_HOSTS; i++)
		if (strncmp(lab->procs[i].what, "tunnel-", 7) == 0)
			cfg->daemon_pids[cfg->ndaemons++] = (int)lab->procs[i].pid;
}

uint64_t lab_probes_dropped(const struct lab *lab)
{
	uint64_t sum = 0;

	for (int i = 0; i < lab->nhosts; i++) {
		char line[256];
		unsigned long long sent, dropped;
		FILE *f = status_open(lab, i);

		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "probes %llu sent %llu dropped", &sent,
				   &dropped) == 2)
				sum += dropped;
		fclose(f);
	}
	return sum;
}

void lab_tracer_losses(struct tracefile_losses *l,
		       const struct tracer_stats *st, bool kernel,
		       uint64_t dropped0, uint64_t dropped1)
{
	memset(l, 0, sizeof(*l));
	l->pcap_drops = st->pcap_drops;
	l->probe_malformed = st->probe_malformed;
	l->late = st->late;
	l->no_memory = st->no_memory;
	l->skipped = st->skipped;
	l->paused_ns = st->paused_ns;
	l->skipped_ns = st->skipped_ns;
	if (kernel) {
		l->flags |= TRACEFILE_LOSSES_KERNEL;
		l->kernel_lost = st->kernel_lost;
	}
	/* The counters only grow, unless a daemon restarted: then the
	 * difference means nothing. */
	l->probe_dropped = dropped1 > dropped0 ? dropped1 - dropped0 : 0;
}
