import Foundation

/// Gradient descent on a least-squares problem, read off the eigenvalue law of its Hessian.
///
/// Setting (Docs/theory-gd.md): p parameters, m data points, features F ∈ ℝ^{p×m} (column j
/// the features of point j), targets y = Fᵀw* + ε with ε_j i.i.d. of variance s² (label
/// noise), loss E(w) = ‖Fᵀw − y‖²/(2m), Hessian A = FFᵀ/m, c = p/m. Gradient descent
/// w_{t+1} = w_t − η∇E(w_t) from w₀ with an isotropic initial error, E(w₀ − w*)(w₀ − w*)ᵀ =
/// (r²/p)·I, independent of F and ε (so ‖w₀ − w*‖² = r²: r² is the squared length of the
/// initial error, r²/p its variance per coordinate). As p, m → ∞ with the law μ of A fixed:
///
///     excess loss   E(t) − E* = (r²/2) ∫ λ(1 − ηλ)^{2t} dμ + (s²c/2) ∫_{λ>0} (1 − ηλ)^{2t} dμ,
///     distance      ‖w_t − w*‖² = r² ∫ (1 − ηλ)^{2t} dμ + s²c ∫_{λ>0} (1 − (1 − ηλ)^t)²/λ dμ,
///     training      E(t) = E* + (E(t) − E*),   E* = (s²/2)(1 − c·μ((0, ∞))),
///     test          E_test(t) = ½(s² + σ²‖w_t − w*‖²)   (i.i.d. features of variance σ² only).
///
/// With s = 0 these are the curves of the issue, (r²/2)∫λ(1 − ηλ)^{2t}dμ and r²∫(1 − ηλ)^{2t}dμ
/// (the latter is also ‖w_t − w*‖²/p when r² is read per coordinate); the zero atom of μ
/// (p > m) does not decay, so the distance levels off at r²μ({0}). Every integral is taken by
/// `SpectralQuadrature` against the density and atoms of μ — the moment expansion
/// Σ_k C(2t, k)(−η)^k m_{k+1} alternates and loses all digits once t ≳ 10.
///
/// Step sizes: the curves decay for η < 2/λ_max (`stableStepBound`) and grow like
/// |1 − ηλ_max|^{2t} above it; the constant step minimising max_{λ∈supp μ, λ>0} |1 − ηλ| is
/// η* = 2/(λ_min + λ_max) with rate (λ_max − λ_min)/(λ_max + λ_min) per step on the error
/// (its square per step on the loss), λ_min the lowest positive point of the spectrum (the zero
/// atom does not move); without a gap above 0 there is no linear rate and η* is nil.
///
/// Errors: `invalidArgument` for η ≤ 0, r² ≤ 0, s² < 0, c ≤ 0, negative steps, non-finite
/// values; `didNotConverge` when the two quadrature rules disagree.
public struct GradientDescentCurves: Sendable {
    /// The eigenvalue law of A.
    public let law: any GradientDescentLaw
    /// c = p/m, parameters per data point.
    public let aspect: Double
    /// r² = E‖w₀ − w*‖².
    public let initialError: Double
    /// s², the label-noise variance.
    public let noise: Double
    /// σ², the variance of i.i.d. features (the test error needs the population covariance
    /// σ²I); nil when the features are not i.i.d. (random features), then no test error.
    public let featureVariance: Double?
    let quadrature: SpectralQuadrature

    /// - Throws: `invalidArgument` for non-finite or out-of-range parameters; from
    ///   `SpectralQuadrature` for a support that is not in [0, ∞).
    public init(law: any GradientDescentLaw, aspect: Double, initialError: Double = 1, noise: Double = 0,
                featureVariance: Double? = nil) throws {
        try require(aspect, "parameters per data point c = p/m", { $0 > 0 }, "finite and > 0")
        try require(initialError, "initial error r²", { $0 > 0 }, "finite and > 0")
        try require(noise, "label-noise variance s²", { $0 >= 0 }, "finite and ≥ 0")
        if let v = featureVariance { try require(v, "feature variance σ²", { $0 > 0 }, "finite and > 0") }
        self.law = law
        self.aspect = aspect
        self.initialError = initialError
        self.noise = noise
        self.featureVariance = featureVariance
        quadrature = try SpectralQuadrature(law)
    }

    /// Linear regression on m points with n i.i.d. features of variance σ²: μ = MP(n/m, σ²).
    /// - Throws: `invalidArgument` for ratio or variance ≤ 0 or non-finite.
    public static func linearRegression(ratio: Double, variance: Double = 1, initialError: Double = 1,
                                        noise: Double = 0) throws -> GradientDescentCurves {
        try GradientDescentCurves(law: try MarchenkoPastur(ratio: ratio, variance: variance), aspect: ratio,
                                  initialError: initialError, noise: noise, featureVariance: variance)
    }

