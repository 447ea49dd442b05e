#!/usr/bin/env bash
# bench/review_load.sh BUILD_DIR - 20 reviewers making 5,000 decisions in
# all against `sprout review serve` on 127.0.0.1, each on its own
# keep-alive connection: no error, every decision in the project's
# database, and the latency percentiles (bench/review_load.py).
# REVIEWERS and DECISIONS change the numbers; ITEMS (default DECISIONS)
# queues more items than are decided, as a long queue has; SPROUT_SERVE
# serves with another binary (e.g. an older build, to compare on the same
# project).
set -euo pipefail
BUILD_DIR=${1:?usage: bench/review_load.sh BUILD_DIR}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SPROUT=$(cd "$BUILD_DIR" && pwd)/sprout
server=
REVIEWERS=${REVIEWERS:-20}
DECISIONS=${DECISIONS:-5000}
ITEMS=${ITEMS:-$DECISIONS}
SERVE=${SPROUT_SERVE:-$SPROUT}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"

# ITEMS items: records with a parent, queued whole
awk -v n="$ITEMS" 'BEGIN {
	printf("{\"instruction\":\"How do I reset my PIN?\",\"output\":\"In the app.\",\"_sprout\":{\"v\":1,\"id\":\"seed\",\"root\":\"seed\",\"method\":\"seed\",\"round\":0}}\n")
	for (i = 1; i <= n; i++)
		printf("{\"instruction\":\"How can I reset my PIN, case %d?\",\"output\":\"In the app.\",\"_sprout\":{\"v\":1,\"id\":\"v%d\",\"parent\":\"seed\",\"root\":\"seed\",\"method\":\"augment.typo\",\"round\":0}}\n", i, i) }' >in.jsonl
t0=$(date +%s%N)
"$SPROUT" review add -q -p load.sqlite --sample all in.jsonl >/dev/null
echo "review add: $ITEMS items in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
tokens=()
for i in $(seq "$REVIEWERS"); do
	tokens+=("$("$SPROUT" review reviewer add -q -p load.sqlite "reviewer$i" | sed 's|.*/r/||')")
done
"$SERVE" review serve -q -p load.sqlite --port 0 --port-file port &
server=$!
for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done

echo "== review app load: $REVIEWERS reviewers, $DECISIONS decisions of $ITEMS queued items, 127.0.0.1"
python3 "$ROOT/bench/review_load.py" "http://127.0.0.1:$(cat port)" "$DECISIONS" "${tokens[@]}"
kill $server
wait $server 2>/dev/null || true
python3 - "$DECISIONS" <<'EOF'
import sqlite3, sys
d = sqlite3.connect("load.sqlite")
n = d.execute("select count(*) from decisions").fetchone()[0]
h = d.execute("select count(*) from history").fetchone()[0]
print("in the database: %d decisions (%d in the history), expected %s" % (n, h, sys.argv[1]))
sys.exit(0 if n == int(sys.argv[1]) else 1)
EOF
