/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's own view of a lab's packets: tracepoints read from a private
 * tracefs instance, "tunlab-<pid>", through its binary per-CPU ring buffers
 * (trace_pipe_raw), parsed with libtraceevent.
 *
 * Tracepoints are global: they carry no namespace and run in whatever task
 * or softirq handles them.  So ktrace keeps
 *   - device events (net_dev_queue, net_dev_xmit, netif_receive_skb,
 *     netif_rx, fib_table_lookup's result device) whose device name starts
 *     with the lab's prefix ("tl3fa2"): a filter in the kernel;
 *   - task events (syscalls, sock_send/recv_length, a failed fib lookup)
 *     whose task lives in one of the lab's network namespaces: checked here,
 *     in user space, through /proc/PID/ns/net (cached per pid);
 *   - skb frees (consume_skb, kfree_skb) of skbs a kept event saw recently.
 * Everything else is counted, not delivered.
 *
 * Times are the instance's "mono" clock, which is CLOCK_MONOTONIC.  Events
 * are delivered in time order within one ktrace_read(); across calls an
 * event read late from another CPU may be older than the last one: the
 * caller's reorder window puts it right.
 *
 * The instance must not outlive the process: ktrace_close() removes it, an
 * atexit handler removes what exit() finds open, and a signal handler that
 * ends the process calls ktrace_remove_all().  Only SIGKILL leaves one
 * behind; ktrace_remove_stale() (tunlab down --stale) removes instances
 * whose process is gone.  Single-threaded: one thread opens, reads and
 * closes.
 */
#ifndef TUNLAB_KTRACE_H
#define TUNLAB_KTRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KTRACE_ERRBUF		256
#define KTRACE_NAME_MAX		16	/* comm, device names: IFNAMSIZ */
#define KTRACE_REASON_MAX	32	/* "NO_SOCKET" */
#define KTRACE_MAX_NETNS	32
#define KTRACE_MAX_EXCLUDE	32
#define KTRACE_BUFFER_KB	4096	/* per CPU, by default */
#define KTRACE_BUFFER_KB_MIN	64
#define KTRACE_BUFFER_KB_MAX	262144
#define KTRACE_INSTANCE_PREFIX	"tunlab-"

/* The tracepoints, in the order of the table in ktrace.c. */
enum ktrace_point {
	KT_SYS_SENDTO = 0,	/* syscalls:sys_enter_sendto: fd, count */
	KT_SYS_SENDMSG,		/* syscalls:sys_enter_sendmsg: fd */
	KT_SYS_SENDMMSG,	/* syscalls:sys_enter_sendmmsg: fd, count (vlen) */
	KT_SYS_WRITE,		/* syscalls:sys_enter_write: fd, count */
	KT_SYS_RECVFROM,	/* syscalls:sys_exit_recvfrom: ret */
	KT_SYS_RECVMSG,		/* syscalls:sys_exit_recvmsg: ret */
	KT_SYS_RECVMMSG,	/* syscalls:sys_exit_recvmmsg: ret (datagrams) */
	KT_SYS_READ,		/* syscalls:sys_exit_read: ret */
	KT_SOCK_SEND,		/* sock:sock_send_length: family, protocol, ret */
	KT_SOCK_RECV,		/* sock:sock_recv_length: family, protocol, ret */
	KT_FIB_LOOKUP,		/* fib:fib_table_lookup: the IPv4 route chosen */
	KT_FIB6_LOOKUP,		/* fib6:fib6_table_lookup: the IPv6 route */
	KT_DEV_QUEUE,		/* net:net_dev_queue: skb, len, dev */
	KT_DEV_XMIT,		/* net:net_dev_xmit: skb, len, dev, ret (rc) */
	KT_NETIF_RECEIVE,	/* net:netif_receive_skb: skb, len, dev */
	KT_NETIF_RX,		/* net:netif_rx: skb, len, dev */
	KT_CONSUME_SKB,		/* skb:consume_skb: skb, location */
	KT_KFREE_SKB,		/* skb:kfree_skb: skb, location, reason */
	KT_TASK_EXEC,		/* sched:sched_process_exec: a new comm */
	KT_TASK_SETNS,		/* syscalls:sys_exit_setns: a new namespace */
	KT_POINT_COUNT,
};

/* What the CPU was doing when the tracepoint fired (from common_flags). */
enum kevent_ctx {
	KEVENT_CTX_TASK = 0,	/* process context: pid is the task's */
	KEVENT_CTX_SOFTIRQ,	/* pid is whoever was interrupted */
	KEVENT_CTX_HARDIRQ,
	KEVENT_CTX_NMI,
};

/*
 * One kernel event.  Members a tracepoint does not have stay 0 (fd -1,
 * ns -1, strings "").  Strings are always NUL-terminated.
 */
struct kevent {
	uint64_t ts_ns;		/* CLOCK_MONOTONIC */
	enum ktrace_point point;
	uint32_t cpu;
	int32_t pid;		/* common_pid: the thread running */
	uint8_t ctx;		/* enum kevent_ctx */
	int8_t ns;		/* index in ktrace_opts.netns of pid's namespace;
				 * -1: another one, or ctx is not a task */
	char comm[KTRACE_NAME_MAX];	/* of pid, from /proc, or "" */

	uint64_t skb;		/* skbaddr: net and skb events */
	uint32_t len;		/* net: skb->len */
	char dev[KTRACE_NAME_MAX];	/* net: the device; fib: result dev */

	int64_t fd;		/* sys_enter_*: the fd (exits do not carry it) */
	uint64_t count;		/* sendto/write: bytes; sendmmsg: vlen */
	int64_t ret;		/* sys_exit_*, sock_*: return value;
				 * net_dev_xmit: rc; fib: err */
	uint16_t family;	/* sock: AF_*; fib: AF_INET or AF_INET6 */
	uint16_t protocol;	/* sock: IPPROTO_*; fib: IP proto;
				 * kfree_skb: skb->protocol (ETH_P_*) */
	int32_t flags;		/* sock: MSG_* */

	uint32_t table;		/* fib: tb_id */
	int32_t oif, iif;	/* fib: ifindex, in the task's namespace */
	uint16_t sport, dport;	/* fib: ports of the flow */
	uint8_t src[16], dst[16];	/* fib: 4 or 16 bytes by family */
	/* No gateway: the kernel leaves gw4/gw6 unset when the route has
	 * none, so the record holds leftovers of older events. */

	uint64_t location;	/* skb frees: the caller's address */
	uint32_t reason;	/* kfree_skb: enum skb_drop_reason */
	char reason_name[KTRACE_REASON_MAX];	/* "NO_SOCKET", or "" */
};

struct ktrace_opts {
	const char *dev_prefix;		/* device names to keep: "tl3fa2" */
	const uint64_t *netns;		/* namespace inodes whose tasks count */
	unsigned int n_netns;		/* 0: task events are not enabled */
	unsigned int buffer_kb;		/* per-CPU ring buffer; 0: default */
	uint32_t points;		/* 1u << KT_*; 0: every tracepoint */
	/* Tasks whose task events (syscalls, sock_*) the kernel drops before
	 * they reach the buffer: the VPN daemons, whose probes say more, and
	 * the like.  This process is always left out. */
	const int32_t *exclude_pids;
	unsigned int n_exclude;		/* at most KTRACE_MAX_EXCLUDE */
	/* Route lookups of the sending path only (iif = lo): the lookups of
	 * the receiving path, one per packet in, are no step of ours. */
	bool fib_output_only;
};

/* Per CPU, as the ring buffer counts (per_cpu/cpuN/stats) and as the
 * stream reports (a page flagged with missed events). */
struct ktrace_cpu_stats {
	uint64_t entries;	/* events waiting in the buffer now */
	uint64_t overrun;	/* overwritten before they were read */
	uint64_t commit_overrun;
	uint64_t dropped;	/* "dropped events": not written at all */
	uint64_t read;		/* "read events" */
	uint64_t missed;	/* missed events the stream reported */
};

/* Totals.  lost_* are losses; filtered_* are events of other labs. */
struct ktrace_stats {
	uint64_t records;	/* read from the ring buffers */
	uint64_t delivered;	/* handed to the callback */
	uint64_t filtered_dev;	/* device of another lab (a filter escape) */
	uint64_t filtered_ns;	/* task of another namespace */
	uint64_t filtered_irq;	/* task event in interrupt context: no task */
	uint64_t filtered_skb;	/* free of an skb no kept event saw */
	uint64_t lost_kernel;	/* overrun + dropped + missed, every CPU */
	uint64_t lost_pid_gone;	/* task gone before its namespace was read
				 * (of a lab, or of none: cannot tell) */
	uint64_t lost_bad;	/* unknown event id or a short record */
	uint64_t pid_lookups;	/* /proc reads (pid cache misses) */
	uint64_t skb_evicted;	/* live skbs pushed out of the full table */
	unsigned int ncpu;
};

/* Called for every kept event; ev is valid only during the call. */
typedef void (*ktrace_fn)(const struct kevent *ev, void *arg);

struct ktrace;

/* Mount tracefs if needed, create the instance, enable the tracepoints with
 * their filters, open one non-blocking trace_pipe_raw per CPU.  A
 * tracepoint this kernel lacks is left out (see ktrace_unavailable()).
 * 0 or a negative errno with the reason in errbuf; nothing is left behind
 * on error. */
int ktrace_open(struct ktrace **ktp, const struct ktrace_opts *o,
		char *errbuf);

/* Close the buffers, remove the instance and free kt.  0, or a negative
 * errno when the instance could not be removed (something holds one of its
 * files open; ktrace_remove_stale() will take it later). */
int ktrace_close(struct ktrace *kt);

/* The instance's name: "tunlab-<pid>" (or "tunlab-<pid>-<n>"). */
const char *ktrace_instance(const struct ktrace *kt);

/* The fds to watch for reading, one per CPU: ktrace_fd(kt, 0..ncpu-1). */
unsigned int ktrace_ncpu(const struct ktrace *kt);
int ktrace_fd(const struct ktrace *kt, unsigned int cpu);

/* Drain every CPU's buffer without blocking and call fn for each kept
 * event, in time order.  Returns the number delivered, or a negative errno
 * (the buffers can no longer be read). */
int ktrace_read(struct ktrace *kt, ktrace_fn fn, void *arg);

/* Hold: the instance stops recording (tracing_on 0), what its buffers hold
 * stays readable; or record again.  0 or -EIO. */
int ktrace_hold(struct ktrace *kt, bool hold);

/* NULL when point is enabled, else why not ("not available on this
 * kernel", "no namespace to filter on", "not asked for"). */
const char *ktrace_unavailable(const struct ktrace *kt, enum ktrace_point p);

/* Totals, and one CPU's ring buffer counters (read from tracefs now).
 * 0 or a negative errno with errbuf. */
int ktrace_stats(struct ktrace *kt, struct ktrace_stats *st, char *errbuf);
int ktrace_cpu_stats(struct ktrace *kt, unsigned int cpu,
		     struct ktrace_cpu_stats *cs, char *errbuf);

/* "net:net_dev_queue", or "?". */
const char *ktrace_point_name(enum ktrace_point p);

/* "softirq", or "?". */
const char *kevent_ctx_name(enum kevent_ctx ctx);

/* Name the kernel function at addr ("udp_queue_rcv_one_skb+0x3c") from
 * /proc/kallsyms into buf.  0 or a negative errno (-ENOENT: no symbol). */
int ktrace_symbol(struct ktrace *kt, uint64_t addr, char *buf, size_t len);

/* For a signal handler that ends the process: close every open ktrace's
 * buffers and remove its instance.  Async-signal-safe (close, rmdir). */
void ktrace_remove_all(void);

/* Remove every tunlab-<pid> instance whose process is gone.  The number
 * removed, or a negative errno with errbuf. */
int ktrace_remove_stale(char *errbuf);

#endif
