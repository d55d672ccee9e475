import Foundation
import FreeSpectraPlot

/// The figure of one case: the theory density over the Monte Carlo histogram, atoms away
/// from 0 as stems of height mass × (peak of the density). Spectra spanning more than three
/// decades (the engine's log grid) are drawn as the density of log10 λ on a log λ axis.
enum CaseFigure {
    static func plot(_ c: ValidationCase, json: JSONValue) -> SVGPlot? {
        let p = c.model == .jacobian ? json[0] : json
        let density = p["density"]
        let logScale = density["scale"].string == "log"
        let x = logScale ? density["log10X"].doubles : density["x"].doubles
        let y = logScale ? density["rhoLog10"].doubles : density["rho"].doubles
        guard !x.isEmpty else { return nil }
        var plot = SVGPlot(title: c.id, xLabel: "λ", yLabel: logScale ? "density of log₁₀ λ" : "density ρ(λ)")
        if logScale { plot.xAxis.scale = .log10Values; plot.xAxis.label = "λ (log scale)" }
        let h = p["monteCarlo"]["histogram"]
        let edges = h["edges"].doubles
        if !edges.isEmpty {
            let heights = logScale ? h["densityPerLog10"].doubles : h.histogramDensity
            plot.histograms.append(.init(label: "Monte Carlo", edges: logScale ? edges.map { $0 > 0 ? log10($0) : .nan } : edges,
                                         heights: heights))
        }
        plot.curves.append(.init(label: "theory", x: x, y: y))
        let peak = y.filter(\.isFinite).max() ?? 1
        var zeroMass = 0.0
        for atom in p["atoms"].array {
            guard let location = atom["location"].double, let mass = atom["mass"].double else { continue }
            if location == 0 && logScale { zeroMass += mass; continue }
            plot.markers.append(.init(label: String(format: "atom %.3g at %.4g", mass, location),
                                      x: logScale ? log10(location) : location, y: mass * peak))
        }
        if zeroMass > 0 { plot.title += String(format: " — atom %.3g at λ = 0 (not drawn)", zeroMass) }
        if logScale, let lo = x.filter(\.isFinite).min(), let hi = x.filter(\.isFinite).max() {
            // The theory grid reaches the 10⁻⁶ quantile, which can lie hundreds of decades down;
            // Monte Carlo resolves only 12 decades below λ_max (SVD resolution), so show at most
            // 16 decades below λ_max.
            let window = max(lo, hi - 16)
            plot.xAxis.range = (window - 0.5)...(hi + 0.3)
            if window > lo { plot.title += String(format: " — λ below 10^%.0f not shown", window - 0.5) }
        }
        return plot
    }
}
