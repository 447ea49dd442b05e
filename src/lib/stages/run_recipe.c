/* Reading a recipe and checking it (sprout_run_open): its keys, inputs, llm
 * section, stages and their options against the command of each, and
 * where it may name files. Errors go into the run's sprout_error with the
 * recipe's file:line:column. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sprout/hash.h"
#include "sprout/io.h"
#include "sprout/llm.h"
#include "sprout/lm.h"
#include "sprout/record.h"
#include "sprout/run.h"
#include "sprout/sprout.h"
#include "sprout/state.h"
#include "sprout/yaml.h"

#include "stages/run_internal.h"

static const struct {
	const char *name;
	enum kind kind;
} stage_kinds[] = {
    {"augment", K_RECORDS}, {"convert", K_RECORDS}, {"filter", K_RECORDS}, {"generate", K_RECORDS},
    {"mix", K_RECORDS},	    {"split", K_SPLIT},	    {"export", K_EXPORT},  {"report", K_REPORT},
};
#define NKINDS (sizeof stage_kinds / sizeof stage_kinds[0])

/* Options sprout run sets itself; a recipe may not. */
static const char *const run_sets[] = {"output",   "out-dir", "rejects", "quiet", "help",
				       "manifest", "json",    "ledger",	 NULL};

static const char *const top_keys[] = {"name", "description", "seed",	"inputs", "format",
				       "out",  "llm",	      "stages", NULL};

static const char *const llm_keys[] = {"enabled",  "url",	 "model", "embed-model",
				       "batch",	   "batch-wait", "rpm",	  "tpm",
				       "max-cost", "prices",	 NULL};
/* llm keys every generate stage gets as its option of the same name,
 * unless it gives its own: numbers (in llm_pace) and the price file */
const char *const run_pace_keys[NPACE] = {"rpm", "tpm", "max-cost"};

/* ---- small helpers ------------------------------------------------------ */

double run_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

char *run_fmt(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
char *run_fmt(struct sprout_run *r, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	int n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	char *s = sprout_arena_alloc(r->a, (size_t)n + 1);
	if (!s) { /* noticed at the next check (r->nomem); the caller goes on with "" */
		r->nomem = 1;
		return (char *)"";
	}
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* dir/name, or name when it is absolute or dir is the current folder. */
const char *run_join(struct sprout_run *r, const char *dir, const char *name)
{
	if (name[0] == '/' || !dir[0])
		return name;
	return run_fmt(r, "%s/%s", dir, name);
}

void run_push(struct sprout_run *r, char ***v, size_t *n, size_t *cap, const char *s)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **nv = sprout_arena_alloc(r->a, c * sizeof *nv);
		if (!nv) {
			r->nomem = 1;
			return;
		}
		if (*n)
			memcpy(nv, *v, *n * sizeof *nv);
		*v = nv;
		*cap = c;
	}
	(*v)[(*n)++] = (char *)s;
}

static const char *type_name(const sprout_json *v)
{
	switch (v->type) {
	case SPROUT_JSON_NULL: return "nothing";
	case SPROUT_JSON_TRUE:
	case SPROUT_JSON_FALSE: return "true/false";
	case SPROUT_JSON_NUMBER: return "a number";
	case SPROUT_JSON_STRING: return "text";
	case SPROUT_JSON_ARRAY: return "a list";
	case SPROUT_JSON_OBJECT: return "a mapping";
	}
	return "?";
}

/* Edit distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t row[41];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* " (did you mean 'x'?)" for the closest of names within 2 edits, or "". */
static void suggest(char *out, size_t n, const char *got, const char *const *names, size_t count)
{
	const char *best = NULL;
	size_t bd = 3;
	for (size_t i = 0; i < count; i++) {
		size_t d = distance(got, names[i]);
		if (d < bd) {
			bd = d;
			best = names[i];
		}
	}
	if (best)
		snprintf(out, n, " (did you mean '%s'?)", best);
	else
		out[0] = '\0';
}

/* ---- recipe errors: file:line:column: message --------------------------- */

/* The sprout_code an exit status stands for (and back: the sprout program's
 * cli_exit_for). */
sprout_code run_code_for(int status)
{
	switch (status) {
	case RS_OK: return SPROUT_OK;
	case RS_USAGE: return SPROUT_ERR_USAGE;
	case RS_IO: return SPROUT_ERR_IO;
	case RS_INTERNAL: return SPROUT_ERR_NOMEM;
	case RS_PENDING: return SPROUT_PENDING;
	default: return SPROUT_ERR_RECORD;
	}
}

int run_status_for(sprout_code code)
{
	switch (code) {
	case SPROUT_OK:
	case SPROUT_END: return RS_OK;
	case SPROUT_ERR_IO: return RS_IO;
	case SPROUT_ERR_USAGE: return RS_USAGE;
	case SPROUT_ERR_NOMEM: return RS_INTERNAL;
	case SPROUT_PENDING: return RS_PENDING;
	default: return RS_DATA;
	}
}

