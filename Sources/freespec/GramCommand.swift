import ArgumentParser
import FreeSpectra
import FreeSpectraPlot
import Foundation

struct GramCommand: ParsableCommand, SamplesMonteCarlo, SamplingCommand {
    static let configuration = CommandConfiguration(
        commandName: "gram",
        abstract: "Spectrum of the random-feature Gram matrix M = Y Yᵀ/m, Y = f(W X) (Pennington–Worah).",
        discussion: """
        W is n₁ × n₀ with N(0, σ_w²/n₀) entries, X is n₀ × m with N(0, σ_x²) entries, and φ = n₀/m, ψ = n₀/n₁. In the limit the spectrum depends on f only through η = E[f_c(sz)²] and ζ = (E[z f(sz)])², s = σ_wσ_x, z ~ N(0, 1), f_c = f − E f(sz) (a non-centred f is centred; the table says by how much). With t = 1/(ψz),

            G(z) = (ψ/z) P(t) + (1 − ψ)/z,
            P = 1 + (η − ζ) t P_φ P_ψ + ζ t P_φ P_ψ / (1 − ζ t P_φ P_ψ),
            P_φ = 1 + (P − 1)φ,  P_ψ = 1 + (P − 1)ψ,

        a quartic in P solved on its physical branch; ρ(x) = −Im G(x + i0)/π. --train-loss adds the ridge-regression training loss E_train(γ) = (γ²/m) E tr (YᵀY/n₁ + γ)⁻² on a logarithmic γ grid. --monte-carlo samples M (n₀ = --n0, m = round(n₀/φ), n₁ = round(n₀/ψ)) and compares with the theory at the sampled ratios (KS test), and samples the ridge regressions too. --layers K stacks K random-feature layers of width n₀ (ψ = 1) and reports each layer's distance from Marchenko–Pastur.

        Examples:
          freespec gram --activation relu --phi 0.5 --psi 0.5
          freespec gram --activation tanh --phi 1 --psi 2 --at 0.1,1 --format json
          freespec gram --phi 0.5 --psi 0.5 --monte-carlo --n0 300 --plot gram.svg
          freespec gram --activation erf --phi 0.5 --psi 1 --train-loss --monte-carlo
          freespec gram --phi 0.5 --psi 1 --train-loss --gamma 1e-4:100:13
          freespec gram --activation abs --phi 0.5 --psi 1 --layers 4
        """)

    @Option(help: "Activation: \(GramActivations.names.joined(separator: ", ")) (leaky-relu:SLOPE sets the slope; case-insensitive).")
    var activation: String = "relu"

    @Option(parsing: .unconditional, help: "φ = n₀/m in (0, 1e6]: input dimension per data point.", transform: decimalOption)
    var phi: Double

    @Option(parsing: .unconditional, help: "ψ = n₀/n₁ in (0, 1e6]: input dimension per feature.", transform: decimalOption)
    var psi: Double

    @Option(name: .customLong("sigma-w"), parsing: .unconditional, help: "Weight scale σ_w in (0, 1e6] (entries of W have variance σ_w²/n₀).", transform: decimalOption)
    var sigmaW: Double = 1

    @Option(name: .customLong("sigma-x"), parsing: .unconditional, help: "Input scale σ_x in (0, 1e6] (entries of X have variance σ_x²).", transform: decimalOption)
    var sigmaX: Double = 1

    @Option(parsing: .unconditional, help: "Number of density grid points (2 to 100000).", transform: PlainNumber.whole)
    var points: Int = 401

    @Option(parsing: .unconditional, help: "Evaluate ρ and the CDF at these x (comma-separated).", transform: CommaList<Double>.decimals)
    var at: CommaList<Double>?

    @Option(help: "Output: table, json or csv (csv: the density grid).")
    var format: OutputFormat = .table

    @Option(help: "Write an SVG plot of the density (and the Monte Carlo histogram) to this file (.svg).")
    var plot: String?

    /// `--monte-carlo` samples Gram matrices (and, with --train-loss, ridge regressions);
    /// `--samples` and `--seed` also drive --layers.
    @OptionGroup var sampling: MonteCarloSampling

