import ArgumentParser
import NaveModel

/// `nave query "SELECT …"`: IoT Hub's query language over devices, modules and device jobs,
/// like `az iot hub query`. Prints one JSON object per row, following continuations.
struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Run a query (SELECT … FROM devices | devices.modules | devices.jobs [WHERE …] [GROUP BY …]).",
        discussion: """
            With -o json (the default for a pipe): one JSON object per line, printed as pages arrive;
            with -o table or tsv, the rows as a table once all pages are read. Examples:
              nave query "SELECT * FROM devices WHERE tags.site = 'b1'"
              nave query "SELECT properties.reported.status AS status, COUNT() AS n FROM devices GROUP BY properties.reported.status"
            """
    )

    @OptionGroup var hub: HubOptions
    @Argument(help: "The query text.") var text: String
    @Option(name: .long, help: "Print at most this many rows.") var top: Int?

    func validate() throws {
        if let top, top < 1 { throw ValidationError("--top must be at least 1") }
    }

    func run() async throws {
        let format = hub.format
        try await withHub(hub, printing: false) { access in
            // Kept only for a table, whose column widths need every row; JSON streams.
            var rows: [JSONValue] = []
            var printed = 0
            var continuation: String?
            defer { if format == .table || format == .tsv { format.print(.array(rows)) } }
            repeat {
                let page = try await access.query(text, continuation: continuation)
                for row in page.rows {
                    if let top, printed >= top { return nil }
                    switch format {
                    case .json: print(row.serializedString())
                    case .jsonc: format.print(row)
                    case .table, .tsv: rows.append(row)
                    }
                    printed += 1
                }
                continuation = page.continuation
            } while continuation != nil
            return nil
        }
    }
}
