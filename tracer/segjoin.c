// SPDX-License-Identifier: GPL-2.0-only
/* One-to-many joins by TCP sequence range: see segjoin.h. */
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "segjoin.h"

#define HOLD_MAX	16		/* super-skbs waiting, per tracer */
#define HOLD_NS		20000000ull	/* ... at most this long */
#define WRITES		32		/* writes waiting for their start */
#define WRITE_NS	1000000000ull	/* ... at most this long */
#define WRITE_BYTES	64		/* first bytes of a write compared */
#define SPANS		1024		/* ranges remembered */
#define SPAN_BUCKETS	1024
#define SPAN_WALK	64		/* entries of a chain looked at */
#define SKB_SPAN_NS	50000000ull	/* an skb's segments: within this */
#define WRITE_SPAN_NS	2000000000ull	/* a write's (retransmits too) */
#define SYSCALL_NS	5000000ull	/* a syscall's first segment: within */
#define ARRIVED		256		/* segments in by a tun, remembered */
#define READ_NS		2000000000ull	/* a read takes bytes this old at most */

struct held {
	bool used;
	struct tl_event ev;	/* no bytes */
	uint64_t skb;
};

struct pwrite {
	bool used;
	char host[TL_HOST_MAX];
	uint64_t ts_ns;
	uint64_t pkt;
	uint32_t len;
	uint8_t bytes[WRITE_BYTES];
	size_t have;
};

/* A sequence range of a flow, on a device (an skb's) or a host (a
 * write's), and the unit it belongs to.  Chained by serial number, as in
 * kjoin.c: a link to a reused entry ends the chain. */
struct span {
	uint64_t id;
	uint64_t next;
	uint64_t key;		/* place and flow */
	uint32_t start, end;
	uint64_t unit;
	uint64_t last_ns;	/* last hit: a span lives from there */
	uint64_t life_ns;
};

/* A data segment that came in by a tun, numbered: what a read may take. */
struct arrived {
	uint64_t pkt;
	char host[TL_HOST_MAX];
	uint64_t flow;
	uint32_t seq, paylen;
	uint64_t ts_ns;
	uint8_t bytes[WRITE_BYTES];
	size_t have;
};

struct segjoin {
	segjoin_release_fn fn;
	void *ctx;
	struct arrived arrived[ARRIVED];
	unsigned int narrived;
	uint64_t unnumbered;	/* a span whose unit is the next frame
				 * numbered (a syscall's write), or 0 */
	struct held held[HOLD_MAX];
	struct pwrite writes[WRITES];
	unsigned int nextw;
	struct span spans[SPANS];
	uint64_t nspans;
	uint64_t heads[SPAN_BUCKETS];
	uint64_t tied, untied;
};

struct segjoin *segjoin_new(segjoin_release_fn fn, void *ctx)
{
	struct segjoin *j = calloc(1, sizeof(*j));

	if (j) {
		j->fn = fn;
		j->ctx = ctx;
	}
	return j;
}

void segjoin_free(struct segjoin *j)
{
	free(j);
}

void segjoin_counts(const struct segjoin *j, uint64_t *tied,
		    uint64_t *untied)
{
	*tied = j->tied;
	*untied = j->untied;
}


static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void segjoin_tcp(enum tl_link link, const uint8_t *d, size_t caplen,
		 struct seg_tcp *t)
{
	size_t off = 0, hl, thl, iplen;
	const uint8_t *ip;
	uint64_t h = TL_FNV_OFFSET;

