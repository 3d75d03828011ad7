/*
 * run and create: Docker's flags turned into Docker's create body (the
 * same JSON the REST API receives), so the engine validates one form.
 * run then starts the container, attached (a socketpair handed to the
 * shim before the process runs, so no output is lost) or detached.
 *
 * Exit status: 125 when servin failed (bad flag, unknown image, a name
 * taken, the start failed), 126/127 when the command can't run, else the
 * container's own status.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "ctr.h"
#include "progress.h"

enum {
	O_ATTACH, O_CAP_ADD, O_CAP_DROP, O_CPU_SHARES, O_CPUS, O_CPUSET, O_DETACH, O_DETACH_KEYS, O_ENTRYPOINT,
	O_ENV, O_ENV_FILE, O_HOSTNAME, O_INIT, O_INTERACTIVE, O_LABEL, O_LOG_DRIVER, O_LOG_OPT, O_MEMORY,
	O_MEMORY_SWAP, O_MOUNT, O_NAME, O_NETWORK, O_NET, O_PIDS, O_PLATFORM, O_PRIVILEGED, O_PUBLISH, O_PULL,
	O_QUIET, O_READ_ONLY,
	O_RESTART, O_RM, O_SECURITY_OPT, O_SIG_PROXY, O_STOP_SIGNAL, O_STOP_TIMEOUT, O_TTY, O_ULIMIT, O_USER,
	O_VOLUME, O_WORKDIR,
	/* networking and volumes */
	O_ADD_HOST, O_DNS, O_DNS_OPTION, O_DNS_SEARCH, O_EXPOSE, O_IP, O_NET_ALIAS, O_PUBLISH_ALL, O_TMPFS,
	O_VOLUMES_FROM,
};

