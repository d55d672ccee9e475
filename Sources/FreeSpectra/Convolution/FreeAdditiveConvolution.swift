import ComplexModule
import Foundation
import RealModule

/// A measure that also knows G′(z), which makes Newton's method on the subordination
/// equations exact. Measures without it get a central difference.
public protocol CauchyTransformDifferentiable {
    /// G′(z) = −∫ dμ(x)/(z − x)² on the physical sheet.
    func cauchyTransformDerivative(_ z: Complex<Double>) -> Complex<Double>
}

/// The free additive convolution μ ⊞ ν: the limiting spectrum of A + B for large A, B in
/// general position (free), with spectra μ and ν.
///
/// Method: analytic subordination (Biane 1998; Belinschi–Bercovici 2007). With F = 1/G and
/// h(ω) = F(ω) − ω, there are analytic ω₁, ω₂ on the upper half-plane with
///
///     G_{μ⊞ν}(z) = G_μ(ω₁) = G_ν(ω₂),   ω₁ + ω₂ = z + 1/G_{μ⊞ν}(z),
///
/// so ω₁ is the fixed point of T_z(ω) = z + h_ν(z + h_μ(ω)). For Im z > 0, T_z maps the upper
/// half-plane into {Im ω ≥ Im z}; by Schwarz–Pick/Denjoy–Wolff the fixed point is unique
/// and attracting, which is the branch selection: no root of an algebraic equation has to
/// be picked. It is found by Newton's method on ω − T_z(ω) with step halving (falling back
/// to the plain iteration), continued from Im z large down to the requested Im z (which may
/// be 0, giving the boundary values G(x + i0) and the density −Im G(x + i0)/π).
///
/// Atoms: a ∈ ℝ is an atom of μ ⊞ ν iff a = a₁ + a₂ with μ({a₁}) + ν({a₂}) > 1, of mass
/// μ({a₁}) + ν({a₂}) − 1 (Bercovici–Voiculescu 1998). Moments are exact, from the sum of the
/// free cumulants of the moments of μ and ν. Derivation: Docs/theory-hessian.md §3.
///
/// Accuracy: with closed-form G′ (`CauchyTransformDifferentiable`) G is converged to
/// ~1e-14 relative away from the edges of the support; at a square-root edge the
/// subordination map degenerates (T′ = 1) and accuracy drops to ~√ε_machine.
public struct FreeAdditiveConvolution: SpectralMeasure {
    public let first: any SpectralMeasure
    public let second: any SpectralMeasure

    /// The subordination functions and the Cauchy transform at one point z.
    public struct Subordination: Sendable {
        public var omega1: Complex<Double>
        public var omega2: Complex<Double>
        public var cauchyTransform: Complex<Double>
    }

    public init(_ first: any SpectralMeasure, _ second: any SpectralMeasure) {
        self.first = first
        self.second = second
    }

    /// A length scale: 1 + √m₂(μ) + √m₂(ν).
    var scale: Double {
        1 + first.moment(2).squareRoot() + second.moment(2).squareRoot()
    }

    // MARK: G, h and their derivatives on either half-plane

    static func g(_ m: any SpectralMeasure, _ w: Complex<Double>) -> Complex<Double> {
        w.imaginary < 0 ? m.cauchyTransform(w.conjugate).conjugate : m.cauchyTransform(w)
    }

    static func gPrime(_ m: any SpectralMeasure, _ w: Complex<Double>) -> Complex<Double> {
        if let d = m as? any CauchyTransformDifferentiable {
            return w.imaginary < 0 ? d.cauchyTransformDerivative(w.conjugate).conjugate
                : d.cauchyTransformDerivative(w)
        }
        // Real-direction central difference, with a step well inside the distance to the axis.
        var step = 1e-5 * (1 + w.length)
        if w.imaginary != 0 { step = min(step, 0.05 * abs(w.imaginary)) }
        let delta = Complex(step)
        return (g(m, w + delta) - g(m, w - delta)) / Complex(2 * step)
    }

    /// h(ω) = 1/G(ω) − ω and h′(ω) = −G′/G² − 1.
    static func h(_ m: any SpectralMeasure, _ w: Complex<Double>) -> (Complex<Double>, Complex<Double>) {
        let gw = g(m, w)
        return (Complex(1) / gw - w, -gPrime(m, w) / (gw * gw) - Complex(1))
    }

    /// f(ω₁) = ω₁ − T_z(ω₁), its derivative, and ω₂.
    func residual(_ w1: Complex<Double>, _ z: Complex<Double>)
        -> (f: Complex<Double>, df: Complex<Double>, w2: Complex<Double>, tPrime: Complex<Double>)
    {
        let (h1, dh1) = Self.h(first, w1)
        let w2 = z + h1
        let (h2, dh2) = Self.h(second, w2)
        let tPrime = dh2 * dh1
        return (w1 - z - h2, Complex(1) - tPrime, w2, tPrime)
    }

