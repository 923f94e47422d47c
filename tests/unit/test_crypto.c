// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data channel (tunnel/crypto.c): header, round trips for both
 * ciphers, every single-bit tamper and every truncation, replay, the two
 * directions, key-id switches, packet-id exhaustion, and known answers.
 * The known answers were computed outside tunlab (Python's cryptography
 * package) and the layout (nonce = pid || IV, AD = 8 bytes, tag at 8) is
 * also rebuilt here by hand with EVP, independently of crypto.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "replay.h"
#include "wire.h"

#define PEER	0x0a0b0c
#define BUFSZ	(TL_WIRE_HDR_LEN + CRYPTO_MAX_PLAINTEXT + 64)

static const enum crypto_cipher ciphers[] = {
	CRYPTO_AES_256_GCM, CRYPTO_CHACHA20_POLY1305,
};
#define NCIPHERS (sizeof(ciphers) / sizeof(ciphers[0]))

/* Exported keying material for tests: distinct for every seed. */
static void fill_ekm(uint8_t *ekm, unsigned int seed)
{
	for (unsigned int i = 0; i < CRYPTO_EKM_LEN; i++)
		ekm[i] = (uint8_t)(i * 7 + 3 + seed * 101);
}

static void fill_pt(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

/* A client and a server context sharing key_id's keys. */
static void make_pair(enum crypto_cipher cipher, unsigned int key_id,
		      unsigned int seed, struct crypto_ctx **cli,
		      struct crypto_ctx **srv)
{
	uint8_t ekm[CRYPTO_EKM_LEN];

	fill_ekm(ekm, seed);
	assert_int_equal(crypto_ctx_new(cli, cipher, CRYPTO_CLIENT, PEER), 0);
	assert_int_equal(crypto_ctx_new(srv, cipher, CRYPTO_SERVER, PEER), 0);
	assert_int_equal(crypto_key_install(*cli, key_id, ekm, sizeof(ekm),
					    true), 0);
	assert_int_equal(crypto_key_install(*srv, key_id, ekm, sizeof(ekm),
					    true), 0);
}

static void free_pair(struct crypto_ctx *cli, struct crypto_ctx *srv)
{
	crypto_ctx_free(cli);
	crypto_ctx_free(srv);
}

/* Encrypt len pattern bytes from c into buf; returns the datagram length. */
static size_t seal(struct crypto_ctx *c, uint8_t *buf, size_t len,
		   unsigned int seed)
{
	size_t out = 0;

	fill_pt(buf + TL_WIRE_HDR_LEN, len, seed);
	assert_int_equal(crypto_encrypt(c, buf, len, &out, NULL), CRYPTO_OK);
	assert_int_equal(out, TL_WIRE_HDR_LEN + len);
	return out;
}

/* Decrypt and expect verdict want; on a drop the datagram must be left
 * exactly as it came. */
static void expect(struct crypto_ctx *c, uint8_t *buf, size_t len,
		   enum crypto_verdict want)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum crypto_verdict got;
	size_t pt_len = 12345;

	assert_non_null(copy);
	memcpy(copy, buf, len);
	got = crypto_decrypt(c, buf, len, &pt_len, NULL);
	if (got != want)
		fail_msg("decrypt of %zu bytes: got \"%s\", want \"%s\"", len,
			 crypto_verdict_name(got), crypto_verdict_name(want));
	if (want == CRYPTO_OK)
		assert_int_equal(pt_len, len - TL_WIRE_HDR_LEN);
	else
		assert_memory_equal(buf, copy, len);
	free(copy);
}

static const EVP_CIPHER *evp_of(enum crypto_cipher c)
{
	return c == CRYPTO_AES_256_GCM ? EVP_aes_256_gcm() :
					 EVP_chacha20_poly1305();
}

