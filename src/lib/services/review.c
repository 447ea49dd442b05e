/* Review projects in SQLite. See sprout/review.h. */
#include "sprout/review.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <nettle/hmac.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "core/dict.h"
#include "sprout/arena.h"
#include "sprout/json.h"
#include "sprout/meta.h"
#include "sprout/rng.h"

struct sprout_review {
	sqlite3 *db;
	pthread_mutex_t lock;
	char path[SPROUT_ERROR_FILE_MAX];
	unsigned overlap;
	char name[128];
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, record_id TEXT UNIQUE NOT NULL,"
    " record TEXT NOT NULL, format TEXT NOT NULL, parent TEXT, method TEXT NOT NULL,"
    " label TEXT, score REAL, file TEXT, line INTEGER, model_answer TEXT, added TEXT NOT NULL,"
    " decided INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS items_open ON items(decided, id);"
    "CREATE TABLE IF NOT EXISTS claims(item INTEGER NOT NULL, reviewer INTEGER NOT NULL,"
    " until INTEGER NOT NULL, PRIMARY KEY(item, reviewer));"
    "CREATE INDEX IF NOT EXISTS claims_item ON claims(item);"
    "CREATE TABLE IF NOT EXISTS reviewers(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    " token TEXT UNIQUE, created TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS decisions(item INTEGER NOT NULL, reviewer INTEGER NOT NULL,"
    " decision TEXT NOT NULL, reason TEXT, comment TEXT, edited TEXT, at TEXT NOT NULL,"
    " PRIMARY KEY(item, reviewer));"
    "CREATE TABLE IF NOT EXISTS history(id INTEGER PRIMARY KEY, item INTEGER NOT NULL,"
    " reviewer INTEGER NOT NULL, decision TEXT NOT NULL, reason TEXT, comment TEXT,"
    " edited TEXT, at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS adjudications(item INTEGER PRIMARY KEY, reviewer INTEGER NOT NULL,"
    " decision TEXT NOT NULL, reason TEXT, edited TEXT, at TEXT NOT NULL);"
    /* what a save and /api/next ask, answered from indexes: a reviewer's
     * own decisions and claims, the next item of a method or label */
    "CREATE INDEX IF NOT EXISTS decisions_by ON decisions(reviewer, item, decision);"
    "CREATE INDEX IF NOT EXISTS claims_by ON claims(reviewer, until);"
    "CREATE INDEX IF NOT EXISTS items_method ON items(method, decided, id);"
    "CREATE INDEX IF NOT EXISTS items_label ON items(label, decided, id);"
    /* how many items have each number of decisions, kept by triggers */
    "CREATE TABLE IF NOT EXISTS item_levels(decided INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
    "CREATE TRIGGER IF NOT EXISTS items_level_add AFTER INSERT ON items BEGIN"
    " INSERT INTO item_levels VALUES(new.decided, 1)"
    " ON CONFLICT(decided) DO UPDATE SET n = n + 1; END;"
    "CREATE TRIGGER IF NOT EXISTS items_level_drop AFTER DELETE ON items BEGIN"
    " UPDATE item_levels SET n = n - 1 WHERE decided = old.decided; END;"
    "CREATE TRIGGER IF NOT EXISTS items_level_move AFTER UPDATE OF decided ON items"
    " WHEN old.decided IS NOT new.decided BEGIN"
    " UPDATE item_levels SET n = n - 1 WHERE decided = old.decided;"
    " INSERT INTO item_levels VALUES(new.decided, 1)"
    " ON CONFLICT(decided) DO UPDATE SET n = n + 1; END;";

/* item_levels counted once for a project made before it (in one
 * transaction, so a writer beside cannot make it wrong). */
static const char levels_once[] =
    "BEGIN IMMEDIATE;"
    "DELETE FROM item_levels;"
    "INSERT INTO item_levels SELECT decided, count(*) FROM items GROUP BY decided;"
    "COMMIT;";

/* Columns added after the first projects: added when missing. */
static const char *const later_columns[][2] = {
    {"reviewers", "role TEXT"}, /* NULL, or "adjudicator" */
};

/* ---- small things ------------------------------------------------------------ */

static sprout_code db_fail(sprout_review *rv, sprout_error *err, const char *what)
{
	sprout_error_set(err, SPROUT_ERR_IO, "%s: %s", what, sqlite3_errmsg(rv->db));
	sprout_error_locate(err, rv->path, 0, 0);
	return SPROUT_ERR_IO;
}

static void now_utc(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int random_hex(char *out, size_t digits)
{
	unsigned char b[64];
	size_t n = digits / 2;
	if (n > sizeof b || getrandom(b, n, 0) != (ssize_t)n)
		return -1;
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* SHA-256 of what as 64 hex digits. */
static void sha256_hex(const char *what, char out[SPROUT_TOKEN_LEN + 1])
{
	struct sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_init(&h);
	sha256_update(&h, strlen(what), (const uint8_t *)what);
	sha256_digest(&h, sizeof d, d);
	for (size_t i = 0; i < sizeof d; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* A token as the project stores it: "sha256:" and the hash's hex digits. */
#define STORED_PREFIX "sha256:"
#define STORED_LEN    (sizeof STORED_PREFIX - 1 + SPROUT_TOKEN_LEN)

static void stored_token(const char *token, char out[STORED_LEN + 1])
{
	memcpy(out, STORED_PREFIX, sizeof STORED_PREFIX - 1);
	sha256_hex(token, out + sizeof STORED_PREFIX - 1);
}

static sqlite3_stmt *prep(sprout_review *rv, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(rv->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* Column i as a JSON string, or null. */
static void jw_col(sprout_jw *w, sqlite3_stmt *st, int i)
{
	sprout_jw_string(w, sqlite3_column_type(st, i) == SQLITE_NULL
				? NULL
				: (const char *)sqlite3_column_text(st, i));
}

/* Column i as a JSON string ("" for NULL). */
static void jw_text(sprout_jw *w, sqlite3_stmt *st, int i)
{
	sprout_jw_string(w, col(st, i));
}

/* An item's object opened with its id, method and label: the columns 0, 1
 * and 2 of st. */
static void item_head(sprout_jw *w, sqlite3_stmt *st)
{
	sprout_jw_object(w);
	sprout_jw_kint(w, "id", sqlite3_column_int64(st, 0));
	sprout_jw_key(w, "method");
	jw_text(w, st, 1);
	sprout_jw_key(w, "label");
	jw_col(w, st, 2);
}

static int meta_get(sprout_review *rv, const char *key, char *out, size_t n)
{
	sqlite3_stmt *st = prep(rv, "SELECT value FROM meta WHERE key = ?");
	int found = 0;
	if (st) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			snprintf(out, n, "%s", col(st, 0));
			found = 1;
		}
		sqlite3_finalize(st);
	}
	return found;
}

static int meta_put(sprout_review *rv, const char *key, const char *value)
{
	sqlite3_stmt *st = prep(rv, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}

/* ---- opening ----------------------------------------------------------------- */

void sprout_review_close(sprout_review *rv)
{
	if (!rv)
		return;
	sqlite3_close(rv->db);
	pthread_mutex_destroy(&rv->lock);
	free(rv);
}

/* The project's file, its -wal and its -shm readable by the owner alone:
 * with create, the file is made 0600 when new (SQLite gives the other two
 * the same mode); the group and others lose their access to the ones that
 * exist (projects made before). -1 with errno if the file cannot be made.
 * Without create it opens nothing (closing a descriptor of the file would
 * drop SQLite's locks on it). */
static int private_files(const char *path, int create)
{
	int fd = create ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : -1;
	if (create && fd < 0 && errno != EACCES && errno != EROFS)
		return -1;
	if (fd >= 0)
		close(fd);
	static const char *const ext[] = {"", "-wal", "-shm", "-journal"};
	char name[SPROUT_ERROR_FILE_MAX + 16];
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
		struct stat st;
		snprintf(name, sizeof name, "%s%s", path, ext[i]);
		if (!stat(name, &st) && (st.st_mode & 077))
			chmod(name, st.st_mode & 0700);
	}
	return 0;
}

/* Projects made before tokens were hashed kept each reviewer's token, and
 * a secret for the CSRF values, as they were: hash the tokens (their links
 * keep working), drop the secret, and leave no copy behind in the file's
 * free space or in the -wal. */
static int hash_old_tokens(sprout_review *rv)
{
	if (sqlite3_exec(rv->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *st =
	    prep(rv, "SELECT (SELECT count(*) FROM reviewers WHERE token IS NOT NULL "
		     "AND token NOT LIKE '" STORED_PREFIX "%') + (SELECT count(*) FROM "
		     "meta WHERE key = 'secret')");
	int old = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (old <= 0)
		return old;
	if (sqlite3_exec(rv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	sqlite3_stmt *sel = prep(rv, "SELECT id, token FROM reviewers WHERE token IS NOT NULL AND "
				     "token NOT LIKE '" STORED_PREFIX "%'");
	sqlite3_stmt *upd = prep(rv, "UPDATE reviewers SET token = ? WHERE id = ?");
	int bad = !sel || !upd;
	while (!bad && sqlite3_step(sel) == SQLITE_ROW) {
		char h[STORED_LEN + 1];
		stored_token(col(sel, 1), h);
		sqlite3_reset(upd);
		sqlite3_bind_text(upd, 1, h, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(upd, 2, sqlite3_column_int64(sel, 0));
		bad = sqlite3_step(upd) != SQLITE_DONE;
	}
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	bad = bad || sqlite3_exec(rv->db, "DELETE FROM meta WHERE key = 'secret'", NULL, NULL,
				  NULL) != SQLITE_OK;
	if (bad || sqlite3_exec(rv->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(rv->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return sqlite3_wal_checkpoint_v2(rv->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) ==
		       SQLITE_OK
		   ? 0
		   : -1;
}

sprout_review *sprout_review_open(const char *path, int create, sprout_error *err)
{
	struct stat s;
	if (!create && stat(path, &s) != 0) {
		sprout_error_set(err, SPROUT_ERR_IO,
				 "no review project here (make one with 'sprout review add')");
		sprout_error_locate(err, path, 0, 0);
		return NULL;
	}
	sprout_review *rv = calloc(1, sizeof *rv);
	if (!rv) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&rv->lock, NULL);
	snprintf(rv->path, sizeof rv->path, "%s", path);
	if (private_files(path, 1)) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot create the review project: %s",
				 strerror(errno));
		sprout_error_locate(err, path, 0, 0);
		sprout_review_close(rv);
		return NULL;
	}
	if (sqlite3_open(path, &rv->db) != SQLITE_OK) {
		db_fail(rv, err, "cannot open the review project");
		sprout_review_close(rv);
		return NULL;
	}
	sqlite3_busy_timeout(rv->db, 30000);
	sqlite3_stmt *had = prep(rv, "SELECT 1 FROM sqlite_master WHERE name = 'item_levels'");
	int levels = had && sqlite3_step(had) == SQLITE_ROW;
	sqlite3_finalize(had);
	int bad = !had || sqlite3_exec(rv->db, schema, NULL, NULL, NULL) != SQLITE_OK;
	for (size_t i = 0; !bad && i < sizeof later_columns / sizeof *later_columns; i++) {
		char sql[256], name[64];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(later_columns[i][1], " "),
			 later_columns[i][1]);
		snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", name, later_columns[i][0]);
		sqlite3_stmt *st = prep(rv, sql);
		sqlite3_finalize(st);
		if (!st) {
			snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s",
				 later_columns[i][0], later_columns[i][1]);
			bad = sqlite3_exec(rv->db, sql, NULL, NULL, NULL) != SQLITE_OK;
		}
	}
	if (!bad && !levels) {
		if (sqlite3_exec(rv->db, levels_once, NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_exec(rv->db, "ROLLBACK", NULL, NULL, NULL);
			bad = 1;
		}
	}
	if (bad || hash_old_tokens(rv)) {
		db_fail(rv, err, "cannot open the review project");
		sprout_review_close(rv);
		return NULL;
	}
	private_files(path, 0); /* the -wal and -shm SQLite made for an older project */
	char v[128];
	rv->overlap = meta_get(rv, "overlap", v, sizeof v) ? (unsigned)strtoul(v, NULL, 10) : 1;
	if (!rv->overlap)
		rv->overlap = 1;
	if (!meta_get(rv, "name", rv->name, sizeof rv->name)) {
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		snprintf(rv->name, sizeof rv->name, "%.*s", (int)strcspn(base, "."), base);
	}
	return rv;
}

unsigned sprout_review_overlap(sprout_review *rv)
{
	return rv->overlap;
}

sprout_code sprout_review_set_overlap(sprout_review *rv, unsigned k, sprout_error *err)
{
	if (!k || k > 100)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "overlap is 1 to 100 reviewers");
	char v[16];
	snprintf(v, sizeof v, "%u", k);
	pthread_mutex_lock(&rv->lock);
	int bad = meta_put(rv, "overlap", v);
	if (!bad)
		rv->overlap = k;
	pthread_mutex_unlock(&rv->lock);
	return bad ? db_fail(rv, err, "cannot save the overlap") : SPROUT_OK;
}

sprout_code sprout_review_set_name(sprout_review *rv, const char *name, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	int bad = meta_put(rv, "name", name);
	if (!bad)
		snprintf(rv->name, sizeof rv->name, "%s", name);
	pthread_mutex_unlock(&rv->lock);
	return bad ? db_fail(rv, err, "cannot save the name") : SPROUT_OK;
}

#define GUIDELINES_MAX ((size_t)1 << 20)

sprout_code sprout_review_set_guidelines(sprout_review *rv, const char *text, size_t len,
					 sprout_error *err)
{
	if (len > GUIDELINES_MAX)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "the guidelines are over 1 MiB");
	if (memchr(text, '\0', len))
		return sprout_error_set(
		    err, SPROUT_ERR_USAGE,
		    "the guidelines hold a NUL character: they are Markdown text");
	char *copy = malloc(len + 1);
	if (!copy)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	pthread_mutex_lock(&rv->lock);
	int bad = meta_put(rv, "guidelines", copy);
	pthread_mutex_unlock(&rv->lock);
	free(copy);
	return bad ? db_fail(rv, err, "cannot save the guidelines") : SPROUT_OK;
}

sprout_code sprout_review_guidelines_json(sprout_review *rv, sprout_buf *out, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "SELECT value FROM meta WHERE key = 'guidelines'");
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_jw_object(&w);
	sprout_jw_key(&w, "markdown");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		jw_text(&w, st, 0);
	else
		sprout_jw_null(&w);
	sprout_jw_end(&w);
	int bad = !st || sprout_jw_finish(&w);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&rv->lock);
	return bad ? sprout_error_set(err, SPROUT_ERR_IO, "cannot read the guidelines") : SPROUT_OK;
}

/* ---- adding ------------------------------------------------------------------- */

sprout_code sprout_review_sample_parse(const char *s, sprout_review_sample *out, sprout_error *err)
{
	static const char *const names[] = {"random", "stratified", "lowest", "all"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (sprout_review_sample)i;
			return SPROUT_OK;
		}
	return sprout_error_set(
	    err, SPROUT_ERR_USAGE,
	    "unknown sampling '%s' (expected random, stratified, lowest or all)", s);
}

void sprout_review_add_options_init(sprout_review_add_options *o)
{
	memset(o, 0, sizeof *o);
	o->sample = SPROUT_SAMPLE_RANDOM;
	o->fraction = 0.1;
	o->score = "similarity";
}

static const char *meta_str(const sprout_record *r, const char *key)
{
	sprout_json *m = sprout_meta_get(r);
	sprout_json *v = m ? sprout_json_get(m, key) : NULL;
	return v && v->type == SPROUT_JSON_STRING ? v->u.s : NULL;
}

static double record_score(const sprout_record *r, const char *name)
{
	sprout_json *m = sprout_meta_get(r);
	sprout_json *s = m ? sprout_json_get(m, "scores") : NULL;
	sprout_json *v = s ? sprout_json_get(s, name) : NULL;
	if (v && v->type == SPROUT_JSON_OBJECT) /* a judge's: {"score", "min", "reason"} */
		v = sprout_json_get(v, "score");
	return v && v->type == SPROUT_JSON_NUMBER ? sprout_json_number(v) : NAN;
}

/* A record that could be queued: its place among the records added, its
 * sampling key, its stratum and its parent. */
struct cand {
	size_t i;
	double key;	 /* for sorting: score, or a random number */
	uint32_t m, l;	 /* method and label: numbers as added, then ranks by name */
	uint64_t parent; /* id_hash of its _sprout.parent, 0 for none */
};

static int by_key(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	/* NaN (no score) last; ties by input order */
	int xn = isnan(x->key), yn = isnan(y->key);
	if (xn != yn)
		return xn - yn;
	if (!xn && x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* By method, then label (ranks: the names' order), then key. */
static int by_stratum(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->m != y->m)
		return x->m < y->m ? -1 : 1;
	if (x->l != y->l)
		return x->l < y->l ? -1 : 1;
	return by_key(a, b);
}

static int by_input(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	return x->i < y->i ? -1 : x->i > y->i;
}

struct rem {
	double rem;
	size_t g;
};

/* Largest remainder first; ties by group order. */
static int by_remainder(const void *a, const void *b)
{
	const struct rem *x = a, *y = b;
	if (x->rem != y->rem)
		return x->rem > y->rem ? -1 : 1;
	return x->g < y->g ? -1 : x->g > y->g;
}

static size_t share(double f, size_t n)
{
	double v = floor(f * (double)n + 0.5);
	return v > (double)n ? n : (size_t)v;
}

/* Chosen candidates, in input order, into c[0..*k). */
static void choose(struct cand *c, size_t n, const sprout_review_add_options *o, size_t *k)
{
	sprout_rng rng;
	sprout_rng_init(&rng, o->seed, "review", "sample");
	for (size_t i = 0; i < n; i++)
		c[i].key = o->sample == SPROUT_SAMPLE_LOWEST ? c[i].key : sprout_rng_double(&rng);
	if (o->sample == SPROUT_SAMPLE_ALL) {
		*k = n;
		return;
	}
	size_t want = share(o->fraction, n);
	if (!want && n && o->fraction > 0)
		want = 1;
	if (o->sample == SPROUT_SAMPLE_STRATIFIED) {
		/* largest remainders: each stratum its share of want */
		qsort(c, n, sizeof *c, by_stratum);
		size_t *start = malloc((n + 1) * sizeof *start),
		       *take = malloc((n + 1) * sizeof *take);
		double *rem = malloc((n + 1) * sizeof *rem);
		size_t ng = 0, given = 0;
		for (size_t i = 0; start && take && rem && i < n; i++) {
			if (i && c[i - 1].m == c[i].m && c[i - 1].l == c[i].l)
				continue;
			start[ng++] = i;
		}
		if (!start || !take || !rem) {
			free(start), free(take), free(rem);
			*k = 0;
			return;
		}
		start[ng] = n;
		for (size_t g = 0; g < ng; g++) {
			double exact = (double)want * (double)(start[g + 1] - start[g]) / (double)n;
			take[g] = (size_t)exact;
			rem[g] = exact - (double)take[g];
			given += take[g];
		}
		/* the largest remainders get one more (ties: the first group) */
		struct rem *order = given < want ? malloc(ng * sizeof *order) : NULL;
		for (size_t g = 0; order && g < ng; g++)
			order[g] = (struct rem){rem[g], g};
		if (order)
			qsort(order, ng, sizeof *order, by_remainder);
		for (size_t j = 0; order && given < want && j < ng; j++, given++)
			take[order[j].g]++;
		free(order);
		size_t out = 0;
		for (size_t g = 0; g < ng; g++)
			for (size_t j = 0; j < take[g]; j++)
				c[out++] = c[start[g] + j];
		free(start), free(take), free(rem);
		*k = out;
	} else {
		qsort(c, n, sizeof *c, by_key);
		*k = want;
	}
	qsort(c, *k, sizeof *c, by_input);
}

/* An id as 64 bits (never 0, which stands for none). */
static uint64_t id_hash(const char *id)
{
	uint64_t h = XXH3_64bits(id, strlen(id));
	return h ? h : 1;
}

struct sprout_review_adder {
	sprout_review_add_options o;
	uint64_t *ids; /* each record's id_hash (0: no id), for finding parents */
	size_t n, icap;
	struct cand *c;
	size_t nc, ccap;
	sprout_arena *mem;
	sprout_dict methods, labels; /* the candidates' strata, numbered */
};

sprout_review_adder *sprout_review_adder_new(const sprout_review_add_options *o, sprout_error *err)
{
	sprout_review_adder *ad = calloc(1, sizeof *ad);
	if (ad && !(ad->mem = sprout_arena_new(0))) {
		free(ad);
		ad = NULL;
	}
	if (!ad) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	ad->o = *o;
	sprout_dict_init(&ad->methods, ad->mem);
	sprout_dict_init(&ad->labels, ad->mem);
	return ad;
}

void sprout_review_adder_free(sprout_review_adder *ad)
{
	if (!ad)
		return;
	sprout_dict_free(&ad->methods);
	sprout_dict_free(&ad->labels);
	sprout_arena_free(ad->mem);
	free(ad->ids);
	free(ad->c);
	free(ad);
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 1024;
	void *p = realloc(*v, c * size);
	if (!p)
		return -1;
	*v = p;
	*cap = c;
	return 0;
}

sprout_code sprout_review_adder_see(sprout_review_adder *ad, const sprout_record *r,
				    sprout_error *err)
{
	if (grow((void **)&ad->ids, &ad->icap, ad->n, sizeof *ad->ids) ||
	    grow((void **)&ad->c, &ad->ccap, ad->nc, sizeof *ad->c))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	const char *id = sprout_meta_id(r), *parent = meta_str(r, "parent");
	size_t i = ad->n++;
	ad->ids[i] = id ? id_hash(id) : 0;
	if (!ad->o.include_seeds && !parent && !ad->o.model_answers)
		return SPROUT_OK;
	const char *m = meta_str(r, "method");
	if (!m)
		m = "seed";
	sprout_text lab;
	sprout_record_get(r, SPROUT_SLOT_LABEL, &lab);
	const char *nul = lab.len ? memchr(lab.s, 0, lab.len) : NULL;
	size_t llen = nul ? (size_t)(nul - lab.s) : lab.len; /* a name ends at a NUL */
	long long mi = sprout_dict_put(&ad->methods, m, strlen(m), NULL),
		  li = sprout_dict_put(&ad->labels, llen ? lab.s : "", llen, NULL);
	if (mi < 0 || li < 0)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	ad->c[ad->nc++] = (struct cand){
	    i, ad->o.sample == SPROUT_SAMPLE_LOWEST ? record_score(r, ad->o.score) : 0,
	    (uint32_t)mi, (uint32_t)li, parent ? id_hash(parent) : 0};
	return SPROUT_OK;
}

struct named {
	const char *s;
	size_t len;
	uint32_t i;
};

/* In the order strcmp gives the names. */
static int by_name(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* rank[number] = the place of the name in strcmp order. */
static uint32_t *ranks(const sprout_dict *d)
{
	size_t n = sprout_dict_count(d);
	struct named *v = malloc((n + 1) * sizeof *v);
	uint32_t *rank = malloc((n + 1) * sizeof *rank);
	if (!v || !rank) {
		free(v);
		free(rank);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *name = sprout_dict_key(d, i, &len);
		v[i] = (struct named){name, len, (uint32_t)i};
	}
	qsort(v, n, sizeof *v, by_name);
	for (size_t i = 0; i < n; i++)
		rank[v[i].i] = (uint32_t)i;
	free(v);
	return rank;
}

/* Where the records added are read back: record i in order (get), and any
 * record beside that (aside: a parent). */
struct fetch {
	sprout_review_fetch get, aside;
	void *ctx;
};

/* The parent named id (hash h) as JSON into ps: the first record of that
 * id, found through the first record of that hash (at, or SIZE_MAX for
 * none) and, should two ids share a hash, every other record of it.
 * *found says whether there is one. */
static sprout_code parent_json(const sprout_review_adder *ad, const struct fetch *f, size_t at,
			       const char *id, uint64_t h, sprout_arena *a, sprout_buf *ps,
			       int *found, sprout_error *err)
{
	*found = 0;
	for (size_t i = at; i < ad->n; i++) {
		if (ad->ids[i] != h)
			continue;
		sprout_record p;
		sprout_arena_reset(a);
		sprout_code rc = f->aside(f->ctx, i, a, &p, err);
		if (rc)
			return rc;
		const char *pid = sprout_meta_id(&p);
		if (pid && !strcmp(pid, id)) {
			*found = 1;
			sprout_buf_clear(ps);
			return sprout_json_write(ps, p.obj)
				   ? sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory")
				   : SPROUT_OK;
		}
	}
	return SPROUT_OK;
}

/* A pragma's whole-number value (0 when it cannot be read). */
static long pragma_int(sprout_review *rv, const char *name)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA %s", name);
	sqlite3_stmt *st = prep(rv, sql);
	long v = st && sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return v;
}

static void pragma_set(sprout_review *rv, const char *name, long v)
{
	char sql[96];
	snprintf(sql, sizeof sql, "PRAGMA %s = %ld", name, v);
	sqlite3_exec(rv->db, sql, NULL, NULL, NULL);
}

/* Choose the sample of the candidates and queue it: one transaction. */
static sprout_code add_chosen(sprout_review *rv, sprout_review_adder *ad, const struct fetch *f,
			      sprout_review_added *out, sprout_error *err)
{
	const sprout_review_add_options *o = &ad->o;
	memset(out, 0, sizeof *out);
	out->candidates = ad->nc;
	uint32_t *mrank = ranks(&ad->methods), *lrank = ranks(&ad->labels);
	if (!mrank || !lrank) {
		free(mrank);
		free(lrank);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	for (size_t j = 0; j < ad->nc; j++) {
		ad->c[j].m = mrank[ad->c[j].m];
		ad->c[j].l = lrank[ad->c[j].l];
	}
	free(mrank);
	free(lrank);
	size_t k = 0;
	choose(ad->c, ad->nc, o, &k);

	/* the parents named by the chosen: the first record of each hash */
	sprout_dict wanted;
	sprout_dict_init(&wanted, ad->mem);
	int bad = 0;
	for (size_t j = 0; !bad && j < k; j++)
		bad = ad->c[j].parent &&
		      sprout_dict_put(&wanted, (const char *)&ad->c[j].parent, 8, NULL) < 0;
	for (size_t i = 0; !bad && sprout_dict_count(&wanted) && i < ad->n; i++) {
		long long w =
		    ad->ids[i] ? sprout_dict_find(&wanted, (const char *)&ad->ids[i], 8) : -1;
		if (w >= 0 && !wanted.val[w])
			wanted.val[w] = (void *)(uintptr_t)(i + 1);
	}
	sprout_arena *rmem = sprout_arena_new(0), *pmem = sprout_arena_new(0);
	sprout_buf js = SPROUT_BUF_INIT((size_t)1 << 30), ps = SPROUT_BUF_INIT((size_t)1 << 30);
	char *last = NULL; /* the parent in ps (NULL: none yet) */
	int has_last = 0;
	if (bad || !rmem || !pmem) {
		sprout_dict_free(&wanted);
		sprout_arena_free(rmem);
		sprout_arena_free(pmem);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}

	pthread_mutex_lock(&rv->lock);
	sprout_code rc = SPROUT_OK;
	sqlite3_stmt *ins =
	    prep(rv, "INSERT OR IGNORE INTO items(record_id, record, format, parent, "
		     "method, label, score, file, line, model_answer, added) "
		     "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
	char now[32];
	now_utc(now);
	/* While adding, SQLite's statement journal (each INSERT OR IGNORE
	 * with its trigger has one) is kept in memory, not in a temporary
	 * file written a dozen times an item, and the page cache holds 64 MiB,
	 * not 2: the record_id index takes its inserts in random order
	 * (1M items: 25 -> 15 s of CPU). Both are set back after. */
	long cache = pragma_int(rv, "cache_size"), temp = pragma_int(rv, "temp_store");
	sqlite3_exec(rv->db, "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY", NULL, NULL,
		     NULL);
	if (!ins || sqlite3_exec(rv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(rv, err, "cannot add to the review project");
	for (size_t j = 0; !rc && j < k; j++) {
		sprout_record rec, *r = &rec;
		sprout_arena_reset(rmem);
		if ((rc = f->get(f->ctx, ad->c[j].i, rmem, r, err)))
			break;
		const char *id = sprout_meta_id(r), *parent = meta_str(r, "parent");
		if (parent && (!last || strcmp(last, parent))) {
			long long w = sprout_dict_find(&wanted, (const char *)&ad->c[j].parent, 8);
			uintptr_t at = w >= 0 ? (uintptr_t)wanted.val[w] : 0;
			free(last);
			if (!(last = strdup(parent))) {
				rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
				break;
			}
			has_last = 0;
			if (at && (rc = parent_json(ad, f, at - 1, parent, ad->c[j].parent, pmem,
						    &ps, &has_last, err)))
				break;
		}
		int has_parent = parent && has_last;
		char fmt[512];
		sprout_format_describe(r->fmt, fmt, sizeof fmt);
		sprout_buf_clear(&js);
		if (sprout_json_write(&js, r->obj)) {
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			break;
		}
		sprout_text lab;
		sprout_record_get(r, SPROUT_SLOT_LABEL, &lab);
		const char *m = meta_str(r, "method");
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, id ? id : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, js.data, (int)js.len, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, !strncmp(fmt, "map ", 4) ? fmt + 4 : fmt, -1,
				  SQLITE_TRANSIENT);
		if (has_parent)
			sqlite3_bind_text(ins, 4, ps.data, (int)ps.len, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 4);
		sqlite3_bind_text(ins, 5, m ? m : "seed", -1, SQLITE_STATIC);
		if (lab.len)
			sqlite3_bind_text(ins, 6, lab.s, (int)lab.len, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 6);
		double sc = record_score(r, o->score);
		if (isnan(sc))
			sqlite3_bind_null(ins, 7);
		else
			sqlite3_bind_double(ins, 7, sc);
		sqlite3_bind_text(ins, 8, r->file ? r->file : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 9, (sqlite3_int64)r->line);
		if (o->model_answers && o->model_answers[ad->c[j].i])
			sqlite3_bind_text(ins, 10, o->model_answers[ad->c[j].i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(ins, 10);
		sqlite3_bind_text(ins, 11, now, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = db_fail(rv, err, "cannot add to the review project");
			break;
		}
		if (sqlite3_changes(rv->db))
			out->queued++;
		else
			out->present++;
	}
	if (!rc && sqlite3_exec(rv->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(rv, err, "cannot add to the review project");
	if (rc)
		sqlite3_exec(rv->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(ins);
	pragma_set(rv, "cache_size", cache);
	pragma_set(rv, "temp_store", temp);
	pthread_mutex_unlock(&rv->lock);
	free(last);
	sprout_buf_release(&js);
	sprout_buf_release(&ps);
	sprout_dict_free(&wanted);
	sprout_arena_free(rmem);
	sprout_arena_free(pmem);
	return rc;
}

sprout_code sprout_review_adder_finish(sprout_review_adder *ad, sprout_review *rv,
				       sprout_review_fetch get, sprout_review_fetch aside,
				       void *ctx, sprout_review_added *out, sprout_error *err)
{
	struct fetch f = {get, aside, ctx};
	return add_chosen(rv, ad, &f, out, err);
}

static sprout_code array_get(void *ctx, size_t i, sprout_arena *a, sprout_record *r,
			     sprout_error *err)
{
	(void)a, (void)err;
	*r = ((const sprout_record *)ctx)[i];
	return SPROUT_OK;
}

sprout_code sprout_review_add(sprout_review *rv, const sprout_record *recs, size_t n,
			      const sprout_review_add_options *o, sprout_review_added *out,
			      sprout_error *err)
{
	memset(out, 0, sizeof *out);
	sprout_review_adder *ad = sprout_review_adder_new(o, err);
	if (!ad)
		return err->code;
	sprout_code rc = SPROUT_OK;
	for (size_t i = 0; !rc && i < n; i++)
		rc = sprout_review_adder_see(ad, &recs[i], err);
	struct fetch f = {array_get, array_get, (void *)recs};
	if (!rc)
		rc = add_chosen(rv, ad, &f, out, err);
	sprout_review_adder_free(ad);
	return rc;
}

/* ---- reviewers --------------------------------------------------------------- */

sprout_code sprout_review_reviewer_add(sprout_review *rv, const char *name,
				       char token[SPROUT_TOKEN_LEN + 1], sprout_error *err)
{
	size_t n = strlen(name);
	if (!n || n > 64)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"a reviewer's name is 1 to 64 characters");
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 32 || name[i] == '<' || name[i] == '>' ||
		    name[i] == '&' || name[i] == '"')
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"a reviewer's name has no control characters, "
						"quotes or <>&");
	if (random_hex(token, SPROUT_TOKEN_LEN))
		return sprout_error_set(err, SPROUT_ERR_IO, "no random bytes for the token");
	char now[32], stored[STORED_LEN + 1];
	now_utc(now);
	stored_token(token, stored);
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "INSERT INTO reviewers(name, token, created) VALUES(?, ?, ?) "
				    "ON CONFLICT(name) DO UPDATE SET token = excluded.token");
	int ok = st != NULL;
	if (ok) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, stored, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	sprout_code rc = ok ? SPROUT_OK : db_fail(rv, err, "cannot add the reviewer");
	pthread_mutex_unlock(&rv->lock);
	return rc;
}

sprout_code sprout_review_reviewer_remove(sprout_review *rv, const char *name, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "UPDATE reviewers SET token = NULL WHERE name = ?");
	int ok = st != NULL, changed = 0;
	if (ok) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		changed = sqlite3_changes(rv->db);
	}
	sqlite3_finalize(st);
	sprout_code rc = !ok	   ? db_fail(rv, err, "cannot remove the reviewer")
			 : changed ? SPROUT_OK
				   : sprout_error_set(err, SPROUT_END, "no reviewer '%s'", name);
	pthread_mutex_unlock(&rv->lock);
	return rc;
}

sprout_code sprout_review_reviewer_set_role(sprout_review *rv, const char *name, const char *role,
					    sprout_error *err)
{
	if (role && strcmp(role, "adjudicator"))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"unknown role '%s' (the one role is adjudicator)", role);
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "UPDATE reviewers SET role = ? WHERE name = ?");
	int ok = st != NULL, changed = 0;
	if (ok) {
		if (role)
			sqlite3_bind_text(st, 1, role, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_DONE;
		changed = sqlite3_changes(rv->db);
	}
	sqlite3_finalize(st);
	sprout_code rc = !ok	   ? db_fail(rv, err, "cannot save the role")
			 : changed ? SPROUT_OK
				   : sprout_error_set(err, SPROUT_END, "no reviewer '%s'", name);
	pthread_mutex_unlock(&rv->lock);
	return rc;
}

static int is_adjudicator(sprout_review *rv, long reviewer)
{
	sqlite3_stmt *st =
	    prep(rv, "SELECT 1 FROM reviewers WHERE id = ? AND role = 'adjudicator'");
	int yes = 0;
	if (st) {
		sqlite3_bind_int64(st, 1, reviewer);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return yes;
}

int sprout_review_is_adjudicator(sprout_review *rv, long reviewer)
{
	pthread_mutex_lock(&rv->lock);
	int yes = is_adjudicator(rv, reviewer);
	pthread_mutex_unlock(&rv->lock);
	return yes;
}

sprout_code sprout_review_reviewers_json(sprout_review *rv, sprout_buf *out, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st =
	    prep(rv, "SELECT name, token IS NOT NULL, (SELECT count(*) FROM decisions "
		     "d WHERE d.reviewer = r.id), role FROM reviewers r ORDER BY name");
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_jw_array(&w);
	while (st && !w.rc && sqlite3_step(st) == SQLITE_ROW) {
		sprout_jw_object(&w);
		sprout_jw_key(&w, "name");
		jw_text(&w, st, 0);
		sprout_jw_kbool(&w, "link", sqlite3_column_int(st, 1));
		sprout_jw_kint(&w, "decisions", sqlite3_column_int64(st, 2));
		sprout_jw_key(&w, "role");
		jw_col(&w, st, 3);
		sprout_jw_end(&w);
	}
	sprout_jw_end(&w);
	int bad = !st || sprout_jw_finish(&w);
	sqlite3_finalize(st);
	pthread_mutex_unlock(&rv->lock);
	return bad ? sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory") : SPROUT_OK;
}

long sprout_review_auth(sprout_review *rv, const char *token, char *name, size_t namelen)
{
	if (!token || strlen(token) != SPROUT_TOKEN_LEN)
		return 0;
	long id = 0;
	char stored[STORED_LEN + 1];
	stored_token(token, stored);
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "SELECT id, name FROM reviewers WHERE token = ?");
	if (st)
		sqlite3_bind_text(st, 1, stored, -1, SQLITE_STATIC);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		id = (long)sqlite3_column_int64(st, 0);
		if (name)
			snprintf(name, namelen, "%s", col(st, 1));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&rv->lock);
	return id;
}

/* HMAC-SHA256 keyed by the token over a fixed label: only who holds the
 * token can make it, and the project keeps nothing it could be made from
 * (it stores the token's plain SHA-256, which is not the HMAC key). */
void sprout_review_csrf(const char *token, char out[SPROUT_TOKEN_LEN + 1])
{
	static const char label[] = "sprout review csrf";
	struct hmac_sha256_ctx h;
	uint8_t d[SHA256_DIGEST_SIZE];
	hmac_sha256_set_key(&h, strlen(token), (const uint8_t *)token);
	hmac_sha256_update(&h, sizeof label - 1, (const uint8_t *)label);
	hmac_sha256_digest(&h, sizeof d, d);
	for (size_t i = 0; i < sizeof d; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- items as JSON -------------------------------------------------------------- */

/* Items open to reviewer ?1 with overlap ?2 at time ?9: fewer than ?2
 * decisions and live claims of others, or one of theirs (a decision or a
 * claim: /api/next claims the item it hands out for CLAIM_SECONDS, so two
 * reviewers are not given the same last place). */
#define OPEN_FOR(a)                                                                                \
	"(" a ".decided + (SELECT count(*) FROM claims c WHERE c.item = " a                        \
	".id AND c.reviewer != "                                                                   \
	"?1 AND c.until > ?9) < ?2 OR EXISTS(SELECT 1 FROM decisions y WHERE y.item = " a          \
	".id AND "                                                                                 \
	"y.reviewer = ?1) OR EXISTS(SELECT 1 FROM claims z WHERE z.item = " a                      \
	".id AND z.reviewer = "                                                                    \
	"?1 AND z.until > ?9))"
#define OPEN	      OPEN_FOR("i")
#define CLAIM_SECONDS 900

/* The reviewer, the overlap and the time, as OPEN wants them. */
static void bind_open(sqlite3_stmt *st, long reviewer, unsigned overlap)
{
	sqlite3_bind_int64(st, 1, reviewer);
	sqlite3_bind_int(st, 2, (int)overlap);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)time(NULL));
}

#define STATUS                                                                                     \
	"CASE mine.decision WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'rejected' "          \
	"WHEN 'edit' THEN 'edited' ELSE 'todo' END"

/* How many items are open to reviewer ?1 (OPEN) with an id up to ?5, and
 * how many of them the reviewer decided, without a look at every item:
 *   open = mine + claimed + L - Z, where
 *   mine     the reviewer's decisions (decisions_by),
 *   claimed  their live claims on items they have not decided (claims_by),
 *   L        items with decided + live claims < overlap: the items with
 *            fewer decisions than the overlap (item_levels, or items_open
 *            up to an id) less those their live claims fill (the claims),
 *   Z        the items of L the reviewer decided or claimed: among the
 *            reviewer's claims and the items decided by some but fewer than
 *            the overlap (items_open).
 * The levels below the overlap are ?6, a list "0,1,..". */
#define OPEN_COUNTS                                                                                \
	"SELECT m.n, m.a, m.r, m.e,"                                                               \
	" (SELECT count(*) FROM claims z WHERE z.reviewer = ?1 AND z.until > ?9 AND z.item <= ?5"  \
	"  AND NOT EXISTS(SELECT 1 FROM decisions y WHERE y.item = z.item AND y.reviewer = ?1)),"  \
	" %s - (SELECT count(*) FROM (SELECT i.decided AS d, count(*) AS k FROM claims c"          \
	"  JOIN items i ON i.id = c.item WHERE c.until > ?9 AND c.item <= ?5 GROUP BY c.item)"     \
	"  WHERE d < ?2 AND d + k >= ?2),"                                                         \
	" (SELECT count(*) FROM items i WHERE i.id <= ?5 AND i.id IN (SELECT item FROM claims"     \
	"  WHERE reviewer = ?1 AND until > ?9 UNION SELECT j.id FROM items j WHERE j.decided"      \
	"  BETWEEN 1 AND ?2 - 1 AND EXISTS(SELECT 1 FROM decisions y WHERE y.item = j.id AND"      \
	"  y.reviewer = ?1)) AND i.decided + (SELECT count(*) FROM claims c WHERE c.item = i.id"   \
	"  AND c.until > ?9) < ?2)"                                                                \
	" FROM (SELECT count(*) AS n, sum(decision = 'accept') AS a, sum(decision = 'reject') AS " \
	"r,"                                                                                       \
	"  sum(decision = 'edit') AS e FROM decisions WHERE reviewer = ?1 AND item <= ?5) m"

struct open_counts {
	long long open, done, accepted, rejected, edited;
};

static int open_counts(sprout_review *rv, long reviewer, long long upto, struct open_counts *oc)
{
	char sql[2048], levels[512];
	if (upto == LLONG_MAX) {
		snprintf(sql, sizeof sql, OPEN_COUNTS,
			 "(SELECT coalesce(sum(n), 0) FROM item_levels WHERE decided < ?2)");
	} else {
		/* the items up to an id at each level: a range of items_open each */
		size_t len = 0;
		for (unsigned d = 0; d < rv->overlap && len < sizeof levels - 8; d++)
			len += (size_t)snprintf(levels + len, sizeof levels - len, "%s%u",
						d ? "," : "", d);
		char lb[600];
		snprintf(lb, sizeof lb,
			 "(SELECT count(*) FROM items WHERE decided IN (%s) AND id <= ?5)", levels);
		snprintf(sql, sizeof sql, OPEN_COUNTS, lb);
	}
	sqlite3_stmt *st = prep(rv, sql);
	if (!st)
		return -1;
	bind_open(st, reviewer, rv->overlap);
	sqlite3_bind_int64(st, 5, upto);
	int ok = sqlite3_step(st) == SQLITE_ROW;
	if (ok) {
		oc->done = sqlite3_column_int64(st, 0);
		oc->accepted = sqlite3_column_int64(st, 1);
		oc->rejected = sqlite3_column_int64(st, 2);
		oc->edited = sqlite3_column_int64(st, 3);
		oc->open = oc->done + sqlite3_column_int64(st, 4) + sqlite3_column_int64(st, 5) -
			   sqlite3_column_int64(st, 6);
	}
	sqlite3_finalize(st);
	return ok ? 0 : -1;
}

static sprout_code counts_json(sprout_review *rv, long reviewer, sprout_jw *w)
{
	struct open_counts oc;
	if (open_counts(rv, reviewer, LLONG_MAX, &oc))
		return SPROUT_ERR_IO;
	sprout_jw_object(w);
	sprout_jw_kint(w, "total", oc.open);
	sprout_jw_kint(w, "done", oc.done);
	sprout_jw_kint(w, "left", oc.open - oc.done);
	sprout_jw_kint(w, "accepted", oc.accepted);
	sprout_jw_kint(w, "rejected", oc.rejected);
	sprout_jw_kint(w, "edited", oc.edited);
	sprout_jw_end(w);
	return w->rc;
}

sprout_code sprout_review_me_json(sprout_review *rv, long reviewer, const char *token,
				  sprout_buf *out, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "SELECT name, role, EXISTS(SELECT 1 FROM meta WHERE key = "
				    "'guidelines') FROM reviewers WHERE id = ?");
	sprout_code rc = st ? SPROUT_OK : SPROUT_ERR_IO;
	if (!rc) {
		sqlite3_bind_int64(st, 1, reviewer);
		rc = sqlite3_step(st) == SQLITE_ROW ? SPROUT_OK : SPROUT_END;
	}
	if (!rc) {
		char csrf[SPROUT_TOKEN_LEN + 1];
		sprout_review_csrf(token, csrf);
		sprout_jw w;
		sprout_jw_init(&w, out);
		sprout_jw_object(&w);
		sprout_jw_key(&w, "reviewer");
		jw_text(&w, st, 0);
		sprout_jw_kstring(&w, "csrf", csrf);
		sprout_jw_kstring(&w, "project", rv->name);
		sprout_jw_key(&w, "role");
		jw_col(&w, st, 1);
		sprout_jw_kbool(&w, "guidelines", sqlite3_column_int(st, 2));
		sprout_jw_kuint(&w, "overlap", rv->overlap);
		sprout_jw_key(&w, "counts");
		rc = w.rc ? SPROUT_ERR_NOMEM : counts_json(rv, reviewer, &w);
		sprout_jw_karray(&w, "slots");
		static const char *const slots[] = {"prompt", "input", "response", "label"};
		for (int k = 0; k < 4; k++)
			sprout_jw_string(&w, slots[k]);
		sprout_jw_end(&w);
		sprout_jw_end(&w);
		if (!rc && sprout_jw_finish(&w))
			rc = SPROUT_ERR_NOMEM;
	}
	sqlite3_finalize(st);
	if (rc == SPROUT_ERR_IO)
		db_fail(rv, err, "cannot read the review project");
	else if (rc)
		sprout_error_set(err, rc, rc == SPROUT_END ? "no such reviewer" : "out of memory");
	pthread_mutex_unlock(&rv->lock);
	return rc;
}

sprout_code sprout_review_counts_json(sprout_review *rv, long reviewer, sprout_buf *out,
				      sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_code rc = counts_json(rv, reviewer, &w);
	pthread_mutex_unlock(&rv->lock);
	return rc ? sprout_error_set(err, rc, "cannot read the review project") : SPROUT_OK;
}

sprout_code sprout_review_facets_json(sprout_review *rv, sprout_buf *out, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_jw_object(&w);
	static const char *const q[2][2] = {
	    {"methods", "SELECT DISTINCT method FROM items ORDER BY method"},
	    {"labels", "SELECT DISTINCT label FROM items WHERE label IS NOT NULL ORDER BY label"}};
	for (int k = 0; k < 2 && !w.rc; k++) {
		sqlite3_stmt *st = prep(rv, q[k][1]);
		if (!st)
			sprout_jw_fail(&w, SPROUT_ERR_IO);
		sprout_jw_karray(&w, q[k][0]);
		while (!w.rc && sqlite3_step(st) == SQLITE_ROW)
			jw_text(&w, st, 0);
		sprout_jw_end(&w);
		sqlite3_finalize(st);
	}
	sprout_jw_end(&w);
	int bad = sprout_jw_finish(&w) != SPROUT_OK;
	pthread_mutex_unlock(&rv->lock);
	return bad ? sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory") : SPROUT_OK;
}

/* WHERE clauses for a filter; binds from ?3 on. */
static void filter_sql(const sprout_review_filter *f, char *sql, size_t n)
{
	snprintf(sql, n, "%s%s%s", f && f->method && *f->method ? " AND i.method = ?3" : "",
		 f && f->label && *f->label ? " AND i.label = ?4" : "",
		 !f || !f->status || !*f->status  ? ""
		 : !strcmp(f->status, "todo")	  ? " AND mine.decision IS NULL"
		 : !strcmp(f->status, "done")	  ? " AND mine.decision IS NOT NULL"
		 : !strcmp(f->status, "accepted") ? " AND mine.decision = 'accept'"
		 : !strcmp(f->status, "rejected") ? " AND mine.decision = 'reject'"
		 : !strcmp(f->status, "edited")	  ? " AND mine.decision = 'edit'"
						  : " AND 0");
}

static void bind_filter(sqlite3_stmt *st, long reviewer, unsigned overlap,
			const sprout_review_filter *f)
{
	bind_open(st, reviewer, overlap);
	if (f && f->method && *f->method)
		sqlite3_bind_text(st, 3, f->method, -1, SQLITE_STATIC);
	if (f && f->label && *f->label)
		sqlite3_bind_text(st, 4, f->label, -1, SQLITE_STATIC);
}

/* A stored record (its JSON text and format spec) as a sprout_record in a. */
static int stored_record(sprout_arena *a, const char *record, const char *format,
			 sprout_record *out)
{
	sprout_format *f = sprout_arena_alloc(a, sizeof *f);
	sprout_json *obj;
	if (!f || !record || sprout_json_parse(a, record, strlen(record), &obj, NULL) ||
	    sprout_format_parse(format, f, NULL))
		return -1;
	*out = (sprout_record){obj, f, a, NULL, 0};
	return 0;
}

/* The prompt text of a stored record ("" when it cannot be read). */
static int prompt_of(sprout_arena *a, const char *record, const char *format, sprout_text *t)
{
	sprout_record r;
	t->s = "";
	t->len = 0;
	if (stored_record(a, record, format, &r))
		return -1;
	sprout_record_get(&r, SPROUT_SLOT_PROMPT, t);
	return 0;
}

/* The first 120 characters (whole UTF-8 sequences) of a record's prompt. */
static void preview(sprout_jw *w, const char *record, const char *format)
{
	sprout_arena *a = sprout_arena_new(0);
	sprout_text t = {"", 0};
	if (a)
		prompt_of(a, record, format, &t);
	size_t n = t.len > 120 ? 120 : t.len;
	while (n < t.len && ((unsigned char)t.s[n] & 0xC0) == 0x80)
		n--;
	sprout_jw_stringn(w, t.s, n);
	sprout_arena_free(a);
}

sprout_code sprout_review_list_json(sprout_review *rv, long reviewer, const sprout_review_filter *f,
				    size_t offset, size_t limit, sprout_buf *out, sprout_error *err)
{
	if (!limit || limit > 200)
		limit = 200;
	char where[256], sql[1024];
	filter_sql(f, where, sizeof where);
	pthread_mutex_lock(&rv->lock);
	snprintf(sql, sizeof sql,
		 "SELECT i.id, i.method, i.label, " STATUS ", i.record, i.format, count(*) OVER () "
		 "FROM items i LEFT JOIN decisions mine ON mine.item = i.id AND mine.reviewer = ?1 "
		 "WHERE " OPEN "%s ORDER BY i.id LIMIT %zu OFFSET %zu",
		 where, limit, offset);
	sqlite3_stmt *st = prep(rv, sql);
	sprout_code rc = st ? SPROUT_OK : db_fail(rv, err, "cannot read the review project");
	long long total = 0;
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_jw_object(&w);
	sprout_jw_karray(&w, "items");
	if (!rc)
		bind_filter(st, reviewer, rv->overlap, f);
	while (!rc && !w.rc && sqlite3_step(st) == SQLITE_ROW) {
		total = sqlite3_column_int64(st, 6);
		item_head(&w, st);
		sprout_jw_key(&w, "status");
		jw_text(&w, st, 3);
		sprout_jw_key(&w, "preview");
		preview(&w, col(st, 4), col(st, 5));
		sprout_jw_end(&w);
	}
	if (!rc && !w.rc && !total) {
		/* the total when the page is past the end */
		sqlite3_finalize(st);
		snprintf(
		    sql, sizeof sql,
		    "SELECT count(*) FROM items i LEFT JOIN decisions mine ON mine.item = i.id "
		    "AND mine.reviewer = ?1 WHERE " OPEN "%s",
		    where);
		st = prep(rv, sql);
		if (st) {
			bind_filter(st, reviewer, rv->overlap, f);
			if (sqlite3_step(st) == SQLITE_ROW)
				total = sqlite3_column_int64(st, 0);
		}
	}
	sprout_jw_end(&w);
	sprout_jw_kint(&w, "total", total);
	sprout_jw_end(&w);
	int bad = sprout_jw_finish(&w) != SPROUT_OK;
	sqlite3_finalize(st);
	pthread_mutex_unlock(&rv->lock);
	if (!rc && bad)
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return rc;
}

/* {"prompt":..,"input":..} of a stored record; null when there is none. */
static void slots_json(sprout_jw *w, sqlite3_stmt *st, int i, const char *format)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL) {
		sprout_jw_null(w);
		return;
	}
	sprout_arena *a = sprout_arena_new(0);
	sprout_record r;
	if (!a || stored_record(a, col(st, i), format, &r)) {
		sprout_jw_fail(w, SPROUT_ERR_NOMEM);
	} else {
		sprout_jw_object(w);
		for (int s = 0; s < SPROUT_SLOT_SYSTEM; s++) {
			sprout_text t;
			if (!sprout_record_get(&r, (sprout_slot)s, &t))
				continue;
			sprout_jw_key(w, sprout_slot_name((sprout_slot)s));
			sprout_jw_stringn(w, t.s, t.len);
		}
		sprout_jw_end(w);
	}
	sprout_arena_free(a);
}

static sprout_code item_json(sprout_review *rv, long reviewer, long item, sprout_buf *out)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "SELECT i.id, i.method, i.label, i.score, " STATUS
		 ", i.record, i.format, i.parent, "
		 "i.model_answer, mine.decision, mine.reason, mine.comment, mine.at, mine.edited "
		 "FROM items i LEFT JOIN decisions mine ON mine.item = i.id AND mine.reviewer = ?1 "
		 "WHERE i.id = ?3 AND " OPEN);
	sqlite3_stmt *st = prep(rv, sql);
	if (!st)
		return SPROUT_ERR_IO;
	bind_open(st, reviewer, rv->overlap);
	sqlite3_bind_int64(st, 3, item);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return SPROUT_END;
	}
	/* the position: the open items up to this one */
	struct open_counts oc;
	if (open_counts(rv, reviewer, item, &oc)) {
		sqlite3_finalize(st);
		return SPROUT_ERR_IO;
	}
	const char *format = col(st, 6);
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_jw_object(&w);
	sprout_jw_kint(&w, "id", sqlite3_column_int64(st, 0));
	sprout_jw_kint(&w, "position", oc.open);
	sprout_jw_key(&w, "method");
	jw_text(&w, st, 1);
	sprout_jw_key(&w, "label");
	jw_col(&w, st, 2);
	sprout_jw_key(&w, "score");
	sprout_jw_sig(
	    &w, sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3), 4);
	sprout_jw_key(&w, "status");
	jw_text(&w, st, 4);
	sprout_jw_key(&w, "record");
	slots_json(&w, st, 5, format);
	sprout_jw_key(&w, "parent");
	slots_json(&w, st, 7, format);
	/* the scores filter recorded */
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *obj = NULL;
	const char *rec = col(st, 5);
	sprout_jw_key(&w, "scores");
	int generated = 0;
	if (!w.rc && a && !sprout_json_parse(a, rec, strlen(rec), &obj, NULL)) {
		sprout_json *m = sprout_json_get(obj, "_sprout");
		sprout_json *s = m ? sprout_json_get(m, "scores") : NULL;
		sprout_json *p = m ? sprout_json_get(m, "parent") : NULL;
		generated = p && p->type == SPROUT_JSON_STRING;
		if (s && s->type == SPROUT_JSON_OBJECT)
			sprout_jw_value(&w, s);
		else
			sprout_jw_raw(&w, "{}", 2);
	} else {
		sprout_jw_raw(&w, "{}", 2);
	}
	/* made from another record (a parent), or a real one (a seed, a record
	 * flagged from a model's predictions) */
	sprout_jw_kbool(&w, "generated", generated);
	sprout_arena_free(a);
	sprout_jw_key(&w, "decision");
	if (sqlite3_column_type(st, 9) == SQLITE_NULL) {
		sprout_jw_null(&w);
	} else {
		sprout_jw_object(&w);
		static const char *const keys[4] = {"decision", "reason", "comment", "at"};
		for (int k = 0; k < 4; k++) {
			sprout_jw_key(&w, keys[k]);
			jw_text(&w, st, 9 + k);
		}
		sprout_jw_key(&w, "record");
		slots_json(&w, st, 13, format);
		sprout_jw_end(&w);
	}
	sprout_jw_key(&w, "model_answer");
	jw_col(&w, st, 8);
	sprout_jw_end(&w);
	sqlite3_finalize(st);
	return sprout_jw_finish(&w) ? SPROUT_ERR_NOMEM : SPROUT_OK;
}

static sprout_code locked_result(sprout_review *rv, sprout_code rc, sprout_error *err)
{
	if (rc == SPROUT_ERR_IO)
		db_fail(rv, err, "cannot read the review project");
	else if (rc == SPROUT_END)
		sprout_error_set(err, rc, "no such item");
	else if (rc)
		sprout_error_set(err, rc, "out of memory");
	pthread_mutex_unlock(&rv->lock);
	return rc;
}

sprout_code sprout_review_item_json(sprout_review *rv, long reviewer, long item, sprout_buf *out,
				    sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	return locked_result(rv, item_json(rv, reviewer, item, out), err);
}

sprout_code sprout_review_next_json(sprout_review *rv, long reviewer, const sprout_review_filter *f,
				    sprout_buf *out, sprout_error *err)
{
	sprout_review_filter g = {f ? f->method : NULL, f ? f->label : NULL, "todo"};
	char where[256], sql[1024];
	filter_sql(&g, where, sizeof where);
	/* the first open item this reviewer has not decided: the first at each
	 * level of decisions below the overlap (?10; items_open, or
	 * items_method, items_label with a filter), or one they claimed */
	snprintf(sql, sizeof sql,
		 "SELECT i.id FROM items i LEFT JOIN decisions mine ON mine.item = i.id AND "
		 "mine.reviewer = ?1 WHERE i.decided = ?10 AND " OPEN "%s ORDER BY i.id LIMIT 1",
		 where);
	char claimed[1024];
	snprintf(claimed, sizeof claimed,
		 "SELECT i.id FROM claims z JOIN items i ON i.id = z.item LEFT JOIN decisions mine "
		 "ON mine.item = i.id AND mine.reviewer = ?1 WHERE z.reviewer = ?1 AND "
		 "z.until > ?9 AND ?2 = ?2%s ORDER BY i.id LIMIT 1",
		 where);
	pthread_mutex_lock(&rv->lock);
	long id = 0;
	for (unsigned d = 0; d <= rv->overlap; d++) {
		sqlite3_stmt *st = prep(rv, d < rv->overlap ? sql : claimed);
		if (!st)
			return locked_result(rv, SPROUT_ERR_IO, err);
		bind_filter(st, reviewer, rv->overlap, &g);
		sqlite3_bind_int(st, 10, (int)d);
		long got = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (got && (!id || got < id))
			id = got;
	}
	sqlite3_stmt *st;
	if (id) { /* hand it out: claimed for a while */
		st = prep(rv,
			  "INSERT OR REPLACE INTO claims(item, reviewer, until) VALUES(?, ?, ?)");
		if (!st)
			return locked_result(rv, SPROUT_ERR_IO, err);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, reviewer);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)time(NULL) + CLAIM_SECONDS);
		int ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
		if (!ok)
			return locked_result(rv, SPROUT_ERR_IO, err);
	}
	if (id)
		return locked_result(rv, item_json(rv, reviewer, id, out), err);
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_jw_object(&w);
	sprout_jw_kbool(&w, "done", 1);
	sprout_jw_key(&w, "counts");
	sprout_code rc = counts_json(rv, reviewer, &w);
	sprout_jw_end(&w);
	if (!rc && sprout_jw_finish(&w))
		rc = SPROUT_ERR_NOMEM;
	return locked_result(rv, rc, err);
}

