/* Prompt templates: loading (built in or from an override directory),
 * splitting into system and user message, and {{name}} substitution. The
 * built-in texts and their listing functions are generated from prompts/
 * by scripts/embed-prompts.sh. See sprout/template.h for the rules. */
#include "sprout/template.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sprout/utf8.h"

/* ---- loading ----------------------------------------------------------- */

static long find_builtin(const char *name)
{
	for (size_t i = 0; i < sprout_template_count(); i++)
		if (strcmp(sprout_template_name(i), name) == 0)
			return (long)i;
	return -1;
}

/* names[0..n) as "a, b, c" in buf, cut short when it does not fit. */
static void join(char *buf, size_t size, const char *const *names, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
}

static sprout_code unknown_template(const char *name, sprout_error *err)
{
	const char *names[64];
	size_t n = 0;
	while (n < sprout_template_count() && n < sizeof names / sizeof names[0]) {
		names[n] = sprout_template_name(n);
		n++;
	}
	char known[256];
	join(known, sizeof known, names, n);
	return sprout_error_set(err, SPROUT_ERR_USAGE, "unknown template '%s' (expected %s)", name,
				known);
}

static void line_col(const char *s, size_t off, unsigned long *line, unsigned long *col)
{
	unsigned long l = 1;
	size_t start = 0;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			l++;
			start = i + 1;
		}
	}
	*line = l;
	*col = (unsigned long)(off - start + 1);
}

/* Read path into a. *found = 0 (and SPROUT_OK) when there is no such file,
 * so the caller falls back to the built-in template. */
static sprout_code read_override(sprout_arena *a, const char *dir, const char *path, char **text,
				 size_t *len, int *found, sprout_error *err)
{
	*found = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct stat st;
		if (e != ENOENT && e != ENOTDIR) {
			sprout_error_set(err, SPROUT_ERR_IO, "cannot open the template: %s",
					 strerror(e));
			sprout_error_locate(err, path, 0, 0);
			return SPROUT_ERR_IO;
		}
		int exists = stat(dir, &st) == 0;
		if (exists && S_ISDIR(st.st_mode))
			return SPROUT_OK; /* no override for this template */
		/* a mistyped prompt directory must not quietly mean "use the built-ins" */
		e = exists ? ENOTDIR : errno;
		sprout_error_set(err, SPROUT_ERR_IO, "cannot use the prompt directory: %s",
				 strerror(e));
		sprout_error_locate(err, dir, 0, 0);
		return SPROUT_ERR_IO;
	}
	sprout_code rc = SPROUT_OK;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = sprout_error_set(err, SPROUT_ERR_IO, "the template is not a regular file");
	} else if ((unsigned long long)st.st_size > SPROUT_TEMPLATE_MAX) {
		rc = sprout_error_set(err, SPROUT_ERR_TOO_LONG, "a template is at most %zu bytes",
				      SPROUT_TEMPLATE_MAX);
	} else if (!(*text = sprout_arena_alloc(a, (size_t)st.st_size + 1))) {
		close(fd);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	} else {
		/* st_size bounds the read: a file growing meanwhile is cut there */
		size_t n = 0, want = (size_t)st.st_size;
		while (n < want) {
			ssize_t k = read(fd, *text + n, want - n);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				rc = sprout_error_set(err, SPROUT_ERR_IO,
						      "cannot read the template: %s",
						      strerror(errno));
				break;
			}
			if (k == 0)
				break;
			n += (size_t)k;
		}
		(*text)[n] = '\0';
		*len = n;
	}
	close(fd);
	if (rc) {
		sprout_error_locate(err, path, 0, 0);
		return rc;
	}
	size_t ok = sprout_utf8_valid(*text, *len);
	if (ok < *len) {
		unsigned long line, col;
		line_col(*text, ok, &line, &col);
		sprout_error_set(err, SPROUT_ERR_UTF8, "invalid UTF-8 byte 0x%02X in the template",
				 (unsigned char)(*text)[ok]);
		sprout_error_locate(err, path, line, col);
		return SPROUT_ERR_UTF8;
	}
	*found = 1;
	return SPROUT_OK;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Narrow [*from, *to) of s by its leading blank lines (counted in *line)
 * and its trailing whitespace. Indentation of the first line is kept. */
static void trim(const char *s, size_t *from, size_t *to, unsigned long *line)
{
	for (;;) {
		size_t i = *from;
		while (i < *to && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i >= *to || s[i] != '\n')
			break;
		*from = i + 1;
		(*line)++;
	}
	while (*to > *from && is_space(s[*to - 1]))
		(*to)--;
}

static sprout_code split(sprout_arena *a, const char *s, size_t len, sprout_template *t)
{
	size_t sys_to = 0, user_from = 0; /* no "---": no system message */
	unsigned long line = 1, user_line = 1;
	for (size_t ls = 0; ls < len;) {
		const char *nl = memchr(s + ls, '\n', len - ls);
		size_t le = nl ? (size_t)(nl - s) : len;
		size_t n = le - ls;
		if (n && s[le - 1] == '\r') /* a file saved with CRLF */
			n--;
		if (n == 3 && memcmp(s + ls, "---", 3) == 0) {
			sys_to = ls;
			user_from = nl ? le + 1 : len;
			user_line = line + 1;
			break;
		}
		ls = le + 1;
		line++;
	}
	size_t sys_from = 0, user_to = len;
	t->system_line = 1;
	t->user_line = user_line;
	trim(s, &sys_from, &sys_to, &t->system_line);
	trim(s, &user_from, &user_to, &t->user_line);
	t->system = sprout_arena_strndup(a, s + sys_from, sys_to - sys_from);
	t->system_len = sys_to - sys_from;
	t->user = sprout_arena_strndup(a, s + user_from, user_to - user_from);
	t->user_len = user_to - user_from;
	return t->system && t->user ? SPROUT_OK : SPROUT_ERR_NOMEM;
}

