import Foundation

/// A fixed point of the length map with its stability.
public struct LengthFixedPoint: Sendable, Codable, Equatable {
    /// q* with 𝓛(q*) = q*.
    public let q: Double
    /// 𝓛′(q*): q* attracts nearby q when < 1.
    public let lengthMapSlope: Double
    /// 𝓛′(q*) ≤ 1 (marginal counts as stable: tanh at σ_w = 1, σ_b = 0 approaches 0 like 1/l).
    public let stable: Bool
}

/// The order–chaos phase of a network at initialisation (Poole et al. 2016), read from
/// χ₁ = σ_w² E[φ′(√q h)²] at the q that the pre-activations approach.
public enum MeanFieldPhase: String, Sendable, Codable {
    /// χ₁ < 1: nearby inputs converge, gradients vanish like χ₁^L.
    case ordered
    /// χ₁ = 1 (within 1e-9, the accuracy of the quadrature that locates the critical line).
    case critical
    /// χ₁ > 1: nearby inputs decorrelate, gradients explode like χ₁^L.
    case chaotic
}

/// The mean-field description of a network at (σ_w, σ_b): its fixed points, phase and depth
/// scales (Schoenholz, Gilmer, Ganguli & Sohl-Dickstein, "Deep information propagation",
/// ICLR 2017), read at the fixed point `limit` that q^l approaches from the input.
///
/// - ξ_q = −1/log 𝓛′(q*): q^l − q* ∝ e^{−l/ξ_q}, the length of the transient of q^l
///   (∞ where 𝓛′ = 1: tanh at σ_w = 1, σ_b = 0 approaches 0 like 1/l).
/// - ξ_c = −1/log χ_c with χ_c = σ_w² E[φ′(u₁)φ′(u₂)] at the stable correlation c* of two
///   inputs (u₁, u₂ pre-activations of correlation c*, each of variance q*): 1 − c^l ∝ e^{−l/ξ_c}
///   (ordered) or c^l − c* (chaotic). In the ordered phase c* = 1 and χ_c = χ₁; at χ₁ = 1 it
///   is ∞ (critical). A positively homogeneous φ at σ_b = 0 has a q-independent correlation
///   map with slope E[φ′φ′]/E[φ²] = 1 at c* = 1 (ReLU: the arc-cosine kernel), so ξ_c = ∞ at
///   every σ_w.
public struct MeanFieldAnalysis: Sendable {
    /// Every fixed point q* of 𝓛 found on [0, 10⁶] (q = 0 when σ_b = 0 and φ(0) = 0).
    public let fixedPoints: [LengthFixedPoint]
    /// Where q^l goes from the input (`MeanField.fixedPoint(from:)`).
    public let limit: MeanField.FixedPoint
    /// χ₁ at the limit (for a positively homogeneous φ, at any q); nil when q^l diverges
    /// with a q-dependent slope law.
    public let chi: Double?
    public let phase: MeanFieldPhase?
    /// ξ_q = −1/log 𝓛′(q*) (nil without a finite limit).
    public let depthScaleQ: Double?
    /// ξ_c = −1/log χ_c (nil where it is not defined: divergent q^l of a q-dependent law).
    public let depthScaleC: Double?
    /// The stable correlation c* (nil where ξ_c is nil).
    public let correlationFixedPoint: Double?
}

