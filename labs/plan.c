// SPDX-License-Identifier: GPL-2.0-only
/*
 * The plan of a lab: every name and address, computed from the options and
 * the per-run id before anything is created (docs/labs.md draws them).
 *
 *   hosts    mobile, mobile2..N, [internet], office, [lan]
 *   wires    client k - office (or - internet)    192.0.2.16(k-1)/28
 *            internet - office (--router)         198.51.100.0/24
 *            office - lan (--lan)                 172.16.1.0/24
 *   tunnel   10.8.0.0/24: office .1, client k .k+1 (for the daemons)
 *
 * A host numbers its wires w0, w1... in the order above; a device is named
 * tl<id><host tag>-<role>, e.g. tl3fa2m2-w0, at most 15 characters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lab.h"

static const char *const dev_type_names[] = {
	[LAB_DEV_TUN] = "tun",
	[LAB_DEV_TAP] = "tap",
};

const char *lab_dev_type_name(enum lab_dev_type t)
{
	return t <= LAB_DEV_TAP ? dev_type_names[t] : "?";
}

int lab_dev_type_parse(const char *s, enum lab_dev_type *t)
{
	for (unsigned int i = 0; i <= LAB_DEV_TAP; i++) {
		if (strcmp(dev_type_names[i], s) == 0) {
			*t = i;
			return 0;
		}
	}
	return -EINVAL;
}

bool lab_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > LAB_NAME_MAX || name[0] == '-' || name[0] == '_')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Add a host called name (tag in its device names); returns its index. */
static int add_host(struct lab *lab, const char *name, const char *tag)
{
	struct lab_host *h = &lab->hosts[lab->nhosts];

	memset(h, 0, sizeof(*h));
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->ns, sizeof(h->ns), "tl%s-%s", lab->id, name);
	snprintf(h->tag, sizeof(h->tag), "%s", tag);
	return lab->nhosts++;
}

/* Fill one end of a wire in host hi, with its addresses (v6 may be ""). */
static void set_end(struct lab *lab, struct lab_end *e, int hi,
		    const char *addr4, const char *addr6)
{
	struct lab_host *h = &lab->hosts[hi];

	e->host = hi;
	snprintf(e->role, sizeof(e->role), "w%d", h->nwires++);
	snprintf(e->ifname, sizeof(e->ifname), "tl%s%s-%s", lab->id, h->tag,
		 e->role);
	snprintf(e->addr4, sizeof(e->addr4), "%s", addr4);
	snprintf(e->addr6, sizeof(e->addr6), "%s",
		 lab->opts.ipv6 ? addr6 : "");
}

/* Add a wire between hosts a and b with their addresses. */
static struct lab_wire *add_wire(struct lab *lab, int a, const char *a4,
				 const char *a6, int b, const char *b4,
				 const char *b6)
{
	struct lab_wire *w = &lab->wires[lab->nwires++];

	memset(w, 0, sizeof(*w));
	set_end(lab, &w->end[0], a, a4, a6);
	set_end(lab, &w->end[1], b, b4, b6);
	return w;
}

/* Copy an address without its prefix length: the gateway form. */
static void set_gw(char *dst, const char *addr)
{
	size_t n = strcspn(addr, "/");

	if (n >= LAB_ADDR_MAX)
		n = LAB_ADDR_MAX - 1;
	memmove(dst, addr, n);
	dst[n] = '\0';
}

/* Give host hi its tunnel device and addresses (client 0 is the server). */
static void set_tunnel(struct lab *lab, int hi, int client)
{
	struct lab_host *h = &lab->hosts[hi];
	char ifname[LAB_IFNAME_MAX];

	snprintf(ifname, sizeof(ifname), "tl%s%s-%s", lab->id, h->tag,
		 lab_dev_type_name(lab->opts.dev_type));
	memcpy(h->tun_ifname, ifname, sizeof(ifname));
	snprintf(h->tun_addr4, sizeof(h->tun_addr4), "10.8.0.%d/24",
		 client + 1);
	if (lab->opts.ipv6)
		snprintf(h->tun_addr6, sizeof(h->tun_addr6), "fd00:8::%d/64",
			 client + 1);
}

