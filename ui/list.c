// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packet list: one row per packet, in packet-number order: number,
 * time since the trace's start, what it is (the inner packet, decoded
 * only for the rows on screen), its progress across the 14 points, its
 * latency from first to last point, and its verdict.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dissect.h"
#include "uipriv.h"

void ui_pkt_summary(struct ui *u, const struct ui_pkt *p, char *out, size_t n)
{
	const struct tl_event *ev;
	struct dissect_summary sum;

	if (p->sum_ev == UI_NONE) {
		/* No bytes anywhere: what the first observation says. */
		ev = &u->s->ev[p->first];
		snprintf(out, n, "(%s) %s", tl_source_name(ev->source),
			 ev->detail);
		return;
	}
	ev = &u->s->ev[p->sum_ev];
	memset(&sum, 0, sizeof(sum));
	dissect_packet(ev->data, ev->caplen, ev->len, ev->link, NULL, &sum);
	if (sum.src[0])
		snprintf(out, n, "%s %s\u2192%s %s", sum.proto, sum.src,
			 sum.dst, sum.info);
	else
		snprintf(out, n, "%s %s", sum.proto, sum.info);
}

void ui_fmt_ns(uint64_t ns, char *out, size_t n)
{
	if (ns < 1000000)
		snprintf(out, n, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(out, n, "%.3fms", (double)ns / 1e6);
	else
		snprintf(out, n, "%.3fs", (double)ns / 1e9);
}

/* The verdict in a few characters, for a narrow list. */
static void short_verdict(const struct ui_model *m, const struct ui_pkt *p,
			  enum ui_verdict v, char *out, size_t n)
{
	const struct tl_event *ev;

	switch (v) {
	case UI_V_DELIVERED:
		snprintf(out, n, "delivered");
		break;
	case UI_V_TAKEN:
		snprintf(out, n, "to kernel");
		break;
	case UI_V_DROPPED:
		ev = &m->s->ev[p->drop_ev];
		snprintf(out, n, "DROP %s %s", tl_steps[ev->step].label,
			 ev->host);
		break;
	case UI_V_PARTIAL:
		snprintf(out, n, "partial");
		break;
	}
}

/* Column widths: the summary and the verdict share what is left. */
#define COL_WHAT	16	/* where the summary starts */
#define COL_FIXED	(COL_WHAT + 1 + 15 + 1 + 9 + 1)

static int what_width(struct ui *u)
{
	int rest = u->cols - COL_FIXED;

	return rest <= 50 ? rest - 13 : rest * 3 / 5;
}

static void draw_row(struct ui *u, int y, uint32_t slot, int wsum)
{
	const struct ui_pkt *p = &u->m.pk[slot];
	uint64_t t0 = u->m.n ? u->s->ev[0].ts_ns : 0;
	char what[256], prog[TL_STEP_COUNT + 1], lat[24], verdict[128];
	enum ui_verdict v = ui_pkt_verdict(&u->m, p, verdict, sizeof(verdict));
	bool sel = slot == u->sel;
	enum ui_attr a = sel ? UI_A_SEL : UI_A_NORMAL;
	int x;

	if (u->cols - COL_FIXED - wsum < 40)
		short_verdict(&u->m, p, v, verdict, sizeof(verdict));
	ui_pkt_summary(u, p, what, sizeof(what));
	ui_pkt_progress(p, prog);
	ui_fmt_ns(p->t1 - p->t0, lat, sizeof(lat));
	ui_fill(u, y, 0, u->cols, a);
	ui_putf(u, y, 0, COL_WHAT, a, "%c%5" PRIu64 " %8.4f",
		u->m.filtering && !u->m.only && p->match ? '*' :
		sel ? '>' : ' ', p->pkt,
		(double)(p->t0 > t0 ? p->t0 - t0 : 0) / 1e9);
	ui_put(u, y, COL_WHAT, wsum, a, what);
	x = COL_WHAT + wsum + 1;
	/* The 14 points: out 1..7, a bar, in 7'..1'. */
	ui_putf(u, y, x, 15, a, "%.7s|%.7s", prog, prog + 7);
	for (int s = 0; s < TL_STEP_COUNT; s++)
		if (prog[s] == 'X')
			ui_put(u, y, x + s + (s >= 7), 1, UI_A_DROP, "X");
	x += 16;
	ui_put(u, y, x, 9, a, lat);
	x += 10;
	ui_put(u, y, x, -1, v == UI_V_DROPPED && !sel ? UI_A_DROP : a, verdict);
}

void ui_list_draw(struct ui *u, int y, int h)
{
	size_t n;
	const uint32_t *rows = ui_model_rows(&u->m, &n);
	int wsum = what_width(u);
	bool focus = u->focus == UI_PANE_LIST;
	char head[160];

	if (h < 2)
		return;
	snprintf(head, sizeof(head), "%c  pkt  time(s) %-*s 1234567|7654321 "
		 "latency   verdict", focus ? '*' : ' ', wsum, "what");
	ui_fill(u, y, 0, u->cols, focus ? UI_A_HEAD : UI_A_DIM);
	ui_put(u, y, 0, -1, focus ? UI_A_HEAD : UI_A_DIM, head);
	if (u->list_top > (long)n - (h - 1))
		u->list_top = (long)n - (h - 1);
	if (u->list_top < 0)
		u->list_top = 0;
	for (int r = 0; r < h - 1; r++) {
		long row = u->list_top + r;

		if (row >= (long)n)
			break;
		draw_row(u, y + 1 + r, rows[row], wsum);
	}
	if (!n)
		ui_put(u, y + 1, 2, -1, UI_A_DIM, u->m.filtering ?
		       "no packet matches the filter" :
		       u->o.mode == UI_MODE_LIVE ? "waiting for packets..." :
		       "no packets in this trace");
}
