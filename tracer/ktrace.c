// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel tracepoints through a private tracefs instance: see ktrace.h.
 *
 * The instance "tunlab-<pid>" gets the mono clock, buffer_percent 0 (one
 * event wakes the reader) and its own per-CPU buffer size.  Each tracepoint
 * is a row of points[] below: where it lives, how it is filtered, and which
 * of its fields go to which member of struct kevent.  A record is read from
 * trace_pipe_raw a sub-buffer at a time (kbuffer), the CPUs merged by time.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <tracefs.h>

#include "clock.h"
#include "ktrace.h"

#define MAX_OPEN	8	/* ktraces open at once in one process */
#define READ_BUDGET	1024	/* sub-buffers per ktrace_read() at most */
#define WHY_MAX		96

/* How a tracepoint's events are told apart from other labs'. */
enum kfilter {
	KF_TASK,	/* by the task's network namespace (user space) */
	KF_TASK_NEW,	/* the same, after looking the task up again */
	KF_DEV,		/* by device name (kernel filter) */
	KF_FIB,		/* by result device, or the task when the lookup failed */
	KF_SKB,		/* by skb address, seen in a kept event */
};

/* How a field is stored in struct kevent. */
enum kx {
	KX_U64,		/* uint64_t */
	KX_S64,		/* int64_t, sign-extended from the field's size */
	KX_FD,		/* int64_t from a syscall's int argument */
	KX_U32,		/* uint32_t */
	KX_S32,		/* int32_t */
	KX_U16,		/* uint16_t */
	KX_STR,		/* char[KTRACE_NAME_MAX], fixed or __data_loc */
	KX_BYTES,	/* uint8_t[16] */
};

struct kfield {
	const char *name;
	enum kx kind;
	size_t off;
	bool required;
};

#define KFIELDS_MAX 12

struct kpoint {
	const char *system;
	const char *event;
	enum kfilter filter;
	const char *kfilter;	/* more kernel filter, ANDed in, or NULL */
	uint16_t family;	/* put in kevent.family, or 0 */
	struct kfield fields[KFIELDS_MAX];
};

#define F(n, k, m, r) { n, k, offsetof(struct kevent, m), r }
#define REQ true
#define OPT false

/* Device events: skbaddr, len and the device name. */
/* fib_table_lookup and fib6_table_lookup carry the same fields. */
#define FIB_FIELDS \
	F("name", KX_STR, dev, REQ), F("err", KX_S64, ret, REQ), \
	F("tb_id", KX_U32, table, OPT), F("oif", KX_S32, oif, OPT), \
	F("iif", KX_S32, iif, OPT), F("proto", KX_U16, protocol, OPT), \
	F("src", KX_BYTES, src, OPT), F("dst", KX_BYTES, dst, OPT), \
	F("sport", KX_U16, sport, OPT), F("dport", KX_U16, dport, OPT)
#define NET_FIELDS \
	F("skbaddr", KX_U64, skb, REQ), F("len", KX_U32, len, OPT), \
	F("name", KX_STR, dev, REQ)

/* The tracepoints, indexed by enum ktrace_point. */
static const struct kpoint points[KT_POINT_COUNT] = {
	[KT_SYS_SENDTO] = { "syscalls", "sys_enter_sendto", KF_TASK, NULL, 0,
		{ F("fd", KX_FD, fd, REQ), F("len", KX_U64, count, OPT) } },
	[KT_SYS_SENDMSG] = { "syscalls", "sys_enter_sendmsg", KF_TASK, NULL, 0,
		{ F("fd", KX_FD, fd, REQ) } },
	[KT_SYS_SENDMMSG] = { "syscalls", "sys_enter_sendmmsg", KF_TASK, NULL,
		0, { F("fd", KX_FD, fd, REQ), F("vlen", KX_U64, count, OPT) } },
	[KT_SYS_WRITE] = { "syscalls", "sys_enter_write", KF_TASK, NULL, 0,
		{ F("fd", KX_FD, fd, REQ), F("count", KX_U64, count, OPT) } },
	/* A non-blocking socket's "nothing yet" (-EAGAIN) is left out. */
	[KT_SYS_RECVFROM] = { "syscalls", "sys_exit_recvfrom", KF_TASK,
		"ret != -11", 0, { F("ret", KX_S64, ret, REQ) } },
	[KT_SYS_RECVMSG] = { "syscalls", "sys_exit_recvmsg", KF_TASK,
		"ret != -11", 0, { F("ret", KX_S64, ret, REQ) } },
	[KT_SYS_RECVMMSG] = { "syscalls", "sys_exit_recvmmsg", KF_TASK,
		"ret != -11", 0, { F("ret", KX_S64, ret, REQ) } },
	[KT_SYS_READ] = { "syscalls", "sys_exit_read", KF_TASK,
		"ret != -11", 0, { F("ret", KX_S64, ret, REQ) } },
	/* Only AF_INET and AF_INET6: not the lab's unix and netlink sockets. */
	[KT_SOCK_SEND] = { "sock", "sock_send_length", KF_TASK,
		"(family == 2 || family == 10)", 0,
		{ F("family", KX_U16, family, REQ),
		  F("protocol", KX_U16, protocol, OPT),
		  F("ret", KX_S64, ret, OPT), F("flags", KX_S32, flags, OPT) } },
	[KT_SOCK_RECV] = { "sock", "sock_recv_length", KF_TASK,
		"(family == 2 || family == 10) && ret != -11", 0,
		{ F("family", KX_U16, family, REQ),
		  F("protocol", KX_U16, protocol, OPT),
		  F("ret", KX_S64, ret, OPT), F("flags", KX_S32, flags, OPT) } },
	[KT_FIB_LOOKUP] = { "fib", "fib_table_lookup", KF_FIB, NULL, 2,
		{ FIB_FIELDS } },
	[KT_FIB6_LOOKUP] = { "fib6", "fib6_table_lookup", KF_FIB, NULL, 10,
		{ FIB_FIELDS } },
	[KT_DEV_QUEUE] = { "net", "net_dev_queue", KF_DEV, NULL, 0,
		{ NET_FIELDS } },
	[KT_DEV_XMIT] = { "net", "net_dev_xmit", KF_DEV, NULL, 0,
		{ NET_FIELDS, F("rc", KX_S64, ret, OPT) } },
	[KT_NETIF_RECEIVE] = { "net", "netif_receive_skb", KF_DEV, NULL, 0,
		{ NET_FIELDS } },
	[KT_NETIF_RX] = { "net", "netif_rx", KF_DEV, NULL, 0, { NET_FIELDS } },
	[KT_CONSUME_SKB] = { "skb", "consume_skb", KF_SKB, NULL, 0,
		{ F("skbaddr", KX_U64, skb, REQ),
		  F("location", KX_U64, location, OPT) } },
	[KT_KFREE_SKB] = { "skb", "kfree_skb", KF_SKB, NULL, 0,
		{ F("skbaddr", KX_U64, skb, REQ),
		  F("location", KX_U64, location, OPT),
		  F("protocol", KX_U16, protocol, OPT),
		  F("reason", KX_U32, reason, OPT) } },
	/* A task that execs or enters a namespace is looked up again, so
	 * that "ip netns exec NS ping" is ping, in NS, from then on. */
	[KT_TASK_EXEC] = { "sched", "sched_process_exec", KF_TASK_NEW, NULL,
		0, { F("pid", KX_S32, pid, OPT) } },
	[KT_TASK_SETNS] = { "syscalls", "sys_exit_setns", KF_TASK_NEW,
		"ret == 0", 0, { F("ret", KX_S64, ret, REQ) } },
};

