import Foundation

/// A spectrum solved for: what a prediction reads from it, whichever method produced it.
///
/// `SpectrumAnalysis` solves a free product by continuation from its upper edge;
/// `SingleOrthogonalLayerSpectrum` is the one case where no convolution is needed (one square
/// orthogonal layer: J Jᵀ = σ_w² D², the push-forward of the Gaussian by σ_w² φ′²). All
/// locations are t = log λ so that spectra wider than Double stay representable.
public protocol SolvedSpectrum: Sendable {
    /// Point masses (location λ ≥ 0, mass).
    var atoms: [Atom] { get }
    /// log of the upper edge of the continuous part.
    var logUpperEdge: Double { get }
    /// log λ_max: the upper edge, or an atom above it.
    var logLambdaMax: Double { get }
    /// Intervals (as log λ, increasing) on which the density is positive.
    var logSupport: [ClosedRange<Double>] { get }
    /// Whether the continuous part reaches down to λ = 0 (its lowest interval is open).
    var reachesZero: Bool { get }
    /// Whether there is a continuous part at all (mass above 1e-14 not in atoms).
    var hasContinuousPart: Bool { get }
    /// log λ at which the continuous part alone reaches probability p ∈ (0, 1).
    ///
    /// - Throws: `invalidArgument` for p outside (0, 1); `noSolution` without a continuous part.
    func logQuantile(_ p: Double) throws -> Double
    /// ρ and F at every t = log λ of `logXs` (finite, decreasing); with `includeCDF` false an
    /// implementation may leave the tail at NaN to save time.
    ///
    /// - Throws: `invalidArgument` for unsorted or non-finite t; `didNotConverge` when the
    ///   method cannot reach a point.
    func points(descendingLogX logXs: [Double], includeCDF: Bool) throws -> [SpectralPoint]
    /// Mass of the computed continuous density and its moments m_k/m_1^k, k = 1 … count, with
    /// m_1 = e^{logFirstMoment}: the density integrated by quadrature, a check against the
    /// exact moments of the series.
    func densityMoments(count: Int, logFirstMoment: Double) throws -> (mass: Double, normalizedMoments: [Double])
    /// F(λ) = μ([0, λ]) at every λ of `xs` (any order, any sign), atoms included.
    func cdf(at xs: [Double]) throws -> [Double]
}

extension SolvedSpectrum {
    /// λ_max.
    public var lambdaMax: Double { Foundation.exp(logLambdaMax) }
}

extension SpectrumAnalysis: SolvedSpectrum {
    public var logUpperEdge: Double { edge.logLocation }
    public var hasContinuousPart: Bool { !skeleton.isEmpty }
    /// Below the bottom of a skeleton that ends in a gap (a lower edge of the continuous part)
    /// only atoms remain: those points are answered from them, without walking the real branch
    /// into the gap (where, towards λ → 0, w → μ({0}) − 1 and u → 0 leave M(u) − w no digits).
    public func points(descendingLogX logXs: [Double], includeCDF: Bool = true) throws -> [SpectralPoint] {
        guard let bottom = skeleton.last, bottom.logDensity == 0 else {
            return try product.evaluate(descendingLogX: logXs, edge: edge, includeCDF: includeCDF)
        }
        let inside = logXs.prefix { !($0 < bottom.logX) }
        var result = try product.evaluate(descendingLogX: Array(inside), edge: edge, includeCDF: includeCDF)
        for (i, t) in logXs.enumerated().dropFirst(inside.count) {
            guard t.isFinite else { throw NumericalError.invalidArgument("log λ must be finite, got \(t)") }
            if i > 0 && t > logXs[i - 1] { throw NumericalError.invalidArgument("points must be sorted in decreasing order") }
            let tail = atoms.filter { !$0.isAtZero && $0.logLocation > t }.reduce(continuousMass) { $0 + $1.mass }
            result.append(SpectralPoint(logX: t, logDensity: 0, tail: includeCDF ? tail : .nan,
                                        continuousTail: includeCDF ? continuousMass : .nan, state: nil))
        }
        return result
    }
}
