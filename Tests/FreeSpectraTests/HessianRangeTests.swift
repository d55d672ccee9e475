import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// The Hessian over its whole range: ε from 5e-324 to 1e6, φ from 1e-300 to 1e6, against
/// witnesses that do not come from the engine — the ε = 0 limit (Marchenko–Pastur), the cubic
/// and its discriminant, the local laws at the atom (a semicircle of mass 1 − 1/φ) and at the
/// hard edge of φ = 1 (the cubic q³ + ζq + 1 = 0), the closed form of ε_c at φ → 0.
@Suite struct HessianRangeTests {
    /// |cubic(G)| relative to the size of its terms at the engine's G(x + i0).
    static func cubicResidual(_ h: LossHessian, _ x: Double) -> Double {
        let g = h.cauchyTransform(Complex(x, 0))
        let c = h.cubicCoefficients(Complex(x, 0))
        var value = Complex<Double>(0), size = 0.0, power = 1.0
        for k in stride(from: 3, through: 0, by: -1) { value = value * g + c[k] }
        for k in 0...3 { size += c[k].length * power; power *= g.length }
        return value.length / size
    }

    /// For φ < 1 the ε → 0 limit is MP(φ) itself: F moves by O(ε) (the edges by 2εG(edge)),
    /// so at ε ≤ 1e-12 the CDF agrees with MP's closed form to 1e-9 everywhere it is evaluated,
    /// the edges to 1e-10; and G(x + i0) solves the cubic (rounding of the terms: 1e-12). A wrong
    /// limit — MP(1.01 φ) — is off by more than 1e-3.
    @Test func tinyEnergyBelowPhiOneIsMarchenkoPastur() throws {
        let phi = 0.5
        let mp = try MarchenkoPastur(ratio: phi), wrong = try MarchenkoPastur(ratio: 1.01 * phi)
        for epsilon in [1e-12, 1e-16, 1e-20, 1e-100, Double("2.2e-308")!, Double.leastNonzeroMagnitude] {
            let h = try LossHessian(phi: phi, epsilon: epsilon)
            #expect(h.support.count == 1 && h.index() == 0)
            #expect(abs(h.support[0].lowerBound - mp.lowerEdge) <= 1e-10 && abs(h.lambdaMax - mp.upperEdge) <= 1e-10)
            var worst = 0.0, wrongWorst = 0.0
            for i in 1..<40 {
                let x = mp.lowerEdge + (mp.upperEdge - mp.lowerEdge) * Double(i) / 40
                worst = max(worst, abs(h.cdf(x) - mp.cdf(x)))
                wrongWorst = max(wrongWorst, abs(h.cdf(x) - wrong.cdf(x)))
                #expect(Self.cubicResidual(h, x) <= 1e-12, "ε \(epsilon) x \(x)")
            }
            #expect(worst <= 1e-9, "ε \(epsilon): max |F − F_MP| = \(worst)")
            #expect(wrongWorst > 1e-3)
        }
    }

    /// For φ > 1 MP's atom p = 1 − 1/φ at 0 becomes a semicircle of radius 2√(2εp) around
    /// 2εG_bulk(0) (Docs/theory-hessian.md §7), detached from the bulk while
    /// 2ε < φ(φ^{1/3} − 1)³. So the bump's width is 4√(2εp) to relative O(√ε), it holds mass p
    /// (F at its top edge, and ∫ρ in the self-check), α → p/2, and above the bump F is MP's with
    /// its atom to O(ε). Down to ε = 5e-324 (Double.leastNonzeroMagnitude), where the bump is 9e-162 wide.
    @Test func tinyEnergyAbovePhiOneSmearsTheAtom() throws {
        for phi in [2.0, 30.0] {
            let p = 1 - 1 / phi
            let mp = try MarchenkoPastur(ratio: phi)
            for epsilon in [1e-12, 1e-20, 1e-100, Double.leastNonzeroMagnitude] {
                let h = try LossHessian(phi: phi, epsilon: epsilon)
                #expect(h.support.count == 2)
                let bump = h.support[0], radius = 2 * (2 * epsilon).squareRoot() * p.squareRoot()  // 2εp is subnormal at ε = 5e-324
                #expect(abs((bump.upperBound - bump.lowerBound) / (2 * radius) - 1) <= 1e-5, "φ \(phi) ε \(epsilon)")
                #expect(abs(h.cdf(bump.upperBound) - p) <= 1e-12)
                #expect(abs(h.index() - p / 2) <= 1e-5)
                for t in [0.1, 0.5, 0.9] {
                    let x = mp.lowerEdge + t * (mp.upperEdge - mp.lowerEdge)
                    #expect(abs(h.cdf(x) - mp.cdf(x)) <= 1e-9, "φ \(phi) ε \(epsilon) x \(x)")
                }
                _ = try h.prediction(points: 11)  // the self-check passes
            }
            // The bump joins the bulk exactly where 2ε = φ(φ^{1/3} − 1)³.
            let joining = phi * pow(pow(phi, 1.0 / 3) - 1, 3) / 2
            #expect(try LossHessian(phi: phi, epsilon: joining * (1 - 1e-6)).support.count == 2)
            #expect(try LossHessian(phi: phi, epsilon: joining * (1 + 1e-6)).support.count == 1)
        }
    }

