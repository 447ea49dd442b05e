/* Duplicates across shards by sorted keys. See keysort.h and
 * docs/internals/keys.md. */
#include "checks/keysort.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "sprout/io.h"

static sprout_code nomem(sprout_error *err)
{
	return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
}

/* ---- keys files ---------------------------------------------------------- */

/* head: magic, version, bands, slots, 0 (4 bytes each after the magic);
 * records; trail: count, XXH64 of head and records (8 bytes each). All
 * numbers little-endian. */
static const char magic[8] = {'S', 'P', 'R', 'O', 'U', 'T', 'K', 'Y'};
#define HEAD	24
#define TRAIL	16
#define VERSION 1

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v = 0;
	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct sprout_keys_writer {
	sprout_writer *w;
	unsigned bands;
	uint64_t count;
	XXH64_state_t *sum;
};

static sprout_code keys_write(sprout_keys_writer *k, const void *p, size_t n, sprout_error *err)
{
	XXH64_update(k->sum, p, n);
	return sprout_writer_write(k->w, p, n, err);
}

sprout_keys_writer *sprout_keys_create(const char *path, unsigned bands, unsigned slots,
				       sprout_error *err)
{
	sprout_keys_writer *k = calloc(1, sizeof *k);
	if (!k || !(k->sum = XXH64_createState())) {
		free(k);
		nomem(err);
		return NULL;
	}
	XXH64_reset(k->sum, 0);
	k->bands = bands;
	unsigned char head[HEAD];
	memcpy(head, magic, 8);
	put32(head + 8, VERSION);
	put32(head + 12, bands);
	put32(head + 16, slots);
	put32(head + 20, 0);
	if (!(k->w = sprout_writer_open(path, SPROUT_CONTAINER_JSONL, err)) ||
	    keys_write(k, head, HEAD, err)) {
		sprout_keys_abort(k);
		return NULL;
	}
	return k;
}

sprout_code sprout_keys_put(sprout_keys_writer *k, const uint64_t exact[2], const uint64_t *band,
			    sprout_error *err)
{
	unsigned char rec[16 + 8 * SPROUT_NEARDUP_BANDS];
	put64(rec, exact[0]);
	put64(rec + 8, exact[1]);
	for (unsigned b = 0; b < k->bands; b++)
		put64(rec + 16 + 8 * b, band[b]);
	k->count++;
	return keys_write(k, rec, 16 + 8 * (size_t)k->bands, err);
}

const char *sprout_keys_temp_path(const sprout_keys_writer *k)
{
	return sprout_writer_temp_path(k->w);
}

sprout_code sprout_keys_commit(sprout_keys_writer *k, sprout_error *err)
{
	unsigned char trail[TRAIL];
	put64(trail, k->count);
	put64(trail + 8, XXH64_digest(k->sum));
	sprout_code rc = sprout_writer_write(k->w, trail, TRAIL, err);
	if (rc)
		sprout_writer_abort(k->w);
	else
		rc = sprout_writer_commit(k->w, err);
	k->w = NULL;
	sprout_keys_abort(k);
	return rc;
}

void sprout_keys_abort(sprout_keys_writer *k)
{
	if (!k)
		return;
	sprout_writer_abort(k->w);
	XXH64_freeState(k->sum);
	free(k);
}

struct sprout_keys_reader {
	int fd;
	char *path;
	unsigned bands, slots;
	uint64_t count, read, want_sum;
	size_t recsize;
	XXH64_state_t *sum;
	unsigned char buf[1 << 16];
	size_t have, pos;
	uint64_t at; /* file offset of buf[have] */
};

static sprout_code keys_fail(sprout_keys_reader *r, sprout_code code, const char *what,
			     sprout_error *err)
{
	sprout_error_set(err, code, "%s", what);
	sprout_error_locate(err, r->path, 0, 0);
	return code;
}

