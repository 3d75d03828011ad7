/*
 * Layer unpacking as a pipeline, so a pull or a load is as fast as the
 * slowest stage rather than the sum of them:
 *
 *   caller (feed)        inflate thread              extract thread
 *   hash compressed  ->  gunzip/unzstd, hash tar  ->  libarchive tar reader,
 *   bytes, count            bytes, enforce bounds       files written under
 *                                                       the layer root
 *
 * Chunks of 256 KiB travel through bounded queues; the first failure in any
 * stage stops all of them and is what the caller sees. Digests are checked
 * at the end: nothing may be committed from a directory whose unpack did
 * not finish with 0.
 */
#include "image/image.h"

#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "unpack-internal.h"

#define DEFAULT_MAX_BYTES (64LL << 30)
#define DEFAULT_MAX_ENTRIES 2000000
#define RATIO_FLOOR (1LL << 30)
#define RATIO_MAX 1000

enum compression { COMP_UNKNOWN = 0, COMP_NONE, COMP_GZIP, COMP_ZSTD };

struct sv_unpacker {
	struct sv_unpack_opts opts;
	int rootfd;
	pthread_mutex_t mu;
	bool stop;
	sv_err *err; /* first failure of a worker, under mu */
	struct chunkq q_in, q_tar;
	pthread_t inflate_thread, extract_thread;
	bool threads_started;
	bool finished;
	/* feed side */
	sv_sha256 *h_in;
	int64_t fed;
	int64_t next_progress;
	struct chunk *pending; /* partially filled input chunk */
	/* inflate side */
	enum compression comp;
	int64_t comp_in; /* compressed bytes taken from q_in */
	sv_sha256 *h_tar;
	int64_t tar_bytes;
	/* extract side */
	struct extract_stats stats;
};

/* ---------------------------------------------------------------- queues */

bool chunkq_put(struct chunkq *q, struct chunk *c)
{
	pthread_mutex_lock(q->mu);
	while (q->count == UNPACK_SLOTS && !*q->stop)
		pthread_cond_wait(&q->put_cv, q->mu);
	if (*q->stop) {
		pthread_mutex_unlock(q->mu);
		free(c);
		return false;
	}
	q->slots[(q->head + q->count) % UNPACK_SLOTS] = c;
	q->count++;
	pthread_cond_signal(&q->get_cv);
	pthread_mutex_unlock(q->mu);
	return true;
}

struct chunk *chunkq_get(struct chunkq *q, bool *stopped)
{
	pthread_mutex_lock(q->mu);
	while (q->count == 0 && !q->eof && !*q->stop)
		pthread_cond_wait(&q->get_cv, q->mu);
	struct chunk *c = NULL;
	*stopped = *q->stop;
	if (!*q->stop && q->count) {
		c = q->slots[q->head];
		q->head = (q->head + 1) % UNPACK_SLOTS;
		q->count--;
		pthread_cond_signal(&q->put_cv);
	}
	pthread_mutex_unlock(q->mu);
	return c;
}

void chunkq_close(struct chunkq *q)
{
	pthread_mutex_lock(q->mu);
	q->eof = true;
	pthread_cond_broadcast(&q->get_cv);
	pthread_mutex_unlock(q->mu);
}

static void chunkq_init(struct chunkq *q, pthread_mutex_t *mu, const bool *stop)
{
	memset(q, 0, sizeof *q);
	q->mu = mu;
	q->stop = stop;
	pthread_cond_init(&q->put_cv, NULL);
	pthread_cond_init(&q->get_cv, NULL);
}

static void chunkq_destroy(struct chunkq *q)
{
	for (size_t i = 0; i < q->count; i++)
		free(q->slots[(q->head + i) % UNPACK_SLOTS]);
	q->count = 0;
	pthread_cond_destroy(&q->put_cv);
	pthread_cond_destroy(&q->get_cv);
}

static struct chunk *chunk_new(void)
{
	struct chunk *c = sv_xmalloc(sizeof *c + UNPACK_CHUNK);
	c->len = 0;
	return c;
}

/* Records the first failure and stops every stage. Takes the error. */
static void unpacker_fail(struct sv_unpacker *u, sv_err *e)
{
	pthread_mutex_lock(&u->mu);
	if (!u->err)
		u->err = e;
	else
		sv_err_free(e);
	u->stop = true;
	pthread_cond_broadcast(&u->q_in.put_cv);
	pthread_cond_broadcast(&u->q_in.get_cv);
	pthread_cond_broadcast(&u->q_tar.put_cv);
	pthread_cond_broadcast(&u->q_tar.get_cv);
	pthread_mutex_unlock(&u->mu);
}

