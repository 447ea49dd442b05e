#include "sprout/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const code_names[SPROUT_CODE__COUNT] = {
    [SPROUT_OK] = "ok",
    [SPROUT_END] = "end",
    [SPROUT_ERR_NOMEM] = "nomem",
    [SPROUT_ERR_IO] = "io",
    [SPROUT_ERR_JSON] = "json",
    [SPROUT_ERR_UTF8] = "utf8",
    [SPROUT_ERR_TOO_LONG] = "too-long",
    [SPROUT_ERR_EMPTY] = "empty",
    [SPROUT_ERR_CONTAINER] = "container",
    [SPROUT_ERR_RECORD] = "record",
    [SPROUT_ERR_FORMAT] = "format",
    [SPROUT_ERR_SLOT] = "slot",
    [SPROUT_ERR_CONVERT] = "convert",
    [SPROUT_ERR_USAGE] = "usage",
    [SPROUT_PENDING] = "pending",
};

const char *sprout_code_name(sprout_code code)
{
	if ((unsigned)code >= SPROUT_CODE__COUNT)
		return "unknown";
	return code_names[code];
}

sprout_code sprout_error_set(sprout_error *err, sprout_code code, const char *fmt, ...)
{
	if (!err)
		return code;
	err->code = code;
	err->file[0] = '\0';
	err->line = 0;
	err->column = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

void sprout_error_locate(sprout_error *err, const char *file, unsigned long line,
			 unsigned long column)
{
	if (!err)
		return;
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->column = column;
}

void sprout_error_clear(sprout_error *err)
{
	if (!err)
		return;
	err->code = SPROUT_OK;
	err->file[0] = '\0';
	err->line = 0;
	err->column = 0;
	err->msg[0] = '\0';
}

char *sprout_error_format(const sprout_error *err, char *buf, size_t n)
{
	if (!n)
		return buf;
	size_t off = 0;
	buf[0] = '\0';
	if (err->file[0]) {
		int k = snprintf(buf, n, "%s:", err->file);
		off = k < 0 ? 0 : (size_t)k;
		if (off < n && err->line) {
			k = snprintf(buf + off, n - off, "%lu:", err->line);
			off += k < 0 ? 0 : (size_t)k;
			if (off < n && err->column) {
				k = snprintf(buf + off, n - off, "%lu:", err->column);
				off += k < 0 ? 0 : (size_t)k;
			}
		}
		if (off < n) {
			k = snprintf(buf + off, n - off, " ");
			off += k < 0 ? 0 : (size_t)k;
		}
	}
	if (off < n)
		snprintf(buf + off, n - off, "%s", err->msg);
	return buf;
}