static int read_at(int fd, void *p, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, (char *)p + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

sprout_keys_reader *sprout_keys_open(const char *path, sprout_error *err)
{
	sprout_keys_reader *r = calloc(1, sizeof *r);
	if (!r || !(r->path = strdup(path)) || !(r->sum = XXH64_createState())) {
		if (r)
			free(r->path);
		free(r);
		nomem(err);
		return NULL;
	}
	XXH64_reset(r->sum, 0);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char head[HEAD], trail[TRAIL];
	const char *bad = NULL;
	if (r->fd < 0 || fstat(r->fd, &st) != 0) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot open the keys file: %s",
				 strerror(errno));
		sprout_error_locate(err, path, 0, 0);
		sprout_keys_close(r);
		return NULL;
	}
	uint64_t size = (uint64_t)st.st_size;
	if (size < HEAD + TRAIL || read_at(r->fd, head, HEAD, 0) ||
	    read_at(r->fd, trail, TRAIL, size - TRAIL) || memcmp(head, magic, 8) != 0)
		bad = "not a sprout keys file (written by filter --keys-out)";
	else if (get32(head + 8) != VERSION)
		bad = "a keys file of another version of sprout: make it again";
	else if ((r->bands = get32(head + 12)) != 0 && r->bands != SPROUT_NEARDUP_BANDS)
		bad = "a keys file with a number of bands this sprout does not make";
	else if (get32(head + 20) != 0)
		bad = "a keys file with unknown settings";
	if (!bad) {
		r->slots = get32(head + 16);
		r->recsize = 16 + 8 * (size_t)r->bands;
		r->count = get64(trail);
		r->want_sum = get64(trail + 8);
		if ((size - HEAD - TRAIL) % r->recsize ||
		    (size - HEAD - TRAIL) / r->recsize != r->count)
			bad = "a keys file cut short or grown: its size does not match its count "
			      "of records";
	}
	if (bad) {
		keys_fail(r, SPROUT_ERR_FORMAT, bad, err);
		sprout_keys_close(r);
		return NULL;
	}
	XXH64_update(r->sum, head, HEAD);
	r->at = HEAD;
	return r;
}

unsigned sprout_keys_bands(const sprout_keys_reader *r)
{
	return r->bands;
}

unsigned sprout_keys_slots(const sprout_keys_reader *r)
{
	return r->slots;
}

uint64_t sprout_keys_count(const sprout_keys_reader *r)
{
	return r->count;
}

sprout_code sprout_keys_next(sprout_keys_reader *r, uint64_t exact[2],
			     uint64_t band[SPROUT_NEARDUP_BANDS], sprout_error *err)
{
	if (r->read == r->count)
		return XXH64_digest(r->sum) == r->want_sum
			   ? SPROUT_END
			   : keys_fail(r, SPROUT_ERR_FORMAT,
				       "a damaged keys file: its checksum does not match", err);
	if (r->have - r->pos < r->recsize) {
		memmove(r->buf, r->buf + r->pos, r->have - r->pos);
		r->have -= r->pos;
		r->pos = 0;
		uint64_t left = (r->count - r->read) * r->recsize - r->have;
		size_t want = sizeof r->buf - r->have;
		if (want > left)
			want = (size_t)left;
		want -= want % r->recsize;
		if (read_at(r->fd, r->buf + r->have, want, r->at))
			return keys_fail(r, SPROUT_ERR_IO, "cannot read the keys file", err);
		r->have += want;
		r->at += want;
	}
	const unsigned char *p = r->buf + r->pos;
	XXH64_update(r->sum, p, r->recsize);
	exact[0] = get64(p);
	exact[1] = get64(p + 8);
	int zero = !exact[0];
	for (unsigned b = 0; b < r->bands; b++)
		zero |= !(band[b] = get64(p + 16 + 8 * b));
	r->pos += r->recsize;
	r->read++;
	if (zero)
		return keys_fail(r, SPROUT_ERR_FORMAT, "a damaged keys file: a key is 0", err);
	return SPROUT_OK;
}

void sprout_keys_close(sprout_keys_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	XXH64_freeState(r->sum);
	free(r->path);
	free(r);
}

/* ---- sorting fixed-size items in runs ------------------------------------ */

struct item {
	uint64_t a, b, c; /* compared in this order */
};

static int cmp_item(const void *x, const void *y)
{
	const struct item *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	return p->c < q->c ? -1 : p->c > q->c;
}

struct run {
	uint64_t start, n; /* items in the file */
	uint64_t done;	   /* read so far */
	struct item *buf;  /* the window */
	size_t have, pos;
};

struct xsort {
	const char *dir;
	struct item *v;
	size_t n, cap, max; /* items in memory, allocated, the most */
	int fd;		    /* the runs, one after another; -1 before the first */
	struct run *runs;
	size_t nruns, rcap;
	size_t *heap, nheap; /* runs by their current item, while merging */
	size_t at;	     /* next item in memory, when nothing was written */
	uint64_t total;
};