    @Option(name: .customLong("n0"), parsing: .unconditional, help: "Monte Carlo (and --layers) input dimension n₀ (2 to 4000; default 200); m = round(n₀/φ), n₁ = round(n₀/ψ), each ≤ 8000.",
            transform: PlainNumber.whole)
    var n0Option: Int?

    @Flag(name: .customLong("train-loss"), help: "Report the ridge-regression training loss E_train(γ) on the --gamma grid.")
    var trainLoss = false

    @Option(help: "γ grid LO:HI:COUNT for --train-loss (logarithmic, 0 < LO ≤ HI, 1 ≤ COUNT ≤ 1000; default 0.001:10:9).")
    var gamma: String?

    @Option(parsing: .unconditional, help: "Stack this many random-feature layers (width n₀, ψ = 1) and compare each with Marchenko–Pastur (1 to 100).",
            transform: PlainNumber.whole)
    var layers: Int?

    static let defaultN0 = 200
    static let defaultGamma = "0.001:10:9"

    var n0: Int { n0Option ?? Self.defaultN0 }

    /// The γ grid of --train-loss; throws a ValidationError for anything malformed.
    var gammas: [Double] {
        get throws { trainLoss ? try logGrid(gamma ?? Self.defaultGamma, option: "--gamma", maxCount: 1000) : [] }
    }

    /// m = round(n₀/φ) and n₁ = round(n₀/ψ) of the sampled matrices.
    var sampledShape: (m: Int, n1: Int) { (Int((Double(n0) / phi).rounded()), Int((Double(n0) / psi).rounded())) }

