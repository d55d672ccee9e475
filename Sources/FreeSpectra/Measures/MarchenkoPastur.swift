import ComplexModule
import Foundation
import RealModule

/// The Marchenko–Pastur law with ratio λ > 0 and variance σ² > 0.
///
/// Convention: MP(λ, σ²) is the limiting eigenvalue distribution of W = (1/m) X Xᵀ, where X
/// is n × m with i.i.d. centred entries of variance σ² and n, m → ∞ with λ = n/m fixed. With
/// a = σ²(1 − √λ)² and b = σ²(1 + √λ)²:
///
/// - density ρ(x) = √((b − x)(x − a)) / (2π λ σ² x) on [a, b];
/// - for λ > 1 (more rows than columns, W has rank m < n) an atom at 0 of mass 1 − 1/λ;
///   the continuous part then carries mass 1/λ. For λ ≤ 1 there is no atom (at λ = 1 the
///   density diverges like 1/√x at 0 but is integrable);
/// - free cumulants κ_k = λ^{k−1} σ^{2k}, hence R(w) = σ² / (1 − λσ²w);
/// - S(w) = 1 / (σ²(1 + λw));
/// - moments m_k = σ^{2k} Σ_{r=1}^{k} N(k, r) λ^{r−1}, with the Narayana numbers
///   N(k, r) = C(k, r) C(k, r − 1) / k;
/// - G solves λσ² z G² − (z − σ²(1 − λ)) G + 1 = 0 (from R(G) + 1/G = z).
///
/// Source: V. A. Marchenko, L. A. Pastur, Math. USSR-Sb. 1 (1967) 457; the transforms in
/// J. A. Mingo, R. Speicher, *Free Probability and Random Matrices* (2017), ch. 2–3.
/// Derivations: Docs/theory-hessian.md §1.
public struct MarchenkoPastur: SpectralMeasure, CauchyTransformDifferentiable, Equatable, Codable {
    /// λ = n/m.
    public let ratio: Double
    /// σ², the variance of the entries of X.
    public let variance: Double

    /// - Throws: `NumericalError.invalidArgument` unless λ and σ² are finite and positive.
    public init(ratio: Double, variance: Double = 1) throws {
        try require(ratio, "Marchenko–Pastur ratio λ", { $0 > 0 }, "finite and > 0")
        try require(variance, "Marchenko–Pastur variance σ²", { $0 > 0 }, "finite and > 0")
        self.ratio = ratio
        self.variance = variance
    }

    /// a = σ²(1 − √λ)², the lower edge of the continuous part.
    public var lowerEdge: Double { variance * (1 - ratio.squareRoot()) * (1 - ratio.squareRoot()) }
    /// b = σ²(1 + √λ)², the upper edge.
    public var upperEdge: Double { variance * (1 + ratio.squareRoot()) * (1 + ratio.squareRoot()) }

    /// For λ > 1 the atom at 0 of mass 1 − 1/λ; otherwise none.
    public var atoms: [Atom] { ratio > 1 ? [Atom(location: 0, mass: 1 - 1 / ratio)] : [] }

    /// [a, b].
    public var support: [ClosedRange<Double>] { [lowerEdge...upperEdge] }

    /// ρ(x) = √((b − x)(x − a)) / (2πλσ²x) for a < x < b, else 0 (the atom is excluded).
    public func density(_ x: Double) -> Double {
        let a = lowerEdge, b = upperEdge
        guard x > a, x < b, x > 0 else { return 0 }
        return ((b - x) * (x - a)).squareRoot() / (2 * Double.pi * ratio * variance * x)
    }

