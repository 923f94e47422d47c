// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data channel (crypto.h): OpenVPN 2.6's P_DATA_V2 AEAD packets
 * (openvpn_encrypt_aead()/openvpn_decrypt_aead() in src/openvpn/crypto.c),
 * with WireGuard's discipline on the receive path: exact checks before any
 * work, the tag before the replay window, one verdict per drop.
 *
 * Each key slot keeps an EVP_CIPHER_CTX per direction, keyed once at
 * install; a packet only sets the nonce (EVP_*Init_ex with a NULL cipher
 * and key), so the data path never allocates.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "replay.h"

#define NSLOTS	2	/* the current key-id and the previous one */

struct key_slot {
	bool live;
	uint8_t key_id;
	uint32_t next_pid;		/* next send packet-id */
	EVP_CIPHER_CTX *enc;		/* keyed with the send key */
	EVP_CIPHER_CTX *dec;		/* keyed with the receive key */
	uint8_t send_iv[TL_WIRE_IMPLICIT_IV_LEN];
	uint8_t recv_iv[TL_WIRE_IMPLICIT_IV_LEN];
	uint8_t ekm[CRYPTO_EKM_LEN];	/* kept to refuse a reused export */
	struct replay_window replay;
};

struct crypto_ctx {
	enum crypto_cipher cipher;
	enum crypto_role role;
	uint32_t peer_id;
	EVP_CIPHER *evp;
	struct key_slot slot[NSLOTS];
	int cur;			/* newest live slot, or -1 */
	int send;			/* slot packets are sent with, or -1 */
};

static const char *const cipher_names[CRYPTO_CIPHER_MAX] = {
	[CRYPTO_AES_256_GCM]	     = "AES-256-GCM",
	[CRYPTO_CHACHA20_POLY1305] = "CHACHA20-POLY1305",
};

static const char *const verdict_names[CRYPTO_VERDICT_MAX] = {
	[CRYPTO_OK]		    = "ok",
	[CRYPTO_DROP_SHORT]	    = "short",
	[CRYPTO_DROP_OVERSIZE]	    = "oversize",
	[CRYPTO_DROP_OPCODE]	    = "bad opcode",
	[CRYPTO_DROP_PEER_ID]	    = "wrong peer-id",
	[CRYPTO_DROP_KEY_ID]	    = "unknown key-id",
	[CRYPTO_DROP_TAG]	    = "bad tag",
	[CRYPTO_DROP_PID_ZERO]	    = "packet-id zero",
	[CRYPTO_DROP_REPLAY]	    = "replay",
	[CRYPTO_DROP_TOO_OLD]	    = "too old",
	[CRYPTO_DROP_NO_KEY]	    = "no send key",
	[CRYPTO_DROP_PID_EXHAUSTED] = "packet-id exhausted",
	[CRYPTO_DROP_CIPHER]	    = "cipher error",
};

/* The replay window's verdicts as data-path drop reasons. */
static const enum crypto_verdict from_replay[REPLAY_VERDICT_MAX] = {
	[REPLAY_OK]	 = CRYPTO_OK,
	[REPLAY_ZERO]	 = CRYPTO_DROP_PID_ZERO,
	[REPLAY_DUP]	 = CRYPTO_DROP_REPLAY,
	[REPLAY_TOO_OLD] = CRYPTO_DROP_TOO_OLD,
};

const char *crypto_cipher_name(enum crypto_cipher cipher)
{
	if ((unsigned int)cipher >= CRYPTO_CIPHER_MAX)
		return "unknown";
	return cipher_names[cipher];
}

