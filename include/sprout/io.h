/* sprout/io.h - reading datasets, writing outputs atomically, rejects.
 *
 * Readers stream one record at a time in bounded memory: JSONL (one object a
 * line) or a JSON array of objects, plain or gzip-compressed. A bad record is
 * an error the caller may skip: the reader goes on with the next one, and the
 * raw text of the bad one stays available for a rejects file.
 *
 * Writers write to a temporary file next to the target and rename it over the
 * target only on commit, so an interrupted run never leaves a truncated file.
 * The writer holds a lock on its temporary file; opening a writer removes
 * the temporary files of the same target that no live writer holds (left by
 * a kill -9).
 */
#ifndef SPROUT_IO_H
#define SPROUT_IO_H

#include <math.h>
#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/json.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_container {
	SPROUT_CONTAINER_AUTO,	/* '[' first means an array, else JSONL */
	SPROUT_CONTAINER_JSONL, /* one JSON object a line */
	SPROUT_CONTAINER_ARRAY	/* one JSON array of objects */
} sprout_container;

#define SPROUT_DEFAULT_MAX_RECORD ((size_t)16 << 20) /* 16 MiB */

typedef struct sprout_reader_options {
	size_t max_record;		 /* longest line or array element, in bytes */
	sprout_container container;	 /* AUTO also refuses '[' in a .jsonl file */
	sprout_json_dups duplicate_keys; /* ERROR (0, the default): a record with a
					  * repeated key is a JSON error; LAST
					  * keeps the last value */
} sprout_reader_options;

#define SPROUT_READER_OPTIONS_INIT                                                                 \
	{                                                                                          \
		SPROUT_DEFAULT_MAX_RECORD, SPROUT_CONTAINER_AUTO, SPROUT_JSON_DUPS_ERROR           \
	}

/* Parse "auto", "jsonl" or "array". SPROUT_ERR_USAGE otherwise. */
sprout_code sprout_container_parse(const char *s, sprout_container *out, sprout_error *err);

/* ---- one input --------------------------------------------------------- */

typedef struct sprout_reader sprout_reader;

/* Open path ("-" is stdin); gzip input is recognised by its bytes. NULL
 * with SPROUT_ERR_IO (or NOMEM) on failure. Free with sprout_reader_close. */
sprout_reader *sprout_reader_open(const char *path, const sprout_reader_options *opts,
				  sprout_error *err);

/* Read from memory (not copied; keep data alive). name is used in errors. */
sprout_reader *sprout_reader_open_mem(const char *name, const char *data, size_t len,
				      const sprout_reader_options *opts, sprout_error *err);

/* Next record, parsed into a (the caller resets a between records).
 * Returns SPROUT_OK with *out an object; SPROUT_END when done; or an error
 * with its file, line and column. Errors about one record (JSON, UTF8,
 * TOO_LONG, RECORD) leave the reader ready for the next record; others
 * (IO, CONTAINER, EMPTY, a broken array) are final: sprout_reader_failed()
 * is then 1 and later calls return SPROUT_END. */
sprout_code sprout_reader_next(sprout_reader *r, sprout_arena *a, sprout_json **out,
			       sprout_error *err);

/* Raw bytes of the record last returned or rejected (valid until the next
 * call). An over-long record keeps only its first 4 KiB here; *truncated
 * (may be NULL) says so. */
void sprout_reader_raw(const sprout_reader *r, const char **raw, size_t *len, int *truncated);

/* A warning about the input (not about one record), known once reading
 * has reached it and at the latest at SPROUT_END: bytes after the end of
 * gzip data that are not another gzip member (concatenated members are read
 * as one input). Returns 1 and fills warn (message and file) or 0. */
int sprout_reader_warning(const sprout_reader *r, sprout_error *warn);

int sprout_reader_failed(const sprout_reader *r);
const char *sprout_reader_name(const sprout_reader *r);
unsigned long sprout_reader_line(const sprout_reader *r);	  /* line of the last record */
sprout_container sprout_reader_container(const sprout_reader *r); /* AUTO until known */

