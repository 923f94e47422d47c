// SPDX-License-Identifier: GPL-2.0-only
/* The data channel's UDP socket: see daemon.h. */
#include <errno.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "daemon.h"

#define SOCK_BUF (4 << 20)	/* room for bursts: 4 MiB each way */

int socket_open(struct tunnel *t, char *err)
{
	const struct tunnel_cfg *cfg = t->cfg;
	struct sockaddr_storage local;
	socklen_t len;
	int fd, rc, v;
	char where[64];

	if (cfg->server)
		rc = addr_resolve(cfg->bind, cfg->data_port, SOCK_DGRAM, true,
				  &local, &len, err, TUNNEL_ERRBUF);
	else
		rc = addr_resolve(cfg->remote, cfg->control_port, SOCK_DGRAM,
				  false, &t->server_tcp, &t->server_tcp_len, err,
				  TUNNEL_ERRBUF);
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
		addr_fmt(&local, where, sizeof(where));
		snprintf(err, TUNNEL_ERRBUF, "bind UDP %s: %s", where,
			 strerror(errno));
		close(fd);
		return rc;
	}
	if (cfg->offload) {
		/* Fast mode: many datagrams per send (UDP_SEGMENT, tried per
		 * send: a path without checksum offload refuses it) and per
		 * receive (UDP_GRO: the kernel hands coalesced datagrams
		 * over with their size). */
		v = 1;
		if (setsockopt(fd, SOL_UDP, UDP_GRO, &v, sizeof(v)))
			tunnel_log(t, "UDP GRO unavailable (%s): one datagram "
				   "per receive", strerror(errno));
		t->udp_gso = true;
	}
	t->udp_fd = fd;
	return 0;
}
