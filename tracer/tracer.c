// SPDX-License-Identifier: GPL-2.0-only
/* The tracer: see tracer.h. */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "correlate.h"
#include "digest.h"
#include "pcapsrc.h"
#include "probesrc.h"
#include "tracer.h"
#include "wire.h"

#define TICK_NS		20000000ull	/* reorder flush: every 20 ms */
#define OFFSET_NS	1000000000ull	/* clock offset resampled each s */
#define DEFAULT_REORDER	100000000ull	/* 100 ms */

/* An observation waiting in the reorder window, with its keys. */
struct pending {
	struct tl_event ev;
	struct corr_keys keys;
	uint64_t seq;		/* arrival order, to keep ties stable */
	uint8_t data[];
};

struct tracer {
	struct tracer_cfg cfg;
	struct evloop *loop;
	tracer_fn fn;
	void *ctx;
	struct pcapsrc *pcap;
	struct pcapsrc_dev devs[PCAPSRC_MAX_DEVS];
	struct probesrc probes;
	struct correlator *corr;
	int64_t offset;		/* wall - mono */
	uint64_t offset_at;
	struct pending **heap;	/* min-heap by (ts, seq) */
	size_t nheap, capheap;
	uint64_t seq;
	uint64_t flushed_to;	/* everything before this was handed on */
	long timer;
	bool filtering;
	struct bpf_program prog_eth, prog_ip;	/* the filter, per link type */
	struct tracer_stats st;
};

static int compile_filter(const char *filter, struct bpf_program *eth,
			  struct bpf_program *ip, char *err);

static uint64_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sample wall - mono (the pair read as close together as we can). */
static int64_t sample_offset(void)
{
	struct timespec w, m;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &w);
	return ((int64_t)w.tv_sec - (int64_t)m.tv_sec) * 1000000000ll +
	       ((int64_t)w.tv_nsec - (int64_t)m.tv_nsec);
}

static bool before(const struct pending *a, const struct pending *b)
{
	return a->ev.ts_ns < b->ev.ts_ns ||
	       (a->ev.ts_ns == b->ev.ts_ns && a->seq < b->seq);
}

static void heap_push(struct tracer *t, struct pending *p)
{
	size_t i = t->nheap++;

	while (i) {
		size_t up = (i - 1) / 2;

		if (!before(p, t->heap[up]))
			break;
		t->heap[i] = t->heap[up];
		i = up;
	}
	t->heap[i] = p;
}

static struct pending *heap_pop(struct tracer *t)
{
	struct pending *top = t->heap[0], *last = t->heap[--t->nheap];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct pending *cand = last;

		if (l < t->nheap && before(t->heap[l], cand)) {
			m = l;
			cand = t->heap[l];
		}
		if (r < t->nheap && before(t->heap[r], cand))
			m = r;
		if (m == i)
			break;
		t->heap[i] = t->heap[m];
		i = m;
	}
	if (t->nheap)
		t->heap[i] = last;
	return top;
}

/* Queue an observation (its bytes copied) for ordering. */
static void enqueue(struct tracer *t, const struct tl_event *ev,
		    const struct corr_keys *k)
{
	struct pending *p;

	if (t->nheap == t->capheap) {
		size_t cap = t->capheap ? 2 * t->capheap : 1024;
		struct pending **grown = realloc(t->heap, cap * sizeof(*grown));

		if (!grown)
			return;
		t->heap = grown;
		t->capheap = cap;
	}
	p = malloc(sizeof(*p) + ev->caplen);
	if (!p)
		return;
	p->ev = *ev;
	p->keys = *k;
	p->seq = t->seq++;
	if (ev->caplen)
		memcpy(p->data, ev->data, ev->caplen);
	p->ev.data = p->data;
	if (ev->ts_ns < t->flushed_to)
		t->st.late++;
	heap_push(t, p);
}

/* Hand on, in order, everything older than upto. */
static void drain(struct tracer *t, uint64_t upto)
{
	while (t->nheap && t->heap[0]->ev.ts_ns < upto) {
		struct pending *p = heap_pop(t);

		corr_assign(t->corr, &p->ev, &p->keys);
		t->st.events++;
		t->fn(t->ctx, &p->ev);
		free(p);
	}
	if (upto > t->flushed_to)
		t->flushed_to = upto;
}

