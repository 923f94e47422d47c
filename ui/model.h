/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The UI's model, with no ncurses in it: the events of an evstore indexed
 * into packets (one pass, flat arrays, no allocation per event), the
 * timeline the arrow keys walk, each packet's progress and verdict, the
 * statistics, the byte ranges a step added, and the filter.  The views
 * (path.c, list.c, detail.c, stats.c) only read it; the unit tests drive
 * it directly.
 */
#ifndef TUNLAB_UI_MODEL_H
#define TUNLAB_UI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "evstore.h"

#define UI_NONE		UINT32_MAX
#define UI_FILTER_MAX	256
#define UI_ERRBUF	512
#define UI_HOSTS_MAX	20	/* as many as a lab has (LAB_MAX_HOSTS) */

/* One packet: the observations the tracer gave one number. */
struct ui_pkt {
	uint64_t pkt;		/* the tracer's packet number (never 0) */
	uint64_t t0, t1;	/* first and last observation, monotonic ns */
	uint32_t first, last;	/* its events in trace order, chained by
				 * ui_model.next */
	uint32_t nev;
	uint32_t sum_ev;	/* the event whose bytes say best what it is */
	uint32_t drop_ev;	/* its last drop, or UI_NONE */
	uint16_t seen;		/* bit per step id: observed there */
	uint16_t dropped;	/* bit per step id: a drop observed there */
	bool sum_inner;		/* sum_ev holds the inner packet */
	bool match;		/* the filter matched one of its observations */
};

enum ui_verdict {
	UI_V_DELIVERED,		/* reached the far app (1') */
	UI_V_TAKEN,		/* the far kernel took it (2'), no app read */
	UI_V_DROPPED,		/* its last point is a drop */
	UI_V_PARTIAL,		/* seen up to some step, then nothing */
};

struct tracer_filter;

struct ui_model {
	const struct evstore *s;
	size_t n;		/* events indexed so far (<= s->n) */
	size_t cap;
	uint32_t *slot;		/* per event: its packet, or UI_NONE */
	uint32_t *next;		/* per event: next event of its packet */
	struct ui_pkt *pk;	/* packets, in order of first observation */
	size_t npk, cappk;
	uint32_t *hash;		/* pkt number -> slot + 1, open addressing */
	size_t hcap;
	uint32_t *order;	/* the packet list: slots by packet number,
				 * only matching ones when filtering */
	size_t norder;
	bool order_dirty;
	size_t untied;		/* events with no packet number */
	bool tap;		/* Ethernet frames at step 3: a TAP lab */
	/* The path view's boxes: per host and step, the packets seen there
	 * and the drops observed there. */
	char hosts[UI_HOSTS_MAX][TL_HOST_MAX];
	int nhosts;
	uint32_t box[UI_HOSTS_MAX][TL_STEP_COUNT];
	uint32_t box_drops[UI_HOSTS_MAX][TL_STEP_COUNT];
	/* Filter (pcap-filter syntax), applied to packets. */
	bool filtering;
	bool only;		/* hide what does not match (else: mark) */
	char filter[UI_FILTER_MAX];
	size_t nmatch;
	struct tracer_filter *progs;
};

/* Index s's events (all of them now, and later ones through
 * ui_model_update).  0 or -ENOMEM. */
int ui_model_init(struct ui_model *m, const struct evstore *s);

/* Index events added to the store since the last call.  0 or -ENOMEM. */
int ui_model_update(struct ui_model *m);

void ui_model_free(struct ui_model *m);

/* The packet of event i, or NULL (not tied). */
const struct ui_pkt *ui_model_pkt_of(const struct ui_model *m, size_t i);

/* Index of a host in m->hosts, or -1. */
int ui_model_host(const struct ui_model *m, const char *name);

/* Slot of packet number pkt, or UI_NONE. */
uint32_t ui_model_find(const struct ui_model *m, uint64_t pkt);

/* The packet list as shown: *n rows of packet slots. */
const uint32_t *ui_model_rows(struct ui_model *m, size_t *n);

/* Row of slot in the list, or -1 if it is not shown. */
long ui_model_row_of(struct ui_model *m, uint32_t slot);

/* Whether event i is on the timeline (the filter may hide it). */
bool ui_model_visible(const struct ui_model *m, size_t i);

/* Event after (dir > 0) or before (dir < 0) cur on the timeline; cur -1
 * means "before the first".  Returns -1 when there is none. */
long ui_model_step(const struct ui_model *m, long cur, int dir);

/* The packet's first event on the timeline, or -1. */
long ui_model_pkt_first(const struct ui_model *m, uint32_t slot);

/* The packet's observation at step (the one with the most bytes: what the
 * step's explanation shows best), or -1. */
long ui_model_pkt_at_step(const struct ui_model *m, uint32_t slot,
			  unsigned int step);

/* The event of the same packet at the step before ev's (the latest one
 * not after it), or -1: "time since the previous step". */
long ui_model_prev_step(const struct ui_model *m, size_t i);

/* Progress across the 14 points: 14 characters, the step's number where
 * seen, 'X' where dropped, '.' where not seen; out[15] at least. */
void ui_pkt_progress(const struct ui_pkt *p, char *out);

/* The verdict, and a line saying it ("dropped at 5' on office: bad tag"). */
enum ui_verdict ui_pkt_verdict(const struct ui_model *m,
			       const struct ui_pkt *p, char *out, size_t n);

/* The reason a drop observation gives, without the source's wording. */
void ui_drop_reason(const struct tl_event *ev, char *out, size_t n);

/* ---- statistics ------------------------------------------------------- */

#define UI_DROP_REASONS 16

struct ui_step_stat {
	uint64_t events, packets, drops;
	uint64_t nlat;		/* packets with a time from the step before */
	uint64_t lat_min, lat_med, lat_max;	/* ns */
};

struct ui_stats {
	uint64_t events, packets, untied, nostep;
	uint64_t delivered, taken, dropped, partial;
	struct ui_step_stat step[TL_STEP_COUNT];
	struct {
		char why[64];
		uint64_t n;
	} drops[UI_DROP_REASONS];
	int ndrops;
	uint64_t other_drops;	/* reasons beyond the table */
};

/* Count everything (visible packets only when filtering with "only").
 * 0 or -ENOMEM. */
int ui_model_stats(const struct ui_model *m, struct ui_stats *st);

/* ---- bytes a step added ----------------------------------------------- */

#define UI_RANGE_MAX 4

struct ui_range {
	size_t off, len;
};

/* The bytes of ev that its step added or changed (the tunnel header and
 * tag at 5, the outer IP/UDP at 6, the Ethernet header at 7, the inner
 * Ethernet header at 3 on a TAP lab); returns how many ranges, 0 if none,
 * and what they are in *what. */
int ui_added_bytes(const struct tl_event *ev, struct ui_range *r, int max,
		   const char **what);

/* ---- filter ----------------------------------------------------------- */

/* Filter packets with a pcap-filter expression: a packet matches when
 * any of its observations (inner or outer bytes) does, as tunlab trace
 * -f decides.  "" clears it.  0, or -EINVAL with pcap's message in err
 * (the filter in place is kept). */
int ui_model_filter(struct ui_model *m, const char *expr, char *err);

/* Whether one event's bytes match the compiled filter. */
bool ui_model_event_matches(const struct ui_model *m, size_t i);

#endif
