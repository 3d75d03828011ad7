/*
 * TLS for the TCP listener: OpenSSL driven through memory BIOs, so the
 * session sits between libuv's reads and writes without owning the socket.
 *
 * The listener requires client certificates chained to --tls-ca (Docker's
 * `--tlsverify` model): a peer without one fails the handshake. TLS 1.2 is
 * the floor.
 */
#include "api-internal.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdlib.h>

struct rest_tls_ctx {
	SSL_CTX *ctx;
};

struct rest_tls {
	SSL *ssl;
	BIO *rbio, *wbio; /* owned by ssl */
};

static int ssl_fail(sv_err **err, const char *what, const char *path)
{
	char buf[256] = "unknown error";
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return sv_err_setx(err, EINVAL, "%s %s: %s", what, path, buf);
}

int rest_tls_ctx_new(const char *cert, const char *key, const char *ca, struct rest_tls_ctx **out, sv_err **err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return ssl_fail(err, "TLS", "context");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		SSL_CTX_free(ctx);
		return ssl_fail(err, "TLS certificate", cert);
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		SSL_CTX_free(ctx);
		return ssl_fail(err, "TLS key", key);
	}
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		SSL_CTX_free(ctx);
		return ssl_fail(err, "TLS CA", ca);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	struct rest_tls_ctx *c = sv_xcalloc(1, sizeof *c);
	c->ctx = ctx;
	*out = c;
	return 0;
}

void rest_tls_ctx_free(struct rest_tls_ctx *c)
{
	if (!c)
		return;
	SSL_CTX_free(c->ctx);
	free(c);
}

struct rest_tls *rest_tls_new(struct rest_tls_ctx *c)
{
	struct rest_tls *t = sv_xcalloc(1, sizeof *t);
	t->ssl = SSL_new(c->ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (!t->ssl || !t->rbio || !t->wbio)
		abort(); /* allocation failure, as sv_xmalloc would */
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	SSL_set_accept_state(t->ssl);
	return t;
}

void rest_tls_free(struct rest_tls *t)
{
	if (!t)
		return;
	SSL_free(t->ssl);
	free(t);
}

static void drain(struct rest_tls *t, struct sv_buf *wire)
{
	char buf[16384];
	int n;
	while ((n = BIO_read(t->wbio, buf, sizeof buf)) > 0)
		sv_buf_add(wire, buf, (size_t)n);
}

int rest_tls_input(struct rest_tls *t, const void *data, size_t len, struct sv_buf *plain, struct sv_buf *wire)
{
	if (len && BIO_write(t->rbio, data, (int)len) != (int)len)
		return -1;
	char buf[16384];
	for (;;) {
		int n = SSL_read(t->ssl, buf, sizeof buf);
		if (n > 0) {
			sv_buf_add(plain, buf, (size_t)n);
			continue;
		}
		int e = SSL_get_error(t->ssl, n);
		drain(t, wire);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return 0;
		ERR_clear_error();
		/* A clean close_notify is an end of input like any other. */
		return e == SSL_ERROR_ZERO_RETURN ? 1 : -1;
	}
}

int rest_tls_output(struct rest_tls *t, const void *data, size_t len, struct sv_buf *wire)
{
	const char *p = data;
	while (len) {
		int n = SSL_write(t->ssl, p, len > 65536 ? 65536 : (int)len);
		if (n <= 0) {
			ERR_clear_error();
			return -1;
		}
		p += n;
		len -= (size_t)n;
		drain(t, wire);
	}
	drain(t, wire);
	return 0;
}
