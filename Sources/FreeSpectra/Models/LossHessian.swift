import ComplexModule
import Foundation
import RealModule

/// The Pennington–Bahri model of the loss Hessian at a critical point of energy ε:
/// H = H₀ + H₁ with H₀ Wishart and H₁ Wigner, free.
///
/// Convention (Pennington & Bahri, "Geometry of Neural Network Loss Surfaces via Random
/// Matrix Theory", ICML 2017, §3–4): φ = n/m, n the number of parameters (the size of H)
/// and m the number of data points; H₀ = (1/m) X Xᵀ, X n × m with unit-variance entries, so
/// its spectrum is Marchenko–Pastur with ratio φ and σ² = 1 (`MarchenkoPastur`); H₁ is a
/// Wigner matrix whose semicircle has variance 2ε (`Semicircle`). Then
///
///     R_H(w) = 1/(1 − φw) + 2εw,    κ₁ = 1, κ₂ = φ + 2ε, κ_n = φ^{n−1} (n ≥ 3),
///
/// and R(G) + 1/G = z gives, after multiplying by G(1 − φG), the cubic
///
///     2φε G³ − (2ε + φz) G² + (z + φ − 1) G − 1 = 0        (ε = 0: the MP quadratic).
///
/// How it is solved (Docs/theory-hessian.md §3–4). Subordination to the semicircle gives
/// G(z) = G_MP(ω) with z = ω + 2εG_MP(ω). On the real axis ω(x + i0) = u + iv lies on the
/// curve 2ε∫dμ_MP(t)/|ω − t|² = 1 (v > 0, the support) or on the real line (v = 0, outside),
/// and x(u) = u + 2ε Re G_MP(ω) increases with u (Biane). So ρ(x) = −Im G_MP(ω)/π needs one
/// bracketed solve for v at each u and one for u at each x — no root of the cubic is chosen
/// anywhere. The distribution function is closed form,
///
///     F(x) = 1 − Im[L_MP(ω) + ε G_MP(ω)²]/π,   L_MP(ω) = ∫log(ω − t)dμ_MP(t),
///
/// (d/dz of the bracket is G_MP(ω)ω′(1 + 2εG′_MP(ω)) = G(z)), and the support edges are the
/// real roots of 2εI₀ = 1 on the monotone pieces of the real Joukowski coordinate of MP, each
/// solved in the offset from its singular point (`MarchenkoPasturTransforms`), so an edge at
/// distance √ε from the atom (φ > 1) or ε^{2/3} from 0 (φ = 1) is found at ε = 5e-324 too.
///
/// Goals, in order: (1) right for every φ in (0, ∞) and ε ≥ 0 the law resolves (see
/// `minimumSpread`), continuous as ε → 0 (the limit is MP with its atom), or a thrown error
/// that says why; (2) every iteration bounded (`SubordinationBoundary`); (3) ρ and F to
/// ~1e-14 relative away from edges (ε_mach^{1/2} relative within ~ε_mach of one).
///
/// Domain: φ ∈ (0, ∞) and ε ≥ 0 finite. ε < 0 is rejected: a "semicircle of variance 2ε < 0"
/// is not a probability measure (R(w) = 2εw is not the R-transform of any law), so the
/// model has no spectrum there.
///
/// Atoms: for ε = 0 and φ > 1 the law is MP with its atom at 0 of mass 1 − 1/φ. For ε > 0
/// there are none (a free sum with a semicircle has no atoms): the atom is smeared into a
/// bump around 0 — of width ~4√(2ε(1 − 1/φ)), centred at ~2ε·G_bulk(0) < 0 — so for φ ≥ 1
/// about half of it is negative and α(ε → 0⁺) = (1 − 1/φ)/2, while α(0) = 0. The bump is a
/// separate support interval while 2ε < φ(φ^{1/3} − 1)³ (the minimum of 2εI₀ over the gap
/// (0, a), at Joukowski coordinate −φ^{1/6}, reaches 1 there).
public struct LossHessian: SpectralMeasure {
    /// φ = parameters / data points.
    public let phi: Double
    /// ε ≥ 0, the energy of the critical point.
    public let epsilon: Double
    /// The law of H₀: Marchenko–Pastur(ratio φ, σ² = 1).
    public let wishart: MarchenkoPastur
    /// The support of the continuous part (one or two intervals), between the real roots of
    /// 2εI₀ = 1 (for ε = 0 MP's support).
    public let support: [ClosedRange<Double>]
    let transforms: MarchenkoPasturTransforms
    /// One per support interval: the Joukowski points of its two edges (ω real there) and F at
    /// each; empty for ε = 0.
    let branches: [(lower: Edge, upper: Edge)]

