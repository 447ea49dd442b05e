#!/usr/bin/env bash
# bench/augment.sh BUILD_DIR - sprout augment against the EDA paper's Python
# reference on the same job: 9 variants per record with the four EDA
# operations (synonym, insert, swap, delete), on every Banking77 and
# CLINC150 utterance in the shared data (15,525 records). See bench/README.md.
# Environment:
#   BENCH_DATA   the shared data folder (default: ../shared/data next to the repo)
#   BENCH_RUNS   timed runs of each sprout command; the best is kept (default 5)
#   EDA_REF      a folder holding eda.py from github.com/jasonwei20/eda_nlp
#                (code/eda.py); when set, the reference runs in the same job
#                with Debian's python3-nltk. Not part of sprout: fetch it
#                yourself.
set -euo pipefail

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: bench/augment.sh BUILD_DIR"
BUILD_DIR=$1
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/../shared/data}
RUNS=${BENCH_RUNS:-5}
SPROUT=$BUILD_DIR/sprout
[ -x "$SPROUT" ] || die "$SPROUT not found; build it first (make)"
command -v jq >/dev/null || die "jq not found; install the Debian package jq"
[ -x /usr/bin/time ] || die "/usr/bin/time not found; install the Debian package time"
[ -d "$DATA/intent/banking77" ] || die "no intent data in $DATA; set BENCH_DATA"

OUT=$BENCH_DIR/out
mkdir -p "$OUT"
IN=$OUT/intents.jsonl
if [ ! -s "$IN" ]; then
	for set in banking77 clinc150; do
		for split in train_5 train_10 valid test; do
			paste -d '\t' "$DATA/intent/$set/$split/seq.in" "$DATA/intent/$set/$split/label"
		done
	done | jq -R -c 'split("\t") | {text: .[0], label: .[1]}' >"$IN.tmp"
	mv "$IN.tmp" "$IN"
fi
records=$(wc -l <"$IN")
JOB=(augment -q -n 9 --methods synonym,insert,swap,delete --seed 1)

# best wall time (to the millisecond: the job is short) and largest RSS of
# RUNS runs: prints "seconds rss_kib"
measure() {
	local best="" rss=0 t m t0 t1
	for _ in $(seq "$RUNS"); do
		# the last run's output goes first, untimed: truncating tens of
		# megabytes in the redirection would be timed as sprout's
		rm -f "$OUT/variants.jsonl"
		t0=$EPOCHREALTIME
		/usr/bin/time -f '%M' -o "$OUT/time.txt" "$@" >"$OUT/variants.jsonl"
		t1=$EPOCHREALTIME
		t=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")
		read -r m <"$OUT/time.txt"
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
		[ "$m" -gt "$rss" ] && rss=$m
	done
	echo "$best $rss"
}

printf 'job: %s records, 9 variants each, synonym/insert/swap/delete\n\n' "$records"
printf '%-32s %10s %8s %12s %10s %8s\n' "tool" variants seconds variants/s "RSS MiB" "vs EDA"
row() { # name variants seconds rss_kib eda_rate
	local rate
	rate=$(awk "BEGIN{printf \"%.0f\", $2 / ($3 > 0 ? $3 : 0.01)}")
	local ratio="-"
	[ -n "$5" ] && ratio=$(awk "BEGIN{printf \"%.1fx\", $rate / $5}")
	printf '%-32s %10s %8s %12s %10.1f %8s\n' "$1" "$2" "$3" "$rate" "$(awk "BEGIN{print $4/1024}")" "$ratio"
}

eda_rate=""
if [ -n "${EDA_REF:-}" ]; then
	[ -f "$EDA_REF/eda.py" ] || die "EDA_REF=$EDA_REF holds no eda.py"
	/usr/bin/python3 -c 'import nltk' 2>/dev/null ||
		die "the EDA reference needs Debian's python3-nltk (apt-get install python3-nltk)"
	/usr/bin/time -f '%e %M' -o "$OUT/time.txt" \
		/usr/bin/python3 "$BENCH_DIR/eda_reference.py" "$EDA_REF" "$IN" >"$OUT/eda.txt"
	read -r eda_t eda_m <"$OUT/time.txt"
	read -r eda_n eda_failed <"$OUT/eda.txt"
	eda_rate=$(awk "BEGIN{printf \"%.0f\", $eda_n / $eda_t}")
	row "EDA eda.py (python3, 1 core)" "$eda_n" "$eda_t" "$eda_m" "$eda_rate"
fi
# sprout as EDA runs (every candidate kept: --no-check), then with the
# meaning check, which scores every candidate and keeps only those that
# keep the meaning and read well (most of insert's and swap's are not)
declare -A secs
for check in --no-check ""; do
	for j in 1 2; do
		read -r t m < <(measure "$SPROUT" "${JOB[@]}" $check -j "$j" "$IN")
		n=$(wc -l <"$OUT/variants.jsonl")
		row "sprout augment -j$j ${check:-(check)}" "$n" "$t" "$m" "$eda_rate"
		secs["$check$j"]=$t
	done
done
echo
for j in 1 2; do
	printf 'records/s, -j%s: %s without the check, %s with it: the check costs %sx\n' "$j" \
		"$(awk "BEGIN{printf \"%.0f\", $records / ${secs[--no-check$j]}}")" \
		"$(awk "BEGIN{printf \"%.0f\", $records / ${secs[$j]}}")" \
		"$(awk "BEGIN{printf \"%.2f\", ${secs[$j]} / ${secs[--no-check$j]}}")"
done
[ -n "$eda_rate" ] && [ "${eda_failed:-0}" != 0 ] &&
	printf '(eda.py failed on %s records with no letters)\n' "$eda_failed"
[ -z "$eda_rate" ] && printf '(set EDA_REF to run the Python reference beside it)\n'

# start-up: one record, which is all WordNet loading and process start;
# "first run" with no WordNet index file yet (built and written), then
# with the file the runs above left (see sprout/wordnet.h)
head -1 "$IN" >"$OUT/one.jsonl"
startup() { # label, then env assignments for each run
	local best="" t t0 t1 label=$1
	shift
	for _ in 1 2 3 4 5; do
		rm -rf "$OUT/cache"
		t0=$EPOCHREALTIME
		# (the one record may get no variant past the check: exit 1, fine here)
		env "$@" "$SPROUT" "${JOB[@]}" "$OUT/one.jsonl" >/dev/null 2>&1 || true
		t1=$EPOCHREALTIME
		t=$(awk "BEGIN{printf \"%.3f\", $t1 - $t0}")
		if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
	done
	printf 'start-up (one record, WordNet and the language model included), %s: %s s, best of 5\n' "$label" "$best"
}
echo
startup "first run, index built" SPROUT_CACHE_DIR="$OUT/cache"
startup "index file there"
JOB+=(--no-check)
startup "index file there, --no-check (no language model)"
