/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the UI's files share: the state of one UI, the drawing helpers and
 * the views.  Views draw from the state; key handlers (keys.c) change it
 * and return what to do next, never draw.
 */
#ifndef TUNLAB_UI_PRIV_H
#define TUNLAB_UI_PRIV_H

#include <curses.h>
#include <stdbool.h>

#include "model.h"
#include "ui.h"

/* What a key handler asks for. */
enum {
	UI_K_NONE = 0,
	UI_K_REDRAW = 1,
	UI_K_QUIT = 2,
};

enum ui_pane {
	UI_PANE_LIST,
	UI_PANE_DETAIL,
	UI_PANE_COUNT,
};

enum ui_screen {
	UI_SCR_MAIN,		/* path, list, detail */
	UI_SCR_ZOOM,		/* the detail pane alone */
	UI_SCR_STATS,
	UI_SCR_HELP,
};

/* Colour pairs, or attributes without colour. */
enum ui_attr {
	UI_A_NORMAL,
	UI_A_TITLE,		/* title and status bars */
	UI_A_SEL,		/* the selected box, row, event */
	UI_A_ADDED,		/* bytes the step added */
	UI_A_DROP,		/* drops */
	UI_A_ERROR,		/* messages that are errors */
	UI_A_HEAD,		/* headings */
	UI_A_DIM,		/* not seen */
	UI_A_COUNT,
};

enum ui_prompt {
	UI_PROMPT_NONE,
	UI_PROMPT_FILTER,	/* / */
	UI_PROMPT_GOTO,		/* g: a packet number */
};

#define UI_WALK_STOPS	(TL_STEP_COUNT + 2)	/* intro, 14 steps, recap */

struct ui_walk {
	bool on;
	uint32_t slot;		/* the packet walked through */
	int stop;		/* 0 intro, 1..14 step id + 1, 15 recap */
	bool finished;		/* went past the recap */
	char intro[1024];
	ui_export_fn export;
	void *ctx;
};

/* One line of the detail pane. */
enum ui_line_kind {
	UI_L_TEXT,
	UI_L_HEAD,
	UI_L_NOTE,		/* a surprise, or what the step added */
	UI_L_FIELD,		/* a decoded field, indented by depth */
	UI_L_HEX,		/* 16 bytes from off */
};

struct ui_line {
	enum ui_line_kind kind;
	int depth;
	size_t off;		/* UI_L_HEX */
	char text[240];
};

struct ui {
	struct ui_opts o;
	struct evstore *s;
	struct ui_model m;
	struct evloop *loop;
	int rows, cols;
	attr_t attr[UI_A_COUNT];

	long cur;		/* the selected event, -1: before the first */
	uint32_t sel;		/* the selected packet (list), or UI_NONE */
	long list_top;
	int detail_top;
	enum ui_pane focus;
	enum ui_screen screen;
	int page_top;		/* help and stats scroll */

	bool playing;
	int speed;		/* index in ui_speeds */
	long play_timer;

	bool paused;		/* live: display frozen, events still kept */
	bool follow;		/* live: the selection follows new events */
	long live_timer;
	bool pending;		/* live: events not yet in the model */
	char losses[TRACEFILE_LOSSES_TEXT];

	enum ui_prompt prompt;
	char input[UI_FILTER_MAX];
	size_t ilen;
	char prompt_err[UI_ERRBUF];

	char msg[UI_ERRBUF];
	bool msg_err;

	struct ui_walk walk;

	/* The detail pane's lines, rebuilt when the selection changes. */
	struct ui_line *lines;
	int nlines, caplines;
	long lines_for;		/* the event they were built for */
	int lines_walk;		/* ... and the walk stop */
	int lines_cols;		/* ... and the width */
	long hex_ev;		/* the event whose bytes the hex dump shows */
	struct ui_range added[UI_RANGE_MAX];
	int nadded;

	/* Where things were drawn, for the mouse. */
	int list_y, list_h, path_y;
	int wake[2];		/* self-pipe: SIGWINCH */
	bool dirty;
	bool quit;
};

/* Speeds of replay, in events per second. */
extern const int ui_speeds[];
extern const int ui_nspeeds;

/* keys.c */
int ui_key(struct ui *u, int ch);
void ui_help_lines(void (*line)(void *ctx, const char *keys,
				const char *help), void *ctx);
int ui_prompt_key(struct ui *u, int ch);

/* ui.c: drawing helpers */
void ui_put(struct ui *u, int y, int x, int w, enum ui_attr a, const char *s);
void ui_putf(struct ui *u, int y, int x, int w, enum ui_attr a,
	     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void ui_fill(struct ui *u, int y, int x, int w, enum ui_attr a);
void ui_select_event(struct ui *u, long ev);
void ui_select_packet(struct ui *u, uint32_t slot);
void ui_set_msg(struct ui *u, bool err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ui_play(struct ui *u, bool on);
void ui_live_refresh(struct ui *u);
const char *ui_host_side(struct ui *u, int side);

/* path.c */
int ui_path_height(struct ui *u);
void ui_path_draw(struct ui *u, int y);
/* The event shown for a click at (y, x) on the path, or -1. */
long ui_path_click(struct ui *u, int y, int x);

/* list.c */
/* A duration in at most 9 characters: 12.3us, 4.567ms, 1.234s. */
void ui_fmt_ns(uint64_t ns, char *out, size_t n);
void ui_list_draw(struct ui *u, int y, int h);
void ui_pkt_summary(struct ui *u, const struct ui_pkt *p, char *out,
		    size_t n);

/* detail.c */
void ui_line_add(struct ui *u, enum ui_line_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add a paragraph, wrapped at width (a UTF-8 character counts as one). */
void ui_line_wrap(struct ui *u, enum ui_line_kind kind, const char *s,
		  int width);
void ui_detail_build(struct ui *u);
void ui_detail_draw(struct ui *u, int y, int h);

/* stats.c */
void ui_stats_draw(struct ui *u, int y, int h);
void ui_help_draw(struct ui *u, int y, int h);

/* walk.c */
void ui_walk_go(struct ui *u, int stop);
void ui_walk_draw(struct ui *u, int y, int h);
void ui_walk_status(struct ui *u, char *out, size_t n);
/* The lines of a stop without an event: intro, not seen, recap. */
void ui_walk_lines(struct ui *u);

#endif
