/*
 * `--user` resolved as Docker (runc's user package) does, from the
 * container's own /etc/passwd and /etc/group, read inside the rootfs with
 * sv_open_in_root (an image's symlinked /etc/passwd cannot point at the
 * host's).
 *
 * Ids are 32-bit and 4294967295 means "unchanged" to setuid(2): an id that
 * does not fit, in the spec or in the image's files, is refused, never
 * wrapped (attacks.md item 8: a uid of 2^32 must not become root).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers-internal.h"

#define ID_MAX 4294967294LL

static bool parse_id(const char *s, uint32_t *out)
{
	int64_t v;
	if (!s || !*s || !isdigit((unsigned char)*s) || !sv_str_to_i64(s, 0, ID_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Lines of an /etc file inside the root, split at ':'. Missing: empty. */
static char **read_db(int rootfd, const char *path, sv_err **err)
{
	SV_AUTOCLOSE int fd = sv_open_in_root(rootfd, path, O_RDONLY, 0, NULL);
	char **lines = sv_xcalloc(1, sizeof *lines);
	if (fd < 0)
		return lines;
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_fd(fd, 4 << 20, &b, err) < 0) {
		sv_strv_free(lines);
		return NULL;
	}
	sv_strv_free(lines);
	return sv_strv_split(b.data, '\n', true);
}

/* Finds a passwd line by name or uid; fields in *f (owned). 1 found. */
static int find_passwd(char **lines, const char *name, const uint32_t *uid, char ***f, sv_err **err)
{
	for (size_t i = 0; lines[i]; i++) {
		if (lines[i][0] == '#')
			continue;
		char **v = sv_strv_split(lines[i], ':', false);
		if (sv_strv_len(v) < 4) {
			sv_strv_free(v);
			continue;
		}
		uint32_t u;
		bool ok = parse_id(v[2], &u);
		bool match = name ? strcmp(v[0], name) == 0 : ok && u == *uid;
		if (match && !ok) {
			sv_err_setx(err, EINVAL, "user %s: uid %s in /etc/passwd is out of range", v[0], v[2]);
			sv_strv_free(v);
			return -1;
		}
		if (match) {
			*f = v;
			return 1;
		}
		sv_strv_free(v);
	}
	return 0;
}

static int find_group(char **lines, const char *name, uint32_t *gid, sv_err **err)
{
	for (size_t i = 0; lines[i]; i++) {
		SV_AUTOSTRV char **v = sv_strv_split(lines[i], ':', false);
		if (sv_strv_len(v) < 3 || strcmp(v[0], name) != 0)
			continue;
		if (!parse_id(v[2], gid))
			return sv_err_setx(err, EINVAL, "group %s: gid %s in /etc/group is out of range", name, v[2]);
		return 1;
	}
	return 0;
}

/* Groups listing `user` as a member. */
static int member_groups(char **lines, const char *user, struct ctr_user *u, sv_err **err)
{
	for (size_t i = 0; user && lines[i]; i++) {
		SV_AUTOSTRV char **v = sv_strv_split(lines[i], ':', false);
		if (sv_strv_len(v) < 4)
			continue;
		SV_AUTOSTRV char **members = sv_strv_split(v[3], ',', true);
		if (!sv_strv_contains(members, user))
			continue;
		uint32_t g;
		if (!parse_id(v[2], &g))
			return sv_err_setx(err, EINVAL, "group %s: gid %s in /etc/group is out of range", v[0], v[2]);
		if (g == u->gid)
			continue;
		u->gids = sv_xrealloc(u->gids, (u->ngids + 1) * sizeof *u->gids);
		u->gids[u->ngids++] = g;
	}
	return 0;
}

static int resolve_user_part(int rootfd, const char *spec, struct ctr_user *u, char **uname, sv_err **err)
{
	SV_AUTOSTRV char **pw = read_db(rootfd, "/etc/passwd", err);
	if (!pw)
		return -1;
	SV_AUTOSTRV char **f = NULL;
	int found;
	if (all_digits(spec)) {
		if (!parse_id(spec, &u->uid))
			return sv_err_setx(err, EINVAL, "uid %s is out of range (0-%lld)", spec, ID_MAX);
		found = find_passwd(pw, NULL, &u->uid, &f, err);
	} else {
		found = find_passwd(pw, spec, NULL, &f, err);
		if (found == 0)
			return sv_err_setx(err, EINVAL, "unable to find user %s: no matching entries in passwd file", spec);
	}
	if (found < 0)
		return -1;
	if (found) {
		if (!all_digits(spec) && !parse_id(f[2], &u->uid))
			return sv_err_setx(err, EINVAL, "user %s: uid %s is out of range", spec, f[2]);
		if (!parse_id(f[3], &u->gid))
			return sv_err_setx(err, EINVAL, "user %s: gid %s in /etc/passwd is out of range", f[0], f[3]);
		u->home = sv_xstrdup(sv_strv_len(f) > 5 && *f[5] ? f[5] : "/");
		*uname = sv_xstrdup(f[0]);
	} else {
		u->home = sv_xstrdup("/");
	}
	return 0;
}

int ctr_user_resolve(int rootfd, const char *spec, struct ctr_user *u, sv_err **err)
{
	memset(u, 0, sizeof *u);
	const char *s = spec && *spec ? spec : "0";
	const char *colon = strchr(s, ':');
	SV_AUTOFREE char *user = colon ? sv_xstrndup(s, (size_t)(colon - s)) : sv_xstrdup(s);
	const char *group = colon ? colon + 1 : NULL;
	SV_AUTOFREE char *uname = NULL;
	SV_AUTOSTRV char **gr = NULL;
	if (!*user)
		return sv_err_setx(err, EINVAL, "invalid user: %s", s);
	if (resolve_user_part(rootfd, user, u, &uname, err) < 0)
		goto fail;
	gr = read_db(rootfd, "/etc/group", err);
	if (!gr)
		goto fail;
	if (group && *group) {
		if (all_digits(group)) {
			if (!parse_id(group, &u->gid)) {
				sv_err_setx(err, EINVAL, "gid %s is out of range (0-%lld)", group, ID_MAX);
				goto fail;
			}
		} else {
			int found = find_group(gr, group, &u->gid, err);
			if (found == 0)
				sv_err_setx(err, EINVAL, "unable to find group %s: no matching entries in group file",
					    group);
			if (found <= 0)
				goto fail;
		}
	}
	/* The primary group first, as containerd and Docker list it. */
	u->gids = sv_xrealloc(u->gids, sizeof *u->gids);
	u->gids[0] = u->gid;
	u->ngids = 1;
	if (member_groups(gr, uname, u, err) < 0)
		goto fail;
	return 0;
fail:
	ctr_user_release(u);
	return -1;
}

void ctr_user_release(struct ctr_user *u)
{
	free(u->gids);
	free(u->home);
	memset(u, 0, sizeof *u);
}
