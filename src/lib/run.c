/* A recipe run by the library (sprout/run.h): each stage runs the command
 * line of its name, into one run folder, and its completion goes into the
 * run state (SQLite), so a run stopped by a crash or Ctrl-C goes on from
 * the first unfinished stage. manifest.json tells how the data was made.
 * See docs/run.md.
 *
 * Inside, functions return -1 to go on or the exit status the sprout
 * program would have (RS_*); sprout_run_* turn it into a sprout_code. */
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

#include "run_internal.h"

enum { RS_OK = 0, RS_DATA = 1, RS_USAGE = 2, RS_IO = 3, RS_INTERNAL = 4, RS_PENDING = 5 };

/* What a stage makes: records for the next stage, the split files, or
 * files for people and trainers that the next stage does not read. */
enum kind { K_RECORDS, K_SPLIT, K_EXPORT, K_REPORT };

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
static const char *const llm_pace_keys[] = {"rpm", "tpm", "max-cost"};
#define NPACE 3

struct stage {
	const char *name;
	enum kind kind;
	const sprout_run_command *cmd;
	const sprout_json *opts; /* the recipe's mapping, or NULL */
	const sprout_json *node; /* the list item, for errors */
	char **args;		 /* options from the recipe, as --name=value */
	size_t nargs, cap;
	char **infiles; /* files options name, hashed into the stage key */
	size_t ninfiles, infcap;
	char label[64]; /* "02-filter" */
	int when;	/* 0 always, 1 only with the llm section on, -1 only off */
	size_t at;	/* the member of node that names it */
	/* result */
	int done, resumed;
	unsigned long long in, out, rejected;
	double seconds;
	char **argv;
	size_t argc;
	char **outputs;	    /* paths */
	const char *ledger; /* what its model requests cost (JSON), or NULL */
	unsigned long long *out_records;
	char (*out_hash)[SPROUT_HASH_HEX];
	size_t noutputs;
	const char *rejects;
};

struct input {
	const char *path;
	const sprout_json *node; /* in the recipe, for errors */
	char hash[SPROUT_HASH_HEX];
	unsigned long long bytes, records;
};

#define MAX_BUILTINS 16

/* A command of the library's own (run_builtin.c) for one of its stages. */
struct builtin {
	sprout_run_command cmd;
	struct sprout_run *r;
	const sprout_stage_def *def;
};

/* A file a stage wrote, as measured while written. */
struct measured {
	const char *path;
	sprout_written w;
	struct measured *next;
};

struct sprout_run {
	sprout_run_options o;
	struct builtin builtins[MAX_BUILTINS];
	size_t nbuiltins;
	struct measured *measured;
	sprout_error err; /* the first failure: what the caller is told */
	int nomem;	  /* an allocation failed: the run stops at the next check */
	const char *path; /* the recipe */
	char recipe_hash[SPROUT_HASH_HEX];
	const char *dir; /* its folder, "" for the current one */
	sprout_arena *a;
	char *text;
	size_t len;
	sprout_json *root;
	sprout_yaml *marks;
	const char *name;
	const char *seed;   /* digits, or NULL */
	const char *format; /* --format for the stages that read the inputs' shape */
	struct input *inputs;
	size_t ninputs;
	const char *out;
	const sprout_json *out_node;
	int llm;			   /* the llm section is on */
	int llm_flag;			   /* --llm 1, --offline -1 */
	const char *url_flag, *model_flag; /* --url, --model */
	const char *llm_url, *llm_model, *llm_embed_model;
	int llm_batch;		     /* llm batch: true: generate stages send batches */
	const char *llm_batch_wait;  /* their --batch-wait */
	const char *llm_pace[NPACE]; /* rpm, tpm, max-cost as the recipe wrote them */
	const char *llm_prices;	     /* relative to the working directory */
	const sprout_json *llm_prices_node;
	struct stage *stages;
	size_t nstages;
	/* the inputs of the augment and generate stages so far: where the
	 * variants' parents are, for the filter stages after them */
	char **parents;
	size_t nparents, parents_cap;
	int restart, quiet;
	char **skipped; /* notes for when the run starts: judges left out */
	size_t nskipped, skipped_cap;
	int allow_outside;
	int out_given; /* -d: the user's choice, not the recipe's */
	/* where the recipe may name files, resolved (absolute, no links) */
	const char *recipe_root, *cwd_root, *run_root;
	sprout_state *state;
	int lock_fd;
	char started[32];
	struct timespec t0;
};

