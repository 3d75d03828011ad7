/*
 * The session: configuration, credentials, endpoints and tokens, shared
 * by the threads of one pull or push; plus login, logout and tag lists.
 */
#include "registry/registry.h"

#include <curl/curl.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry-internal.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h)
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

static char *default_auth_file(void)
{
	const char *x = getenv("XDG_CONFIG_HOME");
	if (x && *x)
		return sv_xasprintf("%s/servin/auth.json", x);
	return sv_xasprintf("%s/.config/servin/auth.json", home_dir());
}

static char *default_docker_config(void)
{
	const char *d = getenv("DOCKER_CONFIG");
	if (d && *d)
		return sv_xasprintf("%s/config.json", d);
	return sv_xasprintf("%s/.docker/config.json", home_dir());
}

static struct reg_file_id file_id(const char *path)
{
	struct stat st;
	if (!path || stat(path, &st) < 0)
		return (struct reg_file_id){ -1, -1, -1 };
	return (struct reg_file_id){ (int64_t)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec,
				     (int64_t)st.st_size, (int64_t)st.st_ino };
}

static bool same_file(struct reg_file_id a, struct reg_file_id b)
{
	return a.mtime_ns == b.mtime_ns && a.size == b.size && a.ino == b.ino;
}

int sv_registry_new(const struct sv_registry_opts *opts, sv_registry **out, sv_err **err)
{
	static const struct sv_registry_opts none;
	if (!opts)
		opts = &none;
	pthread_once(&curl_once, curl_init_once);
	sv_registry *r = sv_xcalloc(1, sizeof *r);
	r->refs = 1;
	pthread_mutex_init(&r->mu, NULL);
	const char *env_dir = getenv("SERVIN_CONFIG_DIR");
	const char *dir = opts->config_dir ? opts->config_dir
			  : env_dir && *env_dir ? env_dir
						: SV_REGISTRY_CONFIG_DIR;
	SV_AUTOFREE char *file = opts->config_file ? sv_xstrdup(opts->config_file)
						   : sv_path_join(dir, "registries.json");
	r->auth_file = opts->auth_file ? sv_xstrdup(opts->auth_file) : default_auth_file();
	r->docker_config = opts->docker_config ? sv_xstrdup(opts->docker_config) : default_docker_config();
	r->config_file = sv_xstrdup(file);
	/* Taken before reading: a change while we read shows up as stale. */
	r->config_id = file_id(r->config_file);
	r->auth_id = file_id(r->auth_file);
	r->docker_id = file_id(r->docker_config);
	if (reg_config_load(&r->cfg, file, opts->config_file != NULL, dir, err) < 0 || reg_creds_load(r, err) < 0) {
		sv_registry_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

sv_registry *sv_registry_ref(sv_registry *r)
{
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

void sv_registry_free(sv_registry *r)
{
	if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (struct reg_endpoint *ep = r->endpoints, *next; ep; ep = next) {
		next = ep->next;
		reg_endpoint_free(ep);
	}
	reg_tokens_free(r->tokens);
	reg_creds_release(r);
	reg_config_release(&r->cfg);
	free(r->auth_file);
	free(r->docker_config);
	free(r->config_file);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

bool sv_registry_stale(const sv_registry *r)
{
	return !same_file(r->config_id, file_id(r->config_file)) || !same_file(r->auth_id, file_id(r->auth_file)) ||
	       !same_file(r->docker_id, file_id(r->docker_config));
}

/* ---------------------------------------------------------------- login */

char *sv_registry_server_host(const char *server, sv_err **err)
{
	char *h = reg_host_normalize(server && *server ? server : SV_REF_DEFAULT_DOMAIN);
	if (!h || strpbrk(h, " \t\r\n@?#\\\"'"))
		return free(h), sv_err_setx(err, EINVAL, "invalid registry address '%s'", server ? server : ""), NULL;
	return h;
}

int sv_registry_login_check(sv_registry *r, const char *server, const char *user, const char *password,
			    sv_err **err)
{
	SV_AUTOFREE char *host = sv_registry_server_host(server, err);
	if (!host)
		return -1;
	if (!user || !*user || strchr(user, ':'))
		return sv_err_setx(err, EINVAL, "login: a username is required (without ':')");
	if (!password || !*password)
		return sv_err_setx(err, EINVAL, "login: a password is required");
	/* A fresh endpoint that carries exactly these credentials. */
	struct reg_endpoint *shared = reg_endpoint_get(r, reg_api_host(host), NULL, false, err);
	if (!shared)
		return -1;
	struct reg_endpoint *ep = reg_endpoint_private(shared, user, password);
	struct reg_conn *c = reg_conn_new(r);
	int rc = reg_auth_check(c, ep, err);
	reg_conn_free(c);
	reg_endpoint_free(ep);
	return rc < 0 ? sv_err_prefix(err, "login to %s", host) : 0;
}

int sv_registry_login(sv_registry *r, const char *server, const char *user, const char *password, sv_err **err)
{
	if (sv_registry_login_check(r, server, user, password, err) < 0)
		return -1;
	SV_AUTOFREE char *host = sv_registry_server_host(server, err);
	return reg_creds_store(r, host, user, password, err);
}

int sv_registry_logout(sv_registry *r, const char *server, sv_err **err)
{
	SV_AUTOFREE char *host = sv_registry_server_host(server, err);
	if (!host)
		return -1;
	return reg_creds_erase(r, host, err);
}

/* ---------------------------------------------------------------- tags */

int sv_registry_tags(sv_registry *r, const char *name, char ***tags, sv_err **err)
{
	struct sv_ref ref;
	if (sv_ref_parse(name, &ref, err) < 0)
		return -1;
	/* Tags come from the registry itself: a mirror may hold only some. */
	struct reg_endpoint *ep = reg_endpoint_get(r, reg_api_host(ref.domain), NULL, false, err);
	int rc = -1;
	if (ep) {
		struct reg_conn *c = reg_conn_new(r);
		struct reg_repo repo;
		reg_repo_init(&repo, ep, ref.path);
		rc = reg_list_tags(c, &repo, tags, err);
		reg_repo_release(&repo);
		reg_conn_free(c);
	}
	sv_ref_release(&ref);
	return rc;
}
