import ArgumentParser
import FreeSpectra
import FreeSpectraPlot
import Foundation

struct HessianCommand: ParsableCommand, SamplingCommand {
    static let configuration = CommandConfiguration(
        commandName: "hessian",
        abstract: "Spectrum and index of the loss Hessian H = H₀ + H₁ at a critical point of energy ε (Pennington–Bahri).",
        discussion: """
        H₀ = (1/m) X Xᵀ is Wishart (Marchenko–Pastur with ratio φ = n/m: n parameters, m data points), H₁ is a Wigner matrix whose semicircle has variance 2ε, the two free. So R_H(w) = 1/(1 − φw) + 2εw and G = G_H(z) solves the cubic

            2φε G³ − (2ε + φz) G² + (z + φ − 1) G − 1 = 0,

        on its physical branch; ρ(x) = −Im G(x + i0)/π. The index α(ε, φ) is the fraction of negative eigenvalues. For φ < 1 it is 0 up to the critical energy ε_c = (1 − 20φ − 8φ² + (1 + 8φ)^{3/2})/16 and grows like α₀(ε − ε_c)^{3/2} above it; for φ ≥ 1, ε_c = 0. With --monte-carlo, sampled matrices (n = --size, m = round(n/φ)) are compared with the theory at the sampled ratio n/m by a Kolmogorov–Smirnov test.

        Examples:
          freespec hessian --phi 0.5 --epsilon 0.02
          freespec hessian --phi 0.5 --epsilon 0.02 --at -0.1,0,0.5 --format json
          freespec hessian --phi 0.5 --epsilon 0.02 --monte-carlo --plot hessian.svg
          freespec hessian --phi 2 --epsilon 0.001 --monte-carlo --size 800 --samples 2
        """)

    @Option(parsing: .unconditional, help: "φ = n/m in (0, 1e6]: parameters per data point.", transform: decimalOption)
    var phi: Double

    @Option(parsing: .unconditional, help: "ε in [0, 1e6]: the energy of the critical point (H₁'s semicircle has variance 2ε).", transform: decimalOption)
    var epsilon: Double

    @Option(parsing: .unconditional, help: "Number of density grid points (2 to 100000).", transform: PlainNumber.whole)
    var points: Int = 401

    @Option(parsing: .unconditional, help: "Evaluate ρ and the CDF at these x (comma-separated; may be negative).", transform: CommaList<Double>.decimals)
    var at: CommaList<Double>?

    @Option(help: "Output: table, json or csv (csv: the density grid).")
    var format: OutputFormat = .table

    @Option(help: "Write an SVG plot of the density (and the Monte Carlo histogram) to this file (.svg).")
    var plot: String?

    @OptionGroup var monteCarlo: HessianMonteCarloOptions

