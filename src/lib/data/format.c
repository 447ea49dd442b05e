/* Dataset formats: names, field maps, detection. */
#include <stdio.h>
#include <string.h>

#include "sprout/record.h"

static const char *const slot_names[SPROUT_SLOT__COUNT] = {
    [SPROUT_SLOT_PROMPT] = "prompt",	 [SPROUT_SLOT_INPUT] = "input",
    [SPROUT_SLOT_RESPONSE] = "response", [SPROUT_SLOT_LABEL] = "label",
    [SPROUT_SLOT_SYSTEM] = "system",
};

const char *sprout_slot_name(sprout_slot slot)
{
	return (unsigned)slot < SPROUT_SLOT__COUNT ? slot_names[slot] : "unknown";
}

sprout_code sprout_slot_parse(const char *name, sprout_slot *out, sprout_error *err)
{
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++) {
		if (strcmp(name, slot_names[i]) == 0) {
			*out = (sprout_slot)i;
			return SPROUT_OK;
		}
	}
	return sprout_error_set(err, SPROUT_ERR_USAGE,
				"unknown slot '%s' (expected prompt, input, response, label "
				"or system)",
				name);
}

static const struct {
	const char *name;
	sprout_format_kind kind;
} format_names[] = {
    {"auto", SPROUT_FORMAT_AUTO},
    {"alpaca", SPROUT_FORMAT_ALPACA},
    {"sharegpt", SPROUT_FORMAT_SHAREGPT},
    {"openai", SPROUT_FORMAT_OPENAI},
    {"chat", SPROUT_FORMAT_OPENAI},
    {"messages", SPROUT_FORMAT_OPENAI},
    {"classification", SPROUT_FORMAT_CLASSIFICATION},
    {"text-label", SPROUT_FORMAT_CLASSIFICATION},
    {"self-instruct", SPROUT_FORMAT_SELF_INSTRUCT},
};

#define FORMAT_CHOICES                                                                             \
	"alpaca, sharegpt, openai, classification, self-instruct, or a field map like "            \
	"prompt=question,response=answer"

static sprout_code parse_map(const char *spec, sprout_format *out, sprout_error *err)
{
	memset(out, 0, sizeof *out);
	out->kind = SPROUT_FORMAT_MAP;
	const char *p = spec;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (!eq || eq == p || eq == p + n - 1)
			return sprout_error_set(err, SPROUT_ERR_FORMAT,
						"bad field map '%s': expected SLOT=KEY pairs "
						"separated by commas, like prompt=question,"
						"response=answer",
						spec);
		char slotname[32];
		size_t sl = (size_t)(eq - p);
		if (sl >= sizeof slotname)
			sl = sizeof slotname - 1;
		memcpy(slotname, p, sl);
		slotname[sl] = '\0';
		sprout_slot slot = SPROUT_SLOT_PROMPT;
		if (sprout_slot_parse(slotname, &slot, err))
			return sprout_error_set(err, SPROUT_ERR_FORMAT,
						"bad field map '%s': unknown slot '%s' (expected "
						"prompt, input, response, label or system)",
						spec, slotname);
		size_t kl = n - sl - 1;
		if (kl >= SPROUT_MAP_KEY_MAX)
			return sprout_error_set(err, SPROUT_ERR_FORMAT,
						"bad field map '%s': key for %s is longer than %d "
						"bytes",
						spec, slotname, SPROUT_MAP_KEY_MAX - 1);
		if (out->keys[slot][0])
			return sprout_error_set(err, SPROUT_ERR_FORMAT,
						"bad field map '%s': slot %s given twice", spec,
						slotname);
		memcpy(out->keys[slot], eq + 1, kl);
		out->keys[slot][kl] = '\0';
		p += n;
		if (*p == ',')
			p++;
	}
	if (!out->keys[SPROUT_SLOT_PROMPT][0])
		return sprout_error_set(err, SPROUT_ERR_FORMAT,
					"bad field map '%s': it must map the prompt slot "
					"(prompt=KEY)",
					spec);
	/* label and system read their default keys when not mapped: a key
	 * of another slot named so would be read as them too */
	const char *key[SPROUT_SLOT__COUNT];
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++)
		key[i] = out->keys[i][0]	   ? out->keys[i]
			 : i == SPROUT_SLOT_LABEL  ? "label"
			 : i == SPROUT_SLOT_SYSTEM ? "system"
						   : "";
	for (int i = 0; i < SPROUT_SLOT__COUNT; i++)
		for (int j = i + 1; j < SPROUT_SLOT__COUNT; j++)
			if (key[i][0] && strcmp(key[i], key[j]) == 0)
				return sprout_error_set(
				    err, SPROUT_ERR_FORMAT,
				    "bad field map '%s': key '%s' is mapped to two slots%s", spec,
				    key[i],
				    out->keys[i][0] && out->keys[j][0]
					? ""
					: " (label and system read keys label and system unless "
					  "mapped to others)");
	return SPROUT_OK;
}

