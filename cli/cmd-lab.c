// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab up, down, status, exec: the lab topology (labs/lab.h).  Every
 * command that acts on a lab takes --lab NAME, and may leave it out when
 * exactly one lab runs.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "lab-tunnel.h"
#include "lab.h"
#include "probe.h"

#define MAX_LABS	256

/* What a command needs from the system, checked before it acts. */
enum {
	NEED_TUN = 0x01,
	NEED_IP = 0x02,
	NEED_NETNS = 0x04,
	NEED_SYSCTL = 0x08,
	NEED_ETHTOOL = 0x10,
};

/* Whether /dev/net/tun is a character device. */
static bool have_tun(void)
{
	struct stat st;

	return stat("/dev/net/tun", &st) == 0 && S_ISCHR(st.st_mode);
}

/* Whether the kernel has network namespaces. */
static bool have_netns(void)
{
	return access("/proc/self/ns/net", F_OK) == 0;
}

/* Whether iproute2's ip is installed. */
static bool have_ip(void)
{
	return cmdrun_have("ip");
}

/* Whether procps' sysctl is installed. */
static bool have_sysctl(void)
{
	return cmdrun_have("sysctl");
}

/* Whether ethtool is installed. */
static bool have_ethtool(void)
{
	return cmdrun_have("ethtool");
}

static const struct {
	unsigned int need;
	bool (*ok)(void);
	const char *missing;
} requirements[] = {
	{ NEED_TUN, have_tun, "/dev/net/tun is missing: load the tun module "
	  "(modprobe tun); in a container, pass the device in "
	  "(e.g. docker run --device /dev/net/tun --cap-add NET_ADMIN)" },
	{ NEED_NETNS, have_netns, "this kernel has no network namespaces "
	  "(/proc/self/ns/net is missing: it needs CONFIG_NET_NS)" },
	{ NEED_IP, have_ip, "the ip command (iproute2) is not installed: "
	  "apt-get install iproute2" },
	{ NEED_SYSCTL, have_sysctl, "the sysctl command (procps) is not "
	  "installed: apt-get install procps" },
	{ NEED_ETHTOOL, have_ethtool, "the ethtool command is not installed: "
	  "apt-get install ethtool (or keep the offloads with --offload)" },
};

/* Print what is missing of need; returns how many things are. */
static int check_needs(const char *cmd, unsigned int need)
{
	int missing = 0;

	for (size_t i = 0; i < sizeof(requirements) / sizeof(requirements[0]);
	     i++) {
		if (!(need & requirements[i].need) || requirements[i].ok())
			continue;
		fprintf(stderr, "tunlab %s: %s\n", cmd,
			requirements[i].missing);
		missing++;
	}
	return missing;
}

/* Names of the labs as "a, b, c" into buf; returns how many there are. */
static int lab_names(char (*names)[LAB_NAME_MAX + 1], char *buf, size_t len)
{
	size_t used = 0;
	int n;

	n = labstate_list(names, MAX_LABS);
	if (n < 0)
		n = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 names[i]);
	return n;
}

/* Load the lab called name, or the only lab when name is NULL; says why
 * not on stderr.  Returns 0 or EXIT_FAIL. */
int lab_pick(const char *cmd, const char *name, struct lab *lab)
{
	static char names[MAX_LABS][LAB_NAME_MAX + 1];
	char list[1024], err[LAB_ERRBUF];
	int n, rc;

	n = lab_names(names, list, sizeof(list));
	if (!name) {
		if (n == 0) {
			fprintf(stderr, "tunlab %s: no lab is running "
				"(tunlab up starts one)\n", cmd);
			return EXIT_FAIL;
		}
		if (n > 1) {
			fprintf(stderr, "tunlab %s: %d labs are running (%s): "
				"choose one with --lab NAME\n", cmd, n, list);
			return EXIT_FAIL;
		}
		name = names[0];
	}
	rc = labstate_load(name, lab, err);
	if (rc == -ENOENT) {
		if (n)
			fprintf(stderr, "tunlab %s: no lab named '%s' "
				"(running: %s)\n", cmd, name, list);
		else
			fprintf(stderr, "tunlab %s: no lab named '%s' (no lab "
				"is running)\n", cmd, name);
		return EXIT_FAIL;
	}
	if (rc < 0) {
		fprintf(stderr, "tunlab %s: %s\n", cmd, err);
		return EXIT_FAIL;
	}
	return 0;
}

