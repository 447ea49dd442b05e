#!/usr/bin/env bash
# libsprout as a program outside the tree uses it: `make install` into a
# temporary prefix, examples/embed/grow.c built with pkg-config against the
# shared and then the static library, run on the support seeds. Checks that
# both give what `sprout augment` gives for the same options, that a bad
# seed goes to the rejects file, that examples/embed/recipe.c runs the
# support recipe through the library as sprout run does (and resumes), and
# that the libraries export the public API only. Ends with "N passed, N failed".
#   tests/embed/run.sh BUILD_DIR   ($SPROUT_SAN: the sanitizer flags the
#                                   build used, so the program uses them too)
set -u
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { echo "ok   embed: $1"; passed=$((passed + 1)); }
bad() { echo "FAIL embed: $1"; failed=$((failed + 1)); }

prefix=$tmp/prefix
if ! make -s -C "$root" BUILD="$build" PREFIX="$prefix" install >"$tmp/install.log" 2>&1; then
	bad "make install"; sed 's/^/    /' "$tmp/install.log" | tail -20
	echo "$passed passed, $failed failed"; exit 1
fi
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
san=${SPROUT_SAN:-}

# what the program should write: sprout augment with the same options
seeds=$root/examples/support/seeds.jsonl
{ head -n 5 "$seeds"; echo '{"instruction": "broken'; sed -n 6,10p "$seeds"; } > "$tmp/seeds.jsonl"
"$root/$build/sprout" augment -n 3 --seed 7 --keep-original --on-error skip "$tmp/seeds.jsonl" \
	-o "$tmp/want.jsonl" --rejects "$tmp/want-rejects.jsonl" 2>/dev/null
if [ ! -s "$tmp/want.jsonl" ]; then
	bad "sprout augment made nothing to compare with"
fi

for kind in shared static; do
	flags=$(pkg-config --cflags --libs sprout) || { bad "$kind: pkg-config"; continue; }
	[ $kind = static ] && flags="$(pkg-config --cflags sprout) $prefix/lib/libsprout.a $(pkg-config --libs-only-l --static sprout | sed 's/-lsprout//')"
	# shellcheck disable=SC2086
	if ! cc -std=c11 -Wall -Wextra -Werror $san "$root/examples/embed/grow.c" $flags \
		-o "$tmp/grow-$kind" 2>"$tmp/cc.log"; then
		bad "$kind: the example does not build"; sed 's/^/    /' "$tmp/cc.log" | head -20
		continue
	fi
	rm -f "$tmp/out.jsonl" "$tmp/rejects.jsonl"
	LD_LIBRARY_PATH=$prefix/lib "$tmp/grow-$kind" "$tmp/seeds.jsonl" "$tmp/out.jsonl" \
		"$tmp/rejects.jsonl" 3 2>"$tmp/err.txt"
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$kind: grow exited $rc"; sed 's/^/    /' "$tmp/err.txt"
		continue
	fi
	ok "$kind: builds with pkg-config and runs"
	if cmp -s "$tmp/out.jsonl" "$tmp/want.jsonl"; then
		ok "$kind: the same $(wc -l < "$tmp/out.jsonl") records as sprout augment"
	else
		bad "$kind: output differs from sprout augment"
		diff "$tmp/want.jsonl" "$tmp/out.jsonl" | head -6 | sed 's/^/    /'
	fi
	if [ "$(wc -l < "$tmp/rejects.jsonl")" -eq 1 ] &&
		grep -q '"line":6' "$tmp/rejects.jsonl" && grep -q '"error":"json"' "$tmp/rejects.jsonl"; then
		ok "$kind: the broken seed is in the rejects file with its line"
	else
		bad "$kind: rejects file"; sed 's/^/    /' "$tmp/rejects.jsonl"
	fi
done

# a recipe run through the library (examples/embed/recipe.c, shared
# library): the same files as sprout run makes of the support example, and
# a second run resumes every stage
mkdir -p "$tmp/lib" "$tmp/cli"
cp "$root/examples/support/recipe.yaml" "$root/examples/support/seeds.jsonl" "$tmp/lib/"
cp "$root/examples/support/recipe.yaml" "$root/examples/support/seeds.jsonl" "$tmp/cli/"
# shellcheck disable=SC2086
if ! cc -std=c11 -Wall -Wextra -Werror $san "$root/examples/embed/recipe.c" \
	$(pkg-config --cflags --libs sprout) -o "$tmp/recipe" 2>"$tmp/cc.log"; then
	bad "recipe: the example does not build"; sed 's/^/    /' "$tmp/cc.log" | head -20
