/*
 * A container's networking and mounts, from create to removal: the
 * engine's side of core/network and core/volume.
 *
 *   create   ctr_netvol_check() normalises NetworkMode, ports, DNS and
 *            mounts into the stored document ("MountPoints" holds the
 *            resolved mounts, anonymous volumes already named);
 *            ctr_netvol_claim_tx() attaches the endpoint (its address) and
 *            the volumes inside the create transaction
 *   start    ctr_netvol_bundle() (from the bundle): volumes prepared and
 *            copied up, namespaces for none/host/container:X, /etc files;
 *            ctr_net_start() (the container created, not yet started):
 *            links, addresses, routes, ports, DNS sockets for the shim
 *   stop     ctr_net_stop(): ports, veths, names, driver mounts
 *   remove   ctr_netvol_forget(): all of the above plus the endpoints
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "containers-internal.h"
#include "network/network.h"
#include "volume/volume.h"

static void set_item(cJSON *obj, const char *key, cJSON *item)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddItemToObject(obj, key, item);
}

static char **json_strv(const cJSON *arr)
{
	char **v = NULL;
	const cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it))
			sv_strv_push(&v, it->valuestring);
	return v;
}

/* ---------------------------------------------------------------- modes */

const char *ctr_net_mode(const struct ctr_row *r)
{
	const char *m = sv_json_str(ctr_host(r), "NetworkMode");
	return m && *m ? m : "bridge";
}

static bool mode_is_bridge(const char *m)
{
	return strcmp(m, "none") && strcmp(m, "host") && !sv_str_has_prefix(m, "container:");
}

bool ctr_net_wired(const struct ctr_row *r)
{
	return mode_is_bridge(ctr_net_mode(r));
}

/* ---------------------------------------------------------------- create: network */

static int check_mode(sv_engine *e, cJSON *h, const char **mode, sv_err **err)
{
	const char *m = sv_json_str(h, "NetworkMode");
	if (!m || !*m || strcmp(m, "default") == 0)
		m = "bridge";
	if (sv_str_has_prefix(m, "container:")) {
		char id[SV_CONTAINER_ID_LEN + 1];
		if (sv_engine_container_resolve(e, m + 10, id, err) < 0)
			return -1;
		SV_AUTOFREE char *v = sv_xasprintf("container:%s", id);
		set_item(h, "NetworkMode", cJSON_CreateString(v));
	} else if (strcmp(m, "none") && strcmp(m, "host")) {
		struct sv_network n;
		if (sv_network_get(e->store, m, &n, err) < 0)
			return -1;
		set_item(h, "NetworkMode", cJSON_CreateString(n.name));
		sv_network_release(&n);
	} else {
		set_item(h, "NetworkMode", cJSON_CreateString(m));
	}
	*mode = sv_json_str(h, "NetworkMode");
	return 0;
}

/* "80/tcp" → 80, "tcp". */
static int port_key(const char *k, int *port, char proto[4], sv_err **err)
{
	const char *slash = strchr(k, '/');
	SV_AUTOFREE char *num = slash ? sv_xstrndup(k, (size_t)(slash - k)) : sv_xstrdup(k);
	int64_t p;
	const char *pr = slash ? slash + 1 : "tcp";
	if (!sv_str_to_i64(num, 1, 65535, &p) || (strcmp(pr, "tcp") && strcmp(pr, "udp")))
		return sv_err_setx(err, EINVAL, "invalid port specification: \"%s\"", k);
	*port = (int)p;
	snprintf(proto, 4, "%s", pr);
	return 0;
}

/* The -p specs of a HostConfig: PortBindings, plus every exposed port
 * with PublishAllPorts. *out owned. */
