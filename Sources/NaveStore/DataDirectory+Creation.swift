import Foundation

/// Whether opening a data directory may create it (issue #11). A directory nobody named — the
/// `./nave-data` default, resolved against whatever folder the command runs in — is never
/// created: a node started in the wrong folder would grow a second hub there (development CA key
/// included), and an admin command with a misspelt `--data-dir` would answer `[]` from an empty
/// store it had just made.
public enum DataDirectoryCreation: Sendable, Equatable {
    /// The user named the directory (`nave serve --data-dir`, `dataDirectory` in the YAML file or
    /// the environment, `nave certs init --data-dir`): make it, mode 0700, when missing.
    case createIfMissing
    /// Use the directory only if it exists; else `DataDirectoryError.missing`. For defaults, and
    /// for every command that reads or changes a hub (it has nothing to read in a new one).
    case requireExisting
}

extension DataDirectory {
    /// Makes sure a directory is at `path`: creates it (mode 0700, with missing parents) when
    /// `creation` allows, else throws `.missing` naming `path` as given. Throws `.unusable` for
    /// a path that is not a directory. Touches nothing inside it.
    public static func prepare(_ path: String, _ creation: DataDirectoryCreation) throws(DataDirectoryError) {
        guard creation == .createIfMissing || FileManager.default.fileExists(atPath: path) else {
            throw .missing(path: path)
        }
        try createDirectory(path)  // or, for one that exists, check that it is a directory
    }
}
