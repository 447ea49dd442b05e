/* Content hashes. See sprout/hash.h. */
#include "sprout/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

struct sprout_hasher {
	XXH3_state_t st;
};

sprout_hasher *sprout_hasher_new(void)
{
	sprout_hasher *h = aligned_alloc(64, (sizeof *h + 63) / 64 * 64);
	if (h)
		XXH3_128bits_reset(&h->st);
	return h;
}

void sprout_hasher_add(sprout_hasher *h, const void *data, size_t len)
{
	XXH3_128bits_update(&h->st, data, len);
}

void sprout_hasher_add_str(sprout_hasher *h, const char *s)
{
	XXH3_128bits_update(&h->st, s, strlen(s) + 1);
}

void sprout_hasher_hex(const sprout_hasher *h, char hex[SPROUT_HASH_HEX])
{
	XXH128_hash_t v = XXH3_128bits_digest(&h->st);
	snprintf(hex, SPROUT_HASH_HEX, "%016llx%016llx", (unsigned long long)v.high64,
		 (unsigned long long)v.low64);
}

void sprout_hasher_free(sprout_hasher *h)
{
	free(h);
}

sprout_code sprout_hash_file(const char *path, char hex[SPROUT_HASH_HEX], unsigned long long *bytes,
			     sprout_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		sprout_error_set(err, SPROUT_ERR_IO, "cannot open: %s", strerror(errno));
		sprout_error_locate(err, path, 0, 0);
		return SPROUT_ERR_IO;
	}
	sprout_hasher *h = sprout_hasher_new();
	char *buf = malloc(1 << 16);
	if (!h || !buf) {
		close(fd);
		sprout_hasher_free(h);
		free(buf);
		return sprout_error_set(err, SPROUT_ERR_NOMEM, "out of memory");
	}
	unsigned long long total = 0;
	sprout_code rc = SPROUT_OK;
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 16);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = sprout_error_set(err, SPROUT_ERR_IO, "cannot read: %s",
					      strerror(errno));
			sprout_error_locate(err, path, 0, 0);
			break;
		}
		if (n == 0)
			break;
		sprout_hasher_add(h, buf, (size_t)n);
		total += (unsigned long long)n;
	}
	close(fd);
	if (!rc) {
		sprout_hasher_hex(h, hex);
		if (bytes)
			*bytes = total;
	}
	sprout_hasher_free(h);
	free(buf);
	return rc;
}
