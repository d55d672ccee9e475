/// Sampled eigenvalues of J Jᵀ below `resolution` × the largest of all samples are raised to
/// that floor, so a KS comparison only looks where the samples are numerically meaningful.
///
/// The SVD resolves singular values to about ε·σ_max, and a product of L layers loses more;
/// eigenvalues below 10⁻¹² λ_max (exact zeros of a rank-deficient ReLU Jacobian come out as
/// ~10⁻¹⁹⁴, and deep Gaussian spectra put much of their mass below 10⁻⁴⁰ λ_max) are noise in
/// value but not in count. Compare the clamped samples with the theory CDF censored the same
/// way, `censoredCDF`: 0 below the floor, F above it. Then the KS distance is exact in
/// distribution while ignoring the unresolved values.
public func clampedToResolution(_ samples: [[Double]], resolution: Double = 1e-12) -> (samples: [[Double]], floor: Double) {
    let floor = resolution * (samples.compactMap { $0.max() }.max() ?? 0)
    return (samples.map { $0.map { max($0, floor) } }, floor)
}

/// The theory CDF censored at `floor` to match `clampedToResolution`: 0 below, F from it on.
public func censoredCDF(_ cdf: @escaping (Double) -> Double, floor: Double) -> (Double) -> Double {
    { $0 < floor ? 0 : cdf($0) }
}