static int port_specs(const cJSON *cfg, const cJSON *host, struct sv_port_spec **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	const cJSON *pb = sv_json_obj(host, "PortBindings"), *it;
	cJSON_ArrayForEach(it, pb)
	{
		int port;
		char proto[4];
		if (port_key(it->string, &port, proto, err) < 0)
			goto fail;
		const cJSON *b;
		cJSON_ArrayForEach(b, it)
		{
			const char *hip = sv_json_str(b, "HostIp"), *hp = sv_json_str(b, "HostPort");
			SV_AUTOFREE char *spec = sv_xasprintf("%s:%s:%d/%s", hip ? hip : "", hp && strcmp(hp, "0") ? hp : "",
							      port, proto);
			struct sv_port_spec *one;
			size_t k;
			if (sv_port_spec_parse(spec, &one, &k, err) < 0)
				goto fail;
			*out = sv_xrealloc(*out, (*n + k) * sizeof **out);
			memcpy(*out + *n, one, k * sizeof *one);
			*n += k;
			free(one);
		}
	}
	if (!sv_json_bool(host, "PublishAllPorts", false))
		return 0;
	cJSON_ArrayForEach(it, sv_json_obj(cfg, "ExposedPorts"))
	{
		int port;
		char proto[4];
		if (port_key(it->string, &port, proto, err) < 0)
			goto fail;
		if (cJSON_GetObjectItemCaseSensitive(pb, it->string))
			continue;
		*out = sv_xrealloc(*out, (*n + 1) * sizeof **out);
		struct sv_port_spec *p = &(*out)[(*n)++];
		memset(p, 0, sizeof *p);
		p->ctr_port = p->ctr_port_end = port;
		snprintf(p->proto, sizeof p->proto, "%s", proto);
	}
	return 0;
fail:
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

static int check_dns(const cJSON *h, sv_err **err)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(h, "Dns"))
	{
		uint32_t a;
		if (!cJSON_IsString(it) || !sv_ipv4_parse(it->valuestring, &a))
			return sv_err_setx(err, EINVAL, "%s is not an IPv4 address (--dns)",
					   cJSON_IsString(it) ? it->valuestring : "?");
	}
	SV_AUTOSTRV char **extra = json_strv(sv_json_arr(h, "ExtraHosts"));
	struct sv_etc_opts o = { .extra_hosts = extra, .gateway = 1 };
	SV_AUTOFREE char *hosts = sv_etc_hosts(&o, err);
	return hosts ? 0 : -1;
}

/* The endpoint settings given for the container's network. */
static const cJSON *endpoint_cfg(const cJSON *netcfg, const char *mode)
{
	const cJSON *ec = sv_json_obj(netcfg, "EndpointsConfig");
	return ec ? sv_json_obj(ec, mode) : NULL;
}

static int check_endpoint(const cJSON *epc, const char *mode, sv_err **err)
{
	if (!epc)
		return 0;
	const cJSON *ipam = sv_json_obj(epc, "IPAMConfig");
	const char *ip = ipam ? sv_json_str(ipam, "IPv4Address") : NULL;
	bool user = mode_is_bridge(mode) && strcmp(mode, "bridge") != 0;
	uint32_t a;
	if (ip && *ip && !sv_ipv4_parse(ip, &a))
		return sv_err_setx(err, EINVAL, "invalid IPv4 address: %s", ip);
	if (((ip && *ip) || cJSON_GetArraySize(sv_json_arr(epc, "Aliases")) > 0) && !user)
		return sv_err_setx(err, EINVAL,
				   "user specified IP address and network-scoped aliases are supported only for user defined networks");
	return 0;
}

/* ---------------------------------------------------------------- create: mounts */

/* --volumes-from ctr[:ro|:rw]: that container's mounts, mode applied. */
static int volumes_from(sv_engine *e, const cJSON *host, struct sv_mount **out, size_t *n, sv_err **err)
{
	*out = NULL;
	*n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, sv_json_arr(host, "VolumesFrom"))
	{
		const char *spec = cJSON_IsString(it) ? it->valuestring : "";
		const char *colon = strchr(spec, ':');
		SV_AUTOFREE char *name = colon ? sv_xstrndup(spec, (size_t)(colon - spec)) : sv_xstrdup(spec);
		const char *mode = colon ? colon + 1 : NULL;
		if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
			return sv_err_setx(err, EINVAL, "invalid mode for volumes-from: %s", mode);
		struct ctr_row r;
		if (ctr_find(e, name, &r, err) < 0)
			return -1;
		struct sv_mount *m;
		size_t k;
		int rc = sv_mounts_from_json(sv_json_arr(r.config, "MountPoints"), &m, &k, err);
		ctr_row_release(&r);
		if (rc < 0)
			return -1;
		for (size_t i = 0; i < k; i++)
			if (mode)
				m[i].ro = strcmp(mode, "ro") == 0;
		*out = sv_xrealloc(*out, (*n + k + 1) * sizeof **out);
		memcpy(*out + *n, m, k * sizeof *m);
		*n += k;
		free(m);
	}
	return 0;
}

