/* What src/lib/run.c and the library's own stage commands
 * (src/lib/run_builtin.c) share. */
#ifndef SPROUT_RUN_INTERNAL_H
#define SPROUT_RUN_INTERNAL_H

#include "sprout/run.h"

/* The exit status a sprout_code stands for (the sprout program's). */
int run_status_for(sprout_code code);

/* A line for a person that must be seen (a stage's warning about the data,
 * its error), "sprout: " put in front. */
void run_tell(sprout_run *r, const char *line);

/* The run's options (the callbacks for the stages it runs itself). */
const sprout_run_options *run_options(const sprout_run *r);

/* A file a stage of the run wrote, measured while written: the run reads
 * it no more to learn its hash and records. */
void run_written(sprout_run *r, const char *path, const sprout_written *w);

/* The library's command for stage d: its options (the stage's own and the
 * shared ones it takes, ending with a NULL name; NULL on OOM), a check of
 * a command line (an exit status, *err says why) and a run of it. */
const sprout_option_def *run_builtin_options(const sprout_stage_def *d);
int run_builtin_check(const sprout_stage_def *d, int argc, char **argv, sprout_error *err);
int run_builtin_run(sprout_run *r, const sprout_stage_def *d, int argc, char **argv,
		    sprout_error *err);
/* Its plan, for a stage with a dry run (filter): what the run would do. */
int run_builtin_plan(sprout_run *r, const sprout_stage_def *d, int argc, char **argv,
		     sprout_buf *out);

#endif
