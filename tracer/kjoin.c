// SPDX-License-Identifier: GPL-2.0-only
/* Joining kernel events to packets: see kjoin.h. */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "kjoin.h"

#define RECENT		8192		/* tied observations remembered */
#define PENDING		4096		/* kernel events waiting */
#define SKBS		4096		/* live skbs and their packets */
#define BUCKETS		4096		/* hash chains per index */
#define DEV_WINDOW_NS	5000000ull	/* queue ... capture ... xmit */
#define FIB_WINDOW_NS	3000000ull	/* lookup ... the frame it routed */
#define APP_WINDOW_NS	3000000ull	/* syscall ... the packet it made */
/* An skb's life ends at kfree_skb, where it leaves the kernel for a tun's
 * reader (kjoin_key.last), or at consume_skb, which the tracer does not
 * read (it fires for every skb of the machine): so a life also ends this
 * long after the skb was last seen.  A lab's skb crosses in far less;
 * its address, once freed, comes back within microseconds for another. */
#define SKB_LIFE_NS	50000000ull

/*
 * Both sides are indexed by what a join compares, so that neither a frame
 * nor a kernel event walks everything in its window (at full speed that is
 * thousands of entries, for each of hundreds of thousands of events a
 * second):
 *   IX_DEV  device, direction, length (queue, transmit, receive)
 *   IX_FIB  device, family, destination (route lookups)
 *   IX_APP  host (an app's syscall: its probe or the host's tun frame)
 * The recent frames sit in a ring; a chain link names an entry by its
 * serial number, so a link to an entry the ring has reused reads as the
 * chain's end.
 */
enum { IX_DEV, IX_FIB, IX_APP, IX_COUNT };

struct recent {
	uint64_t id;		/* serial number, 0: never used */
	uint64_t next[IX_COUNT];	/* older entry of the same chain */
	struct tl_event ev;	/* host, dev, step, pkt, ts (no bytes) */
	uint32_t klen;
	uint8_t dst[16];
	uint8_t family;
	int32_t pid;
};

struct waiting {
	struct tl_event ev;
	struct kjoin_key k;
	int next;		/* the chain's next entry, or -1 */
	int prev;		/* the previous one, or -1: the head */
	unsigned int bucket;
	bool used;
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
	uint64_t nrecent;		/* serial numbers given */
	uint64_t rhead[IX_COUNT][BUCKETS];	/* newest entry of each chain */
	struct waiting wait[PENDING];
	int whead[IX_COUNT * BUCKETS];	/* first waiting entry, or -1 */
	int wfree;			/* free list through next */
	unsigned int nwait;
	uint64_t oldest_ns;		/* no waiting event is older */
	struct skb_life skbs[SKBS];
	uint64_t joined, untied;
};

/* A hash folded into a bucket. */

static unsigned int fold(uint64_t h)
{
	return (unsigned int)((h ^ h >> 29) % BUCKETS);
}

static unsigned int key_dev(const char *dev, unsigned int dir, uint32_t len)
{
	uint64_t h = tl_fnv1a(TL_FNV_OFFSET, dev, strnlen(dev, TL_DEV_MAX));

	h = tl_fnv1a(h, &dir, sizeof(dir));
	return fold(tl_fnv1a(h, &len, sizeof(len)));
}

static unsigned int key_fib(const char *dev, uint8_t family,
			    const uint8_t *dst)
{
	uint64_t h = tl_fnv1a(0x84222325cbf29ce4ull, dev, strnlen(dev, TL_DEV_MAX));

	h = tl_fnv1a(h, &family, 1);
	return fold(tl_fnv1a(h, dst, family == 6 ? 16 : 4));
}

static unsigned int key_app(const char *host)
{
	return fold(tl_fnv1a(0x9e3779b97f4a7c15ull, host, strnlen(host, TL_HOST_MAX)));
}

/* The chain a kernel event waits in and searches: its index and bucket. */
static int kernel_chain(const struct tl_event *ev, const struct kjoin_key *k,
			unsigned int *bucket)
{
	switch (k->kind) {
	case KJ_DEV:
		*bucket = key_dev(ev->dev, tl_steps[ev->step].dir, k->len);
		return IX_DEV;
	case KJ_FIB:
		*bucket = key_fib(ev->dev, k->family, k->dst);
		return IX_FIB;
	case KJ_APP_SEND:
	case KJ_APP_RECV:
		*bucket = key_app(ev->host);
		return IX_APP;
	default:
		return -1;
	}
}

struct kjoin *kjoin_new(kjoin_emit_fn emit, void *ctx)
{
	struct kjoin *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->emit = emit;
	j->ctx = ctx;
	for (unsigned int i = 0; i < IX_COUNT * BUCKETS; i++)
		j->whead[i] = -1;
	for (int i = 0; i < PENDING; i++)
		j->wait[i].next = i + 1 < PENDING ? i + 1 : -1;
	j->wfree = 0;
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

