// SPDX-License-Identifier: GPL-2.0-only
/* Socket addresses: see addr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

int addr_resolve(const char *host, uint16_t port, int type, bool passive,
		 struct sockaddr_storage *ss, socklen_t *len, char *err,
		 size_t errlen)
{
	struct addrinfo hints = {
		.ai_family = passive && !host ? AF_INET : AF_UNSPEC,
		.ai_socktype = type,
		.ai_flags = (passive ? AI_PASSIVE : 0) | AI_NUMERICSERV,
	};
	struct addrinfo *res;
	char service[8];
	int rc;

	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", host ? host : "*",
			 gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* The address alone, and the port (0 for no address). */
static unsigned int addr_ip(const struct sockaddr_storage *ss, char *ip,
			    size_t n)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)n);
		return ntohs(s6->sin6_port);
	}
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, (socklen_t)n);
		return ntohs(s4->sin_port);
	}
	snprintf(ip, n, "(none)");
	return 0;
}

void addr_fmt(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned int port = addr_ip(ss, ip, sizeof(ip));

	if (ss->ss_family == AF_INET6)
		snprintf(out, n, "[%s]:%u", ip, port);
	else if (ss->ss_family == AF_INET)
		snprintf(out, n, "%s:%u", ip, port);
	else
		snprintf(out, n, "%s", ip);
}

void addr_fmt_ip(const struct sockaddr_storage *ss, char *out, size_t n)
{
	addr_ip(ss, out, n);
}

bool addr_same(const struct sockaddr_storage *a,
	       const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
	}
	return false;
}
