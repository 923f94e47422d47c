// SPDX-License-Identifier: GPL-2.0-only
/* rtnetlink requests: see rtnl.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "rtnl.h"

#define REQ_SIZE 512
#define REPLY_SIZE 8192

struct req {
	struct nlmsghdr nh;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
		struct rtmsg rtm;
	};
	uint8_t attrs[REQ_SIZE];
};

/* Append attribute type with len bytes of data to the request. */
static int put_attr(struct req *r, unsigned short type, const void *data,
		    size_t len)
{
	struct rtattr *rta;
	size_t at = NLMSG_ALIGN(r->nh.nlmsg_len);

	if (at + RTA_SPACE(len) > sizeof(*r))
		return -ENOSPC;
	rta = (struct rtattr *)((uint8_t *)r + at);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	r->nh.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
	return 0;
}

/* Parse "10.8.0.1" or "fd00::1"; returns the family, or 0 if neither. */
static int parse_addr(const char *s, uint8_t out[16])
{
	if (inet_pton(AF_INET, s, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return AF_INET6;
	return 0;
}

/* Send r and wait for the kernel's answer; with reply, keep the first
 * message of the answer there.  Returns 0 or the kernel's negative errno. */
static int talk(struct req *r, uint8_t *reply, size_t reply_len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 2 };
	uint8_t buf[REPLY_SIZE];
	int fd, rc = -EIO;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	/* Bounded: a kernel that never answers is an error, not a hang. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r->nh.nlmsg_seq = 1;
	if (sendto(fd, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		rc = -errno;
		goto out_close;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		rc = -errno;
		goto out_close;
	}
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
	     NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			rc = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ?
			     e->error : -EIO;
			break;
		}
		if (reply && h->nlmsg_len <= reply_len) {
			memcpy(reply, h, h->nlmsg_len);
			rc = 0;
			break;
		}
	}
out_close:
	close(fd);
	return rc;
}

/* Start a request of type with flags (NLM_F_REQUEST and ACK added). */
static void begin(struct req *r, unsigned short type, unsigned short flags,
		  size_t body)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_len = (uint32_t)NLMSG_LENGTH(body);
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | NLM_F_ACK | flags);
}

/* The device's index, or a negative errno with a message. */
static int ifindex(const char *ifname, char *err)
{
	unsigned int idx = if_nametoindex(ifname);

	if (!idx) {
		snprintf(err, RTNL_ERRBUF, "no device %s", ifname);
		return -ENODEV;
	}
	return (int)idx;
}

int rtnl_link_up(const char *ifname, unsigned int mtu, unsigned int txqlen,
		 char *err)
{
	struct req r;
	int idx = ifindex(ifname, err), rc;

	if (idx < 0)
		return idx;
	begin(&r, RTM_NEWLINK, 0, sizeof(r.ifi));
	r.ifi.ifi_family = AF_UNSPEC;
	r.ifi.ifi_index = idx;
	r.ifi.ifi_flags = IFF_UP;
	r.ifi.ifi_change = IFF_UP;
	if (mtu)
		put_attr(&r, IFLA_MTU, &mtu, sizeof(mtu));
	if (txqlen)
		put_attr(&r, IFLA_TXQLEN, &txqlen, sizeof(txqlen));
	rc = talk(&r, NULL, 0);
	if (rc)
		snprintf(err, RTNL_ERRBUF, "ip link set %s up mtu %u: %s",
			 ifname, mtu, strerror(-rc));
	return rc;
}

int rtnl_addr_add(const char *ifname, const char *addr, unsigned int prefix,
		  char *err)
{
	uint8_t a[16];
	struct req r;
	int idx = ifindex(ifname, err), family = parse_addr(addr, a), rc;
	size_t alen = family == AF_INET ? 4 : 16;

	if (idx < 0)
		return idx;
	if (!family || prefix > alen * 8) {
		snprintf(err, RTNL_ERRBUF, "bad address %s/%u", addr, prefix);
		return -EINVAL;
	}
	begin(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(r.ifa));
	r.ifa.ifa_family = (unsigned char)family;
	r.ifa.ifa_prefixlen = (unsigned char)prefix;
	r.ifa.ifa_index = (unsigned int)idx;
	put_attr(&r, IFA_LOCAL, a, alen);
	put_attr(&r, IFA_ADDRESS, a, alen);
	if (family == AF_INET6) {
		/* A tunnel address needs no duplicate detection. */
		uint32_t flags = IFA_F_NODAD;

		put_attr(&r, IFA_FLAGS, &flags, sizeof(flags));
	}
	rc = talk(&r, NULL, 0);
	if (rc)
		snprintf(err, RTNL_ERRBUF, "ip addr add %s/%u dev %s: %s",
			 addr, prefix, ifname, strerror(-rc));
	return rc;
}