/* Sleep ms milliseconds. */
static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* "mobile/w0 (tl3fa2m-w0)": how users see a device. */
static void end_label(const struct lab *lab, const struct lab_end *e,
		      char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s (%s)", lab->hosts[e->host].name, e->role,
		 e->ifname);
}

/* Draw the hosts: the clients fan in, then the chain to office and lan. */
static void draw_hosts(const struct lab *lab)
{
	int n = lab->opts.clients, mid = (n - 1) / 2;
	char chain[128];

	snprintf(chain, sizeof(chain), "%s office%s",
		 lab->opts.router ? " internet ----" : "",
		 lab->opts.lan ? " ---- lan" : "");
	for (int k = 0; k < n; k++) {
		const char *h = lab->hosts[k].name;

		if (n == 1)
			printf("    %s ----%s\n", h, chain);
		else if (k == mid)
			printf("    %-8s ---+---%s\n", h, chain);
		else
			printf("    %-8s ---+\n", h);
	}
}

/* Draw every wire with its two ends and their addresses. */
static void draw_wires(const struct lab *lab)
{
	char a[64], b[64];
	int wa = 0, wb = 0;

	for (int i = 0; i < lab->nwires; i++) {
		const struct lab_wire *w = &lab->wires[i];

		end_label(lab, &w->end[0], a, sizeof(a));
		if ((int)strlen(a) > wa)
			wa = strlen(a);
		if ((int)strlen(w->end[0].addr4) > wb)
			wb = strlen(w->end[0].addr4);
	}
	for (int i = 0; i < lab->nwires; i++) {
		const struct lab_wire *w = &lab->wires[i];

		end_label(lab, &w->end[0], a, sizeof(a));
		end_label(lab, &w->end[1], b, sizeof(b));
		printf("    %-*s %*s <----> %s %s\n", wa, a, wb,
		       w->end[0].addr4, w->end[1].addr4, b);
		if (w->end[0].addr6[0])
			printf("    %-*s %*s        %s\n", wa, "", wb,
			       w->end[0].addr6, w->end[1].addr6);
	}
}

/* The summary tunlab up prints once the lab is up. */
static void print_summary(const struct lab *lab, pid_t owner, int nlabs)
{
	const struct lab_end *target = NULL;
	char with[LAB_NAME_MAX + 16] = "";

	/* Suggest a ping from mobile to office's nearest address. */
	for (int i = lab->nwires - 1; i >= 0; i--)
		if (strcmp(lab->hosts[lab->wires[i].end[1].host].name,
			   "office") == 0)
			target = &lab->wires[i].end[1];

	if (nlabs > 1)
		snprintf(with, sizeof(with), " --lab %s", lab->name);
	printf("\nLab %s is up (id %s): %d hosts, %d wire%s.\n\n", lab->name,
	       lab->id, lab->nhosts, lab->nwires, lab->nwires > 1 ? "s" : "");
	draw_hosts(lab);
	printf("\n");
	draw_wires(lab);
	printf("\n");
	for (int i = 0; i < lab->nhosts; i++) {
		const struct lab_host *h = &lab->hosts[i];
		char extra[LAB_ADDR_MAX + 32];

		snprintf(extra, sizeof(extra), "%s%s%s", h->gw4[0] ?
			 " default via " : "", h->gw4,
			 h->forward ? " (forwards)" : "");
		if (extra[0])
			printf("    %-8s netns %-16s%s\n", h->name, h->ns,
			       extra);
		else
			printf("    %-8s netns %s\n", h->name, h->ns);
	}
	printf("\n    The tunnel (%s mode; the daemons run in each host):\n",
	       lab_dev_type_name(lab->opts.dev_type));
	for (int i = 0; i < lab->nhosts; i++) {
		const struct lab_host *h = &lab->hosts[i];

		if (h->tun_ifname[0])
			printf("    %s/%s (%s) %s\n", h->name,
			       lab_dev_type_name(lab->opts.dev_type),
			       h->tun_ifname, h->tun_addr4);
	}
	if (owner > 0)
		printf("\nIts owner, pid %d, removes it on tunlab down.\n",
		       (int)owner);
	printf("\nTry:\n");
	printf("    tunlab exec%s mobile -- ping -c 3 10.8.0.1    "
	       "(through the tunnel)\n", with);
	if (target)
		printf("    tunlab exec%s mobile -- ping -c 3 %.*s   "
		       "(over the wire)\n", with,
		       (int)strcspn(target->addr4, "/"), target->addr4);
	printf("    tunlab status%s\n", with);
	printf("    tunlab down%s\n", with);
	fflush(stdout);
}

