/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tracer's reorder window: observations from all sources wait here
 * until they are old enough to come out in time order (ties in arrival
 * order).  Two things keep it cheap at full speed:
 *   - items come from a pool and go back to it: the window holds some
 *     100,000 of them, and a malloc per item let the heap wander through
 *     fresh pages (clearing them was 70 % of the tracer's time);
 *   - it has a capacity: past it, reorder_full() tells the tracer to leave
 *     events where the sources count their losses (pcap drops, tracefs
 *     overruns, a full probe socket) rather than grow without bound (a
 *     tracer behind at full speed held 1.6 million events, 1 GB).
 */
#ifndef TUNLAB_REORDER_H
#define TUNLAB_REORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reorder;

/* A window of capacity items (advisory: see reorder_full()); items of up
 * to block_size bytes come from the pool, larger ones from malloc. */
struct reorder *reorder_new(size_t capacity, size_t block_size);

/* Free the window and every item still in it. */
void reorder_free(struct reorder *r);

/* Room for an item of size bytes, to be pushed or released; NULL when
 * memory is out. */
void *reorder_alloc(struct reorder *r, size_t size);

/* Queue an item from reorder_alloc() under its time. */
void reorder_push(struct reorder *r, uint64_t ts, void *item);

/* The oldest item if it is older than upto (NULL otherwise), taken out:
 * the caller releases it when done. */
void *reorder_pop_before(struct reorder *r, uint64_t upto);

void reorder_release(struct reorder *r, void *item);

size_t reorder_len(const struct reorder *r);

/* As many items waiting as the capacity: read no more for now. */
bool reorder_full(const struct reorder *r);

#endif
