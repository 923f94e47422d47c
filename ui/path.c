// SPDX-License-Identifier: GPL-2.0-only
/*
 * The path view: the client (mobile) on the left, the server (office) on
 * the right, user space above and the kernel below, one box per step, the
 * wire between the hosts.  Each host does both halves of the trip (it
 * sends and receives), so a box is one step number on one host and counts
 * the packets seen there going out and coming in.
 *
 *   mobile (client)                                      office (server)
 *   [1 app  ][4 read ][5 crypt]                 [5 crypt][4 read ][1 app  ]
 *   ---------------------------- user / kernel -------------------------
 *   [2 route][3 tun  ][6 route][7 NIC ]==wire==[7 NIC ][6 route][3 tun][2 route]
 */
#include <stdio.h>
#include <string.h>

#include "uipriv.h"

#define PATH_ROWS 6
#define WIRE_MIN 8

/* Step numbers of each box, from the left block's outer edge inward:
 * row 0 user space, row 1 the kernel; 0 is no box. */
static const int layout[2][4] = {
	{ 1, 4, 5, 0 },
	{ 2, 3, 6, 7 },
};

int ui_path_height(struct ui *u)
{
	(void)u;
	return PATH_ROWS;
}

static int box_width(struct ui *u)
{
	int bw = (u->cols - WIRE_MIN) / 8;

	return bw < 8 ? 8 : bw > 24 ? 24 : bw;
}

/* x of box k (0 outer .. 3 inner) on side 0 (left) or 1 (right). */
static int box_x(struct ui *u, int side, int k)
{
	int bw = box_width(u);

	return side == 0 ? k * bw : u->cols - (k + 1) * bw;
}

/* A box's title, as long as fits, for the way the packet goes through
 * that host: "3 tun/tap driver", "3 tun" on the sending host; "5' receive
 * + decrypt", "5' decrypt" on the receiving one. */
static void box_title(struct ui *u, int num, enum tl_dir dir, int room,
		      char *out, size_t n)
{
	static const char *const shortn[2][TL_STEPS_PER_DIR] = {
		{ "app", "route", "tun", "read", "encrypt", "route", "NIC" },
		/* One character less: the prime ("5'") takes it. */
		{ "app", "sock", "tun", "writ", "decr", "UDP", "NIC" },
	};
	const struct tl_step *st = tl_step_lookup((unsigned int)num, dir);

	if ((int)(strlen(st->name) + strlen(st->label)) + 1 <= room)
		snprintf(out, n, "%s %s", st->label, st->name);
	else if (num == 3 && u->m.tap)
		snprintf(out, n, "%s tap", st->label);
	else
		snprintf(out, n, "%s %s", st->label, shortn[dir][num - 1]);
}

/* Which way the packet goes through the host on side (0: left): the
 * selected event's way on its own host, the other way on the far one; with
 * nothing selected, from the client (left) to the server. */
static enum tl_dir side_dir(struct ui *u, const char *host, int side)
{
	const struct tl_event *ev;

	if (u->cur < 0 || u->s->ev[u->cur].step >= TL_STEP_COUNT)
		return side == 0 ? TL_DIR_OUT : TL_DIR_IN;
	ev = &u->s->ev[u->cur];
	if (strcmp(ev->host, host) == 0)
		return tl_steps[ev->step].dir;
	return tl_steps[ev->step].dir == TL_DIR_OUT ? TL_DIR_IN : TL_DIR_OUT;
}

/* Whether the selected event sits in box (host h, number num). */
static bool selected(struct ui *u, const char *host, int num)
{
	const struct tl_event *ev;

	if (u->cur < 0)
		return false;
	ev = &u->s->ev[u->cur];
	return ev->step < TL_STEP_COUNT && tl_steps[ev->step].num == num &&
	       strcmp(ev->host, host) == 0;
}

