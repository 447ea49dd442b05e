/* YAML to sprout_json, with marks. See sprout/yaml.h. */
#include "sprout/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct mark {
	const void *node; /* a value, or for keys: the object + member index */
	size_t member;	  /* (size_t)-1 for a value */
	unsigned long line, column;
};

struct sprout_yaml {
	struct mark *v;
	size_t n, cap;
};

void sprout_yaml_free(sprout_yaml *m)
{
	if (!m)
		return;
	free(m->v);
	free(m);
}

static int remember(sprout_yaml *m, const void *node, size_t member, yaml_mark_t mk)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct mark *v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] =
	    (struct mark){node, member, (unsigned long)mk.line + 1, (unsigned long)mk.column + 1};
	return 0;
}

void sprout_yaml_where(const sprout_yaml *m, const sprout_json *v, unsigned long *line,
		       unsigned long *column)
{
	*line = *column = 0;
	for (size_t i = 0; m && i < m->n; i++)
		if (m->v[i].node == v && m->v[i].member == (size_t)-1) {
			*line = m->v[i].line;
			*column = m->v[i].column;
			return;
		}
}

void sprout_yaml_key_where(const sprout_yaml *m, const sprout_json *obj, size_t member,
			   unsigned long *line, unsigned long *column)
{
	*line = *column = 0;
	for (size_t i = 0; m && i < m->n; i++)
		if (m->v[i].node == obj && m->v[i].member == member) {
			*line = m->v[i].line;
			*column = m->v[i].column;
			return;
		}
}

struct p {
	yaml_parser_t parser;
	sprout_arena *a;
	sprout_yaml *m;
	sprout_error *err;
	int depth;
};

/* Recipes are shallow; a limit keeps hostile input off the stack. */
#define YAML_MAX_DEPTH 64

static sprout_code fail_at(struct p *p, yaml_mark_t mk, const char *msg)
{
	sprout_error_set(p->err, SPROUT_ERR_FORMAT, "%s", msg);
	if (p->err) {
		p->err->line = (unsigned long)mk.line + 1;
		p->err->column = (unsigned long)mk.column + 1;
	}
	return SPROUT_ERR_FORMAT;
}

static sprout_code next(struct p *p, yaml_event_t *e)
{
	if (!yaml_parser_parse(&p->parser, e)) {
		sprout_error_set(p->err, SPROUT_ERR_FORMAT, "%s%s%s",
				 p->parser.problem ? p->parser.problem : "bad YAML",
				 p->parser.context ? " " : "",
				 p->parser.context ? p->parser.context : "");
		if (p->err) {
			p->err->line = (unsigned long)p->parser.problem_mark.line + 1;
			p->err->column = (unsigned long)p->parser.problem_mark.column + 1;
		}
		return SPROUT_ERR_FORMAT;
	}
	return SPROUT_OK;
}

/* A plain scalar as a number, boolean or null when it reads as one. */
static sprout_json *scalar(struct p *p, const yaml_event_t *e)
{
	const char *s = (const char *)e->data.scalar.value;
	size_t n = e->data.scalar.length;
	if (e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		if ((n == 4 && !strcmp(s, "true")) || (n == 3 && !strcmp(s, "yes")))
			return sprout_json_new(p->a, SPROUT_JSON_TRUE);
		if ((n == 5 && !strcmp(s, "false")) || (n == 2 && !strcmp(s, "no")))
			return sprout_json_new(p->a, SPROUT_JSON_FALSE);
		if (!n || (n == 4 && !strcmp(s, "null")) || (n == 1 && s[0] == '~'))
			return sprout_json_new(p->a, SPROUT_JSON_NULL);
		/* a JSON number: -?digits(.digits)?(e[+-]?digits)? */
		size_t i = s[0] == '-' ? 1 : 0, d = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, d++;
		if (d && i < n && s[i] == '.') {
			size_t f = ++i;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == f)
				d = 0;
		}
		if (d && i < n && (s[i] == 'e' || s[i] == 'E')) {
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-'))
				i++;
			size_t x = i;
			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == x)
				d = 0;
		}
		size_t z = s[0] == '-' ? 1 : 0; /* no leading zero, signed or not */
		if (d && i == n &&
		    !(s[z] == '0' && z + 1 < n && s[z + 1] >= '0' && s[z + 1] <= '9'))
			return sprout_json_number_raw(p->a, s, n);
	}
	return sprout_json_string(p->a, s, n);
}