/* ---- small helpers ------------------------------------------------------ */

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static char *fmt(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
static char *fmt(struct sprout_run *r, const char *f, ...)
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
static const char *join(struct sprout_run *r, const char *dir, const char *name)
{
	if (name[0] == '/' || !dir[0])
		return name;
	return fmt(r, "%s/%s", dir, name);
}

static void push(struct sprout_run *r, char ***v, size_t *n, size_t *cap, const char *s)
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
static sprout_code code_for(int status)
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
static void note(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void note(struct sprout_run *r, const char *f, ...)
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
static void say(struct sprout_run *r, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sprout_run *r, const char *f, ...)
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
static int fail(struct sprout_run *r, int code, const char *f, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct sprout_run *r, int code, const char *f, ...)
{
	if (r->err.code)
		return code;
	va_list ap;
	va_start(ap, f);
	char msg[SPROUT_ERROR_MSG_MAX];
	vsnprintf(msg, sizeof msg, f, ap);
	va_end(ap);
	sprout_error_set(&r->err, code_for(code), "%s", msg);
	return code;
}

/* The same from an error of the library's. */
static int fail_at(struct sprout_run *r, const sprout_error *e, int code)
{
	if (r->err.code)
		return code;
	r->err = *e;
	r->err.code = code_for(code); /* the status the step chose decides */
	return code;
}

static int verr_at(struct sprout_run *r, unsigned long line, unsigned long col, int code,
		   const char *f, va_list ap)
{
	sprout_error e = SPROUT_ERROR_INIT;
	char msg[SPROUT_ERROR_MSG_MAX];
	vsnprintf(msg, sizeof msg, f, ap);
	sprout_error_set(&e, code_for(code), "%s", msg);
	sprout_error_locate(&e, r->path, line, col);
	return fail_at(r, &e, code);
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
	char *full = path[0] == '/' ? fmt(r, "%s", path) : fmt(r, "%s/%s", cwd, path);
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
	return n ? fmt(r, "%s", cur) : "/";
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
static int confine_top(struct sprout_run *r)
{
	r->recipe_root = resolve(r, r->dir[0] ? r->dir : ".");
	r->cwd_root = resolve(r, ".");
	if (!r->recipe_root || !r->cwd_root) {
		return fail(r, RS_IO,
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
		return fail(r, RS_USAGE, "%s: the run folder's path is too long", r->path);
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

static int read_recipe(struct sprout_run *r)
{
	FILE *f = fopen(r->path, "rb");
	if (!f) {
		return fail(r, RS_IO, "%s: cannot open the recipe: %s", r->path, strerror(errno));
	}
	size_t cap = 1 << 20;
	r->text = sprout_arena_alloc(r->a, cap + 1);
	r->len = r->text ? fread(r->text, 1, cap + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!r->text)
		return RS_INTERNAL;
	if (bad) {
		return fail(r, RS_IO, "%s: cannot read the recipe", r->path);
	}
	if (r->len > cap) {
		return fail(r, RS_USAGE, "%s: a recipe is at most 1 MiB", r->path);
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
		return fail_at(r, &err, err.code == SPROUT_ERR_NOMEM ? RS_INTERNAL : RS_USAGE);
	}
	return -1;
}

/* A scalar or a list/mapping of scalars as option text: a,b or k=v,k=v. */
static int option_text(struct sprout_run *r, const sprout_json *v, const char *what,
		       const char **out)
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
	const char *path = join(r, r->dir, v->u.s);
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
		while (pace < NPACE && strcmp(k, llm_pace_keys[pace]))
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
			r->llm_prices = join(r, r->dir, x->u.s);
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
		const char **slot = !strcmp(k, "url")		? &r->llm_url
				    : !strcmp(k, "model")	? &r->llm_model
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

static int load_top(struct sprout_run *r, const sprout_json **stages)
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
			if ((rc = option_text(r, v, "format", &r->format)) >= 0)
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

static const sprout_option_def *find_option(const struct stage *st, const char *name)
{
	for (const sprout_option_def *o = st->cmd->options; o && o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

static int given(const struct stage *st, const char *name)
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
		return fail(r, rc, "%s%s", where, err.msg);
	return rc;
}

/* One option of a stage into --name=value arguments. */
static int stage_option(struct sprout_run *r, struct stage *st, size_t i)
{
	const char *k = st->opts->u.members[i].key;
	const sprout_json *v = st->opts->u.members[i].value;
	const sprout_option_def *o = find_option(st, k);
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
			push(r, &st->args, &st->nargs, &st->cap, fmt(r, "--%s", k));
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
		int rc = option_text(r, item, what, &text);
		if (rc >= 0)
			return rc;
		if (o->type == SPROUT_OPT_INFILE || o->type == SPROUT_OPT_INDIR) {
			text = join(r, r->dir, text);
			if (access(text, R_OK) != 0)
				return rerr(r, item, RS_IO, "%s: '%s' cannot be read (%s)", what,
					    text, strerror(errno));
			if ((rc = confine(r, item, what, text, P_READ)) >= 0)
				return rc;
			if (o->type == SPROUT_OPT_INFILE)
				push(r, &st->infiles, &st->ninfiles, &st->infcap, text);
		} else if (o->type == SPROUT_OPT_OUTPATH) {
			text = join(r, r->out, text);
			if ((rc = confine(r, item, what, text, P_WRITE)) >= 0)
				return rc;
		}
		if (o->type == SPROUT_OPT_OUTPATH && above_root(text) && !(text = resolve(r, text)))
			return rerr(r, item, RS_USAGE, "%s: the path is too long", what);
		push(r, &st->args, &st->nargs, &st->cap, fmt(r, "--%s=%s", k, text));
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
	if (!st->cmd) /* refused if it is to run (load_stages) */
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
static int judges(const struct stage *st)
{
	return !strcmp(st->name, "filter") && given(st, "judge");
}

/* Options that only the judge reads, dropped when it is skipped. */
static int judge_arg(const char *arg)
{
	static const char *const names[] = {"--judge=", "--judge-min=", "--scope="};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strncmp(arg, names[i], strlen(names[i])))
			return 1;
	return 0;
}

static int load_stages(struct sprout_run *r, const sprout_json *list)
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
			if (!given(st, "method"))
				return rerr_key(
				    r, st->node, at, RS_USAGE,
				    "stage generate needs a method (method: paraphrase, "
				    "pairs, ...)");
			if ((!given(st, "url") && !r->llm_url) ||
			    (!given(st, "model") && !r->llm_model))
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
		if (!judges(st) || (st->when && st->when != (on ? 1 : -1)))
			continue;
		size_t at = st->when && !strcmp(st->node->u.members[0].key, "when") ? 1 : 0;
		if (on &&
		    ((!given(st, "url") && !r->llm_url) || (!given(st, "model") && !r->llm_model)))
			return rerr_key(
			    r, st->node, at, RS_USAGE,
			    "stage filter's judge needs a url and a model: in the stage or "
			    "in the llm section");
		if (!on) { /* told when the run starts (not by the plan) */
			unsigned long line, col;
			sprout_yaml_key_where(r->marks, st->node, at, &line, &col);
			push(
			    r, &r->skipped, &r->nskipped, &r->skipped_cap,
			    fmt(r,
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

/* ---- counting and hashing ------------------------------------------------ */

/* What a command wrote to path, measured while it wrote it: 1, else 0. */
static int written(struct sprout_run *r, const char *path, sprout_written *w)
{
	for (const struct measured *m = r->measured; m; m = m->next)
		if (!strcmp(m->path, path)) {
			*w = m->w;
			return 1;
		}
	return r->o.written && r->o.written(r->o.ctx, path, w);
}

void run_written(struct sprout_run *r, const char *path, const sprout_written *w)
{
	struct measured *m = sprout_arena_alloc(r->a, sizeof *m);
	char *p = sprout_arena_strndup(r->a, path, strlen(path));
	if (!m || !p)
		return; /* the file is read again to learn it */
	*m = (struct measured){p, *w, r->measured};
	r->measured = m;
}

void run_tell(struct sprout_run *r, const char *line)
{
	if (!r->o.note)
		return;
	char text[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64];
	snprintf(text, sizeof text, "sprout: %s", line);
	r->o.note(r->o.ctx, text);
}

const sprout_run_options *run_options(const struct sprout_run *r)
{
	return &r->o;
}

/* Records (JSON objects) in a file; what the next stage will read. */
static int count_records(struct sprout_run *r, const char *path, unsigned long long *n)
{
	sprout_written w;
	if (written(r, path, &w) && w.records_known) { /* counted while written */
		*n = w.records;
		return -1;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	*n = 0;
	sprout_reader *rd = sprout_reader_open(path, NULL, &err);
	sprout_arena *a = sprout_arena_new(0);
	if (!rd || !a) {
		sprout_reader_close(rd);
		sprout_arena_free(a);
		return fail_at(r, &err, rd ? RS_INTERNAL : RS_IO);
	}
	sprout_json *obj;
	sprout_code rc;
	while ((rc = sprout_reader_next(rd, a, &obj, &err)) != SPROUT_END) {
		if (rc == SPROUT_OK)
			(*n)++;
		sprout_arena_reset(a);
		if (sprout_reader_failed(rd))
			break;
	}
	sprout_reader_close(rd);
	sprout_arena_free(a);
	return -1;
}

static int hash_file(struct sprout_run *r, const char *path, char hex[SPROUT_HASH_HEX],
		     unsigned long long *bytes)
{
	sprout_written w;
	if (written(r, path, &w) && w.hash[0]) { /* hashed while written */
		memcpy(hex, w.hash, SPROUT_HASH_HEX);
		if (bytes)
			*bytes = w.bytes;
		return -1;
	}
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_hash_file(path, hex, bytes, &err)) {
		return fail_at(r, &err, run_status_for(err.code));
	}
	return -1;
}

/* The key of a stage: the version, its command line and the content of
 * every file it reads. The same key means the same output. */
static int stage_key(struct sprout_run *r, struct stage *st, char *const *cur, size_t ncur,
		     char key[SPROUT_HASH_HEX])
{
	sprout_hasher *h = sprout_hasher_new();
	if (!h)
		return RS_INTERNAL;
	sprout_hasher_add_str(h, "sprout run stage 1");
	sprout_hasher_add_str(h, sprout_version());
	for (size_t i = 0; i < st->argc; i++)
		sprout_hasher_add_str(h, st->argv[i]);
	for (size_t i = 0; i < ncur + st->ninfiles; i++) {
		char hex[SPROUT_HASH_HEX];
		int rc = hash_file(r, i < ncur ? cur[i] : st->infiles[i - ncur], hex, NULL);
		if (rc >= 0) {
			sprout_hasher_free(h);
			return rc;
		}
		sprout_hasher_add_str(h, hex);
	}
	sprout_hasher_hex(h, key);
	sprout_hasher_free(h);
	return -1;
}

/* ---- running a stage ---------------------------------------------------- */

static void clear_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		struct stat s;
		if (stat(p, &s) == 0 && S_ISREG(s.st_mode))
			unlink(p);
	}
	closedir(d);
}

/* train, valid(ation), test, then the rest by name */
static int split_rank(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strncmp(base, "train.", 6)  ? 0
	       : !strncmp(base, "valid", 5) ? 1
	       : !strncmp(base, "test.", 5) ? 2
					    : 3;
}

static int cmp_outputs(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int d = split_rank(x) - split_rank(y);
	return d ? d : strcmp(x, y);
}

/* The files a finished stage made, sorted. */
static void list_outputs(struct sprout_run *r, struct stage *st, const char *single,
			 const char *dir)
{
	size_t cap = 0;
	st->noutputs = 0;
	if (single) {
		push(r, &st->outputs, &st->noutputs, &cap, single);
	} else {
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				push(r, &st->outputs, &st->noutputs, &cap,
				     fmt(r, "%s/%s", dir, e->d_name));
		if (d)
			closedir(d);
		qsort(st->outputs, st->noutputs, sizeof *st->outputs, cmp_outputs);
	}
}

/* Remember a finished stage in the run state. */
static int save_stage(struct sprout_run *r, struct stage *st, const char *key)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *o = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json *outs = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json_set(a, o, "key", sprout_json_string(a, key, strlen(key)));
	sprout_json_set(a, o, "in", sprout_json_integer(a, (long long)st->in));
	sprout_json_set(a, o, "out", sprout_json_integer(a, (long long)st->out));
	sprout_json_set(a, o, "rejected", sprout_json_integer(a, (long long)st->rejected));
	sprout_json_set(a, o, "seconds", sprout_json_real(a, st->seconds));
	for (size_t i = 0; i < st->noutputs; i++) {
		sprout_json *f = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, f, "path",
				sprout_json_string(a, st->outputs[i], strlen(st->outputs[i])));
		sprout_json_set(a, f, "xxh128", sprout_json_string(a, st->out_hash[i], 32));
		sprout_json_set(a, f, "records",
				sprout_json_integer(a, (long long)st->out_records[i]));
		sprout_json_push(a, outs, f);
	}
	sprout_json_set(a, o, "outputs", outs);
	sprout_buf b = SPROUT_BUF_INIT(1 << 24);
	sprout_error err = SPROUT_ERROR_INIT;
	char skey[80];
	snprintf(skey, sizeof skey, "stage/%s", st->label);
	sprout_code rc = sprout_json_write(&b, o);
	if (!rc)
		rc = sprout_buf_addc(&b, '\0');
	if (!rc)
		rc = sprout_state_put(r->state, skey, b.data, &err);
	sprout_buf_release(&b);
	sprout_arena_free(a);
	if (rc) {
		return fail_at(r, &err, run_status_for(rc));
	}
	return -1;
}

/* Outputs: hash and count them. */
static int measure_outputs(struct sprout_run *r, struct stage *st)
{
	st->out_records = sprout_arena_alloc(r->a, (st->noutputs + 1) * sizeof *st->out_records);
	st->out_hash = sprout_arena_alloc(r->a, (st->noutputs + 1) * sizeof *st->out_hash);
	if (!st->out_records || !st->out_hash)
		return RS_INTERNAL;
	st->out = 0;
	for (size_t i = 0; i < st->noutputs; i++) {
		int rc = hash_file(r, st->outputs[i], st->out_hash[i], NULL);
		if (rc >= 0)
			return rc;
		st->out_records[i] = 0;
		if (st->kind != K_REPORT) {
			if ((rc = count_records(r, st->outputs[i], &st->out_records[i])) >= 0)
				return rc;
			st->out += st->out_records[i];
		}
	}
	st->rejected = 0;
	if (st->rejects && access(st->rejects, F_OK) == 0) {
		int rc = count_records(r, st->rejects, &st->rejected);
		if (rc >= 0)
			return rc;
	}
	return -1;
}

/* A stage the run state says is finished with this key, its outputs as
 * they were: 1 (and its numbers loaded), else 0. */
static int finished_before(struct sprout_run *r, struct stage *st, const char *key)
{
	char skey[80];
	snprintf(skey, sizeof skey, "stage/%s", st->label);
	char *text = NULL;
	if (!r->state || sprout_state_get(r->state, skey, &text, NULL) != SPROUT_OK)
		return 0;
	sprout_json *o = NULL;
	int ok = sprout_json_parse(r->a, text, strlen(text), &o, NULL) == SPROUT_OK &&
		 o->type == SPROUT_JSON_OBJECT && sprout_json_is(sprout_json_get(o, "key"), key);
	free(text);
	const sprout_json *outs = ok ? sprout_json_get(o, "outputs") : NULL;
	if (!outs || outs->type != SPROUT_JSON_ARRAY)
		return 0;
	size_t cap = 0;
	st->noutputs = 0;
	st->out_records = sprout_arena_alloc(r->a, (outs->len + 1) * sizeof *st->out_records);
	st->out_hash = sprout_arena_alloc(r->a, (outs->len + 1) * sizeof *st->out_hash);
	if (!st->out_records || !st->out_hash)
		return 0;
	for (size_t i = 0; i < outs->len; i++) {
		const sprout_json *f = outs->u.items[i];
		const sprout_json *p = sprout_json_get(f, "path"),
				  *h = sprout_json_get(f, "xxh128");
		if (!p || p->type != SPROUT_JSON_STRING || !h || h->type != SPROUT_JSON_STRING)
			return 0;
		char now[SPROUT_HASH_HEX];
		sprout_error err = SPROUT_ERROR_INIT;
		if (sprout_hash_file(p->u.s, now, NULL, &err) || strcmp(now, h->u.s))
			return 0; /* gone or changed: run again */
		snprintf(st->out_hash[st->noutputs], SPROUT_HASH_HEX, "%s", now);
		st->out_records[st->noutputs] =
		    (unsigned long long)sprout_json_number(sprout_json_get(f, "records"));
		push(r, &st->outputs, &st->noutputs, &cap, p->u.s);
	}
	st->in = (unsigned long long)sprout_json_number(sprout_json_get(o, "in"));
	st->out = (unsigned long long)sprout_json_number(sprout_json_get(o, "out"));
	st->rejected = (unsigned long long)sprout_json_number(sprout_json_get(o, "rejected"));
	st->seconds = sprout_json_number(sprout_json_get(o, "seconds"));
	return 1;
}

/* The command line of stage i, given what the stages before it made. */
static void build_argv(struct sprout_run *r, struct stage *st, char *const *cur, size_t ncur,
		       const char *cur_format, int after_split, char **rejects_files,
		       size_t nrejects, const char **single, const char **dir)
{
	size_t cap = 0;
	st->argc = 0;
	st->argv = NULL;
	push(r, &st->argv, &st->argc, &cap, st->name);
	for (size_t i = 0; i < st->nargs; i++)
		if (!(judges(st) && !r->llm && judge_arg(st->args[i])))
			push(r, &st->argv, &st->argc, &cap, st->args[i]);
	if (r->seed && find_option(st, "seed") && !given(st, "seed"))
		push(r, &st->argv, &st->argc, &cap, fmt(r, "--seed=%s", r->seed));
	if (cur_format && find_option(st, "format") && !given(st, "format") && !given(st, "map"))
		push(r, &st->argv, &st->argc, &cap, fmt(r, "--format=%s", cur_format));
	const sprout_json *sim = st->opts ? sprout_json_get(st->opts, "similarity") : NULL;
	if (sim && sprout_json_is(sim, "embed")) {
		if (!given(st, "embed-url") && r->llm_url)
			push(r, &st->argv, &st->argc, &cap, fmt(r, "--embed-url=%s", r->llm_url));
		if (!given(st, "embed-model") && r->llm_embed_model)
			push(r, &st->argv, &st->argc, &cap,
			     fmt(r, "--embed-model=%s", r->llm_embed_model));
		if (!given(st, "embed-cache"))
			push(r, &st->argv, &st->argc, &cap,
			     fmt(r, "--embed-cache=%s/sprout.sqlite", r->out));
	}
	if (!strcmp(st->name, "generate") || (judges(st) && r->llm)) {
		/* the llm section's server and model, and the run folder's cache */
		if (!given(st, "url") && r->llm_url)
			push(r, &st->argv, &st->argc, &cap, fmt(r, "--url=%s", r->llm_url));
		if (!given(st, "model") && r->llm_model)
			push(r, &st->argv, &st->argc, &cap, fmt(r, "--model=%s", r->llm_model));
		if (!given(st, "cache") && !given(st, "no-cache"))
			push(r, &st->argv, &st->argc, &cap,
			     fmt(r, "--cache=%s/sprout.sqlite", r->out));
		/* the llm section's batches (a stage's own batch: false wins) */
		if (r->llm_batch && !given(st, "batch"))
			push(r, &st->argv, &st->argc, &cap, "--batch");
		if (r->llm_batch_wait && !given(st, "batch-wait"))
			push(r, &st->argv, &st->argc, &cap,
			     fmt(r, "--batch-wait=%s", r->llm_batch_wait));
		for (size_t k = 0; k < NPACE; k++)
			if (r->llm_pace[k] && !given(st, llm_pace_keys[k]) &&
			    find_option(st, llm_pace_keys[k]))
				push(r, &st->argv, &st->argc, &cap,
				     fmt(r, "--%s=%s", llm_pace_keys[k], r->llm_pace[k]));
		if (r->llm_prices && !given(st, "prices") && find_option(st, "prices")) {
			push(r, &st->argv, &st->argc, &cap, fmt(r, "--prices=%s", r->llm_prices));
			/* the costs it reports depend on it: part of the stage key */
			push(r, &st->infiles, &st->ninfiles, &st->infcap, r->llm_prices);
		}
	}
	/* what the stage's model requests cost, for the manifest */
	st->ledger = NULL;
	if (find_option(st, "ledger")) {
		st->ledger = fmt(r, "%s/%s.ledger.json", r->out, st->label);
		push(r, &st->argv, &st->argc, &cap, fmt(r, "--ledger=%s", st->ledger));
	}
	if (!strcmp(st->name, "augment") || !strcmp(st->name, "generate")) {
		for (size_t i = 0; i < ncur; i++) {
			int have = 0;
			for (size_t k = 0; k < r->nparents && !have; k++)
				have = !strcmp(r->parents[k], cur[i]);
			if (!have)
				push(r, &r->parents, &r->nparents, &r->parents_cap, cur[i]);
		}
	}
	if (!strcmp(st->name, "filter") && !given(st, "parents")) {
		/* variants of a stage without keep-original have their parents in
		 * that stage's inputs, not in this one's: without them the filter
		 * could not check the variants against their parents */
		for (size_t k = 0; k < r->nparents; k++) {
			int same = 0;
			for (size_t i = 0; i < ncur && !same; i++)
				same = !strcmp(cur[i], r->parents[k]);
			if (same)
				continue;
			push(r, &st->argv, &st->argc, &cap, fmt(r, "--parents=%s", r->parents[k]));
			push(r, &st->infiles, &st->ninfiles, &st->infcap, r->parents[k]);
		}
	}
	push(r, &st->argv, &st->argc, &cap, "-q");
	st->rejects = NULL;
	if (st->kind != K_REPORT && find_option(st, "rejects")) {
		st->rejects = fmt(r, "%s/%s.rejects.jsonl", r->out, st->label);
		push(r, &st->argv, &st->argc, &cap, fmt(r, "--rejects=%s", st->rejects));
	}
	*single = *dir = NULL;
	switch (st->kind) {
	case K_RECORDS: *single = fmt(r, "%s/%s.jsonl", r->out, st->label); break;
	case K_SPLIT: *dir = fmt(r, "%s/%s", r->out, st->label); break;
	case K_EXPORT:
		if (after_split) {
			*dir = fmt(r, "%s/%s", r->out, st->label);
		} else {
			const sprout_json *to = st->opts ? sprout_json_get(st->opts, "to") : NULL;
			*single = fmt(r, "%s/%s.%s", r->out, st->label,
				      to && sprout_json_is(to, "alpaca") ? "json" : "jsonl");
		}
		break;
	case K_REPORT:
		*single = fmt(r, "%s/%s.html", r->out, st->label);
		for (size_t i = 0; i < nrejects; i++) {
			push(r, &st->argv, &st->argc, &cap,
			     fmt(r, "--rejects=%s", rejects_files[i]));
			/* what the page says depends on them: part of the stage key */
			push(r, &st->infiles, &st->ninfiles, &st->infcap, rejects_files[i]);
		}
		push(r, &st->argv, &st->argc, &cap, fmt(r, "--manifest=%s/manifest.json", r->out));
		break;
	}
	if (*single) {
		push(r, &st->argv, &st->argc, &cap, "-o");
		push(r, &st->argv, &st->argc, &cap, *single);
	} else {
		push(r, &st->argv, &st->argc, &cap, "-d");
		push(r, &st->argv, &st->argc, &cap, *dir);
	}
	if (ncur)
		push(r, &st->argv, &st->argc, &cap, "--");
	for (size_t i = 0; i < ncur; i++) {
		/* an empty split file has nothing to describe (export writes it
		 * out empty) */
		struct stat s;
		if (st->kind == K_REPORT && ncur > 1 && stat(cur[i], &s) == 0 && s.st_size == 0)
			continue;
		push(r, &st->argv, &st->argc, &cap, cur[i]);
	}
	push(r, &st->argv, &st->argc, &cap, NULL);
	st->argc--;
}

/* ---- the manifest ------------------------------------------------------- */

static sprout_json *jstr(sprout_arena *a, const char *s)
{
	return sprout_json_string(a, s, strlen(s));
}

/* Every URL in v's strings (the llm section, stage options, command
 * lines) without its credentials: the manifest is shared with the data. */
static int redact_urls(sprout_arena *a, sprout_json *v)
{
	if (v->type == SPROUT_JSON_STRING && strstr(v->u.s, "://")) {
		size_t n = 2 * v->len + 16; /* "u:k@" grows to "u:***@" */
		char *shown = sprout_arena_alloc(a, n);
		if (!shown)
			return -1;
		sprout_url_redact(v->u.s, shown, n);
		v->u.s = shown;
		v->len = strlen(shown);
	} else if (v->type == SPROUT_JSON_ARRAY) {
		for (size_t i = 0; i < v->len; i++)
			if (redact_urls(a, v->u.items[i]))
				return -1;
	} else if (v->type == SPROUT_JSON_OBJECT) {
		for (size_t i = 0; i < v->len; i++)
			if (redact_urls(a, v->u.members[i].value))
				return -1;
	}
	return 0;
}

/* A text option of a stage as the recipe gives it, or def. */
static const char *stage_text(const struct stage *st, const char *name, const char *def)
{
	const sprout_json *v = st->opts ? sprout_json_get(st->opts, name) : NULL;
	return v && v->type == SPROUT_JSON_STRING ? v->u.s : def;
}

/* A path inside the run folder, relative to it. */
static const char *in_run(const struct sprout_run *r, const char *p)
{
	size_t n = strlen(r->out);
	return !strncmp(p, r->out, n) && p[n] == '/' ? p + n + 1 : p;
}

static void utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The ledger a stage wrote (a JSON object), or NULL when there is none. */
static sprout_json *read_ledger(sprout_arena *a, const char *path)
{
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return NULL;
	sprout_buf b = SPROUT_BUF_INIT(1 << 24);
	char chunk[4096];
	size_t n;
	int bad = 0;
	while (!bad && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		bad = sprout_buf_add(&b, chunk, n) != SPROUT_OK;
	bad = bad || ferror(f);
	fclose(f);
	sprout_json *v = NULL;
	if (bad || sprout_json_parse(a, b.data ? b.data : "", b.len, &v, NULL) ||
	    v->type != SPROUT_JSON_OBJECT)
		v = NULL;
	sprout_buf_release(&b);
	return v;
}

/* The cost of the run: the ledgers of its stages added up. */
static sprout_json *run_cost(sprout_arena *a, sprout_json *const *ledgers, size_t n)
{
	static const char *const counts[] = {"requests", "input_tokens", "cached_input_tokens",
					     "output_tokens", "cache_hits"};
	double usd = 0, sum[5] = {0};
	int known = 1, any = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ledgers[i])
			continue;
		any = 1;
		const sprout_json *c = sprout_json_get(ledgers[i], "cost_usd");
		if (c && c->type == SPROUT_JSON_NUMBER)
			usd += sprout_json_number(c);
		else
			known = 0;
		for (size_t k = 0; k < 5; k++)
			sum[k] += sprout_json_number(sprout_json_get(ledgers[i], counts[k]));
	}
	if (!any)
		return sprout_json_new(a, SPROUT_JSON_NULL);
	sprout_json *o = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, o, "cost_usd",
			known ? sprout_json_real(a, round(usd * 1e10) / 1e10)
			      : sprout_json_new(a, SPROUT_JSON_NULL));
	for (size_t k = 0; k < 5; k++)
		sprout_json_set(a, o, counts[k], sprout_json_integer(a, (long long)sum[k]));
	return o;
}

/* v as pretty JSON into path, atomically: -1, or an exit status. */
static int write_json(struct sprout_run *r, const char *path, const sprout_json *v,
		      const char *what)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_write_json_file(path, v, &err);
	if (!rc)
		return -1;
	if (err.msg[0])
		return fail_at(r, &err, run_status_for(rc));
	return fail(r, run_status_for(rc), "%s: cannot write the %s", path, what);
}

static int write_manifest(struct sprout_run *r, const char *status, size_t upto)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return RS_INTERNAL;
	sprout_json *m = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, m, "sprout", jstr(a, sprout_version()));
	sprout_json_set(a, m, "name", jstr(a, r->name));
	sprout_json_set(a, m, "status", jstr(a, status));
	sprout_json *rec = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, rec, "path", jstr(a, r->path));
	sprout_json_set(a, rec, "xxh128", jstr(a, r->recipe_hash));
	sprout_json_set(a, rec, "content", sprout_json_copy(a, r->root));
	sprout_json_set(a, m, "recipe", rec);
	sprout_json_set(a, m, "seed",
			r->seed ? sprout_json_number_raw(a, r->seed, strlen(r->seed))
				: sprout_json_new(a, SPROUT_JSON_NULL));
	sprout_json *llm = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json_set(a, llm, "enabled",
			sprout_json_new(a, r->llm ? SPROUT_JSON_TRUE : SPROUT_JSON_FALSE));
	const char *lk[3] = {"url", "model", "embed-model"};
	const char *lv[3] = {r->llm_url, r->llm_model, r->llm_embed_model};
	for (int k = 0; k < 3; k++)
		if (lv[k])
			sprout_json_set(a, llm, lk[k], jstr(a, lv[k]));
	sprout_json_set(a, m, "llm", llm);
	sprout_json_set(a, m, "started", jstr(a, r->started));
	char now[32];
	utc_now(now);
	sprout_json_set(a, m, strcmp(status, "running") ? "finished" : "updated", jstr(a, now));
	sprout_json *ins = sprout_json_new(a, SPROUT_JSON_ARRAY);
	for (size_t i = 0; i < r->ninputs; i++) {
		sprout_json *f = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, f, "path", jstr(a, r->inputs[i].path));
		sprout_json_set(a, f, "bytes",
				sprout_json_integer(a, (long long)r->inputs[i].bytes));
		sprout_json_set(a, f, "xxh128", jstr(a, r->inputs[i].hash));
		sprout_json_set(a, f, "records",
				sprout_json_integer(a, (long long)r->inputs[i].records));
		sprout_json_push(a, ins, f);
	}
	sprout_json_set(a, m, "inputs", ins);
	sprout_json *sts = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json *gens = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json *rejects = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json **ledgers = sprout_arena_alloc(a, (upto + 1) * sizeof *ledgers);
	if (!ledgers) {
		sprout_arena_free(a);
		return RS_INTERNAL;
	}
	const char *report = NULL;
	const struct stage *data = NULL; /* the last stage that made records for trainers */
	for (size_t i = 0; i < upto; i++) {
		const struct stage *st = &r->stages[i];
		sprout_json *s = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json_set(a, s, "stage", jstr(a, st->label));
		sprout_json_set(a, s, "name", jstr(a, st->name));
		sprout_json_set(a, s, "options",
				st->opts ? sprout_json_copy(a, st->opts)
					 : sprout_json_new(a, SPROUT_JSON_OBJECT));
		sprout_json *argv = sprout_json_new(a, SPROUT_JSON_ARRAY);
		sprout_json_push(a, argv, jstr(a, "sprout"));
		for (size_t k = 0; k < st->argc; k++)
			sprout_json_push(a, argv, jstr(a, st->argv[k]));
		sprout_json_set(a, s, "command", argv);
		sprout_json_set(a, s, "in", sprout_json_integer(a, (long long)st->in));
		sprout_json_set(a, s, "out",
				st->kind == K_REPORT ? sprout_json_new(a, SPROUT_JSON_NULL)
						     : sprout_json_integer(a, (long long)st->out));
		sprout_json_set(a, s, "rejected", sprout_json_integer(a, (long long)st->rejected));
		sprout_json_set(a, s, "seconds", sprout_json_real(a, st->seconds));
		sprout_json_set(
		    a, s, "resumed",
		    sprout_json_new(a, st->resumed ? SPROUT_JSON_TRUE : SPROUT_JSON_FALSE));
		sprout_json *outs = sprout_json_new(a, SPROUT_JSON_ARRAY);
		for (size_t k = 0; k < st->noutputs; k++) {
			sprout_json *f = sprout_json_new(a, SPROUT_JSON_OBJECT);
			sprout_json_set(a, f, "path", jstr(a, in_run(r, st->outputs[k])));
			sprout_json_set(a, f, "xxh128", jstr(a, st->out_hash[k]));
			if (st->kind != K_REPORT)
				sprout_json_set(
				    a, f, "records",
				    sprout_json_integer(a, (long long)st->out_records[k]));
			sprout_json_push(a, outs, f);
		}
		sprout_json_set(a, s, "outputs", outs);
		sprout_json_set(a, s, "rejects",
				st->rejects ? jstr(a, in_run(r, st->rejects))
					    : sprout_json_new(a, SPROUT_JSON_NULL));
		ledgers[i] = read_ledger(a, st->ledger);
		if (ledgers[i])
			sprout_json_set(a, s, "ledger", ledgers[i]);
		if (st->rejects)
			sprout_json_push(a, rejects, jstr(a, in_run(r, st->rejects)));
		sprout_json_push(a, sts, s);
		if (st->kind == K_REPORT && st->noutputs)
			report = in_run(r, st->outputs[0]);
		if (st->kind != K_REPORT &&
		    (!data || data->kind != K_EXPORT || st->kind == K_EXPORT))
			data = st;
		if (!strcmp(st->name, "generate") || (judges(st) && r->llm)) {
			sprout_json *g = sprout_json_new(a, SPROUT_JSON_OBJECT);
			sprout_json_set(a, g, "stage", jstr(a, st->label));
			sprout_json_set(a, g, "kind", jstr(a, judges(st) ? "judge" : "chat"));
			sprout_json_set(a, g, "api", jstr(a, stage_text(st, "api", "openai")));
			const char *url = stage_text(st, "url", r->llm_url);
			sprout_json_set(a, g, "url",
					url ? jstr(a, url) : sprout_json_new(a, SPROUT_JSON_NULL));
			const sprout_json *models =
			    st->opts ? sprout_json_get(st->opts, "model") : NULL;
			sprout_json_set(a, g, "model",
					models	       ? sprout_json_copy(a, models)
					: r->llm_model ? jstr(a, r->llm_model)
						       : sprout_json_new(a, SPROUT_JSON_NULL));
			static const char *const sampling[] = {"method", "temperature", "top-p",
							       "judge", "judge-min"};
			for (size_t k = 0; k < 5; k++) {
				const sprout_json *v =
				    st->opts ? sprout_json_get(st->opts, sampling[k]) : NULL;
				if (v)
					sprout_json_set(a, g, sampling[k], sprout_json_copy(a, v));
			}
			sprout_json_push(a, gens, g);
		}
		/* a filter that asks an embedding model */
		const sprout_json *sim = st->opts ? sprout_json_get(st->opts, "similarity") : NULL;
		if (sim && sprout_json_is(sim, "embed")) {
			sprout_json *g = sprout_json_new(a, SPROUT_JSON_OBJECT);
			sprout_json_set(a, g, "stage", jstr(a, st->label));
			sprout_json_set(a, g, "kind", jstr(a, "embeddings"));
			const char *url = stage_text(st, "embed-url", r->llm_url);
			const char *model = stage_text(st, "embed-model", r->llm_embed_model);
			sprout_json_set(a, g, "url",
					url ? jstr(a, url) : sprout_json_new(a, SPROUT_JSON_NULL));
			sprout_json_set(a, g, "model",
					model ? jstr(a, model)
					      : sprout_json_new(a, SPROUT_JSON_NULL));
			sprout_json_push(a, gens, g);
		}
	}
	sprout_json_set(a, m, "stages", sts);
	sprout_json_set(a, m, "generators", gens);
	sprout_json_set(a, m, "cost", run_cost(a, ledgers, upto));
	sprout_json *res = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json *ds = sprout_json_new(a, SPROUT_JSON_ARRAY);
	for (size_t k = 0; data && k < data->noutputs; k++)
		sprout_json_push(a, ds, jstr(a, in_run(r, data->outputs[k])));
	sprout_json_set(a, res, "dataset", ds);
	sprout_json_set(a, res, "rejects", rejects);
	sprout_json_set(a, res, "report",
			report ? jstr(a, report) : sprout_json_new(a, SPROUT_JSON_NULL));
	sprout_json_set(a, m, "outputs", res);

	const char *path = fmt(r, "%s/manifest.json", r->out);
	int rc = redact_urls(a, m) ? RS_INTERNAL : write_json(r, path, m, "manifest");
	sprout_arena_free(a);
	return rc;
}

