/*
 * The embedded DNS resolver: any datagram a container sends is answered
 * or dropped, never a crash, and a reply is never larger than a UDP DNS
 * message or shorter than a header. Driven through real sockets on
 * 127.0.0.1, with names files and forwarding off (no traffic leaves).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "network/network.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sv_dns *dns;
static int client = -1;
static struct sockaddr_in server;

static void init(void)
{
	char dir[] = "/tmp/sv-dns-fuzz-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	char names[128], conf[128];
	snprintf(names, sizeof names, "%s/names", dir);
	snprintf(conf, sizeof conf, "%s/dns", dir);
	FILE *f = fopen(names, "w");
	fputs("10.0.0.2 web www 0123456789ab\n10.0.0.3 db\nbad line\n", f);
	fclose(f);
	f = fopen(conf, "w");
	fprintf(f, "forward 0\nnames %s\n", names);
	fclose(f);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	server = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof server;
	if (fd < 0 || bind(fd, (struct sockaddr *)&server, sizeof server) < 0 ||
	    getsockname(fd, (struct sockaddr *)&server, &l) < 0)
		abort();
	client = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sv_dns_opts o = { .udp_fd = fd, .tcp_fd = -1, .conf = conf };
	if (client < 0 || sv_dns_new(&o, &dns, NULL) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dns)
		init();
	if (size > 4096)
		return 0;
	if (sendto(client, data, size, 0, (struct sockaddr *)&server, sizeof server) < 0)
		return 0;
	sv_dns_run(dns);
	unsigned char r[4096];
	ssize_t n;
	while ((n = recv(client, r, sizeof r, 0)) >= 0)
		if (n < 12 || n > 512)
			abort();
	return 0;
}