static int check_mounts(sv_engine *e, cJSON *doc, const cJSON *image_cfg, sv_err **err)
{
	cJSON *host = sv_json_obj(doc, "HostConfig");
	struct sv_mount *from = NULL, *m = NULL;
	size_t nfrom = 0, n = 0;
	SV_AUTOSTRV char **binds = json_strv(sv_json_arr(host, "Binds"));
	if (volumes_from(e, host, &from, &nfrom, err) < 0)
		return -1;
	struct sv_mount_request req = { .binds = binds, .mounts = sv_json_arr(host, "Mounts"),
					.tmpfs = sv_json_obj(host, "Tmpfs"),
					.image_volumes = sv_json_obj(image_cfg, "Volumes"), .from = from, .nfrom = nfrom };
	int rc = sv_mounts_parse(&req, &m, &n, err);
	sv_mounts_free(from, nfrom);
	if (rc < 0)
		return -1;
	/* Anonymous volumes are named now, so the stored document is final. */
	for (size_t i = 0; i < n; i++)
		if (m[i].type == SV_MOUNT_VOLUME && !m[i].name) {
			char hex[65];
			sv_random_hex(hex, 64);
			m[i].name = sv_xstrdup(hex);
			m[i].anonymous = true;
		}
	set_item(doc, "MountPoints", sv_mounts_to_json(m, n));
	sv_mounts_free(m, n);
	return 0;
}

int ctr_netvol_check(sv_engine *e, cJSON *doc, const cJSON *body, const cJSON *image_cfg, sv_err **err)
{
	cJSON *host = sv_json_obj(doc, "HostConfig");
	const cJSON *netcfg = sv_json_obj(body, "NetworkingConfig");
	const char *mode;
	if (check_mode(e, host, &mode, err) < 0 || check_dns(host, err) < 0 ||
	    check_endpoint(endpoint_cfg(netcfg, mode), mode, err) < 0)
		return -1;
	struct sv_port_spec *ps;
	size_t nps;
	if (port_specs(sv_json_obj(doc, "Config"), host, &ps, &nps, err) < 0)
		return -1;
	free(ps);
	if (netcfg)
		set_item(doc, "NetworkingConfig", cJSON_Duplicate(netcfg, true));
	return check_mounts(e, doc, image_cfg, err);
}

int ctr_net_attach_tx(sv_engine *e, const char *id, const char *network, const cJSON *epc, sv_err **err)
{
	struct sv_network n;
	if (sv_network_get(e->store, network, &n, err) < 0)
		return -1;
	const cJSON *ipam = sv_json_obj(epc, "IPAMConfig");
	const char *ips = ipam ? sv_json_str(ipam, "IPv4Address") : NULL;
	uint32_t ip = 0;
	if (ips && *ips && !sv_ipv4_parse(ips, &ip)) {
		sv_network_release(&n);
		return sv_err_setx(err, EINVAL, "invalid IPv4 address: %s", ips);
	}
	SV_AUTOSTRV char **aliases = json_strv(sv_json_arr(epc, "Aliases"));
	int rc = sv_endpoint_add_tx(e->store, &n, id, ip, aliases, NULL, err);
	sv_network_release(&n);
	return rc;
}

int ctr_netvol_claim_tx(sv_engine *e, const char *id, const cJSON *doc, sv_err **err)
{
	const char *mode = sv_json_str(sv_json_obj(doc, "HostConfig"), "NetworkMode");
	if (mode && mode_is_bridge(mode) &&
	    ctr_net_attach_tx(e, id, mode, endpoint_cfg(sv_json_obj(doc, "NetworkingConfig"), mode), err) < 0)
		return -1;
	struct sv_mount *m;
	size_t n;
	if (sv_mounts_from_json(sv_json_arr(doc, "MountPoints"), &m, &n, err) < 0)
		return -1;
	int rc = sv_mounts_claim_tx(e->store, id, m, n, err);
	sv_mounts_free(m, n);
	return rc;
}

/* ---------------------------------------------------------------- start: bundle */

static cJSON *mount_entry(const char *dest, const char *type, const char *src, char *const *opts)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "destination", dest);
	cJSON_AddStringToObject(m, "type", type);
	cJSON_AddStringToObject(m, "source", src);
	cJSON *o = cJSON_AddArrayToObject(m, "options");
	for (size_t i = 0; opts && opts[i]; i++)
		cJSON_AddItemToArray(o, cJSON_CreateString(opts[i]));
	return m;
}

