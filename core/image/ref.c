/*
 * Image references, normalised as Docker does (distribution/reference):
 *
 *   reference  := name [ ":" tag ] [ "@" digest ]
 *   name       := [domain "/"] component ("/" component)*
 *   domain     := host [":" port]   (first part with '.', ':', or "localhost",
 *                                    or an IPv6 literal in brackets)
 *   component  := [a-z0-9]+ ((sep) [a-z0-9]+)*   sep := "." | "_" | "__" | "-"+
 *   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * No domain means docker.io; a single docker.io component gets "library/";
 * no tag and no digest means ":latest".
 */
#include "image/image.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool valid_component(const char *s, size_t n)
{
	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_lower_alnum(s[i]))
			continue;
		if (s[i] == '.' || s[i] == '-') {
			/* '.' alone; '-' in runs; both only between alnums */
			if (s[i] == '.' && !is_lower_alnum(s[i + 1]))
				return false;
			continue;
		}
		if (s[i] == '_') {
			if (s[i + 1] == '_')
				i++;
			if (!is_lower_alnum(s[i + 1]))
				return false;
			continue;
		}
		return false;
	}
	/* "-" runs may not touch '.' or '_' */
	for (size_t i = 0; i + 1 < n; i++)
		if ((s[i] == '-' && (s[i + 1] == '.' || s[i + 1] == '_')) ||
		    ((s[i] == '.' || s[i] == '_') && s[i + 1] == '-'))
			return false;
	return true;
}

