import NaveHTTP

/// libFuzzer entry point for NaveHTTP's request decoder and the WebSocket upgrade check (the
/// frame decoder has its own target, WebSocketFrameFuzz).
///
/// The decoder fed the input whole, in two halves, and one byte at a time must
/// agree on the requests and on the error; every error maps to a status the server may send;
/// no request exceeds the (small, so the fuzzer reaches them) limits; a decoded request's
/// head, re-encoded canonically with a Content-Length body, decodes to the same request; the
/// WebSocket handshake (RFC 6455 §4.2.1) refuses a decoded request with a 4xx or accepts it
/// with a 28-character accept value and one of the offered subprotocols.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    fuzzHTTP(input)
    return 0
}

private func makeDecoder() -> HTTPRequestDecoder {
    HTTPRequestDecoder(
        requestLineBytesMax: 256, headerBytesMax: 512, headerCountMax: 16, bodyBytesMax: 1_024,
        chunkLineBytesMax: 64, trailerBytesMax: 128, retainedBufferBytesMax: 64
    )
}

/// Feeds `pieces` in order, draining after each; the requests and the error, if any.
private func run(_ pieces: [UnsafeRawBufferPointer]) -> ([HTTPRequest], HTTPDecodeError?, Int) {
    var decoder = makeDecoder()
    var requests: [HTTPRequest] = []
    for piece in pieces {
        decoder.feed(piece)
        do {
            while let request = try decoder.next() { requests.append(request) }
        } catch {
            return (requests, error, 0)
        }
    }
    return (requests, nil, decoder.bufferedByteCount)
}

private func fuzzHTTP(_ input: UnsafeRawBufferPointer) {
    let whole = run([input])
    let halves = run([UnsafeRawBufferPointer(rebasing: input[..<(input.count / 2)]), UnsafeRawBufferPointer(rebasing: input[(input.count / 2)...])])
    let bytes = input.indices.map { UnsafeRawBufferPointer(rebasing: input[$0..<$0 + 1]) }
    let dripped = run(bytes)
    precondition(halves.0 == whole.0 && dripped.0 == whole.0, "deliveries yield different requests")
    precondition(halves.1 == whole.1 && dripped.1 == whole.1, "deliveries fail differently: \(String(describing: whole.1)) \(String(describing: dripped.1))")
    precondition(halves.2 == whole.2 && dripped.2 == whole.2, "deliveries leave different tails")
    if let error = whole.1 {
        precondition([400, 413, 414, 431, 501, 505].contains(error.status) && !error.reason.isEmpty && error.specClause.hasPrefix("RFC"))
    }
    for request in whole.0 {
        precondition(request.body.count <= 1_024 && request.head.headers.count <= 16, "limit exceeded")
        let again = canonical(request)
        // Roomier head limits: a non-UTF-8 value byte comes back as U+FFFD, three bytes.
        var decoder = HTTPRequestDecoder(headerBytesMax: 4_096, headerCountMax: 16, bodyBytesMax: 1_024)
        decoder.feed(again)
        let redecoded: HTTPRequest?
        do { redecoded = try decoder.next() } catch { preconditionFailure("canonical form refused: \(error)") }
        var expected = request
        expected.head.headers.remove(name: "Content-Length")
        expected.head.headers.remove(name: "Transfer-Encoding")
        if !request.body.isEmpty { expected.head.headers.add(name: "Content-Length", value: String(request.body.count)) }
        expected.trailers = [:]
        precondition(redecoded == expected && decoder.bufferedByteCount == 0, "canonical form decodes differently")
        fuzzUpgrade(request.head)
    }
}

/// The request with framing fields replaced by one Content-Length (when it has a body) and
/// trailers dropped, written with single spaces and CRLF.
private func canonical(_ request: HTTPRequest) -> [UInt8] {
    var text = "\(request.head.method) \(request.head.target) \(request.head.version.text)\r\n"
    var headers = request.head.headers
    headers.remove(name: "Content-Length")
    headers.remove(name: "Transfer-Encoding")
    for field in headers { text += "\(field.name): \(field.value)\r\n" }
    if !request.body.isEmpty { text += "Content-Length: \(request.body.count)\r\n" }
    return Array((text + "\r\n").utf8) + request.body
}

private func fuzzUpgrade(_ head: HTTPRequestHead) {
    do {
        let upgrade = try WebSocketHandshake.accept(head, subprotocols: ["mqtt"], subprotocolRequired: false)
        precondition(upgrade.accept.utf8.count == 28 && (upgrade.subprotocol == nil || upgrade.subprotocol == "mqtt"))
        var response: [UInt8] = []
        upgrade.encodeResponse(into: &response)
        precondition(response.starts(with: Array("HTTP/1.1 101 ".utf8)), "upgrade answered without 101")
    } catch {
        precondition((400..<500).contains(error.status), "handshake refused with \(error.status)")
    }
}
