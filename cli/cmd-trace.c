// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab trace: record a running lab into a pcapng trace, with a live line
 * per packet showing which of the 14 points it was seen at.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dissect.h"
#include "lab-tunnel.h"
#include "probe.h"
#include "tracefile.h"
#include "tracer.h"

#define OPEN_MAX	4096	/* packets the live summary follows at once */
#define HOLD_MAX	64	/* observations kept until a packet matches */
#define IDLE_NS		300000000ull	/* a packet is done after 0.3 s quiet */

/* A packet the live summary is following. */
struct open_pkt {
	uint64_t pkt;		/* 0: free */
	uint64_t first_ns, last_ns;
	uint16_t steps;
	bool dropped;
	uint8_t drop_step;	/* where the last drop was seen */
	char drop_host[TL_HOST_MAX];
	char drop_why[64];	/* the reason its source gave */
	bool matched;		/* the filter matched one of its observations */
	bool clear_on_wire;	/* an app's data left on a wire unencrypted */
	char clear_host[TL_HOST_MAX];
	int nheld;
	struct tl_event *held[HOLD_MAX];	/* copies, bytes after each */
	bool what_inner;	/* what comes from the inner packet */
	uint8_t what_link;	/* the bytes it is made from: kept, and */
	uint16_t what_caplen;	/* decoded only for the line (at full */
	uint32_t what_len;	/* speed, decoding each packet costs more */
	uint8_t what_bytes[256];	/* than recording it) */
	uint64_t group;		/* the unit it is a segment of, or 0 */
	uint8_t group_basis;
};

/* A daemon's TLS key log, copied into the trace as it grows. */
struct keylog_src {
	char path[LAB_DIR_MAX + 48];
	long done;		/* bytes already embedded */
};

struct trace_run {
	struct keylog_src keylogs[LAB_MAX_HOSTS];
	int nkeylogs;
	struct tracefile_writer *w;
	struct evloop *loop;
	struct tracer *tracer;
	struct open_pkt *open;
	uint64_t max_packets;	/* --count, 0: no limit */
	uint64_t packets_done;
	uint64_t filtered_out;
	uint64_t last_retired;	/* the highest packet number retired */
	bool filtering;
	bool quiet;
	int write_error;
	char err[TRACEFILE_ERRBUF];
};

/* One line: the packet, then a mark per point (sending host's 1..7, then
 * the receiving host's 7'..1'). */
static void print_packet(const struct open_pkt *p)
{
	char marks[TL_STEP_COUNT * 2 + 4], what[256] = "";
	int n = 0;

	for (unsigned int s = 0; s < TL_STEP_COUNT; s++) {
		if (s == TL_STEPS_PER_DIR) {
			marks[n++] = '|';
			marks[n++] = ' ';
		}
		marks[n++] = (p->steps & (1u << s)) ? tl_steps[s].label[0] : '.';
		marks[n++] = ' ';
	}
	marks[n] = '\0';
	if (p->what_caplen) {
		struct dissect_summary sum;

		dissect_packet(p->what_bytes, p->what_caplen, p->what_len,
			       p->what_link, NULL, &sum);
		if (sum.proto[0])
			snprintf(what, sizeof(what), "%s %s -> %s %s",
				 sum.proto, sum.src, sum.dst, sum.info);
	}
	printf("pkt %-6" PRIu64 " %s %6.3f ms  %s", p->pkt, marks,
	       (double)(p->last_ns - p->first_ns) / 1e6,
	       what[0] ? what : "(no packet bytes seen)");
	if (p->group)
		printf("  -- segment of packet %" PRIu64 " (%s)", p->group,
		       tl_basis_name(p->group_basis));
	/* A drop the packet went on after (a clone delivered, the original
	 * freed) does not make it dropped: only a drop at its last point. */
	if (p->clear_on_wire)
		printf("  -- left %s UNENCRYPTED: no tunnel on its way",
		       p->clear_host);
	if (p->dropped && !(p->steps >> (p->drop_step + 1)))
		printf("  -- dropped at step %s on %s: %s",
		       tl_steps[p->drop_step].label, p->drop_host, p->drop_why);
	putchar('\n');
	fflush(stdout);
}

/* Write one observation to the trace. */
static void write_event(struct trace_run *r, const struct tl_event *ev)
{
	if (r->write_error)
		return;
	r->write_error = tracefile_write(r->w, ev, r->err);
	if (r->write_error)
		evloop_stop(r->loop);
}

/* Forget a packet: print its line if it was kept, free what it held. */
static void close_packet(struct trace_run *r, struct open_pkt *p)
{
	if (p->pkt > r->last_retired)
		r->last_retired = p->pkt;
	if (p->matched) {
		if (!r->quiet)
			print_packet(p);
		r->packets_done++;
	} else {
		r->filtered_out++;
	}
	for (int i = 0; i < p->nheld; i++)
		free(p->held[i]);
	memset(p, 0, sizeof(*p));
}

