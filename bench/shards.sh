#!/usr/bin/env bash
# bench/shards.sh BUILD_DIR [COPIES] - what running a recipe in shards costs.
#
# The Banking77 example recipe over its seeds copied COPIES times (default
# 20: 7,700 seeds, each copy its own seed: two words added before it), run
# side by side, REPEAT times (default 3), alternating:
#   plain    sprout run RECIPE
#   4 shards sprout run --shard I/4 for I = 0..3 one after the other,
#            then sprout merge --shards 4 (what one machine does; on a
#            cluster the shards run at the same time)
#   4 ways   the same with the four shards started at once (this machine
#            has 2 cores) and then the merge
# Prints wall and CPU seconds (user + system) of each, the ratio to plain,
# and checks that the dataset files are byte-identical. The machine is
# shared: the ratio in the same run is what counts, not the seconds.
set -eu
build=$(cd "${1:?usage: bench/shards.sh BUILD_DIR [COPIES]}" && pwd)
copies=${2:-20}
repeat=${REPEAT:-3}
here=$(cd "$(dirname "$0")" && pwd)
work="$here/out/shards"
rm -rf "$work" && mkdir -p "$work"
sprout="$build/sprout"
export SPROUT_CACHE_DIR="$build/cache"
python3 - "$here/../examples/banking77/seeds.jsonl" "$copies" >"$work/seeds.jsonl" <<'PY'
import json, sys
words = "please kindly so um well hey right now today quickly".split()
seeds = [json.loads(l) for l in open(sys.argv[1])]
for c in range(int(sys.argv[2])):
    for s in seeds:
        t = dict(s)
        t["text"] = f"{words[c % 10]} {words[(c // 10) % 10]} " + s["text"]
        print(json.dumps(t))
PY
sed -e 's|^inputs: .*|inputs: seeds.jsonl|' "$here/../examples/banking77/recipe.yaml" >"$work/recipe.yaml"
cd "$work"
echo "$(wc -l <seeds.jsonl) seeds, the Banking77 recipe; $repeat rounds"
cpu() { awk '{print $1 + $2}' "$1"; }
timed() { # name command...: wall and CPU seconds into $name.times (appended)
	local name=$1
	shift
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$name.cpu" "$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$(echo "$t1 - $t0" | bc) $(cpu "$name.cpu")" >>"$name.times"
}
plain() { "$sprout" run -q --restart -d p recipe.yaml; }
serial() {
	rm -rf s
	for i in 0 1 2 3; do "$sprout" run -q -d s --shard $i/4 recipe.yaml; done
	"$sprout" merge -q --shards 4 -d s recipe.yaml
}
parallel() {
	rm -rf w
	for i in 0 1 2 3; do "$sprout" run -q -d w --shard $i/4 recipe.yaml & done
	wait
	"$sprout" merge -q --shards 4 -d w recipe.yaml
}
export -f plain serial parallel
export sprout
for r in $(seq "$repeat"); do
	timed plain bash -c plain
	timed serial bash -c serial
	timed parallel bash -c parallel
done
for f in 05-export/train.jsonl 05-export/valid.jsonl 05-export/test.jsonl; do
	cmp -s p/$f s/$f && cmp -s p/$f w/$f || echo "DIFFERENT: $f"
done
echo "dataset files: compared (plain, 4 shards, 4 ways)"
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
pw=$(cut -d' ' -f1 plain.times | median)
pc=$(cut -d' ' -f2 plain.times | median)
printf '%-10s %8s %8s %8s %8s\n' run wall_s cpu_s wall/plain cpu/plain
for n in plain serial parallel; do
	w=$(cut -d' ' -f1 $n.times | median)
	c=$(cut -d' ' -f2 $n.times | median)
	printf '%-10s %8.2f %8.2f %8.2fx %8.2fx\n' $n "$w" "$c" "$(echo "$w / $pw" | bc -l)" "$(echo "$c / $pc" | bc -l)"
done
