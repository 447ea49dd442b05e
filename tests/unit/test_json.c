#include <math.h>
#include <stdlib.h>

#include "test.h"
#include "util.h"

static sprout_arena *A;

static void setup(void)
{
	A = sprout_arena_new(0);
}

static void round_trip_keeps_order_numbers_and_duplicates(void)
{
	setup();
	const char *in = "{\"z\":1.0,\"a\":[1e5,-0,12345678901234567890123,0.1],"
			 "\"dup\":1,\"dup\":2,\"n\":null,\"t\":true,\"f\":false,\"o\":{}}";
	CHECK_STR(dump(parse_ok(A, in)), in);
	/* whitespace is dropped, nothing else changes */
	CHECK_STR(dump(parse_ok(A, " { \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \"x\" } \r\n")),
		  "{\"a\":[1,2],\"b\":\"x\"}");
}

static void strings_decode_escapes_and_write_minimal_escapes(void)
{
	setup();
	sprout_json *v = parse_ok(A, "\"a\\u00e9\\ud83d\\ude00\\/\\n\\t\\\"\\\\\\b\\f\\r\\u0001\"");
	CHECK_INT(v->type, SPROUT_JSON_STRING);
	CHECK_MEM(v->u.s, v->len, "a\xc3\xa9\xf0\x9f\x98\x80/\n\t\"\\\b\f\r\x01");
	CHECK_STR(dump(v), "\"a\xc3\xa9\xf0\x9f\x98\x80/\\n\\t\\\"\\\\\\b\\f\\r\\u0001\"");
	/* a NUL inside a string is kept, len is authoritative */
	v = parse_ok(A, "\"x\\u0000y\"");
	CHECK_INT(v->len, 3);
	CHECK_STR(dump(v), "\"x\\u0000y\"");
	/* raw UTF-8 passes through */
	CHECK_STR(dump(parse_ok(A, "\"中文 ü\"")), "\"中文 ü\"");
}

static void expect_error(const char *text, sprout_code code, unsigned long line, unsigned long col,
			 const char *msg)
{
	sprout_json *v;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_json_parse(A, text, strlen(text), &v, &err);
	if (rc != code || err.line != line || err.column != col || strcmp(err.msg, msg) != 0)
		test_fail(__FILE__, __LINE__, "for %s\n  got  %s %lu:%lu %s\n  want %s %lu:%lu %s",
			  text, sprout_code_name(rc), err.line, err.column, err.msg,
			  sprout_code_name(code), line, col, msg);
}

static void syntax_errors_name_line_column_and_reason(void)
{
	setup();
	expect_error("{\"a\":1,}", SPROUT_ERR_JSON, 1, 8, "unexpected '}', expected a string key");
	expect_error("{\"a\" 1}", SPROUT_ERR_JSON, 1, 6,
		     "unexpected '1', expected ':' after an object key");
	expect_error("{\"a\":1 \"b\":2}", SPROUT_ERR_JSON, 1, 8,
		     "unexpected '\"', expected ',' or '}' after an object member");
	expect_error("[1 2]", SPROUT_ERR_JSON, 1, 4,
		     "unexpected '2', expected ',' or ']' after an array element");
	expect_error("{\"a\":", SPROUT_ERR_JSON, 1, 6, "unexpected end of input, expected a value");
	expect_error("{\"a\":1", SPROUT_ERR_JSON, 1, 1, "unterminated object");
	expect_error("{\"a\":\"xy", SPROUT_ERR_JSON, 1, 6, "unterminated string");
	expect_error("{\"a\":tru}", SPROUT_ERR_JSON, 1, 6, "unexpected 't', expected a value");
	expect_error("{\"a\":1}x", SPROUT_ERR_JSON, 1, 8,
		     "unexpected 'x' after the end of the value");
	expect_error("{\n\"a\":\n'x'}", SPROUT_ERR_JSON, 3, 1, "unexpected ''', expected a value");
	expect_error("", SPROUT_ERR_JSON, 1, 1, "unexpected end of input, expected a value");
}