/* Print and forget packets quiet for a while (all of them when force). */
static void retire(struct trace_run *r, uint64_t now, bool force)
{
	for (int i = 0; i < OPEN_MAX; i++) {
		struct open_pkt *p = &r->open[i];

		if (p->pkt && (force || now - p->last_ns >= IDLE_NS))
			close_packet(r, p);
	}
	if (r->max_packets && r->packets_done >= r->max_packets)
		evloop_stop(r->loop);
}

/* Keep a copy of ev until its packet matches (or is forgotten). */
static void hold(struct open_pkt *p, const struct tl_event *ev)
{
	struct tl_event *copy;

	if (p->nheld == HOLD_MAX)
		return;
	copy = malloc(sizeof(*copy) + ev->caplen);
	if (!copy)
		return;
	*copy = *ev;
	memcpy(copy + 1, ev->data, ev->caplen);
	copy->data = (const uint8_t *)(copy + 1);
	p->held[p->nheld++] = copy;
}

/* Every observation: to the file once its packet matches the filter, and
 * to the live summary. */
static void on_event(void *ctx, const struct tl_event *ev)
{
	struct trace_run *r = ctx;
	struct open_pkt *p = &r->open[ev->pkt % OPEN_MAX];

	/* A late event of a packet already retired (a kernel event tied
	 * after its frames): into the file, not back into the summary. */
	if (p->pkt > ev->pkt || (!p->pkt && ev->pkt && ev->pkt <= r->last_retired &&
				 ev->source == TL_SRC_KERNEL)) {
		if (!r->filtering || tracer_match(r->tracer, ev))
			write_event(r, ev);
		return;
	}
	if (p->pkt != ev->pkt) {
		if (p->pkt)
			close_packet(r, p);
		p->pkt = ev->pkt;
		p->first_ns = ev->ts_ns;
	}
	if (!p->matched && tracer_match(r->tracer, ev)) {
		p->matched = true;
		for (int i = 0; i < p->nheld; i++)
			write_event(r, p->held[i]);
	}
	if (p->matched)
		write_event(r, ev);
	else
		hold(p, ev);
	p->last_ns = ev->ts_ns;
	if (ev->step < TL_STEP_COUNT)
		p->steps |= (uint16_t)(1u << ev->step);
	if ((ev->flags & TL_EVENT_F_DROP) && ev->step < TL_STEP_COUNT) {
		p->dropped = true;
		p->drop_step = ev->step;
		memcpy(p->drop_host, ev->host, sizeof(p->drop_host));
		tl_drop_reason(ev->detail, p->drop_why, sizeof(p->drop_why));
	}
	/* An app's data on a wire without the tunnel: it left in clear. */
	if (ev->step == TL_STEP_WIRE_OUT && ev->source == TL_SRC_PCAP &&
	    (p->steps & (1u << TL_STEP_APP_SEND)) &&
	    !(p->steps & (1u << TL_STEP_ENCRYPT_SEND)) && ev->caplen) {
		struct dissect_summary ws;

		dissect_packet(ev->data, ev->caplen, ev->len, ev->link, NULL,
			       &ws);
		if (strcmp(ws.proto, "TLVPN") != 0) {
			p->clear_on_wire = true;
			memcpy(p->clear_host, ev->host, sizeof(p->clear_host));
		}
	}
	/* The inner packet (tun or daemon bytes) says best what it is; a
	 * wire frame does when nothing else is seen.  Kept, decoded when the
	 * line is printed. */
	if (!p->what_inner && ev->caplen && ev->link != TL_LINK_NONE &&
	    ev->link != TL_LINK_TUNNEL) {
		bool inner = ev->step != TL_STEP_WIRE_OUT &&
			     ev->step != TL_STEP_WIRE_IN;

		if (inner || !p->what_caplen) {
			p->what_caplen = (uint16_t)(ev->caplen <
						    sizeof(p->what_bytes) ?
						    ev->caplen :
						    sizeof(p->what_bytes));
			memcpy(p->what_bytes, ev->data, p->what_caplen);
			p->what_len = ev->len;
			p->what_link = ev->link;
			p->what_inner = inner;
		}
	}
	if (ev->group && !p->group) {
		p->group = ev->group;
		p->group_basis = ev->group_basis;
	}
}

/* Embed what the key logs gained since the last look (whole lines only),
 * so that Wireshark decrypts the control channel's handshakes. */
