import ComplexModule
import Foundation
import RealModule

// MARK: - The activation constants η and ζ

/// The two Gaussian constants of an activation that fix the limiting spectrum of a
/// random-feature Gram matrix (Pennington & Worah 2017, eq. (6)):
///
///     η = E[f_c(s z)²],    ζ = (s E[f′(s z)])² = (E[z f(s z)])²,    z ~ N(0, 1), s = σ_w σ_x,
///
/// where f_c = f − E[f(s z)] is f centred under the law of its argument. The spectrum
/// theory holds for centred f; an activation with E[f(s z)] ≠ 0 is centred here (its mean is
/// subtracted, `meanRemoved`, and `centred` is true) — the mean would otherwise add a rank-one
/// spike of size ~ m·E[f]² that the bulk law does not describe.
///
/// ζ is computed through Stein's identity s E[f′(s z)] = E[z f(s z)], which needs only f and
/// also holds when f′ has jumps. Both expectations use `Quadrature.gaussianExpectation`
/// (GSL QAGP) with the activation's kinks, mapped to z = kink/s, as breakpoints.
///
/// Cauchy–Schwarz gives 0 ≤ ζ ≤ η, with ζ = η exactly for linear f (f_c(x) = a x) and ζ = 0
/// for f_c orthogonal to x (e.g. even f such as |x| or x²).
public struct GramActivationMoments: Sendable, Equatable, Codable {
    /// The activation's name.
    public var activation: String
    public var sigmaW: Double
    public var sigmaX: Double
    /// s = σ_w σ_x, the standard deviation of the pre-activations (WX)_{ij}.
    public var scale: Double
    /// η = E[f_c(s z)²] > 0.
    public var eta: Double
    /// ζ = (E[z f(s z)])² ∈ [0, η].
    public var zeta: Double
    /// True when the activation was not centred and its mean E[f(s z)] was subtracted.
    public var centred: Bool
    /// The subtracted mean E[f(s z)] (0 when the activation was already centred).
    public var meanRemoved: Double

    /// - Throws: `invalidArgument` unless σ_w, σ_x are finite and > 0, or if f is constant
    ///   (η = 0) or its moments are not finite; `didNotConverge` if the quadrature fails.
    public init(activation: any Activation, sigmaW: Double = 1, sigmaX: Double = 1) throws {
        try require(sigmaW, "σ_w", { $0 > 0 }, "finite and > 0")
        try require(sigmaX, "σ_x", { $0 > 0 }, "finite and > 0")
        let s = sigmaW * sigmaX
        // gaussianExpectation already splits at 0; a repeated breakpoint would give GSL an
        // empty subinterval.
        let breakpoints = Array(Set(activation.kinks.map { $0 / s }.filter { $0 != 0 && abs($0) < 12 })).sorted()
        let mean = try Quadrature.gaussianExpectation({ activation.value(s * $0) }, breakpoints: breakpoints)
        let second = try Quadrature.gaussianExpectation({ h in
            let v = activation.value(s * h) - mean
            return v * v
        }, breakpoints: breakpoints)
        let stein = try Quadrature.gaussianExpectation({ $0 * activation.value(s * $0) }, breakpoints: breakpoints)
        guard mean.isFinite, second.isFinite, stein.isFinite else {
            throw NumericalError.invalidArgument("activation '\(activation.name)' has non-finite Gaussian moments at σ_wσ_x = \(s)")
        }
        guard second > 1e-24 * (second + mean * mean), second > 1e-300 else {
            throw NumericalError.invalidArgument("activation '\(activation.name)' is constant under N(0, \(s * s)) (η = 0): the Gram matrix vanishes")
        }
        let isCentred = abs(mean) <= 1e-12 * (second + mean * mean).squareRoot()
        self.activation = activation.name
        self.sigmaW = sigmaW
        self.sigmaX = sigmaX
        self.scale = s
        self.eta = second
        self.zeta = min(stein * stein, second)  // Cauchy–Schwarz; rounding can exceed η by 1 ulp
        self.centred = !isCentred
        self.meanRemoved = isCentred ? 0 : mean
    }
}

/// Activations for the Gram model: the built-ins of `Activations.named` plus two with ζ = 0
/// (E[f′] = 0), whose Gram spectrum is exactly Marchenko–Pastur:
/// `abs` (f(x) = |x|, centred to |x| − s√(2/π)) and `square` (f(x) = x², centred to x² − s²).
public enum GramActivations {
    public static let names = Activations.names + ["abs", "square"]

    /// The activation named `spec`.
    /// - Throws: `invalidArgument` for an unknown name (the message lists the known ones), a
    ///   parameter given to an activation that takes none, or a bad leaky-relu slope (the
    ///   message of `Activations.named`).
    public static func named(_ spec: String) throws -> any Activation {
        let (name, parameter) = Activations.parse(spec)
        switch name {
        case "abs", "square":
            guard parameter == nil else { throw NumericalError.invalidArgument("activation '\(name)' takes no parameter") }
            return name == "abs"
                ? CustomActivation(name: "abs", kinks: [0], value: { abs($0) }, derivative: { $0 > 0 ? 1 : -1 })
                : CustomActivation(name: "square", value: { $0 * $0 }, derivative: { 2 * $0 }, complexDerivative: { 2 * $0 })
        default:
            guard Activations.isBuiltin(spec) else {
                throw NumericalError.invalidArgument(
                    "unknown activation '\(spec)' for the Gram model; known: \(names.joined(separator: ", ")) (leaky-relu:SLOPE sets the slope)")
            }
            return try Activations.named(spec)
        }
    }
}

