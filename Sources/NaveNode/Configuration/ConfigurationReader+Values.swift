/// The typed reads. Each names what it expects, so a refusal can say it: "must be an integer
/// in 64…268435460", "must be true or false", "must be one of automatic, io_uring, epoll".
extension ConfigurationReader {
    /// An integer in `range` (both ends inclusive); absent: `fallback`.
    public func int(forKey key: String, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        int(forKey: key, in: range, fallback: fallback) ?? fallback
    }

    /// An integer in `range`, or nil when unset (a default computed later, e.g. `router.shards`).
    public func int(forKey key: String, in range: ClosedRange<Int>) -> Int? {
        int(forKey: key, in: range, fallback: nil)
    }

    private func int(forKey key: String, in range: ClosedRange<Int>, fallback: Int?) -> Int? {
        value(key, expected: "an integer in \(Self.describe(range))", render: { String($0) }, default: fallback) { raw, _ in
            guard case .scalar(let text) = raw, let number = Int(text.replacingUnderscores()), range.contains(number) else { return nil }
            return number
        }
    }

    /// `true` or `false`; absent: `fallback`.
    public func bool(forKey key: String, default fallback: Bool) -> Bool {
        bool(forKey: key, fallback: fallback) ?? fallback
    }

    /// `true` or `false`, or nil when unset (a default that depends on other keys).
    public func bool(forKey key: String) -> Bool? {
        bool(forKey: key, fallback: nil)
    }

    private func bool(forKey key: String, fallback: Bool?) -> Bool? {
        value(key, expected: "true or false", render: { String($0) }, default: fallback) { raw, _ in
            guard case .scalar(let text) = raw else { return nil }
            return ["true": true, "false": false][text]
        }
    }

    /// Any text; `check` returns why a text is refused ("a host name"), or nil to accept it.
    public func string(forKey key: String, default fallback: String, expected: String = "text",
                       check: (String) -> Bool = { _ in true }) -> String {
        string(forKey: key, fallback: fallback, expected: expected, check: check) ?? fallback
    }

    /// Any text, or nil when unset.
    public func string(forKey key: String) -> String? {
        string(forKey: key, fallback: nil, expected: "text") { _ in true }
    }

    private func string(forKey key: String, fallback: String?, expected: String, check: (String) -> Bool) -> String? {
        value(key, expected: expected, render: Self.quoted, default: fallback) { raw, _ in
            guard case .scalar(let text) = raw, check(text) else { return nil }
            return text
        }
    }

    /// One of `cases`, by raw value.
    public func choice<T: RawRepresentable>(forKey key: String, default fallback: T, among cases: [T]) -> T where T.RawValue == String {
        let names = cases.map(\.rawValue).joined(separator: ", ")
        return value(key, expected: "one of \(names)", render: \.rawValue, default: fallback) { raw, _ in
            guard case .scalar(let text) = raw else { return nil }
            return T(rawValue: text).flatMap { choice in cases.contains { $0.rawValue == choice.rawValue } ? choice : nil }
        } ?? fallback
    }

    /// Listener addresses, "host:port" each with a numeric IPv4 or [IPv6] host and a port
    /// 0…65535. The file gives a YAML list; an environment variable a comma-separated one.
    public func listeners(forKey key: String, default fallback: [NaveConfiguration.Listener]) -> [NaveConfiguration.Listener] {
        let render = { (listeners: [NaveConfiguration.Listener]) in "[" + listeners.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return value(key, expected: "a list of \"host:port\" (numeric IPv4 or [IPv6], port 0…65535)", render: render,
                     default: fallback) { raw, origin in
            let items: [String]
            switch (raw, origin) {
            case (.list(let list), _): items = list
            case (.scalar(let text), .environment), (.scalar(let text), .option): items = text.split(separator: ",").map { String($0).trimmingWhitespace() }
            case (.scalar(let text), _): items = [text]
            case (.mapping, _): return nil
            }
            let parsed = items.compactMap { try? NaveConfiguration.parseListener($0) }
            guard parsed.count == items.count, parsed.allSatisfy({ $0.socketAddress != nil }) else { return nil }
            return parsed
        } ?? fallback
    }

    /// "64…268435460", with "…" alone at an open end.
    static func describe(_ range: ClosedRange<Int>) -> String {
        range.upperBound == Int.max ? "\(range.lowerBound)…" : "\(range.lowerBound)…\(range.upperBound)"
    }

    static func quoted(_ text: String) -> String { "\"\(text)\"" }
}

extension String {
    /// "1_000_000" reads as 1000000, as YAML 1.1 writes large integers.
    fileprivate func replacingUnderscores() -> String { filter { $0 != "_" } }

    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
