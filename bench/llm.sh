#!/usr/bin/env bash
# bench/llm.sh BUILD_DIR - the generate client's own cost per request.
# Against bench/fastllm (a chat server that answers at once), with 64
# requests in flight:
#  (a) sprout generate -m refine over N records, no cache: requests per
#      second and CPU (user + sys) per request of the whole command (reading,
#      prompts, requests, answers, records, writing);
#  (b) the same with the answer cache (every answer written to SQLite);
#  (c) the same again: every answer from the cache, nothing sent.
# Target: at least 5,000 requests/s, so that sprout is never the bottleneck
# in front of a GPU server. N: BENCH_REQUESTS (default 50000).
set -euo pipefail
BUILD_DIR=${1:?usage: bench/llm.sh BUILD_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
N=${BENCH_REQUESTS:-50000}
SPROUT=$BUILD_DIR/sprout
mkdir -p "$OUT" "$BUILD_DIR/bench"
cc -std=c11 -D_GNU_SOURCE -O2 -Wall "$ROOT/bench/fastllm.c" -o "$BUILD_DIR/bench/fastllm"

# N distinct instructions
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf("{\"instruction\":\"Explain step %d of the process to a new customer in plain words.\",\"output\":\"Step %d is done in the app.\"}\n", i, i) }' \
	>"$OUT/llm_in.jsonl"

port_file=$(mktemp -u)
"$BUILD_DIR/bench/fastllm" "$port_file" &
server=$!
trap 'kill $server 2>/dev/null; rm -f "$port_file" "$OUT"/llm_cache.sqlite*' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
url="http://127.0.0.1:$(cat "$port_file")"

run() { # label, extra options
	local label=$1
	shift
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f "%U %S %M" -o "$OUT/llm_time.txt" "$SPROUT" generate -q -m refine --response keep --concurrency 64 \
		--url "$url" --model bench "$@" "$OUT/llm_in.jsonl" -o "$OUT/llm_out.jsonl"
	t1=$(date +%s.%N)
	read -r user sys rss <"$OUT/llm_time.txt"
	awk -v l="$label" -v n="$N" -v t0="$t0" -v t1="$t1" -v u="$user" -v s="$sys" -v m="$rss" \
		-v out="$(wc -l <"$OUT/llm_out.jsonl")" 'BEGIN {
		w = t1 - t0
		printf("%-34s %8d requests  %6.2f s  %8.0f requests/s  %6.1f us CPU/request  %6.1f MiB  %d records\n",
		       l, n, w, n / w, (u + s) * 1e6 / n, m / 1024, out) }'
}

echo "== generate client overhead, 64 in flight, against an instant server"
rm -f "$OUT"/llm_cache.sqlite*
run "(a) no cache" --no-cache
run "(b) answers cached as they arrive" --cache "$OUT/llm_cache.sqlite"
run "(c) all from the cache" --cache "$OUT/llm_cache.sqlite"
echo "(target: 5,000 requests/s)"
