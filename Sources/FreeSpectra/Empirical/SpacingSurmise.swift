import Foundation

/// The nearest-neighbour spacing law of a symmetry class, for unfolded levels (mean
/// spacing 1): the Wigner surmise for GOE, GUE and GSE and the exponential law of Poisson
/// levels.
///
/// Wigner surmise (exact for 2 × 2 Gaussian matrices; within about 1–2 % of the large-N
/// Gaudin law in density): P_β(s) = a_β s^β exp(−b_β s²), with b_β = [Γ((β+2)/2)/Γ((β+1)/2)]²
/// (mean 1) and a_β = 2 b_β^{(β+1)/2}/Γ((β+1)/2) (mass 1):
///
///     β = 1:  (π/2) s e^{−πs²/4}
///     β = 2:  (32/π²) s² e^{−4s²/π}
///     β = 4:  (2¹⁸/(3⁶π³)) s⁴ e^{−64s²/(9π)}
///
/// Its CDF is the regularised incomplete gamma function P((β+1)/2, b_β s²), in closed form
/// below; its second moment is (β+1)/(2b_β): 4/π, 3π/8, 45π/128. Poisson: P(s) = e^{−s},
/// F(s) = 1 − e^{−s}, ⟨s²⟩ = 2. Source: M. L. Mehta, *Random Matrices*, 3rd ed. (2004),
/// §1.5 and appendix A.7; derivations in Docs/theory-spacings.md §1.
public struct SpacingSurmise: Sendable, Equatable {
    /// The class whose spacing law this is.
    public let symmetryClass: SymmetryClass

    public init(_ symmetryClass: SymmetryClass) {
        self.symmetryClass = symmetryClass
    }

    /// b_β (the Gaussian rate); 0 for Poisson.
    public var rate: Double {
        switch symmetryClass {
        case .goe: return .pi / 4
        case .gue: return 4 / .pi
        case .gse: return 64 / (9 * .pi)
        case .poisson: return 0
        }
    }

    /// a_β (the normalisation); 1 for Poisson.
    public var amplitude: Double {
        switch symmetryClass {
        case .goe: return .pi / 2
        case .gue: return 32 / (.pi * .pi)
        case .gse: return 262_144 / (729 * .pi * .pi * .pi)
        case .poisson: return 1
        }
    }

    /// P(s) for s ≥ 0; 0 for s < 0.
    public func density(_ s: Double) -> Double {
        guard s >= 0 else { return 0 }
        if symmetryClass == .poisson { return Foundation.exp(-s) }
        return amplitude * Foundation.pow(s, Double(symmetryClass.beta)) * Foundation.exp(-rate * s * s)
    }

    /// F(s) = ∫₀^s P: for x = b_β s², 1 − e^{−x} (β = 1), erf √x − 2√(x/π) e^{−x} (β = 2),
    /// erf √x − 2√(x/π)(1 + 2x/3) e^{−x} (β = 4); 1 − e^{−s} for Poisson; 0 for s ≤ 0.
    public func cdf(_ s: Double) -> Double {
        guard s > 0 else { return 0 }
        if s == .infinity { return 1 }
        let x = rate * s * s
        let root = x.squareRoot()
        switch symmetryClass {
        case .poisson: return -Foundation.expm1(-s)
        case .goe: return -Foundation.expm1(-x)
        case .gue: return Foundation.erf(root) - 2 * root / Double.pi.squareRoot() * Foundation.exp(-x)
        case .gse: return Foundation.erf(root) - 2 * root / Double.pi.squareRoot() * (1 + 2 * x / 3) * Foundation.exp(-x)
        }
    }

    /// ⟨s²⟩ in closed form: (β + 1)/(2b_β) = 4/π, 3π/8, 45π/128; 2 for Poisson.
    public var secondMoment: Double {
        symmetryClass == .poisson ? 2 : Double(symmetryClass.beta + 1) / (2 * rate)
    }
}
