/* fuzz/fuzz.h - what the libFuzzer targets share (fuzz/fuzz.c, linked
 * into each): the invariant check, reading every byte for ASan, errors,
 * the JSON round trip, a reader run to its end, and a private temporary
 * folder for targets that read files. See fuzz/README.md. */
#ifndef SPROUT_FUZZ_H
#define SPROUT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/io.h"
#include "sprout/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort with what broke (and fuzz_where, when set) unless ok. */
void fuzz_check(int ok, const char *what, const char *file, int line);
#define CHECK(cond) fuzz_check(!!(cond), #cond, __FILE__, __LINE__)
extern const char *fuzz_where;

/* Read every byte so ASan sees any bad pointer or length. */
void fuzz_touch(const void *p, size_t n);

/* err is rc's, with a message and terminated strings; formats it. */
void fuzz_check_error(const sprout_error *err, sprout_code rc);

/* Write v, parse the text back, write that: the same bytes, equal values,
 * and a deep copy writes them too. The text goes to *out (released first;
 * the caller releases it) when out is not NULL. */
void fuzz_roundtrip(sprout_arena *a, const sprout_json *v, sprout_buf *out);

/* Read r to its end, checking the reader's invariants (fuzz/README.md),
 * resetting a before each record; each good object goes to each (may be
 * NULL) with a. size is the input's size (raw text is never longer). */
typedef struct fuzz_read_options {
	size_t max_record; /* as given to the reader (0: the default) */
	sprout_container container;
	sprout_json_dups dups;
} fuzz_read_options;
void fuzz_read_all(sprout_reader *r, const fuzz_read_options *o, size_t size, sprout_arena *a,
		   void (*each)(sprout_json *obj, sprout_arena *a));

/* fuzz_read_all over data read from memory under name. */
void fuzz_read_mem(const char *name, const fuzz_read_options *o, const uint8_t *data, size_t size,
		   sprout_arena *a, void (*each)(sprout_json *obj, sprout_arena *a));

/* A NUL-terminated copy of data (malloc'd). */
char *fuzz_text(const uint8_t *data, size_t size);

/* A folder of this process (in /dev/shm when it can be, else /tmp), made
 * at the first call and removed (with what is in it) at exit. */
const char *fuzz_dir(void);

/* Write dir/name with n bytes of data (replacing it). */
void fuzz_write(const char *dir, const char *name, const void *data, size_t n);

#endif
