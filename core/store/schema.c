/*
 * The database schema, as named migrations applied in order. A migration
 * is never edited once it has landed: add a new one. Names (not numbers)
 * keep migrations written on different branches from colliding; the table
 * `migrations` records which ran.
 */
#include <errno.h>
#include <string.h>

#include "store-internal.h"

struct migration {
	const char *name;
	const char *sql;
};

static const struct migration migrations[] = {
	{ "0001-core",
	  "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	  /* Unpacked layers, by chain id; parent is the chain id below. */
	  "CREATE TABLE layers ("
	  "  chain_id TEXT PRIMARY KEY,"
	  "  diff_id TEXT NOT NULL,"
	  "  parent TEXT REFERENCES layers(chain_id),"
	  "  size INTEGER NOT NULL,"
	  "  created INTEGER NOT NULL);"
	  /* Images by config digest (Docker's image id). */
	  "CREATE TABLE images ("
	  "  id TEXT PRIMARY KEY,"
	  "  manifest_digest TEXT NOT NULL,"
	  "  manifest_type TEXT NOT NULL,"
	  "  manifest_size INTEGER NOT NULL,"
	  "  config_size INTEGER NOT NULL,"
	  "  top_layer TEXT REFERENCES layers(chain_id),"
	  "  created INTEGER NOT NULL,"
	  "  added INTEGER NOT NULL,"
	  "  size INTEGER NOT NULL,"
	  "  os TEXT NOT NULL DEFAULT 'linux',"
	  "  arch TEXT NOT NULL DEFAULT '',"
	  "  variant TEXT NOT NULL DEFAULT '',"
	  "  labels TEXT NOT NULL DEFAULT '{}');"
	  /* The layers of an image in order, with the blob each came from. */
	  "CREATE TABLE image_layers ("
	  "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	  "  idx INTEGER NOT NULL,"
	  "  chain_id TEXT NOT NULL REFERENCES layers(chain_id),"
	  "  diff_id TEXT NOT NULL,"
	  "  blob_digest TEXT NOT NULL,"
	  "  blob_size INTEGER NOT NULL,"
	  "  media_type TEXT NOT NULL,"
	  "  diff_size INTEGER NOT NULL,"
	  "  PRIMARY KEY (image_id, idx));"
	  "CREATE INDEX image_layers_chain ON image_layers(chain_id);"
	  "CREATE INDEX image_layers_blob ON image_layers(blob_digest);"
	  /* Tags ("docker.io/library/busybox:latest") and digest references
	   * ("docker.io/library/busybox@sha256:..."). */
	  "CREATE TABLE refs ("
	  "  name TEXT PRIMARY KEY,"
	  "  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	  "  kind TEXT NOT NULL CHECK (kind IN ('tag', 'digest')),"
	  "  added INTEGER NOT NULL);"
	  "CREATE INDEX refs_image ON refs(image_id);"
	  "CREATE TABLE containers ("
	  "  id TEXT PRIMARY KEY,"
	  "  name TEXT NOT NULL UNIQUE,"
	  "  image_id TEXT NOT NULL REFERENCES images(id),"
	  "  image_ref TEXT NOT NULL,"
	  "  created INTEGER NOT NULL,"
	  "  config TEXT NOT NULL,"
	  "  state TEXT NOT NULL DEFAULT 'created',"
	  "  pid INTEGER NOT NULL DEFAULT 0,"
	  "  shim_pid INTEGER NOT NULL DEFAULT 0,"
	  "  exit_code INTEGER NOT NULL DEFAULT 0,"
	  "  oom_killed INTEGER NOT NULL DEFAULT 0,"
	  "  started INTEGER NOT NULL DEFAULT 0,"
	  "  finished INTEGER NOT NULL DEFAULT 0,"
	  "  restart_count INTEGER NOT NULL DEFAULT 0,"
	  "  error TEXT NOT NULL DEFAULT '',"
	  "  labels TEXT NOT NULL DEFAULT '{}');"
	  "CREATE INDEX containers_image ON containers(image_id);"
	  "CREATE TABLE volumes ("
	  "  name TEXT PRIMARY KEY,"
	  "  driver TEXT NOT NULL DEFAULT 'local',"
	  "  created INTEGER NOT NULL,"
	  "  labels TEXT NOT NULL DEFAULT '{}',"
	  "  options TEXT NOT NULL DEFAULT '{}');"
	  "CREATE TABLE networks ("
	  "  id TEXT PRIMARY KEY,"
	  "  name TEXT NOT NULL UNIQUE,"
	  "  driver TEXT NOT NULL DEFAULT 'bridge',"
	  "  created INTEGER NOT NULL,"
	  "  config TEXT NOT NULL DEFAULT '{}',"
	  "  labels TEXT NOT NULL DEFAULT '{}');"
	  "CREATE TABLE events ("
	  "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	  "  time INTEGER NOT NULL,"
	  "  type TEXT NOT NULL,"
	  "  action TEXT NOT NULL,"
	  "  actor TEXT NOT NULL,"
	  "  attrs TEXT NOT NULL DEFAULT '{}');"
	  "CREATE INDEX events_time ON events(time);" },
	/* Where a blob was seen on a registry (pull or push), so that a push
	 * to another repository of that registry can mount it instead of
	 * uploading it again. */
	{ "registry-0001-blob-sources",
	  "CREATE TABLE blob_sources ("
	  "  digest TEXT NOT NULL,"
	  "  registry TEXT NOT NULL,"
	  "  repository TEXT NOT NULL,"
	  "  added INTEGER NOT NULL,"
	  "  PRIMARY KEY (digest, registry, repository));" },
	/* Containers: the shim's start time (to tell a live shim from a
	 * reused pid), and exec instances (Docker keeps them for inspect). */
	{ "0002-containers",
	  "ALTER TABLE containers ADD COLUMN shim_start INTEGER NOT NULL DEFAULT 0;"
	  "ALTER TABLE containers ADD COLUMN manual_stop INTEGER NOT NULL DEFAULT 0;"
	  "CREATE TABLE execs ("
	  "  id TEXT PRIMARY KEY,"
	  "  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	  "  config TEXT NOT NULL,"
	  "  created INTEGER NOT NULL,"
	  "  running INTEGER NOT NULL DEFAULT 0,"
	  "  pid INTEGER NOT NULL DEFAULT 0,"
	  "  shim_pid INTEGER NOT NULL DEFAULT 0,"
	  "  shim_start INTEGER NOT NULL DEFAULT 0,"
	  "  exit_code INTEGER,"
	  "  finished INTEGER NOT NULL DEFAULT 0);"
	  "CREATE INDEX execs_container ON execs(container_id);" },
	/* Networks: a container's place on a network (its address: UNIQUE per
	 * network, so one address is never handed out twice; freed with the
	 * container by the cascade), the ports it publishes while it runs,
	 * and the allocation cursor (addresses go round the range before one
	 * is reused). */
	{ "network-0001-endpoints",
	  "ALTER TABLE networks ADD COLUMN next_ip INTEGER NOT NULL DEFAULT 0;"
	  "CREATE TABLE endpoints ("
	  "  network_id TEXT NOT NULL REFERENCES networks(id),"
	  "  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	  "  ip INTEGER NOT NULL,"
	  "  static INTEGER NOT NULL DEFAULT 0,"
	  "  aliases TEXT NOT NULL DEFAULT '[]',"
	  "  created INTEGER NOT NULL,"
	  "  PRIMARY KEY (network_id, container_id),"
	  "  UNIQUE (network_id, ip));"
	  "CREATE INDEX endpoints_container ON endpoints(container_id);"
	  "CREATE TABLE ports ("
	  "  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	  "  proto TEXT NOT NULL,"
	  "  host_ip TEXT NOT NULL,"
	  "  host_port INTEGER NOT NULL,"
	  "  ctr_port INTEGER NOT NULL,"
	  "  ctr_ip INTEGER NOT NULL,"
	  "  UNIQUE (proto, host_ip, host_port));"
	  "CREATE INDEX ports_container ON ports(container_id);" },
	/* Volumes: anonymous ones (from an image's VOLUME or -v /path), and
	 * which containers use which volume (rm refuses a used one). */
	{ "volume-0001-refs",
	  "ALTER TABLE volumes ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;"
	  "CREATE TABLE volume_refs ("
	  "  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	  "  volume TEXT NOT NULL REFERENCES volumes(name),"
	  "  PRIMARY KEY (container_id, volume));"
	  "CREATE INDEX volume_refs_volume ON volume_refs(volume);" },
	/* What a container listing reads of the config document (its labels,
	 * network mode, path and args), so that `ps` and GET /containers/json
	 * need not parse whole documents. Written with the row; rows from
	 * before get it here (rows an older servin adds have none, and the
	 * listing reads their document). */
	{ "api-0001-container-summary",
	  "ALTER TABLE containers ADD COLUMN summary TEXT;"
	  "UPDATE containers SET summary = json_object("
	  "  'Config', json_object('Labels', config -> '$.Config.Labels'),"
	  "  'HostConfig', json_object('NetworkMode', config -> '$.HostConfig.NetworkMode'),"
	  "  'Path', config -> '$.Path', 'Args', config -> '$.Args')"
	  " WHERE json_valid(config);" },
};

