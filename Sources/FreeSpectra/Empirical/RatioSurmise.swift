import Foundation

/// The law of the ratio of consecutive spacings r = s_n/s_{n−1}, and of r̃ = min(r, 1/r),
/// for a symmetry class: the surmise of Atas, Bogomolny, Giraud & Roux (PRL 110, 084101,
/// 2013), exact for 3 × 3 Gaussian matrices, and the exact law of Poisson levels.
///
///     P_β(r) = (1/Z_β) (r + r²)^β / (1 + r + r²)^{1 + 3β/2},   r ≥ 0,
///     Z_1 = 8/27,  Z_2 = 4π/(81√3),  Z_4 = 4π/(729√3);
///     Poisson: P(r) = 1/(1 + r)².
///
/// Ratios need no unfolding: the local density cancels. Every P here satisfies
/// P(1/r)/r² = P(r), so r̃ ∈ [0, 1] has density 2P(r̃) and CDF F(x) = 2∫₀^x P. Its mean is
/// 4 − 2√3, 2√3/π − 1/2, 32√3/(15π) − 1/2 (β = 1, 2, 4) and 2 ln 2 − 1 (Poisson), which are
/// the `.surmise3x3` values of `SymmetryClass.meanRatio`. Z_β is derived in
/// Docs/theory-spacings.md §2 (the substitution u = r + 1/2 and a reduction formula).
///
/// The CDF of the surmise is tabulated at first use: 256 equal cells of [0, 1], each
/// integrated by 16-point Gauss–Legendre (the integrand is a smooth rational function of
/// degree ≤ 8 in r over an algebraic factor, so each cell is exact to rounding), and a
/// point inside a cell adds a 16-point rule over its part of the cell.
public struct RatioSurmise: Sendable, Equatable {
    public let symmetryClass: SymmetryClass

    public init(_ symmetryClass: SymmetryClass) {
        self.symmetryClass = symmetryClass
    }

    /// Z_β in closed form (1 for Poisson).
    public var normalization: Double {
        let root3 = 3.0.squareRoot()
        switch symmetryClass {
        case .goe: return 8.0 / 27
        case .gue: return 4 * .pi / (81 * root3)
        case .gse: return 4 * .pi / (729 * root3)
        case .poisson: return 1
        }
    }

    /// P(r) for r ≥ 0 (the law of r itself, on [0, ∞)); 0 for r < 0.
    public func ratioDensity(_ r: Double) -> Double {
        guard r >= 0 else { return 0 }
        if symmetryClass == .poisson { return 1 / ((1 + r) * (1 + r)) }
        let beta = Double(symmetryClass.beta)
        return Foundation.pow(r + r * r, beta) / Foundation.pow(1 + r + r * r, 1 + 1.5 * beta) / normalization
    }

    /// The density 2P(x) of r̃ on [0, 1]; 0 outside.
    public func density(_ x: Double) -> Double {
        x >= 0 && x <= 1 ? 2 * ratioDensity(x) : 0
    }

    /// F(x) = P(r̃ ≤ x): 0 below 0, 1 above 1; Poisson in closed form 2x/(1 + x).
    public func cdf(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        guard x < 1 else { return 1 }
        if symmetryClass == .poisson { return 2 * x / (1 + x) }
        let table = RatioSurmiseTable.tables[symmetryClass.beta]!
        let cells = Double(RatioSurmiseTable.cells)
        let k = min(RatioSurmiseTable.cells - 1, Int(x * cells))
        let start = Double(k) / cells
        return min(1, table[k] + RatioSurmiseTable.integrate(density, from: start, to: x))
    }

    /// ⟨r̃⟩ in closed form: the `.surmise3x3` value of `SymmetryClass.meanRatio`.
    public var mean: Double { symmetryClass.meanRatio(.surmise3x3) }
}

/// The cumulative table behind `RatioSurmise.cdf`.
enum RatioSurmiseTable {
    static let cells = 256

    static func integrate(_ f: (Double) -> Double, from a: Double, to b: Double) -> Double {
        GaussLegendreRule.sixteenPoint.integrate(f, from: a, to: b)
    }

    /// F at the cell starts k/cells, k = 0 … cells, for β = 1, 2, 4.
    static let tables: [Int: [Double]] = {
        var result: [Int: [Double]] = [:]
        for c in [SymmetryClass.goe, .gue, .gse] {
            let law = RatioSurmise(c)
            var values = [0.0]
            for k in 0..<cells {
                values.append(values[k] + integrate(law.density, from: Double(k) / Double(cells), to: Double(k + 1) / Double(cells)))
            }
            result[c.beta] = values
        }
        return result
    }()
}
