import NaveModel

/// One group of an aggregate query: its value of the grouping path, how many documents it
/// holds, and a running total per select item.
struct QueryGroup {
    let key: JSONValue?
    var documentCount = 0
    var totals: [QueryNumericTotal]

    init(key: JSONValue?, itemCount: Int) {
        self.key = key
        totals = Array(repeating: QueryNumericTotal(), count: itemCount)
    }

    /// The group's row (§1.6): the group value under its item's key (left out for the group
    /// of documents lacking the path), `COUNT()`, and the other aggregates (an AVG, MIN or MAX
    /// over no number is left out; SUM over none is 0).
    func row(items: [QuerySelectItem]) -> JSONObject {
        var object = JSONObject()
        for (index, item) in items.enumerated() {
            switch item.value {
            case .path:
                if let key { object[item.key] = key }
            case .aggregate(let aggregate):
                let total = totals[index]
                switch aggregate {
                case .count: object[item.key] = .integer(Int64(documentCount))
                case .sum: object[item.key] = total.sum
                case .average: if total.count > 0 { object[item.key] = .double(total.doubleSum / Double(total.count)) }
                case .min: object[item.key] = total.minimum
                case .max: object[item.key] = total.maximum
                }
            }
        }
        return object
    }
}

/// Running SUM, AVG, MIN and MAX over the numbers seen; anything else is skipped (§1.6).
struct QueryNumericTotal {
    var count = 0
    var integerSum: Int64 = 0
    /// False once a double was added or the integer sum overflowed: the sum is then `doubleSum`.
    var isExact = true
    var doubleSum = 0.0
    var minimum: JSONValue?
    var maximum: JSONValue?

    mutating func add(_ value: JSONValue) {
        guard let number = value.numberValue else { return }
        count += 1
        doubleSum += number
        if isExact, case .integer(let integer) = value {
            let (sum, overflow) = integerSum.addingReportingOverflow(integer)
            integerSum = sum
            isExact = !overflow
        } else {
            isExact = false
        }
        if minimum.map({ QueryComparison.order(value, $0)! < 0 }) ?? true { minimum = value }
        if maximum.map({ QueryComparison.order(value, $0)! > 0 }) ?? true { maximum = value }
    }

    var sum: JSONValue { isExact ? .integer(integerSum) : .double(doubleSum) }
}
