/* sprout/yaml.h - YAML documents (recipes) as sprout_json values, with the
 * line and column each value came from, so errors about a recipe can point
 * into it. Parsed with libyaml. Scalars become strings (quoted) or, when
 * plain, numbers, booleans (true/false/yes/no) and null where they read as
 * such; anchors and aliases are refused. */
#ifndef SPROUT_YAML_H
#define SPROUT_YAML_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sprout_yaml sprout_yaml;

/* Parse text (one document) into *root, allocated in a. Syntax errors are
 * SPROUT_ERR_JSON-like SPROUT_ERR_FORMAT with line and column (1-based). */
sprout_code sprout_yaml_parse(sprout_arena *a, const char *text, size_t len, sprout_json **root,
			      sprout_yaml **marks, sprout_error *err);

/* Where a value of the document started; 0, 0 when unknown. */
void sprout_yaml_where(const sprout_yaml *marks, const sprout_json *v, unsigned long *line,
		       unsigned long *column);

/* Where the key of a mapping member started (for "unknown option" errors). */
void sprout_yaml_key_where(const sprout_yaml *marks, const sprout_json *obj, size_t member,
			   unsigned long *line, unsigned long *column);

void sprout_yaml_free(sprout_yaml *marks); /* accepts NULL */

#ifdef __cplusplus
}
#endif
#endif