int lab_plan(struct lab *lab, const char *name, const char *id,
	     const struct lab_opts *opts, char *err)
{
	char a4[2][LAB_ADDR_MAX], a6[2][LAB_ADDR_MAX];
	int client[LAB_MAX_CLIENTS], office, router = -1, lan;
	struct lab_wire *w;

	if (opts->clients < 1 || opts->clients > LAB_MAX_CLIENTS) {
		snprintf(err, LAB_ERRBUF, "--clients must be 1..%d",
			 LAB_MAX_CLIENTS);
		return -EINVAL;
	}
	if (strlen(id) != LAB_ID_LEN ||
	    strspn(id, "0123456789abcdef") != LAB_ID_LEN) {
		snprintf(err, LAB_ERRBUF, "bad lab id '%s'", id);
		return -EINVAL;
	}
	memset(lab, 0, sizeof(*lab));
	lab->opts = *opts;
	snprintf(lab->id, sizeof(lab->id), "%s", id);
	if (name && *name)
		snprintf(lab->name, sizeof(lab->name), "%s", name);
	else
		snprintf(lab->name, sizeof(lab->name), "tl%s", id);
	if (!lab_name_valid(lab->name)) {
		snprintf(err, LAB_ERRBUF, "bad lab name '%s': use up to %d "
			 "letters, digits, '-' or '_'", lab->name,
			 LAB_NAME_MAX);
		return -EINVAL;
	}
	snprintf(lab->dir, sizeof(lab->dir), LAB_RUN_DIR "/%s", lab->name);

	for (int k = 1; k <= opts->clients; k++) {
		char hname[TL_HOST_MAX], tag[4];

		snprintf(hname, sizeof(hname), k == 1 ? "mobile" : "mobile%d",
			 k);
		snprintf(tag, sizeof(tag), k == 1 ? "m" : "m%d", k);
		client[k - 1] = add_host(lab, hname, tag);
		set_tunnel(lab, client[k - 1], k);
	}
	if (opts->router) {
		router = add_host(lab, "internet", "i");
		lab->hosts[router].forward = true;
	}
	office = add_host(lab, "office", "o");
	set_tunnel(lab, office, 0);
	/* The VPN server routes between its clients: a packet from one to
	 * another comes out of the tun and goes back into it. */
	lab->hosts[office].forward = true;

	/* Client k's wire: 192.0.2.16(k-1)/28, .1 on the far side, .2 on
	 * the client; 2001:db8:k::/64 the same way. */
	for (int k = 1; k <= opts->clients; k++) {
		int base = 16 * (k - 1);
		int far = router >= 0 ? router : office;

		snprintf(a4[0], LAB_ADDR_MAX, "192.0.2.%d/28", base + 2);
		snprintf(a4[1], LAB_ADDR_MAX, "192.0.2.%d/28", base + 1);
		snprintf(a6[0], LAB_ADDR_MAX, "2001:db8:%d::2/64", k);
		snprintf(a6[1], LAB_ADDR_MAX, "2001:db8:%d::1/64", k);
		w = add_wire(lab, client[k - 1], a4[0], a6[0], far, a4[1],
			     a6[1]);
		if (router >= 0) {
			set_gw(lab->hosts[client[k - 1]].gw4, w->end[1].addr4);
			set_gw(lab->hosts[client[k - 1]].gw6, w->end[1].addr6);
		}
	}
	if (router >= 0) {
		w = add_wire(lab, router, "198.51.100.1/24",
			     "2001:db8:100::1/64", office, "198.51.100.2/24",
			     "2001:db8:100::2/64");
		set_gw(lab->hosts[office].gw4, w->end[0].addr4);
		set_gw(lab->hosts[office].gw6, w->end[0].addr6);
	}
	if (opts->lan) {
		lan = add_host(lab, "lan", "l");
		w = add_wire(lab, office, "172.16.1.1/24", "2001:db8:200::1/64",
			     lan, "172.16.1.10/24", "2001:db8:200::10/64");
		set_gw(lab->hosts[lan].gw4, w->end[0].addr4);
		set_gw(lab->hosts[lan].gw6, w->end[0].addr6);
	}
	return 0;
}

const struct lab_host *lab_host_find(const struct lab *lab, const char *name)
{
	for (int i = 0; i < lab->nhosts; i++)
		if (strcmp(lab->hosts[i].name, name) == 0)
			return &lab->hosts[i];
	return NULL;
}

void lab_host_list(const struct lab *lab, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < lab->nhosts && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s",
				 i ? ", " : "", lab->hosts[i].name);
}

void lab_opts_format(const struct lab_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "--dev-type %s --clients %d%s%s%s%s%s",
		 lab_dev_type_name(o->dev_type), o->clients,
		 o->router ? " --router" : "", o->lan ? " --lan" : "",
		 o->ipv6 ? " --ipv6" : "", o->offload ? " --offload" : "",
		 o->keylog ? " --keylog" : "");
}
