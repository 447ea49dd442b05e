/* What sprout_wordnet holds, shared by src/lib/services/wordnet.c (lookups, building
 * the index) and src/lib/services/wordnet_cache.c (the index kept in a file). Not
 * installed. */
#ifndef SPROUT_WORDNET_INTERNAL_H
#define SPROUT_WORDNET_INTERNAL_H

#include <stdint.h>

#include "sprout/wordnet.h"

/* A mapped sorted file and a hash index of its lines by first field. */
struct map {
	const char *p;
	size_t n;
	const uint32_t *slots; /* 0 = empty, else the line's offset + 1 in the
				* low `bits` bits, and above them as many bits
				* of the key's hash as fit (a tag), so that most
				* probes for another key are told apart without
				* reading the file; mask + 1 of them */
	size_t mask;
	unsigned bits;	/* wn_off_bits(n) */
	uint64_t id[4]; /* size, modification time (ns), inode, device: the
			 * file the index was built from */
};

/* an irregular form from an exception list, sorted by base for the
 * reverse lookup inflection needs */
struct irregular {
	const char *base, *form;
	size_t blen, flen;
};

/* A set of words (hashes only: a false "yes" costs a lookup, never an
 * error, so collisions are harmless). */
struct wordset {
	const uint64_t *v;
	size_t mask;
};

struct sprout_wordnet {
	struct map index[SPROUT_POS__COUNT], data[SPROUT_POS__COUNT], exc[SPROUT_POS__COUNT];
	struct map counts;	    /* cntlist.rev (sorted, searched by bisection), or p NULL */
	struct wordset last_words;  /* last words of collocations: "up" of "show_up" */
	struct wordset first_words; /* first words: "show" of "show_up", also of the
				     * collocations of the exception lists */
	struct irregular *irr[SPROUT_POS__COUNT];
	size_t nirr[SPROUT_POS__COUNT];
	void *cache; /* the mapped index file the slots and word sets are in,
		      * else NULL (they were built and are freed on close) */
	size_t cache_len;
};

/* Bits a line offset + 1 of a file of n bytes needs in a slot. */
static inline unsigned wn_off_bits(size_t n)
{
	unsigned b = 1;
	while (b < 32 && ((size_t)1 << b) <= n)
		b++;
	return b;
}

/* The index file of the WordNet in dir: $SPROUT_CACHE_DIR, else
 * $XDG_CACHE_HOME/sprout, else ~/.cache/sprout, then wordnet-HASH.idx.
 * -1 when there is none (SPROUT_CACHE_DIR set empty, no home). */
int wn_cache_path(const char *dir, char *out, size_t cap);

/* Point wn's slots, word sets and irregular forms at the index file, when
 * it was made from the files wn has mapped. 0 done, -1 not (nothing
 * changed). */
int wn_cache_load(sprout_wordnet *wn, const char *path);

/* Write wn's index to path (atomically; quietly nothing on failure). */
void wn_cache_save(const sprout_wordnet *wn, const char *path);

#endif