static void xsort_init(struct xsort *x, const char *dir, size_t bytes)
{
	memset(x, 0, sizeof *x);
	x->dir = dir;
	x->fd = -1;
	x->max = bytes / sizeof(struct item);
	if (x->max < 4096)
		x->max = 4096;
}

static void xsort_release(struct xsort *x)
{
	free(x->v);
	for (size_t i = 0; i < x->nruns; i++)
		free(x->runs[i].buf);
	free(x->runs);
	free(x->heap);
	if (x->fd >= 0)
		close(x->fd);
	const char *dir = x->dir;
	xsort_init(x, dir, 0);
}

/* An unnamed temporary file in dir. */
static int temp_file(const char *dir, sprout_error *err)
{
	int fd = -1;
#ifdef O_TMPFILE
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
	if (fd < 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/sprout-keysort-XXXXXX", dir);
		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0)
		sprout_error_set(err, SPROUT_ERR_IO, "cannot make a temporary file in '%s': %s",
				 dir, strerror(errno));
	return fd;
}

static sprout_code write_all(int fd, const void *p, size_t n, sprout_error *err)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = write(fd, (const char *)p + done, n - done);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return sprout_error_set(err, SPROUT_ERR_IO,
						"cannot write a temporary file: %s",
						strerror(errno));
		done += (size_t)k;
	}
	return SPROUT_OK;
}

/* The items in memory, sorted, as a run on disk. */
static sprout_code spill(struct xsort *x, sprout_error *err)
{
	if (x->fd < 0 && (x->fd = temp_file(x->dir, err)) < 0)
		return err->code;
	if (x->nruns == x->rcap) {
		size_t cap = x->rcap ? x->rcap * 2 : 16;
		struct run *v = realloc(x->runs, cap * sizeof *v);
		if (!v)
			return nomem(err);
		x->runs = v;
		x->rcap = cap;
	}
	qsort(x->v, x->n, sizeof *x->v, cmp_item);
	uint64_t start = x->nruns ? x->runs[x->nruns - 1].start + x->runs[x->nruns - 1].n : 0;
	x->runs[x->nruns++] = (struct run){start, x->n, 0, NULL, 0, 0};
	sprout_code rc = write_all(x->fd, x->v, x->n * sizeof *x->v, err);
	x->n = 0;
	return rc;
}

static sprout_code xsort_add(struct xsort *x, uint64_t a, uint64_t b, uint64_t c, sprout_error *err)
{
	if (x->n == x->cap) {
		if (x->cap == x->max) {
			sprout_code rc = spill(x, err);
			if (rc)
				return rc;
		} else {
			size_t cap = x->cap ? x->cap * 2 : 1024;
			if (cap > x->max)
				cap = x->max;
			struct item *v = realloc(x->v, cap * sizeof *v);
			if (!v)
				return nomem(err);
			x->v = v;
			x->cap = cap;
		}
	}
	x->v[x->n++] = (struct item){a, b, c};
	x->total++;
	return SPROUT_OK;
}

static sprout_code refill(struct xsort *x, struct run *r, sprout_error *err)
{
	size_t window = x->max / x->nruns;
	if (window < 512)
		window = 512;
	if (!r->buf && !(r->buf = malloc(window * sizeof *r->buf)))
		return nomem(err);
	uint64_t left = r->n - r->done;
	size_t want = left < window ? (size_t)left : window;
	if (read_at(x->fd, r->buf, want * sizeof *r->buf, (r->start + r->done) * sizeof *r->buf))
		return sprout_error_set(err, SPROUT_ERR_IO, "cannot read a temporary file: %s",
					strerror(errno));
	r->done += want;
	r->have = want;
	r->pos = 0;
	return SPROUT_OK;
}

static int run_less(const struct xsort *x, size_t a, size_t b)
{
	const struct run *p = &x->runs[a], *q = &x->runs[b];
	return cmp_item(&p->buf[p->pos], &q->buf[q->pos]) < 0;
}

static void sift_down(struct xsort *x, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < x->nheap && run_less(x, x->heap[l], x->heap[m]))
			m = l;
		if (l + 1 < x->nheap && run_less(x, x->heap[l + 1], x->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t t = x->heap[i];
		x->heap[i] = x->heap[m];
		x->heap[m] = t;
		i = m;
	}
}