/* The IP packet inside a frame (after Ethernet and VLAN tags), or NULL. */
static const uint8_t *ip_of(enum tl_link link, const uint8_t *d, size_t n,
			    size_t *ip_n)
{
	if (link == TL_LINK_ETH) {
		size_t off = 12;
		unsigned int type;

		for (;;) {
			if (n < off + 2)
				return NULL;
			type = (unsigned int)(d[off] << 8 | d[off + 1]);
			if (type != 0x8100 && type != 0x88a8)
				break;
			off += 4;
		}
		if (type != 0x0800 && type != 0x86dd)
			return NULL;
		d += off + 2;
		n -= off + 2;
	}
	*ip_n = n;
	return n >= 1 ? d : NULL;
}

/* Keys of captured bytes: the tunnel key of a tunnel datagram, else the
 * digest of the inner packet and of its transport payload. */
static void frame_keys(const struct tracer *t, enum tl_link link,
		       const uint8_t *d, size_t caplen, struct corr_keys *k)
{
	size_t n, hl = 0, tl = 0, len = 0;
	const uint8_t *ip = ip_of(link, d, caplen, &n);
	uint8_t proto = 0;

	memset(k, 0, sizeof(*k));
	if (!ip) {
		/* ARP and other non-IP frames: the frame itself. */
		k->inner = tl_digest_payload(d, caplen);
		return;
	}
	if (n >= 20 && ip[0] >> 4 == 4) {
		hl = (size_t)(ip[0] & 15) * 4;
		len = (size_t)(ip[2] << 8 | ip[3]);
		proto = ip[9];
	} else if (n >= 40 && ip[0] >> 4 == 6) {
		hl = 40;
		len = 40 + (size_t)(ip[4] << 8 | ip[5]);
		proto = ip[6];
	}
	k->inner = tl_digest_ip(ip, n);
	if (!hl || n < hl + 8 || len < hl + 8)
		return;
	if (proto == 17) {
		uint16_t sport = (uint16_t)(ip[hl] << 8 | ip[hl + 1]);
		uint16_t dport = (uint16_t)(ip[hl + 2] << 8 | ip[hl + 3]);
		const uint8_t *u = ip + hl + 8;

		if ((sport == t->cfg.data_port || dport == t->cfg.data_port) &&
		    n >= hl + 8 + TL_WIRE_AD_LEN &&
		    u[0] >> TL_WIRE_OPCODE_SHIFT == TL_WIRE_OP_DATA_V2) {
			k->tunnel = true;
			k->from_server = sport == t->cfg.data_port;
			k->key_id = u[0] & TL_WIRE_KEY_ID_MASK;
			k->peer_id = (uint32_t)(u[1] << 16 | u[2] << 8 | u[3]);
			k->packet_id = (uint32_t)u[4] << 24 | (uint32_t)u[5] << 16 |
				       (uint32_t)u[6] << 8 | u[7];
			k->inner = 0;	/* outer: ciphertext means nothing */
			return;
		}
		tl = 8;
	} else if (proto == 6 && n >= hl + 20) {
		tl = (size_t)(ip[hl + 12] >> 4) * 4;
	}
	if (tl && len >= hl + tl && n >= hl + tl)
		k->payload = tl_digest_payload_part(ip + hl + tl, len - hl - tl,
						    n - hl - tl);
}

/* A frame from libpcap: its step from device and direction. */
static void on_frame(void *ctx, const struct pcapsrc_frame *f)
{
	struct tracer *t = ctx;
	bool tun = false;
	struct corr_keys k;
	struct tl_event ev = {
		.ts_ns = (uint64_t)((int64_t)f->wall_ns - t->offset),
		.len = f->len, .caplen = f->caplen, .data = f->data,
		.source = TL_SRC_PCAP, .link = (uint8_t)f->link,
	};

	for (int i = 0; i < t->cfg.nhosts; i++)
		if (strcmp(t->cfg.hosts[i].tun, f->dev->ifname) == 0)
			tun = true;
	if (tun)
		ev.step = f->dir == TL_DIR_OUT ? TL_STEP_TUN_DRIVER_OUT
					       : TL_STEP_TUN_DRIVER_IN;
	else
		ev.step = f->dir == TL_DIR_OUT ? TL_STEP_WIRE_OUT
					       : TL_STEP_WIRE_IN;
	if (f->caplen < f->len)
		ev.flags |= TL_EVENT_F_TRUNCATED;
	snprintf(ev.host, sizeof(ev.host), "%s", f->dev->host);
	snprintf(ev.dev, sizeof(ev.dev), "%s", f->dev->ifname);
	frame_keys(t, f->link, f->data, f->caplen, &k);
	enqueue(t, &ev, &k);
}

