#!/usr/bin/env bash
# Run every test: the unit tests (one process each), the CLI cases in
# tests/cli/ and the review app end to end in headless Chromium
# (tests/e2e/review.sh). Ends with the line "N passed, N failed".
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

unit_out=$(cd "$root" && "$root/$build/unit" $filter 2>&1)
unit_rc=$?
printf '%s\n' "$unit_out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
summary=$(printf '%s\n' "$unit_out" | tail -n 1)
if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
else
	echo "FAIL unit runner crashed (exit $unit_rc)"
	failed=$((failed + 1))
fi

cli_out=$("$here/cli/run.sh" "$root/$build/sprout" $filter 2>&1)
printf '%s\n' "$cli_out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
summary=$(printf '%s\n' "$cli_out" | tail -n 1)
if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
else
	echo "FAIL cli runner crashed"
	failed=$((failed + 1))
fi

if [[ -z $filter || e2e == *$filter* ]]; then
	e2e_out=$("$here/e2e/review.sh" "$root/$build" 2>&1)
	printf '%s\n' "$e2e_out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$'
	summary=$(printf '%s\n' "$e2e_out" | tail -n 1)
	if [[ $summary =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
	else
		echo "FAIL e2e runner crashed"
		failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