/* ---- the run ------------------------------------------------------------ */

/* Temporary files of writes a kill interrupted: .NAME.sprout-XXXXXX that
 * no live writer holds */
static void sweep(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		const char *mark = strstr(e->d_name, ".sprout-");
		struct stat s;
		if (stat(p, &s) != 0)
			continue;
		if (S_ISREG(s.st_mode) && e->d_name[0] == '.' && mark && strlen(mark) == 14)
			sprout_writer_remove_stale(p);
		else if (S_ISDIR(s.st_mode) && depth && e->d_name[0] != '.')
			sweep(p, depth - 1);
	}
	closedir(d);
}

static int make_dirs(const char *path)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

static int open_run_folder(struct sprout_run *r)
{
	if (make_dirs(r->out) != 0) {
		return fail(r, RS_IO, "%s: cannot make the run folder: %s", r->out,
			    strerror(errno));
	}
	const char *lock = fmt(r, "%s/.lock", r->out);
	r->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (r->lock_fd < 0 || flock(r->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		return fail(r, RS_IO, "%s: %s", r->out,
			    r->lock_fd < 0 ? strerror(errno)
					   : "another sprout run is using this folder");
	}
	sweep(r->out, 1);
	sprout_error err = SPROUT_ERROR_INIT;
	if (!(r->state = sprout_state_open(fmt(r, "%s/sprout.sqlite", r->out), &err))) {
		return fail_at(r, &err, RS_IO);
	}
	if (r->restart && sprout_state_remove_prefix(r->state, "stage/", &err)) {
		return fail_at(r, &err, RS_IO);
	}
	return -1;
}

static void stage_line(struct sprout_run *r, const struct stage *st)
{
	if (st->kind == K_REPORT)
		note(r, "  %-12s %llu records described%s  %.1f s", st->label, st->in,
		     st->resumed ? " (done before)" : "", st->seconds);
	else
		note(r, "  %-12s %llu -> %llu records, %llu rejected%s  %.1f s", st->label, st->in,
		     st->out, st->rejected, st->resumed ? " (done before)" : "", st->seconds);
}

static int run_stage(struct sprout_run *r, struct stage *st, const char *single, const char *dir)
{
	char skey[80];
	snprintf(skey, sizeof skey, "stage/%s", st->label);
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_state_remove_prefix(r->state, skey, &err)) {
		return fail_at(r, &err, RS_IO);
	}
	if (dir)
		clear_dir(dir);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	if (r->o.stage)
		r->o.stage(r->o.ctx, st->label);
	sprout_error why = SPROUT_ERROR_INIT;
	int rc = st->cmd->run(st->cmd->ctx, (int)st->argc, st->argv, &why);
	st->seconds = since(&start);
	if (r->o.stage)
		r->o.stage(r->o.ctx, NULL);
	if (rc == RS_PENDING)
		return fail(
		    r, rc,
		    "stage %s waits for its batches; the stages before it are kept: run the "
		    "same command again later to collect the answers and go on",
		    st->label);
	if (rc != RS_OK) {
		char shown[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64] = "";
		if (why.msg[0]) /* a command that told no person itself */
			sprout_error_format(&why, shown, sizeof shown);
		return fail(r, rc,
			    "stage %s failed (exit %d)%s%s; the stages before it are kept: fix the "
			    "recipe or the data and run again",
			    st->label, rc, shown[0] ? ": " : "", shown);
	}
	list_outputs(r, st, single, dir);
	if (st->kind == K_REPORT) { /* the page and its numbers as JSON */
		size_t cap = st->noutputs;
		push(r, &st->outputs, &st->noutputs, &cap, fmt(r, "%s/%s.json", r->out, st->label));
	}
	return -1;
}

