import Foundation

/// The global picture of a product spectrum: its upper edge, a skeleton of solved points
/// from λ_max down to where the continuous part has no mass left, and from these the
/// support intervals, quantiles, and the mass and moments of the computed density.
///
/// Everything is expressed in t = log λ so that spectra spanning hundreds of decades (and
/// beyond the range of Double at depth 10 000) remain representable.
public struct SpectrumAnalysis: Sendable {
    public let product: FreeMultiplicativeProduct
    public let edge: FreeMultiplicativeProduct.Edge
    /// The atoms of the product (Belinschi's rule, see `FreeMultiplicativeProduct.atoms`).
    public let atoms: [Atom]
    /// Solved points in decreasing t, from just below the edge to the bottom of the
    /// continuous part (or to where the walk fails with less than 1e-9 of the continuous mass
    /// below), with steps adapted so F changes by ≤ 1 % and the density by ≤ 40 %
    /// between neighbours.
    public let skeleton: [SpectralPoint]

    /// Mass of the continuous part, 1 − Σ atoms (`FreeMultiplicativeProduct.continuousMass`).
    public var continuousMass: Double { product.continuousMass }

    /// Builds the edge and the skeleton.
    ///
    /// - Throws: `didNotConverge` if the continuation stalls, or after 200 000 steps.
    public init(product: FreeMultiplicativeProduct) throws {
        self.product = product
        edge = try product.upperEdge()
        atoms = product.atoms
        skeleton = product.continuousMass == 0 ? [] : try Self.buildSkeleton(product, edge)
    }

    /// See `skeleton`. A step is halved when the continuous part's CDF changes by more than 1 %
    /// of its mass, the density by more than 40 %, or when it enters a band from a gap (so band
    /// edges are located to 1e-12 and the panels next to them are graded).
    private static func buildSkeleton(_ product: FreeMultiplicativeProduct, _ edge: FreeMultiplicativeProduct.Edge) throws -> [SpectralPoint] {
        var walker = BranchWalker(product: product, edge: edge)
        var points: [SpectralPoint] = []
        var t = edge.logLocation
        // Steps and their floors in units of the spectrum's scale in log λ (`Edge.logScale`,
        // 1 unless the spectrum is concentrated).
        let unit = edge.logScale
        var h = 1e-6 * unit
        var last = SpectralPoint(logX: t, logDensity: 0, tail: 0, continuousTail: 0, state: nil)
        var peakDensity = 0.0
        let continuous = product.continuousMass
        func significant(_ p: SpectralPoint) -> Bool { p.logDensity > 1e-12 * continuous / unit }
        for _ in 0..<200_000 {
            var trial = walker
            let p: SpectralPoint
            do {
                p = try trial.point(at: t - h)
            } catch {
                // A walk that fails deep in the lower tail, where less than 1e-9 of the
                // continuous mass remains below (sigmoid at q* = 64 reaches λ ~ 1e-86 with 1e-9
                // left), ends the skeleton there: the mass and moments it misses are below that.
                let remaining = continuous - last.continuousTail
                if !points.isEmpty && remaining < 1e-9 * continuous { break }
                throw error
            }
            let dF = abs(p.continuousTail - last.continuousTail) / continuous
            // The density matters where it carries mass: above 1e-12 of the continuous mass per
            // unit of the scale. Below, at the cut-off ends of smooth laws (GELU, SiLU at small q*:
            // Gaussian tails), it flickers between 0 and the rounding of w (Im w ~ 1e-13 |w|, see
            // `BranchWalker.point`), and neither its ratios nor its zeros say anything (SiLU at
            // q* = 1e-10, L = 30 halved its steps at every flicker and ran out of them). The ratio
            // test applies where either end matters (a rise out of the flicker into the band is
            // resolved like any other), and a band edge is where the density turns from 0 to one
            // that matters.
            let ratio = (significant(last) || significant(p)) && last.logDensity > 0 && p.logDensity > 0
                ? max(p.logDensity / last.logDensity, last.logDensity / p.logDensity) : 1
            let crossesBandEdge = !points.isEmpty && (p.logDensity == 0 && significant(last) || last.logDensity == 0 && significant(p))
            if ((dF > 0.01 || ratio > 1.4) && h > 1e-9 * unit) || (crossesBandEdge && h > 1e-12 * unit * max(1, abs(t))) {
                h /= 2
                continue
            }
            walker = trial
            points.append(p)
            last = p
            t -= h
            peakDensity = max(peakDensity, p.logDensity)
            // Steps grow to 4 in t, or to 1 % of the distance from the edge: deep spectra span
            // ~10⁶ units of t (GELU at q* = 8, L = 10 000: 4·10⁶), which that crosses in ~1 300
            // steps (0.1 % took 8 000, most of the cost of the answer); the dF and density-ratio
            // tests above still bound every step, and the walk between two points takes its own
            // steps.
            if dF < 0.003 && ratio < 1.15 { h = min(h * 1.5, max(4 * unit, 1e-2 * (edge.logLocation - t))) }
            // Stop once the continuous part has no mass left below t: its CDF is below 1e-12
            // or, where the closed-form CDF has reached its rounding floor, the density of
            // log λ is 1e-14 of its peak and falling.
            let below = (continuous - p.continuousTail) / continuous
            if below < 1e-12 || (below < 1e-6 && p.logDensity < 1e-14 * peakDensity && peakDensity > 0) {
                // The band may end just below, at a lower edge (one Gaussian layer with a zero
                // atom: Marchenko–Pastur of ratio p on [σ²(1 − √p)², σ²(1 + √p)²], where F is
                // 1e-12 some 1e-8 above the edge): one point 1e-6 of the scale further tells that
                // (density 0 there, the support bounded below) from a part that reaches down to 0.
                // The edge is then bisected to 1e-12 of the scale, and the skeleton ends with the
                // first point below it.
                if p.logDensity > 0, let probe = try? trial.point(at: t - 1e-6 * unit * max(1, abs(t))), probe.logDensity == 0 {
                    var inside = p, outside = probe
                    while inside.logX - outside.logX > 1e-12 * unit * max(1, abs(t)) {
                        var resumed = BranchWalker(product: product, edge: edge, at: inside)
                        guard let middle = try? resumed.point(at: 0.5 * (inside.logX + outside.logX)) else { break }
                        if middle.logDensity > 0 { inside = middle } else { outside = middle }
                    }
                    if inside.logX != p.logX { points.append(inside) }
                    points.append(outside)
                }
                return points
            }
        }
        // Out of steps with mass left below: an error, not a silently truncated spectrum.
        throw NumericalError.didNotConverge(String(
            format: "the spectrum's skeleton used 200 000 steps and stopped at log λ = %.6g with a mass %.2g of the continuous part still below",
            t, (continuous - last.continuousTail) / continuous))
    }

