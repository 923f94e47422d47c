// SPDX-License-Identifier: GPL-2.0-only
/*
 * The data channel's speed on one core: encrypt and decrypt through
 * tunnel/crypto.c exactly as the daemon calls it (in place, header
 * headroom, replay window, no allocation), for both ciphers at 64, 512 and
 * 1400 bytes of plaintext.  Gbit/s counts plaintext bytes, as iperf3 would
 * see them through the tunnel.
 *
 *   bench/crypto [seconds per case, default 1]
 *
 * Run it pinned, e.g. `taskset -c 1 build/bench/crypto`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"

#define BATCH	256	/* packets encrypted, then decrypted, per round */
#define SLOT	(TL_WIRE_HDR_LEN + 1500)

static const size_t sizes[] = { 64, 512, 1400 };

/* Seconds on the monotonic clock. */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One cipher at one size: rounds of BATCH encryptions then BATCH
 * decryptions until secs have passed; prints both rates. */
static int run_case(enum crypto_cipher cipher, size_t len, double secs,
		    uint8_t *pool)
{
	struct crypto_ctx *cli = NULL, *srv = NULL;
	double t_enc = 0, t_dec = 0, t0, t1, start;
	uint8_t ekm[CRYPTO_EKM_LEN];
	unsigned long long packets = 0;
	int err = -1;

	for (int i = 0; i < CRYPTO_EKM_LEN; i++)
		ekm[i] = (uint8_t)(i * 13 + 1);
	if (crypto_ctx_new(&cli, cipher, CRYPTO_CLIENT, 1) ||
	    crypto_ctx_new(&srv, cipher, CRYPTO_SERVER, 1) ||
	    crypto_key_install(cli, 0, ekm, sizeof(ekm), true) ||
	    crypto_key_install(srv, 0, ekm, sizeof(ekm), true))
		goto out;
	memset(pool, 0x5a, (size_t)BATCH * SLOT);
	start = now();
	do {
		size_t out, pt_len;

		t0 = now();
		for (int i = 0; i < BATCH; i++)
			if (crypto_encrypt(cli, pool + (size_t)i * SLOT, len,
					   &out, NULL) != CRYPTO_OK)
				goto out;
		t1 = now();
		for (int i = 0; i < BATCH; i++)
			if (crypto_decrypt(srv, pool + (size_t)i * SLOT,
					   TL_WIRE_HDR_LEN + len, &pt_len,
					   NULL) != CRYPTO_OK)
				goto out;
		t_enc += t1 - t0;
		t_dec += now() - t1;
		packets += BATCH;
	} while (now() - start < secs);

	printf("%-18s %5zu %10.2f %10.2f %9.2f %9.2f\n",
	       crypto_cipher_name(cipher), len,
	       packets * len * 8 / t_enc / 1e9, packets * len * 8 / t_dec / 1e9,
	       packets / t_enc / 1e6, packets / t_dec / 1e6);
	err = 0;
out:
	if (err)
		fprintf(stderr, "crypto bench: %s at %zu bytes failed\n",
			crypto_cipher_name(cipher), len);
	crypto_ctx_free(cli);
	crypto_ctx_free(srv);
	return err;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	uint8_t *pool = malloc((size_t)BATCH * SLOT);
	int err = 0;

	if (!pool || secs <= 0) {
		fprintf(stderr, "usage: %s [seconds per case]\n", argv[0]);
		return 2;
	}
	printf("%-18s %5s %10s %10s %9s %9s\n", "cipher", "bytes",
	       "enc Gb/s", "dec Gb/s", "enc Mpps", "dec Mpps");
	for (int c = 0; c < CRYPTO_CIPHER_MAX; c++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			err |= run_case(c, sizes[s], secs, pool);
	free(pool);
	return err ? 1 : 0;
}
