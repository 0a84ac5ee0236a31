import NaveCore
import NaveModel

/// A series drawn as an inline SVG line chart: no script, no image request, readable by a
/// screen reader through its `<title>` and the table of latest values beside it.
enum ConsoleChart {
    static let width = 320.0
    static let height = 120.0

    static func svg(_ series: ConsoleMetrics.Series) -> String {
        let label = escape(series.name + (series.isRate ? " per second" : ""))
        guard let first = series.points.first, let last = series.points.last else {
            return "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
                + "<title>\(label): no samples yet</title><text x=\"8\" y=\"20\" fill=\"#4a5561\">no samples yet</text></svg>"
        }
        let top = max(series.points.map(\.value).max() ?? 0, 1)
        let span = Double(max(1, last.time.millisecondsSinceEpoch - first.time.millisecondsSinceEpoch))
        let coordinates = series.points.map { point in
            let x = (Double(point.time.millisecondsSinceEpoch - first.time.millisecondsSinceEpoch) / span) * (width - 50) + 45
            let y = height - 15 - (point.value / top) * (height - 30)
            return "\(format(x)),\(format(y))"
        }
        return "<svg role=\"img\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\">"
            + "<title>\(label), latest \(format(last.value))</title>"
            + "<line x1=\"45\" y1=\"\(format(height - 15))\" x2=\"\(format(width - 5))\" y2=\"\(format(height - 15))\" stroke=\"#c9d1d9\"/>"
            + "<line x1=\"45\" y1=\"15\" x2=\"\(format(width - 5))\" y2=\"15\" stroke=\"#c9d1d9\" stroke-dasharray=\"3 3\"/>"
            + "<text x=\"2\" y=\"19\" font-size=\"11\" fill=\"#4a5561\">\(format(top))</text>"
            + "<text x=\"2\" y=\"\(format(height - 11))\" font-size=\"11\" fill=\"#4a5561\">0</text>"
            + "<polyline fill=\"none\" stroke=\"#0b5cad\" stroke-width=\"2\" points=\"\(coordinates.joined(separator: " "))\"/></svg>"
    }

    /// One decimal at most, no exponent (the chart's numbers are counts and rates).
    static func format(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        guard tenths.isFinite, abs(tenths) < 1e15 else { return "0" }
        let whole = Int64(tenths)
        return whole % 10 == 0 ? String(whole / 10) : "\(whole / 10).\(abs(whole % 10))"
    }

    /// XML's five entities, as the blob service escapes its XML (SVG is XML).
    static func escape(_ text: String) -> String { BlobXML.escaped(text) }
}
