import ComplexModule
import Foundation
import RealModule

/// The density and distribution function of a spectrum at one point, given by t = log λ
/// so that spectra spanning more decades than a Double can hold stay representable.
public struct SpectralPoint: Sendable {
    /// t = log λ (natural logarithm).
    public let logX: Double
    /// λ ρ(λ) = −Im M(λ + i0)/π: the density of log λ (natural log) of the continuous part.
    public let logDensity: Double
    /// μ((λ, ∞)), atoms included, from the closed-form log-potential (not from integrating ρ).
    public let tail: Double
    /// μ_c((λ, ∞)), the mass of the continuous part alone above λ (not normalised). Where the
    /// continuous part is tiny beside the atoms (orthogonal hard-tanh at small q*: 1e-14 beside
    /// an atom 1 − 1e-14) it is computed apart from them, so it keeps its relative accuracy
    /// where tail − atoms would not.
    public let continuousTail: Double
    /// The solution there (nil above the support).
    public let state: FreeMultiplicativeProduct.State?

    public init(logX: Double, logDensity: Double, tail: Double, continuousTail: Double, state: FreeMultiplicativeProduct.State?) {
        self.logX = logX
        self.logDensity = logDensity
        self.tail = tail
        self.continuousTail = continuousTail
        self.state = state
    }

    /// λ = e^t (0 or ∞ outside the range of Double).
    public var x: Double { Foundation.exp(logX) }
    /// ρ(λ), the density of the continuous part in λ.
    public var density: Double { logDensity * Foundation.exp(-logX) }
    /// F(λ) = μ([0, λ]) = 1 − tail.
    public var cdf: Double { 1 - tail }
}

extension FreeMultiplicativeProduct {
    /// ρ and F at every t = log λ of `logXs`, which must be finite and sorted in decreasing
    /// order.
    ///
    /// The physical branch is followed by continuation in log λ from the upper edge, where
    /// the solution leaves the real axis as a square root: just below λ_max,
    /// w ≈ w_e − i √(2(log λ_max − log λ)/Φ″). Each next point is predicted by secant
    /// extrapolation and corrected by Newton's method; a step whose Newton iteration fails,
    /// leaves the physical half-planes, or lands far from its prediction is halved, so the
    /// continuation cannot jump to another root. Where the solution returns to the real axis
    /// (a gap in the support) the density is 0 and the walk goes on along the real branch,
    /// nudged off the axis at each step so it can re-enter a band.
    ///
    /// - Throws: `invalidArgument` for unsorted or non-finite t; `didNotConverge` if a
    ///   step cannot be completed after 60 halvings, or a point is not reached within
    ///   20 000 trial steps.
    ///
    /// With `includeCDF` false the tail (and so `cdf`) is left at NaN, which saves the
    /// logarithmic potential: about half the cost for smooth activations.
    public func evaluate(descendingLogX logXs: [Double], edge: Edge, includeCDF: Bool = true) throws -> [SpectralPoint] {
        var walker = BranchWalker(product: self, edge: edge)
        walker.includeCDF = includeCDF
        return try logXs.indices.map { i in
            guard logXs[i].isFinite else { throw NumericalError.invalidArgument("log λ must be finite, got \(logXs[i])") }
            if i > 0 && logXs[i] > logXs[i - 1] { throw NumericalError.invalidArgument("points must be sorted in decreasing order") }
            return try walker.point(at: logXs[i])
        }
    }

    /// ρ and F at every λ of `xs` (positive, decreasing); see `evaluate(descendingLogX:edge:)`.
    public func evaluate(descending xs: [Double], edge: Edge) throws -> [SpectralPoint] {
        for x in xs where !(x > 0 && x.isFinite) {
            throw NumericalError.invalidArgument("λ must be positive and finite, got \(x)")
        }
        return try evaluate(descendingLogX: xs.map { Foundation.log($0) }, edge: edge)
    }
}

