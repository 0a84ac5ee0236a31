import Foundation
import NaveCore
import NaveLimits
import NaveModel

/// `hub.routingFile`: a fixed routing setup read at start (issue #15, "for fixed setups").
enum RoutingFile {
    /// Largest routing file read, bytes (100 routes with 8 KB conditions fit well within).
    static let bytesMax = 4 << 20

    /// The configuration in the file at `path`; throws with the file named.
    static func load(_ path: String) throws -> RoutingConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationInvalid("hub.routingFile \(path) cannot be read")
        }
        guard data.count <= bytesMax else { throw ConfigurationInvalid("hub.routingFile \(path) is over \(bytesMax) bytes") }
        do {
            return try RoutingConfiguration(json: try JSONValue(parsing: [UInt8](data)))
        } catch {
            throw ConfigurationInvalid("hub.routingFile \(path): \(error)")
        }
    }
}
