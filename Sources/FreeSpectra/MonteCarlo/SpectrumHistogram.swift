import Foundation

/// A histogram of eigenvalues: bin k is [edges[k], edges[k+1]) (the last bin is closed).
public struct SpectrumHistogram: Sendable, Equatable, Codable {
    /// bins + 1 increasing edges (equally spaced in λ, or in log λ when `logarithmic`).
    public var edges: [Double]
    /// Eigenvalues per bin.
    public var counts: [Int]
    /// Eigenvalues below the first edge (and, for logarithmic bins, all λ ≤ 0).
    public var underflow: Int
    /// Eigenvalues above the last edge.
    public var overflow: Int
    /// All eigenvalues, including under- and overflow.
    public var total: Int
    /// Whether the bins are equal in log λ.
    public var logarithmic: Bool

    /// Bin centres: arithmetic means of the edges, or geometric for logarithmic bins.
    public var centers: [Double] {
        (0..<counts.count).map { (k: Int) -> Double in
            let lo = edges[k], hi = edges[k + 1]
            return logarithmic ? (lo * hi).squareRoot() : 0.5 * (lo + hi)
        }
    }

    /// The density estimate per unit λ in each bin, count/(total·width): comparable with a
    /// theoretical density ρ(λ) (atoms show up as one tall bin).
    public var density: [Double] {
        (0..<counts.count).map { (k: Int) -> Double in
            let width = edges[k + 1] - edges[k]
            return Double(counts[k]) / (Double(total) * width)
        }
    }

    /// The density estimate per unit ln λ (logarithmic bins), count/(total·Δln λ) — the
    /// natural scale for deep spectra; it equals λ·ρ(λ).
    public var densityPerLogUnit: [Double] {
        (0..<counts.count).map { (k: Int) -> Double in
            let width = log(edges[k + 1] / edges[k])
            return Double(counts[k]) / (Double(total) * width)
        }
    }
}
