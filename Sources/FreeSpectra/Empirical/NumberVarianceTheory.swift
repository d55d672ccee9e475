import Foundation

/// The two-level statistics of each symmetry class for unfolded levels (mean spacing 1):
/// the cluster function Y₂(r), the number variance Σ²(L) and the Dyson–Mehta rigidity Δ₃(L).
///
/// With s(r) = sin(πr)/(πr) (M. L. Mehta, *Random Matrices*, 3rd ed. (2004): GUE ch. 6,
/// GOE ch. 7, GSE ch. 8; Docs/theory-spacings.md §4):
///
///     GUE:  Y₂(r) = s(r)²
///     GOE:  Y₂(r) = s(r)² + s′(r) ∫_r^∞ s(t) dt,         ∫_r^∞ s = 1/2 − Si(πr)/π
///     GSE:  Y₂(r) = s(2r)² − (d/dr s(2r)) ∫₀^r s(2t) dt,  ∫₀^r s(2t) dt = Si(2πr)/(2π)
///     Poisson: Y₂ = 0,
///
/// and, for any stationary level sequence with cluster function Y₂ (Mehta ch. 16; the Δ₃ form
/// is Pandey's Δ₃ = (2/L⁴)∫₀^L (L³ − 2L²r + r³) Σ²(r) dr with the order of integration
/// exchanged, Docs/theory-spacings.md §4),
///
///     Σ²(L) = L − 2 ∫₀^L (L − r) Y₂(r) dr,
///     Δ₃(L) = L/15 − (1/(15 L⁴)) ∫₀^L (L − r)³ (2L² − 9Lr − 3r²) Y₂(r) dr,
///
/// so Poisson has Σ² = L and Δ₃ = L/15. Both integrals are computed by GSL's adaptive QAGP with
/// breakpoints at every half-integer (the period of the oscillations of Y₂). For large L they
/// approach the logarithms of `asymptoticNumberVariance` and `asymptoticRigidity`.
public enum NumberVarianceTheory {
    /// The two-level cluster function Y₂(r) of `c` at r ≥ 0 (Y₂(0) = 1; 0 for Poisson).
    public static func clusterFunction(_ c: SymmetryClass, _ r: Double) -> Double {
        let r = abs(r)
        switch c {
        case .poisson: return 0
        case .gue: return sinc(r) * sinc(r)
        case .goe: return sinc(r) * sinc(r) + sincDerivative(r) * (0.5 - sineIntegral(.pi * r) / .pi)
        case .gse: return sinc(2 * r) * sinc(2 * r) - 2 * sincDerivative(2 * r) * sineIntegral(2 * .pi * r) / (2 * .pi)
        }
    }

    /// Σ²(L), the variance of the number of levels in an interval of length L ≥ 0.
    /// - Throws: `invalidArgument` for L < 0 or not finite; `didNotConverge` if the quadrature
    ///   fails.
    public static func numberVariance(_ c: SymmetryClass, _ length: Double) throws -> Double {
        try require(length, "interval length L", { $0 >= 0 }, "finite and ≥ 0")
        if c == .poisson || length == 0 { return length }
        let integral = try Quadrature.integrate({ (length - $0) * clusterFunction(c, $0) }, from: 0, to: length,
                                                breakpoints: halfIntegers(below: length))
        return length - 2 * integral
    }

    /// Δ₃(L), the mean square deviation of the level staircase from its best straight line over
    /// an interval of length L > 0.
    /// - Throws: `invalidArgument` for L ≤ 0 or not finite; `didNotConverge` if the quadrature
    ///   fails.
    public static func rigidity(_ c: SymmetryClass, _ length: Double) throws -> Double {
        try require(length, "interval length L", { $0 > 0 }, "finite and > 0")
        let poisson = length / 15
        if c == .poisson { return poisson }
        let l = length
        let integral = try Quadrature.integrate({ r in
            let d = l - r
            return d * d * d * (2 * l * l - 9 * l * r - 3 * r * r) * clusterFunction(c, r)
        }, from: 0, to: l, breakpoints: halfIntegers(below: l))
        return poisson - integral / (15 * l * l * l * l)
    }

    /// The large-L form of Σ² (Mehta ch. 16; O. Bohigas, M. J. Giannoni, Lect. Notes Phys. 209,
    /// 1 (1984)), with γ Euler's constant: GOE (2/π²)(ln 2πL + γ + 1 − π²/8), GUE
    /// (1/π²)(ln 2πL + γ + 1), GSE (1/(2π²))(ln 4πL + γ + 1 + π²/8), Poisson L. The error is
    /// O(1/L).
    public static func asymptoticNumberVariance(_ c: SymmetryClass, _ length: Double) -> Double {
        let g = eulerGamma, pi2 = Double.pi * Double.pi
        switch c {
        case .poisson: return length
        case .goe: return 2 / pi2 * (Foundation.log(2 * .pi * length) + g + 1 - pi2 / 8)
        case .gue: return 1 / pi2 * (Foundation.log(2 * .pi * length) + g + 1)
        case .gse: return 1 / (2 * pi2) * (Foundation.log(4 * .pi * length) + g + 1 + pi2 / 8)
        }
    }

    /// The large-L form of Δ₃: GOE (1/π²)(ln 2πL + γ − 5/4 − π²/8), GUE
    /// (1/(2π²))(ln 2πL + γ − 5/4), GSE (1/(4π²))(ln 4πL + γ − 5/4 + π²/8), Poisson L/15.
    public static func asymptoticRigidity(_ c: SymmetryClass, _ length: Double) -> Double {
        let g = eulerGamma, pi2 = Double.pi * Double.pi
        switch c {
        case .poisson: return length / 15
        case .goe: return 1 / pi2 * (Foundation.log(2 * .pi * length) + g - 1.25 - pi2 / 8)
        case .gue: return 1 / (2 * pi2) * (Foundation.log(2 * .pi * length) + g - 1.25)
        case .gse: return 1 / (4 * pi2) * (Foundation.log(4 * .pi * length) + g - 1.25 + pi2 / 8)
        }
    }

    /// Euler's constant γ.
    static let eulerGamma = 0.57721566490153286061

    /// s(r) = sin(πr)/(πr), s(0) = 1 (series below |πr| = 1e-4).
    static func sinc(_ r: Double) -> Double {
        let x = Double.pi * r
        return abs(x) < 1e-4 ? 1 - x * x / 6 : Foundation.sin(x) / x
    }

    /// s′(r) = (cos πr − s(r))/r (series −(π²r/3)(1 − (πr)²/10) below |πr| = 1e-3).
    static func sincDerivative(_ r: Double) -> Double {
        let x = Double.pi * r
        if abs(x) < 1e-3 { return -Double.pi * x / 3 * (1 - x * x / 10) }
        return (Foundation.cos(x) - sinc(r)) / r
    }

    static func halfIntegers(below length: Double) -> [Double] {
        stride(from: 0.5, to: length, by: 0.5).map { $0 }
    }
}
