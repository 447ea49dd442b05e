/* Records: slot access, checks, conversion between formats, content hash.
 *
 * Conversion goes through a neutral "exchange": the list of turns (system,
 * user, assistant, other roles with the rest of each turn object), an input,
 * a label. A source format reads an exchange and names the top-level keys it
 * owns; the target writes its own keys where the first owned key stood, and
 * every other member keeps its place. See docs/internals/formats.md.
 */
#include <stdio.h>
#include <string.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "core/splice.h"
#include "sprout/record.h"

#define META_KEY     "_sprout"
#define MERGED_INPUT "merged_input"
#define INPUT_SEP    "\n\n"

enum role { ROLE_SYSTEM, ROLE_USER, ROLE_ASSISTANT, ROLE_OTHER };

struct turn {
	enum role role;
	const char *raw; /* role as written (OTHER keeps it) */
	size_t rawlen;
	sprout_json *content;
	const sprout_json *obj; /* turn object (extra members), NULL when flat */
	const char *role_key, *content_key;
};

#define MAX_OWNED 8

struct exchange {
	struct turn *turns;
	size_t n;
	sprout_json *input;	     /* flat input, NULL when none */
	sprout_json *label;	     /* NULL when none */
	const sprout_json *instance; /* self-instruct instance (extra members) */
	const char *owned[MAX_OWNED];
	size_t nowned;
};

/* A member's key equals key (keys may hold NUL bytes: compare lengths). */
static int key_is(const sprout_json_member *m, const char *key)
{
	size_t n = strlen(key);
	return m->klen == n && memcmp(m->key, key, n) == 0;
}

static int is_string(const sprout_json *v)
{
	return v && v->type == SPROUT_JSON_STRING;
}

static int is_conversation(sprout_format_kind k)
{
	return k == SPROUT_FORMAT_SHAREGPT || k == SPROUT_FORMAT_OPENAI;
}

static const char *turns_key(sprout_format_kind k)
{
	return k == SPROUT_FORMAT_SHAREGPT ? "conversations" : "messages";
}

static const char *role_key(sprout_format_kind k)
{
	return k == SPROUT_FORMAT_SHAREGPT ? "from" : "role";
}

static const char *content_key(sprout_format_kind k)
{
	return k == SPROUT_FORMAT_SHAREGPT ? "value" : "content";
}

static enum role parse_role(const char *s, size_t n)
{
	static const struct {
		const char *name;
		enum role role;
	} roles[] = {
	    {"user", ROLE_USER},	 {"human", ROLE_USER},	  {"assistant", ROLE_ASSISTANT},
	    {"gpt", ROLE_ASSISTANT},	 {"bot", ROLE_ASSISTANT}, {"model", ROLE_ASSISTANT},
	    {"chatgpt", ROLE_ASSISTANT}, {"system", ROLE_SYSTEM},
	};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strlen(roles[i].name) == n && memcmp(roles[i].name, s, n) == 0)
			return roles[i].role;
	return ROLE_OTHER;
}

static const char *role_name(sprout_format_kind k, const struct turn *t)
{
	switch (t->role) {
	case ROLE_SYSTEM: return "system";
	case ROLE_USER: return k == SPROUT_FORMAT_SHAREGPT ? "human" : "user";
	case ROLE_ASSISTANT: return k == SPROUT_FORMAT_SHAREGPT ? "gpt" : "assistant";
	default: return t->raw;
	}
}

/* The top-level key a flat format keeps a slot under, or NULL. */
static const char *flat_key(const sprout_format *f, sprout_slot slot)
{
	if (f->kind == SPROUT_FORMAT_MAP && f->keys[slot][0])
		return f->keys[slot];
	switch (slot) {
	case SPROUT_SLOT_LABEL: return "label";
	case SPROUT_SLOT_SYSTEM: return "system";
	default: break;
	}
	switch (f->kind) {
	case SPROUT_FORMAT_ALPACA:
		return slot == SPROUT_SLOT_PROMPT  ? "instruction"
		       : slot == SPROUT_SLOT_INPUT ? "input"
						   : "output";
	case SPROUT_FORMAT_SELF_INSTRUCT: return slot == SPROUT_SLOT_PROMPT ? "instruction" : NULL;
	case SPROUT_FORMAT_CLASSIFICATION: return slot == SPROUT_SLOT_PROMPT ? "text" : NULL;
	default: return NULL;
	}
}

static sprout_json *first_instance(const sprout_json *obj)
{
	sprout_json *inst = sprout_json_get(obj, "instances");
	if (inst && inst->type == SPROUT_JSON_ARRAY && inst->len &&
	    inst->u.items[0]->type == SPROUT_JSON_OBJECT)
		return inst->u.items[0];
	return NULL;
}

/* ---- reading a record into an exchange ---------------------------------- */

static void own(struct exchange *ex, const char *key)
{
	if (ex->nowned < MAX_OWNED)
		ex->owned[ex->nowned++] = key;
}

