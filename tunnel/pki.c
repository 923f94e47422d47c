// SPDX-License-Identifier: GPL-2.0-only
/*
 * The lab's PKI with OpenSSL's API: a self-signed CA, then server and client
 * certificates it signs.  Keys are written 0600 through a temporary file and
 * a rename; loading a key that group or others can read is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "pki.h"

#define KEY_FILE_MAX	(64 * 1024)	/* a PEM key is far smaller */
#define SKEW_SECS	3600		/* notBefore this far in the past */
#define DAY_SECS	86400L

/* A loaded or new CA: what issuing a certificate needs. */
struct ca {
	EVP_PKEY *key;
	X509 *cert;
};

/* Fill err with a message and return rc. */
static int fail(char *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, PKI_ERRBUF, fmt, ap);
	va_end(ap);
	return rc;
}

/* The reason of OpenSSL's most recent error, and clear the queue. */
static const char *ossl_reason(void)
{
	static __thread char buf[160];
	unsigned long e = ERR_peek_last_error();

	if (!e)
		snprintf(buf, sizeof(buf), "unknown OpenSSL error");
	else
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

void pki_opts_init(struct pki_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->dir = PKI_DEFAULT_DIR;
	opts->key_type = PKI_KEY_EC_P256;
	opts->days = PKI_DEFAULT_DAYS;
}

bool pki_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > PKI_NAME_MAX || name[0] == '.' || name[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

int pki_path(char *buf, size_t size, const char *dir, const char *name,
	     const char *ext)
{
	int n = snprintf(buf, size, "%s/%s.%s", dir, name, ext);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The directory of opts, the default when unset. */
static const char *opts_dir(const struct pki_opts *opts)
{
	return opts->dir && opts->dir[0] ? opts->dir : PKI_DEFAULT_DIR;
}

/* Create dir (one level) unless it exists as a directory. */
static int ensure_dir(const char *dir, char *err)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
		if (stat(dir, &st) != 0)
			return fail(err, -errno, "%s: %s", dir,
				    strerror(errno));
		if (!S_ISDIR(st.st_mode))
			return fail(err, -ENOTDIR, "%s: not a directory", dir);
		return 0;
	}
	return fail(err, -errno, "cannot create directory %s: %s", dir,
		    strerror(errno));
}

/* Does path exist? */
static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Write the memory BIO's bytes to path with mode: a temporary file in the
 * same directory, fsync, rename. */
static int write_atomic(const char *path, BIO *mem, mode_t mode, char *err)
{
	char tmp[PATH_MAX];
	char *data;
	long len;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return fail(err, -ENAMETOOLONG, "%s: name too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);	/* mode 0600 from the start */
	if (fd < 0)
		return fail(err, -errno, "cannot create %s: %s", tmp,
			    strerror(errno));
	if (fchmod(fd, mode) != 0) {
		rc = fail(err, -errno, "chmod %s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	len = BIO_get_mem_data(mem, &data);
	while (len > 0) {
		ssize_t w = write(fd, data, (size_t)len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = fail(err, -errno, "write %s: %s", tmp,
				  strerror(errno));
			goto out_unlink;
		}
		data += w;
		len -= w;
	}
	if (fsync(fd) != 0) {
		rc = fail(err, -errno, "fsync %s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = fail(err, -errno, "close %s: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = fail(err, -errno, "rename %s to %s: %s", tmp, path,
			  strerror(errno));
		goto out_unlink;
	}
	return 0;

out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}

/* Write key to path (0600) as unencrypted PKCS#8 PEM. */
static int save_key(const char *path, EVP_PKEY *key, char *err)
{
	BIO *mem = BIO_new(BIO_s_mem());
	int rc;

	if (!mem)
		return fail(err, -ENOMEM, "out of memory");
	if (!PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL)) {
		rc = fail(err, -EIO, "%s: %s", path, ossl_reason());
		goto out_free;
	}
	rc = write_atomic(path, mem, PKI_KEY_MODE, err);
out_free:
	BIO_free(mem);	/* a memory BIO clears its buffer when freed */
	return rc;
}

/* Write cert to path (0644) as PEM. */
static int save_cert(const char *path, X509 *cert, char *err)
{
	BIO *mem = BIO_new(BIO_s_mem());
	int rc;

	if (!mem)
		return fail(err, -ENOMEM, "out of memory");
	if (!PEM_write_bio_X509(mem, cert)) {
		rc = fail(err, -EIO, "%s: %s", path, ossl_reason());
		goto out_free;
	}
	rc = write_atomic(path, mem, PKI_CERT_MODE, err);
out_free:
	BIO_free(mem);
	return rc;
}

/* A PEM passphrase callback that gives none: an encrypted key fails to
 * load instead of prompting on the terminal. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int pki_load_key(const char *path, EVP_PKEY **key, char *err)
{
	unsigned char *buf = NULL;
	struct stat st;
	size_t len = 0;
	BIO *mem;
	int fd, rc = 0;

	*key = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail(err, -errno, "key file %s: %s", path,
			    strerror(errno));
	/* Check the file we opened, not the name: no race with a rename. */
	if (fstat(fd, &st) != 0) {
		rc = fail(err, -errno, "key file %s: %s", path,
			  strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(err, -EINVAL, "key file %s is not a regular file",
			  path);
		goto out_close;
	}
	if (st.st_mode & 077) {
		const char *what = (st.st_mode & 044) ?
			(st.st_mode & 004 ? "readable by others"
					  : "readable by its group") :
			"writable or executable by group or others";

		rc = fail(err, -EPERM,
			  "key file %s is %s (mode %04o); chmod 600 %s",
			  path, what, (unsigned int)(st.st_mode & 07777),
			  path);
		goto out_close;
	}
	if (st.st_size <= 0 || st.st_size > KEY_FILE_MAX) {
		rc = fail(err, -EINVAL, "key file %s: %s", path,
			  st.st_size <= 0 ? "empty" : "too large for a key");
		goto out_close;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf) {
		rc = fail(err, -ENOMEM, "out of memory");
		goto out_close;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = fail(err, -errno, "key file %s: %s", path,
				  strerror(errno));
			goto out_free;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	mem = BIO_new_mem_buf(buf, (int)len);
	if (!mem) {
		rc = fail(err, -ENOMEM, "out of memory");
		goto out_free;
	}
	*key = PEM_read_bio_PrivateKey(mem, NULL, no_passphrase, NULL);
	BIO_free(mem);
	if (!*key)
		rc = fail(err, -EINVAL, "key file %s: not a usable PEM key "
			  "(encrypted keys are not supported): %s", path,
			  ossl_reason());
out_free:
	OPENSSL_cleanse(buf, len);
	free(buf);
out_close:
	close(fd);
	return rc;
}

int pki_load_cert(const char *path, X509 **cert, char *err)
{
	BIO *in;

	*cert = NULL;
	errno = 0;
	in = BIO_new_file(path, "r");
	if (!in) {
		int e = errno ? errno : ENOENT;

		ERR_clear_error();
		return fail(err, -e, "certificate %s: %s", path, strerror(e));
	}
	*cert = PEM_read_bio_X509(in, NULL, NULL, NULL);
	BIO_free(in);
	if (!*cert)
		return fail(err, -EINVAL, "certificate %s: not a PEM "
			    "certificate: %s", path, ossl_reason());
	return 0;
}

int pki_cert_name(X509 *cert, char *buf, size_t size, char *err)
{
	X509_NAME *subj = X509_get_subject_name(cert);
	unsigned char *utf8 = NULL;
	int idx, len, rc = 0;

	idx = subj ? X509_NAME_get_index_by_NID(subj, NID_commonName, -1) : -1;
	if (idx < 0)
		return fail(err, -EBADMSG, "certificate has no common name");
	if (X509_NAME_get_index_by_NID(subj, NID_commonName, idx) >= 0)
		return fail(err, -EBADMSG,
			    "certificate has several common names");
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
					  X509_NAME_get_entry(subj, idx)));
	if (len < 0) {
		ERR_clear_error();
		return fail(err, -EBADMSG, "certificate's common name is not "
			    "a valid string");
	}
	if ((size_t)len != strlen((char *)utf8) || (size_t)len >= size ||
	    !pki_name_valid((char *)utf8)) {
		rc = fail(err, -EBADMSG, "certificate's common name is not a "
			  "valid name ([A-Za-z0-9._-], at most %d)",
			  PKI_NAME_MAX);
		goto out_free;
	}
	memcpy(buf, utf8, (size_t)len + 1);
out_free:
	OPENSSL_free(utf8);
	return rc;
}

/* A fresh key of the requested type. */
static EVP_PKEY *new_key(enum pki_key_type type)
{
	if (type == PKI_KEY_ED25519)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* Add one X509v3 extension, in the text form openssl.cnf uses. */
static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&v);
	X509V3_set_ctx(&v, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v, nid, value);
	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A certificate for key with subject CN=cn, valid from not_before to
 * not_after (offsets in seconds from now), without its extensions. */
static X509 *new_cert(EVP_PKEY *key, const char *cn, long not_before,
		      long not_after)
{
	X509 *cert = X509_new();
	BIGNUM *bn = BN_new();
	X509_NAME *name;

	if (!cert || !bn)
		goto out_free;
	/* A random positive 127-bit serial: unique without a database. */
	if (!X509_set_version(cert, X509_VERSION_3) ||
	    !BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) ||
	    !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), not_before) ||
	    !X509_gmtime_adj(X509_getm_notAfter(cert), not_after) ||
	    !X509_set_pubkey(cert, key))
		goto out_free;
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)cn, -1, -1, 0))
		goto out_free;
	BN_free(bn);
	return cert;

