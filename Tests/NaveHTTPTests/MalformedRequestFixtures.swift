import NaveHTTP

/// A request that must be refused, why, the error, and the status the server answers with.
struct MalformedRequest: CustomStringConvertible, Sendable {
    var reason: String
    var bytes: [UInt8]
    var error: HTTPDecodeError
    var status: Int
    var decoder = HTTPRequestDecoder()

    var description: String { reason }
}

private let host = "Host: h\r\n"

private func malformed(_ reason: String, _ text: String, _ error: HTTPDecodeError, _ status: Int, decoder: HTTPRequestDecoder = HTTPRequestDecoder()) -> MalformedRequest {
    MalformedRequest(reason: reason, bytes: ascii(text), error: error, status: status, decoder: decoder)
}

let malformedRequests: [MalformedRequest] = [
    // Request line (RFC 9112 §3).
    malformed("method with a non-token byte", "GE@T / HTTP/1.1\r\n\(host)\r\n", .invalidMethod, 400),
    malformed("empty method (line starts with SP)", " / HTTP/1.1\r\n\(host)\r\n", .invalidMethod, 400),
    malformed("two spaces after the method", "GET  / HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("request line without spaces", "GET\r\n\(host)\r\n", .invalidRequestLine, 400),
    malformed("target with a space inside", "GET /a b HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("target with a fragment", "GET /a#frag HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("target with a broken percent escape", "GET /a%2 HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("target with a non-hex percent escape", "GET /a%zz HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("asterisk-form is not served", "OPTIONS * HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("authority-form is not served", "CONNECT h:443 HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("absolute-form without authority", "GET http:///x HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget, 400),
    malformed("lower-case protocol name", "GET / http/1.1\r\n\(host)\r\n", .invalidVersion, 400),
    malformed("two-digit minor version", "GET / HTTP/1.10\r\n\(host)\r\n", .invalidVersion, 400),
    malformed("HTTP/2.0 over HTTP/1 framing", "GET / HTTP/2.0\r\n\(host)\r\n", .unsupportedVersion(major: 2, minor: 0), 505),
    malformed("HTTP/0.9-style version 0.9", "GET / HTTP/0.9\r\n\(host)\r\n", .unsupportedVersion(major: 0, minor: 9), 505),
    malformed(
        "request line over requestLineBytesMax, refused before its end arrives",
        "GET /" + String(repeating: "a", count: 100), .requestLineTooLong(requestLineBytesMax: 64), 414,
        decoder: HTTPRequestDecoder(requestLineBytesMax: 64)
    ),
    // Line endings (RFC 9112 §2.2).
    malformed("bare LF ending the request line", "GET / HTTP/1.1\n\(host)\r\n", .invalidLineEnding, 400),
    malformed("bare LF ending a field line", "GET / HTTP/1.1\r\nHost: h\n\r\n", .invalidLineEnding, 400),
    malformed("bare CR inside a field value", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", .invalidHeaderValue, 400),
    // Field lines (RFC 9112 §5).
    malformed("whitespace before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", .whitespaceBeforeColon, 400),
    malformed("tab before the colon", "GET / HTTP/1.1\r\n\(host)Content-Length\t: 0\r\n\r\n", .whitespaceBeforeColon, 400),
    malformed("obs-fold continuation line", "GET / HTTP/1.1\r\n\(host)X-A: 1\r\n  2\r\n\r\n", .obsoleteLineFolding, 400),
    malformed("whitespace before the first field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", .obsoleteLineFolding, 400),
    malformed("field line without a colon", "GET / HTTP/1.1\r\n\(host)NoColon\r\n\r\n", .missingColon, 400),
    malformed("empty field name", "GET / HTTP/1.1\r\n\(host): v\r\n\r\n", .invalidHeaderName, 400),
    malformed("non-token byte in a field name", "GET / HTTP/1.1\r\n\(host)X(A): v\r\n\r\n", .invalidHeaderName, 400),
    malformed("NUL in a field value", "GET / HTTP/1.1\r\n\(host)X: a\u{0}b\r\n\r\n", .invalidHeaderValue, 400),
    malformed("DEL in a field value", "GET / HTTP/1.1\r\n\(host)X: a\u{7F}\r\n\r\n", .invalidHeaderValue, 400),
    malformed(
        "header section over headerBytesMax",
        "GET / HTTP/1.1\r\n\(host)X: " + String(repeating: "v", count: 100) + "\r\n\r\n", .headerSectionTooLarge(headerBytesMax: 64), 431,
        decoder: HTTPRequestDecoder(headerBytesMax: 64)
    ),
    malformed(
        "more fields than headerCountMax",
        "GET / HTTP/1.1\r\n\(host)A: 1\r\nB: 2\r\nC: 3\r\n\r\n", .tooManyHeaders(headerCountMax: 3), 431,
        decoder: HTTPRequestDecoder(headerCountMax: 3)
    ),
    // Host (RFC 9112 §3.2).
    malformed("HTTP/1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", .missingHost, 400),
    malformed("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost, 400),
    malformed("two Host fields in HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", .duplicateHost, 400),
    malformed("Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost, 400),
    malformed("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost, 400),
    // Content-Length (RFC 9112 §6.3).
    malformed("Content-Length with a sign", "POST / HTTP/1.1\r\n\(host)Content-Length: +5\r\n\r\nhello", .invalidContentLength, 400),
    malformed("Content-Length in hex", "POST / HTTP/1.1\r\n\(host)Content-Length: 0x5\r\n\r\nhello", .invalidContentLength, 400),
    malformed("empty Content-Length", "POST / HTTP/1.1\r\n\(host)Content-Length:\r\n\r\n", .invalidContentLength, 400),
    malformed("Content-Length values disagree across lines", "POST / HTTP/1.1\r\n\(host)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .invalidContentLength, 400),
    malformed("Content-Length list values disagree", "POST / HTTP/1.1\r\n\(host)Content-Length: 5, 50\r\n\r\nhello", .invalidContentLength, 400),
    malformed("Content-Length list with an empty element", "POST / HTTP/1.1\r\n\(host)Content-Length: 5,\r\n\r\nhello", .invalidContentLength, 400),
    malformed(
        "Content-Length over bodyBytesMax, refused before the body",
        "POST / HTTP/1.1\r\n\(host)Content-Length: 1025\r\n\r\n", .bodyTooLarge(bodyBytesMax: 1024), 413,
        decoder: HTTPRequestDecoder(bodyBytesMax: 1024)
    ),
    malformed("Content-Length that overflows 64 bits", "POST / HTTP/1.1\r\n\(host)Content-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge(bodyBytesMax: HTTPRequestDecoder.defaultBodyBytesMax), 413),
    // Transfer-Encoding and smuggling (RFC 9112 §6.1, §7.1, §11.2).
    malformed("CL.TE: Content-Length then Transfer-Encoding", "POST / HTTP/1.1\r\n\(host)Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", .contentLengthWithTransferEncoding, 400),
    malformed("TE.CL: Transfer-Encoding then Content-Length", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", .contentLengthWithTransferEncoding, 400),
    malformed("Transfer-Encoding with whitespace before the colon", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding : chunked\r\n\r\n", .whitespaceBeforeColon, 400),
    malformed("Transfer-Encoding folded onto the next line", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding:\r\n chunked\r\n\r\n", .obsoleteLineFolding, 400),
    malformed("chunked applied twice", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, chunked\r\n\r\n", .invalidTransferEncoding, 400),
    malformed("chunked twice across field lines", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", .invalidTransferEncoding, 400),
    malformed("empty Transfer-Encoding", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding:\r\n\r\n", .invalidTransferEncoding, 400),
    malformed("obfuscated coding name", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: \"chunked\"\r\n\r\n", .invalidTransferEncoding, 400),
    malformed("gzip, chunked: unknown coding", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n", .unknownTransferCoding, 501),
    malformed("a look-alike coding name", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked-false\r\n\r\n", .unknownTransferCoding, 501),
    malformed("coding with parameters", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip;q=1, chunked\r\n\r\n", .unknownTransferCoding, 501),
    malformed("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10, 400),
    // Chunked body (RFC 9112 §7.1).
    malformed("chunk size not hex", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\nzz\r\n", .invalidChunkLine, 400),
    malformed("chunk size with a sign", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n-1\r\n", .invalidChunkLine, 400),
    malformed("chunk extension without ';'", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n", .invalidChunkLine, 400),
    malformed("chunk line with a bare LF", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", .invalidLineEnding, 400),
    malformed("chunk data longer than its size", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", .missingChunkDataTerminator, 400),
    malformed(
        "chunk line over chunkLineBytesMax (long extension)",
        "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "e", count: 64) + "\r\n", .invalidChunkLine, 400,
        decoder: HTTPRequestDecoder(chunkLineBytesMax: 32)
    ),
    malformed(
        "chunks summing over bodyBytesMax",
        "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n9\r\n", .bodyTooLarge(bodyBytesMax: 16), 413,
        decoder: HTTPRequestDecoder(bodyBytesMax: 16)
    ),
    malformed("chunk size with 40 hex digits", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n" + String(repeating: "f", count: 40) + "\r\n", .bodyTooLarge(bodyBytesMax: HTTPRequestDecoder.defaultBodyBytesMax), 413),
    malformed(
        "trailer section over trailerBytesMax",
        "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nX: " + String(repeating: "t", count: 64) + "\r\n\r\n", .trailerSectionTooLarge(trailerBytesMax: 32), 431,
        decoder: HTTPRequestDecoder(trailerBytesMax: 32)
    ),
    malformed("malformed trailer field", "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n", .whitespaceBeforeColon, 400),
]