    /// Ridge-less regression on n₁ random features f(Wx) of m points (n₀ inputs): μ is the
    /// Pennington–Worah law of `gram`, and c = n₁/m = φ/ψ.
    public static func randomFeatures(_ gram: NonlinearGram, initialError: Double = 1,
                                      noise: Double = 0) throws -> GradientDescentCurves {
        try GradientDescentCurves(law: gram, aspect: gram.phi / gram.psi, initialError: initialError, noise: noise)
    }

    // MARK: The spectrum's step sizes

    /// λ_max, the top of the support (or of an atom above it).
    public var lambdaMax: Double {
        max(law.support.last?.upperBound ?? 0, law.atoms.map(\.location).max() ?? 0)
    }
    /// The lowest positive point of the spectrum (0 when the continuous part reaches 0).
    public var lambdaMin: Double {
        let edges = law.support.map(\.lowerBound) + law.atoms.map(\.location).filter { $0 > 0 }
        let positive = law.support.contains { $0.lowerBound <= 0 } ? 0 : (edges.min() ?? 0)
        return positive
    }
    /// μ({0}), the directions gradient descent never moves.
    public var zeroAtom: Double { law.atoms.filter { $0.location == 0 }.reduce(0) { $0 + $1.mass } }
    /// 2/λ_max: the curves decay for η below it and diverge above it.
    public var stableStepBound: Double { 2 / lambdaMax }
    /// η* = 2/(λ_min + λ_max) when λ_min > 0, else nil.
    public var optimalStep: Double? { lambdaMin > 0 ? 2 / (lambdaMin + lambdaMax) : nil }
    /// max |1 − η*λ| = (λ_max − λ_min)/(λ_max + λ_min), the error's factor per step at η*.
    public var optimalRate: Double? { lambdaMin > 0 ? (lambdaMax - lambdaMin) / (lambdaMax + lambdaMin) : nil }
    /// E* = (s²/2)(1 − c·μ((0, ∞))), the training loss gradient descent converges to.
    public var minimumLoss: Double { max(0, noise / 2 * (1 - aspect * (1 - zeroAtom))) }

    // MARK: Curves

    /// One point of the curves, with log10 of each value (values below 1e-308 or above 1e308
    /// are 0 or ∞ in Double but keep their logarithm).
    public struct Point: Sendable, Equatable, Codable {
        public var eta: Double
        public var step: Int
        public var excessLoss: Double
        public var log10ExcessLoss: Double
        public var distance: Double
        public var log10Distance: Double
        public var trainError: Double
        /// nil unless the features are i.i.d. (`featureVariance`).
        public var testError: Double?
        /// μ({λ : |1 − ηλ|^t < ε}).
        public var convergedFraction: Double
    }

    /// The curves at step size η and step t, and the fraction converged to ε.
    /// - Throws: `invalidArgument` for η ≤ 0, t < 0, ε ∉ (0, 1); `didNotConverge` from the
    ///   quadrature.
    public func point(eta: Double, step t: Int, epsilon: Double = 1e-3) throws -> Point {
        try checkStep(eta: eta, step: t)
        try require(epsilon, "convergence threshold ε", { $0 > 0 && $0 < 1 }, "in (0, 1)")
        let logLoss = try logExcessLoss(eta: eta, step: t)
        let logDist = try logDistance(eta: eta, step: t)
        let excess = Foundation.exp(logLoss), dist = Foundation.exp(logDist)
        let test = featureVariance.map { 0.5 * (noise + $0 * dist) }
        return Point(eta: eta, step: t, excessLoss: excess, log10ExcessLoss: logLoss / Foundation.log(10),
                     distance: dist, log10Distance: logDist / Foundation.log(10), trainError: minimumLoss + excess,
                     testError: test, convergedFraction: convergedFraction(eta: eta, step: t, epsilon: epsilon))
    }

    /// log(E(t) − E*).
    public func logExcessLoss(eta: Double, step t: Int) throws -> Double {
        try checkStep(eta: eta, step: t)
        let tt = Double(t)
        let signal = Foundation.log(initialError / 2) + (try quadrature.logIntegral { l in
            l > 0 ? Foundation.log(l) + 2 * tt * Self.logAbsOneMinus(eta * l) : -.infinity
        })
        guard noise > 0 else { return signal }
        let noisy = Foundation.log(noise * aspect / 2) + (try quadrature.logIntegral { l in
            l > 0 ? 2 * tt * Self.logAbsOneMinus(eta * l) : -.infinity
        })
        return try SpectralQuadrature.logSumExp([signal, noisy])
    }

