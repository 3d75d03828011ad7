/*
 * Creating a container: Docker's create body (the POST /containers/create
 * JSON, which the CLI builds from its flags too) is validated, merged with
 * the image's config as Docker merges it (Env, Cmd/Entrypoint, WorkingDir,
 * User, Labels, StopSignal), normalised into the stored document and
 * written as one row. Nothing touches the disk until start: the row is the
 * whole truth of a created container.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <unistd.h>

#include "containers-internal.h"
#include "image/image.h"

/* ---------------------------------------------------------------- names */

static const char *const name_left[] = {
	"agile",  "bold",    "brave",  "bright",  "calm",	"clever", "cool",   "crisp",
	"daring", "eager",   "fair",   "fancy",	  "gentle",	"glad",	  "happy",  "jolly",
	"keen",	  "kind",    "lively", "lucid",	  "merry",	"mild",	  "modest", "neat",
	"nimble", "noble",   "plucky", "proud",	  "quick",	"quiet",  "rapid",  "sharp",
	"shy",	  "silent",  "sleek",  "smart",	  "snug",	"steady", "stoic",  "sunny",
	"swift",  "tender",  "tidy",   "trusty",  "vivid",	"warm",	  "wise",   "witty",
};
static const char *const name_right[] = {
	"agnesi",   "babbage",	"bardeen", "bohr",     "boole",	   "cantor",  "curie",	"darwin",
	"dijkstra", "euler",	"faraday", "fermat",   "feynman",  "franklin", "galois", "gauss",
	"germain",  "hamilton", "hopper",  "hubble",   "hypatia",  "kepler",  "knuth",	"lamarr",
	"leavitt",  "lovelace", "maxwell", "meitner",  "mendel",   "newton",  "noether", "pascal",
	"pasteur",  "planck",	"ramanujan", "riemann", "ritchie", "sagan",   "shannon", "somerville",
	"tesla",    "thompson", "turing",  "volta",    "wiles",	   "wozniak", "yalow",	"zuse",
};

static char *random_name(void)
{
	unsigned char r[4];
	char hex[9];
	sv_random_hex(hex, 8);
	for (int i = 0; i < 4; i++)
		r[i] = (unsigned char)strtoul((char[]){ hex[2 * i], hex[2 * i + 1], 0 }, NULL, 16);
	size_t nl = sizeof name_left / sizeof name_left[0], nr = sizeof name_right / sizeof name_right[0];
	return sv_xasprintf("%s_%s", name_left[(r[0] << 8 | r[1]) % nl], name_right[(r[2] << 8 | r[3]) % nr]);
}

/* ---------------------------------------------------------------- helpers */

static cJSON *strv_to_json(char *const *v)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; v && v[i]; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* A member that must be an array of strings, or null/absent. */
static int get_strv(const cJSON *obj, const char *key, char ***out, bool *present, sv_err **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (present)
		*present = v && !cJSON_IsNull(v);
	if (!v || cJSON_IsNull(v))
		return 0;
	/* Docker accepts a plain string for Cmd/Entrypoint too. */
	if (cJSON_IsString(v)) {
		sv_strv_push(out, v->valuestring);
		return 0;
	}
	if (sv_json_strv(v, out, err) < 0)
		return sv_err_prefix(err, "%s", key);
	return 0;
}

static void set_item(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, item);
}

static int64_t num(const cJSON *obj, const char *key)
{
	return sv_json_i64(obj, key, 0);
}

/* ------------------------------------------------------------ HostConfig */

static int check_memory(const cJSON *h, sv_err **err)
{
	int64_t mem = num(h, "Memory"), swap = num(h, "MemorySwap");
	if (mem < 0)
		return sv_err_setx(err, EINVAL, "invalid memory limit %lld", (long long)mem);
	if (mem > 0 && mem < 6 * 1024 * 1024)
		return sv_err_setx(err, EINVAL, "Minimum memory limit allowed is 6MB");
	if (swap > 0 && mem == 0)
		return sv_err_setx(err, EINVAL,
				   "You should always set the Memory limit when using Memoryswap limit, see usage");
	if (swap > 0 && swap < mem)
		return sv_err_setx(err, EINVAL, "Minimum memoryswap limit should be larger than memory limit, see usage");
	if (swap < -1)
		return sv_err_setx(err, EINVAL, "invalid memory swap limit %lld", (long long)swap);
	return 0;
}

