#!/usr/bin/env bash
# bench/judged.sh BUILD_DIR - sprout filter against the hand-judged variants
# (shared/data/judged/variants-dev.jsonl): with its defaults, with only the
# similarity check (no duplicate checks), and with the older engines, the
# share of kept variants judged good and of good variants kept, on the 30%
# held out from fitting (bench/meaning_fit.py) and on all pairs; then the
# meaning engine's model refitted and checked (AUC, STS-B) by
# bench/meaning_fit.py. BENCH_DATA: the shared data folder.
set -euo pipefail
BUILD_DIR=$(cd "${1:?usage: bench/judged.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/../shared/data}
J=$DATA/judged/variants-dev.jsonl
[ -f "$J" ] || { echo "bench: no judged data in $DATA; set BENCH_DATA" >&2; exit 1; }
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
S=$BUILD_DIR/sprout
python3 "$ROOT/bench/judged.py" prepare "$J" "$W"
run() { # NAME ARGS...
	local name=$1
	shift
	"$S" filter -q --parents "$W/parents.jsonl" "$@" --rejects "$W/rej.jsonl" "$W/variants.jsonl" -o "$W/kept.jsonl"
	python3 "$ROOT/bench/judged.py" score "$J" "$W/kept.jsonl" "$name"
}
run "meaning, all defaults"
run "meaning, similarity only" --dedup off
run "wordnet (0.70-0.98), similarity only" --dedup off --similarity wordnet
run "lexical (0.70-0.98), similarity only" --dedup off --similarity lexical
echo
# the model: features of every pair, then the fit and its checks
cc -std=c11 -D_DEFAULT_SOURCE -O2 -I"$ROOT/include" "$ROOT/bench/meaning_features.c" "$BUILD_DIR/libsprout.a" \
	-lyaml -lsqlite3 -lpcre2-8 -lutf8proc -lz -lxxhash -lm -lpthread -o "$W/features"
python3 - "$J" "$W" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2] + '/judged.tsv', 'w') as f:
    for r in rows:
        f.write('\t'.join([r['id'], str(r['good']), r['original'].replace('\t', ' '), r['variant'].replace('\t', ' ')]) + '\n')
PY
for s in train dev; do
	awk -F'\t' -v s=$s '{print s NR "\t" $5 "\t" $6 "\t" $7}' "$DATA/sts/stsb-$s.tsv" >"$W/sts-$s.tsv"
done
"$W/features" "$W/judged.tsv" >"$W/jf.tsv"
"$W/features" "$W/sts-train.tsv" >"$W/stf.tsv"
"$W/features" "$W/sts-dev.tsv" >"$W/sdf.tsv"
python3 "$ROOT/bench/meaning_fit.py" "$J" "$W/jf.tsv" "$W/stf.tsv" "$W/sdf.tsv" "$@"
