/// How the body is delimited (RFC 9112 §6), and the chunk-size line (§7.1).
extension HTTPRequestDecoder {
    /// Checks Host and the framing fields once the header section is complete, and picks the
    /// state that reads the body.
    mutating func framing() throws(HTTPDecodeError) -> State {
        try checkHost()
        let transferEncodings = head.headers.values("Transfer-Encoding")
        let contentLengths = head.headers.values("Content-Length")
        if !transferEncodings.isEmpty {
            // RFC 9112 §6.1, §11.2: a request with both is a smuggling attempt or a broken
            // intermediary; rejecting it is the only answer every hop agrees on.
            guard contentLengths.isEmpty else { throw .contentLengthWithTransferEncoding }
            guard head.version == .http1_1 else { throw .transferEncodingInHTTP10 }
            try checkTransferEncoding(transferEncodings)
            return .chunkLine
        }
        guard !contentLengths.isEmpty else { return .body(byteCount: 0) }  // §6.3 item 7
        return .body(byteCount: try contentLength(contentLengths))
    }

    /// RFC 9112 §3.2: exactly one Host in 1.1, at most one in 1.0, and a well-formed value
    /// (empty is allowed: the target may carry no authority).
    private func checkHost() throws(HTTPDecodeError) {
        let hosts = head.headers.values("Host")
        guard hosts.count <= 1 else { throw .duplicateHost }
        guard let host = hosts.first else {
            if head.version == .http1_1 { throw .missingHost }
            return
        }
        guard host.utf8.allSatisfy({ HTTPSyntax.isHostByte[Int($0)] }) else { throw .invalidHost }
    }

    /// Only `chunked`, once, is understood (RFC 9112 §6.1: 501 for an unknown coding; §7.1:
    /// chunked at most once and last).
    private func checkTransferEncoding(_ values: [String]) throws(HTTPDecodeError) {
        var chunkedCount = 0
        for value in values {
            for element in HTTPSyntax.listElements(value) {
                guard !element.isEmpty, element.utf8.allSatisfy({ HTTPSyntax.isTokenByte[Int($0)] }) else {
                    // A coding with parameters (`gzip;q=1`) is still a coding we do not know.
                    let name = element.prefix { $0 != ";" && $0 != " " && $0 != "\t" }
                    if !name.isEmpty, name.lowercased() != "chunked", name.utf8.allSatisfy({ HTTPSyntax.isTokenByte[Int($0)] }) {
                        throw .unknownTransferCoding
                    }
                    throw .invalidTransferEncoding
                }
                guard element.lowercased() == "chunked" else { throw .unknownTransferCoding }
                chunkedCount += 1
            }
        }
        guard chunkedCount == 1 else { throw .invalidTransferEncoding }
    }

    /// RFC 9112 §6.3 item 5: every value (across field lines and comma-separated lists) is
    /// 1*DIGIT and all are identical; the length must fit the request's body limit.
    private func contentLength(_ values: [String]) throws(HTTPDecodeError) -> Int {
        var agreed: Substring?
        for value in values {
            for element in HTTPSyntax.listElements(value) {
                guard !element.isEmpty, element.utf8.allSatisfy(HTTPSyntax.isDigit) else { throw .invalidContentLength }
                guard agreed == nil || agreed == element else { throw .invalidContentLength }
                agreed = element
            }
        }
        guard let agreed else { throw .invalidContentLength }
        var length = 0
        for digit in agreed.utf8 {
            length = length * 10 + Int(digit - 0x30)
            // Checked per digit, so twenty nines cannot overflow.
            guard length <= currentBodyBytesMax else { throw .bodyTooLarge(bodyBytesMax: currentBodyBytesMax) }
        }
        return length
    }

    /// `chunk-size [ chunk-ext ]` (RFC 9112 §7.1, §7.1.1): hex digits, then optionally
    /// whitespace and ";"-led extensions, which are skipped (we define none) but must hold no
    /// control character. The running body size is checked against `bodyBytesMax`.
    func chunkSize(_ line: ArraySlice<UInt8>) throws(HTTPDecodeError) -> Int {
        var size = 0
        var index = line.startIndex
        while index < line.endIndex, let digit = HTTPSyntax.hexValue(line[index]) {
            size = size << 4 | Int(digit)
            guard body.count + streamedByteCount + size <= currentBodyBytesMax else { throw .bodyTooLarge(bodyBytesMax: currentBodyBytesMax) }
            index += 1
        }
        guard index > line.startIndex else { throw .invalidChunkLine }
        let extensions = line[index...].drop(while: HTTPSyntax.isWhitespace)
        if let first = extensions.first {
            guard first == UInt8(ascii: ";"), extensions.allSatisfy({ HTTPSyntax.isFieldValueByte[Int($0)] }) else {
                throw .invalidChunkLine
            }
        }
        return size
    }
}
