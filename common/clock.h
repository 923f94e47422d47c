/* SPDX-License-Identifier: GPL-2.0-only */
/* The one clock every event, timer and probe uses: CLOCK_MONOTONIC. */
#ifndef TUNLAB_CLOCK_H
#define TUNLAB_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t tl_now_ns(void);

#endif
