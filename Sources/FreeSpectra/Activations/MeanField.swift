import Foundation

/// Mean-field signal propagation through a wide random network (Poole et al. 2016;
/// Schoenholz et al. 2017): h^l = W^l x^{l−1} + b^l with W_ij ~ N(0, σ_w²/N), b_i ~ N(0, σ_b²).
///
/// - Length map: q^l = 𝓛(q^{l−1}) = σ_w² E[φ(√q^{l−1} h)²] + σ_b², h ~ N(0, 1).
/// - q*: the stable fixed point of 𝓛.
/// - χ(q) = σ_w² E[φ′(√q h)²], the mean squared singular value of one layer's Jacobian;
///   m_1(J Jᵀ) = χ^L at q = q*. Critical (order–chaos boundary) when χ = 1.
/// - Depth scale ξ = −1/log χ: the depth over which correlations of gradients decay or grow.
public struct MeanField: Sendable {
    public let activation: any Activation
    public let sigmaW: Double
    public let sigmaB: Double

    /// - Throws: `invalidArgument` for σ_w ≤ 0, σ_b < 0 or NaN.
    public init(activation: any Activation, sigmaW: Double, sigmaB: Double) throws {
        try require(sigmaW, "sigma-w", { $0 > 0 }, "positive")
        try require(sigmaB, "sigma-b", { $0 >= 0 }, "non-negative")
        self.activation = activation
        self.sigmaW = sigmaW
        self.sigmaB = sigmaB
    }

    /// E[f(√q h)] for h ~ N(0, 1), split at the activation's kinks.
    static func expectation(_ activation: any Activation, q: Double, _ f: @escaping (Double) -> Double) throws -> Double {
        if q == 0 { return f(0) }
        let s = q.squareRoot()
        return try Quadrature.gaussianExpectation({ f(s * $0) }, breakpoints: activation.kinks.map { $0 / s })
    }

    /// 𝓛(q) = σ_w² E[φ(√q h)²] + σ_b².
    public func lengthMap(_ q: Double) throws -> Double {
        try require(q, "q", { $0 >= 0 }, "non-negative")
        let a = activation
        return sigmaW * sigmaW * (try Self.expectation(a, q: q) { let v = a.value($0); return v * v }) + sigmaB * sigmaB
    }

    /// 𝓛′(q) = σ_w² E[φ(x) φ′(x) x]/q with x = √q h: the slope of the length map. A fixed point
    /// q* attracts the iteration when 𝓛′(q*) < 1. By Gaussian integration by parts
    /// 𝓛′(q) = χ(q) + σ_w² E[φ(x) φ″(x)], so on the critical line (χ = 1) the sign of E[φφ″]
    /// decides: negative for tanh and erf (stable), positive for GELU and SiLU at q* ≲ 3
    /// (unstable: 𝓛′ = 1.067 for GELU at q* = 1), zero for ReLU (marginal).
    ///
    /// - Throws: `invalidArgument` for q ≤ 0 or NaN; `didNotConverge` if the quadrature fails.
    public func lengthMapSlope(_ q: Double) throws -> Double {
        try require(q, "q", { $0 > 0 }, "positive")
        let a = activation
        return sigmaW * sigmaW * (try Self.expectation(a, q: q) { x in a.value(x) * a.derivative(x) * x }) / q
    }

    /// Whether a fixed point with this length-map slope repels the iteration: 𝓛′ > 1 beyond the
    /// 1e-6 of its quadrature (ReLU's marginal 𝓛′ = 1 is not unstable).
    public static func isUnstable(lengthMapSlope slope: Double) -> Bool { slope > 1 + 1e-6 }

    /// χ(q) = σ_w² E[φ′(√q h)²].
    public func chi(_ q: Double) throws -> Double {
        let a = activation
        return sigmaW * sigmaW * (try Self.expectation(a, q: q) { let d = a.derivative($0); return d * d })
    }