    struct Edge {
        var point: MarchenkoPasturTransforms.Point
        var x: Double
        var cdf: Double
        var u: Double { point.omega.real }
    }

    /// The smallest standard deviation √(φ + 2ε) the law is computed for. Its edges are known
    /// to an ulp of its location 1 (MP's a and b are rounded to Double there), so below a
    /// spread of 1e-7 (a support 4e-7 wide, 2·10⁹ ulps) its shape would carry relative errors
    /// above 1e-9, which none of the checks would see: such a law is δ₁ to the printed digits.
    public static let minimumSpread = 1e-7

    /// The standard deviation √(m₂ − m₁²) = √(φ + 2ε) of the law (its mean is 1).
    public static func spread(phi: Double, epsilon: Double) -> Double { (phi + 2 * epsilon).squareRoot() }

    /// - Throws: `invalidArgument` unless φ > 0 and ε ≥ 0 are finite, or when √(φ + 2ε) is below
    ///   `minimumSpread` (the message gives what the law is to Double precision);
    ///   `didNotConverge` if an edge cannot be bracketed.
    public init(phi: Double, epsilon: Double) throws {
        try require(phi, "φ (parameters / data points)", { $0 > 0 }, "finite and > 0")
        try require(epsilon, "ε (energy)", { $0 >= 0 }, "finite and ≥ 0")
        let spread = Self.spread(phi: phi, epsilon: epsilon)
        guard spread >= Self.minimumSpread else {
            throw NumericalError.invalidArgument(
                "φ = \(phi), ε = \(epsilon): the spectrum lies within 4√(φ + 2ε) = \(4 * spread) of 1, too narrow for Double to resolve its shape (it needs φ + 2ε ≥ \(Self.minimumSpread * Self.minimumSpread)); to the printed digits it is a point mass at 1 (m₁ = 1, m₂ − m₁² = φ + 2ε)")
        }
        self.phi = phi
        self.epsilon = epsilon
        wishart = try MarchenkoPastur(ratio: phi, variance: 1)
        transforms = MarchenkoPasturTransforms(ratio: phi)
        if epsilon == 0 {
            support = wishart.support
            branches = []
            return
        }
        let t = transforms, s = 2 * epsilon, logS = Foundation.log(s)
        func edge(_ offset: MarchenkoPasturTransforms.RealOffset, below dMax: Double?) throws -> Edge {
            let d = try SubordinationBoundary.edgeOffset({ logS + t.logI0(t.point(offset, $0)) }, below: dMax,
                                                        what: "loss Hessian edge at φ = \(phi), ε = \(epsilon)")
            let p = t.point(offset, d)
            let g = t.g0(p).real
            return Edge(point: p, x: p.omega.real + s * g, cdf: (t.piMinusImagLog(p)) / .pi)
        }
        let top = try edge(.aboveUpper, below: nil)
        var pieces: [(Edge, Edge)]
        if phi <= 1 {
            pieces = [(try edge(.belowLower, below: nil), top)]
        } else {
            let bottom = try edge(.belowAtom, below: nil)
            // λ^{1/3} − 1 and the offsets of the gap's minimum −λ^{1/6} from −k and from −1.
            let cubeRootMinusOne = Foundation.expm1(Foundation.log1p(phi - 1) / 3)
            if s >= phi * cubeRootMinusOne * cubeRootMinusOne * cubeRootMinusOne {
                pieces = [(bottom, top)]
            } else {
                let fromAtom = -t.k * Foundation.expm1(-Foundation.log(phi) / 3)
                let fromLower = Foundation.expm1(Foundation.log(phi) / 6)
                pieces = [(bottom, try edge(.aboveAtom, below: fromAtom)), (try edge(.belowLower, below: fromLower), top)]
            }
        }
        branches = pieces.map { (lower: $0.0, upper: $0.1) }
        support = pieces.map { $0.0.x...$0.1.x }
    }

