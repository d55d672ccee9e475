import Foundation

/// The tolerance on the Kolmogorov–Smirnov distance between a Monte Carlo spectrum (S samples
/// of N eigenvalues, depth L) and an N = ∞ theory:
///
///     tolerance = c₁/√(N·S) + c₂·L/N.
///
/// - Sampling term, c₁ = 1.36: the 95% quantile of √n·KS for n = N·S i.i.d. points
///   (Kolmogorov). Eigenvalues of one matrix repel, so their empirical CDF fluctuates less
///   than i.i.d. points (≈ log N/N); the term is conservative.
/// - Finite-width term, c₂ = 1: the empirical law of a product of L random layers of width N
///   differs from its N = ∞ limit by O(L/N) (corrections to products of random matrices grow
///   with the ratio depth/width, Hanin & Nica, CMP 376, 2020); at L = 1 this is the usual 1/N.
public struct MonteCarloTolerance: Sendable, Equatable, Codable {
    /// c₁, multiplying 1/√(N·S).
    public var samplingConstant: Double
    /// c₂, multiplying L/N.
    public var finiteWidthConstant: Double

    public init(samplingConstant: Double = 1.36, finiteWidthConstant: Double = 1) {
        self.samplingConstant = samplingConstant
        self.finiteWidthConstant = finiteWidthConstant
    }

    /// The sampling term c₁/√(N·S).
    public func samplingPart(width: Int, samples: Int) -> Double {
        samplingConstant / (Double(width) * Double(samples)).squareRoot()
    }

    /// The finite-width term c₂·L/N.
    public func finiteWidthPart(width: Int, depth: Int) -> Double {
        finiteWidthConstant * Double(depth) / Double(width)
    }

    /// c₁/√(N·S) + c₂·L/N.
    public func value(width: Int, samples: Int, depth: Int) -> Double {
        samplingPart(width: width, samples: samples) + finiteWidthPart(width: width, depth: depth)
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
    /// The part c₂·L/N of the tolerance.
    public var finiteWidthPart: Double
    /// One sentence stating the comparison and the reasoning behind the tolerance.
    public var reason: String

    /// Compares the pooled eigenvalues of `spectrum` (S = `spectrum.samples.count` samples of
    /// matrices of width N, from networks of depth L) with the theory CDF `cdf` (right-continuous,
    /// atoms included) using `MonteCarloTolerance`.
    ///
    /// - Parameter relativeResolution: passed to `ksDistance`; use ≈ 1e-9 when the theory has
    ///   atoms away from 0 that rounding smears.
    /// - Throws: `invalidArgument` if width or depth ≤ 0.
    public static func compare(
        _ spectrum: EmpiricalSpectrum, theoryCDF cdf: (Double) -> Double, width: Int, depth: Int = 1,
        tolerance: MonteCarloTolerance = MonteCarloTolerance(), relativeResolution: Double = 0
    ) throws -> MonteCarloVerdict {
        guard width > 0 else { throw NumericalError.invalidArgument("width must be positive, got \(width)") }
        guard depth > 0 else { throw NumericalError.invalidArgument("depth must be positive, got \(depth)") }
        let s = spectrum.samples.count
        let ks = spectrum.ksDistance(to: cdf, relativeResolution: relativeResolution)
        let sampling = tolerance.samplingPart(width: width, samples: s)
        let finite = tolerance.finiteWidthPart(width: width, depth: depth)
        let total = sampling + finite
        let agrees = ks <= total
        let f = { (x: Double) in String(format: "%.4g", x) }
        let budget = "tolerance \(f(total)) = \(f(tolerance.samplingConstant))/√(N·S) [sampling error, N = \(width), S = \(s)] + "
            + "\(f(tolerance.finiteWidthConstant))·L/N [finite-width effects, L = \(depth)] = \(f(sampling)) + \(f(finite))"
        let reason = agrees
            ? "KS distance \(f(ks)) ≤ \(budget): the sample agrees with the theory within sampling error and finite-width effects."
            : "KS distance \(f(ks)) > \(budget): the gap exceeds what sampling error (~1/√(N·S)) and finite width (~L/N) explain."
        return MonteCarloVerdict(agrees: agrees, ks: ks, tolerance: total, samplingPart: sampling,
                                 finiteWidthPart: finite, reason: reason)
    }
}