/* AEAD-seal by hand: the reference layout, written from the wire spec. */
static void ref_seal(enum crypto_cipher cipher, const uint8_t *key,
		     const uint8_t *iv, uint8_t b0, uint32_t peer, uint32_t pid,
		     const uint8_t *pt, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[12];
	int n;

	assert_non_null(x);
	out[0] = b0;
	out[1] = peer >> 16;
	out[2] = peer >> 8;
	out[3] = peer;
	out[4] = pid >> 24;
	out[5] = pid >> 16;
	out[6] = pid >> 8;
	out[7] = pid;
	memcpy(nonce, out + 4, 4);
	memcpy(nonce + 4, iv, 8);
	assert_int_equal(EVP_EncryptInit_ex(x, evp_of(cipher), NULL, key,
					    nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(x, NULL, &n, out, 8), 1);
	if (len)
		assert_int_equal(EVP_EncryptUpdate(x, out + 24, &n, pt,
						   (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(x, out + 24 + len, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16,
					     out + 8), 1);
	EVP_CIPHER_CTX_free(x);
}

/* AEAD-open by hand; returns 1 if the tag verified. */
static int ref_open(enum crypto_cipher cipher, const uint8_t *key,
		    const uint8_t *iv, const uint8_t *dg, size_t len,
		    uint8_t *pt)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	uint8_t nonce[12], tag[16];
	int n, ok;

	assert_non_null(x);
	memcpy(nonce, dg + 4, 4);
	memcpy(nonce + 4, iv, 8);
	memcpy(tag, dg + 8, 16);
	assert_int_equal(EVP_DecryptInit_ex(x, evp_of(cipher), NULL, key,
					    nonce), 1);
	assert_int_equal(EVP_DecryptUpdate(x, NULL, &n, dg, 8), 1);
	if (len > 24)
		assert_int_equal(EVP_DecryptUpdate(x, pt, &n, dg + 24,
						   (int)(len - 24)), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, 16,
					     tag), 1);
	ok = EVP_DecryptFinal_ex(x, pt + (len - 24), &n);
	EVP_CIPHER_CTX_free(x);
	return ok == 1;
}

static void test_hdr_encode_decode(void **state)
{
	static const struct crypto_hdr cases[] = {
		{ TL_WIRE_OP_DATA_V2, 0, 0, 1 },
		{ TL_WIRE_OP_DATA_V2, 7, TL_WIRE_PEER_ID_UNSET, 0xffffffffu },
		{ TL_WIRE_OP_DATA_V2, 5, 0x123456, 0x89abcdefu },
	};
	uint8_t buf[TL_WIRE_HDR_LEN + 4] = { 0 };
	struct crypto_hdr h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		crypto_hdr_encode(buf, &cases[i]);
		assert_int_equal(crypto_hdr_decode(buf, sizeof(buf), &h),
				 CRYPTO_OK);
		assert_int_equal(h.opcode, cases[i].opcode);
		assert_int_equal(h.key_id, cases[i].key_id);
		assert_int_equal(h.peer_id, cases[i].peer_id);
		assert_int_equal(h.packet_id, cases[i].packet_id);
	}
	/* Byte by byte, as wire.h draws it. */
	crypto_hdr_encode(buf, &cases[2]);
	assert_int_equal(buf[0], 9 << 3 | 5);
	assert_int_equal(buf[1], 0x12);
	assert_int_equal(buf[2], 0x34);
	assert_int_equal(buf[3], 0x56);
	assert_int_equal(buf[4], 0x89);
	assert_int_equal(buf[7], 0xef);
	assert_int_equal(buf[0] >> TL_WIRE_OPCODE_SHIFT, TL_WIRE_OP_DATA_V2);

	/* Header + tag is the least a data packet can be. */
	assert_int_equal(crypto_hdr_decode(buf, TL_WIRE_HDR_LEN, &h),
			 CRYPTO_OK);
	assert_int_equal(crypto_hdr_decode(buf, TL_WIRE_HDR_LEN - 1, &h),
			 CRYPTO_DROP_SHORT);
	assert_int_equal(crypto_hdr_decode(NULL, 0, &h), CRYPTO_DROP_SHORT);
	assert_int_equal(crypto_hdr_decode(buf, CRYPTO_MAX_DATAGRAM + 1, &h),
			 CRYPTO_DROP_OVERSIZE);
	buf[0] = 6 << 3;	/* P_DATA_V1 */
	assert_int_equal(crypto_hdr_decode(buf, sizeof(buf), &h),
			 CRYPTO_DROP_OPCODE);
	assert_int_equal(h.opcode, 6);
}

static void test_names(void **state)
{
	enum crypto_cipher c;

	(void)state;
	for (int i = 0; i < CRYPTO_VERDICT_MAX; i++) {
		const char *a = crypto_verdict_name(i);

		assert_non_null(a);
		assert_string_not_equal(a, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, crypto_verdict_name(j));
	}
	assert_string_equal(crypto_verdict_name(CRYPTO_DROP_TAG), "bad tag");
	assert_string_equal(crypto_verdict_name(CRYPTO_DROP_REPLAY), "replay");
	assert_string_equal(crypto_verdict_name(CRYPTO_DROP_PID_EXHAUSTED),
			    "packet-id exhausted");
	assert_string_equal(crypto_verdict_name(CRYPTO_VERDICT_MAX), "unknown");
	assert_int_equal(crypto_cipher_parse("aes-256-gcm", &c), 0);
	assert_int_equal(c, CRYPTO_AES_256_GCM);
	assert_int_equal(crypto_cipher_parse("CHACHA20-POLY1305", &c), 0);
	assert_int_equal(c, CRYPTO_CHACHA20_POLY1305);
	assert_int_equal(crypto_cipher_parse("AES-128-CBC", &c), -EINVAL);
	assert_string_equal(crypto_cipher_name(CRYPTO_AES_256_GCM),
			    "AES-256-GCM");
	assert_string_equal(crypto_cipher_name(CRYPTO_CIPHER_MAX), "unknown");
	assert_int_equal(strlen(CRYPTO_EKM_LABEL), 24);
	assert_int_equal(CRYPTO_EKM_LEN, 80);
}