	memset(t, 0, sizeof(*t));
	if (link == TL_LINK_ETH) {
		unsigned int type;

		for (off = 12;; off += 4) {
			if (caplen < off + 2)
				return;
			type = (unsigned int)(d[off] << 8 | d[off + 1]);
			if (type != 0x8100 && type != 0x88a8)
				break;
		}
		if (type != 0x0800 && type != 0x86dd)
			return;
		off += 2;
	} else if (link != TL_LINK_IP) {
		return;
	}
	ip = d + off;
	if (caplen < off + 20)
		return;
	if (ip[0] >> 4 == 4) {
		hl = (size_t)(ip[0] & 15) * 4;
		iplen = (size_t)(ip[2] << 8 | ip[3]);
		if (ip[9] != 6 || hl < 20 || (ip[6] & 0x3f) || ip[7])
			return;		/* not TCP, or a fragment */
		h = tl_fnv1a(h, ip + 12, 8);
	} else if (ip[0] >> 4 == 6 && caplen >= off + 40) {
		hl = 40;
		iplen = 40 + (size_t)(ip[4] << 8 | ip[5]);
		if (ip[6] != 6)
			return;		/* not TCP (or behind extension headers) */
		h = tl_fnv1a(h, ip + 8, 32);
	} else {
		return;
	}
	if (caplen < off + hl + 20)
		return;
	thl = (size_t)(ip[hl + 12] >> 4) * 4;
	if (thl < 20 || iplen < hl + thl)
		return;
	t->ok = true;
	t->flow = tl_fnv1a(h, ip + hl, 4);	/* the ports */
	t->seq = be32(ip + hl + 4);
	t->paylen = (uint32_t)(iplen - hl - thl);
	t->hdrs = (uint32_t)(off + hl + thl);
	if (caplen > t->hdrs) {
		t->payload = d + t->hdrs;
		t->have = caplen - t->hdrs;
	}
}

/* The key of a span: a device's (an skb) or a host's (a write), and a flow. */
static uint64_t span_key(const char *place, size_t n, bool dev, uint64_t flow)
{
	uint64_t h = tl_fnv1a(dev ? 0x84222325cbf29ce4ull : 0x9e3779b97f4a7c15ull,
			 place, strnlen(place, n));

	return tl_fnv1a(h, &flow, sizeof(flow)) | 1;
}

static void span_add(struct segjoin *j, uint64_t key, uint32_t start,
		     uint32_t len, uint64_t unit, uint64_t now,
		     uint64_t life)
{
	uint64_t id = ++j->nspans;
	struct span *s = &j->spans[id % SPANS];
	uint64_t *head = &j->heads[key % SPAN_BUCKETS];

	*s = (struct span){ .id = id, .next = *head, .key = key,
			    .start = start, .end = start + len, .unit = unit,
			    .last_ns = now, .life_ns = life };
	*head = id;
}

/* The unit whose range on key holds seq, or 0. */
static uint64_t span_find(struct segjoin *j, uint64_t key, uint32_t seq,
			  uint64_t now)
{
	uint64_t id = j->heads[key % SPAN_BUCKETS];

	for (int n = 0; id && n < SPAN_WALK; n++) {
		struct span *s = &j->spans[id % SPANS];

		if (s->id != id)
			break;
		id = s->next;
		if (s->key != key || now > s->last_ns + s->life_ns)
			continue;
		/* Modulo 2^32: sequence numbers wrap. */
		if (seq - s->start < s->end - s->start) {
			s->last_ns = now;
			return s->unit;
		}
	}
	return 0;
}

void segjoin_write(struct segjoin *j, const struct tl_event *ev)
{
	struct pwrite *w = &j->writes[j->nextw++ % WRITES];

	/* An app's probe: numbered, with its first bytes; a syscall: not
	 * numbered yet, no bytes. */
	if (!ev->len || (ev->source == TL_SRC_KERNEL ? ev->pkt != 0 :
			 !ev->pkt || !ev->caplen))
		return;
	memset(w, 0, sizeof(*w));
	w->used = true;
	memcpy(w->host, ev->host, sizeof(w->host));
	w->ts_ns = ev->ts_ns;
	w->pkt = ev->pkt;
	w->len = ev->len;
	w->have = ev->caplen < WRITE_BYTES ? ev->caplen : WRITE_BYTES;
	if (w->have)
		memcpy(w->bytes, ev->data, w->have);
}

void segjoin_numbered(struct segjoin *j, const struct tl_event *ev)
{
	struct span *sp;

	if (!j->unnumbered)
		return;
	sp = &j->spans[j->unnumbered % SPANS];
	/* The segment may itself be part of a super-packet (the kernel's
	 * GSO skb of the write): then the write is that. */
	if (sp->id == j->unnumbered)
		sp->unit = ev->group ? ev->group : ev->pkt;
	j->unnumbered = 0;
}

