/*
 * registries.json and certs.d.
 *
 *   {
 *     "max-concurrent-downloads": 3,
 *     "retries": 4,                       // per request, with backoff
 *     "timeout": 30,                      // seconds: connect; no progress
 *     "insecure-registries": ["127.0.0.1:5000"],
 *     "registry-mirrors": ["https://mirror.example"],   // for docker.io
 *     "registries": {
 *       "localhost:5000": { "insecure": true,
 *                           "mirrors": ["http://127.0.0.1:5001", "m:5002"] }
 *     }
 *   }
 *
 * An insecure registry may be reached over plain HTTP or TLS that is not
 * verified; nothing else may. CA certificates for a host sit in
 * <config dir>/certs.d/<host[:port]>/ (every *.crt, added to the system
 * ones), with client.cert/client.key for TLS client authentication, as
 * Docker lays them out.
 */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry-internal.h"

#define CONFIG_MAX (1u << 20)

static int config_int(const cJSON *j, const char *key, int min, int max, int def, int *out, sv_err **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!v) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < min || v->valuedouble > max)
		return sv_err_setx(err, EINVAL, "\"%s\" must be a number from %d to %d", key, min, max);
	*out = (int)v->valuedouble;
	return 0;
}

static int config_strv(const cJSON *j, const char *key, char ***out, sv_err **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!v) {
		*out = sv_xcalloc(1, sizeof **out);
		return 0;
	}
	if (sv_json_strv(v, out, err) < 0)
		return sv_err_prefix(err, "\"%s\"", key);
	return 0;
}

static int parse_hosts(struct reg_config *c, const cJSON *regs, sv_err **err)
{
	if (!regs)
		return 0;
	if (!cJSON_IsObject(regs))
		return sv_err_setx(err, EINVAL, "\"registries\" must be an object");
	c->hosts = sv_xcalloc((size_t)cJSON_GetArraySize(regs) + 1, sizeof *c->hosts);
	const cJSON *it;
	cJSON_ArrayForEach(it, regs)
	{
		if (!cJSON_IsObject(it))
			return sv_err_setx(err, EINVAL, "registries.\"%s\" must be an object", it->string);
		struct reg_host_cfg *h = &c->hosts[c->nhosts++];
		h->host = reg_host_normalize(it->string);
		if (!h->host)
			return sv_err_setx(err, EINVAL, "registries: empty registry name");
		h->insecure = sv_json_bool(it, "insecure", false);
		if (config_strv(it, "mirrors", &h->mirrors, err) < 0)
			return sv_err_prefix(err, "registries.\"%s\"", it->string);
	}
	return 0;
}

static int config_parse(struct reg_config *c, const char *text, size_t len, sv_err **err)
{
	SV_AUTOJSON cJSON *j = sv_json_parse(text, len, CONFIG_MAX, "registries configuration", err);
	if (!j)
		return -1;
	if (!cJSON_IsObject(j))
		return sv_err_setx(err, EINVAL, "want a JSON object");
	if (config_int(j, "max-concurrent-downloads", 1, 64, SV_REGISTRY_DEFAULT_PARALLEL, &c->parallel, err) < 0 ||
	    config_int(j, "retries", 0, 20, REG_DEFAULT_RETRIES, &c->retries, err) < 0 ||
	    config_int(j, "timeout", 1, 3600, REG_DEFAULT_TIMEOUT, &c->timeout, err) < 0)
		return -1;
	sv_strv_free(c->insecure);
	c->insecure = NULL;
	if (config_strv(j, "insecure-registries", &c->insecure, err) < 0)
		return -1;
	for (size_t i = 0; c->insecure[i]; i++) {
		char *n = reg_host_normalize(c->insecure[i]);
		free(c->insecure[i]);
		c->insecure[i] = n ? n : sv_xstrdup("");
	}
	if (parse_hosts(c, sv_json_obj(j, "registries"), err) < 0)
		return -1;
	char **hub = NULL;
	if (config_strv(j, "registry-mirrors", &hub, err) < 0)
		return -1;
	if (!hub[0]) {
		sv_strv_free(hub);
		return 0;
	}
	c->hosts = sv_xrealloc(c->hosts, (c->nhosts + 1) * sizeof *c->hosts);
	c->hosts[c->nhosts++] = (struct reg_host_cfg){ .host = sv_xstrdup("docker.io"), .mirrors = hub };
	return 0;
}

