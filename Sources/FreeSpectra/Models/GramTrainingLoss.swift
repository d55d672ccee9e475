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
    /// With c = n₁/m = φ/ψ, K = K′/c for the m × m companion K′ = YᵀY/m, whose Cauchy transform
    /// is 1/w (w = w(z) the subordination function of the type). So
    /// E_train = −γ²G_K′(−γ) = −(cγ)²G_{K′}′(−cγ) = (cγ)²w′/w², w′ = 1/z′(w), z′ = 1 − cI₂^H(w):
    ///
    ///     E_train(γ) = (cγ/w)² / (1 − cI₂^H(w)),   w real with z(w) = −cγ
    ///
    /// (Docs/theory-gram.md §6), with 1 − cI₂^H in the form of `boundaryExcess` that does not
    /// cancel near w = 0. Limits: E_train → 1 as γ → ∞ (w ≈ −cγ, I₂^H → 0); as γ → 0 it tends
    /// to 1 − rank(K)/m (for nonlinear f: 1 − c if c < 1, else 0 — the features interpolate).
    /// - Throws: `invalidArgument` unless γ is finite and > 0; `didNotConverge` if the result
    ///   is not a number in [0, 1].
    public func trainingLoss(gamma: Double) throws -> Double {
        try require(gamma, "ridge parameter γ", { $0 > 0 }, "finite and > 0")
        let p = realAxisPoint(-aspect * gamma)
        let ratio = aspect * gamma / p.w.real
        let excess = boundaryExcess(p)
        // boundaryExcess is cI₂ − 1 or log(cI₂); either way 1 − cI₂ follows.
        let (i0, i1) = iH(p)
        let usedSmallForm = aspect * (2 * abs(p.w.real) * i1 + p.w.lengthSquared * i0) + abs(oneMinusAspect) < 0.5
        let slope = usedSmallForm ? -excess : -Foundation.expm1(excess)
        let loss = ratio * ratio / slope
        guard loss.isFinite, loss >= 0, loss <= 1 + 1e-12 else {
            throw NumericalError.didNotConverge("Gram training loss at γ = \(gamma): \(loss) is not in [0, 1] (w = \(p.w.real), 1 − cI₂ = \(slope))")
        }
        return min(1, loss)
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
public typealias GramEvaluation = DensityEvaluation

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
    /// What the answer measured about itself before it was returned (`SpectrumSelfCheck`).
    public var check: SpectrumCheck
}

extension NonlinearGram {
    /// ρ and F on `points` equally spaced abscissae on [0, λ_max·1.025].
    /// - Throws: `invalidArgument` for points < 2.
    public func densityTable(points: Int = 401) throws -> GramDensityTable {
        guard points >= 2 else { throw NumericalError.invalidArgument("a density table needs ≥ 2 points, got \(points)") }
        let hi = lambdaMax * 1.025
        let x = (0..<points).map { hi * Double($0) / Double(points - 1) }
        let values = evaluate(increasing: x)
        return GramDensityTable(x: x, rho: values.map(\.density), cdf: values.map(\.cdf))
    }

    /// The prediction without Monte Carlo: constants, m₁…m₄, atoms, support, λ_max, the density
    /// table, ρ and F at `evaluations`, and E_train at each γ in `gammas`, after the self-check
    /// (`SpectrumSelfCheck`): mass, moments, every reported F and every E_train are measured
    /// from ρ by quadrature.
    /// - Throws: `invalidArgument` for points < 2, γ ≤ 0 or a non-finite evaluation point;
    ///   `didNotConverge` naming the discrepancy when a check fails.
    public func prediction(points: Int = 401, evaluations: [Double] = [], gammas: [Double] = []) throws -> GramPrediction {
        for x in evaluations where !x.isFinite { throw NumericalError.invalidArgument("evaluation points must be finite, got \(x)") }
        let table = try densityTable(points: points)
        let evaluated = evaluations.map { x in let v = evaluate(x); return GramEvaluation(x: x, rho: v.density, cdf: v.cdf) }
        let losses = try gammas.map { GramTrainLossPoint(gamma: $0, theory: try trainingLoss(gamma: $0), monteCarlo: nil) }
        let moments = (1...4).map(moment)
        // E_train = (1 − c) + c∫(cγ)²/(x + cγ)² dμ_M = [1 − c(1 − atom)] + c∫_cont ρ(x)(cγ)²/(x + cγ)² dx
        // (the atom at 0 has weight 1; 1 − c(1 − atom) is max(0, 1 − c) for nonlinear f).
        let c = aspect, continuous = continuousMass
        let integrals = losses.map { l in
            SpectrumSelfCheck.Integral(name: "E_train(γ = \(l.gamma))", weight: { x in x == 0 ? 0 : (c * l.gamma) * (c * l.gamma) / ((x + c * l.gamma) * (x + c * l.gamma)) },
                                       offset: max(0, 1 - c * continuous), factor: c, reported: l.theory,
                                       breakpoints: (-1...40).map { c * l.gamma * Foundation.pow(10, Double($0)) }.filter { $0 < lambdaMax })
        }
        let check = try SpectrumSelfCheck(
            density: density, support: support, atoms: atoms, moments: moments,
            table: (table.x, table.rho, table.cdf), cdfValues: evaluated.map { ($0.x, $0.cdf) }, integrals: integrals
        ).run(what: "the Gram law at φ = \(phi), ψ = \(psi) (η = \(eta), ζ = \(zeta))")
        return GramPrediction(
            activation: activationMoments?.activation, sigmaW: activationMoments?.sigmaW,
            sigmaX: activationMoments?.sigmaX, centred: activationMoments?.centred,
            meanRemoved: activationMoments?.meanRemoved,
            eta: eta, zeta: zeta, phi: phi, psi: psi, linear: isLinear,
            moments: moments, atoms: atoms,
            support: support.map { SupportInterval(lower: $0.lowerBound, upper: $0.upperBound) },
            lambdaMax: lambdaMax, density: table, evaluations: evaluated, trainLoss: losses,
            monteCarlo: nil, layers: nil, check: check)
    }
}