static int execute(struct sprout_run *r)
{
	int rc;
	for (size_t i = 0; i < r->nskipped; i++)
		note(r, "%s", r->skipped[i]);
	if ((rc = open_run_folder(r)) >= 0)
		return rc;
	char **cur = sprout_arena_alloc(r->a, (r->ninputs + 3) * sizeof *cur);
	char **rejects = sprout_arena_alloc(r->a, (r->nstages + 1) * sizeof *rejects);
	if (!cur || !rejects)
		return RS_INTERNAL;
	size_t ncur = r->ninputs, nrejects = 0;
	unsigned long long cur_records = 0;
	r->nparents = 0;
	for (size_t i = 0; i < r->ninputs; i++) {
		cur[i] = (char *)r->inputs[i].path;
		cur_records += r->inputs[i].records;
	}
	const char *cur_format = r->format;
	int after_split = 0;
	if ((rc = write_manifest(r, "running", 0)) >= 0)
		return rc;
	note(r, "sprout: run %s into %s (%zu stages)", r->name, r->out, r->nstages);
	for (size_t i = 0; i < r->nstages; i++) {
		struct stage *st = &r->stages[i];
		const char *single, *dir;
		build_argv(r, st, cur, ncur, cur_format, after_split, rejects, nrejects, &single,
			   &dir);
		char key[SPROUT_HASH_HEX];
		if ((rc = stage_key(r, st, cur, ncur, key)) >= 0)
			return rc;
		if (!r->restart && finished_before(r, st, key)) {
			st->resumed = 1;
		} else {
			if ((rc = run_stage(r, st, single, dir)) >= 0) {
				write_manifest(r, "failed", i);
				return rc;
			}
			st->in = cur_records;
			if ((rc = measure_outputs(r, st)) >= 0 ||
			    (rc = save_stage(r, st, key)) >= 0)
				return rc;
		}
		st->done = 1;
		stage_line(r, st);
		if (st->rejects)
			rejects[nrejects++] = (char *)st->rejects;
		if (st->kind == K_RECORDS || st->kind == K_SPLIT) {
			cur = st->outputs;
			ncur = st->noutputs;
			cur_records = st->out;
			if (!strcmp(st->name, "convert")) {
				const sprout_json *to =
				    st->opts ? sprout_json_get(st->opts, "to") : NULL;
				if (to)
					option_text(r, to, "to", &cur_format);
			}
		}
		if (st->kind == K_SPLIT)
			after_split = 1;
		if ((rc = write_manifest(r, "running", i + 1)) >= 0)
			return rc;
	}
	if ((rc = write_manifest(r, "complete", r->nstages)) >= 0)
		return rc;
	/* where things are */
	say(r, "run %s: %zu stages in %.1f s\n", r->name, r->nstages, since(&r->t0));
	const struct stage *data = NULL, *report = NULL;
	for (size_t i = 0; i < r->nstages; i++) {
		const struct stage *st = &r->stages[i];
		if (st->kind == K_REPORT)
			report = st;
		else if (!data || data->kind != K_EXPORT || st->kind == K_EXPORT)
			data = st;
	}
	for (size_t k = 0; data && k < data->noutputs; k++)
		say(r, "  %-9s %s (%llu records)\n", k ? "" : "dataset:", data->outputs[k],
		    data->out_records[k]);
	unsigned long long nrej = 0;
	for (size_t i = 0; i < r->nstages; i++)
		nrej += r->stages[i].rejected;
	say(r, "  rejects:  %llu records in %s/*.rejects.jsonl\n", nrej, r->out);
	say(r, "  manifest: %s/manifest.json\n", r->out);
	if (report)
		say(r, "  report:   %s\n", report->outputs[0]);
	return RS_OK;
}

