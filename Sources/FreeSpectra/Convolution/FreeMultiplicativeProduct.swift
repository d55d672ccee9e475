import ComplexModule
import Foundation
import RealModule

/// The spectral law of a product of free positive factors, J Jᵀ ~ ⊠_l (W_l W_lᵀ) ⊠ (D_l²),
/// with J = D_L W_L ⋯ D_1 W_1 (Pennington, Schoenholz & Ganguli, "The emergence of spectral
/// universality in deep networks", AISTATS 2018).
///
/// S-transforms multiply: S_{JJᵀ}(w) = Π_l S_{W_l W_lᵀ}(w) S_{D_l²}(w). Writing u_k for the
/// point where the k-th distinct slope law has M_{D_k}(u_k) = w, its S-transform is
/// S_{D_k}(w) = (1 + w)/(w u_k), and M⁻¹(w) = (1 + w)/(w S(w)) becomes, in logarithms,
///
///     log z = (1 − N) log(1 + w) + (N − 1) log w + Σ_l log(1/S_{W_l}(w)) + Σ_k n_k log u_k,
///
/// with N = Σ n_k the number of slope factors (the depth). The unknowns (w, u_1 … u_K) are
/// found by Newton's method with the arrow-shaped Jacobian eliminated in O(K). In logarithms
/// the equation stays well scaled at any depth: u_k moves like z^{1/L}, and nothing is raised
/// to the L-th power.
///
/// The physical solution has w = M(z) in the closed lower half-plane and every u_k in the
/// closed upper half-plane (u_k is a subordination function of the product). Logarithms are
/// taken with their cuts away from those half-planes, so the equation is analytic along any
/// path of physical solutions, and the branch is followed by continuation from the upper edge
/// of the support (see `SpectrumSweep`).
///
/// The CDF has a closed form along the solution (derived in Docs/theory.md): with
/// H(z) = ∫ log(1 − t/z) dμ(t),
///
///     H = (N − 1) log(1 + w) + Σ_l P_l(w) + Σ_k n_k H_{D_k}(u_k),
///     μ((x, ∞)) = Im H(x + i0)/π,
///
/// where P_l is the potential of the l-th weight law and H_{D_k}(u) = E log(1 − D_k²/u). It
/// counts atoms correctly and stays accurate where the density is far below double-precision
/// resolution of its peak, which is what quantiles of very deep spectra need.
public struct FreeMultiplicativeProduct: Sendable {
    /// A slope law and how many layers use it.
    public struct SlopeGroup: Sendable {
        public let law: DerivativeSquaredLaw
        public let count: Int
    }

    /// The weight laws, one per layer.
    public let weightLaws: [WeightGramLaw]
    /// The distinct slope laws with their multiplicities.
    public let slopeGroups: [SlopeGroup]
    /// N, the number of layers.
    public var depth: Int { slopeGroups.reduce(0) { $0 + $1.count } }

    let logSigmaSquaredSum: Double
    let gaussianCount: Int

    /// A network whose layers are listed bottom to top. Slope laws are grouped when they are
    /// the same activation at the same q (a homogeneous network has one group).
    ///
    /// - Throws: `invalidArgument` for no layers or σ_w ≤ 0.
    public init(layers: [(weights: WeightGramLaw, slopes: DerivativeSquaredLaw)]) throws {
        guard !layers.isEmpty else { throw NumericalError.invalidArgument("a network needs at least one layer") }
        for layer in layers {
            try require(layer.weights.sigmaW, "sigma-w", { $0 > 0 }, "positive")
        }
        weightLaws = layers.map(\.weights)
        var groups: [SlopeGroup] = []
        for layer in layers {
            if let i = groups.firstIndex(where: { $0.law.isSameLaw(as: layer.slopes) }) {
                groups[i] = SlopeGroup(law: groups[i].law, count: groups[i].count + 1)
            } else {
                groups.append(SlopeGroup(law: layer.slopes, count: 1))
            }
        }
        slopeGroups = groups
        logSigmaSquaredSum = weightLaws.reduce(0) { $0 + Foundation.log($1.sigmaW * $1.sigmaW) }
        gaussianCount = weightLaws.filter(\.isGaussian).count
    }

