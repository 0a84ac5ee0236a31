import Glibc
import NaveModel
import Testing

/// Limits hold exactly at their edge, and parsing cost grows linearly with the input.
@Suite("JSON limits and linear time", .timeLimit(.minutes(2)))
struct JSONLimitTests {
    private func nested(_ depth: Int) -> String {
        String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    @Test("depth: exactly depthMax parses, one more fails at the innermost bracket")
    func depthEdge() throws {
        for depthMax in [1, 10, 64, JSONLimits.depthMaxCeiling] {
            let limits = JSONLimits(depthMax: depthMax)
            #expect(try JSONValue(parsing: nested(depthMax), limits: limits).depth == depthMax)
            #expect(throws: JSONParseError(.depthExceeded, at: depthMax)) {
                try JSONValue(parsing: nested(depthMax + 1), limits: limits)
            }
        }
    }

    @Test("a hostile million-deep document fails fast at the default depth, without recursion")
    func hostileDepth() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        #expect(throws: JSONParseError(.depthExceeded, at: JSONLimits.default.depthMax)) {
            try JSONValue(parsing: bytes)
        }
        let objects = Array(String(repeating: #"{"a":"#, count: 200_000).utf8)
        #expect(throws: JSONParseError(.depthExceeded, at: 5 * JSONLimits.default.depthMax)) {
            try JSONValue(parsing: objects)
        }
    }

    @Test("document size: exactly documentBytesMax parses, one byte more fails")
    func sizeEdge() throws {
        let text = "[" + String(repeating: "1,", count: 499) + "1]"
        let limits = JSONLimits(documentBytesMax: text.utf8.count)
        #expect(try JSONValue(parsing: text, limits: limits).arrayValue?.count == 500)
        #expect(throws: JSONParseError(.documentTooLarge, at: text.utf8.count - 1)) {
            try JSONValue(parsing: text, limits: JSONLimits(documentBytesMax: text.utf8.count - 1))
        }
    }

    @Test("string size counts decoded bytes: exactly stringBytesMax parses")
    func stringEdge() throws {
        let limits = JSONLimits(stringBytesMax: 4)
        #expect(try JSONValue(parsing: #"["\u00e9\u00e9"]"#, limits: limits) == ["éé"])
        #expect(throws: JSONParseError(.stringTooLong, at: 1)) {
            try JSONValue(parsing: #"["\u00e9\u00e9a"]"#, limits: limits)
        }
    }

    /// CPU time of this thread (not wall-clock: other work on the machine does not count).
    private func threadCPUNanoseconds() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }

    /// Best of three parses of `bytes`, in thread CPU nanoseconds.
    private func parseCost(_ bytes: [UInt8]) throws -> Int64 {
        var best = Int64.max
        for _ in 0..<3 {
            let start = threadCPUNanoseconds()
            let value = try JSONValue(parsing: bytes, limits: JSONLimits(documentBytesMax: 1 << 24))
            best = min(best, threadCPUNanoseconds() - start)
            #expect(value.serializedByteCount > 0)
        }
        return max(best, 1)
    }

    /// Eight times the input must cost well under 64 times (quadratic) the CPU: the bound is
    /// 24, three times the linear ratio, so noise cannot fail it but a quadratic path would.
    private func expectLinear(_ note: String, _ make: (Int) -> String) throws {
        let small = try parseCost(Array(make(1).utf8))
        let large = try parseCost(Array(make(8).utf8))
        #expect(large < small * 24, "\(note): 8× input cost \(Double(large) / Double(small))× the time")
    }

    @Test("long flat arrays, wide objects, escaped strings and repeated deep nesting scale linearly")
    func linearTime() throws {
        try expectLinear("flat array") { scale in
            "[" + Array(repeating: "12345,\"ab\",true,null", count: 8_000 * scale).joined(separator: ",") + "]"
        }
        try expectLinear("wide object") { scale in
            "{" + (0..<(10_000 * scale)).map { "\"key\($0)\":\($0)" }.joined(separator: ",") + "}"
        }
        try expectLinear("escaped string") { scale in
            "\"" + String(repeating: #"a\n\u00e9\"b\\"#, count: 10_000 * scale) + "\""
        }
        try expectLinear("repeated nesting at depth 60") { scale in
            "[" + Array(repeating: String(repeating: "[", count: 59) + "1" + String(repeating: "]", count: 59),
                        count: 400 * scale).joined(separator: ",") + "]"
        }
    }

    @Test("a 1 MB document of nested arrays within the default limits parses")
    func megabyte() throws {
        let unit = String(repeating: "[", count: 32) + "0" + String(repeating: "]", count: 32)
        let count = 1_000_000 / (unit.utf8.count + 1)
        let text = "[" + Array(repeating: unit, count: count).joined(separator: ",") + "]"
        #expect(text.utf8.count <= JSONLimits.default.documentBytesMax)
        let value = try JSONValue(parsing: text)
        #expect(value.arrayValue?.count == count && value.depth == 33)
        #expect(value.serializedByteCount == text.utf8.count)
    }
}
