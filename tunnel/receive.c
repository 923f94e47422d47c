// SPDX-License-Identifier: GPL-2.0-only
/*
 * The way in: steps 5' and 4'.  recvmmsg() takes a batch of datagrams; each
 * is checked for type and exact length, routed to its peer by peer-id,
 * authenticated and decrypted in place, checked against the replay window
 * and the peer's own addresses, and written to the tun (step 4'), one
 * write() per packet.  In the fast mode one message may hold several
 * datagrams (UDP GRO), and consecutive TCP segments of a flow are merged
 * into one super-packet for the tun (offload.h).
 */
#include <errno.h>
#include <netinet/udp.h>
#include <sys/uio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "mss.h"

/* A datagram authenticated from a new address: the peer moved (a "float",
 * as a phone changing networks); only now is the new address believed. */
static void check_float(struct tunnel *t, struct peer *p,
			const struct sockaddr_storage *from, socklen_t len)
{
	char was[64], now[64];

	if (p->remote_len && addr_same(&p->remote, from))
		return;
	if (p->remote_len) {
		addr_fmt(&p->remote, was, sizeof(was));
		addr_fmt(from, now, sizeof(now));
		tunnel_log(t, "peer %u (%s) moved from %s to %s", p->id,
			   p->name, was, now);
		t->stats.floats++;
	}
	memcpy(&p->remote, from, len);
	p->remote_len = len;
}

/* Step 5' of a packet whose event waited (fast mode) or is due now;
 * returns the packet's digest, or 0. */
static uint64_t publish_note(struct tunnel *t, const struct rx_note *note,
			     uint64_t parent)
{
	if (!note)
		return 0;
	return probes_decrypt(&t->probes, note->pkt, note->len, &note->info,
			      note->from, note->ts_ns, parent);
}

/* Fast mode: one packet to the tun behind its virtio_net_hdr. */
static bool write_vnet(struct tunnel *t, const struct virtio_net_hdr *vh,
		       const uint8_t *pkt, size_t len)
{
	struct iovec iov[2] = {
		{ (void *)vh, OFFLOAD_VNET_LEN }, { (void *)pkt, len },
	};

	return writev(t->dev.fd, iov, 2) == (ssize_t)(OFFLOAD_VNET_LEN + len);
}

/* Fast mode: write out what gro holds (step 4'), then the step-5' events
 * of its segments, now that the super-packet they joined is known. */
static void gro_flush(struct tunnel *t)
{
	bool probe = probes_on(&t->probes);
	uint64_t ts = probe ? tl_now_ns() : 0, parent = 0;
	unsigned int segs = t->gro.segs;
	struct virtio_net_hdr vh;
	size_t len;

	if (!t->gro.len)
		return;
	len = gro_finish(&t->gro, &vh);
	if (!write_vnet(t, &vh, t->gro.buf, len)) {
		tunnel_drop(t, DROP_TUN_WRITE, TL_STEP_DAEMON_WRITE, NULL,
			    t->gro.buf, len, NULL);
	} else {
		t->stats.tun_tx += segs;
		t->stats.tun_tx_bytes += len;
		if (segs > 1) {
			t->stats.super_tx++;
			t->stats.super_tx_segs += segs;
		}
		if (probe)
			parent = probes_tun_write(&t->probes, t->gro.buf, len,
						  ts, segs, 0);
	}
	for (int i = 0; i < t->nnotes; i++)
		publish_note(t, &t->notes[i], segs > 1 ? parent : 0);
	t->nnotes = 0;
	gro_reset(&t->gro);
}

/* Write a decrypted packet to the tun (step 4'); note is its step-5'
 * event when that waits for the fast mode's merging, else NULL. */
