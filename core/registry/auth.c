/*
 * Authentication: the ping that learns how an endpoint wants it, Basic
 * credentials, and Docker's bearer token flow:
 *
 *   GET /v2/ → 401 WWW-Authenticate: Bearer realm="…",service="…"
 *   GET <realm>?service=…&scope=repository:x:pull[&account=user]
 *       (Basic credentials when we have them) → {"token": "…", "expires_in": 300}
 *
 * Tokens are cached in the session per realm, service, scope and user
 * until shortly before they expire. Credentials go to a token realm only
 * over https, or when the registry itself is a listed insecure one.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry-internal.h"

/* ---------------------------------------------------------------- challenges */

void reg_challenge_release(struct reg_challenge_info *ch)
{
	free(ch->realm);
	free(ch->service);
	free(ch->scope);
	free(ch->error);
	memset(ch, 0, sizeof *ch);
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == ',')
		p++;
	return p;
}

/* key=value or key="quoted \"value\""; advances *pp. */
static bool next_param(const char **pp, char **key, char **val)
{
	const char *p = skip_ws(*pp);
	const char *k = p;
	while (*p && *p != '=' && *p != ' ' && *p != ',')
		p++;
	if (*p != '=' || p == k)
		return false;
	*key = sv_xstrndup(k, (size_t)(p - k));
	p++;
	struct sv_buf v;
	sv_buf_init(&v);
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			sv_buf_addc(&v, *p);
		}
		if (*p == '"')
			p++;
	} else {
		while (*p && *p != ',' && *p != ' ')
			sv_buf_addc(&v, *p++);
	}
	*val = sv_buf_detach(&v, NULL);
	*pp = p;
	return true;
}

void reg_challenge_parse(const char *h, struct reg_challenge_info *ch)
{
	memset(ch, 0, sizeof *ch);
	if (!h)
		return;
	const char *p = skip_ws(h);
	if (strncasecmp(p, "bearer", 6) == 0 && (p[6] == ' ' || !p[6]))
		ch->kind = REG_AUTH_BEARER;
	else if (strncasecmp(p, "basic", 5) == 0 && (p[5] == ' ' || !p[5]))
		ch->kind = REG_AUTH_BASIC;
	else
		return;
	p += ch->kind == REG_AUTH_BEARER ? 6 : 5;
	char *k, *v;
	while (next_param(&p, &k, &v)) {
		char **slot = !strcasecmp(k, "realm")	  ? &ch->realm
			      : !strcasecmp(k, "service") ? &ch->service
			      : !strcasecmp(k, "scope")	  ? &ch->scope
			      : !strcasecmp(k, "error")	  ? &ch->error
							  : NULL;
		if (slot && !*slot)
			*slot = sv_steal_ptr(&v);
		free(k);
		free(v);
	}
}

/* ---------------------------------------------------------------- ping */

static void set_challenge(struct reg_endpoint *ep, const struct reg_challenge_info *ch)
{
	ep->challenge = ch->kind ? ch->kind : REG_AUTH_NONE;
	if (ch->kind == REG_AUTH_BEARER && ch->realm) {
		free(ep->realm);
		free(ep->service);
		ep->realm = sv_xstrdup(ch->realm);
		ep->service = ch->service ? sv_xstrdup(ch->service) : NULL;
	}
}

static int ping_scheme(struct reg_conn *c, struct reg_endpoint *ep, const char *scheme, bool last, sv_err **err)
{
	SV_AUTOFREE char *url = sv_xasprintf("%s://%s/v2/", scheme, ep->host);
	struct reg_req req = { .ep = ep, .url = url, .no_auth = true, .no_retry = !last || ep->mirror };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0 && resp.status != 200 && resp.status != 401)
		rc = sv_err_setx(err, EPROTO, "%s is not a registry: GET %s answered %ld", ep->host, url, resp.status);
	if (rc == 0) {
		struct reg_challenge_info ch;
		reg_challenge_parse(resp.status == 401 ? resp.www_auth : NULL, &ch);
		if (resp.status == 401 && !ch.kind)
			rc = sv_err_setx(err, EPROTO, "%s: unsupported authentication '%.100s'", ep->host,
					 resp.www_auth ? resp.www_auth : "(none)");
		else
			set_challenge(ep, &ch);
		reg_challenge_release(&ch);
	}
	reg_resp_release(&resp);
	return rc;
}

