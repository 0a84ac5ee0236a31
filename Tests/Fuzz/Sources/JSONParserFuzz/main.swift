import NaveModel

/// libFuzzer entry point for NaveModel's JSON parser and the code that reads parsed bodies.
///
/// Checks, for any input: the parser neither crashes nor exceeds its (small, so the fuzzer
/// reaches them) limits; a refusal names an offset inside the input; an accepted document
/// serializes to exactly `serializedByteCount` bytes that parse back to an equal value and
/// re-serialize to the same bytes; merge patch is idempotent; the registry request readers
/// and the ISO 8601 parser never crash, and an accepted timestamp renders to text that parses
/// back to it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let limits = JSONLimits(documentBytesMax: 8_192, depthMax: 12, stringBytesMax: 512, numberBytesMax: 48)
    let value: JSONValue
    do {
        value = try JSONValue(parsing: input, limits: limits)
    } catch {
        precondition(error.offset >= 0 && error.offset <= input.count, "offset outside the input: \(error)")
        if error.reason == .documentTooLarge { precondition(input.count > limits.documentBytesMax) }
        precondition(input.count <= limits.documentBytesMax || error.reason == .documentTooLarge)
        fuzzTimestamp(String(decoding: input, as: UTF8.self))
        return 0
    }
    precondition(value.depth <= limits.depthMax, "depth limit exceeded")

    let bytes = value.serialized()
    precondition(bytes.count == value.serializedByteCount, "serializedByteCount disagrees")
    let roomy = JSONLimits(documentBytesMax: 1 << 20, depthMax: 12)
    let again: JSONValue
    do { again = try JSONValue(parsing: bytes, limits: roomy) } catch { preconditionFailure("canonical form refused: \(error)") }
    precondition(again == value && again.hashValue == value.hashValue, "round trip changed the value")
    precondition(again.serialized() == bytes, "canonical form is not a fixed point")

    // RFC 7396: applying the same patch twice changes nothing the second time.
    var target: JSONValue = ["a": 1, "b": ["c": .null]]
    target.merge(value)
    let once = target
    precondition(!target.merge(value) && target == once, "merge patch is not idempotent")

    // The registry readers refuse with HubError or accept; they must not trap.
    _ = try? DeviceRequest(json: value, pathDeviceID: "d")
    _ = try? ModuleRequest(json: value)
    _ = try? ExportImportDevice.bulkRequest(json: value)
    _ = try? SharedAccessPolicy(json: value)
    if case .string(let text) = value { fuzzTimestamp(text) }
    return 0
}

/// An accepted ISO 8601 text renders to text that parses back to the same instant.
private func fuzzTimestamp(_ text: String) {
    guard let timestamp = Timestamp(iso8601: text) else { return }
    precondition(Timestamp(iso8601: timestamp.iso8601) == timestamp, "ISO 8601 render does not parse back")
}
