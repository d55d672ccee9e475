import Foundation

/// A small SVG line/histogram plot: axes with "nice" ticks, labels, a legend, curves,
/// histograms drawn under the curves, and point markers (atoms) as stems with a dot.
///
/// Coordinates are plotted as given; a caller wanting a logarithmic axis passes log10 values
/// and says so in the axis label (deep spectra span more decades than a Double can hold,
/// so the transform belongs to the caller, who has the logarithms already).
struct SVGPlot {
    struct Curve { var label: String; var x: [Double]; var y: [Double] }
    struct Histogram { var label: String; var edges: [Double]; var heights: [Double] }
    struct Marker { var label: String; var x: Double; var y: Double }

    var title: String
    var xLabel: String
    var yLabel: String
    var curves: [Curve] = []
    var histograms: [Histogram] = []
    var markers: [Marker] = []
    var width = 860.0
    var height = 520.0
    /// Clip y at this quantile of the plotted curve values (densities can diverge at edges).
    var yClipQuantile = 0.995

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    func render() -> String {
        let left = 80.0, right = 200.0, top = 48.0, bottom = 64.0
        let plotW = width - left - right, plotH = height - top - bottom
        let xs = curves.flatMap(\.x) + histograms.flatMap(\.edges) + markers.map(\.x)
        let finiteX = xs.filter(\.isFinite)
        var xMin = finiteX.min() ?? 0, xMax = finiteX.max() ?? 1
        if xMin == xMax { xMin -= 0.5; xMax += 0.5 }
        var ys = curves.flatMap(\.y).filter(\.isFinite).sorted()
        ys += histograms.flatMap(\.heights).filter(\.isFinite)
        ys.sort()
        let clipIndex = min(ys.count - 1, max(0, Int(Double(ys.count) * yClipQuantile)))
        var yMax = ys.isEmpty ? 1 : max(ys[clipIndex], histograms.flatMap(\.heights).filter(\.isFinite).max() ?? 0)
        yMax = max(yMax, markers.map(\.y).filter(\.isFinite).max() ?? 0)
        if yMax <= 0 { yMax = 1 }
        yMax *= 1.08
        let yMin = 0.0
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (min(y, yMax) - yMin) / (yMax - yMin) * plotH }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="13">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left + plotW / 2)" y="28" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

        """
        // Grid and ticks.
        for t in Self.ticks(xMin, xMax) {
            let x = px(t)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#e6e6e6\"/>\n"
            svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotH + 18))\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
        }
        for t in Self.ticks(yMin, yMax) {
            let y = py(t)
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#e6e6e6\"/>\n"
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.label(t))</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 18))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(22 \(f(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        svg += "<clipPath id=\"plot\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\"/></clipPath>\n<g clip-path=\"url(#plot)\">\n"
        var legend: [(String, String, String)] = []  // label, colour, kind
        for (i, h) in histograms.enumerated() {
            let colour = "#9aa5b1"
            for j in 0..<min(h.heights.count, h.edges.count - 1) where h.heights[j] > 0 && h.edges[j].isFinite && h.edges[j + 1].isFinite {
                let x0 = px(h.edges[j]), x1 = px(h.edges[j + 1]), y = py(h.heights[j])
                svg += "<rect x=\"\(f(x0))\" y=\"\(f(y))\" width=\"\(f(max(0.5, x1 - x0)))\" height=\"\(f(top + plotH - y))\" fill=\"\(colour)\" fill-opacity=\"\(i == 0 ? 0.55 : 0.35)\" stroke=\"white\" stroke-width=\"0.3\"/>\n"
            }
            legend.append((h.label, colour, "box"))
        }
        for (i, c) in curves.enumerated() {
            let colour = Self.palette[i % Self.palette.count]
            var path = ""
            var penDown = false
            for (x, y) in zip(c.x, c.y) {
                guard x.isFinite, y.isFinite else { penDown = false; continue }
                path += (penDown ? " L" : " M") + "\(f(px(x))) \(f(py(y)))"
                penDown = true
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            legend.append((c.label, colour, "line"))
        }
        for (i, m) in markers.enumerated() where m.x.isFinite {
            let colour = Self.palette[(curves.count + i) % Self.palette.count]
            let x = px(m.x), y = py(m.y)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top + plotH))\" x2=\"\(f(x))\" y2=\"\(f(y))\" stroke=\"\(colour)\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\n"
            svg += "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"5\" fill=\"\(colour)\"/>\n"
            legend.append((m.label, colour, "dot"))
        }
        svg += "</g>\n"
        for (i, entry) in legend.enumerated() {
            let y = top + 14 + Double(i) * 20, x = left + plotW + 16
            switch entry.2 {
            case "line": svg += "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 24))\" y2=\"\(f(y - 4))\" stroke=\"\(entry.1)\" stroke-width=\"2.5\"/>\n"
            case "box": svg += "<rect x=\"\(f(x))\" y=\"\(f(y - 11))\" width=\"24\" height=\"12\" fill=\"\(entry.1)\" fill-opacity=\"0.55\"/>\n"
            default: svg += "<circle cx=\"\(f(x + 12))\" cy=\"\(f(y - 4))\" r=\"5\" fill=\"\(entry.1)\"/>\n"
            }
            svg += "<text x=\"\(f(x + 32))\" y=\"\(f(y))\">\(escape(entry.0))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    private func f(_ x: Double) -> String { String(format: "%.2f", x) }
    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Ticks at 1, 2 or 5 × 10^k spacing, about six across the range.
    static func ticks(_ a: Double, _ b: Double) -> [Double] {
        let span = b - a
        guard span > 0, span.isFinite else { return [a] }
        let raw = span / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var t = ceil(a / step) * step
        var result: [Double] = []
        while t <= b + 1e-9 * step { result.append(abs(t) < 1e-12 * step ? 0 : t); t += step }
        return result
    }

    static func label(_ t: Double) -> String {
        if t == 0 { return "0" }
        if abs(t) >= 1e4 || abs(t) < 1e-3 { return String(format: "%.0e", t) }
        return String(format: "%g", (t * 1e6).rounded() / 1e6)
    }
}
