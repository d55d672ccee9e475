import Foundation

/// The BBP transition of a rectangular signal-plus-noise matrix and its inversion.
///
/// Model: W/√N = σ Z/√N + Σ θᵢ uᵢvᵢᵀ with Z an N × M matrix of i.i.d. N(0, 1) entries, uᵢ ∈ ℝᴺ,
/// vᵢ ∈ ℝᴹ orthonormal unit vectors, c = M/N. In units t = θ/σ, a rank-one strength
/// t > c^{1/4} separates an outlier eigenvalue of X = WᵀW/N at
///
///     λ(t) = σ² (1 + t²)(c + t²)/t²,
///
/// and t ≤ c^{1/4} leaves none (it merges with the edge σ²(1 + √c)²). Inverting, for
/// λ > λ₊: with ℓ = λ/σ², t² = [(ℓ − 1 − c) + √((ℓ − 1 − c)² − 4c)]/2 (the root above c^{1/2}).
///
/// Source: F. Benaych-Georges, R. R. Nadakuditi, J. Multivariate Anal. 111 (2012) 120, §3.1
/// (the rectangular analogue of Baik, Ben Arous & Péché, Ann. Probab. 33 (2005) 1643).
public enum SpikeStrength {
    /// t_c = c^{1/4}: strengths (in units of σ) at or below it give no outlier.
    public static func threshold(ratio c: Double) -> Double { pow(c, 0.25) }

    /// The outlier location λ(θ) for strength θ, or nil if θ/σ ≤ c^{1/4}.
    public static func location(strength theta: Double, variance sigma2: Double, ratio c: Double) -> Double? {
        let t2 = theta * theta / sigma2
        guard t2 > c.squareRoot() else { return nil }
        return sigma2 * (1 + t2) * (c + t2) / t2
    }

    /// θ from an outlier at λ (nil if λ ≤ λ₊ = σ²(1 + √c)², where no outlier can be).
    public static func strength(location lambda: Double, variance sigma2: Double, ratio c: Double) -> Double? {
        let l = lambda / sigma2
        let b = l - 1 - c
        let disc = b * b - 4 * c
        guard l > (1 + c.squareRoot()) * (1 + c.squareRoot()), disc >= 0 else { return nil }
        let t2 = (b + disc.squareRoot()) / 2
        return (sigma2 * t2).squareRoot()
    }
}
