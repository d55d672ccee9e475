import Foundation

/// What a Gram or Hessian answer measured about itself before it was reported
/// (`SpectrumSelfCheck`); the `check` key of `freespec gram` and `freespec hessian` JSON.
public struct SpectrumCheck: Sendable, Equatable, Codable {
    /// Atoms + ∫ρ over the support by adaptive quadrature: 1 for a probability law.
    public var totalMass: Double
    /// (∫x^k dμ − m_k)/∫|x|^k dμ for k = 1 … 4: the measured law against the exact moments.
    public var momentErrors: [Double]
    /// The largest |F(x) − μ((−∞, x])| over the reported distribution-function values (table
    /// points, `--at` points, the index), the second computed as atoms + ∫ρ by quadrature.
    public var cdfError: Double
    /// The largest decrease of F from one table point to the next (0 when F is monotone).
    public var cdfDecrease: Double
    /// The largest error of another reported integral of the law (E_train), absolute; 0 if none.
    public var integralError: Double
    /// The tolerance every discrepancy above is held to.
    public var tolerance: Double
}

/// The checks every answer of the Gram (`NonlinearGram`) and Hessian (`LossHessian`) models
/// passes before it is returned; a failed check throws instead.
///
/// Goals, in order: (1) independence — the law is measured only through the reported density
/// ρ, atoms and support, by quadrature, and held against what does not come from ρ: the exact
/// moments of the free-cumulant/power series, the reported distribution function (closed form),
/// E_train (closed form); (2) every check can fail (tests feed deliberately broken spectra);
/// (3) cost of a fraction of a second: one vector-valued adaptive Gauss–Kronrod pass yields the
/// mass, the four moments, every reported F and every other integral.
///
/// Checked: total mass 1; every support interval carries mass; m₁…m₄; F non-decreasing on the
/// table, within [0, 1], equal to atoms + ∫ρ at ≤ 64 table points (first and last included, so
/// F reaches 1 at λ_max) and at every other reported point; other integrals (E_train).
///
/// Tolerance 1e-8 (mass, F, integrals; relative for moments): ρ is computed to ~1e-14
/// relative away from the edges and ~1e-8 relative within ~1e-16 of a square-root edge, where
/// it carries a negligible part of the mass, and the quadrature runs to 1e-11; the failures
/// this is to catch — a lost support interval, a wrong branch, a truncated edge — moved
/// between 5e-5 and 0.5 of the mass where they were seen.
public struct SpectrumSelfCheck {
    /// A reported integral of the law: offset + factor·∫ weight dμ (atoms included).
    public struct Integral {
        public var name: String
        public var weight: (Double) -> Double
        public var offset: Double
        public var factor: Double
        public var reported: Double
        /// Where the weight changes on its own scale (quadrature breakpoints): a weight that
        /// lives within cγ = 1e-12 of 0 is invisible to panels of the spectrum's width.
        public var breakpoints: [Double]
        public init(name: String, weight: @escaping (Double) -> Double, offset: Double, factor: Double, reported: Double,
                    breakpoints: [Double] = []) {
            self.name = name; self.weight = weight; self.offset = offset; self.factor = factor; self.reported = reported
            self.breakpoints = breakpoints
        }
    }

    public var density: (Double) -> Double
    public var support: [ClosedRange<Double>]
    public var atoms: [Atom]
    /// The exact m₁ … m₄.
    public var moments: [Double]
    /// The reported density table, if any (its F must be monotone and agree with ∫ρ).
    public var table: (x: [Double], rho: [Double], cdf: [Double])?
    /// Every other reported value of F: (x, F(x)).
    public var cdfValues: [(x: Double, cdf: Double)]
    public var integrals: [Integral]

    public static let tolerance = 1e-8
    /// F is evaluated to ~1e-15 absolute, so a decrease above 1e-12 is not rounding.
    static let monotonicitySlack = 1e-12
    /// Table points checked against ∫ρ (each is a quadrature breakpoint).
    static let tablePointsChecked = 64
    /// Panels of the adaptive quadrature: 15 density values each, so ≤ 45 000 evaluations.
    static let panelBudget = 3000

