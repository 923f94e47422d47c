// SPDX-License-Identifier: GPL-2.0-only
/*
 * Trace files: pcapng, written and read by our own code.  The byte layouts
 * are in docs/trace-format.md; in short:
 *
 *   SHB  shb_userappl, a tunlab custom option (lab, wall clock offset)
 *   IDB  one per capture point: "mobile/tl3fa2m-tun" (pcap on a device,
 *        raw IP or Ethernet) or "mobile/kernel step 2" (a pseudo-interface
 *        for a probe point, exported-PDU link type)
 *   EPB  one per event: wall clock time, opt_comment, epb_flags,
 *        epb_packetid, and a tunlab custom option with what we read back
 *   DSB  a TLS key log
 *   ISB  at the end: what the sources lost (isb_ifdrop, a comment, and a
 *        tunlab custom option with every count)
 *
 * The writer builds each block whole in its buffer and only ever hands
 * whole blocks to write(), so a killed tracer leaves a file that ends at a
 * block boundary (or, at worst, in the one block being written).  The
 * reader maps the file and checks every length before it reads through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "steps.h"
#include "tracefile.h"

/* Block types (pcapng: draft-ietf-opsawg-pcapng, section 4 and 10.1). */
#define BT_SHB		0x0a0d0d0au
#define BT_IDB		0x00000001u
#define BT_ISB		0x00000005u
#define BT_EPB		0x00000006u
#define BT_DSB		0x0000000au
#define BYTE_ORDER_MAGIC 0x1a2b3c4du

/* Option codes: common, SHB, IDB, EPB and ISB. */
#define OPT_ENDOFOPT	0
#define OPT_COMMENT	1
#define OPT_CUSTOM_BIN	2989	/* binary, safe to copy */
#define SHB_USERAPPL	4
#define IF_NAME		2
#define IF_DESCRIPTION	3
#define IF_TSRESOL	9
#define IF_TSOFFSET	14
#define EPB_FLAGS	2
#define EPB_PACKETID	5
#define ISB_STARTTIME	2
#define ISB_ENDTIME	3
#define ISB_IFDROP	5

#define EPB_FLAG_INBOUND	1
#define EPB_FLAG_OUTBOUND	2

/* Link types (tcpdump.org/linktypes.html), not DLT_ values. */
#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define LINKTYPE_IPV4		228
#define LINKTYPE_IPV6		229
#define LINKTYPE_UPPER_PDU	252	/* Wireshark exported PDU */

/* Exported-PDU tags (wiretap/exported_pdu_tlvs.h), big-endian always. */
#define EXP_PDU_TAG_END		0
#define EXP_PDU_TAG_DISSECTOR	12
#define EXP_PDU_TAG_COL_PROT_TEXT 33	/* the Protocol column */

/*
 * The tunlab custom option.  tunlab has no Private Enterprise Number of
 * its own, so it uses 32473, which RFC 5612 reserves for documentation
 * and examples: no real organisation can ever own it, so our option never
 * collides with one that means something else.
 */
#define TUNLAB_PEN		32473
#define TLOPT_VERSION		1
#define TLOPT_KIND_SECTION	1
#define TLOPT_KIND_EVENT	2
#define TLOPT_KIND_LOSSES	3
#define TLOPT_SECTION_FIXED	8	/* wall_offset_ns */
#define TLOPT_EVENT_FIXED	32	/* step .. group_basis, reserved */
#define TLOPT_EVENT_FIXED_V0	20	/* step .. len: older writers */
#define TLOPT_LOSSES_FIXED	96	/* flags .. skipped_ns */
#define TLOPT_LOSSES_MIN	72	/* flags .. probe_dropped: the first
					 * files had no more */

#define DSB_TLS_KEY_LOG		0x544c534bu	/* "TLSK" */

/* No block we write comes near this; a larger length is corruption. */
#define BLOCK_MAX		(16u << 20)
#define WBUF_SIZE		(1u << 20)
#define COMMENT_MAX		(TL_DETAIL_MAX + 192)
#define DESC_MAX		320
#define NAME_MAX_LEN		64

/* A capture point of the writer, in IDB order. */
struct wif {
	char host[TL_HOST_MAX];
	char dev[TL_DEV_MAX];	/* pcap interfaces only */
	uint8_t source;		/* pseudo-interfaces only */
	uint8_t step;		/* pseudo-interfaces only */
	uint16_t linktype;
};

struct tracefile_writer {
	int fd;
	char *path;
	uint8_t *buf;		/* whole blocks waiting for write() */
	size_t len;
	size_t cap;
	struct wif *ifs;
	uint32_t nifs;
	uint32_t ifs_cap;
	uint32_t last_if;	/* most events repeat the previous interface */
	int64_t wall_offset;	/* from the section header */
	int err;		/* a failed write() poisons the writer */
};

/* An interface of the section being read. */
struct rif {
	uint16_t linktype;
	uint8_t tsresol;	/* if_tsresol as stored; default 6 (us) */
	int64_t tsoffset;	/* if_tsoffset, seconds */
	char host[TL_HOST_MAX];
	char dev[TL_DEV_MAX];
};

struct tracefile_reader {
	char *path;
	const uint8_t *base;
	size_t size;
	bool mapped;		/* base is an mmap, else a malloc */
	size_t pos;		/* next block */
	bool be;		/* current section is big-endian */
	struct rif *ifs;
	uint32_t nifs;
	uint32_t ifs_cap;
	struct tracefile_info info;
	char *keylog;
	size_t keylog_len;
	struct tracefile_losses losses;	/* summed over the sections */
	bool has_losses;
	uint64_t nevents;
	bool done;
	int err;		/* sticky: every later call fails the same */
	char errmsg[TRACEFILE_ERRBUF];
	char warning[128];
};

/* One framed block, its length checked against the file. */
struct block {
	uint32_t type;
	uint32_t len;
	size_t off;		/* in the file */
	const uint8_t *body;	/* after type and length */
	size_t body_len;	/* without the trailing length */
	bool be;
};

enum {
	BLK_END = 0,		/* no bytes left */
	BLK_OK = 1,
	BLK_CUT = 2,		/* the file ends inside this block */
};

/* Put a formatted message in errbuf (if any) and return err. */
__attribute__((format(printf, 3, 4)))
static int fail(char *errbuf, int err, const char *fmt, ...)
{
	va_list ap;

	if (errbuf) {
		va_start(ap, fmt);
		vsnprintf(errbuf, TRACEFILE_ERRBUF, fmt, ap);
		va_end(ap);
	}
	return err;
}

/* Bytes to pad n up to a multiple of 4. */
static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* The writer's stores: always little-endian, whatever the host. */
static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* The reader's loads, in the byte order of the section. */
static uint16_t get16(const uint8_t *p, bool be)
{
	return be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const uint8_t *p, bool be)
{
	uint32_t a = get16(p, be), b = get16(p + 2, be);

	return be ? a << 16 | b : b << 16 | a;
}

static uint64_t get64(const uint8_t *p, bool be)
{
	uint64_t a = get32(p, be), b = get32(p + 4, be);

	return be ? a << 32 | b : b << 32 | a;
}

/* ---------------------------------------------------------------- writer */

/* A block under construction in the writer's buffer. */
struct out {
	uint8_t *p;
	size_t n;
};

/* Append len bytes and zero padding to a multiple of 4. */
static void out_bytes(struct out *o, const void *v, size_t len)
{
	if (len)
		memcpy(o->p + o->n, v, len);
	memset(o->p + o->n + len, 0, pad4(len) - len);
	o->n += pad4(len);
}

/* Append a 16-bit or 32-bit number. */
static void out_u16(struct out *o, uint16_t v)
{
	put_le16(o->p + o->n, v);
	o->n += 2;
}

static void out_u32(struct out *o, uint32_t v)
{
	put_le32(o->p + o->n, v);
	o->n += 4;
}

/* Append one option: code, unpadded length, padded value. */
static void out_opt(struct out *o, uint16_t code, const void *v, size_t len)
{
	out_u16(o, code);
	out_u16(o, (uint16_t)len);
	out_bytes(o, v, len);
}

/* Start a block: type now, the length when it is done. */
static void out_begin(struct out *o, uint32_t type)
{
	out_u32(o, type);
	out_u32(o, 0);
}

