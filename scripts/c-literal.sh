#!/bin/sh
# Print the bytes of FILE as the body of a C string literal (one or more
# quoted pieces, a tab before each), byte for byte. Used by the scripts
# that compile files into sprout (embed-prompts.sh, embed-web.sh).
#   scripts/c-literal.sh FILE
#
# Bytes go through od, not read by the shell or awk as text, so every byte
# (NUL, invalid UTF-8, a missing final newline) survives. '"' '\' and '?'
# are escaped (no trigraph can form), tab and newline are \t and \n, other
# non-printables three-digit octal (a following digit can never join the
# escape); a piece ends after each newline and at 72 characters.
set -eu
LC_ALL=C
export LC_ALL
od -An -v -tu1 "$1" | awk '
	BEGIN {
		for (c = 32; c < 127; c++)
			lit[c] = sprintf("%c", c)
		lit[34] = "\\\""
		lit[92] = "\\\\"
		lit[63] = "\\?"
		lit[9] = "\\t"
		lit[10] = "\\n"
	}
	{
		for (f = 1; f <= NF; f++) {
			b = $f + 0
			line = line ((b in lit) ? lit[b] : sprintf("\\%03o", b))
			if (b == 10 || length(line) >= 72) {
				printf "\t\"%s\"\n", line
				line = ""
				lines++
			}
		}
	}
	END {
		if (line != "" || lines == 0)
			printf "\t\"%s\"\n", line
	}'
