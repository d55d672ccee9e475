import ComplexModule
import Foundation
import RealModule

// MARK: - Memorisation: the training loss of ridge regression on random features

extension NonlinearGram {
    /// The limiting training loss of ridge regression of random targets on the features,
    ///
    ///     E_train(γ) = (γ²/m) E tr (K + γ)⁻²,   K = YᵀY/n₁ (m × m),
    ///
    /// for the estimator B = argmin ‖T − BY/√n₁‖² + γ‖B‖² with T ∈ ℝ^{n₂×m} i.i.d. N(0, 1) and
    /// E_train = ‖T − BY/√n₁‖²/(n₂m) (Pennington & Worah 2017, §5). The residual is
    /// T·γ(K + γ)⁻¹ (push-through identity), hence the m × m kernel K, not M.
    ///
    /// K's non-zero eigenvalues are c = m/n₁ = ψ/φ times those of M, so
    /// G_K(z) = G_M(z/c)/c² + (1 − 1/c)/z and, with E_train = −γ² G_K′(−γ),
    ///
    ///     E_train(γ) = 1 − 1/c − (γ²/c³) G_M′(−γ/c),
    ///
    /// G_M′ from `cauchyTransformDerivative` on the negative real axis (Docs/theory-gram.md §6).
    /// Limits: E_train → 1 as γ → ∞; as γ → 0 it tends to 1 − rank(K)/m (0 when the features
    /// can interpolate the targets).
    /// - Throws: `invalidArgument` unless γ is finite and > 0; `didNotConverge` if the
    ///   continuation fails.
    public func trainingLoss(gamma: Double) throws -> Double {
        try require(gamma, "ridge parameter γ", { $0 > 0 }, "finite and > 0")
        let c = psi / phi
        let derivative = cauchyTransformDerivative(Complex(-gamma / c, 0))
        guard derivative.isFinite else {
            throw NumericalError.didNotConverge("Gram training loss: G′ at z = \(-gamma / c) not computed")
        }
        return 1 - 1 / c - gamma * gamma / (c * c * c) * derivative.real
    }
}

// MARK: - Results for scripts and the command line

/// ρ and F on a grid (F includes the atom at 0).
public struct GramDensityTable: Sendable, Equatable, Codable {
    public var x: [Double]
    public var rho: [Double]
    public var cdf: [Double]
}

/// ρ(x) and F(x) at one requested abscissa.
public struct GramEvaluation: Sendable, Equatable, Codable {
    public var x: Double
    public var rho: Double
    public var cdf: Double
}

/// E_train(γ): theory and, when sampled, the Monte Carlo ridge regressions.
public struct GramTrainLossPoint: Sendable, Equatable, Codable {
    public var gamma: Double
    public var theory: Double
    /// Mean over sampled ridge regressions with its standard error (absent unless sampled).
    public var monteCarlo: MonteCarloEstimate?
}

/// A Monte Carlo check of the Gram spectrum (see `GramSampler`).
public struct GramMonteCarloSummary: Sendable, Equatable, Codable {
    /// n₀, the input dimension (the "width"); n₁ and m follow from the ratios.
    public var width: Int
    public var features: Int
    public var dataPoints: Int
    public var samples: Int
    public var seed: UInt64
    /// "nonlinear" (f(WX)) or "linear-equivalent" (√ζ·WX/s + √(η−ζ)·Z).
    public var model: String
    /// KS distance to the theory at the sampled ratios, with its tolerance and reason.
    public var ks: MonteCarloVerdict
    /// m₁ … m₄ of the pooled eigenvalues (with standard errors across samples).
    public var moments: [MonteCarloEstimate]
    public var lambdaMax: MonteCarloEstimate
    public var histogram: SpectrumHistogram
}

/// Everything `freespec gram` reports.
public struct GramPrediction: Sendable, Equatable, Codable {
    public var activation: String?
    public var sigmaW: Double?
    public var sigmaX: Double?
    /// True when the activation's mean was subtracted; `meanRemoved` is that mean.
    public var centred: Bool?
    public var meanRemoved: Double?
    public var eta: Double
    public var zeta: Double
    public var phi: Double
    public var psi: Double
    /// η = ζ: a product of Wisharts.
    public var linear: Bool
    /// m₁ … m₄, exact.
    public var moments: [Double]
    public var atoms: [Atom]
    public var support: [SupportInterval]
    public var lambdaMax: Double
    public var density: GramDensityTable
    public var evaluations: [GramEvaluation]
    public var trainLoss: [GramTrainLossPoint]
    public var monteCarlo: GramMonteCarloSummary?
    public var layers: [GramLayerReport]?
}

extension NonlinearGram {
    /// ρ and F on `points` equally spaced abscissae on [0, λ_max·1.025].
    /// - Throws: `invalidArgument` for points < 2.
    public func densityTable(points: Int = 401) throws -> GramDensityTable {
        guard points >= 2 else { throw NumericalError.invalidArgument("a density table needs ≥ 2 points, got \(points)") }
        let hi = lambdaMax * 1.025
        let x = (0..<points).map { hi * Double($0) / Double(points - 1) }
        return GramDensityTable(x: x, rho: x.map(density), cdf: x.map(cdf))
    }

    /// The prediction without Monte Carlo: constants, m₁…m₄, atoms, support, λ_max, the density
    /// table, ρ and F at `evaluations`, and E_train at each γ in `gammas`.
    /// - Throws: `invalidArgument` for points < 2 or γ ≤ 0; `didNotConverge` from E_train.
    public func prediction(points: Int = 401, evaluations: [Double] = [], gammas: [Double] = []) throws -> GramPrediction {
        GramPrediction(
            activation: activationMoments?.activation, sigmaW: activationMoments?.sigmaW,
            sigmaX: activationMoments?.sigmaX, centred: activationMoments?.centred,
            meanRemoved: activationMoments?.meanRemoved,
            eta: eta, zeta: zeta, phi: phi, psi: psi, linear: isLinear,
            moments: (1...4).map(moment), atoms: atoms,
            support: support.map { SupportInterval(lower: $0.lowerBound, upper: $0.upperBound) },
            lambdaMax: lambdaMax, density: try densityTable(points: points),
            evaluations: evaluations.map { GramEvaluation(x: $0, rho: density($0), cdf: cdf($0)) },
            trainLoss: try gammas.map { GramTrainLossPoint(gamma: $0, theory: try trainingLoss(gamma: $0), monteCarlo: nil) },
            monteCarlo: nil, layers: nil)
    }
}
