/* sprout/files.h - records read from files with their rejects, and a stage
 * run over files.
 *
 * An intake is the record loop every reading program needs: the inputs
 * read as a source (sprout_source), a bad record either fatal or skipped
 * into the rejects file as the on-error policy says, and counts. A stage
 * run over files (sprout_stage_run_files) reads its inputs through an
 * intake, pushes every record into a stage and writes what the stage keeps
 * to files, atomically, with their hash, size and record count measured
 * while they were written, so nobody reads them again to learn them.
 *
 * Nothing here prints: notes, warnings and errors for a person go to the
 * caller's hooks; every error is also returned as a sprout_error.
 */
#ifndef SPROUT_FILES_H
#define SPROUT_FILES_H

#include <stddef.h>

#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/record.h"
#include "sprout/stage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a bad input record does: stop the run with its error (FAIL), or go
 * to the rejects file and let the run go on (SKIP). */
typedef enum sprout_on_error { SPROUT_ON_ERROR_FAIL, SPROUT_ON_ERROR_SKIP } sprout_on_error;

/* "fail" or "skip" into *out; else SPROUT_ERR_USAGE ("--on-error: unknown
 * mode 'X' (expected fail or skip)"). */
sprout_code sprout_on_error_parse(const char *arg, sprout_on_error *out, sprout_error *err);

/* The caller's callbacks, each NULL when not wanted; ctx is passed to each.
 * Strings are valid during the call only. */
typedef struct sprout_hooks {
	void *ctx;
	/* a line for a person ("in.jsonl: format alpaca (detected from keys
	 * instruction, output)", "skipped 2 bad records (JSON 2); see R") */
	void (*note)(void *ctx, const char *line);
	/* a line for a person about the data, to show even when notes are not
	 * ("in.jsonl.gz: warning: ...", split's leaks) */
	void (*warn)(void *ctx, const char *line);
	/* every error, when it happens (a fatal bad record, a file that cannot
	 * be written, a stage's failure): before the notes that follow it, and
	 * also returned by the call */
	void (*error)(void *ctx, const sprout_error *err);
	/* each record read, good or bad, before it is handled (src: how far
	 * reading has got, sprout_source_progress) */
	void (*progress)(void *ctx, const sprout_source *src);
	/* a temporary file was made (live 1) or is gone (live 0: renamed or
	 * removed): a program removes the live ones when it is killed */
	void (*temp)(void *ctx, const char *path, int live);
	/* an input's format was decided: which file, which format, why
	 * ("given", or the keys it was detected from) */
	void (*input)(void *ctx, const char *file, const sprout_format *f, const char *why);
	/* a bad input record was counted (skipped or fatal) */
	void (*bad)(void *ctx, sprout_code why);
} sprout_hooks;

/* The default rejects file for a program writing output (NULL or "-":
 * stdout) into buf: OUTPUT without .jsonl, .json, .ndjson or .txt, with
 * .rejects.jsonl; for stdout "sprout.NAME.rejects.jsonl" in the working
 * folder (NAME NULL or "": "out"), so commands in one pipe keep apart. */
void sprout_rejects_name(const char *output, const char *name, char *buf, size_t n);

/* The container of an output: given (>= 0, a sprout_container), else an
 * array for a path ending in .json, else def. */
sprout_container sprout_output_container(const char *output, int given, sprout_container def);

/* ---- the record loop -------------------------------------------------- */

typedef struct sprout_intake sprout_intake;

typedef struct sprout_intake_options {
	sprout_source_options src;
	sprout_on_error on_error;
	/* the rejects file to make (atomically, at close), or NULL: none, bad
	 * records are then only counted */
	const char *rejects;
	/* instead of opening rejects: append to this writer (rejects names its
	 * file); the intake owns it once open succeeded */
	sprout_writer *rejects_writer;
	/* the file the caller writes (NULL: stdout): refused when it is an
	 * input or the rejects file */
	const char *output;
	sprout_hooks hooks;
} sprout_intake_options;

/* Open inputs[0..n) (n 0: stdin) and the rejects file. SPROUT_ERR_USAGE
 * for an output or rejects file that is an input, or the same path for
 * both; SPROUT_ERR_IO for an input or rejects file that cannot be opened.
 * NULL on failure (a rejects_writer is then still the caller's). */
sprout_intake *sprout_intake_open(const char *const *inputs, size_t n,
				  const sprout_intake_options *o, sprout_error *err);

/* The next good record (valid until the next call): SPROUT_OK, SPROUT_END
 * at the end, or the error that stops reading: a broken input, a bad
 * record under SPROUT_ON_ERROR_FAIL (its own error, file:line:column), or
 * the rejects file failing. A bad record under SKIP goes to the rejects
 * file (with its raw text) and reading goes on. */
sprout_code sprout_intake_next(sprout_intake *in, sprout_record *rec, sprout_error *err);

/* A good record that a later step could not handle (why: its error, located
 * at the record unless it is), counted and rejected as bad input by the
 * stage named stage: SPROUT_OK to go on, or as sprout_intake_next. */
sprout_code sprout_intake_reject(sprout_intake *in, const sprout_record *rec, sprout_error *why,
				 const char *stage, sprout_error *err);

/* The same for a record that a stage rejected as one it could not handle
 * (r->error set, the name of a sprout_code). */
sprout_code sprout_intake_dropped(sprout_intake *in, const sprout_reject *r, sprout_error *err);

/* The rejects writer, for reject lines of the caller's own (NULL: none). */
sprout_writer *sprout_intake_rejects(const sprout_intake *in);
/* The inputs being read (how far: sprout_source_progress). */
const sprout_source *sprout_intake_source(const sprout_intake *in);
/* Good records read so far, and bad ones (skipped or fatal). */
void sprout_intake_counts(const sprout_intake *in, unsigned long *good, unsigned long *bad);