/* digest: the packet's from step 5', or 0 (taken at step 4'). */
static void to_tun(struct tunnel *t, uint8_t *pkt, size_t len,
		   const struct rx_note *note, uint64_t digest)
{
	/* Step 4' is the moment the daemon hands the packet to the kernel:
	 * stamped before the write, which may run the whole receive path. */
	bool probe = probes_on(&t->probes);
	uint64_t ts = probe ? tl_now_ns() : 0;
	struct virtio_net_hdr vh = {
		.flags = VIRTIO_NET_HDR_F_DATA_VALID,
		.gso_type = VIRTIO_NET_HDR_GSO_NONE,
	};
	bool ok;

	if (mss_clamp(pkt, len, t->dev.tap, t->dev.mtu))
		digest = 0;	/* other bytes now */
	if (t->dev.offload) {
		enum gro_verdict v = gro_add(&t->gro, pkt, len, t->dev.tap);

		if (v == GRO_FLUSH_FIRST) {
			gro_flush(t);
			v = gro_add(&t->gro, pkt, len, t->dev.tap);
		}
		if (v == GRO_MERGED) {
			if (note)
				t->notes[t->nnotes++] = *note;
			return;
		}
		/* Not TCP data: after what gro holds, by itself; the AEAD
		 * tag vouches for its checksum. */
		gro_flush(t);
		/* Its step 5' is taken of these bytes (clamped): the same
		 * digest as step 4'. */
		digest = publish_note(t, note, 0);
		ok = write_vnet(t, &vh, pkt, len);
	} else {
		ok = write(t->dev.fd, pkt, len) == (ssize_t)len;
	}
	if (!ok) {
		tunnel_drop(t, DROP_TUN_WRITE, TL_STEP_DAEMON_WRITE, NULL, pkt,
			    len, NULL);
		return;
	}
	t->stats.tun_tx++;
	t->stats.tun_tx_bytes += len;
	if (probe)
		probes_tun_write(&t->probes, pkt, len, ts, 1, digest);
}

/* On the server, a packet from client p: check its source, and in TAP mode
 * switch it to another client when it is for one. */
static void server_deliver(struct tunnel *t, struct peer *p, uint8_t *pkt,
			   size_t len, const struct rx_note *note,
			   uint64_t digest)
{
	enum peer_verdict v;
	struct peer *to;
	bool flood;

	v = peers_check_source(t->peers, p, pkt, len, t->dev.tap);
	if (v != PEER_OK) {
		publish_note(t, note, 0);
		tunnel_drop(t, v == PEER_SPOOFED ? DROP_SPOOFED :
			    DROP_INNER_MALFORMED, TL_STEP_DAEMON_WRITE, NULL,
			    pkt, len, &p->remote);
		return;
	}
	/* TUN: the kernel routes client-to-client packets back into the tun.
	 * TAP: a tap is not a switch, so the daemon is one. */
	if (t->dev.tap && peers_route(t->peers, pkt, len, true, &to,
				       &flood) == PEER_OK) {
		if (to && to != p) {
			publish_note(t, note, 0);
			mss_clamp(pkt, len, true, t->dev.mtu);
			send_copy_to_peer(t, to, pkt, len);
			return;
		}
		if (flood)
			send_flood(t, pkt, len, p);
	}
	to_tun(t, pkt, len, note, digest);
}

