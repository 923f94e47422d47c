/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * An in-memory list of events with their bytes: a whole trace loaded for
 * the exporters and the viewer, or the events the tracer has produced so far.
 */
#ifndef TUNLAB_EVSTORE_H
#define TUNLAB_EVSTORE_H

#include <stddef.h>

#include "event.h"
#include "tracefile.h"

struct evstore_chunk;

struct evstore {
	struct tl_event *ev;	/* events in the order added */
	size_t n, cap;
	struct evstore_chunk *chunks;	/* captured bytes; pointers stay valid */
	struct tracefile_info info;
	struct tracefile_losses losses;	/* what the sources lost, when the */
	bool has_losses;		/* trace recorded it */
	char warning[TRACEFILE_ERRBUF];	/* from the reader, or "" */
};

void evstore_init(struct evstore *s);

/* Append a copy of ev (and its bytes).  0, or -ENOMEM. */
int evstore_add(struct evstore *s, const struct tl_event *ev);

/* Load every event of a trace file, and its losses if it recorded them.
 * 0, or a negative errno with a message in errbuf.  A file cut short loads
 * up to its last whole block and sets s->warning. */
int evstore_load(struct evstore *s, const char *path, char *errbuf);

void evstore_free(struct evstore *s);

#endif
