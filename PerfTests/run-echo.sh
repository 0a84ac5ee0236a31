#!/usr/bin/env bash
# The echo benchmark (the engine's ceiling): builds the echo server (root package) and the
# harness (this package) in release mode, then runs `nave-bench echo` with its defaults:
# io_uring vs epoll, 1000 connections, 8 then 1 frames in flight, 3 × 5 s rounds (~80 s).
# Extra arguments go to `nave-bench echo` (see `--help`). The result lands in results/.
set -euo pipefail
cd "$(dirname "$0")"
(cd .. && swift build -c release --product nave-echo)
# SwiftPM keeps this package's build plan when only the path dependency (the root package) gained
# source files, and then fails on types it cannot see; dropping the plan makes it re-plan (seconds;
# compiled objects are kept).
rm -f .build/release.yaml .build/*/release/description.json
swift build -c release --product nave-bench
# Other processes on these two cores distort every figure: the harness reports them per round
# ("other load"); say so up front too.
read -r load _ < /proc/loadavg
echo "load average before the run: $load"
exec ./.build/release/nave-bench echo --server-binary ../.build/release/nave-echo "$@"
