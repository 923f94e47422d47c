// SPDX-License-Identifier: GPL-2.0-only
/*
 * The way out: steps 4 and 5.  read() on the tun returns one packet
 * (step 4); the daemon finds which peer it is for, encrypts it in place
 * behind the headroom kept for the tunnel header, and sends a batch of
 * datagrams with one sendmmsg() (step 5).  In the fast mode a read may
 * return a TCP super-packet: cut into segments, encrypted side by side and
 * sent with one UDP GSO sendmsg (offload.h).
 */
#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon.h"
#include "mss.h"

void send_flush(struct tunnel *t)
{
	int done = 0;

	while (done < t->ntx) {
		int n = sendmmsg(t->udp_fd, t->tx_msg + done,
				 (unsigned int)(t->ntx - done), MSG_DONTWAIT);

		if (n > 0) {
			for (int i = done; i < done + n; i++) {
				t->stats.udp_tx++;
				t->stats.udp_tx_bytes += t->tx_msg[i].msg_len;
				t->tx_peer[i]->tx_packets++;
				t->tx_peer[i]->tx_bytes += t->tx_msg[i].msg_len;
			}
			done += n;
			t->last_tx_ns = tl_now_ns();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		/* The first datagram of the rest failed: drop it, go on. */
		tunnel_drop(t, errno == EMSGSIZE ? DROP_MTU : DROP_SEND,
			    TL_STEP_ENCRYPT_SEND, NULL, NULL,
			    t->tx_iov[done].iov_len,
			    &t->tx_peer[done]->remote);
		done++;
	}
	t->ntx = 0;
}

void send_to_peer(struct tunnel *t, struct peer *p, size_t len,
		  uint64_t digest)
{
	uint8_t *buf = t->tx[t->ntx];
	struct crypto_info info;
	enum crypto_verdict v;
	bool probe;
	size_t out;

	if (!p->crypto) {
		tunnel_drop(t, DROP_NOT_READY, TL_STEP_ENCRYPT_SEND, NULL,
			    buf + TL_WIRE_HDR_LEN, len, NULL);
		return;
	}
	if (!p->remote_len) {
		tunnel_drop(t, DROP_NO_ADDRESS, TL_STEP_ENCRYPT_SEND, NULL,
			    buf + TL_WIRE_HDR_LEN, len, NULL);
		return;
	}
	/* One question per packet: the probes' work only when heard. */
	probe = probes_on(&t->probes);
	if (probe && !digest)
		digest = probes_digest(&t->probes, buf + TL_WIRE_HDR_LEN, len);
	v = crypto_encrypt(p->crypto, buf, len, &out, &info);
	if (v != CRYPTO_OK) {
		tunnel_drop(t, v, TL_STEP_ENCRYPT_SEND, &info, NULL, len,
			    &p->remote);
		return;
	}
	if (info.rekey)
		t->rekey_now = true;
	t->tx_iov[t->ntx] = (struct iovec){ .iov_base = buf, .iov_len = out };
	t->tx_msg[t->ntx].msg_hdr = (struct msghdr){
		.msg_name = &p->remote, .msg_namelen = p->remote_len,
		.msg_iov = &t->tx_iov[t->ntx], .msg_iovlen = 1,
	};
	t->tx_peer[t->ntx] = p;
	t->ntx++;
	if (probe)
		probes_encrypt(&t->probes, digest, 0, &info, buf,
			       tunnel_addr_text(t, &p->remote));
	if (t->ntx == BATCH)
		send_flush(t);
}

void send_copy_to_peer(struct tunnel *t, struct peer *p, const uint8_t *pkt,
		       size_t len)
{
	memcpy(t->tx[t->ntx] + TL_WIRE_HDR_LEN, pkt, len);
	send_to_peer(t, p, len, 0);
}

void send_keepalive(struct tunnel *t, struct peer *p)
{
	send_to_peer(t, p, 0, 0);
	t->stats.keepalives++;
	send_flush(t);
}

void send_flood(struct tunnel *t, const uint8_t *pkt, size_t len,
		const struct peer *except)
{
	/* Each copy is encrypted in place for its own peer, so the plaintext
	 * waits in the scratch buffer. */
	if (pkt != t->scratch)
		memcpy(t->scratch, pkt, len);
	for (uint32_t id = 1; id < PEERS_MAX; id++) {
		struct peer *p = peers_by_id(t->peers, id);

		if (p && p != except && p->crypto && p->remote_len)
			send_copy_to_peer(t, p, t->scratch, len);
	}
}

/* Route and send one packet read from the tun (in the current tx slot);
 * digest: its step-4 digest, or 0 (taken at step 5). */
static void send_packet(struct tunnel *t, size_t len, uint64_t digest)
{
	uint8_t *pkt = t->tx[t->ntx] + TL_WIRE_HDR_LEN;
	enum peer_verdict v;
	struct peer *to;
	bool fl;

	if (!t->ready) {
		tunnel_drop(t, DROP_NOT_READY, TL_STEP_DAEMON_READ, NULL, pkt,
			    len, NULL);
		return;
	}
	if (mss_clamp(pkt, len, t->dev.tap, t->dev.mtu))
		digest = 0;	/* other bytes now */
	if (!t->cfg->server) {
		send_to_peer(t, t->server, len, digest);
		return;
	}
	v = peers_route(t->peers, pkt, len, t->dev.tap, &to, &fl);
	if (v != PEER_OK) {
		tunnel_drop(t, v == PEER_NO_ROUTE ? DROP_NO_ROUTE :
			    DROP_INNER_MALFORMED, TL_STEP_DAEMON_READ, NULL,
			    pkt, len, NULL);
		return;
	}
	if (fl)
		send_flood(t, pkt, len, NULL);
	else
		send_to_peer(t, to, len, digest);
}

/*
 * Fast mode: send n datagrams of dsize bytes each (the last may be
 * shorter), side by side at buf, to p: one sendmsg per 64 of them with
 * UDP_SEGMENT, so the kernel's UDP and IP run once per batch.  A path that
 * refuses it (no checksum offload on the way out: EIO) gets sendmmsg, and
 * so does every later send.
 */
static void send_segments(struct tunnel *t, struct peer *p, uint8_t *buf,
			  size_t dsize, size_t total, unsigned int n)
{
	/* The kernel's limits: 64 segments, one IP packet's length. */
	unsigned int per = (unsigned int)((65535 - 48 - 8) / dsize);
	char cbuf[CMSG_SPACE(sizeof(uint16_t))] = { 0 };
	unsigned int done = 0;

	if (per > 64)
		per = 64;
	while (done < n && t->udp_gso) {
		unsigned int k = n - done < per ? n - done : per;
		size_t len = done + k == n ? total - done * dsize : k * dsize;
		struct iovec iov = { buf + done * dsize, len };
		struct msghdr mh = {
			.msg_name = &p->remote, .msg_namelen = p->remote_len,
			.msg_iov = &iov, .msg_iovlen = 1,
		};
		struct cmsghdr *cm;
		uint16_t seg = (uint16_t)dsize;

		if (k > 1) {
			mh.msg_control = cbuf;
			mh.msg_controllen = sizeof(cbuf);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_UDP;
			cm->cmsg_type = UDP_SEGMENT;
			cm->cmsg_len = CMSG_LEN(sizeof(seg));
			memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
		}
		if (sendmsg(t->udp_fd, &mh, MSG_DONTWAIT) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EIO || errno == EINVAL ||
			    errno == EOPNOTSUPP || errno == ENOPROTOOPT) {
				tunnel_log(t, "UDP GSO refused (%s): sending "
					   "one datagram at a time",
					   strerror(errno));
				t->udp_gso = false;
				break;
			}
			tunnel_drop(t, errno == EMSGSIZE ? DROP_MTU : DROP_SEND,
				    TL_STEP_ENCRYPT_SEND, NULL, NULL, len,
				    &p->remote);
		} else {
			t->stats.udp_gso_sends += k > 1;
			t->stats.udp_tx += k;
			t->stats.udp_tx_bytes += len;
			p->tx_packets += k;
			p->tx_bytes += len;
			t->last_tx_ns = tl_now_ns();
		}
		done += k;
	}
	/* Without GSO: the same datagrams through the classic batch. */
	for (; done < n; done++) {
		size_t len = done + 1 == n ? total - done * dsize : dsize;

		t->tx_iov[t->ntx] = (struct iovec){ buf + done * dsize, len };
		t->tx_msg[t->ntx].msg_hdr = (struct msghdr){
			.msg_name = &p->remote, .msg_namelen = p->remote_len,
			.msg_iov = &t->tx_iov[t->ntx], .msg_iovlen = 1,
		};
		t->tx_peer[t->ntx] = p;
		if (++t->ntx == BATCH)
			send_flush(t);
	}
	send_flush(t);
}