    // MARK: The measure

    /// No atoms for ε > 0; MP's atom at 0 (mass 1 − 1/φ) for ε = 0, φ > 1.
    public var atoms: [Atom] { epsilon == 0 ? wishart.atoms : [] }

    /// The smallest point of the spectrum (atoms included).
    public var lambdaMin: Double { min(support[0].lowerBound, atoms.first?.location ?? .infinity) }
    /// The largest point of the spectrum.
    public var lambdaMax: Double { support[support.count - 1].upperBound }

    /// The law of H₁: semicircle of variance 2ε centred at 0 (nil for ε = 0).
    public var wigner: Semicircle? { epsilon > 0 ? try? Semicircle(center: 0, variance: 2 * epsilon) : nil }

    /// R_H(w) = 1/(1 − φw) + 2εw.
    public func rTransform(_ w: Complex<Double>) -> Complex<Double> {
        Complex(1) / (Complex(1) - Complex(phi) * w) + Complex(2 * epsilon) * w
    }

    /// κ₁ = 1, κ₂ = φ + 2ε, κ_n = φ^{n−1} for n ≥ 3.
    public func freeCumulant(_ n: Int) -> Double {
        precondition(n >= 1, "free cumulant order must be ≥ 1")
        return Foundation.pow(phi, Double(n - 1)) + (n == 2 ? 2 * epsilon : 0)
    }

    /// Exact moments from the free cumulants (moment–cumulant recursion, `FreeCumulants`):
    /// m₁ = 1, m₂ = 1 + φ + 2ε, m₃ = 1 + 3(φ + 2ε) + φ², m₄ = 1 + 6(φ + 2ε) + 2(φ + 2ε)² + 4φ² + φ³.
    public func moment(_ k: Int) -> Double {
        precondition(k >= 0, "moment order must be ≥ 0")
        if k == 0 { return 1 }
        return FreeCumulants.moments(fromFreeCumulants: (1...k).map(freeCumulant))[k - 1]
    }

    /// The coefficients of the cubic in G at z, in increasing degree:
    /// [−1, z + φ − 1, −(2ε + φz), 2φε]. The physical G(z) is one of its roots (tests check it).
    public func cubicCoefficients(_ z: Complex<Double>) -> [Complex<Double>] {
        [Complex(-1), z + Complex(phi - 1), -(Complex(2 * epsilon) + Complex(phi) * z), Complex(2 * phi * epsilon)]
    }

    /// G(z) on the physical sheet (Im z ≥ 0; real z is read as z + i0). For ε = 0 this is MP's
    /// G; otherwise G_MP(ω(z)), with ω on the real axis from `subordination(at:)` and off it
    /// from Newton's method on ω + 2εG_MP(ω) = z continued from Im z large. NaN only if that
    /// continuation fails (`subordination(at:)` throws instead).
    public func cauchyTransform(_ z: Complex<Double>) -> Complex<Double> {
        if epsilon == 0 { return wishart.cauchyTransform(z) }
        guard let p = try? subordination(at: z) else { return Complex(.nan, .nan) }
        return transforms.g0(p)
    }

    /// ρ(x) = −Im G(x + i0)/π; 0 outside the support.
    public func density(_ x: Double) -> Double {
        if epsilon == 0 { return wishart.density(x) }
        return evaluate(x).density
    }