static const struct cli_opt run_opts[] = {
	[O_ATTACH] = { "attach", 'a', CLI_ARG, "list", "Attach to STDIN, STDOUT or STDERR" },
	[O_CAP_ADD] = { "cap-add", 0, CLI_ARG, "list", "Add Linux capabilities" },
	[O_CAP_DROP] = { "cap-drop", 0, CLI_ARG, "list", "Drop Linux capabilities" },
	[O_CPU_SHARES] = { "cpu-shares", 'c', CLI_ARG, "int", "CPU shares (relative weight)" },
	[O_CPUS] = { "cpus", 0, CLI_ARG, "decimal", "Number of CPUs" },
	[O_CPUSET] = { "cpuset-cpus", 0, CLI_ARG, "string", "CPUs in which to allow execution (0-3, 0,1)" },
	[O_DETACH] = { "detach", 'd', CLI_NOARG, NULL, "Run container in background and print container ID" },
	[O_DETACH_KEYS] = { "detach-keys", 0, CLI_ARG, "string", "Override the key sequence for detaching a container" },
	[O_ENTRYPOINT] = { "entrypoint", 0, CLI_ARG, "string", "Overwrite the default ENTRYPOINT of the image" },
	[O_ENV] = { "env", 'e', CLI_ARG, "list", "Set environment variables" },
	[O_ENV_FILE] = { "env-file", 0, CLI_ARG, "list", "Read in a file of environment variables" },
	[O_HOSTNAME] = { "hostname", 'h', CLI_ARG, "string", "Container host name" },
	[O_INIT] = { "init", 0, CLI_NOARG, NULL, "Run an init inside the container that forwards signals and reaps processes" },
	[O_INTERACTIVE] = { "interactive", 'i', CLI_NOARG, NULL, "Keep STDIN open even if not attached" },
	[O_LABEL] = { "label", 'l', CLI_ARG, "list", "Set meta data on a container" },
	[O_LOG_DRIVER] = { "log-driver", 0, CLI_ARG, "string", "Logging driver for the container (json-file, none)" },
	[O_LOG_OPT] = { "log-opt", 0, CLI_ARG, "list", "Log driver options (max-size, max-file)" },
	[O_MEMORY] = { "memory", 'm', CLI_ARG, "bytes", "Memory limit" },
	[O_MEMORY_SWAP] = { "memory-swap", 0, CLI_ARG, "bytes", "Swap limit equal to memory plus swap: '-1' to enable unlimited swap" },
	[O_MOUNT] = { "mount", 0, CLI_ARG, "mount", "Attach a filesystem mount to the container" },
	[O_NAME] = { "name", 0, CLI_ARG, "string", "Assign a name to the container" },
	[O_NETWORK] = { "network", 0, CLI_ARG, "network", "Connect a container to a network (bridge, none, host, NAME, container:ID)" },
	[O_NET] = { "net", 0, CLI_ARG, "network", "Connect a container to a network" },
	[O_PIDS] = { "pids-limit", 0, CLI_ARG, "int", "Tune container pids limit (set -1 for unlimited)" },
	[O_PLATFORM] = { "platform", 0, CLI_ARG, "string", "Set platform if server is multi-platform capable" },
	[O_PRIVILEGED] = { "privileged", 0, CLI_NOARG, NULL, "Give extended privileges to this container" },
	[O_PUBLISH] = { "publish", 'p', CLI_ARG, "list", "Publish a container's port(s) to the host" },
	[O_PULL] = { "pull", 0, CLI_ARG, "string", "Pull image before running (\"always\", \"missing\", \"never\")" },
	[O_QUIET] = { "quiet", 'q', CLI_NOARG, NULL, "Suppress the pull output" },
	[O_READ_ONLY] = { "read-only", 0, CLI_NOARG, NULL, "Mount the container's root filesystem as read only" },
	[O_RESTART] = { "restart", 0, CLI_ARG, "string", "Restart policy to apply when a container exits (default \"no\")" },
	[O_RM] = { "rm", 0, CLI_NOARG, NULL, "Automatically remove the container when it exits" },
	[O_SECURITY_OPT] = { "security-opt", 0, CLI_ARG, "list", "Security Options" },
	[O_SIG_PROXY] = { "sig-proxy", 0, CLI_OPTARG, "bool", "Proxy received signals to the process (default true)" },
	[O_STOP_SIGNAL] = { "stop-signal", 0, CLI_ARG, "string", "Signal to stop the container" },
	[O_STOP_TIMEOUT] = { "stop-timeout", 0, CLI_ARG, "int", "Timeout (in seconds) to stop a container" },
	[O_TTY] = { "tty", 't', CLI_NOARG, NULL, "Allocate a pseudo-TTY" },
	[O_ULIMIT] = { "ulimit", 0, CLI_ARG, "ulimit", "Ulimit options" },
	[O_USER] = { "user", 'u', CLI_ARG, "string", "Username or UID (format: <name|uid>[:<group|gid>])" },
	[O_VOLUME] = { "volume", 'v', CLI_ARG, "list", "Bind mount a volume" },
	[O_WORKDIR] = { "workdir", 'w', CLI_ARG, "string", "Working directory inside the container" },
	[O_ADD_HOST] = { "add-host", 0, CLI_ARG, "list", "Add a custom host-to-IP mapping (host:ip)" },
	[O_DNS] = { "dns", 0, CLI_ARG, "list", "Set custom DNS servers" },
	[O_DNS_OPTION] = { "dns-option", 0, CLI_ARG, "list", "Set DNS options" },
	[O_DNS_SEARCH] = { "dns-search", 0, CLI_ARG, "list", "Set custom DNS search domains" },
	[O_EXPOSE] = { "expose", 0, CLI_ARG, "list", "Expose a port or a range of ports" },
	[O_IP] = { "ip", 0, CLI_ARG, "string", "IPv4 address (e.g., 172.30.100.104)" },
	[O_NET_ALIAS] = { "network-alias", 0, CLI_ARG, "list", "Add network-scoped alias for the container" },
	[O_PUBLISH_ALL] = { "publish-all", 'P', CLI_NOARG, NULL, "Publish all exposed ports to random ports" },
	[O_TMPFS] = { "tmpfs", 0, CLI_ARG, "list", "Mount a tmpfs directory" },
	[O_VOLUMES_FROM] = { "volumes-from", 0, CLI_ARG, "list", "Mount volumes from the specified container(s)" },
	{ 0 },
};

