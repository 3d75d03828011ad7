/*
 * Manifests, indexes and configs: valid documents parse, and every kind of
 * malformed or hostile one is refused with the right error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char oci_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":10},"
	"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D2 "\",\"size\":20},"
	"{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D3 "\",\"size\":30}]}";

static const char docker_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
	"\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" D1 "\",\"size\":10},"
	"\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D2 "\",\"size\":20}]}";

static const char index_doc[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\",\"size\":2,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\",\"size\":3,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"},"
	"\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\",\"io.containerd.image.name\":\"docker.io/x/y:v1\"}}]}";

/* err is read after the call (argument order is unspecified in C). */
static void expect_err(int rc, sv_err **errp, int code, const char *needle)
{
	sv_err *err = *errp;
	assert_int_equal(rc, -1);
	assert_non_null(err);
	assert_int_equal(err->code, code);
	if (needle && !strstr(err->msg, needle))
		fail_msg("error '%s' lacks '%s'", err->msg, needle);
}

static void test_manifest__oci_parses(void **state)
{
	(void)state;
	struct sv_manifest m;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_manifest_kind(oci_manifest, strlen(oci_manifest), NULL, &err), SV_MANIFEST_IMAGE);
	assert_int_equal(sv_manifest_parse(oci_manifest, strlen(oci_manifest), &m, &err), 0);
	assert_string_equal(m.config.digest, D1);
	assert_int_equal(m.nlayers, 2);
	assert_int_equal(m.layers[1].size, 30);
	assert_string_equal(m.layers[0].media_type, SV_MEDIA_OCI_LAYER_GZIP);
	sv_manifest_release(&m);
}

static void test_manifest__docker_v2s2_parses(void **state)
{
	(void)state;
	struct sv_manifest m;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_manifest_parse(docker_manifest, strlen(docker_manifest), &m, &err), 0);
	assert_string_equal(m.media_type, SV_MEDIA_DOCKER_MANIFEST);
	assert_int_equal(m.nlayers, 1);
	sv_manifest_release(&m);
}

static void test_manifest__index_and_platforms(void **state)
{
	(void)state;
	struct sv_index ix;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_manifest_kind(index_doc, strlen(index_doc), NULL, &err), SV_MANIFEST_INDEX);
	assert_int_equal(sv_index_parse(index_doc, strlen(index_doc), &ix, &err), 0);
	assert_int_equal(ix.n, 3);
	assert_int_equal(sv_index_select(&ix, "linux", "amd64", NULL, &err), 1);
	assert_int_equal(sv_index_select(&ix, "linux", "arm", "v7", &err), 0);
	assert_int_equal(sv_index_select(&ix, "linux", "arm64", NULL, &err), 2);
	assert_string_equal(ix.manifests[2].image_name, "docker.io/x/y:v1");
	assert_string_equal(ix.manifests[2].ref_name, "v1");
	SV_AUTOERR sv_err *e2 = NULL;
	expect_err(sv_index_select(&ix, "linux", "s390x", NULL, &e2), &e2, ENOENT, "available: linux/arm/v7, linux/amd64");
	sv_index_release(&ix);
}

/* Docker's manifest list: recognised from its mediaType and from the
 * Content-Type alone, its v2s2 children selectable by platform. */
static const char docker_list[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\",\"manifests\":["
	"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D1 "\",\"size\":7,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
	"{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D2 "\",\"size\":8,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

static void test_manifest__docker_list_parses(void **state)
{
	(void)state;
	struct sv_index ix;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_manifest_kind(docker_list, strlen(docker_list), NULL, &err), SV_MANIFEST_INDEX);
	/* The same list without its mediaType field. */
	SV_AUTOFREE char *unlabelled = sv_xasprintf("{\"schemaVersion\":2,%s", strstr(docker_list, "\"manifests\""));
	assert_int_equal(sv_manifest_kind(unlabelled, strlen(unlabelled), SV_MEDIA_DOCKER_LIST, &err),
			 SV_MANIFEST_INDEX);
	assert_int_equal(sv_index_parse(docker_list, strlen(docker_list), &ix, &err), 0);
	assert_string_equal(ix.media_type, SV_MEDIA_DOCKER_LIST);
	assert_int_equal(ix.n, 2);
	assert_int_equal(sv_index_select(&ix, "linux", "amd64", NULL, &err), 1);
	assert_int_equal(sv_index_select(&ix, "linux", "arm64", NULL, &err), 0);
	assert_string_equal(ix.manifests[1].media_type, SV_MEDIA_DOCKER_MANIFEST);
	assert_int_equal(ix.manifests[1].size, 8);
	assert_null(err);
	sv_index_release(&ix);
}

static void test_manifest__platform_strings(void **state)
{
	(void)state;
	struct sv_platform p;
	assert_int_equal(sv_platform_parse("linux/arm64/v8", &p, NULL), 0);
	assert_string_equal(p.variant, "v8");
	sv_platform_release(&p);
	SV_AUTOERR sv_err *err = NULL;
	expect_err(sv_platform_parse("linux", &p, &err), &err, EINVAL, "os/arch");
	SV_AUTOERR sv_err *e2 = NULL;
	expect_err(sv_platform_parse("linux//", &p, &e2), &e2, EINVAL, NULL);
}

