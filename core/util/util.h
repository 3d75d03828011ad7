/*
 * core/util — the ground floor of libservin.
 *
 * Error values, the logging sink, allocation that aborts on OOM, growable
 * buffers and string vectors, file helpers (atomic writes, bounded reads,
 * safe recursive removal), path resolution that cannot leave a root, sha256
 * digests, and small JSON helpers over cJSON (kept out of this header: see
 * json.h).
 *
 * Every function is safe to call from any thread unless it says otherwise.
 */
#ifndef SV_CORE_UTIL_UTIL_H
#define SV_CORE_UTIL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SV_API __attribute__((visibility("default")))
#define SV_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define SV_UNUSED __attribute__((unused))
#define SV_NORETURN __attribute__((noreturn))

/* ---------------------------------------------------------------- errors */

/*
 * An error for a user: what failed, on what, and why. `code` is an errno
 * value (ENOENT for "no such", EEXIST for "already exists", EBUSY for "in
 * use", EINVAL for bad input, EBADMSG for corrupt data, E2BIG for over a
 * limit, EACCES/EPERM for auth, ECANCELED for a cancelled operation); the
 * surfaces map it to exit codes and HTTP statuses.
 */
typedef struct sv_err {
	int code;
	char *msg;
} sv_err;

/* Sets *err (if err and *err is NULL) to "<fmt>: strerror(code)" and
 * returns -1. When *err is already set the first error wins. */
SV_API int sv_err_set(sv_err **err, int code, const char *fmt, ...) SV_PRINTF(3, 4);
/* Like sv_err_set without the strerror suffix. */
SV_API int sv_err_setx(sv_err **err, int code, const char *fmt, ...) SV_PRINTF(3, 4);
SV_API int sv_err_vsetx(sv_err **err, int code, const char *fmt, va_list ap) SV_PRINTF(3, 0);
/* Prepends "<fmt>: " to the message of *err; returns -1. */
SV_API int sv_err_prefix(sv_err **err, const char *fmt, ...) SV_PRINTF(2, 3);
/* Frees an error; NULL is fine. */
SV_API void sv_err_free(sv_err *e);
/* Frees *err and sets it to NULL. */
SV_API void sv_err_clear(sv_err **err);
/* The code of *err, or 0 when there is none. */
SV_API int sv_err_code(sv_err *const *err);

/* ---------------------------------------------------------------- logging */

enum sv_log_level { SV_LOG_ERROR = 0, SV_LOG_WARN, SV_LOG_INFO, SV_LOG_DEBUG };

/* A sink receives one complete message without trailing newline. It may be
 * called from any thread; it must not call back into the logger. */
typedef void sv_log_fn(enum sv_log_level level, const char *msg, void *arg);

/* Installs the sink (NULL discards everything, the default) and the most
 * verbose level that reaches it. Call before starting threads. */
SV_API void sv_log_set_sink(sv_log_fn *fn, void *arg, enum sv_log_level max);
SV_API enum sv_log_level sv_log_level_parse(const char *name, bool *ok);
SV_API bool sv_log_enabled(enum sv_log_level level);
SV_API void sv_log(enum sv_log_level level, const char *fmt, ...) SV_PRINTF(2, 3);
SV_API void sv_error(const char *fmt, ...) SV_PRINTF(1, 2);
SV_API void sv_warn(const char *fmt, ...) SV_PRINTF(1, 2);
SV_API void sv_info(const char *fmt, ...) SV_PRINTF(1, 2);
SV_API void sv_debug(const char *fmt, ...) SV_PRINTF(1, 2);
/* A ready-made sink writing "servin: level: msg\n" to the fd passed as arg
 * (cast from intptr_t). For the CLI only: never while the TUI owns the terminal. */
SV_API void sv_log_fd_sink(enum sv_log_level level, const char *msg, void *arg);

/* ---------------------------------------------------------------- memory */

/* Allocation that aborts on OOM: the only place the core stops a process. */
SV_API void *sv_xmalloc(size_t n);
SV_API void *sv_xcalloc(size_t n, size_t size);
SV_API void *sv_xrealloc(void *p, size_t n);
SV_API char *sv_xstrdup(const char *s);
SV_API char *sv_xstrndup(const char *s, size_t n);
SV_API char *sv_xasprintf(const char *fmt, ...) SV_PRINTF(1, 2);
SV_API char *sv_xvasprintf(const char *fmt, va_list ap) SV_PRINTF(1, 0);