/* ---------------------------------------------------------- inflate stage */

static enum compression sniff(const unsigned char *p, size_t n)
{
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return COMP_GZIP;
	if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
		return COMP_ZSTD;
	return COMP_NONE;
}

/* Hands a chunk of tar bytes to the extractor, after hashing and bounds. */
static int emit_tar(struct sv_unpacker *u, struct chunk *c, sv_err **err)
{
	u->tar_bytes += (int64_t)c->len;
	if (u->tar_bytes > u->opts.max_bytes) {
		free(c);
		return sv_err_setx(err, E2BIG, "layer decompresses to more than %lld bytes",
				   (long long)u->opts.max_bytes);
	}
	if (u->comp != COMP_NONE && u->tar_bytes > u->opts.ratio_floor &&
	    u->tar_bytes / u->opts.max_ratio > u->comp_in) {
		free(c);
		return sv_err_setx(err, E2BIG, "layer decompresses over %lld:1 (%lld bytes from %lld): a decompression bomb",
				   (long long)u->opts.max_ratio, (long long)u->tar_bytes, (long long)u->comp_in);
	}
	sv_sha256_update(u->h_tar, c->data, c->len);
	if (!chunkq_put(&u->q_tar, c))
		return -1;
	return 0;
}

struct gz {
	struct inflate_state st;
	bool member_done;
};

static int inflate_gzip(struct sv_unpacker *u, struct gz *z, struct chunk *in, sv_err **err)
{
	z->st.next_in = (uint8_t *)in->data;
	z->st.avail_in = (uint32_t)in->len;
	while (z->st.avail_in > 0) {
		if (z->member_done) {
			/* Concatenated gzip members form one stream (RFC 1952). */
			isal_inflate_reset(&z->st);
			z->st.crc_flag = ISAL_GZIP;
			z->member_done = false;
		}
		struct chunk *out = chunk_new();
		while (z->st.avail_in > 0 && out->len < UNPACK_CHUNK && !z->member_done) {
			z->st.next_out = (uint8_t *)out->data + out->len;
			z->st.avail_out = (uint32_t)(UNPACK_CHUNK - out->len);
			int rc = isal_inflate(&z->st);
			out->len = UNPACK_CHUNK - z->st.avail_out;
			if (rc < 0) {
				free(out);
				return sv_err_setx(err, EBADMSG, "corrupt gzip data (isa-l error %d)", rc);
			}
			if (z->st.block_state == ISAL_BLOCK_FINISH)
				z->member_done = true;
		}
		if (out->len == 0) {
			free(out);
			continue;
		}
		if (emit_tar(u, out, err) < 0)
			return -1;
	}
	return 0;
}

static int inflate_zstd(struct sv_unpacker *u, ZSTD_DCtx *z, struct chunk *in, bool *frame_done,
			sv_err **err)
{
	ZSTD_inBuffer ib = { in->data, in->len, 0 };
	while (ib.pos < ib.size) {
		struct chunk *out = chunk_new();
		ZSTD_outBuffer ob = { out->data, UNPACK_CHUNK, 0 };
		size_t rc = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(rc)) {
			free(out);
			return sv_err_setx(err, EBADMSG, "corrupt zstd data: %s", ZSTD_getErrorName(rc));
		}
		*frame_done = rc == 0;
		out->len = ob.pos;
		if (out->len == 0) {
			free(out);
			continue;
		}
		if (emit_tar(u, out, err) < 0)
			return -1;
	}
	return 0;
}

