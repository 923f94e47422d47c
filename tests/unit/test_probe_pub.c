// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probe publisher: one datagram per event for the apps; for the
 * daemons, records batched back to back until a flush; nobody listening
 * counted as unheard, never blocking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "probe_pub.h"

static char path[108];

/* A bound datagram socket standing for the tracer. */
static int listener(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	snprintf(path, sizeof(path), "/tmp/tunlab-pub-%d.sock", (int)getpid());
	unlink(path);
	memcpy(a.sun_path, path, strlen(path) + 1);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void publish(struct probe_pub *p, uint8_t step, const char *bytes)
{
	struct tl_probe h = { .step = step, .source = TL_SRC_DAEMON };

	probe_pub_send(p, &h, bytes, bytes ? strlen(bytes) : 0);
}

static void test_one_per_event(void **state)
{
	static uint8_t buf[70000];
	struct probe_pub p;
	int fd = listener();

	(void)state;
	assert_int_equal(probe_pub_open(&p, path, "mobile"), 0);
	publish(&p, 4, "abc");
	publish(&p, 5, NULL);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0),
			 sizeof(struct tl_probe) + 3);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), sizeof(struct tl_probe));
	assert_int_equal(p.sent, 2);
	probe_pub_close(&p);
	close(fd);
	unlink(path);
}

static void test_batched(void **state)
{
	static uint8_t buf[70000];
	struct probe_pub p;
	struct tl_probe h;
	int fd = listener();
	ssize_t n;

	(void)state;
	assert_int_equal(probe_pub_open(&p, path, "office"), 0);
	assert_int_equal(probe_pub_batch(&p), 0);
	publish(&p, 4, "hello");
	publish(&p, 5, NULL);
	publish(&p, 9, "xy");
	/* Nothing leaves before the flush. */
	assert_true(recv(fd, buf, sizeof(buf), 0) < 0);
	probe_pub_flush(&p);
	n = recv(fd, buf, sizeof(buf), 0);
	assert_int_equal(n, 3 * sizeof(h) + 5 + 2);
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.magic, TL_PROBE_MAGIC);
	assert_int_equal(h.step, 4);
	assert_int_equal(h.caplen, 5);
	assert_string_equal(h.host, "office");
	assert_memory_equal(buf + sizeof(h), "hello", 5);
	memcpy(&h, buf + sizeof(h) + 5, sizeof(h));
	assert_int_equal(h.step, 5);
	memcpy(&h, buf + 2 * sizeof(h) + 5, sizeof(h));
	assert_int_equal(h.step, 9);
	assert_memory_equal(buf + 3 * sizeof(h) + 5, "xy", 2);
	assert_int_equal(p.sent, 3);

	/* A batch that fills up goes out by itself, whole records only. */
	for (int i = 0; i < 400; i++)
		publish(&p, 4, "0123456789");
	probe_pub_flush(&p);
	n = 0;
	for (int d = 0; d < 10; d++) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);

		if (got < 0)
			break;
		assert_int_equal(got % (ssize_t)(sizeof(h) + 10), 0);
		n += got / (ssize_t)(sizeof(h) + 10);
	}
	assert_int_equal(n, 400);
	probe_pub_close(&p);
	close(fd);
	unlink(path);
}

/* Nobody bound: counted, and no retry for a second. */
static void test_unheard(void **state)
{
	struct probe_pub p;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/tunlab-pub-%d-none.sock",
		 (int)getpid());
	assert_int_equal(probe_pub_open(&p, path, "mobile"), 0);
	assert_int_equal(probe_pub_batch(&p), 0);
	assert_true(probe_pub_wanted(&p));
	publish(&p, 4, "a");
	publish(&p, 4, "b");
	probe_pub_flush(&p);
	assert_int_equal(p.unheard, 2);
	assert_false(probe_pub_wanted(&p));
	probe_pub_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_per_event),
		cmocka_unit_test(test_batched),
		cmocka_unit_test(test_unheard),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
