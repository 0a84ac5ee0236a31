#!/usr/bin/env bash
# The allocation gate (PERF.md: CI gates on allocation counts, never on wall-clock time).
#
# Builds the NaveCodecMicro micro-benchmarks in release (the slow part: minutes from a clean
# .build, on 2 cores) and runs the benchmark package's static threshold check: each benchmark's
# malloc count per 1,000 operations (p90 over the iterations) against its file in Thresholds/,
# with the tolerance set in the benchmark's configuration. Only mallocCountTotal is measured
# and compared. Exits non-zero when a count grew.
#
#   PerfTests/check-allocations.sh            # check (scripts/test runs this)
#   PerfTests/check-allocations.sh --update   # measure again and rewrite Thresholds/; commit them
set -euo pipefail
cd "$(dirname "$0")"

target=NaveCodecMicro
thresholds=Thresholds
options=(--target "$target" --metric mallocCountTotal --path "$thresholds" --no-progress)

if [[ ${1-} == --update ]]; then
    rm -f "$thresholds/$target".*.p90.json  # so a renamed or removed benchmark leaves no stale file
    exec swift package --allow-writing-to-package-directory benchmark thresholds update "${options[@]}"
fi

# The plugin shows its build only when it fails; say why the first run is quiet for minutes.
echo "check-allocations: building $target (release) and checking $thresholds/"
output=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$output" "$errors"' EXIT
status=0
# stderr apart: SwiftPM's "error: …" line would otherwise land in the middle of a table row.
swift package benchmark thresholds check "${options[@]}" </dev/null >"$output" 2>"$errors" || status=$?
# Everything the tool said (on a failure: which benchmark, the threshold, the count, the Δ),
# without its notes about the runtime interposer, which this gate does not use.
cat "$errors" >&2
grep -a -v -e '^$' -e 'runtime interposer' -e 'skipping LD_PRELOAD' "$output" || true

# One line per benchmark. The tool names only the benchmarks that deviate, in headers such as
# "Deviations worse than threshold for NaveCodecMicro:MQTT.CONNECT.decode.SAS".
echo
echo "allocations per 1,000 operations (p90), committed threshold and verdict:"
worse=0
for file in "$thresholds/$target".*.p90.json; do
    name=${file#"$thresholds/$target."}
    name=${name%.p90.json}
    limit=$(grep -o '[0-9]\+' "$file")
    verdict=ok
    if grep -aqxF "Deviations worse than threshold for $target:$name" "$output"; then
        verdict="MORE ALLOCATIONS (regression)"
        worse=$((worse + 1))
    elif grep -aqxF "Deviations better than threshold for $target:$name" "$output"; then
        verdict="fewer allocations: run PerfTests/check-allocations.sh --update and commit $thresholds/"
    fi
    printf '  %-45s %8s  %s\n' "$name" "$limit" "$verdict"
done

if ((worse > 0)) || grep -aq "is WORSE than the defined thresholds" "$output"; then
    echo "check-allocations: FAILED: $worse benchmark(s) allocate more than $thresholds/ allows" >&2
    exit 1
fi
if grep -aq "is BETTER than the defined thresholds" "$output"; then
    # Not a failure: fewer allocations is the goal. Updating keeps the gate tight.
    echo "check-allocations: passed, with fewer allocations than the thresholds (update them)"
    exit 0
fi
if ((status != 0)) || ! grep -aq "is EQUAL to the defined thresholds" "$output"; then
    echo "check-allocations: FAILED: the benchmark run did not complete (exit status $status)" >&2
    exit 1
fi
echo "check-allocations: passed"
