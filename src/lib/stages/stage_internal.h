/* What a stage kind provides to src/lib/stages/stage.c (see sprout/stage.h). */
#ifndef SPROUT_STAGE_INTERNAL_H
#define SPROUT_STAGE_INTERNAL_H

#include "sprout/stage.h"

struct sprout_stage_def {
	const char *name, *usage, *about;
	const sprout_option_def *options;
	unsigned flags;
	const char *const *outputs;
	const char *read_name; /* sprout_stage_read_name; NULL: "read" */
	size_t size;	       /* of the stage's own state, which starts with struct sprout_stage */
	/* options at their defaults (the state is zeroed before) */
	void (*init)(sprout_stage *s);
	/* option i of options from its text (NULL for a switch) */
	sprout_code (*set)(sprout_stage *s, size_t i, const char *value, sprout_error *err);
	/* options together; then ready for records */
	sprout_code (*open)(sprout_stage *s, sprout_error *err);
	sprout_code (*push)(sprout_stage *s, const sprout_record *r, sprout_error *err);
	sprout_code (*close)(sprout_stage *s, sprout_error *err);
	void (*free)(sprout_stage *s); /* its own resources; NULL: none */
	/* sprout_stage_output_name; NULL: base as it is */
	const char *(*output_name)(const sprout_stage *s, const char *base);
};

struct sprout_stage {
	const sprout_stage_def *def;
	sprout_sink sink;
	int opened, closed;
	unsigned long long in, kept, rejected;
	char summary[8192];	       /* room for paths (filter names its embeddings cache) */
	sprout_reader_options reading; /* sprout_stage_set_reading */
	int dry_run, decided;	       /* set by the stage: open / close */
	sprout_container container;    /* SPROUT_CONTAINER_JSONL unless open sets it */
	/* where its rejects go, for its messages (generate's closing note):
	 * set by sprout_stage_run_files once open, NULL: unknown or none */
	const char *rejects_path;
};

/* A note for a person through the sink's note, when set (printf-like). */
void sprout_stage_note(sprout_stage *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hand a record on / reject it through the stage's sink, counting. */
sprout_code sprout_stage_emit(sprout_stage *s, size_t output, sprout_record *rec, const char *json,
			      size_t len, sprout_error *err);
sprout_code sprout_stage_drop(sprout_stage *s, const sprout_reject *r, sprout_error *err);
/* Reject record r that the stage could not handle (why: a conversion
 * error), as the reader rejects bad input: {"stage","error","reason",
 * "file","line","record"}, located at r's file and line unless why is. */
sprout_code sprout_stage_drop_error(sprout_stage *s, const char *stage, const sprout_record *r,
				    sprout_error *why, sprout_error *err);
/* A message for a person through the sink's warn (printf-like). */
void sprout_stage_warn(sprout_stage *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

extern const sprout_stage_def sprout_stage_mix;
extern const sprout_stage_def sprout_stage_filter;
extern const sprout_stage_def sprout_stage_split;
extern const sprout_stage_def sprout_stage_convert;
extern const sprout_stage_def sprout_stage_export;
extern const sprout_stage_def sprout_stage_augment;
extern const sprout_stage_def sprout_stage_report;
extern const sprout_stage_def sprout_stage_generate;

#endif
