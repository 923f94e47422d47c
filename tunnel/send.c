// SPDX-License-Identifier: GPL-2.0-only
/*
 * The way out: steps 4 and 5.  read() on the tun returns one packet
 * (step 4); the daemon finds which peer it is for, encrypts it in place
 * behind the headroom kept for the tunnel header, and sends a batch of
 * datagrams with one sendmmsg() (step 5).
 */
#include <errno.h>
#include <string.h>
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

void send_to_peer(struct tunnel *t, struct peer *p, size_t len)
{
	uint8_t *buf = t->tx[t->ntx];
	struct crypto_info info;
	enum crypto_verdict v;
	uint64_t digest = 0;
	bool probe;
	size_t out;
	char to[64];

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
	if (probe)
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
	if (probe) {
		addr_fmt(&p->remote, to, sizeof(to));
		probes_encrypt(&t->probes, digest, &info, buf, to);
	}
	if (t->ntx == BATCH)
		send_flush(t);
}

void send_copy_to_peer(struct tunnel *t, struct peer *p, const uint8_t *pkt,
		       size_t len)
{
	memcpy(t->tx[t->ntx] + TL_WIRE_HDR_LEN, pkt, len);
	send_to_peer(t, p, len);
}

void send_keepalive(struct tunnel *t, struct peer *p)
{
	send_to_peer(t, p, 0);
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

/* Route and send one packet read from the tun (in the current tx slot). */
static void send_packet(struct tunnel *t, size_t len)
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
	mss_clamp(pkt, len, t->dev.tap, t->dev.mtu);
	if (!t->cfg->server) {
		send_to_peer(t, t->server, len);
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
		send_to_peer(t, to, len);
}

void send_from_tun(struct tunnel *t)
{
	for (int i = 0; i < TUN_READS; i++) {
		uint8_t *pkt = t->tx[t->ntx] + TL_WIRE_HDR_LEN;
		ssize_t n = read(t->dev.fd, pkt, PKT_ROOM - TL_WIRE_HDR_LEN);

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
		probes_tun_read(&t->probes, pkt, (size_t)n);
		send_packet(t, (size_t)n);
	}
	send_flush(t);
}
