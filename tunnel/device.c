// SPDX-License-Identifier: GPL-2.0-only
/* The tun/tap device: see device.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "offload.h"
#include "rtnl.h"

/* The fast mode: packets behind a virtio_net_hdr, and TCP super-packets
 * (TSO) with checksums left to the daemon, as a virtio NIC gets them. */
static int device_offload(int fd, const char *name, char *err)
{
	int sz = OFFLOAD_VNET_LEN;
	unsigned int feat = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 |
			    TUN_F_TSO_ECN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, feat) < 0) {
		snprintf(err, DEVICE_ERRBUF, "offloads on %s: %s (the fast "
			 "mode needs TUNSETOFFLOAD)", name, strerror(errno));
		return -errno;
	}
	return 0;
}

int device_open(struct tun_device *dev, const char *name, bool tap,
		bool offload, char *err)
{
	struct ifreq ifr = { 0 };
	int fd, rc;

	dev->fd = -1;
	if (strlen(name) >= IFNAMSIZ) {
		snprintf(err, DEVICE_ERRBUF, "device name %s is longer than "
			 "%d characters", name, IFNAMSIZ - 1);
		return -ENAMETOOLONG;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, DEVICE_ERRBUF, "/dev/net/tun: %s%s",
			 strerror(errno), errno == ENOENT ?
			 " (this kernel has no tun driver: CONFIG_TUN)" : "");
		return rc;
	}
	ifr.ifr_flags = (short)((tap ? IFF_TAP : IFF_TUN) | IFF_NO_PI |
				(offload ? IFF_VNET_HDR : 0));
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		rc = -errno;
		snprintf(err, DEVICE_ERRBUF, "create %s device %s: %s",
			 tap ? "tap" : "tun", name, strerror(errno));
		close(fd);
		return rc;
	}
	if (offload && (rc = device_offload(fd, name, err)) != 0) {
		close(fd);
		return rc;
	}
	dev->fd = fd;
	dev->tap = tap;
	dev->offload = offload;
	memcpy(dev->ifname, ifr.ifr_name, IFNAMSIZ);
	dev->ifname[IFNAMSIZ - 1] = '\0';
	dev->mtu = 0;
	return 0;
}

int device_configure(struct tun_device *dev, unsigned int mtu,
		     const char *addr, unsigned int prefix, char *err)
{
	char msg[RTNL_ERRBUF];
	int rc;

	/* A tun's default queue (500) overflows under a TCP burst before the
	 * daemon reads it, and every overflow is a retransmission. */
	rc = rtnl_link_up(dev->ifname, mtu, DEVICE_TXQLEN, msg);
	if (!rc && addr)
		rc = rtnl_addr_add(dev->ifname, addr, prefix, msg);
	if (rc) {
		snprintf(err, DEVICE_ERRBUF, "%s", msg);
		return rc;
	}
	dev->mtu = mtu;
	return 0;
}

int device_route(struct tun_device *dev, const char *dst, unsigned int prefix,
		 const char *gateway, char *err)
{
	char msg[RTNL_ERRBUF];
	int rc = rtnl_route_add(dev->ifname, dst, prefix, gateway, msg);

	if (rc)
		snprintf(err, DEVICE_ERRBUF, "%s", msg);
	return rc;
}

void device_close(struct tun_device *dev)
{
	if (dev->fd >= 0)
		close(dev->fd);
	dev->fd = -1;
}
