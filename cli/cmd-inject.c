// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab inject KIND: bad datagrams at a tunnel endpoint, on purpose
 * (tunnel/inject.h).  Run inside a lab host (tunlab exec HOST -- tunlab
 * inject ...): the endpoint, the peer-id and the tunnel's addresses come
 * from this host's daemon status file, /run/tunlab/LAB/tunnel-HOST.status.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "inject.h"
#include "lab-tunnel.h"
#include "lab.h"
#include "wire.h"

#define STATUS_PEERS	64
#define SPOOF_HOST	99	/* default forged source: host .99 */

/* A "peer" line of a daemon's status file. */
struct status_peer {
	uint32_t id;
	struct in_addr addr;		/* tunnel address, 0 if "-" */
	struct sockaddr_in remote;	/* port 0 if "-" */
};

/* What this host's daemon says about itself in its status file. */
struct host_tunnel {
	bool found, server;
	char dev[32];
	int npeers;
	struct status_peer peers[STATUS_PEERS];
};

/* Split "HOST[:PORT]" into host (n bytes) and *port (0 if none); -1 if
 * host is too long or the port is not 1..65535. */
static int split_host_port(const char *s, char *host, size_t n, long *port)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	char *end;

	if (len >= n)
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	*port = 0;
	if (!colon)
		return 0;
	*port = strtol(colon + 1, &end, 10);
	return *end || end == colon + 1 || *port < 1 || *port > 65535 ? -1 : 0;
}

