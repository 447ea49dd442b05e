#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util.h"

#include "sprout/template.h"

/* What each method of `sprout generate` (and each rubric of the judge)
 * fills in: a built-in template must use all of these and nothing else. */
static const struct {
	const char *name;
	const char *vars[4];
	const char *fields[4]; /* of the items the template asks for (strings) */
	const char *shape;     /* the answer it shows; NULL: {"items": [{... */
} methods[] = {
    {"breadth", {"text"}, {"text"}},
    {"brief", {"instruction", "response", "words"}, {"response"}},
    {"bullets", {"instruction", "response"}, {"response"}},
    {"evolve", {"text", "operation"}, {"text"}},
    {"expand", {"text", "k"}, {"text"}},
    {"judge-fluency", {"text"}, {"reason"}, "\"score\": 4}"},
    {"judge-meaning", {"original", "variant"}, {"reason"}, "\"score\": 4}"},
    {"judge-response", {"instruction", "input", "response"}, {"reason"}, "\"score\": 4}"},
    {"judge-scope", {"scope", "instruction", "response"}, {"reason"}, "\"score\": 4}"},
    {"output-first", {"instruction", "k"}, {"label", "input"}},
    {"pairs", {"examples", "k"}, {"instruction", "input", "output", "classification"}},
    {"paraphrase", {"text", "k", "constraint"}, {"text"}},
    {"refine", {"text"}, {"text"}},
    {"refuse", {"instruction", "scope"}, {"response"}},
    {"respond", {"instruction", "input"}, {"response"}},
    {"translate", {"text", "language"}, {"text"}},
};
#define NMETHODS (sizeof methods / sizeof methods[0])

static const char *render(const char *tmpl, const char *const *names, const char *const *values,
			  size_t n, sprout_error *err)
{
	static sprout_buf b = SPROUT_BUF_INIT(1 << 16);
	sprout_buf_clear(&b);
	if (sprout_template_render(&b, tmpl, strlen(tmpl), names, values, n, err))
		return NULL;
	return b.data ? b.data : "";
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	CHECK(f);
	CHECK(fwrite(text, 1, strlen(text), f) == strlen(text));
	CHECK(fclose(f) == 0);
}

/* Write dir/NAME.txt holding text, then load the template name from dir. */
static sprout_code load_text(sprout_arena *a, const char *dir, const char *name, const char *text,
			     sprout_template *t, sprout_error *err)
{
	char file[64];
	snprintf(file, sizeof file, "%s.txt", name);
	write_file(dir, file, text);
	return sprout_template_load(a, name, dir, t, err);
}

static void remove_file(const char *dir, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	unlink(path);
}

static void render_replaces_placeholders(void)
{
	static const char *const names[] = {"text", "k", "long_name"};
	static const char *const values[] = {"hello", "3", "L"};
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_STR(render("Rewrite {{text}} {{k}} times", names, values, 3, &err),
		  "Rewrite hello 3 times");
	/* spaces inside the braces, a placeholder at both ends, one used twice */
	CHECK_STR(render("{{ text }}/{{\tk}}/{{long_name  }}/{{text}}", names, values, 3, &err),
		  "hello/3/L/hello");
	/* single braces and "}}" are text */
	CHECK_STR(render("{\"items\": [{\"text\": \"{a}\"}]}}", names, values, 3, &err),
		  "{\"items\": [{\"text\": \"{a}\"}]}}");
	/* a brace before a placeholder stays */
	CHECK_STR(render("{{{text}}}", names, values, 3, &err), "{hello}");
	CHECK_STR(render("", names, values, 3, &err), "");
	CHECK_STR(render("no placeholders {", names, values, 3, &err), "no placeholders {");
}

static void render_inserts_values_verbatim(void)
{
	static const char *const names[] = {"text", "k"};
	/* a value that looks like a placeholder is not expanded again */
	static const char *const values[] = {"{{k}} and {{nope}} and {{", "3"};
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_STR(render("[{{text}}] {{k}}", names, values, 2, &err),
		  "[{{k}} and {{nope}} and {{] 3");
	/* NULL is the empty value; the first of two equal names wins */
	static const char *const names2[] = {"a", "a"};
	static const char *const values2[] = {NULL, "second"};
	CHECK_STR(render("<{{a}}>", names2, values2, 2, &err), "<>");
}

