import Foundation

/// What `nave --version` prints: the release number and, when the binary still sits in the git
/// checkout it was built from (`.build*/debug/nave`), the commit checked out there.
enum NaveVersion {
    /// The release this source tree is; raised by whoever tags a release.
    static let number = "0.1.0"

    /// `0.1.0`, or `0.1.0 (revision 1a2b3c4d5e6f)` when the checkout is found.
    static var text: String {
        guard let revision = revision() else { return number }
        return "\(number) (revision \(revision.prefix(12)))"
    }

    /// The commit at HEAD of the checkout that holds the executable, or nil (an installed
    /// binary). Reads `.git` files only: the CLI does not depend on a `git` executable.
    static func revision(executable: String = CommandLine.arguments.first ?? "") -> String? {
        var folder = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            folder = folder.deletingLastPathComponent()
            if let gitDirectory = gitDirectory(in: folder) { return head(of: gitDirectory) }
        }
        return nil
    }

    /// `folder/.git`, or the directory a worktree's `.git` file points to.
    private static func gitDirectory(in folder: URL) -> String? {
        let dotGit = folder.appendingPathComponent(".git").path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dotGit, isDirectory: &isDirectory) else { return nil }
        if isDirectory.boolValue { return dotGit }
        guard let text = try? String(contentsOfFile: dotGit, encoding: .utf8), text.hasPrefix("gitdir: ") else { return nil }
        return text.dropFirst("gitdir: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// HEAD's commit: detached, a loose ref (here or in a worktree's common directory) or a packed one.
    private static func head(of gitDirectory: String) -> String? {
        func read(_ path: String) -> String? {
            (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let head = read(gitDirectory + "/HEAD") else { return nil }
        guard head.hasPrefix("ref: ") else { return head }
        let ref = String(head.dropFirst("ref: ".count))
        let common = read(gitDirectory + "/commondir").map { $0.hasPrefix("/") ? $0 : gitDirectory + "/" + $0 } ?? gitDirectory
        for directory in [gitDirectory, common] {
            if let commit = read(directory + "/" + ref) { return commit }
        }
        let packed = read(common + "/packed-refs") ?? ""
        return packed.split(separator: "\n").first { $0.hasSuffix(" " + ref) }.map { String($0.prefix { $0 != " " }) }
    }
}
