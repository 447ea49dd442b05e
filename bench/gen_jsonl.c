/* gen_jsonl - write synthetic alpaca-style instruction data as JSONL.
 *
 *   gen_jsonl MB [SEED] > file.jsonl
 *
 * Writes records until at least MB MiB (MB * 1048576 bytes) are out, then
 * stops at the end of that record. The output depends only on MB and SEED
 * (default 1): same arguments, same bytes, on any machine.
 *
 * Each line looks like
 *   {"id":"gen-N","instruction":"...","input":"...","output":"...",
 *    "score":0.83,"tags":["a","b"]}
 * with instruction 5-40 words, input empty about 60% of the time (else 3-60
 * words), output 20-300 words in sentences and paragraphs. Words come from
 * a built-in vocabulary that includes non-ASCII text (é, ü, 中文, emoji) and
 * JSON escapes (\n \" \t \\ \u00e9); scores include numbers such as 0.1,
 * 1e-5, -3 and 12345678901234567890, so a reader that rounds numbers or
 * mangles escapes is caught by the benchmark's correctness check.
 *
 * Standalone: C11 and libc only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic PRNG (splitmix64) ----------------------------------- */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi]. */
static unsigned rng_range(unsigned lo, unsigned hi)
{
	return lo + (unsigned)(rng_next() % (uint64_t)(hi - lo + 1));
}

/* 1 with probability pct/100. */
static int rng_pct(unsigned pct)
{
	return rng_next() % 100 < pct;
}

/* ---- vocabulary -------------------------------------------------------- */

/* Plain words, written as they appear inside a JSON string. */
static const char *const common[] = {
	"the", "a", "of", "to", "and", "in", "is", "that", "for", "it", "as", "with",
	"be", "on", "not", "this", "by", "are", "or", "from", "at", "which", "an",
	"can", "each", "more", "than", "into", "when", "how", "what", "why", "your",
	"data", "model", "example", "answer", "question", "explain", "write", "list",
	"describe", "summarize", "translate", "classify", "function", "program",
	"sentence", "paragraph", "story", "poem", "recipe", "email", "letter",
	"number", "result", "value", "table", "customer", "review", "product",
	"history", "science", "language", "computer", "network", "memory", "file",
	"stream", "record", "format", "training", "instruction", "response", "input",
	"output", "simple", "short", "detailed", "important", "different", "common",
	"following", "given", "first", "second", "third", "final", "best", "better",
	"because", "however", "therefore", "although", "usually", "often", "always",
	"never", "people", "city", "country", "river", "mountain", "weather", "music",
	"energy", "health", "water", "food", "time", "year", "day", "world", "system",
	"process", "method", "approach", "problem", "solution", "reason", "idea",
	"algorithm", "sorting", "binary", "search", "tree", "graph", "vector", "matrix",
	"Python", "JavaScript", "SQL", "Linux", "JSON", "HTTP", "API", "GPU", "CPU",
	"increase", "reduce", "improve", "compare", "contrast", "analyze", "create",
	"generate", "identify", "provide", "consider", "suggest", "convert", "check",
};

/* Non-ASCII words (UTF-8 as is). */
static const char *const intl[] = {
	"café", "résumé", "naïve", "über", "Zürich", "Müller", "façade", "déjà",
	"señor", "año", "São Paulo", "Kraków", "Ærø", "smörgåsbord", "Ελληνικά",
	"русский", "中文", "数据", "模型", "训练", "日本語", "한국어", "العربية",
	"हिन्दी", "🙂", "🚀", "👍🏽", "🇫🇷", "∑", "≈", "°C", "€", "—", "…",
};

/* Words holding JSON escapes, as JSON text. */
static const char *const escaped[] = {
	"line\\nbreak", "\\\"quoted\\\"", "tab\\tseparated", "C:\\\\path\\\\to",
	"caf\\u00e9", "\\u00fcber", "\\u4e2d\\u6587", "\\ud83d\\ude80", "a\\/b",
	"x\\r\\ny", "\\\"", "\\\\n", "back\\\\slash", "bell\\u0007",
};

/* Numbers written into the text. */
static const char *const numwords[] = {
	"0", "1", "2", "3", "10", "42", "100", "2024", "0.1", "0.5", "3.14", "-3",
	"1e-5", "6.02e23", "99%", "12345678901234567890", "1,000", "$5",
};

static const char *const tags[] = {
	"qa", "coding", "math", "writing", "translation", "summarization", "chat",
	"reasoning", "classification", "brainstorm", "extraction", "rewrite",
	"multilingual", "safety", "long", "short",
};

