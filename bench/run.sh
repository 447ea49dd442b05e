#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - streaming benchmark: sprout convert against jq.
#
# Called by `make bench` (BUILD_DIR is e.g. "build", holding build/sprout).
# See bench/README.md. Environment:
#   BENCH_MB          size of the main input in MiB (default 200)
#   BENCH_SMALL_MB    size of the second input for the memory check (default 50)
#   BENCH_RUNS        timed runs of each tool; the best time is kept (default 3)
#   BENCH_SEED        generator seed (default 1)
#   BENCH_FULL_CHECK  1 (default) also compares the whole outputs; 0 skips it
set -euo pipefail

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

[ $# -eq 1 ] || die "usage: bench/run.sh BUILD_DIR"
BUILD_DIR=$1
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_MB=${BENCH_MB:-200}
BENCH_SMALL_MB=${BENCH_SMALL_MB:-50}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_SEED=${BENCH_SEED:-1}
BENCH_FULL_CHECK=${BENCH_FULL_CHECK:-1}

for v in BENCH_MB BENCH_SMALL_MB BENCH_RUNS BENCH_SEED; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || [ "${!v}" -lt 1 ]; then
		die "$v must be a positive integer, got '${!v}'"
	fi
done

# ---- tools ------------------------------------------------------------------

missing=0
need() { # need COMMAND DEBIAN-PACKAGE
	if ! command -v "$1" >/dev/null 2>&1; then
		printf 'bench: %s not found; install the Debian package "%s" (apt-get install %s)\n' \
			"$1" "$2" "$2" >&2
		missing=1
	fi
}
need jq jq
need /usr/bin/time time
need cc gcc
[ "$missing" -eq 0 ] || exit 1

SPROUT=$BUILD_DIR/sprout
[ -x "$SPROUT" ] || die "$SPROUT not found; build it first (make)"

# ---- generator --------------------------------------------------------------

GEN=$BUILD_DIR/bench/gen_jsonl
mkdir -p "$BUILD_DIR/bench"
if [ ! -x "$GEN" ] || [ "$BENCH_DIR/gen_jsonl.c" -nt "$GEN" ]; then
	cc -O2 -std=c11 -Wall -Wextra -o "$GEN" "$BENCH_DIR/gen_jsonl.c"
fi

OUT=$BENCH_DIR/out
mkdir -p "$OUT"
GEN_SUM=$(cksum <"$BENCH_DIR/gen_jsonl.c" | cut -d' ' -f1)

# make_input MB -> path of a JSONL file of MB MiB, generated unless a file
# from the same generator, size and seed is already there (checked against
# the byte count recorded next to it).
make_input() {
	local mb=$1 file=$OUT/alpaca-${1}mb-seed${BENCH_SEED}.jsonl
	local stamp=$file.stamp want="gen=$GEN_SUM mb=$mb seed=$BENCH_SEED"
	if [ -f "$file" ] && [ -f "$stamp" ]; then
		local line size
		line=$(cat "$stamp")
		size=$(stat -c %s "$file")
		if [ "$line" = "$want bytes=$size" ]; then
			printf '%s\n' "$file"
			return
		fi
	fi
	printf 'bench: generating %s (%s MiB)\n' "$file" "$mb" >&2
	rm -f "$stamp"
	"$GEN" "$mb" "$BENCH_SEED" >"$file.tmp"
	mv "$file.tmp" "$file"
	printf '%s bytes=%s\n' "$want" "$(stat -c %s "$file")" >"$stamp"
	printf '%s\n' "$file"
}

BIG=$(make_input "$BENCH_MB")
SMALL=$(make_input "$BENCH_SMALL_MB")
BIG_BYTES=$(stat -c %s "$BIG")
BIG_RECORDS=$(wc -l <"$BIG")
SMALL_RECORDS=$(wc -l <"$SMALL")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/sprout-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# ---- correctness --------------------------------------------------------------
# sprout keeps key order and number text, jq may not: normalise both sides
# with jq -cS, and leave out sprout's _sprout key.

echo "correctness: sprout convert --strip-meta vs jq -c, first 1000 records of $(basename "$BIG")"
# head closes the pipe early, so the writers may die of SIGPIPE: allowed
# here, a short or empty result is caught by the line count below.
set +o pipefail
"$SPROUT" convert --strip-meta -q "$BIG" | jq -c . | head -n 1000 | jq -cS . >"$TMP/sprout.head"
jq -c . "$BIG" | head -n 1000 | jq -cS . >"$TMP/jq.head"
set -o pipefail
want_lines=$((BIG_RECORDS < 1000 ? BIG_RECORDS : 1000))
got_lines=$(wc -l <"$TMP/sprout.head")
[ "$got_lines" -eq "$want_lines" ] ||
	die "correctness: sprout gave $got_lines records, expected $want_lines"
if ! cmp -s "$TMP/sprout.head" "$TMP/jq.head"; then
	n=$(cmp "$TMP/jq.head" "$TMP/sprout.head" 2>/dev/null | sed -n 's/.* line \([0-9]*\).*/\1/p' || true)
	n=${n:-1}
	echo "bench: FAIL: sprout and jq disagree, first at record $n (keys sorted):" >&2
	# show both around the first differing byte
	LC_ALL=C awk -v n="$n" 'FNR == n { l[++k] = $0 } END {
		a = l[1]; b = l[2]; i = 1
		while (i <= length(a) && substr(a, i, 1) == substr(b, i, 1)) i++
		s = i > 80 ? i - 80 : 1
		printf "  at byte %d\n  jq:     ...%s...\n  sprout: ...%s...\n", i,
			substr(a, s, 160), substr(b, s, 160)
	}' "$TMP/jq.head" "$TMP/sprout.head" >&2
	exit 1