    public init(density: @escaping (Double) -> Double, support: [ClosedRange<Double>], atoms: [Atom], moments: [Double],
                table: (x: [Double], rho: [Double], cdf: [Double])? = nil, cdfValues: [(x: Double, cdf: Double)] = [],
                integrals: [Integral] = []) {
        self.density = density; self.support = support; self.atoms = atoms; self.moments = moments
        self.table = table; self.cdfValues = cdfValues; self.integrals = integrals
    }

    /// Runs every check; `what` names the law in messages ("Gram law at φ = …").
    /// - Throws: `didNotConverge` with the measured discrepancy and its tolerance when a check
    ///   fails, or when the quadrature cannot reach the accuracy needed to decide.
    public func run(what: String) throws -> SpectrumCheck {
        let tol = Self.tolerance
        func fail(_ message: String) -> NumericalError {
            .didNotConverge("\(what) failed its self-check, so no answer is given: \(message)")
        }
        // The table: finite, ρ ≥ 0, F in [0, 1] and non-decreasing.
        var decrease = 0.0
        var points = cdfValues
        if let t = table {
            for i in t.x.indices {
                guard t.x[i].isFinite, t.rho[i].isFinite, t.cdf[i].isFinite, t.rho[i] >= 0 else {
                    throw fail("the density table has ρ(\(t.x[i])) = \(t.rho[i]), F = \(t.cdf[i])")
                }
                guard t.cdf[i] >= -Self.monotonicitySlack, t.cdf[i] <= 1 + Self.monotonicitySlack else {
                    throw fail("F(\(t.x[i])) = \(t.cdf[i]) is outside [0, 1]")
                }
                if i > 0 { decrease = max(decrease, t.cdf[i - 1] - t.cdf[i]) }
            }
            if decrease > Self.monotonicitySlack { throw fail("F decreases by \(decrease) along the table (it must not decrease)") }
            let n = t.x.count, m = min(n, Self.tablePointsChecked)
            let picked = Set((0..<m).map { m == 1 ? 0 : Int((Double($0) * Double(n - 1) / Double(m - 1)).rounded()) })
            points += picked.sorted().map { (t.x[$0], t.cdf[$0]) }
        }
        for p in points where !(p.x.isFinite && p.cdf.isFinite) { throw fail("F(\(p.x)) = \(p.cdf) is not a number") }
        // One adaptive pass: weights 1, x … x⁴, |x| … |x|⁴ (the scales of the moment errors),
        // then the extra integrals; breakpoints at every checked x. Errors are weighed by the
        // size of each integral (1/|factor| for a reported offset + factor·∫).
        let k = moments.count
        let weights: [(Double) -> Double] = [{ _ in 1 }] + (1...k).map { p in { x in Foundation.pow(x, Double(p)) } }
            + (1...k).map { p in { x in Foundation.pow(abs(x), Double(p)) } } + integrals.map(\.weight)
        let scales = [1.0] + (1...k).map { p in max(abs(moments[p - 1]), Foundation.pow(abs(moments[min(1, k - 1)]), Double(p) / 2)) }
            + (1...k).map { p in max(abs(moments[p - 1]), 1e-300) } + integrals.map { 1 / max(abs($0.factor), 1e-300) }
        let sortedPoints = points.map(\.x).sorted()
        var totals = [Double](repeating: 0, count: weights.count)
        // ρ-mass from −∞ up to each interval end and breakpoint, in increasing x.
        var rhoBelow: [(x: Double, mass: Double)] = []
        var before = 0.0
        let weightBreaks = integrals.flatMap(\.breakpoints)
        for interval in support {
            let inside = { (x: Double) in x > interval.lowerBound && x < interval.upperBound }
            let breaks = sortedPoints.filter(inside)
            // An edge close to 0 against the interval's width (φ ≈ ψ: a soft edge at 1e-17 of
            // it before a x^{−1/2} rise) puts a step into ρ dx/dθ that no panel of the width sees
            // (it missed 2e-8 of the mass); breakpoints at lo + |lo|·10^k bracket that scale.
            let lo = interval.lowerBound, width = interval.upperBound - lo
            var edgeBreaks: [Double] = []
            if lo != 0, abs(lo) < 1e-3 * width {
                var step = 0.01 * abs(lo)
                while step < 0.1 * width && edgeBreaks.count < 60 { edgeBreaks.append(lo + step); step *= 10 }
            }
            let all = (breaks + weightBreaks.filter(inside) + edgeBreaks).sorted()
            let result = try VectorQuadrature.integrate(density, weights: weights, scales: scales, over: interval,
                                                        breakpoints: all, target: 1e-3 * tol, panelBudget: Self.panelBudget)
            guard result.error <= 0.1 * tol else {
                throw fail("the density could not be integrated over [\(interval.lowerBound), \(interval.upperBound)] to \(0.1 * tol) (estimated error \(result.error) after \(Self.panelBudget) panels)")
            }
            guard result.totals[0] > 0 else {
                throw fail("the support interval [\(interval.lowerBound), \(interval.upperBound)] carries no mass (∫ρ = \(result.totals[0]))")
            }
            rhoBelow.append((interval.lowerBound, before))
            for (x, m) in zip(all, result.cumulative) { rhoBelow.append((x, before + m)) }
            before += result.totals[0]
            rhoBelow.append((interval.upperBound, before))
            for i in totals.indices { totals[i] += result.totals[i] }
        }
        for a in atoms {
            for i in weights.indices { totals[i] += a.mass * weights[i](a.location) }
        }
        let mass = totals[0]
        guard abs(mass - 1) <= tol else {
            throw fail("the total mass (∫ρ + atoms) is \(mass), off 1 by \(mass - 1) (tolerance \(tol))")
        }
        var momentErrors: [Double] = []
        for p in 1...k {
            let error = (totals[p] - moments[p - 1]) / max(totals[k + p], 1e-300)
            momentErrors.append(error)
            guard abs(error) <= tol else {
                throw fail("moment m\(p) of the density is \(totals[p]), the exact series gives \(moments[p - 1]) (relative error \(error), tolerance \(tol))")
            }
        }
        // Every checked x is a breakpoint, an interval end or outside the support, so the
        // ρ-mass below it is the last entry at or before it.
        func measured(_ x: Double) -> Double {
            let atomMass = atoms.filter { $0.location <= x }.reduce(0) { $0 + $1.mass }
            return atomMass + (rhoBelow.last { $0.x <= x }?.mass ?? 0)
        }
        var cdfError = 0.0
        for p in points {
            let expected = measured(p.x)
            let error = abs(p.cdf - expected)
            cdfError = max(cdfError, error)
            guard error <= tol else {
                throw fail("F(\(p.x)) = \(p.cdf) but atoms + ∫ρ up to \(p.x) = \(expected) (difference \(p.cdf - expected), tolerance \(tol))")
            }
        }
        var integralError = 0.0
        for (i, integral) in integrals.enumerated() {
            let expected = integral.offset + integral.factor * totals[2 * k + 1 + i]
            let error = abs(integral.reported - expected)
            integralError = max(integralError, error)
            guard error <= tol else {
                throw fail("\(integral.name) = \(integral.reported) but the density gives \(expected) (difference \(integral.reported - expected), tolerance \(tol))")
            }
        }
        return SpectrumCheck(totalMass: mass, momentErrors: momentErrors, cdfError: cdfError, cdfDecrease: decrease,
                             integralError: integralError, tolerance: tol)
    }
}