extension MeanField {
    /// Every fixed point of 𝓛 on [0, 10⁶]: sign changes of 𝓛(q) − q on a scan of [1e-12, 1e6]
    /// in steps of 1/20 in log q, refined by Brent's method, and q = 0 when 𝓛(0) = 0.
    /// A positively homogeneous φ has only q* = σ_b²/(1 − g) (g = σ_w² E[φ(h)²] < 1), or 0
    /// (σ_b = 0, g ≠ 1), or every q (g = 1, σ_b = 0: reported as none).
    ///
    /// - Throws: `didNotConverge` if a quadrature or Brent's method fails.
    public func fixedPoints() throws -> [LengthFixedPoint] {
        let w2 = sigmaW * sigmaW
        if activation.isPositivelyHomogeneous {
            let gain = w2 * (try Self.expectation(activation, q: 1) { let v = self.activation.value($0); return v * v })
            if abs(gain - 1) <= 1e-12 { return [] }
            if sigmaB == 0 { return [LengthFixedPoint(q: 0, lengthMapSlope: gain, stable: gain < 1)] }
            return gain < 1 ? [LengthFixedPoint(q: sigmaB * sigmaB / (1 - gain), lengthMapSlope: gain, stable: true)] : []
        }
        var result: [LengthFixedPoint] = []
        if try lengthMap(0) == 0 {
            // 𝓛(q) = σ_w² φ′(0)² q + O(q²) near 0.
            let slope = w2 * activation.derivative(0) * activation.derivative(0)
            result.append(LengthFixedPoint(q: 0, lengthMapSlope: slope, stable: slope <= 1 + 1e-9))
        }
        let d: (Double) throws -> Double = { q in try self.lengthMap(q) - q }
        var previous = 1e-12, dPrevious = try d(previous)
        var t = log(1e-12)
        while t < log(1e6) {
            t += 0.05
            let q = exp(t), dq = try d(q)
            if dq == 0 || (dq > 0) != (dPrevious > 0) {
                let root = dq == 0 ? q : try brentRoot(d, in: previous, q)
                let slope = try lengthMapSlope(root)
                result.append(LengthFixedPoint(q: root, lengthMapSlope: slope, stable: slope <= 1 + 1e-9))
            }
            previous = q; dPrevious = dq
        }
        return result
    }

    /// The fixed points, the limit of q^l from an input of per-unit squared length Q0
    /// (`inputLength`; its q¹ = σ_w² Q0 + σ_b²), the phase and the depth scales ξ_q, ξ_c (see
    /// `MeanFieldAnalysis`).
    ///
    /// - Throws: `invalidArgument` for an input length that is not positive and finite;
    ///   `didNotConverge` if a quadrature or root finder fails.
    public func analysis(inputLength: Double = 1) throws -> MeanFieldAnalysis {
        try require(inputLength, "input length |x⁰|²/N", { $0 > 0 }, "positive and finite")
        let w2 = sigmaW * sigmaW
        let start = w2 * inputLength + sigmaB * sigmaB
        let limit = try fixedPoint(from: start)
        let points = try fixedPoints()
        let homogeneous = activation.isPositivelyHomogeneous
        // χ₁ and 𝓛′ at the limit.
        var chi: Double? = nil, slope: Double? = nil
        switch limit {
        case .stable(let q) where q > 0:
            chi = try self.chi(homogeneous ? 1 : q)
            slope = homogeneous ? w2 * (try Self.expectation(activation, q: 1) { let v = self.activation.value($0); return v * v })
                                : try lengthMapSlope(q)
        case .stable:
            // q* = 0: every slope tends to φ′(0) (a homogeneous φ keeps its q-free law).
            chi = homogeneous ? try self.chi(1) : w2 * activation.derivative(0) * activation.derivative(0)
            slope = points.first { $0.q == 0 }?.lengthMapSlope
        case .marginal:
            chi = try self.chi(1)
            slope = 1
        case .divergent:
            if homogeneous { chi = try self.chi(1) }
        }
        let phase = chi.map { c -> MeanFieldPhase in abs(c - 1) <= 1e-9 ? .critical : (c < 1 ? .ordered : .chaotic) }
        let depthScaleQ: Double? = slope.flatMap { s in
            guard s > 0 else { return nil }
            return abs(s - 1) <= 1e-9 ? .infinity : (s < 1 ? -1 / log(s) : nil)
        }
        // ξ_c: the correlation map at the limit.
        var depthScaleC: Double? = nil, cStar: Double? = nil
        if homogeneous && sigmaB == 0 {
            (depthScaleC, cStar) = (.infinity, 1)
        } else if case .stable(let q) = limit, q > 0, let c1 = chi {
            if c1 <= 1 + 1e-9 {
                (depthScaleC, cStar) = (Self.depthScale(chi: c1), 1)
            } else {
                let map = CorrelationMap(field: self, q: q, normalization: q)
                let c = try map.stableFixedPoint()
                (depthScaleC, cStar) = (Self.depthScale(chi: try map.slope(at: c)), c)
            }
        } else if case .stable(0) = limit, let c1 = chi, c1 <= 1 + 1e-9 {
            (depthScaleC, cStar) = (Self.depthScale(chi: c1), 1)
        }
        return MeanFieldAnalysis(fixedPoints: points, limit: limit, chi: chi, phase: phase,
                                 depthScaleQ: depthScaleQ, depthScaleC: depthScaleC, correlationFixedPoint: cStar)
    }
}