/* A probe event from a daemon or an app. */
static void on_probe(void *ctx, const struct tl_probe *p, const uint8_t *bytes)
{
	struct tracer *t = ctx;
	struct corr_keys k = { 0 };
	struct tl_event ev = {
		.ts_ns = p->ts_ns, .len = p->len, .caplen = p->caplen,
		.data = bytes, .step = p->step, .source = p->source,
		.link = p->link,
	};

	memcpy(ev.host, p->host, sizeof(ev.host));
	memcpy(ev.dev, p->dev, sizeof(ev.dev));
	memcpy(ev.detail, p->detail, sizeof(ev.detail));
	if (p->kind == TL_PROBE_DROP)
		ev.flags |= TL_EVENT_F_DROP;
	if (p->caplen < p->len)
		ev.flags |= TL_EVENT_F_TRUNCATED;
	if (p->source == TL_SRC_APP) {
		k.payload = p->digest;
	} else {
		k.inner = p->digest;
		if (p->kind == TL_PROBE_ENCRYPT || p->kind == TL_PROBE_DECRYPT ||
		    (p->kind == TL_PROBE_DROP && p->packet_id)) {
			k.tunnel = true;
			k.peer_id = p->peer_id;
			k.key_id = p->key_id;
			k.packet_id = p->packet_id;
			/* Who sent the datagram: the server encrypts on
			 * office, a client's datagram is decrypted there. */
			k.from_server = strcmp(p->host, "office") == 0 ?
					p->kind == TL_PROBE_ENCRYPT :
					p->kind != TL_PROBE_ENCRYPT;
		}
	}
	enqueue(t, &ev, &k);
	t->st.probe_events++;
}

static void on_pcap_fd(struct evloop *l, int fd, unsigned int events,
		       void *arg)
{
	struct tracer *t = arg;
	char err[PCAPSRC_ERRBUF];

	(void)l;
	(void)events;
	for (int i = 0; i < pcapsrc_count(t->pcap); i++)
		if (pcapsrc_fd(t->pcap, i) == fd)
			pcapsrc_dispatch(t->pcap, i, on_frame, t, err);
}

static void on_probe_fd(struct evloop *l, int fd, unsigned int events,
			void *arg)
{
	(void)l;
	(void)fd;
	(void)events;
	probesrc_read(&((struct tracer *)arg)->probes, on_probe, arg);
}

static uint64_t on_tick(struct evloop *l, void *arg)
{
	struct tracer *t = arg;
	uint64_t now = now_mono();

	(void)l;
	if (now - t->offset_at >= OFFSET_NS) {
		t->offset = sample_offset();
		t->offset_at = now;
	}
	drain(t, now > t->cfg.reorder_ns ? now - t->cfg.reorder_ns : 0);
	return TICK_NS;
}

int tracer_open(struct tracer **tp, const struct tracer_cfg *cfg,
		struct evloop *loop, tracer_fn fn, void *ctx, char *err)
{
	struct tracer *t = calloc(1, sizeof(*t));
	char perr[PCAPSRC_ERRBUF];
	int ndev = 0, rc;

