// SPDX-License-Identifier: GPL-2.0-only
/* Joining kernel events to packets: see kjoin.h. */
#include <stdlib.h>
#include <string.h>

#include "kjoin.h"

#define RECENT		1024		/* tied observations remembered */
#define PENDING		4096		/* kernel events waiting */
#define SKBS		4096		/* live skbs and their packets */
#define DEV_WINDOW_NS	5000000ull	/* queue ... capture ... xmit */
#define FIB_WINDOW_NS	3000000ull	/* lookup ... the frame it routed */
#define APP_WINDOW_NS	3000000ull	/* syscall ... the packet it made */

struct recent {
	struct tl_event ev;	/* host, dev, step, pkt, ts (no bytes) */
	uint32_t klen;
	uint8_t dst[16];
	uint8_t family;
	int32_t pid;
};

struct waiting {
	struct tl_event ev;
	struct kjoin_key k;
};

struct skb_life {
	uint64_t skb;
	uint64_t pkt;
	uint8_t step;
	uint64_t ts_ns;
};

struct kjoin {
	kjoin_emit_fn emit;
	void *ctx;
	struct recent recent[RECENT];
	unsigned int nrecent;		/* ring position */
	struct waiting wait[PENDING];	/* the first nwait are in use */
	unsigned int nwait;
	struct skb_life skbs[SKBS];
	uint64_t joined, untied;
};

struct kjoin *kjoin_new(kjoin_emit_fn emit, void *ctx)
{
	struct kjoin *j = calloc(1, sizeof(*j));

	if (j) {
		j->emit = emit;
		j->ctx = ctx;
	}
	return j;
}

void kjoin_free(struct kjoin *j)
{
	free(j);
}

void kjoin_counts(const struct kjoin *j, uint64_t *joined, uint64_t *untied)
{
	*joined = j->joined;
	*untied = j->untied;
}

static struct skb_life *skb_slot(struct kjoin *j, uint64_t skb)
{
	return &j->skbs[(skb >> 6) % SKBS];
}

/* Hand on a kernel event with the packet it joined (pkt 0: none). */
static void emit(struct kjoin *j, struct tl_event *ev, uint64_t pkt,
		 enum tl_basis basis, const struct kjoin_key *k)
{
	ev->pkt = pkt;
	ev->basis = pkt ? basis : TL_BASIS_NONE;
	if (pkt) {
		j->joined++;
		if (k->skb && k->kind != KJ_FREE) {
			struct skb_life *s = skb_slot(j, k->skb);

			*s = (struct skb_life){ .skb = k->skb, .pkt = pkt,
						.step = ev->step,
						.ts_ns = ev->ts_ns };
		}
	} else {
		j->untied++;
	}
	j->emit(j->ctx, ev);
}

