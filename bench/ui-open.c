// SPDX-License-Identifier: GPL-2.0-only
/*
 * ui-open: how long the UI takes to open a trace and answer what its keys
 * ask, without a terminal: load the trace (evstore_load), index it into
 * packets (ui_model_init), then the moves the screens make: a thousand
 * right arrows, a jump to the last event and back, the packet list's rows
 * and the selected packet's row, a packet's point at a step, a filter
 * over every event, the statistics.  bench/ui.sh runs it on a
 * million-event trace, then measures the real binary in tmux (time to the
 * first screen, CPU while idle).
 *
 *   ui-open TRACE
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "evstore.h"
#include "model.h"

static double secs(uint64_t from)
{
	return (double)(tl_now_ns() - from) / 1e9;
}

int main(int argc, char **argv)
{
	char err[UI_ERRBUF];
	struct evstore s;
	struct ui_model m;
	struct ui_stats st;
	uint64_t t0, t1;
	double load, index, nav, filt, stats;
	const uint32_t *rows;
	long cur = -1;
	size_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: ui-open TRACE\n");
		return 2;
	}
	evstore_init(&s);
	t0 = tl_now_ns();
	if (evstore_load(&s, argv[1], err) < 0) {
		fprintf(stderr, "ui-open: %s\n", err);
		return 1;
	}
	load = secs(t0);
	t1 = tl_now_ns();
	if (ui_model_init(&m, &s)) {
		fprintf(stderr, "ui-open: out of memory\n");
		return 1;
	}
	rows = ui_model_rows(&m, &n);
	index = secs(t1);
	t1 = tl_now_ns();
	for (int i = 0; i < 1000; i++)
		cur = ui_model_step(&m, cur, +1);
	cur = ui_model_step(&m, (long)m.n, -1);
	cur = ui_model_step(&m, -1, +1);
	for (size_t r = 0; r < n; r += n / 100 + 1)
		if (ui_model_row_of(&m, rows[r]) != (long)r)
			fprintf(stderr, "ui-open: row %zu not found\n", r);
	if (n)
		ui_model_pkt_at_step(&m, rows[n / 2], TL_STEP_ENCRYPT_SEND);
	nav = secs(t1);
	t1 = tl_now_ns();
	if (ui_model_filter(&m, "udp port 1194", err))
		fprintf(stderr, "ui-open: %s\n", err);
	filt = secs(t1);
	t1 = tl_now_ns();
	ui_model_stats(&m, &st);
	stats = secs(t1);
	printf("ui-open: %zu events, %zu packets in %s\n", s.n, m.npk, argv[1]);
	printf("  open (load %.3f s + index %.3f s): %.3f s\n", load, index,
	       load + index);
	printf("  navigate (1000 steps, last, first, 100 rows): %.6f s\n", nav);
	printf("  filter 'udp port 1194' over every event: %.3f s (%zu match)\n",
	       filt, m.nmatch);
	printf("  statistics: %.3f s\n", stats);
	ui_model_free(&m);
	evstore_free(&s);
	return 0;
}