/* Parse "A.B.C.D:PORT", the port required; -1 if it is not one. */
static int parse_addr_port(const char *s, struct sockaddr_in *sin)
{
	char host[INET_ADDRSTRLEN];
	long port;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (split_host_port(s, host, sizeof(host), &port) || !port ||
	    inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

/* Read this host's daemon status (lab and host from the environment
 * tunlab exec sets); ht->found stays false if there is none. */
static void read_status(const char *lab, const char *host,
			struct host_tunnel *ht)
{
	char path[LAB_DIR_MAX + 64], line[256];
	FILE *f;

	memset(ht, 0, sizeof(*ht));
	if (!lab || !host || !lab_name_valid(lab) || strchr(host, '/'))
		return;
	snprintf(path, sizeof(path), LAB_RUN_DIR "/%s/" LAB_STATUS_FMT, lab,
		 host);
	f = fopen(path, "r");
	if (!f)
		return;
	ht->found = true;
	while (fgets(line, sizeof(line), f)) {
		char name[64], a4[64], remote[64];
		unsigned int id;

		if (strcmp(line, "role server\n") == 0)
			ht->server = true;
		else if (sscanf(line, "dev %31s", ht->dev) == 1)
			continue;
		else if (ht->npeers < STATUS_PEERS &&
			 sscanf(line, "peer %u %63s %63s %63s", &id, name, a4,
				remote) == 4) {
			struct status_peer *p = &ht->peers[ht->npeers++];

			p->id = id;
			if (inet_pton(AF_INET, a4, &p->addr) != 1)
				p->addr.s_addr = 0;
			if (parse_addr_port(remote, &p->remote))
				p->remote.sin_port = 0;
		}
	}
	fclose(f);
}

/* The tunnel's subnet on this host's device: the server keeps its first
 * address (the gateway, 10.8.0.1).  -1 if the device has no IPv4. */
static int tunnel_subnet(const char *dev, struct in_addr *net,
			 struct in_addr *mask)
{
	struct ifaddrs *ifa, *i;
	int rc = -1;

	if (!dev[0] || getifaddrs(&ifa))
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
		    !i->ifa_netmask || strcmp(i->ifa_name, dev))
			continue;
		*mask = ((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
		net->s_addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr &
			      mask->s_addr;
		rc = 0;
		break;
	}
	freeifaddrs(ifa);
	return rc;
}

/* Host n of a subnet (n counted from the network address). */
static struct in_addr subnet_host(struct in_addr net, uint32_t n)
{
	struct in_addr a = { .s_addr = htonl(ntohl(net.s_addr) + n) };

	return a;
}

/* A wire end's IPv4 address and netmask (host order); -1 if it has none. */
static int end_addr(const struct lab_end *end, struct in_addr *addr,
		    uint32_t *mask)
{
	char a[LAB_ADDR_MAX], *slash;
	int prefix = 32;

	snprintf(a, sizeof(a), "%s", end->addr4);
	slash = strchr(a, '/');
	if (slash) {
		*slash = '\0';
		prefix = atoi(slash + 1);
	}
	if (inet_pton(AF_INET, a, addr) != 1 || prefix < 1 || prefix > 32)
		return -1;
	*mask = ~0u << (32 - prefix);
	return 0;
}

/* The IPv4 address of lab host name that host `from` reaches: on a wire
 * subnet they share, else its first wire address (behind a router). */
static int lab_host_addr(const char *labname, const char *from,
			 const char *name, struct in_addr *out, char *err)
{
	static struct lab lab;
	char lerr[LAB_ERRBUF];
	struct in_addr mine[2 * LAB_MAX_WIRES];
	uint32_t mine_mask[2 * LAB_MAX_WIRES];
	int nmine = 0, found = 0;

	if (!labname) {
		snprintf(err, INJECT_ERRBUF, "'%s' is not an IPv4 address, "
			 "and there is no lab to find a host in (run it with "
			 "tunlab exec, or give --lab)", name);
		return -EINVAL;
	}
	if (labstate_load(labname, &lab, lerr)) {
		snprintf(err, INJECT_ERRBUF, "%.250s", lerr);
		return -ENOENT;
	}
	if (!lab_host_find(&lab, name)) {
		snprintf(err, INJECT_ERRBUF, "lab %s has no host '%.64s'",
			 labname, name);
		return -ENOENT;
	}
	for (int w = 0; w < lab.nwires; w++) {
		for (int e = 0; e < 2; e++) {
			const struct lab_end *end = &lab.wires[w].end[e];

			if (from && !strcmp(lab.hosts[end->host].name, from) &&
			    !end_addr(end, &mine[nmine], &mine_mask[nmine]))
				nmine++;
		}
	}
	for (int w = 0; w < lab.nwires && found < 2; w++) {
		for (int e = 0; e < 2 && found < 2; e++) {
			const struct lab_end *end = &lab.wires[w].end[e];
			struct in_addr a;
			uint32_t m;

			if (strcmp(lab.hosts[end->host].name, name) ||
			    end_addr(end, &a, &m))
				continue;
			if (!found) {
				*out = a;
				found = 1;
			}
			for (int i = 0; i < nmine; i++) {
				if (((ntohl(a.s_addr) ^ ntohl(mine[i].s_addr)) &
				     mine_mask[i]) == 0) {
					*out = a;
					found = 2;
				}
			}
		}
	}
	if (!found) {
		snprintf(err, INJECT_ERRBUF, "host %.64s has no IPv4 address "
			 "on a wire", name);
		return -ENOENT;
	}
	return 0;
}

/* --to HOST[:PORT]: an IPv4 address or a lab host's name, and perhaps a
 * port (sin_port stays 0 without one). */
static int parse_to(const char *to, const char *lab, const char *host,
		    struct sockaddr_in *sin, char *err)
{
	char name[64];
	long port;

	if (split_host_port(to, name, sizeof(name), &port)) {
		snprintf(err, INJECT_ERRBUF, "HOST[:PORT], the port 1..65535");
		return -EINVAL;
	}
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, name, &sin->sin_addr) == 1)
		return 0;
	return lab_host_addr(lab, host, name, &sin->sin_addr, err);
}

/* Is this process in a network namespace of a lab (/run/netns/tl*, the
 * names tunlab gives them)?  The packets of tunlab inject belong there;
 * the machine's own namespace is never one. */
static bool in_lab_namespace(void)
{
	struct stat self, ns;
	struct dirent *d;
	bool found = false;
	DIR *dir;

	if (stat("/proc/self/ns/net", &self))
		return false;
	dir = opendir("/run/netns");
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		char path[300];

		if (strncmp(d->d_name, "tl", 2))
			continue;
		snprintf(path, sizeof(path), "/run/netns/%s", d->d_name);
		found = stat(path, &ns) == 0 && ns.st_dev == self.st_dev &&
			ns.st_ino == self.st_ino;
	}
	closedir(dir);
	return found;
}

/* Complete cfg's endpoint from this host's daemon: without --to, the
 * peer it talks to; with --to, the port and peer-id of the peer at that
 * address, if it is one.  Also the address to nudge for a capture. */
