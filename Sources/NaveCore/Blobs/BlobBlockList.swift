import NaveEncoding

/// Where Put Block List looks a block up (Blob REST "Put Block List": `Committed` in the blob's
/// committed list, `Uncommitted` among staged blocks, `Latest` staged first, then committed).
public enum BlockListSource: Sendable, Hashable {
    case committed
    case uncommitted
    case latest
}

/// One entry of a block list: the block id (its base64 text as sent) and where to find it.
public struct BlockListEntry: Sendable, Hashable {
    public var blockID: BlockID
    public var source: BlockListSource

    public init(blockID: BlockID, source: BlockListSource) {
        self.blockID = blockID
        self.source = source
    }
}

/// A block id: base64 text that decodes to at most 64 bytes (Blob REST "Put Block").
/// `text` is the id as the client sent it (the key blocks are found by).
public struct BlockID: Sendable, Hashable {
    public let text: String
    /// The decoded id's length; every id of one blob must have the same.
    public let decodedByteCount: Int

    /// Most bytes a decoded block id may have.
    public static let decodedBytesMax = 64

    public init(_ text: String) throws(BlobError) {
        guard !text.isEmpty, let decoded = Base64.decode(text), !decoded.isEmpty,
              decoded.count <= Self.decodedBytesMax else { throw .invalidBlockID() }
        self.text = text
        decodedByteCount = decoded.count
    }

    /// Lower-case hex of the id's UTF-8: a file-name-safe key (base64 holds `/` and `+`).
    public var fileKey: String { Hex.encode(Array(text.utf8)) }

    /// The id text a `fileKey` was made from; nil for anything else.
    public static func text(fromFileKey key: String) -> String? {
        Hex.decode(key).flatMap { String(validating: $0, as: UTF8.self) }
    }
}

/// The parsed body of Put Block List, with its rules checked.
public struct BlobBlockList: Sendable, Hashable {
    public var entries: [BlockListEntry]

    /// Most blocks in a committed blob (Azure: 50,000).
    public static let blocksMax = 50_000
    /// Largest block list body accepted, in bytes: 50,000 entries of `<Uncommitted>` plus a
    /// 88-character id each, with room for the declaration.
    public static let bodyBytesMax = 50_000 * 120 + 1_024

    public init(entries: [BlockListEntry]) throws(BlobError) {
        guard entries.count <= Self.blocksMax else { throw .invalidBlockList("more than \(Self.blocksMax) blocks") }
        if let first = entries.first, entries.contains(where: { $0.blockID.decodedByteCount != first.blockID.decodedByteCount }) {
            throw .invalidBlockList("block ids of one blob must have the same length")
        }
        self.entries = entries
    }

    /// Parses `<BlockList>` with `Latest`, `Committed` and `Uncommitted` children, in order.
    public init(xml body: [UInt8]) throws(BlobError) {
        guard body.count <= Self.bodyBytesMax else { throw .requestBodyTooLarge(bytesMax: Int64(Self.bodyBytesMax)) }
        guard let text = String(validating: body, as: UTF8.self) else { throw .invalidXML("not UTF-8") }
        var rest = text.drop { $0 == "\u{FEFF}" || $0.isWhitespace }
        if rest.hasPrefix("<?xml") {
            guard let end = rest.firstRange(of: "?>") else { throw .invalidXML("unterminated declaration") }
            rest = rest[end.upperBound...]
        }
        rest = rest.drop { $0.isWhitespace }
        guard rest.hasPrefix("<BlockList>") else { throw .invalidXML("the root element must be BlockList") }
        rest = rest.dropFirst("<BlockList>".count)
        var entries: [BlockListEntry] = []
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("</BlockList>") {
                guard rest.dropFirst("</BlockList>".count).allSatisfy(\.isWhitespace) else { throw .invalidXML("content after BlockList") }
                break
            }
            guard entries.count < Self.blocksMax else { throw .invalidBlockList("more than \(Self.blocksMax) blocks") }
            let (entry, after) = try Self.entry(rest)
            entries.append(entry)
            rest = after
        }
        try self.init(entries: entries)
    }

    private static func entry(_ text: Substring) throws(BlobError) -> (BlockListEntry, Substring) {
        for (tag, source) in [("Latest", BlockListSource.latest), ("Committed", .committed), ("Uncommitted", .uncommitted)] {
            let open = "<\(tag)>"
            guard text.hasPrefix(open) else { continue }
            let content = text.dropFirst(open.count)
            guard let close = content.firstRange(of: "</\(tag)>") else { throw .invalidXML("unterminated \(tag)") }
            guard let id = BlobXML.unescaped(content[..<close.lowerBound]) else { throw .invalidXML("unknown entity") }
            let blockID = try BlockID(id.trimmingWhitespace())
            return (BlockListEntry(blockID: blockID, source: source), content[close.upperBound...])
        }
        throw .invalidXML("expected Latest, Committed or Uncommitted")
    }
}

extension String {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