/* ---- --dry-run -------------------------------------------------------------- */

/* Whole number option of a stage, or def. */
static double num_option(const struct stage *st, const char *name, double def)
{
	const sprout_json *v = st->opts ? sprout_json_get(st->opts, name) : NULL;
	if (!v)
		return def;
	if (v->type == SPROUT_JSON_NUMBER)
		return sprout_json_number(v);
	if (v->type == SPROUT_JSON_STRING)
		return strtod(v->u.s, NULL);
	return def;
}

/* Variants augment makes per record: the sum of --count, or -n. */
static double augment_per_record(const struct stage *st)
{
	const sprout_json *c = st->opts ? sprout_json_get(st->opts, "count") : NULL;
	if (!c)
		return num_option(st, "variants", 4);
	double sum = 0;
	if (c->type == SPROUT_JSON_OBJECT) {
		for (size_t i = 0; i < c->len; i++)
			sum += sprout_json_number(c->u.members[i].value);
	} else if (c->type == SPROUT_JSON_STRING) {
		for (const char *p = c->u.s; (p = strchr(p, '=')); p++)
			sum += strtod(p + 1, NULL);
	}
	return sum;
}

/* Items in a list option (a YAML list or a comma list), or def. */
static double list_len(const struct stage *st, const char *name, double def)
{
	const sprout_json *v = st->opts ? sprout_json_get(st->opts, name) : NULL;
	if (!v)
		return def;
	if (v->type == SPROUT_JSON_ARRAY)
		return (double)v->len;
	double n = 1;
	for (size_t i = 0; v->type == SPROUT_JSON_STRING && i < v->len; i++)
		n += v->u.s[i] == ',';
	return n;
}