out_free:
	BN_free(bn);
	X509_free(cert);
	return NULL;
}

/* Sign cert with the CA's key (SHA-256, or none for Ed25519). */
static int sign_cert(X509 *cert, EVP_PKEY *ca_key)
{
	const EVP_MD *md = EVP_PKEY_get_id(ca_key) == EVP_PKEY_ED25519 ?
		NULL : EVP_sha256();

	return X509_sign(cert, ca_key, md) > 0;
}

/* Make a new self-signed CA with a per-PKI name, so that two labs' CAs
 * never look alike. */
static int make_ca(struct ca *ca, enum pki_key_type type, char *cn,
		   size_t cn_size, char *err)
{
	unsigned char rnd[3];

	ca->cert = NULL;
	ca->key = new_key(type);
	if (!ca->key)
		return fail(err, -EIO, "generating the CA key: %s",
			    ossl_reason());
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		goto out_ossl;
	snprintf(cn, cn_size, "tunlab lab CA %02x%02x%02x", rnd[0], rnd[1],
		 rnd[2]);
	ca->cert = new_cert(ca->key, cn, -SKEW_SECS, PKI_CA_DAYS * DAY_SECS);
	if (!ca->cert ||
	    !X509_set_issuer_name(ca->cert, X509_get_subject_name(ca->cert)) ||
	    !add_ext(ca->cert, ca->cert, NID_basic_constraints,
		     "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(ca->cert, ca->cert, NID_key_usage,
		     "critical,keyCertSign,cRLSign") ||
	    !add_ext(ca->cert, ca->cert, NID_subject_key_identifier, "hash") ||
	    !add_ext(ca->cert, ca->cert, NID_authority_key_identifier,
		     "keyid:always") ||
	    !sign_cert(ca->cert, ca->key))
		goto out_ossl;
	return 0;

out_ossl:
	fail(err, -EIO, "making the CA certificate: %s", ossl_reason());
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	ca->cert = NULL;
	ca->key = NULL;
	return -EIO;
}

