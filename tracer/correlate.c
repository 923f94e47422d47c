// SPDX-License-Identifier: GPL-2.0-only
/* The correlator: see correlate.h. */
#include <stdlib.h>
#include <string.h>

#include "correlate.h"

/* Each map holds the most recent binding of a key; older ones are simply
 * overwritten when the table wraps around, which bounds memory and ages
 * out packets that are long gone. */
#define MAP_SLOTS	(1u << 16)
#define PKT_SLOTS	(1u << 16)	/* packets remembered (by number) */
#define PROBE_LIMIT	16

enum map_kind {
	MAP_INNER,
	MAP_PAYLOAD,
	MAP_TUNNEL,
	MAP_COUNT,
};

struct slot {
	uint64_t key;		/* 0: empty */
	uint64_t pkt;
};

struct group {
	uint64_t unit;
	uint8_t basis;
};

struct correlator {
	struct slot map[MAP_COUNT][MAP_SLOTS];
	uint16_t steps[PKT_SLOTS];	/* steps seen, by pkt % PKT_SLOTS */
	uint64_t steps_of[PKT_SLOTS];	/* which pkt that entry is for */
	struct group groups[PKT_SLOTS][2];	/* by direction, same slots */
	uint64_t next;			/* the last number given */
};

struct correlator *corr_new(void)
{
	return calloc(1, sizeof(struct correlator));
}

void corr_free(struct correlator *c)
{
	free(c);
}

uint64_t corr_packets(const struct correlator *c)
{
	return c->next;
}

/* One 64-bit key for the tunnel fields; never 0. */
static uint64_t tunnel_key(const struct corr_keys *k)
{
	uint64_t v = (uint64_t)k->packet_id | (uint64_t)k->peer_id << 32 |
		     (uint64_t)k->key_id << 56 |
		     (uint64_t)(k->from_server ? 1 : 0) << 59 | 1ull << 63;

	return v;
}

/* Mix a key into a slot index. */
static unsigned int slot_of(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (unsigned int)(key & (MAP_SLOTS - 1));
}

/* The packet key is bound to, or 0. */
static uint64_t map_get(const struct correlator *c, enum map_kind m,
			uint64_t key)
{
	unsigned int i = slot_of(key);

	if (!key)
		return 0;
	for (unsigned int n = 0; n < PROBE_LIMIT; n++) {
		const struct slot *s = &c->map[m][(i + n) & (MAP_SLOTS - 1)];

		if (s->key == key)
			return s->pkt;
		if (!s->key)
			return 0;
	}
	return 0;
}

/* Bind key to pkt: the same key's slot, else the first free one, else the
 * one holding the oldest packet in reach. */
static void map_put(struct correlator *c, enum map_kind m, uint64_t key,
		    uint64_t pkt)
{
	unsigned int i = slot_of(key);
	struct slot *victim = NULL;

	if (!key)
		return;
	for (unsigned int n = 0; n < PROBE_LIMIT; n++) {
		struct slot *s = &c->map[m][(i + n) & (MAP_SLOTS - 1)];

		if (s->key == key || !s->key) {
			victim = s;
			break;
		}
		if (!victim || s->pkt < victim->pkt)
			victim = s;
	}
	victim->key = key;
	victim->pkt = pkt;
}

/* The steps packet pkt has shown so far (0 if it is forgotten). */
static uint16_t *steps_of(struct correlator *c, uint64_t pkt)
{
	unsigned int i = (unsigned int)(pkt % PKT_SLOTS);

	if (c->steps_of[i] != pkt) {
		c->steps_of[i] = pkt;
		c->steps[i] = 0;
		memset(c->groups[i], 0, sizeof(c->groups[i]));
	}
	return &c->steps[i];
}

uint64_t corr_new_packet(struct correlator *c)
{
	uint64_t pkt = ++c->next;

	steps_of(c, pkt);
	return pkt;
}

/* The group entry of pkt in direction dir (the slot made pkt's). */
static struct group *group_of(struct correlator *c, uint64_t pkt,
			      enum tl_dir dir)
{
	steps_of(c, pkt);
	return &c->groups[pkt % PKT_SLOTS][dir == TL_DIR_IN];
}

uint64_t corr_group(struct correlator *c, uint64_t pkt, enum tl_dir dir,
		    uint8_t *basis)
{
	const struct group *g;

	if (!pkt || c->steps_of[pkt % PKT_SLOTS] != pkt)
		return 0;
	g = &c->groups[pkt % PKT_SLOTS][dir == TL_DIR_IN];
	if (basis)
		*basis = g->basis;
	return g->unit;
}