static uint64_t dist(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

/* Does kernel event (ev, k) belong to the tied observation r? */
static bool matches(const struct tl_event *ev, const struct kjoin_key *k,
		    const struct recent *r)
{
	size_t alen = k->family == 6 ? 16 : 4;

	switch (k->kind) {
	case KJ_DEV:
		return r->ev.source == TL_SRC_PCAP &&
		       strcmp(r->ev.dev, ev->dev) == 0 &&
		       tl_steps[r->ev.step].dir == tl_steps[ev->step].dir &&
		       r->klen == k->len &&
		       dist(r->ev.ts_ns, ev->ts_ns) < DEV_WINDOW_NS;
	case KJ_FIB:
		/* The frame follows the lookup that routed it. */
		return r->ev.source == TL_SRC_PCAP &&
		       strcmp(r->ev.dev, ev->dev) == 0 &&
		       r->family == k->family &&
		       memcmp(r->dst, k->dst, alen) == 0 &&
		       r->ev.ts_ns >= ev->ts_ns &&
		       r->ev.ts_ns - ev->ts_ns < FIB_WINDOW_NS;
	case KJ_APP_SEND:
	case KJ_APP_RECV:
		if (strcmp(r->ev.host, ev->host) != 0 ||
		    dist(r->ev.ts_ns, ev->ts_ns) >= APP_WINDOW_NS)
			return false;
		/* The app's own probe, by pid; else the host's tun frame. */
		if (r->ev.source == TL_SRC_APP)
			return r->pid == k->pid && r->ev.step == ev->step;
		/* An app's data is an IP packet: never an ARP frame. */
		return r->ev.source == TL_SRC_PCAP && r->family &&
		       (k->kind == KJ_APP_SEND ?
			(r->ev.step == TL_STEP_TUN_DRIVER_OUT &&
			 r->ev.ts_ns >= ev->ts_ns) :
			(r->ev.step == TL_STEP_TUN_DRIVER_IN &&
			 r->ev.ts_ns <= ev->ts_ns));
	default:
		return false;
	}
}

/* The best tied observation for the kernel event: the closest in time,
 * preferring an app's own probe to a frame.  The ring is in time order, so
 * the search walks back from the newest and stops past the widest window. */
static const struct recent *best(const struct kjoin *j,
				 const struct tl_event *ev,
				 const struct kjoin_key *k)
{
	const struct recent *found = NULL;

	for (unsigned int n = 1; n <= RECENT && n <= j->nrecent; n++) {
		const struct recent *r = &j->recent[(j->nrecent - n) % RECENT];

		if (r->ev.ts_ns + DEV_WINDOW_NS < ev->ts_ns)
			break;
		if (!r->ev.pkt || !matches(ev, k, r))
			continue;
		if (!found ||
		    (r->ev.source == TL_SRC_APP && found->ev.source != TL_SRC_APP) ||
		    (r->ev.source == found->ev.source &&
		     dist(r->ev.ts_ns, ev->ts_ns) <
		     dist(found->ev.ts_ns, ev->ts_ns)))
			found = r;
	}
	return found;
}

void kjoin_kernel(struct kjoin *j, const struct tl_event *ev,
		  const struct kjoin_key *k)
{
	struct tl_event e = *ev;
	const struct recent *r;

	if (k->skb) {
		struct skb_life *s = skb_slot(j, k->skb);

		if (s->skb == k->skb && s->pkt) {
			if (k->kind == KJ_FREE) {
				/* The skb ends where it was last seen. */
				e.step = s->step;
				s->skb = 0;
			}
			emit(j, &e, s->pkt, TL_BASIS_SKB, k);
			return;
		}
	}
	if (k->kind == KJ_FREE) {
		emit(j, &e, 0, TL_BASIS_NONE, k);
		return;
	}
	r = best(j, &e, k);
	if (r) {
		emit(j, &e, r->ev.pkt, TL_BASIS_HEURISTIC, k);
		return;
	}
	if (j->nwait < PENDING) {
		j->wait[j->nwait++] = (struct waiting){ .ev = e, .k = *k };
		return;
	}
	emit(j, &e, 0, TL_BASIS_NONE, k);	/* no room: say it untied */
}

void kjoin_frame(struct kjoin *j, const struct kjoin_frame *f)
{
	struct recent *r = &j->recent[j->nrecent++ % RECENT];

	r->ev = *f->ev;
	r->ev.data = NULL;
	r->ev.caplen = 0;
	r->klen = f->klen;
	memcpy(r->dst, f->dst, sizeof(r->dst));
	r->family = f->family;
	r->pid = f->pid;
	for (unsigned int i = 0; i < j->nwait;) {
		struct waiting w = j->wait[i];

		if (!matches(&w.ev, &w.k, r)) {
			i++;
			continue;
		}
		/* Out of the list first (the last one moves here), then
		 * emitted: the callback may come back in. */
		j->wait[i] = j->wait[--j->nwait];
		emit(j, &w.ev, r->ev.pkt, TL_BASIS_HEURISTIC, &w.k);
	}
}

void kjoin_expire(struct kjoin *j, uint64_t upto_ns)
{
	for (unsigned int i = 0; i < j->nwait;) {
		struct waiting w = j->wait[i];

		if (w.ev.ts_ns >= upto_ns) {
			i++;
			continue;
		}
		j->wait[i] = j->wait[--j->nwait];
		emit(j, &w.ev, 0, TL_BASIS_NONE, &w.k);
	}
}
