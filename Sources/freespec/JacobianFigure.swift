import FreeSpectra
import FreeSpectraPlot
import Foundation

/// The figure of `freespec jacobian --plot`, drawn where the mass is:
///
/// - x: on a log axis, from the continuous part's 0.1 % quantile to λ_max (atoms added), so a
///   deep spectrum does not spend its axis on empty decades; a linear axis when every spectrum
///   spans less than three decades.
/// - the density of log₁₀ λ (linear axis: of λ) on 400 points of its own, half uniform over the
///   x range and half clustered at the upper edge, so the curve is smooth at any depth (the
///   density table's grid serves the JSON, not the eye);
/// - atoms as stems whose height is their mass, read on a second axis on the right, each
///   labelled; the atom at λ = 0 stands at the left edge of a log axis, labelled "at λ = 0";
/// - the Monte Carlo histogram in log-spaced bins on the same axis, its unbinned mass (exact
///   zeros, eigenvalues below the SVD's resolution) named in a note;
/// - the operating point (activation, weights, L, q* or q¹ → q^L, σ_w, σ_b) under the title.
struct JacobianFigure {
    struct Entry {
        var prediction: JacobianPrediction
        var solved: any SolvedSpectrum
        var monteCarlo: JacobianMonteCarloReport?
    }

    let entries: [Entry]

    /// The SVG document.
    /// - Throws: what the solved spectra throw when evaluated on the figure's grid.
    func render() throws -> String {
        let logScale = entries.contains { $0.prediction.density.scale == .log }
        var plot = SVGPlot(
            title: "J Jᵀ spectrum: \(entries.first?.prediction.activation ?? "")",
            xLabel: logScale ? "λ (log scale)" : "λ",
            yLabel: logScale ? "density of log₁₀ λ" : "density ρ(λ)")
        plot.subtitle = operatingPoint()
        if logScale { plot.xAxis.scale = .log10Values }
        let (lo, hi) = try xRange(logScale: logScale)
        plot.xAxis.range = lo...hi
        for (i, entry) in entries.enumerated() {
            let p = entry.prediction
            let label = "\(p.weights) L=\(p.depth)"
            if entry.solved.hasContinuousPart {
                let (x, y) = try curve(entry, logScale: logScale, from: lo)
                plot.curves.append(.init(label: label, x: x, y: y, colourIndex: i))
            }
            if let mc = entry.monteCarlo {
                let h = mc.histogram
                plot.histograms.append(.init(label: "MC " + label, edges: logScale ? h.edges.map { log10($0) } : h.edges,
                                             heights: logScale ? h.densityPerLog10 ?? [] : h.density, colourIndex: i))
                if h.unbinnedFraction > 0 {
                    let floor = h.resolutionFloor.map { " < " + formatNumber($0) } ?? ""
                    plot.notes.append("MC \(label): \(formatNumber(100 * h.unbinnedFraction)) % not binned (0, or\(floor) unresolved)")
                }
                // Where the sample stops being resolved: a dashed line at the floor.
                if logScale, let floor = h.resolutionFloor, floor > 0, log10(floor) > lo {
                    let top = plot.curves.last?.y.filter(\.isFinite).max() ?? 1
                    plot.curves.append(.init(label: i == 0 ? "MC resolution floor (10⁻¹² λmax)" : "", x: [log10(floor), log10(floor)],
                                             y: [0, top], colourIndex: 8, dashed: true))
                }
            }
        }
        // One stem per distinct atom (the same atom of several depths is drawn once, in the
        // colour of the first network that has it, naming the others).
        var atoms: [(atom: Atom, owners: [Int])] = []
        for (i, e) in entries.enumerated() {
            for a in e.prediction.atoms {
                if let k = atoms.firstIndex(where: { $0.atom.location == a.location && abs($0.atom.mass - a.mass) <= 1e-12 }) {
                    atoms[k].owners.append(i)
                } else {
                    atoms.append((a, [i]))
                }
            }
        }
        if !atoms.isEmpty {
            plot.secondaryYAxis = PlotAxis(label: "atom mass")
            plot.secondaryYAxis?.range = 0...min(1.1, 1.15 * (atoms.map(\.atom.mass).max() ?? 1))
        }
        for (k, (atom, owners)) in atoms.enumerated() {
            let x = logScale ? (!atom.isAtZero ? atom.logLocation / log(10) : -.infinity) : atom.location
            let place = atom.isAtZero ? "λ = 0" : "λ = " + formatNumber(atom.location)
            let names = owners.map { "\(entries[$0].prediction.weights) L=\(entries[$0].prediction.depth)" }
            let owner = entries.count > 1 && owners.count < entries.count ? " (" + names.joined(separator: ", ") + ")" : ""
            plot.markers.append(.init(label: k == 0 ? "atoms (height: mass, right axis)" : "", x: x, y: atom.mass,
                                      onSecondaryAxis: true, text: "\(formatNumber(atom.mass)) at \(place)\(owner)",
                                      colourIndex: owners[0]))
        }
        return plot.render()
    }

