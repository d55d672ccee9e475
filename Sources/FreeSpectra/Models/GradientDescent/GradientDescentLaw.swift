import Foundation

/// A spectral law that gradient descent can be read off: a measure on [0, ∞) with its
/// distribution function (atoms included), so that both integrals ∫ g dμ and masses of
/// intervals μ((l, h)) are available.
public protocol GradientDescentLaw: SpectralMeasure {
    /// F(x) = μ((−∞, x]), atoms included.
    func cdf(_ x: Double) -> Double
}

/// Marchenko–Pastur: the law of A = XᵀX/m for linear regression on i.i.d. features.
extension MarchenkoPastur: GradientDescentLaw {}

/// Pennington–Worah: the law of A = YYᵀ/m for regression on random features.
extension NonlinearGram: GradientDescentLaw {}
