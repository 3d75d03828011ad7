/*
 * Internals shared by the files of core/network.
 */
#ifndef SV_CORE_NETWORK_NETWORK_INTERNAL_H
#define SV_CORE_NETWORK_NETWORK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "network/network.h"

/* Every link servin makes carries IFLA_IFALIAS "servin:<kind>:<id>". */
#define NET_ALIAS_PREFIX "servin:"
#define NET_VETH_PREFIX "sve"	/* + 12 hex: host end of a container's veth */
#define NET_BRIDGE_PREFIX "sv-" /* + 12 hex of the network id */
#define NET_DEFAULT_MTU 1500

/* ---------------------------------------------------------------- nl.c */

/* A rtnetlink socket, bound in the netns it was opened in. */
struct nl;

/* Opens a socket in the calling thread's netns (nsfd < 0) or in nsfd's. */
int nl_open(int nsfd, struct nl **out, sv_err **err);
void nl_close(struct nl *nl);

/* Runs fn on the calling thread inside netns nsfd and comes back. */
int netns_run(int nsfd, int (*fn)(void *arg, sv_err **err), void *arg, sv_err **err);

struct nl_link {
	int index;
	char name[16];
	char kind[16];	   /* "bridge", "veth", "" */
	char alias[128];
	int master;
	bool up;
};
typedef int nl_link_fn(const struct nl_link *l, void *arg);

/* ifindex of name, 0 when there is none. */
int nl_link_index(struct nl *nl, const char *name, struct nl_link *out, sv_err **err);
int nl_link_dump(struct nl *nl, nl_link_fn *fn, void *arg, sv_err **err);
/* A bridge, down; alias set. */
int nl_bridge_add(struct nl *nl, const char *name, int mtu, const char *alias, sv_err **err);

struct nl_veth {
	const char *name;	/* host end */
	const char *peer;	/* container end, made inside peer_nsfd */
	int peer_nsfd;
	int mtu;
	const uint8_t *peer_mac; /* NULL: random */
	int master;		/* bridge ifindex */
	const char *alias;
};
/* The host end up and enslaved to the bridge; the peer stays down. */
int nl_veth_add(struct nl *nl, const struct nl_veth *v, sv_err **err);
/* Sets up/down (and the alias when not NULL). */
int nl_link_set(struct nl *nl, int index, bool up, const char *alias, sv_err **err);
/* ENODEV is fine. */
int nl_link_del(struct nl *nl, int index, sv_err **err);
int nl_addr_add(struct nl *nl, int index, uint32_t ip, int prefix, sv_err **err);
int nl_route_default(struct nl *nl, uint32_t gw, int index, sv_err **err);
/* Every IPv4 route destination of the main table and addresses of the
 * netns (for free-subnet choices), calling fn(net). */
int nl_route_dump(struct nl *nl, void (*fn)(const struct sv_ipv4_net *n, void *arg), void *arg, sv_err **err);

/* /proc/sys/net/ipv4/... = value; quiet when it already holds. */
int net_sysctl(const char *path, const char *value, sv_err **err);

/* ---------------------------------------------------------------- fw.c */

/* The one table, with its base chains and maps; idempotent. */
int fw_ensure(sv_err **err);
/* A bridge network's chains and map elements (replaces what was there). */
int fw_network_add(const struct sv_network *n, sv_err **err);
/* Removes them; missing is fine. */
int fw_network_del(const char *network_id, const char *bridge, sv_err **err);
/* Adds or deletes the DNAT elements of published ports. Deleting a
 * missing one is fine. */
int fw_ports(const struct sv_port_binding *b, size_t n, bool add, sv_err **err);
/* Runs nft commands (text) against the table; used by the above. */
int fw_run(const char *cmds, sv_err **err);
/* True when table ip servin exists. */
bool fw_present(void);

/* ---------------------------------------------------------------- ports.c */

/* Picks and records the host ports of a starting container (one
 * transaction; EADDRINUSE when a port is taken). *out owned. */
int net_ports_claim(sv_store *s, const char *container_id, uint32_t ctr_ip, const struct sv_port_spec *specs,
		    size_t n, struct sv_port_binding **out, size_t *nout, sv_err **err);
/* Deletes a container's port rows and their firewall elements. */
int net_ports_release(sv_store *s, const char *container_id, sv_err **err);

/* ---------------------------------------------------------------- setup.c */

/* Deletes a network's bridge (only when its alias says this root made it
 * for this network) and its firewall chains. Missing is fine. */
int net_bridge_del(sv_store *s, const struct sv_network *n, sv_err **err);

/* ---------------------------------------------------------------- records.c */

/* Reads a networks row into *out by exact id. */
int net_load(sv_store *s, const char *id, struct sv_network *out, sv_err **err);
/* The bridge name of a network id ("servin0" for the default). Owned. */
char *net_bridge_name(const char *id, bool is_default);
/* The MAC servin gives an address: 02:42 then the four address bytes. */
void net_mac_for(uint32_t ip, uint8_t mac[6]);

/* ---------------------------------------------------------------- dnsnames.c */

/* runroot/networks/<id>/names (owned). */
char *net_names_path(const char *runroot, const char *network_id);
/* Rewrites the names file of a network from the store: one line
 * "ip name..." per endpoint of a running container (or of `plus`, about
 * to run; `minus` is left out). */
int net_names_write(sv_store *s, const char *runroot, const char *network_id, const char *plus,
		    const char *minus, sv_err **err);

#endif