void segjoin_arrived(struct segjoin *j, const struct tl_event *ev)
{
	struct arrived *a;
	struct seg_tcp t;

	if (!ev->pkt || ev->step != TL_STEP_TUN_DRIVER_IN)
		return;
	segjoin_tcp((enum tl_link)ev->link, ev->data, ev->caplen, &t);
	if (!t.ok || !t.paylen)
		return;
	a = &j->arrived[j->narrived++ % ARRIVED];
	*a = (struct arrived){ .pkt = ev->pkt, .flow = t.flow, .seq = t.seq,
			       .paylen = t.paylen, .ts_ns = ev->ts_ns };
	memcpy(a->host, ev->host, sizeof(a->host));
	a->have = t.have < WRITE_BYTES ? t.have : WRITE_BYTES;
	if (a->have)
		memcpy(a->bytes, t.payload, a->have);
}

/* The segment a read starts with: its first bytes start the read's. */
static const struct arrived *read_start(const struct segjoin *j,
					const struct tl_event *ev)
{
	size_t have = ev->caplen < WRITE_BYTES ? ev->caplen : WRITE_BYTES;

	/* Newest first: a later copy of the same bytes is the one read. */
	for (unsigned int k = 1; k <= ARRIVED && k <= j->narrived; k++) {
		const struct arrived *a =
			&j->arrived[(j->narrived - k) % ARRIVED];
		size_t m = a->have < have ? a->have : have;

		if (a->ts_ns > ev->ts_ns || ev->ts_ns - a->ts_ns > READ_NS ||
		    strncmp(a->host, ev->host, TL_HOST_MAX) != 0)
			continue;
		if (m > a->paylen)
			m = a->paylen;
		if (m && (m >= 8 || m == ev->len) &&
		    memcmp(a->bytes, ev->data, m) == 0)
			return a;
	}
	return NULL;
}

int segjoin_read(struct segjoin *j, const struct tl_event *ev,
		 uint64_t *pkts, int max)
{
	const struct arrived *first;
	uint32_t next;
	int n = 0;

	if (ev->step != TL_STEP_APP_RECV || !ev->caplen || !ev->len)
		return 0;
	first = read_start(j, ev);
	if (!first || ev->len <= first->paylen)
		return 0;	/* one segment's bytes: content ties them */
	/* In sequence order from the first: each segment found starts
	 * where the last ended (a retransmission found once). */
	next = first->seq;
	while (n < max && next - first->seq < ev->len) {
		const struct arrived *found = NULL;

		for (unsigned int k = 0; k < ARRIVED && k < j->narrived; k++) {
			const struct arrived *a = &j->arrived[k];

			if (a->flow == first->flow && a->seq == next &&
			    a->ts_ns <= ev->ts_ns &&
			    strncmp(a->host, first->host, TL_HOST_MAX) == 0) {
				found = a;
				break;
			}
		}
		if (!found)
			break;	/* not seen: the read's rest is not tied */
		pkts[n++] = found->pkt;
		next = found->seq + found->paylen;
	}
	if (n > 1)
		j->tied += (uint64_t)n;
	return n > 1 ? n : 0;
}

void segjoin_hold(struct segjoin *j, const struct tl_event *ev, uint64_t skb)
{
	struct held *old = NULL;

	for (int i = 0; i < HOLD_MAX; i++) {
		struct held *h = &j->held[i];

		if (!h->used) {
			h->used = true;
			h->ev = *ev;
			h->ev.data = NULL;
			h->ev.caplen = 0;
			h->skb = skb;
			return;
		}
		if (!old || h->ev.ts_ns < old->ev.ts_ns)
			old = h;
	}
	/* Full: the oldest goes on as a packet of its own. */
	old->used = false;
	j->untied++;
	j->fn(j->ctx, &old->ev, 0);
	segjoin_hold(j, ev, skb);
}

/* The write a segment starts, by its first bytes: a span for its range
 * from here on.  0 if none (or the write is this one segment: content
 * ties that). */