int reg_ping(struct reg_conn *c, struct reg_endpoint *ep, sv_err **err)
{
	pthread_mutex_lock(&ep->mu);
	int rc = 0;
	if (!ep->pinged) {
		if (ep->scheme) {
			rc = ping_scheme(c, ep, ep->scheme, true, err);
		} else {
			/* An insecure registry: TLS without verification
			 * first, then plain HTTP (as Docker does). */
			SV_AUTOERR sv_err *tls_err = NULL;
			rc = ping_scheme(c, ep, "https", false, &tls_err);
			if (rc == 0) {
				ep->scheme = sv_xstrdup("https");
			} else {
				rc = ping_scheme(c, ep, "http", true, err);
				if (rc == 0)
					ep->scheme = sv_xstrdup("http");
			}
		}
		ep->pinged = rc == 0;
	}
	pthread_mutex_unlock(&ep->mu);
	return rc < 0 ? sv_err_prefix(err, "%s", ep->host) : 0;
}

/* ---------------------------------------------------------------- tokens */

static bool realm_gets_credentials(const struct reg_endpoint *ep, const char *realm)
{
	return sv_str_has_prefix(realm, "https://") || ep->insecure;
}

/* The realm and service as the endpoint knows them now (another thread
 * may learn new ones from a 401): copies taken under the lock. */
struct realm {
	char *realm, *service;
};

static void realm_get(struct reg_endpoint *ep, struct realm *out)
{
	pthread_mutex_lock(&ep->mu);
	out->realm = sv_xstrdup(ep->realm ? ep->realm : "");
	out->service = ep->service ? sv_xstrdup(ep->service) : NULL;
	pthread_mutex_unlock(&ep->mu);
}

static void realm_release(struct realm *r)
{
	free(r->realm);
	free(r->service);
}

static char *token_key(const struct reg_endpoint *ep, const struct realm *rl, const char *scope)
{
	return sv_xasprintf("%s|%s|%s|%s", rl->realm, rl->service ? rl->service : "", scope ? scope : "",
			    ep->user ? ep->user : "");
}

static char *cache_get(sv_registry *r, const char *key)
{
	char *out = NULL;
	int64_t now = sv_time_mono_ns();
	pthread_mutex_lock(&r->mu);
	for (struct reg_token *t = r->tokens; t; t = t->next)
		if (!strcmp(t->key, key) && t->expires > now)
			out = sv_xstrdup(t->token);
	pthread_mutex_unlock(&r->mu);
	return out;
}

static void cache_put(sv_registry *r, const char *key, const char *token, int64_t ttl_s)
{
	pthread_mutex_lock(&r->mu);
	struct reg_token **pp = &r->tokens;
	while (*pp && strcmp((*pp)->key, key) != 0)
		pp = &(*pp)->next;
	struct reg_token *t = *pp;
	if (!t) {
		t = sv_xcalloc(1, sizeof *t);
		t->key = sv_xstrdup(key);
		*pp = t;
	}
	free(t->token);
	t->token = token ? sv_xstrdup(token) : NULL;
	/* Expire a little early: a token must not die in flight. */
	int64_t margin = ttl_s > 20 ? 10 : ttl_s / 2;
	t->expires = token ? sv_time_mono_ns() + (ttl_s - margin) * 1000000000LL : 0;
	pthread_mutex_unlock(&r->mu);
}

