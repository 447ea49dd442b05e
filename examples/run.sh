#!/usr/bin/env bash
# The README's main job: augment the bundled Banking77 seeds offline and show
# what was produced. Writes into out/ (or $OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out}
mkdir -p "$out"
sprout=build/sprout

echo "== augmenting examples/banking77/seeds.jsonl (385 customer-support queries, 77 intents)"
"$sprout" augment --keep-original -n 4 --seed 1 examples/banking77/seeds.jsonl \
	-o "$out/banking77.augmented.jsonl"

echo
echo "== what the dataset holds now"
"$sprout" stats "$out/banking77.augmented.jsonl"

echo
echo "== three seeds and their variants (method: text)"
jq -r 'select(._sprout.method == "seed") | ._sprout.id' "$out/banking77.augmented.jsonl" |
	sed -n '1p;100p;200p' | while read -r id; do
	jq -r --arg id "$id" 'select(._sprout.id == $id or ._sprout.parent == $id) |
		"  \(._sprout.method | sub("augment."; "") | .[0:10] | . + (" " * (10 - length))) \(.text)"' \
		"$out/banking77.augmented.jsonl"
	echo
done
echo "output: $out/banking77.augmented.jsonl"