    /// L identical layers.
    public init(weights: WeightGramLaw, slopes: DerivativeSquaredLaw, depth: Int) throws {
        guard depth >= 1 else { throw NumericalError.invalidArgument("depth must be at least 1, got \(depth)") }
        try require(weights.sigmaW, "sigma-w", { $0 > 0 }, "positive")
        weightLaws = Array(repeating: weights, count: depth)
        slopeGroups = [SlopeGroup(law: slopes, count: depth)]
        logSigmaSquaredSum = Double(depth) * Foundation.log(weights.sigmaW * weights.sigmaW)
        gaussianCount = weights.isGaussian ? depth : 0
    }

    // MARK: Moments

    /// log m_1 and the normalised moments m_k/m_1^k, k = 1 … `count`, exactly from the
    /// product of S-transform series (m_1 is returned as a logarithm because χ^L overflows
    /// for deep networks off criticality).
    public func normalizedMoments(count: Int = 8) throws -> (logFirstMoment: Double, normalized: [Double]) {
        var logS = PowerSeries(constant: 0, order: count)
        var logM1 = logSigmaSquaredSum
        if gaussianCount > 0 {
            logS = logS + (try WeightGramLaw.gaussian(sigmaW: 1).normalizedSSeries(order: count).log()) * Double(gaussianCount)
        }
        for group in slopeGroups {
            let mu1 = group.law.moments[0]
            let normalized = (0..<count).map { group.law.moments[$0] / pow(mu1, Double($0 + 1)) }
            let s = try STransform.series(fromMoments: normalized)
            logS = logS + (try s.log()) * Double(group.count)
            logM1 += Double(group.count) * Foundation.log(mu1)
        }
        return (logM1, try STransform.moments(fromSeries: logS.exp()))
    }

    /// The exact moments m_1 … m_count (may overflow to ∞ for very deep networks off
    /// criticality; use `normalizedMoments` there).
    public func moments(count: Int = 8) throws -> [Double] {
        let (logM1, normalized) = try normalizedMoments(count: count)
        return normalized.enumerated().map { exp(Double($0.offset + 1) * logM1) * $0.element }
    }

    // MARK: Atoms

    /// The atoms of the product, from Belinschi's theorem on free multiplicative convolution
    /// of measures on [0, ∞): (μ ⊠ ν)({0}) = max(μ({0}), ν({0})), and for a ≠ 0,
    /// (μ ⊠ ν)({a}) = μ({b}) + ν({c}) − 1 when bc = a and this is positive. Iterated over all
    /// 2N factors: an atom sits at Π b_f whenever the deficits Σ_f (1 − μ_f({b_f})) stay below 1.
    /// A square Wishart factor has no atom, so only all-orthogonal networks have atoms off 0.
    public var atoms: [Atom] {
        var result: [Atom] = []
        let zeroMass = slopeGroups.map(\.law.massAtZero).max() ?? 0
        if zeroMass > 0 { result.append(Atom(location: 0, mass: zeroMass)) }
        guard gaussianCount == 0 else { return result }
        let logScale = logSigmaSquaredSum
        func search(_ g: Int, _ deficit: Double, _ logLocation: Double) {
            if g == slopeGroups.count {
                result.append(Atom(location: exp(logLocation + logScale), mass: 1 - deficit))
                return
            }
            let group = slopeGroups[g]
            let candidates = group.law.atoms.filter { $0.location > 0 }
            // Give `remaining` copies of this group's law to atoms i, i+1, …
            func distribute(_ i: Int, _ remaining: Int, _ deficit: Double, _ logLocation: Double) {
                if remaining == 0 { search(g + 1, deficit, logLocation); return }
                guard i < candidates.count else { return }
                let d = 1 - candidates[i].mass
                let lowest = i == candidates.count - 1 ? remaining : 0
                for copies in stride(from: remaining, through: lowest, by: -1) {
                    let total = deficit + Double(copies) * d
                    guard total < 1 - 1e-15 else { continue }
                    distribute(i + 1, remaining - copies, total,
                               logLocation + Double(copies) * Foundation.log(candidates[i].location))
                }
            }
            distribute(0, group.count, deficit, logLocation)
        }
        search(0, 0, 0)
        return result.sorted { $0.location < $1.location }
    }

