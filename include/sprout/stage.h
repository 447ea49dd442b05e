/* sprout/stage.h - a stage of the pipeline, as the library runs it.
 *
 * A stage is declared as data: its name, what it is for, and its options
 * (name, type, default, help). The command line's getopt table and --help,
 * sprout run's recipe checker and the manifest read the same table.
 *
 * A stage runs in four steps:
 *
 *   sprout_stage *s = sprout_stage_new(sprout_stage_find("mix"), &err);
 *   sprout_stage_set(s, "ratio", "3:1", &err);    options, by name, as text
 *   sprout_stage_open(s, &sink, &err);            checks them together
 *   sprout_stage_push(s, &record, &err);          for each record
 *   sprout_stage_close(s, &err);                  what is left comes out
 *   sprout_stage_free(s);
 *
 * Records come out through a sink: kept ones to one of the stage's outputs,
 * rejected ones as a sprout_reject (stage, check, score, reason, where the
 * record was read, the record). A streaming stage hands records on while
 * they are pushed; a stage that needs the whole set first (SPROUT_STAGE_WHOLE:
 * mix, which plans its choices from every record's label and seed) keeps
 * them in a spool on disk and hands them on at close.
 *
 * A pipeline chains stages in this process: what one keeps is pushed into
 * the next; every stage's rejects go to the pipeline's sink.
 *
 * To run a stage over files, with its outputs, side outputs and rejects
 * file written atomically and measured as they are written, and a bad
 * input record skipped or fatal as an on-error policy says, give it to
 * sprout_stage_run_files (sprout/files.h) before opening it: that is what
 * the command line's stage commands do.
 *
 * The stages the library has (more move here from the command line, see
 * docs/internals/library.md):
 *   mix     whole set: plans its choices from every record's label and seed
 *   filter  whole set: parents (a variant's may come after it), the IDF
 *           weights and the near-duplicate index are made from every
 *           record; then the checks in input order and, with --judge, a
 *           model's scores (sprout_llm_config's options); --dry-run keeps
 *           and rejects nothing (sprout_stage_dry_run)
 *   split   whole set; several outputs: train, valid, test
 *   convert streaming, records as read (SPROUT_STAGE_RAW)
 *   export  streaming, records as read (SPROUT_STAGE_RAW)
 *   augment streaming: its variants come out chunk by chunk while records
 *           are pushed, made by --jobs threads; the sink is only ever
 *           called from the pushing thread
 *   generate whole set (spooled): a model server's new records
 *           (sprout_llm_config's options); the summary names the rejects
 *           file (SPROUT_STAGE_SAYS_WHERE); --ledger written at close;
 *           SPROUT_PENDING while requests wait in a batch; --dry-run's
 *           summary is the plan
 *   report  SPROUT_STAGE_WRITES: options as data (new / set), run by
 *           sprout_report_run (sprout/report.h), which reads its inputs and
 *           writes the page and its JSON itself
 */
#ifndef SPROUT_STAGE_H
#define SPROUT_STAGE_H

#include <stddef.h>

#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- options as data ------------------------------------------------------ */

typedef enum sprout_opt_type {
	SPROUT_OPT_SWITCH, /* takes no value: given or not */
	SPROUT_OPT_TEXT,   /* a word or a spec, checked by the stage */
	SPROUT_OPT_WHOLE,  /* a whole number */
	SPROUT_OPT_NUMBER, /* a decimal number */
	SPROUT_OPT_INFILE, /* a file the stage reads */
	SPROUT_OPT_INDIR,  /* a folder the stage reads */
	SPROUT_OPT_OUTPATH /* a file or folder the stage writes */
} sprout_opt_type;

/* sprout_option_def.flags */
#define SPROUT_OPT_REPEAT 1u /* may be given more than once (a YAML list in a recipe) */
/* Says where outputs are written, for the program that writes them (the
 * stage writes no files): the option named like one of the stage's outputs
 * names that output's file (export's meta), another one the folder of the
 * others (split's and export's out-dir). The stage only notes it was set. */
