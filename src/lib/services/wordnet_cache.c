/* The WordNet index kept in a file, so that a run maps it instead of
 * building it (most of opening WordNet otherwise). The file holds the hash
 * slots of each index and exception list, the collocation word sets and the
 * irregular forms, and the identity (size, time, inode, device) of each
 * file they were built from: an index of other files, or a damaged one, is
 * not used, and the next open writes a new one. See sprout/wordnet.h. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "services/wordnet_internal.h"

#define MAGIC	 "SPRWNIX2"		 /* 2: slots with tags */
#define MAPS	 (2 * SPROUT_POS__COUNT) /* the indexes, then the exception lists */
#define MAX_BITS 28			 /* no table of WordNet is near 2^28 slots */

struct head {
	char magic[8];
	uint32_t order; /* 0x01020304 as written: the byte order matches */
	uint32_t maps;
	uint64_t size; /* of the whole file */
	uint64_t id[MAPS][4];
	uint64_t mask[MAPS];
	uint64_t words_mask[2]; /* last words, first words */
	uint64_t nirr[SPROUT_POS__COUNT];
};

/* an irregular form as offsets into its exception list */
struct irr_rec {
	uint32_t base, blen, form, flen;
};

static struct map *map_at(sprout_wordnet *wn, int k)
{
	return k < SPROUT_POS__COUNT ? &wn->index[k] : &wn->exc[k - SPROUT_POS__COUNT];
}

int wn_cache_path(const char *dir, char *out, size_t cap)
{
	const char *base = getenv("SPROUT_CACHE_DIR"), *x, *home;
	char where[1536];
	if (base) {
		if (!*base)
			return -1; /* set empty: no index file */
		snprintf(where, sizeof where, "%s", base);
	} else if ((x = getenv("XDG_CACHE_HOME")) && *x == '/') {
		snprintf(where, sizeof where, "%s/sprout", x);
	} else if ((home = getenv("HOME")) && *home) {
		snprintf(where, sizeof where, "%s/.cache/sprout", home);
	} else {
		return -1;
	}
	int n = snprintf(out, cap, "%s/wordnet-%016llx.idx", where,
			 (unsigned long long)XXH3_64bits(dir, strlen(dir)));
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

static int bits_ok(uint64_t mask)
{
	return mask && mask < ((uint64_t)1 << MAX_BITS) && (mask & (mask + 1)) == 0;
}

int wn_cache_load(sprout_wordnet *wn, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct head)) {
		close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size;
	void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -1;
	const struct head *h = p;
	/* the layout the header promises must be the file's size exactly */
	int ok = memcmp(h->magic, MAGIC, 8) == 0 && h->order == 0x01020304u && h->maps == MAPS &&
		 h->size == len && bits_ok(h->words_mask[0]) && bits_ok(h->words_mask[1]);
	uint64_t want = sizeof *h;
	for (int k = 0; ok && k < MAPS; k++) {
		ok = memcmp(h->id[k], map_at(wn, k)->id, sizeof h->id[k]) == 0 &&
		     bits_ok(h->mask[k]);
		want += (h->mask[k] + 1) * sizeof(uint32_t);
	}
	for (int i = 0; ok && i < SPROUT_POS__COUNT; i++) {
		ok = h->nirr[i] <= wn->exc[i].n;
		want += h->nirr[i] * sizeof(struct irr_rec);
	}
	want += (h->words_mask[0] + h->words_mask[1] + 2) * sizeof(uint64_t);
	if (!ok || want != len) {
		munmap(p, len);
		return -1;
	}
	/* word sets first (8-byte aligned after the header), then slots, then
	 * the irregular forms */
	const char *at = (const char *)p + sizeof *h;
	const uint64_t *last = (const uint64_t *)(const void *)at;
	at += (h->words_mask[0] + 1) * sizeof(uint64_t);
	const uint64_t *first = (const uint64_t *)(const void *)at;
	at += (h->words_mask[1] + 1) * sizeof(uint64_t);
	const uint32_t *slots[MAPS];
	for (int k = 0; k < MAPS; k++) {
		slots[k] = (const uint32_t *)(const void *)at;
		at += (h->mask[k] + 1) * sizeof(uint32_t);
	}
	struct irregular *irr[SPROUT_POS__COUNT] = {NULL};
	for (int i = 0; ok && i < SPROUT_POS__COUNT; i++) {
		const struct irr_rec *r = (const struct irr_rec *)(const void *)at;
		at += h->nirr[i] * sizeof *r;
		const struct map *m = &wn->exc[i];
		if (!(irr[i] = malloc((h->nirr[i] + 1) * sizeof *irr[i]))) {
			ok = 0;
			break;
		}
		for (size_t j = 0; ok && j < h->nirr[i]; j++) {
			ok = (uint64_t)r[j].base + r[j].blen <= m->n &&
			     (uint64_t)r[j].form + r[j].flen <= m->n;
			irr[i][j] = (struct irregular){m->p + r[j].base, m->p + r[j].form,
						       r[j].blen, r[j].flen};
		}
	}
	if (!ok) {
		for (int i = 0; i < SPROUT_POS__COUNT; i++)
			free(irr[i]);
		munmap(p, len);
		return -1;
	}
	wn->cache = p;
	wn->cache_len = len;
	wn->last_words = (struct wordset){last, h->words_mask[0]};
	wn->first_words = (struct wordset){first, h->words_mask[1]};
	for (int k = 0; k < MAPS; k++) {
		map_at(wn, k)->slots = slots[k];
		map_at(wn, k)->mask = (size_t)h->mask[k];
		map_at(wn, k)->bits = wn_off_bits(map_at(wn, k)->n);
	}
	for (int i = 0; i < SPROUT_POS__COUNT; i++) {
		wn->irr[i] = irr[i];
		wn->nirr[i] = (size_t)h->nirr[i];
	}
	return 0;
}

