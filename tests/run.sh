#!/usr/bin/env bash
# Run every test: the unit tests (one process each), the CLI cases in
# tests/cli/, libsprout used by a program outside the tree (tests/embed/run.sh)
# and the review app end to end in headless Chromium (tests/e2e/review.sh).
# Ends with the line "N passed, N failed".
#   tests/run.sh BUILD_DIR [FILTER]
set -u
build=${1:-build}
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
passed=0
failed=0
# the WordNet index file goes to the build folder, not the home folder
export SPROUT_CACHE_DIR="$root/$build/cache"

# tally NAME OUTPUT: print a runner's output without its summary line and add
# its counts; a runner that ended without one counts as a failure
tally() {
	printf '%s\n' "$2" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
	local summary
	summary=$(printf '%s\n' "$2" | tail -n 1)
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		echo "FAIL $1 runner crashed"
		failed=$((failed + 1))
	fi
}

tally unit "$(cd "$root" && "$root/$build/unit" $filter 2>&1)"
tally cli "$("$here/cli/run.sh" "$root/$build/sprout" $filter 2>&1)"
if [[ -z $filter || embed == *$filter* ]]; then
	tally embed "$("$here/embed/run.sh" "$build" 2>&1)"
fi
if [[ -z $filter || e2e == *$filter* ]]; then
	tally e2e "$("$here/e2e/review.sh" "$root/$build" 2>&1)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