/* Everything the flags say, before it becomes JSON. */
struct run_flags {
	cJSON *cfg, *host;
	const char *name;
	bool detach, interactive, tty, rm, sig_proxy, quiet;
	unsigned attach;    /* -a streams; 0: the defaults */
	const char *detach_keys;
	const char *platform;
	enum sv_pull_policy pull;
	cJSON *aliases;	    /* --network-alias, for NetworkingConfig */
	const char *ip;	    /* --ip */
};

static cJSON *arr(cJSON *obj, const char *key)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);
	return a ? a : cJSON_AddArrayToObject(obj, key);
}

static cJSON *sub(cJSON *obj, const char *key)
{
	cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, key);
	return o ? o : cJSON_AddObjectToObject(obj, key);
}

static int bad_flag(struct cli_ctx *ctx, const char *value, const char *flag, const char *why)
{
	return cli_failf(ctx, 125, "invalid argument \"%s\" for \"--%s\" flag: %s", value, flag, why);
}

/* Adds -e/--env-file values to the body's Env array. */
static int add_env_json(struct cli_ctx *ctx, cJSON *env, const char *v, bool file)
{
	SV_AUTOSTRV char **list = NULL;
	if (file) {
		int rc = cli_env_file(ctx, &list, v, 125);
		if (rc)
			return rc;
	} else {
		cli_env_add(&list, v);
	}
	for (size_t i = 0; list && list[i]; i++)
		cJSON_AddItemToArray(env, cJSON_CreateString(list[i]));
	return 0;
}

static int parse_ulimit(struct cli_ctx *ctx, cJSON *host, const char *v)
{
	const char *eq = strchr(v, '=');
	int64_t soft, hard;
	if (!eq)
		return bad_flag(ctx, v, "ulimit", "invalid ulimit argument");
	SV_AUTOFREE char *name = sv_xstrndup(v, (size_t)(eq - v));
	SV_AUTOFREE char *vals = sv_xstrdup(eq + 1);
	char *colon = strchr(vals, ':');
	if (colon)
		*colon = '\0';
	if (!sv_str_to_i64(vals, -1, INT64_MAX, &soft) ||
	    !sv_str_to_i64(colon ? colon + 1 : vals, -1, INT64_MAX, &hard))
		return bad_flag(ctx, v, "ulimit", "invalid ulimit argument");
	cJSON *u = cJSON_CreateObject();
	cJSON_AddStringToObject(u, "Name", name);
	cJSON_AddNumberToObject(u, "Hard", (double)hard);
	cJSON_AddNumberToObject(u, "Soft", (double)soft);
	cJSON_AddItemToArray(arr(host, "Ulimits"), u);
	return 0;
}

static int parse_restart(struct cli_ctx *ctx, cJSON *host, const char *v)
{
	SV_AUTOFREE char *name = sv_xstrdup(v);
	char *colon = strchr(name, ':');
	int64_t max = 0;
	if (colon) {
		*colon = '\0';
		if (strcmp(name, "on-failure") != 0 || !sv_str_to_i64(colon + 1, 0, INT32_MAX, &max))
			return cli_failf(ctx, 125, "invalid restart policy format: %s", v);
	}
	cJSON *rp = sub(host, "RestartPolicy");
	cJSON_AddStringToObject(rp, "Name", name);
	cJSON_AddNumberToObject(rp, "MaximumRetryCount", (double)max);
	return 0;
}

