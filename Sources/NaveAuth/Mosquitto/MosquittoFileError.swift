/// Why a file in one of Mosquitto's formats (password file, ACL file) was refused: the line and
/// what is wrong with it, never the line's text (it may hold a password hash).
public struct MosquittoFileError<Reason: RawRepresentable & Error & Equatable>: Error, Equatable, CustomStringConvertible
where Reason.RawValue == String {
    public let line: Int
    public let reason: Reason

    public init(line: Int, reason: Reason) {
        self.line = line
        self.reason = reason
    }

    public var description: String { "line \(line): \(reason.rawValue)" }
}