static cJSON *oci_mount(const struct sv_mount *m)
{
	SV_AUTOSTRV char **o = NULL;
	if (m->type == SV_MOUNT_TMPFS) {
		sv_strv_push(&o, "nosuid");
		sv_strv_push(&o, "nodev");
		sv_strv_push(&o, "noexec");
		if (m->ro)
			sv_strv_push(&o, "ro");
		if (m->tmpfs_size > 0)
			sv_strv_push_take(&o, sv_xasprintf("size=%lld", (long long)m->tmpfs_size));
		sv_strv_push_take(&o, sv_xasprintf("mode=%o", m->tmpfs_mode ? m->tmpfs_mode : 01777));
		SV_AUTOSTRV char **extra = sv_strv_split(m->tmpfs_opts ? m->tmpfs_opts : "", ',', true);
		for (size_t i = 0; extra[i]; i++)
			sv_strv_push(&o, extra[i]);
		return mount_entry(m->target, "tmpfs", "tmpfs", o);
	}
	sv_strv_push(&o, "rbind");
	sv_strv_push(&o, m->propagation ? m->propagation : "rprivate");
	if (m->ro)
		sv_strv_push(&o, "ro");
	return mount_entry(m->target, "bind", m->source, o);
}

/* Every /etc file of container:X is X's own. */
static int copy_etc_from(sv_engine *e, const char *other, const char *dir, sv_err **err)
{
	static const char *const files[] = { "hosts", "resolv.conf", "hostname" };
	SV_AUTOFREE char *odir = ctr_run_dir(e, other);
	for (size_t i = 0; i < 3; i++) {
		SV_AUTOBUF struct sv_buf b;
		sv_buf_init(&b);
		SV_AUTOFREE char *src = sv_xasprintf("%s/%s", odir, files[i]);
		SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (sv_read_file(src, 1 << 20, &b, err) < 0 ||
		    sv_net_write_file(dfd, files[i], b.data, err) < 0)
			return -1;
	}
	return 0;
}

static int write_etc(const char *dir, const char *name, const char *text, sv_err **err)
{
	SV_AUTOCLOSE int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return sv_err_set(err, errno, "open %s", dir);
	return sv_net_write_file(dfd, name, text, err);
}

/* The first endpoint's address and gateway, and the network names. */
static int first_endpoint(sv_engine *e, const char *id, uint32_t *ip, uint32_t *gw, char ***aliases, sv_err **err)
{
	struct sv_endpoint *eps;
	size_t n;
	*ip = *gw = 0;
	*aliases = NULL;
	if (sv_endpoint_list(e->store, NULL, id, &eps, &n, err) < 0)
		return -1;
	if (n) {
		struct sv_network net;
		*ip = eps[0].ip;
		*aliases = sv_strv_dup(eps[0].aliases);
		if (sv_network_get(e->store, eps[0].network_id, &net, NULL) == 0) {
			*gw = net.gateway;
			sv_network_release(&net);
		}
	}
	sv_endpoints_free(eps, n);
	return 0;
}

