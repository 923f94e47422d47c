// SPDX-License-Identifier: GPL-2.0-only
/*
 * The detail pane: the selected observation.  Where it was (step, host,
 * device), how long after the step before, how the tracer tied it (the
 * basis), what the source said (ev->detail), the surprises worth a word
 * (a route cached at connect(), a re-queried route, a GSO super-packet, a
 * checksum left to the card), the decoded headers, a hex dump with the
 * bytes this step added highlighted, and the step's explanation with this
 * packet's own values.  The walk shows the same lines, explanation first.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect.h"
#include "uipriv.h"

#define HEX_PER_LINE 16

static struct ui_line *add_line(struct ui *u, enum ui_line_kind kind,
				int depth)
{
	struct ui_line *l;

	if (u->nlines == u->caplines) {
		int cap = u->caplines ? 2 * u->caplines : 128;
		struct ui_line *grown = realloc(u->lines, (size_t)cap *
						sizeof(*grown));

		if (!grown)
			return NULL;
		u->lines = grown;
		u->caplines = cap;
	}
	l = &u->lines[u->nlines++];
	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->depth = depth;
	return l;
}

void ui_line_add(struct ui *u, enum ui_line_kind kind, const char *fmt, ...)
{
	struct ui_line *l = add_line(u, kind, 0);
	va_list ap;

	if (!l)
		return;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
}

void ui_line_wrap(struct ui *u, enum ui_line_kind kind, const char *s,
			int width)
{
	if (width < 20)
		width = 20;
	while (*s) {
		int col = 0, brk = -1, i = 0;

		while (s[i] && col < width) {
			if (s[i] == ' ')
				brk = i;
			if (((unsigned char)s[i] & 0xc0) != 0x80)
				col++;
			i++;
		}
		if (s[i] && brk > 0)
			i = brk;
		ui_line_add(u, kind, "%.*s", i, s);
		s += i;
		while (*s == ' ')
			s++;
	}
}

/* The sink for the decoded headers: one line per protocol and field;
 * notes about checksums and offloads are kept for the surprises too. */
struct tree_ctx {
	struct ui *u;
	bool csum_offloaded;
	bool tso;
};

static void tree_emit(void *ctx, const struct dissect_field *f)
{
	struct tree_ctx *t = ctx;
	struct ui_line *l;

	if (f->meaning && strstr(f->meaning, "offloaded"))
		t->csum_offloaded = true;
	if (f->name && strstr(f->name, ".tso"))
		t->tso = true;
	l = add_line(t->u, f->kind == DISSECT_PROTO ? UI_L_HEAD :
		     f->kind == DISSECT_NOTE ? UI_L_NOTE : UI_L_FIELD,
		     (int)f->depth);
	if (!l)
		return;
	if (f->kind == DISSECT_PROTO)
		snprintf(l->text, sizeof(l->text), "%s%s%s  [%zu+%zu]",
			 f->label, f->value[0] ? ", " : "", f->value, f->off,
			 f->len);
	else if (f->kind == DISSECT_NOTE)
		snprintf(l->text, sizeof(l->text), "[%s]", f->value);
	else
		snprintf(l->text, sizeof(l->text), "%s: %s%s%s%s", f->label,
			 f->value, f->meaning ? " (" : "",
			 f->meaning ? f->meaning : "", f->meaning ? ")" : "");
}

/* The route a routing event names: "... ==> dev tl3fa2m-tun ...". */
static void route_dev(const char *detail, char *out, size_t n)
{
	const char *p = strstr(detail, "==> dev ");

	out[0] = '\0';
	if (!p && (p = strstr(detail, ", dev ")))
		p += 2;
	else if (p)
		p += 4;
	if (p)
		snprintf(out, n, "%.*s", (int)strcspn(p + 4, " ),"), p + 4);
}

