// SPDX-License-Identifier: GPL-2.0-only
/* Network namespace helpers: see netns.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"

#define NETNS_RUN_DIR "/run/netns"

int netns_enter(const char *name, int *home, char *err)
{
	char path[200];
	int fd, rc;

	*home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*home < 0) {
		rc = -errno;
		snprintf(err, NETNS_ERRBUF, "/proc/self/ns/net: %s",
			 strerror(errno));
		return rc;
	}
	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		rc = -errno;
		snprintf(err, NETNS_ERRBUF, "entering namespace %s: %s", name,
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		close(*home);
		*home = -1;
		return rc;
	}
	close(fd);
	return 0;
}

int netns_leave(int home)
{
	int rc = 0;

	if (home < 0)
		return 0;
	if (setns(home, CLONE_NEWNET) < 0)
		rc = -errno;
	close(home);
	return rc;
}

uint64_t netns_inode(const char *name, char *err)
{
	char path[200];
	struct stat st;

	snprintf(path, sizeof(path), NETNS_RUN_DIR "/%s", name);
	if (stat(path, &st) < 0) {
		snprintf(err, NETNS_ERRBUF, "%s: %s", path, strerror(errno));
		return 0;
	}
	return (uint64_t)st.st_ino;
}

uint64_t netns_of_pid(int pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	return stat(path, &st) < 0 ? 0 : (uint64_t)st.st_ino;
}
