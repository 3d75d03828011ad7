/*
 * How far the WAL runs ahead of the database, read from SQLite's WAL
 * index file without SQLite: the static shim, which has no SQLite, uses it
 * to decide whether to start a checkpoint after a container's exit.
 */
#include "store/store.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

long sv_store_wal_pending(const char *root)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/servin.db-shm", root) >= (int)sizeof path)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	/* SQLite's wal-index: a WalIndexHdr (iVersion at 0, isInit at 12,
	 * mxFrame at 16; native byte order), its copy at 48, then the
	 * WalCkptInfo (nBackfill at 96). */
	unsigned char h[100];
	ssize_t n = pread(fd, h, sizeof h, 0);
	close(fd);
	uint32_t version, mx, backfill;
	if (n != (ssize_t)sizeof h)
		return -1;
	memcpy(&version, h, 4);
	memcpy(&mx, h + 16, 4);
	memcpy(&backfill, h + 96, 4);
	if (version != 3007000 || h[12] != 1 || backfill > mx)
		return -1;
	return (long)(mx - backfill);
}
