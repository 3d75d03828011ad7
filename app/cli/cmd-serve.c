/*
 * servin serve — the Docker Engine API on a unix socket (and optionally
 * TCP behind TLS client certificates or a bearer token). The server itself
 * lives in app/api; this file turns flags into its options.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/api/api.h"
#include "cli.h"

enum {
	O_HOST, O_TCP, O_TLS_CERT, O_TLS_KEY, O_TLS_CA, O_TOKEN, O_NO_UNIX, O_ACCESS_LOG, O_RATE, O_BURST,
	O_MAX_CONNS, O_MAX_CONNS_CLIENT, O_MAX_STREAMS, O_WORKERS, O_HEADER_TIMEOUT, O_BODY_TIMEOUT,
	O_IDLE_TIMEOUT, O_WRITE_TIMEOUT, O_MAX_HEADER, O_MAX_BODY,
};

static const struct cli_opt serve_opts[] = {
	[O_HOST] = { "host", 'H', CLI_ARG, "list", "Listen on unix:///path or tcp://host:port" },
	[O_TCP] = { "tcp", 0, CLI_ARG, "addr", "Also listen on TCP host:port (needs TLS or --token-file)" },
	[O_TLS_CERT] = { "tls-cert", 0, CLI_ARG, "file", "Server certificate (PEM)" },
	[O_TLS_KEY] = { "tls-key", 0, CLI_ARG, "file", "Server key (PEM)" },
	[O_TLS_CA] = { "tls-ca", 0, CLI_ARG, "file", "CA that client certificates must chain to" },
	[O_TOKEN] = { "token-file", 0, CLI_ARG, "file", "Bearer token that TCP clients must send" },
	[O_NO_UNIX] = { "no-unix", 0, CLI_NOARG, NULL, "Do not listen on the unix socket" },
	[O_ACCESS_LOG] = { "access-log", 0, CLI_ARG, "file", "Access log: a file, - for stderr (default), or off" },
	[O_RATE] = { "rate-limit", 0, CLI_ARG, "float", "Requests per second per client, 0 for none (default 500)" },
	[O_BURST] = { "rate-burst", 0, CLI_ARG, "float", "Requests a client may burst (default 2x the rate)" },
	[O_MAX_CONNS] = { "max-connections", 0, CLI_ARG, "int", "Open connections in all (default 1024)" },
	[O_MAX_CONNS_CLIENT] = { "max-connections-per-client", 0, CLI_ARG, "int", "Per client (default 256)" },
	[O_MAX_STREAMS] = { "max-streams", 0, CLI_ARG, "int", "Long-running requests at once (default 256)" },
	[O_WORKERS] = { "workers", 0, CLI_ARG, "int", "Threads for short requests (default: CPUs, 2 to 8)" },
	[O_HEADER_TIMEOUT] = { "header-timeout", 0, CLI_ARG, "duration", "Time to send a request head (default 10s)" },
	[O_BODY_TIMEOUT] = { "body-timeout", 0, CLI_ARG, "duration", "Time to send a request body (default 60s)" },
	[O_IDLE_TIMEOUT] = { "idle-timeout", 0, CLI_ARG, "duration", "Idle keep-alive connections (default 120s)" },
	[O_WRITE_TIMEOUT] = { "write-timeout", 0, CLI_ARG, "duration", "Client not reading answers (default 60s)" },
	[O_MAX_HEADER] = { "max-header-size", 0, CLI_ARG, "bytes", "Request line and headers (default 64k)" },
	[O_MAX_BODY] = { "max-body-size", 0, CLI_ARG, "bytes", "JSON request bodies (default 4m)" },
	{ 0 },
};

static int serve_exec(struct cli_ctx *ctx, int argc, char **argv);

const struct cli_cmd cli_cmd_serve = {
	.name = "serve",
	.usage = "[OPTIONS]",
	.summary = "Serve the Docker Engine API (default unix://<runroot>/servin.sock)",
	.opts = serve_opts,
	.exec = serve_exec,
};

/* "250ms", "10s", "2m", "1h", or plain seconds. */
static bool parse_ms(const char *s, int *out)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0)
		return false;
	double mult = !strcmp(end, "ms") ? 1 : !*end || !strcmp(end, "s") ? 1000 : !strcmp(end, "m") ? 60000
			: !strcmp(end, "h") ? 3600000 : -1;
	if (mult < 0 || v * mult > 86400000.0 * 365)
		return false;
	*out = (int)(v * mult);
	return true;
}

