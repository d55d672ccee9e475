import ArgumentParser
import FreeSpectra
import FreeSpectraPlot
import Foundation

struct GdCommand: ParsableCommand, SamplesMonteCarlo {
    static let configuration = CommandConfiguration(
        commandName: "gd",
        abstract: "Gradient descent on least squares, read off the Hessian's spectrum (Marchenko–Pastur or Pennington–Worah).",
        discussion: """
        p parameters, m data points, features F (p × m), labels y = Fᵀw* + ε (noise variance s² = --noise), loss E(w) = ‖Fᵀw − y‖²/(2m), Hessian A = FFᵀ/m with law μ, c = p/m, initial error ‖w₀ − w*‖² = r² (--initial-error) isotropic. Gradient descent w ← w − η∇E gives

            E(t) − E* = (r²/2)∫λ(1 − ηλ)^{2t}dμ + (s²c/2)∫_{λ>0}(1 − ηλ)^{2t}dμ,
            ‖w_t − w*‖² = r²∫(1 − ηλ)^{2t}dμ + s²c∫_{λ>0}(1 − (1 − ηλ)^t)²/λ dμ,

        E* = (s²/2)(1 − c·μ(λ > 0)), test error ½(s² + σ²‖w_t − w*‖²) for i.i.d. features; integrals by quadrature against the density and atoms (Docs/theory-gd.md). --model wishart: n i.i.d. features of variance σ² (--variance), μ = MP(n/m, σ²), --ratio = n/m. --model gram: random features f(WX) as in `freespec gram` (--activation, --phi, --psi), c = φ/ψ. --monte-carlo runs real gradient descent on sampled problems and prints the means with standard errors.

        Examples:
          freespec gd --model wishart --ratio 0.5 --eta 0.2,0.5 --steps log:1:10000:9
          freespec gd --model wishart --ratio 2 --eta 0.3 --steps 0,10,100 --noise 0.1 --format json
          freespec gd --model gram --activation relu --phi 0.5 --psi 0.8 --eta 0.5 --steps log:1:1000:7
          freespec gd --model wishart --ratio 0.5 --eta 0.3,0.6 --steps log:1:1000:13 --monte-carlo --plot gd.svg
        """)

    enum Model: String, CaseInsensitiveArgument { case wishart, gram }

    @Option(help: "Which Hessian: wishart (linear regression on i.i.d. features) or gram (random features f(WX)).")
    var model: Model = .wishart

    @Option(parsing: .unconditional, help: "wishart: n/m > 0, features per data point.", transform: decimalOption)
    var ratio: Double?

    @Option(parsing: .unconditional, help: "wishart: the feature variance σ² > 0.", transform: decimalOption)
    var variance: Double = 1

    @Option(help: "gram: activation, one of \(GramActivations.names.joined(separator: ", ")) (leaky-relu:SLOPE sets the slope).")
    var activation: String = "relu"

    @Option(parsing: .unconditional, help: "gram: φ = n₀/m > 0.", transform: decimalOption)
    var phi: Double?

    @Option(parsing: .unconditional, help: "gram: ψ = n₀/n₁ > 0.", transform: decimalOption)
    var psi: Double?

    @Option(name: .customLong("sigma-w"), parsing: .unconditional, help: "gram: weight scale σ_w > 0.", transform: decimalOption)
    var sigmaW: Double = 1

    @Option(name: .customLong("sigma-x"), parsing: .unconditional, help: "gram: input scale σ_x > 0.", transform: decimalOption)
    var sigmaX: Double = 1

    @Option(parsing: .unconditional, help: "Step sizes η > 0 (comma-separated).", transform: CommaList<Double>.decimals)
    var eta: CommaList<Double>

    @Option(parsing: .unconditional, help: "Steps: a comma-separated list of whole numbers ≥ 0, or log:LO:HI:COUNT (LO ≥ 1, rounded to distinct whole steps); at most 1e9.")
    var steps: String = "log:1:10000:50"

    @Option(parsing: .unconditional, help: "Label-noise variance s² ≥ 0.", transform: decimalOption)
    var noise: Double = 0

    @Option(name: .customLong("initial-error"), parsing: .unconditional, help: "r² = ‖w₀ − w*‖² > 0.", transform: decimalOption)
    var initialError: Double = 1

    @Option(parsing: .unconditional, help: "ε in (0, 1): the halting time is the first step with E(t) − E* ≤ ε(E(0) − E*); a direction λ counts as converged once |1 − ηλ|^t < ε.", transform: decimalOption)
    var epsilon: Double = 1e-3

    @Option(help: "Output: table, json or csv (csv: the curves).")
    var format: OutputFormat = .table

