/// The Kolmogorov–Smirnov distance sup_x |F_n(x) − F(x)| of a sample from a continuous CDF F:
/// for the sorted sample x₍₁₎ ≤ … ≤ x₍ₙ₎, max_i max(i/n − F(x₍ᵢ₎), F(x₍ᵢ₎) − (i − 1)/n).
///
/// Used as a distance between laws, not as a test: spacings and ratios of one spectrum are
/// correlated, so the Kolmogorov p-value does not apply to them. NaN for an empty sample.
public func kolmogorovSmirnovDistance(_ sample: [Double], _ cdf: (Double) -> Double) -> Double {
    guard !sample.isEmpty else { return .nan }
    let sorted = sample.sorted(), n = Double(sample.count)
    var d = 0.0
    for (i, x) in sorted.enumerated() {
        let f = cdf(x)
        d = max(d, Double(i + 1) / n - f, f - Double(i) / n)
    }
    return d
}
