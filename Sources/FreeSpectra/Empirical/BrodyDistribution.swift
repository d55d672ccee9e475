import Foundation

/// The Brody distribution, which interpolates between Poisson (q = 0) and the GOE Wigner
/// surmise (q = 1) for unfolded spacings (mean 1):
///
///     P_q(s) = (q + 1) b s^q exp(−b s^{q+1}),   b = Γ((q + 2)/(q + 1))^{q+1},
///     F_q(s) = 1 − exp(−b s^{q+1}).
///
/// Source: T. A. Brody, Lett. Nuovo Cimento 7, 482 (1973); T. A. Brody et al., Rev. Mod.
/// Phys. 53, 385 (1981), eq. (5.14). The parameter is estimated by maximum likelihood
/// (`fit`), treating spacings as independent (Docs/theory-spacings.md §3).
public struct BrodyDistribution: Sendable, Equatable {
    /// q ∈ [0, 1].
    public let q: Double

    /// - Throws: `invalidArgument` unless 0 ≤ q ≤ 1.
    public init(q: Double) throws {
        try require(q, "Brody parameter q", { $0 >= 0 && $0 <= 1 }, "in [0, 1]")
        self.q = q
    }

    /// b = Γ((q + 2)/(q + 1))^{q+1}, which makes the mean 1.
    public var rate: Double { Foundation.pow(Foundation.tgamma((q + 2) / (q + 1)), q + 1) }

    /// P_q(s) for s ≥ 0 (0 for s < 0).
    public func density(_ s: Double) -> Double {
        guard s >= 0 else { return 0 }
        let b = rate
        return (q + 1) * b * Foundation.pow(s, q) * Foundation.exp(-b * Foundation.pow(s, q + 1))
    }

    /// F_q(s) = 1 − exp(−b s^{q+1}) (0 for s ≤ 0).
    public func cdf(_ s: Double) -> Double {
        s > 0 ? -Foundation.expm1(-rate * Foundation.pow(s, q + 1)) : 0
    }

    /// Σ log P_q(s_i) over `spacings`; −∞ when a spacing is 0 and q > 0.
    public static func logLikelihood(q: Double, spacings: [Double]) -> Double {
        let b = Foundation.pow(Foundation.tgamma((q + 2) / (q + 1)), q + 1)
        var sum = 0.0
        for s in spacings {
            let repulsion = q == 0 ? 0 : (s > 0 ? q * Foundation.log(s) : -.infinity)
            sum += repulsion - b * Foundation.pow(s, q + 1)
        }
        return sum + Double(spacings.count) * Foundation.log((q + 1) * b)
    }

    /// The maximum-likelihood q̂ over [0, 1]: the log-likelihood on a grid of 41 points,
    /// then golden-section search on the two cells around the best grid point to 1e-7. A
    /// maximum at 0 or 1 is returned as that bound (more clustering than Poisson, or more
    /// repulsion than GOE: the Brody family has no better member).
    /// - Throws: `invalidArgument` for fewer than 2 spacings, a negative or non-finite one,
    ///   or spacings that are all 0.
    public static func fit(_ spacings: [Double]) throws -> Double {
        guard spacings.count >= 2 else { throw NumericalError.invalidArgument("a Brody fit needs at least 2 spacings, got \(spacings.count)") }
        guard spacings.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw NumericalError.invalidArgument("Brody fit: spacings must be finite and ≥ 0")
        }
        guard spacings.contains(where: { $0 > 0 }) else { throw NumericalError.invalidArgument("Brody fit: every spacing is 0") }
        let grid = (0...40).map { Double($0) / 40 }
        let values = grid.map { logLikelihood(q: $0, spacings: spacings) }
        let best = values.indices.max { values[$0] < values[$1] }!
        var lo = grid[max(0, best - 1)], hi = grid[min(grid.count - 1, best + 1)]
        let golden = (5.0.squareRoot() - 1) / 2
        var x1 = hi - golden * (hi - lo), x2 = lo + golden * (hi - lo)
        var f1 = logLikelihood(q: x1, spacings: spacings), f2 = logLikelihood(q: x2, spacings: spacings)
        while hi - lo > 1e-7 {
            if f1 < f2 {
                lo = x1; x1 = x2; f1 = f2
                x2 = lo + golden * (hi - lo); f2 = logLikelihood(q: x2, spacings: spacings)
            } else {
                hi = x2; x2 = x1; f2 = f1
                x1 = hi - golden * (hi - lo); f1 = logLikelihood(q: x1, spacings: spacings)
            }
        }
        let candidates = [grid[best], 0.5 * (lo + hi)]
        return candidates.max { logLikelihood(q: $0, spacings: spacings) < logLikelihood(q: $1, spacings: spacings) }!
    }
}