    /// The x range in plotting units (log₁₀ λ on a log axis).
    private func xRange(logScale: Bool) throws -> (Double, Double) {
        var lo = Double.infinity, hi = -Double.infinity
        for entry in entries {
            let s = entry.solved
            hi = max(hi, logScale ? s.logLambdaMax / log(10) : s.lambdaMax)
            if s.hasContinuousPart {
                lo = min(lo, logScale ? try s.logQuantile(0.001) / log(10)
                                      : (s.reachesZero ? 0 : exp(s.logSupport.first?.lowerBound ?? s.logUpperEdge)))
            }
            for a in entry.prediction.atoms where !a.isAtZero {
                lo = min(lo, logScale ? a.logLocation / log(10) : a.location)
            }
            if !logScale && entry.prediction.atoms.contains(where: { $0.isAtZero }) { lo = min(lo, 0) }
        }
        if !lo.isFinite { lo = hi - 1 }
        let span = max(hi - lo, logScale ? 0.1 : 1e-3 * max(abs(hi), 1e-300))
        return (lo - 0.03 * span, hi + 0.03 * span)
    }

    /// 400 points of the density over [lo, λ_max] (plotting units), half uniform and half
    /// clustered at the upper edge, where a square-root edge needs them.
    private func curve(_ entry: Entry, logScale: Bool, from lo: Double) throws -> (x: [Double], y: [Double]) {
        let s = entry.solved
        let tMax = s.logUpperEdge
        let tMin: Double
        if logScale {
            tMin = lo * log(10)
        } else {
            let bottom = max(lo, 1e-300)
            tMin = log(max(bottom, exp(tMax) * 1e-12))
        }
        let n = 200
        var grid: [Double] = []
        for i in 0..<n {
            let u = Double(i) / Double(n - 1)
            grid.append(tMax - (tMax - tMin) * u)
            grid.append(tMax - (tMax - tMin) * (1 - cos(.pi * u / 2)))
        }
        grid = Array(Set(grid.filter { $0 <= tMax && $0 >= tMin })).sorted(by: >)
        let values = try s.points(descendingLogX: grid, includeCDF: false)
        if logScale {
            return (values.map { $0.logX / log(10) }, values.map { $0.logDensity * log(10) })
        }
        // On a linear axis add the lower edge (or 0) so the curve meets the axis there.
        return (values.map(\.x), values.map(\.density))
    }

    /// The operating point, for the line under the title.
    private func operatingPoint() -> String {
        guard let first = entries.first?.prediction else { return "" }
        func unique<T: Hashable>(_ values: [T]) -> [T] { var seen = Set<T>(); return values.filter { seen.insert($0).inserted } }
        let weights = unique(entries.map(\.prediction.weights))
        let depths = unique(entries.map(\.prediction.depth))
        let field = first.meanField
        var q = "q* = " + formatNumber(field.qStar)
        if let path = field.trajectory, let last = path.q.indices.last {
            q = "q¹ = \(formatNumber(path.q[0], log10Value: path.log10Q[0])) → qᴸ = \(formatNumber(path.q[last], log10Value: path.log10Q[last])) from |x⁰|²/N = \(formatNumber(path.inputLength))"
        }
        return "\(weights.joined(separator: ", ")) weights, L = \(depths.map(String.init).joined(separator: ", ")), \(q), σ_w = \(formatNumber(field.sigmaW)), σ_b = \(formatNumber(field.sigmaB))"
    }
}
