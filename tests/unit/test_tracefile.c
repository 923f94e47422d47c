// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace files (tracer/tracefile.c): every field of every kind of event
 * survives a write and a read; both byte orders and several sections read
 * the same; a file cut at any byte loads up to its last whole block; files
 * that are not pcapng or are corrupt fail with a message, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "event.h"
#include "steps.h"
#include "tracefile.h"

#define NEVENTS		3000

/* What the tests know of the format, independently of the writer. */
#define BT_SHB		0x0a0d0d0au
#define BT_IDB		0x00000001u
#define BT_ISB		0x00000005u
#define BT_EPB		0x00000006u
#define BT_DSB		0x0000000au
#define TUNLAB_PEN	32473

static const struct tracefile_info test_info = {
	.app = "tunlab test 0.1",
	.lab = "lab-one",
	.wall_offset_ns = 1764000000123456789LL,
};

/* Every count different and some near 2^64, so a swapped or shifted field
 * shows. */
static const struct tracefile_losses test_losses = {
	.start_ns = 1000000000000ull,
	.end_ns = 1000123456789ull,
	.pcap_drops = 11,
	.probe_malformed = 22,
	.late = 33,
	.no_memory = 44,
	.kernel_lost = 0x0102030405060708ull,
	.probe_dropped = UINT64_MAX - 1,
	.skipped = 55,
	.paused_ns = 66000000,
	.skipped_ns = 77000000,
	.flags = TRACEFILE_LOSSES_KERNEL,
};

/* ------------------------------------------------------------- helpers */

