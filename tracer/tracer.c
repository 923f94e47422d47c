// SPDX-License-Identifier: GPL-2.0-only
/* The tracer: see tracer.h. */
#include <arpa/inet.h>
#include <dirent.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate.h"
#include "digest.h"
#include "kjoin.h"
#include "ktrace.h"
#include "netns.h"
#include "rtnl.h"
#include "segjoin.h"
#include "text.h"
#include "pcapsrc.h"
#include "probesrc.h"
#include "reorder.h"
#include "tracer.h"
#include "wire.h"

#define TICK_NS		10000000ull	/* read and reorder: every 10 ms */
#define OFFSET_NS	1000000000ull	/* clock offset resampled each s */
#define DEFAULT_REORDER	100000000ull	/* 100 ms */
#define ROUTE_SLOTS	256		/* re-queried routes cached */
#define POLL_NS		1000000ull	/* busy: read the sources this often */
#define PROBE_EVERY	2048		/* drain: read the probes between */
#define BUSY_READ	64		/* events in one read that mean busy */
#define IDLE_WINDOW_NS	20000000ull	/* busy: ... and idle again when */
#define IDLE_EVENTS	100		/* fewer came in one window */
#define WINDOW_MAX	131072		/* observations waiting, at most: a
					 * 100 ms window at 1.3 M/s */
#define SKIPS		8		/* slices skipped, remembered */
#define APP_PIDS	16		/* probe-publishing apps remembered */
#define READ_SEGS	64		/* segments one read is tied to, at most */
#define DEFER_MAX	16		/* super-datagrams waiting, at most */
#define DEFER_NS	10000000ull	/* ... and at most this long */
#define NOROUTES	8		/* refusals remembered */
#define NOROUTE_NS	50000000ull	/* the app's account comes within */
#define BUDGET_NS	20000000ull	/* the CPU budget's burst: its share of
					 * this much time */
#define DRAIN_MAX	8192		/* events handed on in one call */
#define FLUSH_NS	2000000000ull	/* reading at the end, at most */
#define POOL_SNAP_MAX	2048		/* longer captures: malloc'ed */

/* The bytes of a pooled observation: enough for a frame at snaplen and a
 * probe event's capture. */
static int pool_snap(int snaplen)
{
	int n = snaplen > TL_PROBE_SNAP ? snaplen : TL_PROBE_SNAP;

	return n < POOL_SNAP_MAX ? n : POOL_SNAP_MAX;
}

/* An observation waiting in the reorder window, with its keys. */
struct pending {
	struct tl_event ev;
	struct corr_keys keys;
	struct kjoin_key kkey;	/* kernel events: how to join them */
	int32_t pid;		/* app probes: the sender */
	uint8_t data[];
};

struct tracer {
	struct tracer_cfg cfg;
	struct evloop *loop;
	tracer_fn fn;
	void *ctx;
	struct pcapsrc *pcap;
	struct pcapsrc_dev devs[PCAPSRC_MAX_DEVS];
	struct probesrc probes;
	struct correlator *corr;
	int64_t offset;		/* wall - mono */
	uint64_t offset_at;
	struct reorder *window;	/* observations waiting for their turn */
	uint64_t skip_from;	/* skipping events from this time on, or 0 */
	struct {		/* the last slices skipped: [from, to) */
		uint64_t from, to;
	} skips[SKIPS];
	unsigned int nskips;
	uint64_t budget_at, budget_cpu;	/* the budget's last look: time, CPU */
	int64_t credit;			/* CPU ns it may still use */
	uint64_t flushed_to;	/* everything before this was handed on */
	long timer;
	/* An app's send syscall waits for its sock_send_length (which says
	 * it went to an IP socket, not the probe socket); a sock_recv_length
	 * waits for the receive syscall's return. */
	struct held_sys {
		struct tl_event ev;
		struct kjoin_key kk;
		int32_t pid;
	} held[64];
	struct ktrace *kt;
	struct kjoin *kj;
	struct segjoin *sj;
	/* Busy: the probe socket and the kernel's buffers are read on a
	 * fast timer instead of waking the tracer (see count_read()). */
	int pollfd;			/* timerfd, -1: none */
	bool busy;
	uint64_t window_ns, window_n;	/* events read in this window */
	unsigned int mtu[PCAPSRC_MAX_DEVS];	/* of devs[], 0: unknown */
	unsigned int mtu_max;
	int32_t app_pids[APP_PIDS];	/* lab apps that sent probes lately */
	struct pending *deferred[DEFER_MAX];	/* super_waits() */
	uint64_t deferred_since;		/* the oldest one's time */
	struct noroute {			/* the kernel's, lately */
		int32_t pid;
		uint64_t pkt, ts_ns;
	} noroute[NOROUTES];
	unsigned int nnoroute;
	unsigned int ndeferred;
	unsigned int napp_pids;
	/* Routes re-queried (RTM_GETROUTE) for the steps the kernel takes
	 * without a per-packet lookup, cached a second per host and address. */
	struct route_cache {
		int host;
		uint8_t dst[16];
		uint64_t until_ns;
		bool local;
		char dev[TL_DEV_MAX];
		char detail[2][TL_DETAIL_MAX];	/* out, in: made once */
	} routes[ROUTE_SLOTS];
	/* Packets whose route lookup the tracepoints saw (by pkt % 4096):
	 * the others sent on a connected socket's cached route. */
	uint64_t looked_up[4096][2];	/* [0]: step 2, [1]: step 6 */
	bool filtering;
	struct tracer_filter filter;
	struct tracer_stats st;
};

static const uint8_t *ip_of(enum tl_link link, const uint8_t *d, size_t n,
			    size_t *ip_n);
static bool super_len(const struct tracer *t, const char *dev, uint32_t len);
static void count_read(struct tracer *t, int n);
static bool paused(struct tracer *t);
static bool held(struct tracer *t);
static void hold_sources(struct tracer *t, bool hold);
static void on_probe(void *ctx, const struct tl_probe *p, const uint8_t *bytes);

/* Copy string src into dst[size], always terminated (a plain copy: this
 * runs for every event, where snprintf costs more than the rest). */
static void str_copy(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Sample wall - mono (the pair read as close together as we can). */
static int64_t sample_offset(void)
{
	struct timespec w, m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &w);
	return ((int64_t)w.tv_sec - (int64_t)m.tv_sec) * 1000000000ll +
	       ((int64_t)w.tv_nsec - (int64_t)m.tv_nsec);
}

/*
 * The window is full: the tracer is behind.  It then skips a slice of time,
 * on every source alike, so that the packets before and after it stay
 * whole (a source left behind alone would lose some points of every
 * packet).  The slice runs from the event that found the window full
 * until the window is half empty again (skip_resume()).  Meanwhile the
 * kernel records nothing for the tracer (capture filters that take
 * nothing, tracing off: the lab's packets no longer pay for the copies),
 * what the sources already hold is read and kept if older than the slice,
 * and the probe socket is left unread (the daemons count what they cannot
 * hand over; what it holds of the slice is skipped once reading resumes).
 * The slices' time and the events skipped are counted, never silent.
 */
static void hold_sources(struct tracer *t, bool hold)
{
	if (t->pcap)
		pcapsrc_hold(t->pcap, hold);
	if (t->kt)
		ktrace_hold(t->kt, hold);
}

