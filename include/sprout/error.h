/* sprout/error.h - result codes and the error value every fallible call fills.
 *
 * Rule: a function that can fail returns a sprout_code (SPROUT_OK is 0) and,
 * when given a non-NULL sprout_error, fills it at the failing point with a
 * message and, where there is one, the file, line and column of the offending
 * input. The library never prints and never exits; the caller decides.
 */
#ifndef SPROUT_ERROR_H
#define SPROUT_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_code {
	SPROUT_OK = 0,
	SPROUT_END,	      /* not an error: no more records */
	SPROUT_ERR_NOMEM,     /* allocation failed or a bounded buffer is full */
	SPROUT_ERR_IO,	      /* open/read/write/rename failed */
	SPROUT_ERR_JSON,      /* malformed JSON */
	SPROUT_ERR_UTF8,      /* invalid UTF-8 in the input */
	SPROUT_ERR_TOO_LONG,  /* a line or record over the configured cap */
	SPROUT_ERR_EMPTY,     /* an input with no records at all */
	SPROUT_ERR_CONTAINER, /* JSON array where JSONL was expected, or the reverse */
	SPROUT_ERR_RECORD,    /* a record that is not an object, or a bad _sprout */
	SPROUT_ERR_FORMAT,    /* unknown or undetectable dataset format */
	SPROUT_ERR_SLOT,      /* a required slot is missing or has the wrong type */
	SPROUT_ERR_CONVERT,   /* the record cannot be written in the target format */
	SPROUT_ERR_USAGE,     /* a bad argument from the caller */
	SPROUT_PENDING,	      /* not a failure: requests wait in a submitted batch
			       * (sprout/batch.h); the same call later collects them */
	SPROUT_CODE__COUNT
} sprout_code;

#define SPROUT_ERROR_MSG_MAX  512
#define SPROUT_ERROR_FILE_MAX 256

typedef struct sprout_error {
	sprout_code code;
	char file[SPROUT_ERROR_FILE_MAX]; /* "" when not about an input file */
	unsigned long line;		  /* 1-based; 0 when unknown */
	unsigned long column;		  /* 1-based byte column; 0 when unknown */
	char msg[SPROUT_ERROR_MSG_MAX];	  /* lowercase, no final period */
} sprout_error;

#define SPROUT_ERROR_INIT                                                                          \
	{                                                                                          \
		SPROUT_OK, "", 0, 0, ""                                                            \
	}

/* Short stable name of a code, e.g. "json" for SPROUT_ERR_JSON. Never NULL. */
const char *sprout_code_name(sprout_code code);

/* Fill err (if non-NULL) with code and a printf-style message; clears the
 * location. Returns code so callers can write `return sprout_error_set(...)`. */
sprout_code sprout_error_set(sprout_error *err, sprout_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set the location of an already filled error. file may be NULL. */
void sprout_error_locate(sprout_error *err, const char *file, unsigned long line,
			 unsigned long column);

/* Reset to SPROUT_OK with empty fields. */
void sprout_error_clear(sprout_error *err);

/* Write "file:line:column: message" (parts that are unknown left out) into
 * buf of size n, always NUL-terminated. Returns buf. */
char *sprout_error_format(const sprout_error *err, char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
