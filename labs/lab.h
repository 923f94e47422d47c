/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Lab topology: hosts are network namespaces joined by veth "wires".
 *
 *   plan.c      names and addresses of every host and wire (no side effect)
 *   topology.c  builds and removes a lab by running the ip, ethtool and
 *               sysctl commands a student would type (cmdrun.c)
 *   labstate.c  the run directory and state file of each lab, its owner,
 *               stale detection
 *   owner.c     the process that owns a running lab: waits for a stop
 *               signal, supervises the processes it started, tears down
 *
 * Every function returns 0 or a negative errno; where a message helps it
 * also fills an error buffer of LAB_ERRBUF bytes, which the command prints.
 * docs/labs.md draws the topologies and describes the state file.
 */
#ifndef TUNLAB_LAB_H
#define TUNLAB_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "event.h"

#define LAB_RUN_DIR	"/run/tunlab"
#define LAB_STATE_FILE	"state"
#define LAB_LOG_FILE	"owner.log"
#define LAB_NAME_MAX	32		/* --name, without the NUL */
#define LAB_ID_LEN	4		/* hex digits of the per-run id */
#define LAB_MAX_CLIENTS	16
#define LAB_MAX_HOSTS	(LAB_MAX_CLIENTS + 3)	/* + office, internet, lan */
#define LAB_MAX_WIRES	(LAB_MAX_CLIENTS + 2)	/* + internet-office, lan */
#define LAB_MAX_PROCS	64
#define LAB_NS_MAX	32		/* "tl3fa2-mobile16" */
#define LAB_IFNAME_MAX	16		/* IFNAMSIZ: 15 characters + NUL */
#define LAB_ADDR_MAX	48		/* "2001:db8:16::2/64" */
#define LAB_DIR_MAX	(sizeof(LAB_RUN_DIR) + LAB_NAME_MAX + 1)
#define LAB_ERRBUF	512
#define LAB_STOP_WAIT_MS 10000		/* tunlab down waits this long */

enum lab_dev_type {
	LAB_DEV_TUN,
	LAB_DEV_TAP,
};

/* What tunlab up was asked for. */
struct lab_opts {
	enum lab_dev_type dev_type;
	int clients;			/* 1..LAB_MAX_CLIENTS */
	bool router;			/* an "internet" router between sides */
	bool lan;			/* a LAN host behind office */
	bool ipv6;			/* IPv6 addresses; else IPv6 is off */
	bool offload;			/* keep the wires' offloads on */
	bool keylog;			/* daemons write TLS key logs */
};

/* A lab host: one network namespace. */
struct lab_host {
	char name[TL_HOST_MAX];		/* mobile, mobile2, internet, office */
	char ns[LAB_NS_MAX];		/* tl3fa2-mobile */
	char tag[4];			/* in device names: m, m2, o, i, l */
	bool forward;			/* forwards packets (ip_forward=1) */
	char gw4[LAB_ADDR_MAX];		/* default route via, or "" */
	char gw6[LAB_ADDR_MAX];
	char tun_ifname[LAB_IFNAME_MAX]; /* tunnel device, or "" (no daemon) */
	char tun_addr4[LAB_ADDR_MAX];
	char tun_addr6[LAB_ADDR_MAX];
	int nwires;			/* wires numbered so far (planning) */
};

/* One end of a wire: a veth device in a host. */
struct lab_end {
	int host;			/* index in lab->hosts */
	char role[4];			/* w0, w1... */
	char ifname[LAB_IFNAME_MAX];	/* tl3fa2m-w0 */
	char addr4[LAB_ADDR_MAX];	/* 192.0.2.2/28 */
	char addr6[LAB_ADDR_MAX];	/* 2001:db8:1::2/64, or "" */
};

/* A wire: a veth pair between two hosts; end[0] is the client side. */
struct lab_wire {
	struct lab_end end[2];
};

/* A process started in the lab (a tunnel daemon, later), killed by pid. */
struct lab_proc {
	pid_t pid;
	unsigned long long start;	/* /proc/PID/stat field 22 */
	char what[32];
};

struct lab {
	char name[LAB_NAME_MAX + 1];
	char id[LAB_ID_LEN + 1];
	char dir[LAB_DIR_MAX];		/* /run/tunlab/NAME */
	pid_t owner;
	unsigned long long owner_start;
	char phase[16];			/* building, up, stopping */
	struct lab_opts opts;
	int nhosts;
	struct lab_host hosts[LAB_MAX_HOSTS];
	int nwires;
	struct lab_wire wires[LAB_MAX_WIRES];
	int nprocs;
	struct lab_proc procs[LAB_MAX_PROCS];
};

/* plan.c */

/* The name of a device type ("tun", "tap"), and back (0 or -EINVAL). */
const char *lab_dev_type_name(enum lab_dev_type t);
int lab_dev_type_parse(const char *s, enum lab_dev_type *t);

/* Whether name can name a lab: 1..LAB_NAME_MAX of [A-Za-z0-9_-], starting
 * with a letter or digit. */
bool lab_name_valid(const char *name);

/* Fill lab's hosts and wires for opts and the per-run id (4 hex digits):
 * namespace and device names, addresses, default routes, tunnel devices. */