static void string_and_number_errors(void)
{
	setup();
	expect_error("\"a\\qb\"", SPROUT_ERR_JSON, 1, 3, "invalid escape '\\q' in string");
	expect_error("\"\\u12G4\"", SPROUT_ERR_JSON, 1, 2,
		     "invalid \\u escape, expected four hex digits");
	expect_error("\"\\ud83d\"", SPROUT_ERR_JSON, 1, 2,
		     "invalid \\u escape: high surrogate \\uD83D without a low surrogate");
	expect_error("\"\\ude00\"", SPROUT_ERR_JSON, 1, 2,
		     "invalid \\u escape: lone low surrogate \\uDE00");
	expect_error("\"a\tb\"", SPROUT_ERR_JSON, 1, 3,
		     "unescaped control character U+0009 in string");
	expect_error("[-]", SPROUT_ERR_JSON, 1, 2, "invalid number, expected a digit");
	expect_error("[1.]", SPROUT_ERR_JSON, 1, 4, "invalid number, expected a digit after '.'");
	expect_error("[1e+]", SPROUT_ERR_JSON, 1, 5,
		     "invalid number, expected a digit in the exponent");
	expect_error("[01]", SPROUT_ERR_JSON, 1, 3,
		     "unexpected '1', expected ',' or ']' after an array element");
}

static void invalid_utf8_is_its_own_error(void)
{
	setup();
	expect_error("{\"a\":\"x\xff\"}", SPROUT_ERR_UTF8, 1, 8, "invalid UTF-8 byte 0xFF");
	/* overlong encoding of '/' and a UTF-16 surrogate encoded in UTF-8 */
	expect_error("\"\xc0\xaf\"", SPROUT_ERR_UTF8, 1, 2, "invalid UTF-8 byte 0xC0");
	expect_error("\"\xed\xa0\x80\"", SPROUT_ERR_UTF8, 1, 2, "invalid UTF-8 byte 0xED");
	expect_error("{\xff}", SPROUT_ERR_UTF8, 1, 2, "invalid UTF-8 byte 0xFF");
	/* valid UTF-8 outside a string is a syntax error, named as a character */
	expect_error("{é}", SPROUT_ERR_JSON, 1, 2,
		     "unexpected 'é' (U+00E9), expected a string key");
}

static void nesting_is_bounded(void)
{
	setup();
	size_t n = SPROUT_JSON_MAX_DEPTH + 1;
	char *deep = malloc(2 * n + 1);
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	sprout_json *v;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_json_parse(A, deep, 2 * n, &v, &err), SPROUT_ERR_JSON);
	CHECK_STR(err.msg, "nesting deeper than 512 levels");
	/* exactly the limit is fine */
	CHECK_INT(sprout_json_parse(A, deep + 1, 2 * n - 2, &v, &err), SPROUT_OK);
	free(deep);
}

static void large_containers_parse(void)
{
	setup();
	/* more members than the parser's inline stack */
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 24);
	sprout_buf_adds(&b, "{");
	for (int i = 0; i < 1000; i++)
		sprout_buf_addf(&b, "%s\"k%d\":[%d,{\"x\":[%d]}]", i ? "," : "", i, i, i);
	sprout_buf_adds(&b, "}");
	sprout_json *v = parse_ok(A, b.data);
	CHECK_INT(v->len, 1000);
	CHECK_STR(dump(v), b.data);
	CHECK_STR(dump(sprout_json_get(v, "k999")), "[999,{\"x\":[999]}]");
	sprout_buf_release(&b);
}

static void real_numbers_print_shortest_exact(void)
{
	setup();
	CHECK_STR(dump(sprout_json_real(A, 0.1)), "0.1");
	CHECK_STR(dump(sprout_json_real(A, 1.0 / 3)), "0.3333333333333333");
	CHECK_STR(dump(sprout_json_real(A, 5.0)), "5.0");
	CHECK_STR(dump(sprout_json_real(A, -2.5e-7)), "-2.5e-07");
	CHECK_STR(dump(sprout_json_real(A, NAN)), "null");
	CHECK_STR(dump(sprout_json_integer(A, -42)), "-42");
	CHECK(sprout_json_number(parse_ok(A, "1e3")) == 1000.0);
}