static sprout_code read_conversation(const sprout_record *r, struct exchange *ex, sprout_error *err)
{
	sprout_format_kind k = r->fmt->kind;
	const char *tk = turns_key(k), *rk = role_key(k), *ck = content_key(k);
	const sprout_json *arr = sprout_json_get(r->obj, tk);
	own(ex, tk);
	if (!arr || arr->type != SPROUT_JSON_ARRAY)
		return sprout_error_set(err, SPROUT_ERR_SLOT,
					"record has no prompt: %s expects an array '%s'",
					sprout_format_name(r->fmt), tk);
	sprout_json *sys = sprout_json_get(r->obj, "system");
	int top_system =
	    is_string(sys) && !(arr->len && arr->u.items[0]->type == SPROUT_JSON_OBJECT &&
				sprout_json_is(sprout_json_get(arr->u.items[0], rk), "system"));
	ex->turns = sprout_arena_alloc(r->arena, (arr->len + 1) * sizeof *ex->turns);
	if (!ex->turns)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	if (top_system) {
		own(ex, "system");
		ex->turns[ex->n++] = (struct turn){ROLE_SYSTEM, "system", 6, sys, NULL, NULL, NULL};
	}
	for (size_t i = 0; i < arr->len; i++) {
		const sprout_json *t = arr->u.items[i];
		if (t->type != SPROUT_JSON_OBJECT)
			return sprout_error_set(err, SPROUT_ERR_SLOT,
						"%s[%zu] is not an object with '%s' and '%s'", tk,
						i, rk, ck);
		const sprout_json *role = sprout_json_get(t, rk);
		sprout_json *content = sprout_json_get(t, ck);
		if (!is_string(role))
			return sprout_error_set(err, SPROUT_ERR_SLOT, "%s[%zu] has no string '%s'",
						tk, i, rk);
		if (!content)
			return sprout_error_set(err, SPROUT_ERR_SLOT, "%s[%zu] has no '%s'", tk, i,
						ck);
		ex->turns[ex->n++] = (struct turn){
		    parse_role(role->u.s, role->len), role->u.s, role->len, content, t, rk, ck};
	}
	ex->label = sprout_json_get(r->obj, "label");
	if (ex->label)
		own(ex, "label");
	return SPROUT_OK;
}

static sprout_code read_exchange(const sprout_record *r, struct exchange *ex, sprout_error *err)
{
	memset(ex, 0, sizeof *ex);
	const sprout_format *f = r->fmt;
	if (is_conversation(f->kind))
		return read_conversation(r, ex, err);
	if (f->kind == SPROUT_FORMAT_AUTO || f->kind >= SPROUT_FORMAT__COUNT)
		return sprout_error_set(err, SPROUT_ERR_FORMAT, "record has no known format");

	ex->turns = sprout_arena_alloc(r->arena, 3 * sizeof *ex->turns);
	if (!ex->turns)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	const char *pk = flat_key(f, SPROUT_SLOT_PROMPT);
	own(ex, pk);
	sprout_json *sys = sprout_json_get(r->obj, flat_key(f, SPROUT_SLOT_SYSTEM));
	if (sys) {
		own(ex, flat_key(f, SPROUT_SLOT_SYSTEM));
		ex->turns[ex->n++] = (struct turn){ROLE_SYSTEM, "system", 6, sys, NULL, NULL, NULL};
	}
	sprout_json *prompt = sprout_json_get(r->obj, pk);
	if (prompt)
		ex->turns[ex->n++] = (struct turn){ROLE_USER, "user", 4, prompt, NULL, NULL, NULL};
	sprout_json *response = NULL;
	if (f->kind == SPROUT_FORMAT_SELF_INSTRUCT) {
		own(ex, "instances");
		ex->instance = first_instance(r->obj);
		ex->input = sprout_json_get(ex->instance, "input");
		response = sprout_json_get(ex->instance, "output");
	} else {
		const char *ik = flat_key(f, SPROUT_SLOT_INPUT);
		const char *rk = flat_key(f, SPROUT_SLOT_RESPONSE);
		if (ik) {
			own(ex, ik);
			ex->input = sprout_json_get(r->obj, ik);
		}
		if (rk) {
			own(ex, rk);
			response = sprout_json_get(r->obj, rk);
		}
	}
	/* an empty output means "no response yet", not an empty turn */
	if (response && !(is_string(response) && response->len == 0))
		ex->turns[ex->n++] =
		    (struct turn){ROLE_ASSISTANT, "assistant", 9, response, NULL, NULL, NULL};
	ex->label = sprout_json_get(r->obj, flat_key(f, SPROUT_SLOT_LABEL));
	if (ex->label)
		own(ex, flat_key(f, SPROUT_SLOT_LABEL));
	return SPROUT_OK;
}

/* ---- slot access ------------------------------------------------------- */

/* Index of the prompt turn and of the response turn (or -1). */
static void find_turns(const struct exchange *ex, long *prompt, long *response)
{
	*prompt = *response = -1;
	for (size_t i = 0; i < ex->n; i++) {
		if (*prompt < 0 && ex->turns[i].role == ROLE_USER) {
			*prompt = (long)i;
		} else if (*prompt >= 0 && ex->turns[i].role == ROLE_ASSISTANT) {
			*response = (long)i;
			break;
		}
	}
}

