// SPDX-License-Identifier: GPL-2.0-only
/*
 * Two pages: the statistics (per step: observations, packets, drops and
 * the latency from the step before, min/median/max; verdicts; drops by
 * reason; what the sources lost) and the help, printed from the key table.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "uipriv.h"

/* A page is drawn line by line, from the u->page_top-th line on. */
struct page {
	struct ui *u;
	int y, h, line;
};

static void page_line(struct page *pg, enum ui_attr a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void page_line(struct page *pg, enum ui_attr a, const char *fmt, ...)
{
	int width = pg->u->cols - 2;
	char buf[512], *p = buf;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Long lines wrap at a space, continued with an indent. */
	do {
		int r = pg->line++ - pg->u->page_top, len = (int)strlen(p);
		int cut = len;

		if (len > width) {
			cut = width;
			while (cut > 8 && p[cut] != ' ')
				cut--;
		}
		if (r >= 0 && r < pg->h)
			ui_putf(pg->u, pg->y + r, p == buf ? 1 : 3, cut, a,
				"%.*s", cut, p);
		p += cut;
		while (*p == ' ')
			p++;
		width = pg->u->cols - 4;
	} while (*p);
}

/* A latency in the table's units. */
static const char *lat(uint64_t ns, char *buf, size_t n)
{
	ui_fmt_ns(ns, buf, n);
	return buf;
}

static void step_rows(struct page *pg, const struct ui_stats *st)
{
	page_line(pg, UI_A_HEAD, "%-3s %-25s %7s %7s %5s %8s %8s %8s",
		  "", "step", "events", "packets", "drops", "min", "median",
		  "max");
	for (int s = 0; s < TL_STEP_COUNT; s++) {
		const struct ui_step_stat *ss = &st->step[s];
		char a[16], b[16], c[16];

		if (ss->nlat)
			page_line(pg, ss->drops ? UI_A_DROP : UI_A_NORMAL,
				  "%-3s %-25s %7" PRIu64 " %7" PRIu64 " %5" PRIu64
				  " %8s %8s %8s", tl_steps[s].label,
				  tl_steps[s].name, ss->events, ss->packets,
				  ss->drops, lat(ss->lat_min, a, sizeof(a)),
				  lat(ss->lat_med, b, sizeof(b)),
				  lat(ss->lat_max, c, sizeof(c)));
		else
			page_line(pg, ss->events ? UI_A_NORMAL : UI_A_DIM,
				  "%-3s %-25s %7" PRIu64 " %7" PRIu64 " %5" PRIu64
				  " %8s %8s %8s", tl_steps[s].label,
				  tl_steps[s].name, ss->events, ss->packets,
				  ss->drops, "-", "-", "-");
	}
}

void ui_stats_draw(struct ui *u, int y, int h)
{
	struct page pg = { u, y, h, 0 };
	struct ui_stats st;

	if (ui_model_stats(&u->m, &st)) {
		ui_put(u, y, 1, -1, UI_A_ERROR, "out of memory");
		return;
	}
	page_line(&pg, UI_A_HEAD, "Statistics%s%s  (q back, \u2193\u2191 scroll)",
		  u->m.filtering && u->m.only ? " of the packets matching " : "",
		  u->m.filtering && u->m.only ? u->m.filter : "");
	page_line(&pg, UI_A_NORMAL, "events: %" PRIu64 " (%" PRIu64 " not tied "
		  "to a packet, %" PRIu64 " without a step)", st.events,
		  st.untied, st.nostep);
	page_line(&pg, UI_A_NORMAL, "packets: %" PRIu64 ": %" PRIu64
		  " delivered, %" PRIu64 " taken by the far kernel, %" PRIu64
		  " dropped, %" PRIu64 " part way", st.packets, st.delivered,
		  st.taken, st.dropped, st.partial);
	step_rows(&pg, &st);
	page_line(&pg, UI_A_DIM, "Latency: from the packet's first point at "
		  "the step before to its first point at this step.");
	page_line(&pg, UI_A_NORMAL, "%s", "");
	page_line(&pg, UI_A_HEAD, "Drops by reason");
	if (!st.ndrops)
		page_line(&pg, UI_A_DIM, "  none");
	for (int i = 0; i < st.ndrops; i++)
		page_line(&pg, UI_A_DROP, "  %8" PRIu64 "  %s", st.drops[i].n,
			  st.drops[i].why);
	if (st.other_drops)
		page_line(&pg, UI_A_DROP, "  %8" PRIu64 "  (other reasons)",
			  st.other_drops);
	page_line(&pg, UI_A_NORMAL, "%s", "");
	page_line(&pg, UI_A_HEAD, "Losses of the sources");
	if (u->losses[0])
		page_line(&pg, UI_A_NORMAL, "  %s", u->losses);
	else
		page_line(&pg, UI_A_DIM, "  not known");
	if (u->s->warning[0])
		page_line(&pg, UI_A_ERROR, "  warning: %s", u->s->warning);
}

/* One binding: its keys, then its help, wrapped under itself. */
static void help_row(void *ctx, const char *keys, const char *help)
{
	struct page *pg = ctx;
	int room = pg->u->cols - 26;
	const char *kp = keys;

	if (room < 20)
		room = 20;
	while (*help) {
		int len = (int)strlen(help), cut = len;

		if (len > room) {
			cut = room;
			while (cut > 0 && help[cut] != ' ')
				cut--;
			if (!cut)
				cut = room;
		}
		page_line(pg, UI_A_NORMAL, "%-24s %.*s", kp, cut, help);
		kp = "";
		help += cut;
		while (*help == ' ')
			help++;
	}
}

void ui_help_draw(struct ui *u, int y, int h)
{
	struct page pg = { u, y, h, 0 };

	page_line(&pg, UI_A_HEAD, "Keys  (q back, \u2193\u2191 scroll)");
	page_line(&pg, UI_A_NORMAL, "%s", "");
	ui_help_lines(help_row, &pg);
	page_line(&pg, UI_A_NORMAL, "%s", "");
	page_line(&pg, UI_A_DIM, "Progress column: the step's number where "
		  "the packet was seen, X where it was dropped, . where not "
		  "seen (1..7 out | 7'..1' in).");
}