static void object_edits(void)
{
	setup();
	sprout_json *o = parse_ok(A, "{\"a\":1,\"b\":2,\"a\":3}");
	CHECK_STR(dump(sprout_json_get(o, "a")), "1");
	CHECK_INT(sprout_json_index(o, "b"), 1);
	CHECK_INT(sprout_json_set(A, o, "b", sprout_json_string(A, "x", 1)), SPROUT_OK);
	CHECK_INT(sprout_json_set(A, o, "c", sprout_json_new(A, SPROUT_JSON_NULL)), SPROUT_OK);
	CHECK_STR(dump(o), "{\"a\":1,\"b\":\"x\",\"a\":3,\"c\":null}");
	CHECK_INT(sprout_json_remove(o, "a"), 2);
	CHECK_INT(sprout_json_insert(A, o, 0, "first", 5, sprout_json_integer(A, 0)), SPROUT_OK);
	CHECK_STR(dump(o), "{\"first\":0,\"b\":\"x\",\"c\":null}");
	CHECK_INT(sprout_json_insert(A, o, 9, "bad", 3, NULL), SPROUT_ERR_USAGE);
	sprout_json *arr = sprout_json_new(A, SPROUT_JSON_ARRAY);
	for (int i = 0; i < 20; i++)
		CHECK_INT(sprout_json_push(A, arr, sprout_json_integer(A, i)), SPROUT_OK);
	CHECK_INT(arr->len, 20);
	sprout_json *copy = sprout_json_copy(A, o);
	CHECK(sprout_json_equal(copy, o));
	CHECK(copy != o && copy->u.members != o->u.members);
	CHECK(
	    !sprout_json_equal(parse_ok(A, "{\"a\":1,\"b\":2}"), parse_ok(A, "{\"b\":2,\"a\":1}")));
	CHECK(!sprout_json_equal(parse_ok(A, "1.0"), parse_ok(A, "1")));
	CHECK(sprout_json_is(sprout_json_get(o, "b"), "x"));
}

static void pretty_output_indents_and_reads_back(void)
{
	sprout_arena *a = sprout_arena_new(0);
	const char *text = "{\"a\":[1,{\"b\":\"x\"}],\"e\":{},\"f\":[],\"g\":null}";
	sprout_json *v = parse_ok(a, text);
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	CHECK_INT(sprout_json_write_pretty(&b, v), SPROUT_OK);
	CHECK_MEM(b.data, b.len,
		  "{\n"
		  "  \"a\": [\n"
		  "    1,\n"
		  "    {\n"
		  "      \"b\": \"x\"\n"
		  "    }\n"
		  "  ],\n"
		  "  \"e\": {},\n"
		  "  \"f\": [],\n"
		  "  \"g\": null\n"
		  "}\n");
	sprout_json *back = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_json_parse(a, b.data, b.len, &back, &err), SPROUT_OK);
	CHECK(sprout_json_equal(v, back));
	CHECK_STR(dump(back), text);
	sprout_buf_release(&b);
	sprout_arena_free(a);
}

/* Every byte that needs an escape, at every place in strings long enough
 * to be read eight bytes at a time, and bytes that do not (UTF-8, DEL). */