static int endpoint(struct inject_cfg *cfg, const struct host_tunnel *ht,
		    bool given, char *err)
{
	struct in_addr net, mask;

	for (int i = 0; i < ht->npeers; i++) {
		const struct status_peer *p = &ht->peers[i];

		if (!p->remote.sin_port || (given &&
		    p->remote.sin_addr.s_addr != cfg->to.sin_addr.s_addr))
			continue;
		if (!given)
			cfg->to = p->remote;
		else if (!cfg->to.sin_port)
			cfg->to.sin_port = p->remote.sin_port;
		cfg->peer_id = p->id;
		/* The server nudges the client at its tunnel address. */
		if (ht->server)
			cfg->nudge = p->addr;
		break;
	}
	if (!cfg->to.sin_addr.s_addr) {
		snprintf(err, INJECT_ERRBUF, "no endpoint: give --to HOST[:PORT]"
			 "%s", ht->found ? " (this host's daemon has no peer "
			 "yet)" : " (no tunnel daemon runs in this host, or "
			 "this is not tunlab exec)");
		return -EDESTADDRREQ;
	}
	if (!cfg->to.sin_port)
		cfg->to.sin_port = htons(TL_WIRE_DATA_PORT);
	/* A client nudges the server at the gateway, the subnet's first
	 * address. */
	if (!ht->server && ht->found && !tunnel_subnet(ht->dev, &net, &mask))
		cfg->nudge = subnet_host(net, 1);
	return 0;
}

/* spoof-source: the gateway as the destination and, unless --from gave
 * one, host .99 of the tunnel's subnet as the forged source. */
static int inner_addresses(struct inject_cfg *cfg, const struct host_tunnel *ht,
			   char *err)
{
	struct in_addr net, mask;

	if (!ht->found || ht->server || tunnel_subnet(ht->dev, &net, &mask)) {
		snprintf(err, INJECT_ERRBUF, "runs in a client host whose "
			 "daemon is up (it sends through the tunnel: tunlab "
			 "exec mobile -- tunlab inject spoof-source)");
		return -EINVAL;
	}
	cfg->inner_dst = subnet_host(net, 1);
	if (cfg->inner_src.s_addr)
		return 0;
	if (ntohl(~mask.s_addr) <= SPOOF_HOST) {
		snprintf(err, INJECT_ERRBUF, "the tunnel's subnet is too small "
			 "for the default forged source: give --from ADDR");
		return -EINVAL;
	}
	cfg->inner_src = subnet_host(net, SPOOF_HOST);
	return 0;
}

/* The line that sums up what was sent and the drops to expect. */
static void print_summary(const struct inject_cfg *cfg,
			  const struct inject_result *res)
{
	const struct inject_kind_info *k = inject_kind(cfg->kind);
	char to[INET_ADDRSTRLEN], src[INET_ADDRSTRLEN];

	if (k->needs & INJECT_INNER) {
		inet_ntop(AF_INET, &cfg->inner_src, src, sizeof(src));
		inet_ntop(AF_INET, &cfg->inner_dst, to, sizeof(to));
		printf("tunlab inject: sent %u %s packet%s (%zu bytes) from %s "
		       "to %s through the tunnel; expect %u \"%s\"\n",
		       res->sent, k->name, res->sent == 1 ? "" : "s",
		       res->bytes, src, to, res->sent, inject_drop_name(k));
		return;
	}
	inet_ntop(AF_INET, &cfg->to.sin_addr, to, sizeof(to));
	printf("tunlab inject: sent %u %s datagram%s (%zu..%zu bytes, %zu in "
	       "all) to %s:%u from port %u; expect", res->sent, k->name,
	       res->sent == 1 ? "" : "s", res->min_len, res->max_len,
	       res->bytes, to, ntohs(cfg->to.sin_port), res->src_port);
	for (int i = 0; i < res->nexpect; i++)
		printf("%s %u \"%s\"", i ? "," : "", res->expect[i].n,
		       res->expect[i].reason);
	printf("\n");
}

