#!/usr/bin/env bash
# bench/review_slowloris.sh BUILD_DIR - the slowloris of issue 20 against
# `sprout review serve` on 127.0.0.1: HELD (600) half-sent requests
# (`GET / HTTP/1.1`, `Host: x`, nothing more; reopened when the server
# closes them) held for HOLD (30) seconds while a reviewer saves SAVES (20)
# decisions, each on a new connection. Prints the saves that succeeded and
# their latency (p50, p99, max); the goal is all saved with p99 under 1 s.
# TRICKLE=S also sends one header line every S seconds on every held
# connection (no idle timeout stops that one; the connection limit does).
# The attacker is tests/fakes/slowloris.py (also the bounded test,
# tests/cli/cases/review-slowloris).
set -euo pipefail
BUILD_DIR=${1:?usage: bench/review_slowloris.sh BUILD_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPROUT=$(cd "$BUILD_DIR" && pwd)/sprout
HELD=${HELD:-600}
HOLD=${HOLD:-30}
SAVES=${SAVES:-20}
TRICKLE=${TRICKLE:-0}
server=
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

awk -v n="$SAVES" 'BEGIN {
	printf("{\"instruction\":\"How do I reset my PIN?\",\"output\":\"In the app.\",\"_sprout\":{\"v\":1,\"id\":\"seed\",\"root\":\"seed\",\"method\":\"seed\",\"round\":0}}\n")
	for (i = 1; i <= n; i++)
		printf("{\"instruction\":\"How can I reset my PIN, case %d?\",\"output\":\"In the app.\",\"_sprout\":{\"v\":1,\"id\":\"v%d\",\"parent\":\"seed\",\"root\":\"seed\",\"method\":\"augment.typo\",\"round\":0}}\n", i, i) }' >in.jsonl
"$SPROUT" review add -q -p p.sqlite --sample all in.jsonl >/dev/null
token=$("$SPROUT" review reviewer add -q -p p.sqlite alice | sed 's|.*/r/||')
"$SPROUT" review serve -q -p p.sqlite --port 0 --port-file port &
server=$!
for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done

echo "== review app under slowloris: $HELD half-sent requests for $HOLD s (trickle every ${TRICKLE} s, 0: none), $SAVES saves, 127.0.0.1"
rc=0
python3 "$ROOT/tests/fakes/slowloris.py" "http://127.0.0.1:$(cat port)" "$token" --held "$HELD" \
	--hold "$HOLD" --saves "$SAVES" --limit 30 --trickle "$TRICKLE" || rc=$?
python3 - "$SAVES" <<'PY'
import sqlite3, sys
n = sqlite3.connect("p.sqlite").execute("select count(*) from decisions").fetchone()[0]
print("in the database: %d decisions, expected %s" % (n, sys.argv[1]))
PY
exit $rc
