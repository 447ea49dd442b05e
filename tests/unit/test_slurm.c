#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "sprout/slurm.h"
#include "test.h"
#include "util.h"

/* The fewest shards a task that keep the array under MaxArraySize - 1
 * tasks; a given number taken as it is, refused when it makes too many
 * tasks (the message says the least that fits). */
static void slurm_pack_stays_within_max_array(void)
{
	unsigned long k, t;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_slurm_pack(4, 0, 0, &k, &t, &err), SPROUT_OK);
	CHECK_INT(k, 1);
	CHECK_INT(t, 4);
	CHECK_INT(sprout_slurm_pack(1000, 0, 1001, &k, &t, &err), SPROUT_OK);
	CHECK_INT(k, 1);
	CHECK_INT(t, 1000);
	CHECK_INT(sprout_slurm_pack(1001, 0, 1001, &k, &t, &err), SPROUT_OK);
	CHECK_INT(k, 2);
	CHECK_INT(t, 501);
	CHECK_INT(sprout_slurm_pack(5000, 0, 1001, &k, &t, &err), SPROUT_OK);
	CHECK_INT(k, 5);
	CHECK_INT(t, 1000);
	CHECK_INT(sprout_slurm_pack(1000, 0, 101, &k, &t, &err), SPROUT_OK);
	CHECK_INT(k, 10);
	CHECK_INT(t, 100);
	CHECK_INT(sprout_slurm_pack(10, 3, 0, &k, &t, &err), SPROUT_OK);
	CHECK_INT(k, 3);
	CHECK_INT(t, 4);
	CHECK_INT(sprout_slurm_pack(3, 50, 0, &k, &t, &err), SPROUT_OK);
	CHECK_INT(k, 3);
	CHECK_INT(t, 1);
	CHECK_INT(sprout_slurm_pack(1000, 1, 101, &k, &t, &err), SPROUT_ERR_USAGE);
	CHECK_STR(err.msg, "--tasks-per-job 1 makes 1000 array tasks; the cluster takes at most "
			   "100 (MaxArraySize 101): give 10 or more");
	CHECK_INT(sprout_slurm_pack(0, 0, 0, &k, &t, &err), SPROUT_ERR_USAGE);
	CHECK_INT(sprout_slurm_pack(SPROUT_SLURM_MAX_SHARDS + 1, 0, 0, &k, &t, &err),
		  SPROUT_ERR_USAGE);
	CHECK_INT(sprout_slurm_pack(5, 0, 1, &k, &t, &err), SPROUT_ERR_USAGE);
}

static void slurm_ranges_join_runs(void)
{
	unsigned char todo[] = {1, 1, 0, 1, 0, 1, 1, 1};
	sprout_buf b = SPROUT_BUF_INIT(100);
	CHECK_INT(sprout_slurm_ranges(todo, 8, &b), SPROUT_OK);
	CHECK_STR(b.data, "0-1,3,5-7");
	sprout_buf_clear(&b);
	unsigned char none[] = {0, 0};
	CHECK_INT(sprout_slurm_ranges(none, 2, &b), SPROUT_OK);
	CHECK_INT(b.len, 0);
	sprout_buf_release(&b);
	sprout_buf small = SPROUT_BUF_INIT(4);
	CHECK_INT(sprout_slurm_ranges(todo, 8, &small), SPROUT_ERR_TOO_LONG);
	sprout_buf_release(&small);
}

/* The array script run by bash as Slurm would run task 2 of shards
 * packed 3 a task (8 shards): shards 6 and 7, in order, each line in the
 * log, paths with a quote and a space passed whole. */