/* Load the CA of dir, and check that its key matches its certificate. */
static int load_ca(struct ca *ca, const char *dir, char *err)
{
	char crt[PATH_MAX], key[PATH_MAX];
	int rc;

	ca->key = NULL;
	ca->cert = NULL;
	if (pki_path(crt, sizeof(crt), dir, PKI_CA_NAME, "crt") ||
	    pki_path(key, sizeof(key), dir, PKI_CA_NAME, "key"))
		return fail(err, -ENAMETOOLONG, "%s: name too long", dir);
	rc = pki_load_cert(crt, &ca->cert, err);
	if (rc)
		return rc;
	rc = pki_load_key(key, &ca->key, err);
	if (rc)
		goto out_free_cert;
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		ERR_clear_error();
		rc = fail(err, -EINVAL, "%s does not match %s", key, crt);
		goto out_free_key;
	}
	return 0;

out_free_key:
	EVP_PKEY_free(ca->key);
	ca->key = NULL;
out_free_cert:
	X509_free(ca->cert);
	ca->cert = NULL;
	return rc;
}

/* Free what a struct ca holds. */
static void free_ca(struct ca *ca)
{
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
}

/* Issue name's key and certificate with ca, and write both. */
static int issue_with(const struct ca *ca, const struct pki_opts *opts,
		      const char *name, enum pki_role role, FILE *report,
		      char *err)
{
	const char *dir = opts_dir(opts);
	bool server = role == PKI_ROLE_SERVER;
	char crt[PATH_MAX], keyp[PATH_MAX], san[PKI_NAME_MAX + 8];
	long from = -SKEW_SECS, until = opts->days * DAY_SECS;
	EVP_PKEY *key;
	X509 *cert;
	int rc;

	if (!pki_name_valid(name))
		return fail(err, -EINVAL, "'%s' is not a valid name "
			    "([A-Za-z0-9._-], at most %d)", name,
			    PKI_NAME_MAX);
	if (opts->days < 0 || opts->days > PKI_MAX_DAYS)
		return fail(err, -EINVAL, "days must be 0..%d", PKI_MAX_DAYS);
	if (pki_path(crt, sizeof(crt), dir, name, "crt") ||
	    pki_path(keyp, sizeof(keyp), dir, name, "key"))
		return fail(err, -ENAMETOOLONG, "%s: name too long", dir);
	if (opts->days == 0) {
		/* Expired since yesterday: for tests of the refusal. */
		from = -2 * DAY_SECS;
		until = -DAY_SECS;
	}
	key = new_key(opts->key_type);
	if (!key)
		return fail(err, -EIO, "generating %s's key: %s", name,
			    ossl_reason());
	snprintf(san, sizeof(san), "DNS:%s", name);
	cert = new_cert(key, name, from, until);
	if (!cert ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(ca->cert)) ||
	    !add_ext(cert, ca->cert, NID_basic_constraints,
		     "critical,CA:FALSE") ||
	    !add_ext(cert, ca->cert, NID_key_usage,
		     "critical,digitalSignature") ||
	    !add_ext(cert, ca->cert, NID_ext_key_usage,
		     server ? "serverAuth" : "clientAuth") ||
	    !add_ext(cert, ca->cert, NID_subject_key_identifier, "hash") ||
	    !add_ext(cert, ca->cert, NID_authority_key_identifier,
		     "keyid:always") ||
	    (server && !add_ext(cert, ca->cert, NID_subject_alt_name, san)) ||
	    !sign_cert(cert, ca->key)) {
		rc = fail(err, -EIO, "making %s's certificate: %s", name,
			  ossl_reason());
		goto out_free;
	}
	/* The key first: a certificate never exists without its key. */
	rc = save_key(keyp, key, err);
	if (rc)
		goto out_free;
	rc = save_cert(crt, cert, err);
	if (rc)
		goto out_free;
	if (report && opts->days == 0)
		fprintf(report, "created %s, %s: CN %s, %s, EXPIRED (--days 0, "
			"for tests)\n", crt, keyp, name,
			server ? "serverAuth" : "clientAuth");
	else if (report)
		fprintf(report, "created %s, %s: CN %s, %s, valid %d day%s\n",
			crt, keyp, name, server ? "serverAuth" : "clientAuth",
			opts->days, opts->days == 1 ? "" : "s");
