#!/usr/bin/env bash
# End-to-end check of `sprout report` in a real browser: augment and filter
# the bundled Banking77 seeds, make the report, render it in headless
# Chromium and check the screenshot is a real page (not blank or tiny).
# Not part of `make test` (it needs Chromium: `apt-get install -y chromium`).
#   tests/e2e/report_screenshot.sh [BUILD_DIR]     (default build)
# Prints the path of the PNG. Files go to tmp/ in the repository.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build}
sprout="$root/$build/sprout"
cd "$root"
[ -x "$sprout" ] || { echo "report_screenshot: build $sprout first (make)" >&2; exit 1; }

chrome=""
for c in chromium chromium-browser google-chrome; do
	if command -v "$c" >/dev/null 2>&1; then
		chrome=$c
		break
	fi
done
if [ -z "$chrome" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		apt-get install -y chromium >/dev/null
		chrome=chromium
	else
		echo "report_screenshot: needs Chromium: apt-get install -y chromium" >&2
		exit 1
	fi
fi

mkdir -p tmp
rm -f tmp/kept.jsonl tmp/kept.rejects.jsonl tmp/report.html tmp/report.json tmp/report.png
"$sprout" augment --keep-original -n 4 --seed 1 examples/banking77/seeds.jsonl |
	"$sprout" filter -q -o tmp/kept.jsonl
"$sprout" report tmp/kept.jsonl --rejects tmp/kept.rejects.jsonl -o tmp/report.html

# the page must stand alone: no scripts, nothing fetched from anywhere
if grep -Eiq '<script|(src|href)="(https?:)?//' tmp/report.html; then
	echo "report_screenshot: tmp/report.html loads something from outside" >&2
	exit 1
fi
grep -q '"alarm":' tmp/report.json

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
png="$root/tmp/report.png"
timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$profile" --hide-scrollbars --screenshot="$png" --window-size=1280,2000 \
	"file://$root/tmp/report.html" >/dev/null 2>&1 || true
if [ ! -f "$png" ]; then
	echo "report_screenshot: Chromium wrote no screenshot" >&2
	exit 1
fi
size=$(stat -c %s "$png")
if [ "$size" -le 20480 ]; then
	echo "report_screenshot: $png is only $size bytes: a blank page?" >&2
	exit 1
fi
echo "$png"
