#!/usr/bin/env bash
# Install the Debian packages sprout needs (Debian 12).
#   scripts/install-deps.sh          build and test: compiler, libraries, jq,
#                                    and for the browser test (tests/e2e)
#                                    chromium, and nodejs and npm if missing;
#                                    for make test-slurm slurm-wlm and munge
#                                    (a cluster on this host) and iproute2
#   scripts/install-deps.sh --all    also clang (make fuzz) and time (make bench)
# As root it runs apt-get; otherwise it prints the exact command to run.
set -euo pipefail

packages=(build-essential pkg-config clang-format zlib1g-dev libxxhash-dev libutf8proc-dev libpcre2-dev libcurl4-openssl-dev libsqlite3-dev libyaml-dev libmicrohttpd-dev nettle-dev libsphinxbase-dev pocketsphinx-en-us python3 jq gzip wordnet-base apertium apertium-eng-spa fasttext chromium slurm-wlm munge iproute2)
# Node.js only when there is none: a node from elsewhere (NodeSource, with
# its own npm) conflicts with Debian's npm package.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ "${1:-}" = "--all" ]; then
	packages+=(clang libclang-rt-14-dev time)
elif [ -n "${1:-}" ]; then
	echo "usage: scripts/install-deps.sh [--all]" >&2
	exit 2
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages are installed"
	exit 0
fi

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}" >&2
	echo "install-deps: run as root:" >&2
	echo "  $cmd" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
