/*
 * Internals of layer unpacking: the byte queues between the pipeline
 * stages, and the tar-to-directory extractor (extract.c).
 */
#ifndef SV_CORE_IMAGE_UNPACK_INTERNAL_H
#define SV_CORE_IMAGE_UNPACK_INTERNAL_H

#include <pthread.h>

#include "image/image.h"

#define UNPACK_CHUNK (256u << 10)
#define UNPACK_SLOTS 16

struct chunk {
	size_t len;
	char data[];
};

/* A bounded FIFO of chunks between two threads. */
struct chunkq {
	pthread_mutex_t *mu; /* shared by all queues of one unpacker */
	pthread_cond_t put_cv, get_cv;
	struct chunk *slots[UNPACK_SLOTS];
	size_t head, count;
	bool eof;
	const bool *stop; /* set when any stage failed or the unpack was cancelled */
};

/* Blocks while full; false when the pipeline stopped (chunk freed). */
bool chunkq_put(struct chunkq *q, struct chunk *c);
/* Blocks while empty; NULL at EOF or when stopped (*stopped says which). */
struct chunk *chunkq_get(struct chunkq *q, bool *stopped);
void chunkq_close(struct chunkq *q);

/* The extractor: reads a tar stream from `in` and writes it under rootfd. */
struct extract_stats {
	int64_t entries;
	int64_t content_size;
};
int extract_tar(struct chunkq *in, int rootfd, const struct sv_unpack_opts *opts,
		struct extract_stats *stats, sv_err **err);

#endif
