import Foundation

/// The sine integral Si(x) = ∫₀^x sin t / t dt (odd; Si(∞) = π/2).
///
/// Three regimes, each accurate to about 1e-14 absolute:
/// - |x| ≤ 6: the Taylor series Σ_k (−1)^k x^{2k+1}/((2k+1)(2k+1)!), whose largest term is
///   below 8 there, so cancellation costs at most one digit;
/// - 6 < |x| < 30: Si(6) plus 16-point Gauss–Legendre on unit panels from 6 (sin t/t is
///   entire: each panel is exact to rounding);
/// - |x| ≥ 30: Si(x) = π/2 − f(x) cos x − g(x) sin x with the asymptotic series
///   f ~ (1/x) Σ (−1)^k (2k)!/x^{2k}, g ~ (1/x²) Σ (−1)^k (2k+1)!/x^{2k}, summed while the
///   terms decrease (the smallest is below 1e-12 of the first at x = 30).
///
/// Source: M. Abramowitz, I. A. Stegun, *Handbook of Mathematical Functions* (1964),
/// 5.2.14 (series), 5.2.8–5.2.9 (f, g), 5.2.34–5.2.35 (asymptotics). NaN gives NaN.
public func sineIntegral(_ x: Double) -> Double {
    if x.isNaN { return .nan }
    if x < 0 { return -sineIntegral(-x) }
    if x == .infinity { return .pi / 2 }
    if x <= 6 { return SineIntegralParts.series(x) }
    if x < 30 {
        var sum = SineIntegralParts.series(6)
        var a = 6.0
        while a < x {
            let b = min(a + 1, x)
            sum += GaussLegendreRule.sixteenPoint.integrate({ Foundation.sin($0) / $0 }, from: a, to: b)
            a = b
        }
        return sum
    }
    return SineIntegralParts.asymptotic(x)
}

enum SineIntegralParts {
    static func series(_ x: Double) -> Double {
        var term = x, sum = x, k = 0
        let x2 = x * x
        while true {
            term *= -x2 / Double((2 * k + 2) * (2 * k + 3))
            let add = term / Double(2 * k + 3)
            sum += add
            k += 1
            if abs(add) < 1e-17 * abs(sum) { return sum }
        }
    }

    static func asymptotic(_ x: Double) -> Double {
        let inverse2 = 1 / (x * x)
        var f = 0.0, g = 0.0
        var termF = 1.0, termG = 1.0, k = 0
        while true {
            f += termF
            g += termG
            let nextF = -termF * Double((2 * k + 1) * (2 * k + 2)) * inverse2
            let nextG = -termG * Double((2 * k + 2) * (2 * k + 3)) * inverse2
            if abs(nextG) >= abs(termG) || abs(nextG) < 1e-17 { break }
            termF = nextF; termG = nextG; k += 1
        }
        return .pi / 2 - (f / x) * Foundation.cos(x) - (g * inverse2) * Foundation.sin(x)
    }
}