/* A fresh temporary path; the file exists and is empty. */
static void tmp_path(char *path)
{
	int fd;

	strcpy(path, "/tmp/tunlab-test-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
}

/* The whole of a file, malloc'ed. */
static uint8_t *slurp(const char *path, size_t *len)
{
	uint8_t *buf;
	FILE *f = fopen(path, "rb");
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Replace a file's contents. */
static void spill(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Little-endian loads, for looking at files we wrote. */
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Deterministic pseudo-random numbers, so a failure repeats. */
static uint32_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* Events of every source, link, step and basis, with awkward lengths. */
struct evset {
	struct tl_event ev[NEVENTS];
	uint8_t *bytes[NEVENTS];
	size_t n;
};

/* Event i of a set: fields cycle through every value at different rates. */
static void make_event(struct tl_event *ev, uint8_t **bytes, size_t i)
{
	static const char *const hosts[] = {
		"mobile", "office", "mobile3", "internet", "",
		"h23456789012345",
	};
	static const char *const devs[] = {
		"tl3fa2m-tun", "tl3fa2m-w0", "tl3fa2o-tap", "chat", "",
		"d23456789012345", "tunnel",
	};
	size_t cap, k;

	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = 1000000000000ull + i * 1234567ull + rnd() % 1000;
	if (i % 97 == 5)
		ev->ts_ns = UINT64_MAX - i;	/* the wall clock wraps */
	ev->pkt = i % 7 ? i / 3 + 1 : 0;
	if (i % 101 == 3)
		ev->pkt = UINT64_MAX - 1;
	ev->step = (uint8_t)(i % (TL_STEP_COUNT + 1));
	if (ev->step == TL_STEP_COUNT)
		ev->step = TL_STEP_NONE;
	ev->source = (uint8_t)(i / 3 % TL_SRC_COUNT);
	ev->basis = (uint8_t)(i / 5 % TL_BASIS_COUNT);
	ev->link = (uint8_t)(i / 2 % TL_LINK_COUNT);
	ev->flags = (uint16_t)(rnd() & 0x1f);
	snprintf(ev->host, sizeof(ev->host), "%s", hosts[i % 6]);
	snprintf(ev->dev, sizeof(ev->dev), "%s", devs[i / 6 % 7]);
	switch (i % 5) {
	case 0:
		break;		/* no detail */
	case 1:
		snprintf(ev->detail, sizeof(ev->detail),
			 "fib_table_lookup ==> dev %s", ev->dev);
		break;
	case 2:
		/* The longest detail, with UTF-8 and a newline in it. */
		memset(ev->detail, 'x', TL_DETAIL_MAX - 1);
		memcpy(ev->detail, "caf\xc3\xa9\nline ·", 12);
		break;
	default:
		snprintf(ev->detail, sizeof(ev->detail),
			 "key 0 peer 1 pid %zu", i);
		break;
	}
	/* Byte counts: none, a few, odd, the maximum; some truncated. */
	switch (i % 9) {
	case 0:
		cap = 0;
		ev->len = (uint32_t)(i % 2 ? 5 : 0);
		break;
	case 1:
		cap = TL_SNAP_MAX;
		ev->len = TL_SNAP_MAX;
		break;
	case 2:
		cap = 1;
		ev->len = 1500;
		break;
	case 3:
		cap = 96;
		ev->len = UINT32_MAX;
		break;
	default:
		cap = 20 + rnd() % 200;
		ev->len = (uint32_t)cap;
		break;
	}
	ev->caplen = (uint32_t)cap;
	*bytes = NULL;
	if (cap) {
		*bytes = malloc(cap);
		assert_non_null(*bytes);
		for (k = 0; k < cap; k++)
			(*bytes)[k] = (uint8_t)rnd();
		ev->data = *bytes;
	}
}

/* The first n events, the same on every run. */
static struct evset *make_events(size_t n)
{
	struct evset *set = calloc(1, sizeof(*set));
	size_t i;

	assert_non_null(set);
	assert_true(n <= NEVENTS);
	rng_state = 0x12345678;
	for (i = 0; i < n; i++)
		make_event(&set->ev[i], &set->bytes[i], i);
	set->n = n;
	return set;
}

/* Free a set and its bytes. */
static void free_events(struct evset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->bytes[i]);
	free(set);
}

/* Write events [from, to) of a set. */
static void write_events(struct tracefile_writer *w, const struct evset *set,
			 size_t from, size_t to)
{
	char errbuf[TRACEFILE_ERRBUF];
	size_t i;

	for (i = from; i < to; i++)
		assert_int_equal(tracefile_write(w, &set->ev[i], errbuf), 0);
}

/* A trace of the first n events of set at path, ending with losses (if
 * not NULL). */
static void write_trace_losses(const char *path, const struct evset *set,
			       size_t n, const char *keylog,
			       const struct tracefile_losses *losses)
{
	char errbuf[TRACEFILE_ERRBUF];
	struct tracefile_writer *w;

	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	if (keylog)
		assert_int_equal(tracefile_write_keylog(w, keylog,
							strlen(keylog),
							errbuf), 0);
	write_events(w, set, 0, n);
	if (losses)
		assert_int_equal(tracefile_write_losses(w, losses, errbuf), 0);
	assert_int_equal(tracefile_close(w, errbuf), 0);
}

/* A trace of the first n events of set at path, as older tunlabs wrote:
 * no losses. */
static void write_trace(const char *path, const struct evset *set, size_t n,
			const char *keylog)
{
	write_trace_losses(path, set, n, keylog, NULL);
}

/* Every count of two losses is equal. */
static void assert_losses_eq(const struct tracefile_losses *want,
			     const struct tracefile_losses *got)
{
	assert_non_null(got);
	assert_int_equal(got->start_ns, want->start_ns);
	assert_int_equal(got->end_ns, want->end_ns);
	assert_int_equal(got->pcap_drops, want->pcap_drops);
	assert_int_equal(got->probe_malformed, want->probe_malformed);
	assert_int_equal(got->late, want->late);
	assert_int_equal(got->no_memory, want->no_memory);
	assert_int_equal(got->kernel_lost, want->kernel_lost);
	assert_int_equal(got->probe_dropped, want->probe_dropped);
	assert_int_equal(got->skipped, want->skipped);
	assert_int_equal(got->paused_ns, want->paused_ns);
	assert_int_equal(got->skipped_ns, want->skipped_ns);
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->unrecorded, want->unrecorded);
}

/* Every field of a read event equals the one written. */
static void assert_event_eq(const struct tl_event *want,
			    const struct tl_event *got)
{
	assert_int_equal(got->ts_ns, want->ts_ns);
	assert_int_equal(got->pkt, want->pkt);
	assert_int_equal(got->len, want->len);
	assert_int_equal(got->caplen, want->caplen);
	if (want->caplen) {
		assert_non_null(got->data);
		assert_memory_equal(got->data, want->data, want->caplen);
	}
	assert_int_equal(got->flags, want->flags);
	assert_int_equal(got->step, want->step);
	assert_int_equal(got->source, want->source);
	assert_int_equal(got->basis, want->basis);
	assert_int_equal(got->link, want->link);
	assert_string_equal(got->host, want->host);
	assert_string_equal(got->dev, want->dev);
	assert_string_equal(got->detail, want->detail);
}

/* Read a whole trace, checking its events against set from first on;
 * returns how many events it held. */
static size_t read_check(const char *path, const struct evset *set,
			 size_t first, const char **warning)
{
	char errbuf[TRACEFILE_ERRBUF];
	struct tracefile_reader *r;
	struct tl_event ev;
	size_t n = 0;
	int ret;

	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	while ((ret = tracefile_next(r, &ev, errbuf)) == 1) {
		assert_true(first + n < set->n);
		assert_event_eq(&set->ev[first + n], &ev);
		n++;
	}
	assert_int_equal(ret, 0);
	/* The end stays the end. */
	assert_int_equal(tracefile_next(r, &ev, errbuf), 0);
	if (warning) {
		static char copy[128];
		const char *w = tracefile_warning(r);

		*warning = NULL;
		if (w) {
			snprintf(copy, sizeof(copy), "%s", w);
			*warning = copy;
		}
	}
	tracefile_close_reader(r);
	return n;
}

/* Offsets of the blocks of a little-endian file, and their count. */
static size_t block_offsets(const uint8_t *p, size_t len, size_t *offs,
			    size_t max)
{
	size_t off = 0, n = 0;

	while (off + 8 <= len && n < max) {
		offs[n++] = off;
		off += le32(p + off + 4);
	}
	assert_int_equal(off, len);
	return n;
}

/* -------------------------------------------------------------- tests */

/* Thousands of events of every kind come back exactly, with the info. */
static void test_roundtrip(void **state)
{
	struct evset *set = make_events(NEVENTS);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	const struct tracefile_info *info;
	struct tracefile_reader *r;
	const char *warning;
	size_t len;

	(void)state;
	tmp_path(path);
	write_trace(path, set, set->n, NULL);
	assert_int_equal(read_check(path, set, 0, &warning), set->n);
	assert_null(warning);

	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	info = tracefile_info(r);
	assert_string_equal(info->app, test_info.app);
	assert_string_equal(info->lab, test_info.lab);
	assert_int_equal(info->wall_offset_ns, test_info.wall_offset_ns);
	assert_null(tracefile_keylog(r, &len));
	assert_int_equal(len, 0);
	tracefile_close_reader(r);
	unlink(path);
	free_events(set);
}

/* The EPB timestamp is the wall clock; the IDB names the capture point. */
static void test_standard_fields(void **state)
{
	static const char comment[] =
		"step 3 · mobile · tl3fa2m-tun · tun/tap driver · packet 12";
	static const char idb_name[] = "mobile/tl3fa2m-tun";
	struct evset *set = make_events(1);
	char path[64];
	uint8_t *p;
	size_t len, offs[8], n;
	uint64_t wall;

	(void)state;
	tmp_path(path);
	set->ev[0].source = TL_SRC_PCAP;
	set->ev[0].link = TL_LINK_IP;
	set->ev[0].step = TL_STEP_TUN_DRIVER_OUT;
	set->ev[0].pkt = 12;
	set->ev[0].flags = 0;
	set->ev[0].detail[0] = '\0';
	snprintf(set->ev[0].host, TL_HOST_MAX, "mobile");
	snprintf(set->ev[0].dev, TL_DEV_MAX, "tl3fa2m-tun");
	write_trace(path, set, 1, NULL);
	p = slurp(path, &len);
	n = block_offsets(p, len, offs, 8);
	assert_int_equal(n, 3);				/* SHB IDB EPB */
	assert_int_equal(le32(p + offs[1]), BT_IDB);
	assert_int_equal(le16(p + offs[1] + 8), 101);	/* LINKTYPE_RAW */
	assert_non_null(memmem(p + offs[1], offs[2] - offs[1], idb_name,
			       strlen(idb_name)));
	assert_int_equal(le32(p + offs[2]), BT_EPB);
	wall = (uint64_t)le32(p + offs[2] + 12) << 32 | le32(p + offs[2] + 16);
	assert_int_equal(wall, set->ev[0].ts_ns +
			 (uint64_t)test_info.wall_offset_ns);
	assert_non_null(memmem(p + offs[2], len - offs[2], comment,
			       strlen(comment)));
	free(p);
	unlink(path);
	free_events(set);
}

/* Key logs come back, concatenated, whatever their padding. */
static void test_keylog(void **state)
{
	static const char log1[] = "CLIENT_RANDOM 00112233 445566\n";
	static const char log2[] = "SERVER_TRAFFIC_SECRET_0 aa bb";
	struct evset *set = make_events(40);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_writer *w;
	struct tracefile_reader *r;
	const char *k;
	size_t len;

	(void)state;
	tmp_path(path);
	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	assert_int_equal(tracefile_write_keylog(w, log1, strlen(log1), errbuf),
			 0);
	write_events(w, set, 0, 20);
	assert_int_equal(tracefile_write_keylog(w, log2, strlen(log2), errbuf),
			 0);
	write_events(w, set, 20, 40);
	assert_int_equal(tracefile_close(w, errbuf), 0);

	assert_int_equal(read_check(path, set, 0, NULL), 40);
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	/* Known before the first event: a viewer needs the keys first. */
	k = tracefile_keylog(r, &len);
	assert_non_null(k);
	assert_int_equal(len, strlen(log1) + strlen(log2));
	assert_memory_equal(k, log1, strlen(log1));
	assert_memory_equal(k + strlen(log1), log2, strlen(log2));
	tracefile_close_reader(r);
	unlink(path);
	free_events(set);
}

/* Reverse the bytes of a 16-, 32- or 64-bit number in place. */
static void sw16(uint8_t *p)
{
	uint8_t t = p[0];

	p[0] = p[1];
	p[1] = t;
}

static void sw32(uint8_t *p)
{
	uint8_t t0 = p[0], t1 = p[1];

	p[0] = p[3];
	p[1] = p[2];
	p[2] = t1;
	p[3] = t0;
}

static void sw64(uint8_t *p)
{
	uint8_t t[8];
	int i;

	for (i = 0; i < 8; i++)
		t[i] = p[7 - i];
	memcpy(p, t, 8);
}

/* Byte-swap the value of a tunlab custom option (after the PEN). */
static void swap_tunlab(uint8_t *v)
{
	uint16_t fixed = le16(v + 2), dev_len;
	int i;

	sw16(v + 2);
	if (v[1] == 1) {		/* section */
		sw64(v + 4);
		sw16(v + 4 + fixed);
		return;
	}
	if (v[1] == 3) {		/* losses */
		sw32(v + 4);		/* flags */
		sw32(v + 8);
		for (i = 0; 12 + 8 * i + 8 <= 4 + fixed; i++)
			sw64(v + 12 + 8 * i);	/* start, end, the counts */
		return;
	}
	sw16(v + 8);			/* flags */
	sw16(v + 10);
	sw64(v + 12);			/* ts_ns */
	sw32(v + 20);			/* len */
	dev_len = le16(v + 4 + fixed);
	sw16(v + 4 + fixed);
	sw16(v + 4 + fixed + 2 + dev_len);
}

/* Byte-swap an option list of a block of the given type. */
static void swap_opts(uint8_t *p, size_t n, uint32_t type)
{
	while (n >= 4) {
		uint16_t code = le16(p), len = le16(p + 2);
		size_t padded = (len + 3u) & ~3u;

		sw16(p);
		sw16(p + 2);
		if (code == 0)
			return;
		if (type == BT_EPB && code == 2)
			sw32(p + 4);		/* epb_flags */
		if (type == BT_EPB && code == 5)
			sw64(p + 4);		/* epb_packetid */
		if (type == BT_ISB && (code == 2 || code == 3)) {
			sw32(p + 4);		/* isb_starttime, endtime */
			sw32(p + 8);
		}
		if (type == BT_ISB && code == 5)
			sw64(p + 4);		/* isb_ifdrop */
		if (code == 2989 && le32(p + 4) == TUNLAB_PEN) {
			sw32(p + 4);
			swap_tunlab(p + 8);
		}
		p += 4 + padded;
		n -= 4 + padded;
	}
}

/* Turn a little-endian trace we wrote into the big-endian equivalent. */
static void swap_file(uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		uint32_t type = le32(p + off), blen = le32(p + off + 4);
		uint8_t *b = p + off + 8;
		uint32_t caplen;

		switch (type) {
		case BT_SHB:
			sw32(b);
			sw16(b + 4);
			sw16(b + 6);
			sw64(b + 8);
			swap_opts(b + 16, blen - 28, type);
			break;
		case BT_IDB:
			sw16(b);
			sw16(b + 2);
			sw32(b + 4);
			swap_opts(b + 8, blen - 20, type);
			break;
		case BT_EPB:
			caplen = (le32(b + 12) + 3u) & ~3u;
			sw32(b);
			sw32(b + 4);
			sw32(b + 8);
			sw32(b + 12);
			sw32(b + 16);
			swap_opts(b + 20 + caplen, blen - 32 - caplen, type);
			break;
		case BT_DSB:
			sw32(b);
			sw32(b + 4);
			break;
		case BT_ISB:
			sw32(b);
			sw32(b + 4);
			sw32(b + 8);
			swap_opts(b + 12, blen - 24, type);
			break;
		}
		sw32(p + off);
		sw32(p + off + 4);
		sw32(p + off + blen - 4);
		off += blen;
	}
}