/* "0-2,4" within the host's CPUs. */
static int check_cpuset(const char *s, sv_err **err)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	if (!s || !*s)
		return 0;
	SV_AUTOSTRV char **parts = sv_strv_split(s, ',', false);
	for (size_t i = 0; parts[i]; i++) {
		int64_t a, b;
		char *dash = strchr(parts[i], '-');
		if (dash)
			*dash = '\0';
		if (!sv_str_to_i64(parts[i], 0, 4095, &a) || !sv_str_to_i64(dash ? dash + 1 : parts[i], 0, 4095, &b) ||
		    b < a)
			return sv_err_setx(err, EINVAL, "invalid value %s for cpuset cpus", s);
		if (b >= ncpu)
			return sv_err_setx(err, EINVAL, "Requested CPUs are not available - requested %s, available: 0-%ld",
					   s, ncpu - 1);
	}
	return 0;
}

static int check_cpu(const cJSON *h, sv_err **err)
{
	int64_t nano = num(h, "NanoCpus"), ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (nano < 0 || nano > ncpu * 1000000000LL)
		return sv_err_setx(err, EINVAL, "Range of CPUs is from 0.01 to %lld.00, as there are only %lld CPUs available",
				   (long long)ncpu, (long long)ncpu);
	if (nano > 0 && nano < 10000000)
		return sv_err_setx(err, EINVAL, "Range of CPUs is from 0.01 to %lld.00, as there are only %lld CPUs available",
				   (long long)ncpu, (long long)ncpu);
	if (nano && (num(h, "CpuQuota") || num(h, "CpuPeriod")))
		return sv_err_setx(err, EINVAL, "Conflicting options: Nano CPUs and CPU Period cannot both be set");
	if (num(h, "CpuShares") < 0)
		return sv_err_setx(err, EINVAL, "invalid CPU shares %lld", (long long)num(h, "CpuShares"));
	return check_cpuset(sv_json_str(h, "CpusetCpus"), err);
}

static const char *const rlimit_names[] = {
	"as",	  "core",   "cpu",   "data",   "fsize",	 "locks",      "memlock", "msgqueue",
	"nice",	  "nofile", "nproc", "rss",    "rtprio", "rttime",     "sigpending", "stack",
};

static int check_ulimits(const cJSON *h, sv_err **err)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(h, "Ulimits"), *it;
	if (!u || cJSON_IsNull(u))
		return 0;
	if (!cJSON_IsArray(u))
		return sv_err_setx(err, EINVAL, "Ulimits must be an array");
	cJSON_ArrayForEach(it, u)
	{
		const char *n = sv_json_str(it, "Name");
		bool known = false;
		for (size_t i = 0; n && i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
			known |= strcmp(n, rlimit_names[i]) == 0;
		if (!known)
			return sv_err_setx(err, EINVAL, "invalid ulimit type: %s", n ? n : "(none)");
		int64_t soft = sv_json_i64(it, "Soft", 0), hard = sv_json_i64(it, "Hard", 0);
		if (soft > hard && hard >= 0)
			return sv_err_setx(err, EINVAL, "ulimit soft limit must be less than or equal to hard limit: %lld > %lld",
					   (long long)soft, (long long)hard);
	}
	return 0;
}

