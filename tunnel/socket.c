// SPDX-License-Identifier: GPL-2.0-only
/* The data channel's UDP socket: see daemon.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

#define SOCK_BUF (4 << 20)	/* room for bursts: 4 MiB each way */

/* Resolve host (NULL: any) and port for a UDP socket. */
static int resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
		   socklen_t *len, char *err)
{
	struct addrinfo hints = {
		.ai_family = host ? AF_UNSPEC : AF_INET,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICSERV | (host ? 0 : AI_PASSIVE),
	};
	struct addrinfo *res;
	char service[8];
	int rc;

	snprintf(service, sizeof(service), "%u", port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc) {
		snprintf(err, TUNNEL_ERRBUF, "%s: %s", host ? host : "*",
			 gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int socket_open(struct tunnel *t, char *err)
{
	const struct tunnel_cfg *cfg = t->cfg;
	struct sockaddr_storage local;
	socklen_t len;
	int fd, rc, v;
	char where[64];

	if (cfg->server)
		rc = resolve(cfg->bind, cfg->data_port, &local, &len, err);
	else
		rc = resolve(cfg->remote, cfg->control_port, &t->server_tcp,
			     &t->server_tcp_len, err);
	if (rc)
		return rc;
	if (!cfg->server) {
		/* The client binds any port of the server's family. */
		memset(&local, 0, sizeof(local));
		local.ss_family = t->server_tcp.ss_family;
		len = local.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						   : sizeof(struct sockaddr_in);
	}
	fd = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		snprintf(err, TUNNEL_ERRBUF, "UDP socket: %s", strerror(errno));
		return -errno;
	}
	/* Never let the kernel fragment an outer datagram: a packet that
	 * does not fit fails with EMSGSIZE and is dropped as "MTU". */
	v = local.ss_family == AF_INET6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO;
	if (local.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v, sizeof(v));
	else
		setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, sizeof(v));
	v = SOCK_BUF;
	/* The FORCE variants pass the system limits (root only; the plain
	 * ones are the fallback). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	if (bind(fd, (struct sockaddr *)&local, len) < 0) {
		rc = -errno;
		socket_fmt(&local, where, sizeof(where));
		snprintf(err, TUNNEL_ERRBUF, "bind UDP %s: %s", where,
			 strerror(errno));
		close(fd);
		return rc;
	}
	t->udp_fd = fd;
	return 0;
}

void socket_fmt(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(out, n, "[%s]:%u", ip, ntohs(s6->sin6_port));
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(out, n, "%s:%u", ip, ntohs(s4->sin_port));
	} else {
		snprintf(out, n, "(none)");
	}
}

bool socket_same(const struct sockaddr_storage *a,
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