/* A big-endian file reads the same; so do mixed sections in one file. */
static void test_byte_orders(void **state)
{
	static const char log[] = "CLIENT_RANDOM 01 02\n";
	struct evset *set = make_events(600);
	struct tracefile_losses want;
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_writer *w;
	struct tracefile_reader *r;
	uint8_t *be, *le, *both;
	size_t be_len, le_len, klen;
	const char *k;

	(void)state;
	tmp_path(path);
	write_trace_losses(path, set, 300, log, &test_losses);
	be = slurp(path, &be_len);
	swap_file(be, be_len);
	spill(path, be, be_len);
	assert_int_equal(read_check(path, set, 0, NULL), 300);
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_string_equal(tracefile_info(r)->app, test_info.app);
	assert_string_equal(tracefile_info(r)->lab, test_info.lab);
	assert_int_equal(tracefile_info(r)->wall_offset_ns,
			 test_info.wall_offset_ns);
	k = tracefile_keylog(r, &klen);
	assert_non_null(k);
	assert_int_equal(klen, strlen(log));
	assert_memory_equal(k, log, klen);
	assert_losses_eq(&test_losses, tracefile_losses(r));
	tracefile_close_reader(r);

	/* A big-endian section (events 0..299), then a little-endian one. */
	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	write_events(w, set, 300, 600);
	assert_int_equal(tracefile_close(w, errbuf), 0);
	le = slurp(path, &le_len);
	both = malloc(be_len + le_len);
	assert_non_null(both);
	memcpy(both, be, be_len);
	memcpy(both + be_len, le, le_len);
	spill(path, both, be_len + le_len);
	assert_int_equal(read_check(path, set, 0, NULL), 600);
	/* The second section recorded no losses, and that is said. */
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	want = test_losses;
	want.unrecorded = 1;
	assert_losses_eq(&want, tracefile_losses(r));
	tracefile_close_reader(r);
	free(be);
	free(le);
	free(both);
	unlink(path);
	free_events(set);
}

/* A file cut at any byte of its first or last blocks loads the whole
 * blocks before the cut and says it was cut; never an error or a crash. */
static void test_cut_everywhere(void **state)
{
	struct evset *set = make_events(30);
	char path[64], cut[64], errbuf[TRACEFILE_ERRBUF], want[128];
	struct tracefile_reader *r;
	size_t len, offs[64], nblocks, k, b, events_before;
	const char *warning;
	uint8_t *p;

	(void)state;
	tmp_path(path);
	tmp_path(cut);
	/* It ends on events with and without bytes. */
	write_trace(path, set, 28, "CLIENT_RANDOM aa bb\n");
	p = slurp(path, &len);
	nblocks = block_offsets(p, len, offs, 64);
	assert_true(nblocks > 6);
	offs[nblocks] = len;

	for (k = 0; k < len; k++) {
		/* Every byte of the SHB, and of the last three blocks. */
		if (k >= offs[1] && k < offs[nblocks - 3])
			continue;
		spill(cut, p, k);
		if (k < 4) {
			assert_int_equal(tracefile_open(&r, cut, errbuf),
					 -EINVAL);
			assert_non_null(strstr(errbuf, "not a pcapng file"));
			continue;
		}
		/* Count the events in whole blocks before the cut. */
		events_before = 0;
		for (b = 0; b < nblocks && offs[b + 1] <= k; b++)
			if (le32(p + offs[b]) == BT_EPB)
				events_before++;
		assert_int_equal(read_check(cut, set, 0, &warning),
				 events_before);
		if (k == offs[b]) {
			assert_null(warning);	/* a clean block boundary */
		} else {
			snprintf(want, sizeof(want), "trace cut short after "
				 "%zu events (offset %zu)", events_before,
				 offs[b]);
			assert_non_null(warning);
			assert_string_equal(warning, want);
		}
	}
	free(p);
	unlink(path);
	unlink(cut);
	free_events(set);
}

/* A crash can leave zeros after the last block: that is a cut, too. */
static void test_zero_tail(void **state)
{
	struct evset *set = make_events(10);
	char path[64];
	const char *warning;
	uint8_t *p;
	size_t len;

	(void)state;
	tmp_path(path);
	write_trace(path, set, 10, NULL);
	p = slurp(path, &len);
	p = realloc(p, len + 4096);
	assert_non_null(p);
	memset(p + len, 0, 4096);
	spill(path, p, len + 4096);
	assert_int_equal(read_check(path, set, 0, &warning), 10);
	assert_non_null(warning);
	assert_non_null(strstr(warning, "cut short after 10 events"));
	free(p);
	unlink(path);
	free_events(set);
}

/* Open a file of the given bytes; returns tracefile_open's result. */
static int open_bytes(const void *buf, size_t len, char *errbuf)
{
	struct tracefile_reader *r = NULL;
	char path[64];
	int ret;

	tmp_path(path);
	spill(path, buf, len);
	ret = tracefile_open(&r, path, errbuf);
	tracefile_close_reader(r);
	unlink(path);
	return ret;
}

