import Foundation

/// Theorem 2 of Woodworth et al. (COLT 2020), for D = 2 and w₀ = 1: the initialisation scales
/// at which the implicit-bias solution β_α is guaranteed to be within a factor (1 + ε) of the
/// minimum ℓ1 or ℓ2 norm (0 < ε < d):
///
///     α ≤ α₁(ε) = min{ (2(1 + ε)‖β_ℓ1‖₁)^{−(2+ε)/(2ε)}, exp(−d/(ε‖β_ℓ1‖₁)) }  ⇒  ‖β_α‖₁ ≤ (1 + ε)‖β_ℓ1‖₁,
///     α ≥ α₂(ε) = √(2(1 + ε)(1 + 2/ε)‖β_ℓ2‖₂)                                 ⇒  ‖β_α‖₂² ≤ (1 + ε)‖β_ℓ2‖₂².
///
/// These are sufficient conditions (bounds), not the location of the transition; the tests
/// check that what the flow reached obeys them.
public enum KernelRichThresholds {
    /// α₁(ε); nil unless 0 < ε < d and ‖β_ℓ1‖₁ > 0.
    public static func richAlpha(epsilon: Double, minimumL1Norm b: Double, dimension d: Int) -> Double? {
        guard epsilon > 0, epsilon < Double(d), b > 0 else { return nil }
        let first = exp(-(2 + epsilon) / (2 * epsilon) * log(2 * (1 + epsilon) * b))
        return min(first, exp(-Double(d) / (epsilon * b)))
    }

    /// α₂(ε); nil unless ε > 0.
    public static func kernelAlpha(epsilon: Double, minimumL2Norm b: Double) -> Double? {
        guard epsilon > 0 else { return nil }
        return (2 * (1 + epsilon) * (1 + 2 / epsilon) * b).squareRoot()
    }

    /// The smallest ε in (0, d) with α ≤ α₁(ε): the ℓ1 guarantee Theorem 2 gives at this α
    /// (nil if none). α₁ is scanned on a log grid of ε and the crossing refined by bisection.
    public static func richEpsilon(alpha: Double, minimumL1Norm b: Double, dimension d: Int) -> Double? {
        let grid = (0...600).map { 1e-6 * pow(Double(d) * 1e6, Double($0) / 600) }.filter { $0 < Double(d) }
        guard let k = grid.firstIndex(where: { (richAlpha(epsilon: $0, minimumL1Norm: b, dimension: d) ?? 0) >= alpha }) else { return nil }
        if k == 0 { return grid[0] }
        var lo = grid[k - 1], hi = grid[k]
        for _ in 0..<60 {
            let mid = 0.5 * (lo + hi)
            if (richAlpha(epsilon: mid, minimumL1Norm: b, dimension: d) ?? 0) >= alpha { hi = mid } else { lo = mid }
        }
        return hi
    }

    /// The smallest ε > 0 with α ≥ α₂(ε): with A = α²/(2‖β_ℓ2‖₂), (1 + ε)(1 + 2/ε) ≤ A ⇔
    /// ε² + (3 − A)ε + 2 ≤ 0, so ε = ((A − 3) − √((A − 3)² − 8))/2 when A ≥ 3 + 2√2 (nil otherwise).
    public static func kernelEpsilon(alpha: Double, minimumL2Norm b: Double) -> Double? {
        guard b > 0 else { return nil }
        let a = alpha * alpha / (2 * b)
        let disc = (a - 3) * (a - 3) - 8
        guard a >= 3, disc >= 0 else { return nil }
        // The smaller root without cancellation: 2·2/((A − 3) + √disc).
        return 4 / ((a - 3) + disc.squareRoot())
    }
}