#define SPROUT_OPT_PLACE 2u

typedef struct sprout_option_def {
	const char *name; /* as --name on the command line and name: in a recipe */
	int shortopt;	  /* a letter for the command line, or 0 */
	const char *arg;  /* the value's name in --help; NULL for a switch */
	sprout_opt_type type;
	unsigned flags;	  /* SPROUT_OPT_* */
	const char *def;  /* the default as text; NULL: none (no limit, off) */
	const char *help; /* one sentence for --help */
} sprout_option_def;

/* Name of an option type: "switch", "text", "whole", "number", "infile",
 * "indir", "outpath". */
const char *sprout_opt_type_name(sprout_opt_type t);

/* A whole number from 0 to max, the whole of arg, into *out; else
 * SPROUT_ERR_USAGE with "OPT: 'ARG' is not a whole number". */
sprout_code sprout_option_whole(const char *opt, const char *arg, unsigned long long max,
				unsigned long long *out, sprout_error *err);
/* The same from lo to hi: "OPT: 'ARG' is not a whole number from LO to HI". */
sprout_code sprout_option_whole_in(const char *opt, const char *arg, unsigned long long lo,
				   unsigned long long hi, unsigned long long *out,
				   sprout_error *err);

/* A comma list of at most max numbers from lo to hi into v[0..*n); else
 * SPROUT_ERR_USAGE with "OPT: 'ARG' is not a list of numbers from LO to HI"
 * (or "OPT: no value given"). */
sprout_code sprout_option_reals(const char *opt, const char *arg, double lo, double hi, double *v,
				size_t max, size_t *n, sprout_error *err);

/* A decimal number (strtod's), the whole of arg, into *out: 0, or -1 when
 * arg is not one (the option's own message says what it wanted). */
int sprout_option_number(const char *arg, double *out);

/* One of the options that say how records are read, named without dashes:
 * "format" or "map" (a field map: SLOT=KEY,...) into o->format,
 * "container", "max-record" (BYTES with a K, M or G suffix) and
 * "duplicate-keys" into o->reader. SPROUT_ERR_USAGE with the command
 * line's message ("--container: ...") for a value it does not take or
 * another name. */
sprout_code sprout_option_reading(const char *name, const char *arg, sprout_source_options *o,
				  sprout_error *err);

/* ---- stage definitions ---------------------------------------------------- */

/* sprout_stage_flags */
#define SPROUT_STAGE_WHOLE 1u /* needs every record before the first comes out */
/* Takes records as they were read, without provenance given first: convert
 * gives it itself (unless the sink strips it), export shapes records that
 * have none. */
#define SPROUT_STAGE_RAW 2u
/* Writes files of its own instead of handing on records (report: a page):
 * it is never opened or pushed; its own call runs it whole. */
#define SPROUT_STAGE_WRITES 4u
/* Its output is records in sprout's shape: the writing options (array,
 * jsonl, strip-meta: sprout_files_options) apply. */
#define SPROUT_STAGE_RECORDS_OUT 8u
/* Rejects only records it cannot handle (it has no checks): a rejects file
 * only when asked for (sprout/files.h) */
#define SPROUT_STAGE_ERRORS_ONLY 16u
/* Keeping no record of some read is a failure (filter): nothing is lost,
 * the rejects say why, but nothing came out */
#define SPROUT_STAGE_NONE_KEPT_FAILS 32u
/* Its summary's first line is the whole closing note, the rejects file
 * named in it (generate): a program shows it as it is, adding no file */
#define SPROUT_STAGE_SAYS_WHERE 64u

typedef struct sprout_stage_def sprout_stage_def;

/* The stage named name, or NULL. */
const sprout_stage_def *sprout_stage_find(const char *name);
/* The i-th stage the library has (0, 1, ...), NULL past the last. */
const sprout_stage_def *sprout_stage_def_at(size_t i);