/* Text, a classic pcap file and a lone byte are not pcapng, and say so. */
static void test_not_pcapng(void **state)
{
	static const char text[] = "hello, this is text\n";
	static const uint8_t pcap[] = {
		0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0, 1, 0, 0, 0,
		1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0,
		0xde, 0xad, 0xbe, 0xef,
	};
	char errbuf[TRACEFILE_ERRBUF];

	(void)state;
	assert_int_equal(open_bytes(text, strlen(text), errbuf), -EINVAL);
	assert_non_null(strstr(errbuf, ": not a pcapng file (starts with "
			       "68 65 6c 6c \"hell\")"));
	assert_int_equal(open_bytes(pcap, sizeof(pcap), errbuf), -EINVAL);
	assert_non_null(strstr(errbuf, "not a pcapng file (starts with "
			       "d4 c3 b2 a1: a classic pcap file"));
	assert_int_equal(open_bytes("\x0a", 1, errbuf), -EINVAL);
	assert_non_null(strstr(errbuf, "(starts with 0a)"));
}

/* An empty file is not a trace. */
static void test_empty(void **state)
{
	char errbuf[TRACEFILE_ERRBUF];

	(void)state;
	assert_int_equal(open_bytes("", 0, errbuf), -EINVAL);
	assert_non_null(strstr(errbuf, ": not a pcapng file (empty)"));
}

/* A missing file or a directory fails with errno and the path. */
static void test_missing(void **state)
{
	char errbuf[TRACEFILE_ERRBUF];
	struct tracefile_reader *r;

	(void)state;
	assert_int_equal(tracefile_open(&r, "/nonexistent/x.pcapng", errbuf),
			 -ENOENT);
	assert_null(r);
	assert_non_null(strstr(errbuf, "/nonexistent/x.pcapng"));
	assert_int_equal(tracefile_open(&r, "/tmp", errbuf), -EISDIR);
}

/* A hand-built file: blocks appended little-endian. */
struct fb {
	uint8_t p[4096];
	size_t n;
};

static void fb_put(struct fb *b, const void *v, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	if (n)
		memcpy(b->p + b->n, v, n);
	b->n += n;
}

/* Append a little-endian number. */
static void fb_u16(struct fb *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	fb_put(b, x, 2);
}

static void fb_u32(struct fb *b, uint32_t v)
{
	fb_u16(b, (uint16_t)v);
	fb_u16(b, (uint16_t)(v >> 16));
}

/* Zero-pad to a multiple of 4. */
static void fb_pad(struct fb *b)
{
	while (b->n % 4)
		fb_put(b, "", 1);
}

/* Append an option, padded. */
static void fb_opt(struct fb *b, uint16_t code, const void *v, size_t n)
{
	fb_u16(b, code);
	fb_u16(b, (uint16_t)n);
	fb_put(b, v, n);
	fb_pad(b);
}

/* Start a block; returns where it starts. */
static size_t fb_begin(struct fb *b, uint32_t type)
{
	size_t start = b->n;

	fb_u32(b, type);
	fb_u32(b, 0);
	return start;
}

/* Close a block: its trailer and its length. */
static void fb_end(struct fb *b, size_t start)
{
	uint32_t len = (uint32_t)(b->n + 4 - start);

	fb_u32(b, len);
	memcpy(b->p + start + 4, (uint8_t[4]){ (uint8_t)len,
		(uint8_t)(len >> 8), (uint8_t)(len >> 16),
		(uint8_t)(len >> 24) }, 4);
}

/* An SHB as dumpcap writes it: no tunlab option. */
static void fb_shb(struct fb *b)
{
	size_t s = fb_begin(b, BT_SHB);

	fb_u32(b, 0x1a2b3c4d);
	fb_u16(b, 1);
	fb_u16(b, 0);
	fb_u32(b, UINT32_MAX);
	fb_u32(b, UINT32_MAX);
	fb_opt(b, 4, "Dumpcap (Wireshark) 4.0.17", 26);
	fb_opt(b, 0, NULL, 0);
	fb_end(b, s);
}

/* An IDB; tsresol < 0 leaves if_tsresol out (microseconds). */
static void fb_idb(struct fb *b, uint16_t linktype, const char *name,
		   int tsresol)
{
	size_t s = fb_begin(b, BT_IDB);
	uint8_t res = (uint8_t)tsresol;

	fb_u16(b, linktype);
	fb_u16(b, 0);
	fb_u32(b, 262144);
	if (name)
		fb_opt(b, 2, name, strlen(name));
	if (tsresol >= 0)
		fb_opt(b, 9, &res, 1);
	fb_opt(b, 0, NULL, 0);
	fb_end(b, s);
}

/* An EPB with an optional comment and packet id. */
static void fb_epb(struct fb *b, uint32_t ifid, uint64_t ts,
		   const void *data, uint32_t caplen, uint32_t len,
		   const char *comment, uint64_t packetid)
{
	size_t s = fb_begin(b, BT_EPB);
	uint8_t id[8];
	int i;

	fb_u32(b, ifid);
	fb_u32(b, (uint32_t)(ts >> 32));
	fb_u32(b, (uint32_t)ts);
	fb_u32(b, caplen);
	fb_u32(b, len);
	fb_put(b, data, caplen);
	fb_pad(b);
	if (comment)
		fb_opt(b, 1, comment, strlen(comment));
	if (packetid) {
		for (i = 0; i < 8; i++)
			id[i] = (uint8_t)(packetid >> (8 * i));
		fb_opt(b, 5, id, 8);
	}
	fb_opt(b, 0, NULL, 0);
	fb_end(b, s);
}

/* A capture from another tool reads as plain pcap events. */
static void test_foreign(void **state)
{
	static const uint8_t frame[60] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t ip[20] = { 0x45, 0, 0, 20 };
	static const uint8_t text_pdu[] = {
		0, 12, 0, 16, 'd', 'a', 't', 'a', '-', 't', 'e', 'x', 't', '-',
		'l', 'i', 'n', 'e', 's', 0, 0, 0, 0, 0,
		'h', 'e', 'l', 'l', 'o', '\n', 'x',
	};
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_reader *r;
	struct tl_event ev;
	struct fb b = { .n = 0 };

	(void)state;
	fb_shb(&b);
	fb_idb(&b, 1, "eth0", -1);			/* microseconds */
	fb_idb(&b, 101, "lab/tun0", 9);
	fb_idb(&b, 252, NULL, 0x80 | 10);		/* 2^-10 s */
	fb_epb(&b, 0, 1700000000123456ull, frame, 60, 1514, "a comment\nmore",
	       0);
	fb_epb(&b, 1, 5000000000ull, ip, 20, 20, NULL, 77);
	fb_epb(&b, 2, 3 * 1024 + 512, text_pdu, sizeof(text_pdu),
	       sizeof(text_pdu), NULL, 0);
	tmp_path(path);
	spill(path, b.p, b.n);

	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_string_equal(tracefile_info(r)->app,
			    "Dumpcap (Wireshark) 4.0.17");
	assert_string_equal(tracefile_info(r)->lab, "");
	assert_int_equal(tracefile_info(r)->wall_offset_ns, 0);

	assert_int_equal(tracefile_next(r, &ev, errbuf), 1);
	assert_int_equal(ev.source, TL_SRC_PCAP);
	assert_int_equal(ev.step, TL_STEP_NONE);
	assert_int_equal(ev.link, TL_LINK_ETH);
	assert_int_equal(ev.ts_ns, 1700000000123456000ull);
	assert_int_equal(ev.caplen, 60);
	assert_int_equal(ev.len, 1514);
	assert_int_equal(ev.flags, TL_EVENT_F_TRUNCATED);
	assert_memory_equal(ev.data, frame, 60);
	assert_string_equal(ev.host, "");
	assert_string_equal(ev.dev, "eth0");
	assert_string_equal(ev.detail, "a comment");
	assert_int_equal(ev.pkt, 0);

	assert_int_equal(tracefile_next(r, &ev, errbuf), 1);
	assert_int_equal(ev.link, TL_LINK_IP);
	assert_int_equal(ev.ts_ns, 5000000000ull);
	assert_string_equal(ev.host, "lab");
	assert_string_equal(ev.dev, "tun0");
	assert_int_equal(ev.pkt, 77);
	assert_int_equal(ev.flags, 0);

	/* An exported text PDU: the text is the detail, no bytes. */
	assert_int_equal(tracefile_next(r, &ev, errbuf), 1);
	assert_int_equal(ev.link, TL_LINK_NONE);
	assert_int_equal(ev.ts_ns, 3500000000ull);
	assert_int_equal(ev.caplen, 0);
	assert_null(ev.data);
	assert_string_equal(ev.detail, "hello");

	assert_int_equal(tracefile_next(r, &ev, errbuf), 0);
	assert_null(tracefile_warning(r));
	tracefile_close_reader(r);
	unlink(path);
}

