import Foundation

/// The tolerance on the Kolmogorov–Smirnov distance between a Monte Carlo spectrum (S samples
/// of N eigenvalues) and an N = ∞ theory:
///
///     tolerance = c₁/√(N·S) + c₂/N.
///
/// - Sampling term, c₁ = 1.36: the 95% quantile of √n·KS for n = N·S i.i.d. points
///   (Kolmogorov). Eigenvalues of one matrix repel, so their empirical CDF fluctuates less
///   than i.i.d. points (≈ log N/N): the term is a conservative bound that needs no
///   assumption on the ensemble.
/// - Finite-width term, c₂ = 4: the spectrum at width N differs from its N = ∞ law by O(1/N).
///   Measured for products of L = 2…16 square Gaussian layers against the Fuss–Catalan law
///   (N = 64…400): KS ≈ (1–2)/N, growing only weakly with L; c₂ = 4 leaves a factor 2.
///
/// A network-mode sample of a deep network whose pre-activation length q^l drifts (length
/// map barely contracting) can exceed this without any theory error: compare with the
/// `independent` mode or `renormalize` before blaming the theory.
public struct MonteCarloTolerance: Sendable, Equatable, Codable {
    /// c₁, multiplying 1/√(N·S).
    public var samplingConstant: Double
    /// c₂, multiplying 1/N.
    public var finiteWidthConstant: Double

    public init(samplingConstant: Double = 1.36, finiteWidthConstant: Double = 4) {
        self.samplingConstant = samplingConstant
        self.finiteWidthConstant = finiteWidthConstant
    }

    /// The sampling term c₁/√(N·S).
    public func samplingPart(width: Int, samples: Int) -> Double {
        samplingConstant / (Double(width) * Double(samples)).squareRoot()
    }

    /// The finite-width term c₂/N.
    public func finiteWidthPart(width: Int) -> Double {
        finiteWidthConstant / Double(width)
    }

    /// c₁/√(N·S) + c₂/N.
    public func value(width: Int, samples: Int) -> Double {
        samplingPart(width: width, samples: samples) + finiteWidthPart(width: width)
    }
}

/// Whether a Monte Carlo spectrum agrees with a theoretical CDF, and why.
public struct MonteCarloVerdict: Sendable, Equatable, Codable {
    /// ks ≤ tolerance.
    public var agrees: Bool
    /// The KS distance (see `EmpiricalSpectrum.ksDistance`).
    public var ks: Double
    /// The tolerance used (sampling part + finite-width part).
    public var tolerance: Double
    /// The part c₁/√(N·S) of the tolerance.
    public var samplingPart: Double
    /// The part c₂/N of the tolerance.
    public var finiteWidthPart: Double
    /// One sentence stating the comparison and the reasoning behind the tolerance.
    public var reason: String

    /// Compares the pooled eigenvalues of `spectrum` (S = `spectrum.samples.count` samples of
    /// matrices of width N) with the theory CDF `cdf` (right-continuous, atoms included) using
    /// `MonteCarloTolerance`.
    ///
    /// - Parameters:
    ///   - relativeResolution: passed to `ksDistance`; use ≈ 1e-9 when the theory has
    ///     atoms away from 0 that rounding smears.
    ///   - disagreementAdvice: what the model's user should try when the sample disagrees
    ///     (e.g. for deep networks: rule out the drift of q^l first); appended to `reason`
    ///     only then. The tolerance itself is the same for every model.
    /// - Throws: `invalidArgument` if width ≤ 0.
    public static func compare(
        _ spectrum: EmpiricalSpectrum, theoryCDF cdf: (Double) -> Double, width: Int,
        tolerance: MonteCarloTolerance = MonteCarloTolerance(), relativeResolution: Double = 0,
        disagreementAdvice: String? = nil
    ) throws -> MonteCarloVerdict {
        guard width > 0 else { throw NumericalError.invalidArgument("width must be positive, got \(width)") }
        let s = spectrum.samples.count
        let ks = spectrum.ksDistance(to: cdf, relativeResolution: relativeResolution)
        let sampling = tolerance.samplingPart(width: width, samples: s)
        let finite = tolerance.finiteWidthPart(width: width)
        let total = sampling + finite
        let agrees = ks <= total
        let f = { (x: Double) in String(format: "%.4g", x) }
        let budget = "tolerance \(f(total)) = \(f(tolerance.samplingConstant))/√(N·S) [sampling error, N = \(width), S = \(s)] + "
            + "\(f(tolerance.finiteWidthConstant))/N [finite-width effects] = \(f(sampling)) + \(f(finite))"
        let reason = agrees
            ? "KS distance \(f(ks)) ≤ \(budget): the sample agrees with the theory within sampling error and finite-width effects."
            : "KS distance \(f(ks)) > \(budget): the gap exceeds what sampling error (~1/√(N·S)) and finite width (~1/N) explain"
                + (disagreementAdvice.map { "; \($0)." } ?? ".")
        return MonteCarloVerdict(agrees: agrees, ks: ks, tolerance: total, samplingPart: sampling,
                                 finiteWidthPart: finite, reason: reason)
    }
}
