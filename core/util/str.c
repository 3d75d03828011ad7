/*
 * String helpers: prefixes, strict number parsing, and the human-readable
 * sizes and durations Docker prints, so servin's tables read the same.
 */
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

bool sv_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool sv_str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool sv_str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	char *end = NULL;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool sv_str_to_size(const char *s, int64_t *out)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 },		    { "b", 1 },			 { "k", 1024.0 },
		{ "kb", 1024.0 },	    { "kib", 1024.0 },		 { "m", 1048576.0 },
		{ "mb", 1048576.0 },	    { "mib", 1048576.0 },	 { "g", 1073741824.0 },
		{ "gb", 1073741824.0 },	    { "gib", 1073741824.0 },	 { "t", 1099511627776.0 },
		{ "tb", 1099511627776.0 }, { "tib", 1099511627776.0 },
	};
	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return false;
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return false;
	char suffix[8];
	size_t n = strlen(end);
	if (n >= sizeof suffix)
		return false;
	for (size_t i = 0; i <= n; i++)
		suffix[i] = (char)tolower((unsigned char)end[i]);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(suffix, units[i].suffix) != 0)
			continue;
		double bytes = v * units[i].mult;
		if (bytes >= 9.2e18)
			return false;
		*out = (int64_t)bytes;
		return true;
	}
	return false;
}

const char *sv_str_human_size(int64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000.0 && u + 1 < sizeof units / sizeof units[0]) {
		v /= 1000.0;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
	return buf;
}

const char *sv_str_human_duration(int64_t seconds, char *buf, size_t len)
{
	int64_t minutes = seconds / 60;
	int64_t hours = (seconds + 1800) / 3600;
	if (seconds < 1)
		snprintf(buf, len, "Less than a second");
	else if (seconds == 1)
		snprintf(buf, len, "1 second");
	else if (seconds < 60)
		snprintf(buf, len, "%" PRId64 " seconds", seconds);
	else if (minutes == 1)
		snprintf(buf, len, "About a minute");
	else if (minutes < 60)
		snprintf(buf, len, "%" PRId64 " minutes", minutes);
	else if (hours == 1)
		snprintf(buf, len, "About an hour");
	else if (hours < 48)
		snprintf(buf, len, "%" PRId64 " hours", hours);
	else if (hours < 24 * 7 * 2)
		snprintf(buf, len, "%" PRId64 " days", hours / 24);
	else if (hours < 24 * 30 * 2)
		snprintf(buf, len, "%" PRId64 " weeks", hours / 24 / 7);
	else if (hours < 24 * 365 * 2)
		snprintf(buf, len, "%" PRId64 " months", hours / 24 / 30);
	else
		snprintf(buf, len, "%" PRId64 " years", seconds / 3600 / 24 / 365);
	return buf;
}

/* The host architecture in OCI terms. */
const char *sv_host_arch(void)
{
	static const struct {
		const char *uname;
		const char *oci;
	} arches[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" }, { "i686", "386" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
	};
	static char other[65];
	struct utsname u;
	if (uname(&u) < 0)
		return "amd64";
	for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
		if (strcmp(u.machine, arches[i].uname) == 0)
			return arches[i].oci;
	memcpy(other, u.machine, sizeof other - 1);
	return other;
}
