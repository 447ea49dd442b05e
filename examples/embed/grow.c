/* grow - a program outside sprout's source tree that uses libsprout: reads
 * seed records (any format sprout reads), makes up to N checked variants of
 * each with the offline augmenter (only variants the meaning engine keeps),
 * and writes the seeds and their variants as JSON lines, atomically. Seeds
 * that cannot be read go to a rejects file with their reason.
 *
 *   cc grow.c $(pkg-config --cflags --libs sprout) -o grow
 *   ./grow seeds.jsonl out.jsonl rejects.jsonl [N]
 *
 * Exit 0 when variants were made, 1 when none were, 2 on an error. */
#include <stdio.h>
#include <stdlib.h>

#include <sprout/sprout.h>

static int fail(const sprout_error *err)
{
	char msg[1024];
	fprintf(stderr, "grow: %s\n", sprout_error_format(err, msg, sizeof msg));
	return 2;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: grow SEEDS OUT REJECTS [N]\n");
		return 2;
	}
	unsigned n = argc == 5 ? (unsigned)strtoul(argv[4], NULL, 10) : 3;
	sprout_error err = SPROUT_ERROR_INIT;

	sprout_augment_options ao;
	sprout_augment_options_init(&ao);
	ao.n = n ? n : 3;
	ao.seed = 7;
	ao.check = 1;
	sprout_augmenter *g = sprout_augmenter_new(&ao, &err);
	if (!g)
		return fail(&err);
	sprout_aug_worker *w = sprout_aug_worker_new(g);

	sprout_source_options so = {.reader = SPROUT_READER_OPTIONS_INIT, .format = {SPROUT_FORMAT_AUTO}};
	const char *in[] = {argv[1]};
	sprout_source *src = sprout_source_open(in, 1, &so, &err);
	if (!src)
		return fail(&err);
	sprout_writer *out = sprout_writer_open(argv[2], SPROUT_CONTAINER_JSONL, &err);
	sprout_writer *rej = out ? sprout_writer_open(argv[3], SPROUT_CONTAINER_JSONL, &err) : NULL;
	if (!rej)
		return fail(&err);

	size_t max = sprout_augment_max_variants(g);
	sprout_record *variants = calloc(max ? max : 1, sizeof *variants);
	sprout_arena *a = sprout_arena_new(0);
	unsigned long seeds = 0, made_total = 0, rejected = 0;
	int rc = 0;
	for (;;) {
		sprout_record rec;
		sprout_code c = sprout_source_next(src, &rec, &err);
		if (c == SPROUT_END)
			break;
		if (c != SPROUT_OK) {
			if (sprout_source_failed(src)) {
				rc = fail(&err);
				break;
			}
			/* one bad record: keep it, with its reason, and go on */
			const char *raw;
			size_t len;
			int cut;
			sprout_source_raw(src, &raw, &len, &cut);
			sprout_error werr = SPROUT_ERROR_INIT;
			if (sprout_reject_put(rej, "grow", &err, raw, len, cut, NULL, &werr)) {
				rc = fail(&werr);
				break;
			}
			rejected++;
			continue;
		}
		seeds++;
		size_t made = 0;
		sprout_arena_reset(a);
		/* provenance first: the seed's id, that each variant names as parent */
		if (sprout_meta_ensure(&rec, &err) || sprout_writer_put(out, rec.obj, &err) ||
		    sprout_augment_record(w, &rec, NULL, a, variants, max, &made, &err)) {
			rc = fail(&err);
			break;
		}
		for (size_t i = 0; i < made && !rc; i++)
			if (sprout_writer_put(out, variants[i].obj, &err))
				rc = fail(&err);
		made_total += made;
		if (rc)
			break;
	}
	if (!rc && (sprout_writer_commit(out, &err) || sprout_writer_commit(rej, &err)))
		rc = fail(&err);
	else if (rc) {
		sprout_writer_abort(out);
		sprout_writer_abort(rej);
	}
	if (!rc) {
		fprintf(stderr, "grow: %lu seeds, %lu variants, %lu rejected (sprout %s)\n", seeds,
			made_total, rejected, sprout_version());
		if (!made_total)
			rc = 1;
	}
	free(variants);
	sprout_arena_free(a);
	sprout_source_close(src);
	sprout_aug_worker_free(w);
	sprout_augmenter_free(g);
	return rc;
}
