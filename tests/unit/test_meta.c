#include "test.h"
#include "util.h"

static void seeds_get_full_provenance_last(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_record r =
	    make_record(a, "{\"instruction\":\"I\",\"output\":\"O\",\"z\":1}", "alpaca");
	char id[SPROUT_ID_LEN + 1];
	sprout_meta_content_id(&r, id);
	CHECK_INT(strlen(id), 16);
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_OK);
	char want[256];
	snprintf(
	    want, sizeof want,
	    "{\"instruction\":\"I\",\"output\":\"O\",\"z\":1,\"_sprout\":{\"v\":1,\"id\":\"%s\","
	    "\"root\":\"%s\",\"method\":\"seed\",\"round\":0}}",
	    id, id);
	CHECK_STR(dump(r.obj), want);
	/* idempotent */
	CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_OK);
	CHECK_STR(dump(r.obj), want);
	CHECK_STR(sprout_meta_id(&r), id);
	sprout_meta_strip(&r);
	CHECK_STR(dump(r.obj), "{\"instruction\":\"I\",\"output\":\"O\",\"z\":1}");
	sprout_arena_free(a);
}

static void existing_provenance_is_kept_and_completed(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_record r = make_record(a,
				      "{\"_sprout\":{\"id\":\"abc\",\"method\":\"augment.typo\","
				      "\"scores\":{\"sim\":0.9}},\"instruction\":\"I\"}",
				      "alpaca");
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_OK);
	CHECK_STR(dump(r.obj),
		  "{\"instruction\":\"I\",\"_sprout\":{\"v\":1,\"id\":\"abc\",\"root\":"
		  "\"abc\",\"method\":\"augment.typo\",\"round\":0,\"scores\":{\"sim\":0.9}}}");
	r = make_record(a, "{\"instruction\":\"I\",\"_sprout\":[1]}", "alpaca");
	CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_ERR_RECORD);
	CHECK_STR(err.msg, "reserved key '_sprout' is not an object");
	/* two _sprout keys: which one is the provenance? (found by fuzzing) */
	r = make_record(a, "{\"instruction\":\"x\",\"_sprout\":{},\"_sprout\":5}", "alpaca");
	CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_ERR_RECORD);
	CHECK_STR(err.msg, "reserved key '_sprout' appears 2 times");
	r = make_record(a, "{\"instruction\":\"I\",\"_sprout\":{\"id\":5}}", "alpaca");
	CHECK_INT(sprout_meta_ensure(&r, &err), SPROUT_ERR_RECORD);
	CHECK_STR(err.msg, "'_sprout.id' is not a string");
	sprout_arena_free(a);
}

static void ids_depend_on_content_only(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_record x =
	    make_record(a, "{\"text\":\"hello\",\"label\":\"greet\",\"n\":1}", "auto");
	sprout_record y =
	    make_record(a, "{\"n\":2,\"label\":\"greet\",\"text\":\"hello\"}", "auto");
	sprout_record z = make_record(a, "{\"text\":\"hello\",\"label\":\"bye\"}", "auto");
	char ix[17], iy[17], iz[17];
	sprout_meta_content_id(&x, ix);
	sprout_meta_content_id(&y, iy);
	sprout_meta_content_id(&z, iz);
	CHECK_STR(ix, iy);
	CHECK(strcmp(ix, iz) != 0);
	sprout_arena_free(a);
}

static void variants_point_to_parent_and_root(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_record p =
	    make_record(a,
			"{\"instruction\":\"Cancel my card\",\"_sprout\":{\"id\":\"p1\","
			"\"root\":\"r0\",\"round\":2}}",
			"alpaca");
	CHECK_INT(sprout_meta_ensure(&p, &err), SPROUT_OK);
	sprout_record c = p;
	c.obj = sprout_json_copy(a, p.obj);
	CHECK_INT(sprout_record_set(&c, SPROUT_SLOT_PROMPT, "Cancel my cards", 15, &err),
		  SPROUT_OK);
	sprout_json *params = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, params, "rate", sprout_json_real(a, 0.1));
	CHECK_INT(sprout_meta_derive(&c, &p, "augment.synonym", params, &err), SPROUT_OK);
	char id[17];
	sprout_meta_content_id(&c, id);
	char want[300];
	snprintf(
	    want, sizeof want,
	    "{\"instruction\":\"Cancel my cards\",\"_sprout\":{\"v\":1,\"id\":\"%s\",\"parent\":"
	    "\"p1\",\"root\":\"r0\",\"method\":\"augment.synonym\",\"params\":{\"rate\":0.1},"
	    "\"round\":2}}",
	    id);
	CHECK_STR(dump(c.obj), want);
	CHECK_INT(sprout_meta_set_score(&c, "similarity", 0.875, &err), SPROUT_OK);
	CHECK(strstr(dump(c.obj), "\"scores\":{\"similarity\":0.875}") != NULL);
	sprout_record orphan = make_record(a, "{\"instruction\":\"x\"}", "alpaca");
	CHECK_INT(sprout_meta_derive(&c, &orphan, "m", NULL, &err), SPROUT_ERR_USAGE);
	sprout_arena_free(a);
}

SUITE(meta_tests) = {
    T(seeds_get_full_provenance_last),
    T(existing_provenance_is_kept_and_completed),
    T(ids_depend_on_content_only),
    T(variants_point_to_parent_and_root),
    {NULL, NULL},
};