static void render_errors_name_the_placeholder(void)
{
	static const char *const names[] = {"text", "k"};
	static const char *const values[] = {"t", "1"};
	static const struct {
		const char *tmpl, *msg;
		unsigned long line, col;
	} cases[] = {
	    {"Rewrite {{txt}}.", "unknown placeholder {{txt}} (expected text, k)", 1, 9},
	    {"line one\n  {{ Text }}",
	     "bad placeholder {{ Text }}: a name is lowercase letters and '_'", 2, 3},
	    {"{{text k}}", "bad placeholder {{text k}}: a name is lowercase letters and '_'", 1, 1},
	    {"{{}}", "bad placeholder {{}}: a name is lowercase letters and '_'", 1, 1},
	    {"a {{text}\n}}", "'{{' without '}}' on its line", 1, 3},
	    {"ends {{text", "'{{' without '}}' on its line", 1, 6},
	    {"ends {{", "'{{' without '}}' on its line", 1, 6},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_error err = SPROUT_ERROR_INIT;
		CHECK(!render(cases[i].tmpl, names, values, 2, &err));
		CHECK_INT(err.code, SPROUT_ERR_USAGE);
		CHECK_STR(err.msg, cases[i].msg);
		CHECK_INT(err.line, cases[i].line);
		CHECK_INT(err.column, cases[i].col);
	}
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK(!render("{{x}}", names, values, 0, &err));
	CHECK_STR(err.msg, "unknown placeholder {{x}} (expected none)");
}

static void render_respects_the_buffer_max(void)
{
	static const char *const names[] = {"text"};
	static const char *const values[] = {"0123456789"};
	sprout_buf b = SPROUT_BUF_INIT(12);
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_template_render(&b, "ab{{text}}", 10, names, values, 1, &err), SPROUT_OK);
	CHECK_STR(b.data, "ab0123456789");
	CHECK_INT(sprout_template_render(&b, "c", 1, names, values, 1, &err), SPROUT_ERR_TOO_LONG);
	CHECK_STR(err.msg, "the rendered prompt is over 12 bytes");
	sprout_buf_release(&b);
}

static void builtins_are_listed_in_order(void)
{
	CHECK_INT(sprout_template_count(), NMETHODS);
	for (size_t i = 0; i < NMETHODS; i++)
		CHECK_STR(sprout_template_name(i), methods[i].name);
	CHECK(!sprout_template_name(NMETHODS));
	CHECK(!sprout_template_builtin(NMETHODS, NULL));
}

static void builtins_equal_their_prompt_files(void)
{
	/* the unit tests run from the repository root (tests/run.sh) */
	size_t files = 0;
	DIR *d = opendir("prompts");
	CHECK(d);
	for (struct dirent *e; (e = readdir(d));) {
		size_t n = strlen(e->d_name);
		files += n > 4 && strcmp(e->d_name + n - 4, ".txt") == 0;
	}
	closedir(d);
	CHECK_INT(files, sprout_template_count());
	for (size_t i = 0; i < sprout_template_count(); i++) {
		char path[256];
		snprintf(path, sizeof path, "prompts/%s.txt", sprout_template_name(i));
		size_t flen, blen;
		const char *file = slurp(path, &flen);
		const char *text = sprout_template_builtin(i, &blen);
		CHECK(file);
		CHECK(text);
		if (flen != blen || memcmp(file, text, flen) != 0)
			test_fail(__FILE__, __LINE__, "built-in %s differs from %s",
				  sprout_template_name(i), path);
	}
}

static void builtins_use_exactly_their_methods_placeholders(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_buf sys = SPROUT_BUF_INIT(1 << 16), user = SPROUT_BUF_INIT(1 << 16);
	for (size_t m = 0; m < NMETHODS; m++) {
		const char *values[4];
		char marks[4][32];
		size_t n = 0;
		for (; n < 4 && methods[m].vars[n]; n++) {
			snprintf(marks[n], sizeof marks[n], "@@%s@@", methods[m].vars[n]);
			values[n] = marks[n];
		}
		sprout_template t;
		sprout_error err = SPROUT_ERROR_INIT;
		CHECK_INT(sprout_template_load(a, methods[m].name, NULL, &t, &err), SPROUT_OK);
		if (sprout_template_apply(&t, methods[m].vars, values, n, &sys, &user, &err))
			test_fail(__FILE__, __LINE__, "%s", err.msg);
		CHECK(sys.len > 0);
		CHECK(user.len > 0);
		for (size_t v = 0; v < n; v++)
			if (!strstr(sys.data, marks[v]) && !strstr(user.data, marks[v]))
				test_fail(__FILE__, __LINE__, "%s never uses {{%s}}",
					  methods[m].name, methods[m].vars[v]);
		/* the answer shape the prompt asks for is the one read back */
		const char *shape = methods[m].shape ? methods[m].shape : "{\"items\": [{\"";
		if (!strstr(user.data, shape))
			test_fail(__FILE__, __LINE__, "%s does not show %s", methods[m].name,
				  shape);
		for (size_t f = 0; f < 4 && methods[m].fields[f]; f++) {
			char q[32];
			snprintf(q, sizeof q, "\"%s\": \"", methods[m].fields[f]);
			if (!strstr(user.data, q))
				test_fail(__FILE__, __LINE__, "%s does not show the field %s",
					  methods[m].name, q);
		}
		CHECK(strstr(user.data, "JSON"));
	}
	sprout_buf_release(&sys);
	sprout_buf_release(&user);
	sprout_arena_free(a);
}

