#!/usr/bin/env bash
# End-to-end test of the review app in real headless Chromium: a project of
# 8 generated records and their seed, reviewers alice and bob, `sprout review
# serve` on a free port, tests/e2e/review.mjs driving the page
# (playwright-core, Debian's chromium), then the decisions checked with
# `sprout review export` and in the SQLite file; and a second project and
# server whose two items hold 200,000-character runs without a space
# (Thai, Latin), which the page must show quickly; and a third, of labelled
# records with overlap 2 and an adjudicator (the label picker, a real
# record's heading, adjudication, the end screen of a reviewer with nothing
# to review). Part of `make test`.
#   tests/e2e/review.sh BUILD_DIR
# Prints "ok   e2e NAME" or "FAIL e2e NAME" (a reason indented below) per
# check and ends with "N passed, N failed"; exits 0 only if none failed.
# Needs node, chromium and tests/e2e/node_modules (npm ci --prefix tests/e2e,
# run here when they are missing and npm is there); without them it fails.
# Screenshots go to tmp/e2e-shots/ in the repository.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-build}
[ -d "$build" ] || build=$root/$build
build=$(cd "$build" 2>/dev/null && pwd || echo "$build")
sprout=$build/sprout
shots=$root/tmp/e2e-shots
passed=0
failed=0
server=
work=$(mktemp -d)