// MARK: - The Pennington–Worah law

/// The limiting eigenvalue distribution of the random-feature Gram matrix
/// M = (1/m) Y Yᵀ (n₁ × n₁), Y = f(W X) (n₁ × m), W ∈ ℝ^{n₁×n₀} with i.i.d. N(0, σ_w²/n₀)
/// entries, X ∈ ℝ^{n₀×m} with i.i.d. N(0, σ_x²) entries and f centred, as n₀, n₁, m → ∞ with
///
///     φ = n₀/m,    ψ = n₀/n₁.
///
/// It depends on f only through η and ζ (`GramActivationMoments`). With t = 1/(ψz),
///
///     G(z) = (ψ/z) P(t) + (1 − ψ)/z,
///     P = 1 + (η − ζ) t P_φ P_ψ + ζ t P_φ P_ψ / (1 − ζ t P_φ P_ψ),
///     P_φ = 1 + (P − 1)φ,  P_ψ = 1 + (P − 1)ψ
///
/// (Pennington & Worah, "Nonlinear random matrix theory for deep learning", NeurIPS 2017,
/// Thm. 1). P(t) = 1 + Σ_{k≥1} m_k ψ^{k−1} t^k is the moment generating function of the
/// n₀ × n₀ companion of M. The equation is re-derived in Docs/theory-gram.md from the
/// linear-equivalent model Y ≃ √ζ·(WX)/s + √(η − ζ)·Z (Péché 2019): the columns of Y are then
/// N(0, Σ) with Σ = ζWWᵀ/s² + (η − ζ)I, and the S-transform of a sample covariance gives
/// (P − δQ)(1 − ζQ) = 1 with Q = t P_φ P_ψ and δ = η − ζ, which is the equation above.
///
/// Multiplied out it is a quartic in P (`quarticCoefficients`), a cubic when δ = 0 (linear f:
/// a product of two Wisharts) and a quadratic when ζ = 0 (Marchenko–Pastur with ratio φ/ψ
/// and variance η). Its roots are computed by GSL (`PolynomialRoots`). The physical root is
/// selected by continuation: from z = x + iY high in the upper half-plane, where it is the
/// only root near 1 + ηt, down the vertical line to x + i0, always taking the root nearest
/// the previous one (the root with the largest density is not always the physical one).
///
/// Atoms: M has an atom at 0 of mass 1 − rank/n₁. For nonlinear f (δ > 0) rank Y = min(n₁, m),
/// so the mass is max(0, 1 − ψ/φ); for linear f (δ = 0) rank(WX) = min(n₀, n₁, m) and the mass
/// is max(0, 1 − min(ψ, ψ/φ)). The continuous part carries the rest (checked at
/// construction by integrating the density).
///
/// Domain: φ, ψ, η > 0 and 0 ≤ ζ ≤ η, all finite; violations throw
/// `NumericalError.invalidArgument`.
public struct NonlinearGram: SpectralMeasure {
    /// φ = n₀/m (input dimension / samples).
    public let phi: Double
    /// ψ = n₀/n₁ (input dimension / features).
    public let psi: Double
    /// η = E[f_c(sz)²].
    public let eta: Double
    /// ζ = (s E[f′(sz)])²; equal to η for linear f (snapped when η − ζ ≤ 1e-10·η).
    public let zeta: Double
    /// The activation constants when built from an activation, else nil.
    public let activationMoments: GramActivationMoments?
    /// The support of the continuous part: disjoint closed intervals, increasing.
    public private(set) var support: [ClosedRange<Double>] = []
    /// The atom at 0 (if the ranks require one).
    public let atoms: [Atom]
    /// The tabulated distribution function of the continuous part (see `cdf`).
    private var table: [CDFTable] = []
    /// A length scale of the spectrum (m₁ + 8·standard deviation), for the continuation.
    private let spread: Double
    /// At a hard edge at 0 (support starting at 0): below `cutoff` = 1e-7·λ_max, where the
    /// quartic's roots cluster at P = 1 − 1/ψ (t → ∞) and lose accuracy, ρ is continued as
    /// ρ = x^{−α}(A + B x^β + C x^{2β}), with α = 2/3, β = 1/3 for linear f at n₀ = n₁ = m (two
    /// square Wisharts, Fuss–Catalan edge) and α = β = 1/2 otherwise (a square sample-covariance
    /// edge), A, B, C interpolating ρ at cutoff, 10·cutoff and 100·cutoff. (Two terms fitted at
    /// cutoff and 100·cutoff left 1.7e-8 of the mass for erf at φ = ψ = 0.5, whose bump near 0
    /// holds half the spectrum: the x^{2β} term is 1e-5 of A there.)
    private var hardEdge: (cutoff: Double, alpha: Double, beta: Double, a: Double, b: Double, c: Double)? = nil

    /// δ = η − ζ, the weight of the nonlinear (noise-like) part.
    public var delta: Double { eta - zeta }
    /// Whether f is linear (δ = 0): then M = (ζ/s²) W X Xᵀ Wᵀ/m is a product of Wisharts.
    public var isLinear: Bool { delta == 0 }

    /// The law for given constants.
    /// - Throws: `invalidArgument` for φ, ψ, η ≤ 0, ζ < 0, ζ > η or non-finite input;
    ///   `didNotConverge` if the support or the distribution function cannot be computed.
    public init(eta: Double, zeta: Double, phi: Double, psi: Double) throws {
        try self.init(eta: eta, zeta: zeta, phi: phi, psi: psi, moments: nil)
    }

