/*
 * IPv4 addresses and subnets: strict parsing (no octal, no shorthand, no
 * junk), formatting, masks and overlap tests.
 */
#include "network-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

bool sv_ipv4_parse(const char *s, uint32_t *out)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned v = 0;
		int digits = 0;
		while (*s >= '0' && *s <= '9') {
			if (digits && v == 0)
				return false; /* "01": refused, not octal */
			v = v * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || v > 255)
				return false;
		}
		a = a << 8 | v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	if (*s)
		return false;
	*out = a;
	return true;
}

const char *sv_ipv4_fmt(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

uint32_t sv_ipv4_mask(int prefix)
{
	return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
}

int sv_ipv4_net_parse(const char *s, bool allow_host, struct sv_ipv4_net *out, sv_err **err)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash || slash - s > 15)
		return sv_err_setx(err, EINVAL, "invalid CIDR address: %s", s ? s : "");
	char ip[16];
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = 0;
	int64_t p;
	uint32_t a;
	if (!sv_ipv4_parse(ip, &a) || !sv_str_to_i64(slash + 1, 0, 32, &p))
		return sv_err_setx(err, EINVAL, "invalid CIDR address: %s", s);
	if (!allow_host && (a & ~sv_ipv4_mask((int)p)))
		return sv_err_setx(err, EINVAL, "invalid subnet %s: host bits are set (did you mean %s/%d?)", s,
				   sv_ipv4_fmt(a & sv_ipv4_mask((int)p), ip), (int)p);
	out->addr = a;
	out->prefix = (int)p;
	return 0;
}

const char *sv_ipv4_net_fmt(const struct sv_ipv4_net *n, char *buf)
{
	char a[16];
	snprintf(buf, 19, "%s/%d", sv_ipv4_fmt(n->addr, a), n->prefix);
	return buf;
}

bool sv_ipv4_net_contains(const struct sv_ipv4_net *n, uint32_t a)
{
	uint32_t m = sv_ipv4_mask(n->prefix);
	return (a & m) == (n->addr & m);
}

bool sv_ipv4_net_overlaps(const struct sv_ipv4_net *a, const struct sv_ipv4_net *b)
{
	int p = a->prefix < b->prefix ? a->prefix : b->prefix;
	uint32_t m = sv_ipv4_mask(p);
	return (a->addr & m) == (b->addr & m);
}

void net_mac_for(uint32_t ip, uint8_t mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0x42;
	mac[2] = (uint8_t)(ip >> 24);
	mac[3] = (uint8_t)(ip >> 16);
	mac[4] = (uint8_t)(ip >> 8);
	mac[5] = (uint8_t)ip;
}
