/// `nave serve --print-config`: the configuration in force, every key, one per line, YAML-ish
/// (`key: value  # source`), the source being `default`, `file:line`, `env NAVE_…` or `option --…`.
extension ConfigurationReader {
    public var effectiveListing: String {
        let width = effective.map { $0.key.count + $0.value.count + 2 }.max() ?? 0
        return effective.map { entry in
            let text = "\(entry.key): \(entry.value)"
            return text + String(repeating: " ", count: width - text.count) + "  # \(entry.origin)"
        }.joined(separator: "\n")
    }
}