/*
 * Fast mode: a TCP super-packet read from the tun (in tx slot t->ntx) is
 * cut into the segments the kernel would have sent, each encrypted in
 * place into a datagram, side by side in gso_out.  Anything but one peer
 * (a flood, no route) takes the classic path segment by segment.
 */
static void send_super(struct tunnel *t, const struct virtio_net_hdr *vh,
		       size_t len)
{
	uint8_t *pkt = t->tx[t->ntx] + TL_WIRE_HDR_LEN;
	bool probe = probes_on(&t->probes);
	uint64_t parent = 0;
	struct gso_split s;
	struct peer *p = t->server;
	size_t dsize, total = 0;
	unsigned int n = 0;
	bool fl = false;
	const char *to = NULL;

	if (gso_split_init(&s, vh, pkt, len, t->dev.tap)) {
		tunnel_drop(t, DROP_INNER_MALFORMED, TL_STEP_DAEMON_READ, NULL,
			    pkt, len, NULL);
		return;
	}
	t->stats.tun_rx += s.segs - 1;	/* packets, as the classic mode counts */
	t->stats.super_rx++;
	t->stats.super_rx_segs += s.segs;
	if (probe)
		parent = probes_tun_read(&t->probes, pkt, len, s.segs);
	if (t->ready && t->cfg->server &&
	    peers_route(t->peers, pkt, len, t->dev.tap, &p, &fl) != PEER_OK)
		p = NULL;
	if (!t->ready || !p || fl || !p->crypto || !p->remote_len) {
		/* Rare: let the classic path sort it out, one segment at a
		 * time, from a copy (the slot is where segments go). */
		memcpy(t->gso_out, pkt, len);
		s.pkt = t->gso_out;
		for (unsigned int i = 0; i < s.segs; i++)
			send_packet(t, gso_split_seg(&s, i, t->tx[t->ntx] +
						     TL_WIRE_HDR_LEN), 0);
		return;
	}
	send_flush(t);		/* what was read before goes first */
	dsize = TL_WIRE_HDR_LEN + s.hdrs + s.mss;
	if (probe)
		to = tunnel_addr_text(t, &p->remote);
	for (unsigned int i = 0; i < s.segs; i++) {
		uint8_t *d = t->gso_out + (size_t)i * dsize;
		size_t seglen = gso_split_seg(&s, i, d + TL_WIRE_HDR_LEN), out;
		struct crypto_info info;
		uint64_t digest = 0;
		enum crypto_verdict v;

		if (probe)
			digest = probes_digest(&t->probes,
					       d + TL_WIRE_HDR_LEN, seglen);
		v = crypto_encrypt(p->crypto, d, seglen, &out, &info);
		if (v != CRYPTO_OK) {
			/* Only a key at its end: the rest waits for the
			 * rekey, as TCP will resend it. */
			tunnel_drop(t, v, TL_STEP_ENCRYPT_SEND, &info, NULL,
				    seglen, &p->remote);
			break;
		}
		if (info.rekey)
			t->rekey_now = true;
		if (probe)
			probes_encrypt(&t->probes, digest, parent, &info, d,
				       to);
		total += out;
		n++;
	}
	if (n)
		send_segments(t, p, t->gso_out, dsize, total, n);
}

