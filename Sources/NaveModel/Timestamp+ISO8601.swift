/// ISO 8601 / RFC 3339 UTC text for timestamps in REST bodies and twin metadata (contract
/// §4.3: msrest parses these fields with isodate; IoT Hub writes `0001-01-01T00:00:00Z` for
/// "never"). Pure arithmetic on the proleptic Gregorian calendar (H. Hinnant's
/// `days_from_civil` / `civil_from_days`), no Foundation.
extension Timestamp {
    private static let millisecondsPerDay: Int64 = 86_400_000
    /// 0001-01-01T00:00:00Z, the earliest instant rendered; also IoT Hub's "never".
    static let earliestMilliseconds = daysFromCivil(year: 1, month: 1, day: 1) * millisecondsPerDay
    /// 9999-12-31T23:59:59.999Z, the latest instant rendered (four-digit years only).
    static let latestMilliseconds = daysFromCivil(year: 10_000, month: 1, day: 1) * millisecondsPerDay - 1

    /// `2024-01-01T00:00:00Z` for whole seconds, `2024-01-01T00:00:00.123Z` otherwise (always
    /// three fraction digits then). `never`, and anything before year 1, renders as IoT Hub's
    /// `0001-01-01T00:00:00Z`; anything after year 9999 as its last millisecond.
    public var iso8601: String {
        let milliseconds = min(max(millisecondsSinceEpoch, Self.earliestMilliseconds), Self.latestMilliseconds)
        let days = Self.floorDivide(milliseconds, Self.millisecondsPerDay)
        let ofDay = milliseconds - days * Self.millisecondsPerDay
        let (year, month, day) = Self.civilFromDays(days)
        var text: [UInt8] = []
        text.reserveCapacity(24)
        Self.appendDigits(year, count: 4, to: &text)
        text.append(UInt8(ascii: "-"))
        Self.appendDigits(month, count: 2, to: &text)
        text.append(UInt8(ascii: "-"))
        Self.appendDigits(day, count: 2, to: &text)
        text.append(UInt8(ascii: "T"))
        Self.appendDigits(ofDay / 3_600_000, count: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        Self.appendDigits(ofDay / 60_000 % 60, count: 2, to: &text)
        text.append(UInt8(ascii: ":"))
        Self.appendDigits(ofDay / 1_000 % 60, count: 2, to: &text)
        if ofDay % 1_000 != 0 {
            text.append(UInt8(ascii: "."))
            Self.appendDigits(ofDay % 1_000, count: 3, to: &text)
        }
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.f]Z` or `…+00:00` (RFC 3339 §5.6, UTC only), with 1–7
    /// fraction digits as IoT Hub and .NET write them; digits past milliseconds are truncated.
    /// `0001-01-01T00:00:00Z` parses as `never`. Nil for anything else, including impossible
    /// dates (February 30th, 24:00, leap second 60).
    public init?(iso8601 text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20,
              let year = Self.number(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
              let month = Self.number(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"),
              let day = Self.number(bytes, 8, 2), bytes[10] == UInt8(ascii: "T"),
              let hour = Self.number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
              let minute = Self.number(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
              let second = Self.number(bytes, 17, 2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second < 60 else { return nil }
        var index = 19
        var milliseconds: Int64 = 0
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < bytes.count, let digit = Self.number(bytes, index, 1) {
                if digits < 3 { milliseconds = milliseconds * 10 + digit }
                digits += 1
                index += 1
            }
            guard (1...7).contains(digits) else { return nil }
            if digits < 3 {
                for _ in digits..<3 { milliseconds *= 10 }
            }
        }
        let zone = bytes[index...]
        guard zone.elementsEqual("Z".utf8) || zone.elementsEqual("+00:00".utf8) else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let total = days * Self.millisecondsPerDay + ((hour * 60 + minute) * 60 + second) * 1_000 + milliseconds
        self = total == Self.earliestMilliseconds ? .never : Timestamp(millisecondsSinceEpoch: total)
    }

    /// `count` ASCII digits at `offset`, nil if any is missing or not a digit.
    private static func number(_ bytes: [UInt8], _ offset: Int, _ count: Int) -> Int64? {
        guard offset + count <= bytes.count else { return nil }
        var value: Int64 = 0
        for byte in bytes[offset..<offset + count] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func appendDigits(_ value: Int64, count: Int, to text: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<count { divisor *= 10 }
        while divisor > 0 {
            text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant, `days_from_civil`): years
    /// are shifted to start in March so the leap day ends the year; eras are 400 years.
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = floorDivide(shiftedYear, 400)
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of a day count since 1970-01-01 (Hinnant, `civil_from_days`).
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = floorDivide(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