const char *sprout_stage_name(const sprout_stage_def *d);
/* The command line's usage line after "sprout ", e.g. "mix [options] [FILE...]". */
const char *sprout_stage_usage(const sprout_stage_def *d);
/* What the stage does, a paragraph (lines end with \n but the last). */
const char *sprout_stage_about(const sprout_stage_def *d);
/* Its options, ending with one whose name is NULL. */
const sprout_option_def *sprout_stage_options(const sprout_stage_def *d);
/* The option named name, or NULL. */
const sprout_option_def *sprout_stage_option(const sprout_stage_def *d, const char *name);
unsigned sprout_stage_flags(const sprout_stage_def *d);
/* The stage named in the reject of a record that cannot have provenance:
 * "read", or the stage's own name when it says so (augment). */
const char *sprout_stage_read_name(const sprout_stage_def *d);
/* Its outputs' names ("out"; split has train, valid, test), ending with
 * NULL. An output that an option with SPROUT_OPT_PLACE names is a side
 * output: each of its records is about the record just kept on output 0
 * (export's meta: the provenance that the shaped record leaves out), and
 * the program that writes them says where that one went. */
const char *const *sprout_stage_outputs(const sprout_stage_def *d);

/* ---- where records go ----------------------------------------------------- */

typedef struct sprout_sink {
	/* A kept record for output k (an index into sprout_stage_outputs).
	 * json (len bytes, not NUL-terminated) is its compact JSON when the
	 * stage has it at hand, else NULL; rec is NULL when the stage has only
	 * the text and wants_records is 0. Both are valid during the call only;
	 * the sink may change *rec. */
	sprout_code (*keep)(void *ctx, size_t output, sprout_record *rec, const char *json,
			    size_t len, sprout_error *err);
	/* A rejected record (r->record, r->file and r->line say which). */
	sprout_code (*reject)(void *ctx, const sprout_reject *r, sprout_error *err);
	void *ctx;
	int wants_records; /* set: rec is never NULL in keep (but see strips_meta) */
	/* A note for a person while the stage runs (filter's judge: the
	 * requests it sent), one line without a final newline; NULL: none is
	 * told. The command line prints it unless --quiet. */
	void (*note)(void *ctx, const char *line);
	/* A message for a person about the data, one line without a final
	 * newline (split: "leak: valid record ..."); NULL: none is shown. The
	 * command line prints it even with --quiet. */
	void (*warn)(void *ctx, const char *msg);
	/* set: kept records go out without their provenance (_sprout): the
	 * sink takes it out of rec, so a stage need not give it (convert); a
	 * stage that has their text without it at hand may pass that text
	 * alone (rec NULL) even when wants_records is set, and spare the sink
	 * parsing it (augment does) */
	int strips_meta;
} sprout_sink;

/* ---- a stage at work ------------------------------------------------------ */

typedef struct sprout_stage sprout_stage;

/* A stage of kind d with its options at their defaults. NULL with
 * SPROUT_ERR_NOMEM, or SPROUT_ERR_USAGE for d NULL. */
sprout_stage *sprout_stage_new(const sprout_stage_def *d, sprout_error *err);

/* Set an option from its text: value NULL for a switch (given means on).
 * SPROUT_ERR_USAGE with a message for a person ("--ratio: expected
 * SYNTHETIC:REAL, like 10:1, got 'x'") for an unknown option, a value the
 * option does not take or a switch given a value. */
sprout_code sprout_stage_set(sprout_stage *s, const char *name, const char *value,
			     sprout_error *err);
/* The same for option i of sprout_stage_options (no lookup by name). */
sprout_code sprout_stage_set_at(sprout_stage *s, size_t i, const char *value, sprout_error *err);

/* Check the options together and start: records may be pushed after. The
 * sink is copied. SPROUT_ERR_USAGE when options contradict each other. */
sprout_code sprout_stage_open(sprout_stage *s, const sprout_sink *sink, sprout_error *err);

/* One record, with its provenance (sprout_meta_ensure). It may come out
 * through the sink now (a streaming stage) or at close (SPROUT_STAGE_WHOLE).
 * An error stops the stage; what the sink returned is passed on. */
sprout_code sprout_stage_push(sprout_stage *s, const sprout_record *r, sprout_error *err);