/* Every item added: ready to give them in order. */
static sprout_code xsort_finish(struct xsort *x, sprout_error *err)
{
	if (!x->nruns) {
		if (x->n)
			qsort(x->v, x->n, sizeof *x->v, cmp_item);
		x->at = 0;
		return SPROUT_OK;
	}
	sprout_code rc;
	if (x->n && (rc = spill(x, err)))
		return rc;
	free(x->v); /* the windows take its place */
	x->v = NULL;
	x->cap = 0;
	if (!(x->heap = malloc(x->nruns * sizeof *x->heap)))
		return nomem(err);
	for (size_t i = 0; i < x->nruns; i++) {
		if ((rc = refill(x, &x->runs[i], err)))
			return rc;
		x->heap[x->nheap++] = i;
	}
	for (size_t i = x->nheap / 2; i-- > 0;)
		sift_down(x, i);
	return SPROUT_OK;
}

/* The next item in order: 1, 0 after the last, -1 with err. */
static int xsort_next(struct xsort *x, struct item *out, sprout_error *err)
{
	if (!x->nruns) {
		if (x->at == x->n)
			return 0;
		*out = x->v[x->at++];
		return 1;
	}
	if (!x->nheap)
		return 0;
	struct run *r = &x->runs[x->heap[0]];
	*out = r->buf[r->pos++];
	if (r->pos == r->have) {
		if (r->done == r->n) {
			x->heap[0] = x->heap[--x->nheap];
		} else if (refill(x, r, err)) {
			return -1;
		}
	}
	if (x->nheap)
		sift_down(x, 0);
	return 1;
}

/* ---- the sort of keys ---------------------------------------------------- */

struct memo {
	uint64_t g1; /* g + 1; 0: empty */
	int check;
	double score;
};

struct sprout_keysort {
	unsigned bands;
	size_t half; /* bytes of a sort's run */
	char *dir;
	uint64_t n;
	struct xsort exact, band, pairs;
	int bandfd; /* the records' band keys, in order, until the leaders are known */
	unsigned char *bandbuf;
	size_t bandlen;
	uint64_t *kept, *follower, *leads; /* bit sets of n */
	struct memo *memo;
	size_t mcap, mn;
	uint64_t *group; /* the records of a group of equal band keys: g << 8 | band */
	size_t gn, gcap;
	struct item cur; /* the next pair (j, band + 1 or 0, i) */
	int has_cur;
	uint64_t npairs, nruns;
};

#define BANDBUF (1 << 16)

