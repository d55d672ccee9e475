import ComplexModule
import Foundation
import RealModule

/// The law of D² = φ′(√q h)² for h ~ N(0, 1): the squared slopes of a layer whose
/// preactivations have variance q.
///
/// Its moment transform M(u) = E[D²/(u − D²)] is stored as a finite sum of simple poles,
///
///     M(u) = Σ_k c_k x_k/(u − x_k),
///
/// exact for piecewise-linear φ (the x_k are the finitely many values of φ′², the c_k their
/// probabilities), and a quadrature for smooth φ. For smooth φ the integral over x = √q h is
/// taken on a polygonal contour x + iy(x) lifted off the real axis in the direction that keeps
/// Im φ′(x + iy)² ≤ 0; then u − φ′(x + iy)² never vanishes for Im u ≥ 0, and the sum is the
/// analytic continuation of M from the upper half-plane down to and onto the real axis, with
/// no loss of accuracy as u approaches the support (the pitfall of real-axis quadrature in
/// DESIGN.md). The panels are graded geometrically towards the critical points of φ′², where
/// the contour must return to the axis, so poles near those points stay resolved.
///
/// Exact moments E[D^{2k}] are computed separately by adaptive GSL quadrature on the real line.
///
/// Concentrated laws (small q: D² = a(1 + Y) with |Y| ≲ 0.1, a = φ′(0)²) are also kept as
/// offsets y_k = x_k/a − 1, formed without cancellation from the activation's
/// `SlopeDeviation` where it has one (built-ins), so that u − x_k = a(ν − y_k) keeps its
/// relative accuracy when u = a(1 + ν) sits within a·|Y| of a (the isometric regime: spreads
/// of 1e-8 and below, where u − x_k formed in Double has no digits left). Away from the
/// support, |ν| ≥ 4 max|y_k|, the sums are the convergent series in 1/ν of the offsets'
/// moments (ratio ≤ 1/4), which costs ~10 terms instead of ~1 000 poles: a network with many
/// nearly-linear layers (layer-by-layer q^l decaying to 1e-18) pays for them almost nothing.
/// See `Concentration`.
public struct DerivativeSquaredLaw: Sendable {
    /// The activation's name and the preactivation variance q.
    public let activationName: String
    public let q: Double
    /// Point masses (piecewise-linear φ only); empty for a smooth law.
    public let atoms: [Atom]
    /// m_k = E[D^{2k}], k = 1 … 8.
    public let moments: [Double]
    /// The closed convex hull [inf D², sup D²] of the support.
    public let supportHull: ClosedRange<Double>
    /// Pole locations x_k and residue weights c_k of M.
    let poles: [Complex<Double>]
    let poleWeights: [Complex<Double>]
    /// The same as (x_k, c_k x_k, c_k), for the vectorised sums.
    private let direct: PoleSums
    /// The law about its centre, when it is concentrated there (see `Concentration`).
    let concentration: Concentration?

    /// Whether the law is a finite sum of atoms (M exact, closed-form S-transform).
    public var isAtomic: Bool { !atoms.isEmpty }

