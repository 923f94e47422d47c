// SPDX-License-Identifier: GPL-2.0-only
/*
 * The keys: one table binds every key to its handler, and the help screen
 * (`?`) is printed from the same table, so the two cannot drift.  Handlers
 * change the state and return what to do next (UI_K_*); they never draw.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uipriv.h"

#define CTRL(c) ((c) & 0x1f)

struct ui_binding {
	int keys[4];		/* curses key codes; 0 ends the list */
	const char *help;
	int (*fn)(struct ui *u);
};

/* Leave the walk's "follow the newest" and replay when the user moves. */
static void user_moves(struct ui *u)
{
	u->follow = false;
	u->msg[0] = '\0';
}

static int k_next(struct ui *u)
{
	long ev;

	if (u->walk.on) {
		if (u->walk.stop == UI_WALK_STOPS - 1) {
			u->walk.finished = true;
			return UI_K_QUIT;
		}
		ui_walk_go(u, u->walk.stop + 1);
		return UI_K_REDRAW;
	}
	user_moves(u);
	ev = ui_model_step(&u->m, u->cur, +1);
	if (ev < 0)
		ui_set_msg(u, false, "last event: nothing after it%s",
			   u->o.mode == UI_MODE_LIVE ? " yet" : "");
	else
		ui_select_event(u, ev);
	return UI_K_REDRAW;
}

static int k_prev(struct ui *u)
{
	long ev;

	if (u->walk.on) {
		if (u->walk.stop > 0)
			ui_walk_go(u, u->walk.stop - 1);
		return UI_K_REDRAW;
	}
	user_moves(u);
	if (u->cur < 0)
		return UI_K_NONE;
	ev = ui_model_step(&u->m, u->cur, -1);
	ui_select_event(u, ev);	/* -1: back before the first */
	if (ev < 0)
		u->sel = UI_NONE;
	return UI_K_REDRAW;
}

/* Next (dir 1) or previous (-1) packet in the list. */
static int move_packet(struct ui *u, long dir)
{
	size_t n;
	const uint32_t *rows = ui_model_rows(&u->m, &n);
	long row = ui_model_row_of(&u->m, u->sel);

	user_moves(u);
	if (!n)
		return UI_K_NONE;
	if (row < 0)
		row = dir > 0 ? -1 : (long)n;
	row += dir;
	if (row < 0)
		row = 0;
	if (row >= (long)n)
		row = (long)n - 1;
	ui_select_packet(u, rows[row]);
	return UI_K_REDRAW;
}

static int k_next_pkt(struct ui *u)
{
	return move_packet(u, +1);
}

static int k_prev_pkt(struct ui *u)
{
	return move_packet(u, -1);
}

/* Down and Up: the list's next packet, or scroll the detail. */
static int scroll_by(struct ui *u, int lines)
{
	if (u->screen == UI_SCR_HELP || u->screen == UI_SCR_STATS) {
		u->page_top += lines;
		if (u->page_top < 0)
			u->page_top = 0;
		return UI_K_REDRAW;
	}
	if (u->walk.on || u->screen == UI_SCR_ZOOM ||
	    u->focus == UI_PANE_DETAIL) {
		u->detail_top += lines;
		if (u->detail_top > u->nlines - 1)
			u->detail_top = u->nlines - 1;
		if (u->detail_top < 0)
			u->detail_top = 0;
		return UI_K_REDRAW;
	}
	return move_packet(u, lines);
}

static int k_down(struct ui *u)
{
	return scroll_by(u, 1);
}

static int k_up(struct ui *u)
{
	return scroll_by(u, -1);
}

static int k_page_down(struct ui *u)
{
	return scroll_by(u, u->rows / 2 > 1 ? u->rows / 2 : 1);
}

static int k_page_up(struct ui *u)
{
	return scroll_by(u, -(u->rows / 2 > 1 ? u->rows / 2 : 1));
}

static int k_first(struct ui *u)
{
	if (u->walk.on) {
		ui_walk_go(u, 0);
		return UI_K_REDRAW;
	}
	user_moves(u);
	ui_select_event(u, ui_model_step(&u->m, -1, +1));
	return UI_K_REDRAW;
}