static void test_bad_arguments(void **state)
{
	uint8_t ekm[CRYPTO_EKM_LEN], buf[64];
	struct crypto_ctx *c;
	size_t out;

	(void)state;
	assert_int_equal(crypto_ctx_new(&c, CRYPTO_CIPHER_MAX, CRYPTO_CLIENT,
					1), -EINVAL);
	assert_null(c);
	assert_int_equal(crypto_ctx_new(&c, CRYPTO_AES_256_GCM, 7, 1),
			 -EINVAL);
	assert_int_equal(crypto_ctx_new(&c, CRYPTO_AES_256_GCM, CRYPTO_CLIENT,
					0x1000000), -EINVAL);
	assert_int_equal(crypto_ctx_new(&c, CRYPTO_AES_256_GCM, CRYPTO_CLIENT,
					PEER), 0);
	/* No key yet. */
	assert_int_equal(crypto_send_key_id(c), -ENOKEY);
	assert_true(crypto_rekey_needed(c));
	assert_int_equal(crypto_set_next_pid(c, 5), -ENOKEY);
	assert_int_equal(crypto_encrypt(c, buf, 10, &out, NULL),
			 CRYPTO_DROP_NO_KEY);
	assert_int_equal(crypto_key_activate(c, 0), -ENOKEY);
	assert_int_equal(crypto_key_retire(c, 0), -ENOKEY);

	fill_ekm(ekm, 1);
	assert_int_equal(crypto_key_install(c, 8, ekm, sizeof(ekm), true),
			 -EINVAL);
	assert_int_equal(crypto_key_install(c, 0, ekm, sizeof(ekm) - 1, true),
			 -EINVAL);
	/* Both directions the same: refused, they would share nonces. */
	{
		uint8_t same[CRYPTO_EKM_LEN];

		memcpy(same, ekm, CRYPTO_DIR_LEN);
		memcpy(same + CRYPTO_DIR_LEN, ekm, CRYPTO_DIR_LEN);
		assert_int_equal(crypto_key_install(c, 0, same, sizeof(same),
						    true), -EINVAL);
		/* Different keys but the same IVs: refused too. */
		same[CRYPTO_DIR_LEN] ^= 1;
		assert_int_equal(crypto_key_install(c, 0, same, sizeof(same),
						    true), -EINVAL);
	}
	assert_int_equal(crypto_key_install(c, 3, ekm, sizeof(ekm), true), 0);
	assert_int_equal(crypto_send_key_id(c), 3);
	assert_int_equal(crypto_set_next_pid(c, 0), -EINVAL);
	/* The same key-id again, or the same export under a new key-id. */
	fill_ekm(ekm, 2);
	assert_int_equal(crypto_key_install(c, 3, ekm, sizeof(ekm), true),
			 -EEXIST);
	fill_ekm(ekm, 1);
	assert_int_equal(crypto_key_install(c, 4, ekm, sizeof(ekm), true),
			 -EINVAL);
	assert_int_equal(crypto_key_retire(c, 3), -EBUSY);
	assert_int_equal(crypto_encrypt(c, buf, CRYPTO_MAX_PLAINTEXT + 1, &out,
					NULL), CRYPTO_DROP_OVERSIZE);
	crypto_ctx_free(c);
	crypto_ctx_free(NULL);
}

/* Every size from empty to 1500, plus jumbo and the largest, both ways. */
static void test_round_trip(void **state)
{
	static const size_t big[] = { 9000, 16384, CRYPTO_MAX_PLAINTEXT };
	uint8_t *buf = malloc(BUFSZ), *want = malloc(BUFSZ);
	size_t sizes[1501 + sizeof(big) / sizeof(big[0])], nsizes = 0;
	struct crypto_ctx *cli, *srv;

	(void)state;
	assert_non_null(buf);
	assert_non_null(want);
	for (size_t len = 0; len <= 1500; len++)
		sizes[nsizes++] = len;
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		sizes[nsizes++] = big[i];
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 0, 7, &cli, &srv);
		for (size_t i = 0; i < nsizes; i++) {
			size_t len = sizes[i], dl, pt_len;
			/* Alternate directions. */
			struct crypto_ctx *tx = i & 1 ? srv : cli;
			struct crypto_ctx *rx = i & 1 ? cli : srv;

			fill_pt(want, len, (unsigned int)len);
			dl = seal(tx, buf, len, (unsigned int)len);
			if (len >= 16)
				assert_memory_not_equal(buf + TL_WIRE_HDR_LEN,
							want, len);
			assert_int_equal(crypto_decrypt(rx, buf, dl, &pt_len,
							NULL), CRYPTO_OK);
			assert_int_equal(pt_len, len);
			assert_memory_equal(buf + TL_WIRE_HDR_LEN, want, len);
		}
		free_pair(cli, srv);
	}
	free(buf);
	free(want);
}

/* Flip each bit of a datagram in turn: each flip is dropped for the
 * reason its field gives, leaves the datagram and the replay window as
 * they were, and the untouched packet with the same id then passes. */
static void test_tamper_every_bit(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 100], orig[sizeof(buf)];
	struct crypto_ctx *cli, *srv;

	(void)state;
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 5, 3, &cli, &srv);
		for (size_t pos = 0; pos < sizeof(buf); pos++) {
			for (int bit = 0; bit < 8; bit++) {
				enum crypto_verdict want = CRYPTO_DROP_TAG;
				size_t dl = seal(cli, buf, 100, 9);

				memcpy(orig, buf, dl);
				buf[pos] ^= 1u << bit;
				if (pos == 0)
					want = bit < 3 ? CRYPTO_DROP_KEY_ID :
							 CRYPTO_DROP_OPCODE;
				else if (pos < 4)
					want = CRYPTO_DROP_PEER_ID;
				expect(srv, buf, dl, want);
				memcpy(buf, orig, dl);
				expect(srv, buf, dl, CRYPTO_OK);
			}
		}
		free_pair(cli, srv);
	}
}

/* The header is authenticated, not only checked: a changed key-id or
 * peer-id that passes the routing checks still fails the tag. */
