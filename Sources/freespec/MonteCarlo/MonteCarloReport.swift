import FreeSpectra
import Foundation

/// The `monteCarlo` object of a command's JSON output: what every sampled comparison has
/// (`samples`, `seed`, the KS distance `ks`, the `verdict` and the `histogram`) and the
/// model's own fields (`Details`), encoded side by side in one flat object. The model's
/// fields read as the report's own (`report.size`).
@dynamicMemberLookup
struct MonteCarloReport<Details: Encodable>: Encodable {
    var samples: Int
    var seed: UInt64
    var verdict: MonteCarloVerdict
    var histogram: HistogramReport
    var details: Details

    /// The Kolmogorov–Smirnov distance between the pooled sample and the theory CDF.
    var ks: Double { verdict.ks }

    subscript<T>(dynamicMember field: KeyPath<Details, T>) -> T { details[keyPath: field] }

    func encode(to encoder: Encoder) throws {
        try details.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(samples, forKey: .samples)
        try container.encode(seed, forKey: .seed)
        try container.encode(ks, forKey: .ks)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(histogram, forKey: .histogram)
    }
    private enum Key: String, CodingKey { case samples, seed, ks, verdict, histogram }
}

/// A histogram of sampled eigenvalues for JSON output and plots.
struct HistogramReport: Encodable {
    var edges: [Double]
    var counts: [Int]
    /// count / (total · bin width): comparable with ρ(λ).
    var density: [Double]
    /// count / (total · Δlog₁₀ λ), for logarithmic bins: comparable with the density of log₁₀ λ.
    var densityPerLog10: [Double]?
    /// The fraction of the sampled eigenvalues outside the bins (exact zeros, values below the
    /// resolution floor or the binned range): the censored mass a plot must name.
    var unbinnedFraction: Double
    /// Eigenvalues below this were raised to it (not resolved by the SVD; nil: none).
    var resolutionFloor: Double?

    init(_ histogram: SpectrumHistogram, perLog10: Bool = false, resolutionFloor: Double? = nil) {
        edges = histogram.edges
        counts = histogram.counts
        density = histogram.density
        densityPerLog10 = perLog10 ? histogram.densityPerLog10 : nil
        unbinnedFraction = histogram.total > 0 ? Double(histogram.underflow + histogram.overflow) / Double(histogram.total) : 0
        self.resolutionFloor = resolutionFloor
    }
}

extension SpectrumHistogram {
    /// Density of log10 λ per bin (for logarithmic bins): count/(total · Δlog10 λ).
    var densityPerLog10: [Double] {
        (0..<counts.count).map { i in
            let a = edges[i], b = edges[i + 1]
            guard a > 0, b > a, total > 0 else { return 0 }
            return Double(counts[i]) / (Double(total) * (log10(b) - log10(a)))
        }
    }
}

extension EmpiricalSpectrum {
    /// A linear histogram of the pooled eigenvalues; when the theory has an atom at 0, of the
    /// positive ones only: the zeros fall in the underflow but still count in the
    /// normalisation, so the bars compare with the continuous part of ρ.
    func histogram(bins: Int = 60, besideAtomAtZero atZero: Bool) throws -> SpectrumHistogram {
        let positive = pooled.filter { $0 > 0 }
        if atZero, let lo = positive.first, let hi = positive.last, hi > lo {
            return try histogram(bins: bins, range: lo...hi)
        }
        return try histogram(bins: bins)
    }
}

/// The two table rows that state a Monte Carlo verdict: the KS distance against its
/// tolerance, and whether the sample agrees. Rows are [quantity, theory, Monte Carlo].
func verdictRows(_ verdict: MonteCarloVerdict) -> [[String]] {
    [["KS", "", String(format: "%.4f (tolerance %.4f)", verdict.ks, verdict.tolerance)],
     ["verdict", "", verdict.agrees ? "agrees" : "DISAGREES"]]
}