int reg_config_load(struct reg_config *c, const char *file, bool must_exist, const char *config_dir,
		    sv_err **err)
{
	memset(c, 0, sizeof *c);
	c->parallel = SV_REGISTRY_DEFAULT_PARALLEL;
	c->retries = REG_DEFAULT_RETRIES;
	c->timeout = REG_DEFAULT_TIMEOUT;
	c->insecure = sv_xcalloc(1, sizeof *c->insecure);
	c->certs_dir = sv_path_join(config_dir, "certs.d");
	SV_AUTOBUF struct sv_buf text;
	sv_buf_init(&text);
	SV_AUTOERR sv_err *rerr = NULL;
	if (sv_read_file(file, CONFIG_MAX, &text, &rerr) < 0) {
		if (rerr->code == ENOENT && !must_exist)
			return 0;
		sv_err_setx(err, rerr->code, "%s", rerr->msg);
		return -1;
	}
	if (config_parse(c, text.data, text.len, err) < 0)
		return sv_err_prefix(err, "%s", file);
	return 0;
}

void reg_config_release(struct reg_config *c)
{
	sv_strv_free(c->insecure);
	for (size_t i = 0; i < c->nhosts; i++) {
		free(c->hosts[i].host);
		sv_strv_free(c->hosts[i].mirrors);
	}
	free(c->hosts);
	free(c->certs_dir);
	memset(c, 0, sizeof *c);
}

static const struct reg_host_cfg *host_cfg(const struct reg_config *c, const char *host)
{
	for (size_t i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].host, host))
			return &c->hosts[i];
	return NULL;
}

bool reg_config_insecure(const struct reg_config *c, const char *host)
{
	const struct reg_host_cfg *h = host_cfg(c, host);
	return (h && h->insecure) || sv_strv_contains(c->insecure, host);
}

char *const *reg_config_mirrors(const struct reg_config *c, const char *host)
{
	const struct reg_host_cfg *h = host_cfg(c, host);
	return h && h->mirrors && h->mirrors[0] ? h->mirrors : NULL;
}

/* ---------------------------------------------------------------- TLS files */

/* The system bundle curl was built with, plus the .crt files of certs.d/<host>/. */
static void load_ca(struct reg_endpoint *ep, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct sv_buf crts;
	sv_buf_init(&crts);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!sv_str_has_suffix(de->d_name, ".crt") || de->d_name[0] == '.')
			continue;
		SV_AUTOFREE char *p = sv_path_join(dir, de->d_name);
		SV_AUTOERR sv_err *e = NULL;
		if (sv_read_file(p, 1u << 20, &crts, &e) < 0)
			sv_warn("certs.d: %s", e->msg);
		sv_buf_addc(&crts, '\n');
	}
	closedir(d);
	if (crts.len == 0) {
		sv_buf_release(&crts);
		return;
	}
	struct sv_buf all;
	sv_buf_init(&all);
	curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	const char *sys = v && v->cainfo ? v->cainfo : "/etc/ssl/certs/ca-certificates.crt";
	SV_AUTOERR sv_err *e = NULL;
	if (sv_read_file(sys, 8u << 20, &all, &e) < 0)
		sv_debug("system CA bundle: %s", e->msg);
	sv_buf_addc(&all, '\n');
	sv_buf_add(&all, crts.data, crts.len);
	sv_buf_release(&crts);
	ep->ca_blob = sv_buf_detach(&all, &ep->ca_len);
}

static void load_tls_files(struct reg_endpoint *ep, const char *certs_dir)
{
	if (!certs_dir)
		return;
	SV_AUTOFREE char *dir = sv_path_join(certs_dir, ep->host);
	load_ca(ep, dir);
	SV_AUTOFREE char *cert = sv_path_join(dir, "client.cert");
	SV_AUTOFREE char *key = sv_path_join(dir, "client.key");
	if (access(cert, R_OK) == 0 && access(key, R_OK) == 0) {
		ep->client_cert = sv_steal_ptr(&cert);
		ep->client_key = sv_steal_ptr(&key);
	}
}

/* ---------------------------------------------------------------- endpoints */

const char *reg_api_host(const char *domain)
{
	return strcmp(domain, SV_REF_DEFAULT_DOMAIN) == 0 ? REG_DOCKER_HUB_API : domain;
}

