// SPDX-License-Identifier: GPL-2.0-only
/* tunlab pki: the lab's CA, server and client certificates and keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pki.h"

#define MAX_CLIENTS	253	/* a /24 address pool */

int cmd_pki(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "clients", required_argument, NULL, 'n' },
		{ "client", required_argument, NULL, 'c' },
		{ "days", required_argument, NULL, 'D' },
		{ "key-type", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("pki");
	static char numbered[MAX_CLIENTS][16];
	const char *names[MAX_CLIENTS];
	char err[PKI_ERRBUF], *end;
	size_t n_named = 0, n = 1;
	struct pki_opts opts;
	bool counted = false;
	long v;
	int ch;

	pki_opts_init(&opts);
	while ((ch = cli_getopt(cmd, argc, argv, "+d:n:c:D:k:f",
				longopts)) != -1) {
		switch (ch) {
		case 'd':
			opts.dir = optarg;
			break;
		case 'n':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 1 || v > MAX_CLIENTS)
				return cli_usage_error(cmd, "--clients: 1..%d, "
						       "not '%s'", MAX_CLIENTS,
						       optarg);
			n = (size_t)v;
			counted = true;
			break;
		case 'c':
			if (n_named == MAX_CLIENTS)
				return cli_usage_error(cmd, "at most %d "
						       "clients", MAX_CLIENTS);
			names[n_named++] = optarg;
			break;
		case 'D':
			v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v < 0 || v > PKI_MAX_DAYS)
				return cli_usage_error(cmd, "--days: 0..%d, "
						       "not '%s'", PKI_MAX_DAYS,
						       optarg);
			opts.days = (int)v;
			break;
		case 'k':
			if (!strcmp(optarg, "ec"))
				opts.key_type = PKI_KEY_EC_P256;
			else if (!strcmp(optarg, "ed25519"))
				opts.key_type = PKI_KEY_ED25519;
			else
				return cli_usage_error(cmd, "--key-type: ec or "
						       "ed25519, not '%s'",
						       optarg);
			break;
		case 'f':
			opts.force = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	if (counted && n_named)
		return cli_usage_error(cmd, "--clients and --client do not go "
				       "together");
	if (n_named) {
		n = n_named;
	} else {
		for (size_t i = 0; i < n; i++) {
			snprintf(numbered[i], sizeof(numbered[i]), "client%zu",
				 i + 1);
			names[i] = numbered[i];
		}
	}

	printf("tunlab pki: %s, %s keys%s\n", opts.dir,
	       opts.key_type == PKI_KEY_ED25519 ? "Ed25519" : "EC P-256",
	       opts.force ? ", replacing what exists" : "");
	if (pki_create(&opts, names, n, stdout, err) < 0) {
		fflush(stdout);
		fprintf(stderr, "tunlab pki: %s\n", err);
		return EXIT_FAIL;
	}
	if (opts.days == 0)
		printf("warning: the new certificates are already expired "
		       "(--days 0): for tests only\n");
	return EXIT_OK;
}
