#!/usr/bin/env bash
# bench/ratelimit.sh BUILD_DIR - sprout's throughput against a server with a
# rate limit. The stand-in server (tests/fakes/llm_server.py) keeps a token
# bucket of BENCH_LIMIT requests (default 20) that refills every
# BENCH_WINDOW seconds (default 2: 10 requests/s), answers 429 with
# Retry-After beyond it and x-ratelimit-* headers with every answer, and
# takes 200 ms per answer. sprout generate -m refine sends BENCH_REQUESTS
# (default 300) requests, --concurrency 16:
#  (a) as it does by default: the headers into its buckets, adaptive
#      concurrency, a shared cool-down after a 429;
#  (b) --fixed-concurrency: 16 in flight whatever the server says, each
#      refused request retried after its Retry-After (what sprout did
#      before);
#  (c) the same limit as input tokens (Anthropic headers), default pace.
# For each: wall time, requests answered per second, what the limit allows
# over that time (the bucket's LIMIT at the start plus its refill), the
# share of it used, the 429s the server answered and the requests given up.
set -euo pipefail
BUILD_DIR=${1:?usage: bench/ratelimit.sh BUILD_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/bench/out
N=${BENCH_REQUESTS:-300}
LIMIT=${BENCH_LIMIT:-20}
WINDOW=${BENCH_WINDOW:-2}
SPROUT=$BUILD_DIR/sprout
mkdir -p "$OUT"

awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf("{\"instruction\":\"Explain step %d of the process to a new customer.\",\"output\":\"ok\"}\n", i) }' \
	>"$OUT/rl_in.jsonl"

server=
stop() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	server=
}
trap 'stop; rm -f "$OUT"/rl_port' EXIT
start() { # server options
	stop
	rm -f "$OUT/rl_port" "$OUT/rl_times.jsonl"
	python3 "$ROOT/tests/fakes/llm_server.py" --port-file "$OUT/rl_port" --slow 200 \
		--times "$OUT/rl_times.jsonl" "$@" &
	server=$!
	for _ in $(seq 200); do [ -s "$OUT/rl_port" ] && break; sleep 0.05; done
	url="http://127.0.0.1:$(cat "$OUT/rl_port")"
}

run() { # label, limit (units per window), cost of a request in those units, sprout options
	local label=$1 limit=$2 cost=$3
	shift 3
	"$SPROUT" generate -q -m refine --response keep --concurrency 16 --no-cache --retries 8 \
		--url "$url" --model bench "$@" "$OUT/rl_in.jsonl" -o "$OUT/rl_out.jsonl" || true
	python3 - "$label" "$limit" "$WINDOW" "$cost" "$OUT/rl_times.jsonl" "$(wc -l <"$OUT/rl_out.jsonl")" "$N" <<'P'
import json, sys
label, limit, window, cost, path, made, n = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], int(sys.argv[6]), int(sys.argv[7])
rows = sorted((json.loads(l) for l in open(path)), key=lambda r: r["t"])
ok = [r for r in rows if r["status"] == 200]
refused = sum(r["status"] == 429 for r in rows)
wall = rows[-1]["t"] - rows[0]["t"] + 0.2  # the last answer takes 200 ms
allowed = (limit + wall * limit / window) / cost / wall  # requests/s the bucket allows over wall
rate = len(ok) / wall
print("%-44s %6.1f s  %6.2f req/s  limit allows %6.2f req/s (%3.0f%%)  %4d x 429  %3d given up"
      % (label, wall, rate, allowed, 100 * rate / allowed, refused, n - made))
P
}

echo "== $N requests, a limit of $LIMIT per $WINDOW s, 200 ms per answer, --concurrency 16"
start --rpm "$LIMIT" --window "$WINDOW"
run "(a) headers, adaptive (default)" "$LIMIT" 1
start --rpm "$LIMIT" --window "$WINDOW"
run "(b) --fixed-concurrency (Retry-After only)" "$LIMIT" 1 --fixed-concurrency
# (c): input tokens; a refine request of this bench is about 230 words
start --itpm $((LIMIT * 230)) --window "$WINDOW"
run "(c) input tokens, Anthropic headers" "$((LIMIT * 230))" 230 --api anthropic
