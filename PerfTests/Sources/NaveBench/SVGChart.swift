import Foundation

/// Charts as hand-written SVG 1.1 (no plotting dependency): a line chart with a logarithmic
/// y axis for latency against rate, and a grid of small bar charts, one scale per panel, for
/// figures whose units differ (rates, bytes, microseconds). Pure: data in, a document out.
enum SVGChart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    struct Bar {
        var label: String
        var value: Double
    }

    struct Panel {
        var title: String
        var bars: [Bar]
    }

    /// Colors for series and bars, in order (Okabe–Ito: told apart with color-blind eyes too).
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]
    /// The most panels a chart draws; further ones are left out (the JSON keeps them all).
    static let panelsMax = 24
    /// The most bars one panel draws.
    static let barsPerPanelMax = 8

    // MARK: Line chart

    /// `series` against a linear x axis and a log10 y axis (latency spans decades as a target
    /// saturates); non-positive values are left out, since a log axis cannot place them.
    static func lineChart(title: String, xLabel: String, yLabel: String, series: [Series]) -> String {
        let (width, height) = (720.0, 420.0)
        let plot = (left: 80.0, top: 50.0, right: width - 150, bottom: height - 60)
        let points = series.flatMap(\.points).filter { $0.y > 0 && $0.x.isFinite && $0.y.isFinite }
        var svg = header(width: width, height: height, title: title)
        guard let xMin = points.map(\.x).min(), let xMax = points.map(\.x).max(),
              let yMinRaw = points.map(\.y).min(), let yMaxRaw = points.map(\.y).max() else {
            return svg + text(width / 2, height / 2, "no data", anchor: "middle") + "</svg>\n"
        }
        // From zero when every x is positive (a rate): the spacing of the steps stays honest.
        let xLow = min(0, xMin)
        let xHigh = xMax > xLow ? xMax : xLow + 1
        let decades = (low: floor(log10(yMinRaw)), high: max(ceil(log10(yMaxRaw)), floor(log10(yMinRaw)) + 1))
        func px(_ x: Double) -> Double { plot.left + (x - xLow) / (xHigh - xLow) * (plot.right - plot.left) }
        func py(_ y: Double) -> Double {
            plot.bottom - (log10(y) - decades.low) / (decades.high - decades.low) * (plot.bottom - plot.top)
        }
        svg += axes(plot)
        var decade = decades.low
        while decade <= decades.high {
            let y = py(pow(10, decade))
            svg += line(plot.left, y, plot.right, y, stroke: "#dddddd")
            svg += text(plot.left - 8, y + 4, number(pow(10, decade)), anchor: "end")
            for minor in [2.0, 5.0] where decade < decades.high {
                let minorY = py(minor * pow(10, decade))
                svg += line(plot.left, minorY, plot.right, minorY, stroke: "#f0f0f0")
                svg += text(plot.left - 8, minorY + 4, number(minor * pow(10, decade)), anchor: "end", size: 10)
            }
            decade += 1
        }
        for value in ticks(from: xLow, to: xHigh) {
            svg += line(px(value), plot.bottom, px(value), plot.bottom + 5, stroke: "#333333")
            svg += text(px(value), plot.bottom + 20, number(value), anchor: "middle")
        }
        svg += text((plot.left + plot.right) / 2, height - 15, xLabel, anchor: "middle")
        svg += "<text x=\"18\" y=\"\(fmt((plot.top + plot.bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(fmt((plot.top + plot.bottom) / 2)))\">\(escape(yLabel))</text>\n"
        for (index, entry) in series.enumerated() {
            let color = palette[index % palette.count]
            let kept = entry.points.filter { $0.y > 0 && $0.x.isFinite && $0.y.isFinite }.sorted { $0.x < $1.x }
            let path = kept.map { "\(fmt(px($0.x))),\(fmt(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(path)\"><title>\(escape(entry.name))</title></polyline>\n"
            for point in kept {
                svg += "<circle cx=\"\(fmt(px(point.x)))\" cy=\"\(fmt(py(point.y)))\" r=\"3\" fill=\"\(color)\"><title>\(escape(entry.name)) \(number(point.x)): \(number(point.y))</title></circle>\n"
            }
            let legendY = plot.top + 10 + Double(index) * 20
            svg += line(plot.right + 15, legendY, plot.right + 35, legendY, stroke: color, width: 2)
            svg += text(plot.right + 40, legendY + 4, entry.name, anchor: "start")
        }
        return svg + "</svg>\n"
    }

    /// Round tick values (1, 2 or 5 times a power of ten apart, about five of them) within
    /// `low...high`, so an axis reads 0, 1000, 2000 rather than 250, 1188, 2125.
    static func ticks(from low: Double, to high: Double) -> [Double] {
        guard high > low else { return [low] }
        let rough = (high - low) / 5
        let power = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= rough } ?? 10 * power
        var values: [Double] = []
        var value = ceil(low / step) * step
        while value <= high + step * 1e-9 {
            values.append(value)
            value += step
        }
        return values
    }

    // MARK: Bar panels

    /// Small bar charts in a grid, three across, each panel scaled to its own largest bar and
    /// every bar labelled with its value: comparisons within a panel, never across.
    static func barPanels(title: String, panels: [Panel]) -> String {
        let shown = Array(panels.prefix(panelsMax))
        let columns = min(3, max(1, shown.count))
        let rows = max(1, (shown.count + columns - 1) / columns)
        let (panelWidth, panelHeight) = (260.0, 220.0)
        let (width, height) = (Double(columns) * panelWidth + 20, Double(rows) * panelHeight + 50)
        var svg = header(width: width, height: height, title: title)
        if shown.isEmpty { return svg + text(width / 2, height / 2, "no data", anchor: "middle") + "</svg>\n" }
        let labels = Array(Set(shown.flatMap { $0.bars.map(\.label) })).sorted()
        for (index, panel) in shown.enumerated() {
            let originX = 10 + Double(index % columns) * panelWidth
            let originY = 40 + Double(index / columns) * panelHeight
            svg += "<g class=\"panel\" transform=\"translate(\(fmt(originX)) \(fmt(originY)))\">\n"
            svg += text(panelWidth / 2, 14, panel.title, anchor: "middle", size: 12)
            let bars = Array(panel.bars.prefix(barsPerPanelMax))
            let top = max(bars.map(\.value).max() ?? 0, 0)
            let base = (y: panelHeight - 40, height: panelHeight - 80)
            svg += line(10, base.y, panelWidth - 10, base.y, stroke: "#333333")
            let slot = (panelWidth - 20) / Double(max(bars.count, 1))
            for (position, bar) in bars.enumerated() {
                let barHeight = top > 0 ? max(bar.value, 0) / top * base.height : 0
                let x = 10 + Double(position) * slot + slot * 0.15
                let color = palette[(labels.firstIndex(of: bar.label) ?? position) % palette.count]
                svg += "<rect class=\"bar\" x=\"\(fmt(x))\" y=\"\(fmt(base.y - barHeight))\" width=\"\(fmt(slot * 0.7))\" height=\"\(fmt(barHeight))\" fill=\"\(color)\"><title>\(escape(bar.label)): \(number(bar.value))</title></rect>\n"
                svg += text(x + slot * 0.35, base.y - barHeight - 4, number(bar.value), anchor: "middle", size: 11)
                svg += text(x + slot * 0.35, base.y + 15, bar.label, anchor: "middle", size: 11)
            }
            svg += "</g>\n"
        }
        return svg + "</svg>\n"
    }

    // MARK: Pieces

    private static func header(width: Double, height: Double, title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(fmt(width))" height="\(fmt(height))" viewBox="0 0 \(fmt(width)) \(fmt(height))" font-family="sans-serif" font-size="12">
        <title>\(escape(title))</title>
        <rect width="100%" height="100%" fill="#ffffff"/>
        \(text(width / 2, 24, title, anchor: "middle", size: 15))
        """
    }

    private static func axes(_ plot: (left: Double, top: Double, right: Double, bottom: Double)) -> String {
        line(plot.left, plot.top, plot.left, plot.bottom, stroke: "#333333") + line(plot.left, plot.bottom, plot.right, plot.bottom, stroke: "#333333")
    }

    private static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1) -> String {
        "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(fmt(width))\"/>\n"
    }

    private static func text(_ x: Double, _ y: Double, _ content: String, anchor: String, size: Int = 12) -> String {
        "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(escape(content))</text>\n"
    }

    /// Text and attribute content with XML's five special characters escaped, and characters
    /// XML 1.0 forbids (most C0 controls) dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default: if scalar.value >= 0x20 { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// A coordinate with two decimals.
    static func fmt(_ value: Double) -> String { String(format: "%.2f", value.isFinite ? value : 0) }

    /// A figure for a label: 12.3k, 4.56M, 87.5, 0.25.
    static func number(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return String(format: "%.3gM", value / 1e6) }
        if magnitude >= 1e4 { return String(format: "%.3gk", value / 1e3) }
        if magnitude >= 100 || value == value.rounded() { return String(format: "%.0f", value) }
        return String(format: "%.3g", value)
    }
}
