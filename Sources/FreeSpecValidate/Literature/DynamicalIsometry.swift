import Foundation
import FreeSpectra
import FreeSpectraPlot

/// Pennington, Schoenholz & Ganguli, "Resurrecting the sigmoid in deep learning through
/// dynamical isometry: theory and practice", NeurIPS 2017: how σ²_{JJᵀ} and λ_max grow with
/// depth for linear, ReLU and hard-tanh networks with Gaussian and orthogonal weights.
///
/// Three witnesses per point: the engine's exact S-series variance, the closed form
/// σ²/m1² = L(μ₂/μ₁² − 1 − s₁) with μ₂/μ₁² = 1/p for a Bernoulli(p) slope law (p = 1 linear,
/// 1/2 ReLU, erf(1/√(2q*)) hard-tanh; s₁ = −1 Gaussian, 0 orthogonal), and Monte Carlo.
enum DynamicalIsometry {
    struct Configuration {
        var activation: String
        var weights: WeightEnsemble
        var qStar: Double
        /// P(φ′ ≠ 0) at q*, in closed form.
        var p: Double
        var label: String { "\(activation) \(weights.rawValue)" }
    }

    static let hardTanhQStar = 0.5
    static let configurations: [Configuration] = ["linear", "relu", "hard-tanh"].flatMap { a in
        [WeightEnsemble.gaussian, .orthogonal].map { w in
            let q = a == "hard-tanh" ? hardTanhQStar : 1
            let p = a == "linear" ? 1 : a == "relu" ? 0.5 : erf(1 / (2 * q).squareRoot())
            return Configuration(activation: a, weights: w, qStar: q, p: p)
        }
    }
    static let theoryDepths = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000]
    static let monteCarloDepths = [1, 4, 16, 64]
    static let width = 256, samples = 4

    /// σ²_{JJᵀ}/m1² from the engine's S-series.
    static func seriesNormalizedVariance(_ c: Configuration, depth: Int) throws -> Double {
        let model = try JacobianSpectrum(activation: try Activations.named(c.activation), weights: c.weights,
                                         depth: depth, point: .critical(qStar: c.qStar))
        return try model.product.normalizedMoments(count: 2).normalized[1] - 1
    }

    /// The closed form L(1/p − 1 − s₁).
    static func closedFormNormalizedVariance(_ c: Configuration, depth: Int) -> Double {
        Double(depth) * (1 / c.p - 1 + (c.weights == .gaussian ? 1 : 0))
    }

    static func arguments(_ c: Configuration, depth: Int, monteCarlo: Bool) -> [String] {
        var a = ["jacobian", "--activation", c.activation, "--weights", c.weights.rawValue, "--depth", "\(depth)",
                 "--q-star", "\(c.qStar)", "--points", "2", "--format", "json"]
        if monteCarlo { a += ["--monte-carlo", "--width", "\(width)", "--samples", "\(samples)"] }
        return a
    }

    static func section(_ context: LiteratureContext) -> ReportSection {
        var failures: [String] = []
        var body = """
        Source: J. Pennington, S. S. Schoenholz, S. Ganguli, *Resurrecting the sigmoid in deep learning
        through dynamical isometry: theory and practice*, NeurIPS 2017 (their Fig. 1 and §2.5: σ²_{JJᵀ}
        grows linearly in L except for orthogonal linear networks, and orthogonal weights with a small
        q* keep hard-tanh/tanh networks well conditioned). All networks critical (χ = 1, so m1 = 1):
        linear and ReLU at σ_w² = 1/E[φ′²], σ_b = 0; hard-tanh at q* = \(hardTanhQStar).

        Witnesses: the engine's S-series variance; the closed form σ²/m1² = L(1/p − 1 − s₁) for a
        Bernoulli(p) slope law (p = 1, 1/2, erf(1/√(2q*)); s₁ = −1 Gaussian, 0 orthogonal), required to
        agree to 10⁻⁸ relative; λ_max from the spectrum (`freespec jacobian`); Monte Carlo at N = \(width),
        S = \(samples) (a real forward pass; σ² = m2 − m1², its standard error from those of m1, m2 ignoring
        their correlation). Monte Carlo σ² carries an O(L/N) finite-width bias and is shown, not judged.


        """
        // Theory λ_max, one call per (configuration, depth); MC at a few depths.
        let theoryCalls = configurations.flatMap { c in theoryDepths.map { arguments(c, depth: $0, monteCarlo: false) } }
        let mcCalls = configurations.flatMap { c in monteCarloDepths.map { arguments(c, depth: $0, monteCarlo: true) } }
        let theory = context.jsonBatch(theoryCalls, timeout: 60)
        let mc = context.jsonBatch(mcCalls, timeout: 90)
        failures += theory.failures + mc.failures
        var sigmaPlot = SVGPlot(title: "σ² of the J Jᵀ spectrum against depth (critical networks)",
                                x: PlotAxis(label: "depth L", scale: .log), y: PlotAxis(label: "σ² of the J Jᵀ spectrum", scale: .log))
        var lambdaPlot = SVGPlot(title: "λ_max of J Jᵀ against depth (critical networks)",
                                 x: PlotAxis(label: "depth L", scale: .log), y: PlotAxis(label: "λ_max", scale: .log))
        var rows: [[String]] = []
        for (k, c) in configurations.enumerated() {
            var sigma: [Double] = [], lambda: [Double] = []
            for (j, L) in theoryDepths.enumerated() {
                let series = (try? seriesNormalizedVariance(c, depth: L)) ?? .nan
                let closed = closedFormNormalizedVariance(c, depth: L)
                let gap = closed == 0 ? abs(series) : abs(series / closed - 1)
                if !(gap <= 1e-8) { failures.append("\(c.label) L=\(L): series σ²/m1² = \(series), closed form \(closed)") }
                sigma.append(series)
                let answer = theory.results[k * theoryDepths.count + j]?[0]
                lambda.append(answer?["lambdaMax"].double ?? .nan)
                let mcIndex = monteCarloDepths.firstIndex(of: L)
                var mcSigma = "-", mcLambda = "-"
                if let i = mcIndex, let m = mc.results[k * monteCarloDepths.count + i]?[0]["monteCarlo"], m.raw != nil {
                    let (s, se) = sampledVariance(m)
                    mcSigma = "\(ReportSection.number(s)) ± \(ReportSection.number(se, digits: 2))"
                    mcLambda = "\(ReportSection.number(m["lambdaMax"].double)) ± \(ReportSection.number(m["lambdaMaxStdErr"].double, digits: 2))"
                }
                if [1, 4, 16, 64, 1000].contains(L) {
                    rows.append([c.label, "\(L)", ReportSection.number(series), ReportSection.number(closed), mcSigma,
                                 ReportSection.number(lambda.last), mcLambda])
                }
            }
            let depths = theoryDepths.map(Double.init)
            let dashed = c.weights == .orthogonal
            if c.activation != "linear" || c.weights == .gaussian {  // σ² = 0 for orthogonal linear: no place on a log axis
                sigmaPlot.curves.append(.init(label: "\(c.label) theory", x: depths, y: sigma, colourIndex: k, dashed: dashed))
            }
            lambdaPlot.curves.append(.init(label: "\(c.label) theory", x: depths, y: lambda, colourIndex: k, dashed: dashed))
            var xs: [Double] = [], s: [Double] = [], sLo: [Double] = [], sHi: [Double] = []
            var l: [Double] = [], lLo: [Double] = [], lHi: [Double] = []
            for (i, L) in monteCarloDepths.enumerated() {
                guard let m = mc.results[k * monteCarloDepths.count + i]?[0]["monteCarlo"], m.raw != nil else { continue }
                let (v, se) = sampledVariance(m)
                let lm = m["lambdaMax"].double ?? .nan, lse = m["lambdaMaxStdErr"].double ?? .nan
                xs.append(Double(L)); s.append(v); sLo.append(v - se); sHi.append(v + se)
                l.append(lm); lLo.append(lm - lse); lHi.append(lm + lse)
            }
            let shape: SVGPlot.Points.Shape = c.weights == .gaussian ? .circle : .square
            if c.activation != "linear" || c.weights == .gaussian {
                sigmaPlot.points.append(.init(label: "\(c.label) MC", x: xs, y: s, lower: sLo, upper: sHi, colourIndex: k, shape: shape))
            }
            lambdaPlot.points.append(.init(label: "\(c.label) MC", x: xs, y: l, lower: lLo, upper: lHi, colourIndex: k, shape: shape))
        }
        body += ReportSection.table(["network", "L", "σ²/m1² (S-series)", "closed form", "σ² MC ± s.e.", "λ_max theory", "λ_max MC ± s.e."], rows)
        body += "\n\nOrthogonal linear networks are exactly isometric (σ² = 0, λ_max = 1 at every depth), so they have no σ² curve on the log axis; "
        body += "linear Gaussian and ReLU orthogonal share σ²/m1² = L, so their lines coincide.\n\n"
        body += "![σ² against depth](figures/psg-variance-vs-depth.svg)\n\n![λ_max against depth](figures/psg-lambda-max-vs-depth.svg)\n\n"
        let conditioning = WellConditioned.section(context)
        body += conditioning.body
        failures += conditioning.failures
        var figures = [(name: "psg-variance-vs-depth.svg", plot: sigmaPlot), (name: "psg-lambda-max-vs-depth.svg", plot: lambdaPlot)]
        figures += conditioning.figures
        return ReportSection(title: "Pennington, Schoenholz & Ganguli 2017: dynamical isometry across depth", body: body,
                             figures: figures, failures: failures)
    }

    /// σ² = m2 − m1² of the sampled spectrum and its standard error √(se₂² + (2 m1 se₁)²).
    static func sampledVariance(_ m: JSONValue) -> (Double, Double) {
        let m1 = m["moments"][0].double ?? .nan, m2 = m["moments"][1].double ?? .nan
        let s1 = m["momentStdErr"][0].double ?? .nan, s2 = m["momentStdErr"][1].double ?? .nan
        return (m2 - m1 * m1, (s2 * s2 + 4 * m1 * m1 * s1 * s1).squareRoot())
    }
}
