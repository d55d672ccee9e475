import ArgumentParser
import FreeSpectra
import FreeSpectraPlot
import Foundation

struct JacobianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jacobian",
        abstract: "Singular-value spectrum of the input–output Jacobian J Jᵀ of a deep network.",
        discussion: """
        J = D_L W_L ⋯ D_1 W_1 with D_l = diag φ′(h_l). Free probability multiplies S-transforms, S_{JJᵀ} = Π_l S_{W Wᵀ} S_{D²}, and the product is inverted on its physical branch to give the density ρ(λ), the CDF (atoms included), the support and λ_max. The network sits either on the critical line χ = 1 at a given q* (--q-star), or at a given (σ_w, σ_b) with q* its mean-field fixed point (--sigma-w, --sigma-b); with --input-length, or at (σ_w, σ_b) with no attracting q* > 0 (zero biases), layer l has its own pre-activation length q^l from the length map, and the spectrum is that of the transient.

        The table gives, per weight ensemble and depth: m1 = Π χ_l (the mean of λ; χ^L at a fixed point), the variance σ² of λ, λ_max, the atoms (mass@location), the condition measure κ = λ_max/λ_1% (λ_1% the 1% quantile of the whole law, atoms included) and a verdict: dynamically isometric when m1 is within a factor 2 of 1, σ²/m1² ≤ 1 and κ ≤ 100. Spectra spanning more than 3 decades get a logarithmic density grid; numbers beyond Double's range print as 10^x.

        Examples:
          freespec jacobian --activation tanh --depth 128 --q-star 0.05
          freespec jacobian --activation relu --weights gaussian,orthogonal \\
            --depth 4,16,64 --sigma-w 1.4142 --format json
          freespec jacobian --activation hard-tanh --depth 16 --q-star 0.5 \\
            --monte-carlo --width 400 --plot ht.svg
        """)

    @Option(help: "Activation: \(Activations.names.joined(separator: ", ")) (leaky-relu:SLOPE sets the slope; case-insensitive).")
    var activation: String = "tanh"

    @Option(help: "Weight ensemble(s), comma-separated: gaussian, orthogonal (default: orthogonal).", transform: CommaList<WeightEnsemble>.choices)
    var weights: CommaList<WeightEnsemble>?

    @Option(parsing: .unconditional, help: "Depth(s) L, comma-separated (each from 1 to 100000; default 16, or the number of --width-ratios).", transform: CommaList<Int>.wholes)
    var depth: CommaList<Int>?

    @Option(name: .customLong("width-ratios"), parsing: .unconditional, help: ArgumentHelp(
        "Rectangular layers: N_l/N_0 for l = 1…L, comma-separated, one per layer (each in [1e-6, 1e6]).",
        discussion: "W_l is N_l × N_{l−1}; the spectrum is that of J Jᵀ on the N_L outputs, so an output wider than the narrowest layer (or the input) gives an atom at 0 of mass 1 − min N_l/N_L. With --monte-carlo, N_0 = --width and N_l = round(N_0 · ratio)."),
        transform: CommaList<Double>.decimals)
    var widthRatios: CommaList<Double>?

    @Option(name: .customLong("sigma-w"), parsing: .unconditional, help: "Weight scale σ_w > 0 (entries of W have variance σ_w²/N).", transform: decimalOption)
    var sigmaW: Double?

    @Option(name: .customLong("sigma-b"), parsing: .unconditional, help: "Bias scale σ_b ≥ 0 (with --sigma-w; default 0).", transform: decimalOption)
    var sigmaB: Double?

    @Option(name: .customLong("q-star"), parsing: .unconditional, help: "Put the network on its critical line χ = 1 with this fixed point q* > 0 (at least 2.2e-308, Double's smallest normal number).", transform: decimalOption)
    var qStar: Double?

    @Option(name: .customLong("input-length"), parsing: .unconditional, help: ArgumentHelp(
        "Per-unit squared length Q0 = |x⁰|²/N > 0 of the input (standardised data: 1): the spectrum is computed layer by layer from it.",
        discussion: "q¹ = σ_w² Q0 + σ_b², q^{l+1} = σ_w² E[φ(√q^l h)²] + σ_b², and layer l has the slopes φ′(√q^l h). Without it, every layer sits at the fixed point q* when the length map has a stable q* > 0 (or on the critical line at --q-star); otherwise (q^l → 0, marginal, or growing) the answer is layer by layer from Q0 = 1 and a note says so."),
        transform: decimalOption)
    var inputLength: Double?

    @Option(parsing: .unconditional, help: "Number of density grid points (2 to 1000000).", transform: PlainNumber.whole)
    var points: Int = 200

    @Option(parsing: .unconditional, help: "Evaluate ρ and the CDF at these λ (comma-separated; each 0 or from 2.2e-308 up).", transform: CommaList<Double>.decimals)
    var at: CommaList<Double>?

    @Option(help: "Density grid: linear or log (default: log when the spectrum spans > 3 decades).")
    var scale: DensityScale?

    @Option(help: "Output: table, json or csv (csv: the density grid).")
    var format: OutputFormat = .table

    @Option(help: "Write an SVG plot of the densities to this file (.svg).")
    var plot: String?

    @OptionGroup var monteCarlo: JacobianMonteCarloOptions

    /// The weight ensembles of --weights, in the order given.
    var ensembles: [WeightEnsemble] { weights?.values ?? [.orthogonal] }

    /// The depths asked for: --depth, else the number of --width-ratios, else 16.
    var depths: [Int] { depth?.values ?? [widthRatios?.values.count ?? 16] }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        switch (sigmaW, qStar) {
        case (nil, nil):
            throw ValidationError("give --q-star Q (the critical line χ = 1 at fixed point q* = Q) or --sigma-w S (with optional --sigma-b B)")
        case (.some, .some):
            throw ValidationError("--q-star and --sigma-w conflict: --q-star puts the network on its critical line and chooses σ_w and σ_b itself; give one of them")
        default: break
        }
        if let s = sigmaW, !(s > 0) { throw ValidationError("--sigma-w must be > 0, got \(s)") }
        if let b = sigmaB {
            guard sigmaW != nil else { throw ValidationError("--sigma-b goes with --sigma-w; --q-star chooses σ_b itself") }
            guard b >= 0 else { throw ValidationError("--sigma-b must be ≥ 0, got \(b)") }
        }
        if let q = qStar, !(q >= Double.leastNormalMagnitude) {
            throw ValidationError(q > 0
                ? "--q-star \(q) is below 2.2e-308, Double's smallest normal number, where the mean field cannot be computed; use a q* ≥ 2.2e-308"
                : "--q-star must be > 0, got \(q)")
        }
        if let q0 = inputLength, !(q0 > 0) { throw ValidationError("--input-length must be > 0 (|x⁰|²/N; standardised data: 1), got \(q0)") }
        if let bad = depths.first(where: { !(1...100_000).contains($0) }) { throw ValidationError("--depth must be from 1 to 100000, got \(bad)") }
        if let ratios = widthRatios?.values {
            if let bad = ratios.first(where: { !(1e-6...1e6).contains($0) }) {
                throw ValidationError("--width-ratios values N_l/N_0 must be in [1e-6, 1e6], got \(bad)")
            }
            guard depths == [ratios.count] else {
                throw ValidationError("--width-ratios gives one ratio per layer: \(ratios.count) ratios need --depth \(ratios.count) (or no --depth), got --depth \(depths.map(String.init).joined(separator: ","))")
            }
        }
        guard (2...1_000_000).contains(points) else { throw ValidationError("--points must be from 2 to 1000000, got \(points)") }
        if let bad = at?.values.first(where: { !($0 == 0 || $0 >= Double.leastNormalMagnitude) }) {
            throw ValidationError(bad > 0
                ? "--at \(bad) is below 2.2e-308, Double's smallest normal number, where ρ and F cannot be evaluated; use 0 or a λ ≥ 2.2e-308"
                : "--at values must be ≥ 0 (eigenvalues of J Jᵀ), got \(bad)")
        }
        _ = try parseActivation(activation)
        let configurations = ensembles.count * depths.count
        if let path = monteCarlo.eigenvalues, configurations > 1 {
            throw ValidationError("--eigenvalues \(path) holds the eigenvalues of one configuration, but --weights × --depth give \(configurations); run one configuration per file")
        }
        if let path = plot {
            if path == monteCarlo.eigenvalues { throw ValidationError("--plot and --eigenvalues name the same file \(path); give two files") }
            try validateOutputPath(path, option: "--plot", extensions: ["svg"], writes: "SVG")
        }
        try checkBudget()
    }

    func run() throws {
        try reportingErrors {
            let phi = try parseActivation(activation)
            let point: JacobianSpectrum.OperatingPoint = qStar.map { .critical(qStar: $0) } ?? .weights(sigmaW: sigmaW!, sigmaB: sigmaB ?? 0)
            // The analytic answers side by side (independent, up to seconds each), then the
            // Monte Carlo runs one after another (each uses every core through BLAS).
            let configurations = ensembles.flatMap { ensemble in depths.map { (ensemble, $0) } }
            let (inputLength, ratios, points, scale, evaluations) = (inputLength, widthRatios?.values, points, scale, at?.values ?? [])
            let answers = try concurrentMap(configurations) { ensemble, L in
                let model = try JacobianSpectrum(activation: phi, weights: ensemble, depth: L, point: point,
                                                 inputLength: inputLength, widthRatios: ratios)
                let solved = try model.solve()
                let prediction = try model.predict(points: points, scale: scale, evaluations: evaluations, solved: solved)
                return (model, solved, prediction)
            }
            var results: [JacobianResult] = []
            for (model, solved, prediction) in answers {
                var result = JacobianResult(prediction: prediction, monteCarlo: nil, solved: solved)
                if monteCarlo.monteCarloEnabled {
                    result.monteCarlo = try monteCarlo.run(model: model, prediction: prediction, solved: solved)
                }
                results.append(result)
            }
            // The plot is written before anything is printed: a figure that cannot be rendered
            // or written is a failure with nothing on stdout, not an answer followed by an error.
            if let path = plot {
                let figure = JacobianFigure(entries: results.map { .init(prediction: $0.prediction, solved: $0.solved, monteCarlo: $0.monteCarlo) })
                try writeText(try figure.render(), to: path)
            }
            let output: String
            switch format {
            case .json: output = try encodeJSON(results)
            case .csv: output = csv(results)
            case .table: output = table(results, activation: phi)
            }
            print(output)
        }
    }

    func table(_ results: [JacobianResult], activation: any Activation) -> String {
        let layered = results.contains { $0.prediction.meanField.trajectory != nil }
        var header = ["weights", "L", layered ? "q¹→q^L" : "q*", "σ_w", "σ_b", "χ", "m1", "σ²", "λmax", "atoms", "κ=λmax/λ1%", "isometric", "why"]
        let withMC = results.contains { $0.monteCarlo != nil }
        if withMC { header.insert(contentsOf: ["KS", "MC"], at: 12) }
        let rows = results.map { r -> [String] in
            let p = r.prediction
            let atoms = p.atoms.isEmpty ? "none" : p.atoms.map { "\(formatNumber($0.mass))@\(formatNumber($0.location, log10Value: $0.logLocation / log(10)))" }.joined(separator: " ")
            var row = [p.weights, "\(p.depth)", qCell(p.meanField), formatNumber(p.meanField.sigmaW),
                       formatNumber(p.meanField.sigmaB), formatNumber(p.meanField.chi),
                       formatNumber(p.moments[0], log10Value: p.log10FirstMoment),
                       formatNumber(p.variance, log10Value: 2 * p.log10FirstMoment + log10(max(p.normalizedVariance, 1e-300))),
                       formatNumber(p.lambdaMax, log10Value: p.log10LambdaMax), atoms,
                       formatNumber(p.conditionMeasure, log10Value: p.log10ConditionMeasure),
                       p.isometry.isometric ? "yes" : "no", p.isometry.reason]
            if withMC {
                if let mc = r.monteCarlo {
                    row.insert(contentsOf: [String(format: "%.4f", mc.ks), mc.verdict.agrees ? "agrees" : "DISAGREES"], at: 12)
                } else { row.insert(contentsOf: ["-", "-"], at: 12) }
            }
            return row
        }
        var lines = [renderTable(header, rows)]
        if let first = results.first?.prediction, let path = first.meanField.trajectory {
            let last = path.q.count - 1
            lines.append("layer by layer from |x⁰|²/N = \(formatNumber(path.inputLength)): q¹ = \(formatNumber(path.q[0], log10Value: path.log10Q[0])), q^L = \(formatNumber(path.q[last], log10Value: path.log10Q[last])) (L = \(path.q.count)); χ¹ = \(formatNumber(path.chi[0])), χ^L = \(formatNumber(path.chi[last])); m1 = Π χ_l")
        }
        if let first = results.first?.prediction, qStar != nil {
            lines.append("critical line of \(activation.name) at q* = \(formatNumber(first.meanField.qStar)): σ_w = \(first.meanField.sigmaW), σ_b = \(first.meanField.sigmaB)")
        }
        for r in results { if let note = r.prediction.meanField.note { lines.append("note: \(note)"); break } }
        if let ratios = widthRatios?.values {
            lines.append("widths N_l/N_0 (l = 0…L): 1, " + ratios.map { formatNumber($0) }.joined(separator: ", ") + "; J Jᵀ acts on the N_L outputs")
        }
        for r in results {
            guard let mc = r.monteCarlo else { continue }
            lines.append("MC \(r.prediction.weights) L=\(r.prediction.depth): \(mc.verdict.reason)")
            let lengths = mc.preactivationLengths
            if let last = lengths.theory.indices.last {
                let layers = last == 0 ? [0] : [0, last]
                lines.append("   pre-activation lengths, sampled vs length map: " + layers.map { l in
                    "q̂^\(l + 1) = \(formatNumber(lengths.measured[l])) ± \(formatNumber(lengths.measuredStdErr[l])) vs q^\(l + 1) = \(formatNumber(lengths.theory[l]))"
                }.joined(separator: ", "))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The q column: q* where every layer sits at it, q¹→q^L for a layer-by-layer answer.
    func qCell(_ field: MeanFieldSummary) -> String {
        guard let path = field.trajectory else { return formatNumber(field.qStar) }
        let last = path.q.count - 1
        if last == 0 { return formatNumber(path.q[0], log10Value: path.log10Q[0]) }
        return formatNumber(path.q[0], log10Value: path.log10Q[0]) + "→" + formatNumber(path.q[last], log10Value: path.log10Q[last])
    }

    func csv(_ results: [JacobianResult]) -> String {
        var lines = ["weights,depth,x,rho,cdf,log10_x,rho_log10"]
        for r in results {
            let d = r.prediction.density
            for i in d.x.indices {
                lines.append("\(r.prediction.weights),\(r.prediction.depth),\(d.x[i]),\(d.rho[i]),\(d.cdf[i]),\(d.log10X[i]),\(d.rhoLog10[i])")
            }
        }
        return lines.joined(separator: "\n")
    }
}

/// One row of `freespec jacobian` output: the prediction and, with --monte-carlo, the
/// sampled comparison under the key `monteCarlo`.
struct JacobianResult: Encodable {
    var prediction: JacobianPrediction
    var monteCarlo: JacobianMonteCarloReport?
    /// The solved spectrum the prediction was read from (for the figure; not encoded).
    var solved: any SolvedSpectrum

    func encode(to encoder: Encoder) throws {
        try prediction.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(monteCarlo, forKey: .monteCarlo)
    }
    private enum Key: String, CodingKey { case monteCarlo }
}