    /// φ = 1: MP's density 1/(π√t) at 0 and G(ω) ≈ −1/√(−ω); with ω = −(2ε)^{2/3}q²,
    /// z = (2ε)^{2/3}ζ the subordination becomes q³ + ζq + 1 = 0 (Re q > 0 > Im q on the
    /// physical sheet), whose discriminant puts the lower edge at ζ = −3·4^{−1/3}, i.e.
    /// λ_min = −3ε^{2/3}, and α = (2ε)^{1/3}·(1/π)∫_{ζ_e}^0 Im(1/q) dζ. Corrections are
    /// O(ε^{1/3}) relative: at ε ≤ 1e-30 below 1e-9, tolerance 1e-6 (the quadrature below).
    @Test func hardEdgeAtPhiOneScalesAsEpsilonToTheTwoThirds() throws {
        func q(_ zeta: Double) throws -> Complex<Double> {
            try PolynomialRoots.roots([1, zeta, 0, 1]).first { $0.real > 0 && $0.imaginary < 0 }!
        }
        let edge = -3 / pow(4, 1.0 / 3)
        let constant = try Quadrature.integrate({ z in (Complex(1) / (try! q(z))).imaginary / .pi },
                                                from: edge * (1 - 1e-14), to: 0, relativeTolerance: 1e-10)
        for epsilon in [1e-30, 1e-60, 1e-200, Double.leastNonzeroMagnitude] {
            let h = try LossHessian(phi: 1, epsilon: epsilon)
            #expect(abs(h.lambdaMin / (-3 * pow(epsilon, 2.0 / 3)) - 1) <= 1e-6, "ε \(epsilon): λ_min \(h.lambdaMin)")
            let expected = pow(2 * epsilon, 1.0 / 3) * constant
            #expect(abs(h.index() / expected - 1) <= 1e-6, "ε \(epsilon): α \(h.index()) vs \(expected)")
        }
        // A wrong exponent (ε^{1/2}) is off by orders of magnitude.
        #expect(abs(try LossHessian(phi: 1, epsilon: 1e-30).index() / (pow(2e-30, 0.5) * constant) - 1) > 1)
    }

    /// Every support edge is a real root of the discriminant of the cubic (an independent
    /// description of the edges): |Δ(edge)| ≤ 1e-10 of the size of Δ's terms there (edges are
    /// found to a few ulps; Δ's coefficients carry the rounding of their products); the middle of
    /// an interval is not (> 1e-8).
    @Test func edgesAreRootsOfTheDiscriminant() throws {
        for (phi, epsilon) in [(0.5, 0.02), (2.0, 0.01), (2.0, 1e-6), (0.999, 1e-10), (1e-6, 0.3), (1e6, 1e-3), (4.0, 1e4)] {
            let h = try LossHessian(phi: phi, epsilon: epsilon)
            let c = LossHessian.discriminantCoefficients(phi: phi, epsilon: epsilon)
            func relative(_ z: Double) -> Double {
                var value = 0.0, size = 0.0
                for k in stride(from: 4, through: 0, by: -1) { value = value * z + c[k] }
                for k in 0...4 { size += abs(c[k]) * pow(abs(z), Double(k)) }
                return abs(value) / size
            }
            for interval in h.support {
                #expect(relative(interval.lowerBound) <= 1e-10 && relative(interval.upperBound) <= 1e-10,
                        "φ \(phi) ε \(epsilon): \(interval): \(relative(interval.lowerBound)), \(relative(interval.upperBound))")
                #expect(relative((interval.lowerBound + interval.upperBound) / 2) > 1e-8)
            }
        }
    }

    /// φ → 0: ε_c → 1/8 (H → semicircle(1, 2ε), lower edge 1 − 2√(2ε)); the closed form kept
    /// finite by expm1 (it was ∞ at φ = 1e-300) and the numeric root agree, and the law at
    /// φ = 1e-300 is the semicircle to Double precision. Laws narrower than √(φ + 2ε) = 1e-7 are
    /// refused, with the reason.
    @Test func vanishingPhi() throws {
        for phi in [1e-300, 1e-20, 1e-10] {
            let closed = try LossHessian.criticalEnergy(phi: phi)
            #expect(abs(closed - 0.125) <= 1e-8 * max(1, phi * 1e9))
            #expect(abs(try LossHessian.criticalEnergyNumeric(phi: phi) - closed) <= 1e-12)
        }
        let h = try LossHessian(phi: 1e-300, epsilon: 0.1), sc = try Semicircle(center: 1, variance: 0.2)
        for x in stride(from: 0.2, through: 1.8, by: 0.2) { #expect(abs(h.cdf(x) - sc.cdf(x)) <= 1e-13) }
        do {
            _ = try LossHessian(phi: 1e-300, epsilon: 0)
            Issue.record("a law 4e-150 wide was not refused")
        } catch NumericalError.invalidArgument(let message) {
            #expect(message.contains("φ + 2ε ≥"))
        }
    }

    /// Large φ and large ε: the bulk of mass 1/φ = 1e-6 near 1e6 and the smeared atom; a
    /// semicircle of variance 2e6 (ε = 1e6) dominating MP(0.5): κ₂ = φ + 2ε.
    @Test func largeParameters() throws {
        let big = try LossHessian(phi: 1e6, epsilon: 1e-3)
        #expect(big.support.count == 2 && abs(big.cdf(big.support[0].upperBound) - (1 - 1e-6)) <= 1e-12)
        #expect(abs(big.lambdaMax - pow(1e3 + 1, 2)) <= 1e-3)
        let wide = try LossHessian(phi: 0.5, epsilon: 1e6)
        let sc = try Semicircle(center: 1, variance: 0.5 + 2e6)
        #expect(abs(wide.lambdaMax / sc.support[0].upperBound - 1) <= 1e-6)
        for law in [big, wide] { _ = try law.prediction(points: 21) }
    }
}