	if (!t) {
		snprintf(err, TRACER_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	t->cfg = *cfg;
	if (!t->cfg.reorder_ns)
		t->cfg.reorder_ns = DEFAULT_REORDER;
	if (!t->cfg.data_port)
		t->cfg.data_port = TL_WIRE_DATA_PORT;
	t->loop = loop;
	t->fn = fn;
	t->ctx = ctx;
	t->probes.fd = -1;
	t->timer = -1;
	t->offset = sample_offset();
	t->offset_at = now_mono();
	t->corr = corr_new();
	if (!t->corr) {
		rc = -ENOMEM;
		snprintf(err, TRACER_ERRBUF, "out of memory");
		goto out_close;
	}
	for (int i = 0; i < cfg->nhosts; i++) {
		const struct tracer_host *h = &t->cfg.hosts[i];

		if (h->tun[0] && ndev < PCAPSRC_MAX_DEVS)
			t->devs[ndev++] = (struct pcapsrc_dev){
				.ns = h->ns, .host = h->name, .ifname = h->tun };
		for (int w = 0; w < h->nwires && ndev < PCAPSRC_MAX_DEVS; w++)
			t->devs[ndev++] = (struct pcapsrc_dev){
				.ns = h->ns, .host = h->name,
				.ifname = h->wires[w] };
	}
	if (cfg->filter && *cfg->filter) {
		rc = compile_filter(cfg->filter, &t->prog_eth, &t->prog_ip, err);
		if (rc)
			goto out_close;
		t->filtering = true;
	}
	/* Everything is captured: the filter chooses packets, not frames, so
	 * the outer datagram of a matching inner packet is kept too. */
	rc = pcapsrc_open(&t->pcap, t->devs, ndev, cfg->snaplen, NULL, perr);
	if (rc) {
		snprintf(err, TRACER_ERRBUF, "%s", perr);
		goto out_close;
	}
	for (int i = 0; i < pcapsrc_count(t->pcap); i++) {
		rc = evloop_add_fd(loop, pcapsrc_fd(t->pcap, i), EV_READ,
				   on_pcap_fd, t);
		if (rc) {
			snprintf(err, TRACER_ERRBUF, "event loop: %s",
				 strerror(-rc));
			goto out_close;
		}
	}
	if (cfg->probe_path) {
		char perr2[PROBESRC_ERRBUF];

		rc = probesrc_open(&t->probes, cfg->probe_path, cfg->probe_ns,
				   perr2);
		if (!rc)
			rc = evloop_add_fd(loop, t->probes.fd, EV_READ,
					   on_probe_fd, t);
		if (rc) {
			snprintf(err, TRACER_ERRBUF, "%s", perr2);
			goto out_close;
		}
	}
	t->timer = evloop_add_timer(loop, TICK_NS, on_tick, t);
	*tp = t;
	return 0;

out_close:
	tracer_close(t);
	return rc;
}

/* Compile filter for one link type into prog. */
static int compile_one(const char *filter, int dlt, struct bpf_program *prog,
		       char *err)
{
	pcap_t *p = pcap_open_dead(dlt, 65535);
	int rc = 0;

	if (!p) {
		snprintf(err, TRACER_ERRBUF, "out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(p, prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, TRACER_ERRBUF, "bad filter '%s': %s", filter,
			 pcap_geterr(p));
		rc = -EINVAL;
	}
	pcap_close(p);
	return rc;
}

/* The filter for Ethernet frames and for bare IP packets. */
static int compile_filter(const char *filter, struct bpf_program *eth,
			  struct bpf_program *ip, char *err)
{
	int rc = compile_one(filter, DLT_EN10MB, eth, err);

	if (rc)
		return rc;
	rc = compile_one(filter, DLT_RAW, ip, err);
	if (rc)
		pcap_freecode(eth);
	return rc;
}

int tracer_filter_check(const char *filter, char *err)
{
	struct bpf_program eth, ip;
	int rc = compile_filter(filter, &eth, &ip, err);

	if (!rc) {
		pcap_freecode(&eth);
		pcap_freecode(&ip);
	}
	return rc;
}

bool tracer_match(const struct tracer *t, const struct tl_event *ev)
{
	struct pcap_pkthdr h = { .caplen = ev->caplen, .len = ev->len };

	if (!t->filtering)
		return true;
	if (ev->link == TL_LINK_ETH)
		return pcap_offline_filter(&t->prog_eth, &h, ev->data) != 0;
	if (ev->link == TL_LINK_IP)
		return pcap_offline_filter(&t->prog_ip, &h, ev->data) != 0;
	return false;
}

int64_t tracer_wall_offset(const struct tracer *t)
{
	return t->offset;
}

void tracer_flush(struct tracer *t)
{
	drain(t, UINT64_MAX);
}

void tracer_stats(struct tracer *t, struct tracer_stats *st)
{
	*st = t->st;
	st->packets = t->corr ? corr_packets(t->corr) : 0;
	st->pcap_drops = t->pcap ? pcapsrc_drops(t->pcap) : 0;
	st->probe_malformed = t->probes.malformed;
}

void tracer_close(struct tracer *t)
{
	if (!t)
		return;
	if (t->corr && t->fn)
		tracer_flush(t);
	if (t->timer > 0)
		evloop_del_timer(t->loop, t->timer);
	if (t->pcap) {
		for (int i = 0; i < pcapsrc_count(t->pcap); i++)
			evloop_del_fd(t->loop, pcapsrc_fd(t->pcap, i));
		pcapsrc_close(t->pcap);
	}
	if (t->probes.fd >= 0) {
		evloop_del_fd(t->loop, t->probes.fd);
		probesrc_close(&t->probes);
	}
	while (t->nheap)
		free(heap_pop(t));
	if (t->filtering) {
		pcap_freecode(&t->prog_eth);
		pcap_freecode(&t->prog_ip);
	}
	free(t->heap);
	corr_free(t->corr);
	free(t);
}
