// SPDX-License-Identifier: GPL-2.0-only
/* tunlab steps: the seven steps out and back, explained. */
#include <string.h>

#include "cli.h"
#include "steps.h"

/* Print text wrapped at width columns, each line indented by indent. */
static void print_wrapped(const char *text, int indent, int width)
{
	const char *p = text;

	while (*p) {
		int room = width - indent, n = 0, last_space = -1;

		while (p[n] && n < room) {
			if (p[n] == ' ')
				last_space = n;
			n++;
		}
		if (p[n] && last_space > 0)
			n = last_space;
		printf("%*s%.*s\n", indent, "", n, p);
		p += n;
		while (*p == ' ')
			p++;
	}
}

static void print_step(const struct tl_step *st)
{
	printf("step %-2s  %s  (%s space, %s host)\n", st->label, st->name,
	       st->space == TL_SPACE_USER ? "user" : "kernel",
	       st->dir == TL_DIR_OUT ? "sending" : "receiving");
	print_wrapped(st->explain, 9, 78);
	putchar('\n');
}

int cmd_steps(int argc, char **argv)
{
	const struct cli_command *cmd = cli_find("steps");
	enum tl_step_id id;

	if (argc > 2)
		return cli_usage_error(cmd, "at most one STEP");
	if (argc == 2) {
		if (tl_step_parse(argv[1], &id))
			return cli_usage_error(cmd, "no step '%s' (1..7 out, "
					       "1'..7' back in)", argv[1]);
		print_step(tl_step_get(id));
		return EXIT_OK;
	}
	printf("A packet's trip through the VPN: steps 1-7 on the sending "
	       "host,\nthen 7'-1' in reverse on the receiving host.\n\n");
	for (unsigned int i = 0; i < TL_STEP_COUNT; i++) {
		if (i == TL_STEPS_PER_DIR)
			printf("          ~~~~ the wire ~~~~\n\n");
		print_step(tl_step_get(i));
	}
	return EXIT_OK;
}