struct reg_endpoint *reg_endpoint_get(sv_registry *r, const char *host, const char *scheme, bool mirror,
				      sv_err **err)
{
	if (!host || !*host || strpbrk(host, "/ \t\r\n@?#"))
		return sv_err_setx(err, EINVAL, "invalid registry host '%s'", host ? host : ""), NULL;
	pthread_mutex_lock(&r->mu);
	struct reg_endpoint *ep;
	for (ep = r->endpoints; ep; ep = ep->next)
		if (!strcmp(ep->host, host) && (!scheme || (ep->fixed_scheme && !strcmp(ep->scheme, scheme))) &&
		    (scheme || !ep->fixed_scheme))
			break;
	if (!ep) {
		ep = sv_xcalloc(1, sizeof *ep);
		ep->host = sv_xstrdup(host);
		ep->mirror = mirror;
		/* Docker Hub's API host shares the credentials of docker.io. */
		const char *key = strcmp(host, REG_DOCKER_HUB_API) == 0 ? SV_REF_DEFAULT_DOMAIN : host;
		ep->insecure = reg_config_insecure(&r->cfg, key) || reg_config_insecure(&r->cfg, host);
		if (scheme) {
			ep->scheme = sv_xstrdup(scheme);
			ep->fixed_scheme = true;
		} else if (!ep->insecure) {
			ep->scheme = sv_xstrdup("https");
		}
		pthread_mutex_init(&ep->mu, NULL);
		const char *u, *p;
		if (reg_creds_find(r, key, &u, &p)) {
			ep->user = sv_xstrdup(u);
			ep->password = sv_xstrdup(p);
		}
		load_tls_files(ep, r->cfg.certs_dir);
		ep->next = r->endpoints;
		r->endpoints = ep;
	}
	pthread_mutex_unlock(&r->mu);
	return ep;
}

struct reg_endpoint *reg_endpoint_private(const struct reg_endpoint *ep, const char *user, const char *password)
{
	struct reg_endpoint *p = sv_xcalloc(1, sizeof *p);
	p->host = sv_xstrdup(ep->host);
	p->fixed_scheme = ep->fixed_scheme;
	if (ep->fixed_scheme || !ep->insecure)
		p->scheme = sv_xstrdup(ep->scheme);
	p->insecure = ep->insecure;
	p->mirror = ep->mirror;
	pthread_mutex_init(&p->mu, NULL);
	p->user = user ? sv_xstrdup(user) : NULL;
	p->password = password ? sv_xstrdup(password) : NULL;
	if (ep->ca_blob) {
		p->ca_blob = sv_xmalloc(ep->ca_len);
		memcpy(p->ca_blob, ep->ca_blob, ep->ca_len);
		p->ca_len = ep->ca_len;
	}
	p->client_cert = ep->client_cert ? sv_xstrdup(ep->client_cert) : NULL;
	p->client_key = ep->client_key ? sv_xstrdup(ep->client_key) : NULL;
	return p;
}

void reg_endpoint_free(struct reg_endpoint *ep)
{
	if (!ep)
		return;
	free(ep->host);
	free(ep->scheme);
	free(ep->realm);
	free(ep->service);
	free(ep->user);
	if (ep->password)
		memset(ep->password, 0, strlen(ep->password));
	free(ep->password);
	free(ep->ca_blob);
	free(ep->client_cert);
	free(ep->client_key);
	pthread_mutex_destroy(&ep->mu);
	free(ep);
}

/* "http://h:p", "https://h:p/" or "h:p" → host and forced scheme. */
static struct reg_endpoint *mirror_endpoint(sv_registry *r, const char *m, sv_err **err)
{
	const char *scheme = NULL;
	if (sv_str_has_prefix(m, "http://"))
		scheme = "http";
	else if (sv_str_has_prefix(m, "https://"))
		scheme = "https";
	SV_AUTOFREE char *host = reg_host_normalize(m);
	if (!host)
		return sv_err_setx(err, EINVAL, "invalid mirror '%s'", m), NULL;
	return reg_endpoint_get(r, host, scheme, true, err);
}

int reg_pull_endpoints(sv_registry *r, const char *domain, struct reg_endpoint ***out, size_t *n, sv_err **err)
{
	char *const *mirrors = reg_config_mirrors(&r->cfg, domain);
	size_t nm = mirrors ? sv_strv_len(mirrors) : 0;
	struct reg_endpoint **v = sv_xcalloc(nm + 2, sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < nm; i++) {
		SV_AUTOERR sv_err *e = NULL;
		struct reg_endpoint *ep = mirror_endpoint(r, mirrors[i], &e);
		if (ep)
			v[k++] = ep;
		else
			sv_warn("%s: mirror skipped: %s", domain, e->msg);
	}
	v[k] = reg_endpoint_get(r, reg_api_host(domain), NULL, false, err);
	if (!v[k]) {
		free(v);
		return -1;
	}
	*out = v;
	*n = k + 1;
	return 0;
}
