/// Topic names, topic filters and how they match (MQTT 3.1.1 §4.7).
///
/// All functions work on the UTF-8 bytes and allocate nothing. Matching compares bytes
/// exactly: MQTT applies no Unicode normalisation to topics (§4.7.3 [MQTT-4.7.3-4]), so two
/// strings Swift calls equal may still be different topics.
public enum MQTTTopic {
    static let separator = UInt8(ascii: "/")
    static let multiLevelWildcard = UInt8(ascii: "#")
    static let singleLevelWildcard = UInt8(ascii: "+")
    static let systemPrefix = UInt8(ascii: "$")
    /// A topic travels as a UTF-8 encoded string, whose length field is two bytes (§1.5.3).
    static let utf8BytesMax = Int(UInt16.max)

    /// Whether `name` may be published to: at least one character, no wildcard, no U+0000, at
    /// most 65,535 UTF-8 bytes (§3.3.2.1, §4.7.3).
    public static func isValidTopicName(_ name: String) -> Bool {
        name.utf8.count <= utf8BytesMax && topicNameViolation(name.utf8) == nil
    }

    /// Whether `filter` may be subscribed to: at least one character, `#` only alone as the
    /// last level, `+` only alone in a level, no U+0000, at most 65,535 UTF-8 bytes (§4.7.1,
    /// §4.7.3).
    public static func isValidTopicFilter(_ filter: String) -> Bool {
        filter.utf8.count <= utf8BytesMax && topicFilterViolation(filter.utf8) == nil
    }

    /// Whether `topic` (a name or a filter) has more than `levelsMax` levels (§4.7.1.1: levels
    /// are separated by `/`, empty ones included). Cheap when the topic is shorter than the
    /// limit, as nearly every topic is: n bytes hold at most n + 1 levels.
    public static func exceedsLevels(_ topic: String, max levelsMax: Int) -> Bool {
        let utf8 = topic.utf8
        guard utf8.count >= levelsMax else { return false }
        var separators = 0
        for byte in utf8 where byte == separator {
            separators += 1
            if separators >= levelsMax { return true }
        }
        return false
    }

    /// Whether a message published to `topicName` is delivered to a subscription on `filter`
    /// (§4.7).
    ///
    /// `+` matches exactly one level, which may be empty; `#` matches its parent level and
    /// any number of levels below (so `sport/#` matches `sport`). Topics starting with `$`
    /// are not matched by a filter starting with a wildcard (§4.7.2 [MQTT-4.7.2-1]). Both
    /// arguments are expected to be valid; for invalid ones the answer is unspecified but the
    /// function still returns.
    public static func matches(filter: String, topicName: String) -> Bool {
        let contiguous = filter.utf8.withContiguousStorageIfAvailable { filterBytes in
            topicName.utf8.withContiguousStorageIfAvailable { topicBytes in
                matches(filter: filterBytes, topicName: topicBytes)
            }
        }
        return (contiguous ?? nil) ?? matches(filter: filter.utf8, topicName: topicName.utf8)
    }

    /// Byte-level matching; see `matches(filter:topicName:)` on strings.
    static func matches<Filter: Collection<UInt8>, Name: Collection<UInt8>>(
        filter: Filter,
        topicName: Name
    ) -> Bool {
        if topicName.first == systemPrefix,
            filter.first == multiLevelWildcard || filter.first == singleLevelWildcard
        {
            return false
        }
        var filterStart = filter.startIndex
        var nameStart = topicName.startIndex
        while true {
            let filterEnd = filter[filterStart...].firstIndex(of: separator) ?? filter.endIndex
            let nameEnd = topicName[nameStart...].firstIndex(of: separator) ?? topicName.endIndex
            let level = filter[filterStart..<filterEnd]
            if isOnly(multiLevelWildcard, level) { return true }
            guard isOnly(singleLevelWildcard, level) || level.elementsEqual(topicName[nameStart..<nameEnd]) else {
                return false
            }
            let filterDone = filterEnd == filter.endIndex
            let nameDone = nameEnd == topicName.endIndex
            if filterDone || nameDone {
                guard !filterDone else { return nameDone }
                // The name ran out first: only a final "/#" still matches, as `#` includes
                // the parent level (§4.7.1.2).
                return isOnly(multiLevelWildcard, filter[filter.index(after: filterEnd)...])
            }
            filterStart = filter.index(after: filterEnd)
            nameStart = topicName.index(after: nameEnd)
        }
    }

    /// Why `name` is not a valid topic name, or nil (§3.3.2.1, §4.7.3). Length limits are the
    /// framing's concern and not checked here.
    static func topicNameViolation(_ name: some Collection<UInt8>) -> MQTTTopicViolation? {
        guard !name.isEmpty else { return .empty }
        for byte in name {
            switch byte {
            case multiLevelWildcard, singleLevelWildcard: return .wildcardInTopicName
            case 0: return .nullCharacter
            default: continue
            }
        }
        return nil
    }

    /// Why `filter` is not a valid topic filter, or nil (§4.7.1, §4.7.3).
    static func topicFilterViolation<Filter: Collection<UInt8>>(_ filter: Filter) -> MQTTTopicViolation? {
        guard !filter.isEmpty else { return .empty }
        var atLevelStart = true
        var index = filter.startIndex
        while index != filter.endIndex {
            let byte = filter[index]
            let next = filter.index(after: index)
            switch byte {
            case multiLevelWildcard:
                // "#" must be a whole level and the last one [MQTT-4.7.1-2].
                guard atLevelStart, next == filter.endIndex else { return .misplacedMultiLevelWildcard }
            case singleLevelWildcard:
                // "+" must be a whole level [MQTT-4.7.1-3].
                guard atLevelStart, next == filter.endIndex || filter[next] == separator else {
                    return .misplacedSingleLevelWildcard
                }
            case 0:
                return .nullCharacter
            default:
                break
            }
            atLevelStart = byte == separator
            index = next
        }
        return nil
    }

    /// Whether `level` is exactly the one byte `byte`.
    private static func isOnly(_ byte: UInt8, _ level: some Collection<UInt8>) -> Bool {
        var iterator = level.makeIterator()
        return iterator.next() == byte && iterator.next() == nil
    }
}