static int parse_security_opt(struct cli_ctx *ctx, cJSON *host, const char *v)
{
	if ((sv_str_has_prefix(v, "seccomp=") || sv_str_has_prefix(v, "seccomp:")) &&
	    strcmp(v + 8, "unconfined") != 0 && strcmp(v + 8, "builtin") != 0) {
		/* Docker's CLI sends the profile's content, not its path. */
		SV_AUTOBUF struct sv_buf b;
		sv_buf_init(&b);
		SV_AUTOERR sv_err *err = NULL;
		if (sv_read_file(v + 8, 4 << 20, &b, &err) < 0)
			return cli_failf(ctx, 125, "opening seccomp profile (%s) failed: %s", v + 8, err->msg);
		SV_AUTOFREE char *opt = sv_xasprintf("seccomp=%s", b.data);
		cJSON_AddItemToArray(arr(host, "SecurityOpt"), cJSON_CreateString(opt));
		return 0;
	}
	cJSON_AddItemToArray(arr(host, "SecurityOpt"), cJSON_CreateString(v));
	return 0;
}

static int parse_size_flag(struct cli_ctx *ctx, cJSON *host, const char *key, const char *flag, const char *v)
{
	int64_t n;
	if (strcmp(v, "-1") == 0 && strcmp(flag, "memory-swap") == 0)
		n = -1;
	else if (!sv_str_to_size(v, &n))
		return bad_flag(ctx, v, flag, "invalid size");
	cJSON_AddNumberToObject(host, key, (double)n);
	return 0;
}

static int parse_attach(struct cli_ctx *ctx, struct run_flags *f, const char *v)
{
	if (strcasecmp(v, "stdin") == 0)
		f->attach |= SV_ATTACH_STDIN;
	else if (strcasecmp(v, "stdout") == 0)
		f->attach |= SV_ATTACH_STDOUT;
	else if (strcasecmp(v, "stderr") == 0)
		f->attach |= SV_ATTACH_STDERR;
	else
		return bad_flag(ctx, v, "attach", "valid streams are STDIN, STDOUT and STDERR");
	return 0;
}

static int parse_number_flag(struct cli_ctx *ctx, cJSON *obj, const char *key, const char *flag, const char *v)
{
	int64_t n;
	if (!sv_str_to_i64(v, INT32_MIN, INT64_MAX, &n))
		return bad_flag(ctx, v, flag, "strconv.ParseInt: parsing: invalid syntax");
	cJSON_AddNumberToObject(obj, key, (double)n);
	return 0;
}

static int parse_publish(struct cli_ctx *ctx, struct run_flags *f, const char *v, bool expose_only)
{
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOJSON cJSON *pb = cJSON_CreateObject();
	/* --expose 80[-82][/udp] is a -p without a host side. */
	if (sv_engine_publish_parse(v, pb, sub(f->cfg, "ExposedPorts"), &err) < 0)
		return bad_flag(ctx, v, expose_only ? "expose" : "publish", err->msg);
	if (expose_only)
		return 0;
	cJSON *dst = sub(f->host, "PortBindings"), *it;
	cJSON_ArrayForEach(it, pb)
	{
		cJSON *arr_dst = cJSON_GetObjectItemCaseSensitive(dst, it->string);
		if (!arr_dst)
			arr_dst = cJSON_AddArrayToObject(dst, it->string);
		cJSON *b;
		cJSON_ArrayForEach(b, it)
			cJSON_AddItemToArray(arr_dst, cJSON_Duplicate(b, true));
	}
	return 0;
}

/* --tmpfs /run[:opts] → HostConfig.Tmpfs {"/run": "opts"} */
static void parse_tmpfs(struct run_flags *f, const char *v)
{
	const char *colon = strchr(v, ':');
	SV_AUTOFREE char *path = colon ? sv_xstrndup(v, (size_t)(colon - v)) : sv_xstrdup(v);
	cJSON *t = sub(f->host, "Tmpfs");
	cJSON_DeleteItemFromObjectCaseSensitive(t, path);
	cJSON_AddStringToObject(t, path, colon ? colon + 1 : "");
}

