/// Reads typed, range-checked values by key from a `ConfigurationSource`, and remembers every
/// key it was asked for: that set is the registry of known keys. A section registers its keys
/// by reading them (in its `read(_:)`, next to the fields they fill), nowhere else; whatever the
/// file or the environment holds that no section asked for is refused as unknown (`finish()`).
///
/// A value that does not parse or is out of range is recorded as a problem and the default is
/// kept, so one pass reports every mistake (issue #16: "report all mistakes at once").
public struct ConfigurationReader {
    /// What every scoped reader of one pass shares. A class: `scoped(to:)` views must add to
    /// the same lists; used on one thread during startup only.
    final class Pass {
        let source: ConfigurationSource
        var problems: [ConfigurationProblem] = []
        /// Every key asked for, in reading order, with the value in force and where it came from.
        var effective: [(key: String, value: String, origin: ConfigurationSource.Origin)] = []
        var known: Set<String> = []

        init(source: ConfigurationSource) {
            self.source = source
            problems = source.problems
        }
    }

    let pass: Pass
    let prefix: String

    public init(source: ConfigurationSource) {
        pass = Pass(source: source)
        prefix = ""
    }

    private init(pass: Pass, prefix: String) {
        self.pass = pass
        self.prefix = prefix
    }

    /// A reader whose keys are under `scope.` (as swift-configuration's `scoped(to:)`).
    public func scoped(to scope: String) -> ConfigurationReader {
        ConfigurationReader(pass: pass, prefix: prefix + scope + ".")
    }

    /// Every mistake so far.
    public var problems: [ConfigurationProblem] { pass.problems }
    /// Every key asked for, in reading order, with its value in force and its origin.
    public var effective: [(key: String, value: String, origin: ConfigurationSource.Origin)] { pass.effective }
    /// Every key asked for: the registry `Tuning/reference.yaml` must match.
    public var knownKeys: Set<String> { pass.known }

    /// Records a mistake about `key` that a section found itself (a relation, a file named
    /// by a key that cannot be read), naming the value's origin.
    public func refuse(_ key: String, _ message: String) {
        let full = prefix + key
        let entry = pass.source.entry(for: full)
        pass.problems.append(ConfigurationProblem(subject: full, value: entry?.raw.description, origin: entry?.origin, message: message))
    }

    /// Looks `key` up and converts it; nil when it is absent or refused (then recorded).
    /// `expected` completes "must be …" in the refusal.
    func value<T>(_ key: String, expected: String, render: (T) -> String, default fallback: T?,
                  _ convert: (ConfigurationSource.Raw, ConfigurationSource.Origin) -> T?) -> T? {
        let full = prefix + key
        pass.known.insert(full)
        guard let entry = pass.source.entry(for: full) else {
            pass.effective.append((full, fallback.map(render) ?? "(unset)", .defaultValue))
            return nil
        }
        guard let converted = convert(entry.raw, entry.origin) else {
            pass.problems.append(ConfigurationProblem(subject: full, value: entry.raw.description, origin: entry.origin,
                                                      message: "must be \(expected)"))
            pass.effective.append((full, fallback.map(render) ?? "(unset)", .defaultValue))
            return nil
        }
        pass.effective.append((full, render(converted), entry.origin))
        return converted
    }

    /// Records the end of a pass: every file key and `NAVE_*` variable nobody asked for is a
    /// problem, with the nearest known name when one is close (a typo).
    public func finish() {
        let source = pass.source
        for (key, entry) in source.fileEntries.sorted(by: { $0.key < $1.key }) where !pass.known.contains(key) {
            var message = "unknown key"
            if let near = NearestName.of(key, among: pass.known) { message += "; did you mean \(near)?" }
            pass.problems.append(ConfigurationProblem(subject: key, origin: entry.origin, message: message))
        }
        let variables = Dictionary(pass.known.map { (ConfigurationSource.environmentName(of: $0), $0) }) { first, _ in first }
        for variable in source.environment.keys.sorted() where variables[variable] == nil {
            var message = "unknown environment variable (NAVE_* variables are configuration keys)"
            if let near = NearestName.of(variable, among: Set(variables.keys)) { message += "; did you mean \(near)?" }
            pass.problems.append(ConfigurationProblem(subject: variable, origin: nil, message: message))
        }
    }
}
