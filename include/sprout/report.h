/* sprout/report.h - what a dataset made by sprout looks like next to its
 * seeds: counts per method, rejections, similarity scores, length and
 * vocabulary of real vs synthetic text, words the synthetic text overuses,
 * label balance, personal data, review outcomes and a drift alarm; rendered
 * as one self-contained HTML page (inline SVG charts, no script, no network)
 * and as JSON with the same numbers.
 *
 * A record is real when its _sprout.method is "seed" or it has no
 * _sprout.parent, synthetic otherwise. Definitions of every number are in
 * docs/report.md. Output is deterministic: the same inputs give the same
 * bytes.
 */
#ifndef SPROUT_REPORT_H
#define SPROUT_REPORT_H

#include <stddef.h>

#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/json.h"
#include "sprout/record.h"
#include "sprout/stage.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_report_options {
	double drift_ks;	  /* alarm when a length KS D is above this (0.3) */
	double drift_vocab;	  /* alarm when a vocabulary shift is above this (0.5) */
	const char *title;	  /* page title; NULL: "sprout report" */
	const char *generated_at; /* shown verbatim in the header; NULL: nothing */
} sprout_report_options;

#define SPROUT_REPORT_OPTIONS_INIT                                                                 \
	{                                                                                          \
		0.3, 0.5, NULL, NULL                                                               \
	}

typedef struct sprout_report sprout_report;

/* New empty report; opts may be NULL for the defaults. The strings in opts
 * are copied. NULL on OOM. Free with sprout_report_free. */
sprout_report *sprout_report_new(const sprout_report_options *opts);
void sprout_report_free(sprout_report *r); /* accepts NULL */

/* Name a dataset input and its format for the header. Fails only on OOM. */
sprout_code sprout_report_add_input(sprout_report *r, const char *file, const sprout_format *f);

/* Count one dataset record: method, real or synthetic, similarity score,
 * review decisions, label, personal data, and the length and words of its
 * prompt and response. Fails only on OOM. */
sprout_code sprout_report_add(sprout_report *r, const sprout_record *rec, sprout_error *err);

/* Name a rejects file for the header (its lines go to
 * sprout_report_add_reject). Fails only on OOM. */
sprout_code sprout_report_add_rejects_file(sprout_report *r, const char *path);

/* Count one line of a rejects file, as sprout filter and the readers write
 * them: {"stage","check","score","reason","record"} or {"stage","error",..}.
 * It counts under its "check", or "STAGE:ERROR" when it has none, and under
 * the method of its record (_sprout.method; "seed" for a record without a
 * parent; "unknown" without a record). SPROUT_ERR_RECORD when line is not an
 * object; otherwise fails only on OOM. */
sprout_code sprout_report_add_reject(sprout_report *r, const sprout_json *line, sprout_error *err);

/* Attach a run manifest found at path; the page links to it with href
 * (NULL: path), e.g. the path relative to where the page is written. When
 * manifest (may be NULL) has "stages": [{"name", "in", "out", "rejected"},
 * ...] the counts through each stage are shown, under the stage's "stage"
 * label when it has one (as sprout run writes them), else its "name"; counts
 * may be absent or null. Fails with SPROUT_ERR_RECORD (message naming the
 * stage) when a stage is not an object with a string name or a count is not
 * a non-negative whole number; else only on OOM. */
sprout_code sprout_report_set_manifest(sprout_report *r, const char *path, const char *href,
				       const sprout_json *manifest, sprout_error *err);

/* ---- the numbers ------------------------------------------------------- */

/* Real or synthetic text of one slot. */
typedef struct sprout_report_side {
	unsigned long texts;				  /* records with the slot */
	unsigned long words_min, words_median, words_max; /* whitespace words */
	double words_mean;
	unsigned long tokens;	  /* lowercase word tokens (unigrams) */
	unsigned long vocabulary; /* distinct unigrams */
	unsigned long bigrams;	  /* adjacent word pairs */
	unsigned long distinct_bigrams;
	double distinct_1, distinct_2; /* distinct / total; 0 when there are none */
} sprout_report_side;

/* Slots the report compares, in this order. */
#define SPROUT_REPORT_NSLOTS 2 /* prompt, response */

typedef struct sprout_report_slot {
	sprout_slot slot; /* SPROUT_SLOT_PROMPT or SPROUT_SLOT_RESPONSE */
	int present;	  /* some record has it */
	sprout_report_side real, synthetic;
	int compared;		   /* both sides have texts: ks and vocab_shift are defined */
	double ks;		   /* two-sample KS statistic of the word lengths */
	double vocab_shift;	   /* 1 - Jaccard of the vocabularies of words seen >= 2 times */
	int ks_drift, vocab_drift; /* above the thresholds */
} sprout_report_slot;

typedef struct sprout_report_summary {
	unsigned long records, real, synthetic;
	unsigned long rejected; /* lines of the rejects files */
	sprout_report_slot slots[SPROUT_REPORT_NSLOTS];
	int drift; /* any ks_drift or vocab_drift */
} sprout_report_summary;

/* Compute the numbers from what was added so far. Fails only on OOM. */
sprout_code sprout_report_summarize(sprout_report *r, sprout_report_summary *out,
				    sprout_error *err);

/* A word or phrase the synthetic text uses more than the real text. */
typedef struct sprout_report_term {
	const char *text;	       /* lowercase; a phrase is two words and a space */
	unsigned long synthetic, real; /* occurrences */
	double log_odds;	       /* sprout_log_odds_ratio, > 0 */
} sprout_report_term;