#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

/* Which migrations the database has had: one query, as every command
 * opens the store (a missing table reads as none applied). */
static int migrations_done(sqlite3 *db, bool done[N_MIGRATIONS], sv_err **err)
{
	memset(done, 0, N_MIGRATIONS * sizeof done[0]);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT name FROM migrations", -1, &st, NULL) != SQLITE_OK)
		return 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		for (size_t i = 0; name && i < N_MIGRATIONS; i++)
			if (strcmp(migrations[i].name, name) == 0)
				done[i] = true;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sv_err_setx(err, EIO, "database: %s", sqlite3_errmsg(db));
	return 0;
}

static int run_sql(sqlite3 *db, const char *sql, const char *what, sv_err **err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	sv_err_setx(err, EIO, "%s: %s", what, msg ? msg : "error");
	sqlite3_free(msg);
	return -1;
}

int store_migrate(sv_store *s, sqlite3 *db, sv_err **err)
{
	(void)s;
	bool done[N_MIGRATIONS];
	if (migrations_done(db, done, err) < 0)
		return -1;
	size_t todo = 0;
	for (size_t i = 0; i < N_MIGRATIONS; i++)
		todo += !done[i];
	if (!todo)
		return 0;
	if (run_sql(db,
		    "CREATE TABLE IF NOT EXISTS migrations ("
		    "  name TEXT PRIMARY KEY, applied INTEGER NOT NULL)",
		    "create migrations table", err) < 0)
		return -1;
	for (size_t i = 0; i < N_MIGRATIONS; i++) {
		const struct migration *m = &migrations[i];
		if (done[i])
			continue;
		if (run_sql(db, "BEGIN IMMEDIATE", m->name, err) < 0)
			return -1;
		SV_AUTOFREE char *rec = sv_xasprintf(
			"INSERT INTO migrations (name, applied) VALUES ('%s', %lld)", m->name,
			(long long)(sv_time_now_ns() / 1000000000));
		if (run_sql(db, m->sql, m->name, err) < 0 || run_sql(db, rec, m->name, err) < 0 ||
		    run_sql(db, "COMMIT", m->name, err) < 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return sv_err_prefix(err, "schema migration %s", m->name);
		}
	}
	return 0;
}