sprout_code sprout_template_load(sprout_arena *a, const char *name, const char *override_dir,
				 sprout_template *out, sprout_error *err)
{
	memset(out, 0, sizeof *out);
	/* only known names, so a name can never reach outside override_dir */
	long idx = find_builtin(name);
	if (idx < 0)
		return unknown_template(name, err);
	out->name = sprout_template_name((size_t)idx);
	const char *text = NULL;
	size_t len = 0;
	if (override_dir) {
		size_t n = strlen(override_dir) + strlen(name) + sizeof "/.txt";
		char *path = sprout_arena_alloc(a, n);
		if (!path)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		snprintf(path, n, "%s/%s.txt", override_dir, name);
		char *buf = NULL;
		int found;
		sprout_code rc = read_override(a, override_dir, path, &buf, &len, &found, err);
		if (rc)
			return rc;
		if (found) {
			text = buf;
			out->path = path;
		}
	}
	if (!text)
		text = sprout_template_builtin((size_t)idx, &len);
	if (split(a, text, len, out))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	return SPROUT_OK;
}

/* ---- rendering --------------------------------------------------------- */

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || c == '_';
}

/* A placeholder error at tmpl[off], located by line and column in tmpl. */
__attribute__((format(printf, 4, 5))) static sprout_code
bad(const char *tmpl, size_t off, sprout_error *err, const char *fmt, ...)
{
	if (!err)
		return SPROUT_ERR_USAGE;
	char msg[SPROUT_ERROR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sprout_error_set(err, SPROUT_ERR_USAGE, "%s", msg);
	unsigned long line, col;
	line_col(tmpl, off, &line, &col);
	sprout_error_locate(err, NULL, line, col);
	return SPROUT_ERR_USAGE;
}

static sprout_code grew(sprout_code rc, const sprout_buf *out, sprout_error *err)
{
	if (rc == SPROUT_ERR_TOO_LONG)
		return sprout_error_set(err, rc, "the rendered prompt is over %zu bytes", out->max);
	return sprout_error_set(err, rc, "out of memory");
}

sprout_code sprout_template_render(sprout_buf *out, const char *tmpl, size_t len,
				   const char *const *names, const char *const *values, size_t n,
				   sprout_error *err)
{
	size_t i = 0;
	sprout_code rc;
	while (i < len) {
		/* copy up to the next "{{" */
		size_t p = i;
		while (p + 1 < len && !(tmpl[p] == '{' && tmpl[p + 1] == '{'))
			p++;
		if (p + 1 >= len)
			p = len;
		if ((rc = sprout_buf_add(out, tmpl + i, p - i)))
			return grew(rc, out, err);
		if (p == len)
			break;
		/* "{{{x}}}": the first brace is text, the placeholder starts at the next */
		if (p + 2 < len && tmpl[p + 2] == '{') {
			if ((rc = sprout_buf_addc(out, '{')))
				return grew(rc, out, err);
			i = p + 1;
			continue;
		}
		size_t close = p + 2;
		while (close + 1 < len && tmpl[close] != '\n' &&
		       !(tmpl[close] == '}' && tmpl[close + 1] == '}'))
			close++;
		if (close + 1 >= len || tmpl[close] != '}')
			return bad(tmpl, p, err, "'{{' without '}}' on its line");
		size_t from = p + 2, to = close;
		while (from < to && (tmpl[from] == ' ' || tmpl[from] == '\t'))
			from++;
		while (to > from && (tmpl[to - 1] == ' ' || tmpl[to - 1] == '\t'))
			to--;
		size_t k = from;
		while (k < to && is_name_char(tmpl[k]))
			k++;
		if (from == to || k < to)
			return bad(tmpl, p, err,
				   "bad placeholder {{%.*s}}: a name is lowercase letters and '_'",
				   (int)(close - p - 2), tmpl + p + 2);
		size_t v = 0;
		while (v < n && !(strlen(names[v]) == to - from &&
				  memcmp(names[v], tmpl + from, to - from) == 0))
			v++;
		if (v == n) {
			char expected[256];
			join(expected, sizeof expected, names, n);
			return bad(tmpl, p, err, "unknown placeholder {{%.*s}} (expected %s)",
				   (int)(to - from), tmpl + from, n ? expected : "none");
		}
		if (values[v] && (rc = sprout_buf_adds(out, values[v])))
			return grew(rc, out, err);
		i = close + 2;
	}
	return SPROUT_OK;
}

static sprout_code apply_part(const sprout_template *t, const char *text, size_t len,
			      unsigned long first_line, const char *const *names,
			      const char *const *values, size_t n, sprout_buf *out,
			      sprout_error *err)
{
	sprout_error e = SPROUT_ERROR_INIT;
	sprout_buf_clear(out);
	sprout_code rc = sprout_template_render(out, text, len, names, values, n, &e);
	if (!rc || !err)
		return rc;
	sprout_error_set(err, rc, "template %s: %s", t->name, e.msg);
	/* parts start at column 1 of their first line, so only lines shift */
	if (e.line)
		sprout_error_locate(err, t->path, first_line + e.line - 1, e.column);
	else
		sprout_error_locate(err, t->path, 0, 0);
	return rc;
}

sprout_code sprout_template_apply(const sprout_template *t, const char *const *names,
				  const char *const *values, size_t n, sprout_buf *system,
				  sprout_buf *user, sprout_error *err)
{
	sprout_code rc =
	    apply_part(t, t->system, t->system_len, t->system_line, names, values, n, system, err);
	if (rc)
		return rc;
	return apply_part(t, t->user, t->user_len, t->user_line, names, values, n, user, err);
}
