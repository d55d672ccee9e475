import Foundation

/// The mean of observations that come in groups (samples, or contiguous blocks of one
/// sample), with the standard error of the ratio estimator over the groups.
///
/// Observations within a sample are correlated (consecutive spacing ratios share a spacing;
/// eigenvalues are rigid), so σ/√n over all of them is wrong. Groups are independent, or
/// nearly so, and the mean over all observations m = Σ_g n_g m_g / n is a ratio estimator
/// whose variance is estimated by
///
///     se² = G/(G − 1) · Σ_g (n_g/n)² (m_g − m)²
///
/// (W. G. Cochran, *Sampling Techniques*, 3rd ed. (1977), eq. 6.13 with the group counts as
/// the auxiliary variable); for equal group sizes it is the standard deviation of the G
/// group means over √G.
public enum GroupedMean {
    /// The pooled mean and its standard error; the standard error is NaN with fewer than
    /// two non-empty groups, the mean NaN when there is no observation at all.
    public static func estimate(_ groups: [[Double]]) -> MonteCarloEstimate {
        let filled = groups.filter { !$0.isEmpty }
        let n = Double(filled.reduce(0) { $0 + $1.count })
        guard n > 0 else { return MonteCarloEstimate(value: .nan, standardError: .nan) }
        let mean = filled.reduce(0) { $0 + $1.reduce(0, +) } / n
        guard filled.count >= 2 else { return MonteCarloEstimate(value: mean, standardError: .nan) }
        let g = Double(filled.count)
        let sum = filled.reduce(0.0) { acc, group in
            let share = Double(group.count) / n
            let deviation = group.reduce(0, +) / Double(group.count) - mean
            return acc + share * share * deviation * deviation
        }
        return MonteCarloEstimate(value: mean, standardError: (g / (g - 1) * sum).squareRoot())
    }
}

/// How the observations of each sample are grouped for a standard error (`GroupedMean`):
/// whole samples when there are at least `minimumGroups` of them, otherwise each sample cut
/// into ⌈minimumGroups/S⌉ contiguous blocks of (nearly) equal length, in level order.
public struct StandardErrorGroups: Sendable, Equatable, Codable {
    /// The number of samples S.
    public let samples: Int
    /// Blocks per sample (1: the groups are the samples).
    public let blocksPerSample: Int

    /// The fewest groups from which a standard deviation is estimated (its relative error is
    /// about 1/√(2(G − 1)) ≈ 24 % at G = 10).
    public static let minimumGroups = 10

    public init(samples: Int) {
        self.samples = samples
        blocksPerSample = samples >= Self.minimumGroups ? 1 : (Self.minimumGroups + samples - 1) / max(samples, 1)
    }

    /// The groups of `perSample` (one array of observations per sample, in level order).
    public func groups(_ perSample: [[Double]]) -> [[Double]] {
        guard blocksPerSample > 1 else { return perSample }
        return perSample.flatMap { values -> [[Double]] in
            let n = values.count
            return (0..<blocksPerSample).map { b in Array(values[(b * n / blocksPerSample)..<((b + 1) * n / blocksPerSample)]) }
        }
    }

    /// In words, for the output: "the 12 per-sample means" or "10 blocks (each of the 2 samples cut into 5 contiguous blocks)".
    public var description: String {
        blocksPerSample == 1
            ? "ratio estimator over the \(samples) samples' means"
            : "ratio estimator over \(samples * blocksPerSample) contiguous blocks (each of the \(samples) sample\(samples == 1 ? "" : "s") cut into \(blocksPerSample))"
    }
}