/* JSON numbers for "score". */
static const char *const odd_scores[] = {
	"0.1", "1e-5", "-3", "12345678901234567890", "1.0", "0", "1", "0.5E+2",
	"-0.25", "3.141592653589793",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- output ------------------------------------------------------------ */

static char *out;
static size_t outlen, outcap;
static unsigned long long total;

static void flush_out(void)
{
	if (outlen && fwrite(out, 1, outlen, stdout) != outlen) {
		perror("gen_jsonl: write");
		exit(1);
	}
	total += outlen;
	outlen = 0;
}

static void put(const char *s, size_t n)
{
	if (outlen + n > outcap)
		flush_out();
	if (n > outcap) { /* never happens with the built-in words */
		fwrite(s, 1, n, stdout);
		total += n;
		return;
	}
	memcpy(out + outlen, s, n);
	outlen += n;
}

static void puts_(const char *s)
{
	put(s, strlen(s));
}

static const char *word(void)
{
	unsigned r = rng_range(0, 999);
	if (r < 60)
		return intl[rng_next() % N(intl)];
	if (r < 85)
		return escaped[rng_next() % N(escaped)];
	if (r < 115)
		return numwords[rng_next() % N(numwords)];
	return common[rng_next() % N(common)];
}

/* n words as sentences; paragraphs split by \n\n when allowed. */
static void text(unsigned n, int paragraphs)
{
	unsigned in_sentence = 0, sentence_len = rng_range(4, 18);
	for (unsigned i = 0; i < n; i++) {
		if (i)
			put(" ", 1);
		const char *w = word();
		if (in_sentence == 0 && w[0] >= 'a' && w[0] <= 'z') {
			char c = (char)(w[0] - 'a' + 'A');
			put(&c, 1);
			puts_(w + 1);
		} else {
			puts_(w);
		}
		if (++in_sentence >= sentence_len && i + 1 < n) {
			unsigned p = rng_range(0, 9);
			puts_(p < 7 ? "." : p < 9 ? "," : "?");
			if (p < 7 || p == 9) {
				in_sentence = 0;
				sentence_len = rng_range(4, 18);
				if (paragraphs && rng_pct(15)) {
					puts_("\\n\\n");
					/* no space after a paragraph break */
					if (i + 1 < n) {
						const char *w2 = word();
						puts_(w2);
						i++;
						in_sentence = 1;
					}
				}
			}
		}
	}
	if (n)
		put(".", 1);
}

static void record(unsigned long long id)
{
	char tmp[64];
	int k = snprintf(tmp, sizeof tmp, "{\"id\":\"gen-%llu\",\"instruction\":\"", id);
	put(tmp, (size_t)k);
	text(rng_range(5, 40), 0);
	puts_("\",\"input\":\"");
	if (rng_pct(40))
		text(rng_range(3, 60), 1);
	puts_("\",\"output\":\"");
	/* skewed towards shorter answers, as real data is */
	unsigned len = rng_pct(70) ? rng_range(20, 120) : rng_range(121, 300);
	text(len, 1);
	puts_("\",\"score\":");
	if (rng_pct(10)) {
		puts_(odd_scores[rng_next() % N(odd_scores)]);
	} else {
		k = snprintf(tmp, sizeof tmp, "0.%02u", rng_range(1, 99));
		put(tmp, (size_t)k);
	}
	puts_(",\"tags\":[");
	unsigned nt = rng_range(0, 4);
	for (unsigned i = 0; i < nt; i++) {
		if (i)
			put(",", 1);
		put("\"", 1);
		puts_(tags[rng_next() % N(tags)]);
		put("\"", 1);
	}
	puts_("]}\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen_jsonl MB [SEED] > file.jsonl\n");
		return 2;
	}
	char *end;
	unsigned long long mb = strtoull(argv[1], &end, 10);
	if (*end || mb == 0 || mb > (1ULL << 20)) {
		fprintf(stderr, "gen_jsonl: bad size '%s' (MiB, 1..1048576)\n", argv[1]);
		return 2;
	}
	unsigned long long seed = 1;
	if (argc == 3) {
		seed = strtoull(argv[2], &end, 10);
		if (*end) {
			fprintf(stderr, "gen_jsonl: bad seed '%s'\n", argv[2]);
			return 2;
		}
	}
	rng_state = seed * 0x2545F4914F6CDD1DULL + 1;
	outcap = (size_t)1 << 20;
	out = malloc(outcap);
	if (!out) {
		perror("gen_jsonl");
		return 1;
	}
	unsigned long long target = mb << 20;
	for (unsigned long long id = 1; total + outlen < target; id++)
		record(id);
	flush_out();
	free(out);
	if (fflush(stdout) != 0) {
		perror("gen_jsonl: write");
		return 1;
	}
	return 0;
}
