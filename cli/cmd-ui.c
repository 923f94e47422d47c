// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab view, ui and walk: the terminal UI (ui/ui.h) over a saved trace,
 * over a running lab (the tracer in this process, as tunlab trace runs
 * it), and as a guided walk of one packet through a lab of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "lab-tunnel.h"
#include "probe.h"
#include "tracefile.h"
#include "tracer.h"
#include "ui.h"

#define WALK_SETTLE_NS	500000000ull	/* after the chat: the reorder
					 * window and late kernel events */
#define WALK_CHAT_NS	8000000000ull	/* the chat's own time limit */

/* --ascii, NO_COLOR and the mouse, as every UI command takes them. */
static void ui_opts_init(struct ui_opts *o, enum ui_mode mode,
			 const char *title, bool ascii)
{
	const char *nc = getenv("NO_COLOR");

	o->mode = mode;
	o->title = title;
	o->ascii = ascii;
	/* https://no-color.org: set and not empty means no colour. */
	o->color = !ascii && !(nc && nc[0]);
	o->mouse = true;
}

int cmd_view(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ascii", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("view");
	char err[TRACEFILE_ERRBUF], uerr[UI_ERRLEN];
	char lost[TRACEFILE_LOSSES_TEXT];
	struct evloop *loop;
	struct ui_opts o;
	struct evstore s;
	bool ascii = false;
	struct ui *u;
	int ch, rc;

	while ((ch = cli_getopt(cmd, argc, argv, "+a", longopts)) != -1) {
		if (ch != 'a')
			return EXIT_USAGE;
		ascii = true;
	}
	if (optind != argc - 1)
		return cli_usage_error(cmd, optind == argc ? "which trace?" :
				       "one trace at a time");
	evstore_init(&s);
	if (evstore_load(&s, argv[optind], err) < 0) {
		fprintf(stderr, "tunlab view: %s\n", err);
		evstore_free(&s);
		return EXIT_FAIL;
	}
	ui_opts_init(&o, UI_MODE_VIEW, argv[optind], ascii);
	loop = evloop_new();
	if (!loop || ui_new(&u, &s, &o, uerr)) {
		fprintf(stderr, "tunlab view: %s\n", loop ? uerr :
			"out of memory");
		evloop_free(loop);
		evstore_free(&s);
		return EXIT_FAIL;
	}
	export_losses_text(&s, lost, sizeof(lost));
	ui_set_losses(u, lost);
	ui_catch_signals(NULL);
	rc = ui_run(u, loop);
	ui_free(u);
	evloop_free(loop);
	evstore_free(&s);
	return ui_exit(rc < 0 ? EXIT_FAIL : EXIT_OK);
}

/* ---- the tracer in this process (ui, walk) ---------------------------- */

struct live {
	struct tracer_cfg cfg;
	char probe[LAB_DIR_MAX + 16];
	const struct lab *lab;
	uint64_t dropped0;	/* the daemons' count when tracing began */
	uint64_t start_ns;
	struct tracer *tracer;
	struct evstore *store;	/* walk: events go here */
	struct ui *ui;		/* ui: events go here */
};

static void on_event(void *ctx, const struct tl_event *ev)
{
	struct live *lv = ctx;

	if (lv->ui)
		ui_add_event(lv->ui, ev);
	else
		evstore_add(lv->store, ev);
}

/* Open the tracer on lab; without tracefs, go on without the kernel's
 * points (and say so, as tunlab trace does).  0 or EXIT_FAIL. */
static int live_open(struct live *lv, const struct lab *lab,
		     struct evloop *loop, bool kernel, const char *cmd)
{
	char err[TRACER_ERRBUF];