ok() {
	passed=$((passed + 1))
	echo "ok   e2e $1"
}
fail() {
	failed=$((failed + 1))
	echo "FAIL e2e $1"
	[ -n "${2:-}" ] && printf '%s\n' "${2%$'\n'}" | head -n 20 | sed 's/^/    /'
	return 0
}
server2=
server3=
stop_server() {
	for pid in $server $server2 $server3; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	server=
	server2=
	server3=
}
trap 'stop_server; rm -rf "$work"' EXIT
# Prints a checker's output and adds its ok/FAIL lines to the counts.
tally() {
	printf '%s\n' "$1"
	n_ok=$(printf '%s\n' "$1" | grep -c '^ok   e2e ')
	n_fail=$(printf '%s\n' "$1" | grep -c '^FAIL e2e ')
	passed=$((passed + n_ok))
	failed=$((failed + n_fail))
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

# Kept in step with review.mjs.
EDITED='How do I reset the PIN of my card in the app?'
REASON='Too terse — no customer writes like this'

# ---- what it needs ------------------------------------------------------------
[ -x "$sprout" ] || { fail setup "no $sprout: build it first (make)"; finish; }
pin=$(sed -n 's/.*"playwright-core": *"\([^"]*\)".*/\1/p' "$here/package.json")
have() { sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$here/node_modules/playwright-core/package.json" 2>/dev/null | head -n 1; }
chrome=$(command -v chromium || command -v chromium-browser || true)
if ! command -v node >/dev/null || [ -z "$chrome" ] || [ "$(have)" != "$pin" ]; then
	if command -v npm >/dev/null; then
		npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >"$work/npm.log" 2>&1 ||
			fail "npm ci" "npm ci --prefix tests/e2e failed:
$(tail -n 15 "$work/npm.log")"
	fi
fi
why=""
command -v node >/dev/null || why+="no node (apt-get install nodejs npm, or scripts/install-deps.sh)
"
[ -n "$chrome" ] || why+="no chromium (apt-get install chromium, or scripts/install-deps.sh)
"
[ "$(have)" = "$pin" ] || why+="no playwright-core $pin in tests/e2e/node_modules (npm ci --prefix tests/e2e)
"
if command -v node >/dev/null; then
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
	[ "$major" -ge 18 ] 2>/dev/null || why+="node $(node --version 2>&1) is too old: 18 or newer
"
fi
if [ -n "$why" ]; then
	fail "browser test can run" "$why"
	finish
fi

# ---- the project: one seed, 8 records made from it ------------------------------
cd "$work" || exit 1
seed='"_sprout": {"v": 1, "id": "e2eseed000000001", "root": "e2eseed000000001", "method": "seed", "round": 0}'
gen() { # ID METHOD SIMILARITY INSTRUCTION(JSON)
	printf '{"instruction": %s, "output": "Open the app, tap Card, then Reset PIN.", "_sprout": {"v": 1, "id": "e2evar00000000%s", "parent": "e2eseed000000001", "root": "e2eseed000000001", "method": "%s", "round": 0, "scores": {"similarity": %s}}}\n' "$4" "$1" "$2" "$3"
}
{
	echo '{"instruction": "How do I reset my PIN?", "output": "Open the app, tap Card, then Reset PIN.", '"$seed"'}'
	gen 01 augment.synonym '0.91, "judge:meaning": {"score": 5, "min": 4, "reason": "The same request."}' '"How can I reset my PIN?"'
	gen 02 augment.typo 0.88 '"How do I rset my PIN?"'
	gen 03 augment.paraphrase 0.42 '"PIN reset how?"'
	gen 04 augment.synonym 0.86 '"How do I change my PIN?"'
	gen 05 augment.typo 0.12 '"<script>alert(\"x\")</script> and <b>bold</b> & <img src=x onerror=alert(1)>"'
	gen 06 augment.paraphrase 0.67 '"What are the steps to reset my PIN?"'
	gen 07 augment.synonym 0.93 '"my PIN — How do I reset it?"'
	gen 08 augment.typo 0.81 '"How do I reset my PIIN?"'
} >data.jsonl
# Guidelines with every construct the panel renders, and HTML and a
# javascript: link that must stay text.
cat >guide.md <<'MD'
# How to review

Check the **meaning** first, then the *tone*.

- Keep `PIN` as it is
- Reject anything harmful

1. Read the original
2. Read the generated text

See [the policy](https://example.org/policy) and [this](javascript:alert(1)).
<script>alert("guide")</script> <img src=x onerror=alert(2)>
MD
out=$("$sprout" review add -q -p p.sqlite --sample all --name "PIN help" --guidelines guide.md data.jsonl 2>&1) || {
	fail setup "sprout review add failed: $out"
	finish
}
A=$("$sprout" review reviewer add -q -p p.sqlite alice 2>&1 | sed 's|.*/r/||')
B=$("$sprout" review reviewer add -q -p p.sqlite bob 2>&1 | sed 's|.*/r/||')
[[ $A =~ ^[0-9a-f]{64}$ && $B =~ ^[0-9a-f]{64}$ ]] || { fail setup "no reviewer links: '$A' '$B'"; finish; }

"$sprout" review serve -q -p p.sqlite --port 0 --port-file port >server.log 2>&1 &
server=$!
for _ in $(seq 600); do [ -s port ] && break; sleep 0.05; done
if [ ! -s port ]; then
	fail "server starts" "no port after 10 s: $(cat server.log)"
	finish
fi
ok "server starts"
U=http://127.0.0.1:$(cat port)

# ---- a second project: runs of 200,000 characters without a space ------------------
python3 - <<'PY'
import json
seed = {"instruction": "How do I reset my PIN?", "output": "In the app.",
        "_sprout": {"v": 1, "id": "longseed00000001", "root": "longseed00000001", "method": "seed", "round": 0}}
runs = ["\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35" * 33334, "x" * 200000]  # Thai, Latin
with open("long.jsonl", "w") as f:
    f.write(json.dumps(seed) + "\n")
    for i, run in enumerate(runs):
        f.write(json.dumps({"instruction": "How do I reset " + run + " PIN?", "output": "In the app.",
                            "_sprout": {"v": 1, "id": "longvar%09d" % i, "parent": "longseed00000001",
                                        "root": "longseed00000001", "method": "augment.typo", "round": 0}}) + "\n")
PY
"$sprout" review add -q -p long.sqlite --sample all long.jsonl >/dev/null 2>&1
C=$("$sprout" review reviewer add -q -p long.sqlite carol 2>&1 | sed 's|.*/r/||')
"$sprout" review serve -q -p long.sqlite --port 0 --port-file port2 >>server.log 2>&1 &
server2=$!
for _ in $(seq 600); do [ -s port2 ] && break; sleep 0.05; done
[ -s port2 ] || fail "second server starts" "no port after 10 s: $(cat server.log)"
U2=http://127.0.0.1:$(cat port2 2>/dev/null)

# ---- a third project: labels, overlap 2, an adjudicator ------------------------------
# Items 1-3 generated (their seeds are elsewhere), 4 a real record flagged
# from a model's predictions. erin and frank decide through the API
# beforehand: they disagree on item 1, agree on 2 and 4; frank decided 3,
# erin is left item 3 for the browser; gus then has nothing open to him.
lab() { # ID LABEL TEXT METHOD PARENT
	printf '{"text": "%s", "label": "%s", "_sprout": {"v": 1, "id": "%s", %s"root": "labseed", "method": "%s", "round": 0, "scores": {"pii": 0, "similarity": 0.74}}}\n' "$3" "$2" "$1" "$5" "$4"
}
{
	lab labvar01 card_arrival "my card has not arived" augment.typo '"parent": "labseed", '
	lab labvar02 card_arrival "my card did not arrive yet" augment.synonym '"parent": "labseed", '
	lab labvar03 refund "I would like my money back" augment.paraphrase '"parent": "labseed", '
	lab labreal01 refund "where is my new card" flag ''
} >lab.jsonl
"$sprout" review add -q -p lab.sqlite --sample all --include-seeds --overlap 2 lab.jsonl >/dev/null 2>&1
link() { "$sprout" review reviewer add -q -p lab.sqlite "$@" 2>&1 | sed 's|.*/r/||'; }
E=$(link erin) F=$(link frank) J=$(link --adjudicator judy) G=$(link gus)
"$sprout" review serve -q -p lab.sqlite --port 0 --port-file port3 >>server.log 2>&1 &
server3=$!
for _ in $(seq 200); do [ -s port3 ] && break; sleep 0.05; done
[ -s port3 ] || fail "third server starts" "no port after 10 s: $(cat server.log)"
U3=http://127.0.0.1:$(cat port3 2>/dev/null)
decide() { # TOKEN ITEM BODY
	curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
		-H "X-CSRF-Token: $(curl -s -H "Authorization: Bearer $1" "$U3/api/me" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')" \
		-d "$3" "$U3/api/item/$2/decision"
}
codes="$(decide "$E" 1 '{"decision":"accept"}') $(decide "$F" 1 '{"decision":"reject","reason":"a typo"}')"
codes+=" $(decide "$E" 2 '{"decision":"accept"}') $(decide "$F" 2 '{"decision":"accept"}')"
codes+=" $(decide "$F" 3 '{"decision":"accept"}') $(decide "$E" 4 '{"decision":"accept"}') $(decide "$F" 4 '{"decision":"accept"}')"
[ "$codes" = "200 200 200 200 200 200 200" ] || fail "third project: decisions beforehand" "answers: $codes"

# ---- the browser ------------------------------------------------------------------
mkdir -p "$shots"
rm -f "$shots"/*.png
start=$(date +%s)
browser_out=$(LAB_URL=$U3 ERIN=$U3/r/$E JUDY=$U3/r/$J GUS=$U3/r/$G \
	timeout 170 node "$here/review.mjs" "$U" "$U/r/$A" "$U/r/$B" "$shots" "$U2" "$U2/r/$C" 2>&1)
browser_rc=$?
seconds=$(($(date +%s) - start))
tally "$browser_out"
if [ "$browser_rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
	fail "browser run" "review.mjs exited $browser_rc after $seconds s$([ "$browser_rc" = 124 ] && echo ' (timed out)')"
fi

stop_server
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' server.log; then
	fail "server ran clean" "$(grep -E -A8 'AddressSanitizer|LeakSanitizer|runtime error:' server.log)"
else
	ok "server ran clean"
fi

# ---- what was saved ----------------------------------------------------------------
if ! out=$("$sprout" review export -q -p p.sqlite -o out.jsonl 2>&1); then
	fail "export" "sprout review export failed: $out"
	finish
fi
ok "export"
check_out=$(EDITED=$EDITED REASON=$REASON python3 - 2>&1 <<'PY'
import json, os, sqlite3

edited, reason = os.environ["EDITED"], os.environ["REASON"]
V = "e2evar00000000"

def ok(name):
    print("ok   e2e " + name)

def fail(name, why):
    print("FAIL e2e " + name)
    for line in str(why).splitlines()[:12]:
        print("    " + line)

def check(name, fn):
    try:
        why = fn()
    except Exception as e:  # a missing file or field is a failure too
        why = "%s: %s" % (type(e).__name__, e)
    if why:
        fail(name, why)
    else:
        ok(name)

def lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]

kept = lines("out.jsonl")
by_id = {r["_sprout"]["id"]: r for r in kept}

def accepted():
    r = by_id.get(V + "01")
    if not r:
        return "the accepted record %s01 is not in out.jsonl: %s" % (V, list(by_id))
    rev = r["_sprout"].get("review")
    if r["instruction"] != "How can I reset my PIN?":
        return "its text changed: %r" % r["instruction"]
    if [(x.get("reviewer"), x.get("decision")) for x in rev or []] != [("alice", "accept")]:
        return "_sprout.review is %r" % rev

def corrected():
    fixes = [r for r in kept if r["_sprout"].get("method") == "review.correction"]
    if len(fixes) != 1:
        return "%d corrected records, expected 1" % len(fixes)
    r = fixes[0]
    m = r["_sprout"]
    rev = m.get("review") or []
    errs = []
    if r["instruction"] != edited:
        errs.append("instruction %r, expected %r" % (r["instruction"], edited))
    if m.get("parent") != V + "02":
        errs.append("parent %r, expected %s02" % (m.get("parent"), V))
    if m.get("source") != "correction":
        errs.append("source %r" % m.get("source"))
    if m.get("gold") is not True:
        errs.append("gold %r" % m.get("gold"))
    if [(x.get("reviewer"), x.get("decision")) for x in rev] != [("alice", "edit")] or not rev[0].get("at"):
        errs.append("_sprout.review %r" % rev)
    if r.get("output") != "Open the app, tap Card, then Reset PIN.":
        errs.append("output changed: %r" % r.get("output"))
    return "\n".join(errs)

def only_two():
    ids = sorted(r["_sprout"].get("parent") if r["_sprout"].get("method") == "review.correction"
                 else r["_sprout"]["id"] for r in kept)
    if ids != [V + "01", V + "02"]:
        return "out.jsonl holds %r (for a correction: its parent)" % ids

def rejected():
    rs = lines("out.rejects.jsonl")
    got = [(x.get("record", {}).get("_sprout", {}).get("id"), x.get("reason")) for x in rs]
    want = [(V + "03", "alice: " + reason)]  # the reasons, each with who gave it
    if got != want:
        return "out.rejects.jsonl: %r, expected %r" % (got, want)

def undecided():
    us = lines("out.undecided.jsonl")
    got = [x.get("record", {}).get("_sprout", {}).get("id") for x in us]
    want = [V + n for n in ("04", "05", "06", "07", "08")]
    if got != want:
        return "out.undecided.jsonl: %r, expected %r" % (got, want)
    if not all(x.get("reason") for x in us):
        return "an undecided record without a reason: %r" % [x.get("reason") for x in us]

def decisions():
    db = sqlite3.connect("p.sqlite")
    rows = db.execute(
        "SELECT i.record_id, r.name, d.decision, d.reason, d.comment, d.edited, d.at "
        "FROM decisions d JOIN items i ON i.id = d.item JOIN reviewers r ON r.id = d.reviewer "
        "ORDER BY i.id").fetchall()
    hist = db.execute("SELECT count(*) FROM history").fetchone()[0]
    db.close()
    got = [(a, b, c) for a, b, c, *_ in rows]
    want = [(V + "01", "alice", "accept"), (V + "02", "alice", "edit"), (V + "03", "alice", "reject")]
    if got != want:
        return "decisions: %r, expected %r" % (got, want)
    errs = []
    if rows[2][3] != reason:
        errs.append("the rejection's reason is %r" % rows[2][3])
    if any(r[4] for r in rows):
        errs.append("a comment was saved: %r (the one left unsaved must not be)" % [r[4] for r in rows])
    if edited not in (rows[1][5] or ""):
        errs.append("the edit's saved text %r lacks %r" % (rows[1][5], edited))
    if not all(r[6] for r in rows):
        errs.append("a decision without a time")
    if hist != 3:
        errs.append("history has %d rows, expected 3" % hist)
    return "\n".join(errs)

check("export: the accepted record, reviewed by alice", accepted)
check("export: the correction (review.correction, source correction, gold, alice)", corrected)
check("export: nothing else accepted", only_two)
check("export: the rejected record with its reason", rejected)
check("export: the other five undecided", undecided)
check("sqlite: the decisions table and history", decisions)

def lab_final():
    db = sqlite3.connect("lab.sqlite")
    adj = db.execute("SELECT a.item, r.name, a.decision, a.reason FROM adjudications a "
                     "JOIN reviewers r ON r.id = a.reviewer").fetchall()
    edit = db.execute("SELECT d.edited FROM decisions d JOIN reviewers r ON r.id = d.reviewer "
                      "WHERE r.name = 'erin' AND d.item = 3 AND d.decision = 'edit'").fetchone()
    db.close()
    errs = []
    if adj != [(1, "judy", "reject", "the typo changes nothing")]:
        errs.append("adjudications: %r" % adj)
    if not edit or json.loads(edit[0]).get("label") != "card_arrival":
        errs.append("erin's edit of item 3: %r (label card_arrival expected)" % (edit,))
    return "\n".join(errs)

check("lab: judy's final decision and erin's picked label are saved", lab_final)
PY
)
check_rc=$?
tally "$check_out"
[ "$check_rc" -eq 0 ] || [ "$n_fail" -ne 0 ] || fail "checks" "python3 exited $check_rc"
echo "e2e: the browser part took $seconds s; screenshots in ${shots#"$root"/}/" >&2
finish
