import Foundation

/// Lays out and draws an `SVGPlot`: data ranges in plotting coordinates, margins sized to
/// the tick labels, title and legend, then the grid, series and legend.
struct PlotRenderer {
    let plot: SVGPlot

    private struct LegendEntry { var label: String; var colour: String; var kind: Kind; var dashed = false
        enum Kind { case line, box, stem, point(SVGPlot.Points.Shape) }
    }

    // MARK: ranges

    /// The x range in plotting coordinates, padded a little when points sit on it.
    private func xRange() -> (Double, Double) {
        let ax = plot.xAxis
        if let r = ax.range { return (ax.coordinate(r.lowerBound), ax.coordinate(r.upperBound)) }
        var xs = plot.curves.flatMap(\.x) + plot.histograms.flatMap(\.edges) + plot.markers.map(\.x)
        xs += plot.points.flatMap(\.x) + plot.annotations.map(\.x)
        let finite = xs.map(ax.coordinate).filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if lo == hi { lo -= 0.5; hi += 0.5 }
        if !plot.points.isEmpty { let pad = 0.04 * (hi - lo); lo -= pad; hi += pad }
        return (lo, hi)
    }

    /// The y range in plotting coordinates: curves clipped at `yClipQuantile`, everything else
    /// in full, 0 included when asked (linear axes only), 8% head room.
    private func yRange() -> (Double, Double) {
        let ax = plot.yAxis
        if let r = ax.range { return (ax.coordinate(r.lowerBound), ax.coordinate(r.upperBound)) }
        let curveValues = plot.curves.flatMap(\.y).map(ax.coordinate).filter(\.isFinite).sorted()
        var values: [Double] = []
        if !curveValues.isEmpty {
            let top = curveValues[min(curveValues.count - 1, max(0, Int(Double(curveValues.count) * plot.yClipQuantile)))]
            values += curveValues.filter { $0 <= top }
        }
        values += plot.histograms.flatMap(\.heights).map(ax.coordinate)
        values += plot.markers.filter { !$0.onSecondaryAxis }.map(\.y).map(ax.coordinate)
        for p in plot.points { values += (p.y + (p.lower ?? []) + (p.upper ?? [])).map(ax.coordinate) }
        values += plot.annotations.map(\.y).map(ax.coordinate)
        values = values.filter(\.isFinite)
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if plot.yIncludesZero && ax.scale == .linear { lo = min(lo, 0); hi = max(hi, 0) }
        if lo == hi { lo -= 0.5; hi += 0.5 }
        let span = hi - lo
        hi += 0.08 * span
        if !(plot.yIncludesZero && ax.scale == .linear && lo == 0) { lo -= 0.04 * span }
        return (lo, hi)
    }

    /// The secondary y range: [0, 1.1 × the largest marker on it] (at most 1.1 for masses).
    private func secondaryRange() -> (Double, Double) {
        if let r = plot.secondaryYAxis?.range { return (r.lowerBound, r.upperBound) }
        let top = plot.markers.filter(\.onSecondaryAxis).map(\.y).filter(\.isFinite).max() ?? 1
        return (0, top > 0 ? 1.1 * top : 1)
    }

    // MARK: legend

    private func legendEntries() -> [LegendEntry] {
        var entries: [LegendEntry] = []
        for (i, h) in plot.histograms.enumerated() {
            entries.append(LegendEntry(label: h.label, colour: histogramColour(i, h), kind: .box))
        }
        for (i, c) in plot.curves.enumerated() {
            entries.append(LegendEntry(label: c.label, colour: PlotStyle.colour(c.colourIndex ?? i), kind: .line, dashed: c.dashed))
        }
        for (i, m) in plot.markers.enumerated() {
            entries.append(LegendEntry(label: m.label, colour: markerColour(i), kind: .stem))
        }
        for (i, p) in plot.points.enumerated() {
            entries.append(LegendEntry(label: p.label, colour: PlotStyle.colour(p.colourIndex ?? i), kind: .point(p.shape)))
        }
        return entries.filter { !$0.label.isEmpty }
    }

    private func histogramColour(_ i: Int, _ h: SVGPlot.Histogram) -> String {
        if let c = h.colourIndex { return PlotStyle.colour(c) }
        return plot.histograms.count == 1 ? PlotStyle.histogramGrey : PlotStyle.colour(i)
    }