static void slurm_array_script_runs_its_shards(void)
{
	char dir[256], bin[512], script[512];
	snprintf(dir, sizeof dir, "%s/it's here", temp_dir());
	CHECK(mkdir(dir, 0777) == 0);
	snprintf(bin, sizeof bin, "%s/sprout", dir);
	FILE *f = fopen(bin, "w");
	CHECK(f);
	fputs("#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done; echo\n", f);
	CHECK(fclose(f) == 0);
	CHECK(chmod(bin, 0755) == 0);
	sprout_slurm_spec s = {"sprout-x", bin,	     "/r/the recipe.yaml", "/o/it's", 8, 3, "0-2",
			       "gpu",	   "1:00:00"};
	sprout_buf b = SPROUT_BUF_INIT(1 << 16);
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_slurm_array_script(&s, &b, &err), SPROUT_OK);
	CHECK(strstr(b.data,
		     "#SBATCH --array=0-2\n#SBATCH --partition=gpu\n#SBATCH --time=1:00:00\n"
		     "#SBATCH --output=/o/it's/slurm/shards-%A_%a.log\nset -eu\n"));
	CHECK(strstr(b.data, "out='/o/it'\\''s'\n"));
	snprintf(script, sizeof script, "%s/array.sh", dir);
	f = fopen(script, "w");
	CHECK(f);
	fputs(b.data, f);
	CHECK(fclose(f) == 0);
	/* the folder has a quote: bash gets the path through the environment */
	CHECK(setenv("SCRIPT", script, 1) == 0);
	f = popen("SLURM_ARRAY_TASK_ID=2 SLURMD_NODENAME=n9 bash \"$SCRIPT\"", "r");
	CHECK(f);
	char out[2048];
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	CHECK_INT(pclose(f), 0);
	CHECK_STR(out, "shard 6 on n9\n[run][--shard][6/8][-d][/o/it's][/r/the recipe.yaml]\n"
		       "shard 7 on n9\n[run][--shard][7/8][-d][/o/it's][/r/the recipe.yaml]\n");

	/* the merge script */
	sprout_buf_clear(&b);
	s.partition = NULL;
	s.time = NULL;
	CHECK_INT(sprout_slurm_merge_script(&s, &b, &err), SPROUT_OK);
	CHECK(!strstr(b.data, "--partition"));
	CHECK(strstr(b.data, "#SBATCH --job-name=sprout-x-merge\n"
			     "#SBATCH --output=/o/it's/slurm/merge-%j.log\nset -eu\n"));
	CHECK(strstr(b.data, "\"$sprout\" merge --shards \"$shards\" -d \"$out\" \"$recipe\"\n"));
	/* a line break would end the #SBATCH line: refused */
	s.recipe = "/r/a\nb.yaml";
	CHECK_INT(sprout_slurm_merge_script(&s, &b, &err), SPROUT_ERR_USAGE);
	s.recipe = "/r/a.yaml";
	s.per_task = 0;
	CHECK_INT(sprout_slurm_array_script(&s, &b, &err), SPROUT_ERR_USAGE);
	sprout_buf_release(&b);
	remove_tree(temp_dir());
}

static void slurm_reads_what_slurm_answers(void)
{
	const char *conf = "Configuration data as of 2026-12-05T22:00:00\n"
			   "MailProg                = /bin/mail\n"
			   "MaxArraySize            = 5001\n"
			   "MaxJobCount             = 10000\n";
	CHECK_INT(sprout_slurm_config_max_array(conf, strlen(conf)), 5001);
	CHECK_INT(sprout_slurm_config_max_array("MaxArraySizeX = 4\n", 18), 0);
	CHECK_INT(sprout_slurm_config_max_array("MaxArraySize = lots\n", 20), 0);
	CHECK_INT(sprout_slurm_config_max_array("", 0), 0);

	unsigned long id = 0;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_slurm_job_id("12\n", 3, &id, &err), SPROUT_OK);
	CHECK_INT(id, 12);
	CHECK_INT(sprout_slurm_job_id("345;cluster\n", 12, &id, &err), SPROUT_OK);
	CHECK_INT(id, 345);
	CHECK_INT(sprout_slurm_job_id("12 13\n", 6, &id, &err), SPROUT_ERR_FORMAT);
	CHECK_STR(err.msg, "sbatch answered '12 13', not a job id");
	CHECK_INT(sprout_slurm_job_id("", 0, &id, &err), SPROUT_ERR_FORMAT);
	CHECK_INT(sprout_slurm_job_id("0\n", 2, &id, &err), SPROUT_ERR_FORMAT);

	const char *q = "12|3|RUNNING|n2|None\n\n13|N/A|PENDING||Dependency\n"
			"12|0|COMPLETED|n1|None";
	sprout_slurm_row *rows;
	size_t n;
	CHECK_INT(sprout_slurm_squeue_parse(q, strlen(q), &rows, &n, &err), SPROUT_OK);
	CHECK_INT(n, 3);
	CHECK_INT(rows[0].job, 12);
	CHECK_INT(rows[0].task, 3);
	CHECK_STR(rows[0].state, "RUNNING");
	CHECK_STR(rows[0].node, "n2");
	CHECK_INT(rows[1].task, -1);
	CHECK_STR(rows[1].node, "");
	CHECK_STR(rows[1].reason, "Dependency");
	CHECK_STR(rows[2].state, "COMPLETED");
	free(rows);
	const char *bad = "12|3|RUNNING|n2|None\n12|x|RUNNING|n2|None\n";
	CHECK_INT(sprout_slurm_squeue_parse(bad, strlen(bad), &rows, &n, &err), SPROUT_ERR_FORMAT);
	CHECK(rows == NULL && n == 0);
	CHECK_STR(err.msg, "squeue's line 2 is not JOB|TASK|STATE|NODE|REASON: "
			   "'12|x|RUNNING|n2|None'");
	CHECK_INT(sprout_slurm_squeue_parse("12|1|running|n|r", 16, &rows, &n, &err),
		  SPROUT_ERR_FORMAT);
}

