/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entering a lab host's network namespace for a moment: sockets and pcap
 * handles made inside stay bound to it after the thread comes back, so one
 * process can watch every host of a lab from one event loop.
 */
#ifndef TUNLAB_NETNS_H
#define TUNLAB_NETNS_H

#include <stdint.h>

#define NETNS_ERRBUF 320

/* Enter the namespace named name (/run/netns/NAME, as ip netns makes it);
 * *home receives an fd of the namespace we left.  0 or a negative errno. */
int netns_enter(const char *name, int *home, char *err);

/* Go back to the namespace of netns_enter's home fd and close it. */
int netns_leave(int home);

/* The inode number that identifies namespace name, or 0 (with err). */
uint64_t netns_inode(const char *name, char *err);

/* The inode of the network namespace of process pid, or 0 if it is gone. */
uint64_t netns_of_pid(int pid);

#endif
