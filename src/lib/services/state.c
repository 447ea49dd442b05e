/* Run state in SQLite. See sprout/state.h. */
#include "sprout/state.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sprout_state {
	sqlite3 *db;
	char path[SPROUT_ERROR_FILE_MAX];
};

static sprout_code db_error(sprout_state *s, sprout_error *err, const char *what)
{
	sprout_error_set(err, SPROUT_ERR_IO, "%s: %s", what, sqlite3_errmsg(s->db));
	sprout_error_locate(err, s->path, 0, 0);
	return SPROUT_ERR_IO;
}

void sprout_state_close(sprout_state *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

sprout_state *sprout_state_open(const char *path, sprout_error *err)
{
	sprout_state *s = calloc(1, sizeof *s);
	if (!s) {
		sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return NULL;
	}
	snprintf(s->path, sizeof s->path, "%s", path);
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		db_error(s, err, "cannot open the run state");
		sprout_state_close(s);
		return NULL;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_exec(
		s->db,
		"PRAGMA journal_mode=WAL;"
		"CREATE TABLE IF NOT EXISTS run_state(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
		NULL, NULL, NULL) != SQLITE_OK) {
		db_error(s, err, "cannot open the run state");
		sprout_state_close(s);
		return NULL;
	}
	return s;
}

sprout_code sprout_state_get(sprout_state *s, const char *key, char **value, sprout_error *err)
{
	*value = NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM run_state WHERE key = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_error(s, err, "cannot read the run state");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	sprout_code rc = SPROUT_END;
	if (step == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		size_t n = v ? strlen(v) : 0;
		*value = malloc(n + 1);
		if (!*value) {
			rc = sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		} else {
			memcpy(*value, v ? v : "", n + 1);
			rc = SPROUT_OK;
		}
	} else if (step != SQLITE_DONE) {
		rc = db_error(s, err, "cannot read the run state");
	}
	sqlite3_finalize(st);
	return rc;
}

static sprout_code exec_bound(sprout_state *s, const char *sql, const char *a, const char *b,
			      sprout_error *err)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return db_error(s, err, "cannot write the run state");
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? SPROUT_OK : db_error(s, err, "cannot write the run state");
}

sprout_code sprout_state_put(sprout_state *s, const char *key, const char *value, sprout_error *err)
{
	return exec_bound(s, "INSERT OR REPLACE INTO run_state(key, value) VALUES(?, ?)", key,
			  value, err);
}

sprout_code sprout_state_remove_prefix(sprout_state *s, const char *prefix, sprout_error *err)
{
	/* substr compares bytes: no LIKE wildcards to escape */
	return exec_bound(s, "DELETE FROM run_state WHERE substr(key, 1, length(?1)) = ?1", prefix,
			  NULL, err);
}
