#!/usr/bin/env bash
# Builds a decoder fuzzer with libFuzzer and AddressSanitizer and runs it for a bounded time on
# a corpus seeded with valid inputs.
#
#   Tests/Fuzz/run.sh                                   # MQTTDecoderFuzz, 60 seconds
#   Tests/Fuzz/run.sh -max_total_time=600               # any libFuzzer flags replace the default
#   Tests/Fuzz/run.sh --target HTTPDecoderFuzz          # another target (MQTTDecoderFuzz, HTTPDecoderFuzz, JSONParserFuzz)
#   Tests/Fuzz/run.sh --target HTTPDecoderFuzz -max_total_time=600
#
# Crashes are written to .build-fuzz/artifacts/; replay one with
# Tests/Fuzz/run.sh [--target NAME] <file>.
set -euo pipefail
cd "$(dirname "$0")"

target=MQTTDecoderFuzz
if [ "${1:-}" = "--target" ]; then
    target="${2:?--target needs a name}"
    shift 2
fi

seed_MQTTDecoderFuzz() {
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
}

seed_HTTPDecoderFuzz() {
    seed get 'GET /twins/d1?api-version=2021-04-12 HTTP/1.1\r\nHost: h\r\nAuthorization: SharedAccessSignature sr=a%2Fb\r\n\r\n'
    seed post 'POST /devices/d1/messages/events HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello'
    seed chunked 'PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: 1\r\n\r\n'
    seed pipelined 'GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET http://h/b HTTP/1.1\r\nHost:\r\n\r\n'
    seed smuggle 'POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
    seed upgrade 'GET /$iothub/websocket HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n'
    seed ws-text '\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58'
    seed ws-fragments '\x01\x81\x01\x02\x03\x04\x62\x89\x80\x01\x02\x03\x04\x80\x81\x01\x02\x03\x04\x62'
    seed ws-close '\x88\x82\x00\x00\x00\x00\x03\xe8'
    seed ws-binary-16 '\x82\xfe\x00\x7e\x00\x00\x00\x00'"$(printf '%0126d' 0)"
}

seed_JSONParserFuzz() {
    seed device '{"deviceId": "dev1", "status": "enabled", "authentication": {"symmetricKey": {"primaryKey": "AAAA", "secondaryKey": "BBBB"}, "type": "sas"}, "capabilities": {"iotEdge": false}}'
    seed x509 '{"deviceId":"x","authentication":{"x509Thumbprint":{"primaryThumbprint":"8CB692F3D18F109A32BFC71144559590261FB557"},"type":"selfSigned"}}'
    seed bulk '[{"id":"b1","importMode":"create","status":"enabled"},{"id":"b2","moduleId":"m","importMode":"updateTwin","properties":{"desired":{"a":1}}}]'
    seed twin '{"tags":{"loc":"x"},"properties":{"desired":{"a":2,"$version":4,"$metadata":{"$lastUpdated":"2024-01-01T00:00:00.123Z"}}}}'
    seed numbers '[0,-0,1.5,-1e-5,1E+300,9223372036854775807,-9223372036854775808,9223372036854775808,0.1]'
    seed strings '["","\\\"\\/\\b\\f\\n\\r\\t","\\u00e9\\uD83D\\uDE00","\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"]'
    seed nested '[[[[[[[[[[[{}]]]]]]]]]]]'
    seed literals '{"t":true,"f":false,"n":null}'
    seed timestamp '"2018-11-07T09:22:57.6054134Z"'
    seed policy '{"keyName":"iothubowner","primaryKey":"AAAA","secondaryKey":"BBBB","rights":"RegistryRead, RegistryWrite"}'
}

declare -F "seed_$target" > /dev/null || { echo "unknown fuzz target: $target" >&2; exit 2; }

# Two --sanitize flags do not both reach the compiler (coverage would be lost); -Xswiftc does.
build_flags=(-c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz)
swift build "${build_flags[@]}" --product "$target"
binary="$(swift build "${build_flags[@]}" --show-bin-path)/$target"

corpus=".build-fuzz/corpus/$target"
artifacts=".build-fuzz/artifacts/$target-"
mkdir -p "$corpus" .build-fuzz/artifacts
seed() { printf "$2" > "$corpus/seed-$1"; }
"seed_$target"

export SWIFT_BACKTRACE=enable=no  # the backtracer hangs after a crash under the sanitizers
if [ "$#" -gt 0 ] && [ -f "$1" ]; then exec "$binary" "$@"; fi  # replay crash files
if [ "$#" -eq 0 ]; then set -- -max_total_time=60; fi
exec "$binary" -artifact_prefix="$artifacts" "$@" "$corpus"
