/* sprout export: the files trainers read. */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum { OPT_TO = OPT_COMMAND_BASE, OPT_OUT_DIR, OPT_META };

static const struct cli_option options[] = {
    {"to", 't', "TARGET", OPT_TO,
     "openai (chat JSONL: messages), sharegpt (JSONL: conversations), alpaca (one JSON "
     "array of instruction/input/output) or trl (messages JSONL, split files named train, "
     "validation, test)"},
    {"out-dir", 'd', "DIR", OPT_OUT_DIR,
     "write one file per input into DIR, named after it (train.jsonl -> DIR/train.jsonl)"},
    {"meta", 0, "FILE", OPT_META,
     "keep the provenance in a side file: one line per exported record, "
     "{\"file\",\"line\",\"_sprout\"}",
     CLI_OPT_OUTPATH},
    {NULL, 0, NULL, 0, NULL},
};

enum target { T_OPENAI, T_SHAREGPT, T_ALPACA, T_TRL };

struct export_cli {
	int target;
	const char *dir, *meta;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct export_cli *e = ctx;
	if (id == OPT_TO) {
		static const char *const names[] = {"openai", "sharegpt", "alpaca", "trl"};
		for (int i = 0; i < 4; i++)
			if (strcmp(arg, names[i]) == 0) {
				e->target = i;
				return -1;
			}
		cli_error("--to: unknown target '%s' (expected openai, sharegpt, alpaca or trl)",
			  arg);
		return EXIT_USAGE;
	}
	if (id == OPT_OUT_DIR)
		e->dir = arg;
	if (id == OPT_META)
		e->meta = arg;
	return -1;
}

/* The record as its trainer wants it: only the trainer's fields. A label
 * with no response becomes the answer (a classifier trained by chat). */
static sprout_code shape(sprout_record *r, int target, sprout_json **out, sprout_error *err)
{
	sprout_text t;
	if (!sprout_record_get(r, SPROUT_SLOT_RESPONSE, &t) || !t.len) {
		sprout_text label;
		if (!sprout_record_get(r, SPROUT_SLOT_LABEL, &label))
			return sprout_error_set(err, SPROUT_ERR_CONVERT,
						"no response and no label: nothing to train on");
		if (r->fmt->kind == SPROUT_FORMAT_CLASSIFICATION) {
			/* classification holds no response: go through alpaca */
			static const sprout_format alpaca = {SPROUT_FORMAT_ALPACA, {{0}}};
			sprout_code rc = sprout_record_convert(r, &alpaca, err);
			if (rc)
				return rc;
		}
		if (sprout_record_set(r, SPROUT_SLOT_RESPONSE, label.s, label.len, err))
			return err->code;
	}
	static const sprout_format chat = {SPROUT_FORMAT_OPENAI, {{0}}};
	static const sprout_format share = {SPROUT_FORMAT_SHAREGPT, {{0}}};
	static const sprout_format alpaca = {SPROUT_FORMAT_ALPACA, {{0}}};
	const sprout_format *f = target == T_SHAREGPT ? &share
				 : target == T_ALPACA ? &alpaca
						      : &chat;
	sprout_code rc = sprout_record_convert(r, f, err);
	if (rc)
		return rc;
	sprout_json *o = sprout_json_new(r->arena, SPROUT_JSON_OBJECT);
	if (!o)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	static const char *const keys[4][4] = {
	    {"messages", NULL},
	    {"conversations", NULL},
	    {"instruction", "input", "output", "system"},
	    {"messages", NULL},
	};
	for (int k = 0; k < 4 && keys[target][k]; k++) {
		sprout_json *v = sprout_json_get(r->obj, keys[target][k]);
		if (v && sprout_json_set(r->arena, o, keys[target][k], v))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	*out = o;
	return SPROUT_OK;
}

/* "valid.jsonl" -> "validation" for trl, else the name without extension */
static void out_name(const char *input, int target, char *buf, size_t n)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", input);
	char *base = basename(tmp);
	char *dot = strchr(base, '.');
	if (dot)
		*dot = '\0';
	if (target == T_TRL && (strcmp(base, "valid") == 0 || strcmp(base, "dev") == 0))
		base = "validation";
	snprintf(buf, n, "%s%s", base, target == T_ALPACA ? ".json" : ".jsonl");
}

/* An empty split (say --test 0) exports as an empty file, so the trainer
 * finds every file it was told about. */
static int export_empty(struct cli_common *c, struct export_cli *e)
{
	int rc;
	sprout_writer *out = cli_output_open(
	    c, e->target == T_ALPACA ? SPROUT_CONTAINER_ARRAY : SPROUT_CONTAINER_JSONL, &rc);
	if (!out)
		return rc;
	if ((rc = cli_output_commit(out)))
		return rc;
	cli_note(c, "%s is empty: wrote an empty %s", c->inputs[0], c->output);
	return EXIT_OK;
}

/* One input to its output. rej (may be NULL): the rejects writer shared by
 * the inputs of --out-dir when they name one rejects file, so that each
 * appends to it instead of writing over the one before; NULL in *rej opens
 * it, and it is left open there for the caller to commit. */
