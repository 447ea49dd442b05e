/* sprout/augment.h - offline augmentation that keeps meaning.
 *
 * Each method rewrites the text of chosen slots (the prompt by default) and
 * leaves everything else of the record as it was; each variant gets
 * provenance naming its method, parameters and parent. Word-level methods
 * never touch protected spans (sprout/text.h): code, URLs, placeholders,
 * quoted strings, numbers. Randomness comes from (seed, record id, method,
 * attempt), so output does not depend on the order records are processed in.
 */
#ifndef SPROUT_AUGMENT_H
#define SPROUT_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "sprout/arena.h"
#include "sprout/buf.h"
#include "sprout/error.h"
#include "sprout/record.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprout_aug_method {
	SPROUT_AUG_SYNONYM,	  /* WordNet synonyms for content words */
	SPROUT_AUG_INSERT,	  /* insert a synonym of a content word */
	SPROUT_AUG_SWAP,	  /* swap two content words */
	SPROUT_AUG_DELETE,	  /* delete content words */
	SPROUT_AUG_TYPO,	  /* keyboard typos, slips */
	SPROUT_AUG_CASUAL,	  /* contractions, chat abbreviations, lowercase start */
	SPROUT_AUG_FORMAL,	  /* the reverse of casual */
	SPROUT_AUG_FORMAT,	  /* "Please ...", "Can you ...?", "I need you to ..." */
	SPROUT_AUG_BACKTRANSLATE, /* Apertium round trip, e.g. eng -> spa -> eng */
	SPROUT_AUG_QUESTION,	  /* "i want to X" -> "how do i X?", "how do i" <-> "how can i" */
	SPROUT_AUG_POLITE,	  /* "Hi, ...", "..., please", "Could you tell me how to X?" */
	SPROUT_AUG__COUNT
} sprout_aug_method;

/* "synonym", "insert", ... */
const char *sprout_aug_name(sprout_aug_method m);
/* Method by name; SPROUT_ERR_USAGE naming the choices otherwise. */
sprout_code sprout_aug_parse(const char *name, sprout_aug_method *out, sprout_error *err);
/* Default rate of a method: the share of words it changes (EDA's 0.1 for
 * the word operations), or the chance of each change for casual/formal. */
double sprout_aug_default_rate(sprout_aug_method m);

typedef struct sprout_augment_options {
	double weight[SPROUT_AUG__COUNT];  /* > 0: the method is used, picked by weight */
	double rate[SPROUT_AUG__COUNT];	   /* 0: the default rate */
	unsigned count[SPROUT_AUG__COUNT]; /* > 0: exactly this many variants from it */
	unsigned n;			   /* variants per record when no counts are set */
	uint64_t seed;
	int slots[SPROUT_SLOT__COUNT]; /* 1: augment this slot */
	const char *pair;	       /* Apertium pair for backtranslate, "eng-spa" */
	const char *wordnet_dir;       /* NULL: the default */
	int check;		       /* 1: keep only variants the meaning engine accepts */
	double min_score;	       /* the bound it must reach; 0: sprout_meaning_threshold() */
} sprout_augment_options;

/* Defaults: synonym, delete, typo, casual, formal, format, question and
 * polite with weight 1 (insert and swap, blind to meaning, only when asked
 * for), n = 4, seed 0, the prompt slot, and the check: every candidate is
 * scored against its parent by the meaning engine (sprout/meaning.h) and
 * kept only from min_score up to below a near copy (0.98); a rejected
 * candidate is another attempt of its method. */
void sprout_augment_options_init(sprout_augment_options *o);

typedef struct sprout_augmenter sprout_augmenter;

/* Open what the chosen methods need: WordNet for synonym and insert,
 * Apertium for backtranslate, WordNet and the language model (sprout/lm.h)
 * for the check. A missing part fails with SPROUT_ERR_IO and a message
 * naming the Debian package to install. */
sprout_augmenter *sprout_augmenter_new(const sprout_augment_options *o, sprout_error *err);
void sprout_augmenter_free(sprout_augmenter *g); /* accepts NULL */

/* Back-translations are made in batches before the variants, through the one
 * Apertium pipeline of the augmenter (not thread-safe: call from one thread).
 * texts[i] (n of them) get their round trip in out[i] (in a; NULL when the
 * translation lost a protected span or came back unchanged). */
sprout_code sprout_augment_backtranslate(sprout_augmenter *g, const char *const *texts,
					 const size_t *lens, size_t n, sprout_arena *a, char **out,
					 sprout_error *err);

/* What a record's variants need from a batch step: the back-translations
 * of its slots (NULL where there is none). */
typedef struct sprout_aug_prepared {
	const char *bt[SPROUT_SLOT__COUNT];
} sprout_aug_prepared;

/* What one thread needs to make variants: its own memo of WordNet answers
 * and scratch space. Make one per thread; NULL on OOM. */
typedef struct sprout_aug_worker sprout_aug_worker;
sprout_aug_worker *sprout_aug_worker_new(const sprout_augmenter *g);
void sprout_aug_worker_free(sprout_aug_worker *w); /* accepts NULL */

/* Make up to the configured number of variants of parent (which must have
 * provenance, see sprout_meta_ensure) into out[0..max), allocated in a.
 * Variants identical to the parent or to each other are not made. *made
 * gets the count. prepared may be NULL when backtranslate is not used.
 * Threads may call it at once, each with its own worker and arena. */
sprout_code sprout_augment_record(sprout_aug_worker *w, const sprout_record *parent,
				  const sprout_aug_prepared *prepared, sprout_arena *a,
				  sprout_record *out, size_t max, size_t *made, sprout_error *err);

/* Variants as JSON lines, the way writers want them. */
typedef struct sprout_aug_json {
	sprout_buf *out; /* each line is appended here, without a newline */
	size_t *ends;	 /* ends[i]: the end in out of line i; room for max + 1 */
	size_t lines;	 /* lines written so far */
	unsigned by_method[SPROUT_AUG__COUNT];	/* variants written per method */
	unsigned long below[SPROUT_AUG__COUNT]; /* candidates the check turned down */
	int keep_parent;			/* the parent's own line first */
	int strip_meta;				/* lines without _sprout */
	size_t spliced; /* variants spliced; the rest were built as records */
} sprout_aug_json;

/* sprout_augment_record, each variant written as one line of JSON to o: the
 * same variants, byte for byte what sprout_json_write gives for them, but
 * made faster (a record is written once with holes where the new texts and
 * provenance go, and each variant is spliced into it). */
sprout_code sprout_augment_record_json(sprout_aug_worker *w, const sprout_record *parent,
				       const sprout_aug_prepared *prepared, sprout_arena *a,
				       size_t max, sprout_aug_json *o, size_t *made,
				       sprout_error *err);

/* Largest number of variants sprout_augment_record may make per record. */
size_t sprout_augment_max_variants(const sprout_augmenter *g);

/* Apply one method to a text (for tests and tools): 1 and the new text in
 * out when it changed, 0 when the method found nothing to change. */
int sprout_augment_text(const sprout_augmenter *g, sprout_aug_method m, double rate,
			const char *text, size_t len, uint64_t seed, sprout_arena *a,
			sprout_buf *out);

#ifdef __cplusplus
}
#endif
#endif