    /// The law for an activation at weight and input scales σ_w, σ_x (η, ζ by quadrature; a
    /// non-centred activation is centred, see `GramActivationMoments`).
    /// - Throws: as `init(eta:zeta:phi:psi:)` and `GramActivationMoments.init`.
    public init(activation: any Activation, sigmaW: Double = 1, sigmaX: Double = 1, phi: Double, psi: Double) throws {
        try require(phi, "φ = n₀/m", { $0 > 0 }, "finite and > 0")
        try require(psi, "ψ = n₀/n₁", { $0 > 0 }, "finite and > 0")
        let moments = try GramActivationMoments(activation: activation, sigmaW: sigmaW, sigmaX: sigmaX)
        try self.init(eta: moments.eta, zeta: moments.zeta, phi: phi, psi: psi, moments: moments)
    }

    private init(eta: Double, zeta: Double, phi: Double, psi: Double, moments: GramActivationMoments?) throws {
        try require(phi, "φ = n₀/m", { $0 > 0 }, "finite and > 0")
        try require(psi, "ψ = n₀/n₁", { $0 > 0 }, "finite and > 0")
        try require(eta, "η = E[f(sz)²]", { $0 > 0 }, "finite and > 0")
        try require(zeta, "ζ = (sE[f′(sz)])²", { $0 >= 0 && $0 <= eta * (1 + 1e-9) }, "finite and in [0, η] (Cauchy–Schwarz, η = \(eta))")
        self.phi = phi
        self.psi = psi
        self.eta = eta
        self.zeta = eta - zeta <= 1e-10 * eta ? eta : zeta
        self.activationMoments = moments
        let linear = self.zeta == eta
        let rankFraction = linear ? min(psi, psi / phi) : psi / phi  // rank / n₁
        self.atoms = rankFraction < 1 ? [Atom(location: 0, mass: 1 - rankFraction)] : []
        let m1 = eta
        let m2 = (eta * eta * (phi + psi) + self.zeta * self.zeta) / psi
        self.spread = m1 + 8 * max(m2 - m1 * m1, 0).squareRoot()
        self.support = try computeSupport()
        if let first = support.first, first.lowerBound == 0 {
            // 1e-7 λ_max as documented (the first interval's end was used: 4e-14 when two
            // spurious edges cut it at 4e-7, where ρ in Double is already wrong by ×71), kept
            // two decades inside a narrow first band.
            let c0 = 1e-7 * min(support.last!.upperBound, 1e3 * first.upperBound)
            let (alpha, beta) = linear && phi == 1 && psi == 1 ? (2.0 / 3, 1.0 / 3) : (0.5, 0.5)
            // Quadratic interpolation in s = x^β through the three points (divided differences).
            let xs = [c0, 10 * c0, 100 * c0]
            let ss = xs.map { pow($0, beta) }, ys = xs.map { density($0) * pow($0, alpha) }
            let d01 = (ys[1] - ys[0]) / (ss[1] - ss[0]), d12 = (ys[2] - ys[1]) / (ss[2] - ss[1])
            let c = (d12 - d01) / (ss[2] - ss[0])
            let b = d01 - c * (ss[0] + ss[1])
            let a = ys[0] - b * ss[0] - c * ss[0] * ss[0]
            if a.isFinite, b.isFinite, c.isFinite, a > 0 { hardEdge = (c0, alpha, beta, a, b, c) }
        }
        self.table = try support.map { try CDFTable(interval: $0, density: self.density) }
        let mass = table.reduce(0) { $0 + $1.mass } + (atoms.first?.mass ?? 0)
        guard abs(mass - 1) < 1e-6 else {
            throw NumericalError.didNotConverge(
                "Gram law (η = \(eta), ζ = \(zeta), φ = \(phi), ψ = \(psi)): total mass \(mass) ≠ 1 (density + atom); the support or root selection failed")
        }
    }

    /// The constants only, without support or distribution function (tests of the root
    /// selection and the edge candidates).
    init(uncheckedEta eta: Double, zeta: Double, phi: Double, psi: Double) {
        self.phi = phi; self.psi = psi; self.eta = eta; self.zeta = zeta
        self.activationMoments = nil
        self.atoms = []
        let m2 = (eta * eta * (phi + psi) + zeta * zeta) / psi
        self.spread = eta + 8 * max(m2 - eta * eta, 0).squareRoot()
    }

    // MARK: The quartic

    /// The coefficients of F(P) = (P − δQ)(1 − ζQ) − 1, Q = t P_φ P_ψ, in increasing degree of
    /// P. With q_k = t a_k, a₀ = (1 − φ)(1 − ψ), a₁ = φ(1 − ψ) + ψ(1 − φ), a₂ = φψ
    /// (so that t P_φ P_ψ = q₀ + q₁P + q₂P²):
    ///
    ///     c₀ = −1 − δq₀ + δζq₀²
    ///     c₁ = 1 − ζq₀ − δq₁ + 2δζq₀q₁
    ///     c₂ = −ζq₁ − δq₂ + δζ(q₁² + 2q₀q₂)
    ///     c₃ = −ζq₂ + 2δζq₁q₂
    ///     c₄ = δζq₂²
    ///
    /// A cubic when δζ = 0 and ζ > 0 (linear f), a quadratic when ζ = 0.
    public func quarticCoefficients(t: Double) -> [Double] {
        quarticCoefficients(t: Complex(t)).map(\.real)
    }