int crypto_cipher_parse(const char *name, enum crypto_cipher *cipher)
{
	for (unsigned int i = 0; i < CRYPTO_CIPHER_MAX; i++) {
		if (strcasecmp(name, cipher_names[i]) == 0) {
			*cipher = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *crypto_verdict_name(enum crypto_verdict v)
{
	if ((unsigned int)v >= CRYPTO_VERDICT_MAX)
		return "unknown";
	return verdict_names[v];
}

/* Big-endian stores and loads, byte by byte: buffers need not be aligned. */
static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void crypto_hdr_encode(uint8_t *buf, const struct crypto_hdr *h)
{
	buf[0] = (uint8_t)(h->opcode << TL_WIRE_OPCODE_SHIFT) |
		 (h->key_id & TL_WIRE_KEY_ID_MASK);
	buf[1] = h->peer_id >> 16;
	buf[2] = h->peer_id >> 8;
	buf[3] = h->peer_id;
	put_be32(buf + 4, h->packet_id);
}

enum crypto_verdict crypto_hdr_decode(const uint8_t *buf, size_t len,
				      struct crypto_hdr *h)
{
	if (len < TL_WIRE_HDR_LEN)
		return CRYPTO_DROP_SHORT;
	if (len > CRYPTO_MAX_DATAGRAM)
		return CRYPTO_DROP_OVERSIZE;
	h->opcode = buf[0] >> TL_WIRE_OPCODE_SHIFT;
	h->key_id = buf[0] & TL_WIRE_KEY_ID_MASK;
	h->peer_id = (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	h->packet_id = get_be32(buf + 4);
	if (h->opcode != TL_WIRE_OP_DATA_V2)
		return CRYPTO_DROP_OPCODE;
	return CRYPTO_OK;
}

/* Forget a slot's keys: OpenSSL's contexts clear theirs on reset. */
static void slot_wipe(struct key_slot *s)
{
	EVP_CIPHER_CTX_reset(s->enc);
	EVP_CIPHER_CTX_reset(s->dec);
	OPENSSL_cleanse(s->send_iv, sizeof(s->send_iv));
	OPENSSL_cleanse(s->recv_iv, sizeof(s->recv_iv));
	OPENSSL_cleanse(s->ekm, sizeof(s->ekm));
	replay_init(&s->replay);
	s->next_pid = 0;
	s->key_id = 0;
	s->live = false;
}

int crypto_ctx_new(struct crypto_ctx **out, enum crypto_cipher cipher,
		   enum crypto_role role, uint32_t peer_id)
{
	static const char *const evp_names[CRYPTO_CIPHER_MAX] = {
		[CRYPTO_AES_256_GCM]	   = "AES-256-GCM",
		[CRYPTO_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
	};
	struct crypto_ctx *c;
	int err = -ENOMEM;

	*out = NULL;
	if ((unsigned int)cipher >= CRYPTO_CIPHER_MAX ||
	    (role != CRYPTO_CLIENT && role != CRYPTO_SERVER) ||
	    peer_id > TL_WIRE_PEER_ID_UNSET)
		return -EINVAL;
	c = OPENSSL_zalloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->cipher = cipher;
	c->role = role;
	c->peer_id = peer_id;
	c->cur = -1;
	c->send = -1;
	/* Fetch once: an implicit fetch per EVP_*Init_ex would cost a lookup
	 * at every key install. */
	c->evp = EVP_CIPHER_fetch(NULL, evp_names[cipher], NULL);
	if (!c->evp) {
		err = -EIO;	/* a FIPS-only or broken OpenSSL */
		goto out_free;
	}
	for (int i = 0; i < NSLOTS; i++) {
		c->slot[i].enc = EVP_CIPHER_CTX_new();
		c->slot[i].dec = EVP_CIPHER_CTX_new();
		if (!c->slot[i].enc || !c->slot[i].dec)
			goto out_free;
	}
	*out = c;
	return 0;

out_free:
	crypto_ctx_free(c);
	return err;
}

void crypto_ctx_free(struct crypto_ctx *c)
{
	if (!c)
		return;
	for (int i = 0; i < NSLOTS; i++) {
		if (c->slot[i].enc && c->slot[i].dec)
			slot_wipe(&c->slot[i]);
		EVP_CIPHER_CTX_free(c->slot[i].enc);
		EVP_CIPHER_CTX_free(c->slot[i].dec);
	}
	EVP_CIPHER_free(c->evp);
	OPENSSL_clear_free(c, sizeof(*c));
}

void crypto_set_peer_id(struct crypto_ctx *c, uint32_t peer_id)
{
	c->peer_id = peer_id & TL_WIRE_PEER_ID_UNSET;
}

/* The live slot holding key_id, or -1. */
static int find_slot(const struct crypto_ctx *c, unsigned int key_id)
{
	for (int i = 0; i < NSLOTS; i++)
		if (c->slot[i].live && c->slot[i].key_id == key_id)
			return i;
	return -1;
}

/* Key one direction's context; the IV length is GCM's and ChaCha's
 * default of 12, set explicitly so a nonce can never be cut short. */
static int key_ctx(EVP_CIPHER_CTX *ctx, const EVP_CIPHER *evp,
		   const uint8_t *key, int enc)
{
	if (EVP_CipherInit_ex(ctx, evp, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN,
				TL_WIRE_NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, NULL, enc) != 1)
		return -EIO;
	return 0;
}

int crypto_key_install(struct crypto_ctx *c, unsigned int key_id,
		       const uint8_t *ekm, size_t len, bool send_now)
{
	const uint8_t *tx, *rx;
	struct key_slot *s;
	int i, err;

	if (key_id > TL_WIRE_KEY_ID_MASK || len != CRYPTO_EKM_LEN)
		return -EINVAL;
	if (find_slot(c, key_id) >= 0)
		return -EEXIST;
	/* Equal halves would make both directions share nonces. */
	if (CRYPTO_memcmp(ekm, ekm + CRYPTO_DIR_LEN, CRYPTO_KEY_LEN) == 0 ||
	    CRYPTO_memcmp(ekm + CRYPTO_KEY_LEN, ekm + CRYPTO_DIR_LEN +
			  CRYPTO_KEY_LEN, TL_WIRE_IMPLICIT_IV_LEN) == 0)
		return -EINVAL;
	/* The same export again (same TLS session) would repeat nonces. */
	for (i = 0; i < NSLOTS; i++)
		if (c->slot[i].live &&
		    CRYPTO_memcmp(c->slot[i].ekm, ekm, CRYPTO_EKM_LEN) == 0)
			return -EINVAL;

	tx = c->role == CRYPTO_CLIENT ? ekm : ekm + CRYPTO_DIR_LEN;
	rx = c->role == CRYPTO_CLIENT ? ekm + CRYPTO_DIR_LEN : ekm;
	/* The slot that is not current holds the previous key: retire it. */
	i = c->cur < 0 ? 0 : !c->cur;
	s = &c->slot[i];
	if (c->send == i)
		c->send = -1;
	slot_wipe(s);
	err = key_ctx(s->enc, c->evp, tx, 1);
	if (!err)
		err = key_ctx(s->dec, c->evp, rx, 0);
	if (err) {
		slot_wipe(s);
		if (c->cur == i)
			c->cur = -1;
		return err;
	}
	memcpy(s->send_iv, tx + CRYPTO_KEY_LEN, TL_WIRE_IMPLICIT_IV_LEN);
	memcpy(s->recv_iv, rx + CRYPTO_KEY_LEN, TL_WIRE_IMPLICIT_IV_LEN);
	memcpy(s->ekm, ekm, CRYPTO_EKM_LEN);
	s->key_id = key_id;
	s->next_pid = CRYPTO_PID_FIRST;
	s->live = true;
	c->cur = i;
	if (send_now)
		c->send = i;
	return 0;
}

int crypto_key_activate(struct crypto_ctx *c, unsigned int key_id)
{
	int i = find_slot(c, key_id);

	if (i < 0)
		return -ENOKEY;
	c->send = i;
	return 0;
}

int crypto_key_retire(struct crypto_ctx *c, unsigned int key_id)
{
	int i = find_slot(c, key_id);

	if (i < 0)
		return -ENOKEY;
	if (i == c->send)
		return -EBUSY;
	slot_wipe(&c->slot[i]);
	if (c->cur == i)
		c->cur = c->slot[!i].live ? !i : -1;
	return 0;
}

int crypto_send_key_id(const struct crypto_ctx *c)
{
	return c->send < 0 ? -ENOKEY : c->slot[c->send].key_id;
}

bool crypto_rekey_needed(const struct crypto_ctx *c)
{
	return c->send < 0 || c->slot[c->send].next_pid >= CRYPTO_PID_REKEY;
}

int crypto_set_next_pid(struct crypto_ctx *c, uint32_t pid)
{
	if (c->send < 0)
		return -ENOKEY;
	if (pid == 0)
		return -EINVAL;
	c->slot[c->send].next_pid = pid;
	return 0;
}

/* The 12-byte nonce: packet-id, then the direction's implicit IV. */
static inline void make_nonce(uint8_t *nonce, uint32_t pid, const uint8_t *iv)
{
	put_be32(nonce, pid);
	memcpy(nonce + 4, iv, TL_WIRE_IMPLICIT_IV_LEN);
}

enum crypto_verdict crypto_encrypt(struct crypto_ctx *c, uint8_t *buf,
				   size_t len, size_t *out_len,
				   struct crypto_info *info)
{
	uint8_t nonce[TL_WIRE_NONCE_LEN], *pt = buf + TL_WIRE_HDR_LEN;
	struct crypto_hdr h;
	struct key_slot *s;
	int n;

	if (len > CRYPTO_MAX_PLAINTEXT)
		return CRYPTO_DROP_OVERSIZE;
	if (c->send < 0)
		return CRYPTO_DROP_NO_KEY;
	s = &c->slot[c->send];
	if (s->next_pid >= CRYPTO_PID_HARD)
		return CRYPTO_DROP_PID_EXHAUSTED;
	/* The id is spent before the cipher runs: even a failed attempt
	 * must never let a nonce be used twice. */
	h.opcode = TL_WIRE_OP_DATA_V2;
	h.key_id = s->key_id;
	h.peer_id = c->peer_id;
	h.packet_id = s->next_pid++;
	crypto_hdr_encode(buf, &h);
	make_nonce(nonce, h.packet_id, s->send_iv);

	if (EVP_EncryptInit_ex(s->enc, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(s->enc, NULL, &n, buf, TL_WIRE_AD_LEN) != 1 ||
	    (len && EVP_EncryptUpdate(s->enc, pt, &n, pt, (int)len) != 1) ||
	    EVP_EncryptFinal_ex(s->enc, pt + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->enc, EVP_CTRL_AEAD_GET_TAG, TL_WIRE_TAG_LEN,
				buf + TL_WIRE_AD_LEN) != 1)
		return CRYPTO_DROP_CIPHER;

	*out_len = TL_WIRE_HDR_LEN + len;
	if (info) {
		info->key_id = h.key_id;
		info->peer_id = h.peer_id;
		info->packet_id = h.packet_id;
		memcpy(info->nonce, nonce, sizeof(nonce));
		memcpy(info->tag, buf + TL_WIRE_AD_LEN, TL_WIRE_TAG_LEN);
		info->len = *out_len;
		info->rekey = s->next_pid >= CRYPTO_PID_REKEY;
	}
	return CRYPTO_OK;
}

/* Undo an in-place decryption that will be dropped: both ciphers XOR a
 * keystream, so running it again over the output gives back the datagram
 * as received, and a drop never leaves unauthenticated plaintext behind. */
static void restore(struct key_slot *s, const uint8_t *nonce, uint8_t *ct,
		    size_t len)
{
	int n;

	if (!len || EVP_DecryptInit_ex(s->dec, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(s->dec, ct, &n, ct, (int)len) != 1)
		OPENSSL_cleanse(ct, len);
}

enum crypto_verdict crypto_decrypt(struct crypto_ctx *c, uint8_t *buf,
				   size_t len, size_t *pt_len,
				   struct crypto_info *info)
{
	uint8_t nonce[TL_WIRE_NONCE_LEN], *ct;
	struct crypto_info scratch;
	enum crypto_verdict v;
	struct crypto_hdr h;
	struct key_slot *s;
	size_t ct_len;
	int i, n;

	if (!info)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	v = crypto_hdr_decode(buf, len, &h);
	if (v != CRYPTO_OK)
		return v;
	info->key_id = h.key_id;
	info->peer_id = h.peer_id;
	info->packet_id = h.packet_id;
	info->len = len;
	memcpy(info->tag, buf + TL_WIRE_AD_LEN, TL_WIRE_TAG_LEN);
	if (h.peer_id != c->peer_id)
		return CRYPTO_DROP_PEER_ID;
	i = find_slot(c, h.key_id);
	if (i < 0)
		return CRYPTO_DROP_KEY_ID;
	s = &c->slot[i];
	make_nonce(nonce, h.packet_id, s->recv_iv);
	memcpy(info->nonce, nonce, sizeof(nonce));

	ct = buf + TL_WIRE_HDR_LEN;
	ct_len = len - TL_WIRE_HDR_LEN;
	if (EVP_DecryptInit_ex(s->dec, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(s->dec, NULL, &n, buf, TL_WIRE_AD_LEN) != 1 ||
	    (ct_len && EVP_DecryptUpdate(s->dec, ct, &n, ct,
					 (int)ct_len) != 1)) {
		restore(s, nonce, ct, ct_len);
		return CRYPTO_DROP_CIPHER;
	}
	/* The tag is set from the copy in info: OpenSSL wants it writable. */
	if (EVP_CIPHER_CTX_ctrl(s->dec, EVP_CTRL_AEAD_SET_TAG, TL_WIRE_TAG_LEN,
				info->tag) != 1 ||
	    EVP_DecryptFinal_ex(s->dec, ct + ct_len, &n) != 1) {
		restore(s, nonce, ct, ct_len);
		return CRYPTO_DROP_TAG;
	}
	/* Authentic: only now may the packet move the replay window. */
	v = from_replay[replay_update(&s->replay, h.packet_id)];
	if (v != CRYPTO_OK) {
		restore(s, nonce, ct, ct_len);
		return v;
	}
	/* The peer has sent under the newest key, so it can receive under
	 * it too: a pending key starts sending now. */
	if (i == c->cur && c->send != i)
		c->send = i;
	*pt_len = ct_len;
	return CRYPTO_OK;
}
