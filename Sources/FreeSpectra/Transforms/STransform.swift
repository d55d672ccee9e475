/// Conversions between moments and the S-transform as truncated power series.
///
/// Convention (Docs/theory.md): M(z) = Σ_{k≥1} m_k z^{−k}; writing y = 1/z, ψ(y) = Σ m_k y^k
/// and χ = ψ⁻¹ its compositional inverse, M⁻¹(w) = 1/χ(w) and
/// S(w) = (1 + w)/(w M⁻¹(w)) = (1 + w) χ(w)/w. For free A, B: S_{AB} = S_A S_B.
///
/// Both directions need m_1 ≠ 0 (S(0) = 1/m_1).
public enum STransform {
    /// The S-transform series s_0 + s_1 w + … + s_{n−1} w^{n−1} of a measure with moments
    /// m_1 … m_n (`moments[0]` = m_1).
    ///
    /// - Throws: `invalidArgument` if m_1 = 0 or fewer than one moment is given.
    public static func series(fromMoments moments: [Double]) throws -> PowerSeries {
        guard let m1 = moments.first, m1 != 0 else {
            throw NumericalError.invalidArgument("the S-transform needs a non-zero first moment")
        }
        let psi = PowerSeries([0] + moments)
        let chi = try psi.reverted()
        // χ(w)/w: drop the zero constant term.
        let chiOverW = PowerSeries(Array(chi.coefficients.dropFirst()))
        let onePlusW = PowerSeries([1, 1] + [Double](repeating: 0, count: max(0, chiOverW.order - 2)))
        return chiOverW * onePlusW
    }

    /// The moments m_1 … m_n of the measure whose S-transform has the series `s` (n terms).
    ///
    /// - Throws: `invalidArgument` if s_0 = 0.
    public static func moments(fromSeries s: PowerSeries) throws -> [Double] {
        guard s[0] != 0 else { throw NumericalError.invalidArgument("S(0) must be non-zero") }
        let n = s.order
        // χ(w) = w S(w)/(1 + w), kept to n + 1 terms.
        var inverseOnePlusW = PowerSeries((0..<n).map { $0 % 2 == 0 ? 1.0 : -1.0 })
        inverseOnePlusW = inverseOnePlusW * s
        let chi = PowerSeries([0] + inverseOnePlusW.coefficients)
        let psi = try chi.reverted()
        return Array(psi.coefficients.dropFirst())
    }
}
