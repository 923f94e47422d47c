// SPDX-License-Identifier: GPL-2.0-only
/*
 * tunlab dissect: decode every packet of a capture or trace.  Our own trace
 * reader handles pcapng with several link types (tunlab traces); anything
 * else libpcap can read (classic pcap, single-link pcapng) goes through it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dissect.h"
#include "export.h"
#include "pcapsrc.h"
#include "tracefile.h"

#define MAX_FIELDS 128
#define FIELD_TEXT 2048

/* A sink collecting the values of chosen fields, like tshark -T fields. */
struct field_pick {
	struct dissect_sink sink;
	size_t n;
	char *names[MAX_FIELDS];
	char values[MAX_FIELDS][FIELD_TEXT];
};

struct dissect_opts {
	unsigned int print;	/* DISSECT_PRINT_* */
	struct field_pick *pick;	/* --fields, or NULL for the tree */
	uint64_t count;		/* frames shown so far */
};

/* Append a value; repeated fields are joined with ',' as tshark does. */
static void pick_emit(void *ctx, const struct dissect_field *f)
{
	struct field_pick *p = ctx;

	if (f->kind != DISSECT_FIELD)
		return;
	for (size_t i = 0; i < p->n; i++) {
		char *v = p->values[i];
		size_t used = strlen(v);

		if (strcmp(p->names[i], f->name) != 0)
			continue;
		snprintf(v + used, FIELD_TEXT - used, "%s%s", used ? "," : "",
			 f->value);
	}
}

/* Split a comma-separated field list into p. */
static int pick_parse(struct field_pick *p, char *list)
{
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (p->n == MAX_FIELDS)
			return -1;
		p->names[p->n++] = tok;
	}
	p->sink.emit = pick_emit;
	p->sink.ctx = p;
	return p->n ? 0 : -1;
}

/* Decode and print one frame. */
static void show_frame(struct dissect_opts *o, const uint8_t *data,
		       size_t caplen, size_t len, enum tl_link link,
		       const char *where, const char *detail)
{
	o->count++;
	if (o->pick) {
		struct field_pick *p = o->pick;

		for (size_t i = 0; i < p->n; i++)
			p->values[i][0] = '\0';
		if (caplen && link != TL_LINK_NONE)
			dissect_packet(data, caplen, len, link, &p->sink, NULL);
		for (size_t i = 0; i < p->n; i++)
			printf("%s%s", i ? "\t" : "", p->values[i]);
		putchar('\n');
		return;
	}
	printf("Frame %" PRIu64 ": %zu bytes captured of %zu%s%s\n", o->count,
	       caplen, len, where[0] ? ", " : "", where);
	if (caplen && link != TL_LINK_NONE) {
		struct dissect_printer pr;

		dissect_printer_init(&pr, stdout, o->print);
		dissect_packet(data, caplen, len, link, &pr.sink, NULL);
	} else if (detail[0]) {
		printf("%s\n", detail);
	}
	putchar('\n');
}

/* Every event of a tunlab trace (or any pcapng our reader takes). */
static int dissect_trace(struct tracefile_reader *r, struct dissect_opts *o,
			 const char *path)
{
	char err[TRACEFILE_ERRBUF];
	struct tl_event ev;
	const char *warn;
	int rc;

	while ((rc = tracefile_next(r, &ev, err)) > 0) {
		const struct tl_step *st = tl_step_get(ev.step);
		char where[128];

		snprintf(where, sizeof(where), "%s/%s%s%s", ev.host, ev.dev,
			 st ? ", step " : "", st ? st->label : "");
		show_frame(o, ev.data, ev.caplen, ev.len, ev.link, where,
			   ev.detail);
	}
	warn = tracefile_warning(r);
	if (warn)
		fprintf(stderr, "tunlab dissect: %s: warning: %s\n", path, warn);
	if (rc < 0) {
		fprintf(stderr, "tunlab dissect: %s\n", err);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Every packet of a file libpcap reads. */
static int dissect_pcap(pcap_t *p, struct dissect_opts *o, const char *path)
{
	enum tl_link link = pcapsrc_link_of(pcap_datalink(p));
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	if (link == TL_LINK_NONE) {
		fprintf(stderr, "tunlab dissect: %s: link type %s is not one "
			"tunlab decodes (Ethernet or raw IP)\n", path,
			pcap_datalink_val_to_name(pcap_datalink(p)) ?: "?");
		return EXIT_FAIL;
	}
	while ((rc = pcap_next_ex(p, &h, &data)) == 1)
		show_frame(o, data, h->caplen, h->len, link, "", "");
	if (rc == PCAP_ERROR) {
		fprintf(stderr, "tunlab dissect: %s: %s\n", path,
			pcap_geterr(p));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

int cmd_dissect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "names", no_argument, NULL, 'n' },
		{ "offsets", no_argument, NULL, 'O' },
		{ "fields", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cli_command *cmd = cli_find("dissect");
	struct dissect_opts o = { 0 };
	char err[TRACEFILE_ERRBUF], perr[PCAP_ERRBUF_SIZE];
	struct tracefile_reader *r;
	char *fields = NULL;
	const char *path;
	pcap_t *p;
	int ch, rc;

	while ((ch = cli_getopt(cmd, argc, argv, "nOe:", longopts)) != -1) {
		switch (ch) {
		case 'n':
			o.print |= DISSECT_PRINT_NAMES;
			break;
		case 'O':
			o.print |= DISSECT_PRINT_OFFSETS;
			break;
		case 'e':
			fields = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error(cmd, optind == argc ? "FILE is missing"
				       : "only one FILE, please");
	path = argv[optind];
	if (fields) {
		o.pick = calloc(1, sizeof(*o.pick));
		if (!o.pick) {
			fprintf(stderr, "tunlab dissect: out of memory\n");
			return EXIT_FAIL;
		}
		if (pick_parse(o.pick, fields)) {
			free(o.pick);
			return cli_usage_error(cmd, "--fields needs 1 to %d "
					       "names", MAX_FIELDS);
		}
	}

	if (tracefile_open(&r, path, err) == 0) {
		rc = dissect_trace(r, &o, path);
		tracefile_close_reader(r);
	} else if ((p = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_NANO, perr))) {
		rc = dissect_pcap(p, &o, path);
		pcap_close(p);
	} else {
		fprintf(stderr, "tunlab dissect: %s\n", err);
		rc = EXIT_FAIL;
	}
	free(o.pick);
	return rc;
}
