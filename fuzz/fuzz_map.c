/* fuzz_map - libFuzzer target for the field-map spec of --map and
 * --format (sprout_format_parse), up to the first NUL as a command line
 * gives it. Invariants: no crash or UB; a failure is SPROUT_ERR_FORMAT
 * with a message; a map parsed maps the prompt, no key twice, and its
 * description ("map SLOT=KEY,...") parses back to the same map, also cut
 * short in any buffer; a record made of the mapped keys gives each slot's
 * text back, takes new text for each (and for label and system, refused for
 * the others), passes its check and converts to
 * alpaca and openai as a record that passes its check. A format's name
 * (or alias) describes as a name that reads as the same format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sprout/record.h"
#include "sprout/utf8.h"

static void use(const sprout_format *f)
{
	sprout_arena *a = sprout_arena_new(0);
	CHECK(a != NULL);
	sprout_json *obj = sprout_json_new(a, SPROUT_JSON_OBJECT);
	CHECK(obj != NULL);
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++)
		if (f->keys[s][0])
			CHECK(sprout_json_set(
				  a, obj, f->keys[s],
				  sprout_json_string(a, sprout_slot_name((sprout_slot)s),
						     strlen(sprout_slot_name((sprout_slot)s)))) ==
			      SPROUT_OK);
	sprout_record r = {obj, f, a, "fuzz", 1};
	sprout_error err = SPROUT_ERROR_INIT;
	for (int s = 0; s < SPROUT_SLOT__COUNT; s++) {
		sprout_text t;
		int got = sprout_record_get(&r, (sprout_slot)s, &t);
		CHECK(got == (f->keys[s][0] != '\0'));
		if (got)
			CHECK(strcmp(t.s, sprout_slot_name((sprout_slot)s)) == 0);
		/* an unmapped slot is no slot of the format, but for label and
		 * system, which then have keys of their own */
		int own = got || s == SPROUT_SLOT_LABEL || s == SPROUT_SLOT_SYSTEM;
		sprout_code rc = sprout_record_set(&r, (sprout_slot)s, "new text", 8, &err);
		CHECK(rc == (own ? SPROUT_OK : SPROUT_ERR_SLOT));
		if (own)
			CHECK(sprout_record_get(&r, (sprout_slot)s, &t) &&
			      strcmp(t.s, "new text") == 0);
	}
	CHECK(sprout_record_check(&r, &err) == SPROUT_OK);
	fuzz_roundtrip(a, r.obj, NULL);
	static const sprout_format_kind to[] = {SPROUT_FORMAT_ALPACA, SPROUT_FORMAT_OPENAI};
	for (size_t i = 0; i < 2; i++) {
		sprout_format target;
		memset(&target, 0, sizeof target);
		target.kind = to[i];
		sprout_record c = r;
		c.obj = sprout_json_copy(a, r.obj);
		CHECK(c.obj != NULL);
		sprout_code rc = sprout_record_convert(&c, &target, &err);
		if (rc) {
			CHECK(rc == SPROUT_ERR_CONVERT);
			fuzz_check_error(&err, rc);
			continue;
		}
		CHECK(sprout_record_check(&c, &err) == SPROUT_OK);
		fuzz_roundtrip(a, c.obj, NULL);
	}
	sprout_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_text(data, size);
	sprout_format f;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_format_parse(spec, &f, &err);
	if (rc) {
		CHECK(rc == SPROUT_ERR_FORMAT);
		fuzz_check_error(&err, rc);
	} else if (f.kind == SPROUT_FORMAT_MAP) {
		CHECK(f.keys[SPROUT_SLOT_PROMPT][0] != '\0');
		for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
			CHECK(memchr(f.keys[i], '\0', sizeof f.keys[i]) != NULL);
			CHECK(strchr(f.keys[i], ',') == NULL);
			for (int j = i + 1; j < SPROUT_SLOT__COUNT; j++)
				CHECK(!f.keys[i][0] || strcmp(f.keys[i], f.keys[j]) != 0);
		}
		char text[SPROUT_SLOT__COUNT * (SPROUT_MAP_KEY_MAX + 16) + 8];
		sprout_format_describe(&f, text, sizeof text);
		CHECK(strncmp(text, "map ", 4) == 0);
		sprout_format back;
		CHECK(sprout_format_parse(text + 4, &back, &err) == SPROUT_OK);
		CHECK(back.kind == SPROUT_FORMAT_MAP &&
		      memcmp(back.keys, f.keys, sizeof f.keys) == 0);
		for (size_t n = 1; n < strlen(text); n += 7) {
			char cut[sizeof text];
			memset(cut, 'x', sizeof cut);
			sprout_format_describe(&f, cut, n);
			CHECK(strlen(cut) == n - 1 && cut[n] == 'x');
		}
		/* records come from JSON: their keys are UTF-8 */
		int utf8 = 1;
		for (int i = 0; i < SPROUT_SLOT__COUNT; i++)
			utf8 &=
			    sprout_utf8_valid(f.keys[i], strlen(f.keys[i])) == strlen(f.keys[i]);
		if (utf8)
			use(&f);
	} else {
		/* a name or an alias: its canonical name reads as the same */
		char text[64];
		sprout_format_describe(&f, text, sizeof text);
		sprout_format back;
		CHECK(sprout_format_parse(text, &back, &err) == SPROUT_OK && back.kind == f.kind);
	}
	free(spec);
	return 0;
}
