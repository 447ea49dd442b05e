#!/usr/bin/env bash
# bench/scale.sh BUILD_DIR - does every stage grow linearly with its input?
#
# Inputs are grown from the bundled examples: the Banking77 seeds (385), the
# support seeds (40) and the self-instruct seeds (175), copied 1x, 10x,
# 100x and 1,000x. Each copy is a seed of its own: its own _sprout id and
# its own text (two words before and two after, drawn from 60 by the copy's
# number), so copies are rarely near duplicates of each other.
#
# On the Banking77 copies it times each command on its own, one after the
# other as in the example recipe (convert, augment 4 variants, filter with
# the meaning engine, review add --sample all of the filter's output into a
# new project, mix --ratio 3:1 --balance, split --valid 0.2 --test 0.2,
# stats, report), then each example recipe with `sprout run` on its
# copies. For every step it prints the records in, wall time, CPU time
# (user + system), peak memory (/usr/bin/time) and the growth per 10x of
# input: (time at 10x - start-up) / (time at 1x - start-up), ..., the
# start-up being the same step on a 2-record input, for the CPU time and
# then the wall time. A linear step grows about 10x, n log n a little more;
# a CPU growth above 12x per 10x is flagged "SUPERLINEAR" (on a machine
# shared with other work the wall time says more about the others' load
# than about the step). When the smaller size has less than 0.3 s of work
# the ratio is noise: the raw one is shown as ~Nx and not judged. The table
# also goes to bench/out/scale/table.txt.
#
#   BENCH_MAX=100 bench/scale.sh build     stop at 100x (default 1000)
#
# How long it takes here (2 cores shared with other work, load 6-11): up to
# 100x about 2.5 minutes, up to 1,000x (385,000 Banking77 seeds, 1.9M
# records after augment) about 25 minutes and 6 GB of disk in bench/out.
set -euo pipefail
BUILD_DIR=${1:?usage: bench/scale.sh BUILD_DIR}
MAX=${BENCH_MAX:-1000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPROUT=$(cd "$BUILD_DIR" && pwd)/sprout
OUT=$ROOT/bench/out/scale
mkdir -p "$OUT"
export SPROUT_CACHE_DIR=${SPROUT_CACHE_DIR:-$(cd "$BUILD_DIR" && pwd)/cache}
SIZES=()
for k in 1 10 100 1000; do
	[ "$k" -le "$MAX" ] && SIZES+=("$k")
done

# K copies of an example's seeds (JSONL), each with its own text and so
# its own content id (2 of 60 words before the text, 2 after)
grow() { # SEEDS K OUT
	python3 - "$1" "$2" >"$3" <<'P'
import json, sys
words = ("amber birch cedar delta ember fjord grove harbor island jade kettle lantern "
         "meadow nectar orchid pepper quartz river saddle timber umber velvet willow "
         "yarrow zephyr anchor basket candle dragon falcon garnet hazel indigo juniper "
         "kestrel lagoon marble nutmeg oyster pebble quill raven sparrow thistle tulip "
         "violet walnut badger copper dune flint glacier heron ivory jasper lotus").split()
recs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
n = len(words)
def word(c, i):
    return words[(c * 2654435761 + i * 40503 + 17) % 1000003 % n]
for c in range(int(sys.argv[2])):
    # two words before and two after, drawn apart: copies are not near duplicates
    pre = "%s %s " % (word(c, 0), word(c, 1))
    post = " %s %s" % (word(c, 2), word(c, 3))
    for r in recs:
        r = dict(r)
        for key in ("text", "instruction"):
            if isinstance(r.get(key), str):
                r[key] = pre + r[key] + post
                break
        if "id" in r:
            r["id"] = "%s-c%d" % (r["id"], c)
        print(json.dumps(r, ensure_ascii=False))
P
}

# The steps: step NAME IN OUT runs one on input IN, writing OUT (a file, or
# a folder for split; run takes a folder holding recipe.yaml and seeds.jsonl)
step() {
	local name=$1 in=$2 out=$3
	case $name in
	convert) "$SPROUT" convert -q --to openai "$in" -o "$out" ;;
	augment) "$SPROUT" augment -q -n 4 --keep-original --seed 11 \
		--methods synonym,delete,typo,casual,question,polite "$in" -o "$out" ;;
	filter) "$SPROUT" filter -q --similarity meaning --min-words 2 "$in" -o "$out" ;;
	review)
		rm -f "$out" "$out-wal" "$out-shm"
		"$SPROUT" review add -q --sample all -p "$out" "$in"
		;;
	mix) "$SPROUT" mix -q --ratio 3:1 --balance --seed 11 "$in" -o "$out" ;;
	split) "$SPROUT" split -q --valid 0.2 --test 0.2 --seed 11 --on-leak warn -d "$out" "$in" ;;
	stats) "$SPROUT" stats -q --json "$in" >"$out" ;;
	report) "$SPROUT" report -q "$in" -o "$out" ;;
	run*) "$SPROUT" run -q --offline -d "$out" "$in/recipe.yaml" ;;
	esac
}

