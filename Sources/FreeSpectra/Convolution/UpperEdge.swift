import ComplexModule
import Foundation
import RealModule

extension FreeMultiplicativeProduct {
    /// The upper edge of the support: λ_max and the real state there.
    public struct Edge: Sendable {
        /// log λ_max (λ_max itself can overflow for deep networks off criticality).
        public let logLocation: Double
        /// λ_max.
        public var location: Double { exp(logLocation) }
        /// The real solution (w_e, u_e) at the edge.
        public let state: State
        /// d²(log z)/dw² at the edge (0 when the edge is a limit point, see `isRegular`).
        public let curvature: Double
        /// True when λ_max is a critical point of z(w) on the real axis (a square-root edge);
        /// false when z(w) is monotone and the edge is the image of the top of the slope laws
        /// (a single orthogonal layer: J Jᵀ = σ_w² D²).
        public let isRegular: Bool
    }

    /// u_k(w) for real w > 0: the root of M_k(u) = w above the top of the law's support,
    /// where M_k decreases from +∞ (or its finite limit) to 0. Safeguarded Newton in
    /// log(u − top).
    func realInverse(_ k: Int, w: Double) throws -> (u: Double, mPrime: Double) {
        let law = slopeGroups[k].law
        let top = law.supportHull.upperBound
        func m(_ u: Double) -> (Double, Double) {
            let r = law.momentTransform(Complex(u, 0))
            return (r.value.real, r.derivative.real)
        }
        // Bracket in t = log(u − top): M decreasing in t.
        var lo = Foundation.log(top) - 40, hi = Foundation.log(max(2 * law.moments[0] / w, top) + 1)
        while m(top + exp(hi)).0 > w { hi += 2; if hi > 700 { throw NumericalError.didNotConverge("inverse of M_{D²} at w = \(w)") } }
        if m(top + exp(lo)).0 < w {
            // M stays finite at the top edge and w lies beyond its range.
            throw NumericalError.noSolution("w = \(w) beyond the range of M_{D²} above its support")
        }
        var t = 0.5 * (lo + hi)
        for _ in 0..<200 {
            let u = top + exp(t)
            let (value, slope) = m(u)
            if value > w { lo = t } else { hi = t }
            // Newton in t: dM/dt = M′(u)(u − top).
            var next = t - (value - w) / (slope * (u - top))
            if !(next > lo && next < hi) || !next.isFinite { next = 0.5 * (lo + hi) }
            if abs(next - t) < 1e-15 * max(1, abs(t)) || hi - lo < 1e-15 * max(1, abs(t)) {
                t = next; break
            }
            t = next
        }
        let u = top + exp(t)
        return (u, m(u).1)
    }

    /// log z(w) and d log z/dw for real w > 0 on the real branch above the support.
    func realLogZ(_ w: Double) throws -> (logZ: Double, derivative: Double, state: State) {
        let n = Double(depth), g = Double(gaussianCount)
        var value = (1 - n + g) * Foundation.log(1 + w) + (n - 1) * Foundation.log(w) + logSigmaSquaredSum
        var derivative = (1 - n + g) / (1 + w) + (n - 1) / w
        var us: [Complex<Double>] = []
        for (k, group) in slopeGroups.enumerated() {
            let (u, mPrime) = try realInverse(k, w: w)
            value += Double(group.count) * Foundation.log(u)
            derivative += Double(group.count) / (u * mPrime)
            us.append(Complex(u, 0))
        }
        return (value, derivative, State(w: Complex(w, 0), u: us))
    }

    /// Finds λ_max as the minimum of z(w) over real w > 0 (z → ∞ as w → 0⁺; the first
    /// critical point is the edge), by a geometric scan for the sign change of d log z/dw
    /// and GSL's Brent solver in log w.
    ///
    /// - Throws: `didNotConverge` if the root finder fails.
    public func upperEdge() throws -> Edge {
        var previous = -30.0
        var previousDerivative = try realLogZ(exp(previous)).derivative
        var bracket: (Double, Double)?
        var t = previous
        var lastGood = previous
        while t < 60 {
            t += 0.25
            guard let d = try? realLogZ(exp(t)).derivative, d.isFinite else { break }
            lastGood = t
            if previousDerivative < 0 && d >= 0 { bracket = (previous, t); break }
            previous = t; previousDerivative = d
        }
        guard let (a, b) = bracket else {
            // z(w) decreases all the way: the edge is the limit as w → ∞ (top of the slope laws).
            let state = try realLogZ(exp(lastGood)).state
            let top = slopeGroups.reduce(logSigmaSquaredSum) { $0 + Double($1.count) * Foundation.log($1.law.supportHull.upperBound) }
            return Edge(logLocation: top, state: state, curvature: 0, isRegular: false)
        }
        let tEdge = try RootFinding.brent({ (try? self.realLogZ(exp($0)).derivative) ?? .nan }, in: a, b, relativeTolerance: 1e-15)
        let wEdge = exp(tEdge)
        let (logZ, _, state) = try realLogZ(wEdge)
        let h = 1e-4 * wEdge
        let curvature = (try realLogZ(wEdge + h).derivative - realLogZ(wEdge - h).derivative) / (2 * h)
        return Edge(logLocation: logZ, state: state, curvature: curvature, isRegular: true)
    }
}
