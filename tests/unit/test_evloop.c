// SPDX-License-Identifier: GPL-2.0-only
/* The event loop: fd readiness, timers, changes made from callbacks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "evloop.h"

struct seen {
	int calls;
	unsigned int events;
	int fd;
};

static void on_fd(struct evloop *l, int fd, unsigned int events, void *arg)
{
	struct seen *s = arg;
	char buf[16];

	(void)l;
	s->calls++;
	s->events = events;
	s->fd = fd;
	if (events & EV_READ)
		(void)!read(fd, buf, sizeof(buf));
}

static void test_fd_readiness(void **state)
{
	struct evloop *l = evloop_new();
	struct seen s = { 0 };
	int p[2];

	(void)state;
	assert_non_null(l);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(evloop_add_fd(l, p[0], EV_READ, on_fd, &s), 0);
	assert_int_equal(evloop_add_fd(l, p[0], EV_READ, on_fd, &s), -EEXIST);
	/* Nothing written: nothing runs. */
	assert_int_equal(evloop_once(l, 0), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(evloop_once(l, 1000), 1);
	assert_int_equal(s.calls, 1);
	assert_int_equal(s.fd, p[0]);
	assert_true(s.events & EV_READ);
	/* Write interest on the write end fires at once. */
	assert_int_equal(evloop_add_fd(l, p[1], EV_READ, on_fd, &s), 0);
	assert_int_equal(evloop_once(l, 0), 0);
	assert_int_equal(evloop_mod_fd(l, p[1], EV_WRITE), 0);
	assert_int_equal(evloop_once(l, 0), 1);
	assert_true(s.events & EV_WRITE);
	assert_int_equal(evloop_del_fd(l, p[1]), 0);
	assert_int_equal(evloop_del_fd(l, p[1]), -ENOENT);
	assert_int_equal(evloop_mod_fd(l, 999, EV_READ), -ENOENT);
	/* A closed writer is reported on the reader as an error/hang-up. */
	close(p[1]);
	assert_int_equal(evloop_once(l, 1000), 1);
	assert_true(s.events & EV_ERROR);
	close(p[0]);
	evloop_free(l);
}

struct tick {
	int runs;
	int limit;
	uint64_t first_ns;
	uint64_t last_ns;
	struct evloop *stop_loop;
};

static uint64_t on_tick(struct evloop *l, void *arg)
{
	struct tick *t = arg;

	t->last_ns = tl_now_ns();
	if (!t->runs++)
		t->first_ns = t->last_ns;
	if (t->runs >= t->limit) {
		if (t->stop_loop)
			evloop_stop(l);
		return 0;
	}
	return 2000000;		/* again in 2 ms */
}

static void test_timer_repeats_then_stops(void **state)
{
	struct evloop *l = evloop_new();
	struct tick t = { .limit = 5 };
	uint64_t start = tl_now_ns();

	(void)state;
	t.stop_loop = l;
	assert_true(evloop_add_timer(l, 1000000, on_tick, &t) > 0);
	assert_int_equal(evloop_run(l), 0);
	assert_int_equal(t.runs, 5);
	assert_true(t.first_ns - start >= 1000000);
	/* Five runs: 1 ms, then four times 2 ms apart. */
	assert_true(t.last_ns - start >= 9000000);
	/* The timer removed itself: the loop has nothing left to run. */
	assert_int_equal(evloop_once(l, 0), 0);
	evloop_free(l);
}

static uint64_t del_other(struct evloop *l, void *arg)
{
	long *other = arg;

	evloop_del_timer(l, *other);
	return 0;
}

static void test_timer_removed_by_another(void **state)
{
	struct evloop *l = evloop_new();
	struct tick t = { .limit = 100 };
	long victim;

	(void)state;
	/* The remover is due first, then the victim never runs. */
	victim = evloop_add_timer(l, 3000000, on_tick, &t);
	assert_true(evloop_add_timer(l, 0, del_other, &victim) > 0);
	for (int i = 0; i < 5; i++)
		evloop_once(l, 2);
	assert_int_equal(t.runs, 0);
	evloop_free(l);
}

struct remover {
	int other_fd;
	int calls;
};

static void remove_other(struct evloop *l, int fd, unsigned int events,
			 void *arg)
{
	struct remover *r = arg;
	char buf[4];

	(void)events;
	(void)!read(fd, buf, sizeof(buf));
	r->calls++;
	evloop_del_fd(l, r->other_fd);
	evloop_del_fd(l, fd);
}

/* Two ready fds whose callbacks each remove the other: only one runs. */
static void test_fd_removed_in_batch(void **state)
{
	struct evloop *l = evloop_new();
	struct remover ra, rb;
	int a[2], b[2];

	(void)state;
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	ra = (struct remover){ .other_fd = b[0] };
	rb = (struct remover){ .other_fd = a[0] };
	assert_int_equal(evloop_add_fd(l, a[0], EV_READ, remove_other, &ra), 0);
	assert_int_equal(evloop_add_fd(l, b[0], EV_READ, remove_other, &rb), 0);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(evloop_once(l, 1000), 1);
	assert_int_equal(ra.calls + rb.calls, 1);
	close(a[0]); close(a[1]); close(b[0]); close(b[1]);
	evloop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_timer_repeats_then_stops),
		cmocka_unit_test(test_timer_removed_by_another),
		cmocka_unit_test(test_fd_removed_in_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