    /// The coefficients of the quartic at complex t (see `quarticCoefficients(t:)`).
    public func quarticCoefficients(t: Complex<Double>) -> [Complex<Double>] {
        let (a0, a1, a2) = quadraticFactor
        let q0 = t * Complex(a0), q1 = t * Complex(a1), q2 = t * Complex(a2)
        let d = Complex(delta), z = Complex(zeta), dz = Complex(delta * zeta)
        return [
            Complex(-1) - d * q0 + dz * q0 * q0,
            Complex(1) - z * q0 - d * q1 + Complex(2) * dz * q0 * q1,
            -z * q1 - d * q2 + dz * (q1 * q1 + Complex(2) * q0 * q2),
            -z * q2 + Complex(2) * dz * q1 * q2,
            dz * q2 * q2,
        ]
    }

    /// (a₀, a₁, a₂) with P_φ P_ψ = a₀ + a₁P + a₂P².
    var quadraticFactor: (Double, Double, Double) {
        ((1 - phi) * (1 - psi), phi * (1 - psi) + psi * (1 - phi), phi * psi)
    }

    /// F(P, t) = A(P)t² + B(P)t + C(P), with R = P_φP_ψ: A = δζR², B = −(ζP + δ)R, C = P − 1;
    /// returns (F, ∂F/∂P, ∂F/∂t).
    func equation(_ p: Complex<Double>, _ t: Complex<Double>) -> (f: Complex<Double>, fP: Complex<Double>, fT: Complex<Double>) {
        let (a0, a1, a2) = quadraticFactor
        let r = Complex(a0) + Complex(a1) * p + Complex(a2) * p * p
        let rp = Complex(a1) + Complex(2 * a2) * p
        let zp = Complex(zeta) * p + Complex(delta)
        let a = Complex(delta * zeta) * r * r
        let b = -zp * r
        let ap = Complex(2 * delta * zeta) * r * rp
        let bp = -(Complex(zeta) * r + zp * rp)
        let f = a * t * t + b * t + p - Complex(1)
        let fP = ap * t * t + bp * t + Complex(1)
        let fT = Complex(2) * a * t + b
        return (f, fP, fT)
    }

    // MARK: Roots and the physical branch

    /// All roots of the quartic at real t (GSL, Newton-polished).
    func roots(t: Double) throws -> [Complex<Double>] {
        let c = quarticCoefficients(t: t)
        let cc = c.map { Complex($0) }
        return try PolynomialRoots.roots(c).map { Self.polish($0, cc) }
    }

    /// All roots of the quartic at complex t. GSL solves real polynomials only, so the real
    /// polynomial p(P)·p̄(P) (p̄: conjugated coefficients; its roots are those of p and their
    /// conjugates) is solved, the deg p roots of smallest relative residual |p(r)| are kept and
    /// Newton-polished on p.
    func roots(t: Complex<Double>) throws -> [Complex<Double>] {
        if t.imaginary == 0 { return try roots(t: t.real) }
        var c = quarticCoefficients(t: t)
        while let last = c.last, last.length == 0 { c.removeLast() }
        let degree = c.count - 1
        var product = [Double](repeating: 0, count: 2 * degree + 1)
        for i in 0...degree { for j in 0...degree {
            product[i + j] += (c[i] * c[j].conjugate).real
        } }
        let candidates = try PolynomialRoots.roots(product)
        func relativeResidual(_ r: Complex<Double>) -> Double {
            var value = Complex<Double>(0), size = 0.0, power = 1.0
            for k in stride(from: degree, through: 0, by: -1) { value = value * r + c[k] }
            for k in 0...degree { size += c[k].length * power; power *= r.length }
            return value.length / max(size, 1e-300)
        }
        // A root r of p near the real axis has its conjugate (a root of p̄) nearby, with a
        // small residual too; both polish to r. Take candidates by increasing residual and skip
        // those that polish onto a root already taken.
        var chosen: [Complex<Double>] = []
        for (candidate, _) in candidates.map({ ($0, relativeResidual($0)) }).sorted(by: { $0.1 < $1.1 }) {
            let r = Self.polish(candidate, c)
            if chosen.contains(where: { ($0 - r).length <= 1e-9 * max(1, r.length) }) { continue }
            chosen.append(r)
            if chosen.count == degree { break }
        }
        return chosen
    }

    /// Newton on Σ c_k P^k while the residual decreases (≤ 12 steps).
    static func polish(_ root: Complex<Double>, _ c: [Complex<Double>]) -> Complex<Double> {
        func evaluate(_ g: Complex<Double>) -> (Complex<Double>, Complex<Double>) {
            var p = Complex<Double>(0), dp = Complex<Double>(0)
            for k in stride(from: c.count - 1, through: 0, by: -1) { dp = dp * g + p; p = p * g + c[k] }
            return (p, dp)
        }
        var g = root
        var (p, dp) = evaluate(g)
        for _ in 0..<12 {
            let step = p / dp
            if !step.isFinite || p.length == 0 { break }
            let candidate = g - step
            let (pc, dpc) = evaluate(candidate)
            if pc.length < p.length { g = candidate; p = pc; dp = dpc } else { break }
        }
        return g
    }

