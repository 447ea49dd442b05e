#!/usr/bin/env bash
# CLI cases: each directory in tests/cli/cases/ is one case.
#   cmd            the command line, run by bash in a fresh temporary directory
#                  holding copies of the case's other files; `sprout` is the
#                  binary under test, $EXAMPLES is examples/, $TESTDATA
#                  tests/data/ and $FAKES
#                  tests/fakes/ (". $FAKES/start.sh" runs the stand-in LLM
#                  server on 127.0.0.1 for the case and stops it after)
#   expect.stdout  expected stdout (absent: stdout must be empty)
#   expect.stderr  expected stderr (absent: stderr must be empty)
#   expect.exit    expected exit code (absent: 0)
#   check          optional script run afterwards in the same directory; it
#                  must exit 0 (for files the command wrote)
#   timeout        optional: seconds the case may take (default 180: a guard
#                  against hangs, loose enough for a loaded machine), for the
#                  few that train a model or hold a server under load
# UPDATE=1 tests/cli/run.sh SPROUT rewrites the expectations from the actual
# results: review the diff before committing.
#   tests/cli/run.sh SPROUT [FILTER]
set -u
sprout=$(readlink -f "$1")
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
export EXAMPLES="$(cd "$here/../../examples" && pwd)"
export FAKES="$(cd "$here/../fakes" && pwd)"
export TESTDATA="$(cd "$here/../data" && pwd)"
bindir=$(mktemp -d)
trap 'rm -rf "$bindir"' EXIT
ln -s "$sprout" "$bindir/sprout"
passed=0
failed=0

for dir in "$here"/cases/*/; do
	name=$(basename "$dir")
	[[ -n $filter && $name != *$filter* ]] && continue
	work=$(mktemp -d)
	res=$(mktemp -d)
	for f in "$dir"* "$dir".[!.]*; do
		[ -e "$f" ] || continue
		case $(basename "$f") in cmd | expect.* | check | timeout) ;; *) cp -r "$f" "$work/" ;; esac
	done
	limit=180
	[ -f "$dir/timeout" ] && limit=$(cat "$dir/timeout")
	(cd "$work" && PATH="$bindir:$PATH" timeout "$limit" bash "$dir/cmd" >"$res/stdout" 2>"$res/stderr")
	code=$?
	ok=1
	why=""
	want_exit=0
	[ -f "$dir/expect.exit" ] && want_exit=$(cat "$dir/expect.exit")
	if [ "${UPDATE:-}" = 1 ]; then
		if [ -s "$res/stdout" ]; then cp "$res/stdout" "$dir/expect.stdout"; else rm -f "$dir/expect.stdout"; fi
		if [ -s "$res/stderr" ]; then cp "$res/stderr" "$dir/expect.stderr"; else rm -f "$dir/expect.stderr"; fi
		if [ "$code" != 0 ]; then echo "$code" >"$dir/expect.exit"; else rm -f "$dir/expect.exit"; fi
		want_exit=$code
	fi
	for stream in stdout stderr; do
		want="$dir/expect.$stream"
		[ -f "$want" ] || want=/dev/null
		if ! diff -u "$want" "$res/$stream" >"$res/diff.$stream"; then
			ok=0
			why+="$stream differs:\n$(head -n 40 "$res/diff.$stream")\n"
		fi
	done
	if [ "$code" != "$want_exit" ]; then
		ok=0
		why+="exit code $code, expected $want_exit\n"
	fi
	if [ $ok = 1 ] && [ -f "$dir/check" ]; then
		if ! out=$(cd "$work" && PATH="$bindir:$PATH" bash "$dir/check" 2>&1); then
			ok=0
			why+="check failed:\n$out\n"
		fi
	fi
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
		echo "ok   cli $name"
	else
		failed=$((failed + 1))
		echo "FAIL cli $name"
		printf "%b" "$why" | sed 's/^/    /'
	fi
	rm -rf "$work" "$res"
done
echo "$passed passed, $failed failed"
