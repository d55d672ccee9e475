import Foundation

/// The four universality classes of level statistics that a spectrum is compared with:
/// the Gaussian orthogonal, unitary and symplectic ensembles (Dyson index β = 1, 2, 4) and
/// uncorrelated (Poisson) levels.
public enum SymmetryClass: String, CaseIterable, Sendable, Codable {
    case goe, gue, gse, poisson

    /// The Dyson index β: 1, 2, 4; 0 for Poisson (no level repulsion).
    public var beta: Int {
        switch self {
        case .goe: return 1
        case .gue: return 2
        case .gse: return 4
        case .poisson: return 0
        }
    }

    /// "GOE", "GUE", "GSE", "Poisson".
    public var displayName: String { self == .poisson ? "Poisson" : rawValue.uppercased() }

    /// The mean of r̃ = min(r, 1/r), r = s_n/s_{n−1}, for this class, by `reference`.
    ///
    /// - `.largeN`: the bulk of large matrices, from numerics on N ≫ 1 (Atas, Bogomolny,
    ///   Giraud & Roux, PRL 110, 084101 (2013), Table I): GOE 0.5307, GUE 0.5996, GSE 0.6744,
    ///   each ± 0.0001.
    /// - `.surmise3x3`: exact for 3 × 3 Gaussian matrices (the Atas surmise, `RatioSurmise`):
    ///   4 − 2√3, 2√3/π − 1/2, 32√3/(15π) − 1/2.
    ///
    /// Poisson levels give 2 ln 2 − 1 under both references (exact at every N). The two
    /// kinds of value differ by 0.002 to 0.005, which a large sample resolves: compare a
    /// sample with one reference at a time, never a mixture.
    public func meanRatio(_ reference: RatioReference) -> Double {
        switch (self, reference) {
        case (.poisson, _): return 2 * Foundation.log(2.0) - 1
        case (.goe, .largeN): return 0.5307
        case (.gue, .largeN): return 0.5996
        case (.gse, .largeN): return 0.6744
        case (.goe, .surmise3x3): return 4 - 2 * 3.0.squareRoot()
        case (.gue, .surmise3x3): return 2 * 3.0.squareRoot() / .pi - 0.5
        case (.gse, .surmise3x3): return 32 * 3.0.squareRoot() / (15 * .pi) - 0.5
        }
    }

    /// The uncertainty of `meanRatio(reference)`: ± 0.0001 for the numerical large-N
    /// values (Atas et al. 2013), 0 for the closed forms.
    public func meanRatioUncertainty(_ reference: RatioReference) -> Double {
        self != .poisson && reference == .largeN ? 1e-4 : 0
    }
}

/// Which reference value of the mean spacing ratio a sample is compared with; see
/// `SymmetryClass.meanRatio(_:)`.
public enum RatioReference: String, CaseIterable, Sendable, Codable {
    /// The bulk of large matrices (N → ∞).
    case largeN
    /// 3 × 3 Gaussian matrices, where the Atas surmise is exact.
    case surmise3x3
}
