// SPDX-License-Identifier: GPL-2.0-only
/*
 * The UI's frame: the terminal (taken and always given back), the loop
 * (keys, resize, replay and live timers on the caller's evloop: no busy
 * loop, it sleeps in epoll while nothing happens), the layout, the title
 * and status lines, and the selection every view reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uipriv.h"

const int ui_speeds[] = { 1, 2, 5, 10, 20, 50, 100, 500, 2000 };
const int ui_nspeeds = sizeof(ui_speeds) / sizeof(ui_speeds[0]);

#define LIVE_REFRESH_NS	200000000ull	/* live: redraw at most 5 times/s */

/* The terminal state the signal handlers need: set while curses runs. */
static volatile sig_atomic_t term_taken;
static volatile sig_atomic_t stop_sig;	/* a stop asked for while running */
static void (*fatal_hook)(int sig);
static int wake_fd = -1;
static struct sigaction old_winch;

void ui_restore_terminal(void)
{
	if (term_taken) {
		term_taken = 0;
		endwin();
	}
}

/* A fatal or stopping signal: the terminal back, the caller's cleanup,
 * then the signal's own default action.  A stop (INT, TERM, HUP) while the
 * loop runs only wakes it, so that the caller closes what it opened (the
 * tracer's tracing instance) before ui_exit() ends it with the signal; a
 * second one finds the default action. */
static void on_fatal(int sig)
{
	if ((sig == SIGINT || sig == SIGTERM || sig == SIGHUP) &&
	    wake_fd >= 0 && !stop_sig) {
		int saved = errno;

		stop_sig = sig;
		if (write(wake_fd, "s", 1) < 0)
			stop_sig = sig;	/* the pipe is full: it wakes anyway */
		errno = saved;
		return;
	}
	ui_restore_terminal();
	if (fatal_hook)
		fatal_hook(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

void ui_catch_signals(void (*hook)(int sig))
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV,
				    SIGABRT, SIGBUS, SIGFPE, SIGILL };
	struct sigaction sa;

	fatal_hook = hook;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* SIGWINCH: ncurses' own handler notes the new size (getch then returns
 * KEY_RESIZE); the byte on the pipe wakes the loop so that we ask. */
static void on_winch(int sig)
{
	int saved = errno;
	char b = 'w';

	if (old_winch.sa_handler != SIG_DFL && old_winch.sa_handler != SIG_IGN &&
	    old_winch.sa_handler)
		old_winch.sa_handler(sig);
	if (wake_fd >= 0 && write(wake_fd, &b, 1) < 0) {
		/* Full pipe: a wake-up is already pending. */
	}
	errno = saved;
}

int ui_new(struct ui **up, struct evstore *s, const struct ui_opts *o,
	   char *err)
{
	struct ui *u = calloc(1, sizeof(*u));

	if (!u) {
		snprintf(err, UI_ERRLEN, "out of memory");
		return -ENOMEM;
	}
	u->o = *o;
	u->s = s;
	u->cur = -1;
	u->sel = UI_NONE;
	u->speed = 2;
	u->lines_for = -2;
	u->follow = o->mode == UI_MODE_LIVE;
	u->wake[0] = u->wake[1] = -1;
	if (ui_model_init(&u->m, s)) {
		free(u);
		snprintf(err, UI_ERRLEN, "out of memory indexing %zu events",
			 s->n);
		return -ENOMEM;
	}
	if (s->warning[0])
		ui_set_msg(u, true, "warning: %s", s->warning);
	*up = u;
	return 0;
}

void ui_free(struct ui *u)
{
	if (!u)
		return;
	ui_model_free(&u->m);
	free(u->lines);
	free(u);
}

int ui_add_event(struct ui *u, const struct tl_event *ev)
{
	int rc = evstore_add(u->s, ev);

	if (rc)
		return rc;
	u->pending = true;
	return 0;
}

void ui_set_losses(struct ui *u, const char *text)
{
	snprintf(u->losses, sizeof(u->losses), "%s", text);
}