/* ---- decisions -------------------------------------------------------------------- */

/* Whether a text is empty or only spaces. */
static int blank(const sprout_text *t)
{
	for (size_t i = 0; i < t->len; i++)
		if (!strchr(" \t\r\n\f\v", t->s[i]) || !t->s[i])
			return 0;
	return 1;
}

/* The corrected record: the item's with the edited slots, derived from it,
 * as a new gold seed. The prompt, the response and the label it had may
 * not become empty (the input may). */
static sprout_code corrected(sprout_arena *a, const char *record, const char *format,
			     const sprout_json *slots, const char *reviewer, const char *at,
			     sprout_buf *out, sprout_error *err)
{
	sprout_record parent;
	if (stored_record(a, record, format, &parent))
		return sprout_error_set(err, SPROUT_ERR_IO, "the stored record cannot be read");
	sprout_record child = {sprout_json_copy(a, parent.obj), parent.fmt, a, NULL, 0};
	if (!child.obj)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	int changed = 0;
	for (size_t i = 0; i < slots->len; i++) {
		const sprout_json_member *m = &slots->u.members[i];
		sprout_slot s;
		if (sprout_slot_parse(m->key, &s, NULL) || s == SPROUT_SLOT_SYSTEM)
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"unknown slot '%s' in record", m->key);
		if (m->value->type != SPROUT_JSON_STRING)
			return sprout_error_set(err, SPROUT_ERR_USAGE, "record.%s is not text",
						m->key);
		sprout_text old;
		sprout_record_get(&child, s, &old);
		if (old.len == m->value->len && !memcmp(old.s, m->value->u.s, old.len))
			continue;
		if (sprout_record_set(&child, s, m->value->u.s, m->value->len, err))
			return sprout_error_set(err, SPROUT_ERR_USAGE, "record.%s: %s", m->key,
						err->msg);
		changed = 1;
	}
	if (!changed)
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"an edit must change the text (or accept it)");
	static const sprout_slot required[] = {SPROUT_SLOT_PROMPT, SPROUT_SLOT_RESPONSE,
					       SPROUT_SLOT_LABEL};
	for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
		sprout_text was, now;
		sprout_record_get(&parent, required[i], &was);
		sprout_record_get(&child, required[i], &now);
		if (!blank(&was) && blank(&now))
			return sprout_error_set(err, SPROUT_ERR_USAGE,
						"the %s cannot be empty: correct it, or reject "
						"the record",
						sprout_slot_name(required[i]));
	}
	sprout_json *params = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!params || sprout_meta_derive(&child, &parent, "review.correction", params, err))
		return err->code ? err->code : SPROUT_ERR_NOMEM;
	sprout_json *m = sprout_meta_get(&child);
	sprout_json *rev = sprout_json_new(a, SPROUT_JSON_ARRAY);
	sprout_json *d = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!rev || !d ||
	    sprout_json_set(a, d, "reviewer", sprout_json_string(a, reviewer, strlen(reviewer))) ||
	    sprout_json_set(a, d, "decision", sprout_json_string(a, "edit", 4)) ||
	    sprout_json_set(a, d, "at", sprout_json_string(a, at, strlen(at))) ||
	    sprout_json_push(a, rev, d) || sprout_json_set(a, m, "review", rev) ||
	    sprout_json_set(a, m, "source", sprout_json_string(a, "correction", 10)) ||
	    sprout_json_set(a, m, "gold", sprout_json_new(a, SPROUT_JSON_TRUE)) ||
	    sprout_json_write(out, child.obj))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return SPROUT_OK;
}