int cmd_inject(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "at", required_argument, NULL, 'a' },
		{ "peer-id", required_argument, NULL, 'p' },
		{ "key-id", required_argument, NULL, 'k' },
		{ "from", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'w' },
		{ "after", required_argument, NULL, 'A' },
		{ "no-nudge", no_argument, NULL, 'N' },
		{ "lab", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("inject");
	const char *lab = getenv("TUNLAB_LAB"), *host = getenv("TUNLAB_HOST");
	const char *to = NULL, *from = NULL;
	const struct inject_kind_info *k;
	struct inject_result res;
	struct inject_cfg cfg;
	struct host_tunnel ht;
	char err[INJECT_ERRBUF];
	bool quiet = false, nudge = true;
	unsigned long v;
	char *end;
	int ch, rc;

	inject_cfg_init(&cfg);
	cfg.seed = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
	while ((ch = cli_getopt(cmd, argc, argv, "t:c:a:p:k:f:s:w:A:NL:q",
				longopts)) != -1) {
		errno = 0;
		v = 0;
		if (optarg && strchr("capkswA", ch)) {
			v = strtoul(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-')
				return cli_usage_error(cmd, "'%s' is not a "
						       "number", optarg);
		}
		switch (ch) {
		case 't': to = optarg; break;
		case 'f': from = optarg; break;
		case 'L': lab = optarg; break;
		case 'N': nudge = false; break;
		case 'q': quiet = true; break;
		case 's': cfg.seed = (uint32_t)v; break;
		case 'c':
			if (v < 1 || v > INJECT_MAX_COUNT)
				return cli_usage_error(cmd, "--count: 1..%d",
						       INJECT_MAX_COUNT);
			cfg.count = (unsigned int)v;
			break;
		case 'a':
			if (v >= INJECT_MAX_DATAGRAM)
				return cli_usage_error(cmd, "--at: 0..%d",
						       INJECT_MAX_DATAGRAM - 1);
			cfg.at = (long)v;
			break;
		case 'p':
			if (v > TL_WIRE_PEER_ID_UNSET)
				return cli_usage_error(cmd, "--peer-id: 0..%u "
						       "(24 bits)",
						       TL_WIRE_PEER_ID_UNSET);
			cfg.forced_peer_id = (long)v;
			break;
		case 'k':
			if (v > TL_WIRE_KEY_ID_MASK)
				return cli_usage_error(cmd, "--key-id: 0..7 "
						       "(3 bits)");
			cfg.forced_key_id = (int)v;
			break;
		case 'A':
			if (v > INJECT_MAX_COUNT)
				return cli_usage_error(cmd, "--after: 0..%d",
						       INJECT_MAX_COUNT);
			cfg.after = (unsigned int)v;
			break;
		case 'w':
			if (v < 1 || v > 60000)
				return cli_usage_error(cmd, "--wait: 1..60000 ms");
			cfg.wait_ms = (int)v;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "KIND is missing");
	if (optind + 1 < argc)
		return cli_usage_error(cmd, "unexpected '%s'", argv[optind + 1]);
	if (inject_kind_parse(argv[optind], &cfg.kind)) {
		char list[256] = "";

		for (unsigned int i = 0; i < INJECT_KIND_MAX; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", i ? ", " : "",
				 inject_kind((enum inject_kind)i)->name);
		return cli_usage_error(cmd, "no kind '%s' (%s)", argv[optind],
				       list);
	}
	k = inject_kind(cfg.kind);
	if (cfg.at >= 0 && cfg.kind != INJECT_BITFLIP)
		return cli_usage_error(cmd, "--at is for bitflip");
	if (cfg.after && !(k->needs & INJECT_CAPTURE))
		return cli_usage_error(cmd, "--after is for bitflip and replay");
	if (from && !(k->needs & INJECT_INNER))
		return cli_usage_error(cmd, "--from is for spoof-source");
	if (from && inet_pton(AF_INET, from, &cfg.inner_src) != 1)
		return cli_usage_error(cmd, "--from: an IPv4 address, not '%s'",
				       from);

	/* Every packet of ours stays inside a lab. */
	if (!in_lab_namespace()) {
		fprintf(stderr, "tunlab inject: refusing to send from outside "
			"a lab: this network namespace is not one of tunlab's "
			"(/run/netns/tl*); run it in a lab host: tunlab exec "
			"HOST -- tunlab inject %s\n", k->name);
		return EXIT_FAIL;
	}
	read_status(lab, host, &ht);
	if (to && parse_to(to, lab, host, &cfg.to, err)) {
		fprintf(stderr, "tunlab inject: --to %s: %s\n", to, err);
		return EXIT_FAIL;
	}
	rc = k->needs & INJECT_INNER ? inner_addresses(&cfg, &ht, err) :
	     endpoint(&cfg, &ht, to != NULL, err);
	if (rc) {
		fprintf(stderr, "tunlab inject %s: %s\n", k->name, err);
		return EXIT_FAIL;
	}
	if (!nudge)
		cfg.nudge.s_addr = 0;

	cfg.out = quiet ? NULL : stdout;
	rc = inject_run(&cfg, &res, err);
	fflush(stdout);
	if (rc) {
		fprintf(stderr, "tunlab inject %s: %s\n", k->name, err);
		return EXIT_FAIL;
	}
	print_summary(&cfg, &res);
	if (cfg.kind == INJECT_GARBAGE)
		printf("tunlab inject: seed %u (--seed %u sends the same "
		       "again)\n", cfg.seed, cfg.seed);
	return EXIT_OK;
}
