import ArgumentParser
import FreeSpectra
import Foundation

/// `freespec jacobian`'s Monte Carlo: the shared `--monte-carlo --samples --seed`, the width N
/// of the sampled networks, how the slopes D are drawn, and where to write the eigenvalues.
struct JacobianMonteCarloOptions: ParsableArguments, SamplesMonteCarlo {
    @OptionGroup var sampling: MonteCarloSampling

    @Option(name: .customLong("width"), parsing: .unconditional, help: "Monte Carlo width N of every layer (2 to 20000; default 256); J Jᵀ is N × N.",
            transform: PlainNumber.whole)
    var widthOption: Int?

    @Option(name: .customLong("mode"), help: ArgumentHelp(
        "How the Monte Carlo slopes D^l are drawn: network or independent (default network).",
        discussion: "network: D^l = diag φ′(h^l) from a real forward pass of an input of length q*. independent: each D^l drawn afresh from the law of φ′(√q* h)², which removes the finite-width drift of q^l."))
    var modeOption: SamplingMode?

    @Option(help: "Write the pooled Monte Carlo eigenvalues to this file (.csv or .npy).")
    var eigenvalues: String?

    static let defaultWidth = 256

    var width: Int { widthOption ?? Self.defaultWidth }
    var mode: SamplingMode { modeOption ?? .network }

    /// The options of this group (and its shared group) that need `--monte-carlo`.
    var monteCarloOnly: [(String, Bool)] {
        [("--width", widthOption != nil), ("--mode", modeOption != nil), ("--eigenvalues", eigenvalues != nil)] + sampling.monteCarloOnly
    }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        try requireMonteCarlo(monteCarloOnly, enabled: monteCarloEnabled)
        guard (2...20_000).contains(width) else { throw ValidationError("--width must be between 2 and 20000, got \(width)") }
        if let path = eigenvalues {
            try validateOutputPath(path, option: "--eigenvalues", extensions: EigenvalueExport.Format.allCases.map(\.rawValue), writes: "eigenvalue")
        }
    }

    /// N_0 … N_L of a sampled network with rectangular layers: N_0 = --width, N_l = round(N_0 · ratio).
    func layerWidths(ratios: [Double]?) -> [Int]? {
        ratios.map { [width] + $0.map { max(1, Int((Double(width) * $0).rounded())) } }
    }

    /// What to try when the sample disagrees: a network-mode sample can drift in q^l.
    var disagreementAdvice: String {
        switch mode {
        case .network:
            return "in a deep network-mode sample q^l drifts when the length map barely contracts (small q*, orthogonal tanh); rerun with --mode independent to tell drift from a theory error"
        case .independent:
            return "the independent mode has no q-drift; a gap that does not shrink like 1/N with a larger --width points at the theory"
        }
    }

    /// Samples the network of `model`, compares with `prediction` (and the CDF of `solved`, the
    /// spectrum it was read from), and writes eigenvalues.
    func run(model: JacobianSpectrum, prediction: JacobianPrediction, solved analysis: any SolvedSpectrum) throws -> JacobianMonteCarloReport {
        let field = prediction.meanField
        let configuration = NetworkSamplingConfiguration(
            activation: model.activation, weights: model.weights, depth: model.depth, width: width,
            sigmaW: field.sigmaW, sigmaB: field.sigmaB, qStar: field.qStar.isFinite ? field.qStar : 1,
            samples: samples, seed: seed, mode: mode,
            layerWidths: layerWidths(ratios: model.widthRatios),
            inputLength: field.inputLength, layerLengths: field.trajectory?.q)
        let progress = ProgressLine(label: "Monte Carlo \(model.weights.rawValue) L=\(model.depth)", quiet: sampling.quiet)
        let result = try JacobianSampler.sample(configuration) { done, total in progress.update(done, of: total) }
        let comparison = try JacobianComparison(result, configuration: configuration, model: model, solved: analysis,
                                                logFirstMoment: prediction.log10FirstMoment * log(10),
                                                disagreementAdvice: disagreementAdvice)
        let spectrum = comparison.spectrum, floor = comparison.floor, verdict = comparison.verdict
        let logarithmic = prediction.density.scale == .log
        // Eigenvalues raised to the resolution floor are counted (in the underflow) but not
        // binned: in one bin at the floor they would draw a spike that is not in the spectrum.
        let positive = spectrum.pooled.filter { $0 > floor }
        var range: ClosedRange<Double>? = nil
        if logarithmic, let lo = positive.first, let hi = positive.last, lo < hi {
            // From the theory's 0.1 % quantile of the continuous part (where the plot starts) or
            // the smallest resolved eigenvalue, whichever is higher.
            let start = prediction.log10Quantile01Continuous.map { pow(10, $0 - 1) } ?? lo
            range = max(lo, start)...hi
        }
        let histogram = try spectrum.histogram(bins: 60, logarithmic: logarithmic, range: range)
        if let path = eigenvalues { try EigenvalueExport.write(spectrum.pooled, to: URL(fileURLWithPath: path)) }
        let m1 = spectrum.m1, m2 = spectrum.m2
        let mean = prediction.moments
        return JacobianMonteCarloReport(
            samples: samples, seed: seed, verdict: verdict,
            histogram: HistogramReport(histogram, perLog10: true, resolutionFloor: floor),
            details: JacobianSampleDetails(
                width: width, layerWidths: configuration.layerWidths, mode: mode.rawValue,
                moments: [m1.value, m2.value], momentStdErr: [m1.standardError, m2.standardError],
                momentRelativeErrors: [m1.value / mean[0] - 1, m2.value / mean[1] - 1],
                lambdaMax: spectrum.lambdaMax.value, lambdaMaxStdErr: spectrum.lambdaMax.standardError,
                lambdaMaxTheory: prediction.lambdaMax,
                preactivationLengths: PreactivationLengths(result, theory: field.trajectory?.q ?? Array(repeating: field.qStar, count: model.depth)),
                productGFLOPS: result.timings.productGFLOPS, seconds: result.timings.total))
    }
}