static void test_header_is_authenticated(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 40], ekm[CRYPTO_EKM_LEN];
	struct crypto_ctx *cli, *srv;
	size_t dl;

	(void)state;
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 1, 4, &cli, &srv);
		/* Peer-id: the receiver expects the forged one. */
		dl = seal(cli, buf, 40, 1);
		buf[3] ^= 0x01;
		crypto_set_peer_id(srv, PEER ^ 0x01);
		expect(srv, buf, dl, CRYPTO_DROP_TAG);
		crypto_set_peer_id(srv, PEER);
		buf[3] ^= 0x01;
		expect(srv, buf, dl, CRYPTO_OK);
		/* Key-id: moved to another live key-id with the same keys
		 * would need the same export (refused), so a different one. */
		fill_ekm(ekm, 99);
		assert_int_equal(crypto_key_install(srv, 2, ekm, sizeof(ekm),
						    false), 0);
		dl = seal(cli, buf, 40, 2);
		buf[0] = (uint8_t)(buf[0] & ~TL_WIRE_KEY_ID_MASK) | 2;
		expect(srv, buf, dl, CRYPTO_DROP_TAG);
		free_pair(cli, srv);
	}
}

/* Every prefix of a datagram is rejected, "short" below header + tag. */
static void test_truncated(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 60], orig[sizeof(buf)];
	struct crypto_ctx *cli, *srv;

	(void)state;
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 0, 5, &cli, &srv);
		size_t dl = seal(cli, buf, 60, 3);

		memcpy(orig, buf, dl);
		for (size_t len = 0; len < dl; len++) {
			/* A heap copy of exactly len bytes, so ASan sees any
			 * read past the end. */
			uint8_t *p = malloc(len ? len : 1);

			assert_non_null(p);
			memcpy(p, orig, len);
			expect(srv, p, len, len < TL_WIRE_HDR_LEN ?
			       CRYPTO_DROP_SHORT : CRYPTO_DROP_TAG);
			free(p);
		}
		/* Padded with a byte: the tag fails too. */
		memcpy(buf, orig, dl);
		{
			uint8_t big[sizeof(buf) + 1];

			memcpy(big, orig, dl);
			big[dl] = 0;
			expect(srv, big, dl + 1, CRYPTO_DROP_TAG);
		}
		expect(srv, buf, dl, CRYPTO_OK);
		free_pair(cli, srv);
	}
}

static void test_oversize(void **state)
{
	uint8_t *buf = calloc(1, CRYPTO_MAX_DATAGRAM + 2);
	struct crypto_ctx *cli, *srv;
	size_t out;

	(void)state;
	assert_non_null(buf);
	make_pair(CRYPTO_AES_256_GCM, 0, 6, &cli, &srv);
	assert_int_equal(crypto_encrypt(cli, buf, CRYPTO_MAX_PLAINTEXT + 1,
					&out, NULL), CRYPTO_DROP_OVERSIZE);
	out = seal(cli, buf, CRYPTO_MAX_PLAINTEXT, 1);
	assert_int_equal(out, CRYPTO_MAX_DATAGRAM);
	expect(srv, buf, CRYPTO_MAX_DATAGRAM + 1, CRYPTO_DROP_OVERSIZE);
	expect(srv, buf, CRYPTO_MAX_DATAGRAM, CRYPTO_OK);
	free_pair(cli, srv);
	free(buf);
}

/* Every opcode but P_DATA_V2, with every key-id. */
static void test_wrong_opcode(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 20], orig[sizeof(buf)];
	struct crypto_ctx *cli, *srv;
	size_t dl;

	(void)state;
	make_pair(CRYPTO_AES_256_GCM, 0, 8, &cli, &srv);
	dl = seal(cli, buf, 20, 1);
	memcpy(orig, buf, dl);
	for (unsigned int b0 = 0; b0 < 256; b0++) {
		if (b0 >> TL_WIRE_OPCODE_SHIFT == TL_WIRE_OP_DATA_V2)
			continue;
		buf[0] = (uint8_t)b0;
		expect(srv, buf, dl, CRYPTO_DROP_OPCODE);
	}
	memcpy(buf, orig, dl);
	expect(srv, buf, dl, CRYPTO_OK);
	free_pair(cli, srv);
}

static void test_unknown_key_id_and_peer(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 20];
	struct crypto_ctx *cli, *srv, *bare;
	struct crypto_info info;
	size_t dl, pt_len;

	(void)state;
	make_pair(CRYPTO_AES_256_GCM, 2, 9, &cli, &srv);
	assert_int_equal(crypto_ctx_new(&bare, CRYPTO_AES_256_GCM,
					CRYPTO_SERVER, PEER), 0);
	dl = seal(cli, buf, 20, 1);
	expect(bare, buf, dl, CRYPTO_DROP_KEY_ID);
	for (unsigned int kid = 0; kid < 8; kid++) {
		if (kid == 2)
			continue;
		buf[0] = (uint8_t)(TL_WIRE_OP_DATA_V2 << 3 | kid);
		expect(srv, buf, dl, CRYPTO_DROP_KEY_ID);
	}
	/* What a drop probe can still show. */
	assert_int_equal(crypto_decrypt(srv, buf, dl, &pt_len, &info),
			 CRYPTO_DROP_KEY_ID);
	assert_int_equal(info.key_id, 7);
	assert_int_equal(info.peer_id, PEER);
	assert_int_equal(info.packet_id, 1);
	assert_int_equal(info.len, dl);
	buf[0] = TL_WIRE_OP_DATA_V2 << 3 | 2;
	crypto_set_peer_id(srv, TL_WIRE_PEER_ID_UNSET);
	expect(srv, buf, dl, CRYPTO_DROP_PEER_ID);
	crypto_set_peer_id(srv, PEER);
	expect(srv, buf, dl, CRYPTO_OK);
	crypto_ctx_free(bare);
	free_pair(cli, srv);
}