static bool skipping(struct tracer *t, uint64_t ts)
{
	if (!t->skip_from && reorder_full(t->window)) {
		t->skip_from = ts ? ts : 1;
		hold_sources(t, true);
	}
	if (t->skip_from && ts >= t->skip_from)
		goto skip;
	for (int i = 0; i < SKIPS; i++)
		if (ts >= t->skips[i].from && ts < t->skips[i].to)
			goto skip;
	return false;
skip:
	t->st.skipped++;
	return true;
}

/* The window has room again: events from now on are taken. */
static void skip_resume(struct tracer *t, uint64_t now)
{
	if (!t->skip_from ||
	    reorder_len(t->window) > WINDOW_MAX / 2)
		return;
	t->skips[t->nskips % SKIPS].from = t->skip_from;
	t->skips[t->nskips % SKIPS].to = now;
	t->nskips++;
	if (now > t->skip_from)
		t->st.skipped_ns += now - t->skip_from;
	t->skip_from = 0;
	hold_sources(t, false);
}

/* Whether pid is a lab app that publishes its own probes (its probe, not
 * its syscall, starts its writes). */
static bool probe_pid(const struct tracer *t, int32_t pid)
{
	for (unsigned int i = 0; i < APP_PIDS; i++)
		if (t->app_pids[i] == pid && pid)
			return true;
	return false;
}

/* Queue an observation (its bytes copied) for ordering. */
static void enqueue(struct tracer *t, const struct tl_event *ev,
		    const struct corr_keys *k, const struct kjoin_key *kk,
		    int32_t pid)
{
	struct pending *p;

	/* Frames and probes skipped before their keys were made; kernel
	 * events skip here, after the state they keep (held syscalls). */
	if (ev->source == TL_SRC_KERNEL && skipping(t, ev->ts_ns))
		return;
	p = reorder_alloc(t->window, sizeof(*p) + ev->caplen);
	if (!p) {
		t->st.no_memory++;
		return;
	}
	p->ev = *ev;
	p->keys = *k;
	if (kk)
		p->kkey = *kk;
	else
		memset(&p->kkey, 0, sizeof(p->kkey));
	p->pid = pid;
	if (ev->caplen)
		memcpy(p->data, ev->data, ev->caplen);
	p->ev.data = p->data;
	if (ev->ts_ns < t->flushed_to)
		t->st.late++;
	reorder_push(t->window, p->ev.ts_ns, p);
}

/* What a frame's bytes offer kernel events: the length a tracepoint shows
 * (a received Ethernet frame has lost its header by then) and the IP
 * destination. */
static void frame_join(struct tracer *t, const struct pending *p)
{
	const struct tl_event *ev = &p->ev;
	struct kjoin_frame f = { .ev = ev, .klen = ev->len, .pid = p->pid };
	const uint8_t *ip;
	size_t n;

	if (ev->source == TL_SRC_PCAP && ev->link == TL_LINK_ETH &&
	    tl_steps[ev->step].dir == TL_DIR_IN && ev->len >= 14)
		f.klen = ev->len - 14;
	ip = ev->source == TL_SRC_PCAP ? ip_of(ev->link, ev->data, ev->caplen,
					       &n) : NULL;
	if (ip && n >= 20 && ip[0] >> 4 == 4) {
		memcpy(f.dst, ip + 16, 4);
		f.family = 4;
	} else if (ip && n >= 40 && ip[0] >> 4 == 6) {
		memcpy(f.dst, ip + 24, 16);
		f.family = 6;
	}
	kjoin_frame(t->kj, &f);
}

/* The cache slot of (host, destination): every byte counts (office's tun
 * address and its wire address end alike, and both are busy). */
static unsigned int route_slot(int hi, const uint8_t *dst, int family)
{
	uint64_t h = tl_fnv1a(TL_FNV_OFFSET ^ (uint64_t)hi, dst,
			      family == 4 ? 4 : 16);

	return (unsigned int)(h >> 32) % ROUTE_SLOTS;
}

/* The route host hi takes to dst (4 or 16 bytes), asked of the kernel in
 * the host's namespace; 0, or a negative errno. */
static int requery_route(struct tracer *t, int hi, const uint8_t *dst,
			 int family, uint64_t now, struct route_cache **out)
{
	struct route_cache *c = &t->routes[route_slot(hi, dst, family)];
	char a[48], rerr[RTNL_ERRBUF], nerr[NETNS_ERRBUF];
	size_t alen = family == 4 ? 4 : 16;
	int home, rc;

	if (c->host == hi && c->until_ns > now && !memcmp(c->dst, dst, alen)) {
		*out = c;
		return 0;
	}
	inet_ntop(family == 4 ? AF_INET : AF_INET6, dst, a, sizeof(a));
	if (netns_enter(t->cfg.hosts[hi].ns, &home, nerr))
		return -EIO;
	rc = rtnl_route_get(a, c->dev, sizeof(c->dev), &c->local, rerr);
	netns_leave(home);
	if (rc)
		return rc;
	c->host = hi;
	c->detail[0][0] = c->detail[1][0] = '\0';
	memset(c->dst, 0, sizeof(c->dst));
	memcpy(c->dst, dst, alen);
	c->until_ns = now + OFFSET_NS;
	*out = c;
	return 0;
}

/* After a frame: the routing step next to it that the kernel does without
 * a lookup the tracepoints could see (on the way in: early demux and the
 * socket's cached route), re-queried and labelled so, never passed off as
 * observed.  Also on the way out when the kernel source is off. */
static void requery_step(struct tracer *t, const struct tl_event *frame)
{
	struct tl_event ev = { .ts_ns = frame->ts_ns + 1, .pkt = frame->pkt,
			       .source = TL_SRC_KERNEL,
			       .basis = TL_BASIS_HEURISTIC,
			       .flags = TL_EVENT_F_REQUERIED };
	struct route_cache *rc;
	const uint8_t *ip;
	size_t n;
	int hi = -1, family, dir;
	char a[48];

	switch (frame->step) {
	case TL_STEP_TUN_DRIVER_IN:
		ev.step = TL_STEP_ROUTE_LOCAL;
		break;
	case TL_STEP_WIRE_IN:
		ev.step = TL_STEP_DELIVER_UDP;
		break;
	case TL_STEP_TUN_DRIVER_OUT:
		ev.step = TL_STEP_ROUTE_TUN;
		break;
	case TL_STEP_WIRE_OUT:
		ev.step = TL_STEP_ROUTE_WIRE;
		break;
	default:
		return;
	}
	/* On the way out the tracepoints see the lookup, unless a connected
	 * socket's cached route made it: then re-query and say so. */
	if (t->kt && tl_steps[ev.step].dir == TL_DIR_OUT &&
	    t->looked_up[frame->pkt % 4096][ev.step == TL_STEP_ROUTE_WIRE] ==
	    frame->pkt)
		return;
	for (int i = 0; i < t->cfg.nhosts; i++)
		if (strcmp(t->cfg.hosts[i].name, frame->host) == 0)
			hi = i;
	ip = ip_of(frame->link, frame->data, frame->caplen, &n);
	if (hi < 0 || !ip || !frame->pkt)
		return;
	if (n >= 20 && ip[0] >> 4 == 4)
		family = 4;
	else if (n >= 40 && ip[0] >> 4 == 6)
		family = 6;
	else
		return;
	if (requery_route(t, hi, ip + (family == 4 ? 16 : 24), family,
			  frame->ts_ns, &rc))
		return;
	memcpy(ev.host, frame->host, sizeof(ev.host));
	memcpy(ev.dev, rc->dev, sizeof(ev.dev));
	ev.group = frame->group;
	ev.group_basis = frame->group_basis;
	if (t->kt && tl_steps[ev.step].dir == TL_DIR_OUT)
		ev.flags |= TL_EVENT_F_CACHED_ROUTE;
	/* The text is the route's, made once per cached route. */
	dir = tl_steps[ev.step].dir == TL_DIR_IN;
	if (!rc->detail[dir][0]) {
		inet_ntop(family == 4 ? AF_INET : AF_INET6,
			  ip + (family == 4 ? 16 : 24), a, sizeof(a));
		snprintf(rc->detail[dir], sizeof(rc->detail[dir]), "route to "
			 "%.40s: %s%.15s (re-queried: %s)", a, rc->local ?
			 "local delivery, dev " : "dev ", ev.dev, dir ?
			 "no per-packet lookup on the way in" : t->kt ?
			 "cached route of a connected socket, no lookup per "
			 "packet" : "kernel source off");
	}
	memcpy(ev.detail, rc->detail[dir], sizeof(ev.detail));
	t->st.events++;
	t->fn(t->ctx, &ev);
}

