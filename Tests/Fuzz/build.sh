#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer, release (-O): sourced by run.sh
# and run-all.sh, which then find the binaries in "$fuzz_bin".
#
# Two --sanitize flags do not both reach the compiler (coverage would be lost); -Xswiftc does.
fuzz_build_flags=(-c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz)
swift build "${fuzz_build_flags[@]}" "$@"
fuzz_bin="$(swift build "${fuzz_build_flags[@]}" --show-bin-path)"
# The Swift backtracer hangs after a crash under the sanitizers; ASan prints the stack.
export SWIFT_BACKTRACE=enable=no
