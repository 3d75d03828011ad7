/*
 * The host's CPU time as Docker reports it (system_cpu_usage): the first
 * line of /proc/stat in ns. Its own file, free of the store and cJSON, so
 * the static servin-shim samples with the same clock as the engine.
 */
#include "engine/engine.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int64_t sv_host_cpu_ns(void)
{
	char buf[512];
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 5 || strncmp(buf, "cpu ", 4) != 0)
		return 0;
	buf[n] = '\0';
	int64_t total = 0;
	char *p = buf + 4, *end;
	for (int i = 0; i < 8; i++) {
		long long v = strtoll(p, &end, 10);
		if (end == p)
			break;
		total += v;
		p = end;
	}
	return total * (1000000000LL / sysconf(_SC_CLK_TCK));
}