sprout_code sprout_format_parse(const char *spec, sprout_format *out, sprout_error *err)
{
	if (strchr(spec, '='))
		return parse_map(spec, out, err);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < sizeof format_names / sizeof format_names[0]; i++) {
		if (strcmp(spec, format_names[i].name) == 0) {
			out->kind = format_names[i].kind;
			return SPROUT_OK;
		}
	}
	return sprout_error_set(err, SPROUT_ERR_FORMAT,
				"unknown format '%s' (expected " FORMAT_CHOICES ")", spec);
}

const char *sprout_format_name(const sprout_format *f)
{
	switch (f->kind) {
	case SPROUT_FORMAT_AUTO: return "auto";
	case SPROUT_FORMAT_ALPACA: return "alpaca";
	case SPROUT_FORMAT_SHAREGPT: return "sharegpt";
	case SPROUT_FORMAT_OPENAI: return "openai";
	case SPROUT_FORMAT_CLASSIFICATION: return "classification";
	case SPROUT_FORMAT_SELF_INSTRUCT: return "self-instruct";
	case SPROUT_FORMAT_MAP: return "map";
	default: return "unknown";
	}
}

void sprout_format_describe(const sprout_format *f, char *buf, size_t n)
{
	if (f->kind != SPROUT_FORMAT_MAP) {
		snprintf(buf, n, "%s", sprout_format_name(f));
		return;
	}
	size_t off = (size_t)snprintf(buf, n, "map ");
	const char *sep = "";
	for (int i = 0; i < SPROUT_SLOT__COUNT && off < n; i++) {
		if (!f->keys[i][0])
			continue;
		off += (size_t)snprintf(buf + off, n - off, "%s%s=%s", sep,
					sprout_slot_name((sprout_slot)i), f->keys[i]);
		sep = ",";
	}
}

static int is_array(const sprout_json *v)
{
	return v && v->type == SPROUT_JSON_ARRAY;
}

sprout_code sprout_format_detect(const sprout_json *obj, sprout_format *out, char *why,
				 size_t whylen, sprout_error *err)
{
	memset(out, 0, sizeof *out);
	const char *ev = NULL;
	if (is_array(sprout_json_get(obj, "conversations"))) {
		out->kind = SPROUT_FORMAT_SHAREGPT;
		ev = "key conversations";
	} else if (is_array(sprout_json_get(obj, "messages"))) {
		out->kind = SPROUT_FORMAT_OPENAI;
		ev = "key messages";
	} else if (sprout_json_get(obj, "instruction") &&
		   is_array(sprout_json_get(obj, "instances"))) {
		out->kind = SPROUT_FORMAT_SELF_INSTRUCT;
		ev = "keys instruction, instances";
	} else if (sprout_json_get(obj, "instruction")) {
		out->kind = SPROUT_FORMAT_ALPACA;
		ev =
		    sprout_json_get(obj, "output") ? "keys instruction, output" : "key instruction";
	} else if (sprout_json_get(obj, "text") && sprout_json_get(obj, "label")) {
		out->kind = SPROUT_FORMAT_CLASSIFICATION;
		ev = "keys text, label";
	} else if (sprout_json_get(obj, "text")) {
		/* plain text, no label: the prompt is "text" */
		out->kind = SPROUT_FORMAT_MAP;
		memcpy(out->keys[SPROUT_SLOT_PROMPT], "text", 5);
		ev = "key text";
	}
	if (ev) {
		if (why && whylen)
			snprintf(why, whylen, "%s", ev);
		return SPROUT_OK;
	}
	/* name what is there, so the user can write a --map */
	char keys[200];
	size_t off = 0;
	keys[0] = '\0';
	for (size_t i = 0; obj && obj->type == SPROUT_JSON_OBJECT && i < obj->len; i++) {
		int k = snprintf(keys + off, sizeof keys - off, "%s%s", i ? ", " : "",
				 obj->u.members[i].key);
		if (k < 0 || (size_t)k >= sizeof keys - off) {
			snprintf(keys + (sizeof keys > 5 ? sizeof keys - 5 : 0), 5, "...");
			break;
		}
		off += (size_t)k;
	}
	return sprout_error_set(
	    err, SPROUT_ERR_FORMAT,
	    "cannot detect the format: the record has keys {%s}, none of "
	    "instruction (alpaca), conversations (sharegpt), messages "
	    "(openai), text (classification, or plain text); give --format or a "
	    "field map "
	    "like --map prompt=question,response=answer",
	    keys);
}
