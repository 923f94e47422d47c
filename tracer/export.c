// SPDX-License-Identifier: GPL-2.0-only
/* JSON Lines and text narrative exporters: see export.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dissect.h"
#include "export.h"

static const struct {
	uint16_t flag;
	const char *name;
} event_flags[] = {
	{ TL_EVENT_F_TRUNCATED, "truncated" },
	{ TL_EVENT_F_DROP, "drop" },
	{ TL_EVENT_F_CACHED_ROUTE, "cached-route" },
	{ TL_EVENT_F_REQUERIED, "re-queried" },
	{ TL_EVENT_F_GSO, "gso" },
};

void export_wall_time(char *out, size_t n, uint64_t mono_ns,
		      int64_t wall_offset_ns)
{
	int64_t wall = (int64_t)mono_ns + wall_offset_ns;
	time_t sec = (time_t)(wall / 1000000000);
	long nsec = (long)(wall % 1000000000);
	struct tm tm;

	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	}
	gmtime_r(&sec, &tm);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, nsec);
}

void export_losses_text(const struct evstore *s, char *out, size_t n)
{
	if (s->has_losses)
		tracefile_losses_text(&s->losses, out, n);
	else
		snprintf(out, n, "not recorded in this trace (written by an "
			 "older tunlab or another tool, or its tracer was "
			 "killed)");
}

/* Write s as a JSON string, escaping what JSON requires. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

/* "key":"value", for a string member after the first. */
static void json_member(FILE *out, const char *key, const char *value)
{
	fprintf(out, ",\"%s\":", key);
	json_str(out, value);
}

/* Decode an event's bytes for its one-line summary; 0 if it has none. */
static int event_summary(const struct tl_event *ev,
			 struct dissect_summary *sum)
{
	if (!ev->caplen || ev->link == TL_LINK_NONE)
		return 0;
	dissect_packet(ev->data, ev->caplen, ev->len, ev->link, NULL, sum);
	return sum->proto[0] != '\0';
}

static void jsonl_event(FILE *out, const struct evstore *s, size_t i)
{
	const struct tl_event *ev = &s->ev[i];
	const struct tl_step *st = tl_step_get(ev->step);
	struct dissect_summary sum;
	char when[40];
	int first = 1;

	export_wall_time(when, sizeof(when), ev->ts_ns, s->info.wall_offset_ns);
	fprintf(out, "{\"seq\":%zu", i + 1);
	json_member(out, "time", when);
	fprintf(out, ",\"ts_ns\":%" PRIu64, ev->ts_ns);
	json_member(out, "host", ev->host);
	if (st) {
		json_member(out, "step", st->label);
		fprintf(out, ",\"step_id\":%u", st->id);
		json_member(out, "step_name", st->name);
		json_member(out, "dir", tl_dir_name(st->dir));
	} else {
		fputs(",\"step\":null,\"step_id\":null,\"step_name\":null,"
		      "\"dir\":null", out);
	}
	json_member(out, "source", tl_source_name(ev->source));
	json_member(out, "dev", ev->dev);
	fprintf(out, ",\"pkt\":%" PRIu64, ev->pkt);
	json_member(out, "basis", tl_basis_name(ev->basis));
	if (ev->group) {
		fprintf(out, ",\"group\":%" PRIu64, ev->group);
		json_member(out, "group_basis", tl_basis_name(ev->group_basis));
	}
	fprintf(out, ",\"len\":%" PRIu32 ",\"caplen\":%" PRIu32, ev->len,
		ev->caplen);
	json_member(out, "link", tl_link_name(ev->link));
	fputs(",\"flags\":[", out);
	for (size_t f = 0; f < sizeof(event_flags) / sizeof(event_flags[0]); f++) {
		if (!(ev->flags & event_flags[f].flag))
			continue;
		if (!first)
			fputc(',', out);
		json_str(out, event_flags[f].name);
		first = 0;
	}
	fputc(']', out);
	json_member(out, "detail", ev->detail);
	if (event_summary(ev, &sum)) {
		json_member(out, "proto", sum.proto);
		json_member(out, "src", sum.src);
		json_member(out, "dst", sum.dst);
		if (sum.sport || sum.dport)
			fprintf(out, ",\"sport\":%u,\"dport\":%u", sum.sport,
				sum.dport);
		json_member(out, "info", sum.info);
	}
	fputs("}\n", out);
}

int export_jsonl(const struct evstore *s, FILE *out)
{
	for (size_t i = 0; i < s->n; i++)
		jsonl_event(out, s, i);
	return ferror(out) || fflush(out) ? -EIO : 0;
}

