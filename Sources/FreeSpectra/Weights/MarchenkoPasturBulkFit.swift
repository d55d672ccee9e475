import Foundation

/// The Marchenko–Pastur bulk of an ESD (X = WᵀW/N, N × M, ratio c = M/N ≤ 1), its edges, its
/// spikes and their strengths.
///
/// σ² estimator: the trace of the bulk, σ̂² = mean of the bulk eigenvalues (the first MP
/// moment is σ² for every ratio, so Q = 1 — c = 1, lower edge 0, density ∝ x^{−1/2} there —
/// needs no special case and no likelihood over a singular density), with iterative removal
/// of spikes: start from all eigenvalues; the threshold is τ = λ₊ + s·σ_TW with
/// λ₊ = σ̂²(1 + √c)²; eigenvalues above τ are spikes; re-estimate σ̂² from the rest; repeat
/// until the set of spikes is unchanged (`converged`). The removal stops, unconverged, rather
/// than drop more than half of the eigenvalues (a heavy-tailed ESD has no MP bulk to find).
///
/// Spike threshold: Johnstone's Tracy–Widom scale of the largest eigenvalue of a real
/// Wishart matrix (Johnstone, Ann. Statist. 29 (2001) 295, Thm 1.1, to leading order),
/// σ_TW = σ² (√N + √M)(1/√N + 1/√M)^{1/3} / N ∝ N^{−2/3}, and s a quantile of TW₁ (default
/// 2.0234, the 99 % quantile: a pure-noise layer shows a false spike with probability 1 %).
/// WeightWatcher instead adds √σ_TW, an offset ∝ N^{−1/3}, which is far larger and misses
/// spikes near the edge; this fit does not.
///
/// KS of the bulk to MP(c, σ̂²): the two-sided distance between the bulk eigenvalues and the
/// MP distribution function (truncated at τ, where MP has no mass to speak of).
public struct MarchenkoPasturBulkFit: Sendable, Equatable, Codable {
    /// σ̂², the entry variance of the bulk.
    public let variance: Double
    /// c = M/N.
    public let ratio: Double
    /// λ₋ = σ̂²(1 − √c)², λ₊ = σ̂²(1 + √c)².
    public let lowerEdge: Double
    public let upperEdge: Double
    /// σ_TW (see above) and the quantile s used.
    public let tracyWidomScale: Double
    public let tracyWidomQuantile: Double
    /// τ = λ₊ + s·σ_TW.
    public let threshold: Double
    /// Eigenvalues above τ, ascending.
    public let spikes: [Double]
    /// The largest bulk eigenvalue (≤ τ).
    public let bulkMax: Double
    /// The two-sided KS distance of the bulk to MP(c, σ̂²), and the number of bulk eigenvalues.
    public let ksDistance: Double
    public let bulkCount: Int
    /// Whether the spike removal reached a fixed point without dropping half of the ESD.
    public let converged: Bool

    /// The 99 % quantile of the Tracy–Widom GOE law TW₁, 2.0234 (Tracy & Widom, Commun. Math.
    /// Phys. 177 (1996) 727; the value as tabulated by Bornemann's numerical evaluation, 2010).
    public static let defaultQuantile = 2.0234

    /// Fits the bulk of `esd`. `quantile` is s, in units of σ_TW.
    /// - Throws: `invalidArgument` for an ESD with fewer than 2 eigenvalues or a
    ///   non-positive trace.
    public init(_ esd: EmpiricalSpectralDensity, quantile: Double = MarchenkoPasturBulkFit.defaultQuantile) throws {
        let x = esd.eigenvalues
        guard x.count >= 2 else { throw NumericalError.invalidArgument("an MP fit needs at least 2 eigenvalues, got \(x.count)") }
        try require(quantile, "the Tracy–Widom quantile s", { $0 >= 0 }, "finite and ≥ 0")
        let c = esd.ratio, n = Double(esd.rows), m = Double(esd.columns)
        let twFactor = (n.squareRoot() + m.squareRoot()) * pow(1 / n.squareRoot() + 1 / m.squareRoot(), 1.0 / 3) / n
        var prefix = [Double](repeating: 0, count: x.count + 1)
        for i in 0..<x.count { prefix[i + 1] = prefix[i] + x[i] }
        guard prefix[x.count] > 0 else { throw NumericalError.invalidArgument("the ESD has no positive trace (all eigenvalues are 0)") }
        var bulk = x.count
        var converged = false
        var sigma2 = prefix[bulk] / Double(bulk)
        for _ in 0..<200 {
            sigma2 = prefix[bulk] / Double(bulk)
            let tau = sigma2 * (1 + c.squareRoot()) * (1 + c.squareRoot()) + quantile * sigma2 * twFactor
            // The bulk is the eigenvalues ≤ τ (binary search in the sorted ESD).
            var lo = 0, hi = x.count
            while lo < hi { let mid = (lo + hi) / 2; if x[mid] <= tau { lo = mid + 1 } else { hi = mid } }
            if lo == bulk { converged = true; break }
            if lo < (x.count + 1) / 2 || lo == 0 { break }
            bulk = lo
        }
        sigma2 = prefix[bulk] / Double(bulk)
        let mp = try MarchenkoPastur(ratio: c, variance: sigma2)
        variance = sigma2
        ratio = c
        lowerEdge = mp.lowerEdge
        upperEdge = mp.upperEdge
        tracyWidomScale = sigma2 * twFactor
        tracyWidomQuantile = quantile
        threshold = upperEdge + quantile * tracyWidomScale
        // With an unconverged removal, the spikes are still everything above the final τ.
        var firstSpike = x.count
        while firstSpike > 0 && x[firstSpike - 1] > threshold { firstSpike -= 1 }
        spikes = Array(x[firstSpike...])
        let bulkValues = x[..<firstSpike]
        bulkCount = bulkValues.count
        bulkMax = bulkValues.last ?? 0
        var d = 0.0
        let k = Double(max(1, bulkValues.count))
        for (i, v) in bulkValues.enumerated() {
            let f = mp.cdf(v)
            d = max(d, abs(f - Double(i) / k), abs(f - Double(i + 1) / k))
        }
        ksDistance = d
        self.converged = converged
    }

    /// The KS distance below which the bulk is called MP-like: 1.63/√n, the 1 % critical
    /// value for n independent points. Eigenvalues are far more rigid than independent
    /// points (their KS to MP at M = 500 is ≈ 0.005, this bound 0.07), so this accepts every
    /// genuinely random bulk and rejects a bulk whose shape is not MP.
    public var ksTolerance: Double { 1.63 / Double(max(1, bulkCount)).squareRoot() }

    /// Whether the bulk is MP-like (KS ≤ `ksTolerance` and the spike removal converged).
    public var bulkIsMarchenkoPastur: Bool { converged && ksDistance <= ksTolerance }
}
