#!/usr/bin/env bash
# Which event-loop and router-shard setting wins on this machine: builds `nave` (root package)
# and the harness (this package) in release mode, then runs `nave-bench sweep`, by default on
# fanin-qos0 (10,000 devices → 1 subscriber: every loop routes to the subscriber's) and pairs
# (1,000 publisher → subscriber pairs: routing across loops both ways) with loops 1,2 × shards
# 1,2 (shards 2 on 1 loop is skipped: nave refuses more shards than loops). 3 alternating rounds
# of 4 s after 1.5 s of warm-up, a fresh broker per round; 1 loop runs on CPU 0, 2 loops on CPUs
# 0,1, the load generator on CPU 1 (see `nave-bench sweep --help` for why). Finishes in about
# 5 minutes. Extra arguments go to `nave-bench sweep` (e.g. `fanin-qos1-k8 --loops 1,2,4`,
# `--rounds 2 --duration 3 --devices 2000`, `--broker-cpus 0,1`). The result lands in results/;
# Tuning/sweep.md says how to read it and carry the winner into a profile.
set -euo pipefail
cd "$(dirname "$0")"
source ./build-release.sh
echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other processes distort every figure; the table reports them per setting)"
status=0
# No `taskset` around the harness: it must see every CPU to pin itself and give each broker its list.
timeout --signal=TERM 1500 ./.build/release/nave-bench sweep --nave-binary "$NAVE_BINARY" "$@" || status=$?
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