/* Records a generate stage makes at most from `in` records. */
static double generate_expect(const struct stage *st, double in)
{
	const sprout_json *m = sprout_json_get(st->opts, "method");
	const sprout_json *keep = sprout_json_get(st->opts, "keep-original");
	double k = keep && keep->type == SPROUT_JSON_TRUE ? in : 0;
	if (sprout_json_is(m, "pairs"))
		return num_option(st, "count", 50) + k;
	if (sprout_json_is(m, "paraphrase"))
		return in * list_len(st, "constraints", 1) * num_option(st, "variants", 3) + k;
	if (sprout_json_is(m, "expand"))
		return in * num_option(st, "variants", 3) + k;
	if (sprout_json_is(m, "evolve"))
		return in * list_len(st, "operations", 2) + k;
	return in + k;
}

/* Average characters of the prompt slot of the inputs, for token estimates. */
static double average_prompt(const struct sprout_run *r)
{
	const char **paths = malloc((r->ninputs + 1) * sizeof *paths);
	if (!paths)
		return 0;
	for (size_t i = 0; i < r->ninputs; i++)
		paths[i] = r->inputs[i].path;
	sprout_source_options so = {SPROUT_READER_OPTIONS_INIT, {0}};
	if (r->format)
		sprout_format_parse(r->format, &so.format, NULL);
	sprout_source *s = sprout_source_open(paths, r->ninputs, &so, NULL);
	double chars = 0, n = 0;
	sprout_record rec;
	sprout_code rc;
	while (s && (rc = sprout_source_next(s, &rec, NULL)) != SPROUT_END) {
		sprout_text t;
		if (rc == SPROUT_OK && sprout_record_get(&rec, SPROUT_SLOT_PROMPT, &t)) {
			chars += (double)t.len;
			n++;
		}
		if (sprout_source_failed(s))
			break;
	}
	sprout_source_close(s);
	free(paths);
	return n ? chars / n : 0;
}