static int inflate_run(struct sv_unpacker *u, sv_err **err)
{
	struct gz *gz = NULL;
	ZSTD_DCtx *zd = NULL;
	bool zstd_frame_done = true, stopped = false;
	int rc = 0;
	struct chunk *c;
	while (rc == 0 && (c = chunkq_get(&u->q_in, &stopped))) {
		u->comp_in += (int64_t)c->len;
		if (u->comp == COMP_UNKNOWN) {
			u->comp = sniff((unsigned char *)c->data, c->len);
			if (u->comp == COMP_GZIP) {
				gz = sv_xcalloc(1, sizeof *gz);
				isal_inflate_init(&gz->st);
				gz->st.crc_flag = ISAL_GZIP;
			} else if (u->comp == COMP_ZSTD) {
				zd = ZSTD_createDCtx();
				ZSTD_DCtx_setParameter(zd, ZSTD_d_windowLogMax, 27);
				zstd_frame_done = false;
			}
		}
		if (u->comp == COMP_GZIP)
			rc = inflate_gzip(u, gz, c, err);
		else if (u->comp == COMP_ZSTD)
			rc = inflate_zstd(u, zd, c, &zstd_frame_done, err);
		else {
			rc = emit_tar(u, c, err);
			c = NULL;
		}
		free(c);
	}
	if (rc == 0 && !stopped) {
		if (u->comp == COMP_GZIP && !gz->member_done)
			rc = sv_err_setx(err, EBADMSG, "truncated gzip data");
		else if (u->comp == COMP_ZSTD && !zstd_frame_done)
			rc = sv_err_setx(err, EBADMSG, "truncated zstd data");
	}
	free(gz);
	ZSTD_freeDCtx(zd);
	return stopped ? -1 : rc;
}

static void *inflate_main(void *arg)
{
	struct sv_unpacker *u = arg;
	sv_err *err = NULL;
	/* Stop everyone before the extractor can see the end of its input:
	 * it must not report a truncated tar instead of the real cause. */
	if (inflate_run(u, &err) < 0 && err)
		unpacker_fail(u, err);
	chunkq_close(&u->q_tar);
	return NULL;
}

static void *extract_main(void *arg)
{
	struct sv_unpacker *u = arg;
	sv_err *err = NULL;
	if (extract_tar(&u->q_tar, u->rootfd, &u->opts, &u->stats, &err) < 0) {
		if (!err)
			sv_err_setx(&err, ECANCELED, "unpack stopped");
		unpacker_fail(u, err);
	}
	return NULL;
}

/* ---------------------------------------------------------------- public */

int sv_unpacker_new(int destfd, const struct sv_unpack_opts *opts, sv_unpacker **out, sv_err **err)
{
	sv_unpacker *u = sv_xcalloc(1, sizeof *u);
	u->opts = *opts;
	if (u->opts.max_bytes <= 0)
		u->opts.max_bytes = DEFAULT_MAX_BYTES;
	if (u->opts.max_entries <= 0)
		u->opts.max_entries = DEFAULT_MAX_ENTRIES;
	if (u->opts.max_ratio <= 0)
		u->opts.max_ratio = RATIO_MAX;
	if (u->opts.ratio_floor <= 0)
		u->opts.ratio_floor = RATIO_FLOOR;
	u->rootfd = destfd;
	pthread_mutex_init(&u->mu, NULL);
	chunkq_init(&u->q_in, &u->mu, &u->stop);
	chunkq_init(&u->q_tar, &u->mu, &u->stop);
	u->h_in = sv_sha256_new();
	u->h_tar = sv_sha256_new();
	if (pthread_create(&u->inflate_thread, NULL, inflate_main, u) != 0) {
		sv_unpacker_free(u);
		return sv_err_setx(err, EAGAIN, "start unpack thread");
	}
	if (pthread_create(&u->extract_thread, NULL, extract_main, u) != 0) {
		u->stop = true;
		chunkq_close(&u->q_in);
		pthread_join(u->inflate_thread, NULL);
		sv_unpacker_free(u);
		return sv_err_setx(err, EAGAIN, "start unpack thread");
	}
	u->threads_started = true;
	*out = u;
	return 0;
}

static int unpacker_error(struct sv_unpacker *u, sv_err **err)
{
	pthread_mutex_lock(&u->mu);
	if (u->err)
		sv_err_setx(err, u->err->code, "%s", u->err->msg);
	else
		sv_err_setx(err, ECANCELED, "unpack stopped");
	pthread_mutex_unlock(&u->mu);
	return -1;
}

static void report_progress(struct sv_unpacker *u, bool last)
{
	if (!u->opts.progress || (!last && u->fed < u->next_progress))
		return;
	u->next_progress = u->fed + (1 << 20);
	struct sv_progress p = {
		.id = u->opts.progress_id ? u->opts.progress_id : "",
		.status = last ? "Extracted" : "Extracting",
		.current = u->fed,
		.total = u->opts.progress_total > 0 ? u->opts.progress_total : -1,
	};
	u->opts.progress(&p, u->opts.progress_arg);
}