int rtnl_route_add(const char *ifname, const char *dst, unsigned int prefix,
		   const char *gateway, char *err)
{
	uint8_t d[16], g[16];
	struct req r;
	int idx = ifindex(ifname, err), family = parse_addr(dst, d), rc;
	size_t alen = family == AF_INET ? 4 : 16;

	if (idx < 0)
		return idx;
	if (!family || prefix > alen * 8 ||
	    (gateway && parse_addr(gateway, g) != family)) {
		snprintf(err, RTNL_ERRBUF, "bad route %s/%u via %s", dst,
			 prefix, gateway ? gateway : "-");
		return -EINVAL;
	}
	begin(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(r.rtm));
	r.rtm.rtm_family = (unsigned char)family;
	r.rtm.rtm_dst_len = (unsigned char)prefix;
	r.rtm.rtm_table = RT_TABLE_MAIN;
	r.rtm.rtm_protocol = RTPROT_STATIC;
	r.rtm.rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	r.rtm.rtm_type = RTN_UNICAST;
	put_attr(&r, RTA_DST, d, alen);
	put_attr(&r, RTA_OIF, &idx, sizeof(idx));
	if (gateway)
		put_attr(&r, RTA_GATEWAY, g, alen);
	rc = talk(&r, NULL, 0);
	if (rc)
		snprintf(err, RTNL_ERRBUF, "ip route add %s/%u%s%s dev %s: %s",
			 dst, prefix, gateway ? " via " : "",
			 gateway ? gateway : "", ifname, strerror(-rc));
	return rc;
}

int rtnl_route_get(const char *dst, char *ifname_out, size_t n, bool *local,
		   char *err)
{
	uint8_t d[16], reply[REPLY_SIZE];
	struct nlmsghdr *h = (struct nlmsghdr *)reply;
	struct req r;
	int family = parse_addr(dst, d), rc;
	size_t alen = family == AF_INET ? 4 : 16;
	struct rtattr *rta;
	int len;

	if (!family) {
		snprintf(err, RTNL_ERRBUF, "bad address %s", dst);
		return -EINVAL;
	}
	begin(&r, RTM_GETROUTE, 0, sizeof(r.rtm));
	r.nh.nlmsg_flags &= (unsigned short)~NLM_F_ACK;
	r.rtm.rtm_family = (unsigned char)family;
	r.rtm.rtm_dst_len = (unsigned char)(alen * 8);
	put_attr(&r, RTA_DST, d, alen);
	rc = talk(&r, reply, sizeof(reply));
	if (rc) {
		snprintf(err, RTNL_ERRBUF, "ip route get %s: %s", dst,
			 strerror(-rc));
		return rc;
	}
	if (h->nlmsg_type != RTM_NEWROUTE) {
		snprintf(err, RTNL_ERRBUF, "ip route get %s: no answer", dst);
		return -EIO;
	}
	if (local)
		*local = ((struct rtmsg *)NLMSG_DATA(h))->rtm_type == RTN_LOCAL;
	len = (int)RTM_PAYLOAD(h);
	for (rta = RTM_RTA(NLMSG_DATA(h)); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		unsigned int idx;
		char name[IF_NAMESIZE];

		if (rta->rta_type != RTA_OIF ||
		    RTA_PAYLOAD(rta) < sizeof(idx))
			continue;
		memcpy(&idx, RTA_DATA(rta), sizeof(idx));
		if (!if_indextoname(idx, name))
			break;
		snprintf(ifname_out, n, "%s", name);
		return 0;
	}
	snprintf(err, RTNL_ERRBUF, "ip route get %s: no output device", dst);
	return -ENOENT;
}
