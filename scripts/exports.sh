#!/bin/sh
# The functions of the public API, one per line: every sprout_* function
# declared by the given headers (comments stripped by the preprocessor, so a
# name mentioned in a comment is not exported).
#   scripts/exports.sh CC INCLUDE_DIR HEADER...
set -eu
cc=$1 inc=$2
shift 2
for h in "$@"; do printf '#include "%s"\n' "${h#"$inc"/}"; done |
	$cc -std=c11 -D_DEFAULT_SOURCE -E -P -I"$inc" -x c - |
	grep -oE '\bsprout_[a-z0-9_]+[[:space:]]*\(' | sed 's/[[:space:]]*($//' | sort -u