    /// The law for `activation` at preactivation variance `q` > 0.
    ///
    /// - Throws: `invalidArgument` for q ≤ 0 or NaN, or where φ′(√q h)² underflows Double
    ///   with probability above 1e-12 (erf for q ≳ 7 and GELU for q ≳ 15, whose φ′² falls
    ///   like e^{−x²} and underflows at |x| = |√q h| > 19.3, resp. x < −27.3);
    ///   `didNotConverge` if a moment integral fails.
    public init(activation: any Activation, q: Double) throws {
        try require(q, "q", { $0 > 0 }, "positive")
        activationName = activation.name
        self.q = q
        if let discrete = activation.derivativeSquaredAtoms(q: q) {
            var merged: [Double: Double] = [:]
            for (x, p) in discrete where p > 0 { merged[x, default: 0] += p }
            let sorted = merged.sorted { $0.key < $1.key }
            atoms = sorted.map { Atom(location: $0.key, mass: $0.value) }
            moments = (1...8).map { k in sorted.reduce(0) { $0 + $1.value * pow($1.key, Double(k)) } }
            supportHull = sorted.first!.key...sorted.last!.key
            poles = sorted.map { Complex($0.key) }
            poleWeights = sorted.map { Complex($0.value) }
            direct = PoleSums(locations: poles, numerators: zip(poleWeights, poles).map { $0 * $1 }, weights: poleWeights)
            concentration = Concentration(atoms: atoms)
            return
        }
        atoms = []
        let sq = q.squareRoot()
        let breakpoints = activation.kinks.map { $0 / sq }
        moments = try (1...8).map { k in
            try Quadrature.gaussianExpectation({ h in pow(activation.derivative(sq * h), Double(2 * k)) },
                                               breakpoints: breakpoints)
        }
        let contour = LiftedContour(activation: activation, q: q)
        // Slopes whose square underflows Double are not zero: their mass sits hundreds of
        // decades below the rest, which no Double pole can represent. Refuse rather than
        // report them as an atom at 0 or lose them (erf at q = 64: a mass 0.016 below 1e-308).
        // Accepting up to 1e-9 as an atom at 0 is not enough: the continuous part of J Jᵀ then
        // has a tail of the slopes just above the underflow, over thousands of decades of λ, that
        // the skeleton does not finish (GELU σ_w = 1.6, σ_b = 0, L = 10: 2e-10 of the mass still
        // below λ = 10^-1228 after 200 000 steps).
        let underflow = zip(contour.poles, contour.weights).reduce(0) { $1.0 == .zero ? $0 + $1.1.real : $0 }
        guard underflow <= 1e-12 else {
            throw NumericalError.invalidArgument(String(
                format: "the law of φ′(√q h)² for %@ at q = %g puts a mass %.2g below 1e-308, where Double underflows; its spectra cannot be computed: use a smaller q (q*)",
                activation.name, q, underflow))
        }
        poles = contour.poles
        poleWeights = contour.weights
        supportHull = contour.range
        direct = PoleSums(locations: poles, numerators: zip(poleWeights, poles).map { $0 * $1 }, weights: poleWeights)
        concentration = Concentration(activation: activation, contour: contour)
    }

    /// A law given directly by its atoms (e.g. a Bernoulli mask), for heterogeneous or
    /// experimental layers. Masses must be positive and sum to 1 within 1e-12; locations ≥ 0.
    public init(atoms given: [Atom], name: String = "atomic") throws {
        guard !given.isEmpty, given.allSatisfy({ $0.mass > 0 && $0.location >= 0 && $0.location.isFinite }),
              abs(given.reduce(0) { $0 + $1.mass } - 1) < 1e-12 else {
            throw NumericalError.invalidArgument("atoms need positive masses summing to 1 at finite locations ≥ 0")
        }
        activationName = name
        q = .nan
        let sorted = given.sorted { $0.location < $1.location }
        atoms = sorted
        moments = (1...8).map { k in sorted.reduce(0) { $0 + $1.mass * pow($1.location, Double(k)) } }
        supportHull = sorted.first!.location...sorted.last!.location
        poles = sorted.map { Complex($0.location) }
        poleWeights = sorted.map { Complex($0.mass) }
        direct = PoleSums(locations: poles, numerators: zip(poleWeights, poles).map { $0 * $1 }, weights: poleWeights)
        concentration = Concentration(atoms: atoms)
    }

    /// M(u) and M′(u), for Im u ≥ 0 (the continuation onto the real axis from above).
    @inline(__always)
    public func momentTransform(_ u: Complex<Double>) -> (value: Complex<Double>, derivative: Complex<Double>) {
        let r = transform(u, offset: nil)
        return (r.value, r.derivative)
    }

    /// M(u), M′(u) and 1 + M(u) = Σ c_k u/(u − x_k), the last summed directly so it keeps its
    /// relative accuracy where M(u) → −1 (u → 0, the bottom of deep spectra).
    @inline(__always)
    func momentTransformWithComplement(_ u: Complex<Double>)
        -> (value: Complex<Double>, derivative: Complex<Double>, complement: Complex<Double>)
    {
        transform(u, offset: nil)
    }