/* A sentence with this packet's own values, for the step's explanation. */
static void values_line(struct ui *u, const struct tl_event *ev, int width)
{
	char dev[TL_DEV_MAX + 8], buf[512];

	switch (ev->step) {
	case TL_STEP_APP_SEND:
	case TL_STEP_APP_RECV:
		snprintf(buf, sizeof(buf), "Here: %s (%s on %s) %s %u bytes: %s",
			 ev->dev, tl_source_name(ev->source), ev->host,
			 ev->step == TL_STEP_APP_SEND ? "handed over" : "got",
			 ev->len, ev->detail);
		break;
	case TL_STEP_ROUTE_TUN:
	case TL_STEP_ROUTE_WIRE:
	case TL_STEP_DELIVER_UDP:
	case TL_STEP_ROUTE_LOCAL:
		route_dev(ev->detail, dev, sizeof(dev));
		snprintf(buf, sizeof(buf), "Here: on %s the route chose %s%s "
			 "(%s)", ev->host, dev[0] ? "device " : "the way shown",
			 dev, ev->detail);
		break;
	case TL_STEP_TUN_DRIVER_OUT:
	case TL_STEP_TUN_DRIVER_IN:
	case TL_STEP_WIRE_OUT:
	case TL_STEP_WIRE_IN:
		snprintf(buf, sizeof(buf), "Here: %u bytes on %s's device %s "
			 "(%s)%s%s", ev->len, ev->host, ev->dev,
			 ev->link == TL_LINK_ETH ? "an Ethernet frame" :
			 ev->link == TL_LINK_IP ? "a bare IP packet" :
			 "seen by the kernel", ev->detail[0] ? ": " : "",
			 ev->detail);
		break;
	default:
		snprintf(buf, sizeof(buf), "Here: the daemon on %s: %s", ev->host,
			 ev->detail[0] ? ev->detail : "(no detail)");
		break;
	}
	ui_line_wrap(u, UI_L_TEXT, buf, width);
}

/* The surprises: what a student would not expect from the textbook. */
static void surprises(struct ui *u, const struct tl_event *ev,
		      const struct tree_ctx *t, int width)
{
	if (ev->flags & TL_EVENT_F_CACHED_ROUTE)
		ui_line_wrap(u, UI_L_NOTE, "! Route cached at connect(): this "
			    "socket is connected, so the kernel used the route "
			    "it looked up once at connect() instead of looking "
			    "it up for this packet.", width);
	if (ev->flags & TL_EVENT_F_REQUERIED)
		ui_line_wrap(u, UI_L_NOTE, "! Re-queried: the kernel took this "
			    "step without a lookup the tracepoints could see "
			    "(early demux on the way in); the tracer asked the "
			    "routing table the same question afterwards.", width);
	if ((ev->flags & TL_EVENT_F_GSO) || t->tso)
		ui_line_wrap(u, UI_L_NOTE, "! GSO super-packet: the stack handed "
			    "down one big packet that the device (or the kernel "
			    "just before it) cuts into several on the wire.",
			    width);
	if (t->csum_offloaded)
		ui_line_wrap(u, UI_L_NOTE, "! Checksum offloaded: the checksum "
			    "holds only the pseudo-header's sum; the network "
			    "card (here the veth driver) is trusted to finish "
			    "it, so a capture here shows it \"wrong\".", width);
	if (ev->flags & TL_EVENT_F_TRUNCATED)
		ui_line_add(u, UI_L_NOTE, "! Only %u of %u bytes were kept (snaplen).",
		     ev->caplen, ev->len);
	if (ev->flags & TL_EVENT_F_DROP) {
		char why[64];

		ui_drop_reason(ev, why, sizeof(why));
		ui_line_add(u, UI_L_NOTE, "! DROPPED here: %s", why);
	}
}

/* Where, when, how tied: the first lines. */
static void head_lines(struct ui *u, const struct tl_event *ev, long i)
{
	const struct tl_step *st = tl_step_get(ev->step);
	long prev = ui_model_prev_step(&u->m, (size_t)i);
	char since[96] = "";

	if (st)
		ui_line_add(u, UI_L_HEAD, "Step %s %s (%s, %s space) on %s: %s %s",
		     st->label, st->name, st->dir == TL_DIR_OUT ? "out" : "in",
		     st->space == TL_SPACE_USER ? "user" : "kernel", ev->host,
		     tl_source_name(ev->source), ev->dev);
	else
		ui_line_add(u, UI_L_HEAD, "No step: %s on %s: %s",
		     tl_source_name(ev->source), ev->host, ev->dev);
	if (prev >= 0) {
		const struct tl_event *pe = &u->s->ev[prev];

		snprintf(since, sizeof(since), "+%.3f ms since step %s (%s)",
			 (double)(ev->ts_ns - pe->ts_ns) / 1e6,
			 tl_steps[pe->step].label, pe->host);
	} else {
		snprintf(since, sizeof(since), "first point of its packet");
	}
	ui_line_add(u, UI_L_TEXT, "packet %" PRIu64 "  event %ld  %s  tied by: %s  "
	     "%u of %u bytes", ev->pkt, i + 1, since, tl_basis_name(ev->basis),
	     ev->caplen, ev->len);
	if (ev->detail[0])
		ui_line_add(u, UI_L_TEXT, "detail: %s", ev->detail);
}

