import NaveHTTP

/// libFuzzer entry point for NaveHTTP's two decoders, both run on every input.
///
/// HTTP requests: the decoder fed the input whole, in two halves, and one byte at a time must
/// agree on the requests and on the error; every error maps to a status the server may send;
/// no request exceeds the (small, so the fuzzer reaches them) limits; a decoded request's
/// head, re-encoded canonically with a Content-Length body, decodes to the same request.
///
/// WebSocket frames (server role): whole and byte by byte agree; every frame re-encodes,
/// masked, to bytes that decode to an equal frame; no payload exceeds `frameBytesMax`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    fuzzHTTP(input)
    fuzzWebSocket(input)
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

private func fuzzWebSocket(_ input: UnsafeRawBufferPointer) {
    func frames(_ pieces: [UnsafeRawBufferPointer]) -> ([WebSocketFrame], WebSocketDecodeError?) {
        var decoder = WebSocketFrameDecoder(role: .server, frameBytesMax: 4_096, messageBytesMax: 8_192)
        var frames: [WebSocketFrame] = []
        for piece in pieces {
            decoder.feed(piece)
            do {
                while let frame = try decoder.next() { frames.append(frame) }
            } catch {
                return (frames, error)
            }
        }
        return (frames, nil)
    }
    let whole = frames([input])
    let dripped = frames(input.indices.map { UnsafeRawBufferPointer(rebasing: input[$0..<$0 + 1]) })
    precondition(whole.0 == dripped.0 && whole.1 == dripped.1, "WebSocket deliveries disagree")
    if !whole.0.isEmpty {
        var encoded: [UInt8] = []
        for frame in whole.0 {
            precondition(frame.payload.count <= 4_096 && (!frame.opcode.isControl || (frame.fin && frame.payload.count <= 125)))
            WebSocketFrameEncoder.encode(opcode: frame.opcode, fin: frame.fin, payload: frame.payload, maskingKey: [9, 8, 7, 6], into: &encoded)
        }
        let again = encoded.withUnsafeBytes { frames([$0]) }
        precondition(again.0 == whole.0 && again.1 == nil, "WebSocket frames do not round-trip")
    }
}
