import Foundation

/// What the start line says this node is (issue #16): the release version, a constant here,
/// and the git revision it was built from, read at start from a `nave-revision` file beside
/// the executable that `scripts/serve` (and packaging) write after building. Nothing is
/// generated into the sources, so a bare `swift build` still works: its revision is "unknown".
public enum NaveVersion {
    public static let version = "0.1.0"

    /// The first line of `nave-revision` beside the executable, else "unknown".
    public static var revision: String {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let file = executable.deletingLastPathComponent().appendingPathComponent("nave-revision")
        guard let data = FileManager.default.contents(atPath: file.path), data.count <= revisionBytesMax,
              let line = String(data: data, encoding: .utf8)?.split(separator: "\n").first else { return "unknown" }
        return String(line)
    }

    /// Longest revision file read (a `git describe` line is far shorter).
    static let revisionBytesMax = 256
}