static sprout_code value(struct p *p, yaml_event_t *e, sprout_json **out);

static sprout_code collection(struct p *p, yaml_event_t *start, sprout_json **out)
{
	int map = start->type == YAML_MAPPING_START_EVENT;
	if (++p->depth > YAML_MAX_DEPTH)
		return fail_at(p, start->start_mark, "the recipe nests too deeply");
	sprout_json *c = sprout_json_new(p->a, map ? SPROUT_JSON_OBJECT : SPROUT_JSON_ARRAY);
	if (!c || remember(p->m, c, (size_t)-1, start->start_mark))
		return sprout_error_set(p->err, SPROUT_ERR_NOMEM, "out of memory");
	for (;;) {
		yaml_event_t e;
		sprout_code rc = next(p, &e);
		if (rc)
			return rc;
		if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if (!map) {
			sprout_json *v;
			rc = value(p, &e, &v);
			yaml_event_delete(&e);
			if (rc)
				return rc;
			if (sprout_json_push(p->a, c, v))
				return sprout_error_set(p->err, SPROUT_ERR_NOMEM, "out of memory");
			continue;
		}
		if (e.type != YAML_SCALAR_EVENT) {
			rc = fail_at(p, e.start_mark, "a key must be a plain word");
			yaml_event_delete(&e);
			return rc;
		}
		yaml_mark_t key_mark = e.start_mark;
		const char *k = (const char *)e.data.scalar.value;
		size_t kl = e.data.scalar.length;
		if (sprout_json_getn(c, k, kl)) {
			char msg[300];
			snprintf(msg, sizeof msg, "the key '%.*s' is given twice",
				 (int)(kl > 200 ? 200 : kl), k);
			rc = fail_at(p, key_mark, msg);
			yaml_event_delete(&e);
			return rc;
		}
		char *key = sprout_arena_strndup(p->a, k, kl);
		yaml_event_delete(&e);
		if (!key)
			return sprout_error_set(p->err, SPROUT_ERR_NOMEM, "out of memory");
		yaml_event_t ve;
		if ((rc = next(p, &ve)))
			return rc;
		sprout_json *v;
		rc = value(p, &ve, &v);
		yaml_event_delete(&ve);
		if (rc)
			return rc;
		if (sprout_json_insert(p->a, c, c->len, key, kl, v) ||
		    remember(p->m, c, c->len - 1, key_mark))
			return sprout_error_set(p->err, SPROUT_ERR_NOMEM, "out of memory");
	}
	p->depth--;
	*out = c;
	return SPROUT_OK;
}

static sprout_code value(struct p *p, yaml_event_t *e, sprout_json **out)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		if (!(*out = scalar(p, e)) || remember(p->m, *out, (size_t)-1, e->start_mark))
			return sprout_error_set(p->err, SPROUT_ERR_NOMEM, "out of memory");
		return SPROUT_OK;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: return collection(p, e, out);
	case YAML_ALIAS_EVENT:
		return fail_at(p, e->start_mark,
			       "anchors and aliases are not supported in recipes");
	default: return fail_at(p, e->start_mark, "unexpected YAML content");
	}
}

sprout_code sprout_yaml_parse(sprout_arena *a, const char *text, size_t len, sprout_json **root,
			      sprout_yaml **marks, sprout_error *err)
{
	struct p p = {.a = a, .err = err};
	p.m = calloc(1, sizeof *p.m);
	if (!p.m || !yaml_parser_initialize(&p.parser)) {
		free(p.m);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
	sprout_code rc = SPROUT_OK;
	sprout_json *doc = NULL;
	int done = 0;
	while (!rc && !done) {
		yaml_event_t e;
		if ((rc = next(&p, &e)))
			break;
		switch (e.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT: break;
		case YAML_STREAM_END_EVENT: done = 1; break;
		default:
			if (doc)
				rc = fail_at(&p, e.start_mark, "a recipe is one YAML document");
			else
				rc = value(&p, &e, &doc);
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p.parser);
	if (!rc && !doc)
		rc = sprout_error_set(err, SPROUT_ERR_FORMAT, "the recipe is empty");
	if (rc) {
		sprout_yaml_free(p.m);
		return rc;
	}
	*root = doc;
	*marks = p.m;
	return SPROUT_OK;
}