/* Close a block: both length fields; returns the block's length. */
static size_t out_end(struct out *o)
{
	out_u32(o, 0);
	put_le32(o->p + 4, (uint32_t)o->n);
	put_le32(o->p + o->n - 4, (uint32_t)o->n);
	return o->n;
}

/* write() all of buf, retrying short writes and EINTR. */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write out the whole blocks buffered so far. */
static int wflush(struct tracefile_writer *w, char *errbuf)
{
	int ret;

	if (w->err)
		return fail(errbuf, w->err, "%s: write: %s", w->path,
			    strerror(-w->err));
	ret = write_all(w->fd, w->buf, w->len);
	w->len = 0;
	if (ret < 0) {
		w->err = ret;
		return fail(errbuf, ret, "%s: write: %s", w->path,
			    strerror(-ret));
	}
	return 0;
}

/* Room for need bytes at the end of the buffer, flushing or growing it;
 * the block is then built in place. */
static int reserve(struct tracefile_writer *w, size_t need, struct out *o,
		   char *errbuf)
{
	int ret;

	if (w->err)
		return wflush(w, errbuf);
	if (w->len + need > w->cap) {
		ret = wflush(w, errbuf);
		if (ret < 0)
			return ret;
	}
	if (need > w->cap) {
		uint8_t *nb = realloc(w->buf, need);

		if (!nb)
			return fail(errbuf, -ENOMEM, "out of memory");
		w->buf = nb;
		w->cap = need;
	}
	o->p = w->buf + w->len;
	o->n = 0;
	return 0;
}

/* Bounded length of a fixed-size string field that may lack its NUL. */
#define FIELD_LEN(s) strnlen((s), sizeof(s))

/* The first sentence of a step's explanation, for a description. */
static int first_sentence(const char *text)
{
	const char *end = strstr(text, ". ");

	return end ? (int)(end - text + 1) : (int)strlen(text);
}

/* Append "text" to a comment, separated by a middle dot (memcpy, not
 * snprintf: this runs for every event the tracer writes). */
static void comment_add(char *buf, size_t size, size_t *n, const char *s,
			int len)
{
	static const char dot[] = " \xc2\xb7 ";	/* " · " */
	size_t l = (size_t)len;

	if (*n + 1 >= size || len <= 0)
		return;
	if (*n) {
		size_t d = sizeof(dot) - 1 < size - 1 - *n ?
			   sizeof(dot) - 1 : size - 1 - *n;

		memcpy(buf + *n, dot, d);
		*n += d;
	}
	if (l > size - 1 - *n)
		l = size - 1 - *n;
	memcpy(buf + *n, s, l);
	*n += l;
	buf[*n] = '\0';
}

/* "prefix" and a number in decimal, into buf; returns its length. */
static int num_text(char *buf, const char *prefix, const char *label,
		    uint64_t v)
{
	char digits[24];
	int n = 0, d = 0;

	while (*prefix)
		buf[n++] = *prefix++;
	if (label) {
		while (*label)
			buf[n++] = *label++;
		buf[n] = '\0';
		return n;
	}
	do {
		digits[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (d)
		buf[n++] = digits[--d];
	buf[n] = '\0';
	return n;
}

/* The human sentence Wireshark shows:
 * "step 3 · mobile · tl3fa2m-tun · tun/tap driver · DETAIL · packet 12". */
static size_t make_comment(char *buf, size_t size, const struct tl_event *ev)
{
	const struct tl_step *st = tl_step_get(ev->step);
	char num[40];
	size_t n = 0;

	buf[0] = '\0';
	if (st)
		comment_add(buf, size, &n, num, num_text(num, "step ",
							 st->label, 0));
	comment_add(buf, size, &n, ev->host, (int)FIELD_LEN(ev->host));
	comment_add(buf, size, &n, ev->dev, (int)FIELD_LEN(ev->dev));
	if (st)
		comment_add(buf, size, &n, st->name, (int)strlen(st->name));
	comment_add(buf, size, &n, ev->detail, (int)FIELD_LEN(ev->detail));
	if (ev->flags & TL_EVENT_F_DROP)
		comment_add(buf, size, &n, "dropped", 7);
	if (ev->pkt)
		comment_add(buf, size, &n, num, num_text(num, "packet ", NULL,
							 ev->pkt));
	return n;
}

/* Is the event one libpcap saw on a device (a real interface)? */
static bool on_device(const struct tl_event *ev)
{
	return ev->source == TL_SRC_PCAP &&
	       (ev->link == TL_LINK_IP || ev->link == TL_LINK_ETH);
}

/* Fill the interface key of an event. */
static void wif_key(struct wif *k, const struct tl_event *ev)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->host, ev->host, FIELD_LEN(ev->host) < TL_HOST_MAX ?
	       FIELD_LEN(ev->host) : TL_HOST_MAX - 1);
	if (on_device(ev)) {
		memcpy(k->dev, ev->dev, FIELD_LEN(ev->dev) < TL_DEV_MAX ?
		       FIELD_LEN(ev->dev) : TL_DEV_MAX - 1);
		k->source = TL_SRC_PCAP;
		k->step = TL_STEP_NONE;
		k->linktype = ev->link == TL_LINK_IP ? LINKTYPE_RAW :
			      LINKTYPE_ETHERNET;
	} else {
		k->source = ev->source;
		k->step = ev->step;
		k->linktype = LINKTYPE_UPPER_PDU;
	}
}

/* Do two events belong to the same capture point? */
static bool wif_equal(const struct wif *a, const struct wif *b)
{
	return a->linktype == b->linktype && a->source == b->source &&
	       a->step == b->step && strcmp(a->host, b->host) == 0 &&
	       strcmp(a->dev, b->dev) == 0;
}

/* Name and description of a new interface, from its first event. */
static void wif_text(const struct wif *k, const struct tl_event *ev,
		     char *name, char *desc)
{
	const struct tl_step *st = tl_step_get(ev->step);
	const struct tl_step *out, *in;

	if (k->linktype != LINKTYPE_UPPER_PDU) {
		snprintf(name, NAME_MAX_LEN, "%s/%s", k->host, k->dev);
		if (!st) {
			snprintf(desc, DESC_MAX, "%s %s: capture", k->host,
				 k->dev);
			return;
		}
		/* One device carries a step both ways: 3 and 3', 7 and 7'. */
		out = tl_step_lookup(st->num, TL_DIR_OUT);
		in = tl_step_lookup(st->num, TL_DIR_IN);
		snprintf(desc, DESC_MAX,
			 "%s %s: capture for steps %s (%s) and %s (%s)",
			 k->host, k->dev, out->label, out->name, in->label,
			 in->name);
		return;
	}
	if (!st) {
		snprintf(name, NAME_MAX_LEN, "%s/%s", k->host,
			 tl_source_name(k->source));
		snprintf(desc, DESC_MAX, "%s %s events", k->host,
			 tl_source_name(k->source));
		return;
	}
	snprintf(name, NAME_MAX_LEN, "%s/%s step %s", k->host,
		 tl_source_name(k->source), st->label);
	snprintf(desc, DESC_MAX, "step %s, %s (%s on %s): %.*s", st->label,
		 st->name, tl_source_name(k->source), k->host,
		 first_sentence(st->explain), st->explain);
}

/* Write the IDB of a new capture point; its id is its index. */
/* An interface description block: link type, name, description. */
static int emit_idb(struct tracefile_writer *w, uint16_t linktype,
		    const char *name, const char *desc, char *errbuf)
{
	uint8_t tsresol = 9;	/* nanoseconds */
	struct out o;
	int ret;

	ret = reserve(w, 64 + strlen(name) + strlen(desc), &o, errbuf);
	if (ret < 0)
		return ret;
	out_begin(&o, BT_IDB);
	out_u16(&o, linktype);
	out_u16(&o, 0);
	out_u32(&o, 0);		/* snaplen: no limit; TL_SNAP_MAX bounds us */
	out_opt(&o, IF_NAME, name, strlen(name));
	out_opt(&o, IF_DESCRIPTION, desc, strlen(desc));
	out_opt(&o, IF_TSRESOL, &tsresol, 1);
	out_opt(&o, OPT_ENDOFOPT, NULL, 0);
	w->len += out_end(&o);
	return 0;
}