static void embed_keylogs(struct trace_run *r)
{
	for (int i = 0; i < r->nkeylogs && !r->write_error; i++) {
		struct keylog_src *k = &r->keylogs[i];
		char buf[16384];
		size_t n, whole;
		FILE *f = fopen(k->path, "r");

		if (!f)
			continue;
		if (fseek(f, k->done, SEEK_SET) == 0 &&
		    (n = fread(buf, 1, sizeof(buf), f)) > 0) {
			for (whole = n; whole > 0 && buf[whole - 1] != '\n';)
				whole--;
			if (whole) {
				r->write_error = tracefile_write_keylog(
					r->w, buf, whole, r->err);
				k->done += (long)whole;
			}
		}
		fclose(f);
	}
}

static uint64_t on_tick(struct evloop *l, void *arg)
{
	struct trace_run *r = arg;
	char err[TRACEFILE_ERRBUF];

	(void)l;
	embed_keylogs(r);
	retire(r, tl_now_ns() - 150000000ull, false);
	/* Whole blocks reach the disk as they come: a crash loses little. */
	if (!r->write_error && tracefile_flush(r->w, err))
		fprintf(stderr, "tunlab trace: %s\n", err);
	return 200000000ull;
}

static uint64_t on_duration(struct evloop *l, void *arg)
{
	(void)arg;
	evloop_stop(l);
	return 0;
}

static void on_signal(struct evloop *l, int fd, unsigned int events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	while (read(fd, &si, sizeof(si)) == sizeof(si))
		evloop_stop(l);
}

