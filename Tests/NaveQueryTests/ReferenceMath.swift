import Foundation

/// The C library's exp and pow, for the tests to hold NaveQuery's own (pure Swift) ones to.
enum ReferenceMath {
    static func exp(_ x: Double) -> Double { Foundation.exp(x) }
    static func pow(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}