static int write_idb(struct tracefile_writer *w, const struct wif *k,
		     const struct tl_event *ev, char *errbuf)
{
	char name[NAME_MAX_LEN], desc[DESC_MAX];

	wif_text(k, ev, name, desc);
	return emit_idb(w, k->linktype, name, desc, errbuf);
}

/* Room in the writer's interface list for one more. */
static int wif_room(struct tracefile_writer *w, char *errbuf)
{
	uint32_t ncap;
	struct wif *nifs;

	if (w->nifs < w->ifs_cap)
		return 0;
	ncap = w->ifs_cap ? 2 * w->ifs_cap : 16;
	nifs = realloc(w->ifs, ncap * sizeof(*nifs));
	if (!nifs)
		return fail(errbuf, -ENOMEM, "out of memory");
	w->ifs = nifs;
	w->ifs_cap = ncap;
	return 0;
}

/* The interface id of an event's capture point, writing its IDB if new. */
static int get_if(struct tracefile_writer *w, const struct tl_event *ev,
		  uint32_t *id, char *errbuf)
{
	struct wif k;
	uint32_t i;
	int ret;

	wif_key(&k, ev);
	if (w->nifs && wif_equal(&w->ifs[w->last_if], &k)) {
		*id = w->last_if;
		return 0;
	}
	for (i = 0; i < w->nifs; i++) {
		if (wif_equal(&w->ifs[i], &k)) {
			*id = w->last_if = i;
			return 0;
		}
	}
	ret = wif_room(w, errbuf);
	if (ret < 0)
		return ret;
	ret = write_idb(w, &k, ev, errbuf);
	if (ret < 0)
		return ret;
	w->ifs[w->nifs] = k;
	*id = w->last_if = w->nifs++;
	return 0;
}

/* The dissector an exported-PDU packet is handed to. */
static const char *pdu_proto(const struct tl_event *ev)
{
	if (ev->caplen == 0)
		return "data-text-lines";
	if (ev->link == TL_LINK_IP)
		return "ip";
	if (ev->link == TL_LINK_ETH)
		return "eth_withoutfcs";
	return "data";
}

/* Append one exported-PDU tag with a string value: big-endian type and
 * length, the value zero padded and counted with its padding (as
 * Wireshark writes it). */
static void out_pdu_tag(struct out *o, uint16_t tag, const char *s)
{
	size_t len = strlen(s);

	o->p[o->n] = (uint8_t)(tag >> 8);
	o->p[o->n + 1] = (uint8_t)tag;
	o->p[o->n + 2] = (uint8_t)(pad4(len) >> 8);
	o->p[o->n + 3] = (uint8_t)pad4(len);
	o->n += 4;
	out_bytes(o, s, len);
}

/* Append the exported-PDU tag header: the dissector, for text and opaque
 * bytes a Protocol column naming the source, then end-of-options. */
static void out_pdu_header(struct out *o, const char *proto,
			   const char *column)
{
	out_pdu_tag(o, EXP_PDU_TAG_DISSECTOR, proto);
	if (column)
		out_pdu_tag(o, EXP_PDU_TAG_COL_PROT_TEXT, column);
	memset(o->p + o->n, 0, 4);	/* EXP_PDU_TAG_END, length 0 */
	o->n += 4;
}

/* Length of the header out_pdu_header writes. */
static size_t pdu_header_len(const char *proto, const char *column)
{
	return 4 + pad4(strlen(proto)) + (column ? 4 + pad4(strlen(column)) :
					  0) + 4;
}

/* The tunlab event option's value: everything the standard fields cannot
 * give back exactly.  Returns its length. */
static size_t tlopt_event(uint8_t *v, const struct tl_event *ev)
{
	size_t dev_len = FIELD_LEN(ev->dev), detail_len = FIELD_LEN(ev->detail);
	size_t n = 0;

	if (dev_len >= TL_DEV_MAX)
		dev_len = TL_DEV_MAX - 1;
	if (detail_len >= TL_DETAIL_MAX)
		detail_len = TL_DETAIL_MAX - 1;
	put_le32(v, TUNLAB_PEN);
	v[4] = TLOPT_VERSION;
	v[5] = TLOPT_KIND_EVENT;
	put_le16(v + 6, TLOPT_EVENT_FIXED);
	v[8] = ev->step;
	v[9] = ev->source;
	v[10] = ev->basis;
	v[11] = ev->link;
	put_le16(v + 12, ev->flags);
	put_le16(v + 14, 0);
	put_le64(v + 16, ev->ts_ns);
	put_le32(v + 24, ev->len);
	put_le64(v + 28, ev->group);
	v[36] = ev->group_basis;
	v[37] = v[38] = v[39] = 0;
	n = 40;
	put_le16(v + n, (uint16_t)dev_len);
	memcpy(v + n + 2, ev->dev, dev_len);
	n += 2 + dev_len;
	put_le16(v + n, (uint16_t)detail_len);
	memcpy(v + n + 2, ev->detail, detail_len);
	return n + 2 + detail_len;
}

#define TLOPT_EVENT_MAX (40 + 2 + TL_DEV_MAX + 2 + TL_DETAIL_MAX)

/* Reject an event we could not write or read back faithfully. */
static int check_event(const struct tracefile_writer *w,
		       const struct tl_event *ev, char *errbuf)
{
	const char *bad = NULL;

	if (ev->caplen > TL_SNAP_MAX)
		bad = "captured length exceeds TL_SNAP_MAX";
	else if (ev->caplen > ev->len)
		bad = "captured length exceeds the packet length";
	else if (ev->caplen && !ev->data)
		bad = "captured length without data";
	else if (ev->step >= TL_STEP_COUNT && ev->step != TL_STEP_NONE)
		bad = "step id out of range";
	else if (ev->source >= TL_SRC_COUNT)
		bad = "source out of range";
	else if (ev->basis >= TL_BASIS_COUNT ||
		 ev->group_basis >= TL_BASIS_COUNT)
		bad = "basis out of range";
	else if (ev->link >= TL_LINK_COUNT)
		bad = "link out of range";
	else if (memchr(ev->host, '/', FIELD_LEN(ev->host)))
		bad = "host name contains '/'";
	if (bad)
		return fail(errbuf, -EINVAL, "%s: event not written: %s",
			    w->path, bad);
	return 0;
}

/* One event as one EPB, after its capture point's IDB if that is new. */
int tracefile_write(struct tracefile_writer *w, const struct tl_event *ev,
		    char *errbuf)
{
	uint8_t tlopt[TLOPT_EVENT_MAX];
	char comment[COMMENT_MAX];
	const struct tl_step *st;
	const char *proto = NULL, *column = NULL;
	const uint8_t *payload = ev->data;
	size_t hdr = 0, plen = ev->caplen, clen, tlen;
	uint64_t wall, orig;
	uint32_t id = 0, dirflags = 0;
	uint8_t word[8];
	struct out o;
	int ret;

	ret = check_event(w, ev, errbuf);
	if (ret < 0)
		return ret;
	ret = get_if(w, ev, &id, errbuf);
	if (ret < 0)
		return ret;
	orig = ev->len;
	if (w->ifs[id].linktype == LINKTYPE_UPPER_PDU) {
		proto = pdu_proto(ev);
		/* ip and eth fill the Protocol column themselves. */
		if (ev->caplen == 0 || ev->link == TL_LINK_TUNNEL ||
		    ev->link == TL_LINK_NONE)
			column = tl_source_name(ev->source);
		hdr = pdu_header_len(proto, column);
		/* A probe's event without bytes carries its detail as text. */
		if (ev->caplen == 0) {
			payload = (const uint8_t *)ev->detail;
			plen = FIELD_LEN(ev->detail);
			if (plen >= TL_DETAIL_MAX)
				plen = TL_DETAIL_MAX - 1;
			orig = plen;
		}
		orig += hdr;
	}
	/* The tunlab option keeps the exact len; this only has to be valid. */
	if (orig > UINT32_MAX)
		orig = UINT32_MAX;
	clen = make_comment(comment, sizeof(comment), ev);
	tlen = tlopt_event(tlopt, ev);
	st = tl_step_get(ev->step);
	if (st)
		dirflags = st->dir == TL_DIR_IN ? EPB_FLAG_INBOUND :
			   EPB_FLAG_OUTBOUND;

	/* 64 bytes of fixed fields and option headers, and some to spare. */
	ret = reserve(w, 128 + hdr + pad4(plen) + pad4(clen) + pad4(tlen),
		      &o, errbuf);
	if (ret < 0)
		return ret;
	/* Wall clock in ns; the monotonic time rides in the tunlab option. */
	wall = ev->ts_ns + (uint64_t)w->wall_offset;
	out_begin(&o, BT_EPB);
	out_u32(&o, id);
	out_u32(&o, (uint32_t)(wall >> 32));
	out_u32(&o, (uint32_t)wall);
	out_u32(&o, (uint32_t)(hdr + plen));
	out_u32(&o, (uint32_t)orig);
	if (proto)
		out_pdu_header(&o, proto, column);
	out_bytes(&o, payload, plen);
	out_opt(&o, OPT_COMMENT, comment, clen);
	if (dirflags) {
		put_le32(word, dirflags);
		out_opt(&o, EPB_FLAGS, word, 4);
	}
	if (ev->pkt) {
		put_le64(word, ev->pkt);
		out_opt(&o, EPB_PACKETID, word, 8);
	}
	out_opt(&o, OPT_CUSTOM_BIN, tlopt, tlen);
	out_opt(&o, OPT_ENDOFOPT, NULL, 0);
	w->len += out_end(&o);
	return 0;
}