/* The up to max most over-represented words (order 1) or phrases (order 2)
 * of slot (prompt or response): items seen at least 3 times in synthetic
 * text with a positive log-odds ratio, highest first (ties: more synthetic
 * occurrences, then text). Returns how many were written; 0 when either
 * side has no text. The texts live as long as the report. */
size_t sprout_report_over(sprout_report *r, sprout_slot slot, int order, sprout_report_term *out,
			  size_t max);

/* Log-odds ratio of an item seen cs times among ns synthetic items and cr
 * times among nr real items, with add-1 smoothing over a vocabulary of v
 * distinct items: with ps = (cs+1)/(ns+v) and pr = (cr+1)/(nr+v),
 * log(ps/(1-ps)) - log(pr/(1-pr)). */
double sprout_log_odds_ratio(unsigned long cs, unsigned long ns, unsigned long cr, unsigned long nr,
			     unsigned long v);

/* Two-sample Kolmogorov-Smirnov statistic D: the largest |F1(x) - F2(x)|
 * over the pooled sample points, F the empirical distribution functions.
 * Sorts a[0..na) and b[0..nb) in place. 0 when either is empty. */
double sprout_ks_statistic(double *a, size_t na, double *b, size_t nb);

/* ---- rendering --------------------------------------------------------- */

/* Append the report as one JSON object and a newline. Fails only on OOM or
 * a full buffer. */
sprout_code sprout_report_json(sprout_report *r, sprout_buf *out, sprout_error *err);

/* Append the report as one HTML page with inline CSS and SVG; every text
 * that comes from the data is escaped. Fails only on OOM or a full buffer. */
sprout_code sprout_report_html(sprout_report *r, sprout_buf *out, sprout_error *err);

/* Append s[0..n) with & < > " ' escaped for HTML text and attributes. */
sprout_code sprout_html_escape(sprout_buf *out, const char *s, size_t n);

/* ---- the whole of sprout report ---------------------------------------- */

/* Report is a stage by its options: sprout_stage_find("report") has the
 * table that `sprout report --help` and recipes read, and sprout_stage_new
 * and sprout_stage_set take them by name with the command's messages:
 *   rejects FILE (repeatable), manifest FILE, json, drift-ks D,
 *   drift-vocab X, fail-on-drift, title TEXT, generated-at TEXT, and how
 *   DATA is read: format, map, container, max-record, duplicate-keys.
 * It writes a page, not records (SPROUT_STAGE_WRITES): it is never opened;
 * sprout_report_run does the whole. The values set are not copied: they
 * must live until sprout_report_run returns. */

/* How sprout_report_run tells its caller what happens; any may be NULL. */
typedef struct sprout_report_tell {
	void *ctx;
	/* a note for a person, one line: a drift alarm (the command prints it
	 * unless --quiet) */
	void (*note)(void *ctx, const char *line);
	/* a message about the data, one line, to show even when quiet: an
	 * input's warning ("FILE: warning: ..."), a drift alarm with
	 * fail-on-drift */
	void (*warn)(void *ctx, const char *line);
	/* after each attempt to read a record of DATA, with the inputs being
	 * read (sprout_source_progress says how far) */
	void (*progress)(void *ctx, sprout_source *src);
	/* a temporary file was made (live 1) or is gone (live 0: renamed or
	 * removed): a program removes the live ones when it is killed */
	void (*temp)(void *ctx, const char *path, int live);
} sprout_report_tell;

/* A file sprout_report_run wrote. */
typedef struct sprout_report_file {
	char *path;	  /* as given, or the JSON twin's made from it */
	sprout_written w; /* hash (XXH3-128 hex) and bytes, measured while written */
} sprout_report_file;

typedef struct sprout_report_result {
	sprout_report_summary summary; /* records, real, synthetic, rejected, drift */
	/* fail-on-drift was set and the alarm fired: the files are written
	 * and the alarm told through warn; the command exits 1 */
	int drift_fails;
	sprout_report_file files[2]; /* the page, then its JSON; only the JSON with
				      * json set; none when written to stdout */
	size_t nfiles;
} sprout_report_result;

/* Run report stage s (its options set; not opened) on DATA inputs[0..n)
 * (n == 0: stdin): read every record (a bad one stops the run: there is
 * no skipping here), the rejects files and the manifest (which the page
 * links to by its path relative to the page's folder), then write the
 * page to output and its JSON twin next to it (FILE.html or .htm ->
 * FILE.json, any other name + .json), each atomically; with json set, only
 * the JSON, to output. output NULL or "-": the page (or with json the
 * JSON) to stdout. Refuses (SPROUT_ERR_USAGE) to write over DATA, a
 * rejects file or the manifest. tell may be NULL.
 *
 * SPROUT_OK with *res filled (release it with sprout_report_result_release);
 * else the error of the input that failed, with its file and line where
 * there is one (SPROUT_ERR_IO: cannot open or write; the reader's codes
 * for bad records and rejects lines; SPROUT_ERR_RECORD: a bad manifest;
 * SPROUT_ERR_NOMEM), and *res empty. Both files are written before
 * either is committed, so a failure leaves neither, except a commit of the
 * JSON that fails after the page's. The library never prints: what it has
 * to say comes through tell. */
sprout_code sprout_report_run(sprout_stage *s, const char *const *inputs, size_t n,
			      const char *output, const sprout_report_tell *tell,
			      sprout_report_result *res, sprout_error *err);

/* Free what res holds (its paths) and empty it. Accepts an empty one. */
void sprout_report_result_release(sprout_report_result *res);

#ifdef __cplusplus
}
#endif
#endif
