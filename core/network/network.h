/*
 * core/network — container networking with the kernel's own machinery.
 *
 *   networks      rows in the store (the built-in "bridge", "host", "none"
 *                 and user-defined bridge networks); a bridge network's
 *                 Linux bridge is made on first use (servin0 for "bridge",
 *                 sv-<id12> for the others) and carries the gateway address
 *   endpoints     a container attached to a network: its address, MAC and
 *                 aliases, allocated from the store (IPAM) when it attaches
 *                 and freed when it detaches or is removed; one address is
 *                 never handed out twice (UNIQUE in the schema)
 *   links         veth pairs over rtnetlink (libmnl): the container end is
 *                 created straight inside the container's netns as ethN
 *   firewall      one nftables table, `ip servin` (libnftables): masquerade
 *                 out of each non-internal network, isolation between
 *                 networks, no way out of an internal one, published ports
 *                 as map elements (DNAT from other hosts and the host itself,
 *                 127.0.0.1 included through route_localnet on our bridges)
 *   DNS           a tiny resolver served by each container's shim on
 *                 127.0.0.11:53 inside the container's netns: names,
 *                 aliases and short ids of the containers on its user
 *                 networks, other names forwarded from the host's netns
 *
 * Everything servin makes is recognisable: interface names start with
 * "servin" or "sv", every link carries the alias "servin:..." and every
 * rule lives in servin's own table. Nothing else is touched, and sweeps
 * only remove what the store no longer explains.
 *
 * All functions may be called from any thread; those that enter a
 * container's netns do so on the calling thread only and return to the
 * thread's own netns before they return.
 */
#ifndef SV_CORE_NETWORK_NETWORK_H
#define SV_CORE_NETWORK_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/util.h"

struct cJSON;

#define SV_NET_ID_LEN 64
#define SV_NET_DEFAULT_BRIDGE "servin0"
#define SV_NET_DNS_ADDR "127.0.0.11"
/* The default bridge's subnet ("10.99.0.0/16") or address with prefix
 * (Docker's bip: "10.99.0.1/16"). Read when the built-in networks are made
 * and by every later call: a changed value re-addresses the bridge while
 * no container is attached to it (else it is kept, with a warning). */
#define SV_NET_BRIDGE_SUBNET_ENV "SERVIN_BRIDGE_SUBNET"

/* ---------------------------------------------------------------- addresses
 * IPv4 only; addresses are in host byte order. */

struct sv_ipv4_net {
	uint32_t addr;
	int prefix; /* 0..32; 0 with addr 0 means "none" */
};

/* "10.88.0.1" → *out. False on anything else. */
SV_API bool sv_ipv4_parse(const char *s, uint32_t *out);
/* Writes dotted quad into buf (>= 16 bytes); returns buf. */
SV_API const char *sv_ipv4_fmt(uint32_t a, char *buf);
/* "10.88.0.0/16" (host bits must be zero unless allow_host) → *out. EINVAL. */
SV_API int sv_ipv4_net_parse(const char *s, bool allow_host, struct sv_ipv4_net *out, sv_err **err);
/* "10.88.0.0/16" into buf (>= 19 bytes). */
SV_API const char *sv_ipv4_net_fmt(const struct sv_ipv4_net *n, char *buf);
SV_API uint32_t sv_ipv4_mask(int prefix);
SV_API bool sv_ipv4_net_contains(const struct sv_ipv4_net *n, uint32_t a);
SV_API bool sv_ipv4_net_overlaps(const struct sv_ipv4_net *a, const struct sv_ipv4_net *b);

/* ---------------------------------------------------------------- networks */

struct sv_network {
	char id[SV_NET_ID_LEN + 1];
	char *name;
	char *driver;	     /* "bridge", "host", "null" */
	char *bridge;	     /* Linux bridge name (bridge driver), else NULL */
	struct sv_ipv4_net subnet;
	uint32_t gateway;
	struct sv_ipv4_net ip_range; /* where automatic addresses come from */
	bool internal;
	bool builtin;	     /* "bridge", "host", "none": cannot be removed */
	int mtu;
	int64_t created_ns;
	struct cJSON *labels;  /* object, never NULL */
	struct cJSON *options; /* object, never NULL */
};
SV_API void sv_network_release(struct sv_network *n);
SV_API void sv_networks_free(struct sv_network *v, size_t n);