	lab_tracer_cfg(lab, &lv->cfg, lv->probe, sizeof(lv->probe));
	lv->cfg.snaplen = 256;
	lv->cfg.kernel = kernel;
	lv->cfg.cpu_pct = TRACER_CPU_DEFAULT;
	lv->lab = lab;
	lv->dropped0 = lab_probes_dropped(lab);
	lv->start_ns = tl_now_ns();
	if (tracer_open(&lv->tracer, &lv->cfg, loop, on_event, lv, err) == 0)
		return 0;
	if (kernel) {
		fprintf(stderr, "tunlab %s: warning: %s; tracing without the "
			"kernel's tracepoints (steps 2 and 6 will be not "
			"seen)\n", cmd, err);
		lv->cfg.kernel = false;
		if (tracer_open(&lv->tracer, &lv->cfg, loop, on_event, lv,
				err) == 0)
			return 0;
	}
	fprintf(stderr, "tunlab %s: %s\n", cmd, err);
	lv->tracer = NULL;
	return EXIT_FAIL;
}

/* What the sources lost so far, as a trace file would record it. */
static void live_losses(struct live *lv, struct tracefile_losses *lost)
{
	struct tracer_stats st;

	tracer_stats(lv->tracer, &st);
	lab_tracer_losses(lost, &st, lv->cfg.kernel, lv->dropped0,
			  lab_probes_dropped(lv->lab));
	lost->start_ns = lv->start_ns;
	lost->end_ns = tl_now_ns();
}

/* The sources' losses, for the stats view: every second. */
static uint64_t on_losses(struct evloop *l, void *arg)
{
	struct live *lv = arg;
	struct tracefile_losses lost;
	char line[TRACEFILE_LOSSES_TEXT];

	(void)l;
	live_losses(lv, &lost);
	tracefile_losses_text(&lost, line, sizeof(line));
	ui_set_losses(lv->ui, line);
	return 1000000000ull;
}

