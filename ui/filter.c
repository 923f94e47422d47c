// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packet filter of the UI (the `/` key): pcap-filter syntax, and a
 * packet matches when any of its observations does, inner or outer.  The
 * expression is compiled and matched as tunlab trace -f does it
 * (tracer_filter_compile(), tracer_filter_match()), so both say the same
 * about a bad filter; events without bytes never match.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tracer.h"

static void progs_free(struct tracer_filter *f)
{
	if (!f)
		return;
	tracer_filter_free(f);
	free(f);
}

bool ui_model_event_matches(const struct ui_model *m, size_t i)
{
	const struct tl_event *ev = &m->s->ev[i];

	if (!m->progs)
		return true;
	return ev->caplen && tracer_filter_match(m->progs, ev);
}

/* Mark every packet one of whose observations matches. */
static void apply(struct ui_model *m)
{
	m->nmatch = 0;
	for (size_t s = 0; s < m->npk; s++)
		m->pk[s].match = false;
	for (size_t i = 0; i < m->n; i++) {
		struct ui_pkt *p;

		if (m->slot[i] == UI_NONE)
			continue;
		p = &m->pk[m->slot[i]];
		if (!p->match && ui_model_event_matches(m, i)) {
			p->match = true;
			m->nmatch++;
		}
	}
	m->order_dirty = true;
}

int ui_model_filter(struct ui_model *m, const char *expr, char *err)
{
	char terr[TRACER_ERRBUF];
	struct tracer_filter *f;
	int rc;

	while (*expr == ' ')
		expr++;
	if (!*expr) {
		progs_free(m->progs);
		m->progs = NULL;
		m->filtering = false;
		m->filter[0] = '\0';
		m->order_dirty = true;
		return 0;
	}
	if (strlen(expr) >= sizeof(m->filter)) {
		if (err)
			snprintf(err, UI_ERRBUF, "filter too long (at most %zu "
				 "characters)", sizeof(m->filter) - 1);
		return -EINVAL;
	}
	f = malloc(sizeof(*f));
	if (!f) {
		if (err)
			snprintf(err, UI_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	rc = tracer_filter_compile(f, expr, terr);
	if (rc) {
		free(f);
		if (err)
			snprintf(err, UI_ERRBUF, "%s", terr);
		return rc;
	}
	progs_free(m->progs);
	m->progs = f;
	m->filtering = true;
	snprintf(m->filter, sizeof(m->filter), "%s", expr);
	apply(m);
	return 0;
}