static uint64_t write_start(struct segjoin *j, const struct tl_event *ev,
			    const struct seg_tcp *t)
{
	for (unsigned int k = 0; k < WRITES; k++) {
		struct pwrite *w = &j->writes[(j->nextw + k) % WRITES];
		size_t m;

		if (!w->used || w->ts_ns > ev->ts_ns ||
		    ev->ts_ns - w->ts_ns > WRITE_NS ||
		    strncmp(w->host, ev->host, TL_HOST_MAX) != 0)
			continue;
		m = w->have < t->have ? w->have : t->have;
		if (m > t->paylen)
			m = t->paylen;
		if (!w->pkt) {
			/* A syscall's: no bytes, its host's next segment. */
			if (ev->ts_ns - w->ts_ns > SYSCALL_NS)
				continue;
		} else if (!m || (m < 8 && m < w->len) ||
			   memcmp(w->bytes, t->payload, m) != 0) {
			continue;
		}
		w->used = false;
		if (w->len <= t->paylen)
			return 0;	/* all of it in this one segment */
		span_add(j, span_key(ev->host, TL_HOST_MAX, false, t->flow),
			 t->seq, w->len, w->pkt, ev->ts_ns, WRITE_SPAN_NS);
		/* A syscall's write is its first segment's packet: known once
		 * that is numbered (segjoin_numbered()). */
		if (!w->pkt)
			j->unnumbered = j->nspans;
		return w->pkt;
	}
	return 0;
}

/* The write holding byte seq of the flow, on the frame's host: one known
 * already, or one this segment starts. */
static uint64_t write_of(struct segjoin *j, const struct tl_event *ev,
			 const struct seg_tcp *t)
{
	uint64_t w;

	if (ev->step != TL_STEP_TUN_DRIVER_OUT || !t->paylen)
		return 0;
	w = span_find(j, span_key(ev->host, TL_HOST_MAX, false, t->flow),
		      t->seq, ev->ts_ns);
	return w ? w : write_start(j, ev, t);
}

void segjoin_frame(struct segjoin *j, const struct tl_event *ev, bool super,
		   struct seg_tie *tie)
{
	struct held *h = NULL;
	struct seg_tcp t;
	uint64_t unit;

	memset(tie, 0, sizeof(*tie));
	if (tl_steps[ev->step].dir != TL_DIR_OUT)
		return;
	/* The oldest skb held on this device, from before the frame. */
	for (int i = 0; i < HOLD_MAX; i++) {
		struct held *c = &j->held[i];

		if (c->used && c->ev.ts_ns <= ev->ts_ns &&
		    strncmp(c->ev.dev, ev->dev, TL_DEV_MAX) == 0 &&
		    (!h || c->ev.ts_ns < h->ev.ts_ns))
			h = c;
	}
	if (h && h->ev.len == ev->len) {
		/* The device took the skb whole: no cutting here. */
		h->used = false;
		tie->whole = true;
		tie->whole_ev = h->ev;
		tie->whole_skb = h->skb;
		h = NULL;
	}
	segjoin_tcp((enum tl_link)ev->link, ev->data, ev->caplen, &t);
	if (!t.ok)
		return;
	unit = t.paylen ? span_find(j, span_key(ev->dev, TL_DEV_MAX, true,
						t.flow), t.seq, ev->ts_ns) : 0;
	if (!unit && h && !super && t.paylen && h->ev.len > t.hdrs) {
		/* The skb's first segment: its range from here. */
		struct tl_event sev = h->ev;
		uint64_t w = write_of(j, ev, &t), p;

		h->used = false;
		p = j->fn(j->ctx, &sev, w);
		span_add(j, span_key(ev->dev, TL_DEV_MAX, true, t.flow), t.seq,
			 sev.len - t.hdrs, p, ev->ts_ns, SKB_SPAN_NS);
		unit = p;
	}
	if (!unit)
		unit = write_of(j, ev, &t);
	if (!unit)
		return;
	tie->basis = TL_BASIS_SEQ_RANGE;
	if (super)
		tie->join = unit;	/* a super-packet: the write's own */
	else
		tie->group = unit;
	j->tied++;
}

void segjoin_expire(struct segjoin *j, uint64_t upto_ns)
{
	for (int i = 0; i < HOLD_MAX; i++) {
		struct held *h = &j->held[i];

		if (h->used && h->ev.ts_ns + HOLD_NS < upto_ns) {
			struct tl_event ev = h->ev;

			h->used = false;
			j->untied++;
			j->fn(j->ctx, &ev, 0);
		}
	}
	for (int i = 0; i < WRITES; i++)
		if (j->writes[i].used &&
		    j->writes[i].ts_ns + WRITE_NS < upto_ns)
			j->writes[i].used = false;
}