/* "chown", "CAP_CHOWN", "ALL" → "CAP_CHOWN" / "ALL"; NULL when unknown. */
static char *cap_normalize(const char *s)
{
	if (strcasecmp(s, "ALL") == 0)
		return sv_xstrdup("ALL");
	SV_AUTOFREE char *low = sv_xasprintf("%s%s", strncasecmp(s, "CAP_", 4) == 0 ? "" : "cap_", s);
	for (char *p = low; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	cap_value_t v;
	if (cap_from_name(low, &v) != 0)
		return NULL;
	for (char *p = low; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return sv_steal_ptr(&low);
}

static int normalize_caps(cJSON *h, const char *key, sv_err **err)
{
	SV_AUTOSTRV char **v = NULL;
	if (get_strv(h, key, &v, NULL, err) < 0)
		return -1;
	SV_AUTOSTRV char **out = NULL;
	for (size_t i = 0; v && v[i]; i++) {
		char *c = cap_normalize(v[i]);
		if (!c)
			return sv_err_setx(err, EINVAL, "unknown capability: \"%s\"", v[i]);
		if (!sv_strv_contains(out, c))
			sv_strv_push(&out, c);
		free(c);
	}
	set_item(h, key, out ? strv_to_json(out) : cJSON_CreateNull());
	return 0;
}

static int check_security_opt(const cJSON *h, sv_err **err)
{
	SV_AUTOSTRV char **v = NULL;
	if (get_strv(h, "SecurityOpt", &v, NULL, err) < 0)
		return -1;
	for (size_t i = 0; v && v[i]; i++) {
		const char *o = v[i];
		if (strcmp(o, "no-new-privileges") == 0)
			continue;
		if (sv_str_has_prefix(o, "no-new-privileges") && (o[17] == '=' || o[17] == ':')) {
			if (strcmp(o + 18, "true") && strcmp(o + 18, "false"))
				return sv_err_setx(err, EINVAL, "invalid --security-opt 2: \"%s\"", o);
			continue;
		}
		if (sv_str_has_prefix(o, "seccomp=") || sv_str_has_prefix(o, "seccomp:")) {
			const char *val = o + 8;
			if (strcmp(val, "unconfined") == 0 || strcmp(val, "builtin") == 0)
				continue;
			/* The CLI sends the file's content, as Docker's does. */
			SV_AUTOERR sv_err *e2 = NULL;
			SV_AUTOJSON cJSON *p = sv_json_parse(val, strlen(val), 1 << 20, "seccomp profile", &e2);
			if (!p || !cJSON_IsObject(p))
				return sv_err_setx(err, EINVAL, "Decoding seccomp profile failed: %s",
						   e2 ? e2->msg : "not a JSON object");
			continue;
		}
		if (sv_str_has_prefix(o, "apparmor=") || sv_str_has_prefix(o, "label=") ||
		    sv_str_has_prefix(o, "label:"))
			continue; /* no LSM here: accepted and recorded, as on a host without one */
		return sv_err_setx(err, EINVAL, "invalid --security-opt 2: \"%s\"", o);
	}
	return 0;
}

static int check_restart(cJSON *h, sv_err **err)
{
	cJSON *rp = sv_json_obj(h, "RestartPolicy");
	const char *name = rp ? sv_json_str(rp, "Name") : NULL;
	int64_t max = rp ? sv_json_i64(rp, "MaximumRetryCount", 0) : 0;
	if (!name || !*name)
		name = "no";
	if (strcmp(name, "no") && strcmp(name, "always") && strcmp(name, "unless-stopped") &&
	    strcmp(name, "on-failure"))
		return sv_err_setx(err, EINVAL, "invalid restart policy '%s'", name);
	if (max < 0)
		return sv_err_setx(err, EINVAL, "invalid restart policy: maximum retry count cannot be negative");
	if (max && strcmp(name, "on-failure"))
		return sv_err_setx(err, EINVAL,
				   "invalid restart policy: maximum retry count can only be used with 'on-failure'");
	if (strcmp(name, "no") && sv_json_bool(h, "AutoRemove", false))
		return sv_err_setx(err, EINVAL, "conflicting options: cannot specify both --restart and --rm");
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "Name", name);
	cJSON_AddNumberToObject(n, "MaximumRetryCount", (double)max);
	set_item(h, "RestartPolicy", n);
	return 0;
}

static int check_log(cJSON *h, sv_err **err)
{
	cJSON *lc = sv_json_obj(h, "LogConfig");
	const char *type = lc ? sv_json_str(lc, "Type") : NULL;
	if (!type || !*type)
		type = "json-file";
	if (strcmp(type, "json-file") && strcmp(type, "none"))
		return sv_err_setx(err, EINVAL, "logging driver \"%s\" is not supported (json-file, none)", type);
	cJSON *cfg = lc ? sv_json_obj(lc, "Config") : NULL, *it;
	cJSON *out = cJSON_CreateObject();
	cJSON_ArrayForEach(it, cfg)
	{
		int64_t v;
		const char *s = cJSON_IsString(it) ? it->valuestring : "";
		if (strcmp(it->string, "max-size") == 0 && sv_str_to_size(s, &v) && v > 0) {
		} else if (strcmp(it->string, "max-file") == 0 && sv_str_to_i64(s, 1, 1000, &v)) {
		} else if (strcmp(it->string, "mode") == 0 || strcmp(it->string, "max-buffer-size") == 0 ||
			   strcmp(it->string, "compress") == 0 || strcmp(it->string, "labels") == 0 ||
			   strcmp(it->string, "env") == 0 || strcmp(it->string, "tag") == 0) {
		} else if (strcmp(it->string, "max-size") == 0 || strcmp(it->string, "max-file") == 0) {
			cJSON_Delete(out);
			return sv_err_setx(err, EINVAL, "invalid value for log opt %s: %s", it->string, s);
		} else {
			cJSON_Delete(out);
			return sv_err_setx(err, EINVAL, "unknown log opt '%s' for %s log driver", it->string, type);
		}
		cJSON_AddStringToObject(out, it->string, s);
	}
	if (sv_json_str(out, "max-file") && !sv_json_str(out, "max-size") &&
	    strcmp(sv_json_str(out, "max-file"), "1") != 0) {
		cJSON_Delete(out);
		return sv_err_setx(err, EINVAL, "max-file cannot be set without max-size");
	}
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "Type", type);
	cJSON_AddItemToObject(n, "Config", out);
	set_item(h, "LogConfig", n);
	return 0;
}