void ui_set_msg(struct ui *u, bool err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->msg, sizeof(u->msg), fmt, ap);
	va_end(ap);
	u->msg_err = err;
	u->dirty = true;
}

/* ---- selection -------------------------------------------------------- */

/* Keep the selected packet's row in the list's window. */
static void list_follow(struct ui *u)
{
	long row = ui_model_row_of(&u->m, u->sel);
	long h = u->list_h > 1 ? u->list_h - 1 : 1;

	if (row < 0)
		return;
	if (row < u->list_top)
		u->list_top = row;
	else if (row >= u->list_top + h)
		u->list_top = row - h + 1;
}

void ui_select_event(struct ui *u, long ev)
{
	const struct ui_pkt *p;

	u->cur = ev;
	u->detail_top = 0;
	if (ev >= 0 && (p = ui_model_pkt_of(&u->m, (size_t)ev)) != NULL) {
		u->sel = (uint32_t)(p - u->m.pk);
		list_follow(u);
	}
	u->dirty = true;
}

void ui_select_packet(struct ui *u, uint32_t slot)
{
	long ev = ui_model_pkt_first(&u->m, slot);

	u->sel = slot;
	list_follow(u);
	if (ev >= 0) {
		u->cur = ev;
		u->detail_top = 0;
	}
	u->dirty = true;
}

/* ---- replay and live timers ------------------------------------------- */

static uint64_t on_play(struct evloop *l, void *arg)
{
	struct ui *u = arg;
	long next = ui_model_step(&u->m, u->cur, +1);

	(void)l;
	if (next < 0) {
		u->playing = false;
		u->play_timer = 0;
		ui_set_msg(u, false, "end of the trace");
		return 0;
	}
	ui_select_event(u, next);
	return 1000000000ull / (uint64_t)ui_speeds[u->speed];
}

void ui_play(struct ui *u, bool on)
{
	if (u->play_timer > 0)
		evloop_del_timer(u->loop, u->play_timer);
	u->play_timer = 0;
	u->playing = on;
	if (on)
		u->play_timer = evloop_add_timer(u->loop, 1000000000ull /
						 (uint64_t)ui_speeds[u->speed],
						 on_play, u);
	u->dirty = true;
}

/* Take new events into the model (unless the display is paused). */
void ui_live_refresh(struct ui *u)
{
	if (!u->pending || u->paused)
		return;
	if (ui_model_update(&u->m))
		ui_set_msg(u, true, "out of memory: the display stops here");
	u->pending = false;
	if (u->follow && u->m.n)
		ui_select_event(u, ui_model_step(&u->m, (long)u->m.n, -1));
	u->dirty = true;
}

static uint64_t on_live(struct evloop *l, void *arg)
{
	(void)l;
	ui_live_refresh(arg);
	return LIVE_REFRESH_NS;
}

/* ---- drawing helpers -------------------------------------------------- */

/* Bytes of the UTF-8 character at s. */
static int utf8_len(const char *s)
{
	unsigned char c = (unsigned char)*s;

	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0)
		return 2;
	if ((c & 0xf0) == 0xe0)
		return 3;
	return 4;
}

/* With --ascii, the few non-ASCII characters the views and dissectors
 * use, spelled in ASCII. */