			if (!k->last)
				*s = (struct skb_life){ .skb = k->skb,
							.pkt = pkt,
							.step = ev->step,
							.ts_ns = ev->ts_ns };
			else if (s->skb == k->skb)
				s->skb = 0;	/* its life ends here */
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
 * preferring an app's own probe to a frame.  Its chain is newest first, so
 * the walk stops past the widest window. */
static const struct recent *best(const struct kjoin *j,
				 const struct tl_event *ev,
				 const struct kjoin_key *k)
{
	const struct recent *found = NULL;
	unsigned int bucket;
	int ix = kernel_chain(ev, k, &bucket);
	uint64_t id;

	if (ix < 0)
		return NULL;
	for (id = j->rhead[ix][bucket]; id;) {
		const struct recent *r = &j->recent[id % RECENT];

		if (r->id != id || r->ev.ts_ns + DEV_WINDOW_NS < ev->ts_ns)
			break;
		id = r->next[ix];
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

/* Put a kernel event in its waiting chain; false if there is no room. */
static bool wait_add(struct kjoin *j, const struct tl_event *ev,
		     const struct kjoin_key *k)
{
	unsigned int bucket;
	int ix = kernel_chain(ev, k, &bucket), i = j->wfree, *head;
	struct waiting *w;

	if (ix < 0 || i < 0)
		return false;
	w = &j->wait[i];
	j->wfree = w->next;
	w->ev = *ev;
	w->k = *k;
	w->used = true;
	if (!j->nwait || ev->ts_ns < j->oldest_ns)
		j->oldest_ns = ev->ts_ns;
	w->bucket = (unsigned int)ix * BUCKETS + bucket;
	head = &j->whead[w->bucket];
	w->prev = -1;
	w->next = *head;
	if (*head >= 0)
		j->wait[*head].prev = i;
	*head = i;
	j->nwait++;
	return true;
}

/* Take entry i out of its chain into the free list. */
static void wait_del(struct kjoin *j, int i)
{
	struct waiting *w = &j->wait[i];

	if (w->prev >= 0)
		j->wait[w->prev].next = w->next;
	else
		j->whead[w->bucket] = w->next;
	if (w->next >= 0)
		j->wait[w->next].prev = w->prev;
	w->next = j->wfree;
	w->prev = -1;
	w->used = false;
	j->wfree = i;
	j->nwait--;
}

void kjoin_kernel(struct kjoin *j, const struct tl_event *ev,
		  const struct kjoin_key *k)
{
	struct tl_event e = *ev;
	const struct recent *r;

	if (k->skb) {
		struct skb_life *s = skb_slot(j, k->skb);

		if (s->skb == k->skb && s->pkt &&
		    e.ts_ns < s->ts_ns + SKB_LIFE_NS) {
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
	if (!wait_add(j, &e, k))
		emit(j, &e, 0, TL_BASIS_NONE, k);	/* no room: untied */
}

/* Link recent entry r into chain (ix, bucket). */
static void recent_link(struct kjoin *j, struct recent *r, int ix,
			unsigned int bucket)
{
	r->next[ix] = j->rhead[ix][bucket];
	j->rhead[ix][bucket] = r->id;
}

/* Emit the waiting events of chain (ix, bucket) that r ties.  Frames come
 * in time order: an entry further back than every join window can never
 * be tied any more, and goes untied now (a busy key's chain would
 * otherwise hold every lost frame's kernel events until they expire). */
static void release(struct kjoin *j, const struct recent *r, int ix,
		    unsigned int bucket)
{
	int i = j->whead[ix * BUCKETS + bucket];

	while (i >= 0) {
		struct waiting w = j->wait[i];
		int next = w.next;	/* emit() never comes back in */

		if (w.ev.ts_ns + DEV_WINDOW_NS < r->ev.ts_ns) {
			wait_del(j, i);
			emit(j, &w.ev, 0, TL_BASIS_NONE, &w.k);
		} else if (matches(&w.ev, &w.k, r)) {
			wait_del(j, i);
			emit(j, &w.ev, r->ev.pkt, TL_BASIS_HEURISTIC, &w.k);
		}
		i = next;
	}
}

void kjoin_frame(struct kjoin *j, const struct kjoin_frame *f)
{
	uint64_t id = ++j->nrecent;
	struct recent *r = &j->recent[id % RECENT];
	unsigned int bdev = 0, bfib = 0, bapp = 0;
	bool pcap = f->ev->source == TL_SRC_PCAP;
	bool app = f->ev->source == TL_SRC_APP ||
		   (pcap && f->family &&
		    (f->ev->step == TL_STEP_TUN_DRIVER_OUT ||
		     f->ev->step == TL_STEP_TUN_DRIVER_IN));

	r->id = id;
	r->ev = *f->ev;
	r->ev.data = NULL;
	r->ev.caplen = 0;
	r->klen = f->klen;
	memcpy(r->dst, f->dst, sizeof(r->dst));
	r->family = f->family;
	r->pid = f->pid;
	memset(r->next, 0, sizeof(r->next));
	/* Only the chains a kernel event could find it by. */
	if (pcap) {
		bdev = key_dev(r->ev.dev, tl_steps[r->ev.step].dir, r->klen);
		recent_link(j, r, IX_DEV, bdev);
	}
	if (pcap && r->family) {
		bfib = key_fib(r->ev.dev, r->family, r->dst);
		recent_link(j, r, IX_FIB, bfib);
	}
	if (app) {
		bapp = key_app(r->ev.host);
		recent_link(j, r, IX_APP, bapp);
	}
	if (!j->nwait || !r->ev.pkt)
		return;
	if (pcap)
		release(j, r, IX_DEV, bdev);
	if (pcap && r->family)
		release(j, r, IX_FIB, bfib);
	if (app)
		release(j, r, IX_APP, bapp);
}

void kjoin_expire(struct kjoin *j, uint64_t upto_ns)
{
	uint64_t oldest = UINT64_MAX;

	/* A walk of the whole table only when something is due. */
	if (!j->nwait || j->oldest_ns >= upto_ns)
		return;
	for (int i = 0; j->nwait && i < PENDING; i++) {
		struct waiting *w = &j->wait[i];
		struct waiting copy;

		if (!w->used)
			continue;
		if (w->ev.ts_ns >= upto_ns) {
			if (w->ev.ts_ns < oldest)
				oldest = w->ev.ts_ns;
			continue;
		}
		copy = *w;
		wait_del(j, i);
		emit(j, &copy.ev, 0, TL_BASIS_NONE, &copy.k);
	}
	j->oldest_ns = oldest;
}
