/* Shared command-line plumbing: options, messages, the record loop,
 * outputs and signal cleanup. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- messages ---------------------------------------------------------- */

static void vmsg(const char *fmt, va_list ap)
{
	fputs("sprout: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void cli_error_at(const sprout_error *err)
{
	char buf[SPROUT_ERROR_MSG_MAX + SPROUT_ERROR_FILE_MAX + 64];
	cli_error("%s", sprout_error_format(err, buf, sizeof buf));
}

void cli_warning_at(const sprout_error *w)
{
	if (w->file[0])
		cli_error("%s: warning: %s", w->file, w->msg);
	else
		cli_error("warning: %s", w->msg);
}

void cli_note(const struct cli_common *c, const char *fmt, ...)
{
	if (c->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

int cli_exit_for(sprout_code code)
{
	switch (code) {
	case SPROUT_OK:
	case SPROUT_END: return EXIT_OK;
	case SPROUT_ERR_IO: return EXIT_IO;
	case SPROUT_ERR_USAGE: return EXIT_USAGE;
	case SPROUT_ERR_NOMEM: return EXIT_INTERNAL;
	case SPROUT_PENDING: return EXIT_PENDING;
	default: return EXIT_DATA;
	}
}

/* ---- options ----------------------------------------------------------- */

/* The shared options of reading and writing records, as the library
 * declares them (sprout/files.h), with this file's ids. */
static const struct {
	const char *name;
	int id;
} shared_ids[] = {
    {"format", OPT_FORMAT},
    {"map", OPT_MAP},
    {"container", OPT_CONTAINER},
    {"on-error", OPT_ON_ERROR},
    {"rejects", OPT_REJECTS},
    {"max-record", OPT_MAX_RECORD},
    {"duplicate-keys", OPT_DUPLICATE_KEYS},
    {"records", OPT_RECORDS},
    {"array", OPT_ARRAY},
    {"jsonl", OPT_JSONL},
    {"strip-meta", OPT_STRIP_META},
};
#define NSHARED (sizeof shared_ids / sizeof shared_ids[0])

static struct cli_option read_options[NSHARED + 1], write_options[NSHARED + 1];
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void from_library(struct cli_option *to, const sprout_option_def *o)
{
	for (size_t n = 0; o->name && n < NSHARED; o++) {
		size_t k = 0;
		while (k < NSHARED && strcmp(shared_ids[k].name, o->name))
			k++;
		if (k < NSHARED) /* ends with a NULL name: the arrays are zeroed */
			to[n++] = (struct cli_option){o->name,		o->shortopt, o->arg,
						      shared_ids[k].id, o->help,     0};
	}
}

static void make_shared(void)
{
	from_library(read_options, sprout_reading_options());
	from_library(write_options, sprout_writing_options());
}

static const struct cli_option base_options[] = {
    {"output", 'o', "FILE", OPT_OUTPUT,
     "write to FILE (atomically: a temporary file renamed at the end) instead of stdout"},
    {"quiet", 'q', NULL, OPT_QUIET, "no notes on stderr, only errors"},
    {"help", 'h', NULL, OPT_HELP, "show this help"},
    {NULL, 0, NULL, 0, NULL},
};

/* base_options without --output */
static const struct cli_option *const base_no_output = base_options + 1;

static void print_options(const struct cli_option *o)
{
	for (; o && o->name; o++) {
		char left[64];
		if (o->shortopt)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->shortopt, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		if (strlen(left) > 26)
			printf("  %s\n  %-26s ", left, "");
		else
			printf("  %-26s ", left);
		/* wrap the help at 79 columns under its own column */
		const char *h = o->help;
		while (*h) {
			size_t n = strlen(h);
			if (n > 50) {
				n = 50;
				while (n > 0 && h[n] != ' ')
					n--;
				if (n == 0)
					n = strcspn(h, " ");
			}
			printf("%.*s\n", (int)n, h);
			h += n;
			while (*h == ' ')
				h++;
			if (*h)
				printf("  %-26s ", "");
		}
	}
}

static size_t count_options(const struct cli_option *o)
{
	size_t n = 0;
	while (o && o[n].name)
		n++;
	return n;
}

/* 0 and *out when all of arg is a whole number from lo to hi, else -1. */
int cli_whole(const char *opt, const char *arg, unsigned long long max, unsigned long long *out)
{
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_option_whole(opt, arg, max, out, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

int cli_whole_in(const char *opt, const char *arg, unsigned long long lo, unsigned long long hi,
		 unsigned long long *out)
{
	char name[80];
	snprintf(name, sizeof name, "--%s", opt);
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_option_whole_in(name, arg, lo, hi, out, &err)) {
		cli_error("%s", err.msg);
		return EXIT_USAGE;
	}
	return -1;
}

/* The name of the reading option with that id (read_options), or NULL. */
static const char *reading_name(int id)
{
	pthread_once(&shared_once, make_shared);
	for (const struct cli_option *o = read_options; o->name; o++)
		if (o->id == id)
			return o->name;
	return NULL;
}

static int common_option(int id, const char *arg, struct cli_common *c)
{
	sprout_error err = SPROUT_ERROR_INIT;
	switch (id) {
	case OPT_OUTPUT: c->output = arg; return -1;
	case OPT_QUIET: c->quiet = 1; return -1;
	case OPT_FORMAT:
	case OPT_MAP:
	case OPT_CONTAINER:
	case OPT_MAX_RECORD:
	case OPT_DUPLICATE_KEYS:
	case OPT_RECORDS:
		if (sprout_option_reading(reading_name(id), arg, &c->src, &err)) {
			cli_error("%s", err.msg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_ARRAY: c->out_container = SPROUT_CONTAINER_ARRAY; return -1;
	case OPT_JSONL: c->out_container = SPROUT_CONTAINER_JSONL; return -1;
	case OPT_ON_ERROR:
		if (sprout_on_error_parse(arg, &c->on_error, &err)) {
			cli_error("%s", err.msg);
			return EXIT_USAGE;
		}
		return -1;
	case OPT_REJECTS: c->rejects = arg; return -1;
	case OPT_STRIP_META: c->strip_meta = 1; return -1;
	default: return -2; /* not a common option */
	}
}

static void option_groups(const struct cli_option *own, int flags,
			  const struct cli_option *groups[4])
{
	pthread_once(&shared_once, make_shared);
	groups[0] = own;
	groups[1] = (flags & CLI_READS) ? read_options : NULL;
	groups[2] = (flags & CLI_WRITES) ? write_options : NULL;
	groups[3] = (flags & CLI_NO_OUTPUT) ? base_no_output : base_options;
}

void (*cli_progress_hook)(const struct cli_reader *rd);

int cli_parse(int argc, char **argv, const char *usage, const char *about,
	      const struct cli_option *own, int flags, struct cli_common *c,
	      int (*cb)(int id, const char *arg, void *ctx), void *ctx)
{
	memset(c, 0, sizeof *c);
	size_t cmdlen = strcspn(usage, " ");
	if (cmdlen < sizeof c->command)
		memcpy(c->command, usage, cmdlen);
	sprout_reader_options ro = SPROUT_READER_OPTIONS_INIT;
	c->src.reader = ro;
	c->out_container = -1;

	const struct cli_option *groups[4];
	option_groups(own, flags, groups);
	size_t total = 0;
	for (int g = 0; g < 4; g++)
		total += count_options(groups[g]);
	struct option *lo = calloc(total + 1, sizeof *lo);
	char shorts[64];
	size_t ns = 0;
	if (!lo) {
		cli_error("out of memory");
		return EXIT_INTERNAL;
	}
	size_t k = 0;
	shorts[ns++] = ':'; /* report a missing argument as ':' */
	for (int g = 0; g < 4; g++) {
		for (const struct cli_option *o = groups[g]; o && o->name; o++) {
			lo[k].name = o->name;
			lo[k].has_arg = o->arg ? required_argument : no_argument;
			lo[k].flag = NULL;
			lo[k].val = o->id;
			k++;
			if (o->shortopt && ns + 3 < sizeof shorts) {
				shorts[ns++] = (char)o->shortopt;
				if (o->arg)
					shorts[ns++] = ':';
			}
		}
	}
	shorts[ns] = '\0';

	int rc = -1;
	optind = 1;
	opterr = 0;
	for (;;) {
		int longindex = -1;
		int id = getopt_long(argc, argv, shorts, lo, &longindex);
		if (id == -1)
			break;
		if (id == '?' || id == ':') {
			/* a long option is named as written (optopt holds its id,
			 * not a letter); a short one by its letter */
			char name[64];
			const char *given = argv[optind - 1];
			if (!strncmp(given, "--", 2) || !optopt || optopt >= 128)
				snprintf(name, sizeof name, "%s", given);
			else
				snprintf(name, sizeof name, "-%c", optopt);
			char *eq = strchr(name, '=');
			if (eq)
				*eq = '\0';
			if (id == ':')
				cli_error("option '%s' needs an argument (see 'sprout %s --help')",
					  name, argv[0]);
			else
				cli_error("unknown option '%s' (see 'sprout %s --help')", name,
					  argv[0]);
			rc = EXIT_USAGE;
			break;
		}
		if (id == OPT_HELP) {
			printf("usage: sprout %s\n\n%s\n\noptions:\n", usage, about);
			for (int g = 0; g < 4; g++)
				print_options(groups[g]);
			rc = EXIT_OK;
			break;
		}
		/* a short option comes back as its letter: find its id */
		if (longindex < 0 && id > 0 && id < 128)
			for (int g = 0; g < 4; g++)
				for (const struct cli_option *o = groups[g]; o && o->name; o++)
					if (o->shortopt == id)
						id = o->id;
		int r = common_option(id, optarg, c);
		if (r == -2)
			r = cb ? cb(id, optarg, ctx) : -1;
		if (r >= 0) {
			rc = r;
			break;
		}
	}
	free(lo);
	if (rc >= 0)
		return rc;
	c->inputs = (const char **)(argv + optind);
	c->ninputs = (size_t)(argc - optind);
	return -1;
}

/* ---- temporary files removed on signals -------------------------------- */

#define MAX_TEMPS 8
static char *volatile temps[MAX_TEMPS];

static void on_signal(int sig)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (temps[i])
			unlink(temps[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_signals_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void block_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, old);
}

static void register_temp(const char *path)
{
	if (!path)
		return;
	size_t n = strlen(path) + 1;
	char *copy = malloc(n);
	if (!copy)
		return;
	memcpy(copy, path, n);
	sigset_t old;
	block_signals(&old);
	for (int i = 0; i < MAX_TEMPS; i++) {
		if (!temps[i]) {
			temps[i] = copy;
			copy = NULL;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(copy);
}

static void unregister_temp(const char *path)
{
	if (!path)
		return;
	sigset_t old;
	block_signals(&old);
	for (int i = 0; i < MAX_TEMPS; i++) {
		if (temps[i] && strcmp(temps[i], path) == 0) {
			free(temps[i]);
			temps[i] = NULL;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* ---- outputs ----------------------------------------------------------- */

sprout_writer *cli_output_open(struct cli_common *c, sprout_container def, int *exit_code)
{
	sprout_container cont = sprout_output_container(c->output, c->out_container, def);
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *w = sprout_writer_open(c->output, cont, &err);
	if (!w) {
		cli_error_at(&err);
		*exit_code = cli_exit_for(err.code);
		return NULL;
	}
	register_temp(sprout_writer_temp_path(w));
	return w;
}

/* Commit w, unregistering its temporary file. */
static sprout_code commit_noted(sprout_writer *w, sprout_error *err)
{
	const char *t = sprout_writer_temp_path(w);
	char *temp = t ? strdup(t) : NULL;
	sprout_code rc = sprout_writer_commit(w, err);
	unregister_temp(temp);
	free(temp);
	return rc;
}

int cli_output_commit(sprout_writer *w)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = commit_noted(w, &err);
	if (rc) {
		cli_error_at(&err);
		return cli_exit_for(rc);
	}
	return EXIT_OK;
}

void cli_output_abort(sprout_writer *w)
{
	if (!w)
		return;
	unregister_temp(sprout_writer_temp_path(w));
	sprout_writer_abort(w);
}

/* ---- the record loop: the library's intake, printing ----------------- */

static void reader_note(void *ctx, const char *line)
{
	const struct cli_reader *rd = ctx;
	cli_note(rd->c, "%s", line);
}

void cli_hook_warn(void *ctx, const char *line)
{
	(void)ctx;
	cli_error("%s", line);
}

void cli_hook_error(void *ctx, const sprout_error *err)
{
	(void)ctx;
	cli_error_at(err);
}

void cli_hook_temp(void *ctx, const char *path, int live)
{
	(void)ctx;
	if (live)
		register_temp(path);
	else
		unregister_temp(path);
}

static void reader_progress(void *ctx, const sprout_source *src)
{
	(void)src;
	if (cli_progress_hook)
		cli_progress_hook(ctx);
}

static void reader_input(void *ctx, const char *file, const sprout_format *f, const char *why)
{
	const struct cli_reader *rd = ctx;
	if (rd->on_input)
		rd->on_input(rd->ctx, file, f, why);
}

static void reader_bad(void *ctx, sprout_code why)
{
	const struct cli_reader *rd = ctx;
	if (rd->on_bad)
		rd->on_bad(rd->ctx, why);
}

int cli_reader_open(struct cli_reader *rd, struct cli_common *c)
{
	rd->c = c;
	rd->in = NULL;
	rd->src = NULL;
	rd->rejects = NULL;
	rd->rejects_path = NULL;
	if (c->on_error == SPROUT_ON_ERROR_SKIP || c->rejects || rd->want_rejects) {
		sprout_rejects_name(c->output, c->command, rd->rejects_default,
				    sizeof rd->rejects_default);
		rd->rejects_path = c->rejects ? c->rejects : rd->rejects_default;
	}
	sprout_intake_options o = {.src = c->src,
				   .on_error = c->on_error,
				   .rejects = rd->rejects_path,
				   .output = c->output,
				   .hooks = {.ctx = rd,
					     .note = reader_note,
					     .warn = cli_hook_warn,
					     .error = cli_hook_error,
					     .progress = cli_progress_hook ? reader_progress : NULL,
					     .temp = cli_hook_temp,
					     .input = reader_input,
					     .bad = reader_bad}};
	sprout_error err = SPROUT_ERROR_INIT;
	if (!(rd->in = sprout_intake_open(c->inputs, c->ninputs, &o, &err)))
		return cli_exit_for(err.code);
	rd->src = sprout_intake_source(rd->in);
	rd->rejects = sprout_intake_rejects(rd->in);
	return -1;
}

int cli_reader_next(struct cli_reader *rd, sprout_record *rec)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_intake_next(rd->in, rec, &err);
	if (rc == SPROUT_OK)
		return 1;
	return rc == SPROUT_END ? 0 : -cli_exit_for(rc);
}

int cli_feed(struct cli_reader *rd,
	     sprout_code (*add)(void *ctx, const sprout_record *rec, sprout_error *err), void *ctx)
{
	sprout_record rec;
	int got;
	while ((got = cli_reader_next(rd, &rec)) > 0) {
		sprout_error err = SPROUT_ERROR_INIT;
		if (add(ctx, &rec, &err)) {
			cli_error_at(&err);
			return cli_exit_for(err.code);
		}
	}
	return got < 0 ? -got : EXIT_OK;
}

int cli_reader_reject(struct cli_reader *rd, const sprout_record *rec, sprout_error *why,
		      const char *stage)
{
	sprout_error err = SPROUT_ERROR_INIT;
	return cli_exit_for(sprout_intake_reject(rd->in, rec, why, stage, &err));
}

int cli_reader_close(struct cli_reader *rd, int ok)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_code rc = sprout_intake_close(rd->in, ok, NULL, NULL, &err);
	rd->in = NULL;
	rd->src = NULL;
	rd->rejects = NULL;
	return cli_exit_for(rc);
}

/* ---- whole datasets ---------------------------------------------------- */

int cli_load(struct cli_reader *rd, struct cli_dataset *ds)
{
	memset(ds, 0, sizeof *ds);
	if (!(ds->mem = sprout_arena_new(1 << 20)))
		goto oom;
	/* format pointers are fixed after loading: fmts may move meanwhile */
	size_t *fmt_of = NULL, fcap = 0;
	sprout_record rec;
	int got;
	while ((got = cli_reader_next(rd, &rec)) > 0) {
		sprout_error err = SPROUT_ERROR_INIT;
		if (sprout_meta_ensure(&rec, &err)) {
			int rc = cli_reader_reject(rd, &rec, &err, "read");
			if (rc) {
				free(fmt_of);
				return rc;
			}
			continue;
		}
		if (ds->n == ds->cap) {
			ds->cap = ds->cap ? ds->cap * 2 : 1024;
			sprout_record *v = realloc(ds->recs, ds->cap * sizeof *v);
			if (!v)
				goto oom_free;
			ds->recs = v;
		}
		if (ds->n >= fcap) {
			fcap = ds->cap;
			size_t *f = realloc(fmt_of, fcap * sizeof *f);
			if (!f)
				goto oom_free;
			fmt_of = f;
		}
		if (!ds->nfmts || memcmp(&ds->fmts[ds->nfmts - 1], rec.fmt, sizeof *rec.fmt) != 0) {
			sprout_format *fv = realloc(ds->fmts, (ds->nfmts + 1) * sizeof *fv);
			if (!fv)
				goto oom_free;
			ds->fmts = fv;
			ds->fmts[ds->nfmts++] = *rec.fmt;
		}
		sprout_record *r = &ds->recs[ds->n];
		r->obj = sprout_json_copy(ds->mem, rec.obj);
		r->arena = ds->mem;
		r->file =
		    rec.file ? sprout_arena_strndup(ds->mem, rec.file, strlen(rec.file)) : NULL;
		r->line = rec.line;
		if (!r->obj || (rec.file && !r->file))
			goto oom_free;
		fmt_of[ds->n++] = ds->nfmts - 1;
	}
	for (size_t i = 0; i < ds->n; i++)
		ds->recs[i].fmt = &ds->fmts[fmt_of[i]];
	free(fmt_of);
	return got < 0 ? -got : -1;
oom_free:
	free(fmt_of);
oom:
	cli_error("out of memory");
	return EXIT_INTERNAL;
}

int cli_spool(struct cli_reader *rd, sprout_spool **out,
	      sprout_code (*see)(void *ctx, const sprout_record *rec, sprout_error *err), void *ctx)
{
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_spool *sp = *out = sprout_spool_new(NULL, &err);
	if (!sp) {
		cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	sprout_record rec;
	int got = 0, rc = -1;
	while (rc < 0 && (got = cli_reader_next(rd, &rec)) > 0) {
		sprout_error_clear(&err);
		if (sprout_meta_ensure(&rec, &err)) {
			int x = cli_reader_reject(rd, &rec, &err, "read");
			if (x)
				rc = x;
			continue;
		}
		if ((see && see(ctx, &rec, &err)) || sprout_spool_put(sp, &rec, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		}
	}
	if (rc < 0 && got < 0)
		rc = -got;
	if (rc >= 0) {
		sprout_spool_free(sp);
		*out = NULL;
	}
	return rc;
}

void cli_dataset_release(struct cli_dataset *ds)
{
	free(ds->recs);
	free(ds->fmts);
	sprout_arena_free(ds->mem);
	memset(ds, 0, sizeof *ds);
}

int cli_reject_record_with(struct cli_reader *rd, const char *stage, const char *check,
			   const char *reason, const sprout_record *r, const char *key,
			   const char *value)
{
	return cli_reject_scored(rd, stage, check, NAN, reason, r, key, value);
}

int cli_reject_scored(struct cli_reader *rd, const char *stage, const char *check, double score,
		      const char *reason, const sprout_record *r, const char *key,
		      const char *value)
{
	if (!rd->rejects)
		return -1;
	sprout_reject j = SPROUT_REJECT_INIT;
	j.stage = stage;
	j.check = check;
	j.score = score;
	j.reason = reason;
	j.file = r->file;
	j.line = r->line;
	j.record = r->obj;
	j.key = key;
	j.value = value;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_reject_write(rd->rejects, &j, &err)) {
		cli_error_at(&err);
		return cli_exit_for(err.code);
	}
	return -1;
}

int cli_reject_record(struct cli_reader *rd, const char *stage, const char *check,
		      const char *reason, const sprout_record *r)
{
	return cli_reject_record_with(rd, stage, check, reason, r, NULL, NULL);
}

int cli_subcommands(int argc, char **argv, const char *usage, const char *about,
		    const struct cli_subcommand *subs, size_t n, int width, const char *more)
{
	if (argc >= 2)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(argv[1], subs[i].name)) {
				char name[64];
				snprintf(name, sizeof name, "%s %s", argv[0], subs[i].name);
				argv[1] = name;
				return subs[i].run(argc - 1, argv + 1);
			}
	int help = argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"));
	FILE *f = help ? stdout : stderr;
	if (argc >= 2 && !help)
		fprintf(stderr, "sprout: unknown %s command '%s'\n", argv[0], argv[1]);
	fprintf(f, "usage: sprout %s\n\n%s\n\ncommands:\n", usage, about);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-*s %s\n", width, subs[i].name, subs[i].summary);
	fprintf(f, "\n%s\n", more);
	return help ? EXIT_OK : EXIT_USAGE;
}