static const char *ascii_for(const char *s, int n)
{
	static const struct {
		const char *utf8, *ascii;
	} map[] = {
		{ "\u2192", ">" }, { "\u2190", "<" }, { "\u00b7", "-" },
		{ "\u2026", "." },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if ((int)strlen(map[i].utf8) == n &&
		    memcmp(map[i].utf8, s, (size_t)n) == 0)
			return map[i].ascii;
	return "?";
}

void ui_put(struct ui *u, int y, int x, int w, enum ui_attr a, const char *s)
{
	int col = 0;

	if (y < 0 || y >= u->rows || x >= u->cols)
		return;
	if (w < 0 || x + w > u->cols)
		w = u->cols - x;
	attrset(u->attr[a]);
	move(y, x);
	while (*s && col < w) {
		int n = utf8_len(s);

		if (n == 1) {
			addch((chtype)(unsigned char)(*s >= ' ' ? *s : ' ') |
			      u->attr[a]);
		} else if (u->o.ascii) {
			addstr(ascii_for(s, n));
		} else {
			addnstr(s, n);
		}
		col++;
		for (int k = 0; k < n && *s; k++)
			s++;
	}
	attrset(u->attr[UI_A_NORMAL]);
}

void ui_putf(struct ui *u, int y, int x, int w, enum ui_attr a,
	     const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ui_put(u, y, x, w, a, buf);
}

void ui_fill(struct ui *u, int y, int x, int w, enum ui_attr a)
{
	if (y < 0 || y >= u->rows)
		return;
	if (x + w > u->cols)
		w = u->cols - x;
	attrset(u->attr[a]);
	mvhline(y, x, ' ', w);
	attrset(u->attr[UI_A_NORMAL]);
}

/* The host drawn on the left (side 0: the client) or right (1). */
const char *ui_host_side(struct ui *u, int side)
{
	const struct ui_model *m = &u->m;

	if (side == 1)
		return ui_model_host(m, "office") >= 0 || !m->nhosts ?
		       "office" : m->hosts[m->nhosts > 1];
	/* The selected event's client host, if it is one; else mobile. */
	if (u->cur >= 0) {
		const char *h = u->s->ev[u->cur].host;

		if (strcmp(h, "office") != 0 && ui_model_host(m, h) >= 0)
			return h;
	}
	if (ui_model_host(m, "mobile") >= 0 || !m->nhosts)
		return "mobile";
	return strcmp(m->hosts[0], "office") ? m->hosts[0] :
	       m->hosts[m->nhosts > 1];
}

/* ---- the screen -------------------------------------------------------- */

static void draw_title(struct ui *u)
{
	const char *mode = u->o.mode == UI_MODE_LIVE ? "live" :
			   u->o.mode == UI_MODE_WALK ? "walk" : "view";
	char right[128];

	ui_fill(u, 0, 0, u->cols, UI_A_TITLE);
	if (u->o.mode == UI_MODE_LIVE)
		snprintf(right, sizeof(right), "%s%s %zu ev %zu pkt ",
			 u->paused ? "[PAUSED] " : "",
			 u->follow ? "[follow]" : "", u->s->n, u->m.npk);
	else if (u->o.mode == UI_MODE_VIEW)
		snprintf(right, sizeof(right), "%s %d ev/s %zu ev %zu pkt ",
			 u->playing ? "[playing]" : "[paused]",
			 ui_speeds[u->speed], u->m.n, u->m.npk);
	else
		snprintf(right, sizeof(right), "%s ", u->m.tap ? "TAP" : "TUN");
	ui_putf(u, 0, 0, u->cols - (int)strlen(right) - 1, UI_A_TITLE,
		" tunlab %s: %s%s%s", mode, u->o.title,
		u->m.filtering ? "  filter: " : "", u->m.filter);
	ui_put(u, 0, u->cols - (int)strlen(right), -1, UI_A_TITLE, right);
}

/* The status line says where the selection is, in words a test can read:
 * "event 7/52  step 5 encrypt + UDP send  on mobile  pkt 1". */
static void draw_status(struct ui *u)
{
	char buf[512];
	int y = u->rows - 1;

	ui_fill(u, y, 0, u->cols, UI_A_TITLE);
	if (u->walk.on) {
		ui_walk_status(u, buf, sizeof(buf));
	} else if (u->cur < 0) {
		snprintf(buf, sizeof(buf), " event 0/%zu  (press \u2192 for the "
			 "first)", u->m.n);
	} else {
		const struct tl_event *ev = &u->s->ev[u->cur];
		const struct tl_step *st = tl_step_get(ev->step);

		snprintf(buf, sizeof(buf), " event %ld/%zu  step %s %s  on %s"
			 "  pkt %" PRIu64 "%s", u->cur + 1, u->m.n,
			 st ? st->label : "-", st ? st->name : "(none)",
			 ev->host[0] ? ev->host : "?", ev->pkt,
			 (ev->flags & TL_EVENT_F_DROP) ? "  DROPPED" : "");
	}
	ui_put(u, y, 0, -1, UI_A_TITLE, buf);
}

/* The line above the status: a prompt, a message, or the main keys. */
static void draw_hint(struct ui *u)
{
	int y = u->rows - 2;

	ui_fill(u, y, 0, u->cols, UI_A_NORMAL);
	if (u->prompt != UI_PROMPT_NONE) {
		const char *label = u->prompt == UI_PROMPT_FILTER ?
				    "filter (pcap syntax, empty clears): " :
				    "go to packet number: ";
		int x = (int)strlen(label);

		ui_put(u, y, 0, -1, UI_A_HEAD, label);
		ui_put(u, y, x, -1, UI_A_NORMAL, u->input);
		/* The error goes right above what was typed, whole. */
		if (u->prompt_err[0]) {
			ui_fill(u, y - 1, 0, u->cols, UI_A_ERROR);
			ui_put(u, y - 1, 0, -1, UI_A_ERROR, u->prompt_err);
		}
		move(y, x + (int)u->ilen);
		return;
	}
	if (u->msg[0]) {
		ui_put(u, y, 0, -1, u->msg_err ? UI_A_ERROR : UI_A_HEAD, u->msg);
		return;
	}
	if (u->walk.on)
		ui_put(u, y, 0, -1, UI_A_DIM, "\u2192 next stop  \u2190 back  "
		       "Tab/\u2193\u2191 scroll  ? help  q quit");
	else
		ui_put(u, y, 0, -1, UI_A_DIM, "\u2192/\u2190 event  \u2193/\u2191 "
		       "packet  space play  / filter  Tab pane  s stats  "
		       "? help  q quit");
}

/* Title, path, then list and detail share what is left. */
static void draw_main(struct ui *u)
{
	int y = 1, ph = ui_path_height(u), avail, lh;

	u->path_y = y;
	ui_path_draw(u, y);
	y += ph;
	avail = u->rows - 2 - y;
	if (u->walk.on) {
		u->list_h = 0;
		ui_walk_draw(u, y, avail);
		return;
	}
	lh = avail / 3 + 1;
	if (lh < 3)
		lh = avail > 2 ? 3 : avail;
	u->list_y = y;
	u->list_h = lh;
	list_follow(u);
	ui_list_draw(u, y, lh);
	ui_detail_draw(u, y + lh, avail - lh);
}

static void draw(struct ui *u)
{
	getmaxyx(stdscr, u->rows, u->cols);
	erase();
	curs_set(u->prompt != UI_PROMPT_NONE ? 1 : 0);
	if (u->rows < 10 || u->cols < 40) {
		ui_put(u, 0, 0, -1, UI_A_ERROR, "tunlab: the terminal is too "
		       "small (40x10 at least); q quits");
		refresh();
		u->dirty = false;
		return;
	}
	draw_title(u);
	switch (u->screen) {
	case UI_SCR_MAIN:
		draw_main(u);
		break;
	case UI_SCR_ZOOM:
		ui_detail_draw(u, 1, u->rows - 3);
		break;
	case UI_SCR_STATS:
		ui_stats_draw(u, 1, u->rows - 3);
		break;
	case UI_SCR_HELP:
		ui_help_draw(u, 1, u->rows - 3);
		break;
	}
	draw_status(u);
	draw_hint(u);
	refresh();
	u->dirty = false;
}

/* ---- the terminal ------------------------------------------------------ */

static void setup_attrs(struct ui *u)
{
	static const struct {
		short fg, bg;
		attr_t extra, mono;
	} pairs[UI_A_COUNT] = {
		[UI_A_NORMAL] = { -1, -1, 0, 0 },
		[UI_A_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
		[UI_A_SEL] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
		[UI_A_ADDED] = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE | A_BOLD },
		[UI_A_DROP] = { COLOR_RED, -1, A_BOLD, A_BOLD },
		[UI_A_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD },
		[UI_A_HEAD] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
		[UI_A_DIM] = { -1, -1, A_DIM, A_DIM },
	};
	bool color = u->o.color && !u->o.ascii && has_colors();

	if (color) {
		start_color();
		use_default_colors();
	}
	for (int i = 0; i < UI_A_COUNT; i++) {
		if (color && i != UI_A_NORMAL) {
			init_pair((short)i, pairs[i].fg, pairs[i].bg);
			u->attr[i] = COLOR_PAIR(i) | pairs[i].extra;
		} else {
			u->attr[i] = pairs[i].mono;
		}
	}
}

static void on_stdin(struct evloop *l, int fd, unsigned int events, void *arg)
{
	struct ui *u = arg;
	int ch;

	(void)l;
	(void)fd;
	(void)events;
	while ((ch = getch()) != ERR) {
		int r;

		if (ch == KEY_RESIZE) {
			u->dirty = true;
			continue;
		}
		r = u->prompt != UI_PROMPT_NONE ? ui_prompt_key(u, ch) :
						  ui_key(u, ch);
		if (r & UI_K_REDRAW)
			u->dirty = true;
		if (r & UI_K_QUIT) {
			u->quit = true;
			return;
		}
	}
}

static void on_wake(struct evloop *l, int fd, unsigned int events, void *arg)
{
	struct ui *u = arg;
	char buf[64];

	(void)l;
	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (stop_sig) {
		u->quit = true;
		return;
	}
	/* KEY_RESIZE is waiting in getch's queue now. */
	on_stdin(l, 0, 0, u);
	u->dirty = true;
}

static int take_terminal(struct ui *u, char *err)
{
	struct sigaction sa;

	if (!isatty(0) || !isatty(1)) {
		snprintf(err, UI_ERRLEN, "needs a terminal (standard input and "
			 "output); tunlab export prints a trace as text");
		return -ENOTTY;
	}
	setlocale(LC_ALL, "");
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(err, UI_ERRLEN, "cannot use the terminal (TERM=%s)",
			 getenv("TERM") ? getenv("TERM") : "");
		return -ENOTTY;
	}
	term_taken = 1;
	raw();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	setup_attrs(u);
	if (u->o.mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	if (pipe2(u->wake, O_NONBLOCK | O_CLOEXEC) == 0) {
		wake_fd = u->wake[1];
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_winch;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGWINCH, &sa, &old_winch);
		evloop_add_fd(u->loop, u->wake[0], EV_READ, on_wake, u);
	}
	evloop_add_fd(u->loop, 0, EV_READ, on_stdin, u);
	return 0;
}

