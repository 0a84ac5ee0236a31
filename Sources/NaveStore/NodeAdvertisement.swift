import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a CLI needs to reach the node running on a data directory, kept in `<dir>/node.json`
/// while the node runs: `{"pid": 4242, "restAddress": "127.0.0.1:8443", "hostName": "hub.local",
/// "eventHubName": "hub"}`.
/// The node writes it once its listeners are bound; `DataDirectory.close()` removes it. It is only
/// trustworthy while `DataDirectory.isLocked` says a node holds the directory: after a crash
/// the file stays behind but the lock does not.
public struct NodeAdvertisement: Codable, Sendable, Equatable {
    /// The node's process id.
    public var pid: Int32
    /// Where the REST service API listens, `host:port` (an IPv6 host in brackets).
    public var restAddress: String
    /// The hub's host name, as devices and service clients address it (SAS `sr`, TLS SNI).
    public var hostName: String
    /// The events endpoint's Event Hub-compatible name (`EntityPath=`), which configuration may
    /// set apart from the host name. Nil in a node.json written before it was recorded.
    public var eventHubName: String?

    /// `pid` defaults to this process.
    public init(pid: Int32 = getpid(), restAddress: String, hostName: String, eventHubName: String? = nil) {
        self.pid = pid
        self.restAddress = restAddress
        self.hostName = hostName
        self.eventHubName = eventHubName
    }
}

extension DataDirectory {
    /// Writes `node.json` atomically (temporary file, then rename), so a reader sees the old
    /// advertisement or the new one, never half of one.
    public func advertise(_ advertisement: NodeAdvertisement) throws(DataDirectoryError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(advertisement)
            try data.write(to: URL(fileURLWithPath: advertisementFile), options: .atomic)
        } catch {
            throw .unusable(path: path, reason: "cannot write \(advertisementFile): \(error.localizedDescription)")
        }
    }

    /// Reads `<path>/node.json`; nil when there is none (no node, or it closed cleanly).
    /// Throws when the file exists but is not an advertisement.
    public static func readAdvertisement(in path: String) throws(DataDirectoryError) -> NodeAdvertisement? {
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        let file = advertisementFile(in: path)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch CocoaError.fileReadNoSuchFile {
            return nil
        } catch {
            throw .unusable(path: path, reason: "cannot read \(file): \(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(NodeAdvertisement.self, from: data)
        } catch {
            throw .unusable(path: path, reason: "cannot read \(file): \(error)")
        }
    }
}