static void test_manifest__malformed_refused(void **state)
{
	(void)state;
	static const struct {
		const char *doc;
		int code;
		const char *needle;
	} cases[] = {
		{ "", EBADMSG, "malformed" },
		{ "{", EBADMSG, "malformed" },
		{ "[]", EBADMSG, "not a JSON object" },
		{ "{\"schemaVersion\":1}", EINVAL, "schemaVersion" },
		{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":1}}", EBADMSG, "missing layers" },
		{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:xyz\",\"size\":1},\"layers\":[]}", EBADMSG, "digest" },
		{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":-5},\"layers\":[]}", EBADMSG, "size" },
		{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"text/plain\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", EINVAL, "config media type" },
		{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[{\"mediaType\":\"application/x-evil\",\"digest\":\"" D2 "\",\"size\":1}]}", EINVAL, "layer media type" },
		{ "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":\"1\"},\"layers\":[]}", EBADMSG, "size" },
		{ "{\"schemaVersion\":2,\"config\":7,\"layers\":[]}", EBADMSG, NULL },
		{ "{\"schemaVersion\":2} trailing", EBADMSG, "trailing" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sv_manifest m;
		SV_AUTOERR sv_err *err = NULL;
		expect_err(sv_manifest_parse(cases[i].doc, strlen(cases[i].doc), &m, &err), &err, cases[i].code,
			   cases[i].needle);
	}
}

static void test_manifest__unknown_media_type_kind(void **state)
{
	(void)state;
	const char *doc = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v1+prettyjws\"}";
	SV_AUTOERR sv_err *err = NULL;
	expect_err(sv_manifest_kind(doc, strlen(doc), NULL, &err), &err, EINVAL, "unsupported manifest media type");
}

static void test_manifest__over_4MiB_refused(void **state)
{
	(void)state;
	size_t n = SV_MANIFEST_MAX + 100;
	char *big = malloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, "{\"schemaVersion\":2", 18);
	big[n - 1] = '}';
	big[n] = 0;
	struct sv_manifest m;
	SV_AUTOERR sv_err *err = NULL;
	expect_err(sv_manifest_parse(big, n, &m, &err), &err, E2BIG, "over the limit");
	struct sv_image_config c;
	SV_AUTOERR sv_err *e2 = NULL;
	expect_err(sv_image_config_parse(big, n, &c, &e2), &e2, E2BIG, NULL);
	free(big);
}

static void test_manifest__too_many_layers(void **state)
{
	(void)state;
	struct sv_buf b;
	sv_buf_init(&b);
	sv_buf_adds(&b, "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[");
	for (int i = 0; i < SV_IMAGE_MAX_LAYERS + 1; i++)
		sv_buf_addf(&b, "%s{\"mediaType\":\"" SV_MEDIA_OCI_LAYER "\",\"digest\":\"" D2 "\",\"size\":1}", i ? "," : "");
	sv_buf_adds(&b, "]}");
	struct sv_manifest m;
	SV_AUTOERR sv_err *err = NULL;
	expect_err(sv_manifest_parse(b.data, b.len, &m, &err), &err, E2BIG, "layers is over the limit");
	sv_buf_release(&b);
}

static void test_config__parses_and_validates(void **state)
{
	(void)state;
	const char *ok = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\","
			 "\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]}}";
	struct sv_image_config c;
	SV_AUTOERR sv_err *err = NULL;
	assert_int_equal(sv_image_config_parse(ok, strlen(ok), &c, &err), 0);
	assert_int_equal(c.ndiff_ids, 2);
	assert_string_equal(c.arch, "amd64");
	assert_int_equal(c.created, 1704067200);
	sv_image_config_release(&c);

	static const char *const bad[] = {
		"{}",
		"{\"rootfs\":{\"type\":\"layers\"}}",
		"{\"rootfs\":{\"type\":\"other\",\"diff_ids\":[]}}",
		"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[5]}}",
		"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:nothex\"]}}",
		"{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},\"config\":[1]}",
		"[1,2]",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		SV_AUTOERR sv_err *e = NULL;
		assert_int_equal(sv_image_config_parse(bad[i], strlen(bad[i]), &c, &e), -1);
		assert_non_null(e);
	}
}

static void test_config__chain_ids(void **state)
{
	(void)state;
	char c1[SV_DIGEST_STR_LEN], c2[SV_DIGEST_STR_LEN], want[SV_DIGEST_STR_LEN];
	sv_chain_id(NULL, D1, c1);
	assert_string_equal(c1, D1);
	sv_chain_id(c1, D2, c2);
	const char *s = D1 " " D2;
	sv_sha256_data(s, strlen(s), want);
	assert_string_equal(c2, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest__oci_parses),
		cmocka_unit_test(test_manifest__docker_v2s2_parses),
		cmocka_unit_test(test_manifest__index_and_platforms),
		cmocka_unit_test(test_manifest__docker_list_parses),
		cmocka_unit_test(test_manifest__platform_strings),
		cmocka_unit_test(test_manifest__malformed_refused),
		cmocka_unit_test(test_manifest__unknown_media_type_kind),
		cmocka_unit_test(test_manifest__over_4MiB_refused),
		cmocka_unit_test(test_manifest__too_many_layers),
		cmocka_unit_test(test_config__parses_and_validates),
		cmocka_unit_test(test_config__chain_ids),
	};
	return cmocka_run_group_tests_name("image_manifest", tests, NULL, NULL);
}