/* The networking and volume flags. */
static int apply_net(struct cli_ctx *ctx, struct run_flags *f, int o, const char *v)
{
	cJSON *host = f->host;
	switch (o) {
	case O_PUBLISH: return parse_publish(ctx, f, v, false);
	case O_EXPOSE: return parse_publish(ctx, f, v, true);
	case O_PUBLISH_ALL: cJSON_AddBoolToObject(host, "PublishAllPorts", true); break;
	case O_VOLUME: cJSON_AddItemToArray(arr(host, "Binds"), cJSON_CreateString(v)); break;
	case O_MOUNT: {
		SV_AUTOERR sv_err *err = NULL;
		cJSON *m = sv_engine_mount_parse(v, &err);
		if (!m)
			return bad_flag(ctx, v, "mount", err->msg);
		cJSON_AddItemToArray(arr(host, "Mounts"), m);
		break;
	}
	case O_TMPFS: parse_tmpfs(f, v); break;
	case O_VOLUMES_FROM: cJSON_AddItemToArray(arr(host, "VolumesFrom"), cJSON_CreateString(v)); break;
	case O_DNS: cJSON_AddItemToArray(arr(host, "Dns"), cJSON_CreateString(v)); break;
	case O_DNS_SEARCH: cJSON_AddItemToArray(arr(host, "DnsSearch"), cJSON_CreateString(v)); break;
	case O_DNS_OPTION: cJSON_AddItemToArray(arr(host, "DnsOptions"), cJSON_CreateString(v)); break;
	case O_ADD_HOST: cJSON_AddItemToArray(arr(host, "ExtraHosts"), cJSON_CreateString(v)); break;
	case O_NET_ALIAS:
		if (!f->aliases)
			f->aliases = cJSON_CreateArray();
		cJSON_AddItemToArray(f->aliases, cJSON_CreateString(v));
		break;
	case O_IP: f->ip = v; break;
	default: break;
	}
	return 0;
}

/* NetworkingConfig for --network-alias and --ip, under the network named
 * by --network (Docker's CLI does the same). */
static void networking_config(struct run_flags *f, cJSON *body, const cJSON *host)
{
	if (!f->aliases && !f->ip)
		return;
	const char *mode = sv_json_str(host, "NetworkMode");
	cJSON *ep = cJSON_AddObjectToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(body, "NetworkingConfig"),
								    "EndpointsConfig"),
					    mode && *mode ? mode : "bridge");
	if (f->aliases) {
		cJSON_AddItemToObject(ep, "Aliases", f->aliases);
		f->aliases = NULL;
	}
	if (f->ip)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(ep, "IPAMConfig"), "IPv4Address", f->ip);
}