/* An app's read of several segments' bytes: the read is step 1' of each
 * of them (segjoin_read()), handed on once per segment with its place in
 * the read.  False when the read is within one segment (content ties it)
 * or its start was not seen. */
static bool hand_read(struct tracer *t, struct pending *p)
{
	uint64_t pkts[READ_SEGS];
	int n = segjoin_read(t->sj, &p->ev, pkts, READ_SEGS);
	struct tl_event ev0 = p->ev;

	for (int i = 0; i < n; i++) {
		struct corr_keys k = p->keys;
		char tail[48];
		size_t dl;

		p->ev = ev0;
		k.payload = 0;	/* the read's digest is none of theirs */
		k.join = pkts[i];
		corr_assign(t->corr, &p->ev, &k);
		dl = strnlen(p->ev.detail, sizeof(p->ev.detail));
		snprintf(tail, sizeof(tail), " (segment %d of %d)", i + 1, n);
		if (dl + 1 < sizeof(p->ev.detail))
			str_copy(p->ev.detail + dl, sizeof(p->ev.detail) - dl,
				 tail);
		t->st.events++;
		t->fn(t->ctx, &p->ev);
		/* The app's syscall joins the read once. */
		if (i == 0 && t->kj)
			frame_join(t, p);
	}
	return n > 0;
}

/* A packet refused for want of a route (step 2, dropped): the kernel's
 * failed lookup, or the app's account of it (labs' apps publish one: a
 * short-lived app may be gone before its kernel events are read, and then
 * its namespace, so its host, is unknown). */
static bool noroute_step(const struct tl_event *ev)
{
	return ev->step == TL_STEP_ROUTE_TUN && (ev->flags & TL_EVENT_F_DROP) &&
	       ev->source != TL_SRC_PCAP;
}

/* The app's account joins the kernel's refusal of the same process, just
 * before it: one packet, not two. */
static void noroute_join(struct tracer *t, struct pending *p)
{
	for (unsigned int i = 0; i < NOROUTES; i++) {
		const struct noroute *n = &t->noroute[i];

		if (n->pkt && n->pid == p->pid && n->ts_ns <= p->ev.ts_ns &&
		    p->ev.ts_ns - n->ts_ns < NOROUTE_NS) {
			p->keys.join = n->pkt;
			p->keys.also = true;
			return;
		}
	}
}

/* Number an observation, hand it on, and let what waits on it join it;
 * p is released. */
static void hand_on(struct tracer *t, struct pending *p,
		    const struct seg_tie *tie)
{
	if (noroute_step(&p->ev) && p->ev.source == TL_SRC_APP)
		noroute_join(t, p);
	corr_assign(t->corr, &p->ev, &p->keys);
	if (p->ev.source == TL_SRC_PCAP) {
		segjoin_numbered(t->sj, &p->ev);
		segjoin_arrived(t->sj, &p->ev);
	}
	if (noroute_step(&p->ev) && p->ev.source == TL_SRC_KERNEL)
		t->noroute[t->nnoroute++ % NOROUTES] = (struct noroute){
			p->pid, p->ev.pkt, p->ev.ts_ns };
	t->st.events++;
	t->fn(t->ctx, &p->ev);
	if (t->kj)
		frame_join(t, p);
	if (tie->whole && t->kj) {
		/* The device took a held skb whole: it is this frame, joined
		 * as any queue event. */
		struct kjoin_key kk = { .kind = KJ_DEV, .skb = tie->whole_skb,
					.len = tie->whole_ev.len };
		struct tl_event whole = tie->whole_ev;

		kjoin_kernel(t->kj, &whole, &kk);
	}
	if (p->ev.source == TL_SRC_APP) {
		t->app_pids[t->napp_pids++ % APP_PIDS] = p->pid;
		if (p->ev.step == TL_STEP_APP_SEND && p->ev.caplen)
			segjoin_write(t->sj, &p->ev);
	}
	if (p->ev.source == TL_SRC_PCAP)
		requery_step(t, &p->ev);
	reorder_release(t->window, p);
}

/*
 * A super-datagram coming in (7', the fast mode's UDP GRO: one frame of
 * several tunnel datagrams) shows the first datagram's tunnel header.  It
 * is the receiving host's super-packet, which is known only once the
 * daemon decrypts that datagram (5', the probe's parent): the frame waits
 * for that, a few ms at most, instead of being tied to the first segment
 * alone.
 */
static bool super_waits(struct tracer *t, const struct pending *p)
{
	return p->ev.source == TL_SRC_PCAP && p->ev.step == TL_STEP_WIRE_IN &&
	       (p->ev.flags & TL_EVENT_F_GSO) && p->keys.tunnel &&
	       t->ndeferred < DEFER_MAX &&
	       !corr_super(t->corr, &p->keys, p->ev.step);
}

static void defer(struct tracer *t, struct pending *p)
{
	if (!t->ndeferred)
		t->deferred_since = p->ev.ts_ns;
	t->deferred[t->ndeferred++] = p;
}

/* Hand on the frames that waited: those whose super-packet is known now,
 * those that waited long enough before now_ns (tied as they can be), or
 * all. */
static void undefer(struct tracer *t, uint64_t now_ns, bool all)
{
	struct seg_tie none = { 0 };

	for (unsigned int i = 0; i < t->ndeferred;) {
		struct pending *p = t->deferred[i];

		if (!all && now_ns - p->ev.ts_ns < DEFER_NS &&
		    !corr_super(t->corr, &p->keys, p->ev.step)) {
			i++;
			continue;
		}
		t->deferred[i] = t->deferred[--t->ndeferred];
		hand_on(t, p, &none);
	}
	/* The oldest still waiting, for the next look. */
	for (unsigned int i = 0; i < t->ndeferred; i++)
		if (!i || t->deferred[i]->ev.ts_ns < t->deferred_since)
			t->deferred_since = t->deferred[i]->ev.ts_ns;
}

/* Hand on, in order, what is older than upto: at most max events (0: all;
 * the rest waits for the next call, so that no call runs long). */