static void escapes_are_found_anywhere_in_a_string(void)
{
	static const unsigned char special[] = {'"',  '\\', '\n', '\t', 0x01, 0x1f,
						0x7f, 0xc3, 0x20, 0x21, 0x5b, 0x5d};
	for (size_t len = 1; len <= 19; len++) {
		for (size_t at = 0; at < len; at++) {
			for (size_t k = 0; k < sizeof special; k++) {
				char in[32];
				memset(in, 'a', len);
				in[at] = (char)special[k];
				/* the expected text, byte by byte */
				char want[128];
				size_t n = 0;
				want[n++] = '"';
				for (size_t i = 0; i < len; i++) {
					unsigned char c = (unsigned char)in[i];
					if (c == '"' || c == '\\') {
						want[n++] = '\\';
						want[n++] = (char)c;
					} else if (c == '\n') {
						want[n++] = '\\';
						want[n++] = 'n';
					} else if (c == '\t') {
						want[n++] = '\\';
						want[n++] = 't';
					} else if (c < 0x20) {
						n += (size_t)snprintf(want + n, sizeof want - n,
								      "\\u%04x", c);
					} else {
						want[n++] = (char)c;
					}
				}
				want[n++] = '"';
				want[n] = '\0';
				sprout_buf b = SPROUT_BUF_INIT(1024);
				CHECK_INT(sprout_json_write_string(&b, in, len), SPROUT_OK);
				CHECK_MEM(b.data, b.len, want);
				sprout_buf_release(&b);
			}
		}
	}
}

static sprout_code parse_dups(const char *text, sprout_json_dups dups, sprout_json **v,
			      sprout_error *err)
{
	return sprout_json_parse_dups(A, text, strlen(text), dups, v, err);
}

static void duplicate_keys_are_an_error_at_the_second_key(void)
{
	setup();
	sprout_json *v;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(parse_dups("{\"a\":1,\n \"b\":{\"x\":1,\"y\":2,\"x\":3}}", SPROUT_JSON_DUPS_ERROR,
			     &v, &err),
		  SPROUT_ERR_JSON);
	CHECK_INT(err.line, 2);
	CHECK_INT(err.column, 19);
	CHECK_STR(err.msg, "duplicate key \"x\" in an object (--duplicate-keys=last keeps the "
			   "last value)");
	/* a key with quotes and a long one are shown as JSON, cut */
	CHECK_INT(parse_dups("{\"q\\\"\":1,\"q\\\"\":2}", SPROUT_JSON_DUPS_ERROR, &v, &err),
		  SPROUT_ERR_JSON);
	CHECK(strstr(err.msg, "duplicate key \"q\\\"\" in") != NULL);
	char text[400], key[101];
	memset(key, 'k', 100);
	key[100] = '\0';
	snprintf(text, sizeof text, "{\"%s\":1,\"%s\":2}", key, key);
	CHECK_INT(parse_dups(text, SPROUT_JSON_DUPS_ERROR, &v, &err), SPROUT_ERR_JSON);
	CHECK(strstr(err.msg, "kkk\"... in an object") != NULL);
	CHECK_INT(err.column, 107);
	/* keys that differ only in length or after a NUL are different */
	CHECK_INT(parse_dups("{\"a\":1,\"aa\":2,\"a\\u0000\":3,\"\":4}", SPROUT_JSON_DUPS_ERROR, &v,
			     &err),
		  SPROUT_OK);
	CHECK_INT(v->len, 4);
	/* an empty key twice is a duplicate too */
	CHECK_INT(parse_dups("[{\"\":1,\"\":2}]", SPROUT_JSON_DUPS_ERROR, &v, &err),
		  SPROUT_ERR_JSON);
	/* sprout_json_parse keeps them */
	CHECK_STR(dump(parse_ok(A, "{\"a\":1,\"a\":2}")), "{\"a\":1,\"a\":2}");
}

static void duplicate_keys_last_keeps_the_last_value_in_the_first_place(void)
{
	setup();
	sprout_json *v;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(
	    parse_dups("{\"a\":1,\"b\":2,\"a\":3,\"c\":{\"x\":[1],\"x\":[2],\"x\":[3]},\"a\":4}",
		       SPROUT_JSON_DUPS_LAST, &v, &err),
	    SPROUT_OK);
	CHECK_STR(dump(v), "{\"a\":4,\"b\":2,\"c\":{\"x\":[3]}}");
}

