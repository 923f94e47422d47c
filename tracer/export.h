/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exporters: JSON Lines (one object per event, for scripts and graders) and
 * a plain-text narrative (one paragraph per packet, for homework).  The
 * JSON fields are listed in docs/export.md.
 */
#ifndef TUNLAB_EXPORT_H
#define TUNLAB_EXPORT_H

#include <stdio.h>

#include "evstore.h"

/* Each returns 0, or a negative errno if writing failed. */
int export_jsonl(const struct evstore *s, FILE *out);
int export_text(const struct evstore *s, FILE *out);

/* What the sources lost, in words ("0 frames (pcap), ..."), or "not
 * recorded in this trace (...)". */
void export_losses_text(const struct evstore *s, char *out, size_t n);

/* Format a monotonic time as UTC wall-clock time with nanoseconds,
 * "2026-11-25T09:14:38.123456789Z", using the trace's offset. */
void export_wall_time(char *out, size_t n, uint64_t mono_ns,
		      int64_t wall_offset_ns);

#endif