int sv_unpacker_feed(sv_unpacker *u, const void *data, size_t len, sv_err **err)
{
	const char *p = data;
	sv_sha256_update(u->h_in, data, len);
	u->fed += (int64_t)len;
	while (len) {
		if (!u->pending)
			u->pending = chunk_new();
		size_t n = UNPACK_CHUNK - u->pending->len;
		if (n > len)
			n = len;
		memcpy(u->pending->data + u->pending->len, p, n);
		u->pending->len += n;
		p += n;
		len -= n;
		if (u->pending->len == UNPACK_CHUNK && !chunkq_put(&u->q_in, sv_steal_ptr(&u->pending)))
			return unpacker_error(u, err);
	}
	report_progress(u, false);
	return 0;
}

static void join_threads(struct sv_unpacker *u)
{
	if (!u->threads_started)
		return;
	pthread_join(u->inflate_thread, NULL);
	pthread_join(u->extract_thread, NULL);
	u->threads_started = false;
}

static const char *comp_name(enum compression c)
{
	switch (c) {
	case COMP_GZIP: return "gzip";
	case COMP_ZSTD: return "zstd";
	case COMP_NONE: return "none";
	default: return "none";
	}
}

int sv_unpacker_finish(sv_unpacker *u, struct sv_unpack_result *res, sv_err **err)
{
	if (u->pending && u->pending->len && !chunkq_put(&u->q_in, sv_steal_ptr(&u->pending))) {
		chunkq_close(&u->q_in);
		join_threads(u);
		return unpacker_error(u, err);
	}
	chunkq_close(&u->q_in);
	join_threads(u);
	u->finished = true;
	if (u->stop)
		return unpacker_error(u, err);
	memset(res, 0, sizeof *res);
	sv_sha256_final(u->h_in, res->digest);
	sv_sha256_final(u->h_tar, res->diff_id);
	res->size = u->fed;
	res->diff_size = u->tar_bytes;
	res->content_size = u->stats.content_size;
	res->entries = u->stats.entries;
	res->compression = comp_name(u->comp);
	report_progress(u, true);
	const struct sv_unpack_opts *o = &u->opts;
	if (o->expected_size >= 0 && o->expected_digest && res->size != o->expected_size)
		return sv_err_setx(err, EBADMSG, "size mismatch: expected %lld bytes, got %lld",
				   (long long)o->expected_size, (long long)res->size);
	if (o->expected_digest && strcmp(o->expected_digest, res->digest) != 0)
		return sv_err_setx(err, EBADMSG, "digest mismatch: expected %s, got %s", o->expected_digest,
				   res->digest);
	if (o->expected_diff_id && strcmp(o->expected_diff_id, res->diff_id) != 0)
		return sv_err_setx(err, EBADMSG, "layer content (diff_id) mismatch: expected %s, got %s",
				   o->expected_diff_id, res->diff_id);
	return 0;
}

void sv_unpacker_free(sv_unpacker *u)
{
	if (!u)
		return;
	if (u->threads_started) {
		pthread_mutex_lock(&u->mu);
		u->stop = true;
		pthread_cond_broadcast(&u->q_in.put_cv);
		pthread_cond_broadcast(&u->q_in.get_cv);
		pthread_cond_broadcast(&u->q_tar.put_cv);
		pthread_cond_broadcast(&u->q_tar.get_cv);
		pthread_mutex_unlock(&u->mu);
		join_threads(u);
	}
	free(u->pending);
	chunkq_destroy(&u->q_in);
	chunkq_destroy(&u->q_tar);
	pthread_mutex_destroy(&u->mu);
	sv_sha256_free(u->h_in);
	sv_sha256_free(u->h_tar);
	sv_err_free(u->err);
	free(u);
}

int sv_layer_unpack_fd(int fd, int destfd, const struct sv_unpack_opts *opts, struct sv_unpack_result *res,
		       sv_err **err)
{
	sv_unpacker *u;
	if (sv_unpacker_new(destfd, opts, &u, err) < 0)
		return -1;
	char *buf = sv_xmalloc(UNPACK_CHUNK);
	int rc = 0;
	for (;;) {
		ssize_t n = read(fd, buf, UNPACK_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = sv_err_set(err, errno, "read layer");
			break;
		}
		if (n == 0)
			break;
		if (sv_unpacker_feed(u, buf, (size_t)n, err) < 0) {
			rc = -1;
			break;
		}
	}
	free(buf);
	if (rc == 0)
		rc = sv_unpacker_finish(u, res, err);
	sv_unpacker_free(u);
	return rc;
}
