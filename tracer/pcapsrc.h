/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracer's libpcap source: two handles per device (what leaves it and
 * what arrives on it), opened inside each lab host's namespace with
 * nanosecond timestamps and immediate delivery, then all served from one
 * event loop (pcap_get_selectable_fd + pcap_dispatch).
 *
 * On a tun/tap device, "out" is what the kernel hands the VPN daemon
 * (step 3) and "in" what the daemon writes back (step 3'); on a wire, "out"
 * is step 7 and "in" step 7'.
 */
#ifndef TUNLAB_PCAPSRC_H
#define TUNLAB_PCAPSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define PCAPSRC_ERRBUF 512
#define PCAPSRC_MAX_DEVS 64

/* A device to watch. */
struct pcapsrc_dev {
	const char *ns;		/* its network namespace */
	const char *host;	/* its lab host: "mobile" */
	const char *ifname;	/* tl3fa2m-tun */
	bool tun;		/* the VPN's tun/tap (steps 3, 3'), else a wire */
};

/* One captured frame, valid during the callback. */
struct pcapsrc_frame {
	const struct pcapsrc_dev *dev;
	enum tl_dir dir;	/* out: left the host by dev; in: arrived */
	enum tl_link link;	/* TL_LINK_ETH or TL_LINK_IP */
	uint64_t wall_ns;	/* capture time, wall clock */
	uint32_t len, caplen;
	const uint8_t *data;
};

typedef void (*pcapsrc_fn)(void *ctx, const struct pcapsrc_frame *f);

struct pcapsrc;

/* Open the handles.  snaplen bounds the bytes kept per frame; filter (may
 * be NULL) is a pcap-filter expression applied on every handle.  0 or a
 * negative errno with the reason in err. */
int pcapsrc_open(struct pcapsrc **s, const struct pcapsrc_dev *devs, int n,
		 int snaplen, const char *filter, char *err);

/* How many handles there are. */
int pcapsrc_count(const struct pcapsrc *s);

/* Deliver what handle i has now, up to a bound (never blocks).  Returns
 * the number of frames, or a negative errno (message in err). */
int pcapsrc_dispatch(struct pcapsrc *s, int i, pcapsrc_fn fn, void *ctx,
		     char *err);

/* Hold: the kernel drops every frame at the handles' filters, before it
 * copies any (nothing is counted: the caller knows for how long); or take
 * them again.  0, or -EIO if a handle could not be changed. */
int pcapsrc_hold(struct pcapsrc *s, bool hold);

/* Frames the kernel dropped for us so far (the losses we report). */
uint64_t pcapsrc_drops(struct pcapsrc *s);

void pcapsrc_close(struct pcapsrc *s);

/* Where the dissectors start on a libpcap link type: Ethernet, raw IP, or
 * TL_LINK_NONE for one tunlab does not decode. */
enum tl_link pcapsrc_link_of(int dlt);

#endif