static void test_replay_and_too_old(void **state)
{
	enum { N = REPLAY_WINDOW + 3 };
	uint8_t (*pk)[TL_WIRE_HDR_LEN + 8] = malloc(N * sizeof(*pk));
	uint8_t ekm[CRYPTO_EKM_LEN], buf[TL_WIRE_HDR_LEN + 8], pt[8] = { 0 };
	struct crypto_ctx *cli, *srv;
	size_t dl = sizeof(buf);

	(void)state;
	assert_non_null(pk);
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 0, 10, &cli, &srv);
		/* pk[i] has packet-id i + 1. */
		for (int i = 0; i < N; i++)
			seal(cli, pk[i], 8, (unsigned int)i);
		memcpy(buf, pk[4], dl);
		expect(srv, pk[4], dl, CRYPTO_OK);	/* id 5 */
		expect(srv, buf, dl, CRYPTO_DROP_REPLAY);
		memcpy(buf, pk[N - 1], dl);
		expect(srv, pk[N - 1], dl, CRYPTO_OK);	/* id W + 3 */
		expect(srv, buf, dl, CRYPTO_DROP_REPLAY);
		/* W + 2 and W + 1 behind, then exactly W. */
		expect(srv, pk[0], dl, CRYPTO_DROP_TOO_OLD);
		expect(srv, pk[1], dl, CRYPTO_DROP_TOO_OLD);
		expect(srv, pk[2], dl, CRYPTO_OK);
		expect(srv, pk[3], dl, CRYPTO_OK);
		fill_ekm(ekm, 10);
		/* An authentic packet-id 0 (no sender makes one). */
		ref_seal(ciphers[k], ekm, ekm + 32, TL_WIRE_OP_DATA_V2 << 3,
			 PEER, 0, pt, sizeof(pt), buf);
		expect(srv, buf, dl, CRYPTO_DROP_PID_ZERO);
		/* Id 5 sealed again by hand: a replay. */
		ref_seal(ciphers[k], ekm, ekm + 32, TL_WIRE_OP_DATA_V2 << 3,
			 PEER, 5, pt, sizeof(pt), buf);
		expect(srv, buf, dl, CRYPTO_DROP_REPLAY);
		free_pair(cli, srv);
	}
	free(pk);
}

/* Each direction has its own key and IV: a client's packet opens only on
 * the server's receive side, never on a client, not even its own. */
static void test_directions_differ(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 32], orig[sizeof(buf)];
	uint8_t ekm[CRYPTO_EKM_LEN], pt[32];
	struct crypto_ctx *cli, *srv, *cli2;
	struct crypto_info ci, si;
	size_t dl;

	(void)state;
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 0, 11, &cli, &srv);
		fill_ekm(ekm, 11);
		assert_int_equal(crypto_ctx_new(&cli2, ciphers[k],
						CRYPTO_CLIENT, PEER), 0);
		assert_int_equal(crypto_key_install(cli2, 0, ekm, sizeof(ekm),
						    true), 0);

		fill_pt(buf + TL_WIRE_HDR_LEN, 32, 1);
		assert_int_equal(crypto_encrypt(cli, buf, 32, &dl, &ci),
				 CRYPTO_OK);
		memcpy(orig, buf, dl);
		expect(cli, buf, dl, CRYPTO_DROP_TAG);
		expect(cli2, buf, dl, CRYPTO_DROP_TAG);
		/* By hand: client -> server is the first half. */
		assert_true(ref_open(ciphers[k], ekm, ekm + 32, buf, dl, pt));
		assert_false(ref_open(ciphers[k], ekm + 40, ekm + 72, buf, dl,
				      pt));
		expect(srv, buf, dl, CRYPTO_OK);

		fill_pt(buf + TL_WIRE_HDR_LEN, 32, 1);
		assert_int_equal(crypto_encrypt(srv, buf, 32, &dl, &si),
				 CRYPTO_OK);
		/* Same packet-id, same plaintext, different bytes. */
		assert_int_equal(ci.packet_id, si.packet_id);
		assert_memory_not_equal(buf, orig, dl);
		assert_memory_equal(ci.nonce, si.nonce, 4);
		assert_memory_not_equal(ci.nonce + 4, si.nonce + 4, 8);
		assert_memory_equal(ci.nonce + 4, ekm + 32, 8);
		assert_memory_equal(si.nonce + 4, ekm + 72, 8);
		expect(srv, buf, dl, CRYPTO_DROP_TAG);
		assert_true(ref_open(ciphers[k], ekm + 40, ekm + 72, buf, dl,
				     pt));
		expect(cli, buf, dl, CRYPTO_OK);
		crypto_ctx_free(cli2);
		free_pair(cli, srv);
	}
}