elif ! (cd "$tmp/lib" && LD_LIBRARY_PATH=$prefix/lib "$tmp/recipe" recipe.yaml out \
	>"$tmp/recipe.out" 2>"$tmp/recipe.err"); then
	bad "recipe: the run failed"; sed 's/^/    /' "$tmp/recipe.err" | tail -5
else
	(cd "$tmp/cli" && "$root/$build/sprout" run -q -d out recipe.yaml >/dev/null 2>&1)
	same=1
	for f in $(cd "$tmp/cli/out" && find . -type f ! -name 'sprout.sqlite*' ! -name manifest.json \
		! -name '.lock' | sort); do
		cmp -s "$tmp/cli/out/$f" "$tmp/lib/out/$f" || { same=0; echo "    differs: $f"; }
	done
	strip='"seconds"|"started"|"finished"|"updated"|06-report.html|06-report.json|xxh128'
	if ! diff <(grep -Ev "$strip" "$tmp/cli/out/manifest.json") \
		<(grep -Ev "$strip" "$tmp/lib/out/manifest.json") >"$tmp/manifest.diff"; then
		same=0; sed 's/^/    /' "$tmp/manifest.diff" | head -10
	fi
	n=$(find "$tmp/lib/out" -type f -name '*.jsonl' | wc -l)
	if [ $same -eq 1 ] && [ "$n" -ge 8 ] && grep -q '"status": "complete"' "$tmp/lib/out/manifest.json"; then
		ok "recipe: built with pkg-config, runs the support recipe: the same $n record files as sprout run"
	else
		bad "recipe: the run folder differs from sprout run's"
	fi
	(cd "$tmp/lib" && LD_LIBRARY_PATH=$prefix/lib "$tmp/recipe" recipe.yaml out \
		>/dev/null 2>"$tmp/again.err")
	if [ "$(grep -c '(done before)' "$tmp/again.err")" -eq 6 ]; then
		ok "recipe: run again, every stage resumes"
	else
		bad "recipe: run again"; sed 's/^/    /' "$tmp/again.err"
	fi
fi

# the shared library exports the public API and nothing else
nm -D --defined-only "$prefix/lib/libsprout.so" | awk '{print $3}' | sort > "$tmp/dyn.txt"
internal=$(grep -cv '^sprout_' "$tmp/dyn.txt")
extra=$(comm -23 "$tmp/dyn.txt" "$root/$build/exports.txt" | grep -v '^_' | head -5)
if [ "$internal" -eq 0 ] && [ -z "$extra" ] && grep -qx sprout_augment_record "$tmp/dyn.txt"; then
	ok "libsprout.so exports $(wc -l < "$tmp/dyn.txt") public functions only"
else
	bad "libsprout.so exports internals: $(grep -v '^sprout_' "$tmp/dyn.txt" | head -5 | tr '\n' ' ') $extra"
fi
# the installed static library keeps the internals local
leaked=$(nm -g --defined-only "$prefix/lib/libsprout.a" 2>/dev/null | awk 'NF==3 {print $3}' |
	grep -vxF -f "$root/$build/exports.txt" | grep -v '^__' | head -5)
if [ -z "$leaked" ]; then
	ok "libsprout.a: internals are local"
else
	bad "libsprout.a exports internals: $(echo "$leaked" | tr '\n' ' ')"
fi
# a program with a function of the same name as an internal links statically
cat > "$tmp/clash.c" <<'C'
#include <stdio.h>
#include <sprout/sprout.h>
int aug_typo(void);
int aug_typo(void) { return 42; }
int main(void)
{
	sprout_augment_options o; /* pulls in the augmenter, which calls its own aug_typo */
	sprout_augment_options_init(&o);
	printf("%d %u %s\n", aug_typo(), o.n, sprout_version());
	return 0;
}
C
# shellcheck disable=SC2086
if cc -std=c11 $san "$tmp/clash.c" $(pkg-config --cflags sprout) "$prefix/lib/libsprout.a" \
	$(pkg-config --libs-only-l --static sprout | sed 's/-lsprout//') -o "$tmp/clash" 2>"$tmp/cc.log" &&
	[ "$("$tmp/clash")" = "42 4 $(pkg-config --modversion sprout)" ]; then
	ok "a program's own aug_typo does not clash with the static library's"
else
	bad "a program's own aug_typo clashes with the static library"; sed 's/^/    /' "$tmp/cc.log" | head
fi
# every installed header compiles on its own
for h in "$prefix"/include/sprout/*.h; do
	printf '#include <sprout/%s>\n' "$(basename "$h")" |
		cc -std=c11 -Wall -Werror -fsyntax-only -I"$prefix/include" -x c - 2>"$tmp/h.log" ||
		{ bad "header $(basename "$h") does not compile alone"; sed 's/^/    /' "$tmp/h.log" | head; }
done
[ "$failed" -eq 0 ] && ok "every installed header compiles alone"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
