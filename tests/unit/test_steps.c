// SPDX-License-Identifier: GPL-2.0-only
/* The step table: ids, numbers and directions agree everywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "event.h"
#include "steps.h"

/* Every row sits at its own id, and ids follow the packet's journey. */
static void test_table_is_indexed_by_id(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < TL_STEP_COUNT; i++) {
		const struct tl_step *s = tl_step_get(i);

		assert_non_null(s);
		assert_int_equal(s->id, i);
		assert_int_equal(s->dir, i < TL_STEPS_PER_DIR ? TL_DIR_OUT
							       : TL_DIR_IN);
		assert_int_equal(s->num, i < TL_STEPS_PER_DIR ? i + 1
							      : TL_STEP_COUNT - i);
		assert_true(strlen(s->name) > 3);
		assert_true(strlen(s->explain) > 80);
		assert_int_equal(s->label[0], '0' + s->num);
		assert_int_equal(s->label[1] == '\'', s->dir == TL_DIR_IN);
	}
	assert_null(tl_step_get(TL_STEP_COUNT));
	assert_null(tl_step_get(TL_STEP_NONE));
}

static void test_lookup_and_parse(void **state)
{
	enum tl_step_id id;

	(void)state;
	assert_int_equal(tl_step_lookup(1, TL_DIR_OUT)->id, TL_STEP_APP_SEND);
	assert_int_equal(tl_step_lookup(7, TL_DIR_OUT)->id, TL_STEP_WIRE_OUT);
	assert_int_equal(tl_step_lookup(7, TL_DIR_IN)->id, TL_STEP_WIRE_IN);
	assert_int_equal(tl_step_lookup(1, TL_DIR_IN)->id, TL_STEP_APP_RECV);
	assert_null(tl_step_lookup(0, TL_DIR_OUT));
	assert_null(tl_step_lookup(8, TL_DIR_IN));

	assert_int_equal(tl_step_parse("5'", &id), 0);
	assert_int_equal(id, TL_STEP_RECV_DECRYPT);
	assert_int_equal(tl_step_parse("5in", &id), 0);
	assert_int_equal(id, TL_STEP_RECV_DECRYPT);
	assert_int_equal(tl_step_parse("2", &id), 0);
	assert_int_equal(id, TL_STEP_ROUTE_TUN);
	assert_int_equal(tl_step_parse("6out", &id), 0);
	assert_int_equal(id, TL_STEP_ROUTE_WIRE);
	assert_int_equal(tl_step_parse("8", &id), -1);
	assert_int_equal(tl_step_parse("0", &id), -1);
	assert_int_equal(tl_step_parse("3x", &id), -1);
	assert_int_equal(tl_step_parse("", &id), -1);
	assert_int_equal(tl_step_parse(NULL, &id), -1);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(tl_source_name(TL_SRC_KERNEL), "kernel");
	assert_string_equal(tl_source_name(TL_SRC_COUNT), "?");
	assert_string_equal(tl_basis_name(TL_BASIS_TUNNEL_KEY), "tunnel-key");
	assert_string_equal(tl_link_name(TL_LINK_IP), "ip");
	assert_string_equal(tl_dir_name(TL_DIR_IN), "in");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_indexed_by_id),
		cmocka_unit_test(test_lookup_and_parse),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