    /// The physical root P at z (Im z ≥ 0; real z is read as z + i0), by continuation down the
    /// vertical line Re z = x from a height where P ≈ 1 + ηt + p₂t² identifies it.
    ///
    /// Steps shrink Im z by a factor r ∈ [0.5, 0.999]; a step is accepted when the nearest root
    /// is at most a third of the distance to the second nearest, else r moves toward 1.
    /// - Throws: `didNotConverge` if no unambiguous start is found; `didNotConverge` from GSL.
    public func physicalP(_ z: Complex<Double>) throws -> Complex<Double> {
        if z.imaginary <= 0 && z.real < 0 { return Complex(try physicalPNegativeAxis(z.real)) }
        let x = z.real, yTarget = max(0, z.imaginary)
        let floor = 1e-9 * spread
        var height = max(10 * (spread + abs(x)), yTarget)
        var current: Complex<Double>? = nil
        for _ in 0..<30 {
            let t = 1 / (Complex(psi) * Complex(x, height))
            let p2 = (eta * eta * (phi + psi) + zeta * zeta)
            let series = Complex(1) + Complex(eta) * t + Complex(p2) * t * t
            let (best, ratio) = try nearest(to: series, among: try roots(t: t))
            if ratio < 0.1 { current = best; break }
            height *= 4
        }
        guard var p = current else {
            throw NumericalError.didNotConverge("Gram law: no unambiguous start for the continuation at Re z = \(x)")
        }
        var y = height
        var r = 0.5
        let stop = max(yTarget, yTarget > 0 ? yTarget : floor)
        while y > stop {
            let next = max(stop, y * r)
            let t = 1 / (Complex(psi) * Complex(x, next))
            let (best, ratio) = try nearest(to: p, among: try roots(t: t))
            if ratio < 1.0 / 3 || r > 0.999 {
                p = best
                y = next
                r = max(0.5, r * r)
            } else {
                r = r.squareRoot()
            }
        }
        if yTarget == 0 {
            guard x != 0 else { return Complex(.nan, .nan) }
            let all = try roots(t: 1 / (psi * x))
            p = try nearest(to: p, among: all).0
            // On the real axis the roots come in conjugate pairs; for x > 0 the physical one has
            // Im P ≤ 0 (Im G ≤ 0), which settles a pair split by less than the last step.
            if x > 0, p.imaginary > 0, let mirror = all.min(by: { ($0 - p.conjugate).length < ($1 - p.conjugate).length }),
               (mirror - p.conjugate).length <= 1e-8 * max(1, p.length) {
                p = mirror
            }
        }
        return p
    }

    /// The physical (real) P at real z = x < 0, by continuation along the negative axis, where
    /// G is analytic and P real: from x₀ = −10·(spread) (or x itself if further out), where P is
    /// the root nearest 1 + ηt + p₂t², towards x in geometric steps with the same acceptance
    /// test as `physicalP`. Near z = 0⁻ the roots pair up at distances O(|z|) (P → 1 − 1/φ,
    /// 1 − 1/ψ, …), which a path along the imaginary direction would pass too closely.
    func physicalPNegativeAxis(_ x: Double) throws -> Double {
        var position = min(x, -10 * spread)
        var current: Complex<Double>? = nil
        for _ in 0..<30 {
            let t = 1 / (psi * position)
            let p2 = (eta * eta * (phi + psi) + zeta * zeta)
            let (best, ratio) = try nearest(to: Complex(1 + eta * t + p2 * t * t), among: try roots(t: t))
            if ratio < 0.1 { current = best; break }
            position *= 4
        }
        guard var p = current else {
            throw NumericalError.didNotConverge("Gram law: no unambiguous start for the continuation on the negative axis")
        }
        var r = 0.5
        while position < x {
            let next = min(x, position * r)
            let (best, ratio) = try nearest(to: p, among: try roots(t: 1 / (psi * next)))
            if ratio < 1.0 / 3 || r > 0.9999 {
                p = best
                position = next
                r = max(0.5, r * r)
            } else {
                r = r.squareRoot()
            }
        }
        return p.real
    }

    /// The root nearest `target` and the ratio (distance to it)/(distance to the second nearest).
    private func nearest(to target: Complex<Double>, among roots: [Complex<Double>]) throws -> (Complex<Double>, Double) {
        let sorted = roots.map { ($0, ($0 - target).length) }.sorted { $0.1 < $1.1 }
        guard let first = sorted.first else { throw NumericalError.didNotConverge("Gram law: the quartic has no root") }
        let ratio = sorted.count > 1 ? first.1 / max(sorted[1].1, 1e-300) : 0
        return (first.0, ratio)
    }

    /// The physical P at a real x > 0 inside the support: when the real quartic has exactly one
    /// root with Im P < 0 it is the physical one (inside the support G is not real); otherwise
    /// the continuation decides.
    func physicalPInSupport(_ x: Double) throws -> Complex<Double> {
        let candidates = try roots(t: 1 / (psi * x)).filter { $0.imaginary < -1e-12 * max(1, $0.length) }
        if candidates.count == 1 { return candidates[0] }
        return try physicalP(Complex(x, 0))
    }

    // MARK: The measure

    /// G(z) = (ψ/z)P(1/(ψz)) + (1 − ψ)/z on the physical sheet (Im z ≥ 0; real z read as
    /// z + i0). NaN at z = 0 or if the continuation fails.
    public func cauchyTransform(_ z: Complex<Double>) -> Complex<Double> {
        guard z.length > 0, let p = try? physicalP(z) else { return Complex(.nan, .nan) }
        return (Complex(psi) * p + Complex(1 - psi)) / z
    }

    /// G′(z) = −(ψP + 1 − ψ)/z² − P′(t)/z³ with P′(t) = −F_t/F_P from the implicit equation.
    public func cauchyTransformDerivative(_ z: Complex<Double>) -> Complex<Double> {
        guard z.length > 0, let p = try? physicalP(z) else { return Complex(.nan, .nan) }
        let t = 1 / (Complex(psi) * z)
        let e = equation(p, t)
        let dP = -e.fT / e.fP
        return -(Complex(psi) * p + Complex(1 - psi)) / (z * z) - dP / (z * z * z)
    }

