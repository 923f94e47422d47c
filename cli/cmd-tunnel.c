// SPDX-License-Identifier: GPL-2.0-only
/* tunlab tunnel: run the VPN daemon (tunnel/tunnel.h). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pki.h"
#include "probe.h"
#include "tunnel.h"

/* Parse a number in [min, max]; -1 if it is not one. */
static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return (errno || end == s || *end || *v < min || *v > max) ? -1 : 0;
}

/* Paths of the CA, certificate and key in a directory made by tunlab pki. */
static int pki_files(const char *dir, const char *name, char *ca, char *cert,
		     char *key, size_t n)
{
	return pki_path(ca, n, dir, PKI_CA_NAME, "crt") ||
	       pki_path(cert, n, dir, name, "crt") ||
	       pki_path(key, n, dir, name, "key") ? -1 : 0;
}

int cmd_tunnel(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", no_argument, NULL, 's' },
		{ "remote", required_argument, NULL, 'r' },
		{ "dev-type", required_argument, NULL, 't' },
		{ "dev", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "control-port", required_argument, NULL, 'P' },
		{ "bind", required_argument, NULL, 'b' },
		{ "pki", required_argument, NULL, 'k' },
		{ "name", required_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'A' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'K' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "pool", required_argument, NULL, 'o' },
		{ "pool6", required_argument, NULL, 'O' },
		{ "route", required_argument, NULL, 'R' },
		{ "reserve", required_argument, NULL, 'z' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "wire-mtu", required_argument, NULL, 'w' },
		{ "rekey-packets", required_argument, NULL, 'x' },
		{ "rekey-seconds", required_argument, NULL, 'X' },
		{ "keylog", required_argument, NULL, 'L' },
		{ "user", required_argument, NULL, 'u' },
		{ "group", required_argument, NULL, 'g' },
		{ "probe", required_argument, NULL, 'e' },
		{ "host", required_argument, NULL, 'H' },
		{ "status", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "offload", no_argument, NULL, 'F' },
		{ "busy-poll", required_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("tunnel");
	struct tunnel_cfg cfg = {
		.data_port = 1194, .control_port = 1195, .wire_mtu = 1500,
		.cipher = CRYPTO_AES_256_GCM, .user = "nobody",
		.busy_poll_us = -1,
		.probe_path = getenv(TL_PROBE_ENV), .host = getenv("TUNLAB_HOST"),
	};
	const char *pki = NULL, *name = NULL, *dev_type = "tun";
	char ca[512], cert[512], key[512], err[TUNNEL_ERRBUF];
	unsigned long v;
	int ch, rc;

	while ((ch = cli_getopt(cmd, argc, argv,
				"+sr:t:d:p:P:b:k:n:A:C:K:c:o:O:R:z:m:w:x:X:L:u:g:e:H:S:vFB:",
				longopts)) != -1) {
		switch (ch) {
		case 's': cfg.server = true; break;
		case 'r': cfg.remote = optarg; break;
		case 't': dev_type = optarg; break;
		case 'd': cfg.dev = optarg; break;
		case 'b': cfg.bind = optarg; break;
		case 'k': pki = optarg; break;
		case 'n': name = optarg; break;
		case 'A': cfg.ca = optarg; break;
		case 'C': cfg.cert = optarg; break;
		case 'K': cfg.key = optarg; break;
		case 'o': cfg.pool = optarg; break;
		case 'O': cfg.pool6 = optarg; break;
		case 'L': cfg.keylog = optarg; break;
		case 'u': cfg.user = optarg; break;
		case 'g': cfg.group = optarg; break;
		case 'e': cfg.probe_path = optarg; break;
		case 'H': cfg.host = optarg; break;
		case 'S': cfg.status_path = optarg; break;
		case 'v': cfg.verbose = true; break;
		case 'F': cfg.offload = true; break;
		case 'B':
			if (parse_uint(optarg, 0, 10000, &v))
				return cli_usage_error(cmd, "--busy-poll: "
						       "0..10000 microseconds");
			cfg.busy_poll_us = (int)v;
			break;
		case 'R':
			if (cfg.nroutes == TUNNEL_MAX_ROUTES)
				return cli_usage_error(cmd, "at most %d --route",
						       TUNNEL_MAX_ROUTES);
			cfg.routes[cfg.nroutes++] = optarg;
			break;
		case 'z':
			if (cfg.nreserve == TUNNEL_MAX_RESERVE)
				return cli_usage_error(cmd, "at most %d --reserve",
						       TUNNEL_MAX_RESERVE);
			cfg.reserve[cfg.nreserve++] = optarg;
			break;
		case 'c':
			if (crypto_cipher_parse(optarg, &cfg.cipher))
				return cli_usage_error(cmd, "unknown cipher '%s' "
						       "(AES-256-GCM or "
						       "CHACHA20-POLY1305)", optarg);
			break;
		case 'p':
		case 'P':
			if (parse_uint(optarg, 1, 65535, &v))
				return cli_usage_error(cmd, "a port is 1..65535");
			*(ch == 'p' ? &cfg.data_port : &cfg.control_port) =
				(uint16_t)v;
			break;
		case 'm':
		case 'w':
			if (parse_uint(optarg, 576, 65535, &v))
				return cli_usage_error(cmd, "an MTU is 576..65535");
			*(ch == 'm' ? &cfg.mtu : &cfg.wire_mtu) = (unsigned int)v;
			break;
		case 'x':
			if (parse_uint(optarg, 1, ~0ul, &v))
				return cli_usage_error(cmd, "--rekey-packets: "
						       "1 or more");
			cfg.rekey_packets = v;
			break;
		case 'X':
			if (parse_uint(optarg, 1, 86400 * 365, &v))
				return cli_usage_error(cmd, "--rekey-seconds: "
						       "1 or more");
			cfg.rekey_seconds = (unsigned int)v;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected '%s'", argv[optind]);
	if (cfg.server == !!cfg.remote)
		return cli_usage_error(cmd, "either --server or --remote HOST");
	if (strcmp(dev_type, "tun") && strcmp(dev_type, "tap"))
		return cli_usage_error(cmd, "--dev-type is tun or tap");
	cfg.tap = strcmp(dev_type, "tap") == 0;
	if (!cfg.dev)
		cfg.dev = cfg.tap ? "tap0" : "tun0";
	if (!name)
		name = cfg.server ? PKI_SERVER_NAME : "client1";
	if (!pki_name_valid(name))
		return cli_usage_error(cmd, "bad certificate name '%s'", name);
	if (pki) {
		if (pki_files(pki, name, ca, cert, key, sizeof(ca)))
			return cli_usage_error(cmd, "--pki path too long");
		cfg.ca = cfg.ca ? cfg.ca : ca;
		cfg.cert = cfg.cert ? cfg.cert : cert;
		cfg.key = cfg.key ? cfg.key : key;
	}
	if (!cfg.ca || !cfg.cert || !cfg.key)
		return cli_usage_error(cmd, "--pki DIR (or --ca, --cert and "
				       "--key) is needed");
	if (cfg.server && cfg.nroutes)
		return cli_usage_error(cmd, "--route is for the client");
	if (!cfg.server && cfg.nreserve)
		return cli_usage_error(cmd, "--reserve is for the server");
	/* Run as nobody:nogroup where they exist; as root only if asked. */
	if (strcmp(cfg.user, "root") == 0) {
		cfg.user = NULL;
	} else if (!cfg.group) {
		struct passwd *pw = getpwnam(cfg.user);

		if (pw && getgrnam("nogroup") && strcmp(cfg.user, "nobody") == 0)
			cfg.group = "nogroup";
	}
	rc = tunnel_run(&cfg, err);
	if (rc) {
		fprintf(stderr, "tunlab tunnel: %s\n", err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
