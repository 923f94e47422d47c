/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The data channel (step 5 and 5'): the P_DATA_V2 header of include/wire.h
 * and AEAD encryption, in place, with no allocation per packet.
 *
 *   datagram = op|kid (1) | peer-id (3, BE) | packet-id (4, BE) | tag (16) | ct
 *   AD       = datagram[0..8)
 *   nonce    = packet-id (4, BE) || the direction's implicit IV (8)
 *
 * Keys come from the TLS control channel: SSL_export_keying_material() with
 * the label CRYPTO_EKM_LABEL (the key-id as a one-byte context, control.c),
 * CRYPTO_EKM_LEN (80) bytes, laid out as (docs/wire-format.md, "Keys"):
 *
 *   ekm[ 0..32)  key, client -> server     ekm[40..72)  key, server -> client
 *   ekm[32..40)  implicit IV, c -> s       ekm[72..80)  implicit IV, s -> c
 *
 * The client sends with the first half and receives with the second; the
 * server the reverse (OpenVPN's tls-ekm does the same with keys[0]/keys[1]).
 * Each key-id must come from a fresh TLS handshake: exporting twice from one
 * session gives the same keys, and with packet-ids restarting at 1 the same
 * nonces, which breaks GCM.  crypto_key_install() refuses material equal to
 * a live key's as a last guard.
 *
 * Both directions carry the client's peer-id (the server's per-client
 * context is created with it), so the server routes a datagram by peer-id
 * with crypto_hdr_decode() before it picks a context.
 *
 * A context holds two key slots, the current key-id and the previous one,
 * so packets in flight under the old key still decrypt after a rekey.  Each
 * slot has its own send packet-id (from 1, never wrapping) and its own
 * replay window.  A context is used by one thread at a time.
 *
 * Every failure on the data path is a value of enum crypto_verdict, with a
 * name from crypto_verdict_name(), so the daemon counts drops by reason.
 * On any drop the datagram is left exactly as received, so nothing that
 * failed authentication is ever exposed as plaintext (not even to a probe).
 */
#ifndef TUNLAB_CRYPTO_H
#define TUNLAB_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define CRYPTO_EKM_LABEL	"EXPORTER-tunlab-datakeys"
#define CRYPTO_KEY_LEN		32	/* AES-256 and ChaCha20 alike */
#define CRYPTO_DIR_LEN		(CRYPTO_KEY_LEN + TL_WIRE_IMPLICIT_IV_LEN)
#define CRYPTO_EKM_LEN		(2 * CRYPTO_DIR_LEN)	/* 80 */

/* Send packet-ids: from 1; at CRYPTO_PID_REKEY the control channel should
 * start a rekey (OpenVPN's PACKET_ID_WRAP_TRIGGER); CRYPTO_PID_HARD itself
 * is never sent, so the last id under one key is CRYPTO_PID_HARD - 1. */
#define CRYPTO_PID_FIRST	1u
#define CRYPTO_PID_REKEY	0xff000000u
#define CRYPTO_PID_HARD		0xffffffffu

/* Largest datagram handled: a UDP payload never exceeds this. */
#define CRYPTO_MAX_DATAGRAM	65535
#define CRYPTO_MAX_PLAINTEXT	(CRYPTO_MAX_DATAGRAM - TL_WIRE_HDR_LEN)

enum crypto_cipher {
	CRYPTO_AES_256_GCM = 0,		/* the default */
	CRYPTO_CHACHA20_POLY1305,
	CRYPTO_CIPHER_MAX
};

/* Which half of the exported material this side sends with. */
enum crypto_role {
	CRYPTO_CLIENT = 0,
	CRYPTO_SERVER,
};

/* The outcome of a data-path call: CRYPTO_OK or why the packet dropped. */
enum crypto_verdict {
	CRYPTO_OK = 0,
	CRYPTO_DROP_SHORT,		/* "short": < header + tag */
	CRYPTO_DROP_OVERSIZE,		/* "oversize": > CRYPTO_MAX_* */
	CRYPTO_DROP_OPCODE,		/* "bad opcode": not P_DATA_V2 */
	CRYPTO_DROP_PEER_ID,		/* "wrong peer-id" */
	CRYPTO_DROP_KEY_ID,		/* "unknown key-id": no live key */
	CRYPTO_DROP_TAG,		/* "bad tag": failed authentication */
	CRYPTO_DROP_PID_ZERO,		/* "packet-id zero" */
	CRYPTO_DROP_REPLAY,		/* "replay": seen before */
	CRYPTO_DROP_TOO_OLD,		/* "too old": behind the window */
	CRYPTO_DROP_NO_KEY,		/* "no send key" */
	CRYPTO_DROP_PID_EXHAUSTED,	/* "packet-id exhausted": rekey first */
	CRYPTO_DROP_CIPHER,		/* "cipher error": OpenSSL failed */
	CRYPTO_VERDICT_MAX
};

/* The 8 header bytes that are the AD, decoded. */
struct crypto_hdr {
	uint8_t opcode;		/* high 5 bits of byte 0 */
	uint8_t key_id;		/* low 3 bits of byte 0 */
	uint32_t peer_id;	/* 24 bits */
	uint32_t packet_id;
};

/* What the probe events at step 5 and 5' show.  On a drop, the fields that
 * were decoded before the failure are set, the rest are zero. */
struct crypto_info {
	uint8_t key_id;
	uint32_t peer_id;
	uint32_t packet_id;
	uint8_t nonce[TL_WIRE_NONCE_LEN];
	uint8_t tag[TL_WIRE_TAG_LEN];
	size_t len;		/* datagram length (header + tag + ct) */
	bool rekey;		/* send: packet-id reached CRYPTO_PID_REKEY */
};

struct crypto_ctx;

/* Short names: "AES-256-GCM", "CHACHA20-POLY1305" (OpenVPN's spelling). */
const char *crypto_cipher_name(enum crypto_cipher cipher);
/* Parse a cipher name, case-insensitively; -EINVAL if unknown. */
int crypto_cipher_parse(const char *name, enum crypto_cipher *cipher);
/* A drop reason's name, for counters and log lines. */
const char *crypto_verdict_name(enum crypto_verdict v);

/* Write the 8-byte header (the AD) at buf. */
void crypto_hdr_encode(uint8_t *buf, const struct crypto_hdr *h);
/* Check a received datagram's length and opcode and decode its header, so
 * the caller can route by peer-id; CRYPTO_OK or a drop reason. */
enum crypto_verdict crypto_hdr_decode(const uint8_t *buf, size_t len,
				      struct crypto_hdr *h);

/* A context for one peer, with no keys yet; 0 or -ENOMEM/-EINVAL/-EIO. */
int crypto_ctx_new(struct crypto_ctx **out, enum crypto_cipher cipher,
		   enum crypto_role role, uint32_t peer_id);
/* Wipe all key material and free; NULL is allowed. */
void crypto_ctx_free(struct crypto_ctx *c);
/* Change the peer-id written and expected (a client learns its own from
 * the server over the control channel). */
void crypto_set_peer_id(struct crypto_ctx *c, uint32_t peer_id);

/*
 * Install key_id's keys from CRYPTO_EKM_LEN exported bytes.  The new key
 * becomes current for receiving at once and the old current one stays as
 * previous; the key before that is wiped (if it was still the send key,
 * sending stops with "no send key" until one is activated).  With
 * send_now the new key is also used for sending at once; otherwise
 * sending moves to it when crypto_key_activate() is called or when the
 * first packet authenticates under it (the peer then has it too).
 * 0, or -EINVAL (bad key_id or length, equal directions, material equal
 * to a live key's), -EEXIST (key_id is live), -EIO (OpenSSL).
 */
int crypto_key_install(struct crypto_ctx *c, unsigned int key_id,
		       const uint8_t *ekm, size_t len, bool send_now);
/* Send with key_id from now on; -ENOKEY if it is not live. */
int crypto_key_activate(struct crypto_ctx *c, unsigned int key_id);
/* Wipe key_id's keys (its packets then drop as "unknown key-id");
 * -ENOKEY if not live, -EBUSY if it is the send key. */
int crypto_key_retire(struct crypto_ctx *c, unsigned int key_id);
/* The key-id packets are sent with, or -ENOKEY. */
int crypto_send_key_id(const struct crypto_ctx *c);
/* The send packet-id reached CRYPTO_PID_REKEY (or there is no send key):
 * time for a new handshake. */
bool crypto_rekey_needed(const struct crypto_ctx *c);
/* Set the next send packet-id of the send key (tests, benchmarks). */
int crypto_set_next_pid(struct crypto_ctx *c, uint32_t pid);

/*
 * Encrypt in place.  buf holds TL_WIRE_HDR_LEN bytes of headroom followed
 * by len bytes of plaintext; on CRYPTO_OK buf[0..*out_len) is the datagram
 * (*out_len = TL_WIRE_HDR_LEN + len).  info (may be NULL) gets the probe
 * fields.  Drops: "oversize", "no send key", "packet-id exhausted", "cipher
 * error".
 */
enum crypto_verdict crypto_encrypt(struct crypto_ctx *c, uint8_t *buf,
				   size_t len, size_t *out_len,
				   struct crypto_info *info);

/*
 * Check, authenticate and decrypt a datagram of len bytes in place, in
 * this order: length and opcode, peer-id, key-id, tag, replay window.  On
 * CRYPTO_OK the plaintext is buf[TL_WIRE_HDR_LEN..+*pt_len).  On a drop buf
 * is unchanged and the replay window has not moved.
 */
enum crypto_verdict crypto_decrypt(struct crypto_ctx *c, uint8_t *buf,
				   size_t len, size_t *pt_len,
				   struct crypto_info *info);

#endif