    /// log ‖w_t − w*‖².
    public func logDistance(eta: Double, step t: Int) throws -> Double {
        try checkStep(eta: eta, step: t)
        let tt = Double(t)
        let signal = Foundation.log(initialError) + (try quadrature.logIntegral { l in 2 * tt * Self.logAbsOneMinus(eta * l) })
        guard noise > 0, t > 0 else { return signal }
        let noisy = Foundation.log(noise * aspect) + (try quadrature.logIntegral { l in
            l > 0 ? 2 * Self.logAbsOneMinusPower(eta * l, t) - Foundation.log(l) : -.infinity
        })
        return try SpectralQuadrature.logSumExp([signal, noisy])
    }

    /// μ({λ : |1 − ηλ|^t < ε}) = F((1 + q)/η⁻) − F((1 − q)/η), q = ε^{1/t}; 0 at t = 0.
    public func convergedFraction(eta: Double, step t: Int, epsilon: Double) -> Double {
        guard t > 0 else { return 0 }
        let q = Foundation.pow(epsilon, 1 / Double(t))
        let hi = (1 + q) / eta, lo = (1 - q) / eta
        // F is continuous away from atoms; the only atoms here sit at 0 < lo.
        return max(0, min(1, law.cdf(hi.nextDown) - law.cdf(lo)))
    }

    /// The first step t with E(t) − E* ≤ ε·(E(0) − E*), or nil when η ≥ 2/λ_max (no decay)
    /// or t would exceed 10¹⁵. The curve is non-increasing for stable η: doubling, then
    /// bisection over whole steps.
    public func haltingTime(eta: Double, relativeLoss epsilon: Double) throws -> Int? {
        try require(eta, "step size η", { $0 > 0 }, "finite and > 0")
        try require(epsilon, "relative excess loss ε", { $0 > 0 && $0 < 1 }, "in (0, 1)")
        guard eta < stableStepBound else { return nil }
        let target = try logExcessLoss(eta: eta, step: 0) + Foundation.log(epsilon)
        func reached(_ t: Int) throws -> Bool { try logExcessLoss(eta: eta, step: t) <= target }
        var hi = 1
        while !(try reached(hi)) {
            if hi >= 1 << 50 { return nil }
            hi *= 2
        }
        var lo = hi / 2  // not reached at lo (or lo = 0, where the ratio is 1 > ε)
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if try reached(mid) { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// Steps for the error along eigenvalue λ to shrink by ε: ⌈log ε / log|1 − ηλ|⌉, nil when
    /// |1 − ηλ| ≥ 1 (λ = 0 or ηλ ≥ 2), 1 where ηλ = 1.
    public static func stepsToConverge(lambda: Double, eta: Double, epsilon: Double) -> Int? {
        let g = logAbsOneMinus(eta * lambda)
        guard g < 0 else { return nil }
        let t = (Foundation.log(epsilon) / g).rounded(.up)
        return t < 1e18 ? max(1, Int(t)) : nil
    }

    func checkStep(eta: Double, step t: Int) throws {
        try require(eta, "step size η", { $0 > 0 }, "finite and > 0")
        guard t >= 0 else { throw NumericalError.invalidArgument("the step t must be ≥ 0, got \(t)") }
    }

    /// log|1 − x|, without cancellation for small x (log1p).
    static func logAbsOneMinus(_ x: Double) -> Double {
        x < 0.5 ? Foundation.log1p(-x) : Foundation.log(abs(1 - x))
    }

    /// log|1 − (1 − x)^t| for x > 0, t ≥ 1, in every regime: (1 − x)^t → 0, → 1 (x small,
    /// −expm1(t log1p(−x))), and |1 − x|^t overflowing (x > 2).
    static func logAbsOneMinusPower(_ x: Double, _ t: Int) -> Double {
        let tt = Double(t)
        if x < 1 { return Foundation.log(-Foundation.expm1(tt * Foundation.log1p(-x))) }
        if x == 1 { return 0 }
        let l = tt * Foundation.log(x - 1)  // log|1 − x|^t; (1 − x)^t has the sign (−1)^t
        if t % 2 == 1 {  // 1 + |1 − x|^t
            return l > 0 ? l + Foundation.log1p(Foundation.exp(-l)) : Foundation.log1p(Foundation.exp(l))
        }
        if l == 0 { return -.infinity }
        return l > 0 ? l + Foundation.log(-Foundation.expm1(-l)) : Foundation.log(-Foundation.expm1(l))
    }
}
