/* SPDX-License-Identifier: GPL-2.0-only */
/* Socket addresses: resolving, printing and comparing them, one way for
 * the daemon, the lab apps and the tools. */
#ifndef TUNLAB_ADDR_H
#define TUNLAB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Resolve host (numeric or a name; NULL with passive: the IPv4 wildcard)
 * and port for a socket of type (SOCK_DGRAM, SOCK_STREAM).  0, or -EINVAL
 * with "host: reason" in err (errlen bytes). */
int addr_resolve(const char *host, uint16_t port, int type, bool passive,
		 struct sockaddr_storage *ss, socklen_t *len, char *err,
		 size_t errlen);

/* "10.8.0.1:7", "[fd00:8::1]:7", or "(none)". */
void addr_fmt(const struct sockaddr_storage *ss, char *out, size_t n);

/* The address without the port: "10.8.0.1", "fd00:8::1", or "(none)". */
void addr_fmt_ip(const struct sockaddr_storage *ss, char *out, size_t n);

/* The same IPv4/IPv6 address and port. */
bool addr_same(const struct sockaddr_storage *a,
	       const struct sockaddr_storage *b);

#endif
