// SPDX-License-Identifier: GPL-2.0-only
/* Value -> name tables: see table.h. */
#include <stddef.h>
#include <string.h>

#include "table.h"

const char *vname_find(const struct vname *t, uint32_t v)
{
	for (; t->name; t++)
		if (t->val == v)
			return t->name;
	return NULL;
}

const char *vname_str(const struct vname *t, uint32_t v, const char *dflt)
{
	const char *n = vname_find(t, v);

	return n ? n : dflt;
}

int vname_value(const struct vname *t, const char *s, uint32_t *v)
{
	for (; t->name; t++) {
		if (strcmp(t->name, s) == 0) {
			*v = t->val;
			return 0;
		}
	}
	return -1;
}
