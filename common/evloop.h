/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One event loop on epoll: every file descriptor (tun, UDP socket, pcap
 * handles, tracefs buffers, the terminal) and every timer registers a
 * callback here, and evloop_run() dispatches them until evloop_stop().
 * Single-threaded; callbacks may add or remove fds and timers, their own
 * included.
 */
#ifndef TUNLAB_EVLOOP_H
#define TUNLAB_EVLOOP_H

#include <stdint.h>

#include "clock.h"

#define EV_READ		0x1
#define EV_WRITE	0x2
#define EV_ERROR	0x4	/* reported only: error or hang-up */

struct evloop;

/* Called with the events that are ready (EV_*). */
typedef void (*evloop_fd_fn)(struct evloop *l, int fd, unsigned int events,
			     void *arg);

/* Called when the timer is due; returns the delay in ns until it should run
 * again, or 0 to remove it. */
typedef uint64_t (*evloop_timer_fn)(struct evloop *l, void *arg);

/* A new loop, or NULL with errno set. */
struct evloop *evloop_new(void);
void evloop_free(struct evloop *l);

/* Watch fd for events (EV_READ, EV_WRITE).  0 or a negative errno. */
int evloop_add_fd(struct evloop *l, int fd, unsigned int events,
		  evloop_fd_fn fn, void *arg);
int evloop_mod_fd(struct evloop *l, int fd, unsigned int events);
int evloop_del_fd(struct evloop *l, int fd);

/* Run fn after delay_ns; returns a timer id (> 0) or a negative errno. */
long evloop_add_timer(struct evloop *l, uint64_t delay_ns,
		      evloop_timer_fn fn, void *arg);
void evloop_del_timer(struct evloop *l, long id);

/* Call fn after each round of callbacks (e.g. to send what they batched
 * before the loop sleeps); NULL: nothing. */
void evloop_set_after(struct evloop *l, void (*fn)(void *arg), void *arg);

/* After an fd callback ran, look for more events without sleeping for up
 * to ns before blocking (0, the default: never).  Trades CPU time while
 * traffic flows (none when idle) for wake-up latency. */
void evloop_set_busy_poll(struct evloop *l, uint64_t ns);

/* Wait at most timeout_ms (-1: until something is due) and dispatch what is
 * ready.  Returns the number of callbacks run, or a negative errno. */
int evloop_once(struct evloop *l, int timeout_ms);

/* Dispatch until evloop_stop() is called.  0 or a negative errno. */
int evloop_run(struct evloop *l);
void evloop_stop(struct evloop *l);

#endif