    /// F(x) = μ((−∞, x]): MP's closed form for ε = 0, else 1 − Im[L_MP(ω) + εG_MP(ω)²]/π at
    /// ω = ω(x + i0) (see the type), constant between support intervals.
    public func cdf(_ x: Double) -> Double {
        if epsilon == 0 { return wishart.cdf(x) }
        return evaluate(x).cdf
    }

    /// The index α(ε, φ): the fraction of strictly negative eigenvalues, μ((−∞, 0)).
    ///
    /// ε = 0: H = H₀ ≥ 0 and α = 0 (MP's atom at 0 for φ > 1 holds zero eigenvalues, which
    /// are not negative). ε > 0: there are no atoms and α = F(0); for φ < 1 it is 0 up to
    /// ε_c(φ) and grows like α₀(φ)(ε − ε_c)^{3/2} above; for φ ≥ 1 it is positive for every
    /// ε > 0, tending to (1 − 1/φ)/2 as ε → 0⁺ (the smeared atom).
    public func index() -> Double {
        if epsilon == 0 || support[0].lowerBound >= 0 { return 0 }
        return cdf(0)
    }

    // MARK: Subordination

    /// ρ(x) and F(x) from one solve for ω(x + i0).
    func evaluate(_ x: Double) -> (density: Double, cdf: Double) { evaluate(increasing: [x])[0] }

    /// ρ and F along increasing abscissae; inside one support interval each solve starts from
    /// the previous point's u (x increases with u, so it brackets from below).
    func evaluate(increasing xs: [Double]) -> [(density: Double, cdf: Double)] {
        let intervals = branches.map { ($0.lower.x, $0.upper.x) }
        var previous: (branch: Int, x: Double, point: MarchenkoPasturTransforms.Point)? = nil
        var step: (du: Double, dx: Double)? = nil
        return xs.map { x in
            guard x.isFinite else { return (0, x > 0 ? 1 : 0) }
            switch SubordinationBoundary.locate(x, in: intervals) {
            case .below: return (0, 0)
            case .after(let i): return (0, branches[i].upper.cdf)
            case .inside(let i):
                let start = previous.flatMap { $0.branch == i && $0.x < x ? ($0.point, $0.x) : nil }
                // The next u from the last step's du/dx, doubled so that it usually overshoots.
                let guess = start.flatMap { s in step.map { s.0.omega.real + 2 * $0.du * (x - s.1) / $0.dx } }
                let p = boundaryPoint(x, in: branches[i], from: start, guess: guess)
                step = start.map { (p.omega.real - $0.0.omega.real, x - $0.1) }
                previous = (i, x, p)
                let g = transforms.g0(p)
                let f = (transforms.piMinusImagLog(p) - 2 * epsilon * g.real * g.imaginary) / .pi
                return (max(0, -g.imaginary / .pi), min(1, max(0, f)))
            }
        }
    }

    /// ω(x + i0) for x strictly inside the support interval of `b`: the u with
    /// u + 2ε Re G_MP(u + iv(u)) = x, v(u) the boundary height; `start` (a boundary point
    /// below x with its abscissa) replaces the lower edge as the bracket's end.
    func boundaryPoint(_ x: Double, in b: (lower: Edge, upper: Edge),
                       from start: (MarchenkoPasturTransforms.Point, Double)? = nil, guess: Double? = nil) -> MarchenkoPasturTransforms.Point {
        let low = start ?? (b.lower.point, b.lower.x)
        var last = low.0
        let u = SubordinationBoundary.abscissa(of: x, from: low.0.omega.real, low.1, to: b.upper.u, b.upper.x, guess: guess) { u in
            last = pointOnBoundary(u, hint: last.omega.imaginary)
            return u + 2 * epsilon * transforms.g0(last).real
        }
        return last.omega.real == u ? last : pointOnBoundary(u, hint: last.omega.imaginary)
    }