void reg_tokens_free(struct reg_token *t)
{
	while (t) {
		struct reg_token *next = t->next;
		free(t->key);
		free(t->token);
		free(t);
		t = next;
	}
}

static void add_query(struct reg_conn *c, struct sv_buf *u, const char *k, const char *v)
{
	CURL *h = curl_easy_init();
	char *e = curl_easy_escape(h, v, 0);
	sv_buf_addf(u, "%c%s=%s", strchr(u->data, '?') ? '&' : '?', k, e);
	curl_free(e);
	curl_easy_cleanup(h);
	(void)c;
}

static char *token_url(struct reg_conn *c, const struct reg_endpoint *ep, const struct realm *rl, const char *scope)
{
	struct sv_buf u;
	sv_buf_init(&u);
	sv_buf_adds(&u, rl->realm);
	if (rl->service)
		add_query(c, &u, "service", rl->service);
	SV_AUTOSTRV char **scopes = scope ? sv_strv_split(scope, ' ', true) : NULL;
	for (size_t i = 0; scopes && scopes[i]; i++)
		add_query(c, &u, "scope", scopes[i]);
	if (ep->user)
		add_query(c, &u, "account", ep->user);
	return sv_buf_detach(&u, NULL);
}

static int unauthorized(const struct reg_endpoint *ep, sv_err **err)
{
	if (ep->user)
		return sv_err_setx(err, EACCES, "unauthorized: incorrect username or password for %s", ep->host);
	return sv_err_setx(err, EACCES, "unauthorized: authentication required by %s", ep->host);
}

static int fetch_token_from(struct reg_conn *c, struct reg_endpoint *ep, const struct realm *rl, const char *scope,
			    char **out, sv_err **err)
{
	SV_AUTOFREE char *url = token_url(c, ep, rl, scope);
	bool creds = ep->user && realm_gets_credentials(ep, rl->realm);
	if (ep->user && !creds)
		sv_warn("%s: credentials not sent to token realm %s (not https)", ep->host, rl->realm);
	/* The realm's own TLS settings (certs.d/<realm host>, insecure list). */
	SV_AUTOFREE char *realm_host = reg_url_host(rl->realm, NULL);
	struct reg_endpoint *tls = realm_host ? reg_endpoint_get(c->r, realm_host, NULL, false, NULL) : NULL;
	struct reg_req req = {
		.url = url,
		.ep = tls ? tls : ep,
		.no_auth = true,
		.basic_user = creds ? ep->user : NULL,
		.basic_password = creds ? ep->password : NULL,
		.max_body = REG_TOKEN_BODY_MAX,
	};
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0 && (resp.status == 401 || resp.status == 403))
		rc = unauthorized(ep, err);
	else if (rc == 0 && resp.status != 200)
		rc = reg_status_err(&req, &resp, "get token", err);
	SV_AUTOJSON cJSON *j = NULL;
	if (rc == 0 && !(j = sv_json_parse(resp.body.data, resp.body.len, REG_TOKEN_BODY_MAX, "token answer", err)))
		rc = -1;
	const char *tok = j ? sv_json_str(j, "token") : NULL;
	if (j && (!tok || !*tok))
		tok = sv_json_str(j, "access_token");
	if (rc == 0 && (!tok || !*tok || strpbrk(tok, "\r\n")))
		rc = sv_err_setx(err, EBADMSG, "token answer from %s has no usable token", rl->realm);
	if (rc == 0) {
		int64_t ttl = sv_json_i64(j, "expires_in", 60);
		if (ttl < 60)
			ttl = 60; /* the spec's minimum */
		SV_AUTOFREE char *key = token_key(ep, rl, scope);
		cache_put(c->r, key, tok, ttl);
		*out = sv_xstrdup(tok);
	}
	reg_resp_release(&resp);
	return rc;
}