/* The value holding a slot, or NULL. */
static sprout_json *slot_value(const sprout_record *r, sprout_slot slot)
{
	const sprout_format *f = r->fmt;
	if (slot == SPROUT_SLOT_LABEL)
		return sprout_json_get(r->obj, flat_key(f, SPROUT_SLOT_LABEL));
	if (!is_conversation(f->kind)) {
		if (f->kind == SPROUT_FORMAT_SELF_INSTRUCT &&
		    (slot == SPROUT_SLOT_INPUT || slot == SPROUT_SLOT_RESPONSE))
			return sprout_json_get(first_instance(r->obj),
					       slot == SPROUT_SLOT_INPUT ? "input" : "output");
		const char *k = flat_key(f, slot);
		return k ? sprout_json_get(r->obj, k) : NULL;
	}
	if (slot == SPROUT_SLOT_INPUT)
		return NULL;
	const sprout_json *arr = sprout_json_get(r->obj, turns_key(f->kind));
	if (!arr || arr->type != SPROUT_JSON_ARRAY)
		return NULL;
	const char *rk = role_key(f->kind), *ck = content_key(f->kind);
	int seen_prompt = 0;
	for (size_t i = 0; i < arr->len; i++) {
		const sprout_json *role = sprout_json_get(arr->u.items[i], rk);
		if (!is_string(role))
			continue;
		enum role ro = parse_role(role->u.s, role->len);
		if (slot == SPROUT_SLOT_SYSTEM) {
			if (ro == ROLE_SYSTEM && i == 0)
				return sprout_json_get(arr->u.items[i], ck);
			break;
		}
		if (ro == ROLE_USER && !seen_prompt) {
			if (slot == SPROUT_SLOT_PROMPT)
				return sprout_json_get(arr->u.items[i], ck);
			seen_prompt = 1;
		} else if (ro == ROLE_ASSISTANT && seen_prompt) {
			return sprout_json_get(arr->u.items[i], ck);
		}
	}
	if (slot == SPROUT_SLOT_SYSTEM)
		return sprout_json_get(r->obj, "system");
	return NULL;
}

int sprout_record_get(const sprout_record *r, sprout_slot slot, sprout_text *out)
{
	const sprout_json *v = slot_value(r, slot);
	out->s = "";
	out->len = 0;
	if (!v)
		return 0;
	if (v->type == SPROUT_JSON_STRING ||
	    (slot == SPROUT_SLOT_LABEL && v->type == SPROUT_JSON_NUMBER)) {
		out->s = v->u.s;
		out->len = v->len;
		return 1;
	}
	if (slot == SPROUT_SLOT_LABEL &&
	    (v->type == SPROUT_JSON_TRUE || v->type == SPROUT_JSON_FALSE)) {
		out->s = v->type == SPROUT_JSON_TRUE ? "true" : "false";
		out->len = strlen(out->s);
		return 1;
	}
	return 0;
}

static sprout_json *new_turn(sprout_arena *a, sprout_format_kind k, const char *role,
			     sprout_json *content)
{
	sprout_json *t = sprout_json_new(a, SPROUT_JSON_OBJECT);
	sprout_json *rv = sprout_json_string(a, role, strlen(role));
	if (!t || !rv || sprout_json_set(a, t, role_key(k), rv) ||
	    sprout_json_set(a, t, content_key(k), content))
		return NULL;
	return t;
}

/* Insert a turn object at position idx of a conversation array. */
static sprout_code insert_turn(sprout_arena *a, sprout_json *arr, size_t idx, sprout_json *t)
{
	if (sprout_json_push(a, arr, t))
		return SPROUT_ERR_NOMEM;
	memmove(arr->u.items + idx + 1, arr->u.items + idx,
		(arr->len - 1 - idx) * sizeof *arr->u.items);
	arr->u.items[idx] = t;
	return SPROUT_OK;
}

