/*
 * System-wide views: Docker's /info and /system/df objects.
 */
#include "engine/engine.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "containers-internal.h"
#include "image/image.h"

static int64_t count(sv_engine *e, const char *sql)
{
	SV_AUTOSTMT sqlite3_stmt *st = sv_store_prepare(e->store, sql, NULL);
	return st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
}

static void os_pretty_name(char *buf, size_t len)
{
	snprintf(buf, len, "Linux");
	SV_AUTOBUF struct sv_buf b;
	sv_buf_init(&b);
	if (sv_read_file("/etc/os-release", 1 << 16, &b, NULL) < 0)
		return;
	const char *p = strstr(b.data, "PRETTY_NAME=");
	if (!p)
		return;
	p += 12;
	if (*p == '"')
		p++;
	size_t n = strcspn(p, "\"\n");
	snprintf(buf, len, "%.*s", (int)n, p);
}

cJSON *sv_engine_info(sv_engine *e, sv_err **err)
{
	(void)err;
	struct utsname u;
	uname(&u);
	struct sysinfo si;
	sysinfo(&si);
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	char osname[128];
	os_pretty_name(osname, sizeof osname);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ID", "servin");
	int64_t total = count(e, "SELECT COUNT(*) FROM containers");
	cJSON_AddNumberToObject(o, "Containers", (double)total);
	cJSON_AddNumberToObject(o, "ContainersRunning", (double)count(e, "SELECT COUNT(*) FROM containers WHERE state = 'running'"));
	cJSON_AddNumberToObject(o, "ContainersPaused", (double)count(e, "SELECT COUNT(*) FROM containers WHERE state = 'paused'"));
	cJSON_AddNumberToObject(o, "ContainersStopped", (double)count(e, "SELECT COUNT(*) FROM containers WHERE state NOT IN ('running','paused')"));
	cJSON_AddNumberToObject(o, "Images", (double)count(e, "SELECT COUNT(*) FROM images"));
	cJSON_AddStringToObject(o, "Driver", "overlay2");
	cJSON *ds = cJSON_AddArrayToObject(o, "DriverStatus");
	cJSON *row = cJSON_CreateArray();
	cJSON_AddItemToArray(row, cJSON_CreateString("Backing Filesystem"));
	cJSON_AddItemToArray(row, cJSON_CreateString("overlayfs layers"));
	cJSON_AddItemToArray(ds, row);
	cJSON_AddBoolToObject(o, "MemoryLimit", true);
	cJSON_AddBoolToObject(o, "SwapLimit", true);
	cJSON_AddBoolToObject(o, "CpuCfsPeriod", true);
	cJSON_AddBoolToObject(o, "CpuCfsQuota", true);
	cJSON_AddBoolToObject(o, "CPUShares", true);
	cJSON_AddBoolToObject(o, "CPUSet", true);
	cJSON_AddBoolToObject(o, "PidsLimit", true);
	cJSON_AddBoolToObject(o, "IPv4Forwarding", true);
	cJSON_AddBoolToObject(o, "Debug", false);
	cJSON_AddNumberToObject(o, "NFd", 0);
	cJSON_AddNumberToObject(o, "NGoroutines", 0);
	char now[48];
	cJSON_AddStringToObject(o, "SystemTime", sv_time_rfc3339(sv_time_now_ns(), now, sizeof now));
	cJSON_AddStringToObject(o, "LoggingDriver", "json-file");
	cJSON_AddStringToObject(o, "CgroupDriver", "cgroupfs");
	cJSON_AddStringToObject(o, "CgroupVersion", access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "2" : "1");
	cJSON_AddStringToObject(o, "KernelVersion", u.release);
	cJSON_AddStringToObject(o, "OperatingSystem", osname);
	cJSON_AddStringToObject(o, "OSVersion", "");
	cJSON_AddStringToObject(o, "OSType", "linux");
	cJSON_AddStringToObject(o, "Architecture", u.machine);
	cJSON_AddNumberToObject(o, "NCPU", (double)sysconf(_SC_NPROCESSORS_ONLN));
	cJSON_AddNumberToObject(o, "MemTotal", (double)si.totalram * si.mem_unit);
	cJSON_AddStringToObject(o, "IndexServerAddress", "https://index.docker.io/v1/");
	cJSON_AddStringToObject(o, "DockerRootDir", e->root);
	cJSON_AddStringToObject(o, "Name", host);
	cJSON_AddArrayToObject(o, "Labels");
	cJSON_AddBoolToObject(o, "ExperimentalBuild", false);
	cJSON_AddStringToObject(o, "ServerVersion", SV_VERSION);
	cJSON *rt = cJSON_AddObjectToObject(o, "Runtimes");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(rt, "servin"), "path", e->self_exe ? e->self_exe : "servin");
	cJSON_AddStringToObject(o, "DefaultRuntime", "servin");
	cJSON *swarm = cJSON_AddObjectToObject(o, "Swarm");
	cJSON_AddStringToObject(swarm, "LocalNodeState", "inactive");
	cJSON_AddBoolToObject(o, "LiveRestoreEnabled", true);
	cJSON_AddStringToObject(o, "Isolation", "");
	cJSON_AddStringToObject(o, "InitBinary", "");
	cJSON *so = cJSON_AddArrayToObject(o, "SecurityOptions");
	cJSON_AddItemToArray(so, cJSON_CreateString("name=seccomp,profile=builtin"));
	cJSON_AddItemToArray(so, cJSON_CreateString("name=cgroupns"));
	cJSON_AddArrayToObject(o, "Warnings");
	return o;
}