/* Write the section header: who wrote the trace, and tunlab's section
 * data (lab name, wall clock offset) in a custom option. */
static int write_shb(struct tracefile_writer *w,
		     const struct tracefile_info *info, char *errbuf)
{
	static const char comment[] =
		"tunlab trace: one interface per capture point, one packet per "
		"event; the tunlab option (PEN 32473) is described in "
		"docs/trace-format.md";
	size_t app_len = FIELD_LEN(info->app), lab_len = FIELD_LEN(info->lab);
	uint8_t v[4 + 4 + TLOPT_SECTION_FIXED + 2 + sizeof(info->lab)];
	struct out o;
	int ret;

	if (lab_len >= sizeof(info->lab))
		lab_len = sizeof(info->lab) - 1;
	if (app_len >= sizeof(info->app))
		app_len = sizeof(info->app) - 1;
	ret = reserve(w, 256 + sizeof(comment) + sizeof(v), &o, errbuf);
	if (ret < 0)
		return ret;
	out_begin(&o, BT_SHB);
	out_u32(&o, BYTE_ORDER_MAGIC);
	out_u16(&o, 1);
	out_u16(&o, 0);
	out_u32(&o, UINT32_MAX);	/* section length: not given */
	out_u32(&o, UINT32_MAX);
	out_opt(&o, OPT_COMMENT, comment, sizeof(comment) - 1);
	if (app_len)
		out_opt(&o, SHB_USERAPPL, info->app, app_len);
	put_le32(v, TUNLAB_PEN);
	v[4] = TLOPT_VERSION;
	v[5] = TLOPT_KIND_SECTION;
	put_le16(v + 6, TLOPT_SECTION_FIXED);
	put_le64(v + 8, (uint64_t)info->wall_offset_ns);
	put_le16(v + 16, (uint16_t)lab_len);
	memcpy(v + 18, info->lab, lab_len);
	out_opt(&o, OPT_CUSTOM_BIN, v, 18 + lab_len);
	out_opt(&o, OPT_ENDOFOPT, NULL, 0);
	w->len += out_end(&o);
	return 0;
}

/* Create the file and write its section header straight away. */
int tracefile_create(struct tracefile_writer **wp, const char *path,
		     const struct tracefile_info *info, char *errbuf)
{
	struct tracefile_writer *w;
	int ret;

	*wp = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return fail(errbuf, -ENOMEM, "out of memory");
	w->path = strdup(path);
	w->cap = WBUF_SIZE;
	w->buf = malloc(w->cap);
	if (!w->path || !w->buf) {
		ret = fail(errbuf, -ENOMEM, "out of memory");
		goto out_free;
	}
	w->wall_offset = info->wall_offset_ns;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		ret = fail(errbuf, -errno, "%s: %s", path, strerror(errno));
		goto out_free;
	}
	/* The header goes out at once: from now on the file is a trace. */
	ret = write_shb(w, info, errbuf);
	if (ret == 0)
		ret = wflush(w, errbuf);
	if (ret < 0)
		goto out_close;
	*wp = w;
	return 0;

out_close:
	close(w->fd);
	unlink(path);
out_free:
	free(w->buf);
	free(w->path);
	free(w);
	return ret;
}

/* A TLS key log as a Decryption Secrets Block. */
int tracefile_write_keylog(struct tracefile_writer *w, const char *keylog,
			   size_t len, char *errbuf)
{
	struct out o;
	int ret;

	if (len == 0)
		return 0;
	if (len > BLOCK_MAX - 64)
		return fail(errbuf, -EFBIG,
			    "%s: key log of %zu bytes too large", w->path,
			    len);
	ret = reserve(w, 32 + pad4(len), &o, errbuf);
	if (ret < 0)
		return ret;
	out_begin(&o, BT_DSB);
	out_u32(&o, DSB_TLS_KEY_LOG);
	out_u32(&o, (uint32_t)len);
	out_bytes(&o, keylog, len);
	w->len += out_end(&o);
	return 0;
}

/* Append to a bounded string; once full, it stays full and terminated. */
__attribute__((format(printf, 4, 5)))
static void appendf(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= size)
		return;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += (size_t)k;
}

/* The words of tunlab trace's summary line.  The kernel's count is there
 * only if the kernel was traced (else its 0 would mean nothing); the rare
 * counts only when they are not 0. */
void tracefile_losses_text(const struct tracefile_losses *l, char *buf,
			   size_t size)
{
	size_t n = 0;

	if (!size)
		return;
	buf[0] = '\0';
	appendf(buf, size, &n, "%" PRIu64 " frames (pcap), %" PRIu64
		" malformed probe events, %" PRIu64 " late", l->pcap_drops,
		l->probe_malformed, l->late);
	if (l->no_memory)
		appendf(buf, size, &n, ", %" PRIu64 " without memory",
			l->no_memory);
	if (l->flags & TRACEFILE_LOSSES_KERNEL)
		appendf(buf, size, &n, ", %" PRIu64 " kernel events (tracefs "
			"overruns)", l->kernel_lost);
	if (l->probe_dropped)
		appendf(buf, size, &n, ", at least %" PRIu64 " probe events "
			"the daemons could not hand over", l->probe_dropped);
	if (l->skipped || l->skipped_ns)
		appendf(buf, size, &n, ", %" PRIu64 " skipped (the tracer was "
			"behind: %" PRIu64 " ms not recorded)", l->skipped,
			l->skipped_ns / 1000000);
	if (l->paused_ns)
		appendf(buf, size, &n, "; paused %" PRIu64 " ms to keep to "
			"its CPU budget", l->paused_ns / 1000000);
	if (l->unrecorded)
		appendf(buf, size, &n, "; not recorded for %" PRIu32
			" more section%s of this file", l->unrecorded,
			l->unrecorded == 1 ? "" : "s");
}

/* The interface the losses name: the first device's, since pcap's drops
 * happen on devices (counted over all of them together, so the whole count
 * goes there); else interface 0. */
static uint32_t losses_if(const struct tracefile_writer *w)
{
	for (uint32_t i = 0; i < w->nifs; i++)
		if (w->ifs[i].linktype == LINKTYPE_RAW ||
		    w->ifs[i].linktype == LINKTYPE_ETHERNET)
			return i;
	return 0;
}

/* A trace without events has no interface for its statistics to name (the
 * standard wants one): an interface for the tracer itself, whose key
 * (link type 0) no event has. */
static int write_tracer_idb(struct tracefile_writer *w, char *errbuf)
{
	int ret = wif_room(w, errbuf);

	if (ret < 0)
		return ret;
	ret = emit_idb(w, LINKTYPE_UPPER_PDU, "tracer", "tunlab tracer: no "
		       "event was recorded; this interface carries the "
		       "sources' losses", errbuf);
	if (ret < 0)
		return ret;
	memset(&w->ifs[w->nifs++], 0, sizeof(w->ifs[0]));
	return 0;
}