static int export_one(struct cli_common *c, struct export_cli *e, sprout_writer *meta,
		      unsigned long *total, sprout_writer **rej)
{
	struct stat st;
	if (e->dir && stat(c->inputs[0], &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
		return export_empty(c, e);
	struct cli_reader rd = {0};
	rd.keep_rejects = rej != NULL;
	rd.shared_rejects = rej ? *rej : NULL;
	int rc = cli_reader_open(&rd, c);
	if (rc >= 0)
		return rc;
	if (rej) /* from here on, a failure drops the shared writer with the reader */
		*rej = NULL;
	sprout_writer *out = cli_output_open(
	    c, e->target == T_ALPACA ? SPROUT_CONTAINER_ARRAY : SPROUT_CONTAINER_JSONL, &rc);
	if (!out) {
		cli_reader_close(&rd, 0);
		return rc;
	}
	sprout_arena *a = sprout_arena_new(0);
	sprout_record rec;
	int got = 0;
	rc = EXIT_OK;
	while (a && (got = cli_reader_next(&rd, &rec)) > 0) {
		sprout_error err = SPROUT_ERROR_INIT;
		sprout_json *meta_v = sprout_json_get(rec.obj, "_sprout");
		sprout_json *shaped = NULL;
		if (shape(&rec, e->target, &shaped, &err)) {
			if ((rc = cli_reader_reject(&rd, &rec, &err, "export")))
				break;
			continue;
		}
		if (sprout_writer_put(out, shaped, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
			break;
		}
		if (meta) {
			sprout_arena_reset(a);
			sprout_json *m = sprout_json_new(a, SPROUT_JSON_OBJECT);
			const char *file = c->output ? c->output : "-";
			if (!m ||
			    sprout_json_set(a, m, "file",
					    sprout_json_string(a, file, strlen(file))) ||
			    sprout_json_set(
				a, m, "line",
				sprout_json_integer(a, (long long)sprout_writer_count(out))) ||
			    (meta_v && sprout_json_set(a, m, "_sprout", meta_v)) ||
			    sprout_writer_put(meta, m, &err)) {
				cli_error("out of memory or cannot write the meta file");
				rc = EXIT_INTERNAL;
				break;
			}
		}
	}
	if (!a) {
		cli_error("out of memory");
		rc = EXIT_INTERNAL;
	}
	if (got < 0)
		rc = -got;
	sprout_arena_free(a);
	unsigned long n = sprout_writer_count(out);
	if (rc) {
		cli_output_abort(out);
		cli_reader_close(&rd, 0);
		return rc;
	}
	*total += n;
	if ((rc = cli_output_commit(out))) {
		cli_reader_close(&rd, 0);
		return rc;
	}
	cli_note(c, "wrote %lu record%s to %s", n, n == 1 ? "" : "s",
		 c->output ? c->output : "stdout");
	rc = cli_reader_close(&rd, 1);
	if (rej)
		*rej = rd.rejects;
	return rc;
}

int cmd_export(int argc, char **argv)
{
	struct export_cli e = {T_OPENAI, NULL, NULL};
	struct cli_common c;
	int rc =
	    cli_parse(argc, argv, "export --to TARGET [options] [FILE...]",
		      "Write the files trainers read directly, provenance left out: OpenAI chat\n"
		      "JSONL, ShareGPT JSONL, Alpaca JSON or TRL/Hugging Face messages JSONL.\n"
		      "Only the trainer's fields are written; a record with a label and no\n"
		      "response gets the label as its answer. With --out-dir each input (say\n"
		      "train.jsonl, valid.jsonl, test.jsonl from sprout split) becomes a file\n"
		      "of its own there.",
		      options, CLI_READS, &c, on_option, &e);
	if (rc >= 0)
		return rc;
	rc = EXIT_OK;
	sprout_error err = SPROUT_ERROR_INIT;
	sprout_writer *meta = NULL;
	if (e.meta) {
		if (!(meta = sprout_writer_open(e.meta, SPROUT_CONTAINER_JSONL, &err))) {
			cli_error_at(&err);
			return cli_exit_for(err.code);
		}
	}
	if (e.dir && mkdir(e.dir, 0777) != 0 && errno != EEXIST) {
		cli_error("cannot make the folder '%s': %s", e.dir, strerror(errno));
		return EXIT_IO;
	}
	unsigned long total = 0;
	if (!e.dir) {
		rc = export_one(&c, &e, meta, &total, NULL);
	} else {
		if (!c.ninputs) {
			cli_error("--out-dir needs input files to name the outputs after");
			rc = EXIT_USAGE;
		}
		const char **inputs = c.inputs;
		size_t n = c.ninputs;
		/* one rejects file named for all inputs: each appends to it */
		sprout_writer *rej = NULL, **shared = c.rejects ? &rej : NULL;
		for (size_t i = 0; i < n && !rc; i++) {
			char name[512], path[4096];
			out_name(inputs[i], e.target, name, sizeof name);
			snprintf(path, sizeof path, "%s/%s", e.dir, name);
			c.inputs = &inputs[i];
			c.ninputs = 1;
			c.output = path;
			rc = export_one(&c, &e, meta, &total, shared);
		}
		if (rej && rc)
			cli_output_abort(rej);
		else if (rej)
			rc = cli_output_commit(rej);
	}
	if (meta) {
		if (rc)
			sprout_writer_abort(meta);
		else if (sprout_writer_commit(meta, &err)) {
			cli_error_at(&err);
			rc = cli_exit_for(err.code);
		}
	}
	return rc;
}
