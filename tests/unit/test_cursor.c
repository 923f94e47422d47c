// SPDX-License-Identifier: GPL-2.0-only
/* The bounds-checked cursor: every read succeeds in full or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cursor.h"

static const uint8_t bytes[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
};

static void test_reads_big_and_little_endian(void **state)
{
	struct cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	(void)state;
	cursor_init(&c, bytes, sizeof(bytes));
	assert_int_equal(cursor_u8(&c, &u8), 0);
	assert_int_equal(u8, 0x01);
	assert_int_equal(cursor_be16(&c, &u16), 0);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(cursor_be24(&c, &u32), 0);
	assert_int_equal(u32, 0x040506);
	assert_int_equal(cursor_le32(&c, &u32), 0);
	assert_int_equal(u32, 0x0a090807);
	assert_int_equal(cursor_left(&c), 0);

	cursor_init(&c, bytes, sizeof(bytes));
	assert_int_equal(cursor_be64(&c, &u64), 0);
	assert_true(u64 == 0x0102030405060708ull);
	assert_int_equal(cursor_le16(&c, &u16), 0);
	assert_int_equal(u16, 0x0a09);

	cursor_init(&c, bytes, sizeof(bytes));
	assert_int_equal(cursor_be32(&c, &u32), 0);
	assert_int_equal(u32, 0x01020304);
	assert_int_equal(cursor_le64(&c, &u64), -1);
	cursor_init(&c, bytes, 8);
	assert_int_equal(cursor_le64(&c, &u64), 0);
	assert_true(u64 == 0x0807060504030201ull);
}

/* A read that does not fit fails and leaves the cursor where it was. */
static void test_short_read_fails_without_moving(void **state)
{
	size_t widths[] = { 1, 2, 3, 4, 8 };
	struct cursor c;

	(void)state;
	for (size_t len = 0; len <= sizeof(bytes); len++) {
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			uint8_t u8;
			uint16_t u16;
			uint32_t u32;
			uint64_t u64;
			int rc;

			cursor_init(&c, bytes, len);
			cursor_skip(&c, len > 0 ? len - 1 : 0);
			size_t before = c.off;

			switch (widths[w]) {
			case 1: rc = cursor_u8(&c, &u8); break;
			case 2: rc = cursor_be16(&c, &u16); break;
			case 3: rc = cursor_be24(&c, &u32); break;
			case 4: rc = cursor_be32(&c, &u32); break;
			default: rc = cursor_be64(&c, &u64); break;
			}
			if (widths[w] <= len - before) {
				assert_int_equal(rc, 0);
				assert_int_equal(c.off, before + widths[w]);
			} else {
				assert_int_equal(rc, -1);
				assert_int_equal(c.off, before);
			}
			assert_true(c.off <= c.end);
		}
	}
}

static void test_bytes_skip_and_peek(void **state)
{
	struct cursor c;
	uint8_t buf[4] = { 0 }, v;

	(void)state;
	cursor_init(&c, bytes, sizeof(bytes));
	assert_int_equal(cursor_bytes(&c, buf, 4), 0);
	assert_memory_equal(buf, bytes, 4);
	assert_int_equal(cursor_skip(&c, 7), -1);
	assert_int_equal(c.off, 4);
	assert_int_equal(cursor_skip(&c, 6), 0);
	assert_int_equal(cursor_bytes(&c, buf, 1), -1);
	assert_int_equal(cursor_peek_u8(&c, 9, &v), 0);
	assert_int_equal(v, 0x0a);
	assert_int_equal(cursor_peek_u8(&c, 10, &v), -1);
}

/* A sub-cursor is bounded to its slice but keeps absolute offsets. */
static void test_sub_cursor_is_bounded(void **state)
{
	struct cursor c, sub;
	uint32_t u32;
	uint16_t u16;

	(void)state;
	cursor_init(&c, bytes, sizeof(bytes));
	cursor_skip(&c, 2);
	assert_int_equal(cursor_sub(&c, &sub, 3), 0);
	assert_int_equal(c.off, 5);
	assert_int_equal(sub.off, 2);
	assert_int_equal(cursor_left(&sub), 3);
	assert_int_equal(cursor_be32(&sub, &u32), -1);
	assert_int_equal(cursor_be16(&sub, &u16), 0);
	assert_int_equal(u16, 0x0304);
	assert_int_equal(cursor_sub(&c, &sub, 6), -1);
	assert_int_equal(c.off, 5);
}

static void test_limit_shrinks_only(void **state)
{
	struct cursor c;
	uint8_t u8;

	(void)state;
	cursor_init(&c, bytes, sizeof(bytes));
	cursor_skip(&c, 8);
	assert_int_equal(cursor_limit(&c, 3), -1);
	assert_int_equal(cursor_limit(&c, 1), 0);
	assert_int_equal(cursor_u8(&c, &u8), 0);
	assert_int_equal(u8, 0x09);
	assert_int_equal(cursor_u8(&c, &u8), -1);
}

static void test_null_buffer_reads_nothing(void **state)
{
	struct cursor c;
	uint8_t u8;

	(void)state;
	cursor_init(&c, NULL, 100);
	assert_int_equal(cursor_left(&c), 0);
	assert_int_equal(cursor_u8(&c, &u8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_big_and_little_endian),
		cmocka_unit_test(test_short_read_fails_without_moving),
		cmocka_unit_test(test_bytes_skip_and_peek),
		cmocka_unit_test(test_sub_cursor_is_bounded),
		cmocka_unit_test(test_limit_shrinks_only),
		cmocka_unit_test(test_null_buffer_reads_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
