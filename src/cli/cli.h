/* The sprout command line: what every subcommand shares. Uses only the
 * public libsprout API. */
#ifndef SPROUT_CLI_H
#define SPROUT_CLI_H

#include <stdio.h>

#include "sprout/llm.h"
#include "sprout/rng.h"
#include "sprout/spool.h"
#include "sprout/sprout.h"
#include "sprout/utf8.h"

/* Exit codes, the same for every command. */
enum cli_exit {
	EXIT_OK = 0,	   /* done; skipped records (if any) are in the rejects file */
	EXIT_DATA = 1,	   /* bad input data, stopped by --on-error=fail, or no records */
	EXIT_USAGE = 2,	   /* bad command line */
	EXIT_IO = 3,	   /* an input could not be read or an output written */
	EXIT_INTERNAL = 4, /* out of memory and other failures of sprout itself */
	EXIT_PENDING = 5   /* requests wait in a submitted batch: run the same command later */
};

/* One option of a command, for getopt_long and for --help. */
struct cli_option {
	const char *name; /* long name */
	int shortopt;	  /* short letter or 0 */
	const char *arg;  /* argument name for --help, NULL when it takes none */
	int id;		  /* value getopt_long returns */
	const char *help;
	int kind; /* CLI_OPT_* bits, for recipes (sprout run) */
};

/* What sprout run needs to know to pass an option from a recipe. */
#define CLI_OPT_REPEAT	1 /* may be given more than once: a YAML list repeats it */
#define CLI_OPT_INFILE	2 /* names an input file: relative to the recipe, hashed */
#define CLI_OPT_OUTPATH 4 /* names a file sprout writes: relative to the run folder */
#define CLI_OPT_INDIR	8 /* names a folder sprout reads: relative to the recipe */

/* Option ids shared by the commands that read records. */
enum {
	OPT_OUTPUT = 'o',
	OPT_FORMAT = 'f',
	OPT_QUIET = 'q',
	OPT_HELP = 'h',
	OPT_MAP = 1000,
	OPT_CONTAINER,
	OPT_ARRAY,
	OPT_JSONL,
	OPT_ON_ERROR,
	OPT_REJECTS,
	OPT_MAX_RECORD,
	OPT_STRIP_META,
	OPT_DUPLICATE_KEYS,
	OPT_RECORDS,
	/* the model server's client (CLI_LLM_OPTIONS) */
	OPT_LLM_URL = 1050,
	OPT_LLM_API,
	OPT_LLM_KEY_ENV,
	OPT_LLM_HEADER,
	OPT_LLM_ANSWER_TOKENS,
	OPT_LLM_NO_SCHEMA,
	OPT_LLM_CONCURRENCY,
	OPT_LLM_RETRIES,
	OPT_LLM_TIMEOUT,
	OPT_LLM_BACKOFF,
	OPT_LLM_CACHE,
	OPT_LLM_NO_CACHE,
	OPT_LLM_MAX_REQUESTS,
	OPT_LLM_MAX_TOKENS,
	OPT_LLM_FIXED,
	OPT_LLM_RPM,
	OPT_LLM_TPM,
	OPT_LLM_REUSE_CACHE,
	OPT_COMMAND_BASE = 1100 /* commands number their own options from here */
};

/* What the shared options set. */
struct cli_common {
	const char *output; /* -o, NULL for stdout */
	sprout_source_options src;
	int out_container; /* -1 decide from -o, else a sprout_container */
	sprout_on_error on_error;
	const char *rejects; /* --rejects */
	int strip_meta;
	int quiet;
	const char **inputs;
	size_t ninputs;
	char command[32]; /* the command's name (the first word of its usage) */
};

/* Flags for which shared options a command takes. */
#define CLI_READS                                                                                  \
	1		/* reads records: -f --map --container --on-error --rejects --max-record   \
			 * --duplicate-keys */
#define CLI_WRITES    2 /* writes records: --array --jsonl --strip-meta */
#define CLI_NO_OUTPUT 4 /* writes no -o output (sprout run) */

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

struct cli_reader;

/* A command's subcommand: `sprout review serve`, `sprout slurm submit`. */
struct cli_subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* Run the subcommand argv[1] names with argv[0] "COMMAND NAME" (its
 * --help and errors name it so); else the usage, "usage: sprout USAGE",
 * about, the subcommands (names padded to width) and the closing line
 * more: on stdout for --help (EXIT_OK), on stderr after "unknown COMMAND
 * command 'X'" or with no subcommand (EXIT_USAGE). */
