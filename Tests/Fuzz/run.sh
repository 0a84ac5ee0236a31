#!/usr/bin/env bash
# Builds one fuzz target and runs it on its corpus (Corpus/<target>, kept in the repository).
#
#   Tests/Fuzz/run.sh                                   # MQTTDecoderFuzz, 60 seconds
#   Tests/Fuzz/run.sh -max_total_time=600               # any libFuzzer flags replace the default
#                                                       # (-max_len: see fuzz_max_len in build.sh)
#   Tests/Fuzz/run.sh --target SASTokenFuzz             # another target (one per Sources/ directory)
#   Tests/Fuzz/run.sh --target SASTokenFuzz -runs=10000000
#   Tests/Fuzz/run.sh --target SASTokenFuzz --merge     # add what earlier runs found to Corpus/
#
# New inputs go to .build-fuzz/corpus/<target>: libFuzzer writes only to the first corpus
# directory it is given and reads the others, so the repository's corpus is never written by a
# run. --merge copies into Corpus/<target> the fewest scratch inputs of at most 512 bytes
# (FUZZ_MERGE_BYTES_MAX) that add the edges they cover to it (libFuzzer -set_cover_merge=1).
#
# Crashes are written to .build-fuzz/artifacts/; replay one with
# Tests/Fuzz/run.sh [--target NAME] <file>, shrink it with -minimize_crash=1 -runs=100000 <file>.
# Every target, bounded, as CI runs them: Tests/Fuzz/run-all.sh.
set -euo pipefail
cd "$(dirname "$0")"

target=MQTTDecoderFuzz
if [ "${1:-}" = "--target" ]; then
    target="${2:?--target needs a name}"
    shift 2
fi
[ -d "Sources/$target" ] && [ -d "Corpus/$target" ] || { echo "unknown fuzz target: $target" >&2; exit 2; }

source ./build.sh --product "$target"
binary="$fuzz_bin/$target"
scratch=".build-fuzz/corpus/$target"
mkdir -p "$scratch" .build-fuzz/artifacts

if [ "${1:-}" = "--merge" ]; then
    # Only small inputs: they replay fast in CI and keep the repository's corpus small.
    small=".build-fuzz/merge/$target"
    rm -rf "$small" && mkdir -p "$small"
    find "$scratch" -type f -size -"${FUZZ_MERGE_BYTES_MAX:-513}"c -exec cp {} "$small/" \;
    # A set cover of edges only (no hit counters): a few dozen to a hundred-odd files per
    # target instead of the several hundred -merge=1 keeps, for nearly the same edges.
    exec "$binary" -set_cover_merge=1 -use_counters=0 "Corpus/$target" "$small"
fi
if [ "$#" -gt 0 ] && [ -f "$1" ]; then exec "$binary" "$@"; fi  # replay crash files
if [ "$#" -eq 0 ]; then set -- -max_total_time=60; fi
# The target's -max_len (build.sh) comes first: a -max_len among the flags given wins.
exec "$binary" -max_len="$(fuzz_max_len "$target")" -artifact_prefix=".build-fuzz/artifacts/$target-" "$@" \
    "$scratch" "Corpus/$target"
