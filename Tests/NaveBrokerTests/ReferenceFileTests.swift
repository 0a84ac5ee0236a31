import Foundation
import NaveNode
import Testing

/// `Tuning/reference.yaml` is the list of keys: the keys the node reads and the keys the file
/// documents (`#?` lines included: keys without a default) must be the same set, so they cannot
/// drift apart; and every `Tuning/profiles/*` file passes `nave config check`'s checks.
@Suite("Tuning/reference.yaml")
struct ReferenceFileTests {
    static let tuning = ConfigurationTests.root.appendingPathComponent("Tuning")

    @Test("the reference file and the reader know the same keys")
    func sameKeys() throws {
        let text = try String(contentsOf: Self.tuning.appendingPathComponent("reference.yaml"), encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: #"^(\s*)#\? "#, with: "$1", options: .regularExpression)
        }.joined(separator: "\n")
        let path = try StrictConfigurationTests.file(uncommented)
        let source = ConfigurationSource(configFile: path, environment: [:])
        #expect(source.problems.isEmpty)
        let documented = Set(source.fileEntries.keys).union(source.blocks.keys)
        let (_, reader) = try NaveConfiguration.resolve(configFile: path, environment: [:])
        let read = reader.knownKeys.union(ConfigurationSource.blockKeys)
        #expect(read.subtracting(documented).sorted() == [], "read by the node, missing from Tuning/reference.yaml")
        #expect(documented.subtracting(read).sorted() == [], "in Tuning/reference.yaml, unknown to the node")
        #expect(read.count > 100)
    }

    @Test("every profile passes the checks", arguments: try FileManager.default.contentsOfDirectory(
        atPath: ReferenceFileTests.tuning.appendingPathComponent("profiles").path).sorted())
    func profilePasses(_ name: String) throws {
        let path = Self.tuning.appendingPathComponent("profiles").appendingPathComponent(name).path
        _ = try NaveConfiguration.resolve(configFile: path, environment: [:])
    }
}