static int fetch_token(struct reg_conn *c, struct reg_endpoint *ep, const char *scope, char **out, sv_err **err)
{
	struct realm rl;
	realm_get(ep, &rl);
	int rc = fetch_token_from(c, ep, &rl, scope, out, err);
	realm_release(&rl);
	return rc;
}

static int token_for(struct reg_conn *c, struct reg_endpoint *ep, const char *scope, char **out, sv_err **err)
{
	struct realm rl;
	realm_get(ep, &rl);
	SV_AUTOFREE char *key = token_key(ep, &rl, scope);
	*out = cache_get(c->r, key);
	int rc = *out ? 0 : fetch_token_from(c, ep, &rl, scope, out, err);
	realm_release(&rl);
	return rc;
}

/* Forgets the cached token for scope (it was refused). */
static void token_drop(struct reg_conn *c, struct reg_endpoint *ep, const char *scope)
{
	struct realm rl;
	realm_get(ep, &rl);
	SV_AUTOFREE char *key = token_key(ep, &rl, scope);
	cache_put(c->r, key, NULL, 0);
	realm_release(&rl);
}

int reg_auth_header(struct reg_conn *c, struct reg_endpoint *ep, const char *scope, char **out, sv_err **err)
{
	*out = NULL;
	if (reg_ping(c, ep, err) < 0)
		return -1;
	pthread_mutex_lock(&ep->mu);
	enum reg_challenge kind = ep->challenge;
	pthread_mutex_unlock(&ep->mu);
	if (kind == REG_AUTH_BASIC) {
		if (ep->user)
			*out = reg_basic_auth(ep->user, ep->password);
		return 0;
	}
	if (kind != REG_AUTH_BEARER)
		return 0;
	SV_AUTOFREE char *tok = NULL;
	if (token_for(c, ep, scope, &tok, err) < 0)
		return -1;
	*out = sv_xasprintf("Bearer %s", tok);
	return 0;
}

int reg_auth_retry(struct reg_conn *c, struct reg_endpoint *ep, const char *www_auth, const char *scope,
		   sv_err **err)
{
	struct reg_challenge_info ch;
	reg_challenge_parse(www_auth, &ch);
	int rc = 0;
	pthread_mutex_lock(&ep->mu);
	enum reg_challenge had = ep->challenge;
	if (ch.kind)
		set_challenge(ep, &ch);
	pthread_mutex_unlock(&ep->mu);
	if (ch.kind == REG_AUTH_BASIC) {
		rc = had != REG_AUTH_BASIC && ep->user ? 1 : 0;
	} else if (ch.kind == REG_AUTH_BEARER && ch.realm) {
		/* The token was refused or lacks the scope: ask again, for
		 * the scope the registry named when it named one. */
		token_drop(c, ep, scope);
		SV_AUTOFREE char *tok = NULL;
		rc = fetch_token(c, ep, scope, &tok, err) < 0 ? -1 : 1;
	}
	reg_challenge_release(&ch);
	return rc;
}

int reg_auth_check(struct reg_conn *c, struct reg_endpoint *ep, sv_err **err)
{
	if (reg_ping(c, ep, err) < 0)
		return -1;
	if (ep->challenge == REG_AUTH_BEARER) {
		token_drop(c, ep, NULL);
		SV_AUTOFREE char *tok = NULL;
		return fetch_token(c, ep, NULL, &tok, err);
	}
	if (ep->challenge != REG_AUTH_BASIC)
		return 0;
	SV_AUTOFREE char *base = reg_endpoint_base(c, ep, err);
	if (!base)
		return -1;
	struct reg_req req = { .ep = ep, .path = "/v2/" };
	struct reg_resp resp;
	reg_resp_init(&resp);
	int rc = reg_do(c, &req, &resp, err);
	if (rc == 0 && resp.status == 401)
		rc = unauthorized(ep, err);
	else if (rc == 0 && resp.status != 200)
		rc = reg_status_err(&req, &resp, "login", err);
	reg_resp_release(&resp);
	return rc;
}