/* Unknown block types (NRB, ISB, custom, future) are skipped. */
static void test_unknown_block(void **state)
{
	struct evset *set = make_events(20);
	char path[64];
	uint8_t *p, *q;
	size_t len, offs[64], n, cut, s;
	struct fb b = { .n = 0 };
	const char *warning;

	(void)state;
	tmp_path(path);
	write_trace(path, set, 20, NULL);
	p = slurp(path, &len);
	n = block_offsets(p, len, offs, 64);
	cut = offs[n / 2];
	s = fb_begin(&b, 0x40000bad);		/* a custom block */
	fb_u32(&b, 32473);
	fb_put(&b, "future", 6);
	fb_pad(&b);
	fb_end(&b, s);
	s = fb_begin(&b, 0x00000004);		/* a name resolution block */
	fb_u32(&b, 0);
	fb_end(&b, s);
	q = malloc(len + b.n);
	assert_non_null(q);
	memcpy(q, p, cut);
	memcpy(q + cut, b.p, b.n);
	memcpy(q + cut + b.n, p + cut, len - cut);
	spill(path, q, len + b.n);
	assert_int_equal(read_check(path, set, 0, &warning), 20);
	assert_null(warning);
	free(p);
	free(q);
	unlink(path);
	free_events(set);
}

/* A trace whose last block is replaced by bad bytes must fail with
 * "corrupt block at offset" after the good events, and stay failed. */
static void expect_corrupt(const struct fb *bad, const char *why)
{
	struct evset *set = make_events(5);
	char path[64], errbuf[TRACEFILE_ERRBUF], want[96];
	struct tracefile_reader *r;
	struct tl_event ev;
	uint8_t *p;
	size_t len, i;
	int ret;

	tmp_path(path);
	write_trace(path, set, 5, NULL);
	p = slurp(path, &len);
	p = realloc(p, len + bad->n);
	assert_non_null(p);
	memcpy(p + len, bad->p, bad->n);
	spill(path, p, len + bad->n);

	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_null(tracefile_losses(r));
	for (i = 0; i < 5; i++)
		assert_int_equal(tracefile_next(r, &ev, errbuf), 1);
	ret = tracefile_next(r, &ev, errbuf);
	assert_int_equal(ret, -EBADMSG);
	snprintf(want, sizeof(want), "corrupt block at offset %zu", len);
	assert_non_null(strstr(errbuf, want));
	assert_non_null(strstr(errbuf, why));
	errbuf[0] = '\0';
	assert_int_equal(tracefile_next(r, &ev, errbuf), -EBADMSG);
	assert_non_null(strstr(errbuf, want));
	tracefile_close_reader(r);
	free(p);
	unlink(path);
	free_events(set);
}

/* Bad lengths, magic and insides: errors, never crashes. */
static void test_bad_lengths(void **state)
{
	static const uint32_t lens[] = { 0, 7, 8, 0x7ffffff0, 0xfffffffc };
	struct fb b;
	size_t i, s;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		b.n = 0;
		fb_u32(&b, BT_EPB);
		fb_u32(&b, lens[i]);
		fb_u32(&b, 0);
		fb_u32(&b, 0);
		expect_corrupt(&b, "length");
	}
	/* Trailer length differs from the header's. */
	b.n = 0;
	fb_u32(&b, BT_EPB);
	fb_u32(&b, 16);
	fb_u32(&b, 0);
	fb_u32(&b, 20);
	expect_corrupt(&b, "trailer says 20");
	/* A section header with a bad byte-order magic. */
	b.n = 0;
	fb_u32(&b, BT_SHB);
	fb_u32(&b, 28);
	fb_u32(&b, 0x11223344);
	fb_u32(&b, 1);
	fb_u32(&b, 0);
	fb_u32(&b, 0);
	fb_u32(&b, 28);
	expect_corrupt(&b, "byte-order magic");
	/* Well framed, but the insides do not add up. */
	b.n = 0;
	s = fb_begin(&b, BT_EPB);		/* too short for an EPB */
	fb_u32(&b, 0);
	fb_end(&b, s);
	expect_corrupt(&b, "too short");
	b.n = 0;
	fb_epb(&b, 999, 0, "abcd", 4, 4, NULL, 0);
	expect_corrupt(&b, "undefined interface");
	b.n = 0;
	fb_epb(&b, 0, 0, "abcd", 4, 4, NULL, 0);
	memcpy(b.p + 20, (uint8_t[4]){ 0xff, 0xff, 0, 0 }, 4);	/* caplen */
	expect_corrupt(&b, "captured length");
	b.n = 0;
	s = fb_begin(&b, BT_IDB);
	fb_u32(&b, 1);
	fb_u32(&b, 0);
	fb_u16(&b, 2);
	fb_u16(&b, 200);			/* if_name overruns */
	fb_u32(&b, 0);
	fb_end(&b, s);
	expect_corrupt(&b, "options overrun");
}

/* A section header of a pcapng version we do not know. */
static void test_bad_version(void **state)
{
	char errbuf[TRACEFILE_ERRBUF];
	struct fb b = { .n = 0 };

	(void)state;
	fb_shb(&b);
	b.p[12] = 2;				/* major version 2 */
	assert_int_equal(open_bytes(b.p, b.n, errbuf), -EPROTONOSUPPORT);
	assert_non_null(strstr(errbuf, "version 2.0"));
	b.p[12] = 1;
	b.p[8] = 0x55;				/* byte-order magic */
	assert_int_equal(open_bytes(b.p, b.n, errbuf), -EBADMSG);
	assert_non_null(strstr(errbuf, "corrupt block at offset 0"));
}

/* Garbage after a valid header never crashes or loops: every one of many
 * random tails gives events, the end, or an error. */
static void test_random_garbage(void **state)
{
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_reader *r;
	struct tl_event ev;
	struct fb b;
	int i, ret, guard;
	size_t k;

	(void)state;
	tmp_path(path);
	rng_state = 0xdeadbeef;
	for (i = 0; i < 2000; i++) {
		b.n = 0;
		fb_shb(&b);
		fb_idb(&b, (uint16_t)(i % 2 ? 252 : 1), "h/d", 9);
		for (k = 0; k < 64 + rnd() % 512; k++) {
			uint8_t x = (uint8_t)rnd();

			/* Mostly small numbers, so lengths look plausible. */
			if (k % 4)
				x = 0;
			if (k % 8 == 0 && rnd() % 2)
				x = (uint8_t)(rnd() % 4 == 0 ? 5 :
					      rnd() % 3 ? 6 : 1);
			fb_put(&b, &x, 1);
		}
		spill(path, b.p, b.n);
		assert_int_equal(tracefile_open(&r, path, errbuf), 0);
		(void)tracefile_losses(r);
		guard = 0;
		while ((ret = tracefile_next(r, &ev, errbuf)) == 1) {
			assert_true(ev.caplen <= TL_SNAP_MAX);
			assert_true(++guard < 1000);
		}
		assert_true(ret <= 0);
		tracefile_close_reader(r);
	}
	unlink(path);
}