/* Docker's HostConfig fields with their zero values, so inspect shows them. */
static void host_defaults(cJSON *h)
{
	static const char *const zero_nums[] = { "Memory", "MemorySwap", "MemoryReservation", "NanoCpus",
						 "CpuShares", "CpuPeriod", "CpuQuota", "BlkioWeight",
						 "ShmSize" };
	for (size_t i = 0; i < sizeof zero_nums / sizeof zero_nums[0]; i++)
		if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(h, zero_nums[i])))
			set_item(h, zero_nums[i], cJSON_CreateNumber(0));
	static const char *const bools[] = { "Privileged", "ReadonlyRootfs", "AutoRemove", "PublishAllPorts" };
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
		set_item(h, bools[i], cJSON_CreateBool(sv_json_bool(h, bools[i], false)));
	if (!sv_json_str(h, "CpusetCpus"))
		set_item(h, "CpusetCpus", cJSON_CreateString(""));
	if (!sv_json_str(h, "CpusetMems"))
		set_item(h, "CpusetMems", cJSON_CreateString(""));
	int64_t pids = num(h, "PidsLimit");
	set_item(h, "PidsLimit", pids > 0 ? cJSON_CreateNumber((double)pids) : cJSON_CreateNull());
	cJSON *init = cJSON_GetObjectItemCaseSensitive(h, "Init");
	set_item(h, "Init", cJSON_IsBool(init) ? cJSON_CreateBool(cJSON_IsTrue(init)) : cJSON_CreateNull());
	static const char *const arrays[] = { "Binds", "Ulimits", "SecurityOpt", "Dns", "DnsOptions", "DnsSearch",
					      "ExtraHosts", "Links", "VolumesFrom" };
	for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
		if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(h, arrays[i])))
			set_item(h, arrays[i], cJSON_CreateNull());
	if (!sv_json_obj(h, "PortBindings"))
		set_item(h, "PortBindings", cJSON_CreateObject());
	set_item(h, "IpcMode", cJSON_CreateString("private"));
	set_item(h, "PidMode", cJSON_CreateString(""));
	set_item(h, "Runtime", cJSON_CreateString("servin"));
	if (!sv_json_str(h, "CgroupnsMode"))
		set_item(h, "CgroupnsMode", cJSON_CreateString("private"));
}