/* The probe fields at step 5 match those at step 5'. */
static void test_info_fields(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 50];
	struct crypto_ctx *cli, *srv;
	struct crypto_info e, d;
	size_t dl, pt_len;

	(void)state;
	make_pair(CRYPTO_CHACHA20_POLY1305, 6, 12, &cli, &srv);
	fill_pt(buf + TL_WIRE_HDR_LEN, 50, 0);
	assert_int_equal(crypto_set_next_pid(cli, 0x01020304), 0);
	assert_int_equal(crypto_encrypt(cli, buf, 50, &dl, &e), CRYPTO_OK);
	assert_int_equal(e.key_id, 6);
	assert_int_equal(e.peer_id, PEER);
	assert_int_equal(e.packet_id, 0x01020304);
	assert_int_equal(e.len, dl);
	assert_false(e.rekey);
	assert_memory_equal(e.nonce, buf + 4, 4);
	assert_memory_equal(e.tag, buf + 8, 16);
	assert_int_equal(crypto_decrypt(srv, buf, dl, &pt_len, &d), CRYPTO_OK);
	assert_int_equal(d.key_id, e.key_id);
	assert_int_equal(d.peer_id, e.peer_id);
	assert_int_equal(d.packet_id, e.packet_id);
	assert_memory_equal(d.nonce, e.nonce, sizeof(e.nonce));
	assert_memory_equal(d.tag, e.tag, sizeof(e.tag));
	assert_int_equal(d.len, e.len);
	free_pair(cli, srv);
}

/* A rekey: the new key-id takes over, packets in flight under the old one
 * still open, and once retired the old key-id is unknown. */
static void test_key_switch(void **state)
{
	uint8_t old[3][TL_WIRE_HDR_LEN + 30], buf[TL_WIRE_HDR_LEN + 30];
	uint8_t ekm1[CRYPTO_EKM_LEN], ekm2[CRYPTO_EKM_LEN];
	struct crypto_ctx *cli, *srv;
	struct crypto_info info;
	size_t dl = 0;

	(void)state;
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 0, 20, &cli, &srv);
		for (int i = 0; i < 3; i++)	/* in flight, key-id 0 */
			dl = seal(cli, old[i], 30, (unsigned int)i);
		seal(srv, buf, 30, 0);
		expect(cli, buf, dl, CRYPTO_OK);

		/* A new handshake: the client finishes first and waits; the
		 * server installs and sends with it at once. */
		fill_ekm(ekm1, 21);
		assert_int_equal(crypto_key_install(cli, 1, ekm1, sizeof(ekm1),
						    false), 0);
		assert_int_equal(crypto_send_key_id(cli), 0);
		seal(cli, buf, 30, 7);		/* still key-id 0 */
		assert_int_equal(buf[0] & TL_WIRE_KEY_ID_MASK, 0);
		expect(srv, buf, dl, CRYPTO_OK);
		assert_int_equal(crypto_key_install(srv, 1, ekm1, sizeof(ekm1),
						    true), 0);
		assert_int_equal(crypto_send_key_id(srv), 1);
		assert_int_equal(crypto_encrypt(srv, buf + 0, 0, &dl, &info),
				 CRYPTO_OK);
		assert_int_equal(info.key_id, 1);
		assert_int_equal(info.packet_id, 1);	/* a new key: from 1 */
		/* The first packet under key-id 1 tells the client the server
		 * has it: the client now sends with it. */
		expect(cli, buf, dl, CRYPTO_OK);
		assert_int_equal(crypto_send_key_id(cli), 1);
		dl = seal(cli, buf, 30, 8);
		assert_int_equal(buf[0] & TL_WIRE_KEY_ID_MASK, 1);
		assert_int_equal(buf[7], 1);		/* packet-id 1 again */
		expect(srv, buf, dl, CRYPTO_OK);
		/* Old packets arrive late: still fine, and still replays
		 * are caught per key. */
		expect(srv, old[1], dl, CRYPTO_OK);
		expect(srv, old[0], dl, CRYPTO_OK);
		/* Retire key-id 0: its last packet is now unknown. */
		assert_int_equal(crypto_key_retire(srv, 0), 0);
		assert_int_equal(crypto_key_retire(srv, 0), -ENOKEY);
		expect(srv, old[2], dl, CRYPTO_DROP_KEY_ID);

		/* A third key-id pushes the oldest live one out on its own. */
		fill_ekm(ekm2, 22);
		assert_int_equal(crypto_key_install(cli, 2, ekm2, sizeof(ekm2),
						    true), 0);
		assert_int_equal(crypto_key_install(srv, 2, ekm2, sizeof(ekm2),
						    true), 0);
		dl = seal(srv, buf, 30, 9);
		expect(cli, buf, dl, CRYPTO_OK);
		assert_int_equal(crypto_key_activate(cli, 0), -ENOKEY);
		assert_int_equal(crypto_key_activate(cli, 1), 0);
		assert_int_equal(crypto_send_key_id(cli), 1);
		assert_int_equal(crypto_key_activate(cli, 2), 0);
		/* Key-ids wrap within their 3 bits: 2 -> ... -> 0 again. */
		fill_ekm(ekm1, 23);
		assert_int_equal(crypto_key_install(cli, 0, ekm1, sizeof(ekm1),
						    true), 0);
		assert_int_equal(crypto_send_key_id(cli), 0);
		free_pair(cli, srv);
	}
}

/* The packet-id: the soft limit asks for a rekey, the hard limit refuses,
 * and nothing ever wraps back to small ids under the same key. */