    private func markerColour(_ i: Int) -> String {
        PlotStyle.colour(plot.markers[i].colourIndex ?? (plot.curves.count + i))
    }

    // MARK: render

    func render() -> String {
        let (xMin, xMax) = xRange(), (yMin, yMax) = yRange()
        let xTicks = plot.xAxis.ticks(xMin, xMax), yTicks = plot.yAxis.ticks(yMin, yMax)
        let legend = legendEntries()
        let tickWidth = yTicks.map { PlotStyle.textWidth($0.label.text) }.max() ?? 30
        let (y2Min, y2Max) = secondaryRange()
        let y2Ticks = plot.secondaryYAxis.map { $0.ticks(y2Min, y2Max) } ?? []
        let y2Width = plot.secondaryYAxis == nil ? 0 : 44 + (y2Ticks.map { PlotStyle.textWidth($0.label.text) }.max() ?? 30)
        let left = 44 + tickWidth, top = plot.subtitle == nil ? 48.0 : 66.0, bottom = 64.0
        let legendWidth = legend.isEmpty ? 0 : 48 + (legend.map { PlotStyle.textWidth($0.label) }.max() ?? 0)
        let right = 24 + legendWidth + y2Width
        let titleWidth = max(PlotStyle.textWidth(plot.title, fontSize: PlotStyle.titleFontSize),
                             PlotStyle.textWidth(plot.subtitle ?? ""))
        let width = max(plot.width, left + 480 + right, titleWidth + 40)
        let height = max(plot.height, top + bottom + 20 * Double(legend.count) + 20)
        let plotW = width - left - right, plotH = height - top - bottom
        let px = { (x: Double) in left + (x - xMin) / (xMax - xMin) * plotW }
        // Values far outside the range are pulled to one plot height beyond it: the clip path
        // hides them, and lines leave the frame at (nearly) their true slope.
        let py = { (y: Double) in top + plotH - (min(max(y, yMin - (yMax - yMin)), yMax + (yMax - yMin)) - yMin) / (yMax - yMin) * plotH }
        let n = SVG.number
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="\(PlotStyle.fontFamily)" font-size="\(Int(PlotStyle.fontSize))">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(n(width / 2))" y="28" text-anchor="middle" font-size="\(Int(PlotStyle.titleFontSize))" font-weight="bold">\(SVG.escape(plot.title))</text>

        """
        if let subtitle = plot.subtitle {
            svg += "<text x=\"\(n(width / 2))\" y=\"48\" text-anchor=\"middle\" fill=\"#444\">\(SVG.escape(subtitle))</text>\n"
        }
        for t in xTicks {
            let x = px(t.position)
            svg += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(top + plotH))\" stroke=\"\(PlotStyle.gridColour)\"/>\n"
            svg += SVG.tickText(t.label, x: x, y: top + plotH + 20, anchor: "middle")
        }
        for t in yTicks {
            let y = py(t.position)
            svg += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(left + plotW))\" y2=\"\(n(y))\" stroke=\"\(PlotStyle.gridColour)\"/>\n"
            svg += SVG.tickText(t.label, x: left - 8, y: y + 4, anchor: "end")
        }
        if let axis2 = plot.secondaryYAxis {
            let py2 = { (y: Double) in top + plotH - (y - y2Min) / (y2Max - y2Min) * plotH }
            for t in y2Ticks {
                svg += "<line x1=\"\(n(left + plotW))\" y1=\"\(n(py2(t.position)))\" x2=\"\(n(left + plotW + 5))\" y2=\"\(n(py2(t.position)))\" stroke=\"\(PlotStyle.frameColour)\"/>\n"
                svg += SVG.tickText(t.label, x: left + plotW + 8, y: py2(t.position) + 4, anchor: "start")
            }
            svg += "<text transform=\"translate(\(n(left + plotW + y2Width - 14)) \(n(top + plotH / 2))) rotate(90)\" text-anchor=\"middle\">\(SVG.escape(axis2.label))</text>\n"
        }
        svg += "<text x=\"\(n(left + plotW / 2))\" y=\"\(n(height - 16))\" text-anchor=\"middle\">\(SVG.escape(plot.xAxis.label))</text>\n"
        svg += "<text transform=\"translate(18 \(n(top + plotH / 2))) rotate(-90)\" text-anchor=\"middle\">\(SVG.escape(plot.yAxis.label))</text>\n"
        svg += "<clipPath id=\"plot-area\"><rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\"/></clipPath>\n<g clip-path=\"url(#plot-area)\">\n"
        let bottomY = top + plotH
        let xc = plot.xAxis.coordinate, yc = plot.yAxis.coordinate
        let baseline = plot.yAxis.scale == .linear ? py(0) : bottomY
        for (i, h) in plot.histograms.enumerated() {
            let colour = histogramColour(i, h), opacity = plot.histograms.count == 1 ? 0.55 : 0.35
            for j in 0..<min(h.heights.count, max(0, h.edges.count - 1)) {
                let a = xc(h.edges[j]), b = xc(h.edges[j + 1]), v = yc(h.heights[j])
                guard h.heights[j] > 0, a.isFinite, b.isFinite, v.isFinite else { continue }
                let x0 = px(a), x1 = px(b), y = py(v)
                // Bars narrower than 3 px get no white outline, which would hide them.
                let outline = x1 - x0 >= 3 ? " stroke=\"white\" stroke-width=\"0.3\"" : ""
                svg += "<rect x=\"\(n(x0))\" y=\"\(n(min(y, baseline)))\" width=\"\(n(max(0.5, x1 - x0)))\" height=\"\(n(abs(baseline - y)))\" fill=\"\(colour)\" fill-opacity=\"\(opacity)\"\(outline)/>\n"
            }
        }
        for (i, c) in plot.curves.enumerated() {
            var path = "", penDown = false
            for (x, y) in zip(c.x.map(xc), c.y.map(yc)) {
                guard x.isFinite, y.isFinite else { penDown = false; continue }
                path += (penDown ? " L" : " M") + "\(n(px(x))) \(n(py(y)))"
                penDown = true
            }
            guard !path.isEmpty else { continue }
            let dash = c.dashed ? " stroke-dasharray=\"7 4\"" : ""
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(PlotStyle.colour(c.colourIndex ?? i))\" stroke-width=\"2\"\(dash)/>\n"
        }
        var markerTexts = ""
        for (i, m) in plot.markers.enumerated() {
            // A marker beyond the x range (or at a non-finite coordinate, λ = 0 on a log axis)
            // stands at the nearer edge.
            var x = xc(m.x)
            if !x.isFinite { x = m.x <= 0 ? xMin : xMax }
            x = min(max(x, xMin), xMax)
            let yPixel: Double
            if m.onSecondaryAxis {
                yPixel = top + plotH - (m.y - y2Min) / (y2Max - y2Min) * plotH
            } else {
                let y = yc(m.y)
                guard y.isFinite else { continue }
                yPixel = py(y)
            }
            guard yPixel.isFinite else { continue }
            let colour = markerColour(i)
            let xPixel = min(max(px(x), left + 3), left + plotW - 3)
            svg += "<line x1=\"\(n(xPixel))\" y1=\"\(n(bottomY))\" x2=\"\(n(xPixel))\" y2=\"\(n(yPixel))\" stroke=\"\(colour)\" stroke-width=\"2.5\"/>\n"
            svg += "<circle cx=\"\(n(xPixel))\" cy=\"\(n(yPixel))\" r=\"5\" fill=\"\(colour)\"/>\n"
            if let text = m.text {
                // Beside the dot, on the side with room, outside the clip so it is never cut.
                let rightSide = xPixel < left + plotW / 2
                let tx = rightSide ? xPixel + 9 : xPixel - 9
                // A white halo keeps the text legible over curves and grid lines.
                markerTexts += "<text x=\"\(n(tx))\" y=\"\(n(min(max(top + 12, yPixel + 4), bottomY - 6)))\" text-anchor=\"\(rightSide ? "start" : "end")\" fill=\"\(colour)\" stroke=\"white\" stroke-width=\"4\" paint-order=\"stroke\" stroke-linejoin=\"round\">\(SVG.escape(text))</text>\n"
            }
        }
        for (i, p) in plot.points.enumerated() {
            let colour = PlotStyle.colour(p.colourIndex ?? i)
            for k in p.x.indices where k < p.y.count {
                let x = xc(p.x[k]), y = yc(p.y[k])
                guard x.isFinite, y.isFinite else { continue }
                if let lo = p.lower?[k], let hi = p.upper?[k] {
                    let a = yc(lo).isFinite ? py(yc(lo)) : bottomY, b = py(yc(hi))
                    if b.isFinite {
                        svg += "<line x1=\"\(n(px(x)))\" y1=\"\(n(a))\" x2=\"\(n(px(x)))\" y2=\"\(n(b))\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n"
                        for e in [a, b] { svg += "<line x1=\"\(n(px(x) - 4))\" y1=\"\(n(e))\" x2=\"\(n(px(x) + 4))\" y2=\"\(n(e))\" stroke=\"\(colour)\" stroke-width=\"1.5\"/>\n" }
                    }
                }
                svg += Self.shape(p.shape, x: px(x), y: py(y), colour: colour)
            }
        }
        for a in plot.annotations {
            let x = xc(a.x), y = yc(a.y)
            guard x.isFinite, y.isFinite else { continue }
            svg += "<text x=\"\(n(px(x)))\" y=\"\(n(py(y)))\" fill=\"#444\">\(SVG.escape(a.text))</text>\n"
        }
        for (k, note) in plot.notes.enumerated() {
            svg += "<text x=\"\(n(left + 10))\" y=\"\(n(top + 18 + 16 * Double(k)))\" fill=\"#444\" font-size=\"12\">\(SVG.escape(note))</text>\n"
        }
        svg += "</g>\n" + markerTexts
        svg += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(plotW))\" height=\"\(n(plotH))\" fill=\"none\" stroke=\"\(PlotStyle.frameColour)\"/>\n"
        for (i, entry) in legend.enumerated() {
            let y = top + 14 + Double(i) * 20, x = left + plotW + 20 + y2Width
            switch entry.kind {
            case .line:
                let dash = entry.dashed ? " stroke-dasharray=\"7 4\"" : ""
                svg += "<line x1=\"\(n(x))\" y1=\"\(n(y - 4))\" x2=\"\(n(x + 28))\" y2=\"\(n(y - 4))\" stroke=\"\(entry.colour)\" stroke-width=\"2.5\"\(dash)/>\n"
            case .box:
                svg += "<rect x=\"\(n(x))\" y=\"\(n(y - 11))\" width=\"28\" height=\"12\" fill=\"\(entry.colour)\" fill-opacity=\"0.55\"/>\n"
            case .stem:
                svg += "<circle cx=\"\(n(x + 14))\" cy=\"\(n(y - 4))\" r=\"5\" fill=\"\(entry.colour)\"/>\n"
            case .point(let shape):
                svg += Self.shape(shape, x: x + 14, y: y - 4, colour: entry.colour)
            }
            svg += "<text x=\"\(n(x + 36))\" y=\"\(n(y))\">\(SVG.escape(entry.label))</text>\n"
        }
        svg += "</svg>\n"
        return svg
    }

    /// A filled point marker of radius ≈ 4.5 centred at (x, y).
    static func shape(_ shape: SVGPlot.Points.Shape, x: Double, y: Double, colour: String) -> String {
        let n = SVG.number, r = 4.5
        switch shape {
        case .circle:
            return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(r)\" fill=\"\(colour)\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
        case .square:
            return "<rect x=\"\(n(x - r))\" y=\"\(n(y - r))\" width=\"\(2 * r)\" height=\"\(2 * r)\" fill=\"\(colour)\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
        case .triangle:
            return "<path d=\"M\(n(x)) \(n(y - 1.2 * r)) L\(n(x + r)) \(n(y + 0.8 * r)) L\(n(x - r)) \(n(y + 0.8 * r)) Z\" fill=\"\(colour)\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
        case .diamond:
            return "<path d=\"M\(n(x)) \(n(y - 1.3 * r)) L\(n(x + r)) \(n(y)) L\(n(x)) \(n(y + 1.3 * r)) L\(n(x - r)) \(n(y)) Z\" fill=\"\(colour)\" stroke=\"white\" stroke-width=\"0.8\"/>\n"
        }
    }
}
