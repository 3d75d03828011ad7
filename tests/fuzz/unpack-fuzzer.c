/*
 * The layer unpacker on arbitrary bytes: after every input, nothing may
 * exist outside the layer root — the sentinel beside it is untouched and
 * no other name appears. Runs in tmpfs when /dev/shm exists.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[64], root[96], sentinel[96];

static void init(void)
{
	if (base[0])
		return;
	snprintf(base, sizeof base, "%s/sv-fuzz-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(base))
		abort();
	snprintf(root, sizeof root, "%s/root", base);
	snprintf(sentinel, sizeof sentinel, "%s/sentinel", base);
	int fd = open(sentinel, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, "s", 1) != 1)
		abort();
	close(fd);
}

static void check_outside(void)
{
	DIR *d = opendir(base);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (strcmp(de->d_name, "root") && strcmp(de->d_name, "sentinel")) {
			fprintf(stderr, "escaped: %s/%s\n", base, de->d_name);
			abort();
		}
		n++;
	}
	closedir(d);
	struct stat st;
	if (lstat(sentinel, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 1 || st.st_nlink != 1 ||
	    (st.st_mode & 07777) != 0600)
		abort();
	(void)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init();
	if (mkdir(root, 0755) < 0)
		abort();
	int fd = open(root, O_RDONLY | O_DIRECTORY);
	sv_unpacker *u;
	struct sv_unpack_opts o = { .expected_size = -1, .max_bytes = 64 << 20, .max_entries = 10000 };
	if (sv_unpacker_new(fd, &o, &u, NULL) == 0) {
		struct sv_unpack_result res;
		if (sv_unpacker_feed(u, data, size, NULL) == 0)
			sv_unpacker_finish(u, &res, NULL);
		sv_unpacker_free(u);
	}
	close(fd);
	check_outside();
	if (sv_rm_rf(root, NULL) < 0)
		abort();
	return 0;
}
