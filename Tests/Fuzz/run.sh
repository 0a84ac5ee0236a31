#!/usr/bin/env bash
# Builds the MQTT decoder fuzzer with libFuzzer and AddressSanitizer and runs it for a bounded
# time on a corpus seeded with valid packets.
#
#   Tests/Fuzz/run.sh                       # 60 seconds
#   Tests/Fuzz/run.sh -max_total_time=600   # any libFuzzer flags replace the default
#
# Crashes are written to .build-fuzz/artifacts/; replay one with Tests/Fuzz/run.sh <file>.
set -euo pipefail
cd "$(dirname "$0")"

# Two --sanitize flags do not both reach the compiler (coverage would be lost); -Xswiftc does.
build_flags=(-c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz)
swift build "${build_flags[@]}" --product MQTTDecoderFuzz
binary="$(swift build "${build_flags[@]}" --show-bin-path)/MQTTDecoderFuzz"

corpus=.build-fuzz/corpus/MQTTDecoderFuzz
artifacts=.build-fuzz/artifacts/
mkdir -p "$corpus" "$artifacts"
seed() { printf "$2" > "$corpus/seed-$1"; }
seed connect '\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03abc'
seed connect-full '\x10\x22\x00\x04MQTT\x04\xec\x00\x0a\x00\x04dev1\x00\x03w/t\x00\x03bye\x00\x01u\x00\x03p\x00\xff'
seed connack '\x20\x02\x01\x00'
seed publish-qos0 '\x30\x07\x00\x03a/bhi'
seed publish-qos1 '\x3b\x09\x00\x03a/b\x00\x0ahi'
seed publish-qos2 '\x34\x08\x00\x04s/\xc3\xbc\xff\xff'
seed acks '\x40\x02\x00\x01\x50\x02\x12\x34\x62\x02\x00\x02\x70\x02\xff\xff\xb0\x02\x00\x02'
seed subscribe '\x82\x0e\x00\x01\x00\x03a/b\x01\x00\x03c/#\x02'
seed suback '\x90\x05\x00\x01\x00\x02\x80'
seed unsubscribe '\xa2\x0a\x00\x02\x00\x03a/b\x00\x01+'
seed pings '\xc0\x00\xd0\x00\xe0\x00'

export SWIFT_BACKTRACE=enable=no  # the backtracer hangs after a crash under the sanitizers
if [ "$#" -gt 0 ] && [ -f "$1" ]; then exec "$binary" "$@"; fi  # replay crash files
if [ "$#" -eq 0 ]; then set -- -max_total_time=60; fi
exec "$binary" -artifact_prefix="$artifacts" "$@" "$corpus"