SV_API void sv_cleanup_free(void *pp);
SV_API void sv_cleanup_close(int *fd);
SV_API void sv_cleanup_err(sv_err **e);
SV_API void sv_cleanup_strv(char ***v);

#define SV_AUTOFREE __attribute__((cleanup(sv_cleanup_free)))
#define SV_AUTOCLOSE __attribute__((cleanup(sv_cleanup_close)))
#define SV_AUTOERR __attribute__((cleanup(sv_cleanup_err)))
#define SV_AUTOSTRV __attribute__((cleanup(sv_cleanup_strv)))

/* Returns *pp and sets it to NULL: ownership leaves through here. */
static inline void *sv_steal_ptr(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}

/* Returns *fd and sets it to -1. */
static inline int sv_steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

/* ---------------------------------------------------------------- buffers */

/* A growable byte buffer, always NUL-terminated (git's strbuf). */
struct sv_buf {
	char *data; /* never NULL after sv_buf_init */
	size_t len;
	size_t cap;
};

SV_API void sv_buf_init(struct sv_buf *b);
/* Frees the storage; b is empty and reusable afterwards. */
SV_API void sv_buf_release(struct sv_buf *b);
/* Returns the storage (owned by the caller) and re-initialises b. */
SV_API char *sv_buf_detach(struct sv_buf *b, size_t *len);
SV_API void sv_buf_reset(struct sv_buf *b);
SV_API void sv_buf_grow(struct sv_buf *b, size_t extra);
SV_API void sv_buf_add(struct sv_buf *b, const void *data, size_t len);
SV_API void sv_buf_adds(struct sv_buf *b, const char *s);
SV_API void sv_buf_addc(struct sv_buf *b, char c);
SV_API void sv_buf_addf(struct sv_buf *b, const char *fmt, ...) SV_PRINTF(2, 3);
SV_API void sv_buf_vaddf(struct sv_buf *b, const char *fmt, va_list ap) SV_PRINTF(2, 0);
SV_API void sv_buf_truncate(struct sv_buf *b, size_t len);
SV_API void sv_cleanup_buf(struct sv_buf *b);
#define SV_AUTOBUF __attribute__((cleanup(sv_cleanup_buf)))

/* ------------------------------------------------------ string vectors */

/* NULL-terminated arrays of owned strings (argv-like). */
SV_API size_t sv_strv_len(char *const *v);
/* Appends a copy of s; *v may be NULL. */
SV_API void sv_strv_push(char ***v, const char *s);
/* Appends s, taking ownership. */
SV_API void sv_strv_push_take(char ***v, char *s);
SV_API void sv_strv_free(char **v);
SV_API char **sv_strv_dup(char *const *v);
SV_API bool sv_strv_contains(char *const *v, const char *s);
/* Splits s at every sep; empty fields are kept unless skip_empty. */
SV_API char **sv_strv_split(const char *s, char sep, bool skip_empty);
SV_API char *sv_strv_join(char *const *v, const char *sep);

/* ---------------------------------------------------------------- strings */

SV_API bool sv_str_has_prefix(const char *s, const char *prefix);
SV_API bool sv_str_has_suffix(const char *s, const char *suffix);
/* Parses a decimal integer in [min, max]; false on any junk. */
SV_API bool sv_str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Parses sizes like "512", "64k", "1.5g", "100MB" (binary units). */
SV_API bool sv_str_to_size(const char *s, int64_t *out);
/* Formats bytes as Docker does ("1.23MB", "512B"); buf >= 16 bytes. */
SV_API const char *sv_str_human_size(int64_t bytes, char *buf, size_t len);
/* "3 seconds ago", "About an hour ago", "2 days ago"... as Docker prints. */
SV_API const char *sv_str_human_duration(int64_t seconds, char *buf, size_t len);

/* The host architecture in OCI terms ("amd64", "arm64"...); static. */
SV_API const char *sv_host_arch(void);

/* ---------------------------------------------------------------- time */

/* Wall clock in ns since the epoch, and monotonic ns. */
SV_API int64_t sv_time_now_ns(void);
SV_API int64_t sv_time_mono_ns(void);
/* RFC 3339 with nanoseconds, UTC ("2026-11-29T14:46:33.123456789Z"). */
SV_API const char *sv_time_rfc3339(int64_t ns, char *buf, size_t len);
/* Parses RFC 3339 (fractional seconds and offsets allowed), or a Unix time
 * with optional fraction ("1700000000.5"), or a duration relative to now
 * ("10m", "1h30m", "45s"), as Docker's --since/--until do. */
