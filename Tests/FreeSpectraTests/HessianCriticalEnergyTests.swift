import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// ε_c(φ): closed form vs root finding on the lower edge, the φ → 1 asymptotics, the
/// index below/above ε_c and the 3/2 law with the analytic α₀(φ).
@Suite struct HessianCriticalEnergyTests {
    /// The closed form (stable and as printed) against Brent on λ_min(ε): Brent stops at
    /// relative width 1e-14 and λ_min (a polished quartic root) is good to ~1e-16, with
    /// |dλ_min/dε| = 2|G_e| = O(1): agreement to 1e-10 absolute has large margin.
    @Test func closedFormEqualsNumeric() throws {
        for i in 1...99 {
            let phi = Double(i) / 100
            let closed = try LossHessian.criticalEnergy(phi: phi)
            let printed = (1 - 20 * phi - 8 * phi * phi + pow(1 + 8 * phi, 1.5)) / 16
            let numeric = try LossHessian.criticalEnergyNumeric(phi: phi)
            #expect(abs(closed - numeric) <= 1e-10, "φ \(phi)")
            #expect(abs(closed - printed) <= 1e-14, "φ \(phi)")  // cancellation in the printed form: ~27 ulp
            #expect(closed > 0)
        }
        for phi in [1.0, 1.5, 3.0] {
            #expect(try LossHessian.criticalEnergy(phi: phi) == 0)
            #expect(try LossHessian.criticalEnergyNumeric(phi: phi) == 0)
        }
    }

    /// ε_c = (2/27)δ³(1 + δ/3 + O(δ²)), δ = 1 − φ (expansion of 4φδ³/(54 − 72δ + …)).
    @Test func nearPhiOneAsymptotics() throws {
        for delta in [0.1, 0.01, 1e-3, 1e-4] {
            let ratio = try LossHessian.criticalEnergy(phi: 1 - delta) / (2.0 / 27 * delta * delta * delta)
            #expect(abs(ratio - 1 - delta / 3) <= delta * delta, "δ \(delta): ratio \(ratio)")
        }
        // Numeric and closed agree relatively even where ε_c ≈ 7e-11 (φ = 0.999).
        let closed = try LossHessian.criticalEnergy(phi: 0.999)
        #expect(abs(try LossHessian.criticalEnergyNumeric(phi: 0.999) - closed) <= 1e-8 * closed)
    }

    @Test func indexVanishesBelowAndGrowsAbove() throws {
        for phi in [0.1, 0.25, 0.5, 0.75, 0.9] {
            let ec = try LossHessian.criticalEnergy(phi: phi)
            // The edge crosses 0 within ε_c(1 ± 1e-6).
            #expect(try LossHessian(phi: phi, epsilon: ec * (1 - 1e-6)).lambdaMin > 0)
            #expect(try LossHessian(phi: phi, epsilon: ec * (1 + 1e-6)).lambdaMin < 0)
            for f in [0.0, 0.5, 0.9, 0.999] { #expect(try LossHessian(phi: phi, epsilon: f * ec).index() == 0) }
            var previous = 0.0
            for f in [1.001, 1.1, 2, 5] {
                let alpha = try LossHessian(phi: phi, epsilon: f * ec).index()
                #expect(alpha > previous, "φ \(phi) ε = \(f) ε_c")
                previous = alpha
            }
        }
    }

    /// α ≈ α₀(ε − ε_c)^{3/2}: the correction is linear in δ = ε − ε_c (≈ −0.8 δ/ε_c relative
    /// for φ = 0.25…0.75), so at δ = 1e-4 ε_c the ratio is 1 within 1e-3 (quadrature 1e-11
    /// relative is far below), at δ = 1e-2 ε_c within 1 %, and by δ = 0.1 ε_c the law is off by
    /// more than 5 % (it does not hold that far out — the test can fail in both directions).
    @Test func threeHalvesLaw() throws {
        for phi in [0.25, 0.5, 0.75] {
            let ec = try LossHessian.criticalEnergy(phi: phi)
            let alpha0 = try #require(try LossHessian.indexPrefactor(phi: phi))
            func ratio(_ r: Double) throws -> Double {
                try LossHessian(phi: phi, epsilon: ec * (1 + r)).index() / (alpha0 * pow(r * ec, 1.5))
            }
            #expect(abs(try ratio(1e-4) - 1) <= 1e-3)
            #expect(abs(try ratio(1e-2) - 1) <= 1e-2)
            #expect(abs(try ratio(0.1) - 1) >= 0.05)
            // G_e is the double root of the cubic at z = 0, ε = ε_c (rounding: 1e-12).
            let g = try LossHessian.criticalEdgeCauchyTransform(phi: phi)
            let p = 2 * phi * ec * g * g * g - 2 * ec * g * g + (phi - 1) * g - 1
            let dp = 6 * phi * ec * g * g - 4 * ec * g + (phi - 1)
            #expect(abs(p) <= 1e-12 && abs(dp) <= 1e-12)
            // ... and the physical G(0) at ε_c: the double root costs half the digits (1e-6).
            let h = try LossHessian(phi: phi, epsilon: ec)
            #expect(abs(h.cauchyTransform(Complex(0, 0)).real - g) <= 1e-6 * abs(g))
        }
        #expect(try LossHessian.indexPrefactor(phi: 1.0) == nil)
    }
}