int cmd_ui(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lab", required_argument, NULL, 'L' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "no-kernel", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("ui");
	bool ascii = false, kernel = true;
	const char *name = NULL;
	struct live lv = { 0 };
	char uerr[UI_ERRLEN], title[64];
	struct evloop *loop;
	struct ui_opts o;
	struct evstore s;
	struct lab lab;
	int ch, rc = EXIT_FAIL;

	while ((ch = cli_getopt(cmd, argc, argv, "+L:aK", longopts)) != -1) {
		switch (ch) {
		case 'L': name = optarg; break;
		case 'a': ascii = true; break;
		case 'K': kernel = false; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected '%s'", argv[optind]);
	if (lab_pick("ui", name, &lab))
		return EXIT_FAIL;
	snprintf(title, sizeof(title), "lab %s", lab.name);
	ui_opts_init(&o, UI_MODE_LIVE, title, ascii);
	evstore_init(&s);
	loop = evloop_new();
	if (!loop || ui_new(&lv.ui, &s, &o, uerr)) {
		fprintf(stderr, "tunlab ui: %s\n", loop ? uerr : "out of memory");
		goto out;
	}
	if (live_open(&lv, &lab, loop, kernel, "ui"))
		goto out;
	on_losses(loop, &lv);
	evloop_add_timer(loop, 1000000000ull, on_losses, &lv);
	ui_catch_signals(NULL);
	rc = ui_run(lv.ui, loop) < 0 ? EXIT_FAIL : EXIT_OK;
	tracer_close(lv.tracer);
out:
	ui_free(lv.ui);
	evloop_free(loop);
	evstore_free(&s);
	return ui_exit(rc);
}

/* ---- tunlab walk -------------------------------------------------------- */

/* What the cleanup needs, set before anything is created, so that the
 * atexit handler and the signal hook (both may run) find it. */
static struct {
	char self[PATH_MAX];
	char lab[LAB_NAME_MAX + 1];
	volatile sig_atomic_t created;	/* we made the lab: remove it */
	pid_t server;			/* the chat server, if running */
} walk;

/* Run this binary with args, its output to log (NULL: /dev/null); the
 * pid. */
static pid_t spawn(char *const args[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(log ? log : "/dev/null",
			       O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in >= 0 && out >= 0) {
			dup2(in, 0);
			dup2(out, 1);
			dup2(out, 2);
		}
		execv(walk.self, args);
		_exit(127);
	}
	return pid;
}

/* Wait for pid; its exit status, or -1. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Remove the lab we built: the lab's own tunlab down.  Runs from atexit
 * and from the signal hook (fork, execv and waitpid are safe there), once.
 * Shelling out is deliberate: tunlab down asks the lab's owner process to
 * tear the lab down and waits for it, which is what must happen here. */
static void walk_cleanup(void)
{
	char *args[] = { walk.self, "down", "--lab", walk.lab, "--quiet", NULL };
	pid_t pid;

	if (walk.server > 0) {
		kill(walk.server, SIGTERM);
		waitpid(walk.server, NULL, 0);
		walk.server = 0;
	}
	if (!walk.created)
		return;
	walk.created = 0;
	pid = spawn(args, NULL);
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

static void walk_on_signal(int sig)
{
	(void)sig;
	walk_cleanup();
}

/* Build the lab: tunlab up as a command (its owner process must outlive
 * the call, which is how tunlab up is made).  0 or EXIT_FAIL. */
static int walk_lab_up(const char *dev_type)
{
	char *args[] = { walk.self, "up", "--name", walk.lab, "--dev-type",
			 (char *)dev_type, "--quiet", NULL };
	char log[64], line[256];
	pid_t pid;
	FILE *f;
	int rc;

	fprintf(stderr, "tunlab walk: building lab %s (%s) ...\n", walk.lab,
		dev_type);
	snprintf(log, sizeof(log), "/tmp/tunlab-walk-%d.log", (int)getpid());
	walk.created = 1;
	pid = spawn(args, log);
	rc = pid < 0 ? -1 : reap(pid);
	if (rc != 0 && (f = fopen(log, "r"))) {
		while (fgets(line, sizeof(line), f))
			fprintf(stderr, "  %s", line);
		fclose(f);
	}
	unlink(log);
	if (rc != 0) {
		fprintf(stderr, "tunlab walk: could not build the lab\n");
		return EXIT_FAIL;
	}
	return 0;
}

/* Run the loop (the tracer reading) for ns, or until pid exits. */
static void run_for(struct evloop *loop, uint64_t ns, pid_t pid, int *status)
{
	uint64_t end = tl_now_ns() + ns;

	while (tl_now_ns() < end) {
		int st;

		evloop_once(loop, 20);
		if (pid > 0 && waitpid(pid, &st, WNOHANG) == pid) {
			*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			return;
		}
	}
}

/* The chat line, as in the seed's telnet: a chat server on office that
 * answers each line, one line typed on mobile, traced. */
static int walk_chat(struct evloop *loop, const char *to)
{
	char *srv[] = { walk.self, "exec", "--lab", walk.lab, "office", "--",
			walk.self, "app", "chat", "--server", "--echo",
			"--count", "1", "--quiet", NULL };
	char *cli[] = { walk.self, "exec", "--lab", walk.lab, "mobile", "--",
			walk.self, "app", "chat", "--message", "hello office",
			"--quiet", (char *)to, NULL };
	int status = -1;
	pid_t pid;

	walk.server = spawn(srv, NULL);
	/* The server binds, and the sources settle: the daemons' probe
	 * events reach a new probe socket only after about a second (as
	 * tunlab trace's tests wait before sending). */
	run_for(loop, 1200000000ull, 0, NULL);
	fprintf(stderr, "tunlab walk: mobile types \"hello office\" to %s "
		"(chat over TCP), traced ...\n", to);
	pid = spawn(cli, NULL);
	run_for(loop, WALK_CHAT_NS, pid, &status);
	if (status == -1) {
		kill(pid, SIGTERM);
		reap(pid);
	}
	run_for(loop, WALK_SETTLE_NS, 0, NULL);
	return status;
}

/* The chat line: the packet whose step 1 is mobile's chat app writing
 * it (the handshake before it has no step 1: the kernel makes it). */
static uint64_t walk_packet(const struct evstore *s)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct tl_event *ev = &s->ev[i];

		if (ev->pkt && ev->step == TL_STEP_APP_SEND &&
		    ev->source == TL_SRC_APP && strcmp(ev->host, "mobile") == 0 &&
		    strcmp(ev->dev, "chat") == 0)
			return ev->pkt;
	}
	return 0;
}

struct walk_export {
	const struct evstore *s;
	const char *prefix;
};

/* The recap's offer: the trace as pcapng, and its text narrative. */
static int walk_export(void *ctx, char *msg, size_t n)
{
	struct walk_export *we = ctx;
	struct tracefile_writer *w = NULL;
	char path[PATH_MAX], err[TRACEFILE_ERRBUF];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s.pcapng", we->prefix);
	rc = tracefile_create(&w, path, &we->s->info, err);
	for (size_t i = 0; !rc && i < we->s->n; i++)
		rc = tracefile_write(w, &we->s->ev[i], err);
	if (!rc && we->s->has_losses)
		rc = tracefile_write_losses(w, &we->s->losses, err);
	if (!rc) {
		rc = tracefile_close(w, err);
	} else if (w) {
		char ignored[TRACEFILE_ERRBUF];

		tracefile_close(w, ignored);
	}
	if (rc) {
		snprintf(msg, n, "%s", err);
		return -1;
	}
	snprintf(path, sizeof(path), "%s.txt", we->prefix);
	f = fopen(path, "w");
	if (!f) {
		snprintf(msg, n, "writing %s: %s", path, strerror(errno));
		return -1;
	}
	/* Closed whatever happened; the first error is the one to say. */
	rc = export_text(we->s, f);
	if (fclose(f) && !rc)
		rc = -errno;
	if (rc) {
		snprintf(msg, n, "writing %s: %s", path, strerror(-rc));
		return -1;
	}
	snprintf(msg, n, "saved %s.pcapng and %s.txt (tunlab view replays "
		 "the trace)", we->prefix, we->prefix);
	return 0;
}

/* The intro page's text, with this lab's names. */
static void walk_intro(char *out, size_t n, const struct lab *lab,
		       const char *to, uint64_t pkt)
{
	bool tap = lab->opts.dev_type == LAB_DEV_TAP;

	snprintf(out, n, "Lab %s runs two hosts in network namespaces: mobile "
		 "(the VPN client) and office (the VPN server), joined by a "
		 "wire; the VPN uses %s devices (%s). On mobile a chat app, "
		 "like the telnet of old, connected to %s port 23 over TCP "
		 "through the tunnel and typed one line, \"hello office\"; "
		 "the tracer recorded it at every point it could see. We "
		 "follow the TCP segment that carried the line (packet %"
		 PRIu64 "): seven steps out on mobile, then seven back in on "
		 "office.",
		 lab->name, tap ? "TAP" : "TUN", tap ?
		 "Ethernet frames, so ARP crosses the tunnel too" :
		 "bare IP packets", to, pkt);
}

int cmd_walk(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev-type", required_argument, NULL, 't' },
		{ "lab", required_argument, NULL, 'L' },
		{ "output", required_argument, NULL, 'o' },
		{ "ascii", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("walk");
	const char *dev_type = "tun", *name = NULL, *prefix = NULL;
	char uerr[UI_ERRLEN], to[LAB_ADDR_MAX], intro[1024], dflt[64];
	char lost[TRACEFILE_LOSSES_TEXT];
	struct walk_export we;
	struct live lv = { 0 };
	struct evloop *loop = NULL;
	struct ui *u = NULL;
	bool ascii = false;
	struct ui_opts o;
	struct evstore s;
	struct lab lab;
	uint64_t pkt;
	ssize_t len;
	int ch, rc = EXIT_FAIL;

	while ((ch = cli_getopt(cmd, argc, argv, "+t:L:o:a", longopts)) != -1) {
		switch (ch) {
		case 't':
			if (strcmp(optarg, "tun") && strcmp(optarg, "tap"))
				return cli_usage_error(cmd, "--dev-type: tun or "
						       "tap, not '%s'", optarg);
			dev_type = optarg;
			break;
		case 'L': name = optarg; break;
		case 'o': prefix = optarg; break;
		case 'a': ascii = true; break;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected '%s'", argv[optind]);
	if (name && !lab_name_valid(name))
		return cli_usage_error(cmd, "bad lab name '%s'", name);
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "tunlab walk: needs a terminal\n");
		return EXIT_FAIL;
	}
	len = readlink("/proc/self/exe", walk.self, sizeof(walk.self) - 1);
	if (len <= 0) {
		fprintf(stderr, "tunlab walk: where am I? %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	walk.self[len] = '\0';
	/* Cleanup on every way out: return, exit(), a signal. */
	atexit(walk_cleanup);
	ui_catch_signals(walk_on_signal);
	if (name) {
		snprintf(walk.lab, sizeof(walk.lab), "%s", name);
	} else {
		snprintf(walk.lab, sizeof(walk.lab), "tlwalk%d", (int)getpid());
		if (walk_lab_up(dev_type))
			return EXIT_FAIL;
	}
	evstore_init(&s);
	if (lab_pick("walk", walk.lab, &lab))
		goto out;
	snprintf(to, sizeof(to), "%s", lab_host_find(&lab, "office")->tun_addr4);
	to[strcspn(to, "/")] = '\0';
	loop = evloop_new();
	lv.store = &s;
	if (!loop || live_open(&lv, &lab, loop, true, "walk"))
		goto out;
	if (walk_chat(loop, to) != 0)
		fprintf(stderr, "tunlab walk: the chat line was not answered; "
			"walking what was seen\n");
	s.info.wall_offset_ns = tracer_wall_offset(lv.tracer);
	tracer_flush(lv.tracer);
	live_losses(&lv, &s.losses);
	s.has_losses = true;
	tracer_close(lv.tracer);
	lv.tracer = NULL;
	snprintf(s.info.app, sizeof(s.info.app), "tunlab %s", TL_VERSION);
	snprintf(s.info.lab, sizeof(s.info.lab), "%.31s", lab.name);
	pkt = walk_packet(&s);
	fprintf(stderr, "tunlab walk: %zu events traced\n", s.n);
	if (!pkt) {
		fprintf(stderr, "tunlab walk: the chat line was not traced "
			"(%zu events seen)\n", s.n);
		goto out;
	}
	snprintf(dflt, sizeof(dflt), "tunlab-walk-%s", dev_type);
	we = (struct walk_export){ &s, prefix ? prefix : dflt };
	walk_intro(intro, sizeof(intro), &lab, to, pkt);
	ui_opts_init(&o, UI_MODE_WALK, lab.name, ascii);
	snprintf(uerr, sizeof(uerr), "packet %" PRIu64 " is not in the "
		 "trace", pkt);
	if (ui_new(&u, &s, &o, uerr) || ui_walk_setup(u, pkt, intro,
						       walk_export, &we)) {
		fprintf(stderr, "tunlab walk: %s\n", uerr);
		goto out;
	}
	export_losses_text(&s, lost, sizeof(lost));
	ui_set_losses(u, lost);
	rc = ui_run(u, loop) < 0 ? EXIT_FAIL : EXIT_OK;
out:
	tracer_close(lv.tracer);
	ui_free(u);
	evloop_free(loop);
	evstore_free(&s);
	walk_cleanup();
	return ui_exit(rc);
}
