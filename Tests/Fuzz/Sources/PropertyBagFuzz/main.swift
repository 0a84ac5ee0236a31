import FuzzSupport
import NaveModel

/// libFuzzer entry point for the MQTT topic property bag (contract §1.7, §1.8).
///
/// Checks, for any input read as a bag: parsing refuses with a `HubError` or succeeds; an
/// accepted bag splits into system (`$.`) and application properties in order, with no empty
/// name; re-encoding them (as the SDKs write) parses back to the same properties, and that
/// encoding is a fixed point. The input is also read as a list of `name\0value\0…` fields:
/// any such properties (name non-empty) encode to a bag that parses back to them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    fuzzDecode(input.bytes.text)
    fuzzEncode(input)
    return 0
}

private func fuzzDecode(_ text: String) {
    guard let list = try? PropertyBag.decodeList(Substring(text)) else {
        precondition((try? PropertyBag.decode(Substring(text))) == nil, "decode and decodeList disagree on refusal")
        return
    }
    guard let (system, application) = try? PropertyBag.decode(Substring(text)) else {
        preconditionFailure("decodeList accepted a bag decode refuses")
    }
    precondition(list.allSatisfy { !$0.name.isEmpty }, "a property with an empty name")
    precondition(system.allSatisfy { $0.name.hasPrefix("$.") } && application.allSatisfy { !$0.name.hasPrefix("$.") })
    precondition(system.count + application.count == list.count, "properties lost in the split")
    precondition(system == list.filter { $0.name.hasPrefix("$.") } && application == list.filter { !$0.name.hasPrefix("$.") },
                 "split reorders properties")
    let encoded = PropertyBag.encode(system: system, application: application)
    guard encoded.utf8.count <= PropertyBag.bagBytesMax else { return }  // escapes can triple a bag
    guard let again = try? PropertyBag.decode(Substring(encoded)) else { preconditionFailure("encoded bag refused") }
    precondition(again.system == system && again.application == application, "bag does not round-trip")
    precondition(PropertyBag.encode(system: again.system, application: again.application) == encoded, "encoding is not a fixed point")
}

private func fuzzEncode(_ input: FuzzInput) {
    var properties: [MessageProperty] = []
    var rest = input.bytes[...]
    while !rest.isEmpty && properties.count < 16 {
        let pair = FuzzInput.fields(rest, 3)
        // A value field that starts with 0x01 stands for "no value" (`name` alone in the bag).
        let value: String? = pair[1].first == 1 ? nil : pair[1].text
        if !pair[0].isEmpty { properties.append(MessageProperty(pair[0].text, value)) }
        rest = pair[2]
    }
    let encoded = PropertyBag.encode(system: [], application: properties)
    guard encoded.utf8.count <= PropertyBag.bagBytesMax else { return }
    guard let list = try? PropertyBag.decodeList(Substring(encoded)) else { preconditionFailure("encoded properties refused") }
    precondition(list == properties, "properties do not round-trip through a bag")
}
