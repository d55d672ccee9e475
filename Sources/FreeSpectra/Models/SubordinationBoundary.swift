import ComplexModule
import Foundation
import RealModule

/// The root finding shared by the Gram and Hessian laws (`NonlinearGram`, `LossHessian`).
///
/// Both laws are read off a subordination function ω(z): G(z) is a closed form in ω, and z is
/// an explicit function Z(ω). On the real axis ω(x + i0) lies on the boundary of the domain
/// {Im Z(ω) > 0}, which (Biane's argument) is a graph over Re ω: for each u = Re ω the
/// boundary height v = Im ω is the unique root of a function decreasing in v, and x = Re Z
/// increases with u along it. So every quantity is found by one-dimensional solves on monotone
/// functions with a bracket, never by choosing among the roots of a polynomial.
///
/// The brackets span many scales (an edge at 1e-40 next to a bulk at 4, a bump of width 1e-162
/// around 0), so the bisection steps halve the count of doubles in the bracket, not its
/// width: a bracket is exhausted in at most 64 of them whatever its scale.
///
/// Goals, in order: (1) every loop has a fixed bound and a bound reached is a thrown error
/// that names it; (2) every solve is bracketed on a monotone function, so the root found is
/// the only one; (3) brackets are narrowed to a few doubles.
enum SubordinationBoundary {
    /// Iterations of one solve: every second step at most halves the number of doubles in the
    /// bracket, and there are fewer than 2⁶⁴ doubles, so 200 steps end any bracket.
    static let solveIterations = 200

    /// Doubles as ordered integers: consecutive doubles differ by 1, −0 and +0 are both 0.
    static func ordinal(_ x: Double) -> Int64 {
        if x == 0 { return 0 }
        return x > 0 ? Int64(bitPattern: x.bitPattern) : -Int64(bitPattern: (-x).bitPattern)
    }

    static func double(ordinal n: Int64) -> Double {
        n >= 0 ? Double(bitPattern: UInt64(n)) : -Double(bitPattern: UInt64(-n))
    }

    /// The number of doubles from a to b (a ≤ b), saturating.
    static func distance(_ a: Double, _ b: Double) -> UInt64 {
        let oa = ordinal(a), ob = ordinal(b)
        return oa >= 0 || ob <= 0 ? UInt64(ob - oa) : UInt64(ob) + UInt64(-oa)
    }

    /// A root of f between a and b, where fa = f(a) and fb = f(b) differ in sign: Illinois
    /// (regula falsi with the halving of a retained end's value) with a bisection of the
    /// ordinal bracket after every step that does not halve it, so it is exact at any scale —
    /// a root at 1e-40 in a bracket of width 4, or at 0, is found to `ulps` doubles. Without a
    /// sign change (or with NaN) the end where |f| is smaller.
    static func solve(_ f: (Double) -> Double, _ a: Double, _ fa: Double, _ b: Double, _ fb: Double, ulps: UInt64 = 4) -> Double {
        if fa == 0 { return a }
        if fb == 0 { return b }
        guard (fa > 0) != (fb > 0), !fa.isNaN, !fb.isNaN else { return abs(fa) <= abs(fb) ? a : b }
        var (lo, flo, hi, fhi) = a < b ? (a, fa, b, fb) : (b, fb, a, fa)
        let positiveAtHigh = fhi > 0
        var side = 0, bisect = false
        for _ in 0..<solveIterations {
            let before = distance(lo, hi)
            if before <= ulps { break }
            let middle = double(ordinal: ordinal(lo) / 2 + ordinal(hi) / 2)
            var c = bisect ? middle : (lo * fhi - hi * flo) / (fhi - flo)
            if !(c > lo && c < hi) { c = middle > lo && middle < hi ? middle : lo + (hi - lo) / 2 }
            guard c > lo && c < hi else { break }
            let fc = f(c)
            if fc == 0 || fc.isNaN { return c }
            if (fc > 0) == positiveAtHigh {
                hi = c; fhi = fc
                if side == -1 { flo /= 2 }
                side = -1
            } else {
                lo = c; flo = fc
                if side == 1 { fhi /= 2 }
                side = 1
            }
            bisect = !bisect && distance(lo, hi) > before / 2
        }
        return lo + (hi - lo) / 2
    }

    /// The offset d > 0 at which `excess(d)`, decreasing in d and +∞ as d → 0⁺, changes sign
    /// (a support edge, at offset d from a singular point of the law).
    ///
    /// Below d = 1e-300 the edge is the singular point itself to Double precision (returned as
    /// 1e-300). `dMax`, if given, bounds d and excess(dMax) must be < 0; otherwise d grows from
    /// 1 by ×10³ until excess < 0, at most 110 times (past every double).
    /// - Throws: `didNotConverge` naming `what` if no sign change is found.
    static func edgeOffset(_ excess: (Double) -> Double, below dMax: Double?, what: @autoclosure () -> String) throws -> Double {
        let dLow = 1e-300
        let fLow = excess(dLow)
        if fLow <= 0 { return dLow }
        var dHigh = dMax ?? 1
        var fHigh = excess(dHigh)
        var steps = 0
        while fHigh >= 0 || fHigh.isNaN {
            guard dMax == nil, steps < 110, dHigh.isFinite else {
                throw NumericalError.didNotConverge("\(what()): the edge condition does not change sign (offset up to \(dHigh))")
            }
            dHigh *= 1e3; steps += 1
            fHigh = excess(dHigh)
        }
        return solve(excess, dLow, fLow, dHigh, fHigh)
    }

