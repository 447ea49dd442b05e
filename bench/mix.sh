#!/usr/bin/env bash
# bench/mix.sh BUILD_DIR - how mix grows with its input: the Banking77
# example seeds (385) with 9 variants each, copied 1x, 10x, 100x (the copies
# get their own ids, so each is a seed of its own), mixed with --balance
# --ratio 1:1 and without --balance. Prints time and peak memory per size
# and the growth per 10x of input; a linear stage grows about 10x.
set -euo pipefail
BUILD_DIR=${1:?usage: bench/mix.sh BUILD_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out/mix
SPROUT=$BUILD_DIR/sprout
mkdir -p "$OUT"
export SPROUT_CACHE_DIR=${SPROUT_CACHE_DIR:-$BUILD_DIR/cache}
"$SPROUT" augment -q -n 9 --no-check --keep-original --methods synonym,typo,delete,casual \
	"$ROOT/examples/banking77/seeds.jsonl" -o "$OUT/x1.jsonl"
for k in 10 100; do
	python3 - "$OUT/x1.jsonl" "$k" >"$OUT/x$k.jsonl" <<'P'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
for c in range(int(sys.argv[2])):
    for line in lines:
        r = json.loads(line)
        for key in ("id", "root", "parent"):
            if key in r["_sprout"]:
                r["_sprout"][key] += "c%d" % c
        print(json.dumps(r))
P
done
for mode in "--balance --ratio 1:1" "--ratio 1:1"; do
	echo "== mix $mode"
	prev=
	for k in 1 10 100; do
		n=$(wc -l <"$OUT/x$k.jsonl")
		read -r secs kb < <(/usr/bin/time -f "%e %M" "$SPROUT" mix -q $mode "$OUT/x$k.jsonl" \
			-o "$OUT/out.jsonl" 2>&1 >/dev/null | tail -n 1)
		growth=${prev:+$(awk -v a="$secs" -v b="$prev" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')}
		printf '%8d records  %7.2f s  %6d MiB  %s\n' "$n" "$secs" $((kb / 1024)) "${growth:+growth per 10x: $growth}"
		prev=$secs
	done
done