    // MARK: The equation

    /// A point of the solution: w = M(z), v = 1 + w, and the subordination points u_k.
    ///
    /// w and v are both carried (and updated by the same steps) because each is needed to
    /// full relative accuracy at one end of the spectrum: w → 0 above, v → 0 below.
    public struct State: Sendable {
        public var w: Complex<Double>
        public var v: Complex<Double>
        public var u: [Complex<Double>]
        public init(w: Complex<Double>, u: [Complex<Double>]) {
            self.w = w
            self.v = 1 + w
            self.u = u
        }
        mutating func step(_ dw: Complex<Double>) {
            w = w + dw
            v = v + dw
        }
        /// w − other.w, from whichever of w and v = 1 + w holds it to full relative accuracy
        /// (near w = −1 the difference of the w's is rounding noise).
        func wDifference(from other: State) -> Complex<Double> {
            v.length < 0.5 ? v - other.v : w - other.w
        }
        /// Moves every unknown by `factor` times its change from `other` to self (a secant
        /// step). The change of w is taken from whichever of w and v is small (and so known to
        /// full relative accuracy) and the other derived from it, which keeps v = 1 + w to
        /// rounding.
        mutating func extrapolate(from other: State, by factor: Complex<Double>) {
            if v.length < 0.5 {
                v = v + factor * (v - other.v)
                w = v - 1
            } else {
                w = w + factor * (w - other.w)
                v = 1 + w
            }
            for k in u.indices { u[k] = u[k] + factor * (u[k] - other.u[k]) }
        }
    }

    /// log with its cut on the positive imaginary axis: continuous on the closed lower
    /// half-plane, where w and 1 + w live.
    @inline(__always) static func logLower(_ a: Complex<Double>) -> Complex<Double> {
        let l = Complex.log(a)
        return l.imaginary > .pi / 2 ? l - Complex(0, 2 * .pi) : l
    }

    /// log with its cut on the negative imaginary axis: continuous on the closed upper
    /// half-plane, where z and the u_k live.
    @inline(__always) static func logUpper(_ a: Complex<Double>) -> Complex<Double> {
        let l = Complex.log(a)
        return l.imaginary < -.pi / 2 ? l + Complex(0, 2 * .pi) : l
    }

    /// Φ(w, u) − log z, ∂Φ/∂w, the slope-law residuals M_k(u_k) − w and M_k′(u_k).
    @inline(__always)
    func residual(_ s: State, logZ: Complex<Double>)
        -> (r0: Complex<Double>, a: Complex<Double>, rk: [Complex<Double>], mPrime: [Complex<Double>])
    {
        let n = Double(depth)
        let g = Double(gaussianCount)
        // Terms with a zero coefficient are left out: at depth 1, w may pass through 0 (or
        // 1 + w through 0 for one orthogonal layer) where their logarithms are singular.
        var r0 = Complex(logSigmaSquaredSum) - logZ
        var a = Complex<Double>.zero
        if 1 - n + g != 0 { r0 = r0 + Complex(1 - n + g) * Self.logLower(s.v); a = a + Complex(1 - n + g) / s.v }
        if n != 1 { r0 = r0 + Complex(n - 1) * Self.logLower(s.w); a = a + Complex(n - 1) / s.w }
        let useComplement = s.v.length < 0.5
        var rk: [Complex<Double>] = []
        var mp: [Complex<Double>] = []
        rk.reserveCapacity(slopeGroups.count)
        mp.reserveCapacity(slopeGroups.count)
        for (k, group) in slopeGroups.enumerated() {
            r0 = r0 + Complex(Double(group.count)) * Self.logUpper(s.u[k])
            let m = group.law.momentTransformWithComplement(s.u[k])
            rk.append(useComplement ? m.complement - s.v : m.value - s.w)
            mp.append(m.derivative)
        }
        return (r0, a, rk, mp)
    }