static void slurm_jobs_file_round_trip(void)
{
	char path[512];
	snprintf(path, sizeof path, "%s/jobs.json", temp_dir());
	sprout_slurm_jobs j = {1000, 10, 41, 42, "0-99"}, back;
	sprout_error err = SPROUT_ERROR_INIT;
	CHECK_INT(sprout_slurm_jobs_write(path, &j, &err), SPROUT_OK);
	CHECK_INT(sprout_slurm_jobs_read(path, &back, &err), SPROUT_OK);
	CHECK(!memcmp(&j, &back, sizeof j));
	FILE *f = fopen(path, "w");
	fputs("{\"shards\": 4, \"array_job\": \"12\"}", f);
	fclose(f);
	CHECK_INT(sprout_slurm_jobs_read(path, &back, &err), SPROUT_ERR_FORMAT);
	f = fopen(path, "w");
	fputs("{\"shards\": 4,\n x}", f);
	fclose(f);
	CHECK_INT(sprout_slurm_jobs_read(path, &back, &err), SPROUT_ERR_JSON);
	CHECK_STR(err.file, path);
	CHECK_INT(err.line, 2);
	remove(path);
	CHECK_INT(sprout_slurm_jobs_read(path, &back, &err), SPROUT_ERR_IO);
	CHECK_INT(errno, ENOENT);
	remove_tree(temp_dir());
}

/* Only a complete merge of as many shards counts as merged. */
static void slurm_merged_reads_the_manifest(void)
{
	const char *dir = temp_dir();
	char path[512];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	CHECK(!sprout_slurm_merged(dir, 2));
	const char *texts[] = {
	    "{\"status\": \"complete\", \"shards\": [\"shard-0-of-2\", \"shard-1-of-2\"]}",
	    "{\"status\": \"running\", \"shards\": [\"shard-0-of-2\", \"shard-1-of-2\"]}",
	    "{\"status\": \"complete\", \"shards\": [\"shard-0-of-3\"]}",
	    "{\"status\": \"complete\"}",
	    "{\"status\": \"complete\", \"shards\": [\"a\", \"b\"",
	};
	for (int i = 0; i < 5; i++) {
		FILE *f = fopen(path, "w");
		CHECK(f);
		fputs(texts[i], f);
		CHECK(fclose(f) == 0);
		CHECK_INT(sprout_slurm_merged(dir, 2), i == 0);
	}
	remove_tree(dir);
}

/* Shards done, running (one a task: the task's later shards wait),
 * pending, failed and not in the queue, and the merge's states. */
static void slurm_status_says_where_shards_stand(void)
{
	unsigned char done[] = {1, 0, 0, 0, 0, 0, 0, 0};
	const char *q = "12|0|RUNNING|n1|None\n12|1|PENDING||Resources\n12|2|FAILED|n2|None\n"
			"13|N/A|PENDING||Dependency\n";
	sprout_slurm_row *rows;
	size_t n;
	CHECK_INT(sprout_slurm_squeue_parse(q, strlen(q), &rows, &n, NULL), SPROUT_OK);
	sprout_slurm_jobs j = {8, 2, 12, 13, "0-3"};
	sprout_slurm_view v = {8, 2, done, &j, rows, n, 1, 0};
	sprout_buf b = SPROUT_BUF_INIT(4096);
	CHECK_INT(sprout_slurm_status(&v, &b), SPROUT_OK);
	CHECK_STR(b.data, "array job 12: tasks 0-3 (2 shards a task); merge job 13\n"
			  "1 of 8 shards done, 1 running (job 12_0 on n1), 2 pending, 2 failed "
			  "(shard 4 in job 12_2: FAILED, shard 5 in job 12_2: FAILED), 2 not in "
			  "the queue (shards 6, 7)\n"
			  "merge job 13: pending (Dependency)\n");
	/* the queue unknown; then nothing submitted */
	sprout_buf_clear(&b);
	v.queue_known = 0;
	CHECK_INT(sprout_slurm_status(&v, &b), SPROUT_OK);
	CHECK_STR(b.data, "array job 12: tasks 0-3 (2 shards a task); merge job 13\n"
			  "the queue could not be read (squeue): the shards from their done "
			  "markers only\n"
			  "1 of 8 shards done, 7 not done\n"
			  "merge job 13: not complete\n");
	sprout_buf_clear(&b);
	v.jobs = NULL;
	memset(done, 1, sizeof done);
	v.merged = 1;
	CHECK_INT(sprout_slurm_status(&v, &b), SPROUT_OK);
	CHECK_STR(b.data, "no jobs submitted from this run folder (no slurm/jobs.json)\n"
			  "8 of 8 shards done\nmerge: complete\n");
	sprout_buf_release(&b);
	free(rows);
}

SUITE(slurm_tests) = {
    T(slurm_pack_stays_within_max_array),    T(slurm_ranges_join_runs),
    T(slurm_array_script_runs_its_shards),   T(slurm_reads_what_slurm_answers),
    T(slurm_jobs_file_round_trip),	     T(slurm_merged_reads_the_manifest),
    T(slurm_status_says_where_shards_stand), {NULL, NULL},
};
