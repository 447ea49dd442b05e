/* sprout/template.h - the prompt templates of the LLM methods.
 *
 * A template is the text of prompts/NAME.txt: the system message, a line
 * that is exactly "---", then the user message (no such line: all of it is
 * the user message). The built-in templates are compiled in from prompts/;
 * a user may replace any of them with a file of the same name in a
 * directory of their own.
 *
 * "{{name}}" (spaces allowed inside the braces, names of a-z and '_') is a
 * placeholder. Every "{{" starts one, so a typo in a user's template is an
 * error instead of a prompt sent with "{{txt}}" in it. Values are inserted
 * verbatim and never expanded again.
 */
#ifndef SPROUT_TEMPLATE_H
#define SPROUT_TEMPLATE_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest template file read from an override directory. */
#define SPROUT_TEMPLATE_MAX ((size_t)1 << 20)

typedef struct sprout_template {
	const char *name;   /* "paraphrase" */
	const char *path;   /* the override file it was read from; NULL: built in */
	const char *system; /* NUL-terminated; "" when there is no system message */
	size_t system_len;
	const char *user; /* NUL-terminated */
	size_t user_len;
	unsigned long system_line; /* line of the file each message starts on, for errors */
	unsigned long user_line;
} sprout_template;

/* Number of built-in templates, and the name of the i-th (in byte order of
 * the names; NULL when i is out of range). */
size_t sprout_template_count(void);
const char *sprout_template_name(size_t i);

/* The whole text of the i-th built-in template, exactly the bytes of its
 * prompts/ file (for showing it, or copying it to start an override), and
 * its length in *len (may be NULL). NULL when i is out of range. */
const char *sprout_template_builtin(size_t i, size_t *len);

/* Load the template name: override_dir/NAME.txt when override_dir is not
 * NULL and that file exists, else the built-in one. The messages are split
 * at the "---" line and blank lines around each are dropped; the strings
 * are copied into a (the struct itself is the caller's).
 * Fails with SPROUT_ERR_USAGE for a name that is not a built-in template
 * (the message lists the known ones), SPROUT_ERR_IO when override_dir is
 * not a directory or the file in it cannot be read (err names the path),
 * SPROUT_ERR_TOO_LONG for a file over SPROUT_TEMPLATE_MAX, SPROUT_ERR_UTF8
 * for a file that is not UTF-8 (with line and column), SPROUT_ERR_NOMEM. */
sprout_code sprout_template_load(sprout_arena *a, const char *name, const char *override_dir,
				 sprout_template *out, sprout_error *err);

/* Append tmpl[0..len) to out with every placeholder replaced by the value
 * of the same name: values[i] (NUL-terminated; NULL is "") for names[i],
 * the first one when a name is given twice. Fails with SPROUT_ERR_USAGE
 * for a placeholder not in names, a "{{" that is not a placeholder
 * ("{{Text}}") or one without "}}" on its line, with line and column in
 * tmpl; SPROUT_ERR_TOO_LONG when out would grow over its max; NOMEM.
 * On failure out may hold part of the text. */
sprout_code sprout_template_render(sprout_buf *out, const char *tmpl, size_t len,
				   const char *const *names, const char *const *values, size_t n,
				   sprout_error *err);

/* Render both messages of t into system and user (each cleared first).
 * Errors are those of sprout_template_render, with the message starting
 * "template NAME: " and located at the line and column of t's file (the
 * override path; no file for a built-in template). */
sprout_code sprout_template_apply(const sprout_template *t, const char *const *names,
				  const char *const *values, size_t n, sprout_buf *system,
				  sprout_buf *user, sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
