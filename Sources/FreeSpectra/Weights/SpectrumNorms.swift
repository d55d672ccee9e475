import Foundation

/// Scalar summaries of an ESD (eigenvalues λᵢ of X = WᵀW/N, see `EmpiricalSpectralDensity`).
///
/// - logNorm = log₁₀ Σλᵢ = log₁₀(‖W‖_F²/N), logSpectralNorm = log₁₀ λ_max = log₁₀(‖W‖₂²/N):
///   both in the ESD's normalisation (WeightWatcher's log_norm and log_spectral_norm use
///   ‖W‖_F² and ‖W‖₂² without 1/N; add log₁₀ N to compare);
/// - stableRank = Σλᵢ/λ_max = ‖W‖_F²/‖W‖₂² (independent of the normalisation);
/// - entropy = −Σ pᵢ ln pᵢ / ln M with pᵢ = λᵢ/Σλ: 1 for a flat spectrum, 0 for rank one;
/// - rank = #{λᵢ > M·ε·λ_max} (eigenvalues below are rounding noise of `dsyevd`),
///   rankLoss = M − rank.
public struct SpectrumNorms: Sendable, Equatable, Codable {
    public let logNorm: Double
    public let logSpectralNorm: Double
    public let stableRank: Double
    public let entropy: Double
    public let rank: Int
    public let rankLoss: Int
    public let lambdaMax: Double

    public init(eigenvalues x: [Double]) {
        let m = x.count
        let top = x.max() ?? 0
        let cutoff = Double(max(1, m)) * Double.ulpOfOne * top
        let positive = x.filter { $0 > cutoff }
        let total = positive.reduce(0, +)
        lambdaMax = top
        logNorm = log10(total)
        logSpectralNorm = log10(top)
        stableRank = top > 0 ? total / top : 0
        var h = 0.0
        for v in positive { let p = v / total; h -= p * log(p) }
        entropy = m > 1 ? h / log(Double(m)) : 0
        rank = positive.count
        rankLoss = m - positive.count
    }
}