/// The correlation map of two inputs through one layer at the length q*:
///
///     c ↦ (σ_w² E[φ(u₁)φ(u₂)] + σ_b²)/q*,   u₁ = √q z₁,  u₂ = √q (c z₁ + √(1 − c²) z₂),
///
/// z₁, z₂ independent N(0, 1); its slope is χ_c(c) = σ_w² E[φ′(u₁)φ′(u₂)] (q/q* times that
/// for a homogeneous φ evaluated at q = 1). Expectations are nested GSL quadratures, split
/// at the activation's kinks in each variable.
struct CorrelationMap {
    let field: MeanField
    /// The variance of u₁, u₂.
    let q: Double
    /// q*, the length the outputs are normalised by.
    let normalization: Double

    /// E[f(u₁) g(u₂)].
    func expectation(_ f: @escaping (Double) -> Double, _ g: @escaping (Double) -> Double, correlation c: Double) throws -> Double {
        let s = q.squareRoot()
        let kinks = field.activation.kinks
        let r = (1 - c * c).squareRoot()
        var failure: Error?
        let outer = try Quadrature.gaussianExpectation({ z1 in
            let u1 = s * z1
            guard r > 0 else { return f(u1) * g(u1 * c) }
            do {
                let inner = try Quadrature.gaussianExpectation({ z2 in g(s * (c * z1 + r * z2)) },
                                                                breakpoints: kinks.map { ($0 / s - c * z1) / r })
                return f(u1) * inner
            } catch { failure = failure ?? error; return 0 }
        }, breakpoints: kinks.map { $0 / s })
        if let failure { throw failure }
        return outer
    }

    /// The map's value at c.
    func value(_ c: Double) throws -> Double {
        let a = field.activation
        let k = try expectation({ a.value($0) }, { a.value($0) }, correlation: c)
        return (field.sigmaW * field.sigmaW * k + field.sigmaB * field.sigmaB) / normalization
    }

    /// χ_c(c) = ∂(map)/∂c = σ_w² q E[φ′(u₁)φ′(u₂)]/q* (Price's theorem).
    func slope(at c: Double) throws -> Double {
        let a = field.activation
        return field.sigmaW * field.sigmaW * q / normalization * (try expectation({ a.derivative($0) }, { a.derivative($0) }, correlation: c))
    }

    /// The stable fixed point c* ∈ [0, 1) of the chaotic phase. The map has c = 1 as a
    /// repelling fixed point there (slope χ₁ > 1), so map(c) < c just below 1, while
    /// map(0) = (σ_w² E[φ(u)]² + σ_b²)/q* ≥ 0: Brent on map(c) − c over [0, 1 − δ], δ shrunk
    /// until map(1 − δ) < 1 − δ (c* = 1 if that needs δ < 1e-12: then χ₁ is 1 to rounding).
    func stableFixedPoint() throws -> Double {
        let d: (Double) throws -> Double = { c in try self.value(c) - c }
        var delta = 1e-2
        while try d(1 - delta) >= 0 {
            delta /= 4
            guard delta > 1e-12 else { return 1 }
        }
        // map(0) ≥ 0 exactly; quadrature leaves ±1e-35 where it is 0 (odd φ at σ_b = 0).
        if try d(0) <= 1e-14 { return 0 }
        return try brentRoot(d, in: 0, 1 - delta, relativeTolerance: 1e-12)
    }
}
