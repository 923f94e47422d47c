// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's probe points: see probes.h. */
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "probes.h"

/* The digest of the inner packet, the key that ties steps 1-5 and 5'-1'
 * together (computed exactly as the tracer does). */
static uint64_t inner_digest(const struct tunnel_probes *p, const uint8_t *pkt,
			     size_t len)
{
	return tl_digest_frame(pkt, len, len, p->tap);
}

/* The detail text, built without printf: at full speed the daemon writes
 * four of these per packet, and printf cost it more than the event's
 * send. */
struct text {
	char *buf;
	size_t n, len;
};

static void put(struct text *t, const char *s)
{
	while (*s && t->len + 1 < t->n)
		t->buf[t->len++] = *s++;
	t->buf[t->len] = '\0';
}

static void put_u(struct text *t, uint64_t v)
{
	char d[24];
	int i = (int)sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	put(t, d + i);
}

/* The first 4 bytes of a tag as hex: enough to recognise it. */
static void put_tag(struct text *t, const uint8_t tag[TL_WIRE_TAG_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char s[9];

	for (int i = 0; i < 4; i++) {
		s[2 * i] = hex[tag[i] >> 4];
		s[2 * i + 1] = hex[tag[i] & 15];
	}
	s[8] = '\0';
	put(t, s);
}

/* "key K peer P pid N tag T.." */
static void put_keys(struct text *t, const struct crypto_info *info)
{
	put(t, "key ");
	put_u(t, info->key_id);
	put(t, " peer ");
	put_u(t, info->peer_id);
	put(t, " pid ");
	put_u(t, info->packet_id);
	put(t, " tag ");
	put_tag(t, info->tag);
	put(t, "..");
}

/* Fill the common part of an event and send it with bytes. */
static void publish(struct tunnel_probes *p, struct tl_probe *ev,
		    unsigned int step, unsigned int kind,
		    const uint8_t *bytes, size_t len, enum tl_link link)
{
	ev->step = (uint8_t)step;
	ev->kind = (uint8_t)kind;
	ev->source = TL_SRC_DAEMON;
	ev->link = (uint8_t)(bytes ? link : TL_LINK_NONE);
	ev->len = (uint32_t)len;
	memcpy(ev->dev, p->dev, sizeof(ev->dev));
	probe_pub_send(&p->pub, ev, bytes, bytes ? len : 0);
}

/* Copy the tunnel fields of info into ev. */
static void set_keys(struct tl_probe *ev, const struct crypto_info *info)
{
	ev->key_id = info->key_id;
	ev->peer_id = info->peer_id;
	ev->packet_id = info->packet_id;
}

/* Mark a super-packet's event. */
static void set_gso(struct tl_probe *ev, unsigned int segs)
{
	if (segs > 1) {
		ev->flags = TL_EVENT_F_GSO;
		ev->segs = (uint16_t)segs;
	}
}

uint64_t probes_tun_read(struct tunnel_probes *p, const uint8_t *pkt,
			 size_t len, unsigned int segs)
{
	struct tl_probe ev = { 0 };
	struct text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return 0;
	ev.digest = inner_digest(p, pkt, len);
	set_gso(&ev, segs);
	put(&t, "read ");
	put_u(&t, len);
	put(&t, " bytes from ");
	put(&t, p->dev);
	if (segs > 1) {
		put(&t, ": a super-packet of ");
		put_u(&t, segs);
		put(&t, " segments");
	}
	publish(p, &ev, TL_STEP_DAEMON_READ, TL_PROBE_TUN_READ, pkt, len,
		p->tap ? TL_LINK_ETH : TL_LINK_IP);
	return ev.digest;
}

uint64_t probes_digest(const struct tunnel_probes *p, const uint8_t *pkt,
		       size_t len)
{
	return inner_digest(p, pkt, len);
}

void probes_encrypt(struct tunnel_probes *p, uint64_t digest,
		    uint64_t parent, const struct crypto_info *info,
		    const uint8_t *dgram, const char *to)
{
	struct tl_probe ev = { 0 };
	struct text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return;
	ev.digest = digest;
	ev.parent = parent;
	set_keys(&ev, info);
	put_keys(&t, info);
	put(&t, " ");
	put_u(&t, info->len);
	put(&t, " bytes sendto ");
	put(&t, to);
	/* The bytes are the datagram: the header and tag this step added,
	 * then ciphertext. */
	publish(p, &ev, TL_STEP_ENCRYPT_SEND, TL_PROBE_ENCRYPT, dgram,
		info->len, TL_LINK_TUNNEL);
}

void probes_decrypt(struct tunnel_probes *p, const uint8_t *pkt, size_t len,
		    const struct crypto_info *info, const char *from,
		    uint64_t ts_ns, uint64_t parent)
{
	struct tl_probe ev = { .ts_ns = ts_ns, .parent = parent };
	struct text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return;
	ev.digest = inner_digest(p, pkt, len);
	set_keys(&ev, info);
	put(&t, "recvfrom ");
	put(&t, from);
	put(&t, " ");
	put_u(&t, info->len);
	put(&t, " bytes ");
	put_keys(&t, info);
	put(&t, " ok, replay ok");
	publish(p, &ev, TL_STEP_RECV_DECRYPT, TL_PROBE_DECRYPT, pkt, len,
		p->tap ? TL_LINK_ETH : TL_LINK_IP);
}

uint64_t probes_tun_write(struct tunnel_probes *p, const uint8_t *pkt,
			  size_t len, uint64_t ts_ns, unsigned int segs)
{
	struct tl_probe ev = { .ts_ns = ts_ns };
	struct text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return 0;
	ev.digest = inner_digest(p, pkt, len);
	set_gso(&ev, segs);
	put(&t, "write ");
	put_u(&t, len);
	put(&t, " bytes to ");
	put(&t, p->dev);
	if (segs > 1) {
		put(&t, ": ");
		put_u(&t, segs);
		put(&t, " segments merged into a super-packet");
	}
	publish(p, &ev, TL_STEP_DAEMON_WRITE, TL_PROBE_TUN_WRITE, pkt, len,
		p->tap ? TL_LINK_ETH : TL_LINK_IP);
	return ev.digest;
}

void probes_drop(struct tunnel_probes *p, unsigned int step,
		 const char *reason, const struct crypto_info *info,
		 const uint8_t *bytes, size_t len, const char *peer)
{
	struct tl_probe ev = { 0 };
	enum tl_link link = TL_LINK_TUNNEL;

	if (!probe_pub_wanted(&p->pub))
		return;
	if (info)
		set_keys(&ev, info);
	/* Before encryption or after decryption the bytes are the inner
	 * packet; on the wire side they are the datagram. */
	if (step == TL_STEP_DAEMON_READ || step == TL_STEP_DAEMON_WRITE ||
	    step == TL_STEP_ENCRYPT_SEND) {
		link = p->tap ? TL_LINK_ETH : TL_LINK_IP;
		ev.digest = bytes ? inner_digest(p, bytes, len) : 0;
	}
	snprintf(ev.detail, sizeof(ev.detail), "drop: %s%s%s", reason,
		 peer ? " from " : "", peer ? peer : "");
	publish(p, &ev, step, TL_PROBE_DROP, bytes, len, link);
}
