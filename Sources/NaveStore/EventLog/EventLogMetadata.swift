import Foundation

/// `<directory>/events/eventlog.json`: what a log must be reopened with. Written once, after
/// every partition folder of a new log exists (atomically: temporary file, sync, rename, folder
/// sync), so a log with metadata has all its partitions and a missing folder is lost data.
struct EventLogMetadata: Codable, Equatable {
    static let fileName = "eventlog.json"
    static let currentFormatVersion = 1
    static let partitionerName = "fnv1a32-utf8-deviceid"

    var formatVersion: Int
    var partitionCount: Int
    /// Names the frozen device → partition function (`EventPartitioner`).
    var partitioner: String
    /// When the log was created: Event Hubs' `created_at` (contract §6.4).
    var createdAtMillis: Int64

    init(partitionCount: Int, createdAtMillis: Int64) {
        formatVersion = Self.currentFormatVersion
        self.partitionCount = partitionCount
        partitioner = Self.partitionerName
        self.createdAtMillis = createdAtMillis
    }

    /// The metadata in `directory`, nil for a log not created yet. Refuses another partition
    /// count or format.
    static func read(in directory: String, partitionCount: Int) throws(EventLogError) -> EventLogMetadata? {
        let path = directory + "/" + fileName
        guard LogDirectory.exists(path) else {
            // No metadata: a new log, or one whose creation a crash interrupted. Folders for
            // partitions beyond the count would mean a log created with more.
            for name in try LogDirectory.names(directory) where name.hasPrefix("p") {
                if let id = Int(name.dropFirst()), id >= partitionCount {
                    throw .invalidMetadata(path: path, reason: "missing, and partition folder \(name) exists")
                }
            }
            return nil
        }
        let file = try LogFile.open(path, create: false)
        let bytes = try file.read(count: Int(min(try file.size(), 1 << 16)), at: 0)
        guard let metadata = try? JSONDecoder().decode(EventLogMetadata.self, from: Data(bytes)) else {
            throw .invalidMetadata(path: path, reason: "not an event log metadata file")
        }
        guard metadata.formatVersion == currentFormatVersion, metadata.partitioner == partitionerName else {
            throw .invalidMetadata(path: path, reason: "format \(metadata.formatVersion), partitioner \(metadata.partitioner)")
        }
        guard metadata.partitionCount == partitionCount else {
            throw .partitionCountMismatch(recorded: metadata.partitionCount, requested: partitionCount)
        }
        for id in 0..<partitionCount where !LogDirectory.exists(directory + "/p\(id)") {
            throw .invalidMetadata(path: directory + "/p\(id)", reason: "partition folder is missing")
        }
        return metadata
    }

    func write(in directory: String) throws(EventLogError) {
        let path = directory + "/" + Self.fileName
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let bytes = try? encoder.encode(self) else { throw .invalidMetadata(path: path, reason: "cannot encode") }
        try LogDirectory.replace(path, with: Array(bytes), directory: directory)
    }
}