/// Continuation along decreasing log x (see `FreeMultiplicativeProduct.evaluate`).
struct BranchWalker {
    typealias State = FreeMultiplicativeProduct.State
    let product: FreeMultiplicativeProduct
    let edge: FreeMultiplicativeProduct.Edge
    /// The edge the walk last started from: the upper edge, then the upper edge of each band
    /// it enters from a gap.
    private var start: FreeMultiplicativeProduct.Edge
    private(set) var logX: Double
    private(set) var state: State
    private var previous: (logX: Double, state: State)?
    private var atEdge = true
    /// A lower edge at w = ∞ met on the way down, and the width in t of the zone above it
    /// where the walk takes its states from the edge's expansion (see `besideLowerEdge`).
    private var lowerEdge: (edge: FreeMultiplicativeProduct.Edge, zone: Double)?
    var includeCDF = true
    /// Work done so far, in Newton solves (trial steps of `advance` and the steps of descents
    /// from infinity).
    private(set) var work = 0

    /// Whether points of zero density are checked against a descent from infinity (atomic
    /// slope laws; see `point(at:)`).
    private let checksGaps: Bool

    init(product: FreeMultiplicativeProduct, edge: FreeMultiplicativeProduct.Edge) {
        self.product = product
        self.edge = edge
        checksGaps = product.slopeGroups.allSatisfy { $0.law.isAtomic }
        start = edge
        logX = edge.logLocation
        state = edge.state
    }

    /// A walker resuming from a solved point below the edge.
    init(product: FreeMultiplicativeProduct, edge: FreeMultiplicativeProduct.Edge, at point: SpectralPoint) {
        self.init(product: product, edge: edge)
        if let s = point.state {
            logX = point.logX
            state = s
            atEdge = false
        }
    }

    private func predict(_ target: Double) -> State {
        if atEdge {
            if start.isRegular {
                let delta = max(0, start.logLocation - target)
                let dw = Complex(0, -start.curvatureScale * (2 * delta / start.scaledCurvature).squareRoot())
                var s = start.state
                s.step(dw)
                for k in s.u.indices {
                    let mPrime = product.slopeGroups[k].law.transform(s.u[k], offset: s.offset(k)).derivative
                    s.moveU(k, by: Complex(product.slopeGroups[k].ratio) * dw / mPrime)
                }
                return s
            }
            if let (c1, c2) = start.inverseWExpansion {
                return inverseSquareRootStart(target, c1: c1, c2: c2)
            }
            // Monotone edge (λ_max is the image of the tops of the slope laws): each u_k sits
            // just below its top, scaled like λ^{1/N}, and w follows from u_1.
            var s = start.state
            let n = Double(product.depth)
            for k in s.u.indices {
                let top = product.slopeGroups[k].law.supportHull.upperBound
                s.setU(k, Complex(top * Foundation.exp((target - start.logLocation) / n), 1e-3 * top))
            }
            let w = product.slopeGroups[0].law.momentTransform(s.u[0]).value / Complex(product.slopeGroups[0].ratio)
            s.step(w - s.w)
            return s
        }
        guard let p = previous, p.logX != logX else { return nudged(state) }
        let t = Complex((target - logX) / (logX - p.logX))
        var s = state
        s.extrapolate(from: p.state, by: t)
        return nudged(s)
    }


    /// The state just below an edge at w = ∞ (see `Edge.inverseWExpansion`): s = 1/w solves
    /// c₂ s² + c₁ s + δ = 0 with Im s > 0 (so Im w < 0), δ = log λ_max − target; each u_k
    /// solves M_k(u_k) = ρ_k w by Newton's method from u_k(s_e)·… scaled as u_k − top ∝ s
    /// (exact for an atom at the top, where u_k = top + m_k·top/(ρ_k w) + …).
    private func inverseSquareRootStart(_ target: Double, c1: Double, c2: Double) -> State {
        var sValue = Self.inverseW(c1: c1, c2: c2, offset: min(0, target - start.logLocation))
        if sValue.imaginary == 0 { sValue = Complex(sValue.real, 1e-12) }
        return product.stateNearInfinity(sValue, edge: start, anchors: product.anchorsAtInfinity(of: start))
    }