    /// The distribution function F(x) = μ((−∞, x]), atom included, in closed form:
    /// with r = √((b − x)(x − a)), u = (2x − a − b)/(b − a), v = ((a + b)x − 2ab)/(x(b − a)),
    /// the continuous part is [r/σ² + (1 + λ)(asin u + π/2) − |1 − λ|(asin v + π/2)] / (2πλ)
    /// for a ≤ x ≤ b (Docs/theory-hessian.md §1.3).
    public func cdf(_ x: Double) -> Double {
        let atomMass = (ratio > 1 && x >= 0) ? 1 - 1 / ratio : 0
        let a = lowerEdge, b = upperEdge
        if x <= a { return atomMass }
        if x >= b { return 1 }
        let r = ((b - x) * (x - a)).squareRoot() / variance
        let u = max(-1, min(1, (2 * x - a - b) / (b - a)))
        let v = max(-1, min(1, ((a + b) * x - 2 * a * b) / (x * (b - a))))
        let continuous = (r + (1 + ratio) * (asin(u) + .pi / 2) - abs(1 - ratio) * (asin(v) + .pi / 2))
            / (2 * .pi * ratio)
        return min(1, atomMass + continuous)
    }

    /// m_k = σ^{2k} Σ_{r=1}^{k} N(k, r) λ^{r−1} (Narayana polynomials); m_0 = 1.
    public func moment(_ k: Int) -> Double {
        precondition(k >= 0, "moment order must be ≥ 0")
        if k == 0 { return 1 }
        var sum = 0.0
        var lambdaPower = 1.0
        for r in 1...k {
            sum += narayana(k, r) * lambdaPower
            lambdaPower *= ratio
        }
        return sum * Foundation.pow(variance, Double(k))
    }

    /// κ_k = λ^{k−1} σ^{2k}, k ≥ 1.
    public func freeCumulant(_ k: Int) -> Double {
        precondition(k >= 1, "free cumulant order must be ≥ 1")
        return Foundation.pow(ratio, Double(k - 1)) * Foundation.pow(variance, Double(k))
    }

    /// R(w) = σ² / (1 − λσ²w), analytic for |w| < 1/(λσ²).
    public func rTransform(_ w: Complex<Double>) -> Complex<Double> {
        Complex(variance) / (Complex(1) - Complex(ratio * variance) * w)
    }

    /// S(w) = 1 / (σ²(1 + λw)).
    public func sTransform(_ w: Complex<Double>) -> Complex<Double> {
        Complex(1) / (Complex(variance) * (Complex(1) + Complex(ratio) * w))
    }

    /// G(z) on the physical sheet: G = 2/(N + S) = (N − S)/(2λσ²z), N = z − σ²(1 − λ),
    /// S = √(z − a)·√(z − b) with principal square roots (cut exactly on [a, b], S ~ z at ∞).
    /// The form with the larger denominator is used, which avoids cancellation near z = 0.
    /// Real z is read as z + i0 (limit from above); for λ > 1, z = 0 is the pole of the atom.
    public func cauchyTransform(_ z: Complex<Double>) -> Complex<Double> {
        let z = Complex(z.real, z.imaginary == 0 ? 0 : z.imaginary)  // −0 → +0
        let n = z - Complex(variance * (1 - ratio))
        let s = Complex.sqrt(z - Complex(lowerEdge)) * Complex.sqrt(z - Complex(upperEdge))
        let plus = n + s, minus = n - s
        if plus.length >= minus.length {
            return Complex(2) / plus
        }
        return minus / (Complex(2 * ratio * variance) * z)
    }

    /// G′(z), from differentiating the quadratic: G′ = (G − λσ²G²)/(2λσ²zG − (z − σ²(1 − λ))).
    public func cauchyTransformDerivative(_ z: Complex<Double>) -> Complex<Double> {
        let g = cauchyTransform(z)
        let c = Complex(ratio * variance)
        return (g - c * g * g) / (Complex(2) * c * z * g - (z - Complex(variance * (1 - ratio))))
    }
}

/// N(k, r) = C(k, r) C(k, r − 1) / k, computed in floating point (exact for k ≲ 30).
func narayana(_ k: Int, _ r: Int) -> Double {
    binomial(k, r) * binomial(k, r - 1) / Double(k)
}

/// C(n, k) in floating point by the multiplicative formula.
func binomial(_ n: Int, _ k: Int) -> Double {
    guard k >= 0, k <= n else { return 0 }
    var result = 1.0
    for i in 0..<min(k, n - k) {
        result = result * Double(n - i) / Double(i + 1)
    }
    return result.rounded()
}