    var monteCarloRun: (sampling: MonteCarloSampling, budget: MonteCarloBudget)? {
        guard monteCarloEnabled || layers != nil else { return nil }
        let (m, n1) = sampledShape
        return (sampling, .gram(inputs: n0, features: n1, dataPoints: m, samples: samples, sampled: monteCarloEnabled,
                                gammas: monteCarloEnabled ? ((try? gammas.count) ?? 0) : 0, layers: layers))
    }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        guard phi > 0 && phi <= 1e6 else { throw ValidationError("--phi must be in (0, 1e6], got \(phi)") }
        guard psi > 0 && psi <= 1e6 else { throw ValidationError("--psi must be in (0, 1e6], got \(psi)") }
        guard sigmaW > 0 && sigmaW <= 1e6 else { throw ValidationError("--sigma-w must be in (0, 1e6], got \(sigmaW)") }
        guard sigmaX > 0 && sigmaX <= 1e6 else { throw ValidationError("--sigma-x must be in (0, 1e6], got \(sigmaX)") }
        guard (2...100_000).contains(points) else { throw ValidationError("--points must be from 2 to 100000, got \(points)") }
        if gamma != nil && !trainLoss { throw ValidationError("--gamma sets the grid of --train-loss; add --train-loss or drop --gamma") }
        _ = try gammas
        if let k = layers, !(1...100).contains(k) { throw ValidationError("--layers must be from 1 to 100, got \(k)") }
        try requireMonteCarlo([("--n0", n0Option != nil)] + sampling.monteCarloOnly, enabled: monteCarloEnabled || layers != nil,
                              alternatives: "--monte-carlo or --layers")
        if monteCarloEnabled || layers != nil {
            guard (2...4000).contains(n0) else { throw ValidationError("--n0 must be from 2 to 4000, got \(n0)") }
            let (m, n1) = sampledShape
            let sizes = monteCarloEnabled ? [m, n1] : [m]
            guard sizes.allSatisfy({ (2...8000).contains($0) }) else {
                throw ValidationError("--n0 \(n0) at --phi \(phi), --psi \(psi) gives m = round(n₀/φ) = \(m)\(monteCarloEnabled ? ", n₁ = round(n₀/ψ) = \(n1)" : ""); \(monteCarloEnabled ? "each" : "it") must be from 2 to 8000: change --n0")
            }
        }
        let f = try parseActivation(activation, using: GramActivations.named)
        let constants: GramActivationMoments
        do {
            constants = try GramActivationMoments(activation: f, sigmaW: sigmaW, sigmaX: sigmaX)
        } catch let NumericalError.invalidArgument(message) {
            throw ValidationError("--activation \(activation) with --sigma-w \(sigmaW) --sigma-x \(sigmaX): \(message); choose other scales or another activation")
        }
        let spread = NonlinearGram.relativeSpread(eta: constants.eta, zeta: constants.zeta, phi: phi, psi: psi)
        guard spread >= NonlinearGram.minimumRelativeSpread else {
            throw ValidationError("--phi \(phi) with --psi \(psi) (\(activation): η = \(formatNumber(constants.eta)), ζ = \(formatNumber(constants.zeta))): the spectrum lies within a relative spread √(φ/ψ + ζ²/(η²ψ)) = \(formatNumber(spread)) of its mean η, narrower than Double resolves (it needs ≥ \(formatNumber(NonlinearGram.minimumRelativeSpread)); to the printed digits it is a point mass at η). Raise --phi or lower --psi.")
        }
        if let path = plot { try validateOutputPath(path, option: "--plot", extensions: ["svg"], writes: "SVG") }
        try checkBudget()
    }

    func run() throws {
        try reportingErrors {
            let f = try parseActivation(activation, using: GramActivations.named)
            let model = try NonlinearGram(activation: f, sigmaW: sigmaW, sigmaX: sigmaX, phi: phi, psi: psi)
            let gammas = try self.gammas
            var prediction = try model.prediction(points: points, evaluations: at?.values ?? [], gammas: gammas)
            var plotHistogram: SpectrumHistogram? = nil
            if monteCarloEnabled {
                let s = try GramSampler.sample(activation: f, sigmaW: sigmaW, sigmaX: sigmaX, phi: phi, psi: psi,
                                               width: n0, samples: samples, seed: seed)
                prediction.monteCarlo = try GramSampler.summary(s)
                plotHistogram = try s.spectrum.histogram(besideAtomAtZero: !model.atoms.isEmpty)
                if trainLoss {
                    let sampled = try GramSampler.trainingLoss(activation: f, sigmaW: sigmaW, sigmaX: sigmaX, phi: phi, psi: psi,
                                                               gammas: gammas, width: n0, samples: samples, seed: seed)
                    for i in prediction.trainLoss.indices { prediction.trainLoss[i].monteCarlo = sampled.losses[i] }
                }
            }
            if let k = layers {
                prediction.layers = try GramSampler.layers(activation: f, sigmaW: sigmaW, sigmaX: sigmaX, phi: phi,
                                                           depth: k, width: n0, samples: samples, seed: seed)
            }
            let output: String
            switch format {
            case .json: output = try encodeJSON(prediction)
            case .csv: output = csv(prediction)
            case .table: output = table(prediction)
            }
            if let path = plot { try writeText(svg(prediction, histogram: plotHistogram), to: path) }
            print(output)
        }
    }

    func table(_ p: GramPrediction) -> String {
        let mc = p.monteCarlo
        let pm = { (e: MonteCarloEstimate) in "\(formatNumber(e.value)) ± \(formatNumber(e.standardError))" }
        var rows: [[String]] = [
            ["activation", p.activation ?? "-", ""],
            ["σ_w, σ_x", "\(formatNumber(p.sigmaW ?? .nan)), \(formatNumber(p.sigmaX ?? .nan))", ""],
            ["φ = n₀/m", formatNumber(p.phi), mc.map { "\(formatNumber(Double($0.width) / Double($0.dataPoints))) (n₀ = \($0.width), m = \($0.dataPoints))" } ?? ""],
            ["ψ = n₀/n₁", formatNumber(p.psi), mc.map { "\(formatNumber(Double($0.width) / Double($0.features))) (n₁ = \($0.features))" } ?? ""],
            ["η", formatNumber(p.eta), ""],
            ["ζ", formatNumber(p.zeta), ""],
        ]
        for k in 0..<p.moments.count {
            rows.append(["m\(k + 1)", formatNumber(p.moments[k]), mc.map { pm($0.moments[k]) } ?? ""])
        }
        rows.append(["λ_max", formatNumber(p.lambdaMax), mc.map { pm($0.lambdaMax) } ?? ""])
        rows.append(["support", p.support.map { "[\(formatNumber($0.lower)), \(formatNumber($0.upper))]" }.joined(separator: " ∪ "), ""])
        rows.append(["atoms", p.atoms.isEmpty ? "none" : p.atoms.map { "\(formatNumber($0.mass))@\(formatNumber($0.location))" }.joined(separator: " "), ""])
        if let mc {
            rows += verdictRows(mc.ks)
        }
        let header = mc == nil ? ["quantity", "theory"] : ["quantity", "theory", "Monte Carlo"]
        var lines = [renderTable(header, rows.map { mc == nil ? Array($0.prefix(2)) : $0 }), selfCheckLine(p.check)]
        if p.centred == true {
            lines.append("note: \(p.activation ?? "f") is not centred under N(0, (σ_wσ_x)²): its mean E f(sz) = \(formatNumber(p.meanRemoved ?? .nan)) was subtracted (the theory is for f − E f).")
        } else if p.centred == false {
            lines.append("note: \(p.activation ?? "f") is centred under N(0, (σ_wσ_x)²); nothing subtracted.")
        }
        if p.linear { lines.append("note: η = ζ: f is linear and M is a product of Wisharts.") }
        if p.zeta == 0 { lines.append("note: ζ = 0: the spectrum is Marchenko–Pastur with ratio φ/ψ and variance η.") }
        if !p.evaluations.isEmpty {
            lines.append("")
            lines.append(renderTable(["x", "ρ(x)", "F(x)"], p.evaluations.map { [formatNumber($0.x), formatNumber($0.rho), formatNumber($0.cdf)] }))
        }
        if !p.trainLoss.isEmpty {
            let withMC = p.trainLoss.contains { $0.monteCarlo != nil }
            lines.append("")
            lines.append(renderTable(withMC ? ["γ", "E_train theory", "E_train MC ± s.e."] : ["γ", "E_train theory"], p.trainLoss.map { t in
                [formatNumber(t.gamma), formatNumber(t.theory)] + (withMC ? [t.monteCarlo.map(pm) ?? "-"] : [])
            }))
        }
        if let layers = p.layers, !layers.isEmpty {
            lines.append("")
            lines.append(renderTable(["layer", "KS to MP", "tolerance", "MP?", "m2", "m2 (MP)"], layers.map {
                ["\($0.layer)", String(format: "%.4f", $0.ks), String(format: "%.4f", $0.tolerance), $0.ks <= $0.tolerance ? "yes" : "no",
                 formatNumber($0.m2), formatNumber($0.m2MarchenkoPastur)]
            }))
            lines.append("layers: width n₀ = \(n0), m = round(n₀/φ), ψ = 1, \(samples) samples; each layer's input renormalised to variance σ_x² (ζ = 0 keeps every layer MP).")
        }
        if let mc {
            lines.append("MC (\(mc.samples) samples, seed \(mc.seed), \(mc.model) features), compared with the theory at the sampled ratios: \(mc.ks.reason)")
        }
        return lines.joined(separator: "\n")
    }

    /// The density grid (+ 0 turns −0.0 into 0.0).
    func csv(_ p: GramPrediction) -> String {
        let d = p.density
        return (["x,rho,cdf"] + d.x.indices.map { "\(d.x[$0]),\(d.rho[$0] + 0),\(d.cdf[$0] + 0)" }).joined(separator: "\n")
    }

    /// ρ(x) over the MC histogram, the atom at 0 as a stem of height mass × (peak of ρ).
    func svg(_ p: GramPrediction, histogram: SpectrumHistogram?) -> String {
        var plot = SVGPlot(
            title: "Gram spectrum of f(WX): \(p.activation ?? "f"), φ = \(formatNumber(p.phi)), ψ = \(formatNumber(p.psi))",
            xLabel: "λ", yLabel: "density ρ(λ)")
        if let h = histogram, let mc = p.monteCarlo {
            plot.histograms.append(.init(label: "MC n₀=\(mc.width), S=\(mc.samples)", edges: h.edges, heights: h.density))
        }
        plot.curves.append(.init(label: "theory ρ(λ)", x: p.density.x, y: p.density.rho))
        let finite = p.density.rho.filter(\.isFinite).sorted()
        let peak = finite.isEmpty ? 1 : finite[min(finite.count - 1, Int(0.99 * Double(finite.count)))]
        for a in p.atoms {
            plot.markers.append(.init(label: "atom \(formatNumber(a.mass)) at \(formatNumber(a.location))", x: a.location, y: a.mass * peak))
        }
        return plot.render()
    }
}