    /// s = 1/w solving c₂ s² + c₁ s = `offset` (= log x − log of the edge), the root with
    /// Im s > 0 (so Im w < 0) where the roots are complex, else (−c₁ + √disc)/(2c₂), real.
    private static func inverseW(c1: Double, c2: Double, offset: Double) -> Complex<Double> {
        let discriminant = c1 * c1 + 4 * c2 * offset
        return discriminant < 0
            ? Complex(-c1 / (2 * c2), (-discriminant).squareRoot() / (2 * abs(c2)))
            : Complex((-c1 + discriminant.squareRoot()) / (2 * c2), 0)
    }

    /// Newton's rounding floor at distance δ (in log x) from an edge at w = ∞, where w is
    /// determined only to ~ L ε/δ.
    private func floorBesideInverseSquareRootEdge(_ delta: Double) -> Double {
        min(1e-5, max(1e-10, 10 * Double(product.depth) * .ulpOfOne / max(delta, 1e-300)))
    }

    /// The state at t = `target` next to a lower edge at w = ∞ (see
    /// `FreeMultiplicativeProduct.lowerEdgeAtInfinity`): s = 1/w solves c₂ s² + c₁ s = δ,
    /// δ = target − log λ_b, with c₂ < 0; above the edge s is complex with Im s > 0 (so
    /// Im w < 0), below it s is real and negative (w → −∞ from below). The expansion is then
    /// corrected by Newton's method, whose floor is raised to ~ L ε/|δ| as beside an upper edge
    /// at w = ∞; where Newton fails or strays, the expansion stands in (good to O(√δ) on a
    /// piece of mass O(√δ)).
    private func besideLowerEdge(_ lower: FreeMultiplicativeProduct.Edge, _ target: Double) -> State {
        let (c1, c2) = lower.inverseWExpansion!
        let delta = target - lower.logLocation
        let sValue = Self.inverseW(c1: c1, c2: c2, offset: delta)
        let predicted = product.stateNearInfinity(sValue, edge: lower, anchors: product.anchorsAtInfinity(of: lower))
        let floor = floorBesideInverseSquareRootEdge(abs(delta))
        if let corrected = product.newton(atLogZ: Complex(target, 0), from: nudged(predicted), roundingFloor: floor),
           acceptable(corrected, predicted) {
            return corrected
        }
        return predicted
    }

    /// A state on (or next to) the real axis is pushed slightly into the physical
    /// half-planes so Newton can find a complex root if one exists.
    private func nudged(_ s: State) -> State {
        var s = s
        let tiny = 1e-6
        let wScale = product.scaleOfW(s)
        if s.w.imaginary > -tiny * wScale { s.step(Complex(0, -tiny * wScale - s.w.imaginary)) }
        for k in s.u.indices {
            let floor = tiny * product.scaleOfU(s, k)
            guard s.u[k].imaginary < floor else { continue }
            s.moveU(k, by: Complex(0, floor - s.u[k].imaginary))
        }
        return s
    }

    private func acceptable(_ corrected: State, _ predicted: State) -> Bool {
        let closeW = (corrected.w - predicted.w).length <= 0.25 * max(product.scaleOfW(predicted), product.scaleOfW(corrected))
        let closeU = corrected.u.indices.allSatisfy { k in
            let change = corrected.offset(k).flatMap { a in predicted.offset(k).map { b in (a - b) * Complex(corrected.centers[k]) } }
                ?? (corrected.u[k] - predicted.u[k])
            return change.length <= 0.25 * max(product.scaleOfU(predicted, k), product.scaleOfU(corrected, k))
        }
        return closeW && closeU
    }