/* A generate stage's (or a judging filter's) own --dry-run, its lines
 * indented under the stage, and the requests, tokens and cost it counts
 * (*usd < 0 once a stage's cost is unknown). 0, or -1 when it could not
 * run. */
static int stage_plan(struct sprout_run *r, const struct stage *st, double *requests,
		      double *tokens, double *usd)
{
	if (!st->cmd->plan)
		return -1;
	sprout_buf b = SPROUT_BUF_INIT(1 << 24);
	int rc = st->cmd->plan(st->cmd->ctx, (int)st->argc, st->argv, &b);
	for (const char *line = b.data; line && line < b.data + b.len;) {
		const char *end = memchr(line, '\n', (size_t)(b.data + b.len - line));
		size_t n = end ? (size_t)(end - line) + 1 : (size_t)(b.data + b.len - line);
		char text[1024];
		snprintf(text, sizeof text, "%.*s", (int)(n < sizeof text ? n : sizeof text - 1),
			 line);
		line += n;
		unsigned long long k, p, ans;
		if (sscanf(text, "requests: %llu", &k) == 1)
			*requests += (double)k;
		if (sscanf(text, "tokens, estimated: %llu prompt + %llu answer", &p, &ans) == 2)
			*tokens += (double)(p + ans);
		double cost;
		if (sscanf(text, "cost, estimated: $%lf", &cost) == 1 && *usd >= 0)
			*usd += cost;
		else if (!strncmp(text, "cost: unknown", 13))
			*usd = -1;
		say(r, "               %s", text);
	}
	sprout_buf_release(&b);
	return rc == RS_OK ? 0 : -1;
}