/* One datagram of len bytes in buf from `from`. */
static void receive_datagram(struct tunnel *t, uint8_t *buf, size_t len,
			     const struct sockaddr_storage *from,
			     socklen_t from_len)
{
	struct crypto_info info = { 0 };
	struct rx_note note, *pending = NULL;
	uint64_t digest = 0;	/* step 5', for step 4' */
	enum crypto_verdict v;
	struct crypto_hdr h;
	struct peer *p;
	size_t pt_len;

	t->stats.udp_rx++;
	t->stats.udp_rx_bytes += len;
	v = crypto_hdr_decode(buf, len, &h);
	if (v != CRYPTO_OK) {
		tunnel_drop(t, v, TL_STEP_RECV_DECRYPT, NULL, buf, len, from);
		return;
	}
	p = peers_by_id(t->peers, h.peer_id);
	if (!p || !p->crypto) {
		tunnel_drop(t, DROP_UNKNOWN_PEER, TL_STEP_RECV_DECRYPT, NULL,
			    buf, len, from);
		return;
	}
	v = crypto_decrypt(p->crypto, buf, len, &pt_len, &info);
	if (v != CRYPTO_OK) {
		tunnel_drop(t, v, TL_STEP_RECV_DECRYPT, &info, buf, len, from);
		return;
	}
	check_float(t, p, from, from_len);
	p->rx_packets++;
	p->rx_bytes += len;
	if (probes_on(&t->probes)) {
		const char *who = tunnel_addr_text(t, from);

		if (t->dev.offload && pt_len) {
			/* Sent once gro says which super-packet it joins. */
			note = (struct rx_note){
				.ts_ns = tl_now_ns(), .info = info,
				.pkt = buf + TL_WIRE_HDR_LEN, .len = pt_len,
			};
			memcpy(note.from, who, sizeof(note.from));
			pending = &note;
		} else {
			digest = probes_decrypt(&t->probes,
						buf + TL_WIRE_HDR_LEN, pt_len,
						&info, who, 0, 0);
		}
	}
	if (pt_len == 0) {
		t->stats.keepalives++;
		return;
	}
	if (t->cfg->server)
		server_deliver(t, p, buf + TL_WIRE_HDR_LEN, pt_len, pending,
			       digest);
	else
		to_tun(t, buf + TL_WIRE_HDR_LEN, pt_len, pending, digest);
}

/* Message i of a batch: one datagram, or with UDP GRO several of the
 * same size (the last may be shorter) side by side. */
static void receive_gro(struct tunnel *t, int i)
{
	struct msghdr *mh = &t->rx_msg[i].msg_hdr;
	size_t len = t->rx_msg[i].msg_len, seg = len, off = 0;

	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		int v;

		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			if (v > 0)
				seg = (size_t)v;
		}
	}
	t->stats.udp_gro_msgs += seg < len;
	/* At least once: an empty datagram is a drop to count too. */
	do {
		receive_datagram(t, t->rx[i] + off,
				 len - off < seg ? len - off : seg,
				 &t->rx_addr[i], mh->msg_namelen);
	} while ((off += seg) < len);
}

void receive_from_udp(struct tunnel *t)
{
	/* A few batches per wakeup, so the tun side gets its turn too. */
	for (int round = 0; round < 4; round++) {
		int n;

		for (int i = 0; i < BATCH; i++) {
			t->rx_iov[i] = (struct iovec){
				.iov_base = t->rx[i], .iov_len = PKT_ROOM,
			};
			t->rx_msg[i].msg_hdr = (struct msghdr){
				.msg_name = &t->rx_addr[i],
				.msg_namelen = sizeof(t->rx_addr[i]),
				.msg_iov = &t->rx_iov[i], .msg_iovlen = 1,
			};
			if (t->dev.offload) {
				t->rx_msg[i].msg_hdr.msg_control = t->rx_cmsg[i];
				t->rx_msg[i].msg_hdr.msg_controllen =
					sizeof(t->rx_cmsg[i]);
			}
		}
		n = recvmmsg(t->udp_fd, t->rx_msg, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				tunnel_log(t, "recvmmsg: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			/* A truncated datagram is never processed. */
			if (t->rx_msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				tunnel_drop(t, CRYPTO_DROP_OVERSIZE,
					    TL_STEP_RECV_DECRYPT, NULL, NULL,
					    t->rx_msg[i].msg_len, &t->rx_addr[i]);
				continue;
			}
			receive_gro(t, i);
		}
		gro_flush(t);	/* before the next batch reuses the buffers */
		send_flush(t);
		if (n < BATCH)
			break;
	}
}
