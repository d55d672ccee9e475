import Foundation

/// The diagonal linear network f(w, x) = ⟨w₊^D − w₋^D, x⟩ of depth D ≥ 2, started at
/// w₊ = w₋ = α·w₀ (w₀ > 0 componentwise), and the coordinate maps of its gradient flow.
///
/// Gradient flow on L(w) = ½‖Xβ − y‖², β = w₊^D − w₋^D, keeps every coordinate βᵢ a fixed
/// increasing function of cᵢ = (Xᵀν)ᵢ with ν(t) = −∫₀ᵗ (Xβ − y) ds (Docs/theory-implicit-bias.md):
///
///     D = 2:  βᵢ = 2aᵢ² sinh(4cᵢ),                     aᵢ = α w₀ᵢ,
///     D ≥ 3:  βᵢ = aᵢ^D h_D(kᵢ cᵢ),  kᵢ = D(D − 2) aᵢ^{D−2},
///             h_D(z) = (1 − z)^{−D/(D−2)} − (1 + z)^{−D/(D−2)},  |z| < 1.
///
/// βᵢ(c) = ψᵢ′(c) for the convex potential ψᵢ (`potential`), so the flow is dν/dt = ∇g(ν) on
/// the concave dual g(ν) = yᵀν − Σ ψᵢ((Xᵀν)ᵢ), whose maximiser gives
/// argmin Σ ψᵢ*(βᵢ) s.t. Xβ = y — the implicit-bias problem min Q_α of Woodworth et al.,
/// "Kernel and Rich Regimes in Overparametrized Models" (COLT 2020), Theorem 1 and §5.
public struct DiagonalLinearNetwork: Sendable {
    /// Depth D ≥ 2.
    public let depth: Int
    /// Initialisation scale α > 0.
    public let alpha: Double
    /// The shape w₀ > 0 of the initialisation, one entry per coordinate.
    public let shape: [Double]
    /// aᵢ = α w₀ᵢ.
    let scale: [Double]
    /// kᵢ = D(D − 2) aᵢ^{D−2} (D ≥ 3; unused for D = 2).
    let slope: [Double]

    /// - Throws: `invalidArgument` for D < 2, α not finite and positive, or a shape entry that
    ///   is not finite and positive.
    public init(depth: Int, alpha: Double, shape: [Double]) throws {
        guard depth >= 2 else {
            throw NumericalError.invalidArgument("the depth D must be at least 2 (D = 1 is plain linear regression, with no implicit bias), got \(depth)")
        }
        guard depth <= 64 else { throw NumericalError.invalidArgument("the depth D must be at most 64, got \(depth)") }
        try require(alpha, "α", { $0 > 0 }, "finite and positive")
        guard !shape.isEmpty, shape.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw NumericalError.invalidArgument("the initialisation shape w₀ must have finite positive entries")
        }
        self.depth = depth
        self.alpha = alpha
        self.shape = shape
        let a = shape.map { alpha * $0 }
        guard a.allSatisfy({ $0.isNormal && Foundation.pow($0, Double(depth)).isNormal }) else {
            throw NumericalError.invalidArgument("α·w₀ = \(alpha)·w₀ is outside the range where (αw₀)^D is a normal Double at D = \(depth)")
        }
        self.scale = a
        self.slope = depth == 2 ? a.map { _ in 4 } : a.map { Double(depth * (depth - 2)) * Foundation.pow($0, Double(depth - 2)) }
    }

    /// p = D/(D − 2), the exponent of h_D.
    var exponent: Double { Double(depth) / Double(depth - 2) }

    /// The largest |cᵢ| in the domain of coordinate i: ∞ for D = 2, 1/kᵢ for D ≥ 3.
    func domainRadius(_ i: Int) -> Double { depth == 2 ? .infinity : 1 / slope[i] }

    /// βᵢ(c), or nil outside the domain |kᵢc| < 1 (D ≥ 3).
    func coordinate(_ i: Int, _ c: Double) -> Double? {
        let a = scale[i]
        if depth == 2 { return 2 * a * a * sinh(4 * c) }
        let z = slope[i] * c
        guard abs(z) < 1 else { return nil }
        let p = exponent
        // (1 − z)^{−p} − (1 + z)^{−p} = (1 + z)^{−p}·expm1(2p·atanh z), without cancellation at small z.
        return Foundation.pow(a, Double(depth)) * exp(-p * log1p(z)) * expm1(2 * p * atanh(z))
    }

    /// dβᵢ/dc (> 0), or nil outside the domain.
    func coordinateDerivative(_ i: Int, _ c: Double) -> Double? {
        let a = scale[i]
        if depth == 2 { return 8 * a * a * cosh(4 * c) }
        let z = slope[i] * c
        guard abs(z) < 1 else { return nil }
        let p = exponent
        return Foundation.pow(a, Double(depth)) * slope[i] * p * (exp(-(p + 1) * log1p(-z)) + exp(-(p + 1) * log1p(z)))
    }

    /// ψᵢ(c) = ∫₀^c βᵢ, or nil outside the domain. D = 2: aᵢ² sinh²(2c);
    /// D ≥ 3: (aᵢ^D/kᵢ)·[(1 − z)^{1−p} + (1 + z)^{1−p} − 2]/(p − 1), z = kᵢc.
    func potential(_ i: Int, _ c: Double) -> Double? {
        let a = scale[i]
        if depth == 2 { let s = sinh(2 * c); return a * a * s * s }
        let z = slope[i] * c
        guard abs(z) < 1 else { return nil }
        let p = exponent, m = 1 - p
        // (1 − z)^m + (1 + z)^m − 2 = 2[e^s cosh δ − 1] = 2[expm1(s) cosh δ + 2 sinh²(δ/2)] with
        // s = (m/2) log(1 − z²) ≥ 0 and δ = −m·atanh z: two positive terms, no cancellation.
        let s = 0.5 * m * log1p(-z * z), delta = -m * atanh(z), half = sinh(0.5 * delta)
        let sum = 2 * (expm1(s) * cosh(delta) + 2 * half * half)
        return Foundation.pow(a, Double(depth)) / slope[i] * sum / (p - 1)
    }

    /// The weights (w₊ᵢ, w₋ᵢ) on the flow's trajectory where (Xᵀν)ᵢ = c:
    /// D = 2: aᵢe^{±2c}; D ≥ 3: aᵢ(1 ∓ kᵢc)^{−1/(D−2)}.
    func weights(_ i: Int, _ c: Double) -> (plus: Double, minus: Double)? {
        let a = scale[i]
        if depth == 2 { return (a * exp(2 * c), a * exp(-2 * c)) }
        let z = slope[i] * c
        guard abs(z) < 1 else { return nil }
        let e = -1 / Double(depth - 2)
        return (a * exp(e * log1p(-z)), a * exp(e * log1p(z)))
    }

    /// The paper's q(z) = 2 − √(4 + z²) + z·arcsinh(z/2) (D = 2, Woodworth et al. eq. (9)).
    public static func q(_ z: Double) -> Double {
        // 2 − √(4 + z²) = −z²/(2 + √(4 + z²)), without cancellation at small z.
        -z * z / (2 + (4 + z * z).squareRoot()) + z * asinh(z / 2)
    }
}