static void test_pid_exhaustion(void **state)
{
	uint8_t buf[TL_WIRE_HDR_LEN + 16] = { 0 }, ekm[CRYPTO_EKM_LEN];
	struct crypto_ctx *cli, *srv;
	struct crypto_info info;
	size_t dl;

	(void)state;
	make_pair(CRYPTO_AES_256_GCM, 0, 30, &cli, &srv);
	assert_false(crypto_rekey_needed(cli));
	assert_int_equal(crypto_set_next_pid(cli, CRYPTO_PID_REKEY - 2), 0);
	assert_int_equal(crypto_encrypt(cli, buf, 16, &dl, &info), CRYPTO_OK);
	assert_int_equal(info.packet_id, CRYPTO_PID_REKEY - 2);
	assert_false(info.rekey);
	assert_false(crypto_rekey_needed(cli));
	expect(srv, buf, dl, CRYPTO_OK);
	assert_int_equal(crypto_encrypt(cli, buf, 16, &dl, &info), CRYPTO_OK);
	assert_true(info.rekey);	/* next id is the trigger */
	assert_true(crypto_rekey_needed(cli));
	expect(srv, buf, dl, CRYPTO_OK);	/* still carries traffic */

	assert_int_equal(crypto_set_next_pid(cli, CRYPTO_PID_HARD - 2), 0);
	for (uint32_t want = CRYPTO_PID_HARD - 2; want < CRYPTO_PID_HARD;
	     want++) {
		assert_int_equal(crypto_encrypt(cli, buf, 16, &dl, &info),
				 CRYPTO_OK);
		assert_int_equal(info.packet_id, want);
		expect(srv, buf, dl, CRYPTO_OK);
	}
	/* 0xffffffff itself is never sent, and there is no way on. */
	for (int i = 0; i < 3; i++) {
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(crypto_encrypt(cli, buf, 16, &dl, &info),
				 CRYPTO_DROP_PID_EXHAUSTED);
		assert_int_equal(buf[0], 0xa5);	/* nothing written */
		assert_true(crypto_rekey_needed(cli));
	}
	/* A new key-id starts again at 1. */
	fill_ekm(ekm, 31);
	assert_int_equal(crypto_key_install(cli, 1, ekm, sizeof(ekm), true),
			 0);
	assert_int_equal(crypto_key_install(srv, 1, ekm, sizeof(ekm), true),
			 0);
	assert_false(crypto_rekey_needed(cli));
	assert_int_equal(crypto_encrypt(cli, buf, 16, &dl, &info), CRYPTO_OK);
	assert_int_equal(info.packet_id, 1);
	assert_int_equal(info.key_id, 1);
	expect(srv, buf, dl, CRYPTO_OK);
	free_pair(cli, srv);
}

/*
 * Known answers, computed with Python's cryptography package:
 *   ekm = bytes((i * 7 + 3) & 0xff for i in range(80))
 *   key, iv = ekm[:32], ekm[32:40]       (client -> server)
 *   ad = bytes([9 << 3 | 2, 0x0a, 0x0b, 0x0c, 0, 0, 0, 1])
 *   nonce = bytes([0, 0, 0, 1]) + iv
 *   out = AESGCM(key).encrypt(nonce, pt, ad)     # ct || tag
 *   datagram = ad + out[-16:] + out[:-16]
 */
static const char kat_pt[] = "tunlab known answer: P_DATA_V2 over AEAD\n";

static const uint8_t kat_aes[] = {
	0x4a, 0x0a, 0x0b, 0x0c, 0x00, 0x00, 0x00, 0x01,
	0xfa, 0x03, 0xc5, 0x3d, 0x11, 0x6c, 0x24, 0x62,
	0x30, 0x32, 0xfc, 0xd3, 0x78, 0xba, 0xda, 0x98,
	0x94, 0x3f, 0x57, 0x55, 0x28, 0xd7, 0xc0, 0x4b,
	0xa2, 0x4c, 0x59, 0x28, 0xe1, 0xab, 0xa2, 0x58,
	0xfc, 0x62, 0x35, 0xaa, 0xad, 0xab, 0x4d, 0x65,
	0x29, 0x99, 0x63, 0xed, 0xbb, 0x96, 0xe5, 0x1d,
	0x26, 0x31, 0x76, 0xa2, 0xa7, 0x1b, 0xc4, 0xba,
	0xc3,
};

/* The same with ChaCha20Poly1305(key). */
static const uint8_t kat_chacha[] = {
	0x4a, 0x0a, 0x0b, 0x0c, 0x00, 0x00, 0x00, 0x01,
	0xd0, 0xe2, 0x5f, 0x61, 0xef, 0x33, 0xa9, 0xc6,
	0x0e, 0x00, 0x07, 0x2f, 0x0e, 0xec, 0x2b, 0xd2,
	0xa0, 0x2c, 0x25, 0xa3, 0x70, 0xe9, 0x44, 0x30,
	0xb1, 0x9b, 0xae, 0x39, 0x61, 0xa3, 0x78, 0xc3,
	0xd8, 0xc3, 0xb0, 0xc3, 0xc9, 0xf8, 0x0d, 0x52,
	0xbb, 0x6b, 0x63, 0x6d, 0x4f, 0xf1, 0x5d, 0x4a,
	0x53, 0x8e, 0x28, 0x3b, 0x19, 0x29, 0x97, 0xfe,
	0x17,
};

