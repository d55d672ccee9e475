import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// The Gram law over its whole range — φ, ψ from 1e-6 to 1e6, φ = ψ and |ψ/φ − 1| down to
/// 1e-12 — against witnesses that do not come from the engine: the Pennington–Worah quartic
/// (their equation, derived independently), the asymptotics of the soft lower edge as
/// c = φ/ψ → 1, the φ → 0 limit H = δ + ζ·MP(1/ψ) (Marchenko–Pastur's closed form), and the
/// self-check (mass, moments, F, E_train against ∫ρ) on every activation's answer.
@Suite struct GramRangeTests {
    static let relu = try! LeakyReLU(slope: 0)

    /// The PW quartic at P = (xG − 1 + ψ)/ψ, t = 1/(ψx), relative to the size of its terms.
    static func quarticResidual(_ law: NonlinearGram, _ x: Double, zeta: Double? = nil) throws -> Double {
        let g = law.cauchyTransform(Complex(x, 0))
        let p = (Complex(x) * g - Complex(1 - law.psi)) / Complex(law.psi)
        let coefficients = zeta.map { try! NonlinearGram(eta: 1.01 * law.eta, zeta: $0, phi: law.phi, psi: law.psi) }
            .map { $0.quarticCoefficients(t: Complex(1 / (law.psi * x))) } ?? law.quarticCoefficients(t: Complex(1 / (law.psi * x)))
        var value = Complex<Double>(0), size = 0.0, power = 1.0
        for k in stride(from: coefficients.count - 1, through: 0, by: -1) { value = value * p + coefficients[k] }
        for k in coefficients.indices { size += coefficients[k].length * power; power *= p.length }
        return value.length / size
    }