    @Option(help: "Write an SVG plot of the excess-loss curves (log axes; Monte Carlo as points with error bars) to this file.")
    var plot: String?

    @OptionGroup var sampling: MonteCarloSampling

    @Option(parsing: .unconditional, help: "wishart Monte Carlo: n parameters (2 to 4000), m = round(n/ratio) ≤ 8000.")
    var size: Int = 500

    @Option(parsing: .unconditional, help: "gram Monte Carlo: input dimension n₀ (2 to 4000); m = round(n₀/φ), n₁ = round(n₀/ψ), each ≤ 8000.")
    var n0: Int = 200

    /// The step list; a ValidationError for anything malformed.
    static func stepList(_ spec: String) throws -> [Int] {
        let bad = ValidationError("--steps must be whole numbers ≥ 0 separated by commas, or log:LO:HI:COUNT with 1 ≤ LO ≤ HI ≤ 1e9 and 1 ≤ COUNT ≤ 1000, got '\(spec)'")
        if spec.hasPrefix("log:") {
            let parts = spec.dropFirst(4).split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else { throw bad }
            let lo = parts[0]!, hi = parts[1]!, c = parts[2]!
            guard lo >= 1, hi >= lo, hi <= 1e9, c >= 1, c <= 1000, c == c.rounded() else { throw bad }
            let count = Int(c)
            let values = (0..<count).map { i in Int((count == 1 ? lo : lo * pow(hi / lo, Double(i) / Double(count - 1))).rounded()) }
            return Array(Set(values)).sorted()
        }
        let values = spec.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 && $0! <= 1_000_000_000 }) else { throw bad }
        return Array(Set(values.map { $0! })).sorted()
    }

    func validate() throws {
        switch model {
        case .wishart:
            guard let r = ratio else { throw ValidationError("--model wishart needs --ratio (features per data point n/m > 0)") }
            guard r.isFinite && r > 0 && r <= 1e6 else { throw ValidationError("--ratio must be a finite number in (0, 1e6], got \(r)") }
            guard variance.isFinite && variance > 0 && variance <= 1e6 else { throw ValidationError("--variance must be a finite number in (0, 1e6], got \(variance)") }
            if phi != nil || psi != nil { throw ValidationError("--phi and --psi belong to --model gram; --model wishart takes --ratio") }
        case .gram:
            guard let f = phi, let s = psi else { throw ValidationError("--model gram needs --phi and --psi") }
            guard f.isFinite && f > 0 && f <= 1e6 else { throw ValidationError("--phi must be a finite number in (0, 1e6], got \(f)") }
            guard s.isFinite && s > 0 && s <= 1e6 else { throw ValidationError("--psi must be a finite number in (0, 1e6], got \(s)") }
            guard sigmaW.isFinite && sigmaW > 0 && sigmaW <= 1e6 else { throw ValidationError("--sigma-w must be a finite number in (0, 1e6], got \(sigmaW)") }
            guard sigmaX.isFinite && sigmaX > 0 && sigmaX <= 1e6 else { throw ValidationError("--sigma-x must be a finite number in (0, 1e6], got \(sigmaX)") }
            if ratio != nil { throw ValidationError("--ratio belongs to --model wishart; --model gram takes --phi and --psi") }
            _ = try parseActivation(activation, using: GramActivations.named)
        }
        if let bad = eta.values.first(where: { !($0.isFinite && $0 > 0) }) { throw ValidationError("--eta values must be finite and > 0, got \(bad)") }
        let list = try Self.stepList(steps)
        guard noise.isFinite && noise >= 0 else { throw ValidationError("--noise must be a finite number ≥ 0, got \(noise)") }
        guard initialError.isFinite && initialError > 0 else { throw ValidationError("--initial-error must be a finite number > 0, got \(initialError)") }
        guard epsilon.isFinite && epsilon > 0 && epsilon < 1 else { throw ValidationError("--epsilon must be in (0, 1), got \(epsilon)") }
        if monteCarloEnabled {
            guard let last = list.last, last <= 100_000 else { throw ValidationError("--monte-carlo runs every step: the largest step must be ≤ 100000, got \(list.last ?? 0)") }
            switch model {
            case .wishart:
                guard (2...4000).contains(size) else { throw ValidationError("--size must be between 2 and 4000, got \(size)") }
                let m = (Double(size) / ratio!).rounded()
                guard m >= 1 && m <= 8000 else { throw ValidationError("--size \(size) at --ratio \(ratio!) gives m = \(Int(m)) data points; it must be between 1 and 8000 (change --size)") }
            case .gram:
                guard (2...4000).contains(n0) else { throw ValidationError("--n0 must be between 2 and 4000, got \(n0)") }
                let m = (Double(n0) / phi!).rounded(), n1 = (Double(n0) / psi!).rounded()
                guard [m, n1].allSatisfy({ $0 >= 2 && $0 <= 8000 }) else {
                    throw ValidationError("--n0 \(n0) at φ = \(phi!), ψ = \(psi!) gives m = \(Int(m)), n₁ = \(Int(n1)); both must be between 2 and 8000 (change --n0)")
                }
            }
        }
        if let path = plot { try validateOutputPath(path, option: "--plot") }
    }

    var optionsText: String {
        model == .wishart ? "--model wishart --ratio \(ratio ?? .nan)" : "--model gram --activation \(activation) --phi \(phi ?? .nan) --psi \(psi ?? .nan)"
    }

    func run() throws {
        try reportingErrors {
            let list = try Self.stepList(steps)
            let curves: GradientDescentCurves
            var sampledCurves: GradientDescentCurves? = nil
            var features: GradientDescentFeatures? = nil
            switch model {
            case .wishart:
                curves = try .linearRegression(ratio: ratio!, variance: variance, initialError: initialError, noise: noise)
                if monteCarloEnabled {
                    let m = Int((Double(size) / ratio!).rounded())
                    features = .gaussian(parameters: size, dataPoints: m, variance: variance)
                    sampledCurves = try .linearRegression(ratio: Double(size) / Double(m), variance: variance, initialError: initialError, noise: noise)
                }
            case .gram:
                let f = try parseActivation(activation, using: GramActivations.named)
                let gram = try NonlinearGram(activation: f, sigmaW: sigmaW, sigmaX: sigmaX, phi: phi!, psi: psi!)
                curves = try .randomFeatures(gram, initialError: initialError, noise: noise)
                if monteCarloEnabled {
                    let shape = try GramShape(phi: phi!, psi: psi!, width: n0)
                    let moments = try GramActivationMoments(activation: f, sigmaW: sigmaW, sigmaX: sigmaX)
                    features = .randomFeatures(activation: f, moments: moments, shape: shape)
                    let sampledLaw = try NonlinearGram(eta: moments.eta, zeta: moments.zeta, phi: shape.effectivePhi, psi: shape.effectivePsi)
                    sampledCurves = try .randomFeatures(sampledLaw, initialError: initialError, noise: noise)
                }
            }
            let result = try GdResult.build(curves, etas: eta.values, steps: list, epsilon: epsilon, model: model.rawValue)
            var output = result
            if let features, let sampledCurves {
                let sampled = try GradientDescentSampler.run(features, etas: eta.values, steps: list, initialError: initialError,
                                                             noise: noise, samples: samples, seed: seed)
                try output.attach(sampled, theoryAtSampledSize: sampledCurves, parameters: features.parameters,
                                  dataPoints: features.dataPoints, samples: samples, seed: seed)
            }
            switch format {
            case .json: print(try encodeJSON(output))
            case .csv: print(csv(output))
            case .table: print(table(output))
            }
            if let path = plot { try writeText(svg(output), to: path) }
        }
    }

    func table(_ r: GdResult) -> String {
        let s = r.summary
        let opt = { (x: Double?) in x.map { formatNumber($0) } ?? "none (no gap above 0)" }
        var rows: [[String]] = [
            ["λ_max", formatNumber(s.lambdaMax)], ["λ_min (lowest positive)", formatNumber(s.lambdaMin)],
            ["zero atom μ({0})", formatNumber(s.zeroAtom)], ["c = p/m", formatNumber(s.aspect)],
            ["stable steps η <", formatNumber(s.stableStepBound)], ["optimal step η*", opt(s.optimalStep)],
            ["rate at η* (error per step)", opt(s.rate)],
            ["halting time t(ε = \(formatNumber(s.epsilon))) at η*", s.haltingTime.map { "\($0)" } ?? "-"],
            ["E* (loss floor)", formatNumber(s.minimumLoss)],
        ]
        for e in r.stepSizes {
            rows.append(["η = \(formatNumber(e.eta))", e.stable ? "stable, t(ε) = \(e.haltingTime.map { "\($0)" } ?? "> 1e15")" : "diverges (η ≥ 2/λ_max)"])
        }
        var lines = [renderTable(["quantity", "value"], rows), ""]
        let withNoise = r.curves.contains { $0.trainError != $0.excessLoss + s.minimumLoss } || s.minimumLoss > 0 || (r.curves.first?.testError != nil && s.noise > 0)
        let mc = r.monteCarlo != nil
        var header = ["η", "t", "E − E*", "‖w − w*‖²"]
        if withNoise { header += ["E_train", "E_test"] }
        header.append("converged")
        if mc { header += [s.noise > 0 ? "MC E_train ± s.e." : "MC E − E* ± s.e.", "rel. err ± s.e.", "MC ‖w − w*‖² ± s.e."] }
        let pm = { (e: MonteCarloEstimate) in "\(formatNumber(e.value)) ± \(formatNumber(e.standardError))" }
        lines.append(renderTable(header, r.curves.map { c in
            var row = [formatNumber(c.eta), "\(c.step)", logged(c.excessLoss, c.log10ExcessLoss), logged(c.distance, c.log10Distance)]
            if withNoise { row += [formatNumber(c.trainError), c.testError.map { formatNumber($0) } ?? "-"] }
            row.append(formatNumber(c.convergedFraction))
            if mc {
                if let m = c.monteCarlo {
                    row += [pm(m.excessLoss ?? m.trainError),
                            "\(formatNumber(m.relativeError)) ± \(formatNumber(m.relativeStandardError))", pm(m.distance)]
                } else { row += ["-", "-", "-"] }
            }
            return row
        }))
        if let m = r.monteCarlo {
            lines.append("MC: real gradient descent from w₀ = 0, p = \(m.parameters), m = \(m.dataPoints), \(m.samples) samples, seed \(m.seed); relative errors against the theory at the sampled c = \(formatNumber(Double(m.parameters) / Double(m.dataPoints)))\(model == .gram ? " (and ratios)" : ""); finite-size bias is O(1/p) while t ≲ p^{2/3}, after which the sample's extreme eigenvalues set the curve.")
        }
        return lines.joined(separator: "\n")
    }

    /// A value that may have under- or overflowed Double: 10^x from its logarithm then.
    func logged(_ x: Double, _ log10Value: Double) -> String {
        if log10Value.isFinite && (x == 0 || !x.isFinite || abs(log10Value) > 300) { return String(format: "10^%.4g", log10Value) }
        return formatNumber(x)
    }

    func csv(_ r: GdResult) -> String {
        var lines = ["eta,step,excess_loss,log10_excess_loss,distance,log10_distance,train_error,test_error,converged_fraction,mc_excess_loss,mc_excess_loss_se,mc_distance,mc_distance_se,mc_train_error,mc_train_error_se"]
        for c in r.curves {
            let m = c.monteCarlo
            let cells: [String] = [c.eta, Double(c.step), c.excessLoss, c.log10ExcessLoss, c.distance, c.log10Distance, c.trainError,
                                   c.testError ?? .nan, c.convergedFraction].map { "\($0)" }
                + [m?.excessLoss?.value, m?.excessLoss?.standardError, m?.distance.value, m?.distance.standardError,
                   m?.trainError.value, m?.trainError.standardError].map { $0.map { "\($0)" } ?? "" }
            lines.append(cells.joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    func svg(_ r: GdResult) -> String {
        var plot = SVGPlot(title: "Gradient descent read off the spectrum (\(optionsText))",
                           x: PlotAxis(label: "step t", scale: .log), y: PlotAxis(label: r.summary.noise > 0 ? "excess loss E(t) − E*" : "loss E(t)", scale: .log10Values))
        plot.subtitle = "lines: theory; points: real gradient descent (mean ± s.e.)"
        if let m = r.monteCarlo {
            plot.notes.append("MC: p = \(m.parameters), m = \(m.dataPoints), \(m.samples) samples; beyond t ~ p^{2/3} = \(Int(pow(Double(m.parameters), 2.0 / 3)))")
            plot.notes.append("the samples follow their own extreme eigenvalues")
        }
        for (k, e) in r.stepSizes.enumerated() {
            let c = r.curves.filter { $0.eta == e.eta && $0.step > 0 }
            plot.curves.append(.init(label: "η = \(formatNumber(e.eta))\(e.stable ? "" : " (diverges)")", x: c.map { Double($0.step) }, y: c.map(\.log10ExcessLoss), colourIndex: k))
            let sampled = c.filter { $0.monteCarlo?.excessLoss != nil }
            if !sampled.isEmpty {
                let est = sampled.map { $0.monteCarlo!.excessLoss! }
                plot.points.append(.init(label: "MC η = \(formatNumber(e.eta))", x: sampled.map { Double($0.step) },
                                         y: est.map { log10($0.value) },
                                         lower: est.map { log10(max($0.value - $0.standardError, $0.value * 1e-3)) },
                                         upper: est.map { log10($0.value + ($0.standardError.isFinite ? $0.standardError : 0)) },
                                         colourIndex: k))
            }
        }
        return plot.render()
    }
}

/// What `freespec gd` reports.
struct GdResult: Encodable {
    struct Summary: Encodable {
        var model: String
        var aspect: Double
        var noise: Double
        var initialError: Double
        var lambdaMax: Double
        var lambdaMin: Double
        var zeroAtom: Double
        var stableStepBound: Double
        var optimalStep: Double?
        var rate: Double?
        var epsilon: Double
        /// t(ε) at η* (nil without a gap).
        var haltingTime: Int?
        var minimumLoss: Double
    }
    struct Direction: Encodable { var lambda: Double; var steps: Int? }
    struct StepSize: Encodable {
        var eta: Double
        var stable: Bool
        var haltingTime: Int?
        /// Steps for the error along λ to shrink by ε, on 9 points of the support.
        var directions: [Direction]
    }
    struct Sampled: Encodable {
        var excessLoss: MonteCarloEstimate?
        var distance: MonteCarloEstimate
        var trainError: MonteCarloEstimate
        var testError: MonteCarloEstimate?
        /// (MC − theory)/theory for the excess loss (the training error with noise), theory at the sampled size.
        var relativeError: Double
        var relativeStandardError: Double
    }
    struct Curve: Encodable {
        var eta: Double
        var step: Int
        var excessLoss: Double
        var log10ExcessLoss: Double
        var distance: Double
        var log10Distance: Double
        var trainError: Double
        var testError: Double?
        var convergedFraction: Double
        var monteCarlo: Sampled?
    }
    struct MonteCarloInfo: Encodable { var parameters: Int; var dataPoints: Int; var samples: Int; var seed: UInt64 }

    var summary: Summary
    var stepSizes: [StepSize]
    var curves: [Curve]
    var monteCarlo: MonteCarloInfo?

    static func build(_ g: GradientDescentCurves, etas: [Double], steps: [Int], epsilon: Double, model: String) throws -> GdResult {
        let halting = try g.optimalStep.flatMap { try g.haltingTime(eta: $0, relativeLoss: epsilon) }
        let summary = Summary(model: model, aspect: g.aspect, noise: g.noise, initialError: g.initialError, lambdaMax: g.lambdaMax,
                              lambdaMin: g.lambdaMin, zeroAtom: g.zeroAtom, stableStepBound: g.stableStepBound,
                              optimalStep: g.optimalStep, rate: g.optimalRate, epsilon: epsilon, haltingTime: halting,
                              minimumLoss: g.minimumLoss)
        let lo = g.law.support.first?.lowerBound ?? 0
        let grid = (0..<9).map { lo + (g.lambdaMax - lo) * Double($0) / 8 }
        let sizes = try etas.map { eta in
            StepSize(eta: eta, stable: eta < g.stableStepBound, haltingTime: try g.haltingTime(eta: eta, relativeLoss: epsilon),
                     directions: grid.map { Direction(lambda: $0, steps: GradientDescentCurves.stepsToConverge(lambda: $0, eta: eta, epsilon: epsilon)) })
        }
        var curves: [Curve] = []
        for eta in etas {
            for t in steps {
                let p = try g.point(eta: eta, step: t, epsilon: epsilon)
                curves.append(Curve(eta: eta, step: t, excessLoss: p.excessLoss, log10ExcessLoss: p.log10ExcessLoss, distance: p.distance,
                                    log10Distance: p.log10Distance, trainError: p.trainError, testError: p.testError,
                                    convergedFraction: p.convergedFraction, monteCarlo: nil))
            }
        }
        return GdResult(summary: summary, stepSizes: sizes, curves: curves, monteCarlo: nil)
    }

    mutating func attach(_ sampled: [GradientDescentSampledPoint], theoryAtSampledSize g: GradientDescentCurves,
                         parameters: Int, dataPoints: Int, samples: Int, seed: UInt64) throws {
        for i in curves.indices {
            guard let s = sampled.first(where: { $0.eta == curves[i].eta && $0.step == curves[i].step }) else { continue }
            let p = try g.point(eta: s.eta, step: s.step)
            let (mc, theory) = s.excessLoss.map { ($0, p.excessLoss) } ?? (s.trainError, p.trainError)
            curves[i].monteCarlo = Sampled(excessLoss: s.excessLoss, distance: s.distance, trainError: s.trainError, testError: s.testError,
                                           relativeError: mc.value / theory - 1, relativeStandardError: mc.standardError / theory)
        }
        monteCarlo = MonteCarloInfo(parameters: parameters, dataPoints: dataPoints, samples: samples, seed: seed)
    }
}