SV_API int sv_time_parse(const char *s, int64_t now_ns, int64_t *out_ns, sv_err **err);

/* ---------------------------------------------------------------- files */

/* Reads a whole file, refusing files larger than max bytes (E2BIG). */
SV_API int sv_read_file(const char *path, size_t max, struct sv_buf *out, sv_err **err);
SV_API int sv_read_fileat(int dirfd, const char *path, size_t max, struct sv_buf *out, sv_err **err);
/* Reads an fd to EOF, at most max bytes. */
SV_API int sv_read_fd(int fd, size_t max, struct sv_buf *out, sv_err **err);
/* Writes all of buf, retrying on EINTR and short writes. */
SV_API int sv_write_all(int fd, const void *buf, size_t len);
/* One message with up to SV_MSG_MAX_FDS fds on a SOCK_SEQPACKET socket. */
#define SV_MSG_MAX_FDS 8
SV_API int sv_msg_send(int sock, const void *data, size_t len, const int *fds, size_t nfds, sv_err **err);
/* Receives one such message: its data (at most max bytes) into out, its
 * fds into fds (*nfds: room in, received out; the rest closed). 0 at EOF,
 * else 1. */
SV_API int sv_msg_recv(int sock, size_t max, struct sv_buf *out, int *fds, size_t *nfds, sv_err **err);
/* The fds of a received message's SCM_RIGHTS: up to *nfds kept in fds
 * (*nfds: how many), the rest closed. */
struct msghdr;
SV_API void sv_msg_take_fds(struct msghdr *mh, int *fds, size_t *nfds);
/* Attaches nfds (at most SV_MSG_MAX_FDS) fds to mh as SCM_RIGHTS, in ctl. */
union sv_msg_ctl {
	char buf[64]; /* CMSG_SPACE(sizeof(int) * SV_MSG_MAX_FDS) on Linux */
	struct {
		size_t len;
		int level, type;
	} align;
};
SV_API void sv_msg_put_fds(struct msghdr *mh, union sv_msg_ctl *ctl, const int *fds, size_t nfds);
/* Atomic replace: writes dir/name.tmp-<pid>-<n>, fsyncs it, renames it over
 * name and fsyncs the directory. */
SV_API int sv_write_file_atomic(int dirfd, const char *name, const void *data, size_t len,
				mode_t mode, sv_err **err);
/* mkdir -p; existing directories are fine. */
SV_API int sv_mkdir_p(const char *path, mode_t mode, sv_err **err);
/* Removes dirfd/name recursively without ever following a symlink;
 * a missing name is fine. dirfd may be AT_FDCWD. */
SV_API int sv_rm_rf_at(int dirfd, const char *name, sv_err **err);
SV_API int sv_rm_rf(const char *path, sv_err **err);
/* Those never cross into another filesystem (EBUSY); this one detaches
 * the mounts it meets (MNT_DETACH) and removes what was under them. */
SV_API int sv_rm_rf_unmounting(const char *path, sv_err **err);
SV_API int sv_rm_rf_at_unmounting(int dirfd, const char *name, sv_err **err);
/* Sum of st_blocks*512 and the count of inodes under dirfd (no symlinks
 * followed, hard links counted once per call). */
SV_API int sv_du_at(int dirfd, int64_t *bytes, int64_t *inodes, sv_err **err);
/* O_CLOEXEC everywhere: sets FD_CLOEXEC on every fd >= from. */
SV_API void sv_fd_cloexec_from(int from);
/* Copies one open file into another with copy_file_range (falls back to
 * read/write). */
SV_API int sv_copy_fd(int in, int out, sv_err **err);

/* A temporary name unique to this process: "<prefix><pid>-<rand>". */
SV_API char *sv_tmp_name(const char *prefix);
/* The same for process pid (the one that will finish with it). */
SV_API char *sv_tmp_name_for(const char *prefix, pid_t pid);
/* True when the process that made a name of sv_tmp_name() is gone. */
SV_API bool sv_tmp_name_is_stale(const char *name, const char *prefix);

/* ---------------------------------------------------------------- paths */

/* Opens `path` relative to rootfd as if rootfd were "/": ".." stops at the
 * root and absolute symlinks resolve inside it (openat2 RESOLVE_IN_ROOT,
 * with a careful component walk where the kernel lacks it). Magic links in
 * /proc are never followed. `flags` are open(2) flags; O_CLOEXEC is added. */