/* Fast mode: read one packet behind its virtio_net_hdr. */
static ssize_t read_vnet(struct tunnel *t, uint8_t *pkt,
			 struct virtio_net_hdr *vh)
{
	struct iovec iov[2] = {
		{ vh, OFFLOAD_VNET_LEN },
		{ pkt, PKT_ROOM - TL_WIRE_HDR_LEN },
	};
	ssize_t n = readv(t->dev.fd, iov, 2);

	if (n < 0)
		return n;
	if ((size_t)n < OFFLOAD_VNET_LEN) {
		errno = EAGAIN;
		return -1;
	}
	return n - (ssize_t)OFFLOAD_VNET_LEN;
}

void send_from_tun(struct tunnel *t)
{
	for (int i = 0; i < TUN_READS; i++) {
		uint8_t *pkt = t->tx[t->ntx] + TL_WIRE_HDR_LEN;
		struct virtio_net_hdr vh = { 0 };
		ssize_t n;

		if (t->dev.offload)
			n = read_vnet(t, pkt, &vh);
		else
			n = read(t->dev.fd, pkt, PKT_ROOM - TL_WIRE_HDR_LEN);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				tunnel_log(t, "read %s: %s", t->dev.ifname,
					   strerror(errno));
			break;
		}
		if (n == 0)
			continue;
		t->stats.tun_rx++;
		t->stats.tun_rx_bytes += (uint64_t)n;
		if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			send_super(t, &vh, (size_t)n);
			continue;
		}
		if ((vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) &&
		    offload_csum_complete(pkt, (size_t)n, &vh)) {
			tunnel_drop(t, DROP_INNER_MALFORMED,
				    TL_STEP_DAEMON_READ, NULL, pkt, (size_t)n,
				    NULL);
			continue;
		}
		send_packet(t, (size_t)n,
			    probes_tun_read(&t->probes, pkt, (size_t)n, 1));
	}
	send_flush(t);
}
