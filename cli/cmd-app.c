// SPDX-License-Identifier: GPL-2.0-only
/* tunlab app chat|echo|send: the lab apps (labs/apps.h). */
#include <stdlib.h>
#include <string.h>

#include "apps.h"
#include "cli.h"

/* Options, as bits, so each app says which ones it takes. */
enum {
	O_SERVER = 1 << 0, O_PORT = 1 << 1, O_BIND = 1 << 2,
	O_COUNT = 1 << 3, O_SIZE = 1 << 4, O_RATE = 1 << 5,
	O_TIMEOUT = 1 << 6, O_MESSAGE = 1 << 7, O_ECHO = 1 << 8,
	O_TCP = 1 << 9, O_QUIET = 1 << 10,
};

static const struct app_entry {
	const char *name;
	int (*run)(const struct app_cfg *cfg, char *err);
	uint16_t port;		/* the classic service's port */
	unsigned int opts;
} apps[] = {
	{ "chat", app_chat, 23, O_SERVER | O_PORT | O_BIND | O_COUNT |
	  O_TIMEOUT | O_MESSAGE | O_ECHO | O_QUIET },
	{ "echo", app_echo, 7, O_SERVER | O_PORT | O_BIND | O_COUNT | O_SIZE |
	  O_TIMEOUT | O_MESSAGE | O_QUIET },
	{ "send", app_send, 9, O_SERVER | O_PORT | O_BIND | O_COUNT | O_SIZE |
	  O_RATE | O_TCP | O_QUIET },
};

static const struct option longopts[] = {
	{ "server", no_argument, NULL, 'l' },
	{ "port", required_argument, NULL, 'p' },
	{ "bind", required_argument, NULL, 'b' },
	{ "count", required_argument, NULL, 'c' },
	{ "size", required_argument, NULL, 's' },
	{ "rate", required_argument, NULL, 'r' },
	{ "timeout", required_argument, NULL, 'w' },
	{ "message", required_argument, NULL, 'm' },
	{ "echo", no_argument, NULL, 'e' },
	{ "tcp", no_argument, NULL, 't' },
	{ "quiet", no_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 },
};

/* The option bit of a getopt character. */
static unsigned int opt_bit(int ch)
{
	/* In the order of the O_ bits. */
	static const char chars[] = "lpbcsrwmetq";
	const char *p = strchr(chars, ch);

	return p ? 1u << (p - chars) : 0;
}

/* Parse an unsigned number in [min, max]; -1 if it is not one. */
static int parse_num(const char *s, double min, double max, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return (end == s || *end || *v < min || *v > max) ? -1 : 0;
}

int cmd_app(int argc, char **argv)
{
	const struct cli_command *cmd = cli_find("app");
	struct app_cfg cfg = { .timeout_ms = 2000 };
	const struct app_entry *app = NULL;
	char err[APP_ERRBUF] = "";
	int ch, rc;
	double v;

	if (argc < 2)
		return cli_usage_error(cmd, "which app? chat, echo or send");
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (strcmp(apps[i].name, argv[1]) == 0)
			app = &apps[i];
	if (!app)
		return cli_usage_error(cmd, "no app '%s' (chat, echo or send)",
				       argv[1]);
	cfg.port = app->port;
	argc--;
	argv++;
	while ((ch = cli_getopt(cmd, argc, argv, "+lp:b:c:s:r:w:m:etq",
				longopts)) != -1) {
		if (ch == '?')
			return EXIT_USAGE;
		if (!(opt_bit(ch) & app->opts))
			return cli_usage_error(cmd, "'%s' is not an option of "
					       "app %s", argv[optind - 1],
					       app->name);
		switch (ch) {
		case 'l': cfg.server = true; break;
		case 'b': cfg.addr = optarg; break;
		case 'm': cfg.message = optarg; break;
		case 'e': cfg.echo = true; break;
		case 't': cfg.tcp = true; break;
		case 'q': cfg.quiet = true; break;
		case 'p':
			if (parse_num(optarg, 1, 65535, &v))
				return cli_usage_error(cmd, "--port: 1..65535");
			cfg.port = (uint16_t)v;
			break;
		case 'c':
			if (parse_num(optarg, 1, 1e9, &v))
				return cli_usage_error(cmd, "--count: 1 or more");
			cfg.count = (unsigned long)v;
			break;
		case 's':
			if (parse_num(optarg, 1, 65507, &v))
				return cli_usage_error(cmd, "--size: 1..65507 bytes");
			cfg.size = (size_t)v;
			break;
		case 'r':
			if (parse_num(optarg, 0, 1e7, &v))
				return cli_usage_error(cmd, "--rate: messages per "
						       "second, 0 = no limit");
			cfg.rate = v;
			break;
		case 'w':
			if (parse_num(optarg, 1, 600000, &v))
				return cli_usage_error(cmd, "--timeout: 1..600000 ms");
			cfg.timeout_ms = (unsigned int)v;
			break;
		}
	}
	if (cfg.server && optind != argc)
		return cli_usage_error(cmd, "a server takes no HOST (use --bind)");
	if (!cfg.server) {
		if (optind != argc - 1)
			return cli_usage_error(cmd, "app %s needs one HOST to "
					       "talk to (or --server)", app->name);
		if (cfg.addr)
			return cli_usage_error(cmd, "--bind is for --server");
		cfg.addr = argv[optind];
	}
	if (cfg.echo && !cfg.server)
		return cli_usage_error(cmd, "--echo is for --server");
	rc = app->run(&cfg, err);
	if (rc != 0)
		fprintf(stderr, "tunlab app %s: %s\n", app->name, err);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
