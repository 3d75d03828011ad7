/*
 * Credentials: servin's auth.json ($XDG_CONFIG_HOME/servin/auth.json,
 * mode 0600) in the `auths` format of Docker's config.json, which is read
 * too (servin's entries win):
 *
 *   { "auths": { "localhost:5000": { "auth": base64("user:password") } } }
 *
 * Keys are compared as hosts: "https://index.docker.io/v1/", "docker.io"
 * and "index.docker.io" all name Docker Hub. Entries with a separate
 * "username"/"password" pair (podman) are read as well. Credential helpers
 * (credsStore, credHelpers) are not run.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <unistd.h>

#include "registry-internal.h"

#define AUTH_FILE_MAX (4u << 20)

char *reg_host_normalize(const char *server)
{
	if (!server)
		return NULL;
	const char *s = server;
	if (strncasecmp(s, "https://", 8) == 0)
		s += 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		s += 7;
	size_t n = strcspn(s, "/");
	if (n == 0)
		return NULL;
	char *h = sv_xstrndup(s, n);
	for (char *p = h; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (!strcmp(h, REG_DOCKER_HUB_INDEX) || !strcmp(h, REG_DOCKER_HUB_API) ||
	    !strcmp(h, "registry.hub.docker.com")) {
		free(h);
		h = sv_xstrdup(SV_REF_DEFAULT_DOMAIN);
	}
	return h;
}

static char *b64_encode(const char *s)
{
	size_t n = strlen(s);
	char *out = sv_xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

char *reg_basic_auth(const char *user, const char *password)
{
	SV_AUTOFREE char *pair = sv_xasprintf("%s:%s", user, password);
	SV_AUTOFREE char *b64 = b64_encode(pair);
	memset(pair, 0, strlen(pair));
	return sv_xasprintf("Basic %s", b64);
}

/* Decodes base64 "user:password"; false for junk. */
static bool b64_userpass(const char *b64, char **user, char **pass)
{
	size_t n = strlen(b64);
	if (n == 0 || n % 4 || n > 65536)
		return false;
	unsigned char *buf = sv_xmalloc(n);
	int len = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (len < 0) {
		free(buf);
		return false;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	for (size_t i = n; i > 0 && b64[i - 1] == '='; i--)
		len--;
	char *colon = memchr(buf, ':', (size_t)len);
	if (!colon || memchr(buf, '\0', (size_t)len)) {
		free(buf);
		return false;
	}
	*user = sv_xstrndup((char *)buf, (size_t)(colon - (char *)buf));
	*pass = sv_xstrndup(colon + 1, (size_t)len - (size_t)(colon + 1 - (char *)buf));
	free(buf);
	return true;
}

static void add_cred(sv_registry *r, const char *key, const cJSON *ent)
{
	SV_AUTOFREE char *host = reg_host_normalize(key);
	if (!host || !cJSON_IsObject(ent))
		return;
	char *user = NULL, *pass = NULL;
	const char *auth = sv_json_str(ent, "auth");
	if (auth && *auth) {
		if (!b64_userpass(auth, &user, &pass)) {
			sv_warn("credentials for %s: malformed \"auth\", ignored", key);
			return;
		}
	} else if (sv_json_str(ent, "username") && sv_json_str(ent, "password")) {
		user = sv_xstrdup(sv_json_str(ent, "username"));
		pass = sv_xstrdup(sv_json_str(ent, "password"));
	} else {
		return;
	}
	r->creds = sv_xrealloc(r->creds, (r->ncreds + 1) * sizeof *r->creds);
	r->creds[r->ncreds++] = (struct reg_cred){ sv_steal_ptr(&host), user, pass };
}

static int load_file(sv_registry *r, const char *path, sv_err **err)
{
	SV_AUTOBUF struct sv_buf text;
	sv_buf_init(&text);
	SV_AUTOERR sv_err *e = NULL;
	if (sv_read_file(path, AUTH_FILE_MAX, &text, &e) < 0) {
		if (e->code == ENOENT || e->code == ENOTDIR)
			return 0;
		return sv_err_setx(err, e->code, "%s", e->msg);
	}
	SV_AUTOJSON cJSON *j = sv_json_parse(text.data, text.len, AUTH_FILE_MAX, path, err);
	if (!j)
		return -1;
	const cJSON *auths = sv_json_obj(j, "auths");
	const cJSON *it;
	cJSON_ArrayForEach(it, auths) add_cred(r, it->string, it);
	return 0;
}

int reg_creds_load(sv_registry *r, sv_err **err)
{
	if (load_file(r, r->auth_file, err) < 0)
		return -1;
	if (r->docker_config && load_file(r, r->docker_config, err) < 0)
		return -1;
	return 0;
}

void reg_creds_release(sv_registry *r)
{
	for (size_t i = 0; i < r->ncreds; i++) {
		free(r->creds[i].host);
		free(r->creds[i].user);
		if (r->creds[i].password)
			memset(r->creds[i].password, 0, strlen(r->creds[i].password));
		free(r->creds[i].password);
	}
	free(r->creds);
	r->creds = NULL;
	r->ncreds = 0;
}

bool reg_creds_find(sv_registry *r, const char *host, const char **user, const char **password)
{
	SV_AUTOFREE char *h = reg_host_normalize(host);
	for (size_t i = 0; h && i < r->ncreds; i++) {
		if (!strcmp(r->creds[i].host, h)) {
			*user = r->creds[i].user;
			*password = r->creds[i].password;
			return true;
		}
	}
	return false;
}

/* Rewrites auth.json under a lock: `edit` changes the "auths" object. */
static int rewrite(sv_registry *r, const char *host, const char *auth, sv_err **err)
{
	SV_AUTOFREE char *dir = sv_xstrdup(r->auth_file);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	if (slash && sv_mkdir_p(dir, 0700, err) < 0)
		return -1;
	SV_AUTOFREE char *lockp = sv_xasprintf("%s.lock", r->auth_file);
	SV_AUTOCLOSE int lk = open(lockp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lk < 0 || flock(lk, LOCK_EX) < 0)
		return sv_err_set(err, errno, "lock %s", lockp);
	SV_AUTOBUF struct sv_buf text;
	sv_buf_init(&text);
	SV_AUTOERR sv_err *e = NULL;
	SV_AUTOJSON cJSON *j = NULL;
	if (sv_read_file(r->auth_file, AUTH_FILE_MAX, &text, &e) == 0) {
		if (!(j = sv_json_parse(text.data, text.len, AUTH_FILE_MAX, r->auth_file, err)))
			return -1;
	} else if (e->code != ENOENT) {
		return sv_err_setx(err, e->code, "%s", e->msg);
	}
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateObject();
	}
	cJSON *auths = sv_json_obj(j, "auths");
	if (!auths) {
		cJSON_DeleteItemFromObjectCaseSensitive(j, "auths");
		auths = cJSON_AddObjectToObject(j, "auths");
	}
	/* Drop every key naming this host (Docker's URL form too). */
	bool found = false;
	for (cJSON *it = auths->child, *next; it; it = next) {
		next = it->next;
		SV_AUTOFREE char *h = reg_host_normalize(it->string);
		if (h && !strcmp(h, host)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(auths, it));
			found = true;
		}
	}
	if (!auth && !found)
		return sv_err_setx(err, ENOENT, "not logged in to %s", host);
	if (auth) {
		const char *key = strcmp(host, SV_REF_DEFAULT_DOMAIN) == 0 ? SV_REGISTRY_DOCKER_HUB_KEY : host;
		cJSON *ent = cJSON_AddObjectToObject(auths, key);
		cJSON_AddStringToObject(ent, "auth", auth);
	}
	SV_AUTOFREE char *out = sv_json_print_pretty(j);
	const char *base = slash ? slash + 1 : r->auth_file;
	SV_AUTOCLOSE int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dir);
	return sv_write_file_atomic(dfd, base, out, strlen(out), 0600, err);
}

int reg_creds_store(sv_registry *r, const char *host, const char *user, const char *password, sv_err **err)
{
	SV_AUTOFREE char *pair = sv_xasprintf("%s:%s", user, password);
	SV_AUTOFREE char *auth = b64_encode(pair);
	memset(pair, 0, strlen(pair));
	if (rewrite(r, host, auth, err) < 0)
		return sv_err_prefix(err, "store credentials in %s", r->auth_file);
	return 0;
}

int reg_creds_erase(sv_registry *r, const char *host, sv_err **err)
{
	return rewrite(r, host, NULL, err);
}