static int put(FILE *f, const void *p, size_t n)
{
	return n == 0 || fwrite(p, n, 1, f) == 1 ? 0 : -1;
}

/* mkdir -p of the folder path is in */
static void make_folders(const char *path)
{
	char d[2048];
	snprintf(d, sizeof d, "%s", path);
	char *slash = strrchr(d, '/');
	if (!slash || slash == d)
		return;
	*slash = '\0';
	for (char *q = d + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		mkdir(d, 0755);
		*q = '/';
	}
	mkdir(d, 0755);
}

void wn_cache_save(const sprout_wordnet *wn, const char *path)
{
	struct head h;
	memset(&h, 0, sizeof h);
	memcpy(h.magic, MAGIC, 8);
	h.order = 0x01020304u;
	h.maps = MAPS;
	h.size = sizeof h;
	for (int k = 0; k < MAPS; k++) {
		const struct map *m =
		    k < SPROUT_POS__COUNT ? &wn->index[k] : &wn->exc[k - SPROUT_POS__COUNT];
		if (!m->slots)
			return;
		memcpy(h.id[k], m->id, sizeof h.id[k]);
		h.mask[k] = m->mask;
		h.size += (m->mask + 1) * sizeof(uint32_t);
	}
	for (int i = 0; i < SPROUT_POS__COUNT; i++) {
		h.nirr[i] = wn->nirr[i];
		h.size += wn->nirr[i] * sizeof(struct irr_rec);
	}
	h.words_mask[0] = wn->last_words.mask;
	h.words_mask[1] = wn->first_words.mask;
	h.size += (h.words_mask[0] + h.words_mask[1] + 2) * sizeof(uint64_t);

	make_folders(path);
	char tmp[2100];
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	FILE *f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		unlink(tmp);
		return;
	}
	int bad = put(f, &h, sizeof h) ||
		  put(f, wn->last_words.v, (h.words_mask[0] + 1) * sizeof(uint64_t)) ||
		  put(f, wn->first_words.v, (h.words_mask[1] + 1) * sizeof(uint64_t));
	for (int k = 0; !bad && k < MAPS; k++) {
		const struct map *m =
		    k < SPROUT_POS__COUNT ? &wn->index[k] : &wn->exc[k - SPROUT_POS__COUNT];
		bad = put(f, m->slots, (m->mask + 1) * sizeof(uint32_t));
	}
	for (int i = 0; !bad && i < SPROUT_POS__COUNT; i++) {
		const char *base = wn->exc[i].p;
		for (size_t j = 0; !bad && j < wn->nirr[i]; j++) {
			const struct irregular *g = &wn->irr[i][j];
			struct irr_rec r = {(uint32_t)(g->base - base), (uint32_t)g->blen,
					    (uint32_t)(g->form - base), (uint32_t)g->flen};
			bad = put(f, &r, sizeof r);
		}
	}
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0)
		unlink(tmp);
}