    /// log λ_max: the upper edge of the continuous part, or an atom above it (orthogonal
    /// hard-tanh with L(1 − p) < 1 has its atom at σ_w^{2L} above a gap).
    public var logLambdaMax: Double {
        atoms.filter { !$0.isAtZero }.map(\.logLocation).reduce(edge.logLocation, max)
    }

    /// Intervals [a, b] (as log λ) on which the density is positive, from the skeleton; an
    /// interval's ends are located to the skeleton's resolution.
    public var logSupport: [ClosedRange<Double>] {
        var intervals: [ClosedRange<Double>] = []
        var upper: Double? = edge.logLocation
        var previousT = edge.logLocation
        for p in skeleton {
            let inside = p.logDensity > 0
            if inside, upper == nil { upper = previousT }
            if !inside, let u = upper { intervals.append(p.logX...u); upper = nil }
            previousT = p.logX
        }
        if let u = upper, let bottom = skeleton.last?.logX {
            // Open at the bottom: the continuous part reaches down to 0 (log λ → −∞).
            intervals.append(min(bottom, u)...u)
        }
        return intervals.reversed()
    }

    /// Whether the continuous part reaches down to λ = 0 (its lowest interval is open): the
    /// density is still positive where the skeleton ends, and 0 is not excluded a priori. It is
    /// excluded for square orthogonal layers whose slope laws are bounded away from 0 (inf D² above
    /// 1e-24 sup D²: a zero of φ′ located by bisection leaves D² ~ 1e-33 there, SiLU, GELU): the
    /// support then lies in [Π σ_w² inf D², Π σ_w² sup D²], and the skeleton ends only because
    /// less than 1e-12 of the mass is left below (tanh at q* = 1e-5: D² ≥ 0.998).
    public var reachesZero: Bool {
        let boundedAwayFromZero = product.isSquare && product.gaussianCount == 0
            && product.slopeGroups.allSatisfy { $0.law.supportHull.lowerBound > 1e-24 * $0.law.supportHull.upperBound }
        return (skeleton.last?.logDensity ?? 0) > 0 && !boundedAwayFromZero
    }

    /// F_c(t): the CDF of the continuous part alone, normalised to 1.
    func continuousCDF(_ p: SpectralPoint) -> Double { 1 - p.continuousTail / continuousMass }