static int check_host(cJSON *h, sv_err **err)
{
	if (!cJSON_IsObject(h))
		return sv_err_setx(err, EINVAL, "HostConfig must be an object");
	if (check_memory(h, err) < 0 || check_cpu(h, err) < 0 || check_ulimits(h, err) < 0 ||
	    normalize_caps(h, "CapAdd", err) < 0 || normalize_caps(h, "CapDrop", err) < 0 ||
	    check_security_opt(h, err) < 0 || check_restart(h, err) < 0 || check_log(h, err) < 0)
		return -1;
	SV_AUTOSTRV char **binds = NULL;
	if (get_strv(h, "Binds", &binds, NULL, err) < 0)
		return -1;
	/* NetworkMode, ports, DNS and mounts: ctr_netvol_check (ctr-net.c). */
	host_defaults(h);
	return 0;
}

/* ------------------------------------------------------------ Config */

static int check_env(char *const *env, sv_err **err)
{
	for (size_t i = 0; env && env[i]; i++)
		if (env[i][0] == '=' || env[i][0] == '\0')
			return sv_err_setx(err, EINVAL, "invalid environment variable: %s", env[i]);
	return 0;
}

/* Image env, then the user's: a user's KEY replaces the image's. */
static char **merge_env(char *const *img, char *const *user)
{
	char **out = NULL;
	for (size_t i = 0; img && img[i]; i++) {
		size_t klen = strcspn(img[i], "=");
		bool overridden = false;
		for (size_t j = 0; user && user[j]; j++)
			overridden |= strncmp(user[j], img[i], klen) == 0 &&
				      (user[j][klen] == '=' || user[j][klen] == '\0');
		if (!overridden)
			sv_strv_push(&out, img[i]);
	}
	for (size_t j = 0; user && user[j]; j++)
		sv_strv_push(&out, user[j]);
	return out;
}

static const cJSON *image_cfg(const cJSON *img)
{
	const cJSON *c = sv_json_obj(img, "config");
	return c ? c : sv_json_obj(img, "container_config");
}

/* Cmd, Entrypoint, Path and Args as Docker merges them. */
static int merge_command(cJSON *cfg, const cJSON *ic, cJSON *doc, sv_err **err)
{
	SV_AUTOSTRV char **cmd = NULL, **ep = NULL, **icmd = NULL, **iep = NULL;
	bool has_ep;
	if (get_strv(cfg, "Cmd", &cmd, NULL, err) < 0 || get_strv(cfg, "Entrypoint", &ep, &has_ep, err) < 0 ||
	    get_strv(ic, "Cmd", &icmd, NULL, err) < 0 || get_strv(ic, "Entrypoint", &iep, NULL, err) < 0)
		return -1;
	/* An explicit entrypoint (even "") drops the image's Cmd. */
	if (!has_ep) {
		ep = sv_steal_ptr(&iep);
		if (!cmd)
			cmd = sv_steal_ptr(&icmd);
	} else if (ep && ep[0] && !ep[0][0] && !ep[1]) {
		sv_strv_free(ep);
		ep = NULL;
		if (!cmd)
			cmd = sv_steal_ptr(&icmd);
	}
	char **all = NULL;
	for (size_t i = 0; ep && ep[i]; i++)
		sv_strv_push(&all, ep[i]);
	for (size_t i = 0; cmd && cmd[i]; i++)
		sv_strv_push(&all, cmd[i]);
	if (!all) {
		return sv_err_setx(err, EINVAL, "no command specified");
	}
	set_item(cfg, "Cmd", cmd ? strv_to_json(cmd) : cJSON_CreateNull());
	set_item(cfg, "Entrypoint", ep ? strv_to_json(ep) : cJSON_CreateNull());
	cJSON_AddStringToObject(doc, "Path", all[0]);
	cJSON_AddItemToObject(doc, "Args", strv_to_json(all + 1));
	sv_strv_free(all);
	return 0;
}

static void merge_labels(cJSON *cfg, const cJSON *ic)
{
	cJSON *out = cJSON_CreateObject(), *it;
	cJSON_ArrayForEach(it, sv_json_obj(ic, "Labels"))
		if (cJSON_IsString(it))
			cJSON_AddStringToObject(out, it->string, it->valuestring);
	cJSON_ArrayForEach(it, sv_json_obj(cfg, "Labels"))
	{
		if (!cJSON_IsString(it))
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(out, it->string);
		cJSON_AddStringToObject(out, it->string, it->valuestring);
	}
	set_item(cfg, "Labels", out);
}