static void drain(struct tracer *t, uint64_t upto, unsigned int max)
{
	unsigned int n = 0;
	struct pending *p;
	uint64_t last = 0;

	while ((!max || n < max) &&
	       (p = reorder_pop_before(t->window, upto))) {
		struct seg_tie tie = { 0 };

		last = p->ev.ts_ns;
		/* A daemon's probe socket holds only so many datagrams in
		 * flight (its send buffer): a long drain reads it between. */
		if (++n % PROBE_EVERY == 0 && t->probes.fd >= 0 &&
		    !t->skip_from)
			count_read(t, probesrc_read(&t->probes, on_probe, t));
		if (p->ev.source == TL_SRC_KERNEL && t->kj &&
		    p->kkey.kind != KJ_NONE) {
			/* A queued skb longer than its device's MTU waits for
			 * the segments it is cut into (segjoin.h). */
			if (p->kkey.kind == KJ_DEV &&
			    (p->ev.step == TL_STEP_ROUTE_TUN ||
			     p->ev.step == TL_STEP_ROUTE_WIRE) &&
			    super_len(t, p->ev.dev, p->ev.len)) {
				p->ev.flags |= TL_EVENT_F_GSO;
				segjoin_hold(t->sj, &p->ev, p->kkey.skb);
			} else {
				kjoin_kernel(t->kj, &p->ev, &p->kkey);
			}
			/* A program without probes: the syscall is all there
			 * is of its write. */
			if (p->kkey.kind == KJ_APP_SEND &&
			    !probe_pid(t, p->pid))
				segjoin_write(t->sj, &p->ev);
			reorder_release(t->window, p);
			continue;
		}
		if (p->ev.source == TL_SRC_PCAP &&
		    tl_steps[p->ev.step].dir == TL_DIR_OUT) {
			segjoin_frame(t->sj, &p->ev,
				      (p->ev.flags & TL_EVENT_F_GSO) != 0, &tie);
			p->keys.join = tie.join;
			p->keys.group = tie.group;
			p->keys.group_basis = tie.basis;
		}
		if (p->ev.source == TL_SRC_APP &&
		    p->ev.step == TL_STEP_APP_RECV && p->ev.caplen &&
		    hand_read(t, p)) {
			reorder_release(t->window, p);
			continue;
		}
		if (super_waits(t, p)) {
			defer(t, p);
			continue;
		}
		/* A waiting frame's unit comes with a daemon's event (5'),
		 * or it has waited long enough. */
		hand_on(t, p, &tie);
		if (t->ndeferred && (p->ev.source == TL_SRC_DAEMON ||
				     last - t->deferred_since >= DEFER_NS))
			undefer(t, last, false);
	}
	if (upto == UINT64_MAX)
		undefer(t, UINT64_MAX, true);
	/* Stopped short: only what came before the last one is done. */
	if (max && n >= max && last < upto)
		upto = last;
	/* Kernel events no frame claimed within a while are untied. */
	if (t->kj)
		kjoin_expire(t->kj, upto > 20000000ull ? upto - 20000000ull : 0);
	segjoin_expire(t->sj, upto > 20000000ull ? upto - 20000000ull : 0);
	if (upto > t->flushed_to)
		t->flushed_to = upto;
}

/* kjoin's way out: remember which packets had a route lookup seen. */
static void kernel_emit(void *ctx, struct tl_event *ev)
{
	struct tracer *t = ctx;

	if (ev->pkt && strncmp(ev->detail, "fib_table_lookup", 16) == 0 &&
	    (ev->step == TL_STEP_ROUTE_TUN || ev->step == TL_STEP_ROUTE_WIRE))
		t->looked_up[ev->pkt % 4096][ev->step == TL_STEP_ROUTE_WIRE] =
			ev->pkt;
	if (ev->pkt && ev->step < TL_STEP_COUNT)
		ev->group = corr_group(t->corr, ev->pkt, tl_steps[ev->step].dir,
				       &ev->group_basis);
	t->st.events++;
	t->fn(t->ctx, ev);
}

/* segjoin's way out: a held super-skb, as part of the write it carries
 * (join) or as a packet of its own. */
static uint64_t seg_release(void *ctx, struct tl_event *ev, uint64_t join)
{
	struct tracer *t = ctx;

	ev->pkt = join ? join : corr_new_packet(t->corr);
	ev->basis = join ? TL_BASIS_SEQ_RANGE : TL_BASIS_NONE;
	ev->group = 0;
	ev->group_basis = TL_BASIS_NONE;
	t->st.events++;
	t->fn(t->ctx, ev);
	return ev->pkt;
}

/* The IP packet inside a frame (after Ethernet and VLAN tags), or NULL. */
static const uint8_t *ip_of(enum tl_link link, const uint8_t *d, size_t n,
			    size_t *ip_n)
{
	if (link == TL_LINK_ETH) {
		size_t off = 12;
		unsigned int type;

		for (;;) {
			if (n < off + 2)
				return NULL;
			type = (unsigned int)(d[off] << 8 | d[off + 1]);
			if (type != 0x8100 && type != 0x88a8)
				break;
			off += 4;
		}
		if (type != 0x0800 && type != 0x86dd)
			return NULL;
		d += off + 2;
		n -= off + 2;
	}
	*ip_n = n;
	return n >= 1 ? d : NULL;
}

/* Keys of captured bytes: the tunnel key of a tunnel datagram, else the
 * digest of the inner packet and of its transport payload. */
static void frame_keys(const struct tracer *t, enum tl_link link,
		       const uint8_t *d, size_t caplen, size_t len_all,
		       struct corr_keys *k)
{
	size_t n, hl = 0, tl = 0, len = 0;
	const uint8_t *ip = ip_of(link, d, caplen, &n);
	uint8_t proto = 0;

	memset(k, 0, sizeof(*k));
	/* The inner key as the daemon's probes compute it (the IP packet,
	 * or an ARP frame itself). */
	k->inner = tl_digest_frame(d, len_all, caplen, link == TL_LINK_ETH);
	if (!ip)
		return;
	if (n >= 20 && ip[0] >> 4 == 4) {
		hl = (size_t)(ip[0] & 15) * 4;
		len = (size_t)(ip[2] << 8 | ip[3]);
		proto = ip[9];
	} else if (n >= 40 && ip[0] >> 4 == 6) {
		hl = 40;
		len = 40 + (size_t)(ip[4] << 8 | ip[5]);
		proto = ip[6];
	}
	if (!hl || n < hl + 8 || len < hl + 8)
		return;
	if (proto == 17) {
		uint16_t sport = (uint16_t)(ip[hl] << 8 | ip[hl + 1]);
		uint16_t dport = (uint16_t)(ip[hl + 2] << 8 | ip[hl + 3]);
		const uint8_t *u = ip + hl + 8;

		if ((sport == t->cfg.data_port || dport == t->cfg.data_port) &&
		    n >= hl + 8 + TL_WIRE_AD_LEN &&
		    u[0] >> TL_WIRE_OPCODE_SHIFT == TL_WIRE_OP_DATA_V2) {
			k->tunnel = true;
			k->from_server = sport == t->cfg.data_port;
			k->key_id = u[0] & TL_WIRE_KEY_ID_MASK;
			k->peer_id = (uint32_t)(u[1] << 16 | u[2] << 8 | u[3]);
			k->packet_id = (uint32_t)u[4] << 24 | (uint32_t)u[5] << 16 |
				       (uint32_t)u[6] << 8 | u[7];
			k->inner = 0;	/* outer: ciphertext means nothing */
			return;
		}
		tl = 8;
	} else if (proto == 6 && n >= hl + 20) {
		tl = (size_t)(ip[hl + 12] >> 4) * 4;
	}
	if (tl && len >= hl + tl && n >= hl + tl)
		k->payload = tl_digest_payload_part(ip + hl + tl, len - hl - tl,
						    n - hl - tl);
}

/* The MTU of each device, asked in its namespace (0 when unknown: then
 * nothing on it counts as a super-packet). */
