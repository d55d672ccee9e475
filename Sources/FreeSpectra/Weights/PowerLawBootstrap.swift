import Dispatch
import Foundation

/// The goodness-of-fit p-value of a power-law fit by the semi-parametric bootstrap of
/// Clauset, Shalizi & Newman (SIAM Rev. 51 (2009) 661, §4.1).
///
/// Each replicate draws as many points as the data: with probability n_tail/n from the
/// fitted power law above x_min (inverse CDF x = x_min (1 − u)^{−1/(α̂−1)}), otherwise one of
/// the data points below x_min uniformly; it is then fitted exactly as the data were —
/// x_min re-estimated by the KS scan with the same minimum tail — and
/// p = #{replicates with D ≥ D_data} / B. A small p (CSN: ≤ 0.1) rules the power law out;
/// a large one only says that the data do not contradict it.
///
/// Seeded: replicate b uses the xoshiro256** stream `seed` jumped b times, so the p-value is
/// the same on every run and independent of the number of threads (replicates run in
/// parallel over the cores). The `powerlaw` Python package has no such p-value, and
/// WeightWatcher reports none.
public struct PowerLawBootstrap: Sendable, Equatable, Codable {
    /// The p-value and the number of replicates and the seed used.
    public let pValue: Double
    public let replicates: Int
    public let seed: UInt64

    /// - Throws: `invalidArgument` for fewer than 1 replicate or a fit that does not
    ///   belong to `data`.
    public init(data: [Double], fit: PowerLawFit, replicates: Int, seed: UInt64,
                minimumTail: Int = PowerLawFit.defaultMinimumTail) throws {
        guard replicates >= 1 else { throw NumericalError.invalidArgument("the bootstrap needs ≥ 1 replicate, got \(replicates)") }
        let x = try PowerLawFit.checkedSorted(data)
        let below = Array(x.prefix { $0 < fit.xmin })
        guard below.count + fit.nTail == x.count else {
            throw NumericalError.invalidArgument("the fit has n_tail = \(fit.nTail) of \(fit.count) points, the data \(x.count - below.count) of \(x.count) above x_min")
        }
        var streams: [Xoshiro256StarStar] = []
        streams.reserveCapacity(replicates)
        var g = Xoshiro256StarStar(seed: seed)
        for _ in 0..<replicates { streams.append(g); g.jump() }
        let generators = streams
        let n = x.count
        let tailFraction = Double(fit.nTail) / Double(n)
        let inverseExponent = -1 / (fit.alpha - 1)
        let results = ReplicateResults(count: replicates)
        do {
            DispatchQueue.concurrentPerform(iterations: replicates) { b in
                var rng = generators[b]
                var sample = [Double](repeating: 0, count: n)
                for k in 0..<n {
                    if below.isEmpty || rng.nextUniform() < tailFraction {
                        sample[k] = fit.xmin * pow(1 - rng.nextUniform(), inverseExponent)
                    } else {
                        sample[k] = below[Int(rng.next() % UInt64(below.count))]
                    }
                }
                sample.sort()
                // A replicate without minimumTail usable points counts as a worse fit.
                results.store((try? PowerLawFit(sorted: sample, minimumTail: minimumTail))?.ksDistance ?? .infinity, at: b)
            }
        }
        let distances = results.values
        pValue = Double(distances.filter { $0 >= fit.ksDistance }.count) / Double(replicates)
        self.replicates = replicates
        self.seed = seed
    }
}

/// One slot per replicate, each written by exactly one iteration of `concurrentPerform`
/// (disjoint indices, so no two threads touch the same memory) and read after it returns.
final class ReplicateResults: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Double>
    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: .infinity)
    }
    deinit { storage.deallocate() }
    func store(_ value: Double, at index: Int) { storage[index] = value }
    var values: [Double] { Array(storage) }
}
