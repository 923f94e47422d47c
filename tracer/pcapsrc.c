// SPDX-License-Identifier: GPL-2.0-only
/* The tracer's libpcap source: see pcapsrc.h. */
#include <errno.h>
#include <linux/filter.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netns.h"
#include "pcapsrc.h"

#define PCAP_BUFFER (4 << 20)	/* kernel ring per handle: bursts fit */
#define READ_MAX 4096		/* frames in one call: none runs long */
#define PCAPSRC_FILTER_MAX 1024

struct handle {
	pcap_t *p;
	const struct pcapsrc_dev *dev;
	enum tl_dir dir;
	enum tl_link link;
	int fd;
	bool in_kernel;		/* kernel_filter() put a program on the socket */
};

struct pcapsrc {
	struct pcapsrc_dev devs[PCAPSRC_MAX_DEVS];
	struct handle h[2 * PCAPSRC_MAX_DEVS];
	int n;
	char filter[PCAPSRC_FILTER_MAX + 1];	/* to put back after a hold */
	pcapsrc_fn fn;		/* during a dispatch */
	void *ctx;
};

/*
 * The direction (and filter) in the kernel: pcap_setdirection() alone has
 * the kernel copy every frame to both handles of a device, and libpcap drop
 * the wrong half in user space.  "outbound" compiles to the packet type, a
 * BPF extension only the kernel evaluates, so the program goes straight on
 * the socket: through pcap_setfilter(), libpcap would run it in user space
 * over what the ring already holds, and lose those frames.  Falls back to
 * pcap_setfilter() with the filter alone.  0, or -1 (pcap_geterr says).
 */
