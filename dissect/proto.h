/* SPDX-License-Identifier: GPL-2.0-only */
/* The protocol dissectors linked by the table in dissect.c; one file each. */
#ifndef TUNLAB_PROTO_H
#define TUNLAB_PROTO_H

#include "dissect.h"
#include "table.h"

void eth_dissect(struct dissect *d, struct cursor *c);	/* eth.c */
void vlan_dissect(struct dissect *d, struct cursor *c);	/* eth.c */
void arp_dissect(struct dissect *d, struct cursor *c);	/* arp.c */
void ip_dissect(struct dissect *d, struct cursor *c);	/* ipv4.c: by version nibble */
void ipv4_dissect(struct dissect *d, struct cursor *c);	/* ipv4.c */
void ipv6_dissect(struct dissect *d, struct cursor *c);	/* ipv6.c */
void icmp_dissect(struct dissect *d, struct cursor *c);	/* icmp.c */
/* Dissect the packet an ICMP error quotes, without letting it change the
 * summary, the pseudo-header or the truncated flag (icmp.c). */
void icmp_quoted(struct dissect *d, enum dissect_table table, uint32_t key,
		 struct cursor *c);
void icmpv6_dissect(struct dissect *d, struct cursor *c);	/* icmpv6.c */
void udp_dissect(struct dissect *d, struct cursor *c);	/* udp.c */
void tcp_dissect(struct dissect *d, struct cursor *c);	/* tcp.c */
void tunnel_dissect(struct dissect *d, struct cursor *c);	/* tunnel.c */

/* Names ipv4.c and ipv6.c share: IP protocol numbers (also ipv6.nxt),
 * DSCP code points and ECN values. */
extern const struct vname ip_proto_names[];
extern const struct vname ip_dscp_names[];
extern const struct vname ip_ecn_names[];
extern const struct vname ip_ecn_short[];	/* "Not-ECT", "CE" */

#endif
