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
/// Domain: φ ∈ (0, ∞) and ε ≥ 0 finite. ε < 0 is rejected: a "semicircle of variance 2ε < 0"
/// is not a probability measure (R(w) = 2εw is not the R-transform of any law), so the
/// model has no spectrum there.
///
/// The physical root of the cubic is selected by subordination rather than by a guess:
/// for the semicircle, G(z) = G_MP(ω) with ω = z − 2εG(z), and for Im z > 0 exactly one root
/// G with Im G < 0 satisfies it (the fixed point of ω ↦ z − 2εG_MP(ω) in the upper
/// half-plane is unique, Schwarz–Pick). On the real axis outside the support the physical
/// root is the real one with G = G_MP(ω) and 1 + 2εG′_MP(ω) ≥ 0 (Biane). Derivations:
/// Docs/theory-hessian.md §4–6.
///
/// Atoms: for ε = 0 and φ > 1 the law is MP with its atom at 0 of mass 1 − 1/φ. For ε > 0
/// there are none (a free sum with a semicircle has no atoms): the atom is smeared into a
/// bump around 0 — of width ~4√(2ε(1 − 1/φ)), centred at ~2ε·G_bulk(0) < 0 — so for φ ≥ 1
/// about half of it is negative and α(ε → 0⁺) = (1 − 1/φ)/2, while α(0) = 0.
public struct LossHessian: SpectralMeasure {
    /// φ = parameters / data points.
    public let phi: Double
    /// ε ≥ 0, the energy of the critical point.
    public let epsilon: Double
    /// The law of H₀: Marchenko–Pastur(ratio φ, σ² = 1).
    public let wishart: MarchenkoPastur
    /// The support of the continuous part (one or two intervals), from the real roots of
    /// the discriminant of the cubic in G, classified by the physical root at midpoints.
    public let support: [ClosedRange<Double>]

    /// - Throws: `invalidArgument` unless φ > 0 and ε ≥ 0 are finite; `didNotConverge` or
    ///   `library` if the support cannot be computed.
    public init(phi: Double, epsilon: Double) throws {
        try require(phi, "φ (parameters / data points)", { $0 > 0 }, "finite and > 0")
        try require(epsilon, "ε (energy)", { $0 >= 0 }, "finite and ≥ 0")
        let wishart = try MarchenkoPastur(ratio: phi, variance: 1)
        if epsilon == 0 {
            self.init(phi: phi, epsilon: epsilon, wishart: wishart, support: wishart.support)
        } else {
            let probe = Self(phi: phi, epsilon: epsilon, wishart: wishart, support: [])
            self.init(phi: phi, epsilon: epsilon, wishart: wishart, support: try probe.computeSupport())
        }
    }

    /// Support intervals from the real roots of the discriminant: each gap between
    /// consecutive roots is in the support iff the physical root at its midpoint is non-real.
    private func computeSupport() throws -> [ClosedRange<Double>] {
        let edges = try Self.edgeCandidates(phi: phi, epsilon: epsilon)
        var intervals: [ClosedRange<Double>] = []
        for i in 0..<max(0, edges.count - 1) where edges[i + 1] > edges[i] {
            let mid = 0.5 * (edges[i] + edges[i + 1])
            guard try isInSupport(mid) else { continue }
            if let last = intervals.last, last.upperBound == edges[i] {
                intervals[intervals.count - 1] = last.lowerBound...edges[i + 1]
            } else {
                intervals.append(edges[i]...edges[i + 1])
            }
        }
        guard !intervals.isEmpty else {
            throw NumericalError.didNotConverge("loss Hessian support at φ = \(phi), ε = \(epsilon): no interval found")
        }
        return intervals
    }

