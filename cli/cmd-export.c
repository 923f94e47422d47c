// SPDX-License-Identifier: GPL-2.0-only
/* tunlab export: a trace as JSON Lines or as a plain-text narrative. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"

static const struct {
	const char *name;
	int (*write)(const struct evstore *s, FILE *out);
} formats[] = {
	{ "jsonl", export_jsonl },
	{ "text", export_text },
};

int cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("export");
	int (*write)(const struct evstore *s, FILE *out) = NULL;
	const char *format = NULL, *output = NULL, *path;
	char err[TRACEFILE_ERRBUF], tmp[4096];
	struct evstore s;
	FILE *out = stdout;
	int ch, rc;

	while ((ch = cli_getopt(cmd, argc, argv, "f:o:", longopts)) != -1) {
		switch (ch) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!format)
		return cli_usage_error(cmd, "--format is missing (jsonl or text)");
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(formats[i].name, format) == 0)
			write = formats[i].write;
	if (!write)
		return cli_usage_error(cmd, "unknown format '%s' (jsonl or text)",
				       format);
	if (optind != argc - 1)
		return cli_usage_error(cmd, optind == argc ? "TRACE is missing"
				       : "only one TRACE, please");
	path = argv[optind];

	evstore_init(&s);
	if (evstore_load(&s, path, err) < 0) {
		fprintf(stderr, "tunlab export: %s\n", err);
		evstore_free(&s);
		return EXIT_FAIL;
	}
	if (s.warning[0])
		fprintf(stderr, "tunlab export: %s: warning: %s\n", path,
			s.warning);
	/* Write to a temporary name and rename, so a failed export never
	 * leaves a half-written OUT behind. */
	if (output) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", output);
		out = fopen(tmp, "w");
		if (!out) {
			fprintf(stderr, "tunlab export: %s: %s\n", tmp,
				strerror(errno));
			evstore_free(&s);
			return EXIT_FAIL;
		}
	}
	rc = write(&s, out);
	if (output) {
		if (fclose(out) != 0 && rc == 0)
			rc = -EIO;
		if (rc == 0 && rename(tmp, output) != 0)
			rc = -errno;
		if (rc < 0)
			unlink(tmp);
	}
	if (rc < 0)
		fprintf(stderr, "tunlab export: writing %s: %s\n",
			output ? output : "standard output", strerror(-rc));
	evstore_free(&s);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