/* A real trace with a few bytes changed anywhere: events, the end or an
 * error, and every event the reader returns stays within its bounds. */
static void test_mutations(void **state)
{
	struct evset *set = make_events(40);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	const struct tracefile_losses *lost;
	struct tracefile_reader *r;
	struct tl_event ev;
	uint8_t *orig, *p;
	size_t len, k, sum;
	int i, ret;

	(void)state;
	tmp_path(path);
	write_trace_losses(path, set, 40, "CLIENT_RANDOM 00 11\n",
			   &test_losses);
	orig = slurp(path, &len);
	p = malloc(len);
	assert_non_null(p);
	rng_state = 0xc0ffee;
	for (i = 0; i < 3000; i++) {
		memcpy(p, orig, len);
		for (k = 0; k < 1 + rnd() % 4; k++)
			p[rnd() % len] = (uint8_t)(rnd() % 3 ? rnd() : 0xff);
		spill(path, p, len);
		if (tracefile_open(&r, path, errbuf) < 0)
			continue;
		sum = 0;
		lost = tracefile_losses(r);
		if (lost)
			sum += lost->pcap_drops + lost->unrecorded;
		while ((ret = tracefile_next(r, &ev, errbuf)) == 1) {
			assert_true(ev.caplen <= TL_SNAP_MAX);
			assert_true(ev.caplen <= ev.len);
			assert_true(ev.caplen == 0 || ev.data);
			for (k = 0; k < ev.caplen; k++)
				sum += ev.data[k];	/* ASan checks bounds */
			assert_true(strnlen(ev.host, TL_HOST_MAX) <
				    TL_HOST_MAX);
			assert_true(strnlen(ev.dev, TL_DEV_MAX) < TL_DEV_MAX);
			assert_true(strnlen(ev.detail, TL_DETAIL_MAX) <
				    TL_DETAIL_MAX);
		}
		assert_true(ret <= 0);
		(void)sum;
		tracefile_close_reader(r);
	}
	free(p);
	free(orig);
	unlink(path);
	free_events(set);
}

/* The writer refuses events it could not read back faithfully. */
static void test_writer_rejects(void **state)
{
	struct evset *set = make_events(1);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_writer *w;
	struct tl_event ev;
	uint8_t byte = 0;

	(void)state;
	tmp_path(path);
	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	ev = set->ev[0];
	ev.data = &byte;
	ev.caplen = 2;
	ev.len = 1;
	assert_int_equal(tracefile_write(w, &ev, errbuf), -EINVAL);
	assert_non_null(strstr(errbuf, "captured length"));
	ev = set->ev[0];
	ev.step = 20;
	assert_int_equal(tracefile_write(w, &ev, errbuf), -EINVAL);
	ev = set->ev[0];
	ev.source = TL_SRC_COUNT;
	assert_int_equal(tracefile_write(w, &ev, errbuf), -EINVAL);
	ev = set->ev[0];
	snprintf(ev.host, sizeof(ev.host), "a/b");
	assert_int_equal(tracefile_write(w, &ev, errbuf), -EINVAL);
	ev = set->ev[0];
	ev.caplen = TL_SNAP_MAX + 1;
	ev.len = TL_SNAP_MAX + 1;
	ev.data = &byte;
	assert_int_equal(tracefile_write(w, &ev, errbuf), -EINVAL);
	/* The good event still goes in, alone. */
	assert_int_equal(tracefile_write(w, &set->ev[0], errbuf), 0);
	assert_int_equal(tracefile_close(w, errbuf), 0);
	assert_int_equal(read_check(path, set, 0, NULL), 1);
	assert_int_equal(tracefile_create(&w, "/nonexistent/t.pcapng",
					  &test_info, errbuf), -ENOENT);
	assert_non_null(strstr(errbuf, "/nonexistent/t.pcapng"));
	unlink(path);
	free_events(set);
}

/* Before a flush the file holds only whole blocks; after it, every event
 * written so far is readable while the writer is still open. */
static void test_flush(void **state)
{
	struct evset *set = make_events(50);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_writer *w;
	const char *warning;

	(void)state;
	tmp_path(path);
	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	write_events(w, set, 0, 25);
	assert_int_equal(read_check(path, set, 0, &warning), 0);
	assert_null(warning);			/* just the section header */
	assert_int_equal(tracefile_flush(w, errbuf), 0);
	assert_int_equal(read_check(path, set, 0, &warning), 25);
	assert_null(warning);
	write_events(w, set, 25, 50);
	assert_int_equal(tracefile_close(w, errbuf), 0);
	assert_int_equal(read_check(path, set, 0, NULL), 50);
	unlink(path);
	free_events(set);
}

/* ------------------------------------------------------------ losses */

/* The value of the first option code of a block at p (its options start
 * at off), or NULL; *len its length. */
static const uint8_t *find_opt(const uint8_t *p, size_t off, uint16_t code,
			       uint16_t *len)
{
	size_t end = le32(p + 4) - 4;

	while (off + 4 <= end && le16(p + off)) {
		if (le16(p + off) == code) {
			*len = le16(p + off + 2);
			return p + off + 4;
		}
		off += 4 + ((le16(p + off + 2) + 3u) & ~3u);
	}
	return NULL;
}

/* The losses come back exactly, known from the open on, and the file
 * says them in the standard's fields too: an ISB on the first device's
 * interface, its time the end of the recording, isb_ifdrop the pcap
 * drops, the start and end times, a sentence. */
static void test_losses_roundtrip(void **state)
{
	struct evset *set = make_events(50);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_reader *r;
	const char *warning;
	struct tl_event ev;
	size_t len, offs[128], n, b, isb, nidb = 0;
	uint32_t dev_if = UINT32_MAX;
	const uint8_t *v;
	uint16_t vlen;
	uint64_t wall;
	uint8_t *p;

	(void)state;
	tmp_path(path);
	write_trace_losses(path, set, 50, NULL, &test_losses);
	assert_int_equal(read_check(path, set, 0, &warning), 50);
	assert_null(warning);
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_losses_eq(&test_losses, tracefile_losses(r));
	while (tracefile_next(r, &ev, errbuf) == 1)
		;
	assert_losses_eq(&test_losses, tracefile_losses(r));
	tracefile_close_reader(r);

	p = slurp(path, &len);
	n = block_offsets(p, len, offs, 128);
	isb = offs[n - 1];
	assert_int_equal(le32(p + isb), BT_ISB);
	for (b = 0; b < n; b++) {
		if (le32(p + offs[b]) != BT_IDB)
			continue;
		if (dev_if == UINT32_MAX && (le16(p + offs[b] + 8) == 1 ||
					     le16(p + offs[b] + 8) == 101))
			dev_if = (uint32_t)nidb;
		nidb++;
	}
	assert_true(dev_if != UINT32_MAX);	/* the set has pcap events */
	assert_int_equal(le32(p + isb + 8), dev_if);
	wall = (uint64_t)le32(p + isb + 12) << 32 | le32(p + isb + 16);
	assert_int_equal(wall, test_losses.end_ns +
			 (uint64_t)test_info.wall_offset_ns);
	v = find_opt(p + isb, 20, 5, &vlen);		/* isb_ifdrop */
	assert_non_null(v);
	assert_int_equal(vlen, 8);
	assert_int_equal(le32(v), 11);
	assert_int_equal(le32(v + 4), 0);
	v = find_opt(p + isb, 20, 2, &vlen);		/* isb_starttime */
	assert_non_null(v);
	wall = (uint64_t)le32(v) << 32 | le32(v + 4);
	assert_int_equal(wall, test_losses.start_ns +
			 (uint64_t)test_info.wall_offset_ns);
	v = find_opt(p + isb, 20, 1, &vlen);		/* opt_comment */
	assert_non_null(v);
	assert_non_null(memmem(v, vlen, "11 frames (pcap), 22 malformed", 30));
	v = find_opt(p + isb, 20, 2989, &vlen);
	assert_non_null(v);
	assert_int_equal(vlen, 4 + 4 + 96);
	assert_int_equal(le32(v), TUNLAB_PEN);
	assert_int_equal(v[4], 1);			/* version */
	assert_int_equal(v[5], 3);			/* kind: losses */
	assert_int_equal(le16(v + 6), 96);		/* fixed length */
	free(p);
	unlink(path);
	free_events(set);
}