int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lab", required_argument, NULL, 'L' },
		{ "write", required_argument, NULL, 'w' },
		{ "filter", required_argument, NULL, 'f' },
		{ "snaplen", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "no-kernel", no_argument, NULL, 'K' },
		{ "cpu", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("trace");
	struct trace_run r = { 0 };
	struct tracer_cfg cfg = { .snaplen = 256, .kernel = true,
				  .cpu_pct = TRACER_CPU_DEFAULT };
	struct tracefile_info info = { 0 };
	const char *name = NULL, *path = NULL;
	char err[TRACER_ERRBUF], probe[LAB_DIR_MAX + 16], dflt[64];
	double duration = 0;
	struct tracefile_losses lost;
	struct tracer_stats st;
	uint64_t dropped0, dropped1, start_ns;
	struct lab lab;
	sigset_t sigs;
	int ch, sfd, rc = EXIT_OK;
	char *end;

	while ((ch = cli_getopt(cmd, argc, argv, "+L:w:f:s:c:d:qKC:",
				longopts)) != -1) {
		switch (ch) {
		case 'K': cfg.kernel = false; break;
		case 'C':
			cfg.cpu_pct = (int)strtol(optarg, &end, 10);
			if (*end || !*optarg || cfg.cpu_pct < 0 ||
			    cfg.cpu_pct > 100)
				return cli_usage_error(cmd, "--cpu: 0..100 (%% of "
						       "one CPU; 0: no limit)");
			break;
		case 'L': name = optarg; break;
		case 'w': path = optarg; break;
		case 'f': cfg.filter = optarg; break;
		case 'q': r.quiet = true; break;
		case 's':
			cfg.snaplen = (int)strtol(optarg, &end, 10);
			if (*end || cfg.snaplen < 64 || cfg.snaplen > 65535)
				return cli_usage_error(cmd, "--snaplen: 64..65535");
			break;
		case 'c':
			r.max_packets = strtoull(optarg, &end, 10);
			if (*end || !r.max_packets)
				return cli_usage_error(cmd, "--count: 1 or more");
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || duration <= 0 || duration > 86400)
				return cli_usage_error(cmd, "--duration: seconds, "
						       "up to 86400");
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected '%s'", argv[optind]);
	if (lab_pick("trace", name, &lab))
		return EXIT_FAIL;
	lab_tracer_cfg(&lab, &cfg, probe, sizeof(probe));
	r.filtering = cfg.filter != NULL;
	if (!path) {
		snprintf(dflt, sizeof(dflt), "tunlab-%s.pcapng", lab.name);
		path = dflt;
	}

	r.open = calloc(OPEN_MAX, sizeof(*r.open));
	r.loop = evloop_new();
	if (!r.open || !r.loop) {
		fprintf(stderr, "tunlab trace: out of memory\n");
		return EXIT_FAIL;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	evloop_add_fd(r.loop, sfd, EV_READ, on_signal, NULL);

	if (tracer_open(&r.tracer, &cfg, r.loop, on_event, &r, err) &&
	    cfg.kernel) {
		/* Without tracefs the kernel's steps are "not seen": say so,
		 * and record the rest. */
		fprintf(stderr, "tunlab trace: warning: %s; recording without "
			"the kernel's tracepoints (steps 2 and 6 will be not "
			"seen)\n", err);
		cfg.kernel = false;
		if (tracer_open(&r.tracer, &cfg, r.loop, on_event, &r, err))
			r.tracer = NULL;
	}
	if (!r.tracer) {
		fprintf(stderr, "tunlab trace: %s\n", err);
		rc = EXIT_FAIL;
		goto out_loop;
	}
	snprintf(info.app, sizeof(info.app), "tunlab %s", TL_VERSION);
	snprintf(info.lab, sizeof(info.lab), "%.31s", lab.name);
	info.wall_offset_ns = tracer_wall_offset(r.tracer);
	if (tracefile_create(&r.w, path, &info, r.err)) {
		fprintf(stderr, "tunlab trace: %s\n", r.err);
		rc = EXIT_FAIL;
		goto out_tracer;
	}
	/* The server logs every client's sessions: its log is enough. */
	if (lab.opts.keylog)
		snprintf(r.keylogs[r.nkeylogs++].path, sizeof(r.keylogs[0].path),
			 "%s/" LAB_KEYLOG_FMT, lab.dir, "office");
	embed_keylogs(&r);
	evloop_add_timer(r.loop, 200000000ull, on_tick, &r);
	if (duration > 0)
		evloop_add_timer(r.loop, (uint64_t)(duration * 1e9), on_duration,
				 NULL);
	fprintf(stderr, "tunlab trace: recording lab %s into %s (Ctrl-C "
		"stops)\n", lab.name, path);
	if (!r.quiet)
		printf("%-10s %-31s  %-9s  %s\n", "packet", "points: 1..7 | 7'..1'",
		       "latency", "what");
	dropped0 = lab_probes_dropped(&lab);
	start_ns = tl_now_ns();
	evloop_run(r.loop);

	/* However the run ended (count, duration, a signal, a write error),
	 * the file ends with what the sources lost. */
	tracer_flush(r.tracer);
	dropped1 = lab_probes_dropped(&lab);
	retire(&r, UINT64_MAX, true);
	embed_keylogs(&r);
	tracer_stats(r.tracer, &st);
	lab_tracer_losses(&lost, &st, cfg.kernel, dropped0, dropped1);
	lost.start_ns = start_ns;
	lost.end_ns = tl_now_ns();
	if (!r.write_error)
		r.write_error = tracefile_write_losses(r.w, &lost, r.err);
	if (r.write_error) {
		fprintf(stderr, "tunlab trace: %s\n", r.err);
		rc = EXIT_FAIL;
	}
	fprintf(stderr, "tunlab trace: %" PRIu64 " events, %" PRIu64
		" packets in %s", st.events, r.packets_done, path);
	if (cfg.filter)
		fprintf(stderr, " (%" PRIu64 " did not match the filter)",
			r.filtered_out);
	fprintf(stderr, "; lost: %" PRIu64 " frames (pcap), %" PRIu64
		" malformed probe events, %" PRIu64 " late", st.pcap_drops,
		st.probe_malformed, st.late);
	if (st.no_memory)
		fprintf(stderr, ", %" PRIu64 " without memory", st.no_memory);
	if (st.skipped || st.skipped_ns)
		fprintf(stderr, ", %" PRIu64 " skipped (the tracer was behind: "
			"%" PRIu64 " ms not recorded)", st.skipped,
			st.skipped_ns / 1000000);
	if (cfg.kernel)
		fprintf(stderr, ", %" PRIu64 " kernel events (tracefs "
			"overruns); kernel: %" PRIu64 " events kept, %" PRIu64
			" tied to packets, %" PRIu64 " not tied", st.kernel_lost,
			st.kernel_events, st.kernel_joined, st.kernel_untied);
	fprintf(stderr, "; %" PRIu64 " probe events received (%" PRIu64
		" from the daemons); %" PRIu64 " segments tied to their write "
		"or super-packet, %" PRIu64 " super-packets without their "
		"segments", st.probe_events, st.daemon_probe_events,
		st.segments_tied, st.super_untied);
	if (lost.probe_dropped)
		fprintf(stderr, "; at least %" PRIu64 " probe events the "
			"daemons could not hand over (the tracer's socket was "
			"full; their counters, rewritten once a second)",
			lost.probe_dropped);
	if (st.paused_ns)
		fprintf(stderr, "; paused %" PRIu64 " ms to keep to its CPU "
			"budget (--cpu %d)", st.paused_ns / 1000000, cfg.cpu_pct);
	fputc('\n', stderr);
	if (tracefile_close(r.w, r.err)) {
		fprintf(stderr, "tunlab trace: %s\n", r.err);
		rc = EXIT_FAIL;
	}
out_tracer:
	tracer_close(r.tracer);
out_loop:
	close(sfd);
	evloop_free(r.loop);
	free(r.open);
	return rc;
}