sprout_keysort *sprout_keysort_new(unsigned bands, size_t mem, const char *dir, sprout_error *err)
{
	if (!dir || !*dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	sprout_keysort *s = calloc(1, sizeof *s);
	if (!s || !(s->dir = strdup(dir)) || !(s->bandbuf = malloc(BANDBUF))) {
		if (s)
			free(s->dir);
		free(s);
		nomem(err);
		return NULL;
	}
	s->bands = bands;
	s->half = mem / 2;
	s->bandfd = -1;
	xsort_init(&s->exact, s->dir, s->half);
	xsort_init(&s->band, s->dir, s->half);
	xsort_init(&s->pairs, s->dir, s->half);
	return s;
}

void sprout_keysort_free(sprout_keysort *s)
{
	if (!s)
		return;
	xsort_release(&s->exact);
	xsort_release(&s->band);
	xsort_release(&s->pairs);
	if (s->bandfd >= 0)
		close(s->bandfd);
	free(s->bandbuf);
	free(s->kept);
	free(s->follower);
	free(s->leads);
	free(s->memo);
	free(s->group);
	free(s->dir);
	free(s);
}

sprout_code sprout_keysort_add(sprout_keysort *s, const uint64_t exact[2], const uint64_t *band,
			       sprout_error *err)
{
	sprout_code rc = xsort_add(&s->exact, exact[0], exact[1], s->n, err);
	if (rc)
		return rc;
	s->n++;
	if (!s->bands)
		return SPROUT_OK;
	size_t rec = 8 * (size_t)s->bands;
	if (s->bandlen + rec > BANDBUF) {
		if (s->bandfd < 0 && (s->bandfd = temp_file(s->dir, err)) < 0)
			return err->code;
		if ((rc = write_all(s->bandfd, s->bandbuf, s->bandlen, err)))
			return rc;
		s->bandlen = 0;
	}
	for (unsigned b = 0; b < s->bands; b++)
		memcpy(s->bandbuf + s->bandlen + 8 * b, &band[b], 8);
	s->bandlen += rec;
	return SPROUT_OK;
}

static void set_bit(uint64_t *v, uint64_t i)
{
	v[i / 64] |= 1ull << (i % 64);
}

static int bit(const uint64_t *v, uint64_t i)
{
	return (int)(v[i / 64] >> (i % 64) & 1);
}

static sprout_code pair(sprout_keysort *s, uint64_t j, unsigned band1, uint64_t i,
			sprout_error *err)
{
	s->npairs++;
	return xsort_add(&s->pairs, j, band1, i, err);
}

/* The leaders' band keys into the band sort, read back in order. */
static sprout_code leaders_bands(sprout_keysort *s, sprout_error *err)
{
	size_t rec = 8 * (size_t)s->bands;
	uint64_t g = 0, off = 0, ondisk = 0;
	sprout_code rc;
	if (s->bandfd >= 0) {
		struct stat st;
		if (fstat(s->bandfd, &st) != 0)
			return sprout_error_set(err, SPROUT_ERR_IO,
						"cannot read a temporary file: %s",
						strerror(errno));
		ondisk = (uint64_t)st.st_size / rec;
	}
	unsigned char *tail = s->bandbuf; /* the last records, never written */
	size_t ntail = s->bandlen / rec;
	unsigned char *buf = ondisk ? malloc(BANDBUF) : NULL;
	if (ondisk && !buf)
		return nomem(err);
	size_t per = BANDBUF / rec;
	for (; g < ondisk; g += per, off += per * rec) {
		size_t k = ondisk - g < per ? (size_t)(ondisk - g) : per;
		if (read_at(s->bandfd, buf, k * rec, off)) {
			free(buf);
			return sprout_error_set(err, SPROUT_ERR_IO,
						"cannot read a temporary file: %s",
						strerror(errno));
		}
		for (size_t t = 0; t < k; t++)
			for (unsigned b = 0; !bit(s->follower, g + t) && b < s->bands; b++) {
				uint64_t key;
				memcpy(&key, buf + t * rec + 8 * b, 8);
				if ((rc = xsort_add(&s->band, key, g + t, b, err))) {
					free(buf);
					return rc;
				}
			}
	}
	free(buf);
	g = ondisk;
	for (size_t t = 0; t < ntail; t++, g++)
		for (unsigned b = 0; !bit(s->follower, g) && b < s->bands; b++) {
			uint64_t key;
			memcpy(&key, tail + t * rec + 8 * b, 8);
			if ((rc = xsort_add(&s->band, key, g, b, err)))
				return rc;
		}
	if (s->bandfd >= 0)
		close(s->bandfd);
	s->bandfd = -1;
	return SPROUT_OK;
}

static sprout_code band_pairs(sprout_keysort *s, sprout_error *err);

sprout_code sprout_keysort_plan(sprout_keysort *s, sprout_error *err)
{
	size_t words = (size_t)(s->n / 64 + 1);
	if (!(s->kept = calloc(words, 8)) || !(s->follower = calloc(words, 8)) ||
	    !(s->leads = calloc(words, 8)))
		return nomem(err);
	/* exact keys: each follower's pair with its leader */
	sprout_code rc = xsort_finish(&s->exact, err);
	struct item it, lead = {0, 0, 0};
	int got, any = 0;
	while (!rc && (got = xsort_next(&s->exact, &it, err)) == 1) {
		if (any && it.a == lead.a && it.b == lead.b) {
			set_bit(s->follower, it.c);
			set_bit(s->leads, lead.c);
			rc = pair(s, it.c, 0, lead.c, err);
		} else {
			lead = it;
			any = 1;
		}
	}
	if (!rc && got < 0)
		rc = err->code;
	s->nruns += s->exact.nruns;
	xsort_release(&s->exact);
	if (!rc && s->bands)
		rc = band_pairs(s, err);
	if (!rc)
		rc = xsort_finish(&s->pairs, err);
	s->nruns += s->pairs.nruns;
	return rc;
}

/* The leaders' band keys sorted: every pair of a group of equal keys. */
static sprout_code band_pairs(sprout_keysort *s, sprout_error *err)
{
	sprout_code rc;
	if ((rc = leaders_bands(s, err)) || (rc = xsort_finish(&s->band, err)))
		return rc;
	struct item it;
	int got;
	uint64_t key = 0;
	s->gn = 0;
	while ((got = xsort_next(&s->band, &it, err)) == 1) {
		if (!s->gn || it.a != key) {
			s->gn = 0;
			key = it.a;
		}
		for (size_t t = 0; t < s->gn; t++)
			if ((s->group[t] >> 8) < it.b &&
			    (rc = pair(s, it.b, (unsigned)it.c + 1, s->group[t] >> 8, err)))
				return rc;
		if (s->gn == s->gcap) {
			size_t cap = s->gcap ? s->gcap * 2 : 64;
			uint64_t *v = realloc(s->group, cap * sizeof *v);
			if (!v)
				return nomem(err);
			s->group = v;
			s->gcap = cap;
		}
		s->group[s->gn++] = it.b << 8 | it.c;
	}
	if (got < 0)
		return err->code;
	s->nruns += s->band.nruns;
	xsort_release(&s->band);
	free(s->group);
	s->group = NULL;
	s->gcap = s->gn = 0;
	return SPROUT_OK;
}

int sprout_keysort_next(sprout_keysort *s, uint64_t j, sprout_keysort_cand *c, sprout_error *err)
{
	for (;;) {
		if (!s->has_cur) {
			int got = xsort_next(&s->pairs, &s->cur, err);
			if (got <= 0)
				return got;
			s->has_cur = 1;
		}
		if (s->cur.a > j)
			return 0;
		s->has_cur = 0;
		if (s->cur.a == j) { /* else a pair of a record decided before its end */
			c->i = s->cur.c;
			c->band = s->cur.b ? (int)s->cur.b - 1 : SPROUT_KEYSORT_EXACT;
			return 1;
		}
	}
}

sprout_code sprout_keysort_decide(sprout_keysort *s, uint64_t j, int kept, int check, double score,
				  sprout_error *err)
{
	if (j >= s->n)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "record %llu of %llu",
					(unsigned long long)j, (unsigned long long)s->n);
	if (kept) {
		set_bit(s->kept, j);
		return SPROUT_OK;
	}
	if (!bit(s->leads, j))
		return SPROUT_OK;
	if ((s->mn + 1) * 2 > s->mcap) {
		size_t cap = s->mcap ? s->mcap * 2 : 64;
		struct memo *v = calloc(cap, sizeof *v);
		if (!v)
			return nomem(err);
		for (size_t i = 0; i < s->mcap; i++) {
			if (!s->memo[i].g1)
				continue;
			size_t k = (size_t)XXH3_64bits(&s->memo[i].g1, 8) & (cap - 1);
			while (v[k].g1)
				k = (k + 1) & (cap - 1);
			v[k] = s->memo[i];
		}
		free(s->memo);
		s->memo = v;
		s->mcap = cap;
	}
	uint64_t g1 = j + 1;
	size_t k = (size_t)XXH3_64bits(&g1, 8) & (s->mcap - 1);
	while (s->memo[k].g1 && s->memo[k].g1 != g1)
		k = (k + 1) & (s->mcap - 1);
	s->mn += !s->memo[k].g1;
	s->memo[k] = (struct memo){g1, check, score};
	return SPROUT_OK;
}

int sprout_keysort_kept(const sprout_keysort *s, uint64_t i)
{
	return i < s->n && bit(s->kept, i);
}

int sprout_keysort_verdict(const sprout_keysort *s, uint64_t i, int *check, double *score)
{
	if (sprout_keysort_kept(s, i) || !s->mcap)
		return 0;
	uint64_t g1 = i + 1;
	size_t k = (size_t)XXH3_64bits(&g1, 8) & (s->mcap - 1);
	while (s->memo[k].g1 && s->memo[k].g1 != g1)
		k = (k + 1) & (s->mcap - 1);
	if (!s->memo[k].g1)
		return 0;
	*check = s->memo[k].check;
	*score = s->memo[k].score;
	return 1;
}

void sprout_keysort_counts(const sprout_keysort *s, uint64_t *records, uint64_t *pairs,
			   uint64_t *runs)
{
	*records = s->n;
	*pairs = s->npairs;
	*runs = s->nruns;
}