/* One option; 0, or the exit status of a bad one. */
static int apply(struct cli_ctx *ctx, struct run_flags *f, int o, const char *v)
{
	cJSON *cfg = f->cfg, *host = f->host;
	switch (o) {
	case O_ATTACH: return parse_attach(ctx, f, v);
	case O_CAP_ADD: cJSON_AddItemToArray(arr(host, "CapAdd"), cJSON_CreateString(v)); break;
	case O_CAP_DROP: cJSON_AddItemToArray(arr(host, "CapDrop"), cJSON_CreateString(v)); break;
	case O_CPU_SHARES: return parse_number_flag(ctx, host, "CpuShares", "cpu-shares", v);
	case O_CPUS: {
		char *end;
		double d = strtod(v, &end);
		if (*end || end == v || !isfinite(d) || d < 0)
			return bad_flag(ctx, v, "cpus", "failed to parse as a rational number");
		cJSON_AddNumberToObject(host, "NanoCpus", floor(d * 1e9));
		break;
	}
	case O_CPUSET: cJSON_AddStringToObject(host, "CpusetCpus", v); break;
	case O_DETACH: f->detach = true; break;
	case O_DETACH_KEYS: f->detach_keys = v; break;
	case O_ENTRYPOINT: {
		cJSON *ep = cJSON_AddArrayToObject(cfg, "Entrypoint");
		cJSON_AddItemToArray(ep, cJSON_CreateString(v));
		break;
	}
	case O_ENV: return add_env_json(ctx, arr(cfg, "Env"), v, false);
	case O_ENV_FILE: return add_env_json(ctx, arr(cfg, "Env"), v, true);
	case O_HOSTNAME: cJSON_AddStringToObject(cfg, "Hostname", v); break;
	case O_INIT: cJSON_AddBoolToObject(host, "Init", true); break;
	case O_INTERACTIVE: f->interactive = true; break;
	case O_LABEL: {
		const char *eq = strchr(v, '=');
		SV_AUTOFREE char *k = eq ? sv_xstrndup(v, (size_t)(eq - v)) : sv_xstrdup(v);
		cJSON *labels = sub(cfg, "Labels");
		cJSON_DeleteItemFromObjectCaseSensitive(labels, k);
		cJSON_AddStringToObject(labels, k, eq ? eq + 1 : "");
		break;
	}
	case O_LOG_DRIVER: cJSON_AddStringToObject(sub(host, "LogConfig"), "Type", v); break;
	case O_LOG_OPT: {
		const char *eq = strchr(v, '=');
		if (!eq)
			return bad_flag(ctx, v, "log-opt", "invalid key value pair format in logging opts");
		SV_AUTOFREE char *k = sv_xstrndup(v, (size_t)(eq - v));
		cJSON_AddStringToObject(sub(sub(host, "LogConfig"), "Config"), k, eq + 1);
		break;
	}
	case O_MEMORY: return parse_size_flag(ctx, host, "Memory", "memory", v);
	case O_MEMORY_SWAP: return parse_size_flag(ctx, host, "MemorySwap", "memory-swap", v);
	case O_NAME: f->name = v; break;
	case O_NETWORK:
	case O_NET: cJSON_AddStringToObject(host, "NetworkMode", v); break;
	case O_PIDS: return parse_number_flag(ctx, host, "PidsLimit", "pids-limit", v);
	case O_PLATFORM: f->platform = v; break;
	case O_PRIVILEGED: cJSON_AddBoolToObject(host, "Privileged", true); break;
	case O_PULL:
		if (strcmp(v, "missing") == 0)
			f->pull = SV_PULL_MISSING;
		else if (strcmp(v, "always") == 0)
			f->pull = SV_PULL_ALWAYS;
		else if (strcmp(v, "never") == 0)
			f->pull = SV_PULL_NEVER;
		else
			return bad_flag(ctx, v, "pull", "must be \"always\", \"missing\" or \"never\"");
		break;
	case O_QUIET: f->quiet = true; break;
	case O_READ_ONLY: cJSON_AddBoolToObject(host, "ReadonlyRootfs", true); break;
	case O_RESTART: return parse_restart(ctx, host, v);
	case O_RM: f->rm = true; break;
	case O_SECURITY_OPT: return parse_security_opt(ctx, host, v);
	case O_SIG_PROXY:
		if (v && !cli_parse_bool(v, &f->sig_proxy))
			return bad_flag(ctx, v, "sig-proxy", "invalid syntax");
		if (!v)
			f->sig_proxy = true;
		break;
	case O_STOP_SIGNAL: cJSON_AddStringToObject(cfg, "StopSignal", v); break;
	case O_STOP_TIMEOUT: return parse_number_flag(ctx, cfg, "StopTimeout", "stop-timeout", v);
	case O_TTY: f->tty = true; break;
	case O_ULIMIT: return parse_ulimit(ctx, host, v);
	case O_USER: cJSON_AddStringToObject(cfg, "User", v); break;
	case O_WORKDIR: cJSON_AddStringToObject(cfg, "WorkingDir", v); break;
	default: return apply_net(ctx, f, o, v);
	}
	return 0;
}

