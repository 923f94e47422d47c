/* SPDX-License-Identifier: GPL-2.0-only */
/* Value -> name tables: small arrays instead of switch blocks. */
#ifndef TUNLAB_TABLE_H
#define TUNLAB_TABLE_H

#include <stdint.h>

struct vname {
	uint32_t val;
	const char *name;
};

/* A table ends with an entry whose name is NULL. */
#define VNAME_END { 0, NULL }

/* The name of v, or NULL if the table has none. */
const char *vname_find(const struct vname *t, uint32_t v);

/* The name of v, or dflt. */
const char *vname_str(const struct vname *t, uint32_t v, const char *dflt);

/* The value named s (exact match); 0 on success, -1 if none. */
int vname_value(const struct vname *t, const char *s, uint32_t *v);

#endif