/* How long tunlab up waits for every client to connect. */
#define TUNNEL_WAIT_MS 15000

/* The owner's last log lines: why the tunnel did not come up. */
static void show_log_tail(const struct lab *lab)
{
	char path[LAB_DIR_MAX + 16], lines[8][256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", lab->dir, LAB_LOG_FILE);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(lines[n % 8], sizeof(lines[0]), f))
		n++;
	fclose(f);
	fprintf(stderr, "last lines of %s:\n", path);
	for (int i = n > 8 ? n - 8 : 0; i < n; i++)
		fprintf(stderr, "  %s", lines[i % 8]);
}

/* After a failed or interrupted build: remove what was built. */
static int undo_build(struct lab *lab, bool quiet)
{
	char err[LAB_ERRBUF];

	fprintf(stderr, "tunlab up: removing what was built of lab %s\n",
		lab->name);
	if (lab_teardown(lab, !quiet, err) < 0) {
		fprintf(stderr, "tunlab up: removing lab %s: %s (tunlab down "
			"--stale tries again)\n", lab->name, err);
	}
	return EXIT_FAIL;
}

/* tunlab up: build a lab, then hand it to its owner. */
int cmd_up(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dev-type", required_argument, NULL, 't' },
		{ "clients", required_argument, NULL, 'c' },
		{ "router", no_argument, NULL, 'r' },
		{ "lan", no_argument, NULL, 'l' },
		{ "ipv6", no_argument, NULL, '6' },
		{ "offload", no_argument, NULL, 'o' },
		{ "keylog", no_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "foreground", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static char names[MAX_LABS][LAB_NAME_MAX + 1];
	const struct cli_command *cmd = cli_find("up");
	struct lab_opts opts = { .dev_type = LAB_DEV_TUN, .clients = 1 };
	bool quiet = false, foreground = false;
	const char *name = NULL;
	char err[LAB_ERRBUF], opt_text[128], *end;
	unsigned int need;
	struct lab lab;
	pid_t owner;
	long v;
	int ch, sig;

	while ((ch = cli_getopt(cmd, argc, argv, "+t:c:rl6okn:qf",
				longopts)) != -1) {
		switch (ch) {
		case 't':
			if (lab_dev_type_parse(optarg, &opts.dev_type) < 0)
				return cli_usage_error(cmd, "unknown device "
						       "type '%s' (tun or tap)",
						       optarg);
			break;
		case 'c':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || v < 1 ||
			    v > LAB_MAX_CLIENTS)
				return cli_usage_error(cmd, "--clients takes a "
						       "number from 1 to %d, "
						       "not '%s'",
						       LAB_MAX_CLIENTS, optarg);
			opts.clients = v;
			break;
		case 'r':
			opts.router = true;
			break;
		case 'l':
			opts.lan = true;
			break;
		case '6':
			opts.ipv6 = true;
			break;
		case 'o':
			opts.offload = true;
			break;
		case 'k':
			opts.keylog = true;
			break;
		case 'n':
			if (!lab_name_valid(optarg))
				return cli_usage_error(cmd, "bad lab name '%s' "
						       "(up to %d letters, "
						       "digits, '-' or '_')",
						       optarg, LAB_NAME_MAX);
			name = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'f':
			foreground = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	need = NEED_TUN | NEED_NETNS | NEED_IP | NEED_SYSCTL;
	if (!opts.offload)
		need |= NEED_ETHTOOL;
	if (check_needs("up", need))
		return EXIT_FAIL;
	if (opts.ipv6 && access("/proc/sys/net/ipv6", F_OK) < 0) {
		fprintf(stderr, "tunlab up: --ipv6: this kernel has no IPv6 "
			"(/proc/sys/net/ipv6 is missing)\n");
		return EXIT_FAIL;
	}

	lab_signals_install();
	if (labstate_create(&lab, name, &opts, err) < 0) {
		fprintf(stderr, "tunlab up: %s\n", err);
		return EXIT_FAIL;
	}
	lab_opts_format(&opts, opt_text, sizeof(opt_text));
	if (!quiet) {
		printf("Building lab %s (id %s, %s); state in %s\n", lab.name,
		       lab.id, opt_text, lab.dir);
		fflush(stdout);
	}
	if (lab_build(&lab, !quiet, err) < 0) {
		fprintf(stderr, "tunlab up: building lab %s: %s\n", lab.name,
			err);
		return undo_build(&lab, quiet);
	}
	if (!quiet) {
		printf("+ tunlab pki --dir %s/%s --clients %d\n", lab.dir,
		       LAB_PKI_DIR, lab.opts.clients);
		fflush(stdout);
	}
	if (lab_tunnel_pki(&lab, err) < 0) {
		fprintf(stderr, "tunlab up: %s\n", err);
		return undo_build(&lab, quiet);
	}

	if (foreground) {
		if (labstate_take(&lab, "up", false, err) < 0) {
			fprintf(stderr, "tunlab up: %s\n", err);
			return undo_build(&lab, quiet);
		}
		if (lab_tunnel_start(&lab, err) < 0 ||
		    lab_tunnel_wait(&lab, TUNNEL_WAIT_MS, err) < 0) {
			fprintf(stderr, "tunlab up: %s\n", err);
			return undo_build(&lab, quiet);
		}
		print_summary(&lab, 0, lab_names(names, err, sizeof(err)));
		printf("\nRunning in the foreground: Ctrl-C removes the "
		       "lab.\n");
		fflush(stdout);
		sig = lab_owner_wait(&lab);
		printf("\n%s: removing lab %s\n", strsignal(sig), lab.name);
		fflush(stdout);
		if (lab_teardown(&lab, !quiet, err) < 0) {
			fprintf(stderr, "tunlab up: removing lab %s: %s "
				"(tunlab down --stale tries again)\n",
				lab.name, err);
			return EXIT_FAIL;
		}
		printf("Lab %s is down.\n", lab.name);
		return EXIT_OK;
	}

	owner = lab_owner_detach(&lab, err);
	if (owner < 0) {
		fprintf(stderr, "tunlab up: %s\n", err);
		return undo_build(&lab, quiet);
	}
	if (owner == 0) {
		/* The background owner, output going to its log.  If the
		 * daemons cannot start, tunlab up sees them missing and
		 * stops this owner. */
		if (lab_tunnel_start(&lab, err) < 0)
			printf("starting the tunnel: %s\n", err);
		fflush(stdout);
		sig = lab_owner_wait(&lab);
		printf("%s: removing lab %s\n", strsignal(sig), lab.name);
		fflush(stdout);
		if (lab_teardown(&lab, true, err) < 0) {
			printf("removing lab %s: %s\n", lab.name, err);
			return EXIT_FAIL;
		}
		return EXIT_OK;
	}
	if (lab_stop_requested()) {
		/* Interrupted while handing over: the new owner removes it. */
		kill(owner, SIGTERM);
		fprintf(stderr, "tunlab up: interrupted: lab %s is being "
			"removed by its owner (pid %d)\n", lab.name,
			(int)owner);
		return EXIT_FAIL;
	}
	if (lab_tunnel_wait(&lab, TUNNEL_WAIT_MS, err) < 0) {
		fprintf(stderr, "tunlab up: %s; removing the lab\n", err);
		show_log_tail(&lab);
		kill(owner, SIGTERM);
		return EXIT_FAIL;
	}
	print_summary(&lab, owner, lab_names(names, err, sizeof(err)));
	return EXIT_OK;
}

/* Remove one stale lab (owner gone) from its state; message on stderr. */
static int remove_from_state(struct lab *lab, bool quiet, const char *why)
{
	char err[LAB_ERRBUF];
	pid_t old = lab->owner;

	if (labstate_take(lab, "stopping", true, err) < 0) {
		fprintf(stderr, "tunlab down: %s\n", err);
		return EXIT_FAIL;
	}
	printf("Removing lab %s from its state (%s, pid %d)\n", lab->name, why,
	       (int)old);
	fflush(stdout);
	if (lab_teardown(lab, !quiet, err) < 0) {
		fprintf(stderr, "tunlab down: removing lab %s: %s\n",
			lab->name, err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Down one lab: ask its owner (SIGTERM) and wait, bounded; if the owner is
 * gone or does not finish, remove the lab from its state. */
static int down_lab(const char *name, bool quiet)
{
	char err[LAB_ERRBUF];
	pid_t signalled = 0;
	struct lab lab;
	int rc;

	for (int t = 0; t <= LAB_STOP_WAIT_MS; t += 50) {
		rc = labstate_load(name, &lab, err);
		if (rc == -ENOENT) {
			printf("Lab %s is down.\n", name);
			return EXIT_OK;
		}
		if (rc < 0) {
			fprintf(stderr, "tunlab down: %s\n", err);
			return EXIT_FAIL;
		}
		if (!labstate_owner_alive(&lab)) {
			/* Perhaps the owner has just finished: look again. */
			sleep_ms(50);
			if (labstate_load(name, &lab, err) == -ENOENT)
				continue;
			if (labstate_owner_alive(&lab))
				continue;
			rc = remove_from_state(&lab, quiet,
					       "its owner is gone");
			if (rc == EXIT_OK)
				printf("Lab %s is down.\n", name);
			return rc;
		}
		/* The owner may change (tunlab up hands over to its
		 * background owner): signal each owner once. */
		if (lab.owner != signalled) {
			if (!quiet)
				printf("+ kill -TERM %d   # the owner of lab "
				       "%s\n", (int)lab.owner, name);
			fflush(stdout);
			lab_proc_signal(lab.owner, lab.owner_start, SIGTERM);
			signalled = lab.owner;
		}
		if (lab_stop_requested()) {
			fprintf(stderr, "tunlab down: interrupted: the owner "
				"of lab %s (pid %d) goes on removing it\n",
				name, (int)lab.owner);
			return EXIT_FAIL;
		}
		sleep_ms(50);
	}
	fprintf(stderr, "tunlab down: the owner of lab %s (pid %d) did not "
		"finish within %d s: killing it\n", name, (int)lab.owner,
		LAB_STOP_WAIT_MS / 1000);
	lab_proc_signal(lab.owner, lab.owner_start, SIGKILL);
	for (int t = 0; t < 2000 && labstate_owner_alive(&lab); t += 50)
		sleep_ms(50);
	rc = remove_from_state(&lab, quiet, "its owner was killed");
	if (rc == EXIT_OK)
		printf("Lab %s is down.\n", name);
	return rc;
}

/* Remove tracefs instances "tunlab-PID" whose process is gone. */
static int remove_stale_instances(void)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing/instances",
		"/sys/kernel/debug/tracing/instances",
	};
	char path[512];
	int removed = 0;

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct dirent *de;
		DIR *d = opendir(roots[i]);
		char *end;
		long pid;

		while (d && (de = readdir(d))) {
			if (strncmp(de->d_name, "tunlab-", 7) != 0)
				continue;
			pid = strtol(de->d_name + 7, &end, 10);
			if (*end || pid <= 0 || lab_proc_alive(pid, 0))
				continue;
			snprintf(path, sizeof(path), "%s/%s", roots[i],
				 de->d_name);
			printf("+ rmdir %s\n", path);
			if (rmdir(path) == 0)
				removed++;
			else if (errno != ENOENT)
				fprintf(stderr, "tunlab down: rmdir %s: %s\n",
					path, strerror(errno));
		}
		if (d)
			closedir(d);
	}
	return removed;
}

/* tunlab down --stale: every lab whose owner is gone, never a live one. */
static int down_stale(bool quiet)
{
	static char names[MAX_LABS][LAB_NAME_MAX + 1];
	char err[LAB_ERRBUF];
	int n, removed = 0, status = EXIT_OK, rc;
	struct lab lab;

	n = labstate_list(names, MAX_LABS);
	for (int i = 0; i < n; i++) {
		rc = labstate_load(names[i], &lab, err);
		if (rc == -ENOENT) {
			rc = labstate_remove_orphan(names[i], err);
			if (rc > 0) {
				printf("Removed %s/%s (no state in it)\n",
				       LAB_RUN_DIR, names[i]);
				removed++;
			}
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "tunlab down: %s: left alone\n", err);
			status = EXIT_FAIL;
			continue;
		}
		if (labstate_owner_alive(&lab)) {
			printf("Lab %s is live (owner pid %d): left alone\n",
			       lab.name, (int)lab.owner);
			continue;
		}
		if (remove_from_state(&lab, quiet, "stale: its owner is gone")
		    != EXIT_OK) {
			status = EXIT_FAIL;
			continue;
		}
		printf("Lab %s is down.\n", lab.name);
		removed++;
	}
	removed += remove_stale_instances();
	if (!removed && status == EXIT_OK)
		printf("Nothing stale to remove.\n");
	return status;
}

/* tunlab down: remove one lab, the stale ones, or all. */
int cmd_down(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lab", required_argument, NULL, 'L' },
		{ "stale", no_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	static char names[MAX_LABS][LAB_NAME_MAX + 1];
	const struct cli_command *cmd = cli_find("down");
	bool stale = false, all = false, quiet = false;
	char err[LAB_ERRBUF];
	const char *name = NULL;
	int ch, n, status = EXIT_OK;
	struct lab lab;

	while ((ch = cli_getopt(cmd, argc, argv, "+L:saq", longopts)) != -1) {
		switch (ch) {
		case 'L':
			name = optarg;
			break;
		case 's':
			stale = true;
			break;
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if ((name != NULL) + stale + all > 1)
		return cli_usage_error(cmd, "--lab, --stale and --all exclude "
				       "each other");
	if (name && !lab_name_valid(name))
		return cli_usage_error(cmd, "bad lab name '%s'", name);
	if (check_needs("down", NEED_IP))
		return EXIT_FAIL;
	/* Our own teardown must not be cut short by a second Ctrl-C. */
	lab_signals_install();
	if (stale)
		return down_stale(quiet);
	if (all) {
		n = labstate_list(names, MAX_LABS);
		if (n <= 0)
			printf("No lab is running.\n");
		for (int i = 0; i < n; i++) {
			if (labstate_remove_orphan(names[i], err) > 0)
				continue;
			if (down_lab(names[i], quiet) != EXIT_OK)
				status = EXIT_FAIL;
		}
		return status;
	}
	if (lab_pick("down", name, &lab))
		return EXIT_FAIL;
	return down_lab(lab.name, quiet);
}

/* Run a command whose output goes to the status display, indented. */
static void show_cmd(const char *fmt, const char *ns)
{
	struct cmdrun r = { .echo = false };
	char out[8192], line[256];

	r.out = out;
	r.outlen = sizeof(out);
	snprintf(line, sizeof(line), fmt, ns);
	printf("  $ %s\n", line);
	if (cmdrun(&r, "%s", line) < 0) {
		printf("    (%s)\n", r.err);
		return;
	}
	for (char *p = strtok(out, "\n"); p; p = strtok(NULL, "\n"))
		printf("    %s\n", p);
}

/* Status of the lab as a whole: owner, options, tunnel, processes. */
static void status_lab(const struct lab *lab)
{
	char opts[128];

	lab_opts_format(&lab->opts, opts, sizeof(opts));
	printf("Lab %s (id %s): %s\n", lab->name, lab->id, lab->phase);
	if (labstate_owner_alive(lab))
		printf("  owner:    pid %d\n", (int)lab->owner);
	else
		printf("  owner:    pid %d is gone: the lab is stale "
		       "(tunlab down --stale removes it)\n", (int)lab->owner);
	printf("  options:  %s\n", opts);
	printf("  run dir:  %s\n", lab->dir);
	printf("  tunnel:   10.8.0.0/24%s, %s mode\n", lab->opts.ipv6 ?
	       " and fd00:8::/64" : "", lab_dev_type_name(lab->opts.dev_type));
	for (int i = 0; i < lab->nhosts; i++) {
		const struct lab_host *h = &lab->hosts[i];

		if (h->tun_ifname[0])
			printf("            %s/%s (%s) %s%s%s\n", h->name,
			       lab_dev_type_name(lab->opts.dev_type),
			       h->tun_ifname, h->tun_addr4,
			       h->tun_addr6[0] ? " " : "", h->tun_addr6);
	}
	if (lab->nprocs == 0)
		printf("  processes: none\n");
	for (int i = 0; i < lab->nprocs; i++)
		printf("  process:  pid %d %s (%s)\n", (int)lab->procs[i].pid,
		       lab->procs[i].what,
		       lab_proc_alive(lab->procs[i].pid, lab->procs[i].start) ?
		       "running" : "ended");
	printf("\nWires:\n");
	draw_wires(lab);
	printf("\nTunnel daemons (their counters, updated every second):\n");
	lab_tunnel_print(lab, "  ");
}

/* tunlab status with several labs: one line each. */
static int status_list(char (*names)[LAB_NAME_MAX + 1], int n)
{
	char err[LAB_ERRBUF];
	struct lab lab;

	printf("%d labs are running:\n", n);
	for (int i = 0; i < n; i++) {
		if (labstate_load(names[i], &lab, err) < 0) {
			printf("  %-16s (%s)\n", names[i], err);
			continue;
		}
		printf("  %-16s %-9s owner pid %d%s, %d hosts\n", lab.name,
		       lab.phase, (int)lab.owner,
		       labstate_owner_alive(&lab) ? "" : " (gone: stale)",
		       lab.nhosts);
	}
	printf("tunlab status --lab NAME shows one.\n");
	return EXIT_OK;
}

/* tunlab status: what a lab is made of, as the kernel sees it now. */
int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lab", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	static char names[MAX_LABS][LAB_NAME_MAX + 1];
	const struct cli_command *cmd = cli_find("status");
	const char *name = NULL;
	char list[1024];
	struct lab lab;
	int ch, n;

	while ((ch = cli_getopt(cmd, argc, argv, "+L:", longopts)) != -1) {
		if (ch != 'L')
			return EXIT_USAGE;
		name = optarg;
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (name && !lab_name_valid(name))
		return cli_usage_error(cmd, "bad lab name '%s'", name);
	if (check_needs("status", NEED_NETNS | NEED_IP))
		return EXIT_FAIL;
	if (!name) {
		n = lab_names(names, list, sizeof(list));
		if (n == 0) {
			printf("No lab is running (tunlab up starts one).\n");
			return EXIT_OK;
		}
		if (n > 1)
			return status_list(names, n);
	}
	if (lab_pick("status", name, &lab))
		return EXIT_FAIL;
	status_lab(&lab);
	for (int i = 0; i < lab.nhosts; i++) {
		const struct lab_host *h = &lab.hosts[i];
		char path[128];

		printf("\nHost %s (namespace %s)%s\n", h->name, h->ns,
		       h->forward ? ", forwards packets" : "");
		snprintf(path, sizeof(path), "/run/netns/%s", h->ns);
		if (access(path, F_OK) < 0) {
			printf("  namespace %s is missing\n", h->ns);
			continue;
		}
		show_cmd("ip -n %s -br addr", h->ns);
		show_cmd("ip -n %s route", h->ns);
		if (lab.opts.ipv6)
			show_cmd("ip -n %s -6 route", h->ns);
	}
	return EXIT_OK;
}

/* tunlab exec: run a command in a lab host, keeping its exit status. */
int cmd_exec(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lab", required_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("exec");
	const struct lab_host *host;
	const char *name = NULL;
	char hosts[256], path[128];
	struct lab lab;
	char **args;
	int ch, i;

	while ((ch = cli_getopt(cmd, argc, argv, "+L:", longopts)) != -1) {
		if (ch != 'L')
			return EXIT_USAGE;
		name = optarg;
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "HOST is missing");
	i = optind + 1;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return cli_usage_error(cmd, "CMD is missing (tunlab exec "
				       "HOST -- CMD...)");
	if (name && !lab_name_valid(name))
		return cli_usage_error(cmd, "bad lab name '%s'", name);
	if (check_needs("exec", NEED_NETNS | NEED_IP))
		return EXIT_FAIL;
	if (lab_pick("exec", name, &lab))
		return EXIT_FAIL;
	host = lab_host_find(&lab, argv[optind]);
	if (!host) {
		lab_host_list(&lab, hosts, sizeof(hosts));
		fprintf(stderr, "tunlab exec: lab %s has no host '%s' "
			"(hosts: %s)\n", lab.name, argv[optind], hosts);
		return EXIT_FAIL;
	}
	snprintf(path, sizeof(path), "/run/netns/%s", host->ns);
	if (access(path, F_OK) < 0) {
		fprintf(stderr, "tunlab exec: namespace %s of host %s is "
			"missing\n", host->ns, host->name);
		return EXIT_FAIL;
	}
	/* The lab apps (and anything else that cares) learn where they run
	 * and where to publish probe events from the environment. */
	snprintf(path, sizeof(path), "%s/%s", lab.dir, TL_PROBE_SOCK_NAME);
	if (setenv(TL_PROBE_ENV, path, 1) || setenv("TUNLAB_HOST", host->name, 1) ||
	    setenv("TUNLAB_LAB", lab.name, 1)) {
		fprintf(stderr, "tunlab exec: %s\n", strerror(errno));
		return EXIT_FAIL;
	}
	/* ip netns exec also mounts the namespace's own /sys. */
	args = calloc(argc - i + 5, sizeof(*args));
	if (!args) {
		fprintf(stderr, "tunlab exec: out of memory\n");
		return EXIT_FAIL;
	}
	args[0] = "ip";
	args[1] = "netns";
	args[2] = "exec";
	args[3] = (char *)host->ns;
	memcpy(args + 4, argv + i, (argc - i) * sizeof(*args));
	fflush(NULL);
	execvp("ip", args);
	fprintf(stderr, "tunlab exec: cannot run ip: %s\n", strerror(errno));
	free(args);
	return EXIT_FAIL;
}
