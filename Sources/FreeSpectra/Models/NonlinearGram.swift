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
            throw NumericalError.invalidArgument("activation '\(activation.name)' has η = E[f_c(sz)²] = \(second) at s = σ_wσ_x = \(s) (constant there, or its variance below what Double holds): the Gram matrix vanishes")
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
/// Thm. 1; `quarticCoefficients`). Both that equation and the one solved here follow from the
/// linear-equivalent model Y ≃ √ζ·(WX)/s + √δ·Z, δ = η − ζ (Péché 2019): the columns of Y are
/// N(0, Σ) with Σ = ζW̃W̃ᵀ + δI, so M is a sample covariance matrix with population law
/// H = δ + ζ·MP(1/ψ) and aspect c = n₁/m = φ/ψ (Docs/theory-gram.md §2).
///
/// How it is solved (Docs/theory-gram.md §3). With m̲ the Stieltjes transform of the m × m
/// companion YᵀY/m and w = −1/m̲ (Silverstein's equation),
///
///     z = w (1 + c G₁^H(w)),    G₁^H(w) = ∫τ dH(τ)/(w − τ),    G_M(z) = w G_H(w)/z,
///
/// and on the real axis w(x + i0) = u + iv lies on the curve c∫τ² dH(τ)/|w − τ|² = 1 (v > 0,
/// the support) or on the real line (v = 0), with x = Re z increasing in u. So ρ(x) =
/// v/(cπ|w|²) needs one bracketed solve for v at each u and one for u at each x; no root of
/// the quartic is chosen. The distribution function is closed form,
///
///     F(x) = 1 − [((1 − c)/c) arg w + Im L_H(w) + Im G₁^H(w)]/π,   L_H(w) = ∫log(w − τ)dH,
///
/// (an antiderivative of G along the curve; atoms included), H's transforms come from MP's
/// Joukowski variable (`MarchenkoPasturTransforms`), and the support edges are the real roots
/// of cI₂^H = 1 on the monotone pieces of that variable, each solved in the offset from its
/// singular point. Near w = 0, where cI₂^H − 1 is a small difference when c ≈ 1 (φ ≈ ψ: the
/// lower edge tends to the hard edge at 0 like (1 − c)²), it is evaluated as
/// c(2uI₁^H − |w|²I₀^H) − (1 − c), with 1 − c = (ψ − φ)/ψ exact.
///
/// Goals, in order: (1) right for every φ, ψ > 0 and 0 ≤ ζ ≤ η the law resolves (see
/// `minimumRelativeSpread`), including φ = ψ for every activation, or a thrown error that
/// says why; (2) every iteration bounded (`SubordinationBoundary`); (3) ρ and F to ~1e-14
/// relative away from edges.
///
/// Atoms: M has an atom at 0 of mass 1 − rank/n₁. For nonlinear f (δ > 0) rank Y = min(n₁, m),
/// so the mass is max(0, 1 − ψ/φ); for linear f (δ = 0) rank(WX) = min(n₀, n₁, m) and the mass
/// is max(0, 1 − min(ψ, ψ/φ)). The closed-form F gives the same masses (tests check it).
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
    /// ζ = (s E[f′(sz)])², snapped to η or 0 at the ends of [0, η] (`snapped(eta:zeta:)`).
    public let zeta: Double
    /// The activation constants when built from an activation, else nil.
    public let activationMoments: GramActivationMoments?
    /// The support of the continuous part: disjoint closed intervals, increasing.
    public private(set) var support: [ClosedRange<Double>] = []
    /// The atom at 0 (if the ranks require one).
    public let atoms: [Atom]
    /// rank(M)/n₁, the mass of the continuous part, kept apart from the atom's 1 − rank/n₁
    /// (at φ/ψ = 1e12 that difference has 4 digits left).
    let rankFraction: Double
    /// c = φ/ψ = n₁/m, the aspect of the sample covariance, and 1 − c = (ψ − φ)/ψ.
    let aspect: Double, oneMinusAspect: Double
    /// MP(1/ψ), the law of W̃W̃ᵀ, when ζ > 0 (H = δ + ζ·MP(1/ψ)); nil when ζ = 0 (H = δ_η).
    let population: MarchenkoPasturTransforms?
    /// One per support interval: its two edges (w real there) with x and F at each.
    private(set) var branches: [(lower: Edge, upper: Edge)] = []

    struct Edge {
        var point: PopulationPoint
        var x: Double
        var cdf: Double
        var u: Double { point.w.real }
    }

    /// A point w with the MP coordinates of (w − δ)/ζ (nil when ζ = 0).
    struct PopulationPoint {
        var w: Complex<Double>
        var mp: MarchenkoPasturTransforms.Point?
    }

    /// δ = η − ζ, the weight of the nonlinear (noise-like) part.
    public var delta: Double { eta - zeta }
    /// Whether f is linear (δ = 0): then M = (ζ/s²) W X Xᵀ Wᵀ/m is a product of Wisharts.
    public var isLinear: Bool { delta == 0 }

    /// The smallest standard deviation of the law relative to its mean, √(c + ζ²/(η²ψ)): its
    /// edges are known to an ulp of its location, so below 1e-7 (a support 4e-7 of its
    /// location wide, 2·10⁹ ulps) its shape would carry relative errors above 1e-9.
    public static let minimumRelativeSpread = 1e-7

    /// ζ as the law uses it: η when η − ζ ≤ 1e-10·η (linear f: the mass a nonlinear part would
    /// move lies within ~δ ≤ 1e-10·η of 0, an atom to any grid), 0 when ζ ≤ 1e-14·η (the
    /// quadrature noise of an even f, whose ζ is 0; the law moves by O(ζ/η) relative).
    static func snapped(eta: Double, zeta: Double) -> Double {
        eta - zeta <= 1e-10 * eta ? eta : (zeta <= 1e-14 * eta ? 0 : zeta)
    }

    /// The standard deviation of the law over its mean η: √(m₂ − m₁²)/m₁ = √(φ/ψ + ζ²/(η²ψ)),
    /// with ζ snapped as the law snaps it.
    public static func relativeSpread(eta: Double, zeta: Double, phi: Double, psi: Double) -> Double {
        let zeta = snapped(eta: eta, zeta: zeta)
        return (phi / psi + (zeta / eta) * (zeta / eta) / psi).squareRoot()
    }

    /// The law for given constants.
    /// - Throws: `invalidArgument` for φ, ψ, η ≤ 0, ζ < 0, ζ > η, non-finite input, or a law
    ///   narrower than `minimumRelativeSpread`; `didNotConverge` if an edge cannot be bracketed.
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
        let zeta = Self.snapped(eta: eta, zeta: zeta)
        let c = phi / psi
        let spread = Self.relativeSpread(eta: eta, zeta: zeta, phi: phi, psi: psi)
        guard spread >= Self.minimumRelativeSpread else {
            throw NumericalError.invalidArgument(
                "φ = \(phi), ψ = \(psi): the spectrum lies within a relative spread √(φ/ψ + ζ²/(η²ψ)) = \(spread) of its mean η = \(eta), too narrow for Double to resolve its shape (it needs ≥ \(Self.minimumRelativeSpread)); to the printed digits it is a point mass at η (raise φ/ψ or lower ψ)")
        }
        self.phi = phi
        self.psi = psi
        self.eta = eta
        self.zeta = zeta
        self.activationMoments = moments
        let linear = zeta == eta
        rankFraction = min(1, linear ? min(psi, psi / phi) : psi / phi)  // rank / n₁
        self.atoms = rankFraction < 1 ? [Atom(location: 0, mass: 1 - rankFraction)] : []
        aspect = c
        oneMinusAspect = (psi - phi) / psi
        population = zeta > 0 ? MarchenkoPasturTransforms(ratio: 1 / psi) : nil
        let edges = try computeEdges()
        branches = edges.map { (lower: $0.0, upper: $0.1) }
        support = edges.map { max(0, $0.0.x)...$0.1.x }
    }

    // MARK: The population law H = δ + ζ·MP(1/ψ)

    func populationPoint(_ w: Complex<Double>) -> PopulationPoint {
        guard let mp = population else { return PopulationPoint(w: w, mp: nil) }
        return PopulationPoint(w: w, mp: mp.point((w - Complex(delta)) / Complex(zeta)))
    }

    /// r = δ/ζ, the weight of the shift in H's transforms (ζ > 0). Every r·(…) is skipped when
    /// r = 0 (linear f), where H's atom at 0 makes G₀, I₀ infinite at w = 0 and 0·∞ would be NaN.
    var shiftRatio: Double { delta / zeta }

    /// G_H(w) = ∫dH/(w − τ) = G₀(ω)/ζ, ω = (w − δ)/ζ.
    func gH(_ p: PopulationPoint) -> Complex<Double> {
        guard let mp = population, let q = p.mp else { return 1 / (p.w - Complex(eta)) }
        return mp.g0(q) / Complex(zeta)
    }

    /// G₁^H(w) = ∫τ dH/(w − τ) = rG₀(ω) + G₁(ω) (= wG_H − 1, without the subtraction).
    func g1H(_ p: PopulationPoint) -> Complex<Double> {
        guard let mp = population, let q = p.mp else { return Complex(eta) / (p.w - Complex(eta)) }
        return shiftRatio == 0 ? mp.g1(q) : Complex(shiftRatio) * mp.g0(q) + mp.g1(q)
    }

    /// dG₁^H/dw = (rG₀′(ω) + G₁′(ω))/ζ.
    func g1HDerivative(_ p: PopulationPoint) -> Complex<Double> {
        guard let mp = population, let q = p.mp else { return -Complex(eta) / ((p.w - Complex(eta)) * (p.w - Complex(eta))) }
        let shifted = shiftRatio == 0 ? Complex(0) : Complex(shiftRatio) * mp.g0Derivative(q)
        return (shifted + mp.g1Derivative(q)) / Complex(zeta)
    }

    /// I₀^H = ∫dH/|w − τ|² and I₁^H = ∫τ dH/|w − τ|².
    func iH(_ p: PopulationPoint) -> (i0: Double, i1: Double) {
        guard let mp = population, let q = p.mp else {
            let d = (p.w - Complex(eta)).lengthSquared
            return (1 / d, eta / d)
        }
        let i0 = mp.i0(q)
        return (i0 / (zeta * zeta), ((shiftRatio == 0 ? 0 : shiftRatio * i0) + mp.i1(q)) / zeta)
    }

    /// log I₂^H, I₂^H = ∫τ² dH/|w − τ|² = r²I₀ + 2rI₁ + I₂ = T²/(λD) + 1/|j|² with
    /// T = r|j|/|j + k| + |j + k|/|j| (MP's Joukowski coordinates of ω; all terms ≥ 0), in logs
    /// so that the atom of H (j + k → 0) neither overflows nor loses the other terms.
    func logI2H(_ p: PopulationPoint) -> Double {
        guard let mp = population, let q = p.mp else { return 2 * Foundation.log(eta) - Foundation.log((p.w - Complex(eta)).lengthSquared) }
        func logAdd(_ a: Double, _ b: Double) -> Double {
            if a == -.infinity { return b }
            if b == -.infinity { return a }
            return max(a, b) + Foundation.log1p(Foundation.exp(-abs(a - b)))
        }
        let logJ = Foundation.log(q.j.length), logJK = Foundation.log(q.jPlusK.length)
        let r = shiftRatio
        let logT = (r > 0 ? logAdd(Foundation.log(r) + 2 * logJ, 2 * logJK) : 2 * logJK) - logJ - logJK
        return logAdd(2 * logT - Foundation.log(mp.ratio) - Foundation.log(q.gap), -2 * logJ)
    }

    /// π − Im L_H(w) = π·H((−∞, w]) on the real axis.
    func piMinusImagLogH(_ p: PopulationPoint) -> Double {
        guard let mp = population, let q = p.mp else {
            let d = p.w - Complex(eta)
            return atan2(max(d.imaginary, 0), -d.real)
        }
        return mp.piMinusImagLog(q)
    }

    /// cI₂^H − 1 in the form that is accurate there (its sign is all the solves use): near
    /// w = 0, where cI₂^H ≈ c, as c(2uI₁^H − |w|²I₀^H) − (1 − c) (I₂^H − 1 = ∫(2uτ − |w|²)dH/|w − τ|²);
    /// elsewhere as log(cI₂^H).
    func boundaryExcess(_ p: PopulationPoint) -> Double {
        let (i0, i1) = iH(p)
        let small = aspect * (2 * p.w.real * i1 - p.w.lengthSquared * i0)
        if aspect * (2 * abs(p.w.real) * i1 + p.w.lengthSquared * i0) + abs(oneMinusAspect) < 0.5, small.isFinite {
            return small - oneMinusAspect
        }
        return Foundation.log(aspect) + logI2H(p)
    }

    /// z = w(1 + cG₁^H(w)) = w((1 − c) + c w G_H(w)), in whichever form adds smaller terms.
    func map(_ p: PopulationPoint) -> Complex<Double> {
        // z(0) = 0 also where G_H(0) is infinite (H's hard edge at τ = 0: linear f, ψ = 1).
        if p.w == Complex(0) { return Complex(0) }
        let g1 = g1H(p), c = Complex(aspect)
        let wg = Complex(1) + g1  // w G_H(w), for the size comparison only
        if 1 + aspect * g1.length > abs(oneMinusAspect) + aspect * wg.length {
            // G_H itself overflows next to an atom of H at 0 (linear f, ψ < 1: at w = −2e-307
            // this form was NaN); there wG_H = 1 + G₁^H is not small and the first form is exact.
            let b = p.w * (Complex(oneMinusAspect) + c * p.w * gH(p))
            if b.isFinite { return b }
        }
        return p.w * (Complex(1) + c * g1)
    }

    // MARK: Support edges

    /// The edges: cI₂^H = 1 on each monotone piece of the real axis of MP(1/ψ)'s Joukowski
    /// coordinate j (ω = (u − δ)/ζ): above the upper edge (j > 1); below the lowest point of H
    /// (j < −k when H has an atom at δ, i.e. ψ < 1 and δ > 0; else j < −1); in the gap
    /// (−k, −1) between that atom and the bulk none or two, on either side of the minimum of
    /// I₂^H (golden section, 100 steps: 0.618¹⁰⁰ < 1e-20 of the gap). For ζ = 0, H = δ_η and
    /// I₂^H = η²/(u − η)²: u = η(1 ∓ √c), x = η(1 ∓ √c)² (Marchenko–Pastur).
    func computeEdges() throws -> [(Edge, Edge)] {
        let c = aspect
        func edge(_ w: Double, _ p: PopulationPoint? = nil) -> Edge {
            let p = p ?? populationPoint(Complex(w))
            let x = map(p).real
            return Edge(point: p, x: x, cdf: cdf(at: p, x: x))
        }
        func finite(_ pieces: [(Edge, Edge)]) throws -> [(Edge, Edge)] {
            for e in pieces.flatMap({ [$0.0, $0.1] }) where !(e.x.isFinite && e.cdf.isFinite) {
                throw NumericalError.didNotConverge("Gram law at φ = \(phi), ψ = \(psi), η = \(eta), ζ = \(zeta): a support edge came out as x = \(e.x) (at w = \(e.u))")
            }
            return pieces
        }
        guard let mp = population else {
            let rootC = c.squareRoot(), oneMinusRoot = oneMinusAspect / (1 + rootC)
            return try finite([(edge(eta * oneMinusRoot), edge(eta * (1 + rootC)))])
        }
        let logC = Foundation.log(c)
        let what = "Gram law edge at φ = \(phi), ψ = \(psi), η = \(eta), ζ = \(zeta)"
        func point(_ offset: MarchenkoPasturTransforms.RealOffset, _ d: Double) -> PopulationPoint {
            let q = mp.point(offset, d)
            return PopulationPoint(w: Complex(delta + zeta * q.omega.real), mp: q)
        }
        func edge(_ offset: MarchenkoPasturTransforms.RealOffset, below dMax: Double?) throws -> Edge {
            let d = try SubordinationBoundary.edgeOffset({ boundaryExcess(point(offset, $0)) }, below: dMax, what: what)
            let p = point(offset, d)
            return edge(p.w.real, p)
        }
        // The lowest edge is found from MP's special points, so its u is known to ~1e-16·η only;
        // when it lies near u = 0 (φ ≈ ψ: u ≈ (1 − c)/(2cE₁), 0 at φ = ψ) it is solved again in u
        // itself, where cI₂^H increases, from a bracket of ±1e-12·η (10⁴ times that error).
        func refinedNearZero(_ e: Edge) -> Edge {
            guard abs(e.u) < 1e-6 * eta else { return e }
            let excess = { (u: Double) in boundaryExcess(populationPoint(Complex(u))) }
            let lo = e.u - 1e-12 * eta, hi = e.u + 1e-12 * eta
            let fLo = excess(lo), fHi = excess(hi)
            guard fLo < 0, fHi > 0 else { return e }
            return edge(SubordinationBoundary.solve(excess, lo, fLo, hi, fHi))
        }
        let top = try edge(.aboveUpper, below: nil)
        guard mp.ratio > 1, delta > 0 else { return try finite([(refinedNearZero(try edge(.belowLower, below: nil)), top)]) }
        let bottom = refinedNearZero(try edge(.belowAtom, below: nil))
        // The minimum of I₂^H over j in (−k, −1), each j represented from its nearer end.
        func excess(_ j: Double) -> Double {
            let fromAtom = j + mp.k, fromLower = -1 - j
            return logC + logI2H(fromAtom < fromLower ? point(.aboveAtom, fromAtom) : point(.belowLower, fromLower))
        }
        var lo = -mp.k, hi = -1.0
        let golden = (5.0.squareRoot() - 1) / 2
        var x1 = hi - golden * (hi - lo), x2 = lo + golden * (hi - lo)
        var f1 = excess(x1), f2 = excess(x2)
        for _ in 0..<100 {
            if f1 < f2 { hi = x2; x2 = x1; f2 = f1; x1 = hi - golden * (hi - lo); f1 = excess(x1) }
            else { lo = x1; x1 = x2; f1 = f2; x2 = lo + golden * (hi - lo); f2 = excess(x2) }
        }
        let jMin = (lo + hi) / 2
        if excess(jMin) >= 0 { return try finite([(bottom, top)]) }
        return try finite([(bottom, try edge(.aboveAtom, below: jMin + mp.k)), (try edge(.belowLower, below: -1 - jMin), top)])
    }

    // MARK: Subordination

    /// F at the point w of the boundary (or of the real axis outside the support) over x:
    /// 1 − [((1 − c)/c) arg w + Im L_H(w) + Im G₁^H(w)]/π, clamped to [0, 1].
    func cdf(at p: PopulationPoint, x: Double) -> Double {
        let argW = atan2(max(p.w.imaginary, 0), p.w.real)
        let f = (piMinusImagLogH(p) - oneMinusAspect / aspect * argW - g1H(p).imaginary) / .pi
        return min(1, max(0, f))
    }

    /// The boundary point above u: v > 0 with cI₂^H(u + iv) = 1 (I₂^H ≤ m₂(H)/v², so
    /// v ≤ √(c·m₂(H))), or u + i0 where there is none.
    func pointOnBoundary(_ u: Double, hint: Double? = nil) -> PopulationPoint {
        let m2 = population.map { delta * delta + 2 * delta * zeta + zeta * zeta * (1 + $0.ratio) } ?? eta * eta
        let v = SubordinationBoundary.height(below: (aspect * m2).squareRoot(), hint: hint) { v in
            boundaryExcess(populationPoint(Complex(u, v)))
        }
        return populationPoint(Complex(u, v))
    }

    /// w(x + i0) for x strictly inside the support interval of `b`: the u with
    /// Re z(u + iv(u)) = x, v(u) the boundary height; `start` (a boundary point below x with
    /// its abscissa) replaces the lower edge as the bracket's end.
    func boundaryPoint(_ x: Double, in b: (lower: Edge, upper: Edge), from start: (PopulationPoint, Double)? = nil, guess: Double? = nil) -> PopulationPoint {
        let low = start ?? (b.lower.point, b.lower.x)
        var last = low.0
        let u = SubordinationBoundary.abscissa(of: x, from: low.0.w.real, low.1, to: b.upper.u, b.upper.x, guess: guess) { u in
            last = pointOnBoundary(u, hint: last.w.imaginary)
            return map(last).real
        }
        return last.w.real == u ? last : pointOnBoundary(u, hint: last.w.imaginary)
    }

    /// ρ(x) and F(x) from one solve for w(x + i0).
    func evaluate(_ x: Double) -> (density: Double, cdf: Double) { evaluate(increasing: [x])[0] }

    /// ρ and F along increasing abscissae; inside one support interval each solve starts from
    /// the previous point's u (x increases with u, so it brackets from below).
    func evaluate(increasing xs: [Double]) -> [(density: Double, cdf: Double)] {
        let intervals = branches.map { ($0.lower.x, $0.upper.x) }
        var previous: (branch: Int, x: Double, point: PopulationPoint)? = nil
        var step: (du: Double, dx: Double)? = nil
        return xs.map { x in
            guard x.isFinite else { return (0, x > 0 ? 1 : 0) }
            if x < 0 { return (0, 0) }
            switch SubordinationBoundary.locate(x, in: intervals) {
            case .below: return (0, atoms.first?.mass ?? 0)
            case .after(let i): return (0, branches[i].upper.cdf)
            case .inside(let i):
                let start = previous.flatMap { $0.branch == i && $0.x < x ? ($0.point, $0.x) : nil }
                // The next u from the last step's du/dx, doubled so that it usually overshoots.
                let guess = start.flatMap { s in step.map { s.0.w.real + 2 * $0.du * (x - s.1) / $0.dx } }
                let p = boundaryPoint(x, in: branches[i], from: start, guess: guess)
                step = start.map { (p.w.real - $0.0.w.real, x - $0.1) }
                previous = (i, x, p)
                return (p.w.imaginary / (aspect * .pi * p.w.lengthSquared), cdf(at: p, x: x))
            }
        }
    }

    /// w(z) for Im z > 0 by Newton's method on z(w) = z continued from Im z large (where
    /// w ≈ z − cη); for real z the boundary point or the real solution.
    func subordination(at z: Complex<Double>) throws -> PopulationPoint {
        if z.imaginary > 0 {
            let w = try SubordinationBoundary.subordination(
                at: z, height: 10 * (lambdaMax + aspect * eta + abs(z.real)), start: { $0 - Complex(aspect * eta) }) { w in
                let p = populationPoint(w)
                let g1 = g1H(p)
                return (map(p), 1 + Complex(aspect) * (g1 + w * g1HDerivative(p)))
            }
            return populationPoint(w)
        }
        if case .inside(let i) = SubordinationBoundary.locate(z.real, in: branches.map { ($0.lower.x, $0.upper.x) }) {
            return boundaryPoint(z.real, in: branches[i])
        }
        return realAxisPoint(z.real)
    }

    /// The real w with z(w) = x for real x outside the support (z increases on each piece of
    /// the real w axis between the edges): below the first edge from x − cη (z(w) < w + cη for
    /// w < 0) or, for c < 1 and x ≥ 0, from 0 (z(0) = 0); in a gap between the two edges; above
    /// the last edge up to a u that doubles until z(u) ≥ x (at most 60 times).
    func realAxisPoint(_ x: Double) -> PopulationPoint {
        func z(_ u: Double) -> Double { map(populationPoint(Complex(u))).real }
        var low: (u: Double, x: Double), high: (u: Double, x: Double)
        switch SubordinationBoundary.locate(x, in: branches.map { ($0.lower.x, $0.upper.x) }) {
        case .after(let i) where i + 1 < branches.count:
            low = (branches[i].upper.u, branches[i].upper.x)
            high = (branches[i + 1].lower.u, branches[i + 1].lower.x)
        case .after(let i):
            low = (branches[i].upper.u, branches[i].upper.x)
            var u = 2 * max(low.u, x) + 1
            for _ in 0..<60 where z(u) < x { u *= 2 }
            high = (u, z(u))
        case .below, .inside:
            high = (branches[0].lower.u, branches[0].lower.x)
            var u = aspect < 1 && x >= 0 ? 0 : min(x - aspect * eta, high.u)
            for _ in 0..<60 where z(u) > x { u = 2 * u - 1 }
            low = (u, z(u))
        }
        if x == low.x || x == high.x { return populationPoint(Complex(x == low.x ? low.u : high.u)) }
        return populationPoint(Complex(SubordinationBoundary.abscissa(of: x, from: low.u, low.x, to: high.u, high.x, z)))
    }

    // MARK: The measure

    /// G(z) = w G_H(w)/z on the physical sheet (Im z ≥ 0; real z read as z + i0), w = w(z).
    /// NaN at z = 0 or if the continuation off the axis fails (`subordination(at:)` throws).
    public func cauchyTransform(_ z: Complex<Double>) -> Complex<Double> {
        guard z.length > 0, let p = try? subordination(at: z) else { return Complex(.nan, .nan) }
        return (Complex(1) + g1H(p)) / z
    }

    /// G′(z) = G₁^H′(w)·w′/z − (1 + G₁^H(w))/z², w′ = 1/z′(w) (z′ = 1 + c(G₁^H + wG₁^H′)).
    public func cauchyTransformDerivative(_ z: Complex<Double>) -> Complex<Double> {
        guard z.length > 0, let p = try? subordination(at: z) else { return Complex(.nan, .nan) }
        let g1 = g1H(p), d1 = g1HDerivative(p)
        let zPrime = 1 + Complex(aspect) * (g1 + p.w * d1)
        return d1 / (zPrime * z) - (Complex(1) + g1) / (z * z)
    }

    /// ρ(x) = −Im G(x + i0)/π = v/(cπ|w|²) for x inside the support, 0 outside (the atom at 0
    /// is excluded).
    public func density(_ x: Double) -> Double { evaluate(x).density }

    /// F(x) = μ((−∞, x]), atom included, in closed form (see the type).
    public func cdf(_ x: Double) -> Double { evaluate(x).cdf }

    /// The mass of the continuous part, rank(M)/n₁ (the rank rule).
    public var continuousMass: Double { rankFraction }

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

    // MARK: The quartic (Pennington–Worah's form, a second method)

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
    /// A cubic when δζ = 0 and ζ > 0 (linear f), a quadratic when ζ = 0. The physical
    /// P = (zG(z) − 1 + ψ)/ψ at t = 1/(ψz) is one of its roots (tests check it).
    public func quarticCoefficients(t: Double) -> [Double] {
        quarticCoefficients(t: Complex(t)).map(\.real)
    }

    /// The coefficients of the quartic at complex t (see `quarticCoefficients(t:)`).
    public func quarticCoefficients(t: Complex<Double>) -> [Complex<Double>] {
        let a0 = (1 - phi) * (1 - psi), a1 = phi * (1 - psi) + psi * (1 - phi), a2 = phi * psi
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
}
