import Foundation

/// The per-unit squared lengths q^l of the pre-activations of a wide network fed an input of
/// per-unit squared length Q0 = |x⁰|²/N_0, layer by layer (Poole et al. 2016):
///
///     q¹ = σ_w² Q0 + σ_b²,   q^{l+1} = 𝓛(q^l) = σ_w² E[φ(√q^l h)²] + σ_b²,
///
/// with χ_l = σ_w² E[φ′(√q^l h)²] the mean squared singular value of layer l's Jacobian, so
/// that m_1(J Jᵀ) = Π_l χ_l. This is the operating point of a network initialised with any
/// (σ_w, σ_b) — zero biases included — before (or without) any fixed point: at σ_b = 0, tanh
/// at σ_w = 1 has q^l ≈ 1/(2l) → 0, and ReLU grows or shrinks by σ_w²/2 per layer.
public struct LengthTrajectory: Sendable, Codable, Equatable {
    /// Q0 = |x⁰|²/N_0.
    public let inputLength: Double
    /// q^l, l = 1 … L (0 or ∞ where q^l leaves Double's range; see `log10Q`).
    public let q: [Double]
    /// log₁₀ q^l, finite wherever q^l > 0 (a scale-free activation's q^l can leave
    /// Double's range at depth: ReLU at σ_w = 3 grows by 4.5 per layer).
    public let log10Q: [Double]
    /// χ_l = σ_w² E[φ′(√q^l h)²].
    public let chi: [Double]
}

extension MeanField {
    /// The trajectory q¹ … q^L from an input of per-unit squared length `inputLength` (see
    /// `LengthTrajectory`).
    ///
    /// For a positively homogeneous φ (`Activation.isPositivelyHomogeneous`) the map is
    /// linear, 𝓛(q) = σ_w² E[φ(h)²] q + σ_b², and is iterated in log q, so a trajectory that
    /// leaves Double's range stays exact in `log10Q`. Otherwise 𝓛 is evaluated by quadrature
    /// layer after layer until two consecutive q agree to 1e-15 (rounding: the fixed point is
    /// reached and every later layer has that q).
    ///
    /// - Throws: `invalidArgument` for an input length that is not positive and finite or
    ///   depth < 1; `noSolution` when q^l of an activation whose slopes depend on q exceeds
    ///   10³⁰⁰ (the pre-activations grow without bound and their slopes cannot be evaluated
    ///   there); `didNotConverge` if a quadrature fails.
    public func trajectory(inputLength: Double, depth: Int) throws -> LengthTrajectory {
        try require(inputLength, "input length |x⁰|²/N", { $0 > 0 }, "positive and finite")
        guard depth >= 1 else { throw NumericalError.invalidArgument("depth must be at least 1, got \(depth)") }
        let w2 = sigmaW * sigmaW, b2 = sigmaB * sigmaB
        var logQ: [Double] = []
        logQ.reserveCapacity(depth)
        if activation.isPositivelyHomogeneous {
            let logGain = log(w2 * (try Self.expectation(activation, q: 1) { let v = self.activation.value($0); return v * v }))
            let logBias = b2 > 0 ? log(b2) : -Double.infinity
            var current = logAddExp(log(w2) + log(inputLength), logBias)
            for _ in 0..<depth {
                logQ.append(current)
                current = logAddExp(logGain + current, logBias)
            }
        } else {
            var q = w2 * inputLength + b2
            while logQ.count < depth {
                guard q.isFinite, q <= 1e300 else {
                    throw NumericalError.noSolution(String(
                        format: "the pre-activations grow without bound: q^l exceeds 1e300 at layer %d (σ_w = %g, σ_b = %g, input length %g), where the slopes of %@ cannot be evaluated",
                        logQ.count + 1, sigmaW, sigmaB, inputLength, activation.name))
                }
                logQ.append(log(q))
                let next = try lengthMap(q)
                if abs(next - q) <= 1e-15 * q {
                    logQ.append(contentsOf: repeatElement(log(q), count: depth - logQ.count))
                    break
                }
                q = next
            }
        }
        // χ_l once per distinct q (a trajectory at its fixed point repeats one value).
        var chiOf: [Double: Double] = [:]
        var chi: [Double] = []
        chi.reserveCapacity(depth)
        for t in logQ {
            if let c = chiOf[t] { chi.append(c); continue }
            let q = exp(t)
            let c = try self.chi(activation.isPositivelyHomogeneous ? 1 : q)
            chiOf[t] = c
            chi.append(c)
        }
        return LengthTrajectory(inputLength: inputLength, q: logQ.map { exp($0) }, log10Q: logQ.map { $0 / log(10) }, chi: chi)
    }
}

/// log(eᵃ + eᵇ) without overflow; −∞ stands for log 0.
@inline(__always)
func logAddExp(_ a: Double, _ b: Double) -> Double {
    if a == -.infinity { return b }
    if b == -.infinity { return a }
    let m = max(a, b)
    return m + log1p(exp(-abs(a - b)))
}