/* The hex dump: 16 bytes a line (the view highlights added bytes). */
static void hex_lines(struct ui *u, const struct tl_event *ev)
{
	for (size_t off = 0; off < ev->caplen; off += HEX_PER_LINE) {
		struct ui_line *l = add_line(u, UI_L_HEX, 0);

		if (l)
			l->off = off;
	}
}

static void explain_lines(struct ui *u, const struct tl_event *ev, int width)
{
	const struct tl_step *st = tl_step_get(ev->step);

	if (!st)
		return;
	ui_line_add(u, UI_L_HEAD, "What happens at step %s, %s:", st->label, st->name);
	ui_line_wrap(u, UI_L_TEXT, st->explain, width);
	values_line(u, ev, width);
}

/* The bytes to show for event i: its own; for step 6, which the kernel's
 * tracepoints see without bytes, the frame the same packet left with at
 * step 7 (the headers step 6 added are in it).  The event, or -1. */
static long bytes_of(struct ui *u, long i)
{
	const struct tl_event *ev = &u->s->ev[i];
	const struct ui_pkt *p = ui_model_pkt_of(&u->m, (size_t)i);
	long j;

	if (ev->caplen && ev->link != TL_LINK_NONE)
		return i;
	if (ev->step != TL_STEP_ROUTE_WIRE || !p)
		return -1;
	j = ui_model_pkt_at_step(&u->m, (uint32_t)(p - u->m.pk),
				 TL_STEP_WIRE_OUT);
	if (j < 0 || !u->s->ev[j].caplen ||
	    strcmp(u->s->ev[j].host, ev->host) != 0)
		return -1;
	return j;
}

static void decode_lines(struct ui *u, const struct tl_event *ev,
			 struct tree_ctx *t)
{
	struct dissect_sink sink = { tree_emit, t };
	long bi = bytes_of(u, u->cur);
	struct tl_event as;
	const char *what;

	u->hex_ev = bi;
	if (bi < 0) {
		if (ev->caplen)
			ui_line_add(u, UI_L_TEXT, "(%u bytes of app data, not decoded)",
			     ev->caplen);
		return;
	}
	if (bi != u->cur)
		ui_line_add(u, UI_L_TEXT, "No bytes here (the kernel's tracepoint "
			    "has none); the frame as it left at step %s:",
			    tl_steps[u->s->ev[bi].step].label);
	/* The bytes, with the step of the event shown. */
	as = u->s->ev[bi];
	as.step = ev->step;
	ev = &u->s->ev[bi];
	u->nadded = ui_added_bytes(&as, u->added, UI_RANGE_MAX, &what);
	if (u->nadded) {
		char ranges[128] = "";
		size_t len = 0;

		for (int k = 0; k < u->nadded; k++)
			len += (size_t)snprintf(ranges + len, sizeof(ranges) - len,
						"%s%zu-%zu", k ? ", " : "",
						u->added[k].off, u->added[k].off +
						u->added[k].len - 1);
		ui_line_add(u, UI_L_NOTE, "This step added the %s: bytes %s "
		     "(highlighted below)", what, ranges);
	}
	dissect_packet(ev->data, ev->caplen, ev->len, ev->link, &sink, NULL);
}

