/*
 * A container's /etc/hosts and /etc/resolv.conf, as Docker writes them.
 */
#include "network-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool hostname_valid(const char *s)
{
	if (!*s || strlen(s) > 253)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.' || *p == '_'))
			return false;
	return true;
}

/* "name:ip", "name=ip" or "name:host-gateway" → "ip\tname\n". */
static int extra_host(struct sv_buf *b, const char *spec, uint32_t gateway, sv_err **err)
{
	const char *sep = strchr(spec, '=');
	if (!sep)
		sep = strchr(spec, ':');
	if (!sep || sep == spec)
		return sv_err_setx(err, EINVAL, "invalid argument \"%s\" for \"--add-host\": want NAME:IP", spec);
	SV_AUTOFREE char *name = sv_xstrndup(spec, (size_t)(sep - spec));
	const char *ip = sep + 1;
	uint32_t a;
	char buf[16];
	if (strcmp(ip, "host-gateway") == 0) {
		if (!gateway)
			return sv_err_setx(err, EINVAL, "--add-host %s: host-gateway needs a bridge network", spec);
		ip = sv_ipv4_fmt(gateway, buf);
	} else if (!sv_ipv4_parse(ip, &a)) {
		return sv_err_setx(err, EINVAL, "invalid IP address in add-host: \"%s\"", ip);
	}
	if (!hostname_valid(name))
		return sv_err_setx(err, EINVAL, "invalid host name in add-host: \"%s\"", name);
	sv_buf_addf(b, "%s\t%s\n", ip, name);
	return 0;
}

char *sv_etc_hosts(const struct sv_etc_opts *o, sv_err **err)
{
	struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_adds(&b, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
			"fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
	for (size_t i = 0; o->extra_hosts && o->extra_hosts[i]; i++)
		if (extra_host(&b, o->extra_hosts[i], o->gateway, err) < 0) {
			sv_buf_release(&b);
			return NULL;
		}
	if (o->ip) {
		char a[16];
		sv_buf_addf(&b, "%s\t", sv_ipv4_fmt(o->ip, a));
		if (o->domainname && *o->domainname)
			sv_buf_addf(&b, "%s.%s ", o->hostname, o->domainname);
		sv_buf_adds(&b, o->hostname ? o->hostname : "localhost");
		for (size_t i = 0; o->aliases && o->aliases[i]; i++)
			if (!o->hostname || strcmp(o->aliases[i], o->hostname) != 0)
				sv_buf_addf(&b, " %s", o->aliases[i]);
		sv_buf_addc(&b, '\n');
	}
	return sv_buf_detach(&b, NULL);
}

/* The words after `key` on the resolv.conf lines starting with it. */
static char **resolv_words(const char *text, const char *key)
{
	char **v = NULL;
	SV_AUTOSTRV char **lines = sv_strv_split(text ? text : "", '\n', true);
	size_t kl = strlen(key);
	for (size_t i = 0; lines[i]; i++) {
		const char *l = lines[i];
		if (strncmp(l, key, kl) != 0 || (l[kl] != ' ' && l[kl] != '\t'))
			continue;
		SV_AUTOFREE char *rest = sv_xstrdup(l + kl);
		for (char *p = rest; *p; p++)
			if (*p == '\t' || *p == '\r')
				*p = ' ';
		SV_AUTOSTRV char **w = sv_strv_split(rest, ' ', true);
		for (size_t j = 0; w[j]; j++)
			if (w[j][0] != '#' && w[j][0] != ';')
				sv_strv_push(&v, w[j]);
	}
	return v ? v : sv_xcalloc(1, sizeof(char *));
}

char **sv_etc_nameservers(const char *resolv)
{
	return resolv_words(resolv, "nameserver");
}

static void add_line(struct sv_buf *b, const char *key, char *const *words)
{
	if (!words || !words[0])
		return;
	sv_buf_adds(b, key);
	for (size_t i = 0; words[i]; i++)
		sv_buf_addf(b, " %s", words[i]);
	sv_buf_addc(b, '\n');
}

char *sv_etc_resolv(const struct sv_etc_opts *o)
{
	struct sv_buf b;
	sv_buf_init(&b);
	SV_AUTOSTRV char **host_ns = resolv_words(o->host_resolv, "nameserver");
	SV_AUTOSTRV char **host_search = resolv_words(o->host_resolv, "search");
	SV_AUTOSTRV char **host_opts = resolv_words(o->host_resolv, "options");
	if (o->embedded_dns) {
		sv_buf_addf(&b, "nameserver %s\n", SV_NET_DNS_ADDR);
	} else {
		char *const *ns = o->dns && o->dns[0] ? o->dns : host_ns;
		for (size_t i = 0; ns[i]; i++)
			sv_buf_addf(&b, "nameserver %s\n", ns[i]);
	}
	add_line(&b, "search", o->dns_search && o->dns_search[0] ? o->dns_search : host_search);
	SV_AUTOSTRV char **opts = NULL;
	if (o->dns_options && o->dns_options[0])
		opts = sv_strv_dup(o->dns_options);
	else if (o->embedded_dns)
		sv_strv_push(&opts, "ndots:0");
	else
		opts = sv_strv_dup(host_opts);
	add_line(&b, "options", opts);
	return sv_buf_detach(&b, NULL);
}
