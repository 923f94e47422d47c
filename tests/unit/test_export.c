// SPDX-License-Identifier: GPL-2.0-only
/* The event store and the JSON Lines and text exporters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "evstore.h"
#include "export.h"

/* An ICMP echo request from 10.8.0.2 to 10.8.0.1 as a tun device holds it. */
static const uint8_t echo[] = {
	0x45, 0x00, 0x00, 0x1c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00,
	10, 8, 0, 2, 10, 8, 0, 1,
	0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00,
};

static void add(struct evstore *s, uint64_t ts, uint64_t pkt,
		enum tl_step_id step, enum tl_source src, const char *host,
		const char *detail, int with_bytes)
{
	struct tl_event ev = {
		.ts_ns = ts, .pkt = pkt, .step = step, .source = src,
		.len = sizeof(echo),
	};

	snprintf(ev.host, sizeof(ev.host), "%s", host);
	snprintf(ev.dev, sizeof(ev.dev), "tl1%c-tun", host[0]);
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	if (with_bytes) {
		ev.data = echo;
		ev.caplen = sizeof(echo);
		ev.link = TL_LINK_IP;
	}
	assert_int_equal(evstore_add(s, &ev), 0);
}

/* Run an exporter into a string the caller frees. */
static char *export_to_string(int (*fn)(const struct evstore *, FILE *),
			      const struct evstore *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(fn(s, f), 0);
	fclose(f);
	return buf;
}

static void fill(struct evstore *s)
{
	evstore_init(s);
	s->info.wall_offset_ns = 1764000000000000000LL;	/* 2025-11-24 */
	snprintf(s->info.app, sizeof(s->info.app), "tunlab test");
	/* Recorded out of order on purpose: packet 2 first, then packet 1. */
	add(s, 5000, 2, TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP, "office", "", 1);
	add(s, 1000, 1, TL_STEP_APP_SEND, TL_SRC_APP, "mobile",
	    "sendto 8 bytes \"quoted\"\n", 0);
	add(s, 2000, 1, TL_STEP_TUN_DRIVER_OUT, TL_SRC_PCAP, "mobile", "", 1);
	add(s, 1500, 0, TL_STEP_ROUTE_TUN, TL_SRC_KERNEL, "mobile",
	    "fib_table_lookup ==> dev tl1m-tun", 0);
}

static void test_store_copies_bytes(void **state)
{
	struct evstore s;
	uint8_t copy[sizeof(echo)];

	(void)state;
	fill(&s);
	assert_int_equal(s.n, 4);
	assert_ptr_not_equal(s.ev[0].data, echo);
	memcpy(copy, s.ev[0].data, sizeof(copy));
	assert_memory_equal(copy, echo, sizeof(echo));
	assert_null(s.ev[1].data);
	evstore_free(&s);
	assert_int_equal(s.n, 0);
}

static void test_jsonl_has_every_field(void **state)
{
	struct evstore s;
	char *out, *line2;

	(void)state;
	fill(&s);
	out = export_to_string(export_jsonl, &s);
	/* One line per event, in recorded order. */
	line2 = strchr(out, '\n') + 1;
	*strchr(line2, '\n') = '\0';
	assert_non_null(strstr(out, "{\"seq\":1,\"time\":\"2025-11-24T"));
	assert_non_null(strstr(out, "\"host\":\"office\",\"step\":\"3\","
			       "\"step_id\":2,\"step_name\":\"tun/tap driver\","
			       "\"dir\":\"out\",\"source\":\"pcap\""));
	assert_non_null(strstr(out, "\"proto\":\"ICMP\",\"src\":\"10.8.0.2\","
			       "\"dst\":\"10.8.0.1\""));
	/* Quotes and newlines in details are escaped. */
	assert_non_null(strstr(line2, "\"detail\":\"sendto 8 bytes "
			       "\\\"quoted\\\"\\n\""));
	assert_null(strstr(line2, "\"proto\""));
	/* The event with bytes (the first) has the decoded summary. */
	assert_true(strstr(out, "\"proto\"") < line2);
	evstore_free(&s);
	free(out);
}

static void test_text_groups_by_packet_in_time_order(void **state)
{
	struct evstore s;
	char *out, *p1, *p2, *untied, *app, *tun;

	(void)state;
	fill(&s);
	out = export_to_string(export_text, &s);
	p1 = strstr(out, "Packet 1: ICMP 10.8.0.2 -> 10.8.0.1");
	p2 = strstr(out, "Packet 2: ICMP");
	untied = strstr(out, "Not tied to any packet (1)");
	assert_non_null(p1);
	assert_non_null(p2);
	assert_non_null(untied);
	assert_true(p1 < p2 && p2 < untied);
	app = strstr(p1, "step 1 ");
	tun = strstr(p1, "step 3 ");
	assert_non_null(app);
	assert_non_null(tun);
	assert_true(app < tun && tun < p2);
	/* The second line gives the time since the first: 1000 ns = 1 us. */
	assert_non_null(strstr(p1, "+1.000 us"));
	assert_non_null(strstr(out, "2 packets."));
	evstore_free(&s);
	free(out);
}

/* The narrative says what the sources lost, or that the trace did not
 * record it (never 0 for "not known"); JSON Lines stays one line per
 * event. */
static void test_losses(void **state)
{
	struct evstore s;
	char *out;

	(void)state;
	fill(&s);
	out = export_to_string(export_text, &s);
	assert_non_null(strstr(out, "\nLosses of the sources: not recorded in "
			       "this trace"));
	assert_null(strstr(out, "0 frames"));
	free(out);
	s.has_losses = true;
	s.losses.pcap_drops = 12;
	s.losses.late = 3;
	s.losses.flags = TRACEFILE_LOSSES_KERNEL;
	out = export_to_string(export_text, &s);
	assert_non_null(strstr(out, "\nLosses of the sources: 12 frames (pcap), "
			       "0 malformed probe events, 3 late, 0 kernel "
			       "events (tracefs overruns).\n"));
	free(out);
	out = export_to_string(export_jsonl, &s);
	assert_null(strstr(out, "frames"));
	assert_null(strstr(out, "losses"));
	free(out);
	evstore_free(&s);
}

static void test_wall_time_format(void **state)
{
	char buf[40];

	(void)state;
	export_wall_time(buf, sizeof(buf), 123456789, 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.123456789Z");
	export_wall_time(buf, sizeof(buf), 1, 1764000000000000000LL);
	assert_string_equal(buf, "2025-11-24T16:00:00.000000001Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_copies_bytes),
		cmocka_unit_test(test_jsonl_has_every_field),
		cmocka_unit_test(test_text_groups_by_packet_in_time_order),
		cmocka_unit_test(test_losses),
		cmocka_unit_test(test_wall_time_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
