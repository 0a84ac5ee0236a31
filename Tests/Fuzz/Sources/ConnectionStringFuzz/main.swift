import FuzzSupport
import NaveAuth

/// libFuzzer entry point for IoT Hub connection strings (contract §3, §4.1).
///
/// Checks, for any input read as a connection string: parsing refuses with a
/// `ConnectionStringError` or succeeds with a non-empty `HostName`; an accepted string's
/// `formatted` text parses back to an equal value and is a fixed point; `description` is
/// `formatted` with exactly the two secrets replaced. The input is also cut into the eight
/// values: any ASCII values without `;` (and a `HostName`) format to text that parses back to them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    fuzzParse(input.bytes.text)
    fuzzFormat(input)
    return 0
}

private func fuzzParse(_ text: String) {
    let parsed: ConnectionString
    do {
        parsed = try ConnectionString(parsing: text)
    } catch {
        precondition(!error.description.isEmpty)
        return
    }
    precondition(!parsed.hostName.isEmpty, "accepted without HostName")
    checkFormatted(parsed)
}

private func checkFormatted(_ value: ConnectionString) {
    let text = value.formatted
    guard let again = try? ConnectionString(parsing: text) else { preconditionFailure("formatted text refused") }
    precondition(again == value, "formatted text parses to another value")
    precondition(again.formatted == text, "formatted is not a fixed point")
    var redacted = value
    redacted.sharedAccessKey = value.sharedAccessKey.map { _ in "<redacted>" }
    redacted.sharedAccessSignature = value.sharedAccessSignature.map { _ in "<redacted>" }
    precondition(value.description == redacted.formatted, "description is not formatted with the secrets hidden")
    precondition(String(describing: value.customMirror.children.map(\.value)) == String(describing: [value.description]),
                 "the mirror shows more than the redacted text")
}

private func fuzzFormat(_ input: FuzzInput) {
    // Values hold no `;` (see `formatted`), and only ASCII, as host names, ids and base64 keys
    // do: the parser splits on Characters, so a value starting with a combining mark would fuse
    // with the `=` before it (and one ending with a prepended mark with the `;` after it).
    let values = input.fields(ConnectionString.keys.count).map { $0.isEmpty ? nil : $0.text }
    let representable = values.allSatisfy { value in
        value.map { !$0.contains(";") && $0.unicodeScalars.allSatisfy(\.isASCII) } ?? true
    }
    guard let hostName = values[0], representable else { return }
    checkFormatted(ConnectionString(hostName: hostName, deviceID: values[1], moduleID: values[2],
                                    sharedAccessKeyName: values[3], sharedAccessKey: values[4],
                                    sharedAccessSignature: values[5], gatewayHostName: values[6], x509: values[7]))
}