    /// The spectral point at t = log λ ≤ the current position (0 density above the edge).
    mutating func point(at t: Double) throws -> SpectralPoint {
        if t >= edge.logLocation {
            // Only atoms above the continuous part can lie here (see `continuousEdgeBelowTopAtom`).
            let tail = product.atoms.filter { $0.logLocation > t }.reduce(0) { $0 + $1.mass }
            return SpectralPoint(logX: t, logDensity: 0, tail: tail, continuousTail: 0, state: nil)
        }
        var s = try advance(to: t)
        if checksGaps, density(s) == 0, let physical = descend(to: t),
           physical.wDifference(from: s).length > 1e-8 * max(product.scaleOfW(s), product.scaleOfW(physical)) {
            // In a gap the real axis offers more than one real solution, and continuation can
            // follow one that is not the physical branch past the upper edge of the next band
            // down (leaky-ReLU(0.01), narrowing Gaussian layers: bands at 10^-2…3 and
            // 10^-7…10^-4, and the walk went on in a "gap" down to 10^-317). A descent from
            // infinity through the upper half-plane ends on the physical branch: where the two
            // disagree, the walk resumes from it. (Atomic slope laws only: their solves cost
            // microseconds, and they are what makes gaps between bands.)
            s = physical
            state = physical
            previous = nil
            atEdge = false
        }
        let density = self.density(s)
        guard includeCDF else { return SpectralPoint(logX: t, logDensity: density, tail: .nan, continuousTail: .nan, state: s) }
        let tails = product.tails(s, logX: t)
        return SpectralPoint(logX: t, logDensity: density, tail: min(1, max(0, tails.total)),
                             continuousTail: min(product.continuousMass, max(0, tails.continuous)), state: s)
    }

    private mutating func descend(to target: Double) -> State? {
        product.descendFromInfinity(toLogX: target, logLambdaMax: edge.logLocation, solves: &work)
    }

    /// The density of log λ at state `s`, −Im w/π, or 0 below 1e-13 of the scale of w.
    ///
    /// On the real branch (gaps, below the support) Im w is rounding noise of order
    /// 1e-40, and where a smooth slope law thins out like a Gaussian tail (GELU, SiLU at
    /// small q) the true Im w falls below the rounding of w itself and flickers around
    /// 1e-16 |w|: anything below 1e-13 of the scale of w is taken as zero so band edges are
    /// seen cleanly. That scale is |w| at the top but |1 + w| = |v| at the bottom, where v is
    /// carried to full relative accuracy: GELU at q* = 8, L = 10 000 has a tail of 1.8e-6 of
    /// the mass over 4.5·10⁶ units of log λ with λρ ~ 1e-13, i.e. Im w ~ 1e-13 but
    /// Im v/|v| ~ 2e-5 (measured against |w| it was cut, and the walk then stalled in the
    /// "gap").
    private func density(_ s: State) -> Double {
        -s.w.imaginary > 1e-13 * product.scaleOfW(s) ? -s.w.imaginary / .pi : 0
    }

