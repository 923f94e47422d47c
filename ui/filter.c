// SPDX-License-Identifier: GPL-2.0-only
/*
 * The packet filter of the UI (the `/` key): pcap-filter syntax, and a
 * packet matches when any of its observations does, inner or outer.  It
 * compiles the expression exactly as the tracer does for tunlab trace -f
 * (tracer.c: compile_filter, tracer_match): once for Ethernet frames
 * (DLT_EN10MB), once for bare IP packets (DLT_RAW), optimised, netmask
 * unknown; events without IP or Ethernet bytes never match.  The tracer
 * keeps its programs private to a live tracer, so the UI holds its own
 * pair; tracer_filter_check() gives the error message, so both say the
 * same thing about a bad filter.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "tracer.h"

struct ui_filter_progs {
	struct bpf_program eth, ip;
};

/* Compile expr for one link type (as tracer.c's compile_one). */
static int compile_one(const char *expr, int dlt, struct bpf_program *prog)
{
	pcap_t *p = pcap_open_dead(dlt, 65535);
	int rc = 0;

	if (!p)
		return -ENOMEM;
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		rc = -EINVAL;
	pcap_close(p);
	return rc;
}

static void progs_free(struct ui_filter_progs *f)
{
	if (!f)
		return;
	pcap_freecode(&f->eth);
	pcap_freecode(&f->ip);
	free(f);
}

/* Both programs for expr, or NULL. */
static struct ui_filter_progs *progs_new(const char *expr)
{
	struct ui_filter_progs *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (compile_one(expr, DLT_EN10MB, &f->eth)) {
		free(f);
		return NULL;
	}
	if (compile_one(expr, DLT_RAW, &f->ip)) {
		pcap_freecode(&f->eth);
		free(f);
		return NULL;
	}
	return f;
}

bool ui_model_event_matches(const struct ui_model *m, size_t i)
{
	const struct tl_event *ev = &m->s->ev[i];
	struct pcap_pkthdr h = { .caplen = ev->caplen, .len = ev->len };

	if (!m->progs)
		return true;
	if (!ev->caplen)
		return false;
	if (ev->link == TL_LINK_ETH)
		return pcap_offline_filter(&m->progs->eth, &h, ev->data) != 0;
	if (ev->link == TL_LINK_IP)
		return pcap_offline_filter(&m->progs->ip, &h, ev->data) != 0;
	return false;
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
	struct ui_filter_progs *f;

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
	if (tracer_filter_check(expr, terr)) {
		if (err)
			snprintf(err, UI_ERRBUF, "%s", terr);
		return -EINVAL;
	}
	f = progs_new(expr);
	if (!f) {
		if (err)
			snprintf(err, UI_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	progs_free(m->progs);
	m->progs = f;
	m->filtering = true;
	snprintf(m->filter, sizeof(m->filter), "%s", expr);
	apply(m);
	return 0;
}
