/// The known name closest to a mistyped one, for "did you mean …?" (issue #16): by edit
/// distance, case-insensitively, when the distance is small against the name's length.
enum NearestName {
    /// Names longer than this are not compared (a configuration key is far shorter).
    static let nameBytesMax = 256

    static func of(_ name: String, among known: Set<String>) -> String? {
        let typed = Array(name.lowercased().utf8.prefix(nameBytesMax))
        var best: (name: String, distance: Int)?
        for candidate in known.sorted() {
            let distance = editDistance(typed, Array(candidate.lowercased().utf8.prefix(nameBytesMax)))
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best, best.distance <= max(2, typed.count / 5) else { return nil }
        return best.name
    }

    /// Levenshtein distance, one row at a time.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var row = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                row[j + 1] = Swift.min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