/* A line for a person, unless quiet. */
void run_note(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
void run_note(struct sprout_run *r, const char *f, ...)
{
	if (r->quiet || !r->o.note)
		return;
	char line[8192];
	va_list ap;
	va_start(ap, f);
	vsnprintf(line, sizeof line, f, ap);
	va_end(ap);
	r->o.note(r->o.ctx, line);
}

/* Text for the program's output. */
void run_say(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
void run_say(struct sprout_run *r, const char *f, ...)
{
	if (!r->o.print)
		return;
	char text[8192];
	va_list ap;
	va_start(ap, f);
	vsnprintf(text, sizeof text, f, ap);
	va_end(ap);
	r->o.print(r->o.ctx, text);
}

/* The run's failure (the first one counts): code is an exit status. */
int run_fail(struct sprout_run *r, int code, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
int run_fail(struct sprout_run *r, int code, const char *f, ...)
{
	if (r->err.code)
		return code;
	va_list ap;
	va_start(ap, f);
	char msg[SPROUT_ERROR_MSG_MAX];
	vsnprintf(msg, sizeof msg, f, ap);
	va_end(ap);
	sprout_error_set(&r->err, run_code_for(code), "%s", msg);
	return code;
}

/* The same from an error of the library's. */
int run_fail_at(struct sprout_run *r, const sprout_error *e, int code)
{
	if (r->err.code)
		return code;
	r->err = *e;
	r->err.code = run_code_for(code); /* the status the step chose decides */
	return code;
}

static int verr_at(struct sprout_run *r, unsigned long line, unsigned long col, int code,
		   const char *f, va_list ap)
{
	sprout_error e = SPROUT_ERROR_INIT;
	char msg[SPROUT_ERROR_MSG_MAX];
	vsnprintf(msg, sizeof msg, f, ap);
	sprout_error_set(&e, run_code_for(code), "%s", msg);
	sprout_error_locate(&e, r->path, line, col);
	return run_fail_at(r, &e, code);
}

/* At a value of the recipe. */
static int rerr(struct sprout_run *r, const sprout_json *v, int code, const char *f, ...)
    __attribute__((format(printf, 4, 5)));
static int rerr(struct sprout_run *r, const sprout_json *v, int code, const char *f, ...)
{
	unsigned long line, col;
	sprout_yaml_where(r->marks, v, &line, &col);
	va_list ap;
	va_start(ap, f);
	int rc = verr_at(r, line, col, code, f, ap);
	va_end(ap);
	return rc;
}

/* At the key of member i of obj. */
static int rerr_key(struct sprout_run *r, const sprout_json *obj, size_t i, int code, const char *f,
		    ...) __attribute__((format(printf, 5, 6)));
static int rerr_key(struct sprout_run *r, const sprout_json *obj, size_t i, int code, const char *f,
		    ...)
{
	unsigned long line, col;
	sprout_yaml_key_where(r->marks, obj, i, &line, &col);
	va_list ap;
	va_start(ap, f);
	int rc = verr_at(r, line, col, code, f, ap);
	va_end(ap);
	return rc;
}

/* ---- where a recipe may name files -------------------------------------- */

/* path made absolute from the working directory, with "." and ".." taken
 * out and the symbolic links of the part that exists resolved; NULL when
 * it is too long. */
static const char *resolve(struct sprout_run *r, const char *path)
{
	char cwd[PATH_MAX];
	if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
		return NULL;
	char *full = path[0] == '/' ? run_fmt(r, "%s", path) : run_fmt(r, "%s/%s", cwd, path);
	char cur[PATH_MAX], real[PATH_MAX];
	size_t n = 0;
	cur[0] = '\0';
	char *save = NULL;
	for (char *c = strtok_r(full, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			/* cur has its links resolved: its parent is the real one */
			char *slash = strrchr(cur, '/');
			n = slash ? (size_t)(slash - cur) : 0;
			cur[n] = '\0';
			continue;
		}
		size_t k = strlen(c);
		if (n + 1 + k >= sizeof cur)
			return NULL;
		cur[n++] = '/';
		memcpy(cur + n, c, k + 1);
		n += k;
		if (realpath(cur, real)) {
			n = strcmp(real, "/") ? strlen(real) : 0;
			memcpy(cur, real, n);
			cur[n] = '\0';
		}
	}
	return n ? run_fmt(r, "%s", cur) : "/";
}

static int inside(const char *path, const char *root)
{
	size_t n = strlen(root);
	return !strcmp(root, "/") ||
	       (!strncmp(path, root, n) && (path[n] == '/' || path[n] == '\0'));
}

/* 1 when path has more ".." than the folders above it: the kernel stays
 * at "/", but SQLite refuses to open such a path. */
static int above_root(const char *path)
{
	long depth = 0;
	char cwd[PATH_MAX];
	if (path[0] != '/' && getcwd(cwd, sizeof cwd))
		for (const char *c = cwd; *c; c++)
			depth += c[0] == '/' && c[1] && c[1] != '/';
	for (const char *c = path; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return 1;
		} else if (n && !(n == 1 && c[0] == '.')) {
			depth++;
		}
		c += n + (c[n] == '/');
	}
	return 0;
}

/* What a path in a recipe names: the run folder (out:), a file a stage
 * reads, or one it writes. */
enum place { P_OUT, P_READ, P_WRITE };

/* -1 when path (as sprout opens it) is where a recipe may name a file of
 * that kind, else the error at v, the recipe's text for it. */
static int confine(struct sprout_run *r, const sprout_json *v, const char *what, const char *path,
		   enum place kind)
{
	static const char *const allowed[] = {
	    "the recipe's folder and the working directory",
	    "the recipe's folder, the working directory and the run folder",
	    "the run folder and the recipe's folder",
	};
	if (r->allow_outside)
		return -1;
	const char *abs = resolve(r, path);
	int ok =
	    abs && (inside(abs, r->recipe_root) || (kind != P_WRITE && inside(abs, r->cwd_root)) ||
		    (kind != P_OUT && inside(abs, r->run_root)));
	if (ok)
		return -1;
	return rerr(r, v, RS_USAGE,
		    "%s: '%s' is outside %s (it is %s); sprout run --allow-outside allows it", what,
		    v->type == SPROUT_JSON_STRING ? v->u.s : path, allowed[kind], abs ? abs : path);
}

/* The run folder and the inputs, once the run folder is known. */
int run_confine_top(struct sprout_run *r)
{
	r->recipe_root = resolve(r, r->dir[0] ? r->dir : ".");
	r->cwd_root = resolve(r, ".");
	if (!r->recipe_root || !r->cwd_root) {
		return run_fail(r, RS_IO,
				"%s: cannot resolve the recipe's folder or the working directory",
				r->path);
	}
	int rc;
	if (!r->out_given && r->out_node &&
	    (rc = confine(r, r->out_node, "out", r->out, P_OUT)) >= 0)
		return rc;
	/* more ".." than the working directory is deep: SQLite cannot open
	 * the run state under such a path, so go by the absolute one */
	if (above_root(r->out) && !(r->out = resolve(r, r->out))) {
		return run_fail(r, RS_USAGE, "%s: the run folder's path is too long", r->path);
	}
	r->run_root = resolve(r, r->out);
	if (!r->run_root)
		r->run_root = r->out;
	for (size_t i = 0; i < r->ninputs; i++)
		if ((rc = confine(r, r->inputs[i].node, "input", r->inputs[i].path, P_READ)) >= 0)
			return rc;
	if (r->llm_prices &&
	    (rc = confine(r, r->llm_prices_node, "llm prices", r->llm_prices, P_READ)) >= 0)
		return rc;
	return -1;
}

/* ---- the recipe --------------------------------------------------------- */

/* "unknown key 'x'WHERE (did you mean 'y'?); KNOWN" at member i of obj;
 * names ends with NULL. */
static int unknown_key(struct sprout_run *r, const sprout_json *obj, size_t i,
		       const char *const *names, const char *where, const char *known)
{
	size_t n = 0;
	while (names[n])
		n++;
	char hint[80];
	suggest(hint, sizeof hint, obj->u.members[i].key, names, n);
	return rerr_key(r, obj, i, RS_USAGE, "unknown key '%s'%s%s; %s", obj->u.members[i].key,
			where, hint, known);
}

int run_read_recipe(struct sprout_run *r)
{
	FILE *f = fopen(r->path, "rb");
	if (!f) {
		return run_fail(r, RS_IO, "%s: cannot open the recipe: %s", r->path,
				strerror(errno));
	}
	size_t cap = 1 << 20;
	r->text = sprout_arena_alloc(r->a, cap + 1);
	r->len = r->text ? fread(r->text, 1, cap + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!r->text)
		return RS_INTERNAL;
	if (bad) {
		return run_fail(r, RS_IO, "%s: cannot read the recipe", r->path);
	}
	if (r->len > cap) {
		return run_fail(r, RS_USAGE, "%s: a recipe is at most 1 MiB", r->path);
	}
	sprout_hasher *h = sprout_hasher_new();
	if (!h)
		return RS_INTERNAL;
	sprout_hasher_add(h, r->text, r->len);
	sprout_hasher_hex(h, r->recipe_hash);
	sprout_hasher_free(h);
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_yaml_parse(r->a, r->text, r->len, &r->root, &r->marks, &err)) {
		sprout_error_locate(&err, r->path, err.line, err.column);
		return run_fail_at(r, &err, err.code == SPROUT_ERR_NOMEM ? RS_INTERNAL : RS_USAGE);
	}
	return -1;
}

/* A scalar or a list/mapping of scalars as option text: a,b or k=v,k=v. */
int run_option_text(struct sprout_run *r, const sprout_json *v, const char *what, const char **out)
{
	if (v->type == SPROUT_JSON_STRING || v->type == SPROUT_JSON_NUMBER) {
		*out = sprout_arena_strndup(r->a, v->u.s, v->len);
		return -1;
	}
	if (v->type != SPROUT_JSON_ARRAY && v->type != SPROUT_JSON_OBJECT)
		return rerr(r, v, RS_USAGE, "%s takes text or a number, not %s", what,
			    type_name(v));
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	for (size_t i = 0; i < v->len; i++) {
		const sprout_json *item =
		    v->type == SPROUT_JSON_ARRAY ? v->u.items[i] : v->u.members[i].value;
		if (item->type != SPROUT_JSON_STRING && item->type != SPROUT_JSON_NUMBER) {
			sprout_buf_release(&b);
			return rerr(r, item, RS_USAGE, "%s: each item is text or a number, not %s",
				    what, type_name(item));
		}
		if (i)
			sprout_buf_addc(&b, ',');
		if (v->type == SPROUT_JSON_OBJECT)
			sprout_buf_addf(&b, "%s=", v->u.members[i].key);
		sprout_buf_add(&b, item->u.s, item->len);
	}
	*out = sprout_arena_strndup(r->a, b.data ? b.data : "", b.len);
	sprout_buf_release(&b);
	return -1;
}

static int is_name(const char *s, size_t n)
{
	if (!n || n > 64 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return 0;
	return 1;
}

static int add_input(struct sprout_run *r, const sprout_json *v, size_t *cap)
{
	if (v->type != SPROUT_JSON_STRING || !v->len)
		return rerr(r, v, RS_USAGE, "an input is a file name, not %s", type_name(v));
	const char *path = run_join(r, r->dir, v->u.s);
	if (access(path, R_OK) != 0)
		return rerr(r, v, RS_IO, "input '%s' cannot be read (%s: %s)", v->u.s, path,
			    strerror(errno));
	if (r->ninputs == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct input *ni = sprout_arena_alloc(r->a, c * sizeof *ni);
		if (!ni)
			return RS_INTERNAL;
		if (r->ninputs)
			memcpy(ni, r->inputs, r->ninputs * sizeof *ni);
		r->inputs = ni;
		*cap = c;
	}
	memset(&r->inputs[r->ninputs], 0, sizeof r->inputs[0]);
	r->inputs[r->ninputs].node = v;
	r->inputs[r->ninputs++].path = path;
	return -1;
}

/* llm url: one server's URL, or a list of several servers' (each a
 * --url of the stages). -1, or an exit status after the message. */
static int load_llm_urls(struct sprout_run *r, const sprout_json *x)
{
	int list = x->type == SPROUT_JSON_ARRAY;
	size_t n = list ? x->len : 1;
	const char **v = sprout_arena_alloc(r->a, (n ? n : 1) * sizeof *v);
	if (!v)
		return RS_INTERNAL;
	for (size_t i = 0; i < n; i++) {
		const sprout_json *u = list ? x->u.items[i] : x;
		if (u->type != SPROUT_JSON_STRING || !u->len)
			return rerr(r, u, RS_USAGE,
				    "llm url is a URL or a list of URLs (several servers), not %s",
				    type_name(u));
		v[i] = u->u.s;
	}
	if (!n)
		return rerr(r, x, RS_USAGE, "llm url: the list of servers is empty");
	r->llm_urls = v;
	r->nllm_urls = n;
	r->llm_url = v[0];
	return -1;
}

/* llm: {enabled, url, model, embed-model, batch, batch-wait, rpm, tpm,
 * max-cost, prices}: the model server the stages marked 'when: llm' use,
 * whether they run, whether generate stages send batches, and their pace
 * and prices. */
static int load_llm(struct sprout_run *r, const sprout_json *v)
{
	if (v->type != SPROUT_JSON_OBJECT)
		return rerr(r, v, RS_USAGE,
			    "llm is a mapping (enabled, url, model, embed-model, batch, "
			    "batch-wait, rpm, tpm, max-cost, prices), not %s",
			    type_name(v));
	for (size_t i = 0; i < v->len; i++) {
		const char *k = v->u.members[i].key;
		const sprout_json *x = v->u.members[i].value;
		size_t pace = 0;
		while (pace < NPACE && strcmp(k, run_pace_keys[pace]))
			pace++;
		if (pace < NPACE) {
			char *end;
			double d = x->type == SPROUT_JSON_NUMBER ? strtod(x->u.s, &end) : -1;
			if (!(d >= 0) || (pace < 2 && (d < 1 || d != (double)(long long)d)))
				return rerr(r, x, RS_USAGE, "llm %s is %s, not %s", k,
					    pace < 2 ? "a whole number from 1"
						     : "a number of USD from 0",
					    x->type == SPROUT_JSON_NUMBER ? x->u.s : type_name(x));
			r->llm_pace[pace] = x->u.s;
			continue;
		}
		if (!strcmp(k, "prices")) {
			if (x->type != SPROUT_JSON_STRING || !x->len)
				return rerr(r, x, RS_USAGE, "llm prices is a file name, not %s",
					    type_name(x));
			r->llm_prices = run_join(r, r->dir, x->u.s);
			r->llm_prices_node = x;
			if (access(r->llm_prices, R_OK) != 0)
				return rerr(r, x, RS_IO, "llm prices: '%s' cannot be read (%s)",
					    r->llm_prices, strerror(errno));
			continue;
		}
		if (!strcmp(k, "enabled")) {
			if (x->type != SPROUT_JSON_TRUE && x->type != SPROUT_JSON_FALSE)
				return rerr(r, x, RS_USAGE, "llm enabled is true or false, not %s",
					    type_name(x));
			r->llm = x->type == SPROUT_JSON_TRUE;
			continue;
		}
		if (!strcmp(k, "batch")) {
			if (x->type != SPROUT_JSON_TRUE && x->type != SPROUT_JSON_FALSE)
				return rerr(r, x, RS_USAGE, "llm batch is true or false, not %s",
					    type_name(x));
			r->llm_batch = x->type == SPROUT_JSON_TRUE;
			continue;
		}
		if (!strcmp(k, "batch-wait")) {
			if (x->type != SPROUT_JSON_NUMBER || x->u.s[0] == '-')
				return rerr(r, x, RS_USAGE,
					    "llm batch-wait is a number of seconds, not %s",
					    type_name(x));
			r->llm_batch_wait = x->u.s;
			continue;
		}
		if (!strcmp(k, "url")) {
			int rc = load_llm_urls(r, x);
			if (rc >= 0)
				return rc;
			continue;
		}
		const char **slot = !strcmp(k, "model")		? &r->llm_model
				    : !strcmp(k, "embed-model") ? &r->llm_embed_model
								: NULL;
		if (!slot)
			return unknown_key(r, v, i, llm_keys, " in llm",
					   "it has enabled, url, model, embed-model, batch, "
					   "batch-wait, rpm, tpm, max-cost and prices");
		if (x->type != SPROUT_JSON_STRING || !x->len)
			return rerr(r, x, RS_USAGE, "llm %s is text, not %s", k, type_name(x));
		*slot = x->u.s;
	}
	return -1;
}

int run_load_top(struct sprout_run *r, const sprout_json **stages)
{
	const sprout_json *root = r->root;
	if (root->type != SPROUT_JSON_OBJECT)
		return rerr(r, root, RS_USAGE,
			    "a recipe is a mapping (name, inputs, stages, ...), not %s",
			    type_name(root));
	const sprout_json *inputs = NULL;
	*stages = NULL;
	for (size_t i = 0; i < root->len; i++) {
		const char *k = root->u.members[i].key;
		const sprout_json *v = root->u.members[i].value;
		int rc = -1;
		if (!strcmp(k, "name")) {
			if (v->type != SPROUT_JSON_STRING || !is_name(v->u.s, v->len))
				return rerr(
				    r, v, RS_USAGE,
				    "name is a word of letters, digits, '-', '_' or '.' (at "
				    "most 64), used for the run folder");
			r->name = v->u.s;
		} else if (!strcmp(k, "description")) {
			if (v->type != SPROUT_JSON_STRING)
				return rerr(r, v, RS_USAGE, "description is text, not %s",
					    type_name(v));
		} else if (!strcmp(k, "seed")) {
			int ok = v->type == SPROUT_JSON_NUMBER && v->len <= 18;
			for (size_t j = 0; ok && j < v->len; j++)
				ok = v->u.s[j] >= '0' && v->u.s[j] <= '9';
			if (!ok)
				return rerr(r, v, RS_USAGE,
					    "seed is a whole number from 0 (at most 18 digits)");
			r->seed = v->u.s;
		} else if (!strcmp(k, "inputs")) {
			inputs = v;
		} else if (!strcmp(k, "format")) {
			if ((rc = run_option_text(r, v, "format", &r->format)) >= 0)
				return rc;
			sprout_format f;
			sprout_error err = SPROUT_ERROR_INIT;
			if (sprout_format_parse(r->format, &f, &err))
				return rerr(r, v, RS_USAGE, "format: %s", err.msg);
		} else if (!strcmp(k, "out")) {
			if (v->type != SPROUT_JSON_STRING || !v->len)
				return rerr(r, v, RS_USAGE, "out is a folder name, not %s",
					    type_name(v));
			r->out_node = v;
		} else if (!strcmp(k, "stages")) {
			*stages = v;
		} else if (!strcmp(k, "llm")) {
			if ((rc = load_llm(r, v)) >= 0)
				return rc;
		} else {
			return unknown_key(r, root, i, top_keys, "",
					   "a recipe has name, description, seed, inputs, format, "
					   "out, llm and stages");
		}
	}
	if (!inputs)
		return rerr(r, root, RS_USAGE, "the recipe names no inputs (inputs: [FILE, ...])");
	if (!*stages)
		return rerr(r, root, RS_USAGE,
			    "the recipe has no stages (stages: [- augment: ...])");
	size_t cap = 0;
	if (inputs->type == SPROUT_JSON_ARRAY) {
		if (!inputs->len)
			return rerr(r, inputs, RS_USAGE, "inputs is empty");
		for (size_t i = 0; i < inputs->len; i++) {
			int rc = add_input(r, inputs->u.items[i], &cap);
			if (rc >= 0)
				return rc;
		}
	} else {
		int rc = add_input(r, inputs, &cap);
		if (rc >= 0)
			return rc;
	}
	if ((*stages)->type != SPROUT_JSON_ARRAY || !(*stages)->len)
		return rerr(
		    r, *stages, RS_USAGE, "stages is a list of stages (- augment: {...}), not %s",
		    (*stages)->type == SPROUT_JSON_ARRAY ? "an empty list" : type_name(*stages));
	if (!r->name) {
		const char *base = strrchr(r->path, '/');
		base = base ? base + 1 : r->path;
		size_t n = strcspn(base, ".");
		r->name = is_name(base, n) ? sprout_arena_strndup(r->a, base, n) : "run";
	}
	return -1;
}

/* The library's own command for a stage: run over its files. */
static int builtin_check(void *ctx, const char *where, int argc, char **argv, sprout_error *err)
{
	const struct builtin *b = ctx;
	(void)where; /* the run puts it in front of err */
	return run_builtin_check(b->def, argc, argv, err);
}

static int builtin_run(void *ctx, int argc, char **argv, sprout_error *err)
{
	const struct builtin *b = ctx;
	return run_builtin_run(b->r, b->def, argc, argv, err);
}

static int builtin_plan(void *ctx, int argc, char **argv, sprout_buf *out)
{
	const struct builtin *b = ctx;
	return run_builtin_plan(b->r, b->def, argc, argv, out);
}

/* The library's own command for the stage of that name, or NULL. */
static const sprout_run_command *run_builtin(struct sprout_run *r, const char *name)
{
	const sprout_stage_def *d = sprout_stage_find(name);
	const sprout_option_def *options = d ? run_builtin_options(d) : NULL;
	if (!options)
		return NULL;
	for (size_t i = 0; i < r->nbuiltins; i++)
		if (r->builtins[i].def == d)
			return &r->builtins[i].cmd;
	if (r->nbuiltins == MAX_BUILTINS)
		return NULL;
	struct builtin *b = &r->builtins[r->nbuiltins++];
	b->r = r;
	b->def = d;
	int dry = sprout_stage_option(d, "dry-run") != NULL;
	b->cmd =
	    (sprout_run_command){sprout_stage_name(d),	    options, builtin_check, builtin_run,
				 dry ? builtin_plan : NULL, b};
	return &b->cmd;
}

const sprout_option_def *run_find_option(const struct stage *st, const char *name)
{
	for (const sprout_option_def *o = st->cmd->options; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

int run_given(const struct stage *st, const char *name)
{
	return st->opts && st->opts->type == SPROUT_JSON_OBJECT && sprout_json_get(st->opts, name);
}

/* Let the command itself check option values (args[0..n)): it tells a
 * person what is wrong with the recipe location in front. */
static int check_args(struct sprout_run *r, struct stage *st, char *const *args, size_t n,
		      unsigned long line, unsigned long col)
{
	if (!st->cmd->check)
		return -1;
	char **argv = sprout_arena_alloc(r->a, (n + 2) * sizeof *argv);
	if (!argv)
		return RS_INTERNAL;
	argv[0] = (char *)st->name;
	if (n) /* a stage with no options: args is NULL */
		memcpy(argv + 1, args, n * sizeof *argv);
	argv[n + 1] = NULL;
	char where[SPROUT_ERROR_FILE_MAX + 128];
	snprintf(where, sizeof where, "%s:%lu:%lu: stage %s: ", r->path, line, col, st->name);
	sprout_error err = SPROUT_ERROR_INIT;
	int rc = st->cmd->check(st->cmd->ctx, where, (int)n + 1, argv, &err);
	if (rc == RS_OK)
		return -1;
	if (err.msg[0]) /* else the command told a person: r->err stays empty */
		return run_fail(r, rc, "%s%s", where, err.msg);
	return rc;
}

/* One option of a stage into --name=value arguments. */
static int stage_option(struct sprout_run *r, struct stage *st, size_t i)
{
	const char *k = st->opts->u.members[i].key;
	const sprout_json *v = st->opts->u.members[i].value;
	const sprout_option_def *o = run_find_option(st, k);
	for (const char *const *s = run_sets; o && *s; s++)
		if (!strcmp(*s, k))
			return rerr_key(r, st->opts, i, RS_USAGE,
					"option '%s' is set by sprout run: every stage writes into "
					"the run folder",
					k);
	if (!o) {
		const char *names[128];
		size_t n = 0;
		for (const sprout_option_def *q = st->cmd->options; q && q->name && n < 128; q++)
			names[n++] = q->name;
		char hint[80];
		suggest(hint, sizeof hint, k, names, n);
		return rerr_key(r, st->opts, i, RS_USAGE,
				"unknown option '%s' for stage %s%s; 'sprout %s --help' lists them",
				k, st->name, hint, st->name);
	}
	if (!o->arg) {
		if (v->type == SPROUT_JSON_TRUE)
			run_push(r, &st->args, &st->nargs, &st->cap, run_fmt(r, "--%s", k));
		else if (v->type != SPROUT_JSON_FALSE)
			return rerr(
			    r, v, RS_USAGE,
			    "option '%s' of stage %s is a switch: write true or false, not %s", k,
			    st->name, type_name(v));
		return -1;
	}
	if (v->type == SPROUT_JSON_NULL || v->type == SPROUT_JSON_TRUE ||
	    v->type == SPROUT_JSON_FALSE)
		return rerr(r, v, RS_USAGE, "option '%s' of stage %s takes %s, not %s", k, st->name,
			    o->arg, type_name(v));
	/* a repeatable option repeats for each item of a list */
	int rep = (o->flags & SPROUT_OPT_REPEAT) && v->type == SPROUT_JSON_ARRAY;
	size_t n = rep ? v->len : 1;
	for (size_t j = 0; j < n; j++) {
		const sprout_json *item = rep ? v->u.items[j] : v;
		const char *text;
		char what[96];
		snprintf(what, sizeof what, "option '%s' of stage %s", k, st->name);
		int rc = run_option_text(r, item, what, &text);
		if (rc >= 0)
			return rc;
		if (o->type == SPROUT_OPT_INFILE || o->type == SPROUT_OPT_INDIR) {
			text = run_join(r, r->dir, text);
			if (access(text, R_OK) != 0)
				return rerr(r, item, RS_IO, "%s: '%s' cannot be read (%s)", what,
					    text, strerror(errno));
			if ((rc = confine(r, item, what, text, P_READ)) >= 0)
				return rc;
			if (o->type == SPROUT_OPT_INFILE)
				run_push(r, &st->infiles, &st->ninfiles, &st->infcap, text);
		} else if (o->type == SPROUT_OPT_OUTPATH) {
			text = run_join(r, r->out, text);
			if ((rc = confine(r, item, what, text, P_WRITE)) >= 0)
				return rc;
		}
		if (o->type == SPROUT_OPT_OUTPATH && above_root(text) && !(text = resolve(r, text)))
			return rerr(r, item, RS_USAGE, "%s: the path is too long", what);
		run_push(r, &st->args, &st->nargs, &st->cap, run_fmt(r, "--%s=%s", k, text));
		unsigned long line, col;
		sprout_yaml_where(r->marks, item, &line, &col);
		if ((rc = check_args(r, st, st->args + st->nargs - 1, 1, line, col)) >= 0)
			return rc;
	}
	return -1;
}

static int load_stage(struct sprout_run *r, const sprout_json *item, struct stage *st, size_t index)
{
	size_t at = 0; /* the member that names the stage */
	if (item->type == SPROUT_JSON_OBJECT && item->len == 2) {
		long w = sprout_json_index(item, "when");
		if (w >= 0) {
			const sprout_json *v = item->u.members[w].value;
			if (sprout_json_is(v, "llm"))
				st->when = 1;
			else if (sprout_json_is(v, "offline"))
				st->when = -1;
			else
				return rerr(r, v, RS_USAGE,
					    "when is llm (run only with the llm section on) or "
					    "offline (only with it off)");
			at = w == 0 ? 1 : 0;
		}
	}
	if (item->type != SPROUT_JSON_OBJECT || item->len != 1 + (st->when != 0))
		return rerr(r, item, RS_USAGE,
			    "a stage is one name with its options, like '- augment: {variants: 4}' "
			    "(and maybe 'when: llm' or 'when: offline')");
	const char *name = item->u.members[at].key;
	const char *names[NKINDS];
	for (size_t k = 0; k < NKINDS; k++) {
		names[k] = stage_kinds[k].name;
		if (!strcmp(name, stage_kinds[k].name)) {
			st->name = stage_kinds[k].name;
			st->kind = stage_kinds[k].kind;
		}
	}
	if (!st->name) {
		char hint[80];
		suggest(hint, sizeof hint, name, names, NKINDS);
		return rerr_key(
		    r, item, at, RS_USAGE,
		    "unknown stage '%s'%s; the stages are augment, convert, filter, mix, "
		    "split, export and report",
		    name, hint);
	}
	/* the program's command of that name, else the library's own */
	for (const sprout_run_command *c = r->o.commands; c && c->name && !st->cmd; c++)
		if (!strcmp(c->name, st->name))
			st->cmd = c;
	if (!st->cmd)
		st->cmd = run_builtin(r, st->name);
	st->at = at;
	st->node = item;
	st->opts = item->u.members[at].value;
	snprintf(st->label, sizeof st->label, "%02zu-%s", index + 1, st->name);
	if (!st->cmd) /* refused if it is to run (run_load_stages) */
		return -1;
	if (st->opts->type == SPROUT_JSON_NULL) {
		st->opts = NULL;
		return -1;
	}
	if (st->opts->type != SPROUT_JSON_OBJECT)
		return rerr(r, st->opts, RS_USAGE,
			    "the options of stage %s are a mapping (option: value), not %s",
			    st->name, type_name(st->opts));
	for (size_t i = 0; i < st->opts->len; i++) {
		int rc = stage_option(r, st, i);
		if (rc >= 0)
			return rc;
	}
	/* and together, for what one option says about another */
	unsigned long line, col;
	sprout_yaml_key_where(r->marks, item, at, &line, &col);
	return check_args(r, st, st->args, st->nargs, line, col);
}

/* A filter stage with a judge: it asks a model when the llm section is on,
 * and runs without its judge when the section is off. */
int run_judges(const struct stage *st)
{
	return !strcmp(st->name, "filter") && run_given(st, "judge");
}

/* Options that only the judge reads, dropped when it is skipped. */
int run_judge_arg(const char *arg)
{
	static const char *const names[] = {"--judge=", "--judge-min=", "--scope="};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strncmp(arg, names[i], strlen(names[i])))
			return 1;
	return 0;
}

int run_load_stages(struct sprout_run *r, const sprout_json *list)
{
	struct stage *all = sprout_arena_alloc(r->a, list->len * sizeof *all);
	if (!all)
		return RS_INTERNAL;
	memset(all, 0, list->len * sizeof *all);
	for (size_t i = 0; i < list->len; i++) {
		int rc = load_stage(r, list->u.items[i], &all[i], i);
		if (rc >= 0)
			return rc;
		const struct stage *st = &all[i];
		if (!strcmp(st->name, "generate")) {
			size_t at = st->when && !strcmp(st->node->u.members[0].key, "when") ? 1 : 0;
			if (!run_given(st, "method"))
				return rerr_key(
				    r, st->node, at, RS_USAGE,
				    "stage generate needs a method (method: paraphrase, "
				    "pairs, ...)");
			if ((!run_given(st, "url") && !r->llm_url) ||
			    (!run_given(st, "model") && !r->llm_model))
				return rerr_key(
				    r, st->node, at, RS_USAGE,
				    "stage generate needs a url and a model: in the stage "
				    "or in the llm section");
		}
	}
	/* the order must hold with the llm section on and off */
	for (int mode = -1; mode <= 1; mode += 2) {
		int split = 0;
		for (size_t i = 0; i < list->len; i++) {
			const struct stage *st = &all[i];
			if (st->when && st->when != mode)
				continue;
			if (split && (st->kind == K_RECORDS || st->kind == K_SPLIT))
				return rerr(
				    r, st->node, RS_USAGE,
				    "stage %s comes after split: only export and report can "
				    "follow it",
				    st->name);
			if (st->kind == K_SPLIT)
				split = 1;
		}
	}
	int on = r->llm_flag ? r->llm_flag > 0 : r->llm;
	r->llm = on;
	for (size_t i = 0; i < list->len; i++) {
		const struct stage *st = &all[i];
		if (!run_judges(st) || (st->when && st->when != (on ? 1 : -1)))
			continue;
		size_t at = st->when && !strcmp(st->node->u.members[0].key, "when") ? 1 : 0;
		if (on && ((!run_given(st, "url") && !r->llm_url) ||
			   (!run_given(st, "model") && !r->llm_model)))
			return rerr_key(
			    r, st->node, at, RS_USAGE,
			    "stage filter's judge needs a url and a model: in the stage or "
			    "in the llm section");
		if (!on) { /* told when the run starts (not by the plan) */
			unsigned long line, col;
			sprout_yaml_key_where(r->marks, st->node, at, &line, &col);
			run_push(
			    r, &r->skipped, &r->nskipped, &r->skipped_cap,
			    run_fmt(
				r,
				"sprout: %s:%lu:%lu: the judge of stage filter is skipped: the llm "
				"section is off (sprout run --llm switches it on)",
				r->path, line, col));
		}
	}
	r->stages = all;
	r->nstages = 0;
	for (size_t i = 0; i < list->len; i++) {
		if (all[i].when && all[i].when != (on ? 1 : -1))
			continue;
		struct stage *st = &r->stages[r->nstages++];
		if (st != &all[i])
			*st = all[i];
		snprintf(st->label, sizeof st->label, "%02zu-%s", r->nstages, st->name);
		if (!st->cmd)
			return rerr_key(r, st->node, st->at, RS_USAGE,
					"stage %s: the library cannot run it on its own and the "
					"program gave it no command",
					st->name);
	}
	if (!r->nstages)
		return rerr(r, list, RS_USAGE, "no stage runs with the llm section %s",
			    on ? "on" : "off");
	return -1;
}