static int k_last(struct ui *u)
{
	if (u->walk.on) {
		ui_walk_go(u, UI_WALK_STOPS - 1);
		return UI_K_REDRAW;
	}
	user_moves(u);
	u->follow = u->o.mode == UI_MODE_LIVE;
	ui_select_event(u, ui_model_step(&u->m, (long)u->m.n, -1));
	return UI_K_REDRAW;
}

static int k_play(struct ui *u)
{
	if (u->o.mode == UI_MODE_LIVE) {
		/* The tracer goes on; events wait in the store. */
		u->paused = !u->paused;
		if (!u->paused)
			ui_live_refresh(u);
		ui_set_msg(u, false, "%s", u->paused ? "display paused: events "
			   "are still recorded (space resumes)" :
			   "display resumed");
		return UI_K_REDRAW;
	}
	if (u->walk.on)
		return UI_K_NONE;
	user_moves(u);
	ui_play(u, !u->playing);
	return UI_K_REDRAW;
}

static int set_speed(struct ui *u, int d)
{
	u->speed += d;
	if (u->speed < 0)
		u->speed = 0;
	if (u->speed >= ui_nspeeds)
		u->speed = ui_nspeeds - 1;
	if (u->playing)
		ui_play(u, true);
	ui_set_msg(u, false, "replay speed: %d events per second",
		   ui_speeds[u->speed]);
	return UI_K_REDRAW;
}

static int k_faster(struct ui *u)
{
	return set_speed(u, +1);
}

static int k_slower(struct ui *u)
{
	return set_speed(u, -1);
}

static int open_prompt(struct ui *u, enum ui_prompt p, const char *init)
{
	u->prompt = p;
	snprintf(u->input, sizeof(u->input), "%s", init);
	u->ilen = strlen(u->input);
	u->prompt_err[0] = '\0';
	return UI_K_REDRAW;
}

static int k_filter(struct ui *u)
{
	return open_prompt(u, UI_PROMPT_FILTER, u->m.filter);
}

static int k_goto(struct ui *u)
{
	return open_prompt(u, UI_PROMPT_GOTO, "");
}

/* The next (dir 1) or previous (-1) packet the filter matches. */
static int search(struct ui *u, long dir)
{
	size_t n;
	const uint32_t *rows = ui_model_rows(&u->m, &n);
	long row = ui_model_row_of(&u->m, u->sel);

	if (!u->m.filtering) {
		ui_set_msg(u, true, "no filter to search with: / sets one");
		return UI_K_REDRAW;
	}
	user_moves(u);
	if (row < 0)
		row = dir > 0 ? -1 : (long)n;
	for (row += dir; row >= 0 && row < (long)n; row += dir) {
		if (u->m.pk[rows[row]].match) {
			ui_select_packet(u, rows[row]);
			return UI_K_REDRAW;
		}
	}
	ui_set_msg(u, false, "no more packets match '%s'", u->m.filter);
	return UI_K_REDRAW;
}

static int k_search_next(struct ui *u)
{
	return search(u, +1);
}

static int k_search_prev(struct ui *u)
{
	return search(u, -1);
}

static int k_filter_mode(struct ui *u)
{
	u->m.only = !u->m.only;
	u->m.order_dirty = true;
	ui_set_msg(u, false, "%s", u->m.only ?
		   "filter hides packets that do not match" :
		   "filter marks matching packets with *; n/N jump to them");
	return UI_K_REDRAW;
}

static int k_pane(struct ui *u)
{
	u->focus = (enum ui_pane)((u->focus + 1) % UI_PANE_COUNT);
	return UI_K_REDRAW;
}

static int k_enter(struct ui *u)
{
	if (u->walk.on)
		return k_next(u);
	if (u->focus == UI_PANE_LIST && u->sel != UI_NONE) {
		ui_select_packet(u, u->sel);
		u->focus = UI_PANE_DETAIL;
		return UI_K_REDRAW;
	}
	u->screen = u->screen == UI_SCR_ZOOM ? UI_SCR_MAIN : UI_SCR_ZOOM;
	return UI_K_REDRAW;
}

static int show(struct ui *u, enum ui_screen s)
{
	u->screen = u->screen == s ? UI_SCR_MAIN : s;
	u->page_top = 0;
	return UI_K_REDRAW;
}

static int k_help(struct ui *u)
{
	return show(u, UI_SCR_HELP);
}

static int k_main(struct ui *u)
{
	u->screen = UI_SCR_MAIN;
	return UI_K_REDRAW;
}

static int k_zoom(struct ui *u)
{
	return show(u, UI_SCR_ZOOM);
}