static const char *const ctx_names[] = {
	[KEVENT_CTX_TASK] = "task",
	[KEVENT_CTX_SOFTIRQ] = "softirq",
	[KEVENT_CTX_HARDIRQ] = "hardirq",
	[KEVENT_CTX_NMI] = "nmi",
};

/* common_flags bits (kernel/trace/trace.h, enum trace_flag_type). */
#define TRACE_FLAG_HARDIRQ	0x08
#define TRACE_FLAG_SOFTIRQ	0x10
#define TRACE_FLAG_NMI		0x40

/*
 * The pid cache: a task's namespace and name, read from /proc.  A task in
 * one of our namespaces is trusted for a second; any other answer for 20 ms
 * only, since "ip netns exec" enters the namespace after it started.
 */
#define PID_SETS	256
#define PID_WAYS	4
#define PID_TTL_IN	1000000000ull
#define PID_TTL_OUT	20000000ull

struct pid_entry {
	int32_t pid;		/* 0: empty */
	int8_t ns;		/* index in our list, -1 other, -2 gone */
	uint64_t checked;	/* CLOCK_MONOTONIC of the /proc read */
	char comm[KTRACE_NAME_MAX];
};

/*
 * Live skbs: addresses a kept event saw, so that their consume_skb or
 * kfree_skb is kept too.  An address is reused within microseconds once
 * freed, so a match removes it, and one not seen for 2 s is stale.
 */
#define SKB_SET_BITS	10
#define SKB_SETS	(1u << SKB_SET_BITS)
#define SKB_WAYS	4
#define SKB_TTL		2000000000ull

struct skb_entry {
	uint64_t addr;		/* 0: empty */
	uint64_t ts;
};

/*
 * Frees waiting for their skb: a CPU's events can become readable a few ms
 * after another CPU's later ones (a vCPU descheduled mid-write), so a free
 * whose skb no kept event has shown yet waits here, by address, for 20 ms
 * of trace time.  A kept event of that skb from before the free releases it.
 */
#define PEND_SLOTS	1024
#define PEND_TTL	20000000ull

struct pend_free {
	struct kevent ev;
	bool used;
	bool delivered;		/* released; still there to mark the skb dead */
};

/* kallsyms look-ups, remembered. */
#define SYM_CACHE	32

struct sym_entry {
	uint64_t addr;
	char name[64];
};

/* One CPU's ring buffer. */
struct kcpu {
	int fd;			/* trace_pipe_raw, non-blocking; -1 none */
	void *page;		/* one sub-buffer as read */
	struct kbuffer *kbuf;
	void *data;		/* the current event, or NULL */
	unsigned long long ts;
	uint64_t missed;	/* events the stream said were lost */
};

/* A tracepoint as found on this kernel. */
struct kpoint_live {
	struct tep_event *event;	/* NULL: not enabled */
	struct tep_format_field *field[KFIELDS_MAX];
	char why[WHY_MAX];		/* why not enabled */
};

struct ktrace {
	struct tracefs_instance *inst;
	char name[64];
	char dir[PATH_MAX];		/* the instance's directory */
	pid_t owner;			/* only its creator removes it */
	struct tep_handle *tep;
	struct kpoint_live live[KT_POINT_COUNT];
	struct tep_print_flag_sym *reasons;	/* kfree_skb's reason names */

	char prefix[KTRACE_NAME_MAX];
	size_t prefix_len;
	uint64_t netns[KTRACE_MAX_NETNS];
	unsigned int n_netns;
	int32_t exclude[KTRACE_MAX_EXCLUDE];
	unsigned int n_exclude;
	bool fib_output_only;

	unsigned int ncpu;
	size_t subbuf_size;
	struct kcpu *cpu;

	struct pid_entry pids[PID_SETS][PID_WAYS];
	struct skb_entry skbs[SKB_SETS][SKB_WAYS];
	struct pend_free *pend;		/* PEND_SLOTS of them */
	struct sym_entry syms[SYM_CACHE];
	unsigned int sym_next;
	uint64_t now;			/* CLOCK_MONOTONIC of this read */
	struct ktrace_stats st;
};

/* Every open ktrace of this process, for ktrace_remove_all(). */
static struct ktrace *volatile open_ktraces[MAX_OPEN];

const char *ktrace_point_name(enum ktrace_point p)
{
	static char names[KT_POINT_COUNT][48];

	if ((unsigned int)p >= KT_POINT_COUNT)
		return "?";
	if (!names[p][0])
		snprintf(names[p], sizeof(names[p]), "%s:%s", points[p].system,
			 points[p].event);
	return names[p];
}

const char *kevent_ctx_name(enum kevent_ctx ctx)
{
	if ((unsigned int)ctx >= sizeof(ctx_names) / sizeof(ctx_names[0]))
		return "?";
	return ctx_names[ctx];
}

/* Remove one ktrace's instance the signal-safe way: close its buffers,
 * rmdir its directory.  Only in the process that made it. */
