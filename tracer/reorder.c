// SPDX-License-Identifier: GPL-2.0-only
/* The reorder window: see reorder.h. */
#include <stdlib.h>

#include "reorder.h"

#define CHUNK_BLOCKS	512	/* pool blocks allocated at once */
#define HEAP_ARITY	4	/* half the levels of a binary heap: half the
				 * cache misses per pop */

/* Every item has this header in front; a pool block's size is fixed when
 * the window is made, a larger item is allocated alone. */
struct node {
	union {
		struct node *next;	/* on the free list */
		struct node *chunk;	/* first block of a chunk: the next */
	};
	uint64_t pooled;		/* 0: allocated alone */
};

struct hent {			/* keys inline: no pointer chased to compare */
	uint64_t ts, seq;
	void *item;
};

struct reorder {
	struct hent *heap;
	size_t n, cap, capacity;
	uint64_t seq;
	size_t block;		/* bytes of a pool block, header included */
	struct node *free;	/* free pool blocks */
	struct node *chunks;	/* every chunk, to free them at the end */
};

struct reorder *reorder_new(size_t capacity, size_t block_size)
{
	struct reorder *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->capacity = capacity;
	r->block = (sizeof(struct node) + block_size + 15) & ~(size_t)15;
	return r;
}

static struct node *node_of(void *item)
{
	return (struct node *)item - 1;
}

void reorder_release(struct reorder *r, void *item)
{
	struct node *nd = node_of(item);

	if (!nd->pooled) {
		free(nd);
		return;
	}
	nd->next = r->free;
	r->free = nd;
}

void reorder_free(struct reorder *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (!node_of(r->heap[i].item)->pooled)
			free(node_of(r->heap[i].item));
	while (r->chunks) {
		struct node *next = r->chunks->chunk;

		free(r->chunks);
		r->chunks = next;
	}
	free(r->heap);
	free(r);
}

/* A chunk of blocks onto the free list; its first block links the chunks
 * and is never handed out. */
static bool grow_pool(struct reorder *r)
{
	uint8_t *c = malloc(r->block * CHUNK_BLOCKS);

	if (!c)
		return false;
	((struct node *)c)->chunk = r->chunks;
	r->chunks = (struct node *)c;
	for (size_t i = 1; i < CHUNK_BLOCKS; i++) {
		struct node *nd = (struct node *)(c + i * r->block);

		nd->pooled = 1;
		nd->next = r->free;
		r->free = nd;
	}
	return true;
}

void *reorder_alloc(struct reorder *r, size_t size)
{
	struct node *nd;

	/* Room in the heap now, so that reorder_push() cannot fail. */
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		struct hent *grown = realloc(r->heap, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		r->heap = grown;
		r->cap = cap;
	}
	if (sizeof(*nd) + size > r->block) {
		nd = malloc(sizeof(*nd) + size);
		if (!nd)
			return NULL;
		nd->pooled = 0;
		return nd + 1;
	}
	if (!r->free && !grow_pool(r))
		return NULL;
	nd = r->free;
	r->free = nd->next;
	return nd + 1;
}

static bool before(const struct hent *a, const struct hent *b)
{
	return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

void reorder_push(struct reorder *r, uint64_t ts, void *item)
{
	struct hent e = { ts, r->seq++, item };
	size_t i = r->n++;

	while (i) {
		size_t up = (i - 1) / HEAP_ARITY;

		if (!before(&e, &r->heap[up]))
			break;
		r->heap[i] = r->heap[up];
		i = up;
	}
	r->heap[i] = e;
}

void *reorder_pop_before(struct reorder *r, uint64_t upto)
{
	void *top;
	struct hent last;
	size_t i = 0, n;

	if (!r->n || r->heap[0].ts >= upto)
		return NULL;
	top = r->heap[0].item;
	last = r->heap[--r->n];
	n = r->n;
	for (;;) {
		size_t first = HEAP_ARITY * i + 1, m = first;

		if (first >= n)
			break;
		for (size_t c = first + 1; c < first + HEAP_ARITY && c < n; c++)
			if (before(&r->heap[c], &r->heap[m]))
				m = c;
		if (!before(&r->heap[m], &last))
			break;
		r->heap[i] = r->heap[m];
		i = m;
	}
	if (n)
		r->heap[i] = last;
	return top;
}

size_t reorder_len(const struct reorder *r)
{
	return r->n;
}

bool reorder_full(const struct reorder *r)
{
	return r->n >= r->capacity;
}
