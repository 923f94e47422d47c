// SPDX-License-Identifier: GPL-2.0-only
/* The epoll event loop: see evloop.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"

#define MAX_READY 64

struct fd_slot {
	evloop_fd_fn fn;	/* NULL: not watched */
	void *arg;
	unsigned int events;
};

struct timer {
	long id;		/* 0: free slot */
	uint64_t due_ns;
	evloop_timer_fn fn;
	void *arg;
};

struct evloop {
	int epfd;
	int stop;
	struct fd_slot *fds;	/* indexed by fd */
	int nfds;
	struct timer *timers;	/* unordered: a loop has a handful */
	int ntimers;
	long next_id;
	void (*after)(void *arg);	/* after each round of callbacks */
	void *after_arg;
	uint64_t spin_ns;	/* busy-poll this long after activity */
	uint64_t active_ns;	/* when an fd callback last ran */
};

struct evloop *evloop_new(void)
{
	struct evloop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int err = errno;

		free(l);
		errno = err;
		return NULL;
	}
	return l;
}

void evloop_free(struct evloop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l->fds);
	free(l->timers);
	free(l);
}

static uint32_t to_epoll(unsigned int events)
{
	return (events & EV_READ ? EPOLLIN : 0) |
	       (events & EV_WRITE ? EPOLLOUT : 0);
}

/* Make room in the fd table for fd. */
static int grow_fds(struct evloop *l, int fd)
{
	struct fd_slot *grown;
	int n = l->nfds ? l->nfds : 64;

	while (n <= fd)
		n *= 2;
	if (n == l->nfds)
		return 0;
	grown = realloc(l->fds, (size_t)n * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memset(grown + l->nfds, 0, (size_t)(n - l->nfds) * sizeof(*grown));
	l->fds = grown;
	l->nfds = n;
	return 0;
}

int evloop_add_fd(struct evloop *l, int fd, unsigned int events,
		  evloop_fd_fn fn, void *arg)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.fd = fd };
	int rc;

	if (fd < 0 || !fn)
		return -EINVAL;
	rc = grow_fds(l, fd);
	if (rc)
		return rc;
	if (l->fds[fd].fn)
		return -EEXIST;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	l->fds[fd] = (struct fd_slot){ .fn = fn, .arg = arg, .events = events };
	return 0;
}

int evloop_mod_fd(struct evloop *l, int fd, unsigned int events)
{
	struct epoll_event ev = { .events = to_epoll(events), .data.fd = fd };

	if (fd < 0 || fd >= l->nfds || !l->fds[fd].fn)
		return -ENOENT;
	if (l->fds[fd].events == events)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	l->fds[fd].events = events;
	return 0;
}

int evloop_del_fd(struct evloop *l, int fd)
{
	if (fd < 0 || fd >= l->nfds || !l->fds[fd].fn)
		return -ENOENT;
	/* The fd may already be closed; the slot is cleared either way. */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].fn = NULL;
	return 0;
}

long evloop_add_timer(struct evloop *l, uint64_t delay_ns,
		      evloop_timer_fn fn, void *arg)
{
	struct timer *t = NULL;

	for (int i = 0; i < l->ntimers; i++)
		if (!l->timers[i].id)
			t = &l->timers[i];
	if (!t) {
		struct timer *grown = realloc(l->timers, (size_t)(l->ntimers + 1) *
					      sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->timers = grown;
		t = &l->timers[l->ntimers++];
	}
	*t = (struct timer){
		.id = ++l->next_id, .due_ns = tl_now_ns() + delay_ns,
		.fn = fn, .arg = arg,
	};
	return t->id;
}

void evloop_del_timer(struct evloop *l, long id)
{
	for (int i = 0; i < l->ntimers; i++)
		if (l->timers[i].id == id)
			l->timers[i].id = 0;
}

/* Milliseconds until the next timer (rounded up), capped by timeout_ms. */
static int wait_ms(const struct evloop *l, int timeout_ms)
{
	uint64_t now = tl_now_ns();
	int ms = timeout_ms;

	for (int i = 0; i < l->ntimers; i++) {
		const struct timer *t = &l->timers[i];
		uint64_t left;
		int t_ms;

		if (!t->id)
			continue;
		left = t->due_ns > now ? t->due_ns - now : 0;
		t_ms = (int)((left + 999999) / 1000000);
		if (ms < 0 || t_ms < ms)
			ms = t_ms;
	}
	return ms;
}

/* Run every timer that is due; returns how many ran. */
static int run_timers(struct evloop *l)
{
	uint64_t now = tl_now_ns();
	int ran = 0;

	for (int i = 0; i < l->ntimers; i++) {
		struct timer *t = &l->timers[i];
		uint64_t again;
		long id = t->id;

		if (!id || t->due_ns > now)
			continue;
		again = t->fn(l, t->arg);
		ran++;
		/* The callback may have added timers (moving the array) or
		 * removed this one. */
		t = &l->timers[i];
		if (t->id != id)
			continue;
		if (again)
			t->due_ns = now + again;
		else
			t->id = 0;
	}
	return ran;
}

void evloop_set_after(struct evloop *l, void (*fn)(void *arg), void *arg)
{
	l->after = fn;
	l->after_arg = arg;
}

void evloop_set_busy_poll(struct evloop *l, uint64_t ns)
{
	l->spin_ns = ns;
}

/* Shortly after activity, look for more without sleeping: the answer to
 * what was just sent often comes within microseconds, and waking a
 * process that slept (an idle CPU, an interrupt to wake it) takes longer
 * than that, on a virtual machine many times longer. */
static int spin(struct evloop *l, struct epoll_event *ready)
{
	uint64_t until = l->active_ns + l->spin_ns;

	if (!l->spin_ns || !l->active_ns)
		return 0;
	do {
		int n = epoll_wait(l->epfd, ready, MAX_READY, 0);

		if (n)
			return n;
	} while (tl_now_ns() < until);
	l->active_ns = 0;
	return 0;
}

int evloop_once(struct evloop *l, int timeout_ms)
{
	struct epoll_event ready[MAX_READY];
	int n, ran;

	n = timeout_ms ? spin(l, ready) : 0;
	if (!n)
		n = epoll_wait(l->epfd, ready, MAX_READY,
			       wait_ms(l, timeout_ms));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	ran = 0;
	for (int i = 0; i < n; i++) {
		int fd = ready[i].data.fd;
		uint32_t e = ready[i].events;
		unsigned int events = 0;

		/* An earlier callback in this batch may have removed it. */
		if (fd >= l->nfds || !l->fds[fd].fn)
			continue;
		if (e & EPOLLIN)
			events |= EV_READ;
		if (e & EPOLLOUT)
			events |= EV_WRITE;
		if (e & (EPOLLERR | EPOLLHUP))
			events |= EV_ERROR;
		l->fds[fd].fn(l, fd, events, l->fds[fd].arg);
		ran++;
	}
	if (ran && l->spin_ns)
		l->active_ns = tl_now_ns();
	ran += run_timers(l);
	if (ran && l->after)
		l->after(l->after_arg);
	return ran;
}

int evloop_run(struct evloop *l)
{
	l->stop = 0;
	while (!l->stop) {
		int rc = evloop_once(l, -1);

		if (rc < 0)
			return rc;
	}
	return 0;
}

void evloop_stop(struct evloop *l)
{
	l->stop = 1;
}
