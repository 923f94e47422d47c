// SPDX-License-Identifier: GPL-2.0-only
/*
 * ktracecat [-q] [-b KB] PREFIX NETNS... [SECONDS]: print the kernel's events of
 * one lab, one line each, until SECONDS pass (default 10) or a signal
 * (tests use it where the tracer will be):
 *
 *   ts=123456789 cpu=1 pid=812 comm=tunlab ctx=task ns=tl3fa2-mobile
 *     point=syscalls:sys_enter_sendto fd=3 count=5
 *
 * Device events are kept for devices whose names start with PREFIX, task
 * events for tasks in the NETNS given (a name in /run/netns, or a path).
 * It prints "ready <instance>" on stderr once tracing, a line per
 * tracepoint it could not enable, and its counters at the end.  -q counts
 * the events of each tracepoint instead of printing them.
 *
 * ktracecat -S removes the tracefs instances of tracers that were killed
 * (as tunlab down --stale does) and prints how many.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evloop.h"
#include "ktrace.h"

struct cat {
	struct ktrace *kt;
	bool quiet;			/* -q: count, do not print */
	uint64_t count[KT_POINT_COUNT];
	struct evloop *loop;
	char *const *ns_names;
	int err;
};

/* Print an address of a fib event by its family. */
static const char *addr_str(const struct kevent *ev, const uint8_t *a,
			    char *buf, size_t len)
{
	if (!inet_ntop(ev->family == AF_INET6 ? AF_INET6 : AF_INET, a, buf,
		       (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* One line per event. */
static void print_event(const struct kevent *ev, void *arg)
{
	struct cat *c = arg;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	char sym[80];

	if (c->quiet) {
		c->count[ev->point]++;
		return;
	}
	printf("ts=%" PRIu64 " cpu=%u pid=%d comm=%s ctx=%s ns=%s point=%s",
	       ev->ts_ns, ev->cpu, ev->pid, ev->comm[0] ? ev->comm : "?",
	       kevent_ctx_name((enum kevent_ctx)ev->ctx),
	       ev->ns >= 0 ? c->ns_names[ev->ns] : "-",
	       ktrace_point_name(ev->point));
	switch (ev->point) {
	case KT_SYS_SENDTO:
	case KT_SYS_SENDMSG:
	case KT_SYS_SENDMMSG:
	case KT_SYS_WRITE:
		printf(" fd=%" PRId64 " count=%" PRIu64, ev->fd, ev->count);
		break;
	case KT_SYS_RECVFROM:
	case KT_SYS_RECVMSG:
	case KT_SYS_RECVMMSG:
	case KT_SYS_READ:
	case KT_TASK_SETNS:
		printf(" ret=%" PRId64, ev->ret);
		break;
	case KT_SOCK_SEND:
	case KT_SOCK_RECV:
		printf(" family=%u protocol=%u ret=%" PRId64 " flags=0x%x",
		       ev->family, ev->protocol, ev->ret, (unsigned int)ev->flags);
		break;
	case KT_FIB_LOOKUP:
	case KT_FIB6_LOOKUP:
		printf(" dev=%s src=%s sport=%u dst=%s dport=%u proto=%u "
		       "table=%u oif=%d iif=%d err=%" PRId64,
		       ev->dev[0] ? ev->dev : "-",
		       addr_str(ev, ev->src, a, sizeof(a)), ev->sport,
		       addr_str(ev, ev->dst, b, sizeof(b)), ev->dport,
		       ev->protocol,
		       ev->table, ev->oif, ev->iif, ev->ret);
		break;
	case KT_DEV_XMIT:
		printf(" dev=%s skb=0x%" PRIx64 " len=%u rc=%" PRId64, ev->dev,
		       ev->skb, ev->len, ev->ret);
		break;
	case KT_DEV_QUEUE:
	case KT_NETIF_RECEIVE:
	case KT_NETIF_RX:
		printf(" dev=%s skb=0x%" PRIx64 " len=%u", ev->dev, ev->skb,
		       ev->len);
		break;
	case KT_KFREE_SKB:
		printf(" reason=%u reason_name=%s protocol=0x%04x", ev->reason,
		       ev->reason_name[0] ? ev->reason_name : "?",
		       ev->protocol);
		/* fall through */
	case KT_CONSUME_SKB:
		if (ktrace_symbol(c->kt, ev->location, sym, sizeof(sym)) < 0)
			snprintf(sym, sizeof(sym), "0x%" PRIx64, ev->location);
		printf(" skb=0x%" PRIx64 " location=%s", ev->skb, sym);
		break;
	default:
		break;
	}
	putchar('\n');
}

/* A CPU's buffer has events: print them. */
static void on_buffer(struct evloop *l, int fd, unsigned int events,
		      void *arg)
{
	struct cat *c = arg;
	int rc;

	(void)fd;
	(void)events;
	rc = ktrace_read(c->kt, print_event, c);
	fflush(stdout);
	if (rc < 0) {
		c->err = rc;
		evloop_stop(l);
	}
}

/* SIGINT, SIGTERM, SIGHUP: stop, so that the instance is removed. */
static void on_signal(struct evloop *l, int fd, unsigned int events,
		      void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		evloop_stop(l);
}

/* SECONDS have passed. */
static uint64_t on_timeout(struct evloop *l, void *arg)
{
	(void)arg;
	evloop_stop(l);
	return 0;
}

/* The inode of a namespace given by name or path, or 0. */
static uint64_t ns_inode(const char *name)
{
	char path[300];
	struct stat st;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (stat(path, &st) < 0) {
		fprintf(stderr, "ktracecat: %s: %s\n", path, strerror(errno));
		return 0;
	}
	return (uint64_t)st.st_ino;
}

/* The counters, on stderr. */
static void print_stats(struct ktrace *kt)
{
	char err[KTRACE_ERRBUF];
	struct ktrace_stats st;
	unsigned int i;

	if (ktrace_stats(kt, &st, err) < 0) {
		fprintf(stderr, "ktracecat: %s\n", err);
		return;
	}
	fprintf(stderr, "ktracecat: records %" PRIu64 " delivered %" PRIu64
		" filtered dev %" PRIu64 " ns %" PRIu64 " irq %" PRIu64
		" skb %" PRIu64 " lost kernel %" PRIu64 " pid-gone %" PRIu64
		" bad %" PRIu64 " pid-lookups %" PRIu64 " skb-evicted %" PRIu64
		"\n", st.records, st.delivered, st.filtered_dev, st.filtered_ns,
		st.filtered_irq, st.filtered_skb, st.lost_kernel,
		st.lost_pid_gone, st.lost_bad, st.pid_lookups, st.skb_evicted);
	for (i = 0; i < st.ncpu; i++) {
		struct ktrace_cpu_stats cs;

		if (ktrace_cpu_stats(kt, i, &cs, err) == 0 &&
		    (cs.overrun || cs.dropped || cs.missed))
			fprintf(stderr, "ktracecat: cpu%u overrun %" PRIu64
				" dropped %" PRIu64 " missed %" PRIu64 "\n", i,
				cs.overrun, cs.dropped, cs.missed);
	}
}

int main(int argc, char **argv)
{
	struct ktrace_opts o = { 0 };
	uint64_t ns[KTRACE_MAX_NETNS];
	char err[KTRACE_ERRBUF], *end;
	struct cat c = { 0 };
	double seconds = 10;
	sigset_t sigs;
	unsigned int i;
	int argi = 1, nns, sfd, rc;

	if (argc == 2 && !strcmp(argv[1], "-S")) {
		rc = ktrace_remove_stale(err);
		if (rc < 0) {
			fprintf(stderr, "ktracecat: %s\n", err);
			return 1;
		}
		printf("removed %d\n", rc);
		return 0;
	}
	for (;;) {
		if (argc > argi + 1 && !strcmp(argv[argi], "-b")) {
			o.buffer_kb = (unsigned int)strtoul(argv[argi + 1],
							    NULL, 10);
			argi += 2;
		} else if (argc > argi && !strcmp(argv[argi], "-q")) {
			c.quiet = true;
			argi++;
		} else {
			break;
		}
	}
	if (argc - argi < 1) {
		fprintf(stderr, "usage: ktracecat [-q] [-b KB] PREFIX NETNS... "
			"[SECONDS]\n       ktracecat -S\n");
		return 2;
	}
	o.dev_prefix = argv[argi++];
	nns = argc - argi;
	if (nns > 0) {
		double s = strtod(argv[argc - 1], &end);

		if (end != argv[argc - 1] && !*end) {
			seconds = s;
			nns--;
		}
	}
	if (nns > KTRACE_MAX_NETNS) {
		fprintf(stderr, "ktracecat: at most %d namespaces\n",
			KTRACE_MAX_NETNS);
		return 2;
	}
	for (i = 0; i < (unsigned int)nns; i++) {
		ns[i] = ns_inode(argv[argi + i]);
		if (!ns[i])
			return 1;
	}
	o.netns = ns;
	o.n_netns = (unsigned int)nns;
	c.ns_names = argv + argi;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	c.loop = evloop_new();
	if (sfd < 0 || !c.loop) {
		fprintf(stderr, "ktracecat: %s\n", strerror(errno));
		return 1;
	}
	rc = ktrace_open(&c.kt, &o, err);
	if (rc < 0) {
		fprintf(stderr, "ktracecat: %s\n", err);
		evloop_free(c.loop);
		return 1;
	}
	for (i = 0; i < KT_POINT_COUNT; i++) {
		const char *why = ktrace_unavailable(c.kt, (enum ktrace_point)i);

		if (why)
			fprintf(stderr, "ktracecat: tracepoint %s not available: "
				"%s\n", ktrace_point_name((enum ktrace_point)i),
				why);
	}
	for (i = 0; i < ktrace_ncpu(c.kt); i++) {
		int fd = ktrace_fd(c.kt, i);

		if (fd >= 0)
			evloop_add_fd(c.loop, fd, EV_READ, on_buffer, &c);
	}
	evloop_add_fd(c.loop, sfd, EV_READ, on_signal, &c);
	evloop_add_timer(c.loop, (uint64_t)(seconds * 1e9), on_timeout, &c);
	fprintf(stderr, "ready %s\n", ktrace_instance(c.kt));

	rc = evloop_run(c.loop);
	if (!c.err && rc == 0)
		c.err = ktrace_read(c.kt, print_event, &c) < 0 ? -EIO : 0;
	fflush(stdout);
	for (i = 0; c.quiet && i < KT_POINT_COUNT; i++)
		if (c.count[i])
			printf("%s %" PRIu64 "\n",
			       ktrace_point_name((enum ktrace_point)i), c.count[i]);
	print_stats(c.kt);
	for (i = 0; i < ktrace_ncpu(c.kt); i++)
		if (ktrace_fd(c.kt, i) >= 0)
			evloop_del_fd(c.loop, ktrace_fd(c.kt, i));
	rc = ktrace_close(c.kt);
	if (rc < 0)
		fprintf(stderr, "ktracecat: removing the tracefs instance: %s\n",
			strerror(-rc));
	evloop_free(c.loop);
	close(sfd);
	return c.err || rc < 0 ? 1 : 0;
}