    /// The boundary point above u: v > 0 with 2ε I₀(u + iv) = 1 (I₀ decreases in v and
    /// I₀ ≤ 1/v², so v ≤ √(2ε)), or u + i0 where there is none.
    func pointOnBoundary(_ u: Double, hint: Double? = nil) -> MarchenkoPasturTransforms.Point {
        let logS = Foundation.log(2 * epsilon)
        let v = SubordinationBoundary.height(below: (2 * epsilon).squareRoot(), hint: hint) { v in
            logS + transforms.logI0(transforms.point(Complex(u, v)))
        }
        return transforms.point(Complex(u, v))
    }

    /// ω(z) for Im z ≥ 0 (ε > 0): on the real axis inside the support the boundary point,
    /// outside it the real ω with ω + 2εG_MP(ω) = x on the piece of the axis where that map
    /// increases (|x − ω| ≤ √(2ε) there, which brackets ω); off the axis Newton's method.
    func subordination(at z: Complex<Double>) throws -> MarchenkoPasturTransforms.Point {
        let s = 2 * epsilon, t = transforms
        if z.imaginary > 0 {
            let omega = try SubordinationBoundary.subordination(
                at: z, height: 10 * (1 + phi + s.squareRoot() + abs(z.real)), start: { $0 }) { w in
                let p = t.point(w)
                return (w + Complex(s) * t.g0(p), 1 + Complex(s) * t.g0Derivative(p))
            }
            return t.point(omega)
        }
        let x = z.real, r = s.squareRoot()
        // The piece of the real ω axis outside the support that maps onto x: below the first
        // interval, in a gap, or above the last, where |x − ω| ≤ √(2ε) brackets ω.
        let map = { (u: Double) in u + s * t.g0(t.point(Complex(u, 0))).real }
        var low = (u: x - r, x: map(x - r)), high = (u: branches[0].lower.u, x: branches[0].lower.x)
        switch SubordinationBoundary.locate(x, in: branches.map { ($0.lower.x, $0.upper.x) }) {
        case .below: break
        case .inside(let i): return boundaryPoint(x, in: branches[i])
        case .after(let i):
            low = (branches[i].upper.u, branches[i].upper.x)
            high = i + 1 == branches.count ? (x + r, map(x + r)) : (branches[i + 1].lower.u, branches[i + 1].lower.x)
        }
        if x == low.x || x == high.x { return t.point(Complex(x == low.x ? low.u : high.u, 0)) }
        let u = SubordinationBoundary.abscissa(of: x, from: low.u, low.x, to: high.u, high.x, map)
        return t.point(Complex(u, 0))
    }

    // MARK: Support edges

    /// The discriminant of the cubic as a polynomial in z, increasing degree (degree 4):
    /// Δ = 18abcd − 4b³d + b²c² − 4ac³ − 27a²d², a = 2φε, b = −2ε − φz, c = z + φ − 1, d = −1.
    /// The support edges are among its real roots (a second method the tests compare with).
    public static func discriminantCoefficients(phi: Double, epsilon: Double) -> [Double] {
        func multiply(_ polys: [Double]...) -> [Double] {
            polys.dropFirst().reduce(polys[0]) { p, q in
                var r = [Double](repeating: 0, count: p.count + q.count - 1)
                for (i, a) in p.enumerated() { for (j, b) in q.enumerated() { r[i + j] += a * b } }
                return r
            }
        }
        let a = [2 * phi * epsilon], b = [-2 * epsilon, -phi], c = [phi - 1, 1.0], d = [-1.0]
        let terms: [([Double], Double)] = [
            (multiply(a, b, c, d), 18), (multiply(b, b, b, d), -4), (multiply(b, b, c, c), 1),
            (multiply(a, c, c, c), -4), (multiply(a, a, d, d), -27),
        ]
        var sum = [Double](repeating: 0, count: 5)
        for (t, weight) in terms { for (i, v) in t.enumerated() { sum[i] += weight * v } }
        return sum
    }
}

