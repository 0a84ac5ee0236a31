import NaveEncoding
import NaveModel

/// Where the next page of a query starts (`x-ms-continuation`, §1.7 of the query reference).
///
/// Rows that stand for one identity each (`SELECT *` and projections) resume **after the last
/// identity shown**, in `IdentityKey` order, and the query runs again from there: a device that
/// existed for the whole query is shown exactly once whatever is created, deleted or changed in
/// between, and nothing is held on the node between pages. Aggregate rows (COUNT, GROUP BY) are
/// computed again and resume at a row offset. `rowsShown` carries a `TOP n` budget across pages.
///
/// The token is opaque to clients; it names a hash of the query text, so a token replayed with
/// another query is refused (400) rather than resuming somewhere meaningless.
public struct QueryContinuation: Sendable, Equatable {
    /// FNV-1a of the query's text.
    public var queryHash: UInt64
    /// Rows shown on earlier pages (against TOP).
    public var rowsShown: Int
    /// Resume after this identity (identity rows); nil for aggregate rows.
    public var after: IdentityKey?
    /// Resume at this row (aggregate rows).
    public var rowOffset: Int

    public init(queryHash: UInt64, rowsShown: Int, after: IdentityKey?, rowOffset: Int = 0) {
        self.queryHash = queryHash
        self.rowsShown = rowsShown
        self.after = after
        self.rowOffset = rowOffset
    }

    /// 64-bit FNV-1a of `text`'s UTF-8: a fingerprint, not a secret.
    public static func hash(of text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// The token: base64 of `v1;hash;shown;offset;device;module` (ids percent-encoded, `-` for none).
    public var token: String {
        let device = after.map { PercentEncoding.encode($0.deviceID) } ?? "-"
        let module = after?.moduleID.map { PercentEncoding.encode($0) } ?? "-"
        let text = "v1;\(String(queryHash, radix: 16));\(rowsShown);\(rowOffset);\(device);\(module)"
        return Base64.encode(Array(text.utf8))
    }

    /// Longest token accepted, characters (a device and a module id of 128 characters each,
    /// percent-encoded three times over, in base64, with room to spare).
    public static let tokenCharactersMax = 2048

    /// Parses a token this type made for the query whose text hashes to `queryHash`;
    /// ArgumentInvalid for anything else.
    public init(token: String, queryHash expected: UInt64) throws(HubError) {
        let refusal = HubError.argumentInvalid("The continuation token is not one this query issued.")
        guard token.utf8.count <= Self.tokenCharactersMax, let bytes = Base64.decode(token),
              let text = String(validating: bytes, as: UTF8.self) else { throw refusal }
        let fields = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 6, fields[0] == "v1", let hash = UInt64(fields[1], radix: 16), hash == expected,
              let shown = Int(fields[2]), shown >= 0, let offset = Int(fields[3]), offset >= 0 else { throw refusal }
        var after: IdentityKey?
        if fields[4] != "-" {
            guard let device = PercentEncoding.decode(fields[4]) else { throw refusal }
            var module: String?
            if fields[5] != "-" {
                guard let decoded = PercentEncoding.decode(fields[5]) else { throw refusal }
                module = decoded
            }
            after = IdentityKey(deviceID: device, moduleID: module)
        }
        self.init(queryHash: hash, rowsShown: shown, after: after, rowOffset: offset)
    }
}