/* A recording without a single event still keeps its losses: the ISB
 * gets an interface of its own, which events written after it do not
 * take. */
static void test_losses_no_events(void **state)
{
	struct evset *set = make_events(30);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_writer *w;
	struct tracefile_reader *r;
	struct tl_event ev;
	size_t len, offs[8];
	uint8_t *p;

	(void)state;
	tmp_path(path);
	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	assert_int_equal(tracefile_write_losses(w, &test_losses, errbuf), 0);
	assert_int_equal(tracefile_close(w, errbuf), 0);
	p = slurp(path, &len);
	assert_int_equal(block_offsets(p, len, offs, 8), 3);	/* SHB IDB ISB */
	assert_int_equal(le32(p + offs[1]), BT_IDB);
	assert_int_equal(le16(p + offs[1] + 8), 252);
	assert_non_null(memmem(p + offs[1], offs[2] - offs[1], "tracer", 6));
	assert_int_equal(le32(p + offs[2]), BT_ISB);
	assert_int_equal(le32(p + offs[2] + 8), 0);
	free(p);
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_losses_eq(&test_losses, tracefile_losses(r));
	assert_int_equal(tracefile_next(r, &ev, errbuf), 0);
	assert_null(tracefile_warning(r));
	tracefile_close_reader(r);

	/* Losses first, then events: every event reads back as it was. */
	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	assert_int_equal(tracefile_write_losses(w, &test_losses, errbuf), 0);
	write_events(w, set, 0, 30);
	assert_int_equal(tracefile_close(w, errbuf), 0);
	assert_int_equal(read_check(path, set, 0, NULL), 30);
	unlink(path);
	free_events(set);
}

/* A trace from before losses were kept: NULL, never zeros. */
static void test_losses_not_recorded(void **state)
{
	struct evset *set = make_events(10);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_reader *r;
	const char *warning;

	(void)state;
	tmp_path(path);
	write_trace(path, set, 10, "CLIENT_RANDOM 01 02\n");
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_null(tracefile_losses(r));
	tracefile_close_reader(r);
	assert_int_equal(read_check(path, set, 0, &warning), 10);
	assert_null(warning);
	unlink(path);
	free_events(set);
}

/* In one section the last losses block counts (a writer may record them
 * again as they grow); the sections of joined traces add up. */
