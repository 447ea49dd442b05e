#!/usr/bin/env bash
# The sanitizer step of CI (make asan-quick), well within its time: every
# unit test, a chosen set of CLI cases and every fuzz seed (fuzz/corpus-NAME
# through BUILD_DIR/fuzz/fuzz_NAME, linked with fuzz/replay.c), run on a
# build made with AddressSanitizer and UBSan (build-asan/). `make asan` runs
# every test.
# Ends with the line "N passed, N failed".
#   tests/asan-quick.sh BUILD_DIR
#
# The cases, a few minutes' worth: the regression cases of bugs that only
# the sanitizers show (token counts, embedding indexes and Label Studio ids
# cast out of range, PII past the 64th), and a few where input from outside
# meets sprout's parsers: broken UTF-8, bad JSON lines, over-long lines,
# duplicate keys, gzip members and trailing bytes, field maps, NUL bytes in
# model answers, the review API's bodies, what sbatch answers. The fuzz
# seeds cover the rest of the parsers; the slow cases (load, kill and
# resume, the examples, the browser) are left to `make asan`.
set -u
build=${1:-build-asan}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export SPROUT_CACHE_DIR="$root/$build/cache"
cases=(bad-utf8 bad-json-skip bad-line-too-long bad-duplicate-keys
	convert-gzip-members-and-trailing-bytes convert-map filter-pii filter-embed-bad-index
	generate-usage-nonsense generate-nul review-api review-label-studio slurm-errors)
passed=0
failed=0
tally() {
	printf '%s\n' "$1" | grep -v -E '^(ok  |[0-9]+ passed, [0-9]+ failed$)'
	if [[ $(printf '%s\n' "$1" | tail -n 1) =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		echo "FAIL $2: the runner crashed"
		failed=$((failed + 1))
	fi
}
tally "$(cd "$root" && "$root/$build/unit" 2>&1)" unit
for c in "${cases[@]}"; do
	tally "$("$here/cli/run.sh" "$root/$build/sprout" "$c" 2>&1)" "$c"
done
for bin in "$root/$build"/fuzz/fuzz_*; do
	name=${bin##*/fuzz_}
	if out=$(cd "$root" && "$bin" "fuzz/corpus-$name" 2>&1); then
		passed=$((passed + 1))
	else
		printf '%s\n' "$out" | tail -n 40
		echo "FAIL fuzz $name: a seed broke an invariant or a sanitizer stopped it"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
