/* sprout/record.h - records, dataset formats and slots.
 *
 * A record is a JSON object kept as the user wrote it, plus a format that
 * says where its slots live. Code that works on text (augmenters, filters,
 * stats) reaches the slots only through sprout_record_get/set, so it never
 * cares whether the data is alpaca, ShareGPT, OpenAI chat or a field map.
 *
 * Slots:
 *   prompt    the instruction / first user turn
 *   input     alpaca's context field (conversation formats have none: an
 *             input is merged into the user turn when converting to them)
 *   response  the output / first assistant turn after the prompt
 *   label     a class label; every format reads a top-level "label" key
 *   system    a system message; a top-level "system" key where the format
 *             has no place of its own
 */
#ifndef SPROUT_RECORD_H
#define SPROUT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/arena.h"
#include "sprout/error.h"
#include "sprout/json.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_slot {
	SPROUT_SLOT_PROMPT,
	SPROUT_SLOT_INPUT,
	SPROUT_SLOT_RESPONSE,
	SPROUT_SLOT_LABEL,
	SPROUT_SLOT_SYSTEM,
	SPROUT_SLOT__COUNT
} sprout_slot;

/* "prompt", "input", ... Never NULL. */
const char *sprout_slot_name(sprout_slot slot);

/* Slot by name; SPROUT_ERR_USAGE with a message naming the choices. */
sprout_code sprout_slot_parse(const char *name, sprout_slot *out, sprout_error *err);

typedef enum sprout_format_kind {
	SPROUT_FORMAT_AUTO,	      /* detect from the first record of each file */
	SPROUT_FORMAT_ALPACA,	      /* instruction / input / output */
	SPROUT_FORMAT_SHAREGPT,	      /* conversations: [{from, value}] */
	SPROUT_FORMAT_OPENAI,	      /* messages: [{role, content}] */
	SPROUT_FORMAT_CLASSIFICATION, /* text / label */
	SPROUT_FORMAT_SELF_INSTRUCT,  /* instruction / instances: [{input, output}] */
	SPROUT_FORMAT_MAP,	      /* user field map, one top-level key per slot */
	SPROUT_FORMAT__COUNT
} sprout_format_kind;

#define SPROUT_MAP_KEY_MAX 128

typedef struct sprout_format {
	sprout_format_kind kind;
	/* MAP only: the key holding each slot, "" when the slot is not mapped */
	char keys[SPROUT_SLOT__COUNT][SPROUT_MAP_KEY_MAX];
} sprout_format;

/* Parse a format name ("alpaca", "sharegpt", "openai", "classification",
 * "self-instruct", "auto") or a field map ("prompt=question,response=answer").
 * SPROUT_ERR_FORMAT with a message listing the choices on failure. */
sprout_code sprout_format_parse(const char *spec, sprout_format *out, sprout_error *err);

/* Canonical name: "alpaca", ..., "map". */
const char *sprout_format_name(const sprout_format *f);

/* "alpaca" or, for a map, "map prompt=question,response=answer". */
void sprout_format_describe(const sprout_format *f, char *buf, size_t n);

/* Detect the format of one record. On success fills *out and writes the
 * evidence ("keys instruction, output") into why (may be NULL). On failure
 * SPROUT_ERR_FORMAT with a message naming the keys found and the choices. */
sprout_code sprout_format_detect(const sprout_json *obj, sprout_format *out, char *why,
				 size_t whylen, sprout_error *err);

typedef struct sprout_record {
	sprout_json *obj;	  /* the record; lives in arena */
	const sprout_format *fmt; /* where its slots are; owned by the caller */
	sprout_arena *arena;	  /* where new values for it are allocated */
	const char *file;	  /* input it came from, or NULL */
	unsigned long line;	  /* 1-based line of its start, 0 if made */
} sprout_record;

typedef struct sprout_text {
	const char *s; /* NUL-terminated after len bytes */
	size_t len;
} sprout_text;

/* Text of a slot. Returns 1 and fills *out when the slot is present and is a
 * string (a number or boolean label gives its JSON text); 0 when absent or
 * not text (then *out is {"", 0}). */
int sprout_record_get(const sprout_record *r, sprout_slot slot, sprout_text *out);

/* Replace (or create) a slot's text; the text is copied into r->arena.
 * SPROUT_ERR_SLOT when the format has no such slot (input in a chat format). */
sprout_code sprout_record_set(sprout_record *r, sprout_slot slot, const char *s, size_t len,
			      sprout_error *err);

/* Check that the record has what its format requires: a string prompt, and
 * for classification a label. SPROUT_ERR_SLOT with a message naming the
 * missing field otherwise. */
sprout_code sprout_record_check(const sprout_record *r, sprout_error *err);

/* Rewrite r->obj in format to (r->fmt becomes to). Members the source
 * format does not own keep their place and value; the reserved _sprout key
 * goes last. SPROUT_ERR_CONVERT when the target has no place for something
 * the record holds (two exchanges in alpaca, a response in classification). */
sprout_code sprout_record_convert(sprout_record *r, const sprout_format *to, sprout_error *err);

/* A copy of r in a that sprout_record_set may change without touching r:
 * the object and the parts of it setters write into (chat turns,
 * self-instruct instances) are copied; everything else is shared. */
sprout_code sprout_record_clone(const sprout_record *r, sprout_arena *a, sprout_record *out,
				sprout_error *err);

/* Number of records a self-instruct task stands for (its instances, at
 * least 1); 1 for every other format. */
size_t sprout_record_explode_count(const sprout_record *r);

/* Make out the i-th single-instance record of a self-instruct task r (a
 * shallow copy sharing r's values; allocated in r->arena). */
sprout_code sprout_record_explode(const sprout_record *r, size_t i, sprout_record *out,
				  sprout_error *err);

/* 128-bit hash of the record's content: every turn with its role, input and
 * label; unknown fields and _sprout do not count. Records equal in content
 * have equal hashes in any format that holds the content the same way. */
void sprout_record_hash(const sprout_record *r, uint64_t out[2]);

#ifdef __cplusplus
}
#endif
#endif