    /// ρ(x) = −Im G(x + i0)/π = −ψ Im P/(πx) for x inside the support, 0 outside (the atom at
    /// 0 is excluded); NaN if the root selection fails. Within 1e-7·λ_max of a hard edge at 0
    /// the fitted edge law x^{−α}(A + Bx^β + Cx^{2β}) is used instead (see `hardEdge`).
    public func density(_ x: Double) -> Double {
        guard x > 0, support.contains(where: { $0.contains(x) }) else { return 0 }
        if let e = hardEdge, x < e.cutoff {
            let s = pow(x, e.beta)
            return pow(x, -e.alpha) * max(0, e.a + s * (e.b + s * e.c))
        }
        guard let p = try? physicalPInSupport(x) else { return .nan }
        return max(0, -psi * p.imaginary / (.pi * x))
    }

    /// F(x) = μ((−∞, x]), atom included. The continuous part is tabulated at construction:
    /// each support interval [a, b] is mapped by x = a + (b − a)((1 − cos θ)/2)^k, k = 1, or
    /// k = 3 at a hard edge a = 0 (which makes the integrand ρ(x)dx/dθ smooth at square-root
    /// edges and at x^{−1/2} or x^{−2/3} hard-edge divergences), cut into 256
    /// cells integrated by 8-point Gauss–Legendre, and F between nodes is a cubic Hermite
    /// interpolant in θ. Accuracy about 1e-8 in F (tests compare with adaptive quadrature).
    public func cdf(_ x: Double) -> Double {
        guard x >= 0 else { return 0 }
        var total = atoms.first?.mass ?? 0
        for piece in table {
            if x >= piece.upper { total += piece.mass } else if x > piece.lower { total += piece.value(x) }
        }
        return min(1, total)
    }

    /// The mass of the continuous part (Σ of the tabulated cells); 1 − atom mass up to ~1e-8.
    public var continuousMass: Double { table.reduce(0) { $0 + $1.mass } }

    /// The largest point of the spectrum.
    public var lambdaMax: Double { support.last?.upperBound ?? 0 }

    /// The exact moment m_k = lim (1/n₁) E tr M^k, from the power series of P: with
    /// P = 1 + Σ p_k t^k, m_k = p_k/ψ^{k−1}, where P = 1 + δQ + ζQ/(1 − ζQ), Q = tP_φP_ψ is
    /// solved order by order. In closed form (Docs/theory-gram.md §4):
    ///
    ///     m₁ = η,
    ///     m₂ = η²(1 + φ/ψ) + ζ²/ψ,
    ///     m₃ = η³(1 + 3φ/ψ + φ²/ψ²) + 3ηζ²(1/ψ + φ/ψ²) + ζ³/ψ²,
    ///     m₄ = η⁴(1 + 6φ/ψ + 6φ²/ψ² + φ³/ψ³) + ζ²η²(6/ψ + 16φ/ψ² + 6φ²/ψ³)
    ///          + 4ζ³η(1/ψ² + φ/ψ³) + ζ⁴(2/ψ² + 2φ/ψ³ + 1/ψ³).
    public func moment(_ k: Int) -> Double {
        precondition(k >= 0, "moment order must be ≥ 0")
        if k == 0 { return 1 }
        return Self.seriesCoefficients(eta: eta, zeta: zeta, phi: phi, psi: psi, order: k)[k] / Foundation.pow(psi, Double(k - 1))
    }

    /// The coefficients p₀ … p_order of P(t), by fixed-point iteration on truncated series.
    static func seriesCoefficients(eta: Double, zeta: Double, phi: Double, psi: Double, order n: Int) -> [Double] {
        func multiply(_ a: [Double], _ b: [Double]) -> [Double] {
            var c = [Double](repeating: 0, count: n + 1)
            for i in 0...n where a[i] != 0 { for j in 0...(n - i) { c[i + j] += a[i] * b[j] } }
            return c
        }
        let delta = eta - zeta
        var p = [Double](repeating: 0, count: n + 1)
        p[0] = 1
        for _ in 0..<(n + 1) {
            var pPhi = p.map { $0 * phi }, pPsi = p.map { $0 * psi }
            pPhi[0] = 1; pPsi[0] = 1
            // Q = t P_φ P_ψ (shift by one order).
            let product = multiply(pPhi, pPsi)
            var q = [Double](repeating: 0, count: n + 1)
            for i in 1...n { q[i] = product[i - 1] }
            // ζQ/(1 − ζQ) = Σ_{j≥1} (ζQ)^j (Q has no constant term, so n terms suffice).
            var power = q.map { $0 * zeta }, geometric = [Double](repeating: 0, count: n + 1)
            for _ in 1...n {
                for i in 0...n { geometric[i] += power[i] }
                power = multiply(power, q.map { $0 * zeta })
            }
            var next = [Double](repeating: 0, count: n + 1)
            next[0] = 1
            for i in 1...n { next[i] = delta * q[i] + geometric[i] }
            p = next
        }
        return p
    }

    // MARK: Support