    /// The outcome of iterating the length map.
    public enum FixedPoint: Sendable, Equatable {
        /// q^l approaches q* ≥ 0 (q* = 0: the pre-activations shrink to 0, e.g. tanh at
        /// σ_w ≤ 1, σ_b = 0, where the slopes tend to φ′(0)).
        case stable(Double)
        /// Every q is fixed (a positively homogeneous φ at σ_w² E[φ(h)²] = 1, σ_b = 0, e.g.
        /// ReLU at σ_w = √2): the slope law does not depend on q.
        case marginal
        /// q^l grows without bound.
        case divergent
    }

    /// The fixed point that the iteration q^{l+1} = 𝓛(q^l) from q¹ = `start` approaches.
    ///
    /// 𝓛 is increasing in q (E[φ(√q h)²] grows with q for the activations in use), so the
    /// iteration moves monotonically towards the nearest fixed point on the side where
    /// 𝓛(q) − q points: downwards, the largest root of 𝓛(q) = q below `start` (q* = 0 when
    /// none is found down to 1e-14·start and 𝓛(0) = 0, i.e. σ_b = 0 and φ(0) = 0: below that
    /// the map is its linearisation σ_w² φ′(0)² q, and 𝓛(q) < q on the scan means it
    /// contracts); upwards, the smallest root above, or divergence when there is none below
    /// 10⁸·start. Roots are bracketed on a scan in steps of 1/4 in log q and refined by
    /// Brent's method. A positively homogeneous φ has the closed form 𝓛(q) = g q + σ_b²,
    /// g = σ_w² E[φ(h)²]: q* = σ_b²/(1 − g) for g < 1, marginal for g = 1 and σ_b = 0,
    /// divergent otherwise (g = 1 within 1e-12, the rounding of the quadrature for g).
    ///
    /// - Throws: `invalidArgument` for a start that is not positive and finite;
    ///   `didNotConverge` if a quadrature or Brent's method fails.
    public func fixedPoint(from start: Double = 1) throws -> FixedPoint {
        try require(start, "q", { $0 > 0 }, "positive and finite")
        if activation.isPositivelyHomogeneous {
            let gain = sigmaW * sigmaW * (try Self.expectation(activation, q: 1) { let v = self.activation.value($0); return v * v })
            if abs(gain - 1) <= 1e-12 { return sigmaB == 0 ? .marginal : .divergent }
            return gain < 1 ? .stable(sigmaB * sigmaB / (1 - gain)) : .divergent
        }
        let d: (Double) throws -> Double = { q in try self.lengthMap(q) - q }
        let d0 = try d(start)
        if d0 == 0 { return .stable(start) }
        let step = 0.25
        if d0 < 0 {
            var previous = start
            var q = start
            let floor = 1e-14 * start
            while q > floor {
                q = max(floor, q * exp(-step))
                if try d(q) >= 0 { return .stable(try brentRoot(d, in: q, previous)) }
                previous = q
            }
            // No root down to the floor: 0 itself, or a root in (0, floor) when 𝓛(0) > 0.
            let atZero = try lengthMap(0)
            if atZero == 0 { return .stable(0) }
            return .stable(try brentRoot(d, in: 0, floor))
        }
        var previous = start
        var q = start
        while q < 1e8 * start {
            q *= exp(step)
            if try d(q) <= 0 { return .stable(try brentRoot(d, in: previous, q)) }
            previous = q
        }
        return .divergent
    }

    /// ξ = −1/log χ, the depth scale (negative in the chaotic phase χ > 1, +∞ at χ = 1).
    /// |log χ| ≤ 1e-12 counts as χ = 1: a χ computed by quadrature on the critical line is 1
    /// only to rounding, and −1/log χ would turn that rounding into ±4.5e15 layers.
    public static func depthScale(chi: Double) -> Double {
        let l = log(chi)
        return abs(l) <= 1e-12 ? .infinity : -1 / l
    }
}

