import Foundation
import Testing

/// Reads the layer table in docs/architecture.md and every target's imports, and fails when an
/// import points sideways or up a layer, or a target is missing from the table.
@Suite("Architecture")
struct LayerTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// target → (layer, pure)
    static func layerTable() throws -> [String: (layer: Int, pure: Bool)] {
        let text = try String(contentsOf: root.appendingPathComponent("docs/architecture.md"), encoding: .utf8)
        var table: [String: (Int, Bool)] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, let layer = Int(cells[0]) else { continue }
            let pure = cells[3] == "yes"
            for name in cells[1].split(separator: ",") {
                table[name.trimmingCharacters(in: CharacterSet(charactersIn: " `"))] = (layer, pure)
            }
        }
        return table
    }

    /// target → modules it imports
    static func imports() throws -> [String: Set<String>] {
        let sources = root.appendingPathComponent("Sources")
        var result: [String: Set<String>] = [:]
        for target in try FileManager.default.contentsOfDirectory(atPath: sources.path) {
            var modules = Set<String>()
            let directory = sources.appendingPathComponent(target)
            let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    var words = line.split(separator: " ").map(String.init)
                    while let first = words.first, first.hasPrefix("@") || ["public", "internal", "package", "private"].contains(first) {
                        words.removeFirst()
                    }
                    guard words.count >= 2, words[0] == "import" else { continue }
                    let kinds = ["struct", "class", "enum", "protocol", "func", "var", "let", "typealias"]
                    let module = kinds.contains(words[1]) && words.count >= 3 ? words[2] : words[1]
                    modules.insert(String(module.split(separator: ".")[0]))
                }
            }
            result[target] = modules
        }
        return result
    }

    @Test("every target is in the layer table")
    func everyTargetHasALayer() throws {
        let table = try Self.layerTable()
        for target in try Self.imports().keys {
            #expect(table[target] != nil, "Sources/\(target) is not in docs/architecture.md's layer table")
        }
    }

    @Test("imports between targets point strictly down")
    func importsPointDown() throws {
        let table = try Self.layerTable()
        for (target, modules) in try Self.imports() {
            guard let own = table[target] else { continue }
            for module in modules {
                guard let imported = table[module] else { continue } // not ours: system or package
                #expect(imported.layer < own.layer,
                        "\(target) (layer \(own.layer)) imports \(module) (layer \(imported.layer))")
            }
        }
    }

    @Test("pure targets import neither Foundation nor the engine")
    func pureTargetsStayPure() throws {
        let table = try Self.layerTable()
        for (target, modules) in try Self.imports() where table[target]?.pure == true {
            for forbidden in ["Foundation", "FoundationNetworking", "NaveIO", "Dispatch", "Glibc", "CNaveURing"] {
                #expect(!modules.contains(forbidden), "\(target) is pure but imports \(forbidden)")
            }
        }
    }

    @Test("the table parser and import scanner see what they should")
    func scannerSanity() throws {
        let table = try Self.layerTable()
        #expect(table["NaveIO"]?.layer == 1)
        #expect(table["NaveMQTT"]?.pure == true)
        #expect(try Self.imports()["NaveIO"]?.contains("CNaveURing") == true)
    }
}
