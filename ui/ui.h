/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The terminal UI, as the commands see it (cli/cmd-ui.c): tunlab view (a
 * saved trace), tunlab ui (live, the tracer feeding it) and tunlab walk
 * (one packet, stop by stop).  The UI reads an evstore; the caller owns
 * the store, the tracer and the lab.  docs/ui.md describes the screens.
 */
#ifndef TUNLAB_UI_H
#define TUNLAB_UI_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "evloop.h"
#include "evstore.h"

#define UI_ERRLEN 512

enum ui_mode {
	UI_MODE_VIEW,		/* replay of a trace file */
	UI_MODE_LIVE,		/* events from a running tracer */
	UI_MODE_WALK,		/* the guided walkthrough of one packet */
};

struct ui_opts {
	enum ui_mode mode;
	const char *title;	/* "labs/samples/tun.pcapng", "lab tl3fa2" */
	bool ascii;		/* --ascii: ASCII only, no colour */
	bool color;		/* false with NO_COLOR set */
	bool mouse;		/* click a packet or a box */
};

/* Walk: write the trace somewhere and say where (the recap's "e" key);
 * 0, or -1 with the reason in msg. */
typedef int (*ui_export_fn)(void *ctx, char *msg, size_t n);

struct ui;

/* A UI over s, which stays the caller's.  0 or a negative errno with the
 * reason in err. */
int ui_new(struct ui **u, struct evstore *s, const struct ui_opts *o,
	   char *err);

/* Live: add one observation (copied into the store).  The display takes
 * it in at its next refresh, or when unpaused. */
int ui_add_event(struct ui *u, const struct tl_event *ev);

/* What the sources lost (live: so far; view: as the trace recorded it),
 * a line for the stats view. */
void ui_set_losses(struct ui *u, const char *text);

/* Walk: follow packet pkt through its 14 points; intro is the first
 * page's text; export backs the recap's offer. */
int ui_walk_setup(struct ui *u, uint64_t pkt, const char *intro,
		  ui_export_fn export, void *ctx);

/* Show it, on loop (which also carries the tracer's sources in live
 * mode) until the user quits.  Returns 0, or 1 if the walk was left before
 * its end. */
int ui_run(struct ui *u, struct evloop *loop);

void ui_free(struct ui *u);

/* Catch SIGINT, SIGTERM, SIGHUP, SIGQUIT and the crash signals: restore
 * the terminal if the UI has it, call hook (may be NULL; it must be
 * async-signal-safe), then die of the signal as if not caught.  A first
 * INT, TERM or HUP while ui_run runs only ends the loop (see ui_exit). */
void ui_catch_signals(void (*hook)(int sig));

/* Give the terminal back (endwin); safe to call at any time, twice. */
void ui_restore_terminal(void);

/* After ui_run and the caller's cleanup: if a stop signal (INT, TERM,
 * HUP) ended the loop, die of it now (the shell sees 128+N); else rc. */
int ui_exit(int rc);

#endif