/// The critical line χ(q*) = 1 of an activation.
public enum CriticalLine {
    /// The point (σ_w, σ_b) at which the network is critical with fixed point q*:
    /// σ_w² = 1/E[φ′(√q* h)²], σ_b² = q* − σ_w² E[φ(√q* h)²].
    ///
    /// - Throws: `invalidArgument` for q* ≤ 0; `noSolution` when σ_b² < 0, i.e. no bias
    ///   variance puts the network at that q* on the critical line (e.g. sigmoid at small q*,
    ///   whose mean E φ = 1/2 alone exceeds q*).
    public static func point(activation: any Activation, qStar: Double) throws -> (sigmaW: Double, sigmaB: Double) {
        try require(qStar, "q-star", { $0 > 0 }, "positive")
        let a = activation
        let slope = try MeanField.expectation(a, q: qStar) { let d = a.derivative($0); return d * d }
        guard slope > 0 else { throw NumericalError.noSolution("\(a.name) has E[φ′²] = 0 at q* = \(qStar)") }
        let sigmaW2 = 1 / slope
        let sigmaB2 = qStar - sigmaW2 * (try MeanField.expectation(a, q: qStar) { let v = a.value($0); return v * v })
        guard sigmaB2 >= -1e-12 * qStar else {
            throw NumericalError.noSolution(
                "\(a.name) has no critical point with q* = \(qStar): it would need σ_b² = \(sigmaB2) < 0")
        }
        // σ_b² within quadrature rounding of 0 is 0 (ReLU, linear).
        return (sigmaW2.squareRoot(), sigmaB2 <= 1e-12 * qStar ? 0 : sigmaB2.squareRoot())
    }

    /// The critical point on the line with a given σ_w: q* solves E[φ′(√q* h)²] = 1/σ_w²
    /// (Brent on a logarithmic bracket), then σ_b² = q* − σ_w² E[φ(√q* h)²].
    ///
    /// - Throws: `noSolution` when no q* > 0 gives χ = 1 at this σ_w, or when it needs
    ///   σ_b² < 0.
    public static func point(activation: any Activation, sigmaW: Double) throws -> (sigmaB: Double, qStar: Double) {
        try require(sigmaW, "sigma-w", { $0 > 0 }, "positive")
        let a = activation
        let target = 1 / (sigmaW * sigmaW)
        let g: (Double) -> Double = { q in
            ((try? MeanField.expectation(a, q: q) { let d = a.derivative($0); return d * d }) ?? .nan) - target
        }
        var previous = 1e-8, gPrevious = g(previous)
        var t = log(1e-8)
        while t < log(1e4) {
            t += 0.1
            let q = exp(t), gq = g(q)
            if gq.isFinite, gPrevious.isFinite, (gq > 0) != (gPrevious > 0) {
                let qStar = try RootFinding.brent(g, in: previous, q)
                let sigmaB2 = qStar - sigmaW * sigmaW * (try MeanField.expectation(a, q: qStar) { let v = a.value($0); return v * v })
                guard sigmaB2 >= -1e-12 * qStar else {
                    throw NumericalError.noSolution("\(a.name) at σ_w = \(sigmaW) is critical only at q* = \(qStar), which needs σ_b² = \(sigmaB2) < 0")
                }
                return (max(0, sigmaB2).squareRoot(), qStar)
            }
            previous = q; gPrevious = gq
        }
        throw NumericalError.noSolution("\(a.name) has no q* with χ = 1 at σ_w = \(sigmaW) (E[φ′²] never equals 1/σ_w² = \(target))")
    }
}

/// Brent's method on a function that can throw: the first error it throws is rethrown
/// (rather than turned into a NaN that the solver would report as a bracketing failure).
func brentRoot(_ f: (Double) throws -> Double, in a: Double, _ b: Double, relativeTolerance: Double = 1e-14) throws -> Double {
    var failure: Error?
    let g: (Double) -> Double = { x in
        guard failure == nil else { return .nan }
        do { return try f(x) } catch { failure = error; return .nan }
    }
    do {
        let root = try RootFinding.brent(g, in: a, b, relativeTolerance: relativeTolerance)
        if let failure { throw failure }
        return root
    } catch {
        throw failure ?? error
    }
}

