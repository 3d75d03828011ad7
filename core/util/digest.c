/*
 * sha256 digests through OpenSSL's EVP interface (SHA-NI where the CPU has
 * it: hashing must never be the slow part of a pull or an unpack).
 */
#include "util/util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

struct sv_sha256 {
	EVP_MD_CTX *ctx;
};

sv_sha256 *sv_sha256_new(void)
{
	sv_sha256 *h = sv_xcalloc(1, sizeof *h);
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		abort(); /* only on allocation failure */
	return h;
}

void sv_sha256_update(sv_sha256 *h, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->ctx, data, len);
}

void sv_sha256_final(sv_sha256 *h, char out[SV_DIGEST_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int n = 0;
	EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < 32; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 0xf];
	}
	out[7 + 64] = '\0';
}

void sv_sha256_free(sv_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void sv_sha256_data(const void *data, size_t len, char out[SV_DIGEST_STR_LEN])
{
	if (len < (64u << 10)) {
		sv_sha256_small(data, len, out);
		return;
	}
	sv_sha256 *h = sv_sha256_new();
	sv_sha256_update(h, data, len);
	sv_sha256_final(h, out);
	sv_sha256_free(h);
}

int sv_digest_validate(const char *digest, sv_err **err)
{
	if (!digest)
		return sv_err_setx(err, EINVAL, "missing digest");
	if (!sv_str_has_prefix(digest, "sha256:")) {
		if (strchr(digest, ':'))
			return sv_err_setx(err, EINVAL, "unsupported digest algorithm in '%.80s'", digest);
		return sv_err_setx(err, EINVAL, "invalid digest '%.80s'", digest);
	}
	const char *hex = digest + 7;
	size_t n = 0;
	for (; hex[n]; n++) {
		char c = hex[n];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return sv_err_setx(err, EINVAL, "invalid digest '%.80s'", digest);
	}
	if (n != SV_DIGEST_HEX_LEN)
		return sv_err_setx(err, EINVAL, "invalid digest '%.80s': want 64 hex characters", digest);
	return 0;
}

const char *sv_digest_hex(const char *digest)
{
	const char *c = strchr(digest, ':');
	return c ? c + 1 : digest;
}
