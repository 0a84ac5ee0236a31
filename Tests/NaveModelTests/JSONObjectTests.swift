import NaveModel
import Testing

/// `JSONObject` keeps member order and finds keys both ways: by scanning while small, through
/// its position table once it outgrows `linearLookupCountMax` (16) members.
@Suite("JSONObject lookups, small and large")
struct JSONObjectTests {
    /// Builds an object of `count` members k0…k(count-1) = 0…count-1 and checks every lookup,
    /// replacement and removal against a plain array model, across the 16-member threshold.
    @Test("every operation agrees with an ordered array model", arguments: [1, 15, 16, 17, 40])
    func model(count: Int) {
        var object = JSONObject()
        var model: [(String, JSONValue)] = []
        for index in 0..<count {
            let appended = object.appendNew("k\(index)", .integer(Int64(index)))
            #expect(appended)
            model.append(("k\(index)", .integer(Int64(index))))
        }
        let duplicate = object.appendNew("k0", .null)
        #expect(!duplicate, "a duplicate is refused")
        object["k0"] = "replaced"
        model[0].1 = "replaced"
        // Remove every third member, from the middle outward, then add two back.
        for index in stride(from: count - 1, through: 0, by: -3) {
            let removed = object.removeValue(forKey: "k\(index)")
            #expect(removed != nil)
            model.removeAll { $0.0 == "k\(index)" }
        }
        object["new"] = true
        object["k1"] = 99
        model.append(("new", true))
        if let position = model.firstIndex(where: { $0.0 == "k1" }) { model[position].1 = 99 } else { model.append(("k1", 99)) }
        #expect(object.keys == model.map(\.0))
        for (position, (key, value)) in model.enumerated() {
            #expect(object[key] == value)
            #expect(object.index(forKey: key) == position)
        }
        #expect(object["absent"] == nil)
        let absent = object.removeValue(forKey: "absent")
        #expect(absent == nil)
    }
}
