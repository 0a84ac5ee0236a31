import NaveCore
import NaveModel
import Yams

/// The configuration file's `routing:` block (issue #15): ARM's routing shape, as
/// `hub.routingFile` takes it in JSON, written in YAML. Read with Yams (the flat key reader
/// cannot hold lists of objects), every field checked against the shape so a misspelt one is
/// refused with its line like any unknown key, then handed to the routing file's decoder.
enum RoutingBlock {
    /// Fields of each object of the shape (ARM's names; `settings` holds any endpoint setting).
    static let topFields: Set<String> = ["routes", "endpoints", "enrichments", "fallbackRoute"]
    static let routeFields: Set<String> = ["name", "source", "condition", "endpointNames", "isEnabled"]
    static let endpointFields: Set<String> = ["name", "endpointType", "settings"]
    static let enrichmentFields: Set<String> = ["key", "value", "endpointNames"]

    /// The block as JSON, or the problems found in it (each with its line).
    static func json(_ node: Node, fileName: String) -> Result<JSONValue, RoutingBlockProblems> {
        var problems = RoutingBlockProblems(fileName: fileName)
        guard let top = problems.object(node, "routing", fields: topFields) else { return .failure(problems) }
        var members: [(String, JSONValue)] = []
        for (key, value) in top {
            switch key {
            case "fallbackRoute":
                if let route = problems.object(value, "routing.fallbackRoute", fields: routeFields) {
                    members.append((key, .object(JSONObject(route.map { ($0.0, problems.field($0.0, $0.1, at: "routing.fallbackRoute")) }))))
                }
            default:
                let fields = key == "routes" ? routeFields : key == "endpoints" ? endpointFields : enrichmentFields
                members.append((key, .array(problems.objects(value, "routing.\(key)", fields: fields))))
            }
        }
        return problems.list.isEmpty ? .success(.object(JSONObject(members))) : .failure(problems)
    }
}

/// What `RoutingBlock` found wrong, as configuration problems naming `routing.…` and the line.
struct RoutingBlockProblems: Error {
    let fileName: String
    var list: [ConfigurationProblem] = []

    mutating func refuse(_ subject: String, _ node: Node, _ message: String) {
        list.append(ConfigurationProblem(subject: subject, origin: .file(name: fileName, line: node.mark?.line ?? 0), message: message))
    }

    /// A mapping whose keys are all in `fields`, as (key, value) pairs in file order.
    mutating func object(_ node: Node, _ path: String, fields: Set<String>) -> [(String, Node)]? {
        guard case .mapping(let mapping) = node else {
            refuse(path, node, "must be a mapping with \(fields.sorted().joined(separator: ", "))")
            return nil
        }
        var pairs: [(String, Node)] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard fields.contains(key) else {
                let near = NearestName.of(key, among: fields).map { "; did you mean \($0)?" } ?? ""
                refuse("\(path).\(key)", keyNode, "unknown key\(near)")
                continue
            }
            pairs.append((key, value))
        }
        return pairs
    }

    /// A sequence of such mappings, each converted to a JSON object.
    mutating func objects(_ node: Node, _ path: String, fields: Set<String>) -> [JSONValue] {
        guard case .sequence(let items) = node else {
            refuse(path, node, "must be a list")
            return []
        }
        var objects: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let at = "\(path)[\(index)]"
            guard let pairs = object(item, at, fields: fields) else { continue }
            objects.append(.object(JSONObject(pairs.map { ($0.0, field($0.0, $0.1, at: at)) })))
        }
        return objects
    }

    /// One field's value: `isEnabled` a boolean, `endpointNames` a list of names, `settings` a
    /// mapping of texts, anything else a text (a condition `true` stays the text "true").
    mutating func field(_ key: String, _ node: Node, at path: String) -> JSONValue {
        switch (key, node) {
        case ("isEnabled", .scalar(let scalar)) where scalar.string == "true" || scalar.string == "false":
            return .bool(scalar.string == "true")
        case ("endpointNames", .sequence(let items)) where items.allSatisfy({ $0.scalar != nil }):
            return .array(items.compactMap(\.string).map(JSONValue.string))
        case ("settings", .mapping(let mapping)) where mapping.allSatisfy({ $0.value.scalar != nil }):
            return .object(JSONObject(mapping.map { ($0.key.string ?? "", JSONValue.string($0.value.string ?? "")) }))
        case ("isEnabled", _), ("endpointNames", _), ("settings", _):
            refuse("\(path).\(key)", node, key == "isEnabled" ? "must be true or false"
                   : key == "endpointNames" ? "must be a list of endpoint names" : "must be a mapping of texts")
            return .null
        case (_, .scalar(let scalar)):
            return .string(scalar.string)
        default:
            refuse("\(path).\(key)", node, "must be a text")
            return .null
        }
    }
}

extension HubConfiguration {
    /// Reads the file's `routing:` block into `routing`, recording problems in `reader`: its
    /// shape's, the decoder's and the routing rules' (unknown endpoint, bad condition).
    mutating func readRoutingBlock(_ source: ConfigurationSource, reader: ConfigurationReader) {
        guard let node = source.blocks["routing"] else { return }
        let origin = ConfigurationSource.Origin.file(name: source.fileName ?? "", line: node.mark?.line ?? 0)
        switch RoutingBlock.json(node, fileName: source.fileName ?? "") {
        case .failure(let problems):
            reader.pass.problems += problems.list
        case .success(let json):
            do throws(HubError) {
                let configuration = try RoutingConfiguration(json: json)
                try configuration.validate()
                routing = configuration
                reader.pass.effective.append(("routing", "{routes: \(configuration.routes.count), endpoints: \(configuration.endpoints.count), "
                                              + "enrichments: \(configuration.enrichments.count)}", origin))
            } catch {
                reader.pass.problems.append(ConfigurationProblem(subject: "routing", origin: origin, message: "\(error)"))
            }
        }
        if routing != nil, !routingFile.isEmpty {
            reader.pass.problems.append(ConfigurationProblem(subject: "routing", origin: origin,
                                                             message: "is given in the file and by hub.routingFile: keep one"))
        }
    }
}