    /// M(u), M′(u) = dM/du and 1 + M(u) at u, for Im u ≥ 0. `offset`, when given, is
    /// ν = u/a − 1 to full relative accuracy (a the centre of a concentrated law; see
    /// `Concentration`); without it ν is formed from u.
    ///
    /// For |u| < 1e-140 the pole sums are taken in the variables s·u, s·x_k with s = 2⁵⁰⁰
    /// (exact): |u − x_k|² underflows below 1e-154, and laws with much mass far below the top
    /// (erf, GELU at q ≈ 5…15) put poles, and the walk puts u, down there.
    func transform(_ u: Complex<Double>, offset: Complex<Double>?)
        -> (value: Complex<Double>, derivative: Complex<Double>, complement: Complex<Double>)
    {
        if let c = concentration {
            let nu = offset ?? (u / Complex(c.center) - 1)
            if nu.length < 0.5 || nu.length >= c.seriesRadius {
                let sums = nu.length >= c.seriesRadius ? c.series(nu) : c.offsets.sums(at: nu, scale: 1)
                // 1 + M = Σ c_k (1 + ν)/(ν − y_k): with 1 + ν from ν near the centre, u/a far from it.
                let onePlusNu = nu.length < 0.5 ? 1 + nu : u / Complex(c.center)
                return (sums.s1, -sums.s2 / Complex(c.center), onePlusNu * sums.s0)
            }
        }
        let scale = u.length < 1e-140 ? 0x1p500 : 1.0
        let sums = direct.sums(at: u, scale: scale)
        // The sums hold 1/(s(u − x_k)): M carries one factor s, M′ two, 1 + M = s u · Σ c r.
        return (sums.s1 * Complex(scale), -sums.s2 * Complex(scale * scale), u * Complex(scale) * sums.s0)
    }

    /// Var D²/(E D²)²: for a concentrated law Var Y/(1 + E Y)² from its offsets (E Y^j = Σ c_k y_k^j),
    /// where μ₂/μ₁² − 1 from the moments' quadrature (1e-11) would be noise; else μ₂/μ₁² − 1.
    public var normalizedVariance: Double {
        if let c = concentration { return c.variance }
        return moments[1] / (moments[0] * moments[0]) - 1
    }

    /// Mass of the atom at 0 (e.g. 1/2 for ReLU).
    public var massAtZero: Double { atoms.first { $0.location == 0 }?.mass ?? 0 }
}

/// The polygonal contour and Gauss–Legendre panels for a smooth law (see
/// `DerivativeSquaredLaw`). Works in x = √q h, where the Gaussian weight is N(0, q).
struct LiftedContour {
    var poles: [Complex<Double>] = []
    var weights: [Complex<Double>] = []
    /// The quadrature nodes x + iy(x) of the poles (x_k = φ′(node_k)²).
    var nodes: [Complex<Double>] = []
    var range: ClosedRange<Double> = 0...0
    /// The real points where g takes the ends of `range` (critical points and window ends).
    var extremes: [Double] = []

    private static let rule = GaussLegendreRule(points: 8)