/* any: the item need not be open to the reviewer (imported decisions).
 * replaced (may be NULL) is set when the decision replaced one the
 * reviewer had saved on the item before. */
static sprout_code decide(sprout_review *rv, long reviewer, long item, const char *decision,
			  const char *reason, const char *comment, const sprout_json *slots,
			  const char *at, int any, int *replaced, sprout_error *err)
{
	sqlite3_stmt *st =
	    prep(rv, any ? "SELECT i.record, i.format, r.name FROM items i, reviewers r "
			   "WHERE i.id = ?3 AND r.id = ?1 AND ?2 = ?2"
			 : "SELECT i.record, i.format, r.name FROM items i, reviewers r "
			   "WHERE i.id = ?3 AND r.id = ?1 AND " OPEN);
	if (!st)
		return db_fail(rv, err, "cannot read the review project");
	bind_open(st, reviewer, rv->overlap);
	sqlite3_bind_int64(st, 3, item);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sprout_error_set(err, SPROUT_END, "no such item");
	}
	sprout_buf ed = SPROUT_BUF_INIT((size_t)64 << 20);
	sprout_code rc = SPROUT_OK;
	if (!strcmp(decision, "edit")) {
		sprout_arena *a = sprout_arena_new(0);
		rc = a ? corrected(a, col(st, 0), col(st, 1), slots, col(st, 2), at, &ed, err)
		       : sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		sprout_arena_free(a);
	}
	sqlite3_finalize(st);
	static const char *const sqls[4] = {
	    /* a first decision of this reviewer counts once more */
	    "UPDATE items SET decided = decided + 1 WHERE id = ?1 AND NOT EXISTS(SELECT 1 FROM "
	    "decisions WHERE item = ?1 AND reviewer = ?2)",
	    "INSERT OR REPLACE INTO decisions(item, reviewer, decision, reason, comment, edited, "
	    "at) VALUES(?,?,?,?,?,?,?)",
	    "INSERT INTO history(item, reviewer, decision, reason, comment, edited, at) "
	    "VALUES(?,?,?,?,?,?,?)",
	    "DELETE FROM claims WHERE item = ?1 AND reviewer = ?2"};
	if (!rc && sqlite3_exec(rv->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(rv, err, "cannot save the decision");
	/* the statements take the parameters they name (binding the others is a
	 * harmless SQLITE_RANGE) */
	for (int k = 0; !rc && k < 4; k++) {
		st = prep(rv, sqls[k]);
		if (!st) {
			rc = db_fail(rv, err, "cannot save the decision");
			break;
		}
		sqlite3_bind_int64(st, 1, item);
		sqlite3_bind_int64(st, 2, reviewer);
		sqlite3_bind_text(st, 3, decision, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, reason ? reason : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, comment ? comment : "", -1, SQLITE_STATIC);
		if (ed.len)
			sqlite3_bind_text(st, 6, ed.data, (int)ed.len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
		sqlite3_bind_text(st, 7, at, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(rv, err, "cannot save the decision");
		else if (k == 0 && replaced)
			*replaced = sqlite3_changes(rv->db) == 0;
		sqlite3_finalize(st);
	}
	if (!rc && sqlite3_exec(rv->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(rv, err, "cannot save the decision");
	if (rc && rc != SPROUT_ERR_USAGE && rc != SPROUT_END)
		sqlite3_exec(rv->db, "ROLLBACK", NULL, NULL, NULL);
	sprout_buf_release(&ed);
	return rc;
}

/* Whether a JSON string holds a NUL (\u0000): reasons, comments and names
 * are kept as C strings, so such a text is refused rather than cut. */
static int has_nul(const sprout_json *v)
{
	return v && v->type == SPROUT_JSON_STRING && memchr(v->u.s, '\0', v->len);
}

static const char *str_member(const sprout_json *o, const char *key, sprout_error *err, int *bad)
{
	sprout_json *v = sprout_json_get(o, key);
	if (!v || v->type == SPROUT_JSON_NULL)
		return NULL;
	if (v->type != SPROUT_JSON_STRING) {
		sprout_error_set(err, SPROUT_ERR_USAGE, "\"%s\" must be text", key);
		*bad = 1;
		return NULL;
	}
	if (v->len > 10000) {
		sprout_error_set(err, SPROUT_ERR_USAGE, "\"%s\" is too long", key);
		*bad = 1;
	} else if (has_nul(v)) {
		sprout_error_set(err, SPROUT_ERR_USAGE,
				 "\"%s\" holds a NUL character (\\u0000): take it out", key);
		*bad = 1;
	}
	return v->u.s;
}

/* A decision's body: decision, reason, comment and record checked. */
struct decision_body {
	const char *decision, *reason, *comment;
	sprout_json *slots, *obj;
};

static sprout_code parse_decision(sprout_arena *a, const char *body, size_t len,
				  struct decision_body *d, sprout_error *err)
{
	sprout_error perr = SPROUT_ERROR_INIT;
	int bad = 0;
	memset(d, 0, sizeof *d);
	if (sprout_json_parse(a, body, len, &d->obj, &perr) || d->obj->type != SPROUT_JSON_OBJECT)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "the body is not a JSON object");
	d->decision = str_member(d->obj, "decision", err, &bad);
	d->reason = str_member(d->obj, "reason", err, &bad);
	d->comment = str_member(d->obj, "comment", err, &bad);
	d->slots = sprout_json_get(d->obj, "record");
	const char *x = d->decision;
	if (bad)
		return SPROUT_ERR_USAGE;
	if (!x || (strcmp(x, "accept") && strcmp(x, "reject") && strcmp(x, "edit")))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"\"decision\" is accept, reject or edit");
	if (!strcmp(x, "reject") && (!d->reason || !*d->reason))
		return sprout_error_set(err, SPROUT_ERR_USAGE, "a rejection needs a reason");
	if (!strcmp(x, "edit") && (!d->slots || d->slots->type != SPROUT_JSON_OBJECT))
		return sprout_error_set(err, SPROUT_ERR_USAGE,
					"an edit needs \"record\": the corrected texts");
	return SPROUT_OK;
}

/* The reviewer's decision on the item now, into out ("" for none). */
static int current_decision(sprout_review *rv, long reviewer, long item, char *out, size_t n)
{
	sqlite3_stmt *st =
	    prep(rv, "SELECT decision FROM decisions WHERE item = ? AND reviewer = ?");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, item);
	sqlite3_bind_int64(st, 2, reviewer);
	snprintf(out, n, "%s", sqlite3_step(st) == SQLITE_ROW ? col(st, 0) : "");
	sqlite3_finalize(st);
	return 0;
}

sprout_code sprout_review_decide_json(sprout_review *rv, long reviewer, long item, const char *body,
				      size_t len, int *conflict, sprout_error *err)
{
	if (conflict)
		*conflict = 0;
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	struct decision_body d;
	sprout_code rc = parse_decision(a, body, len, &d, err);
	/* expected_previous: what the page believes this reviewer decided (null:
	 * nothing); a decision made meanwhile (another tab, another filter) is
	 * not replaced without the reviewer seeing it */
	const sprout_json *ep = sprout_json_get(d.obj, "expected_previous");
	if (!rc && ep && ep->type != SPROUT_JSON_NULL && ep->type != SPROUT_JSON_STRING)
		rc = sprout_error_set(err, SPROUT_ERR_USAGE,
				      "\"expected_previous\" is null or accept, reject or edit");
	if (!rc) {
		char at[32], now[16];
		now_utc(at);
		pthread_mutex_lock(&rv->lock);
		if (ep && current_decision(rv, reviewer, item, now, sizeof now))
			rc = db_fail(rv, err, "cannot read the review project");
		else if (ep && strcmp(now, ep->type == SPROUT_JSON_STRING ? ep->u.s : "")) {
			if (conflict)
				*conflict = 1;
			if (*now)
				rc =
				    sprout_error_set(err, SPROUT_ERR_USAGE,
						     "you decided '%s' on this item since: confirm "
						     "to replace it",
						     now);
			else
				rc =
				    sprout_error_set(err, SPROUT_ERR_USAGE,
						     "this item has no decision of yours any more");
		} else {
			rc = decide(rv, reviewer, item, d.decision, d.reason, d.comment, d.slots,
				    at, 0, NULL, err);
		}
		pthread_mutex_unlock(&rv->lock);
	}
	sprout_arena_free(a);
	return rc;
}

/* ---- adjudication ------------------------------------------------------------------ */

/* Items with two or more decisions that are not all the same. */
#define DISPUTED(i)                                                                                \
	"((SELECT count(*) FROM decisions x WHERE x.item = " i                                     \
	".id) >= 2 AND (SELECT count(DISTINCT "                                                    \
	"x.decision) FROM decisions x WHERE x.item = " i ".id) > 1)"

sprout_code sprout_review_disagreements_json(sprout_review *rv, sprout_buf *out, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *it =
	    prep(rv, "SELECT i.id, i.method, i.label, i.record, i.format, i.parent, "
		     "a.decision, a.reason, a.edited, a.at, r.name FROM items i LEFT JOIN "
		     "adjudications a ON a.item = i.id LEFT JOIN reviewers r ON r.id = "
		     "a.reviewer WHERE a.item IS NOT NULL OR " DISPUTED("i") " ORDER BY i.id");
	sqlite3_stmt *ds =
	    prep(rv, "SELECT r.name, d.decision, d.reason, d.comment, d.at, d.edited "
		     "FROM decisions d JOIN reviewers r ON r.id = d.reviewer WHERE "
		     "d.item = ? ORDER BY r.name");
	sprout_jw w;
	sprout_jw_init(&w, out);
	sprout_jw_object(&w);
	sprout_jw_karray(&w, "items");
	if (!it || !ds)
		sprout_jw_fail(&w, SPROUT_ERR_IO);
	while (!w.rc && sqlite3_step(it) == SQLITE_ROW) {
		const char *format = col(it, 4);
		item_head(&w, it);
		sprout_jw_key(&w, "record");
		slots_json(&w, it, 3, format);
		sprout_jw_key(&w, "parent");
		slots_json(&w, it, 5, format);
		sprout_jw_karray(&w, "decisions");
		sqlite3_reset(ds);
		sqlite3_bind_int64(ds, 1, sqlite3_column_int64(it, 0));
		while (!w.rc && sqlite3_step(ds) == SQLITE_ROW) {
			static const char *const keys[5] = {"reviewer", "decision", "reason",
							    "comment", "at"};
			sprout_jw_object(&w);
			for (int k = 0; k < 5; k++) {
				sprout_jw_key(&w, keys[k]);
				jw_text(&w, ds, k);
			}
			sprout_jw_key(&w, "record");
			slots_json(&w, ds, 5, format);
			sprout_jw_end(&w);
		}
		sprout_jw_end(&w);
		sprout_jw_key(&w, "final");
		if (sqlite3_column_type(it, 6) == SQLITE_NULL) {
			sprout_jw_null(&w);
		} else {
			/* decision, reason, by, at */
			static const struct {
				const char *key;
				int col;
			} fin[4] = {{"decision", 6}, {"reason", 7}, {"by", 10}, {"at", 9}};
			sprout_jw_object(&w);
			for (int k = 0; k < 4; k++) {
				sprout_jw_key(&w, fin[k].key);
				jw_text(&w, it, fin[k].col);
			}
			sprout_jw_key(&w, "record");
			slots_json(&w, it, 8, format);
			sprout_jw_end(&w);
		}
		sprout_jw_end(&w);
	}
	sprout_jw_end(&w);
	sprout_jw_end(&w);
	int bad = sprout_jw_finish(&w) != SPROUT_OK;
	sqlite3_finalize(it);
	sqlite3_finalize(ds);
	pthread_mutex_unlock(&rv->lock);
	return bad ? sprout_error_set(err, SPROUT_ERR_IO, "cannot read the review project")
		   : SPROUT_OK;
}

sprout_code sprout_review_adjudicate_json(sprout_review *rv, long reviewer, long item,
					  const char *body, size_t len, sprout_error *err)
{
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	struct decision_body d;
	sprout_buf ed = SPROUT_BUF_INIT((size_t)64 << 20);
	sprout_code rc = parse_decision(a, body, len, &d, err);
	char at[32];
	now_utc(at);
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = NULL;
	if (!rc && !is_adjudicator(rv, reviewer))
		rc = sprout_error_set(err, SPROUT_ERR_USAGE,
				      "only an adjudicator sets final decisions ('sprout review "
				      "reviewer add NAME --adjudicator')");
	if (!rc && !(st = prep(rv, "SELECT i.record, i.format, r.name FROM items i, reviewers r "
				   "WHERE i.id = ? AND r.id = ?")))
		rc = db_fail(rv, err, "cannot read the review project");
	if (!rc) {
		sqlite3_bind_int64(st, 1, item);
		sqlite3_bind_int64(st, 2, reviewer);
		if (sqlite3_step(st) != SQLITE_ROW)
			rc = sprout_error_set(err, SPROUT_END, "no such item");
		else if (!strcmp(d.decision, "edit"))
			rc =
			    corrected(a, col(st, 0), col(st, 1), d.slots, col(st, 2), at, &ed, err);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (!rc && !(st = prep(rv, "INSERT OR REPLACE INTO adjudications(item, reviewer, decision, "
				   "reason, edited, at) VALUES(?, ?, ?, ?, ?, ?)")))
		rc = db_fail(rv, err, "cannot save the final decision");
	if (!rc) {
		sqlite3_bind_int64(st, 1, item);
		sqlite3_bind_int64(st, 2, reviewer);
		sqlite3_bind_text(st, 3, d.decision, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, d.reason ? d.reason : "", -1, SQLITE_STATIC);
		if (ed.len)
			sqlite3_bind_text(st, 5, ed.data, (int)ed.len, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, at, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_fail(rv, err, "cannot save the final decision");
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&rv->lock);
	sprout_buf_release(&ed);
	sprout_arena_free(a);
	return rc;
}

/* ---- results ---------------------------------------------------------------------- */

/* Cohen's kappa of two raters over items both rated, and Fleiss' kappa over
 * items with exactly m ratings, categories accept / reject / edit. */
static int category(const char *d)
{
	return !strcmp(d, "accept") ? 0 : !strcmp(d, "reject") ? 1 : 2;
}

double sprout_review_alpha_nominal(const unsigned *counts, size_t units, size_t k, size_t *pairable)
{
	/* the coincidence matrix o[c][d]: each ordered pair of ratings of a
	 * unit, weighted 1 / (m_u - 1); alpha = 1 - (n - 1) D_o / D_e with
	 * D_o = sum of o off the diagonal, D_e = sum over c != d of n_c n_d */
	double *o = calloc(k * k + 1, sizeof *o), n = 0;
	if (!o)
		return NAN;
	for (size_t u = 0; u < units; u++) {
		const unsigned *x = counts + u * k;
		double m = 0;
		for (size_t c = 0; c < k; c++)
			m += x[c];
		if (m < 2)
			continue;
		n += m;
		for (size_t c = 0; c < k; c++)
			for (size_t d = 0; d < k; d++)
				o[c * k + d] += (double)x[c] * ((double)x[d] - (c == d)) / (m - 1);
	}
	double dis = 0, expected = 0;
	for (size_t c = 0; c < k; c++) {
		double nc = 0;
		for (size_t d = 0; d < k; d++) {
			nc += o[c * k + d];
			if (c != d)
				dis += o[c * k + d];
		}
		for (size_t d = 0; d < k; d++) {
			double nd = 0;
			for (size_t e = 0; e < k; e++)
				nd += o[d * k + e];
			if (c != d)
				expected += nc * nd;
		}
	}
	free(o);
	if (pairable)
		*pairable = (size_t)n;
	if (n < 2 || expected <= 0)
		return NAN;
	return 1 - (n - 1) * dis / expected;
}

/* Krippendorff's alpha over the items two or more decided, as JSON. */
static sprout_code alpha_json(sprout_review *rv, sprout_jw *w)
{
	sqlite3_stmt *st = prep(rv, "SELECT sum(decision = 'accept'), sum(decision = 'reject'), "
				    "sum(decision = 'edit') FROM decisions GROUP BY item "
				    "HAVING count(*) >= 2");
	if (!st)
		return SPROUT_ERR_IO;
	unsigned *c = NULL;
	size_t n = 0, cap = 0;
	int bad = 0;
	while (!bad && sqlite3_step(st) == SQLITE_ROW) {
		if (n == cap) {
			unsigned *more = realloc(c, (cap = cap ? 2 * cap : 64) * 3 * sizeof *c);
			if (!more) {
				bad = 1;
				break;
			}
			c = more;
		}
		for (int j = 0; j < 3; j++)
			c[n * 3 + j] = (unsigned)sqlite3_column_int64(st, j);
		n++;
	}
	sqlite3_finalize(st);
	size_t values = 0;
	double a = bad ? NAN : sprout_review_alpha_nominal(c, n, 3, &values);
	free(c);
	if (bad)
		return SPROUT_ERR_NOMEM;
	if (!n) {
		sprout_jw_null(w);
		return w->rc;
	}
	sprout_jw_object(w);
	sprout_jw_kfixed(w, "alpha", a, 4);
	sprout_jw_kuint(w, "items", n);
	sprout_jw_kuint(w, "ratings", values);
	sprout_jw_end(w);
	return w->rc;
}

/* Cohen's or Fleiss' kappa as an object. */
static sprout_code kappa_json(sprout_jw *w, const char *kind, double kappa, double observed,
			      double items, long raters, unsigned per_item)
{
	sprout_jw_object(w);
	sprout_jw_kstring(w, "kind", kind);
	sprout_jw_kfixed(w, "kappa", kappa, 4);
	sprout_jw_kfixed(w, "observed", observed, 4);
	sprout_jw_kfixed(w, "items", items, 0);
	sprout_jw_kint(w, "raters", raters);
	if (per_item)
		sprout_jw_kuint(w, "ratings_per_item", per_item);
	sprout_jw_end(w);
	return w->rc;
}

static sprout_code agreement_json(sprout_review *rv, sprout_jw *w)
{
	sqlite3_stmt *st = prep(rv, "SELECT count(DISTINCT reviewer) FROM decisions");
	long raters = st && sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (raters < 2) {
		sprout_jw_null(w);
		return w->rc;
	}
	if (raters == 2) {
		st = prep(rv, "SELECT a.decision, b.decision FROM decisions a JOIN decisions b ON "
			      "a.item = b.item AND a.reviewer < b.reviewer");
		double n = 0, agree = 0, pa[3] = {0}, pb[3] = {0};
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			int x = category(col(st, 0)), y = category(col(st, 1));
			n++;
			agree += x == y;
			pa[x]++;
			pb[y]++;
		}
		sqlite3_finalize(st);
		if (!n) {
			sprout_jw_null(w);
			return w->rc;
		}
		double po = agree / n, pe = 0;
		for (int c = 0; c < 3; c++)
			pe += (pa[c] / n) * (pb[c] / n);
		double k = pe < 1 ? (po - pe) / (1 - pe) : 1;
		return kappa_json(w, "cohen", k, po, n, 2, 0);
	}
	/* Fleiss: items rated exactly m = overlap (at least 2) times */
	unsigned m = rv->overlap >= 2 ? rv->overlap : 2;
	st = prep(rv, "SELECT sum(decision = 'accept'), sum(decision = 'reject'), "
		      "sum(decision = 'edit') FROM decisions GROUP BY item HAVING count(*) = ?");
	if (!st)
		return SPROUT_ERR_IO;
	sqlite3_bind_int(st, 1, (int)m);
	double N = 0, sumP = 0, pj[3] = {0};
	while (sqlite3_step(st) == SQLITE_ROW) {
		double cnt[3], s2 = 0;
		for (int c = 0; c < 3; c++) {
			cnt[c] = (double)sqlite3_column_int64(st, c);
			pj[c] += cnt[c];
			s2 += cnt[c] * cnt[c];
		}
		sumP += (s2 - m) / ((double)m * (m - 1));
		N++;
	}
	sqlite3_finalize(st);
	if (!N) {
		sprout_jw_null(w);
		return w->rc;
	}
	double Pbar = sumP / N, Pe = 0;
	for (int c = 0; c < 3; c++) {
		double p = pj[c] / (N * m);
		Pe += p * p;
	}
	double k = Pe < 1 ? (Pbar - Pe) / (1 - Pe) : 1;
	return kappa_json(w, "fleiss", k, Pbar, N, raters, m);
}

double sprout_review_judge_kappa(const int *score, const int *keep, size_t n, int threshold,
				 double *accuracy)
{
	double agree = 0, judge = 0, people = 0;
	for (size_t i = 0; i < n; i++) {
		int j = score[i] >= threshold, p = keep[i] != 0;
		agree += j == p;
		judge += j;
		people += p;
	}
	*accuracy = n ? agree / (double)n : NAN;
	if (!n)
		return NAN;
	double pj = judge / (double)n, pp = people / (double)n;
	double po = agree / (double)n, pe = pj * pp + (1 - pj) * (1 - pp);
	return pe < 1 ? (po - pe) / (1 - pe) : NAN;
}

/* One judge rubric's scores on the reviewed items, and what the reviewers
 * decided. */
struct judged {
	char name[64];
	int *score, *keep, *min;
	size_t n, cap;
};

static int judged_add(struct judged **v, size_t *nv, const char *name, size_t nlen, int score,
		      int keep, int min)
{
	size_t k = 0;
	while (k < *nv && (strlen((*v)[k].name) != nlen || memcmp((*v)[k].name, name, nlen)))
		k++;
	if (k == *nv) {
		struct judged *more = realloc(*v, (*nv + 1) * sizeof *more);
		if (!more)
			return -1;
		*v = more;
		memset(&more[k], 0, sizeof more[k]);
		snprintf(more[k].name, sizeof more[k].name, "%.*s", (int)nlen, name);
		(*nv)++;
	}
	struct judged *j = &(*v)[k];
	if (j->n == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 64;
		int *a = realloc(j->score, cap * sizeof *a);
		if (a)
			j->score = a;
		int *b = a ? realloc(j->keep, cap * sizeof *b) : NULL;
		if (b)
			j->keep = b;
		int *c = b ? realloc(j->min, cap * sizeof *c) : NULL;
		if (!c)
			return -1;
		j->min = c;
		j->cap = cap;
	}
	j->score[j->n] = score;
	j->keep[j->n] = keep;
	j->min[j->n++] = min;
	return 0;
}

static int by_judge_name(const void *a, const void *b)
{
	return strcmp(((const struct judged *)a)->name, ((const struct judged *)b)->name);
}

/* A kappa and an accuracy, four decimals (null when not a number). */
static void kappa_accuracy(sprout_jw *w, double kappa, double accuracy)
{
	sprout_jw_kfixed(w, "kappa", kappa, 4);
	sprout_jw_kfixed(w, "accuracy", accuracy, 4);
}

/* The judges against the reviewers: for each item with a decision, the
 * reviewers keep it when the adjudicator accepted it, else when accepts
 * outnumber rejections and edits (a tie counts for neither: the item is
 * left out); an edit says the record was not good as it stood. Each
 * "judge:RUBRIC" score of the item's record is compared with that. */
static sprout_code judges_json(sprout_review *rv, sprout_jw *w)
{
	sqlite3_stmt *st =
	    prep(rv, "SELECT i.record, a.decision, sum(d.decision = 'accept'), "
		     "sum(d.decision != 'accept') FROM items i JOIN decisions d ON "
		     "d.item = i.id LEFT JOIN adjudications a ON a.item = i.id GROUP BY "
		     "i.id ORDER BY i.id");
	if (!st)
		return SPROUT_ERR_IO;
	struct judged *v = NULL;
	size_t nv = 0;
	int bad = 0;
	sprout_arena *a = sprout_arena_new(0);
	bad = !a;
	while (!bad && sqlite3_step(st) == SQLITE_ROW) {
		long long yes = sqlite3_column_int64(st, 2), no = sqlite3_column_int64(st, 3);
		int keep;
		if (sqlite3_column_type(st, 1) != SQLITE_NULL)
			keep = !strcmp(col(st, 1), "accept");
		else if (yes != no)
			keep = yes > no;
		else
			continue;
		const char *rec = col(st, 0);
		sprout_json *obj = NULL;
		sprout_arena_reset(a);
		if (sprout_json_parse(a, rec, strlen(rec), &obj, NULL))
			continue;
		sprout_json *m = sprout_json_get(obj, "_sprout");
		sprout_json *sc =
		    m && m->type == SPROUT_JSON_OBJECT ? sprout_json_get(m, "scores") : NULL;
		for (size_t k = 0; sc && sc->type == SPROUT_JSON_OBJECT && k < sc->len && !bad;
		     k++) {
			const sprout_json_member *mm = &sc->u.members[k];
			const sprout_json *x = mm->value;
			if (mm->klen <= 6 || mm->klen > 6 + 60 || memcmp(mm->key, "judge:", 6) ||
			    x->type != SPROUT_JSON_OBJECT)
				continue;
			const sprout_json *s = sprout_json_get(x, "score"),
					  *mn = sprout_json_get(x, "min");
			double sv =
			    s && s->type == SPROUT_JSON_NUMBER ? sprout_json_number(s) : NAN;
			double mv =
			    mn && mn->type == SPROUT_JSON_NUMBER ? sprout_json_number(mn) : NAN;
			if (!(sv >= 1 && sv <= 5 && sv == floor(sv)))
				continue;
			bad = judged_add(&v, &nv, mm->key + 6, mm->klen - 6, (int)sv, keep,
					 mv >= 1 && mv <= 5 && mv == floor(mv) ? (int)mv : 0);
		}
	}
	sqlite3_finalize(st);
	sprout_arena_free(a);
	if (nv)
		qsort(v, nv, sizeof *v, by_judge_name);
	sprout_jw_array(w);
	for (size_t k = 0; k < nv && !bad; k++) {
		struct judged *j = &v[k];
		/* the threshold the filter held them to: the most common, the
		 * lowest of a tie */
		size_t count[6] = {0}, people = 0;
		int used = 0;
		for (size_t i = 0; i < j->n; i++) {
			count[j->min[i]]++;
			people += j->keep[i] != 0;
		}
		for (int t = 1; t <= 5; t++)
			if (count[t] > (used ? count[used] : 0))
				used = t;
		/* the best threshold: the highest kappa; of a tie, the higher
		 * accuracy, then the lower threshold */
		double kap[6], acc[6];
		int best = 0;
		for (int t = 1; t <= 5; t++) {
			kap[t] = sprout_review_judge_kappa(j->score, j->keep, j->n, t, &acc[t]);
			if (isnan(kap[t]))
				continue;
			if (!best || kap[t] > kap[best] + 1e-12 ||
			    (fabs(kap[t] - kap[best]) <= 1e-12 && acc[t] > acc[best] + 1e-12))
				best = t;
		}
		sprout_jw_object(w);
		sprout_jw_kstring(w, "rubric", j->name);
		sprout_jw_kuint(w, "items", j->n);
		sprout_jw_kuint(w, "reviewers_keep", people);
		sprout_jw_key(w, "threshold");
		if (used)
			sprout_jw_int(w, used);
		else
			sprout_jw_null(w);
		kappa_accuracy(w, used ? kap[used] : NAN, used ? acc[used] : NAN);
		sprout_jw_key(w, "best");
		if (best) {
			sprout_jw_object(w);
			sprout_jw_kint(w, "threshold", best);
			kappa_accuracy(w, kap[best], acc[best]);
			sprout_jw_end(w);
		} else {
			sprout_jw_null(w);
		}
		sprout_jw_karray(w, "thresholds");
		for (int t = 1; t <= 5; t++) {
			size_t kept = 0;
			for (size_t i = 0; i < j->n; i++)
				kept += j->score[i] >= t;
			sprout_jw_object(w);
			sprout_jw_kint(w, "threshold", t);
			sprout_jw_kuint(w, "judge_keeps", kept);
			kappa_accuracy(w, kap[t], acc[t]);
			sprout_jw_end(w);
		}
		sprout_jw_end(w);
		sprout_jw_end(w);
		bad = w->rc != SPROUT_OK;
	}
	for (size_t k = 0; k < nv; k++) {
		free(v[k].score);
		free(v[k].keep);
		free(v[k].min);
	}
	free(v);
	sprout_jw_end(w);
	return bad || w->rc ? SPROUT_ERR_NOMEM : SPROUT_OK;
}

sprout_code sprout_review_stats_json(sprout_review *rv, sprout_buf *out, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "SELECT count(*), (SELECT count(*) FROM (SELECT item FROM "
				    "decisions GROUP BY item HAVING count(*) >= ?1)) FROM items");
	sprout_jw w;
	sprout_jw_init(&w, out);
	int bad = !st;
	if (!bad) {
		sqlite3_bind_int(st, 1, (int)rv->overlap);
		bad = sqlite3_step(st) != SQLITE_ROW;
		sprout_jw_object(&w);
		sprout_jw_kstring(&w, "project", rv->name);
		sprout_jw_kint(&w, "items", sqlite3_column_int64(st, 0));
		sprout_jw_kuint(&w, "overlap", rv->overlap);
		sprout_jw_kint(&w, "complete", sqlite3_column_int64(st, 1));
	}
	sqlite3_finalize(st);
	/* per reviewer */
	st = bad ? NULL
		 : prep(rv, "SELECT r.name, count(d.item), sum(d.decision = 'accept'), "
			    "sum(d.decision = 'reject'), sum(d.decision = 'edit'), r.token IS NULL "
			    "FROM reviewers r LEFT JOIN decisions d ON d.reviewer = r.id "
			    "GROUP BY r.id ORDER BY r.name");
	static const char *const counts[4] = {"decisions", "accepted", "rejected", "edited"};
	bad = bad || !st;
	sprout_jw_karray(&w, "reviewers");
	while (!bad && !w.rc && sqlite3_step(st) == SQLITE_ROW) {
		sprout_jw_object(&w);
		sprout_jw_key(&w, "name");
		jw_text(&w, st, 0);
		for (int k = 0; k < 4; k++)
			sprout_jw_kint(&w, counts[k], sqlite3_column_int64(st, 1 + k));
		sprout_jw_kbool(&w, "removed", sqlite3_column_int(st, 5));
		sprout_jw_end(&w);
	}
	sprout_jw_end(&w);
	sqlite3_finalize(st);
	/* per method */
	st =
	    bad ? NULL
		: prep(rv, "SELECT i.method, count(d.item), sum(d.decision = 'accept'), "
			   "sum(d.decision = 'reject'), sum(d.decision = 'edit') FROM items i JOIN "
			   "decisions d ON d.item = i.id GROUP BY i.method ORDER BY i.method");
	bad = bad || !st;
	sprout_jw_karray(&w, "methods");
	while (!bad && !w.rc && sqlite3_step(st) == SQLITE_ROW) {
		long long n = sqlite3_column_int64(st, 1), acc = sqlite3_column_int64(st, 2);
		sprout_jw_object(&w);
		sprout_jw_key(&w, "method");
		jw_text(&w, st, 0);
		for (int k = 0; k < 4; k++)
			sprout_jw_kint(&w, counts[k], sqlite3_column_int64(st, 1 + k));
		sprout_jw_kfixed(&w, "acceptance", n ? (double)acc / (double)n : 0.0, 4);
		sprout_jw_end(&w);
	}
	sprout_jw_end(&w);
	sqlite3_finalize(st);
	sprout_jw_key(&w, "agreement");
	bad = bad || agreement_json(rv, &w);
	sprout_jw_key(&w, "krippendorff");
	bad = bad || alpha_json(rv, &w);
	sprout_jw_key(&w, "judges");
	bad = bad || judges_json(rv, &w);
	sprout_jw_end(&w);
	bad = bad || sprout_jw_finish(&w);
	pthread_mutex_unlock(&rv->lock);
	return bad ? sprout_error_set(err, SPROUT_ERR_IO, "cannot read the review project")
		   : SPROUT_OK;
}

/* The accepted record with its reviews in _sprout.review; a flagged one
 * (the model got it wrong, the expert confirmed the answer) is a new gold
 * seed, like a correction. */
static int reviewed_record(sprout_arena *a, const char *record, sqlite3_stmt *ds, int flagged,
			   sprout_buf *out)
{
	sprout_json *obj;
	if (sprout_json_parse(a, record, strlen(record), &obj, NULL))
		return -1;
	sprout_json *m = sprout_json_get(obj, "_sprout");
	sprout_json *rev = sprout_json_new(a, SPROUT_JSON_ARRAY);
	if (!m || m->type != SPROUT_JSON_OBJECT || !rev)
		return -1;
	sqlite3_reset(ds);
	while (sqlite3_step(ds) == SQLITE_ROW) {
		sprout_json *d = sprout_json_new(a, SPROUT_JSON_OBJECT);
		const char *fields[4] = {"reviewer", "decision", "reason", "at"};
		int cols[4] = {0, 1, 2, 3};
		for (int k = 0; d && k < 4; k++) {
			const char *v = col(ds, cols[k]);
			if (k == 2 && !*v)
				continue;
			if (sprout_json_set(a, d, fields[k], sprout_json_string(a, v, strlen(v))))
				return -1;
		}
		if (!d || sprout_json_push(a, rev, d))
			return -1;
	}
	if (flagged && (sprout_json_set(a, m, "source", sprout_json_string(a, "correction", 10)) ||
			sprout_json_set(a, m, "gold", sprout_json_new(a, SPROUT_JSON_TRUE))))
		return -1;
	return sprout_json_set(a, m, "review", rev) || sprout_json_write(out, obj) ? -1 : 0;
}

/* The record in rec with its final decision's provenance in
 * _sprout.adjudication: who set it, what, why and when, and the reviews it
 * settled. */
static int with_adjudication(sprout_arena *a, sprout_buf *rec, sqlite3_stmt *adj, sqlite3_stmt *ds)
{
	sprout_json *obj, *m, *x = sprout_json_new(a, SPROUT_JSON_OBJECT),
			      *revs = sprout_json_new(a, SPROUT_JSON_ARRAY);
	if (!x || !revs || sprout_json_parse(a, rec->data, rec->len, &obj, NULL) ||
	    !(m = sprout_json_get(obj, "_sprout")) || m->type != SPROUT_JSON_OBJECT)
		return -1;
	static const char *const keys[] = {"by", "decision", "reason", "at"};
	for (int k = 0; k < 4; k++) {
		const char *v = col(adj, k);
		if ((k != 2 || *v) &&
		    sprout_json_set(a, x, keys[k], sprout_json_string(a, v, strlen(v))))
			return -1;
	}
	sqlite3_reset(ds);
	while (sqlite3_step(ds) == SQLITE_ROW) {
		sprout_json *d = sprout_json_new(a, SPROUT_JSON_OBJECT);
		static const char *const dk[] = {"reviewer", "decision", "reason"};
		for (int k = 0; d && k < 3; k++) {
			const char *v = col(ds, k);
			if ((k != 2 || *v) &&
			    sprout_json_set(a, d, dk[k], sprout_json_string(a, v, strlen(v))))
				return -1;
		}
		if (!d || sprout_json_push(a, revs, d))
			return -1;
	}
	if (sprout_json_set(a, x, "reviews", revs) || sprout_json_set(a, m, "adjudication", x))
		return -1;
	sprout_buf_clear(rec);
	return sprout_json_write(rec, obj) ? -1 : 0;
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

sprout_code sprout_review_export(sprout_review *rv, sprout_review_each each, void *ctx,
				 sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *it =
	    prep(rv, "SELECT id, record, model_answer IS NOT NULL FROM items ORDER BY id");
	sqlite3_stmt *ds =
	    prep(rv, "SELECT r.name, d.decision, d.reason, d.at, d.edited FROM "
		     "decisions d JOIN reviewers r ON r.id = d.reviewer WHERE d.item = ? "
		     "ORDER BY d.at, r.name");
	sqlite3_stmt *adj = prep(rv, "SELECT r.name, a.decision, a.reason, a.at, a.edited FROM "
				     "adjudications a JOIN reviewers r ON r.id = a.reviewer WHERE "
				     "a.item = ?");
	sprout_code rc =
	    it && ds && adj ? SPROUT_OK : db_fail(rv, err, "cannot read the review project");
	sprout_buf rec = SPROUT_BUF_INIT((size_t)64 << 20), why = SPROUT_BUF_INIT(1 << 20);
	sprout_arena *a = sprout_arena_new(0);
	if (!a)
		rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	while (!rc && sqlite3_step(it) == SQLITE_ROW) {
		sqlite3_bind_int64(ds, 1, sqlite3_column_int64(it, 0));
		unsigned acc = 0, rej = 0, edits = 0, n = 0;
		const char *last_edit = NULL;
		sprout_buf_clear(&rec);
		sprout_buf_clear(&why);
		char *edit_copy = NULL;
		/* the rejections' reasons, by reviewer name: the decisions come in
		 * time order (the last edit wins), which ties within a second */
		char **whys = NULL;
		size_t nwhys = 0;
		while (sqlite3_step(ds) == SQLITE_ROW) {
			const char *d = col(ds, 1);
			n++;
			if (!strcmp(d, "reject")) {
				rej++;
				char **grown = realloc(whys, (nwhys + 1) * sizeof *whys);
				sprout_buf one = SPROUT_BUF_INIT(1 << 20);
				if (grown &&
				    !sprout_buf_addf(&one, "%s: %s", col(ds, 0), col(ds, 2))) {
					whys = grown;
					whys[nwhys++] = one.data;
				} else {
					whys = grown ? grown : whys;
					sprout_buf_release(&one);
					rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
							      "out of memory");
				}
			} else {
				acc++;
				if (!strcmp(d, "edit")) {
					edits++;
					free(edit_copy);
					edit_copy = strdup(col(ds, 4));
					last_edit = edit_copy;
				}
			}
		}
		if (nwhys)
			qsort(whys, nwhys, sizeof *whys, by_text);
		for (size_t k = 0; k < nwhys; k++) {
			if (!rc && sprout_buf_addf(&why, "%s%s", k ? "; " : "", whys[k]))
				rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			free(whys[k]);
		}
		free(whys);
		sprout_review_outcome oc;
		sprout_buf reason = SPROUT_BUF_INIT(1 << 20);
		if (n < rv->overlap) {
			oc = SPROUT_OUTCOME_UNDECIDED;
			sprout_buf_addf(&reason, n ? "%u of %u reviews" : "not reviewed", n,
					rv->overlap);
		} else if (acc == rej) {
			oc = SPROUT_OUTCOME_UNDECIDED;
			sprout_buf_addf(&reason, "reviewers disagree: %u accept, %u reject (%s)",
					acc, rej, why.data ? why.data : "");
		} else if (rej > acc) {
			oc = SPROUT_OUTCOME_REJECTED;
			sprout_buf_addf(&reason, "%s", why.data ? why.data : "");
		} else {
			oc = edits ? SPROUT_OUTCOME_CORRECTED : SPROUT_OUTCOME_ACCEPTED;
		}
		sprout_arena_reset(a);
		/* an adjudicator's final decision overrides the count */
		sqlite3_reset(adj);
		sqlite3_bind_int64(adj, 1, sqlite3_column_int64(it, 0));
		int final = sqlite3_step(adj) == SQLITE_ROW;
		if (final) {
			const char *fd = col(adj, 1);
			oc = !strcmp(fd, "reject") ? SPROUT_OUTCOME_REJECTED
			     : !strcmp(fd, "edit") ? SPROUT_OUTCOME_CORRECTED
						   : SPROUT_OUTCOME_ACCEPTED;
			last_edit = col(adj, 4);
			sprout_buf_clear(&reason);
			if (oc == SPROUT_OUTCOME_REJECTED)
				sprout_buf_addf(&reason, "adjudicated by %s: %s%s%s%s", col(adj, 0),
						col(adj, 2), why.len ? " (" : "",
						why.data ? why.data : "", why.len ? ")" : "");
		}
		int bad;
		if (oc == SPROUT_OUTCOME_CORRECTED)
			bad = sprout_buf_adds(&rec, last_edit) != SPROUT_OK;
		else if (oc == SPROUT_OUTCOME_ACCEPTED)
			bad = reviewed_record(a, col(it, 1), ds, sqlite3_column_int(it, 2), &rec);
		else
			bad = sprout_buf_adds(&rec, col(it, 1)) != SPROUT_OK;
		if (!bad && final)
			bad = with_adjudication(a, &rec, adj, ds);
		free(edit_copy);
		sqlite3_reset(ds);
		if (rc)
			; /* out of memory above */
		else if (bad)
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		else if (each(ctx, oc, rec.data ? rec.data : "", rec.len,
			      reason.data ? reason.data : ""))
			rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot write the export");
		sprout_buf_release(&reason);
	}
	sqlite3_finalize(it);
	sqlite3_finalize(ds);
	sqlite3_finalize(adj);
	sprout_arena_free(a);
	sprout_buf_release(&rec);
	sprout_buf_release(&why);
	pthread_mutex_unlock(&rv->lock);
	return rc;
}

/* ---- Label Studio -------------------------------------------------------------------- */

sprout_code sprout_review_label_studio_tasks(sprout_review *rv, sprout_buf *out, sprout_error *err)
{
	pthread_mutex_lock(&rv->lock);
	sqlite3_stmt *st = prep(rv, "SELECT id, record, format, parent, method, label FROM items "
				    "ORDER BY id");
	sprout_arena *a = sprout_arena_new(0);
	/* an array of tasks, one a line */
	int bad = !st || !a || sprout_buf_addc(out, '[');
	for (int first = 1; !bad && sqlite3_step(st) == SQLITE_ROW; first = 0) {
		sprout_arena_reset(a);
		sprout_text gen, orig;
		prompt_of(a, col(st, 1), col(st, 2), &gen);
		const char *parent = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : col(st, 3);
		prompt_of(a, parent, col(st, 2), &orig);
		long long id = sqlite3_column_int64(st, 0);
		bad = sprout_buf_adds(out, first ? "\n" : ",\n") != SPROUT_OK;
		sprout_jw w;
		sprout_jw_init(&w, out);
		sprout_jw_object(&w);
		sprout_jw_kint(&w, "id", id);
		sprout_jw_kobject(&w, "data");
		sprout_jw_kint(&w, "sprout_item", id);
		sprout_jw_key(&w, "text");
		sprout_jw_stringn(&w, gen.s, gen.len);
		sprout_jw_key(&w, "original");
		sprout_jw_stringn(&w, orig.s, orig.len);
		sprout_jw_key(&w, "method");
		jw_text(&w, st, 4);
		sprout_jw_key(&w, "label");
		jw_text(&w, st, 5);
		sprout_jw_end(&w);
		sprout_jw_karray(&w, "predictions");
		sprout_jw_object(&w);
		sprout_jw_key(&w, "model_version");
		jw_text(&w, st, 4);
		sprout_jw_karray(&w, "result");
		sprout_jw_object(&w);
		sprout_jw_kstring(&w, "from_name", "correction");
		sprout_jw_kstring(&w, "to_name", "text");
		sprout_jw_kstring(&w, "type", "textarea");
		sprout_jw_kobject(&w, "value");
		sprout_jw_karray(&w, "text");
		sprout_jw_stringn(&w, gen.s, gen.len);
		/* text, value, the result, result, the prediction, predictions */
		for (int k = 0; k < 6; k++)
			sprout_jw_end(&w);
		sprout_jw_end(&w);
		bad = bad || sprout_jw_finish(&w);
	}
	bad = bad || sprout_buf_adds(out, "\n]\n");
	sqlite3_finalize(st);
	sprout_arena_free(a);
	pthread_mutex_unlock(&rv->lock);
	return bad ? sprout_error_set(err, SPROUT_ERR_IO, "cannot read the review project")
		   : SPROUT_OK;
}

/* The value of the first result named from_name: choices[0] or text[0]. */
static const sprout_json *ls_value(const sprout_json *results, const char *from)
{
	for (size_t i = 0; results && results->type == SPROUT_JSON_ARRAY && i < results->len; i++) {
		const sprout_json *r = results->u.items[i];
		if (!sprout_json_is(sprout_json_get(r, "from_name"), from))
			continue;
		const sprout_json *v = sprout_json_get(r, "value");
		const sprout_json *x = v ? sprout_json_get(v, "choices") : NULL;
		if (!x && v)
			x = sprout_json_get(v, "text");
		if (x && x->type == SPROUT_JSON_ARRAY && x->len &&
		    x->u.items[0]->type == SPROUT_JSON_STRING)
			return x->u.items[0];
	}
	return NULL;
}

/* The annotator of a Label Studio annotation as a reviewer's name: its
 * "completed_by" is the user's id (an integer: the default JSON export) or
 * the user as an object ({"id":..,"email":..}): the e-mail when there is
 * one, else "label-studio-user-ID", else "label-studio". NULL when the
 * e-mail holds a NUL. */
static const char *ls_annotator(const sprout_json *by, char *buf, size_t n)
{
	const sprout_json *email =
	    by && by->type == SPROUT_JSON_OBJECT ? sprout_json_get(by, "email") : NULL;
	if (email && email->type == SPROUT_JSON_STRING && email->len) {
		if (has_nul(email))
			return NULL;
		return email->u.s;
	}
	const sprout_json *id =
	    by && by->type == SPROUT_JSON_OBJECT ? sprout_json_get(by, "id") : by;
	if (id && id->type == SPROUT_JSON_NUMBER) {
		snprintf(buf, n, "label-studio-user-%.0f", sprout_json_number(id));
		return buf;
	}
	if (id && id->type == SPROUT_JSON_STRING && id->len && !has_nul(id)) {
		snprintf(buf, n, "label-studio-user-%s", id->u.s);
		return buf;
	}
	return "label-studio";
}

/* The reviewer (without a link) named who, made when missing: its id, or 0. */
static long reviewer_named(sprout_review *rv, const char *who)
{
	char at[32];
	now_utc(at);
	sqlite3_stmt *st = prep(rv, "INSERT INTO reviewers(name, token, created) "
				    "VALUES(?, NULL, ?) ON CONFLICT(name) DO NOTHING");
	if (st) {
		sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
		sqlite3_step(st);
		sqlite3_finalize(st);
	}
	st = prep(rv, "SELECT id FROM reviewers WHERE name = ?");
	long rid = 0;
	if (st) {
		sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			rid = (long)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	return rid;
}

sprout_code sprout_review_label_studio_import(sprout_review *rv, const char *json, size_t len,
					      sprout_review_imported *out, sprout_error *err)
{
	memset(out, 0, sizeof *out);
	sprout_arena *a = sprout_arena_new(0);
	sprout_json *tasks;
	if (!a)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	if (sprout_json_parse(a, json, len, &tasks, err) || tasks->type != SPROUT_JSON_ARRAY) {
		sprout_arena_free(a);
		return err->code
			   ? err->code
			   : sprout_error_set(err, SPROUT_ERR_RECORD,
					      "a Label Studio export is a JSON array of tasks");
	}
	sprout_code rc = SPROUT_OK;
	long *seen = NULL; /* the annotators' reviewer ids, to count them */
	size_t nseen = 0;
	for (size_t i = 0; !rc && i < tasks->len; i++) {
		const sprout_json *t = tasks->u.items[i];
		const sprout_json *data = sprout_json_get(t, "data");
		const sprout_json *item = data ? sprout_json_get(data, "sprout_item") : NULL;
		/* only annotations are decisions: predictions are the model's */
		const sprout_json *anns = sprout_json_get(t, "annotations");
		size_t nann = anns && anns->type == SPROUT_JSON_ARRAY ? anns->len : 0;
		out->annotations += nann;
		double id = item && item->type == SPROUT_JSON_NUMBER ? sprout_json_number(item) : 0;
		if (!(id >= 1 && id <= 9007199254740992.0 && id == floor(id))) {
			out->skipped += nann; /* not one of ours */
			continue;
		}
		for (size_t k = 0; !rc && k < nann; k++) {
			const sprout_json *an = anns->u.items[k];
			const sprout_json *res = sprout_json_get(an, "result");
			char idname[64];
			const char *who = ls_annotator(sprout_json_get(an, "completed_by"), idname,
						       sizeof idname);
			const sprout_json *choice = ls_value(res, "decision");
			const sprout_json *fix = ls_value(res, "correction");
			const sprout_json *reason = ls_value(res, "reason");
			const sprout_json *text = sprout_json_get(data, "text");
			if (!who || has_nul(reason)) {
				rc = sprout_error_set(err, SPROUT_ERR_RECORD,
						      "task %zu: the %s holds a NUL character "
						      "(\\u0000)",
						      i + 1, !who ? "e-mail" : "reason");
				break;
			}
			const sprout_json *cancelled = sprout_json_get(an, "was_cancelled");
			if (!choice || (cancelled && cancelled->type == SPROUT_JSON_TRUE)) {
				out->skipped++;
				continue;
			}
			int reject = sprout_json_is(choice, "Reject");
			int edit = !reject && fix && text && text->type == SPROUT_JSON_STRING &&
				   !sprout_json_equal(fix, text);
			char at[32];
			now_utc(at);
			pthread_mutex_lock(&rv->lock);
			long rid = reviewer_named(rv, who);
			sprout_json *slots = sprout_json_new(a, SPROUT_JSON_OBJECT);
			if (edit && slots)
				sprout_json_set(a, slots, "prompt", (sprout_json *)fix);
			sprout_error e = SPROUT_ERROR_INIT;
			int replaced = 0;
			sprout_code d = rid ? decide(rv, rid, (long)id,
						     reject ? "reject"
						     : edit ? "edit"
							    : "accept",
						     reject ? (reason ? reason->u.s
								      : "rejected in Label Studio")
							    : NULL,
						     NULL, slots, at, 1, &replaced, &e)
					    : SPROUT_ERR_IO;
			pthread_mutex_unlock(&rv->lock);
			if (d == SPROUT_OK) {
				out->decisions++;
				out->replaced += replaced;
				size_t j = 0;
				while (j < nseen && seen[j] != rid)
					j++;
				if (j == nseen) {
					long *more = realloc(seen, (nseen + 1) * sizeof *seen);
					if (!more) {
						rc = sprout_error_set(err, SPROUT_ERR_NOMEM,
								      "out of memory");
						break;
					}
					seen = more;
					seen[nseen++] = rid;
				}
			} else if (d == SPROUT_END || d == SPROUT_ERR_USAGE) {
				out->skipped++;
			} else {
				rc = sprout_error_set(err, d, "%s", e.msg);
			}
		}
	}
	out->annotators = nseen;
	free(seen);
	sprout_arena_free(a);
	return rc;
}