static int kernel_filter(struct handle *h, const char *filter)
{
	char expr[PCAPSRC_FILTER_MAX + 32];
	struct bpf_program prog;
	struct sock_fprog fp;
	int rc = 0;

	if (filter && strlen(filter) > PCAPSRC_FILTER_MAX)
		return -1;
	snprintf(expr, sizeof(expr), "%s%s%s%s",
		 h->dir == TL_DIR_OUT ? "outbound" : "inbound",
		 filter && *filter ? " and (" : "", filter ? filter : "",
		 filter && *filter ? ")" : "");
	if (pcap_compile(h->p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0) {
		/* struct bpf_insn and struct sock_filter are one layout. */
		fp.len = (unsigned short)prog.bf_len;
		fp.filter = (struct sock_filter *)(void *)prog.bf_insns;
		rc = setsockopt(pcap_fileno(h->p), SOL_SOCKET, SO_ATTACH_FILTER,
				&fp, sizeof(fp));
		pcap_freecode(&prog);
		h->in_kernel = rc == 0;
		if (rc == 0)
			return 0;
	}
	if (!filter || !*filter)
		return 0;
	if (pcap_compile(h->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0)
		return -1;
	rc = pcap_setfilter(h->p, &prog);
	pcap_freecode(&prog);
	return rc < 0 ? -1 : 0;
}

/* Open one direction of one device; we are inside its namespace. */
static int open_handle(struct handle *h, int snaplen, const char *filter,
		       char *err)
{
	char perr[PCAP_ERRBUF_SIZE];
	int dlt, rc;

	h->p = pcap_create(h->dev->ifname, perr);
	if (!h->p)
		goto out_perr;
	if (pcap_set_snaplen(h->p, snaplen) || pcap_set_immediate_mode(h->p, 1) ||
	    pcap_set_tstamp_precision(h->p, PCAP_TSTAMP_PRECISION_NANO) ||
	    pcap_set_buffer_size(h->p, PCAP_BUFFER) ||
	    pcap_activate(h->p) < 0)
		goto out_geterr;
	if (pcap_setdirection(h->p, h->dir == TL_DIR_OUT ? PCAP_D_OUT
							   : PCAP_D_IN) < 0)
		goto out_geterr;
	dlt = pcap_datalink(h->p);
	h->link = pcapsrc_link_of(dlt);
	if (h->link == TL_LINK_NONE) {
		snprintf(err, PCAPSRC_ERRBUF, "%s: link type %s is not "
			 "Ethernet or raw IP", h->dev->ifname,
			 pcap_datalink_val_to_name(dlt) ?: "?");
		return -EPROTONOSUPPORT;
	}
	rc = kernel_filter(h, filter);
	if (rc < 0)
		goto out_geterr;
	if (pcap_setnonblock(h->p, 1, perr) < 0)
		goto out_perr;
	h->fd = pcap_get_selectable_fd(h->p);
	if (h->fd < 0) {
		snprintf(err, PCAPSRC_ERRBUF, "%s: no selectable fd",
			 h->dev->ifname);
		return -EIO;
	}
	return 0;

out_geterr:
	snprintf(err, PCAPSRC_ERRBUF, "capture on %s: %s", h->dev->ifname,
		 pcap_geterr(h->p));
	return -EIO;
out_perr:
	snprintf(err, PCAPSRC_ERRBUF, "capture on %s: %s", h->dev->ifname,
		 perr);
	return -EIO;
}

int pcapsrc_open(struct pcapsrc **sp, const struct pcapsrc_dev *devs, int n,
		 int snaplen, const char *filter, char *err)
{
	struct pcapsrc *s;
	char nerr[NETNS_ERRBUF];
	int rc = 0;

	if (n < 1 || n > PCAPSRC_MAX_DEVS) {
		snprintf(err, PCAPSRC_ERRBUF, "1 to %d devices", PCAPSRC_MAX_DEVS);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, PCAPSRC_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	memcpy(s->devs, devs, (size_t)n * sizeof(*devs));
	snprintf(s->filter, sizeof(s->filter), "%s", filter ? filter : "");
	for (int d = 0; d < n && !rc; d++) {
		int home;

		rc = netns_enter(devs[d].ns, &home, nerr);
		if (rc) {
			snprintf(err, PCAPSRC_ERRBUF, "%s", nerr);
			break;
		}
		for (int dir = 0; dir < 2 && !rc; dir++) {
			struct handle *h = &s->h[s->n];

			h->dev = &s->devs[d];
			h->dir = dir ? TL_DIR_IN : TL_DIR_OUT;
			rc = open_handle(h, snaplen, filter, err);
			s->n++;
		}
		if (netns_leave(home) && !rc) {
			snprintf(err, PCAPSRC_ERRBUF, "leaving namespace %s",
				 devs[d].ns);
			rc = -EIO;
		}
	}
	if (rc) {
		pcapsrc_close(s);
		return rc;
	}
	*sp = s;
	return 0;
}

int pcapsrc_hold(struct pcapsrc *s, bool hold)
{
	/* A program that takes nothing: the kernel stops at the filter,
	 * before it copies the frame. */
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog fp = { .len = 1, .filter = &none };
	int rc = 0;

	for (int i = 0; i < s->n; i++) {
		struct handle *h = &s->h[i];
		int fd;

		if (!h->p)
			continue;
		fd = pcap_fileno(h->p);
		/* Back: the handle's own program replaces the hold's at once;
		 * a handle without one (filtered by libpcap) loses the hold. */
		if (hold)
			rc |= setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp,
					 sizeof(fp));
		else if (h->in_kernel)
			rc |= kernel_filter(h, s->filter);
		else
			rc |= setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &fp,
					 sizeof(fp));
	}
	return rc ? -EIO : 0;
}

int pcapsrc_count(const struct pcapsrc *s)
{
	return s->n;
}

struct dispatch {
	const struct handle *h;
	pcapsrc_fn fn;
	void *ctx;
};

/* libpcap's callback: turn its header into a frame. */
static void on_packet(u_char *user, const struct pcap_pkthdr *ph,
		      const u_char *bytes)
{
	const struct dispatch *d = (const struct dispatch *)user;
	struct pcapsrc_frame f = {
		.dev = d->h->dev, .dir = d->h->dir, .link = d->h->link,
		/* With nanosecond precision tv_usec holds nanoseconds. */
		.wall_ns = (uint64_t)ph->ts.tv_sec * 1000000000ull +
			   (uint64_t)ph->ts.tv_usec,
		.len = ph->len, .caplen = ph->caplen, .data = bytes,
	};

	d->fn(d->ctx, &f);
}

int pcapsrc_dispatch(struct pcapsrc *s, int i, pcapsrc_fn fn, void *ctx,
		     char *err)
{
	struct dispatch d = { .h = &s->h[i], .fn = fn, .ctx = ctx };
	int n;

	if (i < 0 || i >= s->n)
		return -EINVAL;
	n = pcap_dispatch(s->h[i].p, READ_MAX, on_packet, (u_char *)&d);
	if (n == PCAP_ERROR) {
		snprintf(err, PCAPSRC_ERRBUF, "capture on %s: %s",
			 s->h[i].dev->ifname, pcap_geterr(s->h[i].p));
		return -EIO;
	}
	return n < 0 ? 0 : n;
}

uint64_t pcapsrc_drops(struct pcapsrc *s)
{
	uint64_t drops = 0;

	for (int i = 0; i < s->n; i++) {
		struct pcap_stat st;

		if (s->h[i].p && pcap_stats(s->h[i].p, &st) == 0)
			drops += st.ps_drop + st.ps_ifdrop;
	}
	return drops;
}

void pcapsrc_close(struct pcapsrc *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++)
		if (s->h[i].p)
			pcap_close(s->h[i].p);
	free(s);
}

enum tl_link pcapsrc_link_of(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return TL_LINK_ETH;
	case DLT_RAW:
	case 101:		/* LINKTYPE_RAW, as some files store it */
	case 228:		/* DLT_IPV4 */
	case 229:		/* DLT_IPV6 */
		return TL_LINK_IP;
	default:
		return TL_LINK_NONE;
	}
}
