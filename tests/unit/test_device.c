// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tun/tap device and rtnetlink, for real, in a private network
 * namespace of this test process (needs root; skipped without it).
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>
#include <cmocka.h>

#include "device.h"
#include "rtnl.h"

/* Move this process into a fresh network namespace: everything the tests
 * create vanishes with the process, and nothing reaches the host's. */
static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0)
		return 0;
	return unshare(CLONE_NEWNET) == 0 ? 0 : -1;
}

#define NEED_ROOT()							\
	do {								\
		if (geteuid() != 0) {					\
			print_message("needs root: skipped\n");		\
			skip();						\
		}							\
	} while (0)

static void test_tun_carries_ip_packets(void **state)
{
	struct tun_device dev;
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(7777) };
	char err[DEVICE_ERRBUF], ifname[IFNAMSIZ];
	uint8_t buf[2048];
	struct pollfd pfd;
	ssize_t n;
	int s;

	(void)state;
	NEED_ROOT();
	assert_int_equal(device_open(&dev, "tlunit-tun", false, false, err), 0);
	assert_string_equal(dev.ifname, "tlunit-tun");
	assert_int_equal(device_configure(&dev, 1448, "10.99.0.1", 24, err), 0);
	assert_int_equal(dev.mtu, 1448);
	{
		FILE *q = fopen("/sys/class/net/tlunit-tun/tx_queue_len", "r");
		unsigned int qlen = 0;

		/* /sys shows the host's namespace unless remounted: read it
		 * only when it knows this device. */
		if (q) {
			assert_int_equal(fscanf(q, "%u", &qlen), 1);
			assert_int_equal(qlen, DEVICE_TXQLEN);
			fclose(q);
		}
	}
	/* The kernel now routes the tunnel's subnet to the device (step 2). */
	assert_int_equal(rtnl_route_get("10.99.0.2", ifname, sizeof(ifname),
					NULL, err), 0);
	assert_string_equal(ifname, "tlunit-tun");
	{
		bool local = false;

		/* Our own address is delivered locally, by lo. */
		assert_int_equal(rtnl_route_get("10.99.0.1", ifname,
						sizeof(ifname), &local, err), 0);
		assert_true(local);
		assert_string_equal(ifname, "lo");
		assert_int_equal(rtnl_route_get("10.99.0.2", ifname,
						sizeof(ifname), &local, err), 0);
		assert_false(local);
	}
	assert_int_equal(device_route(&dev, "10.100.0.0", 16, NULL, err), 0);
	assert_int_equal(rtnl_route_get("10.100.3.4", ifname, sizeof(ifname),
					NULL, err), 0);
	assert_string_equal(ifname, "tlunit-tun");
	/* A datagram sent to the far side comes out of the fd (step 4). */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	inet_pton(AF_INET, "10.99.0.2", &to.sin_addr);
	assert_int_equal(sendto(s, "hello", 5, 0, (struct sockaddr *)&to,
				sizeof(to)), 5);
	/* Skip what the kernel sends by itself when a device comes up (IPv6
	 * router solicitations, MLD reports): at most 10 packets. */
	for (int i = 0; i < 10; i++) {
		pfd = (struct pollfd){ .fd = dev.fd, .events = POLLIN };
		assert_int_equal(poll(&pfd, 1, 2000), 1);
		n = read(dev.fd, buf, sizeof(buf));
		if (n > 0 && buf[0] >> 4 == 4)
			break;
	}
	assert_int_equal(n, 20 + 8 + 5);
	assert_int_equal(buf[0], 0x45);		/* IPv4: no PI header */
	assert_int_equal(buf[9], 17);		/* UDP */
	assert_memory_equal(buf + 28, "hello", 5);
	close(s);
	device_close(&dev);
	assert_int_equal(dev.fd, -1);
}

static void test_tap_and_errors(void **state)
{
	struct tun_device dev;
	char err[DEVICE_ERRBUF], ifname[IFNAMSIZ];

	(void)state;
	NEED_ROOT();
	assert_int_equal(device_open(&dev, "tlunit-tap", true, false, err), 0);
	assert_true(dev.tap);
	assert_int_equal(device_configure(&dev, 1434, "fd00:99::1", 64, err), 0);
	assert_int_equal(rtnl_route_get("fd00:99::2", ifname, sizeof(ifname),
					NULL, err), 0);
	assert_string_equal(ifname, "tlunit-tap");
	/* The same address twice: the kernel's error, with the command. */
	assert_int_equal(device_configure(&dev, 1434, "fd00:99::1", 64, err),
			 -EEXIST);
	assert_non_null(strstr(err, "ip addr add fd00:99::1/64 dev tlunit-tap"));
	assert_int_equal(device_configure(&dev, 1434, "10.1.2.3", 33, err),
			 -EINVAL);
	device_close(&dev);
	assert_int_equal(device_open(&dev, "a-name-far-too-long", false, false,
					 err),
			 -ENAMETOOLONG);
	assert_int_equal(rtnl_route_get("not-an-address", ifname,
					sizeof(ifname), NULL, err), -EINVAL);
	assert_int_equal(rtnl_link_up("tlunit-none", 0, 0, err), -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tun_carries_ip_packets),
		cmocka_unit_test(test_tap_and_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