static int etc_files(sv_engine *e, const struct ctr_row *r, const char *dir, sv_err **err)
{
	const cJSON *cfg = ctr_cfg(r), *host = ctr_host(r);
	const char *mode = ctr_net_mode(r);
	if (sv_str_has_prefix(mode, "container:"))
		return copy_etc_from(e, mode + 10, dir, err);
	bool host_net = strcmp(mode, "host") == 0;
	char hn[256] = "";
	if (host_net)
		gethostname(hn, sizeof hn - 1);
	const char *hostname = host_net ? hn : sv_json_str(cfg, "Hostname");
	SV_AUTOBUF struct sv_buf resolv;
	sv_buf_init(&resolv);
	SV_AUTOERR sv_err *e2 = NULL;
	(void)sv_read_file("/etc/resolv.conf", 64 << 10, &resolv, &e2);
	SV_AUTOSTRV char **extra = json_strv(sv_json_arr(host, "ExtraHosts"));
	SV_AUTOSTRV char **dns = json_strv(sv_json_arr(host, "Dns"));
	SV_AUTOSTRV char **search = json_strv(sv_json_arr(host, "DnsSearch"));
	SV_AUTOSTRV char **opts = json_strv(sv_json_arr(host, "DnsOptions"));
	SV_AUTOSTRV char **aliases = NULL;
	struct sv_etc_opts o = { .hostname = hostname, .domainname = sv_json_str(cfg, "Domainname"),
				 .extra_hosts = extra, .dns = dns, .dns_search = search, .dns_options = opts,
				 .embedded_dns = mode_is_bridge(mode), .host_resolv = resolv.data };
	if (first_endpoint(e, r->id, &o.ip, &o.gateway, &aliases, err) < 0)
		return -1;
	o.aliases = aliases;
	SV_AUTOFREE char *hosts = sv_etc_hosts(&o, err);
	SV_AUTOFREE char *rc = sv_etc_resolv(&o);
	SV_AUTOFREE char *hname = sv_xasprintf("%s\n", hostname ? hostname : "");
	if (!hosts || write_etc(dir, "hosts", hosts, err) < 0 || write_etc(dir, "resolv.conf", rc, err) < 0 ||
	    write_etc(dir, "hostname", hname, err) < 0)
		return -1;
	if (host_net) {
		/* --network host sees the host's /etc/hosts, plus --add-host. */
		SV_AUTOBUF struct sv_buf hh;
		sv_buf_init(&hh);
		if (sv_read_file("/etc/hosts", 1 << 20, &hh, &e2) == 0) {
			struct sv_etc_opts x = { .extra_hosts = extra };
			SV_AUTOFREE char *ex = sv_etc_hosts(&x, NULL);
			const char *tail = ex ? strstr(ex, "ip6-allrouters\n") : NULL;
			sv_buf_adds(&hh, tail ? tail + strlen("ip6-allrouters\n") : "");
			return write_etc(dir, "hosts", hh.data, err);
		}
	}
	return 0;
}

/* The network namespace entry for the mode: none and bridge get a new
 * one, host none at all, container:X joins X's. */
static int namespaces(sv_engine *e, const struct ctr_row *r, cJSON *spec, sv_err **err)
{
	const char *mode = ctr_net_mode(r);
	cJSON *ns = sv_json_arr(sv_json_obj(spec, "linux"), "namespaces");
	if (!sv_str_has_prefix(mode, "container:"))
		return 0;
	struct ctr_row o;
	if (ctr_find(e, mode + 10, &o, err) < 0)
		return -1;
	int pid = o.pid;
	bool live = o.state == SV_CTR_RUNNING || o.state == SV_CTR_PAUSED;
	SV_AUTOFREE char *oname = sv_xstrdup(o.name);
	ctr_row_release(&o);
	if (!live || pid <= 0)
		return sv_err_setx(err, EBUSY, "cannot join network of a non running container: %s", oname);
	cJSON *it;
	cJSON_ArrayForEach(it, ns)
	{
		const char *t = sv_json_str(it, "type");
		if (t && (strcmp(t, "network") == 0)) {
			SV_AUTOFREE char *p = sv_xasprintf("/proc/%d/ns/net", pid);
			set_item(it, "path", cJSON_CreateString(p));
		}
	}
	return 0;
}

int ctr_netvol_bundle(sv_engine *e, const struct ctr_row *r, cJSON *spec, const char *dir, sv_err **err)
{
	if (namespaces(e, r, spec, err) < 0 || etc_files(e, r, dir, err) < 0)
		return -1;
	struct sv_mount *m;
	size_t n;
	if (sv_mounts_from_json(sv_json_arr(r->config, "MountPoints"), &m, &n, err) < 0)
		return -1;
	/* dir is the run root's per-start directory; the rootfs (the
	 * copy-up source) stays in the store's. */
	SV_AUTOFREE char *cdir = ctr_dir(e, r->id);
	SV_AUTOFREE char *rootfs = sv_xasprintf("%s/rootfs", cdir);
	int rc = sv_mounts_prepare(e->store, rootfs, m, n, err);
	cJSON *mounts = sv_json_arr(spec, "mounts");
	for (size_t i = 0; rc == 0 && i < n; i++)
		cJSON_AddItemToArray(mounts, oci_mount(&m[i]));
	sv_mounts_free(m, n);
	return rc;
}

/* ---------------------------------------------------------------- start: links */

/* The DNS conf of a container: upstreams, and the names of its user
 * networks; forwarding unless every network of it is internal. */
