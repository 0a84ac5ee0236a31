/// One `name=value` pair of a query string, percent-decoded.
public struct QueryItem: Sendable, Hashable {
    public var name: String
    /// Empty when the pair had no `=` (`a&b=1` gives `a` with value "").
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// `a=b&c=d` splitting for the MQTT username query (contract §1.2) and SAS token fields (§1.3):
/// pairs in order, each split on its first `=` (base64 values end with `=`), empty segments
/// (`a=1&&b=2`, a trailing `&`) skipped as Python's `parse_qsl` skips them.
public enum QueryString {
    /// The raw (still encoded) pairs of `query`, in order. Never fails. Splits on the bytes `&`
    /// and `=` (ASCII, so every cut falls between characters) rather than on `Character`s, which
    /// is several times faster.
    public static func rawPairs(_ query: Substring) -> [(name: Substring, value: Substring)] {
        var pairs: [(name: Substring, value: Substring)] = []
        let bytes = query.utf8
        var start = bytes.startIndex
        var equals: String.Index?
        var index = start
        while true {
            let atEnd = index == bytes.endIndex
            let byte = atEnd ? UInt8(ascii: "&") : bytes[index]
            if byte == UInt8(ascii: "&") {
                if start != index {
                    if let equals {
                        pairs.append((query[start..<equals], query[bytes.index(after: equals)..<index]))
                    } else {
                        pairs.append((query[start..<index], query[index..<index]))
                    }
                }
                if atEnd { return pairs }
                start = bytes.index(after: index)
                equals = nil
            } else if byte == UInt8(ascii: "="), equals == nil {
                equals = index
            }
            index = bytes.index(after: index)
        }
    }

    /// The percent-decoded pairs of `query`, in order, or nil when a name or value has a bad
    /// escape or does not decode to UTF-8. `plusIsSpace` as in `PercentEncoding.decode`: off for
    /// IoT Hub, whose clients encode a space as `%20`.
    public static func parse(_ query: some StringProtocol, plusIsSpace: Bool = false) -> [QueryItem]? {
        var items: [QueryItem] = []
        for (name, value) in rawPairs(Substring(query)) {
            guard let name = PercentEncoding.decode(name, plusIsSpace: plusIsSpace),
                  let value = PercentEncoding.decode(value, plusIsSpace: plusIsSpace) else { return nil }
            items.append(QueryItem(name: name, value: value))
        }
        return items
    }
}
