// SPDX-License-Identifier: GPL-2.0-only
/* The text printer: a sink that writes the field tree, one line each. */
#include <stdio.h>

#include "dissect.h"

/* One line: indentation by depth, "Label: value (meaning)", then options. */
static void print_field(void *ctx, const struct dissect_field *f)
{
	const struct dissect_printer *p = ctx;
	FILE *out = p->out;

	if (p->opts & DISSECT_PRINT_OFFSETS)
		fprintf(out, "@%-4zu+%-4zu ", f->off, f->len);
	fprintf(out, "%*s", (int)(4 * f->depth), "");
	switch (f->kind) {
	case DISSECT_PROTO:
		fprintf(out, "%s%s%s", f->label, f->value[0] ? ", " : "",
			f->value);
		break;
	case DISSECT_FIELD:
		fprintf(out, "%s: %s", f->label, f->value);
		if (f->meaning)
			fprintf(out, " (%s)", f->meaning);
		break;
	case DISSECT_NOTE:
		fprintf(out, "[%s: %s]", f->label, f->value);
		break;
	}
	if ((p->opts & DISSECT_PRINT_NAMES) && f->kind != DISSECT_NOTE)
		fprintf(out, "  [%s]", f->name);
	fputc('\n', out);
}

void dissect_printer_init(struct dissect_printer *p, void *out,
			  unsigned int opts)
{
	p->sink.emit = print_field;
	p->sink.ctx = p;
	p->out = out;
	p->opts = opts;
}
