/*
 * tarcraft — builds tar streams byte by byte, so tests can say exactly
 * what a hostile layer contains (names with "..", absolute paths, links
 * out of the root, odd types, huge sizes) without any tool normalising it.
 * ustar headers, with a PAX extended header when a name, a link target or
 * a uid does not fit, or when xattrs are given.
 */
#ifndef SV_TESTS_TARCRAFT_H
#define SV_TESTS_TARCRAFT_H

#include <stddef.h>
#include <stdint.h>

struct tc {
	unsigned char *data;
	size_t len, cap;
};

struct tc_entry {
	const char *name;
	char type;	     /* '0' file, '5' dir, '2' symlink, '1' hardlink, '3' char, '4' block, '6' fifo */
	const void *body;    /* file content */
	size_t body_len;
	int64_t size;	     /* size field when >= 0 and body is NULL (lying headers) */
	unsigned mode;	     /* default 0644 / 0755 */
	int64_t uid, gid;
	int64_t mtime;
	const char *link;    /* symlink or hardlink target */
	unsigned major, minor;
	const char *xattr_name, *xattr_value; /* one SCHILY.xattr record */
};

void tc_init(struct tc *t);
void tc_add(struct tc *t, const struct tc_entry *e);
void tc_file(struct tc *t, const char *name, const char *content);
void tc_dir(struct tc *t, const char *name);
void tc_symlink(struct tc *t, const char *name, const char *target);
void tc_hardlink(struct tc *t, const char *name, const char *target);
/* Appends the two zero blocks. */
void tc_end(struct tc *t);
void tc_release(struct tc *t);
/* gzip (level 1) of the stream; owned buffer. */
unsigned char *tc_gzip(const struct tc *t, size_t *out_len);

#endif
