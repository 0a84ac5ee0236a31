#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer, release (-O): sourced by run.sh
# and run-all.sh, which then find the binaries in "$fuzz_bin".
#
# Two --sanitize flags do not both reach the compiler (coverage would be lost); -Xswiftc does.
fuzz_build_flags=(-c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz)
# SwiftPM keeps this package's build plan when only the path dependency (the root package)
# gained targets, and then fails on modules it cannot find (NaveLimits did this); dropping the
# plan makes it re-plan in seconds, keeping the compiled objects (as PerfTests/build-release.sh).
rm -f .build-fuzz/release.yaml .build-fuzz/*/release/description.json
swift build "${fuzz_build_flags[@]}" "$@"
fuzz_bin="$(swift build "${fuzz_build_flags[@]}" --show-bin-path)"
# The Swift backtracer hangs after a crash under the sanitizers; ASan prints the stack.
export SWIFT_BACKTRACE=enable=no

# The longest input libFuzzer makes for a target (-max_len), run.sh and run-all.sh alike.
# Without it libFuzzer uses 4096 bytes, and as a campaign goes on its inputs grow towards that
# (-len_control) while every target's cost is linear in the input's length. Each value is the
# shortest that still reaches every limit and loop the target has; libFuzzer's edge counters
# stop telling loop counts apart at 128 iterations, so longer inputs find nothing new there.
fuzz_max_len() {
    case "$1" in
        # Per-byte loops only (percent, query, base64, hex), no length limit in NaveEncoding.
        EncodingFuzz) echo 256 ;;
        # Up to 16 properties; PropertyBag.bagBytesMax (16 KiB of text) is out of reach at the
        # default too (at most 3 x 4096 bytes once ill-formed UTF-8 is repaired).
        PropertyBagFuzz) echo 512 ;;
        # textBytesMax is 4096 bytes of text: an ill-formed byte is repaired to 3 bytes
        # (U+FFFD), so 1536 input bytes still reach the too-long refusal.
        SASTokenFuzz | MQTTUsernameFuzz) echo 1536 ;;
        # Frames up to 512 bytes and fragmented messages up to 1024 (the harness's limits): a
        # message over its limit needs about 1040 bytes.
        WebSocketFrameFuzz) echo 1536 ;;
        # A request line of 256, 512 bytes of header and a 1024-byte body (the harness's limits).
        HTTPDecoderFuzz) echo 2048 ;;
        # Device and module ids up to 128 bytes each, plus a property bag; eight short values.
        IoTHubTopicFuzz | ConnectionStringFuzz) echo 1024 ;;
        # Remaining lengths of one and two bytes with their packets whole (three bytes start at
        # 16 KiB, out of reach at 4096 too), and hundreds of small packets in one input.
        MQTTDecoderFuzz) echo 1024 ;;
        # A whole packet at maximumPacketBytes (2048, the harness's) after a CONNECT; a longer
        # one is refused from its fixed header alone.
        MQTTBindingFuzz) echo 2560 ;;
        # Selectors and addresses up to their 1 KiB limits; an event's strings and body past
        # 255 bytes (str32, vbin32, map32), with up to 15 properties.
        AMQPFuzz) echo 1536 ;;
        # The harness's query limit is 1024 characters: ill-formed bytes are repaired to one
        # scalar each, so 1536 bytes still reach the too-long refusal.
        QueryParserFuzz) echo 1536 ;;
        # JSONParserFuzz: strings up to 512 bytes, documents up to 8192 (over 4096 out of reach,
        # as before): the default.
        *) echo 4096 ;;
    esac
}