    /// The support edges are branch points of P(t): real t > 0 where the quartic has a double
    /// root, F = ∂F/∂P = 0. F is quadratic in t (F = At² + Bt + C), so eliminating t by the
    /// resultant of F and F_P, Res = (AC′ − A′C)² − (AB′ − A′B)(BC′ − B′C), a polynomial in P
    /// of degree 9 with the exact factor δζR² (see `edgeCandidates`), so the quintic
    /// δζU² − VW is solved (for δζ = 0: the cubic BC′ − B′C). Each root P* gives
    /// t* = (AC′ − A′C)/(A′B − AB′) = U/(−RV) (for δζ = 0: −C/B), polished by Newton on the 2 × 2
    /// system; z* = 1/(ψt*) for real t* > 0 are the candidate edges. Together with 0 (a hard
    /// edge when n₁ = m or, for linear f, n₀ = min(n₁, m)), they cut (0, ∞) into intervals,
    /// each in the support iff the physical P at its midpoint is not real.
    func computeSupport() throws -> [ClosedRange<Double>] {
        var edges = try edgeCandidates().filter { $0 > 0 }.sorted()
        edges = edges.reduce(into: [Double]()) { acc, e in
            if let last = acc.last, abs(e - last) <= 1e-9 * max(e, 1e-300) { return }
            acc.append(e)
        }
        let points = [0.0] + edges
        var intervals: [ClosedRange<Double>] = []
        for i in 0..<max(0, points.count - 1) {
            let a = points[i], b = points[i + 1]
            guard b - a > 1e-12 * b else { continue }
            guard try isInSupport(0.5 * (a + b)) else { continue }
            if let last = intervals.last, last.upperBound == a {
                intervals[intervals.count - 1] = last.lowerBound...b
            } else {
                intervals.append(a...b)
            }
        }
        guard let top = points.last, !intervals.isEmpty else {
            throw NumericalError.didNotConverge("Gram law (η = \(eta), ζ = \(zeta), φ = \(phi), ψ = \(psi)): no support interval found; candidates \(points), P at midpoints \(zip(points, points.dropFirst()).map { (try? physicalP(Complex(0.5 * ($0 + $1), 0))).map { "\($0)" } ?? "fail" })")
        }
        if try isInSupport(top * 1.01 + 1e-6 * spread) {
            throw NumericalError.didNotConverge("Gram law: the spectrum extends beyond the last edge candidate \(top)")
        }
        return intervals
    }

    func isInSupport(_ x: Double) throws -> Bool {
        let p = try physicalP(Complex(x, 0))
        return p.imaginary < -1e-9 * max(1, p.length)
    }

    /// Candidate edges z* (see `computeSupport`).
    func edgeCandidates() throws -> [Double] {
        let (a0, a1, a2) = quadraticFactor
        let r: [Double] = [a0, a1, a2], rp: [Double] = [a1, 2 * a2]
        let dz = delta * zeta
        let zp: [Double] = [delta, zeta]
        // F = At² + Bt + C with A = δζR², B = −(ζP + δ)R, C = P − 1.
        let b = Poly.scale(Poly.multiply(zp, r), -1)
        let c: [Double] = [-1, 1]
        let bp = Poly.scale(Poly.add(Poly.scale(r, zeta), Poly.multiply(zp, rp)), -1)
        let cp: [Double] = [1]
        let quadratic = dz > 0
        let resultant: [Double]
        // With δζ > 0 the factor δζR² divides out exactly: AC′ − A′C = δζ R U and
        // AB′ − A′B = δζ R² V, with U = R − 2R′(P − 1) and V = (ζP + δ)R′ − ζR, so
        // Res = δζ R² (δζ U² − V W), W = BC′ − B′C, and t* = U/(−R V). Solving the degree-9
        // resultant instead put a 6-fold root at P = −1 when φ = ψ (R² = φ⁴(P + 1)⁴ times a
        // double root of the rest), which Double splits by ε^{1/6} ≈ 3e-3 into two real
        // "edges" near 4e-7 (erf, φ = ψ = 0.5: mass 1.0001).
        let u = Poly.add(r, Poly.scale(Poly.multiply(rp, c), -2))
        let v = Poly.add(Poly.multiply(zp, rp), Poly.scale(r, -zeta))
        if quadratic {
            let w = Poly.add(Poly.multiply(b, cp), Poly.scale(Poly.multiply(bp, c), -1))
            resultant = Poly.add(Poly.scale(Poly.multiply(u, u), dz), Poly.scale(Poly.multiply(v, w), -1))
        } else {
            resultant = Poly.add(Poly.multiply(b, cp), Poly.scale(Poly.multiply(bp, c), -1))
        }
        let roots = try PolynomialRoots.roots(resultant)
        var edges: [Double] = []
        for root in roots {
            // At P_φ = 0 or P_ψ = 0 (R = 0) A and B vanish: F = P − 1 ≠ 0 there, so these roots
            // of the resultant belong to t = ∞ (z = 0), not to an edge.
            let pPhi = Complex(1 - phi) + Complex(phi) * root, pPsi = Complex(1 - psi) + Complex(psi) * root
            if pPhi.length <= 1e-6 * max(1, phi * root.length) || pPsi.length <= 1e-6 * max(1, psi * root.length) { continue }
            var t: Complex<Double>
            if quadratic {
                t = Poly.evaluate(u, root) / -(Poly.evaluate(r, root) * Poly.evaluate(v, root))
            } else {
                t = -Poly.evaluate(c, root) / Poly.evaluate(b, root)
            }
            guard t.isFinite, abs(t.imaginary) <= 1e-6 * t.length, t.real > 0 else { continue }
            // Newton on (F, F_P) = 0 in real (P, t).
            var p = root.real, tt = t.real
            for _ in 0..<8 {
                let h = 1e-7 * max(1, abs(p))
                let e = equation(Complex(p), Complex(tt))
                let eh = equation(Complex(p + h), Complex(tt))
                let fPP = (eh.fP.real - e.fP.real) / h
                let fPt = (eh.fT.real - e.fT.real) / h
                let det = e.fP.real * fPt - e.fT.real * fPP
                guard det != 0, det.isFinite else { break }
                let dp = (e.f.real * fPt - e.fT.real * e.fP.real) / det
                let dt = (e.fP.real * e.fP.real - e.f.real * fPP) / det
                // Solve [[F_P, F_t], [F_PP, F_Pt]]·(dp, dt) = (F, F_P).
                guard dp.isFinite, dt.isFinite, abs(dt) < 0.5 * tt else { break }
                p -= dp; tt -= dt
                if abs(dt) <= 1e-15 * tt { break }
            }
            if tt > 0, 1 / (psi * tt) > 1e-9 * spread { edges.append(1 / (psi * tt)) }
        }
        return edges
    }
}