static void load_splits_a_builtin(void)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_template t;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_template_load(a, "paraphrase", NULL, &t, &err), SPROUT_OK);
	CHECK_STR(t.name, "paraphrase");
	CHECK(!t.path);
	CHECK(!strstr(t.system, "---"));
	CHECK_INT(t.system_len, strlen(t.system));
	CHECK_INT(t.user_len, strlen(t.user));
	CHECK(strncmp(t.user, "Rewrite", 7) == 0);
	CHECK(t.user[t.user_len - 1] != '\n');
	CHECK_INT(t.system_line, 1);
	CHECK_INT(t.user_line, 3);
	sprout_arena_free(a);
}

static void load_refuses_unknown_names(void)
{
	static const char *const bad[] = {"paraphrse", "../prompts/paraphrase", "", "Paraphrase"};
	sprout_arena *a = sprout_arena_new(0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sprout_template t;
		sprout_error err = SPROUT_ERROR_INIT;
		CHECK_INT(sprout_template_load(a, bad[i], "prompts", &t, &err), SPROUT_ERR_USAGE);
		char want[320];
		snprintf(want, sizeof want,
			 "unknown template '%s' (expected breadth, brief, bullets, evolve, expand, "
			 "judge-fluency, judge-meaning, judge-response, judge-scope, output-first, "
			 "pairs, "
			 "paraphrase, refine, refuse, respond, translate)",
			 bad[i]);
		CHECK_STR(err.msg, want);
	}
	sprout_arena_free(a);
}

static void load_prefers_an_override(void)
{
	const char *dir = temp_dir();
	sprout_arena *a = sprout_arena_new(0);
	sprout_template t;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(load_text(a, dir, "paraphrase",
			    "\n\nBe brief.\n\n---\n\nSay {{text}} again,\n{{k}} times.\n\n", &t,
			    &err),
		  SPROUT_OK);
	char path[256];
	snprintf(path, sizeof path, "%s/paraphrase.txt", dir);
	CHECK_STR(t.path, path);
	CHECK_STR(t.system, "Be brief.");
	CHECK_STR(t.user, "Say {{text}} again,\n{{k}} times.");
	CHECK_INT(t.system_line, 3);
	CHECK_INT(t.user_line, 7);
	/* a template with no file in the directory is the built-in one */
	CHECK_INT(sprout_template_load(a, "expand", dir, &t, &err), SPROUT_OK);
	CHECK(!t.path);
	CHECK(strstr(t.user, "{{text}}"));
	remove_file(dir, "paraphrase.txt");
	rmdir(dir);
	sprout_arena_free(a);
}

static void override_separators(void)
{
	static const struct {
		const char *text, *system, *user;
		unsigned long user_line;
	} cases[] = {
	    {"all user {{text}}\n", "", "all user {{text}}", 1},
	    {"sys\r\n---\r\nuser\r\n", "sys", "user", 3},
	    {"---\nuser only\n", "", "user only", 2},
	    {"sys\n--- \nstill sys\n---\nuser\n---\nmore\n", "sys\n--- \nstill sys",
	     "user\n---\nmore", 5},
	    {"sys\n---", "sys", "", 3},
	    {"", "", "", 1},
	    {"  indented\n---\n\tuser", "  indented", "\tuser", 3},
	};
	const char *dir = temp_dir();
	sprout_arena *a = sprout_arena_new(0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sprout_template t;
		sprout_error err = SPROUT_ERROR_INIT;
		CHECK_INT(load_text(a, dir, "refine", cases[i].text, &t, &err), SPROUT_OK);
		CHECK_STR(t.system, cases[i].system);
		CHECK_STR(t.user, cases[i].user);
		CHECK_INT(t.system_len, strlen(cases[i].system));
		CHECK_INT(t.user_len, strlen(cases[i].user));
		CHECK_INT(t.user_line, cases[i].user_line);
	}
	remove_file(dir, "refine.txt");
	rmdir(dir);
	sprout_arena_free(a);
}

