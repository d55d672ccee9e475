/// Free cumulants ↔ moments, the coefficient form of the R-transform.
///
/// Convention: R(w) = Σ_{n≥1} κ_n w^{n−1}, so that R(G(z)) + 1/G(z) = z, and R_{μ⊞ν} =
/// R_μ + R_ν (free cumulants add). With the ordinary generating functions
/// M(t) = 1 + Σ m_n tⁿ and C(t) = 1 + Σ κ_n tⁿ, the moment–cumulant relation is
/// M(t) = C(t M(t)), i.e. m_n = Σ_{s=1}^{n} κ_s [t^{n−s}] M(t)^s (Speicher's non-crossing
/// partition formula). Source: A. Nica, R. Speicher, *Lectures on the Combinatorics of Free
/// Probability* (2006), Lecture 16.
public enum FreeCumulants {
    /// m_1 … m_N from κ_1 … κ_N (arrays indexed from 0, entry i is order i + 1).
    public static func moments(fromFreeCumulants kappa: [Double]) -> [Double] {
        let order = kappa.count
        var m = [1.0]  // m_0
        for n in 1...max(order, 1) where order > 0 {
            var value = 0.0
            for s in 1...n {
                value += kappa[s - 1] * coefficientOfPower(m, power: s, degree: n - s)
            }
            m.append(value)
        }
        return Array(m.dropFirst())
    }

    /// κ_1 … κ_N from m_1 … m_N (the inverse recursion: κ_n = m_n − Σ_{s<n} κ_s [t^{n−s}] M^s).
    public static func freeCumulants(fromMoments moments: [Double]) -> [Double] {
        let order = moments.count
        let m = [1.0] + moments
        var kappa: [Double] = []
        for n in 1...max(order, 1) where order > 0 {
            var value = m[n]
            for s in 1..<n {
                value -= kappa[s - 1] * coefficientOfPower(m, power: s, degree: n - s)
            }
            kappa.append(value)
        }
        return kappa
    }

    /// [t^degree] (Σ_i m[i] tⁱ)^power, using only m[0…degree].
    static func coefficientOfPower(_ m: [Double], power: Int, degree: Int) -> Double {
        var result = [Double](repeating: 0, count: degree + 1)
        result[0] = 1
        for _ in 0..<power {
            var next = [Double](repeating: 0, count: degree + 1)
            for i in 0...degree where result[i] != 0 {
                for j in 0...(degree - i) {
                    next[i + j] += result[i] * m[j]
                }
            }
            result = next
        }
        return result[degree]
    }
}