    private init(phi: Double, epsilon: Double, wishart: MarchenkoPastur, support: [ClosedRange<Double>]) {
        self.phi = phi
        self.epsilon = epsilon
        self.wishart = wishart
        self.support = support
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
    /// [−1, z + φ − 1, −(2ε + φz), 2φε].
    public func cubicCoefficients(_ z: Complex<Double>) -> [Complex<Double>] {
        [Complex(-1), z + Complex(phi - 1), -(Complex(2 * epsilon) + Complex(phi) * z), Complex(2 * phi * epsilon)]
    }

    /// G(z) on the physical sheet (Im z ≥ 0; real z is read as z + i0). For ε = 0 this is
    /// MP's G. For real z the cubic is solved by GSL (`PolynomialRoots`), for complex z by
    /// Cardano's formula; every root is polished by Newton and the physical one selected
    /// as described on the type. NaN if GSL fails.
    public func cauchyTransform(_ z: Complex<Double>) -> Complex<Double> {
        if epsilon == 0 { return wishart.cauchyTransform(z) }
        return (try? physicalRoot(z)) ?? Complex(.nan, .nan)
    }

    /// ρ(x) = −Im G(x + i0)/π; 0 outside the support; NaN if GSL fails.
    public func density(_ x: Double) -> Double {
        if epsilon == 0 { return wishart.density(x) }
        guard let g = try? physicalRoot(Complex(x, 0)) else { return .nan }
        return max(0, -g.imaginary / .pi)
    }

    /// F(x) = μ((−∞, x]): MP's closed form for ε = 0, else adaptive quadrature (GSL QAGP,
    /// relative tolerance 1e-11) of ρ over the support up to x.
    /// - Throws: `didNotConverge` if the quadrature fails.
    public func cdf(_ x: Double) throws -> Double {
        if epsilon == 0 { return wishart.cdf(x) }
        var total = 0.0
        for interval in support where interval.lowerBound < x {
            let upper = min(interval.upperBound, x)
            total += try Quadrature.integrate(density, from: interval.lowerBound, to: upper,
                                              absoluteTolerance: 0, relativeTolerance: 1e-11)
        }
        return min(1, total)
    }

    /// The index α(ε, φ): the fraction of strictly negative eigenvalues, μ((−∞, 0)).
    ///
    /// ε = 0: H = H₀ ≥ 0 and α = 0 (MP's atom at 0 for φ > 1 holds zero eigenvalues, which
    /// are not negative). ε > 0: there are no atoms and α = F(0); for φ < 1 it is 0 up to
    /// ε_c(φ) and grows like α₀(φ)(ε − ε_c)^{3/2} above; for φ ≥ 1 it is positive for every
    /// ε > 0, tending to (1 − 1/φ)/2 as ε → 0⁺ (the smeared atom).
    /// - Throws: `didNotConverge` if the quadrature fails.
    public func index() throws -> Double {
        if epsilon == 0 || support[0].lowerBound >= 0 { return 0 }
        return try cdf(0)
    }

    // MARK: Root selection

    /// The physical root of the cubic at z (ε > 0).
    func physicalRoot(_ z: Complex<Double>) throws -> Complex<Double> {
        let z = Complex(z.real, z.imaginary <= 0 ? 0 : z.imaginary)
        let coefficients = cubicCoefficients(z)
        var roots: [Complex<Double>]
        if z.imaginary == 0 {
            roots = try PolynomialRoots.roots(coefficients.map(\.real))
        } else {
            roots = Self.cardano(coefficients)
        }
        roots = roots.map { Self.polish($0, coefficients) }
        var bestComplex: (Complex<Double>, Double)? = nil
        var bestReal: (Complex<Double>, Double)? = nil
        var bestAny: (Complex<Double>, Double)? = nil
        for g in roots {
            let omega = z - Complex(2 * epsilon) * g
            let gmp = wishart.cauchyTransform(omega)
            let residual = (g - gmp).length / max(g.length, 1e-300)
            if bestAny == nil || residual < bestAny!.1 { bestAny = (g, residual) }
            let isReal = abs(g.imaginary) <= 1e-14 * g.length
            if !isReal && g.imaginary < 0 {
                if bestComplex == nil || residual < bestComplex!.1 { bestComplex = (g, residual) }
            } else if isReal && z.imaginary == 0 {
                // Physical real branch: x = ω + 2εG_MP(ω) increasing in ω.
                let slope = 1 + 2 * epsilon * wishart.cauchyTransformDerivative(omega).real
                if slope >= -1e-8, bestReal == nil || residual < bestReal!.1 { bestReal = (g, residual) }
            }
        }
        // A complex root with Im G < 0 that satisfies the subordination is the physical one
        // (unique fixed point in the open upper half-plane); otherwise the real one.
        if let c = bestComplex, c.1 < 1e-6 { return c.0 }
        if let r = bestReal, r.1 < 1e-6 { return r.0 }
        return (bestComplex ?? bestReal ?? bestAny)!.0
    }

    /// Whether x lies in the support: the physical root at x is non-real.
    func isInSupport(_ x: Double) throws -> Bool {
        let g = try physicalRoot(Complex(x, 0))
        return g.imaginary < 0 && abs(g.imaginary) > 1e-14 * g.length
    }

    /// Newton on the cubic (c in increasing degree) while the residual decreases (≤ 12 steps).
    static func polish(_ root: Complex<Double>, _ c: [Complex<Double>]) -> Complex<Double> {
        var g = root
        var p = ((c[3] * g + c[2]) * g + c[1]) * g + c[0]
        for _ in 0..<12 {
            let dp = (Complex(3) * c[3] * g + Complex(2) * c[2]) * g + c[1]
            let step = p / dp
            if !step.isFinite || p.length == 0 { break }
            let candidate = g - step
            let pc = ((c[3] * candidate + c[2]) * candidate + c[1]) * candidate + c[0]
            if pc.length < p.length { g = candidate; p = pc } else { break }
        }
        return g
    }

    /// The three roots of c₃G³ + c₂G² + c₁G + c₀ (complex coefficients) by Cardano:
    /// Δ₀ = b² − 3ac, Δ₁ = 2b³ − 9abc + 27a²d, C = ∛((Δ₁ ± √(Δ₁² − 4Δ₀³))/2) with the sign
    /// that maximises |C|, G_k = −(b + ξᵏC + Δ₀/(ξᵏC))/(3a), ξ = e^{2πi/3}.
    static func cardano(_ c: [Complex<Double>]) -> [Complex<Double>] {
        let a = c[3], b = c[2], cc = c[1], d = c[0]
        let d0 = b * b - Complex(3) * a * cc
        let d1 = Complex(2) * b * b * b - Complex(9) * a * b * cc + Complex(27) * a * a * d
        let root = Complex.sqrt(d1 * d1 - Complex(4) * d0 * d0 * d0)
        let plus = d1 + root, minus = d1 - root
        let big = (plus.length >= minus.length ? plus : minus) * Complex(0.5)
        if big.length == 0 {
            let triple = -b / (Complex(3) * a)
            return [triple, triple, triple]
        }
        let cube = Complex.exp(Complex.log(big) / Complex(3))
        let xi = Complex(-0.5, 3.0.squareRoot() / 2)
        var k = Complex<Double>(1)
        var cardanoRoots: [Complex<Double>] = []
        for _ in 0..<3 {
            let ck = k * cube
            cardanoRoots.append(-(b + ck + d0 / ck) / (Complex(3) * a))
            k = k * xi
        }
        // Cardano loses the small roots to cancellation when the root moduli are far apart
        // (ε → 0 sends one root to ∞). Keep only the largest root, polished, and get the other
        // two from the backward-deflated quadratic q₂G² + q₁G + q₀ (stable for a large root).
        let r1 = polish(cardanoRoots.max { $0.length < $1.length }!, c)
        guard r1.length > 0 else { return cardanoRoots }
        let q0 = -d / r1, q1 = (q0 - cc) / r1, q2 = (q1 - b) / r1
        let disc = Complex.sqrt(q1 * q1 - Complex(4) * q2 * q0)
        let s1 = q1 + disc, s2 = q1 - disc
        let sBig = s1.length >= s2.length ? s1 : s2
        guard sBig.length > 0, q2.length > 0 else { return cardanoRoots }
        let r2 = -sBig / (Complex(2) * q2)   // citardauq pair: r2·r3 = q0/q2
        let r3 = -(Complex(2) * q0) / sBig
        return [r1, r2, r3]
    }

    // MARK: Support edges

    /// The discriminant of the cubic as a polynomial in z, increasing degree (degree 4):
    /// Δ = 18abcd − 4b³d + b²c² − 4ac³ − 27a²d², a = 2φε, b = −2ε − φz, c = z + φ − 1, d = −1.
    public static func discriminantCoefficients(phi: Double, epsilon: Double) -> [Double] {
        let a = [2 * phi * epsilon], b = [-2 * epsilon, -phi], c = [phi - 1, 1.0], d = [-1.0]
        let terms: [[Double]] = [
            scale(multiply(a, b, c, d), 18),
            scale(multiply(b, b, b, d), -4),
            multiply(b, b, c, c),
            scale(multiply(a, c, c, c), -4),
            scale(multiply(a, a, d, d), -27),
        ]
        var sum = [Double](repeating: 0, count: 5)
        for t in terms { for (i, v) in t.enumerated() { sum[i] += v } }
        return sum
    }

    /// The real roots of Δ(z) (Newton-polished), sorted; near-real pairs are kept so a
    /// double root (two intervals touching) is not lost, and the midpoint test discards
    /// spurious ones.
    static func edgeCandidates(phi: Double, epsilon: Double) throws -> [Double] {
        let coefficients = discriminantCoefficients(phi: phi, epsilon: epsilon)
        let roots = try PolynomialRoots.roots(coefficients)
        let scaleZ = 1 + phi + epsilon
        var real: [Double] = []
        for r in roots where abs(r.imaginary) <= 1e-6 * scaleZ {
            var x = r.real
            for _ in 0..<3 {
                var p = 0.0, dp = 0.0
                for c in coefficients.reversed() { dp = dp * x + p; p = p * x + c }
                guard dp != 0 else { break }
                let next = x - p / dp
                if !next.isFinite || abs(next - x) > 1e-6 * scaleZ { break }
                x = next
            }
            real.append(x)
        }
        return real.sorted()
    }

    static func multiply(_ polys: [Double]...) -> [Double] {
        polys.dropFirst().reduce(polys[0]) { p, q in
            var r = [Double](repeating: 0, count: p.count + q.count - 1)
            for (i, a) in p.enumerated() { for (j, b) in q.enumerated() { r[i + j] += a * b } }
            return r
        }
    }

    static func scale(_ p: [Double], _ s: Double) -> [Double] { p.map { $0 * s } }
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
    /// as φ → 1, where ε_c ≈ (2/27)(1 − φ)³). For φ ≥ 1 the spectrum has negative mass for
    /// every ε > 0 (MP's lower edge is 0 at φ = 1, and for φ > 1 the smeared atom straddles
    /// 0), so ε_c = 0. Source: Pennington & Bahri (ICML 2017) state ε_c; derived here.
    /// - Throws: `invalidArgument` unless φ is finite and > 0.
    public static func criticalEnergy(phi: Double) throws -> Double {
        try require(phi, "φ (parameters / data points)", { $0 > 0 }, "finite and > 0")
        if phi >= 1 { return 0 }
        let s = 1 + 8 * phi
        return 4 * phi * (1 - phi) * (1 - phi) * (1 - phi) / (s * s.squareRoot() + 8 * phi * phi + 20 * phi - 1)
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
    /// margin each side. F is accumulated by adaptive quadrature between grid points with the
    /// support edges as breakpoints (closed form for ε = 0), and includes atoms.
    /// - Throws: `invalidArgument` for points < 2; `didNotConverge` if quadrature fails.
    public func densityTable(points: Int = 401) throws -> HessianDensityTable {
        guard points >= 2 else { throw NumericalError.invalidArgument("a density table needs ≥ 2 points, got \(points)") }
        let width = lambdaMax - lambdaMin
        let lo = lambdaMin - 0.025 * width, hi = lambdaMax + 0.025 * width
        let x = (0..<points).map { lo + (hi - lo) * Double($0) / Double(points - 1) }
        let rho = x.map(density)
        var cdf: [Double]
        if epsilon == 0 {
            cdf = x.map(wishart.cdf)
        } else {
            cdf = [0]
            var total = 0.0
            for i in 1..<points {
                for interval in support {
                    let a = max(interval.lowerBound, x[i - 1]), b = min(interval.upperBound, x[i])
                    if b > a {
                        total += try Quadrature.integrate(density, from: a, to: b,
                                                          absoluteTolerance: 1e-15, relativeTolerance: 1e-11)
                    }
                }
                cdf.append(min(1, total))
            }
        }
        return HessianDensityTable(x: x, rho: rho, cdf: cdf)
    }

    /// The full prediction for (φ, ε): index, ε_c, m₁…m₄, atoms, support, edges, density table.
    public func prediction(points: Int = 401) throws -> HessianPrediction {
        HessianPrediction(
            phi: phi, epsilon: epsilon, index: try index(),
            criticalEnergy: try Self.criticalEnergy(phi: phi),
            moments: (1...4).map(moment), atoms: atoms,
            support: support.map { SupportInterval(lower: $0.lowerBound, upper: $0.upperBound) },
            lambdaMin: lambdaMin, lambdaMax: lambdaMax, density: try densityTable(points: points))
    }
}