    init(activation: any Activation, q: Double) {
        let sq = q.squareRoot()
        let profile = SlopeProfile(activation: activation, q: q)
        let xMax = profile.xMax
        let g = profile.g, gPrime = profile.gPrime
        let canLift = activation.derivative(complex: Complex(0.1, 0.1)) != nil
        let uniqueCritical = profile.criticalPoints

        // Range of g on the real line: its values at critical points and the ends.
        extremes = uniqueCritical + [-xMax, xMax, 0]
        let values = extremes.map(g)
        range = values.min()!...values.max()!

        // Panel breakpoints: uniform of width ≤ min(0.125, √q/2), graded ×2 towards each
        // critical point down to 1e-7 √q (a critical value is where u meets the law in deep or
        // concentrated products, and the scale there is the Gaussian's: with 1e-7 in absolute
        // terms the innermost panel at q = 1e-14 was one σ wide, and the closed-form CDF of two
        // orthogonal tanh layers had 1.1e-8 of spurious mass above the edge), and down to 1e-16
        // (relative to max(1, √q)) towards a
        // zero of φ′ (g ≤ 1e-8 sup g), where log g has a logarithmic singularity: the CDF of a
        // deep product takes E log D² = Σ c_k log x_k with weight ~ L (its bottom is
        // Im H_D(u) for |u| below every pole), and the 8-point rule on an innermost panel of
        // width d that ends at the singularity errs by ~1e-3 d p(x₀): at 1e-7 this was
        // Im Σ c_k log x_k = −5.7e-10 for GELU at q = 8, i.e. 1.8e-6 of the mass at L = 10 000.
        let width = min(0.125, sq / 2)
        var breaks = Set<Double>()
        var x = -xMax
        while x < xMax { breaks.insert(x); x += width }
        breaks.insert(xMax)
        let gTop = range.upperBound
        for c in uniqueCritical {
            var d = width
            let finest = g(c) <= 1e-8 * gTop ? 1e-16 * max(1, sq) : 1e-7 * sq
            while d > finest {
                breaks.insert(c - d); breaks.insert(c + d)
                d /= 2
            }
            breaks.insert(c)
        }
        // A kink is a vertex on the real axis: φ′ continued from either side is a different
        // analytic function, and Cauchy's theorem moves each panel only within one piece.
        let kinks = Set(activation.kinks.filter { $0 > -xMax && $0 < xMax })
        breaks.formUnion(kinks)
        let sortedBreaks = breaks.filter { $0 >= -xMax && $0 <= xMax }.sorted()

        // Height of the lift: against g′ (so Im g ≤ 0 to first order), bounded so the first
        // order dominates (|y| ≤ ½|g′/g″|), the phase of g turns by ≤ ½ rad (|y| ≤ ½ g/|g′|),
        // the contour stays well inside the strip of analyticity, and the Gaussian weight stays
        // tame: on x + iy it is e^{−(x+iy)²/2q}, of modulus e^{(y² − x²)/2q} and phase −xy/q, so
        // |y| ≤ √q keeps its modulus within e^{1/2} of the real-axis value and turns its phase by
        // ≤ ½ rad per panel (width ≤ √q/2): the sums then do not cancel. (A lift of 0.25 at
        // q = 1e-3 magnified the weights by e^{10} with 40 rad of phase across the window:
        // Σ c_k came out 1 + 2e-9 − 4e-9 i, and the CDF of a deep Gaussian product, which
        // carries L Im Σ c_k log x_k, had a floor of 1e-6.) A lift of √q still moves the poles
        // off the axis by |g′|√q, the scale on which g varies over one panel, which is what
        // keeps M accurate on the axis.
        let strip = activation.analyticStripHalfWidth
        let cap = min(0.25, strip.isFinite ? strip / 4 : 0.25, sq)
        func lift(_ x: Double) -> Double {
            guard canLift else { return 0 }
            let d1 = gPrime(x)
            if d1 == 0 { return 0 }
            let hh = 1e-5 * max(1, abs(x))
            let d2 = (gPrime(x + hh) - gPrime(x - hh)) / (2 * hh)
            let gx = g(x)
            var y = min(cap, 0.5 * abs(d1) / max(abs(d2), 1e-300), 0.5 * gx / abs(d1))
            // Keep Im g ≤ 0 at the vertex itself; halve the lift until it holds.
            for _ in 0..<30 {
                let z = Complex(x, -(d1 > 0 ? 1 : -1) * y)
                if let d = activation.derivative(complex: z), (d * d).imaginary <= 1e-15 * gx { break }
                y /= 2
            }
            return -(d1 > 0 ? 1 : -1) * y
        }
        // The contour starts and ends on the real axis: Σ c_k is then ∫ ϕ_q over the cut
        // window, real. Lifted ends left an imaginary part ϕ_q(x_max)·y ≈ 3.5e-21 (GELU at
        // q = 8) in the weights of the far-tail poles, which for |u| below those poles made
        // Im(1 + M(u)) > 0 on the negative axis: unphysical, and it is where the walk of GELU
        // at q* = 8, L = 10 000 (u ~ −1e-230) left its branch.
        let vertices = sortedBreaks.map { x in Complex(x, abs(x) >= xMax || kinks.contains(x) ? 0 : lift(x)) }
        let normalization = 1 / (2 * Double.pi * q).squareRoot()
        let rule = LiftedContour.rule
        for j in 0..<(vertices.count - 1) {
            let a = vertices[j], b = vertices[j + 1]
            let half = (b - a) / 2, mid = (a + b) / 2
            for i in 0..<rule.nodes.count {
                let node = mid + half * Complex(rule.nodes[i])
                let gaussian = Complex(normalization) * Complex.exp(-(node * node) / Complex(2 * q))
                let weight = half * Complex(rule.weights[i]) * gaussian
                if weight.length < 1e-22 { continue }
                let slope: Complex<Double>
                if canLift, let d = activation.derivative(complex: node) { slope = d } else { slope = Complex(activation.derivative(node.real)) }
                poles.append(slope * slope)
                weights.append(weight)
                nodes.append(node)
            }
        }
    }
}

