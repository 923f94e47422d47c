/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lab's public-key infrastructure: a CA, the server's certificate and
 * the clients' certificates, made with OpenSSL's API (tunlab pki) and loaded
 * by the control channel (control.c).
 *
 *   DIR/ca.crt       the lab CA (self-signed), 0644
 *   DIR/ca.key       its key, 0600 (needed only to issue certificates)
 *   DIR/server.crt   CN "server", SAN DNS:server, extendedKeyUsage serverAuth
 *   DIR/server.key
 *   DIR/NAME.crt     CN NAME (client1, client2...), extendedKeyUsage clientAuth
 *   DIR/NAME.key
 *
 * Keys are EC P-256 (default) or Ed25519, PEM (PKCS#8, unencrypted: a lab).
 * Every file is written to a temporary name and renamed, so a crash never
 * leaves a half-written key; keys are created with mode 0600.  Loading a key
 * that its group or others may read is refused, as ssh does.
 *
 * Functions return 0 or a negative errno and fill an error buffer of
 * PKI_ERRBUF bytes, which the command prints.
 */
#ifndef TUNLAB_PKI_H
#define TUNLAB_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#define PKI_ERRBUF		512
#define PKI_NAME_MAX		63	/* a certificate name, without NUL */
#define PKI_DEFAULT_DIR		"./pki"
#define PKI_DEFAULT_DAYS	365	/* server and client certificates */
#define PKI_CA_DAYS		3650
#define PKI_MAX_DAYS		36500
#define PKI_CA_NAME		"ca"
#define PKI_SERVER_NAME		"server"	/* checked by clients */
#define PKI_KEY_MODE		0600
#define PKI_CERT_MODE		0644

enum pki_key_type {
	PKI_KEY_EC_P256,
	PKI_KEY_ED25519,
};

enum pki_role {
	PKI_ROLE_SERVER,	/* extendedKeyUsage serverAuth */
	PKI_ROLE_CLIENT,	/* extendedKeyUsage clientAuth */
};

/* What to create, and how. */
struct pki_opts {
	const char *dir;		/* NULL = PKI_DEFAULT_DIR */
	enum pki_key_type key_type;
	int days;			/* leaf validity; 0 = already expired
					 * (not after yesterday: for tests) */
	bool force;			/* replace existing files, the CA too */
};

/* Fill opts with the defaults (./pki, EC P-256, 365 days, no force). */
void pki_opts_init(struct pki_opts *opts);

/* Is name usable as a certificate name (and file name): 1 to PKI_NAME_MAX
 * of [A-Za-z0-9._-], not starting with '.' or '-'? */
bool pki_name_valid(const char *name);

/* Write DIR/NAME.EXT into buf; -ENAMETOOLONG if it does not fit. */
int pki_path(char *buf, size_t size, const char *dir, const char *name,
	     const char *ext);

/*
 * Make sure opts->dir holds a CA, the server's certificate and one for
 * each of the n clients (names as given).  Without opts->force an existing
 * CA is reused and existing certificates are kept; a new CA re-issues all.
 * Each file created (or kept) is reported on one line to report, if not
 * NULL.
 */
int pki_create(const struct pki_opts *opts, const char *const *clients,
	       size_t n, FILE *report, char *err);

/* Issue NAME's key and certificate (replacing any), signed by the CA
 * already in opts->dir; opts->days 0 makes an expired one, for tests. */
int pki_issue(const struct pki_opts *opts, const char *name,
	      enum pki_role role, FILE *report, char *err);

/* Load a PEM private key, refusing one its group or others may access
 * ("key file F is readable by others (mode 0644); chmod 600 F"). */
int pki_load_key(const char *path, EVP_PKEY **key, char *err);

/* Load a PEM certificate. */
int pki_load_cert(const char *path, X509 **cert, char *err);

/* Copy the certificate's one common name into buf; -EBADMSG (with a
 * message) when it has none, several, or one that is not a valid name. */
int pki_cert_name(X509 *cert, char *buf, size_t size, char *err);

#endif
