/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tun/tap device (steps 3 and 4 on the way out, 4' and 3' on the way
 * in).  A tun device hands the daemon bare IP packets; a tap device whole
 * Ethernet frames, ARP and broadcasts included.  One read() or write() is
 * exactly one packet.  The daemon names, addresses and routes its device
 * itself, over rtnetlink, as OpenVPN does.
 */
#ifndef TUNLAB_DEVICE_H
#define TUNLAB_DEVICE_H

#include <net/if.h>
#include <stdbool.h>

#define DEVICE_ERRBUF 192
#define DEVICE_TXQLEN 1000	/* packets the kernel queues for the daemon */

struct tun_device {
	int fd;			/* read/write packets here; -1 when closed */
	bool tap;		/* Ethernet frames instead of IP packets */
	bool offload;		/* fast mode: virtio_net_hdr, TSO (offload.h) */
	char ifname[IFNAMSIZ];	/* as the kernel named it */
	unsigned int mtu;
};

/* Create (or attach to) device name, tun or tap, without the packet
 * information header (IFF_NO_PI), non-blocking; with offload, every packet
 * comes and goes behind a virtio_net_hdr and may be a TCP super-packet
 * (the fast mode).  0 or a negative errno. */
int device_open(struct tun_device *dev, const char *name, bool tap,
		bool offload, char *err);

/* Set the MTU, bring it up, add addr/prefix (IPv4 or IPv6, may be NULL). */
int device_configure(struct tun_device *dev, unsigned int mtu,
		     const char *addr, unsigned int prefix, char *err);

/* Route dst/prefix into the tunnel (via gateway inside it, may be NULL). */
int device_route(struct tun_device *dev, const char *dst, unsigned int prefix,
		 const char *gateway, char *err);

void device_close(struct tun_device *dev);

#endif