    /// Newton on ω₁ − T_z(ω₁) = 0 from `start`; nil if it does not converge.
    func newton(_ z: Complex<Double>, from start: Complex<Double>, maxIterations: Int = 60)
        -> (omega1: Complex<Double>, tPrime: Complex<Double>)?
    {
        var w = start
        var r = residual(w, z)
        let tolerance = 4e-15 * (scale + z.length)
        for _ in 0..<maxIterations {
            if !r.f.isFinite { return nil }
            if r.f.length <= tolerance { return (w, r.tPrime) }
            var step = r.f / r.df
            if !step.isFinite { step = r.f }  // degenerate derivative: plain iteration step
            var accepted = false
            for _ in 0..<40 {
                let candidate = w - step
                // For Im z > 0 the fixed point lies in Im ω ≥ Im z: stay there.
                if z.imaginary > 0 && candidate.imaginary < z.imaginary * 0.5 {
                    step = step * Complex(0.5); continue
                }
                let rc = residual(candidate, z)
                if rc.f.isFinite && rc.f.length < r.f.length * (1 - 1e-4) + tolerance {
                    w = candidate; r = rc; accepted = true; break
                }
                step = step * Complex(0.5)
            }
            if !accepted {
                // Stagnation at round-off level counts as convergence.
                return r.f.length <= 1e3 * tolerance ? (w, r.tPrime) : nil
            }
        }
        return r.f.length <= 1e3 * tolerance ? (w, r.tPrime) : nil
    }

    /// The subordination functions at z (Im z ≥ 0; real z means z + i0).
    ///
    /// Continues from z + i·scale down to z in geometric steps of Im z, warm-starting Newton
    /// at each level, so the result is the analytic continuation of the physical branch.
    /// - Throws: `invalidArgument` for Im z < 0 or non-finite z; `didNotConverge` if Newton
    ///   fails at some level.
    public func subordination(at z: Complex<Double>) throws -> Subordination {
        guard z.isFinite, z.imaginary >= 0 else {
            throw NumericalError.invalidArgument("subordination needs finite z with Im z ≥ 0, got \(z)")
        }
        var eta = max(scale + abs(z.real), z.imaginary)
        var w = Complex(z.real, eta)
        var solved: (omega1: Complex<Double>, tPrime: Complex<Double>)?
        while true {
            let level = Complex(z.real, eta)
            // At the top level T is a strong contraction: a few plain iterations first.
            if solved == nil {
                for _ in 0..<20 { w = w - residual(w, level).f }
            }
            guard let s = newton(level, from: w) else {
                throw NumericalError.didNotConverge("free additive convolution: subordination at z = \(level)")
            }
            solved = s
            w = s.omega1
            if eta == z.imaginary {
                // On the real axis outside the support the fixed point is real; Newton stops
                // with Im ω₁ ~ 1e-13 left over from the continuation. Snap it when the real
                // point is an equally good, attracting (|T′| ≤ 1) fixed point.
                if z.imaginary == 0 { w = snappedToReal(w, z) }
                break
            }
            eta = eta * 0.25 > z.imaginary && eta * 0.25 > 1e-15 * scale ? eta * 0.25 : z.imaginary
        }
        return subordinationResult(w, z)
    }

    /// ω₁ with its imaginary part dropped when, on the real axis, the real point is an
    /// equally good attracting (|T′| ≤ 1) fixed point; otherwise ω₁ unchanged.
    func snappedToReal(_ w: Complex<Double>, _ z: Complex<Double>) -> Complex<Double> {
        guard w.imaginary != 0 else { return w }
        let snapped = Complex(w.real, 0)
        let r = residual(snapped, z), r0 = residual(w, z)
        if r.f.isFinite && r.f.length <= max(r0.f.length, 4e-15 * (scale + z.length)) * 10
            && r.tPrime.length <= 1 + 1e-9 {
            return snapped
        }
        return w
    }

    func subordinationResult(_ w1: Complex<Double>, _ z: Complex<Double>) -> Subordination {
        let w2 = z + Self.h(first, w1).0
        return Subordination(omega1: w1, omega2: w2, cauchyTransform: Self.g(first, w1))
    }

    /// G_{μ⊞ν}(z); NaN if the subordination iteration fails.
    public func cauchyTransform(_ z: Complex<Double>) -> Complex<Double> {
        (try? subordination(at: z).cauchyTransform) ?? Complex(.nan, .nan)
    }

