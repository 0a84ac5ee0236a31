import NaveCodecTestSupport
import NaveModel
import Testing

/// ISO 8601 rendering and parsing of timestamps, as msrest/isodate read them (contract §4.3).
@Suite("Timestamp ISO 8601")
struct TimestampISO8601Tests {
    @Test("known instants render as IoT Hub writes them")
    func rendering() {
        let cases: [(Int64, String)] = [
            (0, "1970-01-01T00:00:00Z"),
            (1_704_067_200_000, "2024-01-01T00:00:00Z"),
            (1_704_067_200_123, "2024-01-01T00:00:00.123Z"),
            (1_704_067_200_005, "2024-01-01T00:00:00.005Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
            (1_709_164_800_000, "2024-02-29T00:00:00Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00Z"),
            (-62_135_596_800_000, "0001-01-01T00:00:00Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        ]
        for (milliseconds, text) in cases {
            #expect(Timestamp(millisecondsSinceEpoch: milliseconds).iso8601 == text)
            #expect(Timestamp(iso8601: text) == (milliseconds == -62_135_596_800_000 ? .never : Timestamp(millisecondsSinceEpoch: milliseconds)))
        }
    }

    @Test("never renders as 0001-01-01T00:00:00Z and parses back; out-of-range instants clamp")
    func never() {
        #expect(Timestamp.never.iso8601 == "0001-01-01T00:00:00Z")
        #expect(Timestamp(iso8601: "0001-01-01T00:00:00Z") == .never)
        #expect(Timestamp(iso8601: "0001-01-01T00:00:00+00:00") == .never)
        #expect(Timestamp(millisecondsSinceEpoch: -70_000_000_000_000).iso8601 == "0001-01-01T00:00:00Z")
        #expect(Timestamp(millisecondsSinceEpoch: .max).iso8601 == "9999-12-31T23:59:59.999Z")
    }

    @Test("accepted forms: 1–7 fraction digits (truncated to ms), Z or +00:00")
    func parsingForms() {
        let base: Int64 = 1_541_582_577_000  // 2018-11-07T09:22:57Z
        let cases: [(String, Int64)] = [
            ("2018-11-07T09:22:57Z", base),
            ("2018-11-07T09:22:57+00:00", base),
            ("2018-11-07T09:22:57.6Z", base + 600),
            ("2018-11-07T09:22:57.60Z", base + 600),
            ("2018-11-07T09:22:57.605Z", base + 605),
            ("2018-11-07T09:22:57.6054134Z", base + 605),
            ("2018-11-07T09:22:57.9999999+00:00", base + 999),
        ]
        for (text, milliseconds) in cases {
            #expect(Timestamp(iso8601: text) == Timestamp(millisecondsSinceEpoch: milliseconds), "\(text)")
        }
    }

    @Test("refused forms", arguments: [
        "", "2024-01-01", "2024-01-01T00:00:00", "2024-01-01 00:00:00Z", "2024-01-01t00:00:00Z",
        "2024-01-01T00:00:00z", "2024-01-01T00:00:00+01:00", "2024-01-01T00:00:00-00:00",
        "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00.12345678Z", "2024-1-01T00:00:00Z",
        "0000-01-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-00T00:00:00Z",
        "2024-01-32T00:00:00Z", "2024-04-31T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z", "2024-01-01T00:00:60Z",
        "+2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z ", "２０２４-01-01T00:00:00Z",
    ])
    func refused(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test("leap days exist exactly in leap years")
    func leapDays() {
        for year in [1600, 1996, 2000, 2004, 2024, 2400] {
            #expect(Timestamp(iso8601: "\(year)-02-29T12:00:00Z") != nil, "\(year)")
        }
        for year in [1700, 1800, 1900, 2023, 2100, 2200] {
            #expect(Timestamp(iso8601: "\(year)-02-29T12:00:00Z") == nil, "\(year)")
        }
        // The day after Feb 28 is Mar 1 in a common year, Feb 29 in a leap year.
        let day: Int64 = 86_400_000
        #expect(Timestamp(millisecondsSinceEpoch: Timestamp(iso8601: "2023-02-28T00:00:00Z")!.millisecondsSinceEpoch + day).iso8601
                == "2023-03-01T00:00:00Z")
        #expect(Timestamp(millisecondsSinceEpoch: Timestamp(iso8601: "2024-02-28T00:00:00Z")!.millisecondsSinceEpoch + day).iso8601
                == "2024-02-29T00:00:00Z")
    }

    @Test("random instants from year 1 to 9999 round-trip")
    func randomRoundTrip() {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<5_000 {
            let milliseconds = Int64.random(in: -62_135_596_799_999...253_402_300_799_999, using: &rng)
            let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
            #expect(Timestamp(iso8601: timestamp.iso8601) == timestamp, "\(milliseconds)")
        }
    }
}