static int dry_run(struct sprout_run *r)
{
	say(r, "recipe %s: run %s", r->path, r->name);
	if (r->seed)
		say(r, ", seed %s", r->seed);
	say(r, "; llm section %s\ninputs:\n", r->llm ? "on" : "off");
	double records = 0;
	for (size_t i = 0; i < r->ninputs; i++) {
		say(r, "  %s: %llu records, %llu bytes\n", r->inputs[i].path, r->inputs[i].records,
		    r->inputs[i].bytes);
		records += (double)r->inputs[i].records;
	}
	struct stat s;
	int exists = stat(r->out, &s) == 0;
	char *state_path = fmt(r, "%s/sprout.sqlite", r->out);
	if (exists && !r->restart && access(state_path, F_OK) == 0)
		r->state = sprout_state_open(state_path, NULL);
	say(r, "run folder: %s%s\nstages:\n", r->out,
	    exists ? (r->restart ? " (exists; --restart runs every stage again)" : " (exists)")
		   : " (new)");
	char **cur = sprout_arena_alloc(r->a, (r->ninputs + 3) * sizeof *cur);
	char **rejects = sprout_arena_alloc(r->a, (r->nstages + 1) * sizeof *rejects);
	if (!cur || !rejects)
		return RS_INTERNAL;
	size_t ncur = r->ninputs, nrejects = 0;
	r->nparents = 0;
	for (size_t i = 0; i < r->ninputs; i++)
		cur[i] = (char *)r->inputs[i].path;
	const char *cur_format = r->format;
	int after_split = 0, chain_done = 1;
	double hi = records, prompt = average_prompt(r);
	double requests = 0, tokens = 0, usd = 0;
	for (size_t i = 0; i < r->nstages; i++) {
		struct stage *st = &r->stages[i];
		const char *single, *dir;
		build_argv(r, st, cur, ncur, cur_format, after_split, rejects, nrejects, &single,
			   &dir);
		char key[SPROUT_HASH_HEX];
		int done = 0;
		if (chain_done && r->state) {
			/* hashing needs the inputs: quietly unknown when they are not there */
			int ok = 1;
			for (size_t k = 0; k < ncur + st->ninfiles; k++)
				ok = ok &&
				     access(k < ncur ? cur[k] : st->infiles[k - ncur], R_OK) == 0;
			done = ok && stage_key(r, st, cur, ncur, key) < 0 &&
			       finished_before(r, st, key);
		}
		chain_done = done;
		double in_hi = hi;
		char expect[128];
		switch (st->kind) {
		case K_RECORDS:
			if (!strcmp(st->name, "augment")) {
				double per = augment_per_record(st);
				int keep = given(st, "keep-original") &&
					   sprout_json_get(st->opts, "keep-original")->type ==
					       SPROUT_JSON_TRUE;
				hi = hi * (per + keep);
				snprintf(expect, sizeof expect,
					 "up to %.0f records (%.0f variants each%s)", hi, per,
					 keep ? ", and the original" : "");
			} else if (!strcmp(st->name, "convert")) {
				snprintf(expect, sizeof expect, "%.0f records", hi);
			} else if (!strcmp(st->name, "generate")) {
				hi = generate_expect(st, hi);
				snprintf(expect, sizeof expect, "up to %.0f records", hi);
			} else {
				snprintf(expect, sizeof expect, "at most %.0f records", hi);
			}
			break;
		case K_SPLIT: {
			double v = num_option(st, "valid", 0.1), t = num_option(st, "test", 0.1);
			snprintf(expect, sizeof expect,
				 "at most %.0f records: about %.0f%% train, %.0f%% valid, %.0f%% "
				 "test of "
				 "the real ones",
				 hi, (1 - v - t) * 100, v * 100, t * 100);
			break;
		}
		case K_EXPORT:
			snprintf(expect, sizeof expect, "the same records, for trainers");
			break;
		case K_REPORT: snprintf(expect, sizeof expect, "an HTML page and its JSON"); break;
		}
		say(r, "  %-12s %s%s\n", st->label, done ? "done before: " : "", expect);
		say(r, "               sprout");
		for (size_t k = 0; k < st->argc; k++)
			say(r, " %s", st->argv[k]);
		say(r, "\n");
		if (judges(st) && r->llm && !done) {
			/* its own --dry-run runs the checks: only with its input there */
			int ready = 1;
			for (size_t k = 0; k < ncur; k++)
				ready = ready && access(cur[k], R_OK) == 0;
			if (!ready || stage_plan(r, st, &requests, &tokens, &usd)) {
				double n = in_hi * list_len(st, "judge", 1);
				say(r,
				    "               model: up to %.0f judge requests (one for each "
				    "record and rubric that applies to it)\n",
				    n);
				requests += n;
			}
		}
		if (!strcmp(st->name, "generate") && !done) {
			int ready = 1;
			for (size_t k = 0; k < ncur; k++)
				ready = ready && access(cur[k], R_OK) == 0;
			if (!ready || stage_plan(r, st, &requests, &tokens, &usd)) {
				/* before the stages it reads from have run: one request or more
				 * for each record */
				say(r,
				    "               model: one request or more for each of up "
				    "to %.0f "
				    "records\n",
				    in_hi);
				requests += in_hi;
			}
		}
		const sprout_json *sim = st->opts ? sprout_json_get(st->opts, "similarity") : NULL;
		if (sim && sprout_json_is(sim, "embed") && !done) {
			/* every checked text and its parent, once each, 64 to a request */
			double texts = in_hi;
			double req =
			    texts > 0 ? (double)(((unsigned long long)texts + 63) / 64) : 0;
			requests += req;
			tokens += texts * prompt / 4;
			const char *url = stage_text(st, "embed-url", r->llm_url);
			const char *model = stage_text(st, "embed-model", r->llm_embed_model);
			char shown[2048];
			if (url)
				sprout_url_redact(url, shown, sizeof shown);
			say(r,
			    "               model: up to %.0f embedding requests to %s (%s), about "
			    "%.0f tokens; vectors already cached are not asked for again\n",
			    req, url ? shown : "(no url)", model ? model : "no model",
			    texts * prompt / 4);
		}
		if (st->rejects)
			rejects[nrejects++] = (char *)st->rejects;
		if (st->kind == K_RECORDS || st->kind == K_SPLIT) {
			if (single) {
				ncur = 1;
				cur[0] = (char *)single;
			} else {
				ncur = 3;
				cur[0] = fmt(r, "%s/train.jsonl", dir);
				cur[1] = fmt(r, "%s/valid.jsonl", dir);
				cur[2] = fmt(r, "%s/test.jsonl", dir);
			}
			if (!strcmp(st->name, "convert") && st->opts &&
			    sprout_json_get(st->opts, "to"))
				option_text(r, sprout_json_get(st->opts, "to"), "to", &cur_format);
		}
		if (st->kind == K_SPLIT)
			after_split = 1;
	}
	if (requests) {
		say(r, "model requests: up to %.0f, about %.0f tokens in all", requests, tokens);
		if (usd > 0)
			say(r, ", about $%.4f", usd);
		say(r, "\n");
	} else
		say(r, "model requests: none (no stage of this recipe calls a model server)\n");
	sprout_state_close(r->state);
	r->state = NULL;
	return RS_OK;
}

/* ---- the library's face ----------------------------------------------------- */

/* The outcome of an internal step for the caller: its code, r->err said
 * what (empty when a command told a person itself). */
static sprout_code finish(struct sprout_run *r, int rc, sprout_error *err)
{
	if (rc < 0 && r->nomem)
		rc = fail(r, RS_INTERNAL, "out of memory");
	if (rc < 0 || rc == RS_OK)
		return SPROUT_OK;
	if (!r->err.code) /* a command told a person: the caller gets the code only */
		r->err.code = code_for(rc);
	if (err)
		*err = r->err;
	return r->err.code;
}

sprout_run *sprout_run_open(const char *path, const sprout_run_options *o, sprout_error *err)
{
	sprout_run *r = calloc(1, sizeof *r);
	sprout_arena *a = sprout_arena_new(0);
	if (!r || !a || !path || !o) {
		free(r);
		sprout_arena_free(a);
		sprout_error_set(err, path && o ? SPROUT_ERR_NOMEM : SPROUT_ERR_USAGE,
				 path && o ? "out of memory"
					   : "sprout_run_open: no recipe or options");
		return NULL;
	}
	r->o = *o;
	r->a = a;
	r->lock_fd = -1;
	r->quiet = o->quiet;
	r->restart = o->restart;
	r->allow_outside = o->allow_outside;
	r->llm_flag = o->llm;
	r->path = path;
	if (o->out_dir) {
		r->out = o->out_dir;
		r->out_given = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	utc_now(r->started);
	const char *slash = strrchr(path, '/');
	r->dir = slash ? sprout_arena_strndup(a, path, (size_t)(slash - path)) : "";
	if (r->dir && slash == path)
		r->dir = "/";
	const sprout_json *stages = NULL;
	int rc = !r->dir ? RS_INTERNAL : -1;
	if (rc < 0 && (rc = read_recipe(r)) < 0 && (rc = load_top(r, &stages)) < 0) {
		if (!r->out)
			r->out = r->out_node ? r->out_node->u.s : fmt(r, "out/%s", r->name);
		size_t n = strlen(r->out);
		while (n > 1 && r->out[n - 1] == '/')
			n--;
		r->out = sprout_arena_strndup(r->a, r->out, n);
		/* the caller's server and model before the stages' checks */
		if (o->url)
			r->llm_url = o->url;
		if (o->model)
			r->llm_model = o->model;
		if ((rc = confine_top(r)) < 0)
			rc = load_stages(r, stages);
	}
	for (size_t i = 0; rc < 0 && i < r->ninputs; i++) {
		struct input *in = &r->inputs[i];
		if ((rc = hash_file(r, in->path, in->hash, &in->bytes)) < 0)
			rc = count_records(r, in->path, &in->records);
	}
	if (finish(r, rc, err)) {
		sprout_run_free(r);
		return NULL;
	}
	return r;
}

sprout_code sprout_run_execute(sprout_run *r, sprout_error *err)
{
	/* stages that score English (augment's check, filter's meaning) read
	 * the language model once for the run, not once each */
	sprout_lm_hold();
	int rc = execute(r);
	sprout_lm_release();
	return finish(r, rc, err);
}

sprout_code sprout_run_plan(sprout_run *r, sprout_error *err)
{
	return finish(r, dry_run(r), err);
}

const char *sprout_run_folder(const sprout_run *r)
{
	return r->out;
}

void sprout_run_free(sprout_run *r)
{
	if (!r)
		return;
	sprout_state_close(r->state);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	sprout_yaml_free(r->marks);
	sprout_arena_free(r->a);
	free(r);
}