    /// −Im G(x + i0)/π (atoms excluded); NaN if the iteration fails.
    public func density(_ x: Double) -> Double {
        guard let s = try? subordination(at: Complex(x, 0)) else { return .nan }
        return max(0, -s.cauchyTransform.imaginary / .pi)
    }

    /// Densities on an increasing grid, continuing ω₁ from one point to the next.
    ///
    /// A warm-started Newton solve is accepted when it lands strictly inside the upper
    /// half-plane (the fixed point there is unique) or on the real axis with |T′| ≤ 1 (the
    /// attracting, physical real fixed point); otherwise the point is redone by continuation
    /// in Im z.
    public func densities(on grid: [Double]) throws -> [Double] {
        var previous: Complex<Double>? = nil
        var result: [Double] = []
        result.reserveCapacity(grid.count)
        let tiny = 1e-12 * scale
        for x in grid {
            let z = Complex(x, 0)
            var w1: Complex<Double>? = nil
            if let p = previous, let s = newton(z, from: p, maxIterations: 30) {
                if s.omega1.imaginary > tiny || (s.omega1.imaginary >= -tiny && s.tPrime.length <= 1 + 1e-9) {
                    w1 = snappedToReal(s.omega1, z)
                }
            }
            if w1 == nil { w1 = try subordination(at: z).omega1 }
            previous = w1
            result.append(max(0, -Self.g(first, w1!).imaginary / .pi))
        }
        return result
    }

    /// Exact moments from κ_n(μ ⊞ ν) = κ_n(μ) + κ_n(ν).
    public func moment(_ k: Int) -> Double {
        precondition(k >= 0, "moment order must be ≥ 0")
        if k == 0 { return 1 }
        let mu = (1...k).map { first.moment($0) }, nu = (1...k).map { second.moment($0) }
        let kMu = FreeCumulants.freeCumulants(fromMoments: mu)
        let kNu = FreeCumulants.freeCumulants(fromMoments: nu)
        return FreeCumulants.moments(fromFreeCumulants: zip(kMu, kNu).map { $0 + $1 })[k - 1]
    }

    /// Bercovici–Voiculescu: atoms at a₁ + a₂ with mass μ({a₁}) + ν({a₂}) − 1 when positive.
    public var atoms: [Atom] {
        var result: [Atom] = []
        for a in first.atoms {
            for b in second.atoms where a.mass + b.mass > 1 {
                result.append(Atom(location: a.location + b.location, mass: a.mass + b.mass - 1))
            }
        }
        return result.sorted { $0.location < $1.location }
    }

    /// The support, by `supportIntervals()`; empty if that fails.
    public var support: [ClosedRange<Double>] { (try? supportIntervals()) ?? [] }

    /// The support of the continuous part: the density is scanned on `gridCount` points of
    /// the hull [inf supp μ + inf supp ν, sup supp μ + sup supp ν] (atoms included) and each
    /// sign change of "ρ > 0" is refined by 60 bisections.
    ///
    /// Components narrower than the grid spacing can be missed; edges are accurate to the
    /// bisection width (≈ 1e-15 of the hull) where the density vanishes like a square root.
    public func supportIntervals(gridCount: Int = 1000) throws -> [ClosedRange<Double>] {
        func hull(_ m: any SpectralMeasure) -> (Double, Double) {
            let points = m.support.flatMap { [$0.lowerBound, $0.upperBound] } + m.atoms.map(\.location)
            return (points.min() ?? 0, points.max() ?? 0)
        }
        let (a1, b1) = hull(first), (a2, b2) = hull(second)
        let lo = a1 + a2, hi = b1 + b2
        guard hi > lo, gridCount >= 3 else { return [] }
        let margin = 1e-3 * (hi - lo)
        let grid = (0..<gridCount).map { lo - margin + (hi - lo + 2 * margin) * Double($0) / Double(gridCount - 1) }
        let rho = try densities(on: grid)
        let threshold = 1e-12 * (rho.max() ?? 0)
        func inside(_ x: Double) -> Bool { density(x) > threshold }
        func refine(_ left: Double, _ right: Double) -> Double {  // inside(left) != inside(right)
            var l = left, r = right
            let leftInside = inside(l)
            for _ in 0..<60 {
                let m = 0.5 * (l + r)
                if inside(m) == leftInside { l = m } else { r = m }
            }
            return 0.5 * (l + r)
        }
        var intervals: [ClosedRange<Double>] = []
        var start: Double? = nil
        for i in 0..<grid.count {
            let isIn = rho[i] > threshold
            if isIn && start == nil {
                start = i == 0 ? grid[0] : refine(grid[i - 1], grid[i])
            } else if !isIn, let s = start {
                intervals.append(s...refine(grid[i - 1], grid[i]))
                start = nil
            }
        }
        if let s = start { intervals.append(s...grid[grid.count - 1]) }
        return intervals
    }
}
