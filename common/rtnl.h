/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A few rtnetlink requests, as `ip` makes them: bring a device up, set its
 * MTU, add an address or a route, ask which route a destination takes.
 * The tunnel daemon configures its own device with these (as OpenVPN
 * does); the tracer re-queries routes.  Each call acts in the network
 * namespace of the calling thread.
 */
#ifndef TUNLAB_RTNL_H
#define TUNLAB_RTNL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTNL_ERRBUF 160

/* Set the device up, and its MTU and transmit queue length when they are
 * not 0.  0 or a negative errno. */
int rtnl_link_up(const char *ifname, unsigned int mtu, unsigned int txqlen,
		 char *err);

/* Add addr/prefix (IPv4 or IPv6 text) to the device; with a peer (IPv4
 * point-to-point), addr is local and peer the far end. */
int rtnl_addr_add(const char *ifname, const char *addr, unsigned int prefix,
		  char *err);

/* Route dst/prefix through the device (and via gateway, if not NULL). */
int rtnl_route_add(const char *ifname, const char *dst, unsigned int prefix,
		   const char *gateway, char *err);

/* Which device a packet to dst would leave by (the device name in
 * ifname_out), and whether the route is local delivery (local may be
 * NULL). */
int rtnl_route_get(const char *dst, char *ifname_out, size_t n, bool *local,
		   char *err);

#endif