int lab_plan(struct lab *lab, const char *name, const char *id,
	     const struct lab_opts *opts, char *err);

/* The host called name, or NULL. */
const struct lab_host *lab_host_find(const struct lab *lab, const char *name);

/* "mobile, office, ..." into buf. */
void lab_host_list(const struct lab *lab, char *buf, size_t len);

/* The options as tunlab up would take them: "--clients 3 --router". */
void lab_opts_format(const struct lab_opts *o, char *buf, size_t len);

/* topology.c */

/* Create every namespace, wire, address and route of lab.  Stops between
 * two commands when lab_stop_requested() (-EINTR).  echo prints each
 * command first. */
int lab_build(const struct lab *lab, bool echo, char *err);

/* Remove what exists of lab: stop its processes (checked by start time),
 * delete its namespaces (their devices go with them), remove its run
 * directory.  Keeps the state when something could not be removed, so that
 * tunlab down --stale can try again. */
int lab_teardown(struct lab *lab, bool echo, char *err);

/* labstate.c */

/* Reserve a per-run id and the lab's name, plan lab and write its state
 * (phase "building", owner: this process) before anything is created.
 * name NULL or "" means "tl<id>". */
int labstate_create(struct lab *lab, const char *name,
		    const struct lab_opts *opts, char *err);

/* Rewrite lab's state file from lab (atomically). */
int labstate_save(const struct lab *lab, char *err);

/* Read the state of lab name.  -ENOENT if there is no such lab. */
int labstate_load(const char *name, struct lab *lab, char *err);

/* Names of the labs in LAB_RUN_DIR, sorted; returns how many (at most max)
 * or a negative errno. */
int labstate_list(char (*names)[LAB_NAME_MAX + 1], int max);

/* Make this process the owner of lab, as in phase.  With only_if_stale,
 * only when the recorded owner is gone (-EBUSY otherwise): that is how
 * tunlab down takes over a lab, so that two of them never tear down the
 * same lab and a killed tunlab down leaves the lab stale again. */
int labstate_take(struct lab *lab, const char *phase, bool only_if_stale,
		  char *err);

/* Whether the lab's owner still runs (same pid and start time). */
bool labstate_owner_alive(const struct lab *lab);

/* Remove the run directory of name and what is in it (state, log). */
int labstate_remove(const char *name);

/* Remove the run directory of name if it holds no state file (what a run
 * killed between creating the directory and writing the state leaves).
 * Returns 1 if it did, 0 if name has a state, or a negative errno. */
int labstate_remove_orphan(const char *name, char *err);

/* Whether process pid runs and started at start (start 0: any). */
bool lab_proc_alive(pid_t pid, unsigned long long start);

/* The start time of process pid (clock ticks after boot), or 0. */
unsigned long long lab_proc_start(pid_t pid);

/* Send sig to pid if it is still the process that started at start, through
 * a pidfd so that a reused pid is never signalled. */
int lab_proc_signal(pid_t pid, unsigned long long start, int sig);

/* owner.c */

/* Catch SIGINT, SIGTERM and SIGHUP (they request a stop) and SIGCHLD;
 * ignore SIGPIPE. */
void lab_signals_install(void);

/* The stop signal received, or 0. */
int lab_stop_requested(void);

/* Fork the lab's owner into the background: the child leaves the terminal
 * (setsid, output to LAB_LOG_FILE in the run directory), records itself
 * as the owner and returns 0; the parent returns the child's pid once the
 * child has taken over, or a negative errno. */
pid_t lab_owner_detach(struct lab *lab, char *err);

/* As the owner: wait for a stop signal, reaping the lab's processes
 * meanwhile, then mark the lab "stopping".  Returns the signal. */
int lab_owner_wait(struct lab *lab);

/* As the owner: start argv (e.g. "ip netns exec NS daemon ...") as a
 * process of the lab, recorded in the state before it runs, so that
 * teardown can stop it by pid.  Returns its pid or a negative errno. */
pid_t lab_owner_spawn(struct lab *lab, const char *what, char *const argv[],
		      char *err);

/* cmdrun.c */

/* Make a pipe (close-on-exec) and fork, output flushed first: the child's
 * pid, 0 in the child, or a negative errno with "pipe: ..." or "fork: ..."
 * in err (errlen bytes), no descriptor left open. */
pid_t lab_fork_pipe(int pfd[2], char *err, size_t errlen);

struct cmdrun {
	bool echo;		/* print "+ CMD" on stdout before running it */
	int timeout_ms;		/* kill the command after this (0: 10 s) */
	char *out;		/* what it printed (stdout, stderr) or NULL */
	size_t outlen;
	char err[LAB_ERRBUF];	/* why it failed */
};

/* Run the command fmt expands to: words separated by single spaces, run
 * with execvp (no shell), stdin from /dev/null, in its own process group so
 * that a Ctrl-C meant for tunlab does not cut it short.  0 when it exits
 * with status 0; otherwise a negative errno and r->err says why, with
 * the command's own error message. */
int cmdrun(struct cmdrun *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether prog is an executable in PATH. */
bool cmdrun_have(const char *prog);

#endif
