import Foundation
import FreeSpectraPlot

/// Pennington & Bahri, "Geometry of neural network loss surfaces via random matrix theory",
/// ICML 2017: the critical energy ε_c(φ) below which critical points are minima, and the
/// index α(ε, φ) (fraction of negative Hessian eigenvalues) against ε, with its 3/2 law.
enum LossHessianIndex {
    static let indexPhis = [0.25, 0.5, 0.75]
    static let epsilonGrid = (0...30).map { Double($0) / 30 }
    static let sampledEpsilons = [0.1, 0.3, 0.6, 1.0]
    static let size = 400, samples = 4

    static func section(_ context: LiteratureContext) -> ReportSection {
        var failures: [String] = []
        // ε_c(φ): closed form, numeric root, and the sampled index at 2ε_c.
        let table = context.jsonBatch([["critical-energy", "--phi", "0.05:0.95:0.05", "--format", "json"],
                                       ["critical-energy", "--phi", "0.1:0.9:0.2", "--format", "json", "--monte-carlo",
                                        "--size", "\(size)", "--samples", "\(samples)"]], timeout: 120)
        failures += table.failures
        let rows = table.results[0]?["rows"].array ?? []
        let sampledRows = table.results[1]?["rows"].array ?? []
        var plotC = SVGPlot(title: "Critical energy ε_c(φ) of the loss Hessian", x: PlotAxis(label: "φ = n/m"), y: PlotAxis(label: "ε_c"), yIncludesZero: true)
        let fine = (1...200).map { 0.005 * Double($0) }
        plotC.curves.append(.init(label: "closed form (1 − 20φ − 8φ² + (1 + 8φ)^{3/2})/16", x: fine,
                                  y: fine.map { $0 >= 1 ? 0 : (1 - 20 * $0 - 8 * $0 * $0 + pow(1 + 8 * $0, 1.5)) / 16 }))
        plotC.points.append(.init(label: "numeric root of the lower edge (engine)", x: rows.map { $0["phi"].double ?? .nan },
                                  y: rows.map { $0["epsilonCNumeric"].double ?? .nan }, colourIndex: 1, shape: .diamond))
        var worst = 0.0
        for r in rows {
            let phi = r["phi"].double ?? .nan, closed = r["epsilonC"].double ?? .nan, numeric = r["epsilonCNumeric"].double ?? .nan
            // The runner's own evaluation of the closed form, against the engine's.
            let mine = (1 - 20 * phi - 8 * phi * phi + pow(1 + 8 * phi, 1.5)) / 16
            worst = max(worst, abs(numeric - closed), abs(mine - closed))
            if !(abs(numeric - closed) <= 1e-8 && abs(mine - closed) <= 1e-12) {
                failures.append("φ = \(phi): ε_c closed form \(closed) (runner: \(mine)), numeric \(numeric)")
            }
        }
        var sampledTable: [[String]] = []
        for r in sampledRows {
            let phi = r["phi"].double ?? .nan, theory = r["indexAt2EpsilonC"].double ?? .nan
            let v = r["monteCarloIndexAt2EpsilonC"].double ?? .nan, se = r["monteCarloIndexAt2EpsilonCStdErr"].double ?? .nan
            // 4 s.e. plus 2/n: the count of negative eigenvalues near the edge moves by O(1) at size n.
            let ok = abs(v - theory) <= 4 * se + 2 / Double(size)
            if !ok { failures.append("φ = \(phi): index at 2ε_c theory \(theory), sampled \(v) ± \(se)") }
            sampledTable.append([ReportSection.number(phi), ReportSection.number(r["epsilonC"].double), ReportSection.number(r["alpha0"].double),
                                 ReportSection.number(theory), "\(ReportSection.number(v)) ± \(ReportSection.number(se, digits: 2))", ok ? "yes" : "NO"])
        }
        // Index against ε.
        let calls = indexPhis.flatMap { p in epsilonGrid.map { ["hessian", "--phi", "\(p)", "--epsilon", "\($0)", "--points", "2", "--format", "json"] } }
        let mcCalls = indexPhis.flatMap { p in sampledEpsilons.map { ["hessian", "--phi", "\(p)", "--epsilon", "\($0)", "--points", "2", "--format", "json",
                                                                   "--monte-carlo", "--size", "\(size)", "--samples", "\(samples)"] } }
        let theory = context.jsonBatch(calls, timeout: 60), mc = context.jsonBatch(mcCalls, timeout: 90)
        failures += theory.failures + mc.failures
        var plotI = SVGPlot(title: "Index α(ε, φ) of the loss Hessian", x: PlotAxis(label: "energy ε"), y: PlotAxis(label: "index α (fraction of negative eigenvalues)"), yIncludesZero: true)
        var indexTable: [[String]] = []
        var highest = 0.0
        for (k, p) in indexPhis.enumerated() {
            let alpha = epsilonGrid.indices.map { theory.results[k * epsilonGrid.count + $0]?["index"].double ?? .nan }
            plotI.curves.append(.init(label: "φ = \(p) theory", x: epsilonGrid, y: alpha, colourIndex: k))
            // The 3/2 law near ε_c, from the engine's prefactor α₀.
            if let row = rows.first(where: { abs(($0["phi"].double ?? 0) - p) < 1e-9 }), let a0 = row["alpha0"].double, let ec = row["epsilonC"].double {
                let xs = (0...40).map { ec + 0.04 * Double($0) / 40 }  // the law holds near ε_c only
                plotI.curves.append(.init(label: "φ = \(p): α₀(ε − ε_c)^{3/2}", x: xs, y: xs.map { a0 * pow($0 - ec, 1.5) }, colourIndex: k, dashed: true))
            }
            highest = max(highest, alpha.filter(\.isFinite).max() ?? 0)
            var xs: [Double] = [], ys: [Double] = [], lo: [Double] = [], hi: [Double] = []
            for (i, e) in sampledEpsilons.enumerated() {
                guard let r = mc.results[k * sampledEpsilons.count + i] else { continue }
                let v = r["monteCarlo"]["index"].double ?? .nan, se = r["monteCarlo"]["indexStdErr"].double ?? .nan
                let t = r["monteCarlo"]["indexTheory"].double ?? .nan
                xs.append(e); ys.append(v); lo.append(v - 2 * se); hi.append(v + 2 * se)
                let ok = abs(v - t) <= 4 * se + 2 / Double(size)
                if !ok { failures.append("φ = \(p), ε = \(e): index theory \(t), sampled \(v) ± \(se)") }
                indexTable.append([ReportSection.number(p), ReportSection.number(e), ReportSection.number(r["index"].double), ReportSection.number(t),
                                   "\(ReportSection.number(v)) ± \(ReportSection.number(se, digits: 2))", ok ? "yes" : "NO"])
            }
            plotI.points.append(.init(label: "φ = \(p) Monte Carlo (± 2 s.e.)", x: xs, y: ys, lower: lo, upper: hi, colourIndex: k, shape: .circle))
        }
        plotI.yAxis.range = 0...(1.15 * max(highest, 1e-3))
        var body = """
        Source: J. Pennington, Y. Bahri, *Geometry of neural network loss surfaces via random matrix theory*,
        ICML 2017. H = H₀ + H₁, H₀ Wishart with ratio φ = n/m, H₁ a free semicircle of variance 2ε.
        The critical energy ε_c(φ) = (1 − 20φ − 8φ² + (1 + 8φ)^{3/2})/16 for φ < 1 (0 for φ ≥ 1) is where the
        lower edge of the spectrum reaches 0; below it critical points are minima, above it the index grows
        like α₀(ε − ε_c)^{3/2}.

        Witnesses: the engine's numeric ε_c (Brent's method on the lower edge) against the closed form, and
        the runner's own evaluation of the closed form (19 values of φ; largest difference \(String(format: "%.1e", worst)),
        required ≤ 10⁻⁸); the sampled index (n = \(size), S = \(samples)) against the theory at the sampled ratio,
        required within 4 s.e. + 2/n (near the edge the count of negative eigenvalues moves by O(1) at size n).


        """
        body += ReportSection.table(["φ", "ε_c", "α₀", "α(2ε_c) theory", "α(2ε_c) MC ± s.e.", "agrees"], sampledTable)
        body += "\n\n![ε_c(φ)](figures/pb-critical-energy.svg)\n\n"
        body += ReportSection.table(["φ", "ε", "α theory", "α theory at sampled n/m", "α MC ± s.e.", "agrees"], indexTable)
        body += "\n\n![index against ε](figures/pb-index-vs-energy.svg)\n"
        return ReportSection(title: "Pennington & Bahri 2017: loss-Hessian index and critical energy", body: body,
                             figures: [(name: "pb-critical-energy.svg", plot: plotC), (name: "pb-index-vs-energy.svg", plot: plotI)], failures: failures)
    }
}
