/* libFuzzer target for what sprout slurm reads of Slurm's answers:
 * scontrol show config's MaxArraySize, sbatch --parsable's job id and
 * squeue's lines, then the status made from those lines. Invariants: no
 * crash, no leak; a job id read is above 0 and its text digits; a refused
 * answer has a message; the rows of squeue are well formed (terminated
 * strings, states of capitals) and the status never fails on them; the
 * array's packing keeps within the limit it was given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sprout/slurm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	sprout_error err = SPROUT_ERROR_INIT;

	unsigned long m = sprout_slurm_config_max_array(s, size);
	unsigned long k, tasks;
	if (m && m < 100000000UL && !sprout_slurm_pack(1000, 0, m, &k, &tasks, &err))
		CHECK(tasks <= m - 1 && k * tasks >= 1000 && (k == 1 || (k - 1) * (m - 1) < 1000));

	unsigned long id = 0;
	sprout_code rc = sprout_slurm_job_id(s, size, &id, &err);
	if (rc)
		fuzz_check_error(&err, rc);
	else
		CHECK(id > 0 && size && s[0] >= '0' && s[0] <= '9');

	sprout_slurm_row *rows = NULL;
	size_t n = 0;
	rc = sprout_slurm_squeue_parse(s, size, &rows, &n, &err);
	if (rc) {
		fuzz_check_error(&err, rc);
		CHECK(!rows && !n);
		return 0;
	}
	unsigned char done[16] = {0};
	for (size_t i = 0; i < n; i++) {
		const sprout_slurm_row *r = &rows[i];
		CHECK(memchr(r->state, 0, sizeof r->state) && memchr(r->node, 0, sizeof r->node) &&
		      memchr(r->reason, 0, sizeof r->reason));
		CHECK(r->state[0] && r->task >= -1);
		for (const char *p = r->state; *p; p++)
			CHECK((*p >= 'A' && *p <= 'Z') || *p == '_');
		done[i % 16] = (unsigned char)(r->job & 1);
	}
	sprout_slurm_jobs j = {16, 3, n ? rows[0].job : 1, n > 1 ? rows[1].job : 2, "0-5"};
	sprout_slurm_view v = {16, 3, done, &j, rows, n, 1, (int)(n & 1)};
	sprout_buf b = SPROUT_BUF_INIT(1 << 20);
	CHECK(sprout_slurm_status(&v, &b) == SPROUT_OK);
	fuzz_touch(b.data, b.len);
	sprout_buf_release(&b);
	free(rows);
	return 0;
}
