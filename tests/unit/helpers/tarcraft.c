/*
 * tarcraft: see tarcraft.h.
 */
#include "tarcraft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void tc_init(struct tc *t)
{
	memset(t, 0, sizeof *t);
}

static void put(struct tc *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 4096;
		t->data = realloc(t->data, t->cap);
		if (!t->data)
			abort();
	}
	memcpy(t->data + t->len, p, n);
	t->len += n;
}

static void pad(struct tc *t)
{
	static const unsigned char zero[512];
	if (t->len % 512)
		put(t, zero, 512 - t->len % 512);
}

static void octal(char *field, size_t width, uint64_t v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, (unsigned long long)v);
}

static void header(struct tc *t, const char *name, char type, uint64_t size, unsigned mode, int64_t uid,
		   int64_t gid, int64_t mtime, const char *link, unsigned major, unsigned minor)
{
	char h[512];
	memset(h, 0, sizeof h);
	strncpy(h, name, 100);
	octal(h + 100, 8, mode);
	octal(h + 108, 8, uid >= 0 && uid < 07777777 ? (uint64_t)uid : 0);
	octal(h + 116, 8, gid >= 0 && gid < 07777777 ? (uint64_t)gid : 0);
	octal(h + 124, 12, size);
	octal(h + 136, 12, (uint64_t)mtime);
	memset(h + 148, ' ', 8);
	h[156] = type;
	if (link)
		strncpy(h + 157, link, 100);
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	strcpy(h + 265, "root");
	strcpy(h + 297, "root");
	octal(h + 329, 8, major);
	octal(h + 337, 8, minor);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
	put(t, h, 512);
}

/* One PAX record: "<len> key=value\n", where len counts itself. */
static void pax_record(char **buf, size_t *n, const char *key, const char *val, size_t vlen)
{
	size_t body = strlen(key) + vlen + 3;
	size_t len = body + 1;
	while (1) {
		char tmp[32];
		size_t digits = (size_t)snprintf(tmp, sizeof tmp, "%zu", len);
		if (body + digits == len)
			break;
		len = body + digits;
	}
	*buf = realloc(*buf, *n + len + 1);
	int w = snprintf(*buf + *n, len + 1, "%zu %s=", len, key);
	memcpy(*buf + *n + w, val, vlen);
	(*buf)[*n + len - 1] = '\n';
	*n += len;
}

void tc_add(struct tc *t, const struct tc_entry *e)
{
	uint64_t size = e->body ? e->body_len : e->size > 0 ? (uint64_t)e->size : 0;
	unsigned mode = e->mode ? e->mode : (e->type == '5' ? 0755 : 0644);
	char *pax = NULL;
	size_t npax = 0;
	if (strlen(e->name) > 100)
		pax_record(&pax, &npax, "path", e->name, strlen(e->name));
	if (e->link && strlen(e->link) > 100)
		pax_record(&pax, &npax, "linkpath", e->link, strlen(e->link));
	char num[32];
	if (e->uid < 0 || e->uid >= 07777777) {
		snprintf(num, sizeof num, "%lld", (long long)e->uid);
		pax_record(&pax, &npax, "uid", num, strlen(num));
	}
	if (e->gid < 0 || e->gid >= 07777777) {
		snprintf(num, sizeof num, "%lld", (long long)e->gid);
		pax_record(&pax, &npax, "gid", num, strlen(num));
	}
	if (e->xattr_name) {
		char key[256];
		snprintf(key, sizeof key, "SCHILY.xattr.%s", e->xattr_name);
		pax_record(&pax, &npax, key, e->xattr_value, strlen(e->xattr_value));
	}
	if (pax) {
		header(t, "PaxHeaders/x", 'x', npax, 0644, 0, 0, 0, NULL, 0, 0);
		put(t, pax, npax);
		pad(t);
		free(pax);
	}
	header(t, e->name, e->type ? e->type : '0', size, mode, e->uid, e->gid, e->mtime, e->link, e->major,
	       e->minor);
	if (e->body) {
		put(t, e->body, e->body_len);
		pad(t);
	}
}

void tc_file(struct tc *t, const char *name, const char *content)
{
	tc_add(t, &(struct tc_entry){ .name = name, .type = '0', .body = content, .body_len = strlen(content) });
}

void tc_dir(struct tc *t, const char *name)
{
	tc_add(t, &(struct tc_entry){ .name = name, .type = '5' });
}

void tc_symlink(struct tc *t, const char *name, const char *target)
{
	tc_add(t, &(struct tc_entry){ .name = name, .type = '2', .link = target, .mode = 0777 });
}

void tc_hardlink(struct tc *t, const char *name, const char *target)
{
	tc_add(t, &(struct tc_entry){ .name = name, .type = '1', .link = target });
}

void tc_end(struct tc *t)
{
	static const unsigned char zero[1024];
	put(t, zero, sizeof zero);
}

void tc_release(struct tc *t)
{
	free(t->data);
	tc_init(t);
}

unsigned char *tc_gzip(const struct tc *t, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	size_t cap = deflateBound(&z, t->len) + 64;
	unsigned char *out = malloc(cap);
	z.next_in = t->data;
	z.avail_in = (uInt)t->len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}