static void give_terminal(struct ui *u)
{
	evloop_del_fd(u->loop, 0);
	if (u->wake[0] >= 0) {
		sigaction(SIGWINCH, &old_winch, NULL);
		wake_fd = -1;
		evloop_del_fd(u->loop, u->wake[0]);
		close(u->wake[0]);
		close(u->wake[1]);
		u->wake[0] = u->wake[1] = -1;
	}
	ui_restore_terminal();
}

int ui_exit(int rc)
{
	if (stop_sig) {
		signal(stop_sig, SIG_DFL);
		raise(stop_sig);
	}
	return rc;
}

int ui_run(struct ui *u, struct evloop *loop)
{
	char err[UI_ERRLEN];
	int rc;

	u->loop = loop;
	rc = take_terminal(u, err);
	if (rc) {
		fprintf(stderr, "tunlab: %s\n", err);
		return rc;
	}
	if (u->o.mode == UI_MODE_LIVE)
		u->live_timer = evloop_add_timer(loop, LIVE_REFRESH_NS, on_live,
						 u);
	if (u->walk.on)
		ui_walk_go(u, 0);
	draw(u);
	/* Block until a key, a resize, a replay step or (live) the next
	 * refresh: nothing runs while the screen is idle. */
	while (!u->quit) {
		if (evloop_once(loop, -1) < 0)
			break;
		if (!u->quit && u->dirty)
			draw(u);
	}
	ui_play(u, false);
	if (u->live_timer > 0)
		evloop_del_timer(loop, u->live_timer);
	give_terminal(u);
	return u->walk.on && !u->walk.finished ? 1 : 0;
}