/* Objects of more than 16 members are checked through a hash table. */
static void duplicate_keys_in_big_objects(void)
{
	setup();
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	sprout_buf_addc(&b, '{');
	for (int i = 0; i < 1000; i++)
		sprout_buf_addf(&b, "%s\"k%d\":%d", i ? "," : "", i, i);
	size_t unique = b.len;
	sprout_buf_adds(&b, ",\"k500\":\"again\",\"k7\":\"seven\"}");
	sprout_json *v;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_json_parse_dups(A, b.data, b.len, SPROUT_JSON_DUPS_ERROR, &v, &err),
		  SPROUT_ERR_JSON);
	CHECK_INT(err.column, unique + 2);
	CHECK(strstr(err.msg, "\"k500\"") != NULL);
	CHECK_INT(sprout_json_parse_dups(A, b.data, b.len, SPROUT_JSON_DUPS_LAST, &v, &err),
		  SPROUT_OK);
	CHECK_INT(v->len, 1000);
	CHECK(sprout_json_is(v->u.members[500].value, "again"));
	CHECK(sprout_json_is(v->u.members[7].value, "seven"));
	CHECK_STR(v->u.members[999].key, "k999");
	/* no duplicates: everything stays */
	b.len = unique;
	sprout_buf_addc(&b, '}');
	CHECK_INT(sprout_json_parse_dups(A, b.data, b.len, SPROUT_JSON_DUPS_ERROR, &v, &err),
		  SPROUT_OK);
	CHECK_INT(v->len, 1000);
	sprout_buf_release(&b);
	sprout_json_dups d;
	CHECK_INT(sprout_json_dups_parse("last", &d, &err), SPROUT_OK);
	CHECK_INT(d, SPROUT_JSON_DUPS_LAST);
	CHECK_INT(sprout_json_dups_parse("first", &d, &err), SPROUT_ERR_USAGE);
}

static void emitter_places_commas_and_colons_and_nests(void)
{
	setup();
	sprout_buf b = SPROUT_BUF_INIT(1 << 16);
	sprout_buf_adds(&b, "x="); /* appends, keeps what is there */
	sprout_jw w;
	sprout_jw_init(&w, &b);
	sprout_jw_object(&w);
	sprout_jw_kstring(&w, "s", "a");
	sprout_jw_karray(&w, "a");
	sprout_jw_int(&w, -3);
	sprout_jw_object(&w);
	sprout_jw_end(&w);
	sprout_jw_array(&w);
	sprout_jw_end(&w);
	sprout_jw_array(&w);
	sprout_jw_null(&w);
	sprout_jw_bool(&w, 1);
	sprout_jw_end(&w);
	sprout_jw_end(&w);
	sprout_jw_kobject(&w, "o");
	sprout_jw_kbool(&w, "f", 0);
	sprout_jw_kuint(&w, "u", 18446744073709551615ull);
	sprout_jw_key(&w, "n");
	sprout_jw_string(&w, NULL);
	sprout_jw_end(&w);
	sprout_jw_keyn(&w, "k\0z", 3);
	sprout_jw_value(&w, parse_ok(A, "{\"t\":[1.0,\"\\u0001\"]}"));
	sprout_jw_key(&w, "r");
	sprout_jw_raw(&w, "[7]", 3);
	sprout_jw_end(&w);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_OK);
	CHECK_STR(b.data, "x={\"s\":\"a\",\"a\":[-3,{},[],[null,true]],\"o\":{\"f\":false,"
			  "\"u\":18446744073709551615,\"n\":null},\"k\\u0000z\":{\"t\":[1.0,"
			  "\"\\u0001\"]},\"r\":[7]}");
	/* top-level values follow each other; the whole reads back */
	sprout_buf_clear(&b);
	sprout_jw_init(&w, &b);
	sprout_jw_array(&w);
	sprout_jw_end(&w);
	sprout_jw_string(&w, "");
	CHECK_INT(sprout_jw_finish(&w), SPROUT_OK);
	CHECK_STR(b.data, "[]\"\"");
	/* as deep as allowed, then no deeper */
	sprout_buf_clear(&b);
	sprout_jw_init(&w, &b);
	for (int i = 0; i < SPROUT_JW_MAX_DEPTH; i++)
		sprout_jw_array(&w);
	CHECK_INT(w.rc, SPROUT_OK);
	for (int i = 0; i < SPROUT_JW_MAX_DEPTH; i++)
		sprout_jw_end(&w);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_OK);
	sprout_json *v = parse_ok(A, b.data);
	for (int i = 1; i < SPROUT_JW_MAX_DEPTH; i++)
		v = v->u.items[0];
	CHECK_INT(v->len, 0);
	sprout_jw_init(&w, &b);
	for (int i = 0; i <= SPROUT_JW_MAX_DEPTH; i++)
		sprout_jw_object(&w), sprout_jw_key(&w, "k");
	CHECK_INT(sprout_jw_finish(&w), SPROUT_ERR_USAGE);
	sprout_buf_release(&b);
}