static void test_losses_sections(void **state)
{
	struct tracefile_losses first = test_losses, want;
	struct evset *set = make_events(20);
	char path[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_writer *w;
	struct tracefile_reader *r;
	uint8_t *one, *two, *both;
	size_t len1, len2;

	(void)state;
	tmp_path(path);
	first.pcap_drops = 1;
	first.kernel_lost = 2;
	first.end_ns = 5;
	assert_int_equal(tracefile_create(&w, path, &test_info, errbuf), 0);
	write_events(w, set, 0, 10);
	assert_int_equal(tracefile_write_losses(w, &first, errbuf), 0);
	write_events(w, set, 10, 20);
	assert_int_equal(tracefile_write_losses(w, &test_losses, errbuf), 0);
	assert_int_equal(tracefile_close(w, errbuf), 0);
	assert_int_equal(read_check(path, set, 0, NULL), 20);
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_losses_eq(&test_losses, tracefile_losses(r));
	tracefile_close_reader(r);

	/* Two traces joined (cat): the sums, from the first start to the
	 * last end. */
	first = test_losses;
	first.flags = 0;
	first.start_ns = 7;
	first.end_ns = 8;
	first.probe_dropped = 1;
	write_trace_losses(path, set, 5, NULL, &first);
	one = slurp(path, &len1);
	write_trace_losses(path, set, 20, NULL, &test_losses);
	two = slurp(path, &len2);
	both = malloc(len1 + len2);
	assert_non_null(both);
	memcpy(both, one, len1);
	memcpy(both + len1, two, len2);
	spill(path, both, len1 + len2);
	want = test_losses;
	want.start_ns = 7;
	want.pcap_drops *= 2;
	want.probe_malformed *= 2;
	want.late *= 2;
	want.no_memory *= 2;
	want.kernel_lost *= 2;
	want.probe_dropped = UINT64_MAX;	/* (2^64 - 2) + 1 */
	want.skipped *= 2;
	want.paused_ns *= 2;
	want.skipped_ns *= 2;
	assert_int_equal(tracefile_open(&r, path, errbuf), 0);
	assert_losses_eq(&want, tracefile_losses(r));
	tracefile_close_reader(r);
	free(one);
	free(two);
	free(both);
	unlink(path);
	free_events(set);
}

/* A file cut inside its losses block: every event, the cut said, and the
 * losses not recorded (half a block is not taken). */
static void test_losses_cut(void **state)
{
	struct evset *set = make_events(12);
	char path[64], cut[64], errbuf[TRACEFILE_ERRBUF];
	struct tracefile_reader *r;
	size_t len, offs[64], n, k;
	const char *warning;
	uint8_t *p;

	(void)state;
	tmp_path(path);
	tmp_path(cut);
	write_trace_losses(path, set, 12, NULL, &test_losses);
	p = slurp(path, &len);
	n = block_offsets(p, len, offs, 64);
	assert_int_equal(le32(p + offs[n - 1]), BT_ISB);
	for (k = offs[n - 1]; k <= len; k++) {
		spill(cut, p, k);
		assert_int_equal(read_check(cut, set, 0, &warning), 12);
		assert_int_equal(tracefile_open(&r, cut, errbuf), 0);
		if (k == len) {
			assert_null(warning);
			assert_losses_eq(&test_losses, tracefile_losses(r));
		} else if (k == offs[n - 1]) {
			assert_null(warning);
			assert_null(tracefile_losses(r));
		} else {
			assert_non_null(warning);
			assert_null(tracefile_losses(r));
		}
		tracefile_close_reader(r);
	}
	free(p);
	unlink(path);
	unlink(cut);
	free_events(set);
}

/* A tunlab losses option's value (after the PEN): version, kind, fixed
 * length, then len - 4 bytes of counts 1, 2, 3 ... (each 8 bytes, after
 * the flags word and its reserved word). */
static size_t losses_val(uint8_t *v, uint8_t version, uint8_t kind,
			 uint16_t fixed, size_t len)
{
	size_t i;

	memset(v, 0, len);
	v[0] = version;
	v[1] = kind;
	v[2] = (uint8_t)fixed;
	v[3] = (uint8_t)(fixed >> 8);
	for (i = 12; i + 8 <= len; i += 8)
		v[i] = (uint8_t)((i - 4) / 8);
	return len;
}

/* An ISB on interface 0: isb_ifdrop when ifdrop, and a tunlab option with
 * val (after the PEN) when val is not NULL. */
static void fb_isb(struct fb *b, const uint8_t *val, size_t vlen, bool ifdrop)
{
	static const uint8_t drop[8] = { 9 };
	uint8_t v[128];
	size_t s = fb_begin(b, BT_ISB);

	fb_u32(b, 0);
	fb_u32(b, 0);
	fb_u32(b, 0);
	if (ifdrop)
		fb_opt(b, 5, drop, 8);
	if (val) {
		assert_true(vlen + 4 <= sizeof(v));
		memcpy(v, (uint8_t[4]){ 0xd9, 0x7e, 0, 0 }, 4);
		memcpy(v + 4, val, vlen);
		fb_opt(b, 2989, v, 4 + vlen);
	}
	fb_opt(b, 0, NULL, 0);
	fb_end(b, s);
}

/* A five-event trace ending with the given blocks; the reader is open on
 * it, at its start.  The caller closes r and unlinks path. */
static void open_with_tail(const struct fb *tail, char *path,
			   struct tracefile_reader **r)
{
	struct evset *set = make_events(5);
	char errbuf[TRACEFILE_ERRBUF];
	uint8_t *p;
	size_t len;

	tmp_path(path);
	write_trace(path, set, 5, NULL);
	p = slurp(path, &len);
	p = realloc(p, len + tail->n);
	assert_non_null(p);
	memcpy(p + len, tail->p, tail->n);
	spill(path, p, len + tail->n);
	free(p);
	assert_int_equal(read_check(path, set, 0, NULL), 5);
	assert_int_equal(tracefile_open(r, path, errbuf), 0);
	free_events(set);
}

/* Statistics that are not tunlab's losses (dumpcap's, a later version's,
 * another kind) are not losses and no error; a longer fixed part (a
 * later tunlab's extra counts) reads the counts known. */
static void test_losses_foreign(void **state)
{
	char path[64];
	struct tracefile_reader *r;
	const struct tracefile_losses *l;
	uint8_t v[128];
	struct fb b;

	(void)state;
	b.n = 0;
	fb_isb(&b, NULL, 0, true);			/* dumpcap's */
	losses_val(v, 2, 3, 72, 76);			/* version 2 */
	fb_isb(&b, v, 76, false);
	losses_val(v, 1, 9, 72, 76);			/* kind 9 */
	fb_isb(&b, v, 76, false);
	losses_val(v, 1, 2, 2, 6);			/* an event option */
	fb_isb(&b, v, 6, false);
	open_with_tail(&b, path, &r);
	assert_null(tracefile_losses(r));
	tracefile_close_reader(r);
	unlink(path);

	b.n = 0;
	losses_val(v, 1, 3, 112, 116);			/* two counts more */
	fb_isb(&b, v, 116, true);
	open_with_tail(&b, path, &r);
	l = tracefile_losses(r);
	assert_non_null(l);
	assert_int_equal(l->start_ns, 1);
	assert_int_equal(l->end_ns, 2);
	assert_int_equal(l->pcap_drops, 3);
	assert_int_equal(l->probe_malformed, 4);
	assert_int_equal(l->late, 5);
	assert_int_equal(l->no_memory, 6);
	assert_int_equal(l->kernel_lost, 7);
	assert_int_equal(l->probe_dropped, 8);
	assert_int_equal(l->skipped, 9);
	assert_int_equal(l->paused_ns, 10);
	assert_int_equal(l->skipped_ns, 11);
	tracefile_close_reader(r);
	unlink(path);

	/* The first files' fixed part: no skipped or paused counts. */
	b.n = 0;
	losses_val(v, 1, 3, 72, 76);
	fb_isb(&b, v, 76, true);
	open_with_tail(&b, path, &r);
	l = tracefile_losses(r);
	assert_non_null(l);
	assert_int_equal(l->probe_dropped, 8);
	assert_int_equal(l->skipped, 0);
	assert_int_equal(l->paused_ns, 0);
	assert_int_equal(l->skipped_ns, 0);
	tracefile_close_reader(r);
	unlink(path);
}

/* A losses block whose lengths do not add up is corrupt: not taken at
 * the open, and an error where the reader reaches it; never read past. */
static void test_losses_corrupt(void **state)
{
	uint8_t v[128];
	struct fb b;
	size_t s;

	(void)state;
	b.n = 0;
	losses_val(v, 1, 3, 8, 16);			/* fixed part short */
	fb_isb(&b, v, 16, true);
	expect_corrupt(&b, "bad tunlab losses option");
	b.n = 0;
	losses_val(v, 1, 3, 72, 40);			/* counts cut off */
	fb_isb(&b, v, 40, true);
	expect_corrupt(&b, "bad tunlab losses option");
	b.n = 0;
	losses_val(v, 1, 3, 72, 75);			/* one byte short */
	fb_isb(&b, v, 75, false);
	expect_corrupt(&b, "bad tunlab losses option");
	b.n = 0;
	losses_val(v, 1, 3, 0xffff, 76);		/* fixed past the end */
	fb_isb(&b, v, 76, false);
	expect_corrupt(&b, "bad tunlab losses option");
	b.n = 0;
	losses_val(v, 1, 3, 72, 2);			/* not even a header */
	fb_isb(&b, v, 2, false);
	expect_corrupt(&b, "bad tunlab losses option");
	b.n = 0;
	s = fb_begin(&b, BT_ISB);			/* no timestamp */
	fb_u32(&b, 0);
	fb_u32(&b, 0);
	fb_end(&b, s);
	expect_corrupt(&b, "statistics block too short");
	b.n = 0;
	s = fb_begin(&b, BT_ISB);
	fb_u32(&b, 0);
	fb_u32(&b, 0);
	fb_u32(&b, 0);
	fb_u16(&b, 2989);
	fb_u16(&b, 80);				/* the option overruns */
	fb_u32(&b, TUNLAB_PEN);
	fb_end(&b, s);
	expect_corrupt(&b, "options overrun");
}

/* The words: the same as tunlab trace's summary, kernel counts only when
 * the kernel was traced, rare counts only when not 0, always terminated. */
static void test_losses_text(void **state)
{
	struct tracefile_losses l = test_losses;
	char buf[TRACEFILE_LOSSES_TEXT], small[24];

	(void)state;
	tracefile_losses_text(&l, buf, sizeof(buf));
	assert_string_equal(buf, "11 frames (pcap), 22 malformed probe events, "
			    "33 late, 44 without memory, 72623859790382856 "
			    "kernel events (tracefs overruns), at least "
			    "18446744073709551614 probe events the daemons "
			    "could not hand over, 55 skipped (the tracer was "
			    "behind: 77 ms not recorded); paused 66 ms to keep "
			    "to its CPU budget");
	memset(&l, 0, sizeof(l));
	tracefile_losses_text(&l, buf, sizeof(buf));
	assert_string_equal(buf, "0 frames (pcap), 0 malformed probe events, "
			    "0 late");
	l.flags = TRACEFILE_LOSSES_KERNEL;
	l.unrecorded = 2;
	tracefile_losses_text(&l, buf, sizeof(buf));
	assert_string_equal(buf, "0 frames (pcap), 0 malformed probe events, "
			    "0 late, 0 kernel events (tracefs overruns); not "
			    "recorded for 2 more sections of this file");
	l = test_losses;
	memset(small, 'x', sizeof(small));
	tracefile_losses_text(&l, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, "11 frames (pcap), 22 ma", sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_standard_fields),
		cmocka_unit_test(test_keylog),
		cmocka_unit_test(test_byte_orders),
		cmocka_unit_test(test_cut_everywhere),
		cmocka_unit_test(test_zero_tail),
		cmocka_unit_test(test_not_pcapng),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_foreign),
		cmocka_unit_test(test_unknown_block),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_bad_version),
		cmocka_unit_test(test_random_garbage),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_writer_rejects),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_losses_roundtrip),
		cmocka_unit_test(test_losses_no_events),
		cmocka_unit_test(test_losses_not_recorded),
		cmocka_unit_test(test_losses_sections),
		cmocka_unit_test(test_losses_cut),
		cmocka_unit_test(test_losses_foreign),
		cmocka_unit_test(test_losses_corrupt),
		cmocka_unit_test(test_losses_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