    /// Inside the support G(x + i0) is a root of the PW quartic to rounding (1e-11 of its
    /// terms), at φ = ψ, at |ψ/φ − 1| = 1e-9, and at the corners of [1e-6, 1e6]². With η off by
    /// 1 % the residual is ≥ 1e-6 where φ, ψ are within [1e-3, 1e3] (the check can fail); at the
    /// corners the quartic's terms are dominated by φ- and ψ-sized ones that barely involve η
    /// and ζ, so there it confirms only the branch and the moments and mass carry the weight.
    @Test(arguments: [(0.5, 0.5), (10.0, 10.0), (5.56698, 5.56226), (1.0, 1.0001), (1.0, 1 + 1e-9), (1e-6, 1e6), (1e6, 1e-6), (1e-6, 1e-6), (1e6, 1e6)] as [(Double, Double)])
    func pwQuarticHoldsEverywhere(phi: Double, psi: Double) throws {
        let law = try NonlinearGram(activation: Self.relu, phi: phi, psi: psi)
        var worstWrong = 0.0
        for interval in law.support {
            for t in [0.01, 0.3, 0.7, 0.99] {
                let x = interval.lowerBound + t * (interval.upperBound - interval.lowerBound)
                #expect(try Self.quarticResidual(law, x) <= 1e-11, "φ \(phi) ψ \(psi) x \(x)")
                worstWrong = max(worstWrong, try Self.quarticResidual(law, x, zeta: 1.01 * law.zeta))
            }
        }
        if max(phi, psi, 1 / phi, 1 / psi) <= 1e3 { #expect(worstWrong >= 1e-6, "φ \(phi) ψ \(psi): \(worstWrong)") }
    }

    /// As c = φ/ψ → 1 the soft lower edge tends to the hard edge at 0: with E₁ = ∫dH/τ,
    /// cI₂^H(u) = c(1 + 2E₁u + O(u²)) = 1 gives u ≈ (1 − c)/(2cE₁) and
    /// x_L = u((1 − c) + cuG_H(u)) ≈ (1 − c)²/(4cE₁), with relative corrections O(1 − c).
    /// E₁ = −G_MP(−δ/ζ)/ζ from MarchenkoPastur's own closed form. Both sides of c = 1 (c > 1
    /// adds the atom 1 − 1/c); the F just above the edge is continuous in c.
    @Test func softLowerEdgeAsPhiApproachesPsi() throws {
        for activation in [Self.relu, Tanh()] as [any Activation] {
            let base = try NonlinearGram(activation: activation, phi: 0.5, psi: 0.5)
            let mp = try MarchenkoPastur(ratio: 2)
            let e1 = -mp.cauchyTransform(Complex(-base.delta / base.zeta, 0)).real / base.zeta
            for requested in [1e-3, 1e-6, 1e-9, -1e-6, -1e-9] {
                let psi = 0.5 / (1 - requested)
                let law = try NonlinearGram(activation: activation, phi: 0.5, psi: psi)
                // 1 − c of the ψ actually stored (0.5/(1 − gap) rounds by 1e-16 relative, which is
                // 1e-7 of a gap of 1e-9).
                let gap = (psi - 0.5) / psi, c = 0.5 / psi
                let predicted = gap * gap / (4 * c * e1)
                #expect(abs(law.support[0].lowerBound / predicted - 1) <= 10 * abs(gap), "\(activation.name) 1 − c = \(gap)")
                #expect(abs((law.atoms.first?.mass ?? 0) - max(0, 1 - 1 / c)) <= 1e-15)
                #expect(abs(law.cdf(0.05) - base.cdf(0.05)) <= 10 * abs(gap).squareRoot(), "\(activation.name) 1 − c = \(gap)")
            }
            // The wrong scaling (linear in 1 − c) is off by a factor ~1/(1 − c).
            let law = try NonlinearGram(activation: activation, phi: 0.5, psi: 0.5 / (1 - 1e-6))
            #expect(law.support[0].lowerBound < 1e-3 * 1e-6 / (4 * e1))
        }
    }

    /// φ → 0 (m ≫ n₀): M tends to the population covariance Σ, whose law is H = δ + ζ·MP(1/ψ):
    /// F_M(x) = F_MP((x − δ)/ζ) up to O(φ/ψ) — here 1e-300, so to rounding (1e-12). A wrong
    /// population (MP(ψ) instead of MP(1/ψ)) is off by > 1e-2.
    @Test(arguments: [0.5, 1.0, 2.0])
    func vanishingPhiIsThePopulationLaw(psi: Double) throws {
        let law = try NonlinearGram(activation: Tanh(), phi: 1e-300, psi: psi)
        let mp = try MarchenkoPastur(ratio: 1 / psi), wrong = try MarchenkoPastur(ratio: psi)
        var worst = 0.0, worstWrong = 0.0
        // (For ψ < 1, H's atom at δ is a bump 1e-150 wide: F inside it is not MP's step.)
        for interval in law.support where interval.upperBound - interval.lowerBound > 1e-6 {
            for t in stride(from: 0.05, through: 0.95, by: 0.1) {
                let x = interval.lowerBound + t * (interval.upperBound - interval.lowerBound)
                let omega = (x - law.delta) / law.zeta
                worst = max(worst, abs(law.cdf(x) - mp.cdf(omega)))
                worstWrong = max(worstWrong, abs(law.cdf(x) - wrong.cdf(omega)))
            }
        }
        #expect(worst <= 1e-12, "ψ \(psi): \(worst)")
        if psi != 1 { #expect(worstWrong > 1e-2) }
    }

    /// Every kind of activation (nonlinear, linear, ζ = 0) at φ = ψ, just off it and at the
    /// corners of [1e-6, 1e6]²: the prediction passes its self-check, E_train included, and
    /// E_train(γ → 0) is 1 − rank(K)/m.
    @Test func everyKindOfActivationAtTheEdgesOfTheRange() throws {
        let shapes: [(Double, Double)] = [(1, 1), (1e-6, 1e-6), (1e6, 1e6), (1e-6, 1e6), (1e6, 1e-6), (0.5, 0.5 * (1 + 1e-9))]
        for name in ["relu", "tanh", "linear", "abs"] {
            let f = try GramActivations.named(name)
            for (phi, psi) in shapes {
                let law = try NonlinearGram(activation: f, phi: phi, psi: psi)
                let prediction = try law.prediction(points: 11, evaluations: [law.lambdaMax / 2], gammas: [1e-12, 1])
                #expect(abs(prediction.check.totalMass - 1) <= 1e-8)
                let c = phi / psi
                let rank = law.isLinear ? min(1, psi, psi / phi) : min(1, psi / phi)  // rank/n₁
                let limit = 1 - rank * c  // 1 − rank/m
                #expect(abs(prediction.trainLoss[0].theory - limit) <= 1e-3, "\(name) φ \(phi) ψ \(psi): E(1e-12) \(prediction.trainLoss[0].theory) vs \(limit)")
            }
        }
    }

    /// A law narrower than 1e-7 of its mean is refused with the reason (abs at φ = 1e-300:
    /// ζ = 0, so H = δ_η and the spread is √(φ/ψ) = 1e-150).
    @Test func unresolvableLawIsRefused() throws {
        do {
            _ = try NonlinearGram(activation: try GramActivations.named("abs"), phi: 1e-300, psi: 1)
            Issue.record("a law 1e-150 wide was not refused")
        } catch NumericalError.invalidArgument(let message) {
            #expect(message.contains("relative spread"))
        }
    }
}