fi
echo "  ok: $want_lines records identical after jq -cS"

if [ "$BENCH_FULL_CHECK" = 1 ]; then
	echo "correctness: whole file, $BIG_RECORDS records (BENCH_FULL_CHECK=0 skips)"
	s=$("$SPROUT" convert --strip-meta -q "$BIG" | jq -cS . | cksum)
	j=$(jq -cS . "$BIG" | cksum)
	[ "$s" = "$j" ] || die "FAIL: whole-file outputs differ (sprout $s, jq $j)"
	echo "  ok: identical after jq -cS (cksum $s)"
fi

# ---- timing -----------------------------------------------------------------

# measure NAME CMD... : one run, stdout to /dev/null; appends "secs rss_kib"
# to $TMP/NAME. A failing command stops the benchmark with its stderr.
measure() {
	local name=$1
	shift
	if ! /usr/bin/time -f '%e %M' -o "$TMP/t" "$@" >/dev/null 2>"$TMP/err"; then
		cat "$TMP/err" >&2
		die "'$*' failed"
	fi
	tail -n 1 "$TMP/t" >>"$TMP/$name.runs"
}

NAMES=(sprout-convert sprout-to-openai jq)
label() { # the command as shown in the table
	case $1 in
	sprout-convert) echo "sprout convert -q FILE" ;;
	sprout-to-openai) echo "sprout convert -q --to openai FILE" ;;
	jq) echo "jq -c . FILE" ;;
	esac
}
run_tool() { # run_tool NAME FILE
	case $1 in
	sprout-convert) measure "$1" "$SPROUT" convert -q "$2" ;;
	sprout-to-openai) measure "$1" "$SPROUT" convert -q --to openai "$2" ;;
	jq) measure "$1" jq -c . "$2" ;;
	esac
}

cat "$BIG" "$SMALL" >/dev/null # warm the page cache for every tool alike
echo
echo "timing: $(basename "$BIG"), $BIG_BYTES bytes, $BIG_RECORDS records;" \
	"best of $BENCH_RUNS runs, tools taking turns"
for ((run = 1; run <= BENCH_RUNS; run++)); do
	for n in "${NAMES[@]}"; do
		run_tool "$n" "$BIG"
	done
done

# best time, largest RSS over the runs
summary() { # summary NAME -> "secs rss_kib"
	awk 'NR == 1 || $1 < t { t = $1 } $2 > m { m = $2 } END { print t, m }' "$TMP/$1.runs"
}
read -r JQ_SECS _ < <(summary jq)
MIB=$(awk -v b="$BIG_BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')

echo
printf '%-34s %8s %9s %13s %11s\n' "tool" "seconds" "MiB/s" "max RSS MiB" "vs jq MiB/s"
printf '%-34s %8s %9s %13s %11s\n' "----" "-------" "-----" "-----------" "-----------"
for n in "${NAMES[@]}"; do
	read -r secs rss < <(summary "$n")
	awk -v n="$(label "$n")" -v s="$secs" -v r="$rss" \
		-v b="$BIG_BYTES" -v j="$JQ_SECS" 'BEGIN {
		mbs = s > 0 ? b / 1048576 / s : 0
		jmbs = j > 0 ? b / 1048576 / j : 0
		ratio = (n ~ /^sprout/ && jmbs > 0) ? sprintf("%.1fx", mbs / jmbs) : "-"
		printf "%-34s %8.2f %9.1f %13.1f %11s\n", n, s, mbs, r / 1024, ratio
	}'
done
echo "(input $MIB MiB; seconds: best wall time, /usr/bin/time %e; RSS: largest of the runs)"

# ---- memory flatness ----------------------------------------------------------

echo
echo "memory: sprout convert -q, max RSS by input size (largest of $BENCH_RUNS runs each)"
for ((run = 1; run <= BENCH_RUNS; run++)); do
	measure small "$SPROUT" convert -q "$SMALL"
done
read -r _ SMALL_RSS < <(summary small)
read -r _ BIG_RSS < <(summary sprout-convert)
awk -v sf="$(basename "$SMALL")" -v bf="$(basename "$BIG")" -v sr="$SMALL_RECORDS" \
	-v br="$BIG_RECORDS" -v sk="$SMALL_RSS" -v bk="$BIG_RSS" 'BEGIN {
	printf "  %-32s %9d records  %7.1f MiB\n", sf, sr, sk / 1024
	printf "  %-32s %9d records  %7.1f MiB\n", bf, br, bk / 1024
	growth = bk / sk
	printf "  %.1fx the records, %.2fx the memory: %s\n", br / sr, growth,
		(bk - sk <= 2048 || growth < 1.25) ? "flat" : "NOT FLAT (memory grows with the input)"
}'