static void inherit_str(cJSON *cfg, const cJSON *ic, const char *key)
{
	const char *v = sv_json_str(cfg, key);
	if (v && *v)
		return;
	const char *iv = sv_json_str(ic, key);
	set_item(cfg, key, cJSON_CreateString(iv ? iv : ""));
}

static int check_config(cJSON *cfg, const cJSON *ic, cJSON *doc, sv_err **err)
{
	SV_AUTOSTRV char **env = NULL, **ienv = NULL;
	if (get_strv(cfg, "Env", &env, NULL, err) < 0 || check_env(env, err) < 0 ||
	    get_strv(ic, "Env", &ienv, NULL, err) < 0)
		return -1;
	SV_AUTOSTRV char **merged = merge_env(ienv, env);
	set_item(cfg, "Env", strv_to_json(merged));
	if (merge_command(cfg, ic, doc, err) < 0)
		return -1;
	inherit_str(cfg, ic, "WorkingDir");
	inherit_str(cfg, ic, "User");
	inherit_str(cfg, ic, "StopSignal");
	const char *wd = sv_json_str(cfg, "WorkingDir");
	if (*wd && wd[0] != '/')
		return sv_err_setx(err, EINVAL, "the working directory '%s' is invalid, it needs to be an absolute path",
				   wd);
	const char *sig = sv_json_str(cfg, "StopSignal");
	if (*sig && ctr_signal_parse(sig) < 0)
		return sv_err_setx(err, EINVAL, "invalid signal: %s", sig);
	const char *host = sv_json_str(cfg, "Hostname");
	if (host && strlen(host) > 63)
		return sv_err_setx(err, EINVAL, "invalid hostname %s: longer than 63 characters", host);
	merge_labels(cfg, ic);
	static const char *const bools[] = { "AttachStdin", "AttachStdout", "AttachStderr",
					     "Tty",	    "OpenStdin",    "StdinOnce" };
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
		set_item(cfg, bools[i], cJSON_CreateBool(sv_json_bool(cfg, bools[i], false)));
	if (!sv_json_str(cfg, "Domainname"))
		set_item(cfg, "Domainname", cJSON_CreateString(""));
	cJSON *st = cJSON_GetObjectItemCaseSensitive(cfg, "StopTimeout");
	if (st && !cJSON_IsNull(st) && !cJSON_IsNumber(st))
		return sv_err_setx(err, EINVAL, "StopTimeout must be a number");
	cJSON *ports = sv_json_obj(ic, "ExposedPorts");
	if (ports && !sv_json_obj(cfg, "ExposedPorts"))
		set_item(cfg, "ExposedPorts", cJSON_Duplicate(ports, true));
	return 0;
}

/* ------------------------------------------------------------ insert */

static int name_owner(sv_engine *e, const char *name, char owner[SV_CONTAINER_ID_LEN + 1])
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, "SELECT id FROM containers WHERE name = ?", NULL);
	if (!st)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		return 0;
	snprintf(owner, SV_CONTAINER_ID_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
	return 1;
}

static int conflict(sv_engine *e, const char *name, sv_err **err)
{
	char owner[SV_CONTAINER_ID_LEN + 1];
	if (!name_owner(e, name, owner))
		return sv_err_setx(err, EEXIST, "Conflict. The container name \"/%s\" is already in use", name);
	return sv_err_setx(err, EEXIST,
			   "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have to "
			   "remove (or rename) that container to be able to reuse that name.",
			   name, owner);
}