// MARK: - Critical energy and the 3/2 law

extension LossHessian {
    /// The critical energy ε_c(φ) in closed form: the ε at which the lower edge of the
    /// spectrum reaches 0, i.e. the positive root of the discriminant of the cubic at z = 0,
    /// 8ε² + (8φ² + 20φ − 1)ε + 2φ(φ − 1)³ = 0 (Docs/theory-hessian.md §5):
    ///
    ///     ε_c = (1 − 20φ − 8φ² + (1 + 8φ)^{3/2}) / 16
    ///         = 4φ(1 − φ)³ / ((1 + 8φ)^{3/2} + 8φ² + 20φ − 1),
    ///
    /// evaluated in the second, cancellation-free form (the first loses ~|log₁₀ ε_c| digits
    /// as φ → 1, where ε_c ≈ (2/27)(1 − φ)³), with (1 + 8φ)^{3/2} − 1 from expm1 so that
    /// ε_c → 4φ/(32φ) = 1/8 as φ → 0 (H → semicircle(1, 2ε), whose edge 1 − 2√(2ε) is 0 at 1/8). For φ ≥ 1 the spectrum has negative mass for
    /// every ε > 0 (MP's lower edge is 0 at φ = 1, and for φ > 1 the smeared atom straddles
    /// 0), so ε_c = 0. Source: Pennington & Bahri (ICML 2017) state ε_c; derived here.
    /// - Throws: `invalidArgument` unless φ is finite and > 0.
    public static func criticalEnergy(phi: Double) throws -> Double {
        try require(phi, "φ (parameters / data points)", { $0 > 0 }, "finite and > 0")
        if phi >= 1 { return 0 }
        // (1 + 8φ)^{3/2} − 1 by expm1/log1p: as 1.5·8φ it would round to 0 below φ ~ 1e-17.
        let powerMinusOne = Foundation.expm1(1.5 * Foundation.log1p(8 * phi))
        return 4 * phi * (1 - phi) * (1 - phi) * (1 - phi) / (powerMinusOne + 8 * phi * phi + 20 * phi)
    }

    /// ε_c(φ) numerically, without the closed form: Brent's method (GSL, relative tolerance
    /// 1e-14) on ε ↦ λ_min(φ, ε), the lowest real root of the discriminant Δ(z) that bounds
    /// the support, after bracketing by doubling/halving ε. 0 for φ ≥ 1.
    /// - Throws: `invalidArgument` for bad φ; `didNotConverge` if no bracket is found.
    public static func criticalEnergyNumeric(phi: Double) throws -> Double {
        try require(phi, "φ (parameters / data points)", { $0 > 0 }, "finite and > 0")
        if phi >= 1 { return 0 }
        func lowerEdge(_ epsilon: Double) throws -> Double {
            try LossHessian(phi: phi, epsilon: epsilon).support[0].lowerBound
        }
        var hi = 0.01, lo = 0.01
        var steps = 0
        while try lowerEdge(hi) > 0 {
            hi *= 2; steps += 1
            if steps > 60 { throw NumericalError.didNotConverge("ε_c(\(phi)): lower edge stays positive") }
        }
        lo = hi
        steps = 0
        while try lowerEdge(lo) <= 0 {
            lo /= 2; steps += 1
            if steps > 200 { throw NumericalError.didNotConverge("ε_c(\(phi)): lower edge stays ≤ 0") }
        }
        if lo == hi { hi = 2 * lo }
        var failure: Error? = nil
        let root = try RootFinding.brent({ e in
            do { return try lowerEdge(e) } catch { failure = error; return .nan }
        }, in: lo, hi, relativeTolerance: 1e-14)
        if let failure { throw failure }
        return root
    }

