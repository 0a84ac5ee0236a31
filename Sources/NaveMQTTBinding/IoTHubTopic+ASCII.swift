extension IoTHubTopic {
    /// The telemetry topic parsed over its bytes: `.notApplicable` when the topic does not
    /// start with `devices/` or holds a non-ASCII byte, else the parse, which agrees with
    /// `telemetry(_:)`.
    ///
    /// Every telemetry message runs this, and walking Characters (grapheme breaking, generic
    /// `starts(with:)`) cost about 1 µs of the ~18 µs a durable message took on the node. The
    /// Character walk stays for topics with non-ASCII bytes: there a combining mark after a `/`
    /// makes one Character with it, which the Character parser does not split on, and both
    /// parsers must give the same answer (`IoTHubTelemetryTopicTests`). Ids are ASCII in IoT Hub
    /// and the bag is percent-encoded (contract §1.6), so devices take this path.
    static func asciiTelemetry(_ topic: String) -> ASCIIParse {
        let utf8 = topic.utf8
        let parse = utf8.withContiguousStorageIfAvailable { bytes -> ByteParse in
            guard bytes.starts(with: devicesPrefix), !bytes.contains(where: { $0 >= 0x80 }) else { return .notApplicable }
            return .parsed(telemetryOffsets(bytes))
        }
        guard case .parsed(let parsed) = parse ?? .notApplicable else { return .notApplicable }
        guard let offsets = parsed else { return .parsed(nil) }
        func index(_ offset: Int) -> String.Index { utf8.index(utf8.startIndex, offsetBy: offset) }
        let moduleID = offsets.module.map { topic[index($0.lowerBound)..<index($0.upperBound)] }
        return .parsed(.telemetry(deviceID: topic[index(offsets.device.lowerBound)..<index(offsets.device.upperBound)],
                                  moduleID: moduleID, propertyBag: topic[index(offsets.bag)...]))
    }

    /// What the byte path made of a topic.
    enum ASCIIParse {
        /// Not a `devices/` topic, or not ASCII: the Character parser decides.
        case notApplicable
        /// The topic parsed (nil: not a well-formed telemetry topic).
        case parsed(IoTHubTopic?)
    }

    private enum ByteParse {
        case notApplicable
        case parsed(TelemetryOffsets?)
    }

    /// Byte ranges of a telemetry topic's parts (the bag runs to the end).
    private struct TelemetryOffsets {
        var device: Range<Int>
        var module: Range<Int>?
        var bag: Int
    }

    private static let devicesPrefix = Array("devices/".utf8)
    private static let modulesLevel = Array("modules/".utf8)
    private static let eventsLevel = Array("messages/events".utf8)
    private static let slash = UInt8(ascii: "/")

    /// `devices/{d}[/modules/{m}]/messages/events[/{bag}]` over bytes that start with `devices/`.
    private static func telemetryOffsets(_ bytes: UnsafeBufferPointer<UInt8>) -> TelemetryOffsets? {
        let deviceStart = devicesPrefix.count
        guard let deviceEnd = bytes[deviceStart...].firstIndex(of: slash) else { return nil }
        let device = deviceStart..<deviceEnd
        if let bag = bag(bytes, from: deviceEnd + 1) { return TelemetryOffsets(device: device, bag: bag) }
        let moduleStart = deviceEnd + 1 + modulesLevel.count
        guard bytes[(deviceEnd + 1)...].starts(with: modulesLevel),
              let moduleEnd = bytes[moduleStart...].firstIndex(of: slash),
              let bag = bag(bytes, from: moduleEnd + 1) else { return nil }
        return TelemetryOffsets(device: device, module: moduleStart..<moduleEnd, bag: bag)
    }

    /// Where the bag starts when `messages/events` is at `start`, followed by `/` or the end.
    private static func bag(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard bytes[start...].starts(with: eventsLevel) else { return nil }
        let end = start + eventsLevel.count
        if end == bytes.count { return end }
        return bytes[end] == slash ? end + 1 : nil
    }
}
