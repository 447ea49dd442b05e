/* Byte buffers (sprout/buf.h). */
#include "test.h"

#include "sprout/buf.h"

/* Appends of every length, the short ones copied without memcpy, from
 * every alignment: the bytes, the length and the NUL after them. */
static void appends_keep_every_byte(void)
{
	char src[64];
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (char)('A' + i % 26 + (i / 26) * 32 % 64);
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n <= 40; n++) {
			sprout_buf b = SPROUT_BUF_INIT(1 << 20);
			CHECK_INT(sprout_buf_add(&b, "xy", 2), SPROUT_OK);
			CHECK_INT(sprout_buf_add(&b, src + off, n), SPROUT_OK);
			CHECK_INT(sprout_buf_add(&b, src + off, n), SPROUT_OK);
			CHECK_INT(b.len, 2 + 2 * n);
			CHECK(memcmp(b.data, "xy", 2) == 0);
			CHECK(memcmp(b.data + 2, src + off, n) == 0);
			CHECK(memcmp(b.data + 2 + n, src + off, n) == 0);
			CHECK(b.data[b.len] == '\0');
			sprout_buf_release(&b);
		}
	}
	/* past its limit: refused, nothing appended */
	sprout_buf small = SPROUT_BUF_INIT(8);
	CHECK_INT(sprout_buf_add(&small, src, 6), SPROUT_OK);
	CHECK(sprout_buf_add(&small, src, 6) != SPROUT_OK);
	CHECK_INT(small.len, 6);
	sprout_buf_release(&small);
}

SUITE(buf_tests) = {
    T(appends_keep_every_byte),
    {NULL, NULL},
};
