// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building and removing a lab.  Hosts are network namespaces, wires are
 * veth pairs created straight into them (never in the host's own
 * namespace), so deleting a lab's namespaces removes all of its devices.
 * Each step is the command a student would type; cmdrun.c prints and runs
 * it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"

#define PROC_TERM_WAIT_MS	3000
#define PROC_KILL_WAIT_MS	1000
#define NETNS_DEL_TIMEOUT_MS	20000

/* Sysctls set in every host, or in forwarding hosts; "v6" rows only with
 * --ipv6, "nov6" rows only without it. */
static const struct {
	const char *key;
	bool forward_only;
	enum { ANY, V6, NOV6 } when;
} host_sysctls[] = {
	/* IPv6 off: no router or neighbour solicitations, no MLD reports. */
	{ "net.ipv6.conf.all.disable_ipv6=1", false, NOV6 },
	{ "net.ipv6.conf.default.disable_ipv6=1", false, NOV6 },
	/* IPv6 on: no duplicate address detection for the devices to come,
	 * so addresses work at once (link-local ones too) and no DAD
	 * solicitations clutter the traces. */
	{ "net.ipv6.conf.default.accept_dad=0", false, V6 },
	{ "net.ipv4.ip_forward=1", true, ANY },
	{ "net.ipv6.conf.all.forwarding=1", true, V6 },
	/* The VPN server routes client-to-client packets back into the tun
	 * they came from: that is the design here, not a mistake worth an
	 * ICMP redirect cluttering every trace. */
	{ "net.ipv4.conf.all.send_redirects=0", true, ANY },
	{ "net.ipv4.conf.default.send_redirects=0", true, ANY },
};

/* The offloads turned off on every wire: one skb is one packet. */
#define WIRE_OFFLOADS_OFF "tx off rx off tso off gso off gro off"

/* Sleep ms milliseconds (a signal may cut it short). */
static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Whether the namespace ns exists (ip netns keeps a name in /run/netns). */
static bool netns_exists(const char *ns)
{
	char path[128];

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	return access(path, F_OK) == 0;
}

/* Whether this kernel has IPv6 at all (there is nothing to turn off
 * otherwise). */
static bool have_ipv6(void)
{
	return access("/proc/sys/net/ipv6", F_OK) == 0;
}

/* Create host h: its namespace, loopback, sysctls. */
static int build_host(const struct lab *lab, const struct lab_host *h,
		      struct cmdrun *r)
{
	int rc;

	rc = cmdrun(r, "ip netns add %s", h->ns);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(host_sysctls) / sizeof(host_sysctls[0]);
	     i++) {
		if (host_sysctls[i].forward_only && !h->forward)
			continue;
		if (host_sysctls[i].when == V6 && !lab->opts.ipv6)
			continue;
		if (host_sysctls[i].when == NOV6 &&
		    (lab->opts.ipv6 || !have_ipv6()))
			continue;
		rc = cmdrun(r, "ip netns exec %s sysctl -qw %s", h->ns,
			    host_sysctls[i].key);
		if (rc < 0)
			return rc;
	}
	return cmdrun(r, "ip -n %s link set lo up", h->ns);
}

/* Configure one end of a wire: offloads, addresses, up. */
static int build_end(const struct lab *lab, const struct lab_end *e,
		     struct cmdrun *r)
{
	const char *ns = lab->hosts[e->host].ns;
	int rc;

	if (!lab->opts.offload) {
		rc = cmdrun(r, "ip netns exec %s ethtool -K %s "
			    WIRE_OFFLOADS_OFF, ns, e->ifname);
		if (rc < 0)
			return rc;
	}
	rc = cmdrun(r, "ip -n %s addr add %s dev %s", ns, e->addr4, e->ifname);
	if (rc < 0)
		return rc;
	if (e->addr6[0]) {
		rc = cmdrun(r, "ip -n %s addr add %s dev %s", ns, e->addr6,
			    e->ifname);
		if (rc < 0)
			return rc;
	}
	return cmdrun(r, "ip -n %s link set %s up", ns, e->ifname);
}

/* Create a wire: the veth pair, straight into its two namespaces. */
static int build_wire(const struct lab *lab, const struct lab_wire *w,
		      struct cmdrun *r)
{
	const struct lab_end *a = &w->end[0], *b = &w->end[1];
	int rc;

	rc = cmdrun(r, "ip -n %s link add %s type veth peer name %s netns %s",
		    lab->hosts[a->host].ns, a->ifname, b->ifname,
		    lab->hosts[b->host].ns);
	if (rc < 0)
		return rc;
	rc = build_end(lab, a, r);
	if (rc < 0)
		return rc;
	return build_end(lab, b, r);
}

/* Add host h's default routes. */
static int build_routes(const struct lab_host *h, struct cmdrun *r)
{
	int rc = 0;

	if (h->gw4[0])
		rc = cmdrun(r, "ip -n %s route add default via %s", h->ns,
			    h->gw4);
	if (rc == 0 && h->gw6[0])
		rc = cmdrun(r, "ip -n %s -6 route add default via %s", h->ns,
			    h->gw6);
	return rc;
}

