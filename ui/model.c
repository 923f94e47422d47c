// SPDX-License-Identifier: GPL-2.0-only
/* The UI's model: see model.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect.h"
#include "model.h"

/* A multiplicative hash of a packet number into a table of cap slots. */
static size_t hash_pkt(uint64_t pkt, size_t cap)
{
	return (size_t)((pkt * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

/* Put (pkt -> slot) into the table; the table always has room. */
static void hash_put(uint32_t *h, size_t cap, const struct ui_pkt *pk,
		     uint32_t slot)
{
	size_t i = hash_pkt(pk[slot].pkt, cap);

	while (h[i])
		i = (i + 1) & (cap - 1);
	h[i] = slot + 1;
}

/* Keep the table at most half full, so probes stay short. */
static int hash_grow(struct ui_model *m)
{
	size_t cap = m->hcap ? 2 * m->hcap : 1024;
	uint32_t *h;

	if (2 * (m->npk + 1) <= m->hcap)
		return 0;
	h = calloc(cap, sizeof(*h));
	if (!h)
		return -ENOMEM;
	for (size_t s = 0; s < m->npk; s++)
		hash_put(h, cap, m->pk, (uint32_t)s);
	free(m->hash);
	m->hash = h;
	m->hcap = cap;
	return 0;
}

uint32_t ui_model_find(const struct ui_model *m, uint64_t pkt)
{
	size_t i;

	if (!m->hcap || !pkt)
		return UI_NONE;
	for (i = hash_pkt(pkt, m->hcap); m->hash[i]; i = (i + 1) & (m->hcap - 1))
		if (m->pk[m->hash[i] - 1].pkt == pkt)
			return m->hash[i] - 1;
	return UI_NONE;
}

/* The slot of pkt, made if it is new; UI_NONE when out of memory. */
static uint32_t slot_for(struct ui_model *m, uint64_t pkt, size_t i)
{
	uint32_t s = ui_model_find(m, pkt);
	struct ui_pkt *p;

	if (s != UI_NONE)
		return s;
	if (m->npk == m->cappk) {
		size_t cap = m->cappk ? 2 * m->cappk : 1024;
		struct ui_pkt *grown = realloc(m->pk, cap * sizeof(*grown));

		if (!grown)
			return UI_NONE;
		m->pk = grown;
		m->cappk = cap;
	}
	if (hash_grow(m))
		return UI_NONE;
	p = &m->pk[m->npk];
	memset(p, 0, sizeof(*p));
	p->pkt = pkt;
	p->first = p->last = (uint32_t)i;
	p->sum_ev = p->drop_ev = UI_NONE;
	p->t0 = p->t1 = m->s->ev[i].ts_ns;
	hash_put(m->hash, m->hcap, m->pk, (uint32_t)m->npk);
	m->order_dirty = true;
	return (uint32_t)m->npk++;
}

/* Whether an event's bytes are the inner packet (not the wire's frame,
 * not the tunnel's ciphertext). */
static bool inner_bytes(const struct tl_event *ev)
{
	return ev->caplen && ev->link != TL_LINK_NONE &&
	       ev->link != TL_LINK_TUNNEL && ev->step != TL_STEP_WIRE_OUT &&
	       ev->step != TL_STEP_WIRE_IN;
}

int ui_model_host(const struct ui_model *m, const char *name)
{
	for (int h = 0; h < m->nhosts; h++)
		if (strcmp(m->hosts[h], name) == 0)
			return h;
	return -1;
}

/* The host of ev, added to the table if new; -1 when it is full. */
static int host_of(struct ui_model *m, const struct tl_event *ev)
{
	int h = ui_model_host(m, ev->host);

	if (h >= 0 || m->nhosts == UI_HOSTS_MAX)
		return h;
	memcpy(m->hosts[m->nhosts], ev->host, TL_HOST_MAX);
	m->hosts[m->nhosts][TL_HOST_MAX - 1] = '\0';
	return m->nhosts++;
}

/* Fold event i into its packet p. */
static void add_to_pkt(struct ui_model *m, struct ui_pkt *p, size_t i)
{
	const struct tl_event *ev = &m->s->ev[i];

	if (p->nev)
		m->next[p->last] = (uint32_t)i;
	p->last = (uint32_t)i;
	p->nev++;
	if (ev->ts_ns < p->t0)
		p->t0 = ev->ts_ns;
	if (ev->ts_ns > p->t1)
		p->t1 = ev->ts_ns;
	if (ev->step < TL_STEP_COUNT) {
		int h = -1;

		/* Hosts are looked up only for a packet's first observation
		 * at a step and for drops: a few per packet. */
		if (!(p->seen & (1u << ev->step)) &&
		    (h = host_of(m, ev)) >= 0)
			m->box[h][ev->step]++;
		if ((ev->flags & TL_EVENT_F_DROP) &&
		    (h >= 0 || (h = host_of(m, ev)) >= 0))
			m->box_drops[h][ev->step]++;
		p->seen |= (uint16_t)(1u << ev->step);
		if (ev->flags & TL_EVENT_F_DROP) {
			p->dropped |= (uint16_t)(1u << ev->step);
			p->drop_ev = (uint32_t)i;
		}
	}
	/* The inner packet says best what it is; a wire frame does when
	 * nothing else has bytes. */
	if (!p->sum_inner && inner_bytes(ev)) {
		p->sum_ev = (uint32_t)i;
		p->sum_inner = true;
	} else if (p->sum_ev == UI_NONE && ev->caplen &&
		   ev->link != TL_LINK_NONE) {
		p->sum_ev = (uint32_t)i;
	}
	if (m->filtering && !p->match && ui_model_event_matches(m, i)) {
		p->match = true;
		m->nmatch++;
		m->order_dirty = true;
	}
}

/* Room for the per-event arrays up to n events. */
static int grow_events(struct ui_model *m, size_t n)
{
	size_t cap = m->cap ? m->cap : 1024;
	uint32_t *slot, *next;

	if (n <= m->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	slot = realloc(m->slot, cap * sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	m->slot = slot;
	next = realloc(m->next, cap * sizeof(*next));
	if (!next)
		return -ENOMEM;
	m->next = next;
	m->cap = cap;
	return 0;
}

int ui_model_update(struct ui_model *m)
{
	const struct evstore *s = m->s;

	if (grow_events(m, s->n))
		return -ENOMEM;
	for (size_t i = m->n; i < s->n; i++) {
		const struct tl_event *ev = &s->ev[i];
		uint32_t sl;

		m->next[i] = UI_NONE;
		m->slot[i] = UI_NONE;
		if (ev->step == TL_STEP_TUN_DRIVER_OUT && ev->link == TL_LINK_ETH)
			m->tap = true;
		if (!ev->pkt) {
			m->untied++;
			continue;
		}
		sl = slot_for(m, ev->pkt, i);
		if (sl == UI_NONE)
			return -ENOMEM;
		m->slot[i] = sl;
		add_to_pkt(m, &m->pk[sl], i);
	}
	m->n = s->n;
	return 0;
}

int ui_model_init(struct ui_model *m, const struct evstore *s)
{
	memset(m, 0, sizeof(*m));
	m->s = s;
	m->only = true;
	m->order_dirty = true;
	return ui_model_update(m);
}

void ui_model_free(struct ui_model *m)
{
	ui_model_filter(m, "", NULL);
	free(m->slot);
	free(m->next);
	free(m->pk);
	free(m->hash);
	free(m->order);
	memset(m, 0, sizeof(*m));
}

const struct ui_pkt *ui_model_pkt_of(const struct ui_model *m, size_t i)
{
	if (i >= m->n || m->slot[i] == UI_NONE)
		return NULL;
	return &m->pk[m->slot[i]];
}

static int by_pkt_number(const void *a, const void *b, void *ctx)
{
	const struct ui_pkt *pk = ctx;
	uint64_t x = pk[*(const uint32_t *)a].pkt;
	uint64_t y = pk[*(const uint32_t *)b].pkt;

	return x < y ? -1 : x > y;
}

/* Rebuild the list: packets by number; sorted already in the usual case
 * (the tracer numbers packets as they first appear), so the sort is rare. */
static int build_rows(struct ui_model *m)
{
	uint32_t *rows = realloc(m->order, (m->npk ? m->npk : 1) *
				 sizeof(*rows));
	bool sorted = true;
	size_t n = 0;

	if (!rows)
		return -ENOMEM;
	m->order = rows;
	for (size_t s = 0; s < m->npk; s++) {
		if (m->filtering && m->only && !m->pk[s].match)
			continue;
		if (n && m->pk[rows[n - 1]].pkt > m->pk[s].pkt)
			sorted = false;
		rows[n++] = (uint32_t)s;
	}
	if (!sorted)
		qsort_r(rows, n, sizeof(*rows), by_pkt_number, m->pk);
	m->norder = n;
	m->order_dirty = false;
	return 0;
}

const uint32_t *ui_model_rows(struct ui_model *m, size_t *n)
{
	if (m->order_dirty && build_rows(m))
		m->norder = 0;
	*n = m->norder;
	return m->order;
}

long ui_model_row_of(struct ui_model *m, uint32_t slot)
{
	size_t n, lo = 0, hi;
	const uint32_t *rows = ui_model_rows(m, &n);

	if (slot == UI_NONE)
		return -1;
	/* Rows are sorted by packet number: a binary search. */
	hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->pk[rows[mid]].pkt < m->pk[slot].pkt)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && rows[lo] == slot ? (long)lo : -1;
}

bool ui_model_visible(const struct ui_model *m, size_t i)
{
	if (i >= m->n)
		return false;
	if (!m->filtering || !m->only)
		return true;
	return m->slot[i] != UI_NONE && m->pk[m->slot[i]].match;
}

long ui_model_step(const struct ui_model *m, long cur, int dir)
{
	long i = cur;

	for (;;) {
		i += dir > 0 ? 1 : -1;
		if (i < 0 || (size_t)i >= m->n)
			return -1;
		if (ui_model_visible(m, (size_t)i))
			return i;
	}
}

long ui_model_pkt_first(const struct ui_model *m, uint32_t slot)
{
	if (slot >= m->npk)
		return -1;
	return m->pk[slot].first;
}

long ui_model_pkt_at_step(const struct ui_model *m, uint32_t slot,
			  unsigned int step)
{
	long best = -1;

	if (slot >= m->npk)
		return -1;
	for (uint32_t i = m->pk[slot].first; i != UI_NONE; i = m->next[i]) {
		const struct tl_event *ev = &m->s->ev[i];

		if (ev->step != step)
			continue;
		if (best < 0 || ev->caplen > m->s->ev[best].caplen)
			best = i;
	}
	return best;
}

long ui_model_prev_step(const struct ui_model *m, size_t i)
{
	const struct tl_event *ev = &m->s->ev[i];
	long best = -1;

	if (i >= m->n || m->slot[i] == UI_NONE || ev->step >= TL_STEP_COUNT)
		return -1;
	for (uint32_t j = m->pk[m->slot[i]].first; j != UI_NONE;
	     j = m->next[j]) {
		const struct tl_event *e = &m->s->ev[j];

		if (e->step >= ev->step || e->ts_ns > ev->ts_ns)
			continue;
		/* The nearest step before, and its latest observation. */
		if (best < 0 || e->step > m->s->ev[best].step ||
		    (e->step == m->s->ev[best].step &&
		     e->ts_ns > m->s->ev[best].ts_ns))
			best = j;
	}
	return best;
}

void ui_pkt_progress(const struct ui_pkt *p, char *out)
{
	for (unsigned int s = 0; s < TL_STEP_COUNT; s++) {
		if (p->dropped & (1u << s))
			out[s] = 'X';
		else if (p->seen & (1u << s))
			out[s] = (char)('0' + tl_steps[s].num);
		else
			out[s] = '.';
	}
	out[TL_STEP_COUNT] = '\0';
}

void ui_drop_reason(const struct tl_event *ev, char *out, size_t n)
{
	/* The reason alone, as tunlab trace says it. */
	tl_drop_reason(ev->detail, out, n);
	if (!out[0])
		snprintf(out, n, "no reason given");
}

/* The highest step a packet was seen at. */
static int last_step(uint16_t seen)
{
	int s = -1;

	for (int i = 0; i < TL_STEP_COUNT; i++)
		if (seen & (1u << i))
			s = i;
	return s;
}

enum ui_verdict ui_pkt_verdict(const struct ui_model *m,
			       const struct ui_pkt *p, char *out, size_t n)
{
	int last = last_step(p->seen);

	/* A drop the packet went on after (a clone delivered, the original
	 * freed) does not make it dropped: only a drop at its last point. */
	if (p->drop_ev != UI_NONE &&
	    (p->dropped & (1u << last))) {
		const struct tl_event *ev = &m->s->ev[p->drop_ev];
		char why[64];

		ui_drop_reason(ev, why, sizeof(why));
		snprintf(out, n, "dropped at %s on %s: %s",
			 tl_steps[ev->step].label, ev->host, why);
		return UI_V_DROPPED;
	}
	if (last == TL_STEP_APP_RECV) {
		snprintf(out, n, "delivered");
		return UI_V_DELIVERED;
	}
	if (last == TL_STEP_ROUTE_LOCAL) {
		snprintf(out, n, "taken by the far kernel");
		return UI_V_TAKEN;
	}
	if (last < 0)
		snprintf(out, n, "no step seen");
	else
		snprintf(out, n, "last seen at %s", tl_steps[last].label);
	return UI_V_PARTIAL;
}

/* ---- statistics ------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Count a drop under its reason. */
static void count_drop(struct ui_stats *st, const struct tl_event *ev)
{
	char why[64];

	ui_drop_reason(ev, why, sizeof(why));
	for (int i = 0; i < st->ndrops; i++) {
		if (strcmp(st->drops[i].why, why) == 0) {
			st->drops[i].n++;
			return;
		}
	}
	if (st->ndrops == UI_DROP_REASONS) {
		st->other_drops++;
		return;
	}
	memcpy(st->drops[st->ndrops].why, why, sizeof(why));
	st->drops[st->ndrops++].n = 1;
}

/* One packet: its steps' first times, and the latency of each step from
 * the step seen before it. */
static void pkt_stats(const struct ui_model *m, const struct ui_pkt *p,
		      struct ui_stats *st, uint64_t **lat)
{
	uint64_t first[TL_STEP_COUNT];
	int prev = -1;

	for (uint32_t i = p->first; i != UI_NONE; i = m->next[i]) {
		const struct tl_event *ev = &m->s->ev[i];

		if (ev->step >= TL_STEP_COUNT)
			continue;
		if (ev->flags & TL_EVENT_F_DROP) {
			st->step[ev->step].drops++;
			count_drop(st, ev);
		}
	}
	for (int s = 0; s < TL_STEP_COUNT; s++)
		first[s] = UINT64_MAX;
	for (uint32_t i = p->first; i != UI_NONE; i = m->next[i]) {
		const struct tl_event *ev = &m->s->ev[i];

		if (ev->step < TL_STEP_COUNT && ev->ts_ns < first[ev->step])
			first[ev->step] = ev->ts_ns;
	}
	for (int s = 0; s < TL_STEP_COUNT; s++) {
		struct ui_step_stat *ss = &st->step[s];

		if (first[s] == UINT64_MAX)
			continue;
		ss->packets++;
		if (prev >= 0)
			lat[s][ss->nlat++] = first[s] > first[prev] ?
					     first[s] - first[prev] : 0;
		prev = s;
	}
}

/* Min, median and max of each step's latencies. */
static void finish_latency(struct ui_stats *st, uint64_t **lat)
{
	for (int s = 0; s < TL_STEP_COUNT; s++) {
		struct ui_step_stat *ss = &st->step[s];

		if (!ss->nlat)
			continue;
		qsort(lat[s], ss->nlat, sizeof(uint64_t), cmp_u64);
		ss->lat_min = lat[s][0];
		ss->lat_med = lat[s][ss->nlat / 2];
		ss->lat_max = lat[s][ss->nlat - 1];
	}
}

int ui_model_stats(const struct ui_model *m, struct ui_stats *st)
{
	uint64_t *lat[TL_STEP_COUNT] = { 0 };
	char why[8];
	int rc = 0;

	memset(st, 0, sizeof(*st));
	for (int s = 0; s < TL_STEP_COUNT; s++) {
		lat[s] = malloc((m->npk ? m->npk : 1) * sizeof(uint64_t));
		if (!lat[s]) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < m->n; i++) {
		if (!ui_model_visible(m, i))
			continue;
		st->events++;
		if (m->slot[i] == UI_NONE)
			st->untied++;
		if (m->s->ev[i].step >= TL_STEP_COUNT)
			st->nostep++;
		else
			st->step[m->s->ev[i].step].events++;
	}
	for (size_t s = 0; s < m->npk; s++) {
		const struct ui_pkt *p = &m->pk[s];

		if (m->filtering && m->only && !p->match)
			continue;
		st->packets++;
		pkt_stats(m, p, st, lat);
		switch (ui_pkt_verdict(m, p, why, sizeof(why))) {
		case UI_V_DELIVERED: st->delivered++; break;
		case UI_V_TAKEN: st->taken++; break;
		case UI_V_DROPPED: st->dropped++; break;
		case UI_V_PARTIAL: st->partial++; break;
		}
	}
	finish_latency(st, lat);
out:
	for (int s = 0; s < TL_STEP_COUNT; s++)
		free(lat[s]);
	return rc;
}

/* ---- bytes a step added ----------------------------------------------- */

struct layers {
	struct {
		const char *name;
		size_t off, len;
	} l[8];
	int n;
};

/* A sink that keeps the protocol layers (names are static strings in the
 * dissectors' tables, so the pointers outlive the call). */
static void keep_layer(void *ctx, const struct dissect_field *f)
{
	struct layers *ls = ctx;

	if (f->kind != DISSECT_PROTO || f->depth != 0 || ls->n == 8)
		return;
	ls->l[ls->n].name = f->name;
	ls->l[ls->n].off = f->off;
	ls->l[ls->n].len = f->len;
	ls->n++;
}

/* The layer called name, or -1. */
static int layer(const struct layers *ls, const char *name)
{
	for (int i = 0; i < ls->n; i++)
		if (strcmp(ls->l[i].name, name) == 0)
			return i;
	return -1;
}

int ui_added_bytes(const struct tl_event *ev, struct ui_range *r, int max,
		   const char **what)
{
	struct layers ls = { .n = 0 };
	struct dissect_sink sink = { keep_layer, &ls };
	int k, n = 0;

	*what = NULL;
	if (!ev->caplen || ev->link == TL_LINK_NONE || max < 1)
		return 0;
	dissect_packet(ev->data, ev->caplen, ev->len, ev->link, &sink, NULL);
	switch (ev->step) {
	case TL_STEP_ENCRYPT_SEND:
		/* Opcode, key id, peer id, packet id and the tag. */
		k = layer(&ls, "tlvpn");
		if (k < 0)
			return 0;
		*what = "tunnel header and tag";
		r[n++] = (struct ui_range){ ls.l[k].off, ls.l[k].len };
		break;
	case TL_STEP_ROUTE_WIRE:
		/* Every layer in front of the tunnel but the Ethernet one. */
		k = layer(&ls, "tlvpn");
		for (int i = 0; i < (k < 0 ? ls.n : k) && n < max; i++)
			if (strcmp(ls.l[i].name, "eth") != 0)
				r[n++] = (struct ui_range){ ls.l[i].off,
							    ls.l[i].len };
		*what = n ? "outer IP and UDP headers" : NULL;
		break;
	case TL_STEP_WIRE_OUT:
		k = layer(&ls, "eth");
		if (k < 0)
			return 0;
		*what = "Ethernet header";
		r[n++] = (struct ui_range){ ls.l[k].off, ls.l[k].len };
		break;
	case TL_STEP_TUN_DRIVER_OUT:
		k = layer(&ls, "eth");
		if (k < 0 || ev->link != TL_LINK_ETH)
			return 0;
		*what = "inner Ethernet header (TAP)";
		r[n++] = (struct ui_range){ ls.l[k].off, ls.l[k].len };
		break;
	default:
		return 0;
	}
	return n;
}
