import Foundation
import Yams

/// Where configuration values come from, before any is interpreted: the YAML file's leaves
/// (flattened to dotted keys, each with its line) and the `NAVE_*` environment variables.
/// Parsed with Yams directly, not through swift-configuration's provider, because only the
/// node tree carries line numbers, and a refusal must name the line (issue #16).
public struct ConfigurationSource {
    /// Where one value was found, as refusals and `--print-config` name it.
    public enum Origin: Sendable, Equatable, CustomStringConvertible {
        case defaultValue
        case file(name: String, line: Int)
        case environment(String)
        /// A command-line option of `nave serve` (`--port`), which wins over both.
        case option(String)

        public var description: String {
            switch self {
            case .defaultValue: "default"
            case .file(let name, let line): "\(name):\(line)"
            case .environment(let variable): "env \(variable)"
            case .option(let name): "option \(name)"
            }
        }
    }

    /// A leaf's raw text: one scalar, or a sequence of scalars (listeners).
    public enum Raw: Sendable, Equatable, CustomStringConvertible {
        case scalar(String)
        case list([String])
        /// A mapping where a value was expected; nothing can read it.
        case mapping

        public var description: String {
            switch self {
            case .scalar(let text): text
            case .list(let items): "[\(items.joined(separator: ", "))]"
            case .mapping: "{…}"
            }
        }
    }

    public struct Entry: Sendable {
        public var raw: Raw
        public var origin: Origin
    }

    /// Top-level blocks read whole rather than key by key (`routing:`, issue #15).
    public static let blockKeys: Set<String> = ["routing"]
    /// Nesting deeper than this in the file is refused rather than walked (the file is the
    /// operator's, but the walk still has a bound).
    public static let fileDepthMax = 16
    /// Largest configuration file read (bytes).
    public static let fileBytesMax = 4 << 20
    /// Environment variables with this prefix are configuration; every one must be known.
    public static let environmentPrefix = "NAVE_"

    /// The file's leaves by dotted key.
    public private(set) var fileEntries: [String: Entry] = [:]
    /// `NAVE_*` variables by name (prefix included).
    public private(set) var environment: [String: String] = [:]
    /// The file's top-level blocks (`routing`), as Yams nodes, with the file's name.
    public private(set) var blocks: [String: Node] = [:]
    public private(set) var fileName: String?
    /// Command-line options of `nave serve` by key, which win over the environment.
    public private(set) var options: [String: Entry] = [:]
    /// Mistakes found while reading the file itself (syntax, nesting, a mapping at the top).
    public private(set) var problems: [ConfigurationProblem] = []

    public init() {}

    /// Reads `configFile` (when given) and the `NAVE_*` entries of `environment`.
    public init(configFile: String?, environment: [String: String]) {
        self.environment = environment.filter { $0.key.hasPrefix(Self.environmentPrefix) }
        if let configFile { readFile(configFile) }
    }

    private mutating func readFile(_ path: String) {
        let name = (path as NSString).lastPathComponent
        fileName = name
        guard let data = FileManager.default.contents(atPath: path), data.count <= Self.fileBytesMax,
              let text = String(data: data, encoding: .utf8) else {
            problems.append(ConfigurationProblem(subject: path, origin: nil,
                                                 message: "cannot be read (missing, unreadable, not UTF-8 or over \(Self.fileBytesMax) bytes)"))
            return
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            problems.append(ConfigurationProblem(subject: name, origin: nil, message: "is not valid YAML: \(error)"))
            return
        }
        guard let root else { return }   // an empty file: every default
        guard case .mapping(let top) = root else {
            problems.append(ConfigurationProblem(subject: name, origin: .file(name: name, line: root.mark?.line ?? 1),
                                                 message: "must be a mapping of keys"))
            return
        }
        for (key, value) in top where Self.blockKeys.contains(key.string ?? "") {
            blocks[key.string ?? ""] = value
        }
        flatten(top, prefix: "", fileName: name)
    }

    /// Walks the mappings with an explicit stack (depth-limited), recording every leaf.
    private mutating func flatten(_ top: Node.Mapping, prefix: String, fileName name: String) {
        var stack: [(Node.Mapping, String, Int)] = [(top, prefix, 1)]
        while let (mapping, prefix, depth) = stack.popLast() {
            for (keyNode, value) in mapping {
                let line = keyNode.mark?.line ?? 0
                let key = prefix + (keyNode.string ?? "\(keyNode)")
                if prefix.isEmpty, Self.blockKeys.contains(key) { continue }
                switch value {
                case .mapping(let inner) where depth < Self.fileDepthMax:
                    stack.append((inner, key + ".", depth + 1))
                case .mapping:
                    fileEntries[key] = Entry(raw: .mapping, origin: .file(name: name, line: line))
                case .sequence(let items):
                    let scalars = items.compactMap(\.string)
                    fileEntries[key] = Entry(raw: scalars.count == items.count ? .list(scalars) : .mapping,
                                             origin: .file(name: name, line: line))
                case .scalar(let scalar):
                    // A plain `~`, `null` or nothing leaves the key unset (its default).
                    if scalar.style == .plain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) { continue }
                    fileEntries[key] = Entry(raw: .scalar(scalar.string), origin: .file(name: name, line: line))
                case .alias:
                    fileEntries[key] = Entry(raw: .mapping, origin: .file(name: name, line: line))
                }
            }
        }
    }

    /// `mqtt.maximumPacketBytes` → `NAVE_MQTT_MAXIMUM_PACKET_BYTES`: upper-cased, `_` at dots
    /// and before an upper-case letter that follows a lower-case letter or digit.
    public static func environmentName(of key: String) -> String {
        var name = environmentPrefix
        var previous: Character = "."
        for character in key {
            if character == "." {
                name.append("_")
            } else {
                if character.isUppercase, previous.isLowercase || previous.isNumber { name.append("_") }
                name.append(contentsOf: character.uppercased())
            }
            previous = character
        }
        return name
    }

    /// Sets `key` from the command-line option `option` (`--port`): it wins over the rest.
    public mutating func override(_ key: String, with text: String, option: String) {
        options[key] = Entry(raw: .scalar(text), origin: .option(option))
    }

    /// The value of `key`: an option's, else the environment's, else the file's.
    func entry(for key: String) -> Entry? {
        if let entry = options[key] { return entry }
        let variable = Self.environmentName(of: key)
        if let text = environment[variable] {
            return Entry(raw: .scalar(text), origin: .environment(variable))
        }
        return fileEntries[key]
    }
}