SV_API int sv_open_in_root(int rootfd, const char *path, int flags, mode_t mode, sv_err **err);
/* Resolves the parent of `path` inside rootfd and returns an O_PATH|
 * O_DIRECTORY fd on it, plus the final component in *base (owned).
 * With `create`, missing parents are made (mode 0755) along the way. */
SV_API int sv_open_parent_in_root(int rootfd, const char *path, bool create, char **base,
				  sv_err **err);
/* Lexically cleans a relative path: removes ".", "", resolves ".." without
 * ever going above the start. Returns NULL for an empty result unless
 * allow_empty. Owned. */
SV_API char *sv_path_clean(const char *path);
/* "a" + "b" → "a/b" with exactly one slash. Owned. */
SV_API char *sv_path_join(const char *a, const char *b);

/* ---------------------------------------------------------------- digests */

#define SV_DIGEST_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define SV_DIGEST_STR_LEN 72

typedef struct sv_sha256 sv_sha256;

SV_API sv_sha256 *sv_sha256_new(void);
SV_API void sv_sha256_update(sv_sha256 *h, const void *data, size_t len);
/* Writes "sha256:<hex>" into out (SV_DIGEST_STR_LEN bytes). */
SV_API void sv_sha256_final(sv_sha256 *h, char out[SV_DIGEST_STR_LEN]);
SV_API void sv_sha256_free(sv_sha256 *h);
SV_API void sv_sha256_data(const void *data, size_t len, char out[SV_DIGEST_STR_LEN]);
/* The same in plain C, without OpenSSL: for small inputs in processes that
 * should not load libcrypto (sv_sha256_data picks it below 64 KiB). */
SV_API void sv_sha256_small(const void *data, size_t len, char out[SV_DIGEST_STR_LEN]);
/* Validates "sha256:<64 lowercase hex>"; anything else is EINVAL. */
SV_API int sv_digest_validate(const char *digest, sv_err **err);
/* The hex part of a valid digest (borrowed: points into digest). */
SV_API const char *sv_digest_hex(const char *digest);

/* ---------------------------------------------------------------- JSON */

/* Helpers over cJSON. The header names only `struct cJSON`; callers that
 * walk trees include <cjson/cJSON.h> themselves. */
struct cJSON;

/* Parses at most max bytes of JSON text (E2BIG above, EBADMSG when
 * malformed, with the offset of the error). Returns an owned tree. */
SV_API struct cJSON *sv_json_parse(const char *text, size_t len, size_t max, const char *what,
				   sv_err **err);
/* Borrowed string member, or NULL when missing or not a string. */
SV_API const char *sv_json_str(const struct cJSON *obj, const char *key);
/* Integer member; def when missing or not a number. */
SV_API int64_t sv_json_i64(const struct cJSON *obj, const char *key, int64_t def);
SV_API bool sv_json_bool(const struct cJSON *obj, const char *key, bool def);
/* Object or array member, or NULL when missing or of another type. */
SV_API struct cJSON *sv_json_obj(const struct cJSON *obj, const char *key);
SV_API struct cJSON *sv_json_arr(const struct cJSON *obj, const char *key);
/* An array of strings as an owned strv (non-strings refused: EINVAL). */
SV_API int sv_json_strv(const struct cJSON *arr, char ***out, sv_err **err);
/* Compact text; owned. */
SV_API char *sv_json_print(const struct cJSON *obj);
SV_API char *sv_json_print_pretty(const struct cJSON *obj);
SV_API void sv_cleanup_json(struct cJSON **j);
#define SV_AUTOJSON __attribute__((cleanup(sv_cleanup_json)))

/* ---------------------------------------------------------------- progress */

/* One step of a long operation: a layer's bytes, a status line. `id` is a
 * short layer or object id ("" for the whole operation). Called on the
 * thread doing the work; keep it short. */
struct sv_progress {
	const char *id;
	const char *status;  /* "Pulling fs layer", "Downloading", "Loading layer"... */
	int64_t current;
	int64_t total;	     /* -1 when unknown */
};
typedef void sv_progress_fn(const struct sv_progress *p, void *arg);

/* ---------------------------------------------------------------- ids */

/* 64 random hex characters (container ids, exec ids). out: 65 bytes. */
SV_API void sv_random_hex(char *out, size_t nhex);

#endif
