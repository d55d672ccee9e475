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

    /// a = σ²(1 − √λ)², the lower edge of the continuous part (1 − √λ as (1 − λ)/(1 + √λ), which
    /// keeps its digits at λ ≈ 1).
    public var lowerEdge: Double {
        let d = (1 - ratio) / (1 + ratio.squareRoot())
        return variance * d * d
    }
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

    /// The distribution function F(x) = μ((−∞, x]), atom included, in closed form: for
    /// a < x < b, (π − Im L(x/σ² + i0))/π with L MP's log potential through the Joukowski
    /// variable (`MarchenkoPasturTransforms`, Docs/theory-hessian.md §1.5). The arcsine form of
    /// §1.3, [r/σ² + (1 + λ)(asin u + π/2) − |1 − λ|(asin v + π/2)]/(2πλ), divides two O(1)
    /// terms' difference by λ: it gave F = −0.38 at λ = 4.4e-12 and was 5e-9 off at λ = 1e-6.
    public func cdf(_ x: Double) -> Double {
        let atomMass = (ratio > 1 && x >= 0) ? 1 - 1 / ratio : 0
        let a = lowerEdge, b = upperEdge
        if x <= a { return atomMass }
        if x >= b { return 1 }
        let t = MarchenkoPasturTransforms(ratio: ratio)
        return min(1, max(atomMass, t.piMinusImagLog(t.point(Complex(x / variance, 0))) / .pi))
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

// MARK: - Closed forms through the Joukowski variable

/// MP(λ, σ² = 1) evaluated through the Joukowski variable j of ω, which turns every transform
/// the Gram and Hessian models need into a rational function or a logarithm with no
/// cancellation near the edges, near the atom or far out (Docs/theory-hessian.md §1.5).
///
/// With k = √λ, ω = 1 + λ + k(j + 1/j) maps {|j| > 1, Im j > 0} onto the upper half-plane and
/// the real axis outside [a, b] onto the real j with |j| > 1; from ω,
/// j = (√(ω − a) + √(ω − b))²/(4k) (principal roots: the physical sheet). Then
///
///     G₀ = ∫dμ/(ω − t) = 1/(k(j + k)),   G₁ = ∫t dμ/(ω − t) = 1/(kj),
///     I₀ = ∫dμ/|ω − t|² = |j|²/(λ|j + k|²D),   I₁ = ∫t dμ/|ω − t|² = 1/(λD),
///     I₂ = ∫t² dμ/|ω − t|² = |j + k|²/(λ|j|²D) + 1/|j|²,   D = |j|² − 1,
///     L = ∫log(ω − t) dμ = log k + log(j + k) + (1/λ)(k/j − log(1 + k/j)),
///
/// and μ((−∞, x]) = (π − Im L(x + i0))/π. The atom at 0 (λ > 1) sits at j = −k.
///
/// Goals, in order: (1) every quantity to a few ulps relative wherever it is finite —
/// j + k from 2kω/(N − S) when N + S cancels (ω → 0, λ > 1), D from Im ω·|j|²/(k Im j) off
/// the axis (no subtraction) and from j² − 1 = √(ω − a)√(ω − b)Σ²/(4λ) on it, the
/// logarithm's (1/λ)(w − log(1 + w)) by its series for |w| < 0.1; (2) no branch choice
/// left to the caller; (3) cheap: two complex square roots per point.
struct MarchenkoPasturTransforms: Sendable {
    let ratio: Double
    /// k = √λ.
    let k: Double
    /// k − 1 = (λ − 1)/(k + 1), without cancellation at λ ≈ 1.
    let kMinusOne: Double
    /// a = (k − 1)², b = (k + 1)².
    let lower: Double, upper: Double

    init(ratio: Double) {
        self.ratio = ratio
        k = ratio.squareRoot()
        kMinusOne = (ratio - 1) / (k + 1)
        lower = kMinusOne * kMinusOne
        upper = (k + 1) * (k + 1)
    }

    /// One point ω with its Joukowski coordinates.
    struct Point {
        var omega: Complex<Double>
        var j: Complex<Double>
        /// j + k.
        var jPlusK: Complex<Double>
        /// j² − 1.
        var jSquaredMinusOne: Complex<Double>
        /// D = |j|² − 1 ≥ 0 (0 on the cut [a, b]).
        var gap: Double
    }

    /// The Joukowski coordinates of ω (Im ω ≥ 0; real ω is read as ω + i0).
    func point(_ omega: Complex<Double>) -> Point {
        let omega = Complex(omega.real, omega.imaginary <= 0 ? 0 : omega.imaginary)
        let a = Complex.sqrt(omega - Complex(lower)), b = Complex.sqrt(omega - Complex(upper))
        let sigma = a + b
        let j = sigma * sigma / Complex(4 * k)
        let jSquaredMinusOne = a * b * sigma * sigma / Complex(4 * ratio)
        let n = omega - Complex(1 - ratio), s = a * b
        let plus = n + s, minus = n - s
        let jPlusK = plus.length >= minus.length ? plus / Complex(2 * k) : Complex(2 * k) * omega / minus
        // Off the axis Im ω = k Im j (1 − 1/|j|²) gives D without a subtraction; Im j is a product
        // of accurate factors (Re Σ Im Σ/(2k)). On the axis (or once Im j is not a normal number)
        // D = j² − 1, real outside the cut and ≤ 0 (read as 0) on it.
        let gap: Double
        if omega.imaginary > 0, j.imaginary >= Double.leastNormalMagnitude {
            gap = omega.imaginary * j.lengthSquared / (k * j.imaginary)
        } else {
            gap = max(0, jSquaredMinusOne.real)
        }
        return Point(omega: omega, j: j, jPlusK: jPlusK, jSquaredMinusOne: jSquaredMinusOne, gap: gap)
    }

    /// Where a real Joukowski coordinate sits, as an exact offset d > 0 from a special point.
    enum RealOffset {
        /// j = 1 + d: ω above the upper edge b.
        case aboveUpper
        /// j = −1 − d: ω below the lower edge a.
        case belowLower
        /// j = −k − d: ω < 0, below the atom (λ > 1).
        case belowAtom
        /// j = −k + d, 0 < d < k − 1: 0 < ω < a, above the atom (λ > 1).
        case aboveAtom
    }

    /// The real point at offset d, with j + k, j² − 1 and ω written so that none cancels.
    func point(_ offset: RealOffset, _ d: Double) -> Point {
        let lambdaMinusOne = ratio - 1
        let j: Double, jPlusK: Double, jSquaredMinusOne: Double, omega: Double
        switch offset {
        case .aboveUpper:
            j = 1 + d; jPlusK = 1 + k + d; jSquaredMinusOne = d * (2 + d); omega = upper + k * d * d / (1 + d)
        case .belowLower:
            j = -1 - d; jPlusK = kMinusOne - d; jSquaredMinusOne = d * (2 + d); omega = lower - k * d * d / (1 + d)
        case .belowAtom:
            j = -k - d; jPlusK = -d; jSquaredMinusOne = lambdaMinusOne + d * (2 * k + d)
            omega = -d * (lambdaMinusOne + k * d) / (k + d)
        case .aboveAtom:
            j = -k + d; jPlusK = d; jSquaredMinusOne = (kMinusOne - d) * (k + 1 - d)
            omega = d * (lambdaMinusOne - k * d) / (k - d)
        }
        return Point(omega: Complex(omega), j: Complex(j), jPlusK: Complex(jPlusK),
                     jSquaredMinusOne: Complex(jSquaredMinusOne), gap: jSquaredMinusOne)
    }

    /// G₀(ω) = ∫dμ/(ω − t) = 1/(k(j + k)).
    func g0(_ p: Point) -> Complex<Double> { 1 / (Complex(k) * p.jPlusK) }
    /// G₁(ω) = ∫t dμ/(ω − t) = 1/(kj).
    func g1(_ p: Point) -> Complex<Double> { 1 / (Complex(k) * p.j) }
    /// dG₀/dω = −j²/(λ(j + k)²(j² − 1)) (dj/dω = j²/(k(j² − 1))).
    func g0Derivative(_ p: Point) -> Complex<Double> {
        -(p.j * p.j) / (Complex(ratio) * p.jPlusK * p.jPlusK * p.jSquaredMinusOne)
    }
    /// dG₁/dω = −1/(λ(j² − 1)).
    func g1Derivative(_ p: Point) -> Complex<Double> { -1 / (Complex(ratio) * p.jSquaredMinusOne) }

    /// I₀ = ∫dμ/|ω − t|² = |j|²/(λ|j + k|²D) (+∞ on the cut and at the atom).
    func i0(_ p: Point) -> Double { p.j.lengthSquared / (ratio * p.jPlusK.lengthSquared * p.gap) }
    /// I₁ = ∫t dμ/|ω − t|² = 1/(λD).
    func i1(_ p: Point) -> Double { 1 / (ratio * p.gap) }
    /// I₂ = ∫t² dμ/|ω − t|² = |j + k|²/(λ|j|²D) + 1/|j|² (both terms ≥ 0).
    func i2(_ p: Point) -> Double { p.jPlusK.lengthSquared / (ratio * p.j.lengthSquared * p.gap) + 1 / p.j.lengthSquared }
    /// log I₀, finite even where I₀ over- or underflows.
    func logI0(_ p: Point) -> Double {
        2 * Foundation.log(p.j.length) - Foundation.log(ratio) - 2 * Foundation.log(p.jPlusK.length) - Foundation.log(p.gap)
    }

    /// π − Im L(ω) = π·μ((−∞, x]) at ω = x + i0; off the axis the Poisson-smoothed distribution
    /// function that the free-convolution formulas need. Im L = arg(j + k) + (1/λ)Im(w − log(1 + w)),
    /// w = k/j, with −arg(1 + w) = arg j − arg(j + k) (both arguments in [0, π]). The arguments
    /// are taken as π − arg = atan2(Im, −Re), small and exact where F is small (the lower tail,
    /// where the index lives); F near 1 is then right to absolute ulps.
    func piMinusImagLog(_ p: Point) -> Double {
        let thetaJPlusK = atan2(max(p.jPlusK.imaginary, 0), -p.jPlusK.real)
        let w = Complex(k) / p.j
        let correction: Double
        if w.length < 0.1 {
            // (1/λ)(w − log(1 + w)) = (1/j²) Σ_{n≥0} (−w)ⁿ/(n + 2); 20 terms leave < 0.1²⁰/22.
            var sum = Complex<Double>(0), power = Complex<Double>(1)
            for n in 0..<20 {
                sum = sum + power / Complex(Double(n + 2))
                power = power * -w
            }
            correction = (sum / (p.j * p.j)).imaginary
        } else {
            // θ_{j+k} − (Im w + θ_{j+k} − θ_j)/λ, regrouped as (1 − 1/λ)θ_{j+k} + (θ_j − Im w)/λ
            // where that is small: at λ = 1 the θ_{j+k} terms cancel exactly there, and in the
            // lower tail every term of the regrouped form is small (the ungrouped form loses an
            // O(1) θ_{j+k} to rounding; at φ = 1, ε = 1e-60 it gave F(0) = 0 for ~1e-20).
            let thetaJ = atan2(max(p.j.imaginary, 0), -p.j.real)
            let regrouped = (1 - 1 / ratio) * thetaJPlusK + (thetaJ - w.imaginary) / ratio
            if regrouped < .pi / 2 { return regrouped }
            correction = (w.imaginary + thetaJPlusK - thetaJ) / ratio
        }
        return thetaJPlusK - correction
    }
}
