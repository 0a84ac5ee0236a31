/// The HTTP date (RFC 9110 §5.6.7 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT"), as Azure
/// Storage sends `Last-Modified` and file-upload notifications carry times.
extension Timestamp {
    private static let dayNames = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Whole seconds (the format has no fraction); times before 1970 render as the epoch.
    public var httpDate: String {
        let seconds = max(secondsSinceEpoch, 0)
        let days = seconds / 86_400
        let ofDay = seconds % 86_400
        let (year, month, day) = Self.civilFromDays(days)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        // 1970-01-01 was a Thursday.
        return "\(Self.dayNames[Int(days % 7)]), \(two(day)) \(Self.monthNames[Int(month) - 1]) \(year) "
            + "\(two(ofDay / 3_600)):\(two(ofDay / 60 % 60)):\(two(ofDay % 60)) GMT"
    }
}
