#!/usr/bin/env bash
# bench/sts.sh BUILD_DIR [--fit] - Spearman correlation of each similarity
# engine with the STS-B dev gold scores (IDF from the train pairs). --fit also
# fits the wordnet engine's calibration on the train pairs and prints it
# (FIT_FEATURES=2 restricts the fit to the alignment feature, as shipped).
# BENCH_DATA: the shared data folder (default ../shared/data next to the repo).
set -euo pipefail
BUILD_DIR=${1:?usage: bench/sts.sh BUILD_DIR [--fit]}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DATA=${BENCH_DATA:-$ROOT/../shared/data}
[ -f "$DATA/sts/stsb-dev.tsv" ] || { echo "bench: no STS-B data in $DATA; set BENCH_DATA" >&2; exit 1; }
mkdir -p "$BUILD_DIR/bench"
cc -std=c11 -D_DEFAULT_SOURCE -O2 -I"$ROOT/include" "$ROOT/bench/sts.c" "$BUILD_DIR/libsprout.a" \
	-lyaml -lsqlite3 -lpcre2-8 -lutf8proc -lz -lxxhash -lm -lpthread -o "$BUILD_DIR/bench/sts"
"$BUILD_DIR/bench/sts" "$DATA/sts/stsb-train.tsv" "$DATA/sts/stsb-dev.tsv" "${2:-}"
echo "(reference: TF-IDF cosine 0.747; target for the wordnet engine: 0.80)"
