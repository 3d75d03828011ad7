/*
 * The per-client table: a token bucket of requests and a count of open
 * connections for each client (a TCP peer address, or uid:pid on the unix
 * socket, where every local process is its own client).
 *
 * A fixed open-addressed table keeps memory bounded whatever the number of
 * peers: a slot whose client has no connection and a full bucket carries
 * nothing worth keeping and is reused; when a probe finds no slot at all,
 * clients share one (degrading fairness, never memory). Loop thread only.
 */
#include "api-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT_SLOTS 4096
#define CLIENT_PROBES 16

struct client {
	char key[64];
	uint64_t hash;
	double tokens;
	int64_t last_ns;
	int conns;
};

struct rest_clients {
	double rate, burst;
	struct client slots[CLIENT_SLOTS];
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

struct rest_clients *rest_clients_new(double rate, double burst)
{
	struct rest_clients *c = sv_xcalloc(1, sizeof *c);
	c->rate = rate;
	c->burst = burst > 0 ? burst : 2 * rate;
	if (c->burst < 1 && rate > 0)
		c->burst = 1;
	return c;
}

void rest_clients_free(struct rest_clients *c)
{
	free(c);
}

static void refill(struct rest_clients *c, struct client *cl, int64_t now_ns)
{
	if (cl->last_ns) {
		double add = (double)(now_ns - cl->last_ns) / 1e9 * c->rate;
		cl->tokens = cl->tokens + add > c->burst ? c->burst : cl->tokens + add;
	}
	cl->last_ns = now_ns;
}

/* A slot carries state worth keeping while its client is connected or its
 * bucket is not yet full again. */
static bool slot_free(struct rest_clients *c, struct client *cl, int64_t now_ns)
{
	if (!cl->key[0])
		return true;
	if (cl->conns > 0)
		return false;
	if (c->rate <= 0)
		return true;
	return cl->tokens + (double)(now_ns - cl->last_ns) / 1e9 * c->rate >= c->burst;
}

static struct client *lookup(struct rest_clients *c, const char *key, int64_t now_ns)
{
	uint64_t h = fnv1a(key);
	struct client *spare = NULL;
	for (int i = 0; i < CLIENT_PROBES; i++) {
		struct client *cl = &c->slots[(h + (uint64_t)i) % CLIENT_SLOTS];
		if (cl->key[0] && cl->hash == h && strncmp(cl->key, key, sizeof cl->key - 1) == 0)
			return cl;
		if (!spare && slot_free(c, cl, now_ns))
			spare = cl;
	}
	if (!spare)
		return &c->slots[h % CLIENT_SLOTS];
	memset(spare, 0, sizeof *spare);
	snprintf(spare->key, sizeof spare->key, "%s", key);
	spare->hash = h;
	spare->tokens = c->burst;
	spare->last_ns = now_ns;
	return spare;
}

bool rest_clients_take(struct rest_clients *c, const char *key, int64_t now_ns, int *retry_after_s)
{
	if (c->rate <= 0)
		return true;
	struct client *cl = lookup(c, key, now_ns);
	refill(c, cl, now_ns);
	if (cl->tokens >= 1) {
		cl->tokens -= 1;
		return true;
	}
	double wait = (1 - cl->tokens) / c->rate;
	*retry_after_s = wait < 1 ? 1 : (int)(wait + 0.999);
	return false;
}

bool rest_clients_open(struct rest_clients *c, const char *key, int max)
{
	struct client *cl = lookup(c, key, sv_time_mono_ns());
	if (max > 0 && cl->conns >= max)
		return false;
	cl->conns++;
	return true;
}

void rest_clients_close(struct rest_clients *c, const char *key)
{
	struct client *cl = lookup(c, key, sv_time_mono_ns());
	if (cl->conns > 0)
		cl->conns--;
}