static void remove_instance(struct ktrace *kt)
{
	unsigned int i;

	if (kt->owner != getpid())
		return;
	for (i = 0; i < kt->ncpu; i++) {
		if (kt->cpu[i].fd >= 0) {
			close(kt->cpu[i].fd);
			kt->cpu[i].fd = -1;
		}
	}
	rmdir(kt->dir);
}

void ktrace_remove_all(void)
{
	int saved = errno;
	unsigned int i;

	for (i = 0; i < MAX_OPEN; i++) {
		struct ktrace *kt = open_ktraces[i];

		if (kt) {
			open_ktraces[i] = NULL;
			remove_instance(kt);
		}
	}
	errno = saved;
}

/* atexit: what exit() finds open is removed. */
static void remove_at_exit(void)
{
	ktrace_remove_all();
}

/* Put kt in the list ktrace_remove_all() walks.  0, or -EMFILE. */
static int register_open(struct ktrace *kt)
{
	static bool atexit_done;
	unsigned int i;

	if (!atexit_done) {
		if (atexit(remove_at_exit) != 0)
			return -ENOMEM;
		atexit_done = true;
	}
	for (i = 0; i < MAX_OPEN; i++) {
		if (!open_ktraces[i]) {
			open_ktraces[i] = kt;
			return 0;
		}
	}
	return -EMFILE;
}

/* Take kt out of that list. */
static void unregister_open(struct ktrace *kt)
{
	unsigned int i;

	for (i = 0; i < MAX_OPEN; i++)
		if (open_ktraces[i] == kt)
			open_ktraces[i] = NULL;
}

/* A device prefix goes into a kernel filter string: keep it plain. */
static bool prefix_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n >= KTRACE_NAME_MAX)
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

/* Pick the first free name tunlab-<pid>, tunlab-<pid>-1, ... */
static int pick_name(struct ktrace *kt)
{
	int n;

	for (n = 0; n < 100; n++) {
		if (n)
			snprintf(kt->name, sizeof(kt->name),
				 KTRACE_INSTANCE_PREFIX "%d-%d", (int)getpid(), n);
		else
			snprintf(kt->name, sizeof(kt->name),
				 KTRACE_INSTANCE_PREFIX "%d", (int)getpid());
		if (!tracefs_instance_exists(kt->name))
			return 0;
	}
	return -EEXIST;
}