static int dns_conf(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	struct sv_endpoint *eps;
	size_t n;
	if (sv_endpoint_list(e->store, NULL, r->id, &eps, &n, err) < 0)
		return -1;
	SV_AUTOSTRV char **nets = NULL;
	bool forward = false;
	for (size_t i = 0; i < n; i++) {
		struct sv_network net;
		if (sv_network_get(e->store, eps[i].network_id, &net, NULL) < 0)
			continue;
		forward |= !net.internal;
		if (!net.builtin)
			sv_strv_push(&nets, net.id);
		sv_network_release(&net);
	}
	sv_endpoints_free(eps, n);
	SV_AUTOSTRV char **ups = json_strv(sv_json_arr(ctr_host(r), "Dns"));
	if (!ups || !ups[0]) {
		sv_strv_free(ups);
		SV_AUTOBUF struct sv_buf resolv;
		sv_buf_init(&resolv);
		SV_AUTOERR sv_err *e2 = NULL;
		(void)sv_read_file("/etc/resolv.conf", 64 << 10, &resolv, &e2);
		ups = sv_etc_nameservers(resolv.data);
	}
	return sv_dns_conf_write(e->runroot, r->id, ups, forward, nets, err);
}

int ctr_net_start(sv_engine *e, const struct ctr_row *r, int pid, struct sv_shim_info *info, sv_err **err)
{
	const char *mode = ctr_net_mode(r);
	if (strcmp(mode, "host") == 0 || sv_str_has_prefix(mode, "container:"))
		return 0;
	struct sv_port_spec *ps = NULL;
	size_t nps = 0;
	if (port_specs(ctr_cfg(r), ctr_host(r), &ps, &nps, err) < 0)
		return -1;
	bool bridge = mode_is_bridge(mode);
	struct sv_net_setup o = { .container_id = r->id, .name = r->name, .hostname = sv_json_str(ctr_cfg(r), "Hostname"),
				  .pid = pid, .ports = ps, .nports = bridge ? nps : 0, .runroot = e->runroot,
				  .want_dns = bridge };
	struct sv_net_result res = { -1, -1 };
	int rc = (bridge && dns_conf(e, r, err) < 0) ? -1 : sv_net_setup(e->store, &o, &res, err);
	free(ps);
	if (rc < 0)
		return sv_err_prefix(err, "network");
	info->dns_udp_fd = sv_steal_fd(&res.dns_udp_fd);
	info->dns_tcp_fd = sv_steal_fd(&res.dns_tcp_fd);
	if (info->dns_udp_fd >= 0)
		info->dns_conf = sv_dns_conf_path(e->runroot, r->id);
	return 0;
}

int ctr_net_rewire(sv_engine *e, const struct ctr_row *r, sv_err **err)
{
	if (r->state != SV_CTR_RUNNING || r->pid <= 0 || !mode_is_bridge(ctr_net_mode(r)))
		return 0;
	SV_AUTOERR sv_err *e2 = NULL;
	(void)sv_net_teardown(e->store, e->runroot, r->id, 0, &e2);
	struct sv_port_spec *ps = NULL;
	size_t nps = 0;
	if (port_specs(ctr_cfg(r), ctr_host(r), &ps, &nps, err) < 0)
		return -1;
	struct sv_net_setup o = { .container_id = r->id, .name = r->name, .pid = r->pid, .ports = ps, .nports = nps,
				  .runroot = e->runroot };
	struct sv_net_result res = { -1, -1 };
	int rc = dns_conf(e, r, err) < 0 ? -1 : sv_net_setup(e->store, &o, &res, err);
	sv_net_result_release(&res);
	free(ps);
	return rc;
}

void ctr_net_running(sv_engine *e, const char *id)
{
	SV_AUTOERR sv_err *err = NULL;
	if (sv_net_names_refresh(e->store, e->runroot, id, &err) < 0)
		sv_warn("container %.12s: %s", id, err->msg);
}

void ctr_net_stop(sv_engine *e, const struct ctr_row *r)
{
	SV_AUTOERR sv_err *err = NULL;
	/* none, host, container:X: no ports, links or names of ours. */
	if (ctr_net_wired(r) && sv_net_teardown(e->store, e->runroot, r->id, SV_NET_KEEP_LINKS, &err) < 0)
		sv_warn("container %.12s: network teardown: %s", r->id, err->msg);
	struct sv_mount *m;
	size_t n;
	sv_err_clear(&err);
	if (sv_mounts_from_json(sv_json_arr(r->config, "MountPoints"), &m, &n, &err) < 0)
		return;
	(void)sv_mounts_release(e->store, r->id, m, n, &err);
	sv_mounts_free(m, n);
}

