/*
 * rtnetlink over libmnl: links (bridges, veth pairs), addresses, routes,
 * and the few sysctls a bridge needs. Never `ip`: one socket, a few
 * messages, each acknowledged, so a start costs a handful of syscalls.
 *
 * A socket lives in the netns it was opened in; netns_run() opens one (or
 * binds the DNS sockets) inside a container's netns by entering it on the
 * calling thread and coming straight back.
 */
#include "network-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NL_BUF 32768

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	char *buf; /* NL_BUF bytes */
};

/* ---------------------------------------------------------------- netns */

int netns_run(int nsfd, int (*fn)(void *arg, sv_err **err), void *arg, sv_err **err)
{
	SV_AUTOCLOSE int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return sv_err_set(err, errno, "open /proc/thread-self/ns/net");
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return sv_err_set(err, errno, "enter the container's network namespace");
	int rc = fn(arg, err);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* Never expected; a thread left in a container's netns would
		 * do its later work there, so say it loudly. */
		sv_error("cannot return to the host network namespace: %s", strerror(errno));
		return sv_err_set(err, errno, "return to the host network namespace");
	}
	return rc;
}

/* ---------------------------------------------------------------- socket */

static int open_here(void *arg, sv_err **err)
{
	struct nl *nl = arg;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock)
		return sv_err_set(err, errno, "netlink socket");
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return sv_err_set(err, errno, "netlink bind");
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

int nl_open(int nsfd, struct nl **out, sv_err **err)
{
	struct nl *nl = sv_xcalloc(1, sizeof *nl);
	nl->buf = sv_xmalloc(NL_BUF);
	nl->seq = (unsigned)time(NULL);
	int rc = nsfd >= 0 ? netns_run(nsfd, open_here, nl, err) : open_here(nl, err);
	if (rc < 0) {
		nl_close(nl);
		return -1;
	}
	*out = nl;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
}

static struct nlmsghdr *msg_new(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = ++nl->seq;
	return h;
}

/* Sends h and reads replies until the ack (or the dump's end), calling cb
 * for data messages. Returns 0 or -1 with errno from the kernel. */
static int talk(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *arg)
{
	unsigned seq = h->nlmsg_seq;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		int rc = mnl_cb_run(nl->buf, (size_t)n, seq, nl->portid, cb, arg);
		if (rc <= MNL_CB_STOP)
			return rc < 0 ? -1 : 0;
	}
}

static int ack(struct nl *nl, struct nlmsghdr *h, sv_err **err, const char *fmt, ...) SV_PRINTF(4, 5);
static int ack(struct nl *nl, struct nlmsghdr *h, sv_err **err, const char *fmt, ...)
{
	if (talk(nl, h, NULL, NULL) == 0)
		return 0;
	int code = errno;
	va_list ap;
	va_start(ap, fmt);
	SV_AUTOFREE char *what = sv_xvasprintf(fmt, ap);
	va_end(ap);
	return sv_err_set(err, code, "%s", what);
}

/* ---------------------------------------------------------------- links */

struct link_parse {
	struct nl_link *l;
};

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;
	if (mnl_attr_get_type(a) == IFLA_INFO_KIND && mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
		snprintf(l->kind, sizeof l->kind, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;
	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
			snprintf(l->name, sizeof l->name, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_IFALIAS:
		if (mnl_attr_validate(a, MNL_TYPE_STRING) >= 0)
			snprintf(l->alias, sizeof l->alias, "%s", mnl_attr_get_str(a));
		break;
	case IFLA_MASTER:
		if (mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
			l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, linkinfo_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static void link_parse(const struct nlmsghdr *h, struct nl_link *l)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	memset(l, 0, sizeof *l);
	l->index = ifi->ifi_index;
	l->up = (ifi->ifi_flags & IFF_UP) != 0;
	mnl_attr_parse(h, sizeof *ifi, link_attr_cb, l);
}

static int link_get_cb(const struct nlmsghdr *h, void *arg)
{
	link_parse(h, arg);
	return MNL_CB_OK;
}

int nl_link_index(struct nl *nl, const char *name, struct nl_link *out, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	struct nl_link l;
	memset(&l, 0, sizeof l);
	if (talk(nl, h, link_get_cb, &l) < 0) {
		if (errno == ENODEV)
			return 0;
		return sv_err_set(err, errno, "look up link %s", name);
	}
	if (out)
		*out = l;
	return l.index;
}

struct dump_ctx {
	nl_link_fn *fn;
	void *arg;
	int rc;
};

static int link_dump_cb(const struct nlmsghdr *h, void *arg)
{
	struct dump_ctx *c = arg;
	struct nl_link l;
	link_parse(h, &l);
	if (c->rc == 0)
		c->rc = c->fn(&l, c->arg);
	return MNL_CB_OK;
}

int nl_link_dump(struct nl *nl, nl_link_fn *fn, void *arg, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(h, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	struct dump_ctx c = { fn, arg, 0 };
	if (talk(nl, h, link_dump_cb, &c) < 0)
		return sv_err_set(err, errno, "list links");
	return c.rc;
}

int nl_bridge_add(struct nl *nl, const char *name, int mtu, const char *alias, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)mtu);
	/* A fixed address: otherwise the bridge takes its lowest port's,
	 * which changes as containers come and go (stale ARP entries). */
	uint8_t mac[6];
	char hex[13];
	sv_random_hex(hex, 12);
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)strtoul((char[3]){ hex[2 * i], hex[2 * i + 1], 0 }, NULL, 16);
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
	mnl_attr_put(h, IFLA_ADDRESS, 6, mac);
	struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, li);
	if (ack(nl, h, err, "create bridge %s", name) < 0)
		return -1;
	struct nl_link l;
	int idx = nl_link_index(nl, name, &l, err);
	if (idx <= 0)
		return idx < 0 ? -1 : sv_err_setx(err, ENODEV, "bridge %s vanished", name);
	return nl_link_set(nl, idx, false, alias, err) < 0 ? -1 : idx;
}