static void read_mtus(struct tracer *t, int ndev)
{
	char nerr[NETNS_ERRBUF];

	for (int i = 0; i < ndev; i++) {
		struct ifreq ifr = { 0 };
		int home, fd;

		if (netns_enter(t->devs[i].ns, &home, nerr))
			continue;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s",
			 t->devs[i].ifname);
		if (fd >= 0 && ioctl(fd, SIOCGIFMTU, &ifr) == 0 &&
		    ifr.ifr_mtu > 0)
			t->mtu[i] = (unsigned int)ifr.ifr_mtu;
		if (t->mtu[i] > t->mtu_max)
			t->mtu_max = t->mtu[i];
		if (fd >= 0)
			close(fd);
		netns_leave(home);
	}
}

/* Whether len bytes on device dev are more than one packet of its MTU (a
 * GSO super-packet): the Ethernet header and a VLAN tag come on top. */
static bool super_len(const struct tracer *t, const char *dev, uint32_t len)
{
	/* Most frames are no longer than any MTU: no name to look up. */
	if (len <= t->mtu_max + 18)
		return false;
	for (int i = 0; i < PCAPSRC_MAX_DEVS && t->devs[i].ifname; i++)
		if (strncmp(t->devs[i].ifname, dev, TL_DEV_MAX) == 0)
			return t->mtu[i] && len > t->mtu[i] + 18;
	return false;
}

/* A frame from libpcap: its step from device and direction. */
static void on_frame(void *ctx, const struct pcapsrc_frame *f)
{
	struct tracer *t = ctx;
	bool tun = f->dev->tun;
	struct corr_keys k;
	struct tl_event ev = {
		.ts_ns = (uint64_t)((int64_t)f->wall_ns - t->offset),
		.len = f->len, .caplen = f->caplen, .data = f->data,
		.source = TL_SRC_PCAP, .link = (uint8_t)f->link,
	};

	if (skipping(t, ev.ts_ns))
		return;

	if (tun)
		ev.step = f->dir == TL_DIR_OUT ? TL_STEP_TUN_DRIVER_OUT
					       : TL_STEP_TUN_DRIVER_IN;
	else
		ev.step = f->dir == TL_DIR_OUT ? TL_STEP_WIRE_OUT
					       : TL_STEP_WIRE_IN;
	if (f->caplen < f->len)
		ev.flags |= TL_EVENT_F_TRUNCATED;
	if (super_len(t, f->dev->ifname, f->len))
		ev.flags |= TL_EVENT_F_GSO;
	str_copy(ev.host, sizeof(ev.host), f->dev->host);
	str_copy(ev.dev, sizeof(ev.dev), f->dev->ifname);
	frame_keys(t, f->link, f->data, f->caplen, f->len, &k);
	enqueue(t, &ev, &k, NULL, 0);
}

/* A probe event from a daemon or an app. */
static void on_probe(void *ctx, const struct tl_probe *p, const uint8_t *bytes)
{
	struct tracer *t = ctx;
	struct corr_keys k = { 0 };
	struct tl_event ev = {
		.ts_ns = p->ts_ns, .len = p->len, .caplen = p->caplen,
		.data = bytes, .step = p->step, .source = p->source,
		.link = p->link,
	};

	if (skipping(t, ev.ts_ns))
		return;

	memcpy(ev.host, p->host, sizeof(ev.host));
	memcpy(ev.dev, p->dev, sizeof(ev.dev));
	memcpy(ev.detail, p->detail, sizeof(ev.detail));
	if (p->kind == TL_PROBE_DROP)
		ev.flags |= TL_EVENT_F_DROP;
	if (p->caplen < p->len)
		ev.flags |= TL_EVENT_F_TRUNCATED;
	/* Probe v2: the fast mode's super-packets and their segments. */
	ev.flags |= p->flags & TL_EVENT_F_GSO;
	if (p->source == TL_SRC_APP) {
		k.payload = p->digest;
	} else {
		k.inner = p->digest;
		k.parent = p->parent;
		if (p->kind == TL_PROBE_ENCRYPT || p->kind == TL_PROBE_DECRYPT ||
		    (p->kind == TL_PROBE_DROP && p->packet_id)) {
			k.tunnel = true;
			k.peer_id = p->peer_id;
			k.key_id = p->key_id;
			k.packet_id = p->packet_id;
			/* Who sent the datagram: the server encrypts on
			 * office, a client's datagram is decrypted there. */
			k.from_server = strcmp(p->host, "office") == 0 ?
					p->kind == TL_PROBE_ENCRYPT :
					p->kind != TL_PROBE_ENCRYPT;
		}
	}
	enqueue(t, &ev, &k, NULL, (int32_t)p->pid);
	t->st.probe_events++;
	if (p->source == TL_SRC_DAEMON)
		t->st.daemon_probe_events++;
}

/* The host owning device dev, and whether it is its tun/tap; -1 if none. */
static int dev_host(const struct tracer *t, const char *dev, bool *tun)
{
	for (int i = 0; i < t->cfg.nhosts; i++) {
		const struct tracer_host *h = &t->cfg.hosts[i];

		*tun = strcmp(h->tun, dev) == 0;
		if (*tun)
			return i;
		for (int w = 0; w < h->nwires; w++)
			if (strcmp(h->wires[w], dev) == 0)
				return i;
	}
	return -1;
}

static bool is_daemon(const struct tracer *t, int pid)
{
	for (int i = 0; i < t->cfg.ndaemons; i++)
		if (t->cfg.daemon_pids[i] == pid)
			return true;
	return false;
}

/* A kernel event: its host, step and join key; ignored if it is none of
 * the seven steps (the daemon's own syscalls: its probes say more). */
