/* Unit test runner: forks one process per test, prints one line per test
 * and a final "N passed, N failed". Optional argument: a name filter. */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

extern const struct test json_tests[], arena_tests[], reader_tests[], format_tests[],
    record_tests[], meta_tests[], rng_tests[], stats_tests[], writer_tests[], text_tests[],
    wordnet_tests[], augment_tests[], similarity_tests[], pii_tests[], dedup_tests[];
extern const struct test yaml_tests[], state_tests[];
extern const struct test report_tests[], meaning_tests[], review_tests[];
extern const struct test template_tests[], extract_tests[], dl_tests[], buf_tests[], url_tests[];
extern const struct test spool_tests[], dict_tests[], batch_tests[], judge_tests[];
extern const struct test stage_tests[], flag_tests[];
extern const struct test stages_tests[], aug_stg_tests[];
extern const struct test ratelimit_tests[], cost_tests[], run_tests[], files_tests[];
extern const struct test loop_tests[], probe_tests[], keysort_tests[], slurm_tests[];

static const struct test *const suites[] = {
    arena_tests,      json_tests,    reader_tests,   format_tests,  record_tests,  meta_tests,
    rng_tests,	      stats_tests,   writer_tests,   text_tests,    wordnet_tests, augment_tests,
    similarity_tests, meaning_tests, pii_tests,	     dedup_tests,   yaml_tests,	   state_tests,
    report_tests,     review_tests,  template_tests, extract_tests, dl_tests,	   buf_tests,
    url_tests,	      spool_tests,   dict_tests,     batch_tests,   judge_tests,   ratelimit_tests,
    cost_tests,	      stage_tests,   flag_tests,     stages_tests,  aug_stg_tests, run_tests,
    files_tests,      loop_tests,    probe_tests,    keysort_tests, slurm_tests,
};

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(1);
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;
	for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
		for (const struct test *t = suites[s]; t->name; t++) {
			if (filter && !strstr(t->name, filter))
				continue;
			fflush(stdout);
			pid_t pid = fork();
			if (pid == 0) {
				t->fn();
				/* exit, not _exit: LeakSanitizer checks at exit */
				exit(0);
			}
			int status = 0;
			waitpid(pid, &status, 0);
			int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			if (ok) {
				passed++;
				printf("ok   unit %s\n", t->name);
			} else {
				failed++;
				if (WIFSIGNALED(status))
					printf("FAIL unit %s (signal %d)\n", t->name,
					       WTERMSIG(status));
				else
					printf("FAIL unit %s\n", t->name);
			}
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
