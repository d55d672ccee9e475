import Foundation

/// Monte Carlo spectra of the Pennington–Bahri Hessian model H = H₀ + H₁.
public struct HessianSamples: Sendable {
    /// The requested φ.
    public let phi: Double
    /// The ratio actually sampled, n/m with m = round(n/φ); compare with
    /// `LossHessian(phi: effectivePhi, …)`.
    public let effectivePhi: Double
    public let epsilon: Double
    /// n, the matrix size (number of parameters).
    public let size: Int
    /// m, the number of data points (columns of X).
    public let dataPoints: Int
    /// The eigenvalues of each sample, pooled.
    public let spectrum: EmpiricalSpectrum
    /// The fraction of negative eigenvalues (below −1e-12·max|λ|, the rounding level), mean
    /// over samples with its standard error.
    public let index: MonteCarloEstimate
}

/// Samples H = H₀ + H₁ with H₀ = (1/m) X Xᵀ, X n × m with N(0, 1) entries (spectrum →
/// Marchenko–Pastur with ratio φ = n/m, n = parameters, m = data points, as in Pennington &
/// Bahri 2017), and H₁ a GOE matrix with off-diagonal variance 2ε/n (diagonal 4ε/n), whose
/// spectrum → the semicircle of variance 2ε. H₀ and H₁ are independent, hence
/// asymptotically free. Eigenvalues by LAPACK `dsyevd` (`LinearAlgebra`); random matrices by
/// `RandomMatrices` from a seeded xoshiro256** stream per sample.
public enum HessianSampler {
    /// `samples` independent matrices of size n = `size`; sample s uses
    /// `Xoshiro256StarStar(seed: seed).stream(s)`, so each is reproducible on its own.
    ///
    /// ε = 0 samples H₀ alone.
    /// - Throws: `invalidArgument` for φ ≤ 0, ε < 0, non-finite parameters, size < 2 or
    ///   samples < 1; `library` if LAPACK fails.
    public static func sample(phi: Double, epsilon: Double, size n: Int, samples: Int, seed: UInt64) throws -> HessianSamples {
        try require(phi, "φ (parameters / data points)", { $0 > 0 }, "finite and > 0")
        try require(epsilon, "ε (energy)", { $0 >= 0 }, "finite and ≥ 0")
        guard n >= 2, samples >= 1 else {
            throw NumericalError.invalidArgument("Hessian sampling needs size ≥ 2 and samples ≥ 1, got \(n), \(samples)")
        }
        let m = max(1, Int((Double(n) / phi).rounded()))
        let root = Xoshiro256StarStar(seed: seed)
        var eigenvalues: [[Double]] = []
        for s in 0..<samples {
            var generator = root.stream(s)
            var h = try RandomMatrices.wishart(dimension: n, degreesOfFreedom: m, variance: 1, using: &generator)
            if epsilon > 0 {
                let w = try RandomMatrices.wigner(size: n, variance: 2 * epsilon, using: &generator)
                for i in 0..<h.storage.count { h.storage[i] += w.storage[i] }
            }
            eigenvalues.append(try LinearAlgebra.symmetricEigenvalues(h))
        }
        // dsyevd is accurate to ~ε_machine·‖H‖: eigenvalues within 1e-12·‖H‖ of 0 are rounding
        // noise (for ε = 0, φ > 1 they are MP's atom) and are not counted as negative.
        let perSample = eigenvalues.map { e -> Double in
            let noise = 1e-12 * (e.map(abs).max() ?? 0)
            return Double(e.filter { $0 < -noise }.count) / Double(e.count)
        }
        let mean = perSample.reduce(0, +) / Double(samples)
        return HessianSamples(
            phi: phi, effectivePhi: Double(n) / Double(m), epsilon: epsilon, size: n, dataPoints: m,
            spectrum: try EmpiricalSpectrum(samples: eigenvalues),
            index: MonteCarloEstimate(value: mean, standardError: EmpiricalSpectrum.standardError(perSample)))
    }
}