static void draw_box(struct ui *u, int y, int x, int bw, const char *host,
		     int num, enum tl_dir dir)
{
	int h = ui_model_host(&u->m, host);
	uint32_t out = 0, in = 0, drops = 0;
	bool sel = selected(u, host, num);
	char title[64], counts[64];

	if (h >= 0) {
		out = u->m.box[h][num - 1];
		in = u->m.box[h][TL_STEP_COUNT - num];
		drops = u->m.box_drops[h][num - 1] +
			u->m.box_drops[h][TL_STEP_COUNT - num];
	}
	box_title(u, num, dir, bw - 2, title, sizeof(title));
	ui_put(u, y, x, 1, sel ? UI_A_SEL : UI_A_DIM, sel ? ">" : "[");
	ui_fill(u, y, x + 1, bw - 2, sel ? UI_A_SEL : UI_A_NORMAL);
	ui_put(u, y, x + 1, bw - 2, sel ? UI_A_SEL : UI_A_HEAD, title);
	ui_put(u, y, x + bw - 1, 1, sel ? UI_A_SEL : UI_A_DIM, sel ? "<" : "]");
	snprintf(counts, sizeof(counts), bw >= 14 ? " out %u in %u" :
		 " o%u i%u", out, in);
	ui_put(u, y + 1, x, bw, out || in ? UI_A_NORMAL : UI_A_DIM, counts);
	if (drops) {
		int len = (int)strlen(counts);

		ui_putf(u, y + 1, x + len + 1, bw - len - 1, UI_A_DROP, "X%u",
			drops);
	}
}

/* The wire, and which way the selected packet crosses it. */
static void draw_wire(struct ui *u, int y, const char *left)
{
	int x0 = box_x(u, 0, 3) + box_width(u), x1 = box_x(u, 1, 3);
	int w = x1 - x0, mid;
	bool on = false, rightward = true;

	if (w < 3)
		return;
	if (u->cur >= 0) {
		const struct tl_event *ev = &u->s->ev[u->cur];

		if (ev->step < TL_STEP_COUNT) {
			bool out = tl_steps[ev->step].dir == TL_DIR_OUT;
			bool is_left = strcmp(ev->host, left) == 0;

			rightward = out == is_left;
			on = tl_steps[ev->step].num >= 6;
		}
	}
	for (int i = 0; i < w; i++)
		ui_put(u, y, x0 + i, 1, on ? UI_A_SEL : UI_A_DIM,
		       on ? (rightward ? ">" : "<") : "=");
	mid = x0 + (w - 4) / 2;
	if (w >= 6)
		ui_put(u, y, mid, 4, on ? UI_A_SEL : UI_A_HEAD, "wire");
}

void ui_path_draw(struct ui *u, int y)
{
	const char *host[2] = { ui_host_side(u, 0), ui_host_side(u, 1) };
	int bw = box_width(u);
	char label[64];

	snprintf(label, sizeof(label), "%s (client)", host[0]);
	ui_put(u, y, 0, -1, UI_A_HEAD, label);
	snprintf(label, sizeof(label), "%s (server)", host[1]);
	ui_put(u, y, u->cols - (int)strlen(label), -1, UI_A_HEAD, label);
	for (int side = 0; side < 2; side++) {
		enum tl_dir dir = side_dir(u, host[side], side);

		for (int row = 0; row < 2; row++) {
			for (int k = 0; k < 4; k++) {
				int num = layout[row][k];

				if (num)
					draw_box(u, y + 1 + row * 3,
						 box_x(u, side, k), bw,
						 host[side], num, dir);
			}
		}
	}
	for (int x = 0; x < u->cols; x++)
		ui_put(u, y + 3, x, 1, UI_A_DIM, "-");
	ui_put(u, y + 3, (u->cols - 28) / 2, 28, UI_A_DIM,
	       " user space ^ | v kernel ");
	draw_wire(u, y + 4, host[0]);
}

long ui_path_click(struct ui *u, int y, int x)
{
	int bw = box_width(u);

	if (u->sel == UI_NONE || y < u->path_y + 1 || y >= u->path_y + PATH_ROWS)
		return -1;
	for (int side = 0; side < 2; side++) {
		for (int row = 0; row < 2; row++) {
			for (int k = 0; k < 4; k++) {
				int bx = box_x(u, side, k), num = layout[row][k];
				int by = u->path_y + 1 + row * 3;
				long ev;

				if (!num || y < by || y > by + 1 || x < bx ||
				    x >= bx + bw)
					continue;
				/* The packet's own point there, out or in. */
				ev = ui_model_pkt_at_step(&u->m, u->sel, num - 1);
				if (ev < 0 || strcmp(u->s->ev[ev].host,
						     ui_host_side(u, side)))
					ev = ui_model_pkt_at_step(&u->m, u->sel,
								  TL_STEP_COUNT - num);
				return ev;
			}
		}
	}
	return -1;
}