static int k_stats(struct ui *u)
{
	return show(u, UI_SCR_STATS);
}

static int k_export(struct ui *u)
{
	char msg[UI_ERRBUF];

	if (!u->walk.export) {
		ui_set_msg(u, true, "export: tunlab export --format text|jsonl "
			   "TRACE does it from the shell");
		return UI_K_REDRAW;
	}
	if (u->walk.export(u->walk.ctx, msg, sizeof(msg)) == 0)
		ui_set_msg(u, false, "%s", msg);
	else
		ui_set_msg(u, true, "%s", msg);
	return UI_K_REDRAW;
}

static int k_back(struct ui *u)
{
	if (u->screen != UI_SCR_MAIN) {
		u->screen = UI_SCR_MAIN;
		return UI_K_REDRAW;
	}
	if (u->msg[0]) {
		u->msg[0] = '\0';
		return UI_K_REDRAW;
	}
	return UI_K_QUIT;
}

static int k_quit(struct ui *u)
{
	(void)u;
	return UI_K_QUIT;
}

static int k_redraw(struct ui *u)
{
	(void)u;
	clearok(curscr, TRUE);
	return UI_K_REDRAW;
}

static int k_mouse(struct ui *u)
{
	MEVENT me;
	long ev;

	if (getmouse(&me) != OK)
		return UI_K_NONE;
	if (u->screen == UI_SCR_MAIN && !u->walk.on && me.y > u->list_y &&
	    me.y < u->list_y + u->list_h) {
		size_t n;
		const uint32_t *rows = ui_model_rows(&u->m, &n);
		long row = u->list_top + (me.y - u->list_y - 1);

		u->focus = UI_PANE_LIST;
		if (row >= 0 && row < (long)n)
			ui_select_packet(u, rows[row]);
		return UI_K_REDRAW;
	}
	ev = ui_path_click(u, me.y, me.x);
	if (ev >= 0 && !u->walk.on)
		ui_select_event(u, ev);
	return UI_K_REDRAW;
}

static const struct ui_binding bindings[] = {
	{ { KEY_RIGHT, 'l' }, "next event (the walk: next stop)", k_next },
	{ { KEY_LEFT, 'h' }, "previous event (the walk: previous stop)", k_prev },
	{ { KEY_DOWN, 'j' }, "next packet, or scroll the detail pane down", k_down },
	{ { KEY_UP, 'k' }, "previous packet, or scroll the detail pane up", k_up },
	{ { ']' }, "next packet (its first event)", k_next_pkt },
	{ { '[' }, "previous packet", k_prev_pkt },
	{ { KEY_NPAGE }, "half a page down", k_page_down },
	{ { KEY_PPAGE }, "half a page up", k_page_up },
	{ { KEY_HOME }, "first event", k_first },
	{ { KEY_END, 'G' }, "last event (live: follow the newest)", k_last },
	{ { 'g', ':' }, "go to a packet number", k_goto },
	{ { ' ' }, "replay: play or pause; live: pause or resume the display",
	  k_play },
	{ { '+', '=' }, "replay faster", k_faster },
	{ { '-' }, "replay slower", k_slower },
	{ { '/' }, "filter packets (pcap-filter syntax, on any of a packet's "
	  "observations, inner or outer)", k_filter },
	{ { 'n' }, "next packet the filter matches", k_search_next },
	{ { 'N' }, "previous packet the filter matches", k_search_prev },
	{ { 'm' }, "filter: hide the others, or only mark matches with *",
	  k_filter_mode },
	{ { '\t', KEY_BTAB }, "switch pane: packet list, detail", k_pane },
	{ { '\n', '\r', KEY_ENTER }, "open the packet (detail pane); again: "
	  "detail alone", k_enter },
	{ { KEY_F(1), '?' }, "this help", k_help },
	{ { KEY_F(2), 'v' }, "main screen: path, packets, detail", k_main },
	{ { KEY_F(3), 'z' }, "the detail pane alone", k_zoom },
	{ { KEY_F(4), 's' }, "statistics: per step, drops, losses", k_stats },
	{ { KEY_F(5), 'e' }, "the walk: export the trace", k_export },
	{ { CTRL('l') }, "redraw the screen", k_redraw },
	{ { KEY_MOUSE }, "click: select a packet or a box", k_mouse },
	{ { 'q', 27 }, "back (from help, stats, zoom); on the main screen: "
	  "quit", k_back },
	{ { 'Q', KEY_F(10), CTRL('c') }, "quit", k_quit },
};