void ctr_netvol_forget(sv_engine *e, const struct ctr_row *r, bool anonymous_volumes)
{
	ctr_net_stop(e, r);
	SV_AUTOERR sv_err *err = NULL;
	if (ctr_net_wired(r) && sv_net_forget(e->store, e->runroot, r->id, &err) < 0)
		sv_warn("container %.12s: %s", r->id, err->msg);
	sv_err_clear(&err);
	if (anonymous_volumes && sv_volume_remove_anonymous(e->store, r->id, &err) < 0)
		sv_warn("container %.12s: %s", r->id, err->msg);
}

/* ---------------------------------------------------------------- inspect */

/* A listing reads every port in one query and sorts them by container,
 * stably (each container keeps sv_port_list's order), instead of asking
 * once per container. */
struct ctr_port {
	struct sv_port_binding b;
	size_t pos; /* in the query's answer */
};

static int port_cmp(const void *a, const void *b)
{
	const struct ctr_port *x = a, *y = b;
	int c = strcmp(x->b.container_id, y->b.container_id);
	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

void ctr_ports_load(sv_engine *e, struct ctr_ports *p)
{
	SV_AUTOFREE struct sv_port_binding *v = NULL;
	size_t n = 0;
	p->v = NULL;
	p->n = 0;
	if (sv_port_list(e->store, NULL, &v, &n, NULL) < 0 || !n)
		return;
	p->v = sv_xcalloc(n, sizeof *p->v);
	for (size_t i = 0; i < n; i++)
		p->v[i] = (struct ctr_port){ v[i], i };
	p->n = n;
	qsort(p->v, n, sizeof *p->v, port_cmp);
}

void ctr_ports_release(struct ctr_ports *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

cJSON *ctr_ports_json(const struct ctr_ports *p, const char *id)
{
	cJSON *a = cJSON_CreateArray();
	size_t lo = 0, hi = p->n;
	while (lo < hi) { /* the first binding of id */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p->v[mid].b.container_id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < p->n && strcmp(p->v[i].b.container_id, id) == 0; i++) {
		const struct sv_port_binding *b = &p->v[i].b;
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "IP", b->host_ip);
		cJSON_AddNumberToObject(o, "PrivatePort", b->ctr_port);
		cJSON_AddNumberToObject(o, "PublicPort", b->host_port);
		cJSON_AddStringToObject(o, "Type", b->proto);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

char **ctr_ports_lines(sv_engine *e, const struct ctr_row *r)
{
	char **lines = sv_xcalloc(1, sizeof(char *));
	struct sv_port_binding *v;
	size_t n;
	if (sv_port_list(e->store, r->id, &v, &n, NULL) < 0)
		return lines;
	for (size_t i = 0; i < n; i++)
		sv_strv_push_take(&lines, sv_xasprintf("%d/%s -> %s:%d", v[i].ctr_port, v[i].proto, v[i].host_ip,
						       v[i].host_port));
	free(v);
	return lines;
}

static void add_endpoint(cJSON *nets, const char *name, const struct sv_network *net, const struct sv_endpoint *ep,
			 bool running)
{
	char a[16], mac[18];
	cJSON *o = cJSON_AddObjectToObject(nets, name);
	cJSON *al = cJSON_AddArrayToObject(o, "Aliases");
	for (size_t i = 0; ep->aliases[i]; i++)
		cJSON_AddItemToArray(al, cJSON_CreateString(ep->aliases[i]));
	cJSON_AddStringToObject(o, "NetworkID", net->id);
	cJSON_AddStringToObject(o, "EndpointID", running ? ep->container_id : "");
	cJSON_AddStringToObject(o, "Gateway", running ? sv_ipv4_fmt(net->gateway, a) : "");
	cJSON_AddStringToObject(o, "IPAddress", running ? sv_ipv4_fmt(ep->ip, a) : "");
	cJSON_AddNumberToObject(o, "IPPrefixLen", running ? net->subnet.prefix : 0);
	snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", ep->mac[0], ep->mac[1], ep->mac[2], ep->mac[3],
		 ep->mac[4], ep->mac[5]);
	cJSON_AddStringToObject(o, "MacAddress", running ? mac : "");
	if (ep->static_ip)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "IPAMConfig"), "IPv4Address", sv_ipv4_fmt(ep->ip, a));
	else
		cJSON_AddNullToObject(o, "IPAMConfig");
}