/* How far reading has got: *done of *total bytes of the input as stored
 * (a gzip file in compressed bytes, read ahead by up to a buffer). *total
 * is 0 when the size is unknown (stdin, a pipe). */
void sprout_reader_progress(const sprout_reader *r, unsigned long long *done,
			    unsigned long long *total);

/* Close and free. Accepts NULL. */
void sprout_reader_close(sprout_reader *r);

/* ---- records from many inputs ----------------------------------------- */

typedef struct sprout_source sprout_source;

typedef struct sprout_source_options {
	sprout_reader_options reader;
	sprout_format format; /* AUTO: detect per input from its first record */
	/* range 1: only the items (records, good or bad) from..to-1 of the
	 * inputs together, counted from 0; to 0: to the end. Records next to
	 * each other with the same _sprout.root stay together: each goes
	 * with the first of its run, so ranges that tile the inputs give every
	 * record to exactly one of them (sprout run --shard).
	 * sprout_option_range reads "FROM-TO" or "FROM-". */
	int range;
	unsigned long long from, to;
} sprout_source_options;

/* "FROM-TO" (FROM < TO) or "FROM-" into o's range; SPROUT_ERR_USAGE
 * otherwise ("--records: ..."). */
sprout_code sprout_option_range(const char *arg, sprout_source_options *o, sprout_error *err);

/* Open inputs paths[0..n) in order; n == 0 reads stdin. Inputs are opened
 * one at a time as reading reaches them. */
sprout_source *sprout_source_open(const char *const *paths, size_t n,
				  const sprout_source_options *opts, sprout_error *err);

/* Next record, checked against its format (a self-instruct task with K
 * instances gives K records). The record and its values stay valid until
 * the next call. Errors are as for sprout_reader_next, plus FORMAT (not
 * detectable) and SLOT (a required slot missing), both about one record. */
sprout_code sprout_source_next(sprout_source *s, sprout_record *rec, sprout_error *err);

/* Raw text of the record last returned or rejected, as sprout_reader_raw. */
void sprout_source_raw(const sprout_source *s, const char **raw, size_t *len, int *truncated);

/* 1 when reading stopped for good (see sprout_reader_next). */
int sprout_source_failed(const sprout_source *s);

/* After an input was read to its end, returns 1 once with its
 * sprout_reader_warning in warn, if it had one; else 0. Ask after every
 * sprout_source_next. */
int sprout_source_warning(sprout_source *s, sprout_error *warn);

/* After a new input's format is decided, returns 1 once and tells which
 * input, which format and why ("keys instruction, output", or "given").
 * Pointers stay valid until the next sprout_source_next. */
int sprout_source_detected(sprout_source *s, const char **file, const sprout_format **fmt,
			   const char **why);

/* How far reading has got over all inputs, as sprout_reader_progress:
 * *total is 0 when the size of an input is unknown. */
void sprout_source_progress(const sprout_source *s, unsigned long long *done,
			    unsigned long long *total);

void sprout_source_close(sprout_source *s);

/* ---- outputs ----------------------------------------------------------- */

typedef struct sprout_writer sprout_writer;

/* Open path for writing ("-" or NULL is stdout, written as it goes).
 * container JSONL writes a line per record, ARRAY one JSON array. The
 * temporary file is "<dir>/.<name>.sprout-XXXXXX", locked until commit or
 * abort; stale ones of the same name (unlocked) are removed first. */
sprout_writer *sprout_writer_open(const char *path, sprout_container container, sprout_error *err);

/* Append one record / raw bytes (raw text outputs such as reports). */
sprout_code sprout_writer_put(sprout_writer *w, const sprout_json *record, sprout_error *err);
/* Append one record already written as compact JSON (json[0..len), one
 * object, no newline), e.g. by a worker thread. */
sprout_code sprout_writer_put_json(sprout_writer *w, const char *json, size_t len,
				   sprout_error *err);
sprout_code sprout_writer_write(sprout_writer *w, const void *data, size_t len, sprout_error *err);

/* Records written so far. */
unsigned long sprout_writer_count(const sprout_writer *w);

/* The target path as given to sprout_writer_open, or NULL for stdout. */
const char *sprout_writer_path(const sprout_writer *w);