out_free:
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

int pki_issue(const struct pki_opts *opts, const char *name,
	      enum pki_role role, FILE *report, char *err)
{
	struct ca ca;
	int rc;

	rc = load_ca(&ca, opts_dir(opts), err);
	if (rc)
		return rc;
	rc = issue_with(&ca, opts, name, role, report, err);
	free_ca(&ca);
	return rc;
}

/* Are both NAME.crt and NAME.key in dir? */
static bool have_pair(const char *dir, const char *name)
{
	char crt[PATH_MAX], key[PATH_MAX];

	return !pki_path(crt, sizeof(crt), dir, name, "crt") &&
	       !pki_path(key, sizeof(key), dir, name, "key") &&
	       exists(crt) && exists(key);
}

/* Check the client names: valid, not reserved, no duplicates. */
static int check_clients(const char *const *clients, size_t n, char *err)
{
	for (size_t i = 0; i < n; i++) {
		if (!pki_name_valid(clients[i]))
			return fail(err, -EINVAL, "'%s' is not a valid name "
				    "([A-Za-z0-9._-], at most %d, not "
				    "starting with '.' or '-')", clients[i],
				    PKI_NAME_MAX);
		if (!strcmp(clients[i], PKI_CA_NAME) ||
		    !strcmp(clients[i], PKI_SERVER_NAME))
			return fail(err, -EINVAL, "'%s' is reserved: choose "
				    "another client name", clients[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(clients[i], clients[j]))
				return fail(err, -EINVAL, "client '%s' is "
					    "named twice", clients[i]);
	}
	return 0;
}

int pki_create(const struct pki_opts *opts, const char *const *clients,
	       size_t n, FILE *report, char *err)
{
	const char *dir = opts_dir(opts);
	char cn[64], crt[PATH_MAX], key[PATH_MAX];
	bool new_ca;
	struct ca ca;
	int rc;

	rc = check_clients(clients, n, err);
	if (rc)
		return rc;
	if (opts->days < 0 || opts->days > PKI_MAX_DAYS)
		return fail(err, -EINVAL, "days must be 0..%d", PKI_MAX_DAYS);
	if (pki_path(crt, sizeof(crt), dir, PKI_CA_NAME, "crt") ||
	    pki_path(key, sizeof(key), dir, PKI_CA_NAME, "key"))
		return fail(err, -ENAMETOOLONG, "%s: name too long", dir);
	rc = ensure_dir(dir, err);
	if (rc)
		return rc;

	new_ca = opts->force || !have_pair(dir, PKI_CA_NAME);
	if (new_ca) {
		rc = make_ca(&ca, opts->key_type, cn, sizeof(cn), err);
		if (rc)
			return rc;
		rc = save_key(key, ca.key, err);
		if (!rc)
			rc = save_cert(crt, ca.cert, err);
		if (rc)
			goto out_free_ca;
		if (report)
			fprintf(report, "created %s, %s: CA \"%s\", valid %d "
				"days\n", crt, key, cn, PKI_CA_DAYS);
	} else {
		rc = load_ca(&ca, dir, err);
		if (rc)
			return rc;
		if (report)
			fprintf(report, "kept    %s, %s: the existing CA\n",
				crt, key);
	}

	for (size_t i = 0; i <= n; i++) {
		const char *name = i == 0 ? PKI_SERVER_NAME : clients[i - 1];

		if (!new_ca && have_pair(dir, name)) {
			if (report)
				fprintf(report, "kept    %s/%s.crt, %s/%s.key "
					"(--force replaces them)\n", dir, name,
					dir, name);
			continue;
		}
		rc = issue_with(&ca, opts, name, i == 0 ? PKI_ROLE_SERVER :
				PKI_ROLE_CLIENT, report, err);
		if (rc)
			goto out_free_ca;
	}
out_free_ca:
	free_ca(&ca);
	return rc;
}
