# Sourced by the run-*.sh scripts (from PerfTests/): builds `nave` in the root package and the
# harness in this one, in release mode, and sets NAVE_BINARY.
#
# NAVE_SCRATCH: a separate build directory for `nave`, when another build or test holds the
# root's .build lock.
if [[ -n "${NAVE_SCRATCH:-}" ]]; then
  (cd .. && swift build -c release --product nave --scratch-path "$NAVE_SCRATCH")
  NAVE_BINARY="$NAVE_SCRATCH/release/nave"
else
  (cd .. && swift build -c release --product nave)
  NAVE_BINARY="../.build/release/nave"
fi
# SwiftPM keeps this package's build plan when only the path dependency (the root package)
# gained source files, and then fails on types it cannot see; dropping the plan makes it
# re-plan (seconds; compiled objects are kept).
rm -f .build/release.yaml .build/*/release/description.json
swift build -c release --product nave-bench