void ui_detail_build(struct ui *u)
{
	int width = u->cols - 2;
	struct tree_ctx t = { .u = u };
	const struct tl_event *ev;
	int tree_start;

	if (u->lines_for == u->cur && u->lines_walk == u->walk.stop &&
	    u->lines_cols == u->cols && u->nlines)
		return;
	u->nlines = 0;
	u->nadded = 0;
	u->hex_ev = -1;
	u->lines_for = u->cur;
	u->lines_walk = u->walk.stop;
	u->lines_cols = u->cols;
	if (u->walk.on && u->cur < 0) {
		ui_walk_lines(u);
		return;
	}
	if (u->cur < 0) {
		ui_line_add(u, UI_L_TEXT, "No event selected: \u2192 steps through the "
		     "events one by one, \u2193 picks a packet, ? lists the keys.");
		return;
	}
	ev = &u->s->ev[u->cur];
	head_lines(u, ev, u->cur);
	if (u->walk.on)
		explain_lines(u, ev, width);
	tree_start = u->nlines;
	decode_lines(u, ev, &t);
	/* Surprises go right after the head, where they are seen; the tree
	 * told us about the checksum. */
	if (t.csum_offloaded || t.tso || (ev->flags & (TL_EVENT_F_CACHED_ROUTE |
	    TL_EVENT_F_REQUERIED | TL_EVENT_F_GSO | TL_EVENT_F_TRUNCATED |
	    TL_EVENT_F_DROP))) {
		int before = u->nlines, n;
		struct ui_line *tmp;

		surprises(u, ev, &t, width);
		n = u->nlines - before;
		tmp = malloc((size_t)n * sizeof(*tmp));
		if (tmp) {
			memcpy(tmp, &u->lines[before], (size_t)n * sizeof(*tmp));
			memmove(&u->lines[tree_start + n], &u->lines[tree_start],
				(size_t)(before - tree_start) * sizeof(*tmp));
			memcpy(&u->lines[tree_start], tmp, (size_t)n * sizeof(*tmp));
			free(tmp);
		}
	}
	if (u->hex_ev >= 0)
		hex_lines(u, &u->s->ev[u->hex_ev]);
	if (!u->walk.on)
		explain_lines(u, ev, width);
}

static bool is_added(struct ui *u, size_t off)
{
	for (int k = 0; k < u->nadded; k++)
		if (off >= u->added[k].off &&
		    off < u->added[k].off + u->added[k].len)
			return true;
	return false;
}

/* One hex line: offset, 16 bytes (added ones highlighted), the text.
 * In ASCII mode without colour, added bytes are also bracketed by case:
 * they are written in upper case. */
static void draw_hex(struct ui *u, int y, size_t off)
{
	const struct tl_event *ev = &u->s->ev[u->hex_ev];
	size_t end = off + HEX_PER_LINE < ev->caplen ? off + HEX_PER_LINE :
		     ev->caplen;
	int x = 6;

	ui_putf(u, y, 0, 6, UI_A_DIM, "%04zx", off);
	for (size_t i = off; i < end; i++) {
		bool add = is_added(u, i);

		ui_putf(u, y, x, 2, add ? UI_A_ADDED : UI_A_NORMAL,
			add ? "%02X" : "%02x", ev->data[i]);
		x += 3 + (i - off == 7);
	}
	x = 6 + 3 * HEX_PER_LINE + 2;
	for (size_t i = off; i < end; i++) {
		char c[2] = { (char)(ev->data[i] >= 0x20 && ev->data[i] < 0x7f ?
				     ev->data[i] : '.'), 0 };

		ui_put(u, y, x++, 1, is_added(u, i) ? UI_A_ADDED : UI_A_DIM, c);
	}
}

void ui_detail_draw(struct ui *u, int y, int h)
{
	bool focus = u->focus == UI_PANE_DETAIL || u->screen == UI_SCR_ZOOM ||
		     u->walk.on;

	if (h < 1)
		return;
	ui_detail_build(u);
	if (u->detail_top > u->nlines - 1)
		u->detail_top = u->nlines > 0 ? u->nlines - 1 : 0;
	if (!u->walk.on) {
		ui_fill(u, y, 0, u->cols, focus ? UI_A_HEAD : UI_A_DIM);
		ui_putf(u, y, 0, -1, focus ? UI_A_HEAD : UI_A_DIM,
			"%c detail%s", focus ? '*' : ' ', u->detail_top ?
			"  (scrolled: \u2191 up)" : "");
		y++;
		h--;
	}
	for (int r = 0; r < h && u->detail_top + r < u->nlines; r++) {
		const struct ui_line *l = &u->lines[u->detail_top + r];

		switch (l->kind) {
		case UI_L_HEX:
			draw_hex(u, y + r, l->off);
			break;
		case UI_L_HEAD:
			ui_put(u, y + r, 1 + 2 * l->depth, -1, UI_A_HEAD, l->text);
			break;
		case UI_L_NOTE:
			ui_put(u, y + r, 1 + 2 * l->depth, -1, UI_A_DROP, l->text);
			break;
		case UI_L_FIELD:
			ui_put(u, y + r, 1 + 2 * l->depth, -1, UI_A_NORMAL,
			       l->text);
			break;
		case UI_L_TEXT:
			ui_put(u, y + r, 1, -1, UI_A_NORMAL, l->text);
			break;
		}
	}
	if (u->detail_top + h < u->nlines)
		ui_putf(u, y + h - 1, u->cols - 14, 14, UI_A_DIM,
			" \u2193 %d more ", u->nlines - u->detail_top - h);
}