static void emitter_escapes_strings_as_the_record_writer_does(void)
{
	setup();
	/* every byte from 0 to 255 and some invalid UTF-8: the same bytes as
	 * sprout_json_write_string (control characters as \n or \u00XX, DEL
	 * and non-ASCII as they are, bytes that are not UTF-8 passed through) */
	char all[300];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	memcpy(all + 256, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\x28\xff\xed\xa0\x80", 15);
	size_t n = 256 + 15;
	sprout_buf want = SPROUT_BUF_INIT(1 << 16), got = SPROUT_BUF_INIT(1 << 16);
	CHECK_INT(sprout_json_write_string(&want, all, n), SPROUT_OK);
	sprout_jw w;
	sprout_jw_init(&w, &got);
	sprout_jw_array(&w);
	sprout_jw_stringn(&w, all, n);
	sprout_jw_end(&w);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_OK);
	CHECK_MEM(got.data + 1, got.len - 2, want.data);
	CHECK(strstr(got.data, "\"\\u0000\\u0001") == got.data + 1);
	CHECK(strstr(got.data, "\\b\\t\\n\\u000b\\f\\r\\u000e") != NULL);
	CHECK(strstr(got.data, "\\u001f !\\\"#") != NULL);
	CHECK(strstr(got.data, "[\\\\]") != NULL);
	CHECK(strstr(got.data, "\x7f\x80") != NULL);
	CHECK(strstr(got.data, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3(\xff") != NULL);
	/* keys are escaped the same way */
	sprout_buf_clear(&got);
	sprout_jw_init(&w, &got);
	sprout_jw_object(&w);
	sprout_jw_kstring(&w, "a\"b\n\xc3\xa9", "\t");
	sprout_jw_end(&w);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_OK);
	CHECK_STR(got.data, "{\"a\\\"b\\n\xc3\xa9\":\"\\t\"}");
	sprout_buf_release(&want);
	sprout_buf_release(&got);
}

static void emitter_numbers(void)
{
	setup();
	sprout_buf b = SPROUT_BUF_INIT(1 << 16);
	sprout_jw w;
	sprout_jw_init(&w, &b);
	sprout_jw_array(&w);
	sprout_jw_int(&w, 0);
	sprout_jw_int(&w, -9223372036854775807ll - 1);
	sprout_jw_real(&w, 0.1);
	sprout_jw_real(&w, 5);
	sprout_jw_real(&w, 1e300 * 1e10);
	sprout_jw_fixed(&w, 2.0 / 3, 4);
	sprout_jw_fixed(&w, 1e6, 0);
	sprout_jw_fixed(&w, -0.0, 3);
	sprout_jw_fixed(&w, NAN, 4);
	sprout_jw_sig(&w, 0.123456, 4);
	sprout_jw_sig(&w, 5, 10);
	sprout_jw_sig(&w, 1e21, 15);
	sprout_jw_sig(&w, -HUGE_VAL, 15);
	sprout_jw_fixed(&w, 1.7976931348623157e308, 40); /* the longest text */
	sprout_jw_end(&w);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_OK);
	char *end = strstr(b.data, ",179769313486231570");
	CHECK(end != NULL);
	*end = '\0';
	CHECK_STR(b.data, "[0,-9223372036854775808,0.1,5.0,null,0.6667,1000000,-0.000,null,0.1235,"
			  "5,1e+21,null");
	*end = ',';
	/* what is written reads back as numbers */
	sprout_json *v = parse_ok(A, b.data);
	CHECK_INT(v->len, 14);
	CHECK(sprout_json_number(v->u.items[13]) == 1.7976931348623157e308);
	sprout_jw_init(&w, &b);
	sprout_jw_sig(&w, 1, 41);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_ERR_USAGE);
	sprout_buf_release(&b);
}

