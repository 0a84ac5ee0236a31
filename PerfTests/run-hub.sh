#!/usr/bin/env bash
# The hub benchmarks (PERF.md G3, G4, G6b, G8): builds `nave` (root package) and the harness
# (this package) in release mode, then runs `nave-bench hub` on every hub scenario with defaults
# sized to finish in about 7 minutes:
#   connect              10,000 SAS devices CONNECT→CONNACK over plain TCP (hub.plainMqttListeners)
#   connect-tls          3,000 over TLS 1.3 (ECDSA P-256 development certificate), full handshakes
#   connect-tls-resumed  3,000 resuming the last session ticket (both also against Mosquitto)
#   telemetry            1,000 devices × 8 QoS 1 publishes in flight, 64-byte bodies, PUBACK after fdatasync
#   telemetry-sweep      fixed rates 5 k…80 k/s: the highest whose PUBACK p99 stays under 10 ms
#   methods              32 HTTPS keep-alive connections calling direct methods on 1,000 devices
#   twin-reported        1,000 devices × 1 reported patch in flight
#   c2d                  32 HTTPS keep-alive connections sending C2D to 1,000 devices (QoS 1, PUBACKed)
# Not in the default list (about a minute at the node's default job rate):
#   job-twin             one twin-update job over every registered device (--job-devices, 10,000)
#                        beside 2,000 telemetry publishes/s: devices/s, telemetry p99 with and without;
#                        ./.build/release/nave-bench hub job-twin --nave-binary ../.build/release/nave
#                        [--job-rate N] [--job-telemetry-rate R]
#   query                (alone) 100,000 devices with twins: one-site SELECT pages, GROUP BY and COUNT
#                        over the fleet, the twin cache's memory (--query-devices, --query-rounds)
#   upload               (alone) file upload: storage info, Put Blob / Put Block + list, notify,
#                        read back; MiB/s and node CPU per MiB (--upload-mebibytes, --rounds)
# 3 rounds of 4 s each (connect storms: a fresh target per round, alternating with Mosquitto).
# The node runs on CPU 0 with one loop, the harness on CPU 1 (it pins itself with
# sched_setaffinity and spawns each target with CPU 0's mask, as `taskset -c 0` would). Devices
# are registered offline in DATA (default /tmp/nave-bench-hub) on the first run. Loopback only;
# every run is bounded (the harness stops each target it starts; this script kills any node the
# harness left behind).
# Extra arguments go to `nave-bench hub` (see `--help`). The JSON result lands in results/.
set -euo pipefail
cd "$(dirname "$0")"
DATA="${DATA:-/tmp/nave-bench-hub}"
command -v /usr/sbin/mosquitto >/dev/null || { echo "mosquitto is missing: apt-get install -y mosquitto" >&2; exit 1; }
source ./build-release.sh
LOGS="$(mktemp -d /tmp/nave-bench-hub-logs.XXXXXX)"
echo "before: $(uptime)"
status=0
# No `taskset` around the harness: it must see both CPUs to pin itself to CPU 1 and start each
# target with CPU 0's mask (a harness confined to one CPU pins nothing and says "pinning none").
timeout --signal=TERM 1200 ./.build/release/nave-bench hub \
  connect connect-tls connect-tls-resumed telemetry telemetry-sweep methods twin-reported c2d \
  --target nave,mosquitto --nave-binary "$NAVE_BINARY" --data-directory "$DATA" --log-directory "$LOGS" "$@" || status=$?
# The harness stops its targets (and they die with it: PDEATHSIG); any it could not stop is found
# by its configuration file, which only this run's targets hold.
for pid in $(pgrep -f -- "-c $LOGS/|--config $LOGS/" || true); do kill -KILL "$pid" 2>/dev/null || true; done
echo "after: $(uptime)"
echo "target logs: $LOGS"
exit $status