int nl_veth_add(struct nl *nl, const struct nl_veth *v, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(h, IFLA_IFNAME, v->name);
	mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)v->mtu);
	if (v->master > 0)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)v->master);
	struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(h, VETH_INFO_PEER);
	/* The peer cannot be set up here: veth_open() fails with ENOTCONN
	 * until both ends exist. */
	struct ifinfomsg *pi = mnl_nlmsg_put_extra_header(h, sizeof *pi);
	pi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, v->peer);
	mnl_attr_put_u32(h, IFLA_MTU, (uint32_t)v->mtu);
	if (v->peer_nsfd >= 0)
		mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)v->peer_nsfd);
	if (v->peer_mac)
		mnl_attr_put(h, IFLA_ADDRESS, 6, v->peer_mac);
	mnl_attr_nest_end(h, peer);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, li);
	if (ack(nl, h, err, "create veth %s", v->name) < 0)
		return -1;
	if (!v->alias)
		return 0;
	int idx = nl_link_index(nl, v->name, NULL, err);
	if (idx <= 0)
		return idx < 0 ? -1 : sv_err_setx(err, ENODEV, "veth %s vanished", v->name);
	return nl_link_set(nl, idx, true, v->alias, err);
}

int nl_link_set(struct nl *nl, int index, bool up, const char *alias, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if (alias)
		mnl_attr_put_strz(h, IFLA_IFALIAS, alias);
	return ack(nl, h, err, "set link %d %s", index, up ? "up" : "down");
}

int nl_link_del(struct nl *nl, int index, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_DELLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	if (talk(nl, h, NULL, NULL) < 0 && errno != ENODEV)
		return sv_err_set(err, errno, "delete link %d", index);
	return 0;
}

/* ---------------------------------------------------------------- addresses */

int nl_addr_add(struct nl *nl, int index, uint32_t ip, int prefix, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof *ifa);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_index = (unsigned)index;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	uint32_t be = htonl(ip);
	mnl_attr_put_u32(h, IFA_LOCAL, be);
	mnl_attr_put_u32(h, IFA_ADDRESS, be);
	if (prefix < 31) {
		uint32_t bc = htonl(ip | ~sv_ipv4_mask(prefix));
		mnl_attr_put_u32(h, IFA_BROADCAST, bc);
	}
	char a[16];
	return ack(nl, h, err, "add address %s/%d", sv_ipv4_fmt(ip, a), prefix);
}

int nl_route_default(struct nl *nl, uint32_t gw, int index, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE | NLM_F_ACK);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(h, RTA_GATEWAY, htonl(gw));
	mnl_attr_put_u32(h, RTA_OIF, (uint32_t)index);
	char a[16];
	return ack(nl, h, err, "add default route via %s", sv_ipv4_fmt(gw, a));
}

struct route_ctx {
	void (*fn)(const struct sv_ipv4_net *n, void *arg);
	void *arg;
};

static int route_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int t = mnl_attr_get_type(a);
	if ((t == RTA_DST || t == RTA_TABLE) && mnl_attr_validate(a, MNL_TYPE_U32) >= 0)
		tb[t] = a;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *h, void *arg)
{
	struct route_ctx *c = arg;
	const struct rtmsg *rt = mnl_nlmsg_get_payload(h);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	mnl_attr_parse(h, sizeof *rt, route_attr_cb, tb);
	uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rt->rtm_table;
	/* Default routes say nothing about which subnets are in use. */
	if (rt->rtm_family != AF_INET || table != RT_TABLE_MAIN || !tb[RTA_DST] || rt->rtm_dst_len == 0)
		return MNL_CB_OK;
	struct sv_ipv4_net n = { ntohl(mnl_attr_get_u32(tb[RTA_DST])), rt->rtm_dst_len };
	c->fn(&n, c->arg);
	return MNL_CB_OK;
}

int nl_route_dump(struct nl *nl, void (*fn)(const struct sv_ipv4_net *n, void *arg), void *arg, sv_err **err)
{
	struct nlmsghdr *h = msg_new(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof *rt);
	rt->rtm_family = AF_INET;
	struct route_ctx c = { fn, arg };
	if (talk(nl, h, route_cb, &c) < 0)
		return sv_err_set(err, errno, "list routes");
	return 0;
}

/* ---------------------------------------------------------------- sysctl */

int net_sysctl(const char *path, const char *value, sv_err **err)
{
	SV_AUTOFREE char *p = sv_xasprintf("/proc/sys/net/%s", path);
	char cur[32] = "";
	SV_AUTOCLOSE int fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return sv_err_set(err, errno, "open %s", p);
	ssize_t n = read(fd, cur, sizeof cur - 1);
	size_t vl = strlen(value);
	if (n >= (ssize_t)vl && strncmp(cur, value, vl) == 0 && (cur[vl] == '\n' || cur[vl] == 0))
		return 0;
	if (pwrite(fd, value, vl, 0) != (ssize_t)vl)
		return sv_err_set(err, errno, "write %s", p);
	return 0;
}
