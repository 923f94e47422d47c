// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's probe points: see probes.h. */
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "probes.h"
#include "text.h"

/* The digest of the inner packet, the key that ties steps 1-5 and 5'-1'
 * together (computed exactly as the tracer does). */
static uint64_t inner_digest(const struct tunnel_probes *p, const uint8_t *pkt,
			     size_t len)
{
	return tl_digest_frame(pkt, len, len, p->tap);
}

/* The first 4 bytes of a tag as hex: enough to recognise it. */
static void put_tag(struct tl_text *t, const uint8_t tag[TL_WIRE_TAG_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char s[9];

	for (int i = 0; i < 4; i++) {
		s[2 * i] = hex[tag[i] >> 4];
		s[2 * i + 1] = hex[tag[i] & 15];
	}
	s[8] = '\0';
	tl_text_add(t, s);
}

/* "key K peer P pid N tag T.." */
static void put_keys(struct tl_text *t, const struct crypto_info *info)
{
	tl_text_add(t, "key ");
	tl_text_num(t, info->key_id, false);
	tl_text_add(t, " peer ");
	tl_text_num(t, info->peer_id, false);
	tl_text_add(t, " pid ");
	tl_text_num(t, info->packet_id, false);
	tl_text_add(t, " tag ");
	put_tag(t, info->tag);
	tl_text_add(t, "..");
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
	struct tl_text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return 0;
	ev.digest = inner_digest(p, pkt, len);
	set_gso(&ev, segs);
	tl_text_add(&t, "read ");
	tl_text_num(&t, len, false);
	tl_text_add(&t, " bytes from ");
	tl_text_add(&t, p->dev);
	if (segs > 1) {
		tl_text_add(&t, ": a super-packet of ");
		tl_text_num(&t, segs, false);
		tl_text_add(&t, " segments");
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
	struct tl_text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return;
	ev.digest = digest;
	ev.parent = parent;
	set_keys(&ev, info);
	put_keys(&t, info);
	tl_text_add(&t, " ");
	tl_text_num(&t, info->len, false);
	tl_text_add(&t, " bytes sendto ");
	tl_text_add(&t, to);
	/* The bytes are the datagram: the header and tag this step added,
	 * then ciphertext. */
	publish(p, &ev, TL_STEP_ENCRYPT_SEND, TL_PROBE_ENCRYPT, dgram,
		info->len, TL_LINK_TUNNEL);
}

uint64_t probes_decrypt(struct tunnel_probes *p, const uint8_t *pkt,
			size_t len, const struct crypto_info *info,
			const char *from, uint64_t ts_ns, uint64_t parent)
{
	struct tl_probe ev = { .ts_ns = ts_ns, .parent = parent };
	struct tl_text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return 0;
	ev.digest = inner_digest(p, pkt, len);
	set_keys(&ev, info);
	tl_text_add(&t, "recvfrom ");
	tl_text_add(&t, from);
	tl_text_add(&t, " ");
	tl_text_num(&t, info->len, false);
	tl_text_add(&t, " bytes ");
	put_keys(&t, info);
	tl_text_add(&t, " ok, replay ok");
	publish(p, &ev, TL_STEP_RECV_DECRYPT, TL_PROBE_DECRYPT, pkt, len,
		p->tap ? TL_LINK_ETH : TL_LINK_IP);
	return ev.digest;
}

uint64_t probes_tun_write(struct tunnel_probes *p, const uint8_t *pkt,
			  size_t len, uint64_t ts_ns, unsigned int segs,
			  uint64_t digest)
{
	struct tl_probe ev = { .ts_ns = ts_ns };
	struct tl_text t = { ev.detail, sizeof(ev.detail), 0 };

	if (!probe_pub_wanted(&p->pub))
		return 0;
	ev.digest = digest ? digest : inner_digest(p, pkt, len);
	set_gso(&ev, segs);
	tl_text_add(&t, "write ");
	tl_text_num(&t, len, false);
	tl_text_add(&t, " bytes to ");
	tl_text_add(&t, p->dev);
	if (segs > 1) {
		tl_text_add(&t, ": ");
		tl_text_num(&t, segs, false);
		tl_text_add(&t, " segments merged into a super-packet");
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