/* Whether pkt can take one more observation of step: it has not shown
 * that step yet. */
static bool fits(struct correlator *c, uint64_t pkt, unsigned int step)
{
	return pkt && step < TL_STEP_COUNT &&
	       !(*steps_of(c, pkt) & (1u << step));
}

/* Record the unit ev's packet is a segment of (from the keys), and stamp
 * the one it has in ev's direction on ev. */
static void set_group(struct correlator *c, struct tl_event *ev,
		      const struct corr_keys *k)
{
	enum tl_dir dir = ev->step < TL_STEP_COUNT ? tl_steps[ev->step].dir :
			  TL_DIR_OUT;
	uint64_t unit = 0;
	uint8_t basis = TL_BASIS_NONE;
	struct group *g;

	if (k->parent) {
		/* The super-packet is seen before its segments on the way
		 * out, after them on the way in: bind its digest now. */
		unit = map_get(c, MAP_INNER, k->parent);
		if (!unit) {
			unit = corr_new_packet(c);
			map_put(c, MAP_INNER, k->parent, unit);
		}
		basis = TL_BASIS_PARENT;
	} else if (k->group) {
		unit = k->group;
		basis = k->group_basis;
	}
	g = group_of(c, ev->pkt, dir);
	if (unit && unit != ev->pkt) {
		g->unit = unit;
		g->basis = basis;
	}
	ev->group = g->unit;
	ev->group_basis = g->unit ? g->basis : TL_BASIS_NONE;
}

/* The super-packet of the segment tkey names, in step's direction, if it
 * can take step; else 0. */
static uint64_t super_of(struct correlator *c, uint64_t tkey,
			 unsigned int step)
{
	uint64_t seg = map_get(c, MAP_TUNNEL, tkey), unit;

	if (!seg || step >= TL_STEP_COUNT)
		return 0;
	unit = corr_group(c, seg, tl_steps[step].dir, NULL);
	return unit && fits(c, unit, step) ? unit : 0;
}

uint64_t corr_super(struct correlator *c, const struct corr_keys *k,
		    unsigned int step)
{
	return k->tunnel ? super_of(c, tunnel_key(k), step) : 0;
}

uint64_t corr_assign(struct correlator *c, struct tl_event *ev,
		     const struct corr_keys *k)
{
	uint64_t tkey = k->tunnel ? tunnel_key(k) : 0;
	uint64_t pkt = 0;
	unsigned int step = ev->step;
	/* Several observations of one step are fine for kernel events (a
	 * lookup and a queue at step 2): only pcap and probes are unique. */
	bool unique = ev->source != TL_SRC_KERNEL;

	ev->basis = TL_BASIS_NONE;
	if (k->join && c->steps_of[k->join % PKT_SLOTS] == k->join &&
	    (!unique || k->also || fits(c, k->join, step))) {
		pkt = k->join;
		ev->basis = k->also ? TL_BASIS_HEURISTIC : TL_BASIS_SEQ_RANGE;
	} else if (tkey && (ev->flags & TL_EVENT_F_GSO) &&
		   (pkt = super_of(c, tkey, step)) != 0) {
		/* A super-datagram (UDP GSO) shows its first datagram's
		 * tunnel header: it carries that segment's super-packet. */
		ev->basis = TL_BASIS_PARENT;
		tkey = 0;	/* the key stays the segment's */
	} else if (tkey && (pkt = map_get(c, MAP_TUNNEL, tkey)) &&
	    (!unique || fits(c, pkt, step)))
		ev->basis = TL_BASIS_TUNNEL_KEY;
	else if (k->inner && (pkt = map_get(c, MAP_INNER, k->inner)) &&
		 (!unique || fits(c, pkt, step)))
		ev->basis = TL_BASIS_CONTENT;
	else if (k->payload && (pkt = map_get(c, MAP_PAYLOAD, k->payload)) &&
		 (!unique || fits(c, pkt, step)))
		ev->basis = TL_BASIS_CONTENT;
	else
		pkt = ++c->next;
	if (step < TL_STEP_COUNT)
		*steps_of(c, pkt) |= (uint16_t)(1u << step);
	map_put(c, MAP_TUNNEL, tkey, pkt);
	map_put(c, MAP_INNER, k->inner, pkt);
	map_put(c, MAP_PAYLOAD, k->payload, pkt);
	ev->pkt = pkt;
	set_group(c, ev, k);
	return pkt;
}