    /// Moves the solution to log x = `target` < current, returning the state there.
    mutating func advance(to target: Double) throws -> State {
        // Steps may grow by at most 3× over the last accepted one: the secant predictor is
        // only good for modest extrapolation.
        func limited(_ t: Double) -> Double {
            guard let p = previous, !atEdge else { return t }
            return max(t, logX - 3 * max(p.logX - logX, 1e-12 * edge.logScale * max(1, abs(logX))))
        }
        var stepTarget = limited(target)
        var halvings = 0
        // A bound on the work of one call, so a pathological case ends in an error instead
        // of running on: an ordinary advance takes a few to a few hundred trial steps.
        var attempts = 0
        let workAtStart = work
        if atEdge && !start.isRegular && start.inverseWExpansion == nil,
           let s = descend(to: target) {
            // An edge at the end of the range of M (a slope law whose density vanishes at its
            // top): nothing predicts the branch there, and it is reached through the upper
            // half-plane instead.
            previous = nil
            logX = target
            state = s
            atEdge = false
            return state
        }
        if let lower = lowerEdge, target < lower.edge.logLocation + lower.zone {
            previous = nil
            logX = target
            state = besideLowerEdge(lower.edge, target)
            atEdge = false
            return state
        }
        while logX > target {
            attempts += 1
            work += 1
            // Trial steps and descents from infinity together: a descent that fails after its
            // 2 000 solves, tried at every second halving, made 20 000 trial steps cost 10⁷
            // solves (minutes) for leaky-ReLU(0.01) with narrowing Gaussian layers.
            guard attempts <= 20_000, work - workAtStart <= 100_000 else {
                throw NumericalError.didNotConverge(
                    "branch continuation did not reach x = \(describeX(target)) within 20 000 steps or 100 000 solves (stuck at x = \(describeX(logX)))")
            }
            let predicted = predict(stepTarget)
            // Within 1e-8 (in units of the spectrum's scale in log λ, `Edge.logScale`) of a
            // square-root edge the equation is too ill-conditioned for
            // Newton (its Jacobian vanishes at the edge, and rounding in log z moves the
            // root by ~√ε); the square-root expansion itself is accurate to O(δ^{3/2}) there.
            // Beside an inverse-square-root edge (w ~ δ^{−1/2}) Newton's attainable accuracy is
            // ~ L·ε/δ (its floor is raised to match), and the expansion in s = 1/w stands in
            // below δ = 10⁻⁹ L: it is good to O(√δ) there, on a piece of mass O(√δ).
            let delta = start.logLocation - stepTarget
            let inverseSquareRoot = !start.isRegular && start.inverseWExpansion != nil
            let besideEdge = atEdge && (start.isRegular
                ? delta < 1e-8 * edge.logScale * max(1, abs(stepTarget))
                : inverseSquareRoot && delta < 1e-9 * Double(product.depth))
            // (the floor applies to every step near the edge, not only the first)
            let floor = inverseSquareRoot ? floorBesideInverseSquareRootEdge(delta) : 1e-10
            let corrected = product.newton(atLogZ: Complex(stepTarget, 0), from: predicted, roundingFloor: floor)
            if let s = corrected ?? (besideEdge ? predicted : nil),
               (atEdge && !start.isRegular) || besideEdge || acceptable(s, predicted) {
                if corrected == nil {
                    // The square-root expansion stands in for Newton beside the edge; the walk
                    // stays "at the edge", so the next step is predicted from the edge again (a
                    // secant through two points of a square-root branch cannot be corrected).
                    logX = stepTarget
                    state = s
                    stepTarget = target
                    continue
                }
                previous = (logX, state)
                logX = stepTarget
                state = s
                // Inside the zone beside the edge the next step is predicted from the edge again
                // too: a secant there cannot be corrected by the ill-conditioned Newton.
                atEdge = besideEdge
                stepTarget = limited(target)
                halvings = 0
            } else {
                halvings += 1
                if halvings == 20, lowerEdge == nil, !atEdge,
                   let lower = product.lowerEdgeAtInfinity(near: state, logX: logX) {
                    // Stalled next to a lower edge at w = ∞: below here the states come from
                    // its expansion (the zone reaches a little above the stall).
                    lowerEdge = (lower, max(1e-6, 4 * (logX - lower.logLocation)))
                    return try advance(to: target)
                }
                if halvings == 40, !atEdge, let bandEdge = product.bandEdge(near: state, logX: logX) {
                    // Stuck on the real branch at the upper edge of a band below a gap:
                    // restart from that edge with the square-root predictor.
                    start = bandEdge
                    atEdge = true
                    logX = min(logX, bandEdge.logLocation)
                    state = bandEdge.state
                    previous = nil
                    stepTarget = target
                    continue
                }
                if halvings == 50 || (atEdge && !start.isRegular && halvings == 2) {
                    // Continuation along the real axis is stuck (a monotone edge, or a branch
                    // point the predictor cannot pass): reach the target instead through the
                    // upper half-plane, where the solution is analytic.
                    if let s = descend(to: target) {
                        previous = nil
                        logX = target
                        state = s
                        atEdge = false
                        break
                    }
                }
                guard halvings <= 60 else {
                    throw NumericalError.didNotConverge("branch continuation stalled at x = \(describeX(logX)) (target \(describeX(target)))")
                }
                stepTarget = logX - 0.5 * (logX - stepTarget)
            }
        }
        return state
    }
}

/// λ = e^t for an error message, as 10^… when it is beyond the range of Double.
func describeX(_ t: Double) -> String {
    let x = Foundation.exp(t)
    return x > 0 && x.isFinite ? "\(x)" : String(format: "10^%.6g", t / Foundation.log(10.0))
}
