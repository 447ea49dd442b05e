/* fuzz/replay.c - a main for the fuzz targets without libFuzzer: each
 * file named (or each file in each folder named) is given once to
 * LLVMFuzzerTestOneInput, in the order named, folders sorted. `make
 * asan-quick` links the targets with it and the ASan + UBSan build of the
 * library (build-asan/), so that CI replays every seed without compiling
 * the library a second time with clang. Exits 0 when every input ran;
 * a broken invariant or a sanitizer report ends the process as it would
 * under libFuzzer. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: cannot open %s\n", path);
		return -1;
	}
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
		if ((n += got) == cap)
			buf = realloc(buf, cap *= 2);
	fclose(f);
	if (!buf)
		return -1;
	/* a copy of exactly n bytes, so ASan sees a read past the end */
	uint8_t *data = malloc(n ? n : 1);
	if (!data) {
		free(buf);
		return -1;
	}
	memcpy(data, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(data, n);
	free(data);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	size_t inputs = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: no such file or folder: %s\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				return 1;
			inputs++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		char **names = NULL;
		size_t n = 0;
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char **more = realloc(names, (n + 1) * sizeof *names);
			if (!more)
				return 1;
			names = more;
			names[n] = malloc(strlen(argv[i]) + strlen(e->d_name) + 2);
			if (!names[n])
				return 1;
			sprintf(names[n++], "%s/%s", argv[i], e->d_name);
		}
		if (d)
			closedir(d);
		qsort(names, n, sizeof *names, by_name);
		for (size_t k = 0; k < n; k++) {
			if (run_file(names[k]))
				return 1;
			free(names[k]);
			inputs++;
		}
		free(names);
	}
	printf("%zu inputs\n", inputs);
	return 0;
}
