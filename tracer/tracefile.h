/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace files: pcapng, written and read by our own code (libpcap writes no
 * pcapng and reads it only with a single link type).  The layout is in
 * docs/trace-format.md: one interface block per capture point, one enhanced
 * packet block per event, with the packet number in epb_packetid, the
 * direction in epb_flags, a human comment, and a tunlab option carrying what
 * we must read back exactly; at the end, an interface statistics block with
 * what the sources lost.
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

/* What the tracer's sources lost while a trace was recorded: observations
 * that never reached the file.  Written at the end of a recording, so a
 * file without them (older, or its tracer killed) has them "not recorded",
 * which is not the same as none lost. */
struct tracefile_losses {
	uint64_t start_ns, end_ns;	/* the recording, CLOCK_MONOTONIC; 0:
					 * not known */
	uint64_t pcap_drops;		/* frames libpcap's buffers dropped */
	uint64_t probe_malformed;	/* probe events that did not parse */
	uint64_t late;			/* came after their window had passed */
	uint64_t no_memory;		/* the tracer had no room to hold them */
	uint64_t kernel_lost;		/* tracefs overruns (if the flags say
					 * the kernel was traced) */
	uint64_t probe_dropped;		/* at least this many probe events the
					 * daemons could not hand over */
	uint64_t skipped;		/* read while the tracer was behind
					 * (a slice of time), not recorded */
	uint64_t paused_ns;		/* time the tracer paused to keep to
					 * its CPU budget */
	uint64_t skipped_ns;		/* the slices skipped, in all */
	uint32_t flags;			/* TRACEFILE_LOSSES_* */
	uint32_t unrecorded;		/* reader only: sections of the file
					 * (traces joined) that recorded none */
};

/* The kernel's tracepoints were read, so kernel_lost means something. */
#define TRACEFILE_LOSSES_KERNEL	0x1u

/* Room for tracefile_losses_text(). */
#define TRACEFILE_LOSSES_TEXT	384

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

/* Record what the sources lost, as an interface statistics block (on the
 * first device's interface, or interface 0; an interface is made if the
 * trace has none).  Write it once, at the end; if it is written again in
 * the same section, the last one counts. */
int tracefile_write_losses(struct tracefile_writer *w,
			   const struct tracefile_losses *l, char *errbuf);

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

/* What the sources lost, as the file recorded it (summed over its
 * sections, if several), known from the open on; NULL if the file recorded
 * none (older traces). */
const struct tracefile_losses *tracefile_losses(
	const struct tracefile_reader *r);

/* The losses in words, as tunlab trace, view and ui show them: "0 frames
 * (pcap), 0 malformed probe events, 0 late, ...". */
void tracefile_losses_text(const struct tracefile_losses *l, char *buf,
			   size_t size);

/* A warning about the file ("cut short after 1234 events"), or NULL. */
const char *tracefile_warning(const struct tracefile_reader *r);

void tracefile_close_reader(struct tracefile_reader *r);

#endif
