#include "util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

sprout_json *parse_ok(sprout_arena *a, const char *text)
{
	sprout_json *v = NULL;
	sprout_error err = SPROUT_ERROR_INIT;
	if (sprout_json_parse(a, text, strlen(text), &v, &err))
		test_fail(__FILE__, __LINE__, "parse failed: %s (%lu:%lu) for %s", err.msg,
			  err.line, err.column, text);
	return v;
}

const char *dump(const sprout_json *v)
{
	static sprout_buf b = SPROUT_BUF_INIT((size_t)1 << 24);
	sprout_buf_clear(&b);
	if (sprout_json_write(&b, v))
		test_fail(__FILE__, __LINE__, "write failed");
	return b.data;
}

sprout_record make_record(sprout_arena *a, const char *text, const char *fmt_spec)
{
	static sprout_format formats[16];
	static int next;
	sprout_format *f = &formats[next++ % 16];
	sprout_json *obj = parse_ok(a, text);
	sprout_error err = SPROUT_ERROR_INIT;
	if (strcmp(fmt_spec, "auto") == 0) {
		if (sprout_format_detect(obj, f, NULL, 0, &err))
			test_fail(__FILE__, __LINE__, "detect failed: %s", err.msg);
	} else if (sprout_format_parse(fmt_spec, f, &err)) {
		test_fail(__FILE__, __LINE__, "bad format %s: %s", fmt_spec, err.msg);
	}
	sprout_record r = {obj, f, a, "test", 1};
	return r;
}

const char *temp_dir(void)
{
	static char dir[64];
	snprintf(dir, sizeof dir, "/tmp/sprout-unit-XXXXXX");
	if (!mkdtemp(dir))
		test_fail(__FILE__, __LINE__, "mkdtemp failed");
	return dir;
}

const char *slurp(const char *path, size_t *len)
{
	static char *data;
	free(data);
	data = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	if (fread(data, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = (size_t)n;
	return data;
}

int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		test_fail(__FILE__, __LINE__, "cannot read %s", dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

void remove_tree(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		test_fail(__FILE__, __LINE__, "cannot remove %s", dir);
}
