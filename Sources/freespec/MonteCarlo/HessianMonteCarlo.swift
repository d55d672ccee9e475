import ArgumentParser
import FreeSpectra
import Foundation

/// The Monte Carlo of `freespec hessian` and `freespec critical-energy`: the shared
/// `--monte-carlo --samples --seed` and the matrix size n (parameters) of the sampled
/// H = H₀ + H₁, with m = round(n/φ) data points.
struct HessianMonteCarloOptions: ParsableArguments, SamplesMonteCarlo {
    @OptionGroup var sampling: MonteCarloSampling

    @Option(name: .customLong("size"), parsing: .unconditional, help: "Monte Carlo matrix size n (parameters); m = round(n/φ) data points (2 to 4000; default 400).",
            transform: PlainNumber.whole)
    var sizeOption: Int?

    static let defaultSize = 400

    var size: Int { sizeOption ?? Self.defaultSize }

    /// The options of this group (and its shared group) that need `--monte-carlo`.
    var monteCarloOnly: [(String, Bool)] { [("--size", sizeOption != nil)] + sampling.monteCarloOnly }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        try requireMonteCarlo(monteCarloOnly, enabled: monteCarloEnabled)
        guard (2...4000).contains(size) else { throw ValidationError("--size must be between 2 and 4000, got \(size)") }
    }

    /// The data-point count m = round(n/φ), checked before sampling so that a tiny φ cannot ask
    /// for a huge X.
    func checkDataPoints(phi: Double) throws {
        let m = (Double(size) / phi).rounded()
        guard m <= 50_000 else {
            throw ValidationError("--size \(size) at --phi \(phi) needs m = round(n/φ) = \(m < 1e15 ? String(Int(m)) : formatNumber(m)) data points; at most 50000: lower --size or raise --phi")
        }
    }

    /// The shared options and the estimate of sampling at each of `phis` (nil without
    /// --monte-carlo).
    func run(phis: [Double]) -> (sampling: MonteCarloSampling, budget: MonteCarloBudget)? {
        guard monteCarloEnabled else { return nil }
        let points = phis.map { max(1, Int(min(1e9, (Double(size) / $0).rounded()))) }
        return (sampling, .hessian(size: size, dataPoints: points, samples: samples))
    }

    /// What to try when the sample disagrees. H₀ + H₁ has no hidden state that drifts; only
    /// finite size remains, which shrinks like 1/n.
    static let disagreementAdvice =
        "finite-size effects shrink like 1/n: a gap that stays with a larger --size points at the theory"

    /// Samples at (φ, ε) and compares with the theory at the sampled ratio n/m.
    func run(phi: Double, epsilon: Double) throws -> HessianMonteCarloReport {
        let sampled = try HessianSampler.sample(phi: phi, epsilon: epsilon, size: size, samples: samples, seed: seed)
        let theory = try LossHessian(phi: sampled.effectivePhi, epsilon: epsilon)
        var spectrum = sampled.spectrum
        if !theory.atoms.isEmpty {
            // ε = 0, φ > 1: MP's atom at 0 comes out of LAPACK as ±1e-15·‖H‖; snap that rounding
            // noise to the atom (the sampler's index ignores it the same way).
            spectrum = try EmpiricalSpectrum(samples: spectrum.samples.map { e in
                let noise = 1e-12 * (e.map(abs).max() ?? 0)
                return e.map { abs($0) <= noise ? 0 : $0 }
            })
        }
        let verdict = try MonteCarloVerdict.compare(spectrum, theoryCDF: theory.cdf, width: size,
                                                    disagreementAdvice: Self.disagreementAdvice)
        let histogram = try spectrum.histogram(besideAtomAtZero: !theory.atoms.isEmpty)
        return HessianMonteCarloReport(
            samples: samples, seed: seed, verdict: verdict, histogram: HistogramReport(histogram),
            details: HessianSampleDetails(
                size: size, dataPoints: sampled.dataPoints, effectivePhi: sampled.effectivePhi,
                index: sampled.index.value, indexStdErr: sampled.index.standardError, indexTheory: theory.index(),
                lambdaMin: spectrum.pooled.first ?? .nan, lambdaMax: spectrum.pooled.last ?? .nan,
                moments: (1...4).map { spectrum.moment($0).value }))
    }

}

/// The `monteCarlo` key of `freespec hessian --format json`.
typealias HessianMonteCarloReport = MonteCarloReport<HessianSampleDetails>

/// The Hessian's own fields of its Monte Carlo report.
struct HessianSampleDetails: Encodable {
    var size: Int
    var dataPoints: Int
    /// n/m actually sampled; the KS test uses the theory at this ratio.
    var effectivePhi: Double
    /// Sampled index: mean over samples of the fraction of negative eigenvalues.
    var index: Double
    var indexStdErr: Double
    /// The theory's index at the sampled ratio.
    var indexTheory: Double
    var lambdaMin: Double
    var lambdaMax: Double
    /// m₁ … m₄ of the pooled eigenvalues.
    var moments: [Double]
}