/// Adaptive Gauss–Kronrod (7/15-point) quadrature of several integrals ∫ρ(x)w_i(x)dx over one
/// support interval at once, in θ with x = a + (b − a)sin²(θ/2): the map makes ρ dx smooth at
/// square-root edges and at x^{−1/2} hard edges (and integrable at x^{−2/3} ones).
enum VectorQuadrature {
    // QUADPACK's qk15: Kronrod nodes on [0, 1) (the last is 0) and weights; Gauss weights of
    // the odd-indexed nodes.
    static let nodes = [0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                        0.207784955007898467600689403773245, 0.0]
    static let kronrod = [0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                          0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                          0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                          0.204432940075298892414161999234649, 0.209482141084727828012999174891714]
    static let gauss = [0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                        0.381830050505118944950369775488975, 0.417959183673469387755102040816327]

    struct Result {
        /// ∫ρw_i over the interval.
        var totals: [Double]
        /// ∫ρ from the interval's start to each breakpoint.
        var cumulative: [Double]
        /// Σ over panels of max_i |K15 − G7|_i·scale_i⁻¹.
        var error: Double
    }

    /// - Throws: nothing but what `density` could; a budget reached shows in `error`.
    static func integrate(_ density: (Double) -> Double, weights: [(Double) -> Double], scales: [Double],
                          over interval: ClosedRange<Double>, breakpoints: [Double], target: Double, panelBudget: Int) throws -> Result {
        let a = interval.lowerBound, width = interval.upperBound - interval.lowerBound
        func theta(_ x: Double) -> Double { 2 * Foundation.asin(max(0, min(1, ((x - a) / width))).squareRoot()) }
        struct Panel { var lo: Double, hi: Double, values: [Double], error: Double, index: Int }
        func panel(_ lo: Double, _ hi: Double, _ index: Int) -> Panel {
            let centre = (lo + hi) / 2, half = (hi - lo) / 2
            var k15 = [Double](repeating: 0, count: weights.count), g7 = k15
            for (n, node) in nodes.enumerated() {
                for sign in node == 0 ? [1.0] : [-1.0, 1.0] {
                    let t = centre + sign * half * node
                    let s = Foundation.sin(t / 2)
                    let x = a + width * s * s
                    let jacobian = width * Foundation.sin(t) / 2
                    let f = density(x) * jacobian
                    for i in weights.indices {
                        let v = f * weights[i](x)
                        k15[i] += kronrod[n] * v
                        if n % 2 == 1 { g7[i] += gauss[n / 2] * v }
                    }
                }
            }
            var error = 0.0
            for i in weights.indices {
                k15[i] *= half; g7[i] *= half
                error = max(error, abs(k15[i] - g7[i]) / scales[i])
            }
            return Panel(lo: lo, hi: hi, values: k15, error: error.isNaN ? .infinity : error, index: index)
        }
        // Initial panels: one per gap between breakpoints, at least 8 in all.
        let cuts = [0.0] + breakpoints.map(theta) + [Double.pi]
        var panels: [Panel] = []
        for (i, (lo, hi)) in zip(cuts, cuts.dropFirst()).enumerated() where hi > lo {
            let pieces = max(1, 8 / (cuts.count - 1))
            for p in 0..<pieces {
                panels.append(panel(lo + (hi - lo) * Double(p) / Double(pieces), lo + (hi - lo) * Double(p + 1) / Double(pieces), i))
            }
        }
        var total = panels.reduce(0) { $0 + $1.error }
        while total > target && panels.count < panelBudget {
            let worst = panels.indices.max { panels[$0].error < panels[$1].error }!
            let p = panels[worst]
            let mid = (p.lo + p.hi) / 2
            guard mid > p.lo, mid < p.hi else { break }
            panels[worst] = panel(p.lo, mid, p.index)
            panels.append(panel(mid, p.hi, p.index))
            total = panels.reduce(0) { $0 + $1.error }
        }
        var totals = [Double](repeating: 0, count: weights.count)
        var bySegment = [Double](repeating: 0, count: cuts.count - 1)
        for p in panels {
            for i in totals.indices { totals[i] += p.values[i] }
            bySegment[p.index] += p.values[0]
        }
        var cumulative: [Double] = [], running = 0.0
        for segment in 0..<max(0, cuts.count - 2) { running += bySegment[segment]; cumulative.append(running) }
        return Result(totals: totals, cumulative: cumulative, error: total)
    }
}