    /// G_e(φ): the double root of the cubic at z = 0, ε = ε_c(φ) (the value of G at the
    /// lower edge when it touches 0). From ∂P/∂G = 6φεG² − 4εG + (φ − 1) = 0, the negative
    /// root (G(0) < 0 below the support): G_e = −(1 − φ) / (2ε_c + √(4ε_c² + 6φε_c(1 − φ))).
    /// - Throws: `invalidArgument` unless 0 < φ < 1.
    public static func criticalEdgeCauchyTransform(phi: Double) throws -> Double {
        try require(phi, "φ", { $0 > 0 && $0 < 1 }, "in (0, 1)")
        let e = try criticalEnergy(phi: phi)
        return -(1 - phi) / (2 * e + (4 * e * e + 6 * phi * e * (1 - phi)).squareRoot())
    }

    /// α₀(φ) in the 3/2 law α(ε, φ) ≈ α₀(φ)(ε − ε_c)^{3/2} for ε ↓ ε_c, analytically
    /// (closed form in radicals through ε_c and G_e; Docs/theory-hessian.md §6):
    ///
    ///     α₀ = (2/(3π)) · √(2 P_z/P_GG) · (−2G_e)^{3/2},
    ///     P_z = G_e(1 − φG_e),  P_GG = 4ε_c(3φG_e − 1),
    ///
    /// from ρ(x) ≈ (1/π)√(2P_z/P_GG · (x − λ_min)) at the edge and dλ_min/dε = 2G_e.
    /// nil for φ ≥ 1, where there is no ε_c > 0 (α jumps to (1 − 1/φ)/2 at ε = 0⁺ instead).
    /// - Throws: `invalidArgument` unless φ is finite and > 0.
    public static func indexPrefactor(phi: Double) throws -> Double? {
        try require(phi, "φ (parameters / data points)", { $0 > 0 }, "finite and > 0")
        if phi >= 1 { return nil }
        let e = try criticalEnergy(phi: phi)
        let g = try criticalEdgeCauchyTransform(phi: phi)
        let pz = g * (1 - phi * g)
        let pgg = 4 * e * (3 * phi * g - 1)
        return 2 / (3 * .pi) * (2 * pz / pgg).squareRoot() * Foundation.pow(-2 * g, 1.5)
    }

    /// One row of the critical-energy table for φ (see `CriticalEnergyRow`).
    public static func criticalEnergyRow(phi: Double) throws -> CriticalEnergyRow {
        let closed = try criticalEnergy(phi: phi)
        let numeric = try criticalEnergyNumeric(phi: phi)
        return CriticalEnergyRow(
            phi: phi, epsilonC: closed, epsilonCNumeric: numeric, difference: numeric - closed,
            alpha0: try indexPrefactor(phi: phi),
            indexAt2EpsilonC: try LossHessian(phi: phi, epsilon: 2 * closed).index())
    }
}

// MARK: - Results for scripts and the command line

/// A density on a grid: x, ρ(x) (continuous part) and the CDF F(x) (atoms included).
public struct HessianDensityTable: Sendable, Equatable, Codable {
    public var x: [Double]
    public var rho: [Double]
    public var cdf: [Double]
}

/// A support interval [lower, upper] in a JSON-friendly shape.
public struct SupportInterval: Sendable, Equatable, Codable {
    public var lower: Double
    public var upper: Double
}

/// ρ(x) and F(x) at one requested abscissa.
public struct DensityEvaluation: Sendable, Equatable, Codable {
    public var x: Double
    public var rho: Double
    public var cdf: Double
    public init(x: Double, rho: Double, cdf: Double) { self.x = x; self.rho = rho; self.cdf = cdf }
}

/// Everything `freespec hessian` reports for one (φ, ε).
public struct HessianPrediction: Sendable, Equatable, Codable {
    public var phi: Double
    public var epsilon: Double
    /// α(ε, φ), the fraction of negative eigenvalues.
    public var index: Double
    /// ε_c(φ) (closed form; 0 for φ ≥ 1).
    public var criticalEnergy: Double
    /// m₁ … m₄, exact.
    public var moments: [Double]
    public var atoms: [Atom]
    public var support: [SupportInterval]
    public var lambdaMin: Double
    public var lambdaMax: Double
    public var density: HessianDensityTable
    /// ρ and F at the requested abscissae (absent when none were asked for).
    public var evaluations: [DensityEvaluation]?
    /// What the answer measured about itself before it was returned (`SpectrumSelfCheck`).
    public var check: SpectrumCheck
}