static bool valid_domain(const char *s, size_t n)
{
	if (n == 0)
		return false;
	size_t host_end = n;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		if (!close)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return false;
		host_end = (size_t)(close - s) + 1;
	} else {
		const char *colon = memchr(s, ':', n);
		if (colon)
			host_end = (size_t)(colon - s);
		if (host_end == 0)
			return false;
		/* labels: alnum, with '-' inside, separated by '.' */
		size_t lab = 0;
		for (size_t i = 0; i < host_end; i++) {
			char c = s[i];
			if (c == '.') {
				if (lab == 0 || s[i - 1] == '-')
					return false;
				lab = 0;
				continue;
			}
			if (!isalnum((unsigned char)c) && c != '-')
				return false;
			if (c == '-' && lab == 0)
				return false;
			lab++;
		}
		if (lab == 0 || s[host_end - 1] == '-')
			return false;
	}
	if (host_end == n)
		return true;
	if (s[host_end] != ':' || host_end + 1 == n)
		return false;
	for (size_t i = host_end + 1; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool valid_tag(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > 128)
		return false;
	if (!isalnum((unsigned char)t[0]) && t[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

bool sv_ref_is_id_prefix(const char *s)
{
	if (sv_str_has_prefix(s, "sha256:"))
		s += 7;
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Is the first path element a registry host? */
static bool looks_like_domain(const char *s, size_t n)
{
	if (n == 9 && memcmp(s, "localhost", 9) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || s[i] == '[' || isupper((unsigned char)s[i]))
			return true;
	return false;
}

static int ref_split(const char *s, struct sv_ref *out, sv_err **err)
{
	SV_AUTOFREE char *work = sv_xstrdup(s);
	char *at = strchr(work, '@');
	if (at) {
		*at = '\0';
		if (sv_digest_validate(at + 1, err) < 0)
			return sv_err_prefix(err, "invalid reference format");
		out->digest = sv_xstrdup(at + 1);
	}
	/* A tag is after the last ':' that follows the last '/'. */
	char *slash = strrchr(work, '/');
	char *colon = strrchr(slash ? slash : work, ':');
	if (colon) {
		*colon = '\0';
		if (!valid_tag(colon + 1))
			return sv_err_setx(err, EINVAL, "invalid reference format: invalid tag '%s'", colon + 1);
		out->tag = sv_xstrdup(colon + 1);
	}
	const char *name = work;
	const char *first_slash = strchr(name, '/');
	if (first_slash && looks_like_domain(name, (size_t)(first_slash - name))) {
		size_t dn = (size_t)(first_slash - name);
		if (!valid_domain(name, dn))
			return sv_err_setx(err, EINVAL, "invalid reference format: bad registry host in '%s'", s);
		out->domain = sv_xstrndup(name, dn);
		name = first_slash + 1;
	} else {
		out->domain = sv_xstrdup(SV_REF_DEFAULT_DOMAIN);
	}
	if (strcmp(out->domain, "index.docker.io") == 0 || strcmp(out->domain, "registry-1.docker.io") == 0) {
		free(out->domain);
		out->domain = sv_xstrdup(SV_REF_DEFAULT_DOMAIN);
	}
	for (const char *p = name; *p; p++)
		if (isupper((unsigned char)*p))
			return sv_err_setx(err, EINVAL, "invalid reference format: repository name (%s) must be lowercase", name);
	const char *c = name;
	for (;;) {
		const char *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);
		if (!valid_component(c, n))
			return sv_err_setx(err, EINVAL, "invalid reference format: '%s'", s);
		if (!end)
			break;
		c = end + 1;
	}
	if (strcmp(out->domain, SV_REF_DEFAULT_DOMAIN) == 0 && !strchr(name, '/'))
		out->path = sv_xasprintf("library/%s", name);
	else
		out->path = sv_xstrdup(name);
	return 0;
}

int sv_ref_parse(const char *s, struct sv_ref *out, sv_err **err)
{
	memset(out, 0, sizeof *out);
	if (!s || !*s)
		return sv_err_setx(err, EINVAL, "invalid reference format: empty name");
	if (strlen(s) > 4096)
		return sv_err_setx(err, EINVAL, "invalid reference format: name too long");
	/* A bare 64-hex string is an id, never a repository (Docker's rule). */
	if (strlen(s) == 64 && sv_ref_is_id_prefix(s))
		return sv_err_setx(err, EINVAL, "invalid repository name (%s), cannot specify 64-byte hexadecimal strings", s);
	if (ref_split(s, out, err) < 0) {
		sv_ref_release(out);
		return -1;
	}
	SV_AUTOFREE char *full = sv_ref_name(out);
	if (strlen(full) > SV_REF_MAX_NAME) {
		sv_ref_release(out);
		return sv_err_setx(err, EINVAL, "invalid reference format: repository name must not be more than %d characters", SV_REF_MAX_NAME);
	}
	if (!out->tag && !out->digest)
		out->tag = sv_xstrdup("latest");
	return 0;
}

void sv_ref_release(struct sv_ref *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof *r);
}

char *sv_ref_name(const struct sv_ref *r)
{
	return sv_xasprintf("%s/%s", r->domain, r->path);
}

static char *ref_format(const char *domain, const char *path, const struct sv_ref *r)
{
	struct sv_buf b;
	sv_buf_init(&b);
	if (domain)
		sv_buf_addf(&b, "%s/", domain);
	sv_buf_adds(&b, path);
	if (r->tag)
		sv_buf_addf(&b, ":%s", r->tag);
	if (r->digest)
		sv_buf_addf(&b, "@%s", r->digest);
	return sv_buf_detach(&b, NULL);
}

char *sv_ref_string(const struct sv_ref *r)
{
	return ref_format(r->domain, r->path, r);
}

char *sv_ref_familiar(const struct sv_ref *r)
{
	if (strcmp(r->domain, SV_REF_DEFAULT_DOMAIN) != 0)
		return ref_format(r->domain, r->path, r);
	const char *path = r->path;
	if (sv_str_has_prefix(path, "library/") && !strchr(path + 8, '/'))
		path += 8;
	/* Without "docker.io/", a first part like "a.b" would read as a
	 * registry host: keep the domain so the short form means the same. */
	const char *slash = strchr(path, '/');
	if (slash && looks_like_domain(path, (size_t)(slash - path)))
		return ref_format(r->domain, r->path, r);
	return ref_format(NULL, path, r);
}

char *sv_ref_familiarize(const char *full)
{
	struct sv_ref r;
	if (sv_ref_parse(full, &r, NULL) < 0)
		return sv_xstrdup(full);
	char *f = sv_ref_familiar(&r);
	sv_ref_release(&r);
	return f;
}
