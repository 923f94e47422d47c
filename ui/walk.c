// SPDX-License-Identifier: GPL-2.0-only
/*
 * The walk: one packet, stop by stop.  Stop 0 says what is about to
 * happen, stops 1..14 are the packet's steps 1..7 out and 7'..1' in (each
 * with its explanation, this packet's values and bytes), the last stop
 * recaps the trip with its times and offers to export the trace.  The
 * right arrow goes on (and past the recap, ends the walk), the left one
 * goes back.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "uipriv.h"

int ui_walk_setup(struct ui *u, uint64_t pkt, const char *intro,
		  ui_export_fn export, void *ctx)
{
	uint32_t slot = ui_model_find(&u->m, pkt);

	if (slot == UI_NONE)
		return -1;
	u->walk.on = true;
	u->walk.slot = slot;
	u->walk.stop = 0;
	u->walk.export = export;
	u->walk.ctx = ctx;
	snprintf(u->walk.intro, sizeof(u->walk.intro), "%s", intro);
	u->sel = slot;
	return 0;
}

void ui_walk_go(struct ui *u, int stop)
{
	long ev = -1;

	if (stop < 0)
		stop = 0;
	if (stop >= UI_WALK_STOPS)
		stop = UI_WALK_STOPS - 1;
	u->walk.stop = stop;
	if (stop >= 1 && stop <= TL_STEP_COUNT)
		ev = ui_model_pkt_at_step(&u->m, u->walk.slot,
					  (unsigned int)(stop - 1));
	u->cur = ev;
	u->detail_top = 0;
	u->msg[0] = '\0';
	if (stop == UI_WALK_STOPS - 1 && u->walk.export)
		ui_set_msg(u, false, "e exports the trace; \u2192 ends the walk");
	u->dirty = true;
}

void ui_walk_status(struct ui *u, char *out, size_t n)
{
	int stop = u->walk.stop;

	if (stop == 0) {
		snprintf(out, n, " walk %d/%d  intro", stop + 1, UI_WALK_STOPS);
	} else if (stop == UI_WALK_STOPS - 1) {
		snprintf(out, n, " walk %d/%d  recap", stop + 1, UI_WALK_STOPS);
	} else {
		const struct tl_step *st = &tl_steps[stop - 1];
		const char *host = u->cur >= 0 ? u->s->ev[u->cur].host :
				   "(not seen)";

		snprintf(out, n, " walk %d/%d  step %s %s  on %s", stop + 1,
			 UI_WALK_STOPS, st->label, st->name, host);
	}
}

/* The recap: every point with its host and the time from the one
 * before, and the whole trip's latency. */
static void recap_lines(struct ui *u, int width)
{
	const struct ui_pkt *p = &u->m.pk[u->walk.slot];
	uint64_t prev = 0;
	char verdict[128];

	ui_pkt_verdict(&u->m, p, verdict, sizeof(verdict));
	ui_line_add(u, UI_L_HEAD, "Recap: packet %" PRIu64 " (%s). From first "
		    "to last point: %.3f ms; %s.", p->pkt,
		    u->m.tap ? "TAP" : "TUN", (double)(p->t1 - p->t0) / 1e6,
		    verdict);
	for (int s = 0; s < TL_STEP_COUNT; s++) {
		long ev = ui_model_pkt_at_step(&u->m, u->walk.slot,
					       (unsigned int)s);
		const struct tl_event *e;

		if (ev < 0) {
			ui_line_add(u, UI_L_NOTE, "  %-3s %-26s not seen",
				    tl_steps[s].label, tl_steps[s].name);
			continue;
		}
		e = &u->s->ev[ev];
		ui_line_add(u, UI_L_TEXT, "  %-3s %-26s %-8s %+10.3f ms  %u bytes",
			    tl_steps[s].label, tl_steps[s].name, e->host,
			    prev ? ((double)e->ts_ns - (double)prev) / 1e6 : 0.0,
			    e->len);
		prev = e->ts_ns;
	}
	ui_line_wrap(u, UI_L_TEXT, "Inside the tunnel the packet kept its own "
		     "addresses; on the wire only the outer IP and UDP headers "
		     "and the tunnel header could be read, the rest was "
		     "ciphertext.", width);
	if (u->walk.export)
		ui_line_add(u, UI_L_TEXT, "e: export the trace (pcapng and "
			    "the text narrative of tunlab export).");
	ui_line_add(u, UI_L_TEXT, "\u2192: end the walk.  \u2190: back.");
}

void ui_walk_lines(struct ui *u)
{
	int width = u->cols - 2, stop = u->walk.stop;

	if (stop == 0) {
		ui_line_add(u, UI_L_HEAD, "The walk: one packet through the VPN");
		ui_line_wrap(u, UI_L_TEXT, u->walk.intro, width);
		ui_line_add(u, UI_L_TEXT, "%s", "");
		ui_line_add(u, UI_L_TEXT, "\u2192 goes on, \u2190 goes back, q "
			    "leaves (the lab is removed either way).");
	} else if (stop == UI_WALK_STOPS - 1) {
		recap_lines(u, width);
	} else {
		const struct tl_step *st = &tl_steps[stop - 1];

		ui_line_add(u, UI_L_HEAD, "Step %s %s: not seen for this packet",
			    st->label, st->name);
		ui_line_wrap(u, UI_L_TEXT, "No source observed this packet "
			     "here (see docs/tracer.md: which points a packet "
			     "can have); the step still happened or the packet "
			     "went another way.", width);
		ui_line_add(u, UI_L_HEAD, "What happens at step %s:", st->label);
		ui_line_wrap(u, UI_L_TEXT, st->explain, width);
	}
}

void ui_walk_draw(struct ui *u, int y, int h)
{
	int stop = u->walk.stop;

	if (stop >= 1 && stop <= TL_STEP_COUNT) {
		const struct tl_step *st = &tl_steps[stop - 1];

		ui_putf(u, y, 0, -1, UI_A_HEAD, "Stop %d of %d: step %s of 7 %s",
			stop + 1, UI_WALK_STOPS, st->label,
			st->dir == TL_DIR_OUT ? "on the way out" :
			"on the way in, on the far host");
		y++;
		h--;
	}
	ui_detail_draw(u, y, h);
}