static void override_errors_name_the_file(void)
{
	const char *dir = temp_dir();
	char path[256];
	sprout_arena *a = sprout_arena_new(0);
	sprout_template t;
	sprout_error err = SPROUT_ERROR_INIT;

	/* unreadable: a directory where the file should be */
	snprintf(path, sizeof path, "%s/respond.txt", dir);
	CHECK(mkdir(path, 0700) == 0);
	CHECK_INT(sprout_template_load(a, "respond", dir, &t, &err), SPROUT_ERR_IO);
	CHECK_STR(err.file, path);
	CHECK_STR(err.msg, "the template is not a regular file");
	rmdir(path);

	/* not UTF-8 */
	CHECK_INT(load_text(a, dir, "respond", "ok\n---\nbad \xff here\n", &t, &err),
		  SPROUT_ERR_UTF8);
	CHECK_STR(err.file, path);
	CHECK_STR(err.msg, "invalid UTF-8 byte 0xFF in the template");
	CHECK_INT(err.line, 3);
	CHECK_INT(err.column, 5);
	remove_file(dir, "respond.txt");

	/* a directory that is not there is an error, not the built-ins */
	char missing[256];
	snprintf(missing, sizeof missing, "%s/nope", dir);
	CHECK_INT(sprout_template_load(a, "respond", missing, &t, &err), SPROUT_ERR_IO);
	CHECK_STR(err.file, missing);
	CHECK_STR(err.msg, "cannot use the prompt directory: No such file or directory");
	write_file(dir, "plain", "x");
	snprintf(missing, sizeof missing, "%s/plain", dir);
	CHECK_INT(sprout_template_load(a, "respond", missing, &t, &err), SPROUT_ERR_IO);
	CHECK_STR(err.msg, "cannot use the prompt directory: Not a directory");
	remove_file(dir, "plain");
	rmdir(dir);
	sprout_arena_free(a);
}

static void apply_locates_errors_in_the_file(void)
{
	const char *dir = temp_dir();
	sprout_arena *a = sprout_arena_new(0);
	sprout_template t;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(load_text(a, dir, "translate",
			    "\nTranslate to {{language}}.\n---\n\nText:\n  {{txt}}\n", &t, &err),
		  SPROUT_OK);
	static const char *const names[] = {"text", "language"};
	static const char *const values[] = {"Hola", "English"};
	sprout_buf sys = SPROUT_BUF_INIT(1 << 10), user = SPROUT_BUF_INIT(1 << 10);
	CHECK_INT(sprout_template_apply(&t, names, values, 2, &sys, &user, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg,
		  "template translate: unknown placeholder {{txt}} (expected text, language)");
	char path[256];
	snprintf(path, sizeof path, "%s/translate.txt", dir);
	CHECK_STR(err.file, path);
	CHECK_INT(err.line, 6);
	CHECK_INT(err.column, 3);

	/* the same in the system message; a built-in has no file */
	CHECK_INT(load_text(a, dir, "translate", "To {{lang}}\n---\n{{text}}\n", &t, &err),
		  SPROUT_OK);
	CHECK_INT(sprout_template_apply(&t, names, values, 2, &sys, &user, &err), SPROUT_ERR_USAGE);
	CHECK_INT(err.line, 1);
	CHECK_INT(err.column, 4);

	CHECK_INT(load_text(a, dir, "translate", "To {{language}}\n---\n{{text}}\n", &t, &err),
		  SPROUT_OK);
	CHECK_INT(sprout_template_apply(&t, names, values, 2, &sys, &user, &err), SPROUT_OK);
	CHECK_STR(sys.data, "To English");
	CHECK_STR(user.data, "Hola");
	/* the buffers are cleared, not appended to */
	CHECK_INT(sprout_template_apply(&t, names, values, 2, &sys, &user, &err), SPROUT_OK);
	CHECK_STR(user.data, "Hola");

	CHECK_INT(sprout_template_load(a, "translate", NULL, &t, &err), SPROUT_OK);
	static const char *const few[] = {"text"};
	CHECK_INT(sprout_template_apply(&t, few, values, 1, &sys, &user, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.file, "");
	CHECK(strstr(err.msg, "template translate: unknown placeholder {{language}}") == err.msg);

	remove_file(dir, "translate.txt");
	rmdir(dir);
	sprout_buf_release(&sys);
	sprout_buf_release(&user);
	sprout_arena_free(a);
}

SUITE(template_tests) = {
    T(render_replaces_placeholders),
    T(render_inserts_values_verbatim),
    T(render_errors_name_the_placeholder),
    T(render_respects_the_buffer_max),
    T(builtins_are_listed_in_order),
    T(builtins_equal_their_prompt_files),
    T(builtins_use_exactly_their_methods_placeholders),
    T(load_splits_a_builtin),
    T(load_refuses_unknown_names),
    T(load_prefers_an_override),
    T(override_separators),
    T(override_errors_name_the_file),
    T(apply_locates_errors_in_the_file),
    {0},
};
