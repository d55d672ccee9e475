import Foundation

/// A discretisation of a spectral law μ for integrals ∫ g dμ of non-negative g that may be
/// sharply peaked at the edges of the support, such as (1 − ηλ)^{2t} for t up to 10⁹.
///
/// Each support interval [a, b] is mapped by λ = a + (b − a)(1 − cos θ)/2, θ ∈ [0, π]. The
/// Jacobian (b − a) sin θ/2 turns a square-root edge ρ ~ √(λ − a) into ρ dλ ~ θ² dθ and a
/// hard edge ρ ~ 1/√λ into a bounded integrand, so no edge is singular in θ. Each half of
/// [0, π] is cut into panels graded geometrically towards its end (widths halving down to
/// 2⁻³⁰·π/2, i.e. λ within ~1e-19 (b − a) of the edge): a peak of width 1/√t in θ at an edge
/// falls on panels of its own size at any t. Every panel carries an n-point Gauss–Legendre
/// rule; the nodes λ_i and weights ω_i ρ(λ_i) dλ/dθ are computed once, and atoms are kept
/// apart with their masses.
///
/// Integrals are returned as logarithms, log ∫ e^{f(λ)} dμ, summed with the largest term
/// factored out, so that values far below or above Double's range (a diverging step size,
/// t = 10⁴ steps) keep their digits. All integrands here are ≥ 0: no cancellation.
///
/// Two rules (16 and 24 points per panel) are built; `logIntegral` returns the finer and
/// throws when they differ by more than `tolerance` relative — a measured error, not a hope.
public struct SpectralQuadrature: Sendable {
    /// Point masses of μ.
    public let atoms: [Atom]
    /// Nodes and log-weights of the continuous part, for each rule (coarse, fine).
    let nodes: [[Double]]
    let logWeights: [[Double]]
    /// The relative difference between the two rules above which an integral is refused.
    public static let tolerance = 1e-9

    /// The rule for `law`'s support intervals and atoms.
    /// - Throws: `invalidArgument` if the support has a non-finite or negative edge.
    public init(_ law: some SpectralMeasure) throws {
        atoms = law.atoms
        var nodes: [[Double]] = [], logWeights: [[Double]] = []
        for order in [16, 24] {
            let rule = GaussLegendreRule(points: order)
            var x: [Double] = [], lw: [Double] = []
            for interval in law.support {
                let a = interval.lowerBound, b = interval.upperBound
                guard a.isFinite, b.isFinite, a >= 0, b >= a else {
                    throw NumericalError.invalidArgument("a spectral quadrature needs a finite support in [0, ∞), got [\(a), \(b)]")
                }
                guard b > a else { continue }
                for (lo, hi) in Self.panels() {
                    let mid = (lo + hi) / 2, half = (hi - lo) / 2
                    for i in 0..<order {
                        let theta = mid + half * rule.nodes[i]
                        // λ − a = (b − a) sin²(θ/2), b − λ = (b − a) cos²(θ/2): no cancellation at either end.
                        let s = sin(theta / 2), c = cos(theta / 2)
                        let lambda = theta < .pi / 2 ? a + (b - a) * s * s : b - (b - a) * c * c
                        let rho = law.density(lambda)
                        guard rho > 0, rho.isFinite else { continue }
                        let jacobian = (b - a) * sin(theta) / 2
                        x.append(lambda)
                        lw.append(Foundation.log(rule.weights[i] * half * jacobian * rho))
                    }
                }
            }
            nodes.append(x); logWeights.append(lw)
        }
        self.nodes = nodes
        self.logWeights = logWeights
    }

    /// Panels of [0, π]: each half graded geometrically towards its end.
    static func panels() -> [(Double, Double)] {
        let half = Double.pi / 2, levels = 30
        var lower: [(Double, Double)] = [(0, half * Foundation.pow(2, -Double(levels)))]
        for k in stride(from: levels, to: 0, by: -1) {
            lower.append((half * Foundation.pow(2, -Double(k)), half * Foundation.pow(2, -Double(k - 1))))
        }
        let upper = lower.reversed().map { (Double.pi - $0.1, Double.pi - $0.0) }
        return lower + upper
    }

    /// log ∫ e^{f(λ)} dμ(λ), atoms included; f may return −∞ (a zero of the integrand).
    /// - Throws: `didNotConverge` when the two rules differ by more than `tolerance` relative,
    ///   or when f is NaN somewhere.
    public func logIntegral(_ f: (Double) -> Double) throws -> Double {
        var results: [Double] = []
        for rule in 0..<2 {
            var terms = atoms.map { Foundation.log($0.mass) + f($0.location) }
            for i in nodes[rule].indices { terms.append(logWeights[rule][i] + f(nodes[rule][i])) }
            results.append(try Self.logSumExp(terms))
        }
        let (coarse, fine) = (results[0], results[1])
        if coarse == -.infinity && fine == -.infinity { return fine }
        guard abs(Foundation.expm1(coarse - fine)) <= Self.tolerance else {
            throw NumericalError.didNotConverge("spectral quadrature: the 16- and 24-point rules differ by \(abs(Foundation.expm1(coarse - fine))) relative (log values \(coarse), \(fine))")
        }
        return fine
    }

    /// log Σ e^{x_i}, with the largest term factored out.
    static func logSumExp(_ x: [Double]) throws -> Double {
        guard !x.contains(where: \.isNaN) else { throw NumericalError.didNotConverge("spectral quadrature: the integrand is NaN") }
        guard let top = x.max(), top > -.infinity else { return -.infinity }
        if top == .infinity { return .infinity }
        return top + Foundation.log(x.reduce(0) { $0 + Foundation.exp($1 - top) })
    }
}
