#!/usr/bin/env bash
# Nave vs Mosquitto on the standard MQTT scenarios (connect storm, idle connections held, QoS 0
# and QoS 1 fan-in, latency at half each broker's own saturated rate and at one rate for both,
# fan-out, point-to-point pairs): builds `nave` (root package) and the harness (this package)
# in release mode, then runs `nave-bench compare` with defaults sized to finish in about
# 15 minutes: 10,000 devices, fixed rates paced in 100 µs steps,
# 3 alternating rounds of 4 s after 1.5 s of warm-up, each broker started afresh per round,
# broker on CPU 0 and load generator on CPU 1. Mosquitto is /usr/sbin/mosquitto with a generated
# config (loopback, anonymous, no persistence, max_queued_messages 1000000, max_inflight 32).
# Extra arguments go to `nave-bench compare` (see `--help`). The result lands in results/.
set -euo pipefail
cd "$(dirname "$0")"
command -v /usr/sbin/mosquitto >/dev/null || { echo "mosquitto is missing: apt-get install -y mosquitto" >&2; exit 1; }
source ./build-release.sh
read -r load _ < /proc/loadavg
echo "load average before the run: $load (other processes distort every figure; the table reports them per round)"
exec timeout --signal=TERM 1500 ./.build/release/nave-bench compare --nave-binary "$NAVE_BINARY" "$@"