/* An ISB time: ns since 1970, high and low words, as an EPB has them. */
static void out_time_opt(struct out *o, uint16_t code, uint64_t wall)
{
	uint8_t v[8];

	put_le32(v, (uint32_t)(wall >> 32));
	put_le32(v + 4, (uint32_t)wall);
	out_opt(o, code, v, 8);
}

#define TLOPT_LOSSES_LEN	(8 + TLOPT_LOSSES_FIXED)

/* The tunlab losses option's value: every count, exactly. */
static void tlopt_losses(uint8_t *v, const struct tracefile_losses *l)
{
	put_le32(v, TUNLAB_PEN);
	v[4] = TLOPT_VERSION;
	v[5] = TLOPT_KIND_LOSSES;
	put_le16(v + 6, TLOPT_LOSSES_FIXED);
	put_le32(v + 8, l->flags);
	put_le32(v + 12, 0);
	put_le64(v + 16, l->start_ns);
	put_le64(v + 24, l->end_ns);
	put_le64(v + 32, l->pcap_drops);
	put_le64(v + 40, l->probe_malformed);
	put_le64(v + 48, l->late);
	put_le64(v + 56, l->no_memory);
	put_le64(v + 64, l->kernel_lost);
	put_le64(v + 72, l->probe_dropped);
	put_le64(v + 80, l->skipped);
	put_le64(v + 88, l->paused_ns);
	put_le64(v + 96, l->skipped_ns);
}

/* The losses as an ISB: a sentence, the recording's start and end,
 * isb_ifdrop for Wireshark's "Dropped packets", and every count exactly in
 * the tunlab option. */
int tracefile_write_losses(struct tracefile_writer *w,
			   const struct tracefile_losses *l, char *errbuf)
{
	static const char lead[] = "tunlab: what the tracer's sources lost "
				   "while recording: ";
	char comment[sizeof(lead) + TRACEFILE_LOSSES_TEXT];
	uint8_t v[TLOPT_LOSSES_LEN], word[8];
	uint64_t off = (uint64_t)w->wall_offset, wall = 0;
	size_t clen;
	struct out o;
	int ret;

	if (!w->nifs) {
		ret = write_tracer_idb(w, errbuf);
		if (ret < 0)
			return ret;
	}
	memcpy(comment, lead, sizeof(lead) - 1);
	tracefile_losses_text(l, comment + sizeof(lead) - 1,
			      sizeof(comment) - (sizeof(lead) - 1));
	clen = strlen(comment);
	tlopt_losses(v, l);
	/* Fixed fields, option headers, times, isb_ifdrop: under 96. */
	ret = reserve(w, 96 + pad4(clen) + sizeof(v), &o, errbuf);
	if (ret < 0)
		return ret;
	if (l->end_ns)
		wall = l->end_ns + off;
	out_begin(&o, BT_ISB);
	out_u32(&o, losses_if(w));
	out_u32(&o, (uint32_t)(wall >> 32));
	out_u32(&o, (uint32_t)wall);
	out_opt(&o, OPT_COMMENT, comment, clen);
	if (l->start_ns)
		out_time_opt(&o, ISB_STARTTIME, l->start_ns + off);
	if (l->end_ns)
		out_time_opt(&o, ISB_ENDTIME, wall);
	put_le64(word, l->pcap_drops);
	out_opt(&o, ISB_IFDROP, word, 8);
	out_opt(&o, OPT_CUSTOM_BIN, v, sizeof(v));
	out_opt(&o, OPT_ENDOFOPT, NULL, 0);
	w->len += out_end(&o);
	return 0;
}

/* Push the buffered (whole) blocks to the file. */
int tracefile_flush(struct tracefile_writer *w, char *errbuf)
{
	return wflush(w, errbuf);
}

/* Flush, close and free; the first error wins. */
int tracefile_close(struct tracefile_writer *w, char *errbuf)
{
	int ret, ret2;

	if (!w)
		return 0;
	ret = wflush(w, errbuf);
	ret2 = close(w->fd);
	if (ret2 < 0 && ret == 0)
		ret = fail(errbuf, -errno, "%s: close: %s", w->path,
			   strerror(errno));
	free(w->ifs);
	free(w->buf);
	free(w->path);
	free(w);
	return ret;
}

/* ---------------------------------------------------------------- reader */

/* Record a fatal error: every later call answers with it. */
__attribute__((format(printf, 4, 5)))
static int rfail(struct tracefile_reader *r, char *errbuf, int err,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
	va_end(ap);
	r->err = err;
	return fail(errbuf, err, "%s", r->errmsg);
}

/* A block whose inside does not add up. */
static int corrupt(struct tracefile_reader *r, const struct block *b,
		   char *errbuf, const char *why)
{
	return rfail(r, errbuf, -EBADMSG,
		     "%s: corrupt block at offset %zu (%s)", r->path, b->off,
		     why);
}

/* Is everything from pos to the end zero?  A crash can leave a file
 * padded with zeros after its last written block. */
static bool zero_tail(const struct tracefile_reader *r, size_t pos)
{
	for (; pos < r->size; pos++)
		if (r->base[pos])
			return false;
	return true;
}

/* Frame the block at pos: a sane length, inside the file, repeated in the
 * trailer.  BLK_OK, BLK_END, BLK_CUT, or -EBADMSG with the reason in why. */
static int block_at(const struct tracefile_reader *r, size_t pos, bool be,
		    struct block *b, char *why, size_t whylen)
{
	const uint8_t *p = r->base + pos;
	size_t left = r->size - pos;
	uint32_t trailer;

	if (left == 0)
		return BLK_END;
	if (left < 8)
		return BLK_CUT;
	memset(b, 0, sizeof(*b));
	b->off = pos;
	b->be = be;
	/* The SHB type reads the same both ways; its magic sets the order. */
	b->type = get32(p, be);
	if (b->type == BT_SHB) {
		if (left < 12)
			return BLK_CUT;
		if (memcmp(p + 8, "\x1a\x2b\x3c\x4d", 4) == 0) {
			b->be = true;
		} else if (memcmp(p + 8, "\x4d\x3c\x2b\x1a", 4) == 0) {
			b->be = false;
		} else {
			snprintf(why, whylen, "bad byte-order magic %02x %02x "
				 "%02x %02x", p[8], p[9], p[10], p[11]);
			return -EBADMSG;
		}
	}
	b->len = get32(p + 4, b->be);
	if (b->len < 12 || b->len % 4) {
		snprintf(why, whylen, "length %u", b->len);
		return -EBADMSG;
	}
	if (b->len > BLOCK_MAX) {
		snprintf(why, whylen, "length %u too large", b->len);
		return -EBADMSG;
	}
	if (b->len > left)
		return BLK_CUT;
	trailer = get32(p + b->len - 4, b->be);
	if (trailer != b->len) {
		snprintf(why, whylen, "length %u, trailer says %u", b->len,
			 trailer);
		return -EBADMSG;
	}
	b->body = p + 8;
	b->body_len = b->len - 12;
	return BLK_OK;
}

/* The next whole block, or the end (clean or cut short), or an error. */
static int read_block(struct tracefile_reader *r, struct block *b,
		      char *errbuf)
{
	char why[96];
	int ret;

	ret = block_at(r, r->pos, r->be, b, why, sizeof(why));
	if (ret < 0 && zero_tail(r, r->pos))
		ret = BLK_CUT;
	if (ret == BLK_CUT)
		snprintf(r->warning, sizeof(r->warning),
			 "trace cut short after %llu events (offset %zu)",
			 (unsigned long long)r->nevents, r->pos);
	if (ret == BLK_END || ret == BLK_CUT) {
		r->done = true;
		return ret;
	}
	if (ret < 0)
		return rfail(r, errbuf, ret,
			     "%s: corrupt block at offset %zu (%s)", r->path,
			     r->pos, why);
	r->pos += b->len;
	return BLK_OK;
}

/* Walks a block's options. */
struct opts {
	const uint8_t *p;
	size_t left;
	bool be;
};