/* Parses argv into f; returns -1 on success with *first set, else a status. */
static int parse_run(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, struct run_flags *f,
		     int *first)
{
	struct cli_parse p;
	int o, rc = -1;
	f->sig_proxy = true;
	cli_parse_init(&p, cmd, argc, argv);
	while (rc < 0 && (o = cli_parse_next(ctx, &p)) >= 0) {
		int r = apply(ctx, f, o, p.arg);
		if (r)
			rc = r;
	}
	*first = p.optind;
	cli_parse_release(&p);
	if (rc >= 0)
		return rc;
	if (o < -1)
		return o == -3 ? 0 : 125;
	if (cli_want_args(ctx, cmd, argc - *first, 1, -1))
		return 125;
	return -1;
}

/* The Docker create body: image, command, streams, and what the flags set. */
static void finish_body(struct run_flags *f, int argc, char **argv, int first)
{
	cJSON *cfg = f->cfg;
	cJSON_AddStringToObject(cfg, "Image", argv[first]);
	if (first + 1 < argc) {
		cJSON *cmd = cJSON_AddArrayToObject(cfg, "Cmd");
		for (int i = first + 1; i < argc; i++)
			cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
	}
	unsigned streams = f->attach;
	if (!streams && !f->detach)
		streams = SV_ATTACH_STDOUT | SV_ATTACH_STDERR | (f->interactive ? SV_ATTACH_STDIN : 0);
	f->attach = streams;
	cJSON_AddBoolToObject(cfg, "Tty", f->tty);
	cJSON_AddBoolToObject(cfg, "OpenStdin", f->interactive);
	cJSON_AddBoolToObject(cfg, "StdinOnce", f->interactive && (streams & SV_ATTACH_STDIN));
	cJSON_AddBoolToObject(cfg, "AttachStdin", (streams & SV_ATTACH_STDIN) != 0);
	cJSON_AddBoolToObject(cfg, "AttachStdout", (streams & SV_ATTACH_STDOUT) != 0);
	cJSON_AddBoolToObject(cfg, "AttachStderr", (streams & SV_ATTACH_STDERR) != 0);
	if (f->rm)
		cJSON_AddBoolToObject(f->host, "AutoRemove", true);
	unsigned rows, cols;
	if (f->tty && cli_term_size(&rows, &cols)) {
		cJSON *cs = cJSON_AddArrayToObject(f->host, "ConsoleSize");
		cJSON_AddItemToArray(cs, cJSON_CreateNumber(rows));
		cJSON_AddItemToArray(cs, cJSON_CreateNumber(cols));
	}
	networking_config(f, cfg, f->host);
	cJSON_AddItemToObject(cfg, "HostConfig", f->host);
	f->host = NULL;
}

/* The image, pulled first when it is missing (or always, per --pull),
 * with Docker's messages on stderr. */
static int ensure_image(struct cli_ctx *ctx, const struct run_flags *f, const char *image)
{
	char id[SV_DIGEST_STR_LEN];
	SV_AUTOERR sv_err *err = NULL;
	if (f->pull != SV_PULL_ALWAYS && sv_engine_image_resolve(cli_engine(ctx), image, id, &err) == 0)
		return 0;
	if (f->pull == SV_PULL_NEVER || (err && err->code != ENOENT))
		return cli_fail(ctx, 125, err);
	sv_err_clear(&err);
	if (!f->quiet && f->pull != SV_PULL_ALWAYS)
		fprintf(ctx->err, "Unable to find image '%s' locally\n", image);
	struct cli_progress *pr = cli_progress_new(ctx->err, isatty(STDERR_FILENO), f->quiet);
	struct sv_pull_opts o = { .platform = f->platform, .progress = cli_progress_cb, .progress_arg = pr };
	int rc = sv_engine_image_ensure(cli_engine(ctx), image, SV_PULL_ALWAYS, &o, id, NULL, &err);
	cli_progress_free(pr);
	if (rc < 0)
		return cli_fail(ctx, 125, err);
	return 0;
}