cJSON *ctr_net_settings(sv_engine *e, const struct ctr_row *r)
{
	bool running = r->state == SV_CTR_RUNNING || r->state == SV_CTR_PAUSED;
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "Bridge", "");
	cJSON_AddStringToObject(n, "SandboxID", "");
	cJSON *ports = cJSON_AddObjectToObject(n, "Ports");
	struct sv_port_binding *pv;
	size_t np;
	if (sv_port_list(e->store, r->id, &pv, &np, NULL) == 0) {
		for (size_t i = 0; i < np; i++) {
			char key[32], hp[16];
			snprintf(key, sizeof key, "%d/%s", pv[i].ctr_port, pv[i].proto);
			cJSON *arr = cJSON_GetObjectItemCaseSensitive(ports, key);
			if (!arr)
				arr = cJSON_AddArrayToObject(ports, key);
			cJSON *b = cJSON_CreateObject();
			cJSON_AddStringToObject(b, "HostIp", pv[i].host_ip);
			snprintf(hp, sizeof hp, "%d", pv[i].host_port);
			cJSON_AddStringToObject(b, "HostPort", hp);
			cJSON_AddItemToArray(arr, b);
		}
		free(pv);
	}
	SV_AUTOFREE char *sandbox = running && r->pid > 0 ? sv_xasprintf("/proc/%d/ns/net", r->pid) : sv_xstrdup("");
	cJSON_AddStringToObject(n, "SandboxKey", sandbox);
	cJSON *nets = cJSON_CreateObject();
	struct sv_endpoint *eps;
	size_t k = 0;
	char a[16];
	const char *gw = "", *ip = "", *mac = "";
	char macbuf[18] = "", gwbuf[16] = "", ipbuf[16] = "";
	int prefix = 0;
	if (sv_endpoint_list(e->store, NULL, r->id, &eps, &k, NULL) == 0) {
		for (size_t i = 0; i < k; i++) {
			struct sv_network net;
			if (sv_network_get(e->store, eps[i].network_id, &net, NULL) < 0)
				continue;
			add_endpoint(nets, net.name, &net, &eps[i], running);
			if (i == 0 && running && net.builtin) {
				gw = strcpy(gwbuf, sv_ipv4_fmt(net.gateway, a));
				ip = strcpy(ipbuf, sv_ipv4_fmt(eps[i].ip, a));
				snprintf(macbuf, sizeof macbuf, "02:42:%02x:%02x:%02x:%02x", eps[i].mac[2], eps[i].mac[3],
					 eps[i].mac[4], eps[i].mac[5]);
				mac = macbuf;
				prefix = net.subnet.prefix;
			}
			sv_network_release(&net);
		}
		sv_endpoints_free(eps, k);
	}
	const char *mode = ctr_net_mode(r);
	if (!k && !sv_str_has_prefix(mode, "container:"))
		cJSON_AddObjectToObject(nets, mode);
	cJSON_AddStringToObject(n, "Gateway", gw);
	cJSON_AddStringToObject(n, "IPAddress", ip);
	cJSON_AddNumberToObject(n, "IPPrefixLen", prefix);
	cJSON_AddStringToObject(n, "MacAddress", mac);
	cJSON_AddItemToObject(n, "Networks", nets);
	return n;
}

cJSON *ctr_mounts_inspect(const struct ctr_row *r)
{
	cJSON *a = cJSON_CreateArray();
	struct sv_mount *m;
	size_t n;
	if (sv_mounts_from_json(sv_json_arr(r->config, "MountPoints"), &m, &n, NULL) < 0)
		return a;
	static const char *const types[] = { "bind", "volume", "tmpfs" };
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "Type", types[m[i].type]);
		if (m[i].name)
			cJSON_AddStringToObject(o, "Name", m[i].name);
		cJSON_AddStringToObject(o, "Source", m[i].source ? m[i].source : "");
		cJSON_AddStringToObject(o, "Destination", m[i].target);
		if (m[i].type == SV_MOUNT_VOLUME)
			cJSON_AddStringToObject(o, "Driver", "local");
		cJSON_AddStringToObject(o, "Mode", m[i].ro ? "ro" : "");
		cJSON_AddBoolToObject(o, "RW", !m[i].ro);
		cJSON_AddStringToObject(o, "Propagation", m[i].type == SV_MOUNT_BIND ? (m[i].propagation ? m[i].propagation : "rprivate") : "");
		cJSON_AddItemToArray(a, o);
	}
	sv_mounts_free(m, n);
	return a;
}