/* No more records: what the stage held comes out through the sink.
 * SPROUT_ERR_EMPTY says that every record came out and the summary is
 * set, but the stage made nothing of its input (augment: not one variant
 * of N records); other errors stop the stage. */
sprout_code sprout_stage_close(sprout_stage *s, sprout_error *err);

/* After close: what the stage did, for a person, in one line without a
 * final newline (e.g. "3 real + 6 synthetic of 9 = 9 records (66.7%
 * synthetic); dropped: cap 0, ratio 0, share 0"); "" before. More lines,
 * if any, are notes that follow it (filter: the embeddings' requests;
 * augment: what the meaning check turned down). Also after a close that
 * failed about the result once every record was decided
 * (sprout_stage_decided), when the stage says so: its further lines are
 * still notes (generate: no request answered, what the run cost). */
const char *sprout_stage_summary(const sprout_stage *s);

/* How the stage reads files its options name (filter's --parents,
 * --against, --novelty): the container, record size and duplicate keys;
 * each file's format is detected. Default SPROUT_READER_OPTIONS_INIT. */
void sprout_stage_set_reading(sprout_stage *s, const sprout_reader_options *o);

/* After open: 1 when the options ask for a dry run (filter --dry-run):
 * nothing is kept or rejected, and the summary says, in several lines,
 * what a run would do. */
int sprout_stage_dry_run(const sprout_stage *s);

/* After close: 1 when every record pushed was kept or rejected, also when
 * close then failed about the result (filter: no judge request answered;
 * the rejects say why). */
int sprout_stage_decided(const sprout_stage *s);

/* After open: the container its outputs want (export --to alpaca: one
 * JSON array), SPROUT_CONTAINER_JSONL for most. */
sprout_container sprout_stage_container(const sprout_stage *s);

/* The name of the output made from an input whose file is called base
 * (without folder and extension), when each input becomes an output of its
 * own: base itself, or the stage's name for it (export --to trl: "valid"
 * and "dev" become "validation", the name TRL loads). */
const char *sprout_stage_output_name(const sprout_stage *s, const char *base);

/* Records pushed, kept (over all outputs but side ones) and rejected so far. */
void sprout_stage_counts(const sprout_stage *s, unsigned long long *in, unsigned long long *kept,
			 unsigned long long *rejected);

void sprout_stage_free(sprout_stage *s); /* accepts NULL */

/* ---- stages chained in this process --------------------------------------- */

typedef struct sprout_pipeline sprout_pipeline;

sprout_pipeline *sprout_pipeline_new(void); /* NULL on OOM */

/* Append stage s (not yet opened); the pipeline owns it from now on, also
 * when this fails. */
sprout_code sprout_pipeline_add(sprout_pipeline *p, sprout_stage *s, sprout_error *err);

/* Open every stage: stage i keeps into stage i + 1, the last into out;
 * every stage's rejects go to out's reject. out->keep gets records of the
 * last stage's outputs. */
sprout_code sprout_pipeline_open(sprout_pipeline *p, const sprout_sink *out, sprout_error *err);

/* One record into the first stage. A record without provenance gets it
 * (sprout_meta_ensure) unless the first stage is SPROUT_STAGE_RAW; one that
 * cannot have it is rejected with stage "read" and the error's code name. */
sprout_code sprout_pipeline_push(sprout_pipeline *p, sprout_record *r, sprout_error *err);

/* Close the stages in order: each one's held records flow into the next
 * before that one is closed. A stage's SPROUT_ERR_EMPTY does not stop the
 * others: it is returned once they are all closed. */
sprout_code sprout_pipeline_close(sprout_pipeline *p, sprout_error *err);

/* The stages, in order (i < count), for their summaries and counts. */
size_t sprout_pipeline_count(const sprout_pipeline *p);
const sprout_stage *sprout_pipeline_stage(const sprout_pipeline *p, size_t i);

void sprout_pipeline_free(sprout_pipeline *p); /* accepts NULL; frees its stages */

#ifdef __cplusplus
}
#endif
#endif