static void on_kevent(const struct kevent *ke, void *arg)
{
	struct tracer *t = arg;
	struct tl_event ev = { .ts_ns = ke->ts_ns, .source = TL_SRC_KERNEL,
			       .len = ke->len };
	struct kjoin_key kk = { .skb = ke->skb, .len = ke->len };
	struct corr_keys none = { 0 };
	const char *name = ktrace_point_name(ke->point);
	bool tun = false;
	int host = -1;

	switch (ke->point) {
	case KT_DEV_QUEUE:
	case KT_DEV_XMIT:
	case KT_NETIF_RECEIVE:
		host = dev_host(t, ke->dev, &tun);
		if (ke->point == KT_DEV_QUEUE)
			ev.step = tun ? TL_STEP_ROUTE_TUN : TL_STEP_ROUTE_WIRE;
		else if (ke->point == KT_DEV_XMIT)
			ev.step = tun ? TL_STEP_TUN_DRIVER_OUT : TL_STEP_WIRE_OUT;
		else
			ev.step = tun ? TL_STEP_TUN_DRIVER_IN : TL_STEP_WIRE_IN;
		kk.kind = KJ_DEV;
		/* Sent on a tun/tap, the skb waits for the daemon's read,
		 * which frees it: its address is soon another skb's. */
		kk.last = tun && ke->point == KT_DEV_XMIT;
		{
			struct tl_text tx = { ev.detail, sizeof(ev.detail), 0 };

			tl_text_add(&tx, name);
			tl_text_add(&tx, " dev ");
			tl_text_add(&tx, ke->dev);
			tl_text_add(&tx, " len ");
			tl_text_num(&tx, ke->len, false);
			tl_text_add(&tx, " skb ");
			tl_text_num(&tx, ke->skb, true);
		}
		break;
	case KT_FIB_LOOKUP:
	case KT_FIB6_LOOKUP: {
		char a[48];

		if (ke->ret != 0) {
			/* A failed lookup: the packet goes nowhere.  It is
			 * a packet of its own, ending here, step 2. */
			if (ke->ns < 0 || ke->ns >= t->cfg.nhosts)
				return;
			inet_ntop(ke->family == 10 ? AF_INET6 : AF_INET,
				  ke->dst, a, sizeof(a));
			ev.step = TL_STEP_ROUTE_TUN;
			ev.flags |= TL_EVENT_F_DROP;
			snprintf(ev.detail, sizeof(ev.detail), "drop: no route "
				 "to %s (fib_table_lookup found none)", a);
			memcpy(ev.host, t->cfg.hosts[ke->ns].name,
			       sizeof(ev.host));
			snprintf(ev.dev, sizeof(ev.dev), "%s", ke->comm);
			/* Through the correlator, not the kernel join:
			 * nothing else will be seen of it. */
			ev.source = TL_SRC_KERNEL;
			enqueue(t, &ev, &none, NULL, ke->pid);
			return;
		}
		host = dev_host(t, ke->dev, &tun);
		ev.step = tun ? TL_STEP_ROUTE_TUN : TL_STEP_ROUTE_WIRE;
		kk.kind = KJ_FIB;
		kk.family = ke->family == 10 ? 6 : 4;
		memcpy(kk.dst, ke->dst, sizeof(kk.dst));
		kk.skb = 0;
		inet_ntop(kk.family == 6 ? 10 : 2, ke->dst, a, sizeof(a));
		snprintf(ev.detail, sizeof(ev.detail), "fib_table_lookup %s "
			 "==> dev %s (table %u)", a, ke->dev, ke->table);
		break;
	}
	case KT_SYS_SENDTO:
	case KT_SYS_SENDMSG:
	case KT_SYS_SENDMMSG:
	case KT_SOCK_RECV: {
		/* The first half of a pair: held until the other half says
		 * it was an IP socket's. */
		bool send = ke->point != KT_SOCK_RECV;
		struct held_sys *h = &t->held[ke->pid % 64];

		if (ke->ns < 0 || ke->ns >= t->cfg.nhosts ||
		    is_daemon(t, ke->pid) || (!send && ke->ret <= 0))
			return;
		memset(h, 0, sizeof(*h));
		h->pid = ke->pid;
		h->ev = ev;
		h->ev.step = send ? TL_STEP_APP_SEND : TL_STEP_APP_RECV;
		memcpy(h->ev.host, t->cfg.hosts[ke->ns].name,
		       sizeof(h->ev.host));
		snprintf(h->ev.dev, sizeof(h->ev.dev), "%s", ke->comm);
		h->kk = (struct kjoin_key){
			.kind = send ? KJ_APP_SEND : KJ_APP_RECV,
			.pid = ke->pid };
		snprintf(h->ev.detail, sizeof(h->ev.detail), "%s pid %d (%s)",
			 strchr(name, ':') ? strchr(name, ':') + 1 : name,
			 ke->pid, ke->comm);
		if (!send)
			h->ev.len = (uint32_t)ke->ret;
		return;
	}
	case KT_SOCK_SEND:
	case KT_SYS_RECVFROM:
	case KT_SYS_RECVMSG:
	case KT_SYS_RECVMMSG: {
		/* The second half: the held event goes on, with the moment
		 * of its first half. */
		struct held_sys *h = &t->held[ke->pid % 64];
		bool send = ke->point == KT_SOCK_SEND;
		size_t dl;

		if (h->pid != ke->pid ||
		    h->ev.step != (send ? TL_STEP_APP_SEND : TL_STEP_APP_RECV) ||
		    ke->ts_ns - h->ev.ts_ns > 5000000ull)
			return;
		h->pid = 0;
		if (send)
			h->ev.len = (uint32_t)(ke->ret > 0 ? ke->ret : 0);
		dl = strlen(h->ev.detail);
		snprintf(h->ev.detail + dl, sizeof(h->ev.detail) - dl,
			 " %u bytes", h->ev.len);
		enqueue(t, &h->ev, &none, &h->kk, ke->pid);
		return;
	}
	case KT_KFREE_SKB:
		/* Only frees of skbs a device event tied: the skb's end. */
		ev.step = TL_STEP_WIRE_IN;	/* replaced by the skb's step */
		ev.flags |= TL_EVENT_F_DROP;
		kk.kind = KJ_FREE;
		snprintf(ev.detail, sizeof(ev.detail), "kfree_skb reason %s "
			 "skb %#llx", ke->reason_name[0] ? ke->reason_name : "?",
			 (unsigned long long)ke->skb);
		host = 0;
		break;
	default:
		return;
	}
	if (host < 0)
		return;
	str_copy(ev.host, sizeof(ev.host), t->cfg.hosts[host].name);
	str_copy(ev.dev, sizeof(ev.dev), ke->dev[0] ? ke->dev : ke->comm);
	enqueue(t, &ev, &none, &kk, ke->pid);
}

static void on_kernel_fd(struct evloop *l, int fd, unsigned int events,
			 void *arg)
{
	struct tracer *t = arg;

	(void)l;
	(void)fd;
	(void)events;
	if (paused(t))
		count_read(t, BUSY_READ);	/* the timer reads on */
	else
		count_read(t, ktrace_read(t->kt, on_kevent, t));
}

/* The daemons' threads: their task events are left out in the kernel (the
 * daemons publish their own probes).  Fills pids, returns how many. */
static unsigned int daemon_tasks(const struct tracer *t, int32_t *pids,
				 unsigned int max)
{
	unsigned int n = 0;

	for (int i = 0; i < t->cfg.ndaemons; i++) {
		char dir[64];
		struct dirent *d;
		DIR *dp;

		snprintf(dir, sizeof(dir), "/proc/%d/task", t->cfg.daemon_pids[i]);
		dp = opendir(dir);
		if (!dp) {
			if (n < max && t->cfg.daemon_pids[i] > 0)
				pids[n++] = t->cfg.daemon_pids[i];
			continue;
		}
		while ((d = readdir(dp)) && n < max) {
			int tid = atoi(d->d_name);

			if (tid > 0)
				pids[n++] = tid;
		}
		closedir(dp);
	}
	return n;
}

/* Open the kernel source: the lab's device prefix and namespaces, and only
 * the tracepoints the tracer ties to packets (a record it would drop costs
 * far more read than never written). */
