/*
 * Clocks and the time formats Docker speaks: RFC 3339 with nanoseconds for
 * inspect and events, and the --since/--until forms (RFC 3339, Unix
 * seconds with a fraction, or a Go-style duration back from now).
 */
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_PER_SEC 1000000000LL
/* Seconds that still fit in int64 nanoseconds (year 2262 either way). */
#define MAX_SECS (INT64_MAX / NS_PER_SEC - 1)

int64_t sv_time_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

int64_t sv_time_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

const char *sv_time_rfc3339(int64_t ns, char *buf, size_t len)
{
	time_t secs = (time_t)(ns / NS_PER_SEC);
	long frac = (long)(ns % NS_PER_SEC);
	if (frac < 0) {
		frac += NS_PER_SEC;
		secs--;
	}
	struct tm tm;
	gmtime_r(&secs, &tm);
	char day[40];
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	if (frac)
		snprintf(buf, len, "%s.%09ldZ", day, frac);
	else
		snprintf(buf, len, "%sZ", day);
	return buf;
}

/* "1h30m10.5s", "10m", "250ms": Go's time.ParseDuration subset. */
static bool parse_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", NS_PER_SEC },
		{ "m", 60 * NS_PER_SEC }, { "h", 3600 * NS_PER_SEC },
	};
	int64_t total = 0;
	if (!*s)
		return false;
	while (*s) {
		char *end;
		errno = 0;
		double v = strtod(s, &end);
		if (errno || end == s || v < 0)
			return false;
		size_t ulen = 0;
		while (isalpha((unsigned char)end[ulen]))
			ulen++;
		int64_t mult = 0;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strlen(units[i].unit) == ulen && strncmp(end, units[i].unit, ulen) == 0)
				mult = units[i].ns;
		if (!mult || v * (double)mult > 9.2e18 - (double)total)
			return false;
		total += (int64_t)(v * (double)mult);
		s = end + ulen;
	}
	*out = total;
	return true;
}

static bool parse_unix(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long secs = strtoll(s, &end, 10);
	if (errno || end == s || secs < 0 || secs > MAX_SECS)
		return false;
	int64_t frac = 0;
	if (*end == '.') {
		const char *f = end + 1;
		int digits = 0;
		for (; isdigit((unsigned char)*f) && digits < 9; f++, digits++)
			frac = frac * 10 + (*f - '0');
		if (digits == 0 || *f)
			return false;
		for (; digits < 9; digits++)
			frac *= 10;
		end = (char *)(uintptr_t)f;
	}
	if (*end)
		return false;
	*out = (int64_t)secs * NS_PER_SEC + frac;
	return true;
}

static bool parse_rfc3339(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p) {
		memset(&tm, 0, sizeof tm);
		p = strptime(s, "%Y-%m-%d", &tm);
		if (!p || *p)
			return false;
	}
	int64_t frac = 0;
	if (*p == '.') {
		int digits = 0;
		for (p++; isdigit((unsigned char)*p); p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		for (; digits < 9; digits++)
			frac *= 10;
	}
	int64_t offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return false;
		offset = (hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
		p += 6;
	}
	if (*p)
		return false;
	time_t t = timegm(&tm);
	if (t - offset > MAX_SECS || t - offset < -MAX_SECS)
		return false;
	*out = ((int64_t)t - offset) * NS_PER_SEC + frac;
	return true;
}

int sv_time_parse(const char *s, int64_t now_ns, int64_t *out_ns, sv_err **err)
{
	int64_t d;
	if (parse_unix(s, out_ns) || parse_rfc3339(s, out_ns))
		return 0;
	if (parse_duration(s, &d)) {
		*out_ns = now_ns - d;
		return 0;
	}
	return sv_err_setx(err, EINVAL, "invalid time '%s': want RFC 3339, a Unix time, or a duration like 10m", s);
}
