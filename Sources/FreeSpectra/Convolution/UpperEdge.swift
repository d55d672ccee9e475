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
        /// d²(log z)/dw² at the edge (0 when the edge is a limit point, see `isRegular`); may
        /// overflow where w is pinned to a tiny v (see `scaledCurvature`).
        public var curvature: Double { scaledCurvature / (curvatureScale * curvatureScale) }
        /// d²(log z)/dw² · s² with s = `curvatureScale` the size of the real coordinate at the
        /// edge (|v| when w sits next to −1/ρ*): finite where the curvature itself is not
        /// (orthogonal hard-tanh at q* = 1e-3: v ~ 4e-219 and Φ″ ~ 1/v²).
        public let scaledCurvature: Double
        public let curvatureScale: Double
        /// True when λ_max is a critical point of z(w) on the real axis (a square-root edge);
        /// false when z(w) is monotone and the edge is the image of the top of the slope laws
        /// (a single orthogonal layer: J Jᵀ = σ_w² D²).
        public let isRegular: Bool
        /// For a non-regular edge: log z = log λ_max + c₁ s + c₂ s² + O(s³) in s = 1/w → 0⁺.
        /// With c₁ = 0 (the weights of the atoms at the tops balance, e.g. two orthogonal ReLU
        /// layers; or a slope law whose density diverges at its top, e.g. one orthogonal tanh
        /// layer) the edge is a square-root branch point in s: just below λ_max,
        /// s ≈ i √(δ/c₂), so w ~ −i δ^{−1/2} and the density has an inverse-square-root edge.
        public var inverseWExpansion: (c1: Double, c2: Double)? = nil
        /// The scale of log λ below the edge: min(1, 10 (log λ_max − log m₁)), ten times the
        /// distance of the edge from the mean (1 when atoms sit above the continuous part, and for
        /// any spectrum wider than a tenth of an e-fold). A concentrated spectrum (orthogonal
        /// weights and slopes of spread ε: ~√L ε) is that narrow in log λ; the walk's and the
        /// skeleton's steps and tolerances, written for spectra spanning decades, are measured in
        /// this unit.
        public var logScale: Double = 1

        init(logLocation: Double, state: State, curvature: Double, isRegular: Bool) {
            self.init(logLocation: logLocation, state: state, scaledCurvature: curvature, curvatureScale: 1, isRegular: isRegular)
        }

        init(logLocation: Double, state: State, scaledCurvature: Double, curvatureScale: Double, isRegular: Bool) {
            self.logLocation = logLocation
            self.state = state
            self.scaledCurvature = scaledCurvature
            self.curvatureScale = curvatureScale
            self.isRegular = isRegular
        }
    }

    /// log of Σ σ_w² products times the tops of the slope laws: the image of w → ∞, an upper
    /// bound of the spectrum (its edge when z(w) is monotone, or an atom's location). A
    /// concentrated law's top enters as log a + log(1 + sup Y), which log(sup D²) gives only
    /// to ε while the spectrum's spread may be far below that.
    var logTopOfSlopeLaws: Double {
        logImageOfInfinity(relativeLogAnchors: slopeGroups.map { group in
            group.law.concentration.map { Foundation.log1p($0.top) } ?? Foundation.log(group.law.supportHull.upperBound)
        })
    }

    /// u_k(w) for real w > 0: the root of M_k(u) = w above the top of the law's support,
    /// where M_k decreases from +∞ (or its finite limit) to 0, and for a concentrated law its
    /// offset ν_k = u_k/a − 1. Safeguarded Newton in t = log((u − top)/a) (a = 1 for the others),
    /// with u − top = a(ν − sup Y) formed from the offsets where the law has them.
    func realInverse(_ k: Int, w: Double) throws -> (u: Double, offset: Double?, mPrime: Double) {
        let law = slopeGroups[k].law
        let top = law.supportHull.upperBound
        let concentration = law.concentration
        let unit = concentration?.center ?? 1
        func point(_ t: Double) -> (u: Double, offset: Double?) {
            guard let c = concentration else { return (top + exp(t), nil) }
            let nu = c.top + exp(t)
            return (c.center * (1 + nu), nu)
        }
        func m(_ t: Double) -> (Double, Double) {
            let p = point(t)
            let r = law.transform(Complex(p.u, 0), offset: p.offset.map { Complex($0, 0) })
            return (r.value.real, r.derivative.real)
        }
        // Bracket in t: M decreasing in t; the lower end 40 e-folds below the top (plain) or below
        // the law's spread (concentrated), the upper where M ≈ μ₁/(u − top) is below w. A plain
        // law's u = top + e^t must stay 64 ulps above the top: at e^-40·top, u rounds to the top
        // itself, where the pole sums give no M at all (−4e15 for tanh at q = 0.0033, which
        // made w = 0.0018 look beyond the range).
        var lo = concentration.map { Foundation.log(max($0.radius, .ulpOfOne)) - 40 }
            ?? Foundation.log(max(top * exp(-40), 64 * top.ulp))
        var hi = Foundation.log(max(2 * law.moments[0] / w, top) / unit + 1)
        while m(hi).0 > w { hi += 2; if hi > 700 { throw NumericalError.didNotConverge("inverse of M_{D²} at w = \(w)") } }
        if m(lo).0 < w {
            // M stays finite at the top edge and w lies beyond its range.
            throw NumericalError.noSolution("w = \(w) beyond the range of M_{D²} above its support")
        }
        var t = 0.5 * (lo + hi)
        for _ in 0..<200 {
            let (value, slope) = m(t)
            if value > w { lo = t } else { hi = t }
            // Newton in t: dM/dt = M′(u) · a e^t.
            var next = t - (value - w) / (slope * unit * exp(t))
            if !(next > lo && next < hi) || !next.isFinite { next = 0.5 * (lo + hi) }
            if abs(next - t) < 1e-15 * max(1, abs(t)) || hi - lo < 1e-15 * max(1, abs(t)) {
                t = next; break
            }
            t = next
        }
        let p = point(t)
        return (p.u, p.offset, m(t).1)
    }

    /// The terms of log z and d log z/dw that do not involve the u_k/a_k, at real w with
    /// v = 1 + ρ* w: the anchored constant and the real parts of `shiftPart` (the imaginary
    /// parts ±iπ of negative arguments cancel on the branches where this is used, which callers
    /// check).
    func realShiftPart(w: Double, v: Double) -> (value: Double, derivative: Double) {
        let shifts = shiftPart(State(w: Complex(w, 0), v: Complex(v, 0), u: [], ratio: bottomRatio, centers: []))
        return (anchoredConstant + shifts.value.real, shifts.derivative.real)
    }

    /// log(u_k/a_k) for a real point of the branch (see `logURelative`).
    private func realLogU(_ k: Int, u: Double, offset: Double?) -> Double {
        guard let nu = offset, let c = slopeGroups[k].law.concentration else { return Foundation.log(u) }
        return abs(nu) < 0.5 ? Foundation.log1p(nu) : Foundation.log(u / c.center)
    }

    /// log z(w) and d log z/dw for real w > 0 on the real branch above the support.
    func realLogZ(_ w: Double) throws -> (logZ: Double, derivative: Double, state: State) {
        var (value, derivative) = realShiftPart(w: w, v: 1 + bottomRatio * w)
        var us: [Complex<Double>] = [], offsets: [Double?] = []
        for (k, group) in slopeGroups.enumerated() {
            let (u, offset, mPrime) = try realInverse(k, w: group.ratio * w)
            value += Double(group.count) * realLogU(k, u: u, offset: offset)
            derivative += Double(group.count) * group.ratio / (u * mPrime)
            us.append(Complex(u, 0))
            offsets.append(offset)
        }
        var s = state(w: Complex(w, 0), u: us)
        for (k, offset) in offsets.enumerated() { if let nu = offset { s.setOffset(k, Complex(nu, 0)) } }
        return (value, derivative, s)
    }

    /// Finds λ_max as the minimum of z(w) over real w > 0 (z → ∞ as w → 0⁺; the first
    /// critical point is the edge), by a geometric scan for the sign change of d log z/dw
    /// and GSL's Brent solver in log w.
    ///
    /// - Throws: `didNotConverge` if the root finder fails.
    public func upperEdge() throws -> Edge {
        // An atom at the top (see `continuousEdgeBelowTopAtom`) is looked for first: above it
        // z(w) only tends to the atom as w → ∞, and the scan below could take rounding noise
        // of that flat tail for a critical point.
        if let below = continuousEdgeBelowTopAtom() { return below }
        var edge = try continuousUpperEdge()
        if let logM1 = try? normalizedMoments(count: 1).logFirstMoment, edge.logLocation > logM1 {
            edge.logScale = min(1, 10 * (edge.logLocation - logM1))
        }
        return edge
    }

    /// λ_max of a continuous part with no atom above it (see `upperEdge`).
    private func continuousUpperEdge() throws -> Edge {
        // d log z/dw ≈ −1/w as w → 0⁺, and the edge of an L-layer product sits near w ~ 1/L:
        // the scan starts a few e-folds below that (a quarter of the work at L = 1000), and
        // from w = e⁻³⁰ if z(w) is already rising there.
        var previous = min(-5, -Foundation.log(Double(depth)) - 4)
        var previousDerivative = try realLogZ(exp(previous)).derivative
        if !(previousDerivative < 0) {
            previous = -30
            previousDerivative = try realLogZ(exp(previous)).derivative
        }
        var bracket: (Double, Double)?
        var t = previous
        let wLimit = Foundation.log(1e6 * largeWScale)
        var rangeEnd: Double? = nil
        while t < wLimit {
            t += 0.25
            guard let d = try? realLogZ(exp(t)).derivative, d.isFinite else { rangeEnd = t; break }
            // d = 0 exactly happens when the lattice hits the edge (linear Gaussian: w = 1/L);
            // the bracket then shrinks to that point.
            if previousDerivative < 0 && d >= 0 { bracket = (d == 0 ? t : previous, t); break }
            previous = t; previousDerivative = d
        }
        if bracket == nil, let end = rangeEnd {
            // M_k stays finite at the top of a slope law (a smooth law cut where its Gaussian
            // weight is 2e-19, e.g. GELU at small q) and z(w) is still falling where w leaves
            // the range of M_k: the edge is the image of u_k = top, w = M_k(top)/ρ_k.
            return try edgeAtEndOfRange(solvable: end - 0.25, unsolvable: end)
        }
        // z(w) decreases all the way: the edge is the limit as w → ∞ (top of the slope laws).
        // A sign change at w ≥ 10⁶ (in units of `largeWScale`) is the same edge: there log z is
        // flat to ~c₂/w² and the derivative's sign is rounding noise (two orthogonal ReLU
        // layers: c₁ = 0 exactly).
        guard let (a, b) = bracket, b < wLimit else { return try edgeAtInfinity() }
        let tEdge = a == b
            ? b : try RootFinding.brent({ (try? self.realLogZ(exp($0)).derivative) ?? .nan }, in: a, b, relativeTolerance: 1e-15)
        let wEdge = exp(tEdge)
        let (logZ, _, state) = try realLogZ(wEdge)
        let h = 1e-4 * wEdge
        let curvature = (try realLogZ(wEdge + h).derivative - realLogZ(wEdge - h).derivative) / (2 * h)
        return Edge(logLocation: logZ, state: state, curvature: curvature, isRegular: true)
    }

    /// How large w must be to count as large: 1, or 1/(the smallest relative spread of a
    /// concentrated slope law). Near a law of spread ε, M(u) ~ 1/ν runs up to ~1/ε before u
    /// meets the support: the upper edge of an orthogonal product of such laws sits at
    /// w ~ 1/(ε√L) (tanh at q* = 1e-8, L = 30: w_e = 7·10⁶, where a scan stopped at 10⁶ took the
    /// edge for one at w = ∞, 0.6 of the spectrum's width too high).
    var largeWScale: Double {
        1 / slopeGroups.reduce(1.0) { min($0, max($1.law.concentration?.radius ?? 1, 1e-300)) }
    }

    /// The edge as the image of w = ∞ (z(w) monotone on w > 0), with the expansion of log z in
    /// s = 1/w fitted from two real solutions at s = h and 2h (h = 10⁻⁴/L in units of
    /// `largeWScale`: the terms of log z are L log(1 + O(s))): f(s) = log z − log λ_max =
    /// c₁ s + c₂ s² + O(s³), so c₂ = (f(2h) − 2f(h))/(2h²) and c₁ = (f(h) − c₂h²)/h, each good to O(h).
    func edgeAtInfinity() throws -> Edge {
        let logTop = logTopOfSlopeLaws
        let h = 1e-4 / (Double(depth) * largeWScale)
        let near = try realLogZ(1 / h), far = try realLogZ(1 / (2 * h))
        let f1 = near.logZ - logTop, f2 = far.logZ - logTop
        let c2 = (f2 - 2 * f1) / (2 * h * h)
        let c1 = (f1 - c2 * h * h) / h
        var edge = Edge(logLocation: logTop, state: near.state, curvature: 0, isRegular: false)
        if c2 > 0 && c2.isFinite && c1.isFinite { edge.inverseWExpansion = (c1, c2) }
        return edge
    }

    /// The edge at the largest w on the real branch, between log w = `solvable` and
    /// `unsolvable` (bisection to 1e-13 in log w); not a critical point of z(w).
    func edgeAtEndOfRange(solvable: Double, unsolvable: Double) throws -> Edge {
        var lo = solvable, hi = unsolvable
        var last = try realLogZ(exp(lo))
        while hi - lo > 1e-13 * max(1, abs(lo)) {
            let mid = 0.5 * (lo + hi)
            if let r = try? realLogZ(exp(mid)) { lo = mid; last = r } else { hi = mid }
        }
        return Edge(logLocation: last.logZ, state: last.state, curvature: 0, isRegular: false)
    }

    /// A real point of the branch: w, and v = 1 + ρ* w to full relative accuracy. The real
    /// walks below (gaps, the band below a top atom) move in whichever of w and v is small
    /// enough to be known to full relative accuracy (v when |v| < 0.5, as in `State`): near
    /// v = 0, 1 + ρ* w formed from w keeps only |v|/|w| of its digits (orthogonal hard-tanh at
    /// q* = 1/64: v ~ −2e-14 at the edge of the continuous part).
    struct RealCoordinate {
        let inV: Bool
        let ratio: Double
        func point(_ c: Double) -> (w: Double, v: Double) { inV ? ((c - 1) / ratio, c) : (c, 1 + ratio * c) }
        /// dw per unit of the coordinate.
        var dwPerUnit: Double { inV ? 1 / ratio : 1 }
    }

    func coordinate(at state: State) -> (coordinate: RealCoordinate, value: Double) {
        let inV = state.v.length < 0.5
        return (RealCoordinate(inV: inV, ratio: bottomRatio), inV ? state.v.real : state.w.real)
    }

    /// log z and d log z/dw along the real branch through `state` at the real point (w, v),
    /// with each u_k found by Newton's method from the state's own u_k (so it stays on that
    /// branch). Near v = 0 the slope equations are solved as 1 + M_k(u_k) = 1 + ρ_k w, both
    /// sides to full relative accuracy, as in `residual`.
    func localRealLogZ(_ w: Double, from state: State) -> (logZ: Double, derivative: Double, state: State)? {
        localRealLogZ(w: w, v: 1 + bottomRatio * w, from: state)
    }

    func localRealLogZ(w: Double, v: Double, from state: State) -> (logZ: Double, derivative: Double, state: State)? {
        var point = self.state(w: Complex(w, 0), v: Complex(v, 0), u: state.u)
        // w < −1 is allowed (between the continuous part and an atom at the top, see
        // `continuousEdgeBelowTopAtom`): with orthogonal weights the arguments ±iπ of the
        // logarithms cancel and z stays real.
        guard w != 0 || logWCoefficient == 0, shiftTerms.allSatisfy({
            let x = point.onePlus($0.ratio).real
            return x != 0 && (x > 0 || gaussianCount == 0)
        }) else { return nil }
        var (value, derivative) = realShiftPart(w: w, v: v)
        let useComplement = abs(v) < 0.5
        for (k, group) in slopeGroups.enumerated() {
            // Newton in ν = u/a − 1 near the centre of a concentrated law, in u elsewhere.
            let unit = group.law.concentration?.center ?? 1
            var inOffset = false
            var c = state.u[k].real
            if let nu = state.offset(k), nu.length < 0.5 { inOffset = true; c = nu.real }
            func u(_ c: Double) -> Double { inOffset ? unit * (1 + c) : c }
            var mPrime = 0.0
            var converged = false
            let target = useComplement ? point.onePlus(group.ratio).real : group.ratio * w
            for _ in 0..<100 {
                let m = group.law.transform(Complex(u(c), 0), offset: inOffset ? Complex(c, 0) : nil)
                mPrime = m.derivative.real
                let residual = (useComplement ? m.complement.real : m.value.real) - target
                // Converged at the rounding level of M (the step can stall at a few ulps of u).
                if abs(residual) <= 4 * .ulpOfOne * abs(target) { converged = true; break }
                let step = residual / (mPrime * (inOffset ? unit : 1))
                // u stays positive (the slope laws live on [0, ∞)): a step past 0 is cut short.
                let floor = inOffset ? -1.0 : 0
                let next = c - step > floor ? c - step : 0.5 * (c + floor)
                let moved = abs(next - c)
                c = next
                if moved <= 1e-15 * abs(c) { converged = true; break }
            }
            guard converged, u(c) > 0 else { return nil }
            if inOffset { point.setOffset(k, Complex(c, 0)) } else { point.setU(k, Complex(c, 0)) }
            value += Double(group.count) * realLogU(k, u: u(c), offset: point.offset(k)?.real)
            derivative += Double(group.count) * group.ratio / (u(c) * mPrime)
        }
        return (value, derivative, point)
    }

    /// The upper edge of the continuous part when the top of the spectrum is an atom
    /// (orthogonal weights and slope laws with an atom at their top, e.g. hard-tanh with
    /// L(1 − p) < 1, where the atom at σ_w^{2L} carries 1 − L(1 − p)).
    ///
    /// Between the continuous part and the atom a, M(z) is real and runs from its value at
    /// the edge down to −∞ (the atom's term m_a a/(z − a)), so the real branch there has
    /// w < −1; z(w) on it has its minimum at the continuous part's square-root edge. That
    /// minimum is bracketed by a scan in s = log(−1 − w) (for a square network; in general the
    /// distance of w from the most negative singular point) from w → −∞ (u_k just below the top
    /// atom a_k of each slope law, u_k ≈ a_k + m_k a_k/w) down to e⁻⁵ times the smallest deficit
    /// 1 − m_k of a law (the edge sits at −1 − w ≈ (L − 1)(1 − p) for hard-tanh), and refined by
    /// the secant iteration of `bandEdge`. Returns nil when the top is not an atom of every
    /// slope law or no such minimum exists.
    func continuousEdgeBelowTopAtom() -> Edge? {
        guard gaussianCount == 0 else { return nil }
        let atoms = self.atoms
        let logTop = logTopOfSlopeLaws
        guard continuousMass > 0,
              let highest = atoms.last, !highest.isAtZero,
              abs(highest.logLocation - logTop) <= 1e-9 * max(1, abs(logTop)) else { return nil }
        var us: [Complex<Double>] = []
        // The scan runs up to the most negative singular point −1/r of the equation (−1 for
        // square networks); when that is −1/ρ*, −1 − ρ* w is v itself and the scan moves in v.
        let smallestRatio = (shiftTerms.map(\.ratio) + slopeGroups.map(\.ratio)).min()!
        let pole = 1 / smallestRatio
        let inV = smallestRatio == bottomRatio
        func point(_ s: Double) -> (w: Double, v: Double) {
            inV ? (-pole * (1 + Foundation.exp(s)), -Foundation.exp(s)) : RealCoordinate(inV: false, ratio: bottomRatio).point(-pole * (1 + Foundation.exp(s)))
        }
        var smallestDeficit = 1.0
        let start = point(12)
        for group in slopeGroups {
            guard let top = group.law.atoms.last, top.location > 0, top.location == group.law.supportHull.upperBound
            else { return nil }
            us.append(Complex(top.location * (1 + top.mass / (group.ratio * start.w)), 0))
            smallestDeficit = min(smallestDeficit, group.law.atoms.dropLast().reduce(0) { $0 + $1.mass })
        }
        // Not below log of the smallest positive Double.
        let lowest = max(-700, min(-30, Foundation.log(smallestDeficit) - 5))
        guard let first = localRealLogZ(w: start.w, v: start.v, from: self.state(w: Complex(start.w, 0), u: us)) else { return nil }
        var state = first.state
        var previousDerivative = first.derivative
        var s = 12.0
        while s > lowest {
            s -= 0.25
            let p = point(s)
            guard let r = localRealLogZ(w: p.w, v: p.v, from: state) else { return nil }
            // Along decreasing s (w increasing towards −1) z falls from the atom to the edge and
            // then rises: d log z/dw changes sign from − to + at the edge.
            if previousDerivative < 0 && r.derivative > 0 {
                if let edge = bandEdge(near: r.state, logX: r.logZ, requireNearby: false) { return edge }
                // The secant iteration can leave the branch where d log z/dw is very
                // asymmetric about its zero (hard-tanh, L = 100, q* = 0.145); Brent on the
                // bracket [s, s + 0.25] of the scan cannot.
                return bracketedEdge(between: s, s + 0.25, point: point, from: state)
            }
            previousDerivative = r.derivative
            state = r.state
        }
        return nil
    }

    /// The critical point of log z(w) on the real branch through `state` at the points
    /// `point(s)`, s in [a, b] where d log z/dw changes sign (GSL's Brent in s), with its
    /// curvature.
    func bracketedEdge(between a: Double, _ b: Double, point: (Double) -> (w: Double, v: Double), from state: State) -> Edge? {
        let derivative: (Double) -> Double = { s in
            let p = point(s)
            return (self.localRealLogZ(w: p.w, v: p.v, from: state)?.derivative) ?? .nan
        }
        guard let sEdge = try? RootFinding.brent(derivative, in: a, b, relativeTolerance: 1e-15) else { return nil }
        let p = point(sEdge)
        guard let edge = localRealLogZ(w: p.w, v: p.v, from: state) else { return nil }
        return regularEdge(at: edge)
    }

    /// A real solution at a critical point of log z(w) as a square-root edge, with the
    /// curvature d²log z/dw² by central differences (step 1e-5 of the real coordinate, w or v);
    /// nil unless it is > 0.
    private func regularEdge(at edge: (logZ: Double, derivative: Double, state: State)) -> Edge? {
        let (coordinate, c) = self.coordinate(at: edge.state)
        let h = 1e-5 * abs(c)
        let above = coordinate.point(c + h), below = coordinate.point(c - h)
        guard let plus = localRealLogZ(w: above.w, v: above.v, from: edge.state),
              let minus = localRealLogZ(w: below.w, v: below.v, from: edge.state) else { return nil }
        // Φ″ s² with s = |c|, h = 1e-5 s: (Φ′₊ − Φ′₋) s/(2e-5 dw/dc), finite even where Φ″ ~ 1/s²
        // overflows.
        let scale = abs(c)
        let scaledCurvature = (plus.derivative - minus.derivative) * scale / (2e-5 * coordinate.dwPerUnit)
        guard scaledCurvature > 0 else { return nil }
        return Edge(logLocation: edge.logZ, state: edge.state, scaledCurvature: scaledCurvature, curvatureScale: scale, isRegular: true)
    }

    /// The upper edge of a band just below a gap, found from a real state in the gap near it:
    /// the critical point of log z(w) along the real branch (secant iteration on d log z/dw in
    /// the real coordinate, w or v), with its curvature. Returns nil if the iteration fails.
    func bandEdge(near state: State, logX: Double, requireNearby: Bool = true) -> Edge? {
        let (coordinate, start) = self.coordinate(at: state)
        func solve(_ c: Double, from s: State) -> (logZ: Double, derivative: Double, state: State)? {
            let p = coordinate.point(c)
            return localRealLogZ(w: p.w, v: p.v, from: s)
        }
        var c0 = start
        guard let first = solve(c0, from: state) else { return nil }
        var d0 = first.derivative
        var c1 = c0 * (1 + 1e-6)
        var current = first.state
        for _ in 0..<100 {
            guard let r1 = solve(c1, from: current) else { return nil }
            let d1 = r1.derivative
            current = r1.state
            if abs(c1 - c0) <= 1e-15 * abs(c1) || d1 == 0 { break }
            let next = c1 - d1 * (c1 - c0) / (d1 - d0)
            guard next.isFinite else { return nil }
            c0 = c1; d0 = d1; c1 = next
        }
        guard let solution = solve(c1, from: current), let edge = regularEdge(at: solution),
              !requireNearby || abs(edge.logLocation - logX) < 1e-6 * max(1, abs(logX)) else { return nil }
        return edge
    }

    /// The state at λ = e^t reached from far above the spectrum through the upper half-plane:
    /// log z moves on the straight segment from log(100 λ_max) + iπ/4, where
    /// w ≈ m_1/z + m_2/z² and u_k ≈ μ_1/w, down to t + i0. The solution is analytic along
    /// the way (singularities lie on the real axis only), so this reaches the physical branch
    /// wherever continuation along the real axis is blocked. Returns nil on failure. The
    /// Newton solves it makes are added to `total`.
    func descendFromInfinity(toLogX t: Double, logLambdaMax: Double, solves total: inout Int) -> State? {
        guard let (logM1, normalized) = try? normalizedMoments(count: 2) else { return nil }
        let start = Complex(logLambdaMax + Foundation.log(100), Double.pi / 4)
        let ratio = Complex.exp(Complex(logM1, 0) - start)  // m_1/z
        let w = ratio + ratio * ratio * Complex(normalized[1])
        var us: [Complex<Double>] = []
        for group in slopeGroups {
            let target = Complex(group.ratio) * w
            var u = Complex(group.law.moments[0]) / target
            for _ in 0..<100 {
                let m = group.law.momentTransform(u)
                let step = (m.value - target) / m.derivative
                u = u - step
                if step.length <= 1e-15 * u.length { break }
            }
            us.append(u)
        }
        var state = self.state(w: w, u: us)
        guard let first = newton(atLogZ: start, from: state) else { return nil }
        state = first
        let end = Complex(t, 0)
        var s = 0.0, h = 1.0 / 64
        var previous: (Double, State)? = nil
        // A descent takes ~20–100 solves (steps of at most 1/16 of the segment); one that needs
        // thousands is creeping along a near-singular stretch and would not end in useful time
        // (leaky-ReLU(0.01) with narrowing Gaussian layers crept on for minutes): give up.
        var solves = 0
        defer { total += solves }
        while s < 1 {
            solves += 1
            if solves > 2_000 { return nil }
            let next = min(1, s + h)
            var guess = state
            if let (sp, p) = previous {
                let f = Complex((next - s) / (s - sp))
                guess.extrapolate(from: p, by: f)
            }
            let logZ = start + Complex(next) * (end - start)
            if let r = newton(atLogZ: logZ, from: guess),
               r.wDifference(from: guess).length <= 0.25 * max(scaleOfW(guess), scaleOfW(r)) {
                previous = (s, state)
                state = r
                s = next
                h = min(h * 1.5, 1.0 / 16)
            } else {
                h /= 2
                if h < 1e-14 { return nil }
            }
        }
        return state
    }
}