static int create_common(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc, char **argv, struct run_flags *f,
			 char id[SV_CONTAINER_ID_LEN + 1])
{
	int first;
	f->cfg = cJSON_CreateObject();
	f->host = cJSON_CreateObject();
	int rc = parse_run(ctx, cmd, argc, argv, f, &first);
	if (rc >= 0)
		return rc;
	finish_body(f, argc, argv, first);
	rc = ensure_image(ctx, f, argv[first]);
	if (rc)
		return rc;
	SV_AUTOERR sv_err *err = NULL;
	SV_AUTOSTRV char **warnings = NULL;
	if (sv_engine_container_create(cli_engine(ctx), f->name, f->cfg, id, &warnings, &err) < 0)
		return cli_fail(ctx, 125, err);
	for (size_t i = 0; warnings && warnings[i]; i++)
		fprintf(ctx->err, "WARNING: %s\n", warnings[i]);
	return -1;
}

static void flags_release(struct run_flags *f)
{
	cJSON_Delete(f->cfg);
	cJSON_Delete(f->host);
	cJSON_Delete(f->aliases);
}

/* ---------------------------------------------------------------- create */

static int create_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_create = {
	.name = "create",
	.aliases = "container create",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.summary = "Create a new container",
	.opts = run_opts,
	.flags = CLI_CMD_POSIX,
	.exec = create_exec,
};

static int create_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct run_flags f = { 0 };
	char id[SV_CONTAINER_ID_LEN + 1];
	int rc = create_common(ctx, &cli_cmd_create, argc, argv, &f, id);
	flags_release(&f);
	if (rc >= 0)
		return rc;
	fprintf(ctx->out, "%s\n", id);
	return 0;
}

/* ---------------------------------------------------------------- run */

static int run_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_run = {
	.name = "run",
	.aliases = "container run",
	.usage = "[OPTIONS] IMAGE [COMMAND] [ARG...]",
	.summary = "Create and run a new container from an image",
	.opts = run_opts,
	.flags = CLI_CMD_POSIX,
	.exec = run_exec,
};

static int run_attached(struct cli_ctx *ctx, const char *id, const struct run_flags *f)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return cli_failf(ctx, 125, "socketpair: %s", strerror(errno));
	SV_AUTOERR sv_err *err = NULL;
	/* We wait for the exit with the store open: record it ourselves
	 * rather than have the shim exec servin-shim-ctl to do it. */
	struct sv_start_opts so = { .attach_fd = sp[1], .attach_streams = f->attach | SV_ATTACH_FINISH };
	int rc = sv_engine_container_start(cli_engine(ctx), id, &so, &err);
	close(sp[1]);
	if (rc < 0) {
		close(sp[0]);
		return cli_fail(ctx, cli_start_status(err), err);
	}
	struct cli_attach a = {
		.streams = f->attach,
		.tty = f->tty,
		.stdin_once = true,
		.sig_proxy = f->sig_proxy,
		.detach_keys = f->detach_keys,
		.finish = true,
	};
	rc = cli_attach_run(ctx, id, sp[0], &a);
	close(sp[0]);
	return rc;
}

static int run_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct run_flags f = { 0 };
	char id[SV_CONTAINER_ID_LEN + 1];
	int rc = create_common(ctx, &cli_cmd_run, argc, argv, &f, id);
	if (rc >= 0) {
		flags_release(&f);
		return rc;
	}
	if ((f.attach & SV_ATTACH_STDIN) && f.tty && !isatty(STDIN_FILENO)) {
		flags_release(&f);
		return cli_failf(ctx, 125, "the input device is not a TTY");
	}
	if (f.detach) {
		SV_AUTOERR sv_err *err = NULL;
		flags_release(&f);
		if (sv_engine_container_start(cli_engine(ctx), id, NULL, &err) < 0)
			return cli_fail(ctx, cli_start_status(err), err);
		fprintf(ctx->out, "%s\n", id);
		return 0;
	}
	rc = run_attached(ctx, id, &f);
	flags_release(&f);
	return rc;
}