cJSON *sv_engine_df(sv_engine *e, sv_err **err)
{
	struct sv_image_summary *v;
	size_t n;
	if (sv_engine_images(e, NULL, &v, &n, err) < 0)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "LayersSize", (double)count(e, "SELECT COALESCE(SUM(size), 0) FROM layers"));
	cJSON *imgs = cJSON_AddArrayToObject(o, "Images");
	for (size_t i = 0; i < n; i++) {
		cJSON *im = cJSON_CreateObject();
		cJSON_AddStringToObject(im, "Id", v[i].id);
		cJSON_AddStringToObject(im, "ParentId", "");
		cJSON *tags = cJSON_AddArrayToObject(im, "RepoTags");
		for (size_t t = 0; v[i].repo_tags[t]; t++)
			cJSON_AddItemToArray(tags, cJSON_CreateString(v[i].repo_tags[t]));
		cJSON *dg = cJSON_AddArrayToObject(im, "RepoDigests");
		for (size_t t = 0; v[i].repo_digests[t]; t++)
			cJSON_AddItemToArray(dg, cJSON_CreateString(v[i].repo_digests[t]));
		cJSON_AddNumberToObject(im, "Created", (double)v[i].created);
		cJSON_AddNumberToObject(im, "Size", (double)v[i].size);
		cJSON_AddNumberToObject(im, "SharedSize", (double)v[i].shared_size);
		cJSON_AddNumberToObject(im, "VirtualSize", (double)v[i].size);
		cJSON_AddItemToObject(im, "Labels", cJSON_Duplicate(v[i].labels, true));
		cJSON_AddNumberToObject(im, "Containers", (double)v[i].containers);
		cJSON_AddItemToArray(imgs, im);
	}
	sv_image_summaries_free(v, n);
	cJSON_AddArrayToObject(o, "Containers");
	cJSON_AddArrayToObject(o, "Volumes");
	cJSON_AddArrayToObject(o, "BuildCache");
	return o;
}

struct check_relay {
	sv_check_fn *fn;
	void *arg;
};

static void relay_image(const struct sv_check_problem *p, void *arg)
{
	struct check_relay *r = arg;
	struct sv_check_finding f = {
		.area = "image", .kind = p->kind, .object = p->object, .detail = p->detail, .repaired = p->repaired,
	};
	r->fn(&f, r->arg);
}

int sv_engine_system_check(sv_engine *e, bool repair, sv_check_fn *fn, void *arg, int *corrupt, sv_err **err)
{
	struct check_relay r = { fn, arg };
	int bad = 0, bad_ctr = 0;
	/* Containers first: the later steps would settle stale rows. */
	if (ctr_check(e, repair, fn, arg, &bad_ctr, err) < 0)
		return -1;
	if (sv_image_check(e->store, repair, relay_image, &r, &bad, err) < 0)
		return -1;
	/* Networking leftovers of a crash (veths, rules, names). */
	if (ctr_net_sweep(e, repair, repair, fn, arg, NULL, err) < 0)
		return -1;
	*corrupt = bad + bad_ctr;
	return 0;
}
