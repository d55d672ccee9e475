import Foundation

/// The eigenvalues of one or more independent matrices ("samples"), checked and sorted, the
/// input of `LevelStatistics`.
///
/// Samples are kept apart: spacings, ratios and windows never straddle two samples, and
/// standard errors come from their spread (`StandardErrorGroups`).
public struct LevelSamples: Sendable {
    /// Each sample's eigenvalues, ascending, exactly as given otherwise.
    public let samples: [[Double]]
    /// Where they came from, for messages ("levels.npy", "--ensemble goe").
    public let source: String

    /// - Throws: `invalidArgument`, naming `source` and the sample, when there is no sample,
    ///   a sample has fewer than 3 eigenvalues (one spacing ratio needs three levels), an
    ///   eigenvalue is NaN or infinite, or all of a sample's eigenvalues are equal (a
    ///   degenerate spectrum has no spacings to compare).
    public init(_ samples: [[Double]], source: String) throws {
        guard !samples.isEmpty else { throw NumericalError.invalidArgument("\(source): no eigenvalues") }
        for (k, sample) in samples.enumerated() {
            let which = samples.count == 1 ? "" : " sample \(k + 1) of \(samples.count)"
            guard sample.count >= 3 else {
                throw NumericalError.invalidArgument("\(source):\(which) has \(sample.count) eigenvalue\(sample.count == 1 ? "" : "s"); level statistics need at least 3 per sample (two spacings make one ratio)")
            }
            if let i = sample.firstIndex(where: { !$0.isFinite }) {
                throw NumericalError.invalidArgument("\(source):\(which) eigenvalue \(i + 1) is \(sample[i]); every eigenvalue must be a finite number")
            }
            if let first = sample.first, sample.allSatisfy({ $0 == first }) {
                throw NumericalError.invalidArgument("\(source):\(which) all \(sample.count) eigenvalues equal \(first); a degenerate spectrum has no spacings to compare")
            }
        }
        self.samples = samples.map { $0.sorted() }
        self.source = source
    }

    /// Total number of eigenvalues.
    public var count: Int { samples.reduce(0) { $0 + $1.count } }
}

/// Which eigenvalues count as zero modes and are removed before any statistic: |λ| ≤ T.
public enum ZeroModeThreshold: Sendable, Equatable {
    /// T = factor · max|λ| of each sample (1e-12: the rounding level of a symmetric
    /// eigensolver, which returns an exact zero mode as ±ε‖A‖).
    case relative(Double)
    /// T given in the units of λ; 0 removes exact zeros only.
    case absolute(Double)

    /// T for a sample.
    public func threshold(for sample: [Double]) -> Double {
        switch self {
        case .relative(let factor): return factor * (sample.map(abs).max() ?? 0)
        case .absolute(let t): return t
        }
    }

    /// "|λ| ≤ 1e-12·max|λ|" or "|λ| ≤ 0.001".
    public var description: String {
        switch self {
        case .relative(let f): return "|λ| ≤ \(f)·max|λ|"
        case .absolute(let t): return "|λ| ≤ \(t)"
        }
    }
}

/// One sample after the zero modes are removed and the edges trimmed.
public struct PreparedSample: Sendable {
    /// The sample's size as given (the N of a model's counting function N·F(λ)).
    public let size: Int
    /// The eigenvalues that are not zero modes, ascending.
    public let levels: [Double]
    /// The indices of `levels` kept after trimming.
    public let kept: Range<Int>
    /// How many zero modes were removed.
    public var removedZeroModes: Int { size - levels.count }
    /// The kept levels.
    public var keptLevels: ArraySlice<Double> { levels[kept] }

    /// Removes |λ| ≤ `threshold` and then the lowest and highest ⌊trim·n⌋ of the n remaining.
    init(_ sample: [Double], threshold: Double, trim: Double) {
        size = sample.count
        levels = sample.filter { abs($0) > threshold }
        let cut = Int((trim * Double(levels.count)).rounded(.down))
        kept = cut..<max(cut, levels.count - cut)
    }
}
