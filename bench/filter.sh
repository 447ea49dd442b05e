#!/usr/bin/env bash
# bench/filter.sh BUILD_DIR - the filter's benchmarks:
#  (a) Spearman on STS-B dev for each similarity engine (bench/sts.sh);
#  (b) novelty (ROUGE-L > 0.7) on 50,000 instructions made by augmenting the
#      Self-Instruct seeds, sprout's index against a plain all-pairs loop in
#      the same run: decisions must be identical;
#  (c) near-duplicate removal on 1,000,000 short records made by augmenting
#      the Banking77 and CLINC150 utterances: time, peak memory, precision.
# BENCH_DATA: the shared data folder (default ../shared/data next to the repo).
set -euo pipefail
BUILD_DIR=${1:?usage: bench/filter.sh BUILD_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/../shared/data}
OUT=$ROOT/bench/out
SPROUT=$BUILD_DIR/sprout
mkdir -p "$OUT" "$BUILD_DIR/bench"
[ -d "$DATA/instructions" ] || { echo "bench: no data in $DATA; set BENCH_DATA" >&2; exit 1; }
cc -std=c11 -D_DEFAULT_SOURCE -O2 -I"$ROOT/include" "$ROOT/bench/dedup.c" "$BUILD_DIR/libsprout.a" \
	-lyaml -lsqlite3 -lpcre2-8 -lutf8proc -lz -lxxhash -lm -lpthread -o "$BUILD_DIR/bench/dedup"
sample() { shuf -n "$1" --random-source=<(yes); } # deterministic

echo "== (a) similarity engines on STS-B dev"
"$ROOT/bench/sts.sh" "$BUILD_DIR"

echo
echo "== (b) novelty on 50,000 instructions"
if [ ! -s "$OUT/instructions50k.jsonl" ]; then
	for f in "$DATA"/instructions/self_instruct_seed_tasks.jsonl "$DATA"/instructions/self_instruct_user_oriented.jsonl; do
		"$SPROUT" convert -q --to alpaca --strip-meta "$f"
	done >"$OUT/seeds.jsonl"
	"$SPROUT" augment -q -j2 -n 100 --strip-meta "$OUT/seeds.jsonl" >"$OUT/round1.jsonl"
	"$SPROUT" augment -q -j2 -n 2 --seed 2 --strip-meta "$OUT/round1.jsonl" >"$OUT/round2.jsonl"
	cat "$OUT/seeds.jsonl" "$OUT/round1.jsonl" "$OUT/round2.jsonl" | sample 50000 >"$OUT/instructions50k.jsonl"
fi
"$BUILD_DIR/bench/dedup" novelty "$OUT/instructions50k.jsonl" 50000

echo
echo "== (c) near duplicates in 1,000,000 short records"
if [ ! -s "$OUT/short1m.jsonl" ]; then
	for set in banking77 clinc150; do
		for split in train_5 train_10 valid test; do
			paste -d '\t' "$DATA/intent/$set/$split/seq.in" "$DATA/intent/$set/$split/label"
		done
	done | jq -R -c 'split("\t") | {text: .[0], label: .[1]}' >"$OUT/utterances.jsonl"
	"$SPROUT" augment -q -j2 -n 64 --strip-meta "$OUT/utterances.jsonl" >"$OUT/u1.jsonl"
	"$SPROUT" augment -q -j2 -n 2 --seed 3 --strip-meta "$OUT/u1.jsonl" >"$OUT/u2.jsonl"
	cat "$OUT/utterances.jsonl" "$OUT/u1.jsonl" "$OUT/u2.jsonl" | sample 1000000 >"$OUT/short1m.jsonl"
fi
"$BUILD_DIR/bench/dedup" near "$OUT/short1m.jsonl"