/* Write str to the instance's file; 0 or a negative errno. */
static int inst_write(struct ktrace *kt, const char *file, const char *str)
{
	errno = 0;
	if (tracefs_instance_file_write(kt->inst, file, str) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

/* Make the instance: clock, wake-up threshold, buffer size. */
static int setup_instance(struct ktrace *kt, unsigned int buffer_kb,
			  char *errbuf)
{
	char num[32], *clock;
	long long subbuf_kb;
	int rc;

	rc = pick_name(kt);
	if (rc < 0) {
		snprintf(errbuf, KTRACE_ERRBUF, "no free tracefs instance name "
			 "for pid %d", (int)getpid());
		return rc;
	}
	errno = 0;
	kt->inst = tracefs_instance_create(kt->name);
	if (!kt->inst) {
		rc = errno ? -errno : -EIO;
		snprintf(errbuf, KTRACE_ERRBUF, "creating tracefs instance %s: "
			 "%s", kt->name, strerror(-rc));
		return rc;
	}
	{
		char *dir = tracefs_instance_get_dir(kt->inst);

		if (!dir) {
			snprintf(errbuf, KTRACE_ERRBUF, "tracefs instance %s: "
				 "no directory", kt->name);
			return -ENOMEM;
		}
		snprintf(kt->dir, sizeof(kt->dir), "%s", dir);
		free(dir);
	}
	kt->owner = getpid();
	rc = register_open(kt);
	if (rc < 0) {
		snprintf(errbuf, KTRACE_ERRBUF, "more than %d tracers open in "
			 "one process", MAX_OPEN);
		return rc;
	}

	tracefs_trace_off(kt->inst);
	rc = inst_write(kt, "trace_clock", "mono");
	clock = tracefs_instance_file_read(kt->inst, "trace_clock", NULL);
	if (rc < 0 || !clock || !strstr(clock, "[mono]")) {
		free(clock);
		snprintf(errbuf, KTRACE_ERRBUF, "%s: cannot set trace_clock to "
			 "mono: %s", kt->name, strerror(rc < 0 ? -rc : EINVAL));
		return rc < 0 ? rc : -EINVAL;
	}
	free(clock);
	/* Before 5.0 there is no buffer_percent, and any event wakes. */
	rc = inst_write(kt, "buffer_percent", "0");
	if (rc < 0 && tracefs_file_exists(kt->inst, "buffer_percent")) {
		snprintf(errbuf, KTRACE_ERRBUF, "%s: buffer_percent: %s",
			 kt->name, strerror(-rc));
		return rc;
	}
	snprintf(num, sizeof(num), "%u", buffer_kb);
	rc = inst_write(kt, "buffer_size_kb", num);
	if (rc < 0) {
		snprintf(errbuf, KTRACE_ERRBUF, "%s: buffer_size_kb %u: %s",
			 kt->name, buffer_kb, strerror(-rc));
		return rc;
	}
	kt->subbuf_size = (size_t)getpagesize();
	if (tracefs_instance_file_read_number(kt->inst, "buffer_subbuf_size_kb",
					      &subbuf_kb) == 0 &&
	    subbuf_kb > 0 && subbuf_kb <= 1024)
		kt->subbuf_size = (size_t)subbuf_kb * 1024;
	return 0;
}

/* Find tracefs, mounting it when it is not (libtracefs tries first). */
static int mount_tracefs(char *errbuf)
{
	int rc;

	if (tracefs_tracing_dir())
		return 0;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0 &&
	    errno != EBUSY) {
		rc = -errno;
		snprintf(errbuf, KTRACE_ERRBUF, "tracefs is not mounted and "
			 "cannot be mounted on /sys/kernel/tracing: %s",
			 strerror(errno));
		return rc;
	}
	if (!tracefs_tracing_dir()) {
		snprintf(errbuf, KTRACE_ERRBUF, "tracefs: not found after "
			 "mounting it");
		return -ENOENT;
	}
	return 0;
}

/* Find the symbol table that names a field's values in a print format. */
static struct tep_print_flag_sym *find_symbols(struct tep_print_arg *arg,
					       const char *field)
{
	struct tep_print_flag_sym *s;

	for (; arg; arg = arg->next) {
		if (arg->type == TEP_PRINT_SYMBOL && arg->symbol.field &&
		    arg->symbol.field->type == TEP_PRINT_FIELD &&
		    arg->symbol.field->field.name &&
		    !strcmp(arg->symbol.field->field.name, field))
			return arg->symbol.symbols;
		if (arg->type == TEP_PRINT_OP) {
			s = find_symbols(arg->op.left, field);
			if (!s)
				s = find_symbols(arg->op.right, field);
			if (s)
				return s;
		}
	}
	return NULL;
}

/* The kernel filter for point p, in buf: what the kernel can tell apart
 * itself never reaches the buffer (each record read costs far more in user
 * space than a filter costs in the kernel). */
static void build_filter(const struct ktrace *kt, enum ktrace_point p,
			 char *buf, size_t len)
{
	const struct kpoint *d = &points[p];
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	switch (d->filter) {
	case KF_TASK:
	case KF_TASK_NEW:
		/* Our own reads and writes would feed back into the buffer;
		 * the excluded tasks (the daemons) publish their own. */
		n = (size_t)snprintf(buf, len, "common_pid != %d", (int)getpid());
		for (i = 0; i < kt->n_exclude && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n,
					      " && common_pid != %d",
					      (int)kt->exclude[i]);
		break;
	case KF_DEV:
		n = (size_t)snprintf(buf, len, "name ~ \"%s*\"", kt->prefix);
		break;
	case KF_FIB:
		n = (size_t)snprintf(buf, len, "%sname ~ \"%s*\"%s%s",
				     kt->fib_output_only ? "(" : "", kt->prefix,
				     kt->n_netns ? " || err != 0" : "",
				     kt->fib_output_only ? ") && iif == 1" : "");
		break;
	case KF_SKB:
		break;
	}
	if (d->kfilter && n < len)
		snprintf(buf + n, len - n, "%s%s", n ? " && " : "", d->kfilter);
}

/* Find point p on this kernel, filter it and enable it; on failure say why
 * in kt->live[p].why and leave it out. */
static void enable_point(struct ktrace *kt, enum ktrace_point p)
{
	const struct kpoint *d = &points[p];
	struct kpoint_live *lv = &kt->live[p];
	struct tep_event *ev;
	/* The widest: the tracer's pid and every excluded task's, each
	 * " && common_pid != -2147483648", then the point's own filter. */
	char filter[64 + KTRACE_MAX_EXCLUDE * 32 + 256];
	unsigned int i;

	ev = tep_find_event_by_name(kt->tep, d->system, d->event);
	if (!ev) {
		snprintf(lv->why, WHY_MAX, "not available on this kernel");
		return;
	}
	for (i = 0; i < KFIELDS_MAX && d->fields[i].name; i++) {
		lv->field[i] = tep_find_field(ev, d->fields[i].name);
		if (!lv->field[i] && d->fields[i].required) {
			snprintf(lv->why, WHY_MAX, "not available: no field "
				 "'%s' on this kernel", d->fields[i].name);
			return;
		}
	}
	build_filter(kt, p, filter, sizeof(filter));
	if (filter[0] && tracefs_event_file_write(kt->inst, d->system,
						  d->event, "filter",
						  filter) < 0) {
		snprintf(lv->why, WHY_MAX, "filter '%.48s' rejected: %s",
			 filter, strerror(errno));
		return;
	}
	if (tracefs_event_enable(kt->inst, d->system, d->event) < 0) {
		snprintf(lv->why, WHY_MAX, "cannot enable: %s",
			 strerror(errno));
		return;
	}
	if (p == KT_KFREE_SKB)
		kt->reasons = find_symbols(ev->print_fmt.args, "reason");
	lv->event = ev;
}

/* Open every CPU's trace_pipe_raw, non-blocking. */
static int open_cpus(struct ktrace *kt, char *errbuf)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);
	struct kcpu *cpus;
	unsigned int i;

	if (n < 1)
		n = 1;
	cpus = calloc((size_t)n, sizeof(*cpus));
	if (!cpus) {
		snprintf(errbuf, KTRACE_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < (unsigned int)n; i++)
		cpus[i].fd = -1;
	/* Only now, for ktrace_remove_all() in a signal handler. */
	kt->cpu = cpus;
	kt->ncpu = (unsigned int)n;
	for (i = 0; i < kt->ncpu; i++) {
		struct kcpu *c = &kt->cpu[i];
		char path[PATH_MAX + 64];

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%u/trace_pipe_raw",
			 kt->dir, i);
		c->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (c->fd < 0 && errno == ENOENT)
			continue;	/* not a possible CPU */
		if (c->fd < 0) {
			int rc = -errno;

			snprintf(errbuf, KTRACE_ERRBUF, "%.200s: %s", path,
				 strerror(errno));
			return rc;
		}
		c->page = malloc(kt->subbuf_size);
		c->kbuf = kbuffer_alloc(KBUFFER_LSIZE_SAME_AS_HOST,
					KBUFFER_ENDIAN_SAME_AS_HOST);
		if (!c->page || !c->kbuf) {
			snprintf(errbuf, KTRACE_ERRBUF, "out of memory");
			return -ENOMEM;
		}
	}
	return 0;
}

/* Free everything of kt except the instance itself. */
static void free_ktrace(struct ktrace *kt)
{
	unsigned int i;

	for (i = 0; kt->cpu && i < kt->ncpu; i++) {
		if (kt->cpu[i].fd >= 0)
			close(kt->cpu[i].fd);
		free(kt->cpu[i].page);
		if (kt->cpu[i].kbuf)
			kbuffer_free(kt->cpu[i].kbuf);
	}
	free(kt->cpu);
	free(kt->pend);
	if (kt->tep)
		tep_free(kt->tep);
	free(kt);
}

int ktrace_close(struct ktrace *kt)
{
	unsigned int i;
	int rc = 0;

	if (!kt)
		return 0;
	unregister_open(kt);
	if (kt->inst) {
		tracefs_trace_off(kt->inst);
		for (i = 0; kt->cpu && i < kt->ncpu; i++) {
			if (kt->cpu[i].fd >= 0)
				close(kt->cpu[i].fd);
			kt->cpu[i].fd = -1;
		}
		errno = 0;
		/* ENOENT: ktrace_remove_all() took it already. */
		if (tracefs_instance_destroy(kt->inst) < 0 && errno != ENOENT)
			rc = errno ? -errno : -EIO;
		tracefs_instance_free(kt->inst);
	}
	free_ktrace(kt);
	return rc;
}