    /// log λ at which the continuous part reaches probability `p` ∈ (0, 1): bracketed on the
    /// skeleton and refined by the Illinois variant of regula falsi on the closed-form CDF,
    /// each trial solved by continuation from the skeleton point above it.
    ///
    /// - Throws: `invalidArgument` for p outside (0, 1) or a spectrum without continuous part.
    public func logQuantile(_ p: Double) throws -> Double {
        guard p > 0, p < 1 else { throw NumericalError.invalidArgument("quantile level must be in (0, 1), got \(p)") }
        guard continuousMass > 0, !skeleton.isEmpty else {
            throw NumericalError.noSolution("the spectrum has no continuous part")
        }
        // F_c decreases along the skeleton (decreasing t).
        guard let j = skeleton.firstIndex(where: { continuousCDF($0) <= p }) else { return skeleton.last!.logX }
        if j == 0 { return skeleton[0].logX }
        let above = skeleton[j - 1]
        let fa = continuousCDF(above) - p, fb = continuousCDF(skeleton[j]) - p
        return try RootFinding.illinois({ c in
            var walker = BranchWalker(product: product, edge: edge, at: above)
            return continuousCDF(try walker.point(at: c)) - p
        }, above.logX, fa, skeleton[j].logX, fb, maxIterations: 60) { a, b in abs(a - b) <= 1e-13 * max(edge.logScale, abs(a)) }
    }

    /// The mass of the computed continuous density and its moments m_k/m_1^k (k = 1 … count,
    /// normalised by the series m_1 = e^{logFirstMoment} so deep spectra do not overflow),
    /// by 8-point Gauss–Legendre panels on the skeleton intervals in t = log λ; on the panel
    /// touching the upper edge the variable is s with t = t_max − s², which makes the
    /// integrand smooth there for a square-root edge (ρ ~ s) and for the inverse-square-root
    /// edge of a single orthogonal layer (ρ ~ 1/s).
    public func densityMoments(count: Int, logFirstMoment: Double) throws -> (mass: Double, normalizedMoments: [Double]) {
        let rule = GaussLegendreRule(points: 8)
        var nodes: [(t: Double, weight: Double)] = []
        var upper = edge.logLocation
        for (i, p) in skeleton.enumerated() {
            let lower = p.logX
            if i == 0 {
                let sMax = (upper - lower).squareRoot()
                for k in rule.nodes.indices {
                    let s = 0.5 * sMax * (rule.nodes[k] + 1)
                    nodes.append((upper - s * s, 0.5 * sMax * rule.weights[k] * 2 * s))
                }
            } else {
                for k in rule.nodes.indices {
                    nodes.append((lower + 0.5 * (upper - lower) * (rule.nodes[k] + 1), 0.5 * (upper - lower) * rule.weights[k]))
                }
            }
            upper = lower
        }
        nodes.sort { $0.t > $1.t }
        // Only ρ is integrated: the CDF (a sum of arguments over every pole of the slope laws,
        // the costliest part of a point) is not computed at the nodes.
        let values = try product.evaluate(descendingLogX: nodes.map(\.t), edge: edge, includeCDF: false)
        var mass = 0.0
        var moments = [Double](repeating: 0, count: count)
        for (node, value) in zip(nodes, values) {
            let f = node.weight * value.logDensity
            mass += f
            for k in 0..<count { moments[k] += f * exp(Double(k + 1) * (node.t - logFirstMoment)) }
        }
        return (mass, moments)
    }
}


extension SpectrumAnalysis {
    /// F(λ) = μ([0, λ]) at every λ of `xs` (any order, any sign), atoms included: solved
    /// exactly by continuation in decreasing order; below the bottom of the skeleton the
    /// continuous part has less than 1e-12 of its mass left and only the atoms count.
    public func cdf(at xs: [Double]) throws -> [Double] {
        let atomCDF: (Double) -> Double = { x in self.atoms.filter { $0.location <= x }.reduce(0) { $0 + $1.mass } }
        let bottom = skeleton.last?.logX ?? edge.logLocation
        let inside = xs.indices.filter { xs[$0] > 0 && log(xs[$0]) < edge.logLocation && log(xs[$0]) > bottom }
            .sorted { xs[$0] > xs[$1] }
        let solved = try product.evaluate(descendingLogX: inside.map { log(xs[$0]) }, edge: edge)
        var result = xs.map { x -> Double in
            if x <= 0 || log(x) <= bottom { return x < 0 ? 0 : atomCDF(x) }
            // Above the continuous part only atoms (at or below its edge, or above it) remain.
            return 1 - self.atoms.filter { $0.location > x }.reduce(0) { $0 + $1.mass }
        }
        for (i, p) in zip(inside, solved) { result[i] = p.cdf }
        return result
    }
}
