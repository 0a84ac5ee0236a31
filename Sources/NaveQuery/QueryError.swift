import NaveModel

/// Why a query text was refused, and where: the REST layer answers it as 400 with IoT Hub's
/// `400004 ArgumentInvalid` (reference §1.8, whose code for query errors is unconfirmed) and
/// the message, which names what was expected, what was found and the position.
public struct QueryError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text does not follow the grammar of §1.3.
        case syntax
        /// FROM names something other than `devices`, `devices.modules`, `devices.jobs`.
        case unknownCollection
        /// A call to a function the dialect does not have (§1.5).
        case unknownFunction
        /// A known function with the wrong number of arguments.
        case wrongArgumentCount
        /// Valid grammar that IoT Hub refuses here: projection, aggregates or GROUP BY on
        /// `devices.jobs`, GROUP BY on `devices.modules`, `$` paths or `[i]` in the twin dialect…
        case unsupported
        /// One of `QueryLimits` (the associated name is the limit's property name).
        case limitExceeded(String)
    }

    public var kind: Kind
    /// What was expected and what was found, without the position.
    public var message: String
    /// 0-based offset in Unicode scalars from the start of the query text.
    public var offset: Int
    /// 1-based line of `offset` (lines end at "\n").
    public var line: Int
    /// 1-based column of `offset` on its line, in Unicode scalars.
    public var column: Int

    public init(_ kind: Kind, _ message: String, offset: Int, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// `message at line L, column C (offset O)`.
    public var description: String { "\(message) at line \(line), column \(column) (offset \(offset))" }

    /// What the REST layer sends: 400004 ArgumentInvalid with the whole description.
    public var hubError: HubError { .argumentInvalid("Invalid query: \(description).") }
}
