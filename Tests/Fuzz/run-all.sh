#!/usr/bin/env bash
# The CI slice of fuzzing: builds every target once, then runs each for FUZZ_SECONDS (default
# 30) from its corpus in Corpus/<target>, one after another (the fuzzers are single-threaded).
# Prints one line per target with executions, exec/s and coverage; exits non-zero if any target
# crashed, failed an invariant, timed out on an input or has no corpus, after printing the end
# of its log (the stack and the artifact's path). Logs: .build-fuzz/logs/<target>.log.
#
#   Tests/Fuzz/run-all.sh                   # what scripts/test runs
#   FUZZ_SECONDS=5 Tests/Fuzz/run-all.sh    # a quicker pass
#   FUZZ_SECONDS=1800 FUZZ_RUNS=10000000 FUZZ_KEEP=1 Tests/Fuzz/run-all.sh   # a campaign
#
# New inputs go to .build-fuzz/corpus/<target> (as with run.sh), emptied first so that a run
# starts from what the repository keeps; FUZZ_KEEP=1 keeps it, to continue an earlier
# campaign or to merge its finds with run.sh --target <target> --merge afterwards.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${FUZZ_SECONDS:-30}"
runs=()
if [ -n "${FUZZ_RUNS:-}" ]; then runs=(-runs="$FUZZ_RUNS"); fi

started=$SECONDS
source ./build.sh
echo "fuzz: built every target in $((SECONDS - started)) s"

failed=()
mkdir -p .build-fuzz/logs .build-fuzz/artifacts
for source in Sources/*Fuzz; do
    target="${source#Sources/}"
    if [ ! -d "Corpus/$target" ]; then
        echo "fuzz: $target has no Corpus/$target directory of seeds" >&2
        failed+=("$target")
        continue
    fi
    scratch=".build-fuzz/corpus/$target"
    if [ "${FUZZ_KEEP:-0}" != 1 ]; then rm -rf "$scratch"; fi
    mkdir -p "$scratch"
    log=".build-fuzz/logs/$target.log"
    status=0
    # -timeout: one input taking 10 s is a hang worth failing on; -rss_limit_mb: a leak.
    # -max_len per target as run.sh uses it (fuzz_max_len in build.sh).
    "$fuzz_bin/$target" -max_len="$(fuzz_max_len "$target")" -max_total_time="$seconds" "${runs[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=".build-fuzz/artifacts/$target-" "$scratch" "Corpus/$target" > "$log" 2>&1 || status=$?
    executions="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")"
    coverage="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)"
    printf 'fuzz: %-22s %10s execs %7s exec/s  %s\n' "$target" "${executions:-?}" "${rate:-?}" "${coverage:-cov: ?}"
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $target FAILED (exit $status); end of $log:" >&2
        tail -n 40 "$log" >&2
        failed+=("$target")
    fi
done
echo "fuzz: $(( ${#failed[@]} )) failed, $((SECONDS - started)) s in all"
[ "${#failed[@]}" -eq 0 ]