int ktrace_open(struct ktrace **ktp, const struct ktrace_opts *o,
		char *errbuf)
{
	static const char *const systems[] = {
		"syscalls", "sock", "fib", "fib6", "net", "skb", "sched", NULL
	};
	unsigned int buffer_kb = o->buffer_kb ? o->buffer_kb : KTRACE_BUFFER_KB;
	struct ktrace *kt;
	unsigned int p, enabled = 0;
	int rc;

	*ktp = NULL;
	if (!o->dev_prefix || !prefix_ok(o->dev_prefix)) {
		snprintf(errbuf, KTRACE_ERRBUF, "bad device prefix '%s': 1..15 "
			 "of A-Z a-z 0-9 . _ -", o->dev_prefix ? o->dev_prefix : "");
		return -EINVAL;
	}
	if (o->n_exclude > KTRACE_MAX_EXCLUDE) {
		snprintf(errbuf, KTRACE_ERRBUF, "more than %d tasks to leave "
			 "out", KTRACE_MAX_EXCLUDE);
		return -EINVAL;
	}
	if (o->n_netns > KTRACE_MAX_NETNS) {
		snprintf(errbuf, KTRACE_ERRBUF, "more than %d namespaces",
			 KTRACE_MAX_NETNS);
		return -EINVAL;
	}
	if (buffer_kb < KTRACE_BUFFER_KB_MIN || buffer_kb > KTRACE_BUFFER_KB_MAX) {
		snprintf(errbuf, KTRACE_ERRBUF, "buffer size %u kB: use %d..%d",
			 buffer_kb, KTRACE_BUFFER_KB_MIN, KTRACE_BUFFER_KB_MAX);
		return -EINVAL;
	}
	rc = mount_tracefs(errbuf);
	if (rc < 0)
		return rc;

	kt = calloc(1, sizeof(*kt));
	if (!kt) {
		snprintf(errbuf, KTRACE_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	kt->pend = calloc(PEND_SLOTS, sizeof(*kt->pend));
	if (!kt->pend) {
		free(kt);
		snprintf(errbuf, KTRACE_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	snprintf(kt->prefix, sizeof(kt->prefix), "%s", o->dev_prefix);
	kt->prefix_len = strlen(kt->prefix);
	kt->n_netns = o->n_netns;
	kt->n_exclude = o->n_exclude;
	if (o->n_exclude)
		memcpy(kt->exclude, o->exclude_pids,
		       o->n_exclude * sizeof(*o->exclude_pids));
	kt->fib_output_only = o->fib_output_only;
	if (o->n_netns)
		memcpy(kt->netns, o->netns, o->n_netns * sizeof(*o->netns));

	rc = setup_instance(kt, buffer_kb, errbuf);
	if (rc < 0)
		goto out_close;

	errno = 0;
	kt->tep = tracefs_local_events_system(NULL, systems);
	if (!kt->tep) {
		rc = errno ? -errno : -EIO;
		snprintf(errbuf, KTRACE_ERRBUF, "reading the tracepoints' "
			 "formats: %s", strerror(-rc));
		goto out_close;
	}
	for (p = 0; p < KT_POINT_COUNT; p++) {
		if (o->points && !(o->points & (1u << p)))
			snprintf(kt->live[p].why, WHY_MAX, "not asked for");
		else if ((points[p].filter == KF_TASK ||
			  points[p].filter == KF_TASK_NEW) && !kt->n_netns)
			snprintf(kt->live[p].why, WHY_MAX, "no namespace to "
				 "filter on");
		else
			enable_point(kt, (enum ktrace_point)p);
		if (kt->live[p].event)
			enabled++;
	}
	if (!enabled) {
		rc = -ENOENT;
		snprintf(errbuf, KTRACE_ERRBUF, "no tracepoint could be "
			 "enabled (%s: %s)", ktrace_point_name(KT_DEV_QUEUE),
			 kt->live[KT_DEV_QUEUE].why);
		goto out_close;
	}
	rc = open_cpus(kt, errbuf);
	if (rc < 0)
		goto out_close;
	if (tracefs_trace_on(kt->inst) < 0) {
		rc = errno ? -errno : -EIO;
		snprintf(errbuf, KTRACE_ERRBUF, "%s: tracing_on: %s", kt->name,
			 strerror(-rc));
		goto out_close;
	}
	kt->st.ncpu = kt->ncpu;
	*ktp = kt;
	return 0;

out_close:
	ktrace_close(kt);
	return rc;
}

const char *ktrace_instance(const struct ktrace *kt)
{
	return kt->name;
}

unsigned int ktrace_ncpu(const struct ktrace *kt)
{
	return kt->ncpu;
}

int ktrace_fd(const struct ktrace *kt, unsigned int cpu)
{
	return cpu < kt->ncpu ? kt->cpu[cpu].fd : -1;
}

const char *ktrace_unavailable(const struct ktrace *kt, enum ktrace_point p)
{
	if ((unsigned int)p >= KT_POINT_COUNT)
		return "no such tracepoint";
	return kt->live[p].event ? NULL : kt->live[p].why;
}

/* Read a small /proc file's first line into buf; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Look pid up in /proc: its namespace (as an index in our list) and name. */
static void pid_lookup(struct ktrace *kt, struct pid_entry *e, int32_t pid)
{
	char path[64], link[64];
	unsigned long long ino;
	unsigned int i;
	ssize_t n;

	kt->st.pid_lookups++;
	e->pid = pid;
	e->checked = kt->now;
	e->comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		e->ns = -2;
		return;
	}
	link[n] = '\0';
	e->ns = -1;
	if (sscanf(link, "net:[%llu]", &ino) == 1) {
		for (i = 0; i < kt->n_netns; i++)
			if (kt->netns[i] == ino)
				e->ns = (int8_t)i;
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_line(path, link, sizeof(link)) == 0)
		snprintf(e->comm, sizeof(e->comm), "%.15s", link);
}

/* The cache entry for pid, looked up again when it is too old. */
static const struct pid_entry *pid_get(struct ktrace *kt, int32_t pid)
{
	static const struct pid_entry idle = { 0, -1, 0, "swapper" };
	struct pid_entry *set = kt->pids[(uint32_t)pid * 2654435761u % PID_SETS];
	struct pid_entry *old = &set[0];
	unsigned int i;

	if (pid <= 0)
		return &idle;
	for (i = 0; i < PID_WAYS; i++) {
		struct pid_entry *e = &set[i];
		uint64_t ttl = e->ns >= 0 ? PID_TTL_IN : PID_TTL_OUT;

		if (e->pid == pid) {
			if (kt->now - e->checked >= ttl)
				pid_lookup(kt, e, pid);
			return e;
		}
		if (e->checked < old->checked)
			old = e;
	}
	pid_lookup(kt, old, pid);
	return old;
}

/* Forget what the cache knows of pid. */
static void pid_forget(struct ktrace *kt, int32_t pid)
{
	struct pid_entry *set = kt->pids[(uint32_t)pid * 2654435761u % PID_SETS];
	unsigned int i;

	for (i = 0; i < PID_WAYS; i++)
		if (set[i].pid == pid)
			set[i].pid = 0;
}

/* The set of live skbs an address falls in. */
static struct skb_entry *skb_set(struct ktrace *kt, uint64_t addr)
{
	uint64_t h = (addr >> 6) * 0x9E3779B97F4A7C15ull;

	return kt->skbs[h >> (64 - SKB_SET_BITS)];
}

/* Remember addr as live at ts. */
static void skb_add(struct ktrace *kt, uint64_t addr, uint64_t ts)
{
	struct skb_entry *set = skb_set(kt, addr), *old = &set[0];
	unsigned int i;

	if (!addr)
		return;
	for (i = 0; i < SKB_WAYS; i++) {
		if (set[i].addr == addr || !set[i].addr) {
			set[i].addr = addr;
			set[i].ts = ts;
			return;
		}
		if (set[i].ts < old->ts)
			old = &set[i];
	}
	if (ts - old->ts < SKB_TTL)
		kt->st.skb_evicted++;
	old->addr = addr;
	old->ts = ts;
}

/* Whether addr is live at ts; if so it is not any more (it is freed). */
static bool skb_take(struct ktrace *kt, uint64_t addr, uint64_t ts)
{
	struct skb_entry *set = skb_set(kt, addr);
	unsigned int i;

	for (i = 0; i < SKB_WAYS; i++) {
		if (set[i].addr == addr) {
			bool live = ts - set[i].ts < SKB_TTL;

			set[i].addr = 0;
			return live;
		}
	}
	return false;
}

/* Copy a string field (fixed array or __data_loc) into dst. */
static void get_str(struct tep_format_field *f, const uint8_t *data, int size,
		    char *dst, size_t dlen)
{
	unsigned int off = f->offset, len = f->size;

	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned long long v;

		if (tep_read_number_field(f, data, &v) < 0)
			return;
		off = (unsigned int)(v & 0xffff);
		len = (unsigned int)(v >> 16);
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += f->offset + f->size;
	}
	if (off >= (unsigned int)size)
		return;
	if (len > (unsigned int)size - off)
		len = (unsigned int)size - off;
	if (len >= dlen)
		len = (unsigned int)dlen - 1;
	memcpy(dst, data + off, len);
	dst[len] = '\0';
	dst[strnlen(dst, len)] = '\0';
}

/* Store field f of the record in ev, as spec says. */
static void get_field(const struct kfield *spec, struct tep_format_field *f,
		      const uint8_t *data, int size, struct kevent *ev)
{
	uint8_t *m = (uint8_t *)ev + spec->off;
	unsigned long long v = 0;
	int64_t s;

	if ((unsigned int)f->offset + (unsigned int)f->size > (unsigned int)size)
		return;
	if (spec->kind == KX_STR) {
		get_str(f, data, size, (char *)m, KTRACE_NAME_MAX);
		return;
	}
	if (spec->kind == KX_BYTES) {
		memcpy(m, data + f->offset, f->size < 16 ? f->size : 16);
		return;
	}
	if (tep_read_number_field(f, data, &v) < 0)
		return;
	s = (int64_t)v;
	if ((f->flags & TEP_FIELD_IS_SIGNED) && f->size < 8) {
		unsigned int shift = 64 - 8 * f->size;

		s = (int64_t)(v << shift) >> shift;
	}
	switch (spec->kind) {
	case KX_U64:
		*(uint64_t *)(void *)m = v;
		break;
	case KX_S64:
		*(int64_t *)(void *)m = s;
		break;
	case KX_FD:
		*(int64_t *)(void *)m = (int32_t)v;
		break;
	case KX_U32:
		*(uint32_t *)(void *)m = (uint32_t)v;
		break;
	case KX_S32:
		*(int32_t *)(void *)m = (int32_t)s;
		break;
	case KX_U16:
		*(uint16_t *)(void *)m = (uint16_t)v;
		break;
	default:
		break;
	}
}

/* The name of a kfree_skb reason, from the tracepoint's print format. */
static void reason_name(const struct ktrace *kt, struct kevent *ev)
{
	const struct tep_print_flag_sym *s;
	char *end;

	for (s = kt->reasons; s; s = s->next) {
		unsigned long long v = strtoull(s->value, &end, 0);

		if (end != s->value && !*end && v == ev->reason) {
			snprintf(ev->reason_name, sizeof(ev->reason_name), "%s",
				 s->str);
			return;
		}
	}
}

/* Which tracepoint a record is, or -1. */
static int point_of(const struct ktrace *kt, int type)
{
	unsigned int p;

	for (p = 0; p < KT_POINT_COUNT; p++)
		if (kt->live[p].event && kt->live[p].event->id == type)
			return (int)p;
	return -1;
}

/* Fill in who ran: comm always, the namespace for a task. */
static const struct pid_entry *who(struct ktrace *kt, struct kevent *ev)
{
	const struct pid_entry *e = pid_get(kt, ev->pid);

	snprintf(ev->comm, sizeof(ev->comm), "%s", e->comm);
	ev->ns = ev->ctx == KEVENT_CTX_TASK && e->ns >= 0 ? e->ns : -1;
	return e;
}

/* Keep a task event if its task lives in one of our namespaces. */
static bool keep_task(struct ktrace *kt, struct kevent *ev)
{
	const struct pid_entry *e;

	if (ev->ctx != KEVENT_CTX_TASK) {
		kt->st.filtered_irq++;
		return false;
	}
	e = who(kt, ev);
	if (e->ns == -2) {
		kt->st.lost_pid_gone++;
		return false;
	}
	if (e->ns < 0) {
		kt->st.filtered_ns++;
		return false;
	}
	return true;
}

/* The waiting slot of an skb address. */
static struct pend_free *pend_slot(struct ktrace *kt, uint64_t addr)
{
	return &kt->pend[((addr >> 6) * 0x9E3779B97F4A7C15ull) >> 54 &
			 (PEND_SLOTS - 1)];
}

/* Let a free of an skb not seen (yet) wait; what it pushes out was of
 * another lab, or of none. */
static void pend_add(struct ktrace *kt, const struct kevent *ev)
{
	struct pend_free *pf = pend_slot(kt, ev->skb);

	if (pf->used && !pf->delivered)
		kt->st.filtered_skb++;
	pf->ev = *ev;
	pf->used = true;
	pf->delivered = false;
}

/* A kept event of skb ev->skb: hand on a free of it that came first, and
 * say whether the skb is dead already (true: do not add it as live). */
static bool pend_release(struct ktrace *kt, const struct kevent *ev,
			 ktrace_fn fn, void *arg)
{
	struct pend_free *pf = pend_slot(kt, ev->skb);

	if (!pf->used)
		return false;
	if (ev->ts_ns > pf->ev.ts_ns + PEND_TTL) {
		/* Too old to wait any longer. */
		if (!pf->delivered)
			kt->st.filtered_skb++;
		pf->used = false;
		return false;
	}
	if (pf->ev.skb != ev->skb || pf->ev.ts_ns < ev->ts_ns)
		return false;
	if (!pf->delivered) {
		pf->delivered = true;
		who(kt, &pf->ev);
		if (pf->ev.point == KT_KFREE_SKB)
			reason_name(kt, &pf->ev);
		kt->st.delivered++;
		fn(&pf->ev, arg);
	}
	return true;
}

/* Decode one record, filter it, and hand it to fn if it is kept. */
static void handle(struct ktrace *kt, struct kcpu *c, unsigned int cpu,
		   ktrace_fn fn, void *arg)
{
	struct tep_record rec = {
		.ts = c->ts, .cpu = (int)cpu, .data = c->data,
		.size = kbuffer_event_size(c->kbuf),
	};
	const struct kpoint *d;
	struct kevent ev;
	int p, fl;
	unsigned int i;

	kt->st.records++;
	p = point_of(kt, tep_data_type(kt->tep, &rec));
	if (p < 0 || rec.size < 8) {
		kt->st.lost_bad++;
		return;
	}
	d = &points[p];
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = c->ts;
	ev.point = (enum ktrace_point)p;
	ev.cpu = cpu;
	ev.fd = -1;
	ev.ns = -1;
	ev.pid = tep_data_pid(kt->tep, &rec);
	fl = tep_data_flags(kt->tep, &rec);
	if (fl & TRACE_FLAG_NMI)
		ev.ctx = KEVENT_CTX_NMI;
	else if (fl & TRACE_FLAG_HARDIRQ)
		ev.ctx = KEVENT_CTX_HARDIRQ;
	else if (fl & TRACE_FLAG_SOFTIRQ)
		ev.ctx = KEVENT_CTX_SOFTIRQ;
	/* Most records are other tasks' syscalls: turn them away first. */
	if (d->filter == KF_TASK_NEW)
		pid_forget(kt, ev.pid);
	if ((d->filter == KF_TASK || d->filter == KF_TASK_NEW) &&
	    !keep_task(kt, &ev))
		return;
	ev.family = d->family;
	for (i = 0; i < KFIELDS_MAX && d->fields[i].name; i++)
		if (kt->live[p].field[i])
			get_field(&d->fields[i], kt->live[p].field[i],
				  rec.data, rec.size, &ev);

	switch (d->filter) {
	case KF_TASK:
	case KF_TASK_NEW:
		break;
	case KF_FIB:
		/* A failed lookup names no device: its task tells the lab. */
		if (strncmp(ev.dev, kt->prefix, kt->prefix_len) != 0) {
			if (!keep_task(kt, &ev))
				return;
		} else {
			who(kt, &ev);
		}
		break;
	case KF_DEV:
		if (strncmp(ev.dev, kt->prefix, kt->prefix_len) != 0) {
			kt->st.filtered_dev++;
			return;
		}
		who(kt, &ev);
		kt->st.delivered++;
		fn(&ev, arg);
		if (!pend_release(kt, &ev, fn, arg))
			skb_add(kt, ev.skb, ev.ts_ns);
		return;
	case KF_SKB:
		if (!skb_take(kt, ev.skb, ev.ts_ns)) {
			pend_add(kt, &ev);
			return;
		}
		who(kt, &ev);
		if (p == KT_KFREE_SKB)
			reason_name(kt, &ev);
		break;
	}
	kt->st.delivered++;
	fn(&ev, arg);
}

/* Load the next sub-buffer of a CPU that has events: 1 loaded, 0 empty, or
 * a negative errno. */
static int refill(struct ktrace *kt, struct kcpu *c)
{
	for (;;) {
		ssize_t n = read(c->fd, c->page, kt->subbuf_size);
		int missed;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (kbuffer_load_subbuffer(c->kbuf, c->page) < 0) {
			kt->st.lost_bad++;
			continue;
		}
		missed = kbuffer_missed_events(c->kbuf);
		if (missed)
			c->missed += missed > 0 ? (uint64_t)missed : 1;
		c->data = kbuffer_read_event(c->kbuf, &c->ts);
		if (c->data)
			return 1;
	}
}

int ktrace_hold(struct ktrace *kt, bool hold)
{
	int rc = hold ? tracefs_trace_off(kt->inst) : tracefs_trace_on(kt->inst);

	return rc < 0 ? -EIO : 0;
}

int ktrace_read(struct ktrace *kt, ktrace_fn fn, void *arg)
{
	uint64_t before = kt->st.delivered;
	unsigned int i, pages = 0;
	int rc;

	kt->now = tl_now_ns();
	for (i = 0; i < kt->ncpu; i++) {
		struct kcpu *c = &kt->cpu[i];

		if (c->fd < 0 || c->data)
			continue;
		rc = refill(kt, c);
		if (rc < 0)
			return rc;
		pages += (unsigned int)rc;
	}
	for (;;) {
		struct kcpu *c = NULL;
		unsigned int cpu = 0;

		for (i = 0; i < kt->ncpu; i++) {
			if (kt->cpu[i].data &&
			    (!c || kt->cpu[i].ts < c->ts)) {
				c = &kt->cpu[i];
				cpu = i;
			}
		}
		if (!c)
			break;
		handle(kt, c, cpu, fn, arg);
		c->data = kbuffer_next_event(c->kbuf, &c->ts);
		/* Past the budget, finish what is loaded and let the loop
		 * call again: the fds stay readable. */
		if (!c->data && pages < READ_BUDGET) {
			rc = refill(kt, c);
			if (rc < 0)
				return rc;
			pages += (unsigned int)rc;
		}
	}
	return (int)(kt->st.delivered - before);
}

/* Parse per_cpu/cpuN/stats ("overrun: 12" lines) into cs. */
static void parse_cpu_stats(const char *text, struct ktrace_cpu_stats *cs)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "entries", offsetof(struct ktrace_cpu_stats, entries) },
		{ "overrun", offsetof(struct ktrace_cpu_stats, overrun) },
		{ "commit overrun",
		  offsetof(struct ktrace_cpu_stats, commit_overrun) },
		{ "dropped events", offsetof(struct ktrace_cpu_stats, dropped) },
		{ "read events", offsetof(struct ktrace_cpu_stats, read) },
	};
	const char *line = text;

	while (line && *line) {
		const char *colon = strchr(line, ':');
		unsigned int i;

		for (i = 0; colon && i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t n = strlen(keys[i].key);

			if ((size_t)(colon - line) == n &&
			    !strncmp(line, keys[i].key, n))
				*(uint64_t *)(void *)((char *)cs + keys[i].off) =
					strtoull(colon + 1, NULL, 10);
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

int ktrace_cpu_stats(struct ktrace *kt, unsigned int cpu,
		     struct ktrace_cpu_stats *cs, char *errbuf)
{
	char file[64], *text;

	memset(cs, 0, sizeof(*cs));
	if (cpu >= kt->ncpu) {
		snprintf(errbuf, KTRACE_ERRBUF, "no CPU %u", cpu);
		return -EINVAL;
	}
	cs->missed = kt->cpu[cpu].missed;
	if (kt->cpu[cpu].fd < 0)
		return 0;
	snprintf(file, sizeof(file), "per_cpu/cpu%u/stats", cpu);
	errno = 0;
	text = tracefs_instance_file_read(kt->inst, file, NULL);
	if (!text) {
		int rc = errno ? -errno : -EIO;

		snprintf(errbuf, KTRACE_ERRBUF, "%s/%s: %s", kt->name, file,
			 strerror(-rc));
		return rc;
	}
	parse_cpu_stats(text, cs);
	free(text);
	return 0;
}

int ktrace_stats(struct ktrace *kt, struct ktrace_stats *st, char *errbuf)
{
	unsigned int i;
	int rc;

	kt->st.lost_kernel = 0;
	for (i = 0; i < kt->ncpu; i++) {
		struct ktrace_cpu_stats cs;

		rc = ktrace_cpu_stats(kt, i, &cs, errbuf);
		if (rc < 0)
			return rc;
		/* A page flagged "missed" counts what overrun counted. */
		kt->st.lost_kernel += cs.overrun + cs.dropped +
				      (cs.overrun ? 0 : cs.missed);
	}
	*st = kt->st;
	return 0;
}

int ktrace_symbol(struct ktrace *kt, uint64_t addr, char *buf, size_t len)
{
	unsigned long long a, best = 0;
	char line[256], name[128], type, best_name[128] = "";
	struct sym_entry *e;
	unsigned int i;
	FILE *f;

	for (i = 0; i < SYM_CACHE; i++) {
		if (kt->syms[i].addr == addr && kt->syms[i].name[0]) {
			snprintf(buf, len, "%s", kt->syms[i].name);
			return 0;
		}
	}
	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s", &a, &type, name) != 3)
			continue;
		if ((type == 't' || type == 'T') && a <= addr && a > best) {
			best = a;
			snprintf(best_name, sizeof(best_name), "%s", name);
		}
	}
	fclose(f);
	if (!best || addr - best > 0x100000)
		return -ENOENT;	/* no symbols (kptr_restrict) or not text */
	e = &kt->syms[kt->sym_next++ % SYM_CACHE];
	e->addr = addr;
	snprintf(e->name, sizeof(e->name), "%.40s+0x%llx", best_name,
		 (unsigned long long)(addr - best));
	snprintf(buf, len, "%s", e->name);
	return 0;
}

struct stale_walk {
	int removed;
	int err;
	char name[64];
};

/* tracefs_instances_walk: remove a tunlab-<pid> whose process is gone. */
static int stale_one(const char *name, void *arg)
{
	struct stale_walk *w = arg;
	struct tracefs_instance *inst;
	const char *p = name + strlen(KTRACE_INSTANCE_PREFIX);
	char *end;
	long pid;

	if (strncmp(name, KTRACE_INSTANCE_PREFIX,
		    strlen(KTRACE_INSTANCE_PREFIX)) != 0)
		return 0;
	pid = strtol(p, &end, 10);
	if (end == p || pid <= 0 || (*end && *end != '-'))
		return 0;
	if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return 0;
	inst = tracefs_instance_alloc(NULL, name);
	if (!inst)
		return 0;
	if (tracefs_instance_destroy(inst) == 0) {
		w->removed++;
	} else if (!w->err) {
		w->err = errno ? -errno : -EIO;
		snprintf(w->name, sizeof(w->name), "%s", name);
	}
	tracefs_instance_free(inst);
	return 0;
}

int ktrace_remove_stale(char *errbuf)
{
	struct stale_walk w = { 0, 0, "" };

	if (tracefs_instances_walk(stale_one, &w) < 0 && !w.removed) {
		if (errno == ENOENT)
			return 0;	/* no tracefs, no instances */
		snprintf(errbuf, KTRACE_ERRBUF, "listing tracefs instances: "
			 "%s", strerror(errno));
		return -errno;
	}
	if (w.err) {
		snprintf(errbuf, KTRACE_ERRBUF, "removing tracefs instance %s: "
			 "%s", w.name, strerror(-w.err));
		return w.err;
	}
	return w.removed;
}
