import ComplexModule
import Foundation
import RealModule

/// Wigner's semicircle law with centre c and variance s > 0 (radius 2√s).
///
/// Convention: the limiting eigenvalue law of c·I + W, W a Wigner (e.g. GOE) matrix whose
/// off-diagonal entries have variance s/n. Then:
///
/// - density ρ(x) = √(4s − (x − c)²) / (2πs) on [c − 2√s, c + 2√s];
/// - free cumulants κ_1 = c, κ_2 = s, κ_k = 0 for k ≥ 3, hence R(w) = c + s w;
/// - G(z) = (z − c − √((z − c)² − 4s)) / (2s);
/// - F(x) = 1/2 + (u√(1 − u²) + asin u)/π with u = (x − c)/(2√s);
/// - moments m_k = Σ_{j even} C(k, j) c^{k−j} s^{j/2} Cat(j/2), Cat the Catalan numbers;
/// - S(w) = 2 / (c + sign(c)√(c² + 4sw)) for c ≠ 0 (S(0) = 1/m_1; none for c = 0).
///
/// Source: E. P. Wigner, Ann. Math. 62 (1955) 548; transforms as in Mingo–Speicher (2017).
/// Derivations: Docs/theory-hessian.md §2.
public struct Semicircle: SpectralMeasure, CauchyTransformDifferentiable, Equatable, Codable {
    /// c, the mean.
    public let center: Double
    /// s, the variance (the second free cumulant).
    public let variance: Double

    /// - Throws: `NumericalError.invalidArgument` unless c is finite and s is finite and > 0.
    public init(center: Double = 0, variance: Double) throws {
        try require(center, "semicircle centre", { _ in true }, "finite")
        try require(variance, "semicircle variance", { $0 > 0 }, "finite and > 0")
        self.center = center
        self.variance = variance
    }

    /// 2√s.
    public var radius: Double { 2 * variance.squareRoot() }
    public var atoms: [Atom] { [] }
    /// [c − 2√s, c + 2√s].
    public var support: [ClosedRange<Double>] { [(center - radius)...(center + radius)] }

    /// ρ(x) = √(4s − (x − c)²) / (2πs) inside the support, else 0.
    public func density(_ x: Double) -> Double {
        let d = x - center
        let q = 4 * variance - d * d
        return q > 0 ? q.squareRoot() / (2 * .pi * variance) : 0
    }

    /// F(x) = 1/2 + (u√(1 − u²) + asin u)/π, u = (x − c)/(2√s) clamped to [−1, 1].
    public func cdf(_ x: Double) -> Double {
        let u = max(-1, min(1, (x - center) / radius))
        return 0.5 + (u * (1 - u * u).squareRoot() + asin(u)) / .pi
    }

    /// m_k = Σ_{j even ≤ k} C(k, j) c^{k−j} s^{j/2} Cat(j/2).
    public func moment(_ k: Int) -> Double {
        precondition(k >= 0, "moment order must be ≥ 0")
        var sum = 0.0
        for j in stride(from: 0, through: k, by: 2) {
            let catalan = binomial(j, j / 2) / Double(j / 2 + 1)
            sum += binomial(k, j) * Foundation.pow(center, Double(k - j))
                * Foundation.pow(variance, Double(j / 2)) * catalan
        }
        return sum
    }

    /// κ_1 = c, κ_2 = s, κ_k = 0 for k ≥ 3.
    public func freeCumulant(_ k: Int) -> Double {
        precondition(k >= 1, "free cumulant order must be ≥ 1")
        return k == 1 ? center : (k == 2 ? variance : 0)
    }

    /// R(w) = c + s w (entire).
    public func rTransform(_ w: Complex<Double>) -> Complex<Double> {
        Complex(center) + Complex(variance) * w
    }

    /// S(w) = 2 / (c + sign(c)√(c² + 4sw)), the branch with S(0) = 1/c.
    ///
    /// - Throws: `invalidArgument` when c = 0: a centred law has M′(∞) = m_1 = 0 and no
    ///   S-transform.
    public func sTransform(_ w: Complex<Double>) throws -> Complex<Double> {
        guard center != 0 else {
            throw NumericalError.invalidArgument("the S-transform of a semicircle needs a nonzero mean")
        }
        let root = Complex.sqrt(Complex(center * center) + Complex(4 * variance) * w)
        return Complex(2) / (Complex(center) + Complex(center > 0 ? 1 : -1) * root)
    }

    /// G(z) = 2/(N + S), N = z − c, S = √(N − 2√s)·√(N + 2√s) with principal roots (cut on
    /// the support, S ~ z at ∞). The physical root is the smaller one (|G| ≤ 1/√s), so the
    /// denominator never cancels. Real z is read as z + i0.
    public func cauchyTransform(_ z: Complex<Double>) -> Complex<Double> {
        let z = Complex(z.real, z.imaginary == 0 ? 0 : z.imaginary)
        let n = z - Complex(center)
        let s = Complex.sqrt(n - Complex(radius)) * Complex.sqrt(n + Complex(radius))
        return Complex(2) / (n + s)
    }

    /// G′(z) = −G² / (1 − sG²) (differentiate sG² − (z − c)G + 1 = 0).
    public func cauchyTransformDerivative(_ z: Complex<Double>) -> Complex<Double> {
        let g = cauchyTransform(z)
        return -(g * g) / (Complex(1) - Complex(variance) * g * g)
    }
}