int cli_subcommands(int argc, char **argv, const char *usage, const char *about,
		    const struct cli_subcommand *subs, size_t n, int width, const char *more);

/* Every command, ending with a NULL name (main.c). */
extern const struct cli_command cli_commands[];

/* A command that is the library stage of that name (sprout/stage.h):
 * options parsed from the stage's table (with the shared ones the
 * command takes), run over the files by sprout_stage_run_files
 * (sprout/files.h), the stage's summary as the closing note. Where the outputs go: -o (stdout) for
 * a stage with one output; with a folder (an option with SPROUT_OPT_PLACE that names no output), a
 * file per output named after it (split), or for a stage with one output a file per input named
 * after the input (export); a side output to the file its option names. Returns the exit code. */
int cli_stage_main(const char *name, int argc, char **argv);
/* The stage's options as a command's option table (ids of their own). */
const struct cli_option *cli_stage_options(const sprout_stage_def *d);

/* Called by cli_reader_next for every record read, when set (sprout run
 * draws its progress from it). */
extern void (*cli_progress_hook)(const struct cli_reader *rd);

/* Print "sprout: " + message to stderr (never with --quiet suppressed:
 * errors always show). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for a library error, with its location. */
void cli_error_at(const sprout_error *err);
/* "sprout: FILE: warning: message" for a library warning (shown with
 * --quiet too: it is about data). */