static int insert_row(sv_engine *e, const char *id, const char *name, const char *image_id, const char *ref,
		      const cJSON *doc, sv_err **err)
{
	SV_AUTOFREE char *text = sv_json_print(doc);
	const cJSON *labels = sv_json_obj(sv_json_obj(doc, "Config"), "Labels");
	SV_AUTOFREE char *ltext = labels ? sv_json_print(labels) : sv_xstrdup("{}");
	SV_AUTOFREE char *summary = ctr_summary_text(doc);
	if (sv_store_begin(e->store, err) < 0)
		return -1;
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(
		e->store,
		"INSERT INTO containers (id, name, image_id, image_ref, created, config, labels, summary)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, image_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, ref, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, sv_time_now_ns());
	sqlite3_bind_text(st, 6, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, ltext, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, summary, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		sv_store_rollback(e->store);
		return conflict(e, name, err);
	}
	if (rc != SQLITE_DONE) {
		sv_store_sql_err(e->store, "insert container", err);
		goto fail;
	}
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(attrs, "name", name);
	cJSON_AddStringToObject(attrs, "image", ref);
	rc = sv_store_event_add(e->store, "container", "create", id, attrs, err);
	cJSON_Delete(attrs);
	if (rc == 0)
		rc = ctr_netvol_claim_tx(e, id, doc, err);
	if (rc < 0 || sv_store_commit(e->store, err) < 0)
		goto fail;
	return 0;
fail:
	sv_store_rollback(e->store);
	return -1;
}

static cJSON *load_image_config(sv_engine *e, const char *image_id, sv_err **err)
{
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_store_blob_read(e->store, image_id, SV_MANIFEST_MAX, &b, err) < 0)
		return NULL;
	return sv_json_parse(b.data, b.len, SV_MANIFEST_MAX, "image config", err);
}

static int pick_name(sv_engine *e, const char *given, char **out, sv_err **err)
{
	if (given && *given) {
		const char *n = given[0] == '/' ? given + 1 : given;
		if (!ctr_name_valid(n))
			return sv_err_setx(err, EINVAL, "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed",
					   n);
		*out = sv_xstrdup(n);
		return 0;
	}
	char owner[SV_CONTAINER_ID_LEN + 1];
	for (int i = 0; i < 16; i++) {
		*out = random_name();
		if (!name_owner(e, *out, owner))
			return 0;
		free(*out);
	}
	*out = random_name();
	char hex[5];
	sv_random_hex(hex, 4);
	char *n = sv_xasprintf("%s_%s", *out, hex);
	free(*out);
	*out = n;
	return 0;
}

int sv_engine_container_create(sv_engine *e, const char *name, const cJSON *body,
			       char id[SV_CONTAINER_ID_LEN + 1], char ***warnings, sv_err **err)
{
	if (warnings)
		*warnings = NULL;
	if (!cJSON_IsObject(body))
		return sv_err_setx(err, EINVAL, "container config must be a JSON object");
	const char *image = sv_json_str(body, "Image");
	if (!image || !*image)
		return sv_err_setx(err, EINVAL, "No image specified");
	SV_AUTOFREE char *cname = NULL;
	if (pick_name(e, name, &cname, err) < 0)
		return -1;
	char image_id[SV_DIGEST_STR_LEN];
	if (sv_image_resolve(e->store, image, image_id, err) < 0)
		return -1;
	SV_AUTOJSON cJSON *img = load_image_config(e, image_id, err);
	if (!img)
		return -1;
	const cJSON *ic = image_cfg(img);
	SV_AUTOJSON cJSON *doc = cJSON_CreateObject();
	cJSON *cfg = cJSON_Duplicate(body, true);
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "HostConfig");
	cJSON_DeleteItemFromObjectCaseSensitive(cfg, "NetworkingConfig");
	cJSON_AddItemToObject(doc, "Config", cfg);
	const cJSON *h0 = sv_json_obj(body, "HostConfig");
	cJSON *host = h0 ? cJSON_Duplicate(h0, true) : cJSON_CreateObject();
	cJSON_AddItemToObject(doc, "HostConfig", host);
	if (check_config(cfg, ic, doc, err) < 0 || check_host(host, err) < 0)
		return sv_err_prefix(err, "invalid container config");
	if (ctr_netvol_check(e, doc, body, ic, err) < 0)
		return -1;
	char hex[SV_CONTAINER_ID_LEN + 1];
	sv_random_hex(hex, SV_CONTAINER_ID_LEN);
	if (!sv_json_str(cfg, "Hostname") || !*sv_json_str(cfg, "Hostname"))
		set_item(cfg, "Hostname", cJSON_CreateString((char[13]){ hex[0], hex[1], hex[2], hex[3], hex[4],
								   hex[5], hex[6], hex[7], hex[8], hex[9],
								   hex[10], hex[11], 0 }));
	if (insert_row(e, hex, cname, image_id, image, doc, err) < 0)
		return -1;
	memcpy(id, hex, sizeof hex);
	return 0;
}