static sprout_code set_conversation(sprout_record *r, sprout_slot slot, sprout_json *v,
				    sprout_error *err)
{
	sprout_format_kind k = r->fmt->kind;
	sprout_json *arr = sprout_json_get(r->obj, turns_key(k));
	if (!arr || arr->type != SPROUT_JSON_ARRAY) {
		arr = sprout_json_new(r->arena, SPROUT_JSON_ARRAY);
		if (!arr || sprout_json_set(r->arena, r->obj, turns_key(k), arr))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	const char *rk = role_key(k);
	size_t i = 0, after_system = 0;
	long prompt = -1;
	for (i = 0; i < arr->len; i++) {
		const sprout_json *role = sprout_json_get(arr->u.items[i], rk);
		enum role ro = is_string(role) ? parse_role(role->u.s, role->len) : ROLE_OTHER;
		if (ro == ROLE_SYSTEM && i == after_system)
			after_system++;
		if (ro == ROLE_USER && prompt < 0) {
			prompt = (long)i;
		} else if (ro == ROLE_ASSISTANT && prompt >= 0 && slot == SPROUT_SLOT_RESPONSE) {
			break;
		}
	}
	sprout_json *t = NULL;
	sprout_code rc = SPROUT_OK;
	if (slot == SPROUT_SLOT_SYSTEM) {
		if (is_string(sprout_json_get(r->obj, "system")) && !after_system)
			rc = sprout_json_set(r->arena, r->obj, "system", v);
		else if (after_system)
			rc = sprout_json_set(r->arena, arr->u.items[0], content_key(k), v);
		else if (!(t = new_turn(r->arena, k, "system", v)))
			rc = SPROUT_ERR_NOMEM;
		else
			rc = insert_turn(r->arena, arr, 0, t);
	} else if (slot == SPROUT_SLOT_PROMPT) {
		if (prompt >= 0)
			rc = sprout_json_set(r->arena, arr->u.items[prompt], content_key(k), v);
		else if (!(t = new_turn(r->arena, k, k == SPROUT_FORMAT_SHAREGPT ? "human" : "user",
					v)))
			rc = SPROUT_ERR_NOMEM;
		else
			rc = insert_turn(r->arena, arr, after_system, t);
	} else {
		if (prompt < 0)
			return sprout_error_set(
			    err, SPROUT_ERR_SLOT,
			    "cannot set a response: the record has no user turn");
		if (i < arr->len)
			rc = sprout_json_set(r->arena, arr->u.items[i], content_key(k), v);
		else if (!(t = new_turn(r->arena, k,
					k == SPROUT_FORMAT_SHAREGPT ? "gpt" : "assistant", v)))
			rc = SPROUT_ERR_NOMEM;
		else
			rc = insert_turn(r->arena, arr, (size_t)prompt + 1, t);
	}
	return rc ? sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory") : SPROUT_OK;
}

sprout_code sprout_record_set(sprout_record *r, sprout_slot slot, const char *s, size_t len,
			      sprout_error *err)
{
	if ((unsigned)slot >= SPROUT_SLOT__COUNT)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "bad slot %d", (int)slot);
	sprout_json *v = sprout_json_string(r->arena, s, len);
	if (!v)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	const sprout_format *f = r->fmt;
	if (slot == SPROUT_SLOT_LABEL || (!is_conversation(f->kind) && flat_key(f, slot))) {
		if (sprout_json_set(r->arena, r->obj, flat_key(f, slot), v))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return SPROUT_OK;
	}
	if (f->kind == SPROUT_FORMAT_SELF_INSTRUCT &&
	    (slot == SPROUT_SLOT_INPUT || slot == SPROUT_SLOT_RESPONSE)) {
		sprout_json *inst = first_instance(r->obj);
		if (!inst) {
			sprout_json *arr = sprout_json_new(r->arena, SPROUT_JSON_ARRAY);
			inst = sprout_json_new(r->arena, SPROUT_JSON_OBJECT);
			if (!arr || !inst || sprout_json_push(r->arena, arr, inst) ||
			    sprout_json_set(r->arena, r->obj, "instances", arr))
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		if (sprout_json_set(r->arena, inst, slot == SPROUT_SLOT_INPUT ? "input" : "output",
				    v))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		return SPROUT_OK;
	}
	if (is_conversation(f->kind) && slot != SPROUT_SLOT_INPUT)
		return set_conversation(r, slot, v, err);
	return sprout_error_set(err, SPROUT_ERR_SLOT, "format %s has no %s slot",
				sprout_format_name(f), sprout_slot_name(slot));
}

sprout_code sprout_record_check(const sprout_record *r, sprout_error *err)
{
	struct exchange ex;
	sprout_code rc = read_exchange(r, &ex, err);
	if (rc)
		return rc;
	const sprout_format *f = r->fmt;
	const char *pk = is_conversation(f->kind) ? NULL : flat_key(f, SPROUT_SLOT_PROMPT);
	long prompt, response;
	find_turns(&ex, &prompt, &response);
	if (prompt < 0) {
		if (pk)
			return sprout_error_set(err, SPROUT_ERR_SLOT,
						"record has no prompt: %s expects a string '%s'",
						sprout_format_name(f), pk);
		return sprout_error_set(err, SPROUT_ERR_SLOT,
					"record has no prompt: '%s' has no user turn",
					turns_key(f->kind));
	}
	for (size_t i = 0; i < ex.n; i++) {
		const struct turn *t = &ex.turns[i];
		if (t->content->type == SPROUT_JSON_STRING)
			continue;
		if (t->obj)
			return sprout_error_set(err, SPROUT_ERR_SLOT,
						"%s[%zu].%s is not a string (sprout reads text "
						"content only)",
						turns_key(f->kind), i, t->content_key);
		const char *key = t->role == ROLE_USER	   ? pk
				  : t->role == ROLE_SYSTEM ? flat_key(f, SPROUT_SLOT_SYSTEM)
				  : f->kind == SPROUT_FORMAT_SELF_INSTRUCT
				      ? "instances[0].output"
				      : flat_key(f, SPROUT_SLOT_RESPONSE);
		return sprout_error_set(err, SPROUT_ERR_SLOT, "'%s' is not a string", key);
	}
	if (ex.input && !is_string(ex.input))
		return sprout_error_set(err, SPROUT_ERR_SLOT, "'%s' is not a string",
					f->kind == SPROUT_FORMAT_SELF_INSTRUCT
					    ? "instances[0].input"
					    : flat_key(f, SPROUT_SLOT_INPUT));
	const char *lk = flat_key(f, SPROUT_SLOT_LABEL);
	if (ex.label && (ex.label->type == SPROUT_JSON_OBJECT ||
			 ex.label->type == SPROUT_JSON_ARRAY || ex.label->type == SPROUT_JSON_NULL))
		return sprout_error_set(err, SPROUT_ERR_SLOT,
					"'%s' is not a string, number or boolean", lk);
	if (f->kind == SPROUT_FORMAT_CLASSIFICATION && !ex.label)
		return sprout_error_set(err, SPROUT_ERR_SLOT,
					"record has no label: classification expects '%s'", lk);
	return SPROUT_OK;
}

/* ---- conversion -------------------------------------------------------- */

struct out {
	sprout_json_member m[MAX_OWNED];
	size_t n;
};

static void put(struct out *o, const char *key, sprout_json *v)
{
	o->m[o->n].key = key;
	o->m[o->n].klen = strlen(key);
	o->m[o->n].value = v;
	o->n++;
}

/* Copy the members of a source turn other than its role and content. */
static sprout_code copy_extras(sprout_arena *a, sprout_json *dst, const struct turn *t)
{
	if (!t->obj)
		return SPROUT_OK;
	for (size_t i = 0; i < t->obj->len; i++) {
		const sprout_json_member *m = &t->obj->u.members[i];
		if (key_is(m, t->role_key) || key_is(m, t->content_key))
			continue;
		if (sprout_json_insert(a, dst, dst->len, m->key, m->klen, m->value))
			return SPROUT_ERR_NOMEM;
	}
	return SPROUT_OK;
}

/* Name of the first extra member of a turn, or NULL. */
static const char *first_extra(const struct turn *t)
{
	for (size_t i = 0; t->obj && i < t->obj->len; i++) {
		const sprout_json_member *m = &t->obj->u.members[i];
		if (!key_is(m, t->role_key) && !key_is(m, t->content_key))
			return m->key;
	}
	return NULL;
}

static sprout_json *concat(sprout_arena *a, const sprout_json *x, const char *sep,
			   const sprout_json *y)
{
	size_t n = x->len + strlen(sep) + y->len;
	char *s = sprout_arena_alloc(a, n + 1);
	if (!s)
		return NULL;
	memcpy(s, x->u.s, x->len);
	memcpy(s + x->len, sep, strlen(sep));
	memcpy(s + x->len + strlen(sep), y->u.s, y->len);
	s[n] = '\0';
	return sprout_json_string_ref(a, s, n);
}

/* Flat targets hold one exchange: [system] user [assistant]. Fill sys,
 * prompt and response or explain why the record does not fit. */
static sprout_code flat_parts(const struct exchange *ex, const char *target, sprout_json **sys,
			      sprout_json **prompt, sprout_json **response, sprout_error *err)
{
	*sys = *prompt = *response = NULL;
	for (size_t i = 0; i < ex->n; i++) {
		const struct turn *t = &ex->turns[i];
		const char *extra = first_extra(t);
		if (extra)
			return sprout_error_set(err, SPROUT_ERR_CONVERT,
						"turn %zu has a field '%s' that %s has no place "
						"for (use sharegpt or openai)",
						i + 1, extra, target);
		if (t->role == ROLE_SYSTEM && i == 0 && !*sys) {
			*sys = t->content;
		} else if (t->role == ROLE_USER && !*prompt) {
			*prompt = t->content;
		} else if (t->role == ROLE_ASSISTANT && *prompt && !*response) {
			*response = t->content;
		} else {
			size_t users = 0;
			for (size_t j = 0; j < ex->n; j++)
				users += ex->turns[j].role == ROLE_USER;
			if (t->role == ROLE_OTHER)
				return sprout_error_set(err, SPROUT_ERR_CONVERT,
							"turn %zu has role '%.*s' that %s has no "
							"place for (use sharegpt or openai)",
							i + 1, (int)t->rawlen, t->raw, target);
			return sprout_error_set(err, SPROUT_ERR_CONVERT,
						"%s holds one exchange (prompt and response); "
						"this record has %zu turns with %zu from the "
						"user (use sharegpt or openai)",
						target, ex->n - (*sys ? 1 : 0), users);
		}
	}
	return SPROUT_OK;
}

static sprout_json *empty_string(sprout_arena *a)
{
	return sprout_json_string_ref(a, "", 0);
}

/* Split a merged input back off the prompt when _sprout remembers it. */
static sprout_json *unmerge(sprout_arena *a, sprout_json *meta, sprout_json **prompt)
{
	sprout_json *mi = sprout_json_get(meta, MERGED_INPUT);
	if (!is_string(mi) || !is_string(*prompt))
		return NULL;
	size_t sl = strlen(INPUT_SEP), pl = (*prompt)->len;
	if (pl < mi->len + sl || memcmp((*prompt)->u.s + pl - mi->len, mi->u.s, mi->len) != 0 ||
	    memcmp((*prompt)->u.s + pl - mi->len - sl, INPUT_SEP, sl) != 0)
		return NULL;
	sprout_json *p = sprout_json_string(a, (*prompt)->u.s, pl - mi->len - sl);
	if (!p)
		return NULL;
	*prompt = p;
	return mi;
}

static sprout_code build_target(sprout_record *r, struct exchange *ex, const sprout_format *to,
				sprout_json *meta, struct out *o, int *merged, sprout_error *err)
{
	sprout_arena *a = r->arena;
	const char *target = sprout_format_name(to);
	const int has_input = !is_conversation(to->kind) &&
			      to->kind != SPROUT_FORMAT_CLASSIFICATION &&
			      (to->kind != SPROUT_FORMAT_MAP || to->keys[SPROUT_SLOT_INPUT][0]);
	sprout_json *input = ex->input;
	*merged = 0;
	long prompt_turn = -1, response_turn;
	find_turns(ex, &prompt_turn, &response_turn);

	/* an input goes back to its own field when the target has one */
	if (has_input && !input && prompt_turn >= 0) {
		sprout_json *p = ex->turns[prompt_turn].content;
		sprout_json *mi = unmerge(a, meta, &p);
		if (mi) {
			input = mi;
			ex->turns[prompt_turn].content = p;
		}
	}
	/* and into the prompt when it has not */
	if (!has_input && is_string(input) && input->len && prompt_turn >= 0 &&
	    is_string(ex->turns[prompt_turn].content)) {
		sprout_json *p = concat(a, ex->turns[prompt_turn].content, INPUT_SEP, input);
		if (!p)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		ex->turns[prompt_turn].content = p;
		*merged = 1;
	}

	if (is_conversation(to->kind)) {
		sprout_json *arr = sprout_json_new(a, SPROUT_JSON_ARRAY);
		if (!arr)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		for (size_t i = 0; i < ex->n; i++) {
			const struct turn *t = &ex->turns[i];
			sprout_json *turn =
			    new_turn(a, to->kind, role_name(to->kind, t), t->content);
			if (!turn || copy_extras(a, turn, t) || sprout_json_push(a, arr, turn))
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		put(o, turns_key(to->kind), arr);
		if (ex->label)
			put(o, "label", ex->label);
		return SPROUT_OK;
	}

	sprout_json *sys, *prompt, *response;
	sprout_code rc = flat_parts(ex, target, &sys, &prompt, &response, err);
	if (rc)
		return rc;
	if (!prompt)
		return sprout_error_set(err, SPROUT_ERR_CONVERT, "record has no prompt");
	switch (to->kind) {
	case SPROUT_FORMAT_ALPACA:
		put(o, "instruction", prompt);
		put(o, "input", input ? input : empty_string(a));
		put(o, "output", response ? response : empty_string(a));
		break;
	case SPROUT_FORMAT_SELF_INSTRUCT: {
		sprout_json *inst = sprout_json_new(a, SPROUT_JSON_OBJECT);
		sprout_json *arr = sprout_json_new(a, SPROUT_JSON_ARRAY);
		if (!inst || !arr ||
		    sprout_json_set(a, inst, "input", input ? input : empty_string(a)) ||
		    sprout_json_set(a, inst, "output", response ? response : empty_string(a)))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		/* the rest of a self-instruct instance survives a round trip */
		for (size_t i = 0; ex->instance && i < ex->instance->len; i++) {
			const sprout_json_member *m = &ex->instance->u.members[i];
			if (!key_is(m, "input") && !key_is(m, "output") &&
			    sprout_json_insert(a, inst, inst->len, m->key, m->klen, m->value))
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		}
		if (sprout_json_push(a, arr, inst))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		put(o, "instruction", prompt);
		put(o, "instances", arr);
		break;
	}
	case SPROUT_FORMAT_CLASSIFICATION:
		if (response && !(is_string(response) && response->len == 0))
			return sprout_error_set(err, SPROUT_ERR_CONVERT,
						"classification has no place for a response; "
						"this record has one (use alpaca, sharegpt or "
						"openai)");
		if (!ex->label)
			return sprout_error_set(err, SPROUT_ERR_CONVERT,
						"classification needs a label; this record has "
						"none");
		put(o, "text", prompt);
		put(o, "label", ex->label);
		if (sys)
			put(o, "system", sys);
		return SPROUT_OK;
	case SPROUT_FORMAT_MAP:
		put(o, to->keys[SPROUT_SLOT_PROMPT], prompt);
		if (to->keys[SPROUT_SLOT_INPUT][0] && input)
			put(o, to->keys[SPROUT_SLOT_INPUT], input);
		if (response) {
			if (!to->keys[SPROUT_SLOT_RESPONSE][0])
				return sprout_error_set(err, SPROUT_ERR_CONVERT,
							"the field map has no response key; "
							"this record has a response");
			put(o, to->keys[SPROUT_SLOT_RESPONSE], response);
		}
		break;
	default:
		return sprout_error_set(err, SPROUT_ERR_FORMAT, "cannot convert to format %s",
					target);
	}
	if (sys)
		put(o, flat_key(to, SPROUT_SLOT_SYSTEM), sys);
	if (ex->label)
		put(o, flat_key(to, SPROUT_SLOT_LABEL), ex->label);
	return SPROUT_OK;
}

static int owned(const struct exchange *ex, const sprout_json_member *m)
{
	if (key_is(m, META_KEY))
		return 1;
	for (size_t i = 0; i < ex->nowned; i++)
		if (key_is(m, ex->owned[i]))
			return 1;
	return 0;
}

sprout_code sprout_record_convert(sprout_record *r, const sprout_format *to, sprout_error *err)
{
	if (to->kind == SPROUT_FORMAT_AUTO || to->kind >= SPROUT_FORMAT__COUNT)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "convert needs a target format");
	struct exchange ex;
	sprout_code rc = read_exchange(r, &ex, err);
	if (rc)
		return rc;
	sprout_json *meta = sprout_json_get(r->obj, META_KEY);
	struct out o = {.n = 0};
	int merged;
	if ((rc = build_target(r, &ex, to, meta, &o, &merged, err)))
		return rc;

	sprout_arena *a = r->arena;
	sprout_json *obj = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!obj)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	int placed = 0;
	for (size_t i = 0; i <= r->obj->len; i++) {
		const sprout_json_member *m = i < r->obj->len ? &r->obj->u.members[i] : NULL;
		if (m && !owned(&ex, m)) {
			/* a target key that was not owned before (a map's key)
			 * replaces the old member instead of doubling it */
			int shadowed = 0;
			for (size_t j = 0; j < o.n; j++)
				shadowed |= key_is(m, o.m[j].key);
			if (!shadowed &&
			    sprout_json_insert(a, obj, obj->len, m->key, m->klen, m->value))
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
			continue;
		}
		if (placed || (m && key_is(m, META_KEY)))
			continue;
		for (size_t j = 0; j < o.n; j++)
			if (sprout_json_insert(a, obj, obj->len, o.m[j].key, o.m[j].klen,
					       o.m[j].value))
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		placed = 1;
	}
	/* provenance last; remember an input merged into the prompt */
	if (meta && meta->type == SPROUT_JSON_OBJECT) {
		sprout_json *copy = sprout_json_new(a, SPROUT_JSON_OBJECT);
		if (!copy)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		for (size_t i = 0; i < meta->len; i++)
			if (sprout_json_insert(a, copy, copy->len, meta->u.members[i].key,
					       meta->u.members[i].klen, meta->u.members[i].value))
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		meta = copy;
	} else if (merged) {
		meta = sprout_json_new(a, SPROUT_JSON_OBJECT);
		if (!meta)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	if (meta) {
		const int has_input =
		    !is_conversation(to->kind) && to->kind != SPROUT_FORMAT_CLASSIFICATION &&
		    (to->kind != SPROUT_FORMAT_MAP || to->keys[SPROUT_SLOT_INPUT][0]);
		if (merged) {
			if (sprout_json_set(a, meta, MERGED_INPUT, ex.input))
				return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		} else if (has_input) {
			sprout_json_remove(meta, MERGED_INPUT);
		}
		/* a _sprout made only to remember an input goes when it is empty */
		if (meta->len &&
		    sprout_json_insert(a, obj, obj->len, META_KEY, strlen(META_KEY), meta))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	r->obj = obj;
	r->fmt = to;
	return SPROUT_OK;
}

sprout_code sprout_record_clone(const sprout_record *r, sprout_arena *a, sprout_record *out,
				sprout_error *err)
{
	*out = *r;
	out->arena = a;
	sprout_json *obj = sprout_json_new(a, SPROUT_JSON_OBJECT);
	if (!obj)
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	const char *deep = is_conversation(r->fmt->kind)		 ? turns_key(r->fmt->kind)
			   : r->fmt->kind == SPROUT_FORMAT_SELF_INSTRUCT ? "instances"
									 : NULL;
	if (r->obj->len) {
		obj->u.members = sprout_arena_alloc(a, (r->obj->len + 2) * sizeof *obj->u.members);
		if (!obj->u.members)
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		obj->cap = r->obj->len + 2;
	}
	for (size_t i = 0; i < r->obj->len; i++) {
		sprout_json_member m = r->obj->u.members[i];
		if (deep && key_is(&m, deep) && !(m.value = sprout_json_copy(a, m.value)))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
		obj->u.members[obj->len++] = m;
	}
	out->obj = obj;
	return SPROUT_OK;
}

/* ---- self-instruct tasks ----------------------------------------------- */

size_t sprout_record_explode_count(const sprout_record *r)
{
	if (r->fmt->kind != SPROUT_FORMAT_SELF_INSTRUCT)
		return 1;
	const sprout_json *inst = sprout_json_get(r->obj, "instances");
	return inst && inst->type == SPROUT_JSON_ARRAY && inst->len > 1 ? inst->len : 1;
}

sprout_code sprout_record_explode(const sprout_record *r, size_t i, sprout_record *out,
				  sprout_error *err)
{
	*out = *r;
	if (r->fmt->kind != SPROUT_FORMAT_SELF_INSTRUCT)
		return SPROUT_OK;
	const sprout_json *inst = sprout_json_get(r->obj, "instances");
	if (!inst || inst->type != SPROUT_JSON_ARRAY || inst->len <= 1)
		return SPROUT_OK;
	if (i >= inst->len)
		return sprout_error_set(err, SPROUT_ERR_USAGE, "instance %zu out of range", i);
	sprout_json *obj = sprout_json_new(r->arena, SPROUT_JSON_OBJECT);
	sprout_json *one = sprout_json_new(r->arena, SPROUT_JSON_ARRAY);
	if (!obj || !one || sprout_json_push(r->arena, one, inst->u.items[i]))
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	for (size_t k = 0; k < r->obj->len; k++) {
		const sprout_json_member *m = &r->obj->u.members[k];
		sprout_json *v = key_is(m, "instances") ? one : m->value;
		if (sprout_json_insert(r->arena, obj, obj->len, m->key, m->klen, v))
			return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	out->obj = obj;
	return SPROUT_OK;
}

/* ---- content hash ------------------------------------------------------ */

/* Where the hashed bytes go: a running hash, or a buffer with holes. */
struct hash_sink {
	XXH3_state_t *st;
	sprout_buf *b;
	const sprout_json *const *holes;
	size_t n;
	size_t *at;
	unsigned *seen;
	sprout_code rc;
};

static void sink(struct hash_sink *k, const void *p, size_t n)
{
	if (k->st)
		XXH3_128bits_update(k->st, p, n);
	else if (!k->rc)
		k->rc = sprout_buf_add(k->b, p, n);
}

/* A part after its tag: its length, then its bytes. */
static void hash_body(struct hash_sink *k, const char *s, size_t n)
{
	uint64_t len = n;
	sink(k, &len, sizeof len);
	sink(k, s, n);
}

static void hash_part(struct hash_sink *k, char tag, const char *s, size_t n)
{
	sink(k, &tag, 1);
	hash_body(k, s, n);
}

static void hash_value(struct hash_sink *k, char tag, const sprout_json *v)
{
	for (size_t i = 0; i < k->n; i++) {
		if (v == k->holes[i] && v->type == SPROUT_JSON_STRING) {
			sink(k, &tag, 1);
			k->at[i] = k->b->len;
			k->seen[i]++;
			return;
		}
	}
	if (v->type == SPROUT_JSON_STRING || v->type == SPROUT_JSON_NUMBER) {
		hash_part(k, tag, v->u.s, v->len);
		return;
	}
	sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 30);
	if (sprout_json_write(&b, v) == SPROUT_OK)
		hash_part(k, (char)(tag | 0x20), b.data, b.len);
	sprout_buf_release(&b);
}

static void hash_record(const sprout_record *r, struct hash_sink *k)
{
	struct exchange ex;
	if (read_exchange(r, &ex, NULL) != SPROUT_OK) {
		hash_value(k, 'X', r->obj);
		return;
	}
	for (size_t i = 0; i < ex.n; i++) {
		const struct turn *t = &ex.turns[i];
		static const char tags[] = {'S', 'U', 'A', 'O'};
		if (t->role == ROLE_OTHER)
			hash_part(k, 'R', t->raw, t->rawlen);
		hash_value(k, tags[t->role], t->content);
	}
	if (ex.input && !(is_string(ex.input) && ex.input->len == 0))
		hash_value(k, 'I', ex.input);
	if (ex.label)
		hash_value(k, 'L', ex.label);
}

sprout_code sprout_record_hash_stream(const sprout_record *r, sprout_buf *b,
				      const sprout_json *const *holes, size_t n, size_t *at,
				      unsigned *seen)
{
	for (size_t i = 0; i < n; i++) {
		at[i] = (size_t)-1;
		seen[i] = 0;
	}
	struct hash_sink k = {NULL, b, holes, n, at, seen, SPROUT_OK};
	hash_record(r, &k);
	return k.rc;
}

sprout_code sprout_splice_hash_part(sprout_buf *b, const char *s, size_t n)
{
	struct hash_sink k = {NULL, b, NULL, 0, NULL, NULL, SPROUT_OK};
	hash_body(&k, s, n);
	return k.rc;
}

void sprout_record_hash(const sprout_record *r, uint64_t out[2])
{
	XXH3_state_t st;
	XXH3_128bits_reset(&st);
	struct hash_sink k = {&st, NULL, NULL, 0, NULL, NULL, SPROUT_OK};
	hash_record(r, &k);
	XXH128_hash_t h = XXH3_128bits_digest(&st);
	out[0] = h.high64;
	out[1] = h.low64;
}