extension DerivativeSquaredLaw {
    /// H(u) = E log(1 − D²/u) for Im u ≥ 0, the logarithmic potential whose derivative is
    /// M(u)/u. Each term is log(u − x_k) − log u with both logarithms cut along the negative
    /// imaginary axis: u − x_k and u lie in the closed upper half-plane, so the sum is
    /// continuous there even when u sits on the real axis below the support (where the
    /// principal log of the quotient would flip between ±iπ on rounding errors). A concentrated
    /// law takes it about its centre (`Concentration.logPotential`).
    public func logPotential(_ u: Complex<Double>) -> Complex<Double> { logPotential(u, offset: nil) }

    func logPotential(_ u: Complex<Double>, offset: Complex<Double>?) -> Complex<Double> {
        if let c = concentration { return c.logPotential(u, offset: offset ?? (u / Complex(c.center) - 1)) }
        var h = Complex<Double>.zero
        let logU = FreeMultiplicativeProduct.logUpper(u)
        for k in poles.indices {
            h = h + poleWeights[k] * (FreeMultiplicativeProduct.logUpper(u - poles[k]) - logU)
        }
        return h
    }

    /// Im H(u), the only part the CDF needs: Σ Re c_k (arg(u − x_k) − arg u)
    /// + Im c_k (log|u − x_k| − log|u|), with arguments in (−π/2, 3π/2] as in `logPotential`.
    func logPotentialImaginary(_ u: Complex<Double>, offset: Complex<Double>? = nil) -> Double {
        if let c = concentration { return c.logPotential(u, offset: offset ?? (u / Complex(c.center) - 1)).imaginary }
        return direct.logPotentialImaginary(u)
    }
}

/// M's three sums over the poles, Σ c_k/(U − X_k), Σ n_k/(U − X_k), Σ n_k/(U − X_k)², for
/// the plain poles (X = x, n = c x) and for the offsets of a concentrated law (X = y,
/// n = c(1 + y)), four poles at a time (SIMD4; the arrays are padded with zero weights at a
/// copy of the first pole).
struct PoleSums: Sendable {
    private let xr: [SIMD4<Double>], xi: [SIMD4<Double>]
    private let nr: [SIMD4<Double>], ni: [SIMD4<Double>]
    private let cr: [SIMD4<Double>], ci: [SIMD4<Double>]
    private let count: Int
    /// The same, unpadded, for the logarithmic potential.
    private let x: [Complex<Double>], c: [Complex<Double>]

    init(locations: [Complex<Double>], numerators: [Complex<Double>], weights: [Complex<Double>]) {
        count = locations.count
        x = locations
        c = weights
        func pack(_ values: [Double], pad: Double) -> [SIMD4<Double>] {
            stride(from: 0, to: values.count, by: 4).map { i in
                SIMD4((0..<4).map { i + $0 < values.count ? values[i + $0] : pad })
            }
        }
        let padR = locations.first?.real ?? 0, padI = locations.first?.imaginary ?? 0
        xr = pack(locations.map(\.real), pad: padR); xi = pack(locations.map(\.imaginary), pad: padI)
        nr = pack(numerators.map(\.real), pad: 0); ni = pack(numerators.map(\.imaginary), pad: 0)
        cr = pack(weights.map(\.real), pad: 0); ci = pack(weights.map(\.imaginary), pad: 0)
    }