/* Close the inputs and free in (accepts NULL: SPROUT_OK). ok: commit the
 * rejects file, *written (may be NULL) then says what it holds (its hash
 * is "" when no file was committed), and note how many bad records were
 * skipped; else drop it. keep (may be NULL):
 * with ok, hand the rejects writer to *keep uncommitted instead (for the
 * next intake's rejects_writer); *keep is NULL when there is none.
 * Returns the error of a commit that failed. */
sprout_code sprout_intake_close(sprout_intake *in, int ok, sprout_writer **keep,
				sprout_written *written, sprout_error *err);

/* ---- a stage over files ----------------------------------------------- */

typedef struct sprout_stage_files sprout_stage_files;

/* The options that say how records are read (format, map, container,
 * on-error, rejects, max-record, duplicate-keys: every stage that reads
 * records but report, which has its own) and written (array, jsonl,
 * strip-meta: stages whose output is records in sprout's shape,
 * SPROUT_STAGE_RECORDS_OUT), each ending with a NULL name. The command
 * line's --help and sprout run's recipe checker read them. */
const sprout_option_def *sprout_reading_options(void);
const sprout_option_def *sprout_writing_options(void);

/* Where option o of stage d says outputs go (o has SPROUT_OPT_PLACE), into
 * f: the file of the side output it names (export's meta), else the folder
 * of the others (out-dir). Other options: nothing. value is not copied. */
void sprout_files_place(sprout_stage_files *f, const sprout_stage_def *d,
			const sprout_option_def *o, const char *value);

/* Set one of them that stage d takes (named without dashes; value NULL for a switch) in f:
 * SPROUT_ERR_USAGE with the command line's message for a value it does not
 * take, or "--NAME: unknown option" for one stage d does not take. value
 * is not copied. */
sprout_code sprout_files_set(sprout_stage_files *f, const sprout_stage_def *d, const char *name,
			     const char *value, sprout_error *err);

#define SPROUT_FILES_MAX_OUTPUTS 8

/* sprout_stage_files.flags */
/* a rejects file in every mode; else only under SPROUT_ON_ERROR_SKIP or
 * when rejects names one (a stage that rejects only what it cannot handle) */
#define SPROUT_FILES_REJECTS_ALWAYS 1u

/* What one run of the stage wrote, when its outputs are committed: once,
 * or once per input when each input has its output (a dry run: nothing
 * was written, the summary says what a run would do). */
typedef struct sprout_files_step {
	const char *output;    /* the main output (the last of several), NULL: stdout */
	unsigned long written; /* records on the stage's first output */
	const char *rejects;   /* the rejects file, NULL: none */
	const char *input;     /* the input of this output, NULL: every input */
	const char *dir;       /* the folder of the outputs, NULL: none */
} sprout_files_step;

struct sprout_stage_files {
	const char *const *inputs; /* ninputs files; none: stdin */
	size_t ninputs;
	sprout_source_options src; /* also how the stage reads its own files */
	sprout_on_error on_error;
	int strip_meta; /* kept records without _sprout */
	/* a stage with one main output and no folder: its file, NULL stdout */
	const char *output;
	/* -1: the stage's container (sprout_stage_container), or an ARRAY for
	 * an output whose name ends in .json; else a sprout_container */
	int container;
	/* the folder (made if missing) of a file per output, OUTPUT.jsonl
	 * (split), or with one main output a file per input named after it
	 * (sprout_stage_output_name; export -d); NULL: the default of the
	 * stage's folder option (SPROUT_OPT_PLACE naming no output), if any */
	const char *dir;
	/* side[k]: the file of side output k (export's meta), NULL: not made */
	const char *side[SPROUT_FILES_MAX_OUTPUTS];
	/* the rejects file; NULL: DIR/STAGE.rejects.jsonl with a folder of
	 * several outputs, else sprout_rejects_name(output, name) (the output
	 * of each input when each has its own, else one file for all) */
	const char *rejects;
	const char *name;	/* for sprout_rejects_name; NULL: the stage's name */
	const char *read_stage; /* the stage named in the reject of a record that
				 * cannot have provenance; NULL: "read" */
	unsigned flags;		/* SPROUT_FILES_* */
	sprout_hooks hooks;	/* notes, warnings (the stage's too), errors, progress */
	void (*step)(void *ctx, const sprout_files_step *st); /* hooks.ctx; NULL: none */
};

/* A file written and committed, measured while written. */
typedef struct sprout_file_written {
	char *path;
	sprout_written w;
} sprout_file_written;

typedef struct sprout_files_result {
	unsigned long long in, kept, rejected; /* the stage's (sprout_stage_counts) */
	unsigned long bad;		       /* bad input records (skipped) */
	sprout_file_written *files;	       /* in the order committed */
	size_t nfiles;
	char rejects[4096]; /* the (last) rejects file, "" for none */
} sprout_files_result;

/* Run stage s (options set, not opened: this opens it with a sink of its
 * own) over the inputs of f and write its outputs, side outputs and
 * rejects. *res (may be NULL) is filled also on failure: the files
 * committed before it. Outputs are committed only when the run succeeds;
 * the rejects file also when the stage decided every record
 * (sprout_stage_decided). Returns the first error (each also given to
 * f->hooks.error when it happened); s is closed unless its open failed.
 * Release *res with sprout_files_result_release. */
sprout_code sprout_stage_run_files(sprout_stage *s, const sprout_stage_files *f,
				   sprout_files_result *res, sprout_error *err);

void sprout_files_result_release(sprout_files_result *res);

#ifdef __cplusplus
}
#endif
#endif
