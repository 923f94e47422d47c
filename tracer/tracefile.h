/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace files: pcapng, written and read by our own code (libpcap writes no
 * pcapng and reads it only with a single link type).  The layout is in
 * docs/trace-format.md: one interface block per capture point, one enhanced
 * packet block per event, with the packet number in epb_packetid, the
 * direction in epb_flags, a human comment, and a tunlab option carrying what
 * we must read back exactly.
 */
#ifndef TUNLAB_TRACEFILE_H
#define TUNLAB_TRACEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define TRACEFILE_ERRBUF 256

/* What a trace says about itself (the section header). */
struct tracefile_info {
	char app[64];		/* writer: "tunlab 0.1.0" */
	char lab[32];		/* lab name, may be empty */
	int64_t wall_offset_ns;	/* wall clock - CLOCK_MONOTONIC at start */
};

struct tracefile_writer;
struct tracefile_reader;

/* Create path (truncating it) and write the section header.  Returns 0, or
 * a negative errno with a message in errbuf. */
int tracefile_create(struct tracefile_writer **w, const char *path,
		     const struct tracefile_info *info, char *errbuf);

/* Append one event (its interface block first, if the capture point is
 * new).  Returns 0 or a negative errno (message in errbuf). */
int tracefile_write(struct tracefile_writer *w, const struct tl_event *ev,
		    char *errbuf);

/* Embed a TLS key log (NSS format) as a Decryption Secrets Block. */
int tracefile_write_keylog(struct tracefile_writer *w, const char *keylog,
			   size_t len, char *errbuf);

/* Push buffered blocks to the file, so a crash loses at most what came
 * after this call. */
int tracefile_flush(struct tracefile_writer *w, char *errbuf);

/* Flush, close and free.  Returns 0 or a negative errno; w is freed either
 * way. */
int tracefile_close(struct tracefile_writer *w, char *errbuf);

/* Open a trace for reading.  A file that is not pcapng, or is corrupt at
 * the start, fails with a clear message in errbuf. */
int tracefile_open(struct tracefile_reader **r, const char *path,
		   char *errbuf);

/* The next event: 1 and *ev filled (ev->data valid until the next call), 0
 * at the end, or a negative errno (message in errbuf).  A file cut short
 * ends at its last whole block: 0, and tracefile_warning() says so. */
int tracefile_next(struct tracefile_reader *r, struct tl_event *ev,
		   char *errbuf);

const struct tracefile_info *tracefile_info(const struct tracefile_reader *r);

/* A TLS key log embedded in the file, or NULL; valid until close. */
const char *tracefile_keylog(const struct tracefile_reader *r, size_t *len);

/* A warning about the file ("cut short after 1234 events"), or NULL. */
const char *tracefile_warning(const struct tracefile_reader *r);

void tracefile_close_reader(struct tracefile_reader *r);

#endif