/* Path of the temporary file being written, or NULL for stdout. For the
 * caller's signal handler: unlink it if the process is interrupted. */
const char *sprout_writer_temp_path(const sprout_writer *w);

/* Finish: flush, sync and rename over the target (or flush stdout), then
 * free. On failure the temporary file is removed. w is freed either way. */
sprout_code sprout_writer_commit(sprout_writer *w, sprout_error *err);

/* What a committed file holds, measured while it was written, so nobody
 * reads it again to learn it. */
typedef struct sprout_written {
	char hash[33]; /* as sprout_hash_file gives for the file: XXH3-128, hex */
	unsigned long long bytes;
	unsigned long records; /* records and reject lines put */
	int records_known;     /* 0 when raw bytes were written (records unknown) */
} sprout_written;

/* sprout_writer_commit, and on success *out (may be NULL) describes the
 * file. For stdout, hash is "" and bytes 0. */
sprout_code sprout_writer_commit_measured(sprout_writer *w, sprout_written *out, sprout_error *err);

/* v as indented JSON (sprout_json_write_pretty) into path, atomically. */
sprout_code sprout_write_json_file(const char *path, const sprout_json *v, sprout_error *err);
/* The folder path and those above it that are missing (mkdir -p): 0, or
 * -1 with errno. */
int sprout_make_dirs(const char *path);

/* text[0..len) into path, atomically (a temporary file renamed over it). */
sprout_code sprout_write_text_file(const char *path, const char *text, size_t len,
				   sprout_error *err);

/* Drop the output: remove the temporary file and free. Accepts NULL. */
void sprout_writer_abort(sprout_writer *w);

/* Remove temp, a writer's temporary file, when no live writer holds it:
 * 1 when removed, 0 when it is in use or gone. */
int sprout_writer_remove_stale(const char *temp);

/* 1 when both paths name the same existing file. */
int sprout_same_file(const char *a, const char *b);

/* ---- rejects ----------------------------------------------------------- */

/* One rejected record and why: every rejects file sprout writes has lines
 * of this shape, members in this order, those that are NULL (or 0, or NAN
 * for score) left out:
 *   {"stage","error","check","score","reason","file","line","column",
 *    "raw"|"raw_base64","raw_truncated","record", key}              */
typedef struct sprout_reject {
	const char *stage;  /* the command or stage: "filter", "augment" */
	const char *error;  /* a sprout_code name, for input that could not be read */
	const char *check;  /* the check that failed: "meaning", "judge:response" */
	double score;	    /* the check's score; NAN: none */
	const char *reason; /* for a person: what was wrong */
	const char *file;   /* where the record came from */
	unsigned long line, column;
	const char *raw; /* the untouched input text (rawlen bytes): a JSON string
			  * when valid UTF-8, base64 otherwise */
	size_t rawlen;
	int truncated;		   /* raw is only the start of the record */
	const sprout_json *record; /* the parsed record */
	const char *key, *value;   /* one more string member, e.g. "parent" */
} sprout_reject;

#define SPROUT_REJECT_INIT                                                                         \
	{                                                                                          \
		.score = NAN                                                                       \
	}

/* Write one reject line to w. */
sprout_code sprout_reject_write(sprout_writer *w, const sprout_reject *r, sprout_error *err);

/* Fill r (SPROUT_REJECT_INIT first) for input that failed with why: the
 * stage, the code's name as error, the message as reason, and where why
 * says (file, line, column); the record (may be NULL) as it is. */
void sprout_reject_error(sprout_reject *r, const char *stage, const sprout_error *why,
			 const sprout_json *record);

/* Write one reject line to w for input that failed with why:
 *   {"stage":..,"error":<code name>,"reason":..,"file":..,"line":..,
 *    "column":..,"raw":<original text>|"raw_base64":..,"record":{..}}
 * raw (may be NULL) is the untouched input text: a JSON string when it is
 * valid UTF-8, base64 otherwise; record (may be NULL) a parsed record. */
sprout_code sprout_reject_put(sprout_writer *w, const char *stage, const sprout_error *why,
			      const char *raw, size_t rawlen, int truncated,
			      const sprout_json *record, sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
