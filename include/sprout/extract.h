/* sprout/extract.h - the JSON in a language model's answer.
 *
 * Asked for "only a JSON object", models still wrap it in prose or in a
 * ```json fence, think aloud first, or stop in the middle. These functions
 * find the JSON in such an answer and check it has the shape the prompts ask
 * for: {"items": [{field: "string", ...}, ...]}. Values are allocated in the
 * caller's arena, like every sprout_json.
 */
#ifndef SPROUT_EXTRACT_H
#define SPROUT_EXTRACT_H

#include <stddef.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/json.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The first JSON object or array in text[0..len), looked for in this order,
 * after dropping a UTF-8 BOM, surrounding whitespace and a leading
 * <think>...</think> block:
 *   1. the whole text;
 *   2. the content of each ``` or ```json fenced block, first to last;
 *   3. each balanced {...} or [...] span, by start position left to right
 *      (brackets inside JSON strings do not count); an array found this way
 *      counts only when it holds an object, so "[1]" in prose is skipped.
 * A span that never closes but is valid JSON up to the end means the answer
 * was cut short: that is an error, not a reason to take a value nested in
 * it. The work is bounded by a fixed multiple of len, so prose full of
 * unclosed braces ends in an error, not in quadratic time. On success *out
 * is the value, allocated in a.
 * Fails with SPROUT_ERR_JSON: "no JSON object in the answer", the parse
 * error of the longest candidate that failed (line and column counted in
 * text), or that the answer stops inside its JSON; SPROUT_ERR_NOMEM. */
sprout_code sprout_extract_json(sprout_arena *a, const char *text, size_t len, sprout_json **out,
				sprout_error *err);

/* The items of an answer found by sprout_extract_json, each an object in
 * which every one of fields[0..nfields) is a string (other members are
 * allowed). Accepted shapes: {"items": [item, ...]}; an object with no
 * "items" whose only member is an array (a renamed "items"); a bare array
 * of items; a single item object. On success *items points to *nitems
 * item values (the array lives in a or in answer; 0 items is a success).
 * Fails with SPROUT_ERR_RECORD and a message naming the item, counted
 * from 1: 'item 2: "output" is missing', 'item 1: "text" is a number, not
 * a string', 'item 3 is a string, not an object', or 'the answer has no
 * "items" array'; SPROUT_ERR_NOMEM. */
sprout_code sprout_extract_items(sprout_arena *a, sprout_json *answer, const char *const *fields,
				 size_t nfields, sprout_json ***items, size_t *nitems,
				 sprout_error *err);

#ifdef __cplusplus
}
#endif
#endif