static void emitter_misuse_and_full_buffers_stick(void)
{
	setup();
	sprout_buf b = SPROUT_BUF_INIT(1 << 10);
	sprout_jw w;
	/* a value where a key is due */
	sprout_jw_init(&w, &b);
	sprout_jw_object(&w);
	sprout_jw_int(&w, 1);
	CHECK_INT(w.rc, SPROUT_ERR_USAGE);
	sprout_jw_end(&w); /* nothing more is written */
	CHECK_STR(b.data, "{");
	CHECK_INT(sprout_jw_finish(&w), SPROUT_ERR_USAGE);
	/* a key in an array, a key at the top, two keys, an end with nothing
	 * open, an end after a key */
	for (int k = 0; k < 5; k++) {
		sprout_buf_clear(&b);
		sprout_jw_init(&w, &b);
		if (k == 0)
			sprout_jw_array(&w);
		if (k == 2 || k == 4)
			sprout_jw_object(&w);
		if (k != 3)
			sprout_jw_key(&w, "a");
		if (k == 2)
			sprout_jw_key(&w, "b");
		if (k >= 3)
			sprout_jw_end(&w);
		CHECK_INT(w.rc, SPROUT_ERR_USAGE);
	}
	/* a failure the caller met */
	sprout_buf_clear(&b);
	sprout_jw_init(&w, &b);
	sprout_jw_array(&w);
	sprout_jw_fail(&w, SPROUT_OK);
	CHECK_INT(w.rc, SPROUT_OK);
	sprout_jw_fail(&w, SPROUT_ERR_IO);
	sprout_jw_fail(&w, SPROUT_ERR_NOMEM);
	sprout_jw_int(&w, 1);
	sprout_jw_end(&w);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_ERR_IO);
	CHECK_STR(b.data, "[");
	/* left open */
	sprout_buf_clear(&b);
	sprout_jw_init(&w, &b);
	sprout_jw_array(&w);
	CHECK_INT(w.rc, SPROUT_OK);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_ERR_USAGE);
	/* the buffer's cap */
	sprout_buf small = SPROUT_BUF_INIT(8);
	sprout_jw_init(&w, &small);
	sprout_jw_array(&w);
	sprout_jw_string(&w, "0123456789");
	sprout_jw_int(&w, 1);
	sprout_jw_end(&w);
	CHECK_INT(sprout_jw_finish(&w), SPROUT_ERR_TOO_LONG);
	CHECK(small.len <= 8);
	sprout_buf_release(&small);
	sprout_buf_release(&b);
}

SUITE(json_tests) = {
    T(escapes_are_found_anywhere_in_a_string),
    T(pretty_output_indents_and_reads_back),
    T(round_trip_keeps_order_numbers_and_duplicates),
    T(strings_decode_escapes_and_write_minimal_escapes),
    T(syntax_errors_name_line_column_and_reason),
    T(string_and_number_errors),
    T(invalid_utf8_is_its_own_error),
    T(nesting_is_bounded),
    T(large_containers_parse),
    T(real_numbers_print_shortest_exact),
    T(object_edits),
    T(duplicate_keys_are_an_error_at_the_second_key),
    T(duplicate_keys_last_keeps_the_last_value_in_the_first_place),
    T(duplicate_keys_in_big_objects),
    T(emitter_places_commas_and_colons_and_nests),
    T(emitter_escapes_strings_as_the_record_writer_does),
    T(emitter_numbers),
    T(emitter_misuse_and_full_buffers_stick),
    {NULL, NULL},
};
