/* SPDX-License-Identifier: GPL-2.0-only */
/* The command table and what every command shares. */
#ifndef TUNLAB_CLI_H
#define TUNLAB_CLI_H

#include <getopt.h>
#include <stdio.h>

/* Exit statuses of every command. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the command ran and failed */
	EXIT_USAGE = 2,		/* bad command line */
};

#define CMD_NEEDS_ROOT	0x01

struct cli_command {
	const char *name;
	const char *usage;	/* arguments after the name */
	const char *summary;	/* one line, for `tunlab help` */
	const char *help;	/* options and details, for `COMMAND --help` */
	int (*run)(int argc, char **argv);
	unsigned int flags;
};

/* Print the command's usage and help to out. */
void cli_print_help(const struct cli_command *cmd, FILE *out);

/* Parse options with getopt_long; handles --help (prints help, returns 0
 * via *done) and unknown options (message, EXIT_USAGE).  Returns the
 * option character, -1 at the end, or '?' after reporting an error. */
int cli_getopt(const struct cli_command *cmd, int argc, char **argv,
	       const char *optstring, const struct option *longopts);

/* Report a usage error for cmd and return EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The directory holding labs/ (and samples): $TUNLAB_DATADIR, else beside
 * the binary (source tree or relocated install), else the install path. */
const char *cli_datadir(void);

/* The command being run (for messages). */
const struct cli_command *cli_find(const char *name);

int cmd_app(int argc, char **argv);
int cmd_dissect(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_pki(int argc, char **argv);
int cmd_steps(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_tunnel(int argc, char **argv);
int cmd_ui(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_walk(int argc, char **argv);

#endif
