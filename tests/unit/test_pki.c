// SPDX-License-Identifier: GPL-2.0-only
/* The lab PKI: files and modes, certificates' names and usages, key
 * permission checks, expired certificates, another CA. */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "pki.h"

/* Remove one entry of a tree (nftw callback). */
static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Remove a temporary directory and everything in it. */
static void rm_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh temporary directory. */
static char *temp_dir(void)
{
	char *dir = strdup("/tmp/tunlab-pki-XXXXXX");

	assert_non_null(dir);
	assert_non_null(mkdtemp(dir));
	return dir;
}

/* The permission bits of dir/name. */
static unsigned int mode_of(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* Load dir/name.crt. */
static X509 *cert_of(const char *dir, const char *name)
{
	char path[PATH_MAX], err[PKI_ERRBUF];
	X509 *cert;

	assert_int_equal(pki_path(path, sizeof(path), dir, name, "crt"), 0);
	assert_int_equal(pki_load_cert(path, &cert, err), 0);
	return cert;
}

/* Does cert verify against dir's CA, for the given purpose? */
static int verifies(X509 *cert, const char *ca_dir, int purpose)
{
	X509 *ca = cert_of(ca_dir, "ca");
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *xs = X509_STORE_CTX_new();
	int ok;

	assert_int_equal(X509_STORE_add_cert(store, ca), 1);
	assert_int_equal(X509_STORE_CTX_init(xs, store, cert, NULL), 1);
	X509_STORE_CTX_set_purpose(xs, purpose);
	ok = X509_verify_cert(xs);
	X509_STORE_CTX_free(xs);
	X509_STORE_free(store);
	X509_free(ca);
	return ok;
}

/* Count the entries of dir (without . and ..). */
static int count_entries(const char *dir)
{
	char cmd[PATH_MAX + 32];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* The default PKI: files, modes, names, usages, chain, report. */
static void test_create(void **state)
{
	const char *clients[] = { "client1", "client2" };
	char *dir = temp_dir(), err[PKI_ERRBUF], cn[PKI_NAME_MAX + 1];
	char *out = NULL;
	size_t out_len = 0;
	struct pki_opts o;
	X509 *srv, *cli;
	FILE *report = open_memstream(&out, &out_len);

	(void)state;
	pki_opts_init(&o);
	o.dir = dir;
	assert_int_equal(pki_create(&o, clients, 2, report, err), 0);
	fclose(report);
	assert_non_null(strstr(out, "created"));
	assert_non_null(strstr(out, "server.key: CN server, serverAuth"));
	assert_non_null(strstr(out, "client2.key: CN client2, clientAuth"));
	free(out);

	/* Eight files and no temporary file left behind. */
	assert_int_equal(count_entries(dir), 8);
	assert_int_equal(mode_of(dir, "ca.key"), 0600);
	assert_int_equal(mode_of(dir, "server.key"), 0600);
	assert_int_equal(mode_of(dir, "client1.key"), 0600);
	assert_int_equal(mode_of(dir, "ca.crt"), 0644);
	assert_int_equal(mode_of(dir, "server.crt"), 0644);
	assert_int_equal(mode_of(dir, "client2.crt"), 0644);

	srv = cert_of(dir, "server");
	cli = cert_of(dir, "client1");
	assert_int_equal(pki_cert_name(srv, cn, sizeof(cn), err), 0);
	assert_string_equal(cn, "server");
	assert_int_equal(pki_cert_name(cli, cn, sizeof(cn), err), 0);
	assert_string_equal(cn, "client1");
	assert_true(X509_get_extension_flags(srv) & EXFLAG_XKUSAGE);
	assert_int_equal(X509_get_extended_key_usage(srv), XKU_SSL_SERVER);
	assert_int_equal(X509_get_extended_key_usage(cli), XKU_SSL_CLIENT);
	assert_int_equal(X509_check_host(srv, "server", 0, 0, NULL), 1);
	assert_int_equal(verifies(srv, dir, X509_PURPOSE_SSL_SERVER), 1);
	assert_int_equal(verifies(cli, dir, X509_PURPOSE_SSL_CLIENT), 1);
	/* The wrong usage does not verify. */
	assert_int_equal(verifies(srv, dir, X509_PURPOSE_SSL_CLIENT), 0);
	assert_int_equal(verifies(cli, dir, X509_PURPOSE_SSL_SERVER), 0);
	assert_int_equal(X509_cmp_current_time(X509_get0_notAfter(cli)), 1);
	X509_free(srv);
	X509_free(cli);
	rm_tree(dir);
	free(dir);
}

/* Keys load when 0600, and are refused, with ssh's advice, otherwise. */
static void test_key_modes(void **state)
{
	const char *clients[] = { "client1" };
	char *dir = temp_dir(), err[PKI_ERRBUF], key[PATH_MAX];
	char want[2 * PATH_MAX + 80];
	struct pki_opts o;
	EVP_PKEY *k;

	(void)state;
	pki_opts_init(&o);
	o.dir = dir;
	assert_int_equal(pki_create(&o, clients, 1, NULL, err), 0);
	assert_int_equal(pki_path(key, sizeof(key), dir, "client1", "key"), 0);
	assert_int_equal(pki_load_key(key, &k, err), 0);
	assert_int_equal(EVP_PKEY_get_id(k), EVP_PKEY_EC);
	EVP_PKEY_free(k);

	assert_int_equal(chmod(key, 0644), 0);
	assert_int_equal(pki_load_key(key, &k, err), -EPERM);
	assert_null(k);
	snprintf(want, sizeof(want), "key file %s is readable by others "
		 "(mode 0644); chmod 600 %s", key, key);
	assert_string_equal(err, want);

	assert_int_equal(chmod(key, 0640), 0);
	assert_int_equal(pki_load_key(key, &k, err), -EPERM);
	assert_non_null(strstr(err, "readable by its group (mode 0640)"));

	assert_int_equal(chmod(key, 0620), 0);
	assert_int_equal(pki_load_key(key, &k, err), -EPERM);
	assert_non_null(strstr(err, "(mode 0620); chmod 600"));

	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(pki_load_key(key, &k, err), 0);
	EVP_PKEY_free(k);

	/* A missing key, a certificate given as key, a directory. */
	assert_int_equal(pki_load_key("/nonexistent/x.key", &k, err), -ENOENT);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(pki_path(key, sizeof(key), dir, "client1", "crt"), 0);
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(pki_load_key(key, &k, err), -EINVAL);
	assert_non_null(strstr(err, "not a usable PEM key"));
	assert_int_equal(pki_load_key(dir, &k, err), -EINVAL);
	rm_tree(dir);
	free(dir);
}

/* Without --force a second run keeps the CA and the certificates and
 * adds what is new; with it, everything is replaced. */
static void test_rerun_and_force(void **state)
{
	const char *one[] = { "client1" }, *two[] = { "client1", "bob" };
	char *dir = temp_dir(), err[PKI_ERRBUF];
	char *out = NULL;
	size_t out_len = 0;
	struct pki_opts o;
	X509 *ca1, *ca2, *c1, *c2, *bob;
	FILE *report;

	(void)state;
	pki_opts_init(&o);
	o.dir = dir;
	assert_int_equal(pki_create(&o, one, 1, NULL, err), 0);
	ca1 = cert_of(dir, "ca");
	c1 = cert_of(dir, "client1");

	report = open_memstream(&out, &out_len);
	assert_int_equal(pki_create(&o, two, 2, report, err), 0);
	fclose(report);
	assert_non_null(strstr(out, "the existing CA"));
	assert_non_null(strstr(out, "client1.key (--force replaces them)"));
	assert_non_null(strstr(out, "bob.key: CN bob, clientAuth"));
	free(out);
	ca2 = cert_of(dir, "ca");
	c2 = cert_of(dir, "client1");
	assert_int_equal(X509_cmp(ca1, ca2), 0);
	assert_int_equal(X509_cmp(c1, c2), 0);
	bob = cert_of(dir, "bob");
	assert_int_equal(verifies(bob, dir, X509_PURPOSE_SSL_CLIENT), 1);
	X509_free(ca2);
	X509_free(c2);
	X509_free(bob);

	o.force = true;
	assert_int_equal(pki_create(&o, one, 1, NULL, err), 0);
	ca2 = cert_of(dir, "ca");
	c2 = cert_of(dir, "client1");
	assert_int_not_equal(X509_cmp(ca1, ca2), 0);
	assert_int_not_equal(X509_cmp(c1, c2), 0);
	assert_int_equal(verifies(c2, dir, X509_PURPOSE_SSL_CLIENT), 1);
	X509_free(ca1);
	X509_free(ca2);
	X509_free(c1);
	X509_free(c2);
	rm_tree(dir);
	free(dir);
}

/* --days 0 makes a certificate that expired yesterday. */
static void test_expired(void **state)
{
	char *dir = temp_dir(), err[PKI_ERRBUF];
	struct pki_opts o;
	X509 *old;

	(void)state;
	pki_opts_init(&o);
	o.dir = dir;
	assert_int_equal(pki_issue(&o, "old", PKI_ROLE_CLIENT, NULL, err),
			 -ENOENT);	/* no CA yet */
	assert_non_null(strstr(err, "ca.crt"));
	assert_int_equal(pki_create(&o, NULL, 0, NULL, err), 0);
	o.days = 0;
	assert_int_equal(pki_issue(&o, "old", PKI_ROLE_CLIENT, NULL, err), 0);
	old = cert_of(dir, "old");
	assert_int_equal(X509_cmp_current_time(X509_get0_notAfter(old)), -1);
	assert_int_equal(verifies(old, dir, X509_PURPOSE_SSL_CLIENT), 0);
	X509_free(old);
	o.days = -1;
	assert_int_equal(pki_issue(&o, "x", PKI_ROLE_CLIENT, NULL, err),
			 -EINVAL);
	rm_tree(dir);
	free(dir);
}

/* Two PKIs have different CAs: one's certificates fail with the other. */
static void test_other_ca(void **state)
{
	const char *clients[] = { "client1" };
	char *a = temp_dir(), *b = temp_dir(), err[PKI_ERRBUF];
	char na[128], nb[128];
	struct pki_opts o;
	X509 *ca_a, *ca_b, *cli_b;

	(void)state;
	pki_opts_init(&o);
	o.dir = a;
	assert_int_equal(pki_create(&o, clients, 1, NULL, err), 0);
	o.dir = b;
	assert_int_equal(pki_create(&o, clients, 1, NULL, err), 0);
	ca_a = cert_of(a, "ca");
	ca_b = cert_of(b, "ca");
	X509_NAME_oneline(X509_get_subject_name(ca_a), na, sizeof(na));
	X509_NAME_oneline(X509_get_subject_name(ca_b), nb, sizeof(nb));
	assert_string_not_equal(na, nb);
	assert_non_null(strstr(na, "tunlab lab CA "));
	cli_b = cert_of(b, "client1");
	assert_int_equal(verifies(cli_b, b, X509_PURPOSE_SSL_CLIENT), 1);
	assert_int_equal(verifies(cli_b, a, X509_PURPOSE_SSL_CLIENT), 0);
	X509_free(ca_a);
	X509_free(ca_b);
	X509_free(cli_b);
	rm_tree(a);
	rm_tree(b);
	free(a);
	free(b);
}

/* Ed25519 keys work the same way. */
static void test_ed25519(void **state)
{
	const char *clients[] = { "client1" };
	char *dir = temp_dir(), err[PKI_ERRBUF], key[PATH_MAX];
	struct pki_opts o;
	EVP_PKEY *k;
	X509 *cli;

	(void)state;
	pki_opts_init(&o);
	o.dir = dir;
	o.key_type = PKI_KEY_ED25519;
	assert_int_equal(pki_create(&o, clients, 1, NULL, err), 0);
	assert_int_equal(pki_path(key, sizeof(key), dir, "client1", "key"), 0);
	assert_int_equal(pki_load_key(key, &k, err), 0);
	assert_int_equal(EVP_PKEY_get_id(k), EVP_PKEY_ED25519);
	EVP_PKEY_free(k);
	cli = cert_of(dir, "client1");
	assert_int_equal(verifies(cli, dir, X509_PURPOSE_SSL_CLIENT), 1);
	X509_free(cli);
	rm_tree(dir);
	free(dir);
}

/* Names must be safe as file names and certificate names. */
static void test_names(void **state)
{
	static const char *const bad[] = {
		"", "../x", "a/b", ".hidden", "-x", "a b", "caf\xc3\xa9",
		("0123456789012345678901234567890123456789"
		 "012345678901234567890123"),		/* 64 characters */
	};
	const char *reserved[] = { "ca" }, *server[] = { "server" };
	const char *twice[] = { "bob", "bob" };
	char *dir = temp_dir(), err[PKI_ERRBUF], path[16];
	struct pki_opts o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *one[] = { bad[i] };

		assert_false(pki_name_valid(bad[i]));
		pki_opts_init(&o);
		o.dir = dir;
		assert_int_equal(pki_create(&o, one, 1, NULL, err), -EINVAL);
	}
	assert_true(pki_name_valid("client1"));
	assert_true(pki_name_valid("Alice_B.lab-2"));
	assert_int_equal(pki_create(&o, reserved, 1, NULL, err), -EINVAL);
	assert_non_null(strstr(err, "reserved"));
	assert_int_equal(pki_create(&o, server, 1, NULL, err), -EINVAL);
	assert_int_equal(pki_create(&o, twice, 2, NULL, err), -EINVAL);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(count_entries(dir), 0);	/* nothing written */
	assert_int_equal(pki_path(path, sizeof(path), "/tmp", "client1", "crt"),
			 -ENAMETOOLONG);
	/* A directory that cannot be created. */
	o.dir = "/nonexistent/pki";
	assert_true(pki_create(&o, NULL, 0, NULL, err) < 0);
	assert_non_null(strstr(err, "/nonexistent/pki"));
	rm_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_key_modes),
		cmocka_unit_test(test_rerun_and_force),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_other_ca),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