void cli_warning_at(const sprout_error *w);
/* Informational note to stderr; silent with --quiet. */
void cli_note(const struct cli_common *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Library hooks (sprout_hooks) that print: warn as cli_error, error as
 * cli_error_at; temp registers a temporary file for removal on a signal
 * (live) or forgets it. ctx is unused. */
void cli_hook_warn(void *ctx, const char *line);
void cli_hook_error(void *ctx, const sprout_error *err);
void cli_hook_temp(void *ctx, const char *path, int live);

/* Exit code that fits a library error code. */
int cli_exit_for(sprout_code code);

/* Parse argv for a command: its own options (may be NULL) plus the shared
 * ones its flags select. For each own option the callback is called with
 * (id, optarg, ctx) and returns -1 to go on or an exit code to stop with. Positional arguments
 * become c->inputs. Returns -1 to go on, or an exit code to stop with
 * (EXIT_OK after --help). */
int cli_parse(int argc, char **argv, const char *usage, const char *about,
	      const struct cli_option *own, int flags, struct cli_common *c,
	      int (*cb)(int id, const char *arg, void *ctx), void *ctx);

/* ---- numbers in options --------------------------------------------------- */

/* A whole number from 0 to max, the whole of arg: -1 (go on) with *out set,
 * or EXIT_USAGE after "OPT: 'ARG' is not a whole number". */
int cli_whole(const char *opt, const char *arg, unsigned long long max, unsigned long long *out);

/* The same from lo to hi for option --OPT (opt without dashes), the message
 * "--OPT: 'ARG' is not a whole number from LO to HI". */
int cli_whole_in(const char *opt, const char *arg, unsigned long long lo, unsigned long long hi,
		 unsigned long long *out);

/* ---- the record loop every reading command uses ---------------------- */

/* The library's intake (sprout/files.h) with its notes and errors printed. */
struct cli_reader {
	int want_rejects; /* set before opening: a rejects file in any mode */
	struct cli_common *c;
	sprout_intake *in;
	const sprout_source *src; /* the intake's inputs (sprout run's progress) */
	sprout_writer *rejects;	  /* the intake's rejects file, NULL: none */
	const char *rejects_path;
	char rejects_default[4096];
	void (*on_input)(void *ctx, const char *file, const sprout_format *f, const char *why);
	void (*on_bad)(void *ctx, sprout_code why);
	void *ctx;
};

/* Open the inputs (and the rejects file when records may be skipped).
 * Refuses an output or rejects path that is one of the inputs. Returns -1
 * on success or an exit code after printing the error. */
int cli_reader_open(struct cli_reader *rd, struct cli_common *c);

/* Next good record: 1 with *rec filled, 0 at the end, or, after printing
 * the error, minus the exit code to stop with. Bad records are skipped into
 * the rejects file under --on-error=skip. */
int cli_reader_next(struct cli_reader *rd, sprout_record *rec);

/* Give every good record of rd to add(ctx, rec, err) until the end or its
 * first error (printed). Returns EXIT_OK or the exit code to stop with; rd
 * stays open. */
int cli_feed(struct cli_reader *rd,
	     sprout_code (*add)(void *ctx, const sprout_record *rec, sprout_error *err), void *ctx);

/* A record that a later step could not handle (a conversion error):
 * skipped into the rejects file or fatal, as --on-error says. Returns 0
 * to go on, or an exit code. */
int cli_reader_reject(struct cli_reader *rd, const sprout_record *rec, sprout_error *why,
		      const char *stage);

/* Close inputs; commit the rejects file (ok != 0) or drop it. Prints the
 * summary of skipped records. Returns an exit code. */
int cli_reader_close(struct cli_reader *rd, int ok);

/* ---- whole datasets in memory (filter, mix, split) ---------------------- */

struct cli_dataset {
	sprout_arena *mem;
	sprout_record *recs; /* each with provenance (sprout_meta_ensure) */
	size_t n, cap;
	sprout_format *fmts; /* the formats the records point to */
	size_t nfmts;
};

/* Read every good record of rd into ds (copies; bad ones go the reader's
 * way). Returns -1 when done, or an exit code after printing the error. */
int cli_load(struct cli_reader *rd, struct cli_dataset *ds);
void cli_dataset_release(struct cli_dataset *ds);

/* ---- whole datasets on disk (mix, split, filter) ------------------------ */

/* Read every good record of rd, with provenance (sprout_meta_ensure; a
 * record that cannot have it is rejected as cli_load does), into a new
 * spool (*out, in $TMPDIR), calling see(ctx, rec, err) on each first when
 * see is set. Returns -1 when done, or an exit code after printing the
 * error (*out is then freed and NULL). */
int cli_spool(struct cli_reader *rd, sprout_spool **out,
	      sprout_code (*see)(void *ctx, const sprout_record *rec, sprout_error *err),
	      void *ctx);

/* Write a reject line {"stage","check"?,"reason","file","line","record"}
 * for a record a command dropped. Returns -1, or an exit code. */
int cli_reject_record(struct cli_reader *rd, const char *stage, const char *check,
		      const char *reason, const sprout_record *r);
/* The same with one more string member (key may be NULL); r->obj may be
 * NULL for a reject about no input record. */
int cli_reject_record_with(struct cli_reader *rd, const char *stage, const char *check,
			   const char *reason, const sprout_record *r, const char *key,
			   const char *value);
/* The same with a score after the check (NAN: none). */
int cli_reject_scored(struct cli_reader *rd, const char *stage, const char *check, double score,
		      const char *reason, const sprout_record *r, const char *key,
		      const char *value);

/* ---- model servers (generate, filter --judge) ----------------------------- */

/* The server's options, as rows of a command's option table: the server,
 * its API, key and headers, the answer's length and schema first
 * (CLI_LLM_SERVER_OPTIONS), then how the client sends and caches
 * (CLI_LLM_CLIENT_OPTIONS). cli_llm_option parses them. */
#define CLI_LLM_SERVER_OPTIONS                                                                       \
	{"url", 0, "URL", OPT_LLM_URL,                                                               \
	 "the model server, e.g. http://127.0.0.1:8080 (llama.cpp), :8000 (vLLM), "                  \
	 ":11434 (Ollama) (default: $OPENAI_BASE_URL, or $ANTHROPIC_BASE_URL with --api "            \
	 "anthropic)"},                                                                              \
	    {"api", 0, "API", OPT_LLM_API,                                                           \
	     "openai (/v1/chat/completions, the default) or anthropic"},                             \
	    {"api-key-env", 0, "VAR", OPT_LLM_KEY_ENV,                                               \
	     "read the API key from $VAR (default: $SPROUT_API_KEY, then $OPENAI_API_KEY or "        \
	     "$ANTHROPIC_API_KEY); the key is never printed"},                                       \
	    {"header",	    0, "'NAME: VALUE'", OPT_LLM_HEADER, "an extra HTTP header (repeatable)", \
	     CLI_OPT_REPEAT},                                                                        \
	    {"answer-tokens", 0, "N", OPT_LLM_ANSWER_TOKENS,                                         \
	     "longest answer, in tokens (max_tokens; default: the server's, 1024 for anthropic)"},   \
	{                                                                                            \
		"no-schema", 0, NULL, OPT_LLM_NO_SCHEMA,                                             \
		    "never send the answer's JSON schema (response_format / a forced tool)"          \
	}

#define CLI_LLM_CLIENT_OPTIONS                                                                     \
	{"concurrency", 0, "N", OPT_LLM_CONCURRENCY,                                               \
	 "most requests in flight (default 16); sprout starts with one and adapts: one more "      \
	 "per answer, halved on a 429, 503, 529 or a time out"},                                   \
	    {"fixed-concurrency", 0, NULL, OPT_LLM_FIXED,                                          \
	     "keep --concurrency requests in flight: no adapting, no limits from the server's "    \
	     "rate-limit headers, no shared cool-down after a 429"},                               \
	    {"rpm", 0, "N", OPT_LLM_RPM,                                                           \
	     "at most N requests a minute to each model (besides what the server's rate-limit "    \
	     "headers say)"},                                                                      \
	    {"tpm", 0, "N", OPT_LLM_TPM,                                                           \
	     "at most N tokens (prompt + answer) a minute to each model"},                         \
	    {"retries", 0, "N", OPT_LLM_RETRIES,                                                   \
	     "retries of a failed request: 429/503 after Retry-After, time outs, resets and 5xx "  \
	     "with backoff (default 5)"},                                                          \
	    {"timeout", 0, "SECONDS", OPT_LLM_TIMEOUT, "per attempt (default 300)"},               \
	    {"backoff", 0, "SECONDS", OPT_LLM_BACKOFF,                                             \
	     "first wait before a retry (default 1), doubled each time, with jitter, at most 60"}, \
	    {"cache",                                                                              \
	     0,                                                                                    \
	     "FILE",                                                                               \
	     OPT_LLM_CACHE,                                                                        \
	     "SQLite cache of answers (default sprout-cache.sqlite): a rerun sends nothing "       \
	     "answered before",                                                                    \
	     CLI_OPT_OUTPATH},                                                                     \
	    {"no-cache", 0, NULL, OPT_LLM_NO_CACHE, "no cache"},                                   \
	    {"reuse-cache", 0, NULL, OPT_LLM_REUSE_CACHE,                                          \
	     "also take a cached answer to the same request made with another --answer-tokens, "   \
	     "when it is not longer than this run's (see docs/generate.md)"},                      \
	    {"max-requests", 0, "N", OPT_LLM_MAX_REQUESTS,                                         \
	     "send at most N requests; the rest are rejected as not sent"},                        \
	{                                                                                          \
		"max-tokens", 0, "N", OPT_LLM_MAX_TOKENS,                                          \
		    "stop sending when the servers have counted N tokens (prompt + answer)"        \
	}

void cli_llm_init(sprout_llm_config *l);
/* One of the options above: -1 when parsed, an exit code after an error,
 * -2 when id is not one of them. */
int cli_llm_option(sprout_llm_config *l, int id, const char *arg);
/* After parsing, sprout_llm_config_ready: -1, or EXIT_USAGE after the
 * message. */
int cli_llm_ready(sprout_llm_config *l, int dry_run, const char **key);

/* A comma list of at most max numbers from lo to hi into v[0..*n). */
int cli_reals(const char *opt, const char *arg, double lo, double hi, double *v, size_t max,
	      size_t *n);

/* ---- outputs ------------------------------------------------------------ */

/* Open -o (or stdout) with its container decided from the options and the
 * file name; registers the temporary file for removal on a signal. */
sprout_writer *cli_output_open(struct cli_common *c, sprout_container def, int *exit_code);

/* Commit an output and unregister its temporary file. Returns an exit code. */
int cli_output_commit(sprout_writer *w);

void cli_output_abort(sprout_writer *w);

/* Install handlers that remove registered temporary files on SIGINT,
 * SIGTERM and SIGHUP before dying of the signal. */
void cli_signals_init(void);

int cmd_augment(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_flag(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_loop(int argc, char **argv);
int cmd_mix(int argc, char **argv);
int cmd_split(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_review(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_slurm(int argc, char **argv);

#endif