struct sv_network_create_opts {
	const char *name;
	const char *driver;	  /* NULL or "bridge" */
	const char *subnet;	  /* NULL: the first free /24 in 10.89.0.0/16... */
	const char *gateway;	  /* NULL: the subnet's first address */
	const char *ip_range;	  /* NULL: the whole subnet */
	bool internal;
	int mtu;		  /* 0: 1500 */
	char *const *labels;	  /* "k=v" */
	char *const *options;	  /* "k=v": com.docker.network.bridge.name, ...mtu */
	bool check_duplicate;	  /* always on: names are unique */
};
/* Creates a user-defined bridge network (the row only: its bridge comes
 * with the first container). EEXIST for a taken name, EINVAL for a bad or
 * overlapping subnet. */
SV_API int sv_network_create(sv_store *s, const struct sv_network_create_opts *o, struct sv_network *out,
			     sv_err **err);
/* Finds a network by full id, name, or unique id prefix (ENOENT "network
 * x not found"). The built-in networks exist from the first call on. */
SV_API int sv_network_get(sv_store *s, const char *name, struct sv_network *out, sv_err **err);
/* Every network, sorted by name. */
SV_API int sv_network_list(sv_store *s, struct sv_network **out, size_t *n, sv_err **err);
/* Removes a network with no endpoints (EBUSY "has active endpoints"),
 * its bridge and its rules. Built-in ones are refused (EPERM). */
SV_API int sv_network_remove(sv_store *s, const char *name, sv_err **err);

/* ---------------------------------------------------------------- endpoints */

struct sv_endpoint {
	char network_id[SV_NET_ID_LEN + 1];
	char container_id[SV_NET_ID_LEN + 1];
	uint32_t ip;
	uint8_t mac[6];
	bool static_ip;
	char **aliases;	   /* never NULL */
	int64_t created_ns;
};
SV_API void sv_endpoint_release(struct sv_endpoint *ep);
SV_API void sv_endpoints_free(struct sv_endpoint *v, size_t n);

/* Attaches a container to a bridge network inside the caller's open
 * transaction: picks (or checks, when ip != 0) its address and records
 * it. EEXIST when already attached or the address is taken. */
SV_API int sv_endpoint_add_tx(sv_store *s, const struct sv_network *net, const char *container_id,
			      uint32_t ip, char *const *aliases, struct sv_endpoint *out, sv_err **err);
/* Detaches (the address is free again), inside the caller's transaction. */
SV_API int sv_endpoint_remove_tx(sv_store *s, const char *network_id, const char *container_id,
				 sv_err **err);
/* Every endpoint of a container (ordered by attach time) or of a network
 * (container_id NULL, network_id set). */
SV_API int sv_endpoint_list(sv_store *s, const char *network_id, const char *container_id,
			    struct sv_endpoint **out, size_t *n, sv_err **err);

/* ---------------------------------------------------------------- ports */

struct sv_port_spec {
	char host_ip[16];   /* "" for every address */
	int host_port;	    /* first of a range; 0: pick a free one */
	int host_port_end;  /* == host_port unless a range */
	int ctr_port;
	int ctr_port_end;
	char proto[4];	    /* "tcp", "udp" */
};
/* Parses -p specs: "[ip:][hostPort[-end]:]ctrPort[-end][/proto]". Ranges
 * expand to one spec per port. *out owned. EINVAL with Docker's wording. */
SV_API int sv_port_spec_parse(const char *s, struct sv_port_spec **out, size_t *n, sv_err **err);

/* A published port as running: bound and recorded (servin port). */
struct sv_port_binding {
	char container_id[SV_NET_ID_LEN + 1];
	char proto[4];
	char host_ip[16];   /* "0.0.0.0" for all */
	int host_port;
	int ctr_port;
	uint32_t ctr_ip;
};
/* The published ports of a running container (all when container_id is
 * NULL), as recorded at its start. *out owned (free()). */
SV_API int sv_port_list(sv_store *s, const char *container_id, struct sv_port_binding **out, size_t *n,
			sv_err **err);

/* ---------------------------------------------------------------- container setup */

/* What a container's network namespace gets at start. */
struct sv_net_setup {
	const char *container_id;
	const char *name;	   /* container name, for the DNS names file */
	const char *hostname;
	int pid;		   /* the created (not yet started) container */
	const struct sv_port_spec *ports; /* wanted publications */
	size_t nports;
	const char *runroot;
	bool want_dns;		   /* open the resolver's sockets */
};

/* What setup hands back for the shim. */
struct sv_net_result {
	int dns_udp_fd;	 /* owned: bound to 127.0.0.11:53 in the netns, or -1 */
	int dns_tcp_fd;	 /* owned: listening there, or -1 */
};
SV_API void sv_net_result_release(struct sv_net_result *r);

/* Wires a created container into each of its endpoints' networks: makes
 * the bridge and its rules when missing, a veth pair per endpoint (ethN
 * inside, address, default route through the first non-internal one),
 * lo up, published ports (host ports picked and recorded), DNS sockets.
 * On failure nothing it made is left. */