static void known_answer(enum crypto_cipher cipher, const uint8_t *want,
			 size_t want_len)
{
	size_t len = sizeof(kat_pt) - 1, dl, pt_len;
	uint8_t ekm[CRYPTO_EKM_LEN], buf[128];
	struct crypto_ctx *cli, *srv;

	assert_int_equal(want_len, TL_WIRE_HDR_LEN + len);
	for (int i = 0; i < CRYPTO_EKM_LEN; i++)
		ekm[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(crypto_ctx_new(&cli, cipher, CRYPTO_CLIENT, PEER), 0);
	assert_int_equal(crypto_ctx_new(&srv, cipher, CRYPTO_SERVER, PEER), 0);
	assert_int_equal(crypto_key_install(cli, 2, ekm, sizeof(ekm), true),
			 0);
	assert_int_equal(crypto_key_install(srv, 2, ekm, sizeof(ekm), true),
			 0);
	memcpy(buf + TL_WIRE_HDR_LEN, kat_pt, len);
	assert_int_equal(crypto_encrypt(cli, buf, len, &dl, NULL), CRYPTO_OK);
	assert_int_equal(dl, want_len);
	assert_memory_equal(buf, want, want_len);
	/* And the fixed vector opens on the server. */
	memcpy(buf, want, want_len);
	assert_int_equal(crypto_decrypt(srv, buf, want_len, &pt_len, NULL),
			 CRYPTO_OK);
	assert_int_equal(pt_len, len);
	assert_memory_equal(buf + TL_WIRE_HDR_LEN, kat_pt, len);
	free_pair(cli, srv);
}

static void test_known_answer_aes_gcm(void **state)
{
	(void)state;
	known_answer(CRYPTO_AES_256_GCM, kat_aes, sizeof(kat_aes));
}

static void test_known_answer_chacha(void **state)
{
	(void)state;
	known_answer(CRYPTO_CHACHA20_POLY1305, kat_chacha, sizeof(kat_chacha));
}

/* crypto.c against the layout rebuilt here with EVP alone, both ways,
 * at many sizes and packet-ids. */
static void test_layout_by_hand(void **state)
{
	uint8_t ekm[CRYPTO_EKM_LEN], a[TL_WIRE_HDR_LEN + 600];
	uint8_t b[sizeof(a)], pt[600];
	struct crypto_ctx *cli, *srv;
	size_t dl;

	(void)state;
	for (size_t k = 0; k < NCIPHERS; k++) {
		make_pair(ciphers[k], 3, 40, &cli, &srv);
		fill_ekm(ekm, 40);
		for (size_t len = 0; len <= 600; len += 37) {
			uint32_t pid = (uint32_t)(len * 1000003u + 1);

			assert_int_equal(crypto_set_next_pid(cli, pid), 0);
			dl = seal(cli, a, len, (unsigned int)len);
			fill_pt(pt, len, (unsigned int)len);
			ref_seal(ciphers[k], ekm, ekm + 32,
				 TL_WIRE_OP_DATA_V2 << 3 | 3, PEER, pid, pt,
				 len, b);
			assert_memory_equal(a, b, dl);
			/* Server -> client, sealed by hand, opened by us. */
			ref_seal(ciphers[k], ekm + 40, ekm + 72,
				 TL_WIRE_OP_DATA_V2 << 3 | 3, PEER, pid, pt,
				 len, b);
			expect(cli, b, dl, CRYPTO_OK);
			assert_memory_equal(b + TL_WIRE_HDR_LEN, pt, len);
		}
		free_pair(cli, srv);
	}
}

/* Random garbage of random lengths, and random flips of real packets:
 * never accepted, never read out of bounds, always left as it came. */
static void test_garbage(void **state)
{
	uint64_t s = 0x2545f4914f6cdd1dull;
	struct crypto_ctx *cli, *srv;
	uint8_t real[TL_WIRE_HDR_LEN + 200];

	(void)state;
	make_pair(CRYPTO_AES_256_GCM, 0, 50, &cli, &srv);
	for (int i = 0; i < 20000; i++) {
		size_t len, dl;
		uint8_t *p;

		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		len = s % 1600;
		p = malloc(len ? len : 1);
		assert_non_null(p);
		if (i & 1) {
			for (size_t j = 0; j < len; j++)
				p[j] = (uint8_t)(s >> (j % 56));
			/* Mostly a plausible header, to get past the
			 * cheap checks. */
			if (len && (i & 2))
				p[0] = TL_WIRE_OP_DATA_V2 << 3;
			if (len > 3 && (i & 4)) {
				p[1] = PEER >> 16;
				p[2] = PEER >> 8 & 0xff;
				p[3] = PEER & 0xff;
			}
		} else {
			dl = seal(cli, real, 200, (unsigned int)i);
			if (len > dl)
				len = dl;
			memcpy(p, real, len);
			if (len)
				p[s % len] ^= (uint8_t)(1 + (s >> 40) % 255);
		}
		{
			uint8_t *copy = malloc(len ? len : 1);
			size_t pt_len;

			assert_non_null(copy);
			memcpy(copy, p, len);
			assert_int_not_equal(crypto_decrypt(srv, p, len,
							    &pt_len, NULL),
					     CRYPTO_OK);
			assert_memory_equal(p, copy, len);
			free(copy);
		}
		free(p);
	}
	/* And the tunnel goes on. */
	{
		size_t dl = seal(cli, real, 200, 1);

		expect(srv, real, dl, CRYPTO_OK);
	}
	free_pair(cli, srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_encode_decode),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tamper_every_bit),
		cmocka_unit_test(test_header_is_authenticated),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_wrong_opcode),
		cmocka_unit_test(test_unknown_key_id_and_peer),
		cmocka_unit_test(test_replay_and_too_old),
		cmocka_unit_test(test_directions_differ),
		cmocka_unit_test(test_info_fields),
		cmocka_unit_test(test_key_switch),
		cmocka_unit_test(test_pid_exhaustion),
		cmocka_unit_test(test_known_answer_aes_gcm),
		cmocka_unit_test(test_known_answer_chacha),
		cmocka_unit_test(test_layout_by_hand),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