    /// The boundary height v ≥ 0 at one abscissa: the root of `excess(v)`, decreasing in v,
    /// given that excess(vMax) ≤ 0 (doubled up to 10 times if rounding says otherwise). Where
    /// excess is still ≤ 0 at the smallest normal double the height is 0 to Double precision
    /// (ω = u + i0, and G is its boundary value).
    ///
    /// `hint` (the height at a nearby abscissa) first tries the bracket [hint/2, 2·hint],
    /// widened ×4 at most 4 times, which saves most of the solve along a boundary.
    static func height(below vMax: Double, hint: Double? = nil, _ excess: (Double) -> Double) -> Double {
        if let h = hint, h > Double.leastNormalMagnitude, h < vMax {
            var lo = h / 2, hi = min(2 * h, vMax)
            var fLo = excess(lo), fHi = excess(hi)
            for _ in 0..<4 where !(fLo > 0 && fHi <= 0) {
                if !(fLo > 0) { lo = max(lo / 4, Double.leastNormalMagnitude); fLo = excess(lo) }
                if fHi > 0 { hi = min(hi * 4, vMax); fHi = excess(hi) }
            }
            if fLo > 0 && fHi <= 0 { return solve(excess, lo, fLo, hi, fHi, ulps: 16) }
        }
        var vHigh = vMax, fHigh = excess(vHigh)
        for _ in 0..<10 where fHigh > 0 {
            vHigh *= 2
            fHigh = excess(vHigh)
        }
        if fHigh >= 0 { return vHigh }
        let vLow = Double.leastNormalMagnitude
        let fLow = excess(vLow)
        if !(fLow > 0) { return 0 }
        return solve(excess, vLow, fLow, vHigh, fHigh, ulps: 16)
    }

    /// u in [uLow, uHigh] with map(u) = x, for `map` increasing with map(uLow) = xLow ≤ x ≤
    /// xHigh = map(uHigh), to 4 doubles. A `guess` inside the bracket (the next point of a
    /// sweep) splits it first, which along an evenly spaced grid leaves a short bracket.
    static func abscissa(of x: Double, from uLow: Double, _ xLow: Double, to uHigh: Double, _ xHigh: Double,
                         guess: Double? = nil, _ map: (Double) -> Double) -> Double {
        var (a, fa, b, fb) = (uLow, xLow - x, uHigh, xHigh - x)
        if let g = guess, g > a, g < b {
            let fg = map(g) - x
            if fg == 0 { return g }
            if fg > 0 { (b, fb) = (g, fg) } else { (a, fa) = (g, fg) }
        }
        return solve({ map($0) - x }, a, fa, b, fb)
    }

    /// Where x lies relative to support intervals [lower_i, upper_i] (increasing, disjoint).
    enum Location: Equatable {
        case below
        /// Inside interval i (strictly).
        case inside(Int)
        /// At or above upper_i and at or below lower_{i+1} (or above everything for the last).
        case after(Int)
    }

    static func locate(_ x: Double, in intervals: [(lower: Double, upper: Double)]) -> Location {
        if x <= intervals[0].lower { return .below }
        for (i, b) in intervals.enumerated() {
            if x < b.upper { return .inside(i) }
            if i + 1 == intervals.count || x <= intervals[i + 1].lower { return .after(i) }
        }
        return .after(intervals.count - 1)
    }

    /// ω in the upper half-plane with map(ω) = z (Im z > 0), by Newton's method continued from
    /// Im z = `height` (where ω ≈ start(z)) down to Im z in steps of ×1/4, at most 60 of them
    /// (then straight to Im z), each with ≤ 60 Newton steps halved ≤ 30 times while the residual
    /// does not fall or ω leaves the upper half-plane.
    /// - Throws: `didNotConverge` if a level does not converge.
    static func subordination(at z: Complex<Double>, height: Double, start: (Complex<Double>) -> Complex<Double>,
                              _ map: (Complex<Double>) -> (value: Complex<Double>, derivative: Complex<Double>)) throws -> Complex<Double> {
        var y = max(height, z.imaginary)
        var omega = start(Complex(z.real, y))
        for level in 0...61 {
            let target = Complex(z.real, y)
            let tolerance = 8 * Double.ulpOfOne * max(target.length, 1)
            var r = map(omega)
            var converged = false
            for _ in 0..<60 {
                let residual = r.value - target
                if residual.length <= tolerance { converged = true; break }
                var step = residual / r.derivative
                if !step.isFinite { break }
                var accepted = false
                for _ in 0..<30 {
                    let candidate = omega - step
                    if candidate.imaginary > 0 {
                        let rc = map(candidate)
                        if rc.value.isFinite, (rc.value - target).length < residual.length {
                            omega = candidate; r = rc; accepted = true; break
                        }
                    }
                    step = step * Complex(0.5)
                }
                if !accepted { converged = (r.value - target).length <= 1e3 * tolerance; break }
            }
            guard converged else {
                throw NumericalError.didNotConverge("subordination at z = \(z): Newton's method did not converge at height \(y)")
            }
            if y == z.imaginary { return omega }
            y = level < 60 ? max(z.imaginary, y / 4) : z.imaginary
        }
        return omega
    }
}
