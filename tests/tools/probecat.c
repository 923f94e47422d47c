// SPDX-License-Identifier: GPL-2.0-only
/*
 * probecat SOCKET [SECONDS] [COUNT]: bind a probe socket and print every
 * probe event received, one line each, until SECONDS pass or COUNT events
 * arrived (tests use it where the tracer will be):
 *   step=1 kind=0 src=app host=mobile dev=echo len=5 caplen=5 digest=... detail
 * It prints "ready" on stderr once bound, and removes the socket on exit.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	uint64_t deadline;
	long count = 0, want;
	char buf[sizeof(struct tl_probe) + TL_PROBE_SNAP];
	int fd;

	if (argc < 2 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: probecat SOCKET [SECONDS] [COUNT]\n");
		return 2;
	}
	deadline = now_ms() + 1000 * (uint64_t)(argc > 2 ? atoi(argv[2]) : 10);
	want = argc > 3 ? atol(argv[3]) : 0;
	strcpy(addr.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror(argv[1]);
		return 1;
	}
	fprintf(stderr, "ready\n");
	while ((!want || count < want) && now_ms() < deadline) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct tl_probe p;
		ssize_t n;

		if (poll(&pfd, 1, (int)(deadline - now_ms())) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(p)) {
			printf("short datagram of %zd bytes\n", n);
			continue;
		}
		memcpy(&p, buf, sizeof(p));
		if (p.magic != TL_PROBE_MAGIC || p.version != TL_PROBE_VERSION ||
		    p.hdr_len != sizeof(p) ||
		    (size_t)n != sizeof(p) + p.caplen) {
			printf("bad datagram: magic %08x version %u len %zd\n",
			       p.magic, p.version, n);
			continue;
		}
		p.host[sizeof(p.host) - 1] = '\0';
		p.dev[sizeof(p.dev) - 1] = '\0';
		p.detail[sizeof(p.detail) - 1] = '\0';
		printf("step=%u kind=%u src=%u host=%s dev=%s len=%u caplen=%u "
		       "digest=%016" PRIx64 " pid=%u %s\n", p.step, p.kind,
		       p.source, p.host, p.dev, p.len, p.caplen, p.digest,
		       p.pid, p.detail);
		fflush(stdout);
		count++;
	}
	close(fd);
	unlink(argv[1]);
	return 0;
}
