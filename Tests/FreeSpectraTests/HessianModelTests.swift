import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// The Pennington–Bahri Hessian H = H₀ + H₁ (MP(φ) ⊞ semicircle(2ε)): limits, moments,
/// normalisation, the cubic itself, the index near ε = 0 for φ ≥ 1, bad input.
@Suite struct HessianModelTests {
    @Test func zeroEnergyIsMarchenkoPastur() throws {
        for phi in [0.3, 0.8, 2.5] {
            let h = try LossHessian(phi: phi, epsilon: 0)
            let mp = try MarchenkoPastur(ratio: phi)
            #expect(h.support == mp.support && h.atoms == mp.atoms)
            #expect(h.index() == 0)  // H₀ ≥ 0; the atom at 0 is not negative
            for k in 1...6 { #expect(abs(h.moment(k) - mp.moment(k)) <= 1e-12 * mp.moment(k)) }
            // The cubic path at tiny ε (one root escapes to ~1/(2φε) ≈ 1e10) must reduce to the MP
            // quadratic: ρ moves by O(ε/dist²) inside the bulk, so 1e-7 at ε = 1e-10 away from edges.
            let tiny = try LossHessian(phi: phi, epsilon: 1e-10)
            for t in stride(from: 0.02, through: 0.98, by: 0.04) {
                let x = mp.lowerEdge + t * (mp.upperEdge - mp.lowerEdge)
                #expect(abs(tiny.density(x) - mp.density(x)) <= 1e-7, "φ \(phi) x \(x)")
            }
        }
    }

    /// As φ → 0, MP(φ) → δ₁ (mean 1, variance φ), so H → semicircle(centre 1, variance 2ε).
    /// More precisely H has free cumulants κ₁ = 1, κ₂ = 2ε + φ, κ₃ = φ², so it equals the
    /// semicircle(1, 2ε + φ) up to O(φ²): at φ = 1e-6 that is a 1e-12 effect on ρ.
    @Test func smallPhiLimitIsShiftedSemicircle() throws {
        let phi = 1e-6, epsilon = 0.3
        let h = try LossHessian(phi: phi, epsilon: epsilon)
        let matched = try Semicircle(center: 1, variance: 2 * epsilon + phi)
        let limit = try Semicircle(center: 1, variance: 2 * epsilon)
        for t in stride(from: 0.01, through: 0.99, by: 0.02) {
            let x = 1 - limit.radius + 2 * limit.radius * t
            // Matched semicircle: O(κ₃) = 1e-12 plus root-polishing rounding (1e-12) → 1e-10.
            #expect(abs(h.density(x) - matched.density(x)) <= 1e-10, "x \(x)")
            // The limit itself: O(φ/ε) relative ≈ 3e-6 → 1e-5.
            #expect(abs(h.density(x) - limit.density(x)) <= 1e-5, "x \(x)")
        }
        #expect(abs(h.lambdaMin - (1 - limit.radius)) <= 1e-5 && abs(h.lambdaMax - (1 + limit.radius)) <= 1e-5)
        for k in 1...4 { #expect(abs(h.moment(k) - limit.moment(k)) <= 20 * phi * Double(k * k)) }
    }

    @Test func exactMomentsThreeWays() throws {
        for (phi, epsilon) in [(0.25, 0.05), (0.5, 0.1), (2.0, 0.01), (0.9, 0.3)] {
            let h = try LossHessian(phi: phi, epsilon: epsilon)
            let k2 = phi + 2 * epsilon
            let closed = [1, 1 + k2, 1 + 3 * k2 + phi * phi, 1 + 6 * k2 + 2 * k2 * k2 + 4 * phi * phi + phi * phi * phi]
            let engine = FreeAdditiveConvolution(h.wishart, h.wigner!)
            for k in 1...4 {
                // Closed form vs recursion vs engine (MP ⊞ semicircle cumulants): rounding, 1e-12.
                #expect(abs(h.moment(k) - closed[k - 1]) <= 1e-12 * closed[k - 1])
                #expect(abs(engine.moment(k) - closed[k - 1]) <= 1e-12 * closed[k - 1])
                // Quadrature of x^k ρ over the support (QAGP rel 1e-11 on a √-edged density): 1e-9.
                var q = 0.0
                for interval in h.support {
                    q += try Quadrature.integrate({ pow($0, Double(k)) * h.density($0) },
                                                  from: interval.lowerBound, to: interval.upperBound)
                }
                #expect(abs(q - closed[k - 1]) <= 1e-9 * closed[k - 1], "φ \(phi) ε \(epsilon) k \(k)")
            }
            // Normalisation: no atoms for ε > 0, so the density integrates to 1.
            #expect(h.atoms.isEmpty)
            #expect(abs(h.cdf(h.lambdaMax) - 1) <= 1e-10)
        }
    }

    /// The derived cubic 2φεG³ − (2ε + φz)G² + (z + φ − 1)G − 1 = 0: its physical root
    /// satisfies R_H(G) + 1/G = z, while the misprinted form (constant term +1) has no root
    /// that does — it is a different algebraic function.
    @Test func cubicAgreesWithRTransformAndMisprintDoesNot() throws {
        let h = try LossHessian(phi: 0.5, epsilon: 0.1)
        for z in [Complex(1.0, 0.5), Complex(-0.2, 0.1), Complex(4, 1), Complex(2, 0)] {
            let g = h.cauchyTransform(z)
            // Rounding of a polished root: 1e-12.
            #expect((h.rTransform(g) + Complex(1) / g - z).length <= 1e-12 * max(1, z.length))
            var misprint = h.cubicCoefficients(z)
            misprint[0] = Complex(1)
            let roots = Self.cardano(misprint)
            let best = roots.map { (h.rTransform($0) + Complex(1) / $0 - z).length }.min()!
            // 1e-6 is 10⁶ × the rounding tolerance above (observed: ≥ 1e-2).
            #expect(best > 1e-6, "misprinted cubic would pass at z = \(z)")
        }
        // Leading coefficients as derived, at z = 0.7.
        let c = h.cubicCoefficients(Complex(0.7))
        #expect(c.map(\.real) == [-1, 0.7 + 0.5 - 1, -(0.2 + 0.5 * 0.7), 2 * 0.5 * 0.1])
    }

    /// φ ≥ 1: MP's atom at 0 (mass p = 1 − 1/φ) is smeared by H₁ into a bump of radius
    /// 2√(2εp) centred at 2ε·G_bulk(0) < 0, so α(0⁺) = p/2 while α(0) = 0. At ε = 1e-8 the
    /// offset is ~ centre × bump density ≈ 2e-5: tolerance 1e-4.
    @Test func atomIsSmearedForPhiAboveOne() throws {
        for phi in [1.5, 2.0, 4.0] {
            let p = 1 - 1 / phi
            let h = try LossHessian(phi: phi, epsilon: 1e-8)
            #expect(h.atoms.isEmpty)
            #expect(h.support.count == 2)
            let bump = h.support[0]
            #expect(abs((bump.upperBound - bump.lowerBound) - 4 * (2e-8 * p).squareRoot()) <= 1e-6)
            let alpha = h.index()
            #expect(alpha > p / 2 && alpha - p / 2 <= 1e-4, "φ \(phi): α = \(alpha)")
            // Mass of the bump = p (quadrature over a √-edged density: 1e-9).
            let bumpMass = try Quadrature.integrate(h.density, from: bump.lowerBound, to: bump.upperBound)
            #expect(abs(bumpMass - p) <= 1e-9)
        }
        #expect(try LossHessian(phi: 2, epsilon: 0).index() == 0)
    }

    @Test func badInputThrows() {
        for (phi, epsilon) in [(0.0, 0.1), (-1, 0.1), (.nan, 0.1), (.infinity, 0.1), (0.5, -1e-3), (0.5, .nan), (0.5, .infinity)] {
            #expect(throws: NumericalError.self) { try LossHessian(phi: phi, epsilon: epsilon) }
            do { _ = try LossHessian(phi: phi, epsilon: epsilon) } catch let e as NumericalError {
                if case .invalidArgument = e {} else { Issue.record("expected invalidArgument, got \(e)") }
            } catch { Issue.record("unexpected \(error)") }
        }
        for phi in [0.0, -0.5, .nan] {
            #expect(throws: NumericalError.self) { try LossHessian.criticalEnergy(phi: phi) }
            #expect(throws: NumericalError.self) { try LossHessian.criticalEnergyNumeric(phi: phi) }
            #expect(throws: NumericalError.self) { try LossHessian.indexPrefactor(phi: phi) }
        }
        #expect(throws: NumericalError.self) { try HessianSampler.sample(phi: 0, epsilon: 0.1, size: 10, samples: 1, seed: 1) }
        #expect(throws: NumericalError.self) { try HessianSampler.sample(phi: 0.5, epsilon: -0.1, size: 10, samples: 1, seed: 1) }
        #expect(throws: NumericalError.self) { try HessianSampler.sample(phi: 0.5, epsilon: 0.1, size: 1, samples: 1, seed: 1) }
    }

    @Test func predictionIsJSONFriendly() throws {
        let prediction = try LossHessian(phi: 0.5, epsilon: 0.05).prediction(points: 101)
        #expect(prediction.moments.count == 4 && prediction.density.x.count == 101)
        #expect(abs(prediction.density.cdf.last! - 1) <= 1e-9)  // the table covers the support
        #expect(zip(prediction.density.cdf, prediction.density.cdf.dropFirst()).allSatisfy { $0 <= $1 })
        let data = try JSONEncoder().encode(prediction)
        #expect(try JSONDecoder().decode(HessianPrediction.self, from: data) == prediction)
        // ε = 0, φ > 1: the CDF table includes the atom.
        let mp = try LossHessian(phi: 2, epsilon: 0).prediction(points: 51)
        #expect(mp.atoms.count == 1 && mp.density.cdf.last == 1 && mp.density.cdf.first == 0)
        let row = try LossHessian.criticalEnergyRow(phi: 2)
        #expect(row.alpha0 == nil && row.epsilonC == 0)
        let json = String(decoding: try JSONEncoder().encode(row), as: UTF8.self)
        #expect(!json.contains("alpha0"))
    }

    // MARK: Witness: the roots of a cubic with complex coefficients (Cardano + deflation)

    /// Newton on the cubic (c in increasing degree) while the residual decreases (≤ 12 steps).
    static func polish(_ root: Complex<Double>, _ c: [Complex<Double>]) -> Complex<Double> {
        var g = root
        var p = ((c[3] * g + c[2]) * g + c[1]) * g + c[0]
        for _ in 0..<12 {
            let dp = (Complex(3) * c[3] * g + Complex(2) * c[2]) * g + c[1]
            let step = p / dp
            if !step.isFinite || p.length == 0 { break }
            let candidate = g - step
            let pc = ((c[3] * candidate + c[2]) * candidate + c[1]) * candidate + c[0]
            if pc.length < p.length { g = candidate; p = pc } else { break }
        }
        return g
    }

    /// The three roots of c₃G³ + c₂G² + c₁G + c₀ (complex coefficients) by Cardano:
    /// Δ₀ = b² − 3ac, Δ₁ = 2b³ − 9abc + 27a²d, C = ∛((Δ₁ ± √(Δ₁² − 4Δ₀³))/2) with the sign
    /// that maximises |C|, G_k = −(b + ξᵏC + Δ₀/(ξᵏC))/(3a), ξ = e^{2πi/3}.
    static func cardano(_ c: [Complex<Double>]) -> [Complex<Double>] {
        let a = c[3], b = c[2], cc = c[1], d = c[0]
        let d0 = b * b - Complex(3) * a * cc
        let d1 = Complex(2) * b * b * b - Complex(9) * a * b * cc + Complex(27) * a * a * d
        let root = Complex.sqrt(d1 * d1 - Complex(4) * d0 * d0 * d0)
        let plus = d1 + root, minus = d1 - root
        let big = (plus.length >= minus.length ? plus : minus) * Complex(0.5)
        if big.length == 0 {
            let triple = -b / (Complex(3) * a)
            return [triple, triple, triple]
        }
        let cube = Complex.exp(Complex.log(big) / Complex(3))
        let xi = Complex(-0.5, 3.0.squareRoot() / 2)
        var k = Complex<Double>(1)
        var cardanoRoots: [Complex<Double>] = []
        for _ in 0..<3 {
            let ck = k * cube
            cardanoRoots.append(-(b + ck + d0 / ck) / (Complex(3) * a))
            k = k * xi
        }
        // Cardano loses the small roots to cancellation when the root moduli are far apart
        // (ε → 0 sends one root to ∞). Keep only the largest root, polished, and get the other
        // two from the backward-deflated quadratic q₂G² + q₁G + q₀ (stable for a large root).
        let r1 = polish(cardanoRoots.max { $0.length < $1.length }!, c)
        guard r1.length > 0 else { return cardanoRoots }
        let q0 = -d / r1, q1 = (q0 - cc) / r1, q2 = (q1 - b) / r1
        let disc = Complex.sqrt(q1 * q1 - Complex(4) * q2 * q0)
        let s1 = q1 + disc, s2 = q1 - disc
        let sBig = s1.length >= s2.length ? s1 : s2
        guard sBig.length > 0, q2.length > 0 else { return cardanoRoots }
        let r2 = -sBig / (Complex(2) * q2)   // citardauq pair: r2·r3 = q0/q2
        let r3 = -(Complex(2) * q0) / sBig
        return [r1, r2, r3]
    }
}