static bool parse_num(const char *s, double *out)
{
	char *end;
	*out = strtod(s, &end);
	return end != s && !*end && *out >= 0;
}

static bool parse_int(const char *s, int *out)
{
	int64_t v;
	if (!sv_str_to_i64(s, 1, 1 << 20, &v))
		return false;
	*out = (int)v;
	return true;
}

static bool parse_host(struct rest_serve_opts *o, const char *h)
{
	if (sv_str_has_prefix(h, "unix://")) {
		o->listen.unix_path = h + 7;
		return true;
	}
	if (sv_str_has_prefix(h, "tcp://")) {
		o->listen.tcp = h + 6;
		return true;
	}
	if (h[0] == '/') {
		o->listen.unix_path = h;
		return true;
	}
	return false;
}

/* One option into o; false for a bad value. */
static bool set_opt(struct rest_serve_opts *o, int which, const char *arg)
{
	int64_t size;
	switch (which) {
	case O_HOST: return parse_host(o, arg);
	case O_TCP: o->listen.tcp = arg; return true;
	case O_TLS_CERT: o->listen.tls_cert = arg; return true;
	case O_TLS_KEY: o->listen.tls_key = arg; return true;
	case O_TLS_CA: o->listen.tls_ca = arg; return true;
	case O_TOKEN: o->listen.token_file = arg; return true;
	case O_NO_UNIX: o->no_unix = true; return true;
	case O_ACCESS_LOG: o->access_log = strcmp(arg, "off") ? arg : NULL; return true;
	case O_RATE: return parse_num(arg, &o->rate);
	case O_BURST: return parse_num(arg, &o->burst);
	case O_MAX_CONNS: return parse_int(arg, &o->max_conns);
	case O_MAX_CONNS_CLIENT: return parse_int(arg, &o->max_conns_per_client);
	case O_MAX_STREAMS: return parse_int(arg, &o->max_streams);
	case O_WORKERS: return parse_int(arg, &o->workers);
	case O_HEADER_TIMEOUT: return parse_ms(arg, &o->header_timeout_ms);
	case O_BODY_TIMEOUT: return parse_ms(arg, &o->body_timeout_ms);
	case O_IDLE_TIMEOUT: return parse_ms(arg, &o->idle_timeout_ms);
	case O_WRITE_TIMEOUT: return parse_ms(arg, &o->write_timeout_ms);
	case O_MAX_HEADER:
		if (!sv_str_to_size(arg, &size) || size < 1024 || size > (64 << 20))
			return false;
		o->max_head = (size_t)size;
		return true;
	case O_MAX_BODY:
		if (!sv_str_to_size(arg, &size) || size < 1024)
			return false;
		o->max_body = size;
		return true;
	default: return false;
	}
}

/* Sockets passed by systemd socket activation (sd_listen_fds(3)). */
static int systemd_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int64_t p, n;
	if (!pid || !fds || !sv_str_to_i64(pid, 1, INT32_MAX, &p) || p != getpid() ||
	    !sv_str_to_i64(fds, 1, 8, &n))
		return 0;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return (int)n;
}

static int serve_exec(struct cli_ctx *ctx, int argc, char **argv)
{
	struct rest_serve_opts o;
	rest_serve_opts_init(&o);
	o.access_log = "-";
	struct cli_parse p;
	int which;
	cli_parse_init(&p, &cli_cmd_serve, argc, argv);
	while ((which = cli_parse_next(ctx, &p)) >= 0) {
		if (!set_opt(&o, which, p.arg)) {
			cli_parse_release(&p);
			return cli_failf(ctx, 125, "invalid value '%s' for --%s", p.arg ? p.arg : "",
					 serve_opts[which].name);
		}
	}
	int first = p.optind;
	cli_parse_release(&p);
	if (which < -1)
		return which == -3 ? 0 : 125;
	if (cli_want_args(ctx, &cli_cmd_serve, argc - first, 0, 0))
		return 125;
	o.systemd_fds = systemd_fds();
	sv_log_set_sink(rest_log_sink, NULL, ctx->log_level > SV_LOG_INFO ? ctx->log_level : SV_LOG_INFO);
	SV_AUTOERR sv_err *err = NULL;
	if (rest_serve(cli_engine(ctx), &o, &err) < 0) {
		sv_error("%s", err->msg);
		return 1;
	}
	return 0;
}