/* The next option: 1, 0 at the end of the list, -1 if it overruns. */
static int opt_next(struct opts *it, uint16_t *code, const uint8_t **val,
		    size_t *len)
{
	size_t l;

	/* Option areas are whole words: fewer than 4 bytes means the end. */
	if (it->left < 4)
		return 0;
	*code = get16(it->p, it->be);
	l = get16(it->p + 2, it->be);
	if (*code == OPT_ENDOFOPT)
		return 0;
	if (pad4(l) > it->left - 4)
		return -1;
	*val = it->p + 4;
	*len = l;
	it->p += 4 + pad4(l);
	it->left -= 4 + pad4(l);
	return 1;
}

/* Copy a string value (a NUL, if any, ends it) into a bounded field. */
static void copy_str(char *dst, size_t size, const uint8_t *v, size_t len)
{
	size_t n = strnlen((const char *)v, len);

	if (n >= size)
		n = size - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Copy the first line of a text: a comment or a text PDU as a detail. */
static void copy_line(char *dst, size_t size, const uint8_t *v, size_t len)
{
	size_t n = 0;

	while (n < len && v[n] && v[n] != '\n' && v[n] != '\r')
		n++;
	copy_str(dst, size, v, n);
}

/* tunlab's section option: lab name and wall clock offset. */
static int parse_tlopt_section(struct tracefile_reader *r, const uint8_t *v,
			       size_t n)
{
	size_t fixed, lab_len;

	if (n < 4)
		return -1;
	if (v[0] != TLOPT_VERSION || v[1] != TLOPT_KIND_SECTION)
		return 0;
	fixed = get16(v + 2, r->be);
	if (fixed < TLOPT_SECTION_FIXED || fixed + 2 > n - 4)
		return -1;
	r->info.wall_offset_ns = (int64_t)get64(v + 4, r->be);
	lab_len = get16(v + 4 + fixed, r->be);
	if (lab_len > n - 4 - fixed - 2)
		return -1;
	copy_str(r->info.lab, sizeof(r->info.lab), v + 4 + fixed + 2,
		 lab_len);
	return 1;
}

/* A new section: its byte order, its interfaces (none yet), its info. */
static int parse_shb(struct tracefile_reader *r, const struct block *b,
		     char *errbuf)
{
	const uint8_t *val;
	uint16_t code, major;
	struct opts it;
	size_t len;
	int ret;

	if (b->body_len < 16)
		return corrupt(r, b, errbuf, "section header too short");
	major = get16(b->body + 4, b->be);
	if (major != 1)
		return rfail(r, errbuf, -EPROTONOSUPPORT,
			     "%s: pcapng version %u.%u at offset %zu is not "
			     "supported", r->path, major,
			     get16(b->body + 6, b->be), b->off);
	r->be = b->be;
	r->nifs = 0;
	memset(&r->info, 0, sizeof(r->info));
	it = (struct opts){ b->body + 16, b->body_len - 16, b->be };
	while ((ret = opt_next(&it, &code, &val, &len)) > 0) {
		if (code == SHB_USERAPPL) {
			copy_str(r->info.app, sizeof(r->info.app), val, len);
		} else if (code == OPT_CUSTOM_BIN && len >= 4 &&
			   get32(val, r->be) == TUNLAB_PEN) {
			if (parse_tlopt_section(r, val + 4, len - 4) < 0)
				return corrupt(r, b, errbuf,
					       "bad tunlab section option");
		}
	}
	if (ret < 0)
		return corrupt(r, b, errbuf, "options overrun the block");
	return 0;
}

/* An interface: its link type, clock resolution, and host/dev name. */
static int parse_idb(struct tracefile_reader *r, const struct block *b,
		     char *errbuf)
{
	const uint8_t *val, *slash;
	struct rif *ifc;
	uint16_t code;
	struct opts it;
	size_t len;
	int ret;

	if (b->body_len < 8)
		return corrupt(r, b, errbuf, "interface block too short");
	if (r->nifs == r->ifs_cap) {
		uint32_t ncap = r->ifs_cap ? 2 * r->ifs_cap : 16;
		struct rif *nifs = realloc(r->ifs, ncap * sizeof(*nifs));

		if (!nifs)
			return rfail(r, errbuf, -ENOMEM, "out of memory");
		r->ifs = nifs;
		r->ifs_cap = ncap;
	}
	ifc = &r->ifs[r->nifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->linktype = get16(b->body, r->be);
	ifc->tsresol = 6;	/* the pcapng default: microseconds */
	it = (struct opts){ b->body + 8, b->body_len - 8, r->be };
	while ((ret = opt_next(&it, &code, &val, &len)) > 0) {
		if (code == IF_NAME) {
			len = strnlen((const char *)val, len);
			/* "mobile/tl3fa2m-tun": the host is before the '/'. */
			slash = memchr(val, '/', len);
			if (slash) {
				copy_str(ifc->host, sizeof(ifc->host), val,
					 (size_t)(slash - val));
				len -= (size_t)(slash - val) + 1;
				val = slash + 1;
			}
			copy_str(ifc->dev, sizeof(ifc->dev), val, len);
		} else if (code == IF_TSRESOL && len >= 1) {
			ifc->tsresol = val[0];
		} else if (code == IF_TSOFFSET && len == 8) {
			ifc->tsoffset = (int64_t)get64(val, r->be);
		}
	}
	if (ret < 0)
		return corrupt(r, b, errbuf, "options overrun the block");
	r->nifs++;
	return 0;
}

/* A timestamp in units of if_tsresol, in nanoseconds. */
static uint64_t ts_to_ns(uint64_t ts, uint8_t tsresol)
{
	unsigned int e = tsresol & 0x7f, i;
	uint64_t scale = 1;

	if (tsresol & 0x80)
		return (uint64_t)(((unsigned __int128)ts * 1000000000u) >> e);
	if (e <= 9) {
		for (i = e; i < 9; i++)
			scale *= 10;
		return ts * scale;
	}
	if (e - 9 > 19)
		return 0;
	for (i = 9; i < e; i++)
		scale *= 10;
	return ts / scale;
}

/* Length of an exported-PDU tag header, and the dissector it names; 0 if
 * the bytes do not start with a well-formed tag list. */
static size_t pdu_parse(const uint8_t *p, size_t n, const uint8_t **proto,
			size_t *proto_len)
{
	size_t off = 0, tag, len;

	*proto = NULL;
	*proto_len = 0;
	while (n - off >= 4) {
		tag = (size_t)(p[off] << 8 | p[off + 1]);
		len = (size_t)(p[off + 2] << 8 | p[off + 3]);
		off += 4;
		if (len > n - off)
			return 0;
		if (tag == EXP_PDU_TAG_END)
			return off + len;
		if (tag == EXP_PDU_TAG_DISSECTOR && !*proto) {
			*proto = p + off;
			*proto_len = strnlen((const char *)p + off, len);
		}
		off += len;
	}
	return 0;
}

/* Does a counted string equal s? */
static bool str_is(const uint8_t *v, size_t len, const char *s)
{
	return v && len == strlen(s) && memcmp(v, s, len) == 0;
}

/* How the bytes of a packet from another tool start. */
static uint8_t foreign_link(uint16_t linktype, const uint8_t *proto,
			    size_t proto_len)
{
	switch (linktype) {
	case LINKTYPE_ETHERNET:
		return TL_LINK_ETH;
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return TL_LINK_IP;
	case LINKTYPE_UPPER_PDU:
		if (str_is(proto, proto_len, "ip") ||
		    str_is(proto, proto_len, "ipv6"))
			return TL_LINK_IP;
		if (str_is(proto, proto_len, "eth_withoutfcs") ||
		    str_is(proto, proto_len, "eth_maybefcs"))
			return TL_LINK_ETH;
		return TL_LINK_NONE;
	}
	return TL_LINK_NONE;
}

/* tunlab's event option: 1 and ev filled, 0 if it is a version or kind we
 * do not know (the event is then read as a foreign one), -1 if corrupt. */
static int parse_tlopt_event(const uint8_t *v, size_t n, bool be,
			     struct tl_event *ev)
{
	size_t fixed, off, dev_len, detail_len;

	if (n < 4)
		return -1;
	if (v[0] != TLOPT_VERSION || v[1] != TLOPT_KIND_EVENT)
		return 0;
	fixed = get16(v + 2, be);
	if (fixed < TLOPT_EVENT_FIXED_V0 || fixed > n - 4)
		return -1;
	ev->step = v[4];
	ev->source = v[5];
	ev->basis = v[6];
	ev->link = v[7];
	ev->flags = get16(v + 8, be);
	ev->ts_ns = get64(v + 12, be);
	ev->len = get32(v + 20, be);
	/* The group came with fixed length 32; older files have none. */
	if (fixed >= TLOPT_EVENT_FIXED) {
		ev->group = get64(v + 24, be);
		ev->group_basis = v[32];
	}
	/* Values a newer tunlab may add read as "none" here. */
	if (ev->step >= TL_STEP_COUNT)
		ev->step = TL_STEP_NONE;
	if (ev->source >= TL_SRC_COUNT)
		ev->source = TL_SRC_PCAP;
	if (ev->basis >= TL_BASIS_COUNT)
		ev->basis = TL_BASIS_NONE;
	if (ev->group_basis >= TL_BASIS_COUNT)
		ev->group_basis = TL_BASIS_NONE;
	if (ev->link >= TL_LINK_COUNT)
		ev->link = TL_LINK_NONE;
	off = 4 + fixed;
	if (n - off < 2)
		return -1;
	dev_len = get16(v + off, be);
	off += 2;
	if (dev_len > n - off)
		return -1;
	copy_str(ev->dev, sizeof(ev->dev), v + off, dev_len);
	off += dev_len;
	if (n - off < 2)
		return -1;
	detail_len = get16(v + off, be);
	off += 2;
	if (detail_len > n - off)
		return -1;
	copy_str(ev->detail, sizeof(ev->detail), v + off, detail_len);
	/* Anything after the detail is a later extension: skipped. */
	return 1;
}

/* An enhanced packet block as an event. */
static int parse_epb(struct tracefile_reader *r, const struct block *b,
		     struct tl_event *ev, char *errbuf)
{
	const uint8_t *body = b->body, *data, *val, *comment = NULL;
	const uint8_t *tlopt = NULL, *proto = NULL;
	size_t n = b->body_len, clen = 0, tllen = 0, len, hdr = 0;
	size_t proto_len = 0, plen;
	uint32_t ifid, caplen, origlen;
	const struct rif *ifc;
	uint64_t ts;
	struct opts it;
	uint16_t code;
	bool text;
	int ret, ours = 0;

	if (n < 20)
		return corrupt(r, b, errbuf, "packet block too short");
	ifid = get32(body, r->be);
	if (ifid >= r->nifs)
		return corrupt(r, b, errbuf,
			       "packet on an undefined interface");
	ifc = &r->ifs[ifid];
	ts = (uint64_t)get32(body + 4, r->be) << 32 | get32(body + 8, r->be);
	caplen = get32(body + 12, r->be);
	origlen = get32(body + 16, r->be);
	if (pad4(caplen) > n - 20)
		return corrupt(r, b, errbuf,
			       "captured length exceeds the block");
	data = body + 20;

	memset(ev, 0, sizeof(*ev));
	it = (struct opts){ data + pad4(caplen), n - 20 - pad4(caplen), r->be };
	while ((ret = opt_next(&it, &code, &val, &len)) > 0) {
		if (code == OPT_COMMENT && !comment) {
			comment = val;
			clen = len;
		} else if (code == EPB_PACKETID && len == 8) {
			ev->pkt = get64(val, r->be);
		} else if (code == OPT_CUSTOM_BIN && len >= 4 && !tlopt &&
			   get32(val, r->be) == TUNLAB_PEN) {
			tlopt = val + 4;
			tllen = len - 4;
		}
	}
	if (ret < 0)
		return corrupt(r, b, errbuf, "options overrun the block");

	if (ifc->linktype == LINKTYPE_UPPER_PDU)
		hdr = pdu_parse(data, caplen, &proto, &proto_len);
	text = str_is(proto, proto_len, "data-text-lines");
	plen = caplen - hdr;
	memcpy(ev->host, ifc->host, sizeof(ev->host));
	if (tlopt) {
		ours = parse_tlopt_event(tlopt, tllen, r->be, ev);
		if (ours < 0)
			return corrupt(r, b, errbuf, "bad tunlab event option");
	}
	if (!ours) {
		/* Another tool's packet: what the standard fields say. */
		ev->source = TL_SRC_PCAP;
		ev->step = TL_STEP_NONE;
		ev->link = foreign_link(ifc->linktype, proto, proto_len);
		ev->ts_ns = ts_to_ns(ts, ifc->tsresol) +
			    (uint64_t)ifc->tsoffset * 1000000000u;
		ev->len = text ? 0 : origlen - (origlen > hdr ? hdr : origlen);
		memcpy(ev->dev, ifc->dev, sizeof(ev->dev));
		if (comment)
			copy_line(ev->detail, sizeof(ev->detail), comment,
				  clen);
		else if (text)
			copy_line(ev->detail, sizeof(ev->detail), data + hdr,
				  plen);
	}
	if (!text && plen) {
		ev->data = data + hdr;
		ev->caplen = plen;
	}
	if (ev->caplen > TL_SNAP_MAX) {
		ev->caplen = TL_SNAP_MAX;
		ev->flags |= TL_EVENT_F_TRUNCATED;
	}
	if (ev->len < ev->caplen)
		ev->len = ev->caplen;
	if (!ours && ev->caplen < ev->len)
		ev->flags |= TL_EVENT_F_TRUNCATED;
	return 0;
}

/* tunlab's losses option: 1 and l filled, 0 if it is a version or kind we
 * do not know, -1 if corrupt. */
static int parse_tlopt_losses(const uint8_t *v, size_t n, bool be,
			      struct tracefile_losses *l)
{
	size_t fixed;

	if (n < 4)
		return -1;
	if (v[0] != TLOPT_VERSION || v[1] != TLOPT_KIND_LOSSES)
		return 0;
	fixed = get16(v + 2, be);
	if (fixed < TLOPT_LOSSES_MIN || fixed > n - 4)
		return -1;
	memset(l, 0, sizeof(*l));
	l->flags = get32(v + 4, be);
	l->start_ns = get64(v + 12, be);
	l->end_ns = get64(v + 20, be);
	l->pcap_drops = get64(v + 28, be);
	l->probe_malformed = get64(v + 36, be);
	l->late = get64(v + 44, be);
	l->no_memory = get64(v + 52, be);
	l->kernel_lost = get64(v + 60, be);
	l->probe_dropped = get64(v + 68, be);
	if (fixed >= TLOPT_LOSSES_FIXED) {
		l->skipped = get64(v + 76, be);
		l->paused_ns = get64(v + 84, be);
		l->skipped_ns = get64(v + 92, be);
	}
	/* Counts a later tunlab adds follow, up to 4 + fixed: skipped. */
	return 1;
}

/* An interface statistics block: 1 and l filled if it carries tunlab's
 * losses, 0 if not (another tool's statistics), -1 if corrupt, with why.
 * The interface id is not checked: nothing here needs its interface. */
static int parse_isb(const struct block *b, struct tracefile_losses *l,
		     const char **why)
{
	const uint8_t *val;
	uint16_t code;
	struct opts it;
	size_t len;
	int ret, found = 0;

	if (b->body_len < 12) {
		*why = "statistics block too short";
		return -1;
	}
	it = (struct opts){ b->body + 12, b->body_len - 12, b->be };
	while ((ret = opt_next(&it, &code, &val, &len)) > 0) {
		if (found || code != OPT_CUSTOM_BIN || len < 4 ||
		    get32(val, b->be) != TUNLAB_PEN)
			continue;
		found = parse_tlopt_losses(val + 4, len - 4, b->be, l);
		if (found < 0) {
			*why = "bad tunlab losses option";
			return -1;
		}
	}
	if (ret < 0) {
		*why = "options overrun the block";
		return -1;
	}
	return found;
}

/* Walk blocks until the next EPB, the end, or an error. */
int tracefile_next(struct tracefile_reader *r, struct tl_event *ev,
		   char *errbuf)
{
	struct tracefile_losses l;
	const char *why;
	struct block b;
	int ret;

	if (r->err)
		return fail(errbuf, r->err, "%s", r->errmsg);
	while (!r->done) {
		ret = read_block(r, &b, errbuf);
		if (ret != BLK_OK)
			return ret < 0 ? ret : 0;
		switch (b.type) {
		case BT_SHB:
			ret = parse_shb(r, &b, errbuf);
			break;
		case BT_IDB:
			ret = parse_idb(r, &b, errbuf);
			break;
		case BT_EPB:
			ret = parse_epb(r, &b, ev, errbuf);
			if (ret == 0) {
				r->nevents++;
				return 1;
			}
			break;
		case BT_ISB:
			/* Its losses were gathered at open; a corrupt block is
			 * still an error, here where it is reached. */
			ret = parse_isb(&b, &l, &why) < 0 ?
			      corrupt(r, &b, errbuf, why) : 0;
			break;
		default:
			/* DSBs were gathered at open; the rest is not ours. */
			ret = 0;
			break;
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Append one TLS key log to the reader's, a newline between two. */
static int add_keylog(struct tracefile_reader *r, const uint8_t *v,
		      size_t len)
{
	bool nl = r->keylog_len && r->keylog[r->keylog_len - 1] != '\n';
	char *nk = realloc(r->keylog, r->keylog_len + nl + len + 1);

	if (!nk)
		return -ENOMEM;
	r->keylog = nk;
	if (nl)
		r->keylog[r->keylog_len++] = '\n';
	memcpy(r->keylog + r->keylog_len, v, len);
	r->keylog_len += len;
	r->keylog[r->keylog_len] = '\0';
	return 0;
}

/* Add the losses of a section that has ended to the file's; have: the
 * section recorded them. */
static void add_losses(struct tracefile_reader *r,
		       const struct tracefile_losses *l, bool have)
{
	struct tracefile_losses *sum = &r->losses;

	if (!have) {
		sum->unrecorded++;
		return;
	}
	if (!r->has_losses)
		sum->start_ns = l->start_ns;
	sum->end_ns = l->end_ns;
	sum->pcap_drops += l->pcap_drops;
	sum->probe_malformed += l->probe_malformed;
	sum->late += l->late;
	sum->no_memory += l->no_memory;
	sum->kernel_lost += l->kernel_lost;
	sum->probe_dropped += l->probe_dropped;
	sum->skipped += l->skipped;
	sum->paused_ns += l->paused_ns;
	sum->skipped_ns += l->skipped_ns;
	sum->flags |= l->flags;
	r->has_losses = true;
}

/* Gather up front, in one walk over the blocks, every TLS key log (so a
 * viewer has the keys before the packets) and the losses (written last,
 * wanted first; a section's last losses block counts).  A block that is
 * corrupt is left for tracefile_next() to report. */
static int gather(struct tracefile_reader *r)
{
	struct tracefile_losses sect, l;
	bool in_section = false, have = false;
	const char *bad;
	struct block b;
	size_t pos = 0;
	uint32_t type, len;
	bool be = false;
	char why[96];
	int ret;

	memset(&sect, 0, sizeof(sect));
	while (block_at(r, pos, be, &b, why, sizeof(why)) == BLK_OK) {
		pos += b.len;
		be = b.be;
		if (b.type == BT_SHB) {
			if (in_section)
				add_losses(r, &sect, have);
			in_section = true;
			have = false;
			continue;
		}
		if (b.type == BT_ISB && parse_isb(&b, &l, &bad) > 0) {
			sect = l;
			have = true;
			continue;
		}
		if (b.type != BT_DSB || b.body_len < 8)
			continue;
		type = get32(b.body, be);
		len = get32(b.body + 4, be);
		if (type != DSB_TLS_KEY_LOG || len > b.body_len - 8)
			continue;
		ret = add_keylog(r, b.body + 8, len);
		if (ret < 0)
			return ret;
	}
	if (in_section)
		add_losses(r, &sect, have);
	return 0;
}

/* Describe how a file that is not pcapng starts, for the error message. */
static void describe_start(const uint8_t *p, size_t n, char *out,
			   size_t size)
{
	static const uint32_t pcap_magic[] = {
		0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1,
	};
	size_t i, off = 0;
	bool print = true;

	if (n > 4)
		n = 4;
	for (i = 0; i < n; i++) {
		off += (size_t)snprintf(out + off, size - off, "%s%02x",
					i ? " " : "", p[i]);
		if (p[i] < 0x20 || p[i] > 0x7e)
			print = false;
	}
	if (print)
		off += (size_t)snprintf(out + off, size - off, " \"%.*s\"",
					(int)n, (const char *)p);
	for (i = 0; n == 4 && i < sizeof(pcap_magic) / sizeof(pcap_magic[0]);
	     i++) {
		if (get32(p, true) == pcap_magic[i]) {
			snprintf(out + off, size - off, ": a classic pcap "
				 "file, convert it with editcap -F pcapng");
			break;
		}
	}
}

/* The whole file in memory: mapped if it is a regular file, else read. */
static int load(struct tracefile_reader *r, int fd, char *errbuf)
{
	uint8_t *buf = NULL, *nb;
	size_t cap = 0, len = 0;
	struct stat st;
	void *map;
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return fail(errbuf, -errno, "%s: %s", r->path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return fail(errbuf, -EISDIR, "%s: %s", r->path,
			    strerror(EISDIR));
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE,
			   fd, 0);
		if (map != MAP_FAILED) {
			madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
			r->base = map;
			r->size = (size_t)st.st_size;
			r->mapped = true;
			return 0;
		}
	}
	/* A pipe, or a file mmap refuses: read it all. */
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return fail(errbuf, -ENOMEM, "out of memory");
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return fail(errbuf, -errno, "%s: %s", r->path,
				    strerror(errno));
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	r->base = buf;
	r->size = len;
	return 0;
}

/* Load the file, check that it is pcapng, read its section header and
 * gather its key logs. */
int tracefile_open(struct tracefile_reader **rp, const char *path,
		   char *errbuf)
{
	struct tracefile_reader *r;
	struct block b;
	char start[128];
	int fd, ret;

	*rp = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return fail(errbuf, -ENOMEM, "out of memory");
	r->path = strdup(path);
	if (!r->path) {
		ret = fail(errbuf, -ENOMEM, "out of memory");
		goto out_free;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = fail(errbuf, -errno, "%s: %s", path, strerror(errno));
		goto out_free;
	}
	ret = load(r, fd, errbuf);
	close(fd);
	if (ret < 0)
		goto out_free;
	if (r->size == 0) {
		ret = fail(errbuf, -EINVAL, "%s: not a pcapng file (empty)",
			   path);
		goto out_unload;
	}
	if (r->size < 4 || get32(r->base, false) != BT_SHB) {
		describe_start(r->base, r->size, start, sizeof(start));
		ret = fail(errbuf, -EINVAL,
			   "%s: not a pcapng file (starts with %s)", path,
			   start);
		goto out_unload;
	}
	ret = read_block(r, &b, errbuf);
	if (ret == BLK_OK)
		ret = parse_shb(r, &b, errbuf);
	if (ret < 0)
		goto out_unload;
	ret = gather(r);
	if (ret < 0) {
		ret = fail(errbuf, ret, "out of memory");
		goto out_unload;
	}
	*rp = r;
	return 0;

out_unload:
	if (r->mapped)
		munmap((void *)r->base, r->size);
	else
		free((void *)r->base);
	free(r->keylog);
	free(r->ifs);
out_free:
	free(r->path);
	free(r);
	return ret;
}

/* The info of the section being read. */
const struct tracefile_info *tracefile_info(const struct tracefile_reader *r)
{
	return &r->info;
}

/* Every TLS key log of the file, joined; NULL if none. */
const char *tracefile_keylog(const struct tracefile_reader *r, size_t *len)
{
	if (len)
		*len = r->keylog_len;
	return r->keylog;
}

/* The losses the file recorded, or NULL. */
const struct tracefile_losses *tracefile_losses(
	const struct tracefile_reader *r)
{
	return r->has_losses ? &r->losses : NULL;
}

/* Why the trace ended early, or NULL. */
const char *tracefile_warning(const struct tracefile_reader *r)
{
	return r->warning[0] ? r->warning : NULL;
}

/* Unmap (or free) the file and the reader. */
void tracefile_close_reader(struct tracefile_reader *r)
{
	if (!r)
		return;
	if (r->mapped)
		munmap((void *)r->base, r->size);
	else
		free((void *)r->base);
	free(r->keylog);
	free(r->ifs);
	free(r->path);
	free(r);
}