    var monteCarloRun: (sampling: MonteCarloSampling, budget: MonteCarloBudget)? {
        monteCarlo.run(phis: [phi])
    }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        try validateHessianPhi(phi)
        guard epsilon >= 0 && epsilon <= 1e6 else { throw ValidationError("--epsilon must be in [0, 1e6], got \(epsilon)") }
        guard (2...100_000).contains(points) else { throw ValidationError("--points must be from 2 to 100000, got \(points)") }
        let spread = LossHessian.spread(phi: phi, epsilon: epsilon)
        guard spread >= LossHessian.minimumSpread else {
            throw ValidationError("--phi \(phi) with --epsilon \(epsilon): the spectrum lies within 4√(φ + 2ε) = \(formatNumber(4 * spread)) of λ = 1, narrower than Double resolves; it needs φ + 2ε ≥ \(formatNumber(LossHessian.minimumSpread * LossHessian.minimumSpread)) (to the printed digits it is a point mass at 1). Raise --phi or --epsilon.")
        }
        if monteCarlo.monteCarloEnabled { try monteCarlo.checkDataPoints(phi: phi) }
        if let path = plot { try validateOutputPath(path, option: "--plot", extensions: ["svg"], writes: "SVG") }
        try checkBudget()
    }

    func run() throws {
        try reportingErrors {
            let model = try LossHessian(phi: phi, epsilon: epsilon)
            var result = HessianResult(prediction: try model.prediction(points: points, evaluations: at?.values ?? []))
            if monteCarlo.monteCarloEnabled {
                result.monteCarlo = try monteCarlo.run(phi: phi, epsilon: epsilon)
            }
            let output: String
            switch format {
            case .json: output = try encodeJSON(result)
            case .csv: output = csv(result)
            case .table: output = table(result)
            }
            if let path = plot { try writeText(svg(result), to: path) }
            print(output)
        }
    }

    func table(_ r: HessianResult) -> String {
        let p = r.prediction
        let mc = r.monteCarlo
        var rows: [[String]] = [
            ["φ = n/m", formatNumber(p.phi), mc.map { "\(formatNumber($0.effectivePhi)) (n = \($0.size), m = \($0.dataPoints))" } ?? ""],
            ["ε", formatNumber(p.epsilon), ""],
            ["ε_c(φ)", formatNumber(p.criticalEnergy), ""],
            ["index α", formatNumber(p.index), mc.map { "\(formatNumber($0.index)) ± \(formatNumber($0.indexStdErr))" } ?? ""],
            ["λ_min", formatNumber(p.lambdaMin), mc.map { formatNumber($0.lambdaMin) } ?? ""],
            ["λ_max", formatNumber(p.lambdaMax), mc.map { formatNumber($0.lambdaMax) } ?? ""],
        ]
        for k in 0..<p.moments.count {
            rows.append(["m\(k + 1)", formatNumber(p.moments[k]), mc.map { formatNumber($0.moments[k]) } ?? ""])
        }
        rows.append(["support", p.support.map { "[\(formatNumber($0.lower)), \(formatNumber($0.upper))]" }.joined(separator: " ∪ "), ""])
        if !p.atoms.isEmpty {
            rows.append(["atoms", p.atoms.map { "\(formatNumber($0.mass))@\(formatNumber($0.location))" }.joined(separator: " "), ""])
        }
        if let mc {
            rows += verdictRows(mc.verdict)
        }
        let header = mc == nil ? ["quantity", "theory"] : ["quantity", "theory", "Monte Carlo"]
        var lines = [renderTable(header, rows.map { mc == nil ? Array($0.prefix(2)) : $0 }), selfCheckLine(p.check)]
        if p.phi >= 1 { lines.append("note: φ ≥ 1, so ε_c = 0: every ε > 0 has negative eigenvalues.") }
        if p.epsilon == 0 && !p.atoms.isEmpty {
            lines.append("note: ε = 0, φ > 1: H = H₀ has \(formatNumber(p.atoms[0].mass)) of its eigenvalues exactly at 0 (not counted as negative).")
        }
        if let ev = p.evaluations, !ev.isEmpty {
            lines.append("")
            lines.append(renderTable(["x", "ρ(x)", "F(x)"], ev.map { [formatNumber($0.x), formatNumber($0.rho), formatNumber($0.cdf)] }))
        }
        if let mc {
            lines.append("MC (\(mc.samples) samples, seed \(mc.seed)), compared with the theory at the sampled φ = \(formatNumber(mc.effectivePhi)) (index \(formatNumber(mc.indexTheory))): \(mc.verdict.reason)")
        }
        return lines.joined(separator: "\n")
    }

    /// The density grid (+ 0 turns −0.0 into 0.0).
    func csv(_ r: HessianResult) -> String {
        let d = r.prediction.density
        return (["x,rho,cdf"] + d.x.indices.map { "\(d.x[$0]),\(d.rho[$0] + 0),\(d.cdf[$0] + 0)" }).joined(separator: "\n")
    }

    /// ρ(x) over the MC histogram, the atom (ε = 0, φ > 1) as a stem of height mass × peak,
    /// and a marker at x = 0, the boundary of the index.
    func svg(_ r: HessianResult) -> String {
        let p = r.prediction
        var plot = SVGPlot(
            title: "Loss Hessian H₀ + H₁: φ = \(formatNumber(p.phi)), ε = \(formatNumber(p.epsilon)), index α = \(formatNumber(p.index))",
            xLabel: "λ", yLabel: "density ρ(λ)")
        if let h = r.monteCarlo?.histogram {
            plot.histograms.append(.init(label: "MC n=\(r.monteCarlo!.size), S=\(r.monteCarlo!.samples)", edges: h.edges, heights: h.density))
        }
        plot.curves.append(.init(label: "theory ρ(λ)", x: p.density.x, y: p.density.rho))
        let peak = p.density.rho.filter(\.isFinite).max() ?? 1
        for a in p.atoms {
            plot.markers.append(.init(label: "atom \(formatNumber(a.mass)) at \(formatNumber(a.location))", x: a.location, y: a.mass * peak))
        }
        if p.atoms.isEmpty || p.atoms.allSatisfy({ !$0.isAtZero }) {
            plot.markers.append(.init(label: "λ = 0", x: 0, y: peak))
        }
        return plot.render()
    }
}

/// Validation shared by the Hessian commands.
func validateHessianPhi(_ phi: Double, option: String = "--phi") throws {
    guard phi > 0 && phi <= 1e6 else { throw ValidationError("\(option) must be in (0, 1e6] (φ = parameters / data points), got \(phi)") }
}

/// One line that says what the printed answer was checked against (`SpectrumSelfCheck`).
func selfCheckLine(_ c: SpectrumCheck) -> String {
    let moments = c.momentErrors.map(abs).max() ?? 0
    return "self-check against ∫ρ: total mass 1 \(c.totalMass >= 1 ? "+" : "−") \(String(format: "%.1e", abs(c.totalMass - 1))), m1…m4 within \(String(format: "%.1e", moments)), F within \(String(format: "%.1e", c.cdfError))\(c.integralError > 0 ? ", E_train within \(String(format: "%.1e", c.integralError))" : "") (tolerance \(String(format: "%.0e", c.tolerance)))"
}

/// `freespec hessian` output: the prediction's keys, plus `monteCarlo`.
struct HessianResult: Encodable {
    var prediction: HessianPrediction
    var monteCarlo: HessianMonteCarloReport? = nil

    func encode(to encoder: Encoder) throws {
        try prediction.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(monteCarlo, forKey: .monteCarlo)
    }
    private enum Key: String, CodingKey { case monteCarlo }
}
