// SPDX-License-Identifier: GPL-2.0-only
/* In-memory event list: see evstore.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evstore.h"

/* Bytes are packed into chunks of this size (or one chunk per larger
 * packet), so loading a million events costs a few hundred allocations. */
#define CHUNK_SIZE (1u << 20)

struct evstore_chunk {
	struct evstore_chunk *next;
	size_t used, size;
	uint8_t data[];
};

void evstore_init(struct evstore *s)
{
	memset(s, 0, sizeof(*s));
}

/* Room for n bytes that stay where they are until evstore_free(). */
static uint8_t *alloc_bytes(struct evstore *s, size_t n)
{
	struct evstore_chunk *c = s->chunks;
	uint8_t *p;

	if (!c || c->size - c->used < n) {
		size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;

		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		c->next = s->chunks;
		s->chunks = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

int evstore_add(struct evstore *s, const struct tl_event *ev)
{
	struct tl_event *e;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		struct tl_event *grown = realloc(s->ev, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		s->ev = grown;
		s->cap = cap;
	}
	e = &s->ev[s->n];
	*e = *ev;
	if (ev->caplen) {
		uint8_t *p = alloc_bytes(s, ev->caplen);

		if (!p)
			return -ENOMEM;
		memcpy(p, ev->data, ev->caplen);
		e->data = p;
	} else {
		e->data = NULL;
	}
	s->n++;
	return 0;
}

int evstore_load(struct evstore *s, const char *path, char *errbuf)
{
	const struct tracefile_losses *lost;
	struct tracefile_reader *r;
	struct tl_event ev;
	const char *warn;
	int rc;

	rc = tracefile_open(&r, path, errbuf);
	if (rc < 0)
		return rc;
	s->info = *tracefile_info(r);
	lost = tracefile_losses(r);
	if (lost) {
		s->losses = *lost;
		s->has_losses = true;
	}
	while ((rc = tracefile_next(r, &ev, errbuf)) > 0) {
		rc = evstore_add(s, &ev);
		if (rc < 0) {
			snprintf(errbuf, TRACEFILE_ERRBUF,
				 "%s: out of memory after %zu events", path,
				 s->n);
			break;
		}
	}
	warn = tracefile_warning(r);
	if (warn)
		snprintf(s->warning, sizeof(s->warning), "%s", warn);
	tracefile_close_reader(r);
	return rc < 0 ? rc : 0;
}

void evstore_free(struct evstore *s)
{
	struct evstore_chunk *c = s->chunks;

	while (c) {
		struct evstore_chunk *next = c->next;

		free(c);
		c = next;
	}
	free(s->ev);
	evstore_init(s);
}
