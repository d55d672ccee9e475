import Foundation

/// The number variance Σ²(L) and the Dyson–Mehta rigidity Δ₃(L) of unfolded levels, measured
/// over windows, beside their values for each symmetry class (`NumberVarianceTheory`).
///
/// For each sample, windows [x, x + L] start at x = e₁, e₁ + L/2, … up to e_last − L (half
/// overlapping) over its unfolded kept levels e. In a window:
///
/// - Σ²: the observation (n − L)², n the number of levels in [x, x + L) — the variance about
///   the expected count L of levels with mean spacing 1;
/// - Δ₃: min over A, B of (1/L)∫(N(x) − A x − B)² dx for the staircase N, exactly: with t the
///   offset from the window's centre and I_k = ∫ t^k N (k = 0, 1) and J = ∫ N² (the staircase
///   is piecewise constant, so these are finite sums), Δ₃ = (J − I₀²/L − 12 I₁²/L³)/L (the
///   projection of N on the orthogonal basis 1, t of L²[−L/2, L/2]).
///
/// Each is averaged over all windows of all samples with a standard error from
/// `GroupedMean` over `StandardErrorGroups` (windows overlap and are correlated, so σ/√n would
/// be too small). Source: F. J. Dyson, M. L. Mehta, J. Math. Phys. 4, 701 (1963); O. Bohigas,
/// M. J. Giannoni, Lect. Notes Phys. 209, 1 (1984).
public struct SpectralRigidityPoint: Sendable, Codable, Equatable {
    /// The interval length L (in mean spacings).
    public let length: Double
    /// Σ²(L) measured, and its standard error.
    public let numberVariance: MonteCarloEstimate
    /// Σ²(L) of each class.
    public let numberVarianceTheory: PerClass<Double>
    /// Δ₃(L) measured, and its standard error.
    public let rigidity: MonteCarloEstimate
    /// Δ₃(L) of each class.
    public let rigidityTheory: PerClass<Double>
    /// How many windows were averaged.
    public let windows: Int
}

public enum SpectralRigidity {
    /// The default lengths L: 0.5, 1, 2, 5, 10, 20 (those longer than a fifth of the shortest
    /// unfolded sample are dropped).
    public static let defaultLengths: [Double] = [0.5, 1, 2, 5, 10, 20]

    /// Σ²(L) and Δ₃(L) at each of `lengths` from unfolded levels (one ascending array per
    /// sample, mean spacing 1).
    /// - Throws: `invalidArgument` for a length that is not finite and > 0, or longer than the
    ///   shortest sample's span e_last − e_first; `didNotConverge` if a theory quadrature fails.
    public static func measure(_ unfolded: [[Double]], lengths: [Double], groups: StandardErrorGroups) throws -> [SpectralRigidityPoint] {
        let span = unfolded.map { ($0.last ?? 0) - ($0.first ?? 0) }.min() ?? 0
        return try lengths.map { l in
            try require(l, "interval length L", { $0 > 0 }, "finite and > 0")
            guard l <= span else {
                throw NumericalError.invalidArgument("interval length L = \(l) is longer than the shortest unfolded sample (\(span) mean spacings)")
            }
            var variance: [[Double]] = [], rigidity: [[Double]] = []
            for e in unfolded {
                var v: [Double] = [], r: [Double] = []
                var x = e.first!
                while x + l <= e.last! {
                    let lo = lowerBound(e, x), hi = lowerBound(e, x + l)
                    let n = Double(hi - lo)
                    v.append((n - l) * (n - l))
                    r.append(windowRigidity(e[lo..<hi], from: x, length: l))
                    x += l / 2
                }
                variance.append(v)
                rigidity.append(r)
            }
            return SpectralRigidityPoint(
                length: l,
                numberVariance: GroupedMean.estimate(groups.groups(variance)),
                numberVarianceTheory: try PerClass { try NumberVarianceTheory.numberVariance($0, l) },
                rigidity: GroupedMean.estimate(groups.groups(rigidity)),
                rigidityTheory: try PerClass { try NumberVarianceTheory.rigidity($0, l) },
                windows: variance.reduce(0) { $0 + $1.count })
        }
    }

    /// (1/L) min_{A,B} ∫_x^{x+L} (N − A t − B)² for the levels `inside` the window.
    static func windowRigidity(_ inside: ArraySlice<Double>, from a: Double, length l: Double) -> Double {
        let centre = a + l / 2
        var i0 = 0.0, i1 = 0.0, j = 0.0
        var count = 0.0, left = a
        for e in inside + [a + l] {
            let t0 = left - centre, t1 = e - centre
            i0 += count * (t1 - t0)
            i1 += count * (t1 * t1 - t0 * t0) / 2
            j += count * count * (t1 - t0)
            count += 1
            left = e
        }
        return max(0, (j - i0 * i0 / l - 12 * i1 * i1 / (l * l * l)) / l)
    }

    /// The first index i with e[i] ≥ x.
    static func lowerBound(_ e: [Double], _ x: Double) -> Int {
        var lo = 0, hi = e.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if e[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