/* Order for the narrative: by packet (untied events last), then time, then
 * the order they were recorded in. */
static int by_packet_then_time(const void *a, const void *b, void *ctx)
{
	const struct evstore *s = ctx;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	const struct tl_event *ea = &s->ev[ia];
	const struct tl_event *eb = &s->ev[ib];
	uint64_t pa = ea->pkt ? ea->pkt : UINT64_MAX;
	uint64_t pb = eb->pkt ? eb->pkt : UINT64_MAX;

	if (pa != pb)
		return pa < pb ? -1 : 1;
	if (ea->ts_ns != eb->ts_ns)
		return ea->ts_ns < eb->ts_ns ? -1 : 1;
	return ia < ib ? -1 : ia > ib;
}

/* The best summary of packet events [from, to): the inner packet if seen. */
static int packet_summary(const struct evstore *s, const size_t *idx,
			  size_t from, size_t to, struct dissect_summary *sum)
{
	int found = 0;

	for (size_t k = from; k < to; k++) {
		const struct tl_event *ev = &s->ev[idx[k]];
		int inner = ev->step != TL_STEP_WIRE_OUT &&
			    ev->step != TL_STEP_WIRE_IN;

		if (inner && event_summary(ev, sum))
			return 1;
		if (!found && event_summary(ev, sum))
			found = 1;
	}
	return found;
}

/* One line of a paragraph: time, step, host, step name, device, detail. */
static void text_line(FILE *out, const struct evstore *s,
		      const struct tl_event *ev, const struct tl_event *prev)
{
	const struct tl_step *st = tl_step_get(ev->step);
	char when[40];

	if (!prev) {
		export_wall_time(when, sizeof(when), ev->ts_ns,
				 s->info.wall_offset_ns);
		fprintf(out, "  %-18.18s", when + 11);
	} else {
		double dt = ((double)ev->ts_ns - (double)prev->ts_ns) / 1e3;

		fprintf(out, "  %+15.3f us", dt);
	}
	fprintf(out, " step %-2s %-8s %-24s %-6s %s", st ? st->label : "?",
		ev->host, st ? st->name : "(no step)",
		tl_source_name(ev->source), ev->dev);
	if (ev->detail[0])
		fprintf(out, ": %s", ev->detail);
	if (ev->flags & TL_EVENT_F_GSO)
		fputs(" [super-packet]", out);
	if (ev->group)
		fprintf(out, " [segment of packet %" PRIu64 ", by %s]", ev->group,
			tl_basis_name(ev->group_basis));
	if (ev->flags & TL_EVENT_F_DROP)
		fputs(" [DROPPED]", out);
	fputc('\n', out);
}

int export_text(const struct evstore *s, FILE *out)
{
	char lost[TRACEFILE_LOSSES_TEXT];
	size_t *idx, k = 0, packets = 0;

	idx = malloc((s->n ? s->n : 1) * sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		idx[i] = i;
	qsort_r(idx, s->n, sizeof(*idx), by_packet_then_time, (void *)s);
	fprintf(out, "tunlab trace%s%s, written by %s: %zu events.\n",
		s->info.lab[0] ? " of lab " : "", s->info.lab,
		s->info.app[0] ? s->info.app : "an unknown program", s->n);
	if (s->warning[0])
		fprintf(out, "Warning: %s\n", s->warning);
	export_losses_text(s, lost, sizeof(lost));
	fprintf(out, "Losses of the sources: %s.\n", lost);
	while (k < s->n) {
		uint64_t pkt = s->ev[idx[k]].pkt;
		struct dissect_summary sum;
		size_t end = k;

		while (end < s->n && s->ev[idx[end]].pkt == pkt)
			end++;
		fputc('\n', out);
		if (pkt) {
			packets++;
			fprintf(out, "Packet %" PRIu64 ":", pkt);
			if (packet_summary(s, idx, k, end, &sum))
				fprintf(out, " %s %s -> %s, %s", sum.proto,
					sum.src, sum.dst, sum.info);
			fprintf(out, " (%zu observation%s)\n", end - k,
				end - k == 1 ? "" : "s");
		} else {
			fprintf(out, "Not tied to any packet (%zu):\n",
				end - k);
		}
		for (size_t j = k; j < end; j++)
			text_line(out, s, &s->ev[idx[j]],
				  j > k ? &s->ev[idx[j - 1]] : NULL);
		k = end;
	}
	fprintf(out, "\n%zu packet%s.\n", packets, packets == 1 ? "" : "s");
	free(idx);
	return ferror(out) || fflush(out) ? -EIO : 0;
}
