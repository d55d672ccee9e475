import ComplexModule
import Foundation
import RealModule

/// The spectral law of W Wᵀ for one weight matrix, a factor with an explicit S-transform.
///
/// - `gaussian`: W has i.i.d. entries N(0, σ_w²/N) and is square: W Wᵀ is Marchenko–Pastur
///   with ratio 1 and scale σ_w², S(w) = 1/(σ_w²(1 + w)).
/// - `orthogonal`: W = σ_w Q with Q Haar orthogonal: W Wᵀ = σ_w² I, S(w) = σ_w⁻².
///
/// The engine uses log(1/S(w)), its w-derivative, and the potential
/// P(w) = ∫_0^w v d/dv log(1/S(v)) dv, which enters the closed-form CDF
/// (see `FreeMultiplicativeProduct.solve`).
public enum WeightGramLaw: Sendable, Equatable {
    case gaussian(sigmaW: Double)
    case orthogonal(sigmaW: Double)

    public var sigmaW: Double {
        switch self { case .gaussian(let s), .orthogonal(let s): return s }
    }

    /// log(1/S(w)) and its derivative.
    @inline(__always)
    func logInverseS(_ w: Complex<Double>, logOnePlusW: Complex<Double>) -> (value: Complex<Double>, derivative: Complex<Double>) {
        let s = sigmaW
        switch self {
        case .gaussian: return (Complex(Foundation.log(s * s)) + logOnePlusW, 1 / (1 + w))
        case .orthogonal: return (Complex(Foundation.log(s * s)), .zero)
        }
    }

    /// P(w) = ∫_0^w v (log 1/S)′(v) dv: w − log(1 + w) for Gaussian, 0 for orthogonal.
    @inline(__always)
    func potential(_ w: Complex<Double>, logOnePlusW: Complex<Double>) -> Complex<Double> {
        switch self {
        case .gaussian: return w - logOnePlusW
        case .orthogonal: return .zero
        }
    }

    /// S(w)·σ_w², the S-transform of the law rescaled to unit mean, as a series.
    func normalizedSSeries(order: Int) -> PowerSeries {
        switch self {
        case .gaussian: return PowerSeries((0..<order).map { $0 % 2 == 0 ? 1.0 : -1.0 })
        case .orthogonal: return PowerSeries(constant: 1, order: order)
        }
    }

    /// The atoms of W Wᵀ: σ_w² with mass 1 (orthogonal); none (Gaussian, square).
    var atoms: [Atom] {
        switch self {
        case .gaussian: return []
        case .orthogonal(let s): return [Atom(location: s * s, mass: 1)]
        }
    }
}

extension WeightGramLaw {
    var isGaussian: Bool { if case .gaussian = self { return true } else { return false } }
}