/* -EINTR with a message if a stop was requested. */
static int check_stop(char *err)
{
	int sig = lab_stop_requested();

	if (!sig)
		return 0;
	snprintf(err, LAB_ERRBUF, "interrupted by %s", strsignal(sig));
	return -EINTR;
}

int lab_build(const struct lab *lab, bool echo, char *err)
{
	struct cmdrun r = { .echo = echo };
	int rc = 0;

	for (int i = 0; i < lab->nhosts && rc == 0; i++) {
		rc = check_stop(err);
		if (rc == 0)
			rc = build_host(lab, &lab->hosts[i], &r);
	}
	for (int i = 0; i < lab->nwires && rc == 0; i++) {
		rc = check_stop(err);
		if (rc == 0)
			rc = build_wire(lab, &lab->wires[i], &r);
	}
	for (int i = 0; i < lab->nhosts && rc == 0; i++) {
		rc = check_stop(err);
		if (rc == 0)
			rc = build_routes(&lab->hosts[i], &r);
	}
	if (rc == 0)
		rc = check_stop(err);
	else if (r.err[0])
		snprintf(err, LAB_ERRBUF, "%s", r.err);
	return rc;
}

/* Reap those of the lab's processes that are our children. */
static void reap(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* How many of the lab's processes still run. */
static int procs_alive(const struct lab *lab)
{
	int n = 0;

	reap();
	for (int i = 0; i < lab->nprocs; i++)
		n += lab_proc_alive(lab->procs[i].pid, lab->procs[i].start);
	return n;
}

/* Stop the processes started in the lab: SIGTERM, then SIGKILL, each only
 * to the very process recorded (pid and start time).  Returns how many
 * could not be stopped. */
static int stop_procs(struct lab *lab, bool echo)
{
	for (int i = 0; i < lab->nprocs; i++) {
		struct lab_proc *p = &lab->procs[i];

		if (!lab_proc_alive(p->pid, p->start))
			continue;
		if (echo)
			printf("+ kill -TERM %d   # %s\n", (int)p->pid,
			       p->what);
		lab_proc_signal(p->pid, p->start, SIGTERM);
	}
	for (int t = 0; t < PROC_TERM_WAIT_MS && procs_alive(lab); t += 50)
		sleep_ms(50);
	for (int i = 0; i < lab->nprocs; i++) {
		struct lab_proc *p = &lab->procs[i];

		if (!lab_proc_alive(p->pid, p->start))
			continue;
		if (echo)
			printf("+ kill -KILL %d   # %s\n", (int)p->pid,
			       p->what);
		lab_proc_signal(p->pid, p->start, SIGKILL);
	}
	for (int t = 0; t < PROC_KILL_WAIT_MS && procs_alive(lab); t += 50)
		sleep_ms(50);
	return procs_alive(lab);
}

/* Whether ns is one of this lab's namespace names: never delete another. */
static bool ns_is_ours(const struct lab *lab, const char *ns)
{
	char prefix[16];
	size_t n;

	n = snprintf(prefix, sizeof(prefix), "tl%s-", lab->id);
	return strlen(lab->id) == LAB_ID_LEN && strncmp(ns, prefix, n) == 0 &&
	       ns[n] && strspn(ns, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
	       strlen(ns);
}

/* Warn about processes tunlab did not start that still run in ns: the
 * namespace, and its devices, live on until they exit. */
static void warn_strangers(const char *ns)
{
	struct cmdrun r = { .echo = false };
	char out[512];

	r.out = out;
	r.outlen = sizeof(out);
	if (cmdrun(&r, "ip netns pids %s", ns) == 0 && out[0])
		log_warn("processes still run in namespace %s (pids: %.*s); "
			 "its devices stay until they exit", ns,
			 (int)strcspn(out, "\n"), out);
}

int lab_teardown(struct lab *lab, bool echo, char *err)
{
	struct cmdrun r = { .echo = echo, .timeout_ms = NETNS_DEL_TIMEOUT_MS };
	int left, rc = 0;

	err[0] = '\0';
	left = stop_procs(lab, echo);
	if (left) {
		snprintf(err, LAB_ERRBUF, "%d process%s of the lab would not "
			 "stop", left, left > 1 ? "es" : "");
		rc = -EBUSY;
	}
	for (int i = lab->nhosts - 1; i >= 0; i--) {
		const char *ns = lab->hosts[i].ns;

		if (!ns_is_ours(lab, ns) || !netns_exists(ns))
			continue;
		warn_strangers(ns);
		if (cmdrun(&r, "ip netns del %s", ns) < 0 && netns_exists(ns)) {
			snprintf(err, LAB_ERRBUF, "%s", r.err);
			rc = -EIO;
		}
	}
	if (rc < 0)
		return rc;	/* keep the state: down --stale tries again */
	rc = labstate_remove(lab->name);
	if (rc < 0)
		snprintf(err, LAB_ERRBUF, "removing %s: %s", lab->dir,
			 strerror(-rc));
	return rc;
}