/// The `monteCarlo` key of `freespec jacobian --format json`.
typealias JacobianMonteCarloReport = MonteCarloReport<JacobianSampleDetails>

/// The Jacobian's own fields of its Monte Carlo report.
struct JacobianSampleDetails: Encodable {
    var width: Int
    /// N_0 … N_L of a network with rectangular layers (absent for a square one).
    var layerWidths: [Int]?
    var mode: String
    /// m₁, m₂ of the pooled eigenvalues, their standard errors and relative errors against
    /// the series moments.
    var moments: [Double]
    var momentStdErr: [Double]
    var momentRelativeErrors: [Double]
    var lambdaMax: Double
    var lambdaMaxStdErr: Double
    var lambdaMaxTheory: Double
    /// The measured q̂^l = ‖h^l‖²/N beside the length map's q^l.
    var preactivationLengths: PreactivationLengths
    /// Speed of the products D·W (timing: varies from run to run).
    var productGFLOPS: Double
    /// Wall-clock seconds of the sampling (timing).
    var seconds: Double
}

extension SamplingMode: ExpressibleByArgument {}
extension DensityScale: ExpressibleByArgument {}

/// q̂^l = ‖h^l‖²/N_l of the sampled forward passes (mean over samples, with its standard error)
/// beside the length map's q^l, layer by layer.
struct PreactivationLengths: Encodable {
    var theory: [Double]
    var measured: [Double]
    var measuredStdErr: [Double]

    init(_ samples: JacobianSamples, theory: [Double]) {
        self.theory = theory
        let depth = theory.count
        measured = (0..<depth).map { l in samples.preactivationLengths.reduce(0) { $0 + $1[l] } / Double(samples.preactivationLengths.count) }
        measuredStdErr = (0..<depth).map { l in
            let values = samples.preactivationLengths.map { $0[l] }
            guard values.count > 1 else { return .nan }
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1) / Double(values.count)).squareRoot()
        }
    }
}