    /// The three sums with every 1/(U − X_k) taken as 1/(s(U − X_k)).
    @inline(__always)
    func sums(at u: Complex<Double>, scale s: Double) -> (s0: Complex<Double>, s1: Complex<Double>, s2: Complex<Double>) {
        let ur = SIMD4<Double>(repeating: u.real * s), ui = SIMD4<Double>(repeating: u.imaginary * s)
        let sv = SIMD4<Double>(repeating: s)
        var s0r = SIMD4<Double>(), s0i = SIMD4<Double>(), s1r = SIMD4<Double>(), s1i = SIMD4<Double>()
        var s2r = SIMD4<Double>(), s2i = SIMD4<Double>()
        xr.withUnsafeBufferPointer { xr in xi.withUnsafeBufferPointer { xi in
        nr.withUnsafeBufferPointer { nr in ni.withUnsafeBufferPointer { ni in
        cr.withUnsafeBufferPointer { cr in ci.withUnsafeBufferPointer { ci in
            for k in 0..<xr.count {
                // r = 1/(s(U − X)); t = n r; S1 += t; S2 += t r; S0 += c r.
                let ar = ur - xr[k] * sv, ai = ui - xi[k] * sv
                let inv = 1 / (ar * ar + ai * ai)
                let rr = ar * inv, ri = -ai * inv
                let tr = nr[k] * rr - ni[k] * ri, ti = nr[k] * ri + ni[k] * rr
                s1r += tr; s1i += ti
                s2r += tr * rr - ti * ri; s2i += tr * ri + ti * rr
                s0r += cr[k] * rr - ci[k] * ri; s0i += cr[k] * ri + ci[k] * rr
            }
        }}}}}}
        return (Complex(s0r.sum(), s0i.sum()), Complex(s1r.sum(), s1i.sum()), Complex(s2r.sum(), s2i.sum()))
    }

    /// Im Σ c_k (log(U − X_k) − log U), arguments in (−π/2, 3π/2] (see `logPotential`).
    func logPotentialImaginary(_ u: Complex<Double>) -> Double {
        let ur = u.real, ui = u.imaginary
        var argSum = 0.0, logSum = 0.0, crSum = 0.0, ciSum = 0.0
        for k in 0..<count {
            let ar = ur - x[k].real, ai = ui - x[k].imaginary
            var arg = atan2(ai, ar)
            if arg < -.pi / 2 { arg += 2 * .pi }
            argSum += c[k].real * arg
            crSum += c[k].real
            if c[k].imaginary != 0 {
                logSum += c[k].imaginary * Self.logModulus(ar, ai)
                ciSum += c[k].imaginary
            }
        }
        var argU = atan2(ui, ur)
        if argU < -.pi / 2 { argU += 2 * .pi }
        return argSum - crSum * argU + logSum - ciSum * Self.logModulus(ur, ui)
    }

    /// Σ c_k (log(U − X_k) − log U) with the same cuts, term by term.
    func logPotential(_ u: Complex<Double>, logU: Complex<Double>) -> Complex<Double> {
        var h = Complex<Double>.zero
        for k in 0..<count { h = h + c[k] * (FreeMultiplicativeProduct.logUpper(u - x[k]) - logU) }
        return h
    }

    /// log|a + ib|, through hypot only where |a + ib|² would underflow (|u| < 1e-154: the
    /// bottom of deep spectra reaches far below).
    @inline(__always)
    static func logModulus(_ a: Double, _ b: Double) -> Double {
        let square = a * a + b * b
        return square > 1e-280 ? 0.5 * Foundation.log(square) : Foundation.log(hypot(a, b))
    }

}

extension DerivativeSquaredLaw {
    /// Whether two laws are the same distribution (same activation and q, or same atoms).
    func isSameLaw(as other: DerivativeSquaredLaw) -> Bool {
        activationName == other.activationName && atoms == other.atoms
            && (q == other.q || (q.isNaN && other.q.isNaN))
    }
}