    /// Newton's method for the state at z from `guess`, with steps damped to change no
    /// unknown by more than half its modulus. Returns nil if it does not converge within
    /// `maxIterations` or ends outside the physical half-planes.
    func newton(atLogZ logZ: Complex<Double>, from guess: State, maxIterations: Int = 60) -> State? {
        var s = guess
        var previousStepSize = Double.infinity
        for _ in 0..<maxIterations {
            let (r0, a, rk, mp) = residual(s, logZ: logZ)
            var numerator = -r0, denominator = a
            for (k, group) in slopeGroups.enumerated() {
                let c = Complex(Double(group.count)) / (s.u[k] * mp[k])
                numerator = numerator + c * rk[k]
                denominator = denominator + c
            }
            let dw = numerator / denominator
            guard dw.real.isFinite, dw.imaginary.isFinite else { return nil }
            var du = [Complex<Double>](repeating: .zero, count: slopeGroups.count)
            var scale = 1.0
            let wScale = scaleOfW(s)
            if dw.length > 0.5 * wScale { scale = 0.5 * wScale / dw.length }
            for k in du.indices {
                du[k] = (dw - rk[k]) / mp[k]
                let limit = 0.5 * s.u[k].length
                if du[k].length > limit { scale = min(scale, limit / du[k].length) }
            }
            s.step(Complex(scale) * dw)
            for k in du.indices { s.u[k] = s.u[k] + Complex(scale) * du[k] }
            // Converged when the step is at rounding level, or when it is small and the
            // residuals are at rounding level (u near 0 or w near −1 cannot be resolved
            // to 1e-13 relative: their inverse maps lose those digits).
            let stepSize = max(dw.length / wScale, du.indices.map { du[$0].length / s.u[$0].length }.max() ?? 0)
            let residualsTiny = r0.length <= 1e-13 * (1 + logZ.length)
                && rk.allSatisfy { $0.length <= 1e-13 * max(1, s.w.length) }
            // …or when steps below 1e-10 stop shrinking quadratically: the rounding floor.
            let stalled = stepSize <= 1e-10 && stepSize >= 0.25 * previousStepSize
            previousStepSize = stepSize
            if scale == 1 && (stepSize <= 1e-13 || (stepSize <= 1e-9 && residualsTiny) || stalled) {
                let tolerance = 1e-10
                guard s.w.imaginary <= tolerance * s.w.length,
                      s.u.allSatisfy({ $0.imaginary >= -tolerance * $0.length }) else { return nil }
                return s
            }
        }
        return nil
    }

    /// The size against which changes of w are measured: the distance of w from the
    /// singular points (0 and −1) of the logarithms that appear with non-zero coefficient.
    func scaleOfW(_ s: State) -> Double {
        let n = Double(depth), g = Double(gaussianCount)
        var scale = Double.infinity
        if n != 1 { scale = min(scale, s.w.length) }
        if 1 - n + g != 0 { scale = min(scale, s.v.length) }
        return scale.isFinite ? scale : max(1, s.w.length)
    }

    /// The closed-form tail μ((x, ∞)) = Im H(x + i0)/π at a solved state.
    func tailMass(_ s: State) -> Double {
        let l1w = Self.logLower(s.v)
        var h = Complex(Double(depth - 1)) * l1w
        if gaussianCount > 0 { h = h + Complex(Double(gaussianCount)) * (s.w - l1w) }
        var imaginary = h.imaginary
        for (k, group) in slopeGroups.enumerated() {
            imaginary += Double(group.count) * group.law.logPotentialImaginary(s.u[k])
        }
        return imaginary / .pi
    }
}