static int open_kernel(struct tracer *t, char *err)
{
	uint64_t inodes[TRACER_MAX_HOSTS];
	int32_t skip[KTRACE_MAX_EXCLUDE];
	char kerr[KTRACE_ERRBUF], nerr[NETNS_ERRBUF];
	struct ktrace_opts o = {
		.dev_prefix = t->cfg.dev_prefix,
		/* Not read by the tracer: write() and read() (the daemons'
		 * tun I/O and TCP apps' data, which sock_* cannot pair),
		 * consume_skb (every skb's normal end), netif_rx (the same
		 * skb as netif_receive_skb, a moment before). */
		.points = ((1u << KT_POINT_COUNT) - 1) &
			  ~(1u << KT_SYS_WRITE | 1u << KT_SYS_READ |
			    1u << KT_CONSUME_SKB | 1u << KT_NETIF_RX),
		.exclude_pids = skip,
		.fib_output_only = true,
	};
	int rc;

	o.n_exclude = daemon_tasks(t, skip, KTRACE_MAX_EXCLUDE);
	for (int i = 0; i < t->cfg.nhosts; i++) {
		inodes[i] = netns_inode(t->cfg.hosts[i].ns, nerr);
		if (!inodes[i]) {
			snprintf(err, TRACER_ERRBUF, "%s", nerr);
			return -ENOENT;
		}
	}
	o.netns = inodes;
	o.n_netns = (unsigned int)t->cfg.nhosts;
	rc = ktrace_open(&t->kt, &o, kerr);
	if (rc) {
		snprintf(err, TRACER_ERRBUF, "kernel tracepoints: %s", kerr);
		return rc;
	}
	t->kj = kjoin_new(kernel_emit, t);
	if (!t->kj) {
		snprintf(err, TRACER_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	/* Woken by the kernel's buffers: a task event must be read while
	 * its task lives (its namespace is looked up in /proc), and a ping
	 * lives a millisecond. */
	for (unsigned int c = 0; c < ktrace_ncpu(t->kt); c++) {
		rc = evloop_add_fd(t->loop, ktrace_fd(t->kt, c), EV_READ,
				   on_kernel_fd, t);
		if (rc) {
			snprintf(err, TRACER_ERRBUF, "event loop: %s",
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The CPU budget: the tracer shares the machine with the lab it watches,
 * and at full speed it could read events as long as they come, taking the
 * CPU the tunnel needs (on 2 CPUs, an unbounded tracer cut the traced TCP
 * throughput to 47 % of the untraced, one held to 35 % of a CPU by a
 * cgroup to 55 %).  A token bucket: cfg.cpu_pct of the time passing is
 * credited, the CPU used is debited, at most one period's share saved up.
 * In debt, the tracer pauses, neither reading nor ordering: the sources
 * hold what comes meanwhile (every call's work is bounded, so a pause is
 * far shorter than the reorder window), and what does not fit they count
 * as lost.
 */
static bool paused(struct tracer *t)
{
	uint64_t now, cpu, max = BUDGET_NS * (uint64_t)t->cfg.cpu_pct / 100;
	bool was = t->credit < 0;

	if (!t->cfg.cpu_pct)
		return false;
	now = tl_now_ns();
	cpu = cpu_ns();
	if (t->budget_at) {
		t->credit += (int64_t)((now - t->budget_at) *
				       (uint64_t)t->cfg.cpu_pct / 100) -
			     (int64_t)(cpu - t->budget_cpu);
		if (t->credit > (int64_t)max)
			t->credit = (int64_t)max;
		if (was)
			t->st.paused_ns += now - t->budget_at;
	}
	t->budget_at = now;
	t->budget_cpu = cpu;
	return t->credit < 0;
}

/* The probe socket is left alone: paused, or skipping a slice. */
static bool held(struct tracer *t)
{
	return paused(t) || t->skip_from;
}

/* Read what the capture handles (and the kernel's buffers) hold.  Frames
 * are read on the tick rather than woken for each: in immediate mode a
 * waiting reader costs the kernel a wake-up per frame, which at full speed
 * is more than the reading itself, and a handle's ring holds far more than
 * a tick's worth. */
static void read_sources(struct tracer *t)
{
	char err[PCAPSRC_ERRBUF];

	for (int i = 0; t->pcap && i < pcapsrc_count(t->pcap); i++)
		pcapsrc_dispatch(t->pcap, i, on_frame, t, err);
	if (t->kt)
		ktrace_read(t->kt, on_kevent, t);
}

/*
 * Waking the tracer for each probe datagram or kernel event costs the
 * sender: a daemon's probe to a waiting reader is a wake-up (an IPI when
 * the reader sleeps on the other CPU), a tracefs buffer's an irq_work.  At
 * full speed that is more than the daemons' own work (measured: an empty
 * reader woken by epoll keeps 28 % of the untraced TCP throughput, one
 * that reads every 1 ms without waiting on the socket 48 %).  So when one
 * read brings many events, the fds leave the event loop and a timer reads
 * them every POLL_NS; when a window brings few, they come back (a ping's
 * task event must still be read while the ping lives: its namespace is
 * looked up in /proc).  A datagram waits at most POLL_NS, a daemon's
 * socket holds far more than that many.
 */
static void set_fds(struct tracer *t, bool on);

static void count_read(struct tracer *t, int n)
{
	uint64_t now;

	if (n <= 0)
		return;
	t->window_n += (uint64_t)n;
	if (t->busy || n < BUSY_READ || t->pollfd < 0)
		return;
	now = tl_now_ns();
	t->busy = true;
	t->window_ns = now;
	t->window_n = 0;
	set_fds(t, false);
}

static void on_probe_fd(struct evloop *l, int fd, unsigned int events,
			void *arg)
{
	struct tracer *t = arg;

	(void)l;
	(void)fd;
	(void)events;
	if (held(t))
		count_read(t, BUSY_READ);	/* the timer reads on */
	else
		count_read(t, probesrc_read(&t->probes, on_probe, t));
}

/* Busy: read probes and kernel events on the timer; idle again when a
 * window brought few. */
static void on_poll(struct evloop *l, int fd, unsigned int events, void *arg)
{
	struct tracer *t = arg;
	uint64_t ticks, now;

	(void)l;
	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) < 0 || !t->busy || paused(t))
		return;
	if (t->probes.fd >= 0 && !t->skip_from)
		t->window_n += (uint64_t)probesrc_read(&t->probes, on_probe, t);
	if (t->kt) {
		int n = ktrace_read(t->kt, on_kevent, t);

		if (n > 0)
			t->window_n += (uint64_t)n;
	}
	now = tl_now_ns();
	if (now - t->window_ns < IDLE_WINDOW_NS)
		return;
	if (t->window_n < IDLE_EVENTS) {
		t->busy = false;
		set_fds(t, true);
	}
	t->window_ns = now;
	t->window_n = 0;
}

/* Put the probe socket and the kernel's buffers in the event loop (on) or
 * take them out and run the poll timer (off). */
static void set_fds(struct tracer *t, bool on)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	if (t->probes.fd >= 0) {
		if (on)
			evloop_add_fd(t->loop, t->probes.fd, EV_READ,
				      on_probe_fd, t);
		else
			evloop_del_fd(t->loop, t->probes.fd);
	}
	for (unsigned int c = 0; t->kt && c < ktrace_ncpu(t->kt); c++) {
		if (ktrace_fd(t->kt, c) < 0)
			continue;
		if (on)
			evloop_add_fd(t->loop, ktrace_fd(t->kt, c), EV_READ,
				      on_kernel_fd, t);
		else
			evloop_del_fd(t->loop, ktrace_fd(t->kt, c));
	}
	if (!on) {
		its.it_interval.tv_nsec = (long)POLL_NS;
		its.it_value.tv_nsec = (long)POLL_NS;
	}
	timerfd_settime(t->pollfd, 0, &its, NULL);
}

static uint64_t on_tick(struct evloop *l, void *arg)
{
	struct tracer *t = arg;
	uint64_t now = tl_now_ns();

	(void)l;
	if (paused(t))
		return TICK_NS;
	read_sources(t);
	if (now - t->offset_at >= OFFSET_NS) {
		t->offset = sample_offset();
		t->offset_at = now;
	}
	drain(t, now > t->cfg.reorder_ns ? now - t->cfg.reorder_ns : 0,
	      DRAIN_MAX);
	skip_resume(t, now);
	return TICK_NS;
}

int tracer_open(struct tracer **tp, const struct tracer_cfg *cfg,
		struct evloop *loop, tracer_fn fn, void *ctx, char *err)
{
	struct tracer *t = calloc(1, sizeof(*t));
	char perr[PCAPSRC_ERRBUF];
	int ndev = 0, rc;

	if (!t) {
		snprintf(err, TRACER_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	t->cfg = *cfg;
	if (!t->cfg.reorder_ns)
		t->cfg.reorder_ns = DEFAULT_REORDER;
	if (!t->cfg.data_port)
		t->cfg.data_port = TL_WIRE_DATA_PORT;
	t->loop = loop;
	t->fn = fn;
	t->ctx = ctx;
	t->probes.fd = -1;
	t->pollfd = -1;
	t->timer = -1;
	t->offset = sample_offset();
	t->offset_at = tl_now_ns();
	t->corr = corr_new();
	t->sj = segjoin_new(seg_release, t);
	t->window = reorder_new(WINDOW_MAX, sizeof(struct pending) +
				(size_t)pool_snap(cfg->snaplen));
	if (!t->corr || !t->sj || !t->window) {
		rc = -ENOMEM;
		snprintf(err, TRACER_ERRBUF, "out of memory");
		goto out_close;
	}
	for (int i = 0; i < cfg->nhosts; i++) {
		const struct tracer_host *h = &t->cfg.hosts[i];

		if (h->tun[0] && ndev < PCAPSRC_MAX_DEVS)
			t->devs[ndev++] = (struct pcapsrc_dev){
				.ns = h->ns, .host = h->name, .ifname = h->tun,
				.tun = true };
		for (int w = 0; w < h->nwires && ndev < PCAPSRC_MAX_DEVS; w++)
			t->devs[ndev++] = (struct pcapsrc_dev){
				.ns = h->ns, .host = h->name,
				.ifname = h->wires[w] };
	}
	read_mtus(t, ndev);
	if (cfg->filter && *cfg->filter) {
		rc = tracer_filter_compile(&t->filter, cfg->filter, err);
		if (rc)
			goto out_close;
		t->filtering = true;
	}
	/* Everything is captured: the filter chooses packets, not frames, so
	 * the outer datagram of a matching inner packet is kept too. */
	rc = pcapsrc_open(&t->pcap, t->devs, ndev, cfg->snaplen, NULL, perr);
	if (rc) {
		snprintf(err, TRACER_ERRBUF, "%s", perr);
		goto out_close;
	}
	if (cfg->probe_path) {
		char perr2[PROBESRC_ERRBUF];

		rc = probesrc_open(&t->probes, cfg->probe_path, cfg->probe_ns,
				   perr2);
		if (!rc)
			rc = evloop_add_fd(loop, t->probes.fd, EV_READ,
					   on_probe_fd, t);
		if (rc) {
			snprintf(err, TRACER_ERRBUF, "%s", perr2);
			goto out_close;
		}
	}
	if (cfg->kernel) {
		rc = open_kernel(t, err);
		if (rc)
			goto out_close;
	}
	t->pollfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->pollfd >= 0 &&
	    evloop_add_fd(loop, t->pollfd, EV_READ, on_poll, t) < 0) {
		close(t->pollfd);
		t->pollfd = -1;
	}
	t->timer = evloop_add_timer(loop, TICK_NS, on_tick, t);
	*tp = t;
	return 0;

out_close:
	tracer_close(t);
	return rc;
}

/* Compile filter for one link type into prog. */
static int compile_one(const char *filter, int dlt, struct bpf_program *prog,
		       char *err)
{
	pcap_t *p = pcap_open_dead(dlt, 65535);
	int rc = 0;

	if (!p) {
		snprintf(err, TRACER_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(p, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, TRACER_ERRBUF, "bad filter '%s': %s", filter,
			 pcap_geterr(p));
		rc = -EINVAL;
	}
	pcap_close(p);
	return rc;
}

int tracer_filter_compile(struct tracer_filter *f, const char *expr,
			  char *err)
{
	int rc = compile_one(expr, DLT_EN10MB, &f->eth, err);

	if (rc)
		return rc;
	rc = compile_one(expr, DLT_RAW, &f->ip, err);
	if (rc)
		pcap_freecode(&f->eth);
	return rc;
}

bool tracer_filter_match(const struct tracer_filter *f,
			 const struct tl_event *ev)
{
	struct pcap_pkthdr h = { .caplen = ev->caplen, .len = ev->len };

	if (ev->link == TL_LINK_ETH)
		return pcap_offline_filter(&f->eth, &h, ev->data) != 0;
	if (ev->link == TL_LINK_IP)
		return pcap_offline_filter(&f->ip, &h, ev->data) != 0;
	return false;
}

void tracer_filter_free(struct tracer_filter *f)
{
	pcap_freecode(&f->eth);
	pcap_freecode(&f->ip);
}

bool tracer_match(const struct tracer *t, const struct tl_event *ev)
{
	return !t->filtering || tracer_filter_match(&t->filter, ev);
}

int64_t tracer_wall_offset(const struct tracer *t)
{
	return t->offset;
}

void tracer_flush(struct tracer *t)
{
	/* What the sources still hold happened before the end: read it all,
	 * whatever the budget (a tracer held back at full speed may be far
	 * behind); for a while at most, since the lab may still be sending. */
	uint64_t until = tl_now_ns() + FLUSH_NS;

	while (tl_now_ns() < until) {
		uint64_t before = t->st.events + t->st.skipped;
		int n = 0;

		read_sources(t);
		if (t->probes.fd >= 0)
			n += probesrc_read(&t->probes, on_probe, t);
		drain(t, UINT64_MAX, 0);
		skip_resume(t, tl_now_ns());
		if (!n && t->st.events + t->st.skipped == before)
			break;
	}
}

void tracer_stats(struct tracer *t, struct tracer_stats *st)
{
	*st = t->st;
	st->packets = t->corr ? corr_packets(t->corr) : 0;
	st->pcap_drops = t->pcap ? pcapsrc_drops(t->pcap) : 0;
	st->probe_malformed = t->probes.malformed;
	if (t->kt) {
		struct ktrace_stats ks;

		char kerr[KTRACE_ERRBUF];

		if (ktrace_stats(t->kt, &ks, kerr) == 0) {
			st->kernel_events = ks.delivered;
			st->kernel_lost = ks.lost_kernel;
		}
	}
	if (t->kj)
		kjoin_counts(t->kj, &st->kernel_joined, &st->kernel_untied);
	if (t->sj)
		segjoin_counts(t->sj, &st->segments_tied, &st->super_untied);
}

void tracer_close(struct tracer *t)
{
	if (!t)
		return;
	/* What is still queued, not what the sources hold now: the caller
	 * may have closed what it writes to after its own last flush. */
	if (t->corr && t->fn)
		drain(t, UINT64_MAX, 0);
	while (t->ndeferred)
		reorder_release(t->window, t->deferred[--t->ndeferred]);
	if (t->timer > 0)
		evloop_del_timer(t->loop, t->timer);
	if (t->pcap)
		pcapsrc_close(t->pcap);
	if (t->pollfd >= 0) {
		evloop_del_fd(t->loop, t->pollfd);
		close(t->pollfd);
	}
	if (t->probes.fd >= 0) {
		if (!t->busy)
			evloop_del_fd(t->loop, t->probes.fd);
		probesrc_close(&t->probes);
	}
	if (t->kt) {
		for (unsigned int c = 0; !t->busy && c < ktrace_ncpu(t->kt); c++)
			evloop_del_fd(t->loop, ktrace_fd(t->kt, c));
		ktrace_close(t->kt);
	}
	kjoin_free(t->kj);
	segjoin_free(t->sj);
	reorder_free(t->window);
	if (t->filtering)
		tracer_filter_free(&t->filter);
	corr_free(t->corr);
	free(t);
}