#define N_BINDINGS (sizeof(bindings) / sizeof(bindings[0]))

int ui_key(struct ui *u, int ch)
{
	for (size_t i = 0; i < N_BINDINGS; i++)
		for (int k = 0; k < 4 && bindings[i].keys[k]; k++)
			if (bindings[i].keys[k] == ch)
				return bindings[i].fn(u);
	return UI_K_NONE;
}

/* A key's name as the help shows it. */
static void keyname_of(int ch, char *out, size_t n)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
		{ KEY_RIGHT, "Right" }, { KEY_LEFT, "Left" }, { KEY_DOWN, "Down" },
		{ KEY_UP, "Up" }, { KEY_NPAGE, "PgDn" }, { KEY_PPAGE, "PgUp" },
		{ KEY_HOME, "Home" }, { KEY_END, "End" }, { ' ', "Space" },
		{ '\t', "Tab" }, { KEY_BTAB, "S-Tab" }, { '\n', "Enter" },
		{ '\r', "Return" }, { KEY_ENTER, "KP-Enter" }, { 27, "Esc" },
		{ KEY_MOUSE, "Mouse" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].key == ch) {
			snprintf(out, n, "%s", names[i].name);
			return;
		}
	}
	if (ch >= KEY_F(1) && ch <= KEY_F(12))
		snprintf(out, n, "F%d", ch - KEY_F0);
	else if (ch < 0x20)
		snprintf(out, n, "C-%c", ch + 'a' - 1);
	else
		snprintf(out, n, "%c", ch);
}

void ui_help_lines(void (*line)(void *ctx, const char *keys,
				const char *help), void *ctx)
{
	for (size_t i = 0; i < N_BINDINGS; i++) {
		char keys[64] = "", name[16];
		size_t len = 0;

		for (int k = 0; k < 4 && bindings[i].keys[k]; k++) {
			keyname_of(bindings[i].keys[k], name, sizeof(name));
			len += (size_t)snprintf(keys + len, sizeof(keys) - len,
						"%s%s", k ? " " : "", name);
		}
		line(ctx, keys, bindings[i].help);
	}
}

/* Apply what the prompt holds; 0, or -1 with the error left in place. */
static int prompt_apply(struct ui *u)
{
	char err[UI_ERRBUF];

	if (u->prompt == UI_PROMPT_FILTER) {
		if (ui_model_filter(&u->m, u->input, err)) {
			snprintf(u->prompt_err, sizeof(u->prompt_err), "%s", err);
			return -1;
		}
		if (u->m.filtering)
			ui_set_msg(u, false, "%zu of %zu packets match '%s'",
				   u->m.nmatch, u->m.npk, u->m.filter);
		else
			ui_set_msg(u, false, "filter cleared");
		if (u->cur >= 0 && !ui_model_visible(&u->m, (size_t)u->cur))
			ui_select_event(u, ui_model_step(&u->m, u->cur, +1));
		return 0;
	} else {
		char *end;
		unsigned long long pkt = strtoull(u->input, &end, 10);
		uint32_t slot = ui_model_find(&u->m, pkt);

		if (end == u->input || *end || slot == UI_NONE) {
			snprintf(u->prompt_err, sizeof(u->prompt_err),
				 "no packet '%s' in the trace", u->input);
			return -1;
		}
		user_moves(u);
		ui_select_packet(u, slot);
		return 0;
	}
}

int ui_prompt_key(struct ui *u, int ch)
{
	switch (ch) {
	case 27:
	case CTRL('c'):
		u->prompt = UI_PROMPT_NONE;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (prompt_apply(u) == 0)
			u->prompt = UI_PROMPT_NONE;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (u->ilen)
			u->input[--u->ilen] = '\0';
		u->prompt_err[0] = '\0';
		break;
	case CTRL('u'):
		u->ilen = 0;
		u->input[0] = '\0';
		break;
	default:
		if (ch >= ' ' && ch < 127 && u->ilen + 1 < sizeof(u->input)) {
			u->input[u->ilen++] = (char)ch;
			u->input[u->ilen] = '\0';
			u->prompt_err[0] = '\0';
		}
		break;
	}
	return UI_K_REDRAW;
}
