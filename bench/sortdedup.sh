#!/usr/bin/env bash
# bench/sortdedup.sh BUILD_DIR [RECORDS] - duplicates across shards: the
# merge's filter (--part across) over about 200,000 short records (the
# Banking77 and CLINC150 utterances augmented, near duplicates among them),
# by the in-memory index against by the shards' sorted keys (--keys, with
# the default 64 MiB for the runs and with 8), side by side in the same run:
# wall time, peak memory (/usr/bin/time -v), the ratios, and that all keep
# the same bytes.
# BENCH_DATA: the shared data folder (default ../shared/data next to the repo).
set -euo pipefail
BUILD_DIR=${1:?usage: bench/sortdedup.sh BUILD_DIR [RECORDS]}
N=${2:-200000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/../shared/data}
OUT=$ROOT/bench/out/sortdedup
SPROUT=$(cd "$BUILD_DIR" && pwd)/sprout
mkdir -p "$OUT"
[ -d "$DATA/intent" ] || { echo "bench: no data in $DATA; set BENCH_DATA" >&2; exit 1; }
cd "$OUT"
if [ ! -s "records$N.jsonl" ]; then
	for set in banking77 clinc150; do
		for split in train_10 valid test; do
			paste -d '\t' "$DATA/intent/$set/$split/seq.in" "$DATA/intent/$set/$split/label"
		done
	done | jq -R -c 'split("\t") | {text: .[0], label: .[1]}' >utterances.jsonl
	"$SPROUT" augment -q -j2 -n 14 --keep-original --seed 7 -o aug.jsonl utterances.jsonl
	head -n "$N" aug.jsonl >"records$N.jsonl"
fi
IN=records$N.jsonl
N=$(wc -l <"$IN")
echo "records: $N ($(du -h "$IN" | cut -f1))"
# 4 shards' own checks, each writing its keys; the merge's input joined
keys=()
: >each.jsonl
for i in 0 1 2 3; do
	lo=$((N * i / 4)) hi=$((N * (i + 1) / 4))
	"$SPROUT" filter -q --similarity off --length-ratio off --no-label-check --part each \
		--records "$lo-$hi" --keys-out "p$i.keys" -o "p$i.jsonl" "$IN"
	cat "p$i.jsonl" >>each.jsonl
	keys+=(--keys "p$i.keys")
done
echo "merge input: $(wc -l <each.jsonl) records"
measure() { # NAME ARGS...: the merge's filter, timed
	local name=$1
	shift
	/usr/bin/time -v "$SPROUT" filter -q --similarity off --part across "$@" \
		-o "$name.jsonl" --rejects "$name.rejects.jsonl" each.jsonl 2>"$name.time"
	local secs kb
	secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$name.time" |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$name.time")
	printf '%-10s %8.2f s %10d KiB peak  %s kept\n' "$name" "$secs" "$kb" "$(wc -l <"$name.jsonl")"
	eval "${name}_secs=$secs ${name}_kb=$kb"
}
measure memory
measure sorted "${keys[@]}"
measure sorted8 "${keys[@]}" --keys-memory 8
cmp -s memory.jsonl sorted.jsonl && cmp -s memory.jsonl sorted8.jsonl && echo "kept: the same bytes" ||
	echo "kept: DIFFERENT"
cmp -s memory.rejects.jsonl sorted.rejects.jsonl && echo "rejects: the same bytes" || echo "rejects: differ"
for run in sorted sorted8; do
	eval "secs=\$${run}_secs kb=\$${run}_kb"
	awk -v n="$run" -v a="$secs" -v b="$memory_secs" -v c="$kb" -v d="$memory_kb" \
		'BEGIN { printf "%s / memory: time %.2fx, peak memory %.2fx\n", n, a / b, c / d }'
done
