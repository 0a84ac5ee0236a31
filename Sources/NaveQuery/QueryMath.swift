import NaveModel

/// The numeric helpers routing's functions need, written here because a pure module imports
/// neither Foundation nor Glibc (docs/architecture.md): `exp`, `log` and `pow` to within a few
/// units in the last place, and `AS_NUMBER`'s strict decimal reading.
enum QueryMath {
    private static let ln2High = 6.93147180369123816490e-01
    private static let ln2Low = 1.90821492927058770002e-10

    /// e^x by range reduction (x = k·ln 2 + r, |r| ≤ ln 2 / 2) and a Taylor series for e^r.
    static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.8 { return .infinity }
        if x < -745.2 { return 0 }
        let k = (x / (ln2High + ln2Low)).rounded()
        let r = (x - k * ln2High) - k * ln2Low
        var term = 1.0
        var sum = 1.0
        for n in 1...24 {
            term *= r / Double(n)
            sum += term
        }
        return scale(sum, by: Int(k))
    }

    /// sum · 2^k, in two steps so neither overflows nor underflows too early.
    private static func scale(_ value: Double, by k: Int) -> Double {
        let half = k / 2
        return value * Double(sign: .plus, exponent: half, significand: 1)
            * Double(sign: .plus, exponent: k - half, significand: 1)
    }

    /// ln x for x > 0: x = m·2^e with m in [√½, √2), ln m = 2·atanh(s), s = (m−1)/(m+1).
    static func log(_ x: Double) -> Double {
        guard x > 0 else { return x == 0 ? -.infinity : .nan }
        guard x.isFinite else { return x }
        var exponent = Int(x.exponent)
        var m = x.significand
        if m > 2.0.squareRoot() {
            m /= 2
            exponent += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var power = s
        var sum = 0.0
        var n = 1.0
        while n < 40 {
            sum += power / n
            power *= s2
            n += 2
        }
        return Double(exponent) * ln2High + (Double(exponent) * ln2Low + 2 * sum)
    }

    /// x^y; NaN where the result is not real (a negative base with a fractional exponent).
    static func power(_ x: Double, _ y: Double) -> Double {
        if y == 0 { return 1 }
        if x == 0 { return y > 0 ? 0 : .infinity }
        if y.rounded() == y, Swift.abs(y) <= 64 {
            var result = 1.0
            for _ in 0..<Int(Swift.abs(y)) { result *= x }
            return y < 0 ? 1 / result : result
        }
        if x < 0 {
            guard y.rounded() == y else { return .nan }
            let magnitude = exp(y * log(-x))
            return y.truncatingRemainder(dividingBy: 2) == 0 ? magnitude : -magnitude
        }
        return exp(y * log(x))
    }

    /// base^exponent in integers when exact and in range; nil otherwise.
    static func power(_ base: Int64, _ exponent: Int64) -> Int64? {
        guard exponent >= 0 else { return nil }
        var result: Int64 = 1
        var remaining = exponent
        while remaining > 0 {
            let (next, overflow) = result.multipliedReportingOverflow(by: base)
            if overflow { return nil }
            result = next
            remaining -= 1
            if result == 0 || base == 1 { return result }
            if base == -1 { return remaining % 2 == 0 ? result : -result }
        }
        return result
    }

    /// `AS_NUMBER`'s reading of a string: an optional minus, digits, an optional fraction and
    /// exponent (JSON's number grammar, leading zeros allowed); nil for anything else, so
    /// `"inf"`, `"nan"` and hex give `undefined`.
    static func number(_ text: String) -> JSONValue? {
        let bytes = Array(text.utf8)
        var position = 0
        func digits() -> Int {
            let start = position
            while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") { position += 1 }
            return position - start
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard digits() > 0 else { return nil }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits() > 0 else { return nil }
            isInteger = false
        }
        guard position == bytes.count, bytes.count <= 400 else { return nil }
        if isInteger, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else { return nil }
        return .double(double)
    }

    /// The position, in Unicode scalars, of the first occurrence of `fragment` in `text`.
    static func scalarIndex(of fragment: String, in text: String) -> Int? {
        let haystack = Array(text.unicodeScalars)
        let needle = Array(fragment.unicodeScalars)
        guard needle.count <= haystack.count else { return nil }
        if needle.isEmpty { return 0 }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }
}