/// Small dense polynomial helpers (coefficients in increasing degree).
enum Poly {
    static func multiply(_ p: [Double], _ q: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: p.count + q.count - 1)
        for (i, a) in p.enumerated() { for (j, b) in q.enumerated() { r[i + j] += a * b } }
        return r
    }
    static func add(_ p: [Double], _ q: [Double]) -> [Double] {
        (0..<max(p.count, q.count)).map { i in (i < p.count ? p[i] : 0) + (i < q.count ? q[i] : 0) }
    }
    static func scale(_ p: [Double], _ s: Double) -> [Double] { p.map { $0 * s } }
    static func evaluate(_ p: [Double], _ x: Complex<Double>) -> Complex<Double> {
        p.reversed().reduce(Complex<Double>(0)) { $0 * x + Complex($1) }
    }
}

/// The distribution function of the continuous part on one support interval [a, b],
/// tabulated in θ with x = a + (b − a)(1 − cos θ)/2 (see `NonlinearGram.cdf`).
struct CDFTable: Sendable {
    let lower: Double, upper: Double
    /// F at the nodes θ_j = πj/N (relative to the interval), and dF/dθ there.
    let values: [Double], slopes: [Double]
    var mass: Double { values.last ?? 0 }

    /// The power k in x = a + (b − a)·u^k, u = (1 − cos θ)/2: 3 when a = 0 (a hard edge, where
    /// ρ can diverge like x^{−1/2} or, for a product of square Wisharts, x^{−2/3}; then
    /// ρ dx/dθ ~ θ^{2k/3−1} is smooth), else 1.
    let power: Double

    init(interval: ClosedRange<Double>, density: (Double) -> Double, cells: Int = 256) throws {
        lower = interval.lowerBound
        upper = interval.upperBound
        power = lower == 0 ? 3 : 1  // ρ below 1e-7·b is the power-law continuation
        let width = upper - lower, h = Double.pi / Double(cells)
        let (a, w, k) = (lower, width, power)
        func integrand(_ theta: Double) -> Double {
            let u = (1 - cos(theta)) / 2
            let x = a + w * pow(u, k)
            return density(x) * w * k * pow(u, k - 1) * sin(theta) / 2
        }
        let rule = GaussLegendreRule(points: 8)
        func gauss(_ lo: Double, _ hi: Double) -> Double {
            zip(rule.nodes, rule.weights).reduce(0) { $0 + $1.1 * integrand(lo + (hi - lo) * ($1.0 + 1) / 2) } * (hi - lo) / 2
        }
        // Each cell is halved until its two halves agree with it to 1e-11 of the mass (at most
        // 2.6e-9 over 256 cells): a soft edge just above 0 (erf at φ = 0.5, ψ = 0.49: edge
        // 7.6e-6, a bump of width ~1e-5 inside the first cell of [7.6e-6, 3.9]) cost 2.8e-7 of
        // the mass with one 8-point rule per cell. The depth is bounded (12) because ρ in Double
        // is noisy close to a hard edge: 1e-14 refined to the bottom there (5 min for ψ = 0.501),
        // 1e-10 relative made erf at φ = ψ = 0.5 take 3 s instead of 0.06 s.
        func adaptive(_ lo: Double, _ hi: Double, _ whole: Double, _ depth: Int) -> Double {
            let mid = (lo + hi) / 2
            let left = gauss(lo, mid), right = gauss(mid, hi)
            if depth >= 12 || abs(left + right - whole) <= 1e-11 { return left + right }
            return adaptive(lo, mid, left, depth + 1) + adaptive(mid, hi, right, depth + 1)
        }
        var values = [0.0], slopes = [integrand(1e-6 * h)]
        for j in 0..<cells {
            let lo = Double(j) * h
            let cell = adaptive(lo, lo + h, gauss(lo, lo + h), 0)
            values.append(values[j] + cell)
            slopes.append(integrand(j + 1 == cells ? .pi - 1e-6 * h : lo + h))
        }
        guard values.allSatisfy(\.isFinite), slopes.allSatisfy(\.isFinite) else {
            throw NumericalError.didNotConverge("Gram law: non-finite density on [\(lower), \(upper)]")
        }
        self.values = values
        self.slopes = slopes
    }

    /// ∫_lower^x ρ by cubic Hermite interpolation in θ (clamped to the cell's values).
    func value(_ x: Double) -> Double {
        let cells = values.count - 1, h = Double.pi / Double(cells)
        let u = pow(max(0, min(1, (x - lower) / (upper - lower))), 1 / power)
        let theta = acos(1 - 2 * u)
        let j = min(cells - 1, max(0, Int(theta / h)))
        let s = (theta - Double(j) * h) / h
        let f0 = values[j], f1 = values[j + 1], d0 = slopes[j] * h, d1 = slopes[j + 1] * h
        let s2 = s * s, s3 = s2 * s
        let f = (2 * s3 - 3 * s2 + 1) * f0 + (s3 - 2 * s2 + s) * d0 + (-2 * s3 + 3 * s2) * f1 + (s3 - s2) * d1
        return min(max(f, f0), f1)
    }
}