# measure NAME K IN OUT: one row; the growth against the size before, net of
# the step's start-up (the same step on a 2-record input, measured at the
# smallest size), so that loading WordNet and the language model (about
# 1 s) does not pass for work. Growth is given for the CPU time (user +
# system: the work, which other jobs on the machine change little) and for
# the wall time; the flag judges the CPU time.
declare -A SECS CPUS START START_CPU
rows=()
timed() { # NAME IN OUT -> "secs kb cpu"
	if ! /usr/bin/time -f "%e %M %U %S" bash -c "$(declare -f step); SPROUT='$SPROUT'; step \"\$@\"" _ \
		"$@" >/dev/null 2>"$OUT/err.txt"; then
		echo "failed: $1 on $2" >&2
		cat "$OUT/err.txt" >&2
		exit 1
	fi
	tail -n 1 "$OUT/err.txt" | awk '{ printf "%s %s %.2f\n", $1, $2, $3 + $4 }'
}
# growth A B START: the ratio (A - START) / (B - START) and "-" or
# "SUPERLINEAR"; below 0.3 s of work at the smaller size the ratio is noise:
# the raw ratio is shown with a ~ and not judged
growth() {
	awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN {
		na = a - s; nb = b - s
		if (nb < 0.3) { printf "~%.1fx -\n", (b > 0 ? a / b : 0); exit }
		g = (na > 0 ? na : 0) / nb
		printf "%.1fx %s\n", g, (g > 12 ? "SUPERLINEAR" : "-") }'
}
measure() {
	local name=$1 k=$2 in=$3 out=$4 nin
	if [ -d "$in" ]; then nin=$(count "$in/seeds.jsonl"); else nin=$(count "$in"); fi
	if [ -z "${START[$name]:-}" ]; then
		local tiny=$OUT/tiny t0 c0
		rm -rf "$tiny"
		mkdir -p "$tiny"
		if [ -d "$in" ]; then
			cp "$in/recipe.yaml" "$tiny/"
			head -n 2 "$in/seeds.jsonl" >"$tiny/seeds.jsonl"
			read -r t0 _ c0 < <(timed "$name" "$tiny" "$tiny/out")
		else
			head -n 2 "$in" >"$tiny/in.jsonl"
			read -r t0 _ c0 < <(timed "$name" "$tiny/in.jsonl" "$tiny/out.x")
		fi
		START[$name]=$t0
		START_CPU[$name]=$c0
	fi
	local secs kb cpu
	read -r secs kb cpu < <(timed "$name" "$in" "$out")
	local prev=${SECS[$name,$((k / 10))]:-} prev_cpu=${CPUS[$name,$((k / 10))]:-}
	SECS[$name,$k]=$secs
	CPUS[$name,$k]=$cpu
	local g_cpu="" g_wall="" flag="" _
	if [ -n "$prev" ]; then
		read -r g_cpu flag < <(growth "$cpu" "$prev_cpu" "${START_CPU[$name]}")
		read -r g_wall _ < <(growth "$secs" "$prev" "${START[$name]}")
		[ "$flag" = - ] && flag=
	fi
	local row
	row=$(printf '%-18s %5sx %9d in %9.2f s %9.2f s cpu %7d MiB  %-7s %-7s %s' "$name" "$k" \
		"$nin" "$secs" "$cpu" $((kb / 1024)) "$g_cpu" "$g_wall" "$flag")
	echo "$row"
	rows+=("$row")
}

count() { wc -l <"$1" | tr -d ' '; }

for k in "${SIZES[@]}"; do
	d=$OUT/b$k
	rm -rf "$d"
	mkdir -p "$d"
	grow "$ROOT/examples/banking77/seeds.jsonl" "$k" "$d/seeds.jsonl"
	measure convert "$k" "$d/seeds.jsonl" "$d/conv.jsonl"
	measure augment "$k" "$d/seeds.jsonl" "$d/aug.jsonl"
	measure filter "$k" "$d/aug.jsonl" "$d/filt.jsonl"
	measure review "$k" "$d/filt.jsonl" "$d/review.sqlite"
	measure mix "$k" "$d/filt.jsonl" "$d/mix.jsonl"
	measure split "$k" "$d/mix.jsonl" "$d/split"
	measure stats "$k" "$d/mix.jsonl" "$d/stats.json"
	measure report "$k" "$d/mix.jsonl" "$d/report.html"
	for ex in banking77 support self-instruct; do
		r=$OUT/run-$ex-$k
		rm -rf "$r"
		mkdir -p "$r"
		cp "$ROOT/examples/$ex/recipe.yaml" "$r/recipe.yaml"
		grow "$ROOT/examples/$ex/seeds.jsonl" "$k" "$r/seeds.jsonl"
		measure "run $ex" "$k" "$r" "$r/out"
	done
done
echo
echo "== by step: wall time, CPU time (user + system), peak memory, growth per 10x of"
echo "   input net of start-up (CPU, then wall); a CPU growth above 12x is flagged"
for name in convert augment filter review mix split stats report "run banking77" "run support" \
	"run self-instruct"; do
	printf '  start-up %-18s %.2f s %.2f s cpu\n' "$name" "${START[$name]}" "${START_CPU[$name]}"
	printf '%s\n' "${rows[@]}" | grep "^$name " || true
done | tee "$OUT/table.txt"
if grep -q SUPERLINEAR "$OUT/table.txt"; then
	echo "some steps grow faster than 12x per 10x of input"
fi