/// One row of `freespec critical-energy`.
public struct CriticalEnergyRow: Sendable, Equatable, Codable {
    public var phi: Double
    /// ε_c from the closed form.
    public var epsilonC: Double
    /// ε_c from root finding on the lower edge.
    public var epsilonCNumeric: Double
    /// epsilonCNumeric − epsilonC.
    public var difference: Double
    /// α₀(φ) of the 3/2 law; nil (absent in JSON) for φ ≥ 1.
    public var alpha0: Double?
    /// α(2ε_c, φ) (0 for φ ≥ 1, where ε_c = 0).
    public var indexAt2EpsilonC: Double
}

extension LossHessian {
    /// ρ and F on `points` equally spaced abscissae covering [λ_min, λ_max] with a 2.5 %
    /// margin each side; F includes atoms (closed form, see `cdf`).
    /// - Throws: `invalidArgument` for points < 2.
    public func densityTable(points: Int = 401) throws -> HessianDensityTable {
        guard points >= 2 else { throw NumericalError.invalidArgument("a density table needs ≥ 2 points, got \(points)") }
        let width = lambdaMax - lambdaMin
        let lo = lambdaMin - 0.025 * width, hi = lambdaMax + 0.025 * width
        let x = (0..<points).map { lo + (hi - lo) * Double($0) / Double(points - 1) }
        let values = epsilon == 0 ? x.map { (wishart.density($0), wishart.cdf($0)) } : evaluate(increasing: x)
        return HessianDensityTable(x: x, rho: values.map(\.0), cdf: values.map(\.1))
    }

    /// The full prediction for (φ, ε): index, ε_c, m₁…m₄, atoms, support, edges, density table,
    /// ρ and F at `evaluations`, after the self-check (`SpectrumSelfCheck`): the mass, the four
    /// moments, the index and every reported F are measured from ρ by quadrature.
    /// - Throws: `invalidArgument` for points < 2 or a non-finite evaluation point;
    ///   `didNotConverge` naming the discrepancy when a check fails.
    public func prediction(points: Int = 401, evaluations: [Double] = []) throws -> HessianPrediction {
        for x in evaluations where !x.isFinite { throw NumericalError.invalidArgument("evaluation points must be finite, got \(x)") }
        let table = try densityTable(points: points)
        let evaluated = evaluations.map { DensityEvaluation(x: $0, rho: density($0), cdf: cdf($0)) }
        let alpha = index()
        let moments = (1...4).map(moment)
        // The index is μ((−∞, 0)): for ε > 0 (no atoms) it is F(0); for ε = 0 it is 0 by definition.
        var reported = evaluated.map { (x: $0.x, cdf: $0.cdf) }
        if epsilon > 0 && lambdaMin < 0 && lambdaMax > 0 { reported.append((0, alpha)) }
        let check = try SpectrumSelfCheck(
            density: density, support: support, atoms: atoms, moments: moments,
            table: (table.x, table.rho, table.cdf), cdfValues: reported
        ).run(what: "the loss Hessian at φ = \(phi), ε = \(epsilon)")
        return HessianPrediction(
            phi: phi, epsilon: epsilon, index: alpha,
            criticalEnergy: try Self.criticalEnergy(phi: phi),
            moments: moments, atoms: atoms,
            support: support.map { SupportInterval(lower: $0.lowerBound, upper: $0.upperBound) },
            lambdaMin: lambdaMin, lambdaMax: lambdaMax, density: table,
            evaluations: evaluations.isEmpty ? nil : evaluated, check: check)
    }
}