SV_API int sv_net_setup(sv_store *s, const struct sv_net_setup *o, struct sv_net_result *res, sv_err **err);
enum sv_net_teardown_flags {
	/* Leave the veths: the container's netns is going away (its last
	 * process exited), which takes each pair along in the kernel's own
	 * time; deleting them here would only wait for RCU grace periods on
	 * the stop path. */
	SV_NET_KEEP_LINKS = 1 << 0,
};
/* Undoes sv_net_setup for a container that stopped (or whose shim died):
 * its published ports, its host-side veths, its DNS names. Idempotent;
 * missing pieces are fine. */
/* Rewrites the name files of the container's networks from the database
 * (once the container is recorded running: a start that wrote them while
 * another container was still starting may have left that one out). */
SV_API int sv_net_names_refresh(sv_store *s, const char *runroot, const char *container_id, sv_err **err);
SV_API int sv_net_teardown(sv_store *s, const char *runroot, const char *container_id, unsigned flags,
			   sv_err **err);
/* Removes every network object of the container (teardown plus its
 * endpoints and their addresses), inside its own transaction. */
SV_API int sv_net_forget(sv_store *s, const char *runroot, const char *container_id, sv_err **err);

/* One thing a sweep found (and removed when repair was asked). */
typedef void sv_net_sweep_fn(const char *kind, const char *object, const char *detail, void *arg);
/* Finds what a crash left: servin veths and bridges the store does not
 * explain, port rules of containers that do not run, DNS names of
 * stopped containers; removes them with repair. `running` is the set of
 * container ids that run (the caller reconciled them). */
SV_API int sv_net_sweep(sv_store *s, const char *runroot, char *const *running, bool repair,
			sv_net_sweep_fn *fn, void *arg, sv_err **err);

/* ---------------------------------------------------------------- /etc files */

struct sv_etc_opts {
	const char *hostname;
	const char *domainname;
	uint32_t ip;		  /* 0: none (none/host modes) */
	uint32_t gateway;	  /* for --add-host NAME:host-gateway; 0: none */
	char *const *aliases;	  /* extra names for ip */
	char *const *extra_hosts; /* "name:ip" (--add-host) */
	char *const *dns;	  /* --dns */
	char *const *dns_search;
	char *const *dns_options;
	bool embedded_dns;	  /* nameserver 127.0.0.11 */
	const char *host_resolv;  /* the host's resolv.conf text (NULL: none) */
};
/* /etc/hosts text. Owned. EINVAL for a bad --add-host. */
SV_API char *sv_etc_hosts(const struct sv_etc_opts *o, sv_err **err);
/* /etc/resolv.conf text. Owned. */
SV_API char *sv_etc_resolv(const struct sv_etc_opts *o);
/* The nameservers of a resolv.conf text (owned strv, never NULL). */
SV_API char **sv_etc_nameservers(const char *resolv);

/* Replaces dirfd/name with text through a temporary and rename: readers
 * see the old content or the new, never a torn file. No fsync: for files
 * regenerated at every start (/etc files, names, DNS conf), where a crash
 * loses nothing the next start does not rewrite. */
SV_API int sv_net_write_file(int dirfd, const char *name, const char *text, sv_err **err);

/* ---------------------------------------------------------------- DNS */

/* The resolver a shim serves. It owns an epoll fd: put sv_dns_fd() in
 * the caller's poll set and call sv_dns_run() when it is readable. */
typedef struct sv_dns sv_dns;

struct sv_dns_opts {
	int udp_fd;	     /* takes ownership; -1: none */
	int tcp_fd;	     /* takes ownership; -1: none */
	const char *conf;    /* the container's dns file (sv_dns_conf_path) */
};
SV_API int sv_dns_new(const struct sv_dns_opts *o, sv_dns **out, sv_err **err);
SV_API void sv_dns_free(sv_dns *d);
SV_API int sv_dns_fd(const sv_dns *d);
/* Serves what is ready, without blocking. */
SV_API void sv_dns_run(sv_dns *d);

/* runroot/containers/<id>/dns (owned): upstreams, search list and the
 * names files of the container's user networks. */
SV_API char *sv_dns_conf_path(const char *runroot, const char *container_id);
/* Writes it: upstreams (resolver addresses, from --dns or the host's
 * resolv.conf), whether to forward at all (not from internal networks),
 * and the names files of network_ids (user networks only). */
SV_API int sv_dns_conf_write(const char *runroot, const char *container_id, char *const *upstreams, bool forward,
			     char *const *network_ids, sv_err **err);

#endif
