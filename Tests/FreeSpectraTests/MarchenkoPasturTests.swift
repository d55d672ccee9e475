import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// Marchenko–Pastur and semicircle closed forms against independent witnesses:
/// Narayana/Catalan moments vs the free-cumulant recursion vs quadrature of the density;
/// closed-form CDFs vs quadrature; G vs quadrature and vs its Laurent series; R and S
/// transforms vs the functional equations they must satisfy.
@Suite struct MarchenkoPasturTests {
    static let laws: [(ratio: Double, variance: Double)] = [(0.3, 1), (1, 1), (2.5, 1.7), (0.5, 0.4)]

    @Test func momentsThreeWitnesses() throws {
        for (ratio, variance) in Self.laws {
            let mp = try MarchenkoPastur(ratio: ratio, variance: variance)
            let kappa = (1...6).map(mp.freeCumulant)
            let fromCumulants = FreeCumulants.moments(fromFreeCumulants: kappa)
            for k in 1...6 {
                let narayana = mp.moment(k)
                // Both exact in floating point: only rounding of a few dozen terms (1e-12).
                #expect(abs(narayana - fromCumulants[k - 1]) <= 1e-12 * narayana)
                // Quadrature of x^k ρ (QAGP, rel. 1e-11; at λ = 1 the 1/√x edge costs a little
                // accuracy): 1e-8 relative. The atom at 0 adds nothing for k ≥ 1.
                let quadrature = try Quadrature.integrate({ pow($0, Double(k)) * mp.density($0) },
                                                          from: mp.lowerEdge, to: mp.upperEdge)
                #expect(abs(quadrature - narayana) <= 1e-8 * narayana, "λ \(ratio) k \(k)")
            }
            // The inverse recursion returns the cumulants (exact arithmetic up to rounding).
            let back = FreeCumulants.freeCumulants(fromMoments: (1...6).map(mp.moment))
            for k in 0..<6 { #expect(abs(back[k] - kappa[k]) <= 1e-11 * max(1, abs(kappa[k]))) }
        }
        // m₂ = σ⁴(1 + λ) by hand.
        #expect(try MarchenkoPastur(ratio: 2.5, variance: 1.7).moment(2) == 1.7 * 1.7 * 3.5)
    }

    @Test func massAtomAndCDF() throws {
        for (ratio, variance) in Self.laws {
            let mp = try MarchenkoPastur(ratio: ratio, variance: variance)
            let continuous = try Quadrature.integrate(mp.density, from: mp.lowerEdge, to: mp.upperEdge)
            // Continuous mass min(1, 1/λ); the atom carries 1 − 1/λ for λ > 1 (quadrature 1e-9).
            #expect(abs(continuous - min(1, 1 / ratio)) <= 1e-9)
            #expect(mp.atoms.count == (ratio > 1 ? 1 : 0))
            if ratio > 1 { #expect(abs(mp.atoms[0].mass - (1 - 1 / ratio)) <= 1e-15) }
            let atomMass = mp.atoms.first?.mass ?? 0
            for t in [0.01, 0.2, 0.5, 0.8, 0.99] {
                let x = mp.lowerEdge + t * (mp.upperEdge - mp.lowerEdge)
                let q = try Quadrature.integrate(mp.density, from: mp.lowerEdge, to: x)
                // Closed-form CDF vs quadrature: 1e-9 (quadrature tolerance plus asin rounding).
                #expect(abs(mp.cdf(x) - (q + atomMass)) <= 1e-9, "λ \(ratio) x \(x)")
            }
            #expect(mp.cdf(mp.upperEdge) == 1)
            #expect(mp.cdf(-1) == 0)
        }
    }

    @Test func cauchyTransformVsQuadratureAndLaurent() throws {
        for (ratio, variance) in Self.laws {
            let mp = try MarchenkoPastur(ratio: ratio, variance: variance)
            let atomMass = mp.atoms.first?.mass ?? 0
            for z in [Complex(0.7, 0.3), Complex(-1, 0.5), Complex(3, 2), Complex(mp.upperEdge + 1, 0.05)] {
                let re = try Quadrature.integrate({ x in mp.density(x) * ((z.real - x) / ((z.real - x) * (z.real - x) + z.imaginary * z.imaginary)) },
                                                  from: mp.lowerEdge, to: mp.upperEdge)
                let im = try Quadrature.integrate({ x in mp.density(x) * (-z.imaginary / ((z.real - x) * (z.real - x) + z.imaginary * z.imaginary)) },
                                                  from: mp.lowerEdge, to: mp.upperEdge)
                let expected = Complex(re, im) + Complex(atomMass) / z
                // 1e-8: quadrature of a smooth integrand at distance ≥ 0.05 from the support.
                #expect((mp.cauchyTransform(z) - expected).length <= 1e-8, "λ \(ratio) z \(z)")
            }
            // Laurent series at large z: z G(z) − 1 = Σ m_k z^{−k}; with |z| = 200 the tail
            // after k = 8 is below (b/200)^9 ≈ 1e-14.
            let z = Complex(200.0, 30.0)
            var series = Complex<Double>(0)
            var power = Complex<Double>(1)
            for k in 1...8 { power = power / z; series = series + Complex(mp.moment(k)) * power }
            #expect(((z * mp.cauchyTransform(z) - Complex(1)) - series).length <= 1e-13)
            // Density = −Im G(x + i0)/π inside the support (same sheet, two formulas).
            let x = 0.5 * (mp.lowerEdge + mp.upperEdge)
            #expect(abs(-mp.cauchyTransform(Complex(x, 0)).imaginary / .pi - mp.density(x)) <= 1e-13)
        }
    }

    @Test func rAndSTransforms() throws {
        for (ratio, variance) in Self.laws {
            let mp = try MarchenkoPastur(ratio: ratio, variance: variance)
            for z in [Complex(5.0, 1.0), Complex(-2, 0.5), Complex(12, 3)] {
                let g = mp.cauchyTransform(z)
                // R(G(z)) + 1/G(z) = z; S(M(z)) = (1 + M)/(M z). Rounding only: 1e-12.
                #expect((mp.rTransform(g) + Complex(1) / g - z).length <= 1e-12 * z.length)
                let m = z * g - Complex(1)
                #expect((mp.sTransform(m) - (Complex(1) + m) / (m * z)).length <= 1e-12 * mp.sTransform(m).length)
            }
        }
    }

    @Test func semicircleWitnesses() throws {
        for (c, s) in [(0.0, 1.0), (1.0, 0.3), (-0.5, 2.0)] {
            let sc = try Semicircle(center: c, variance: s)
            let fromCumulants = FreeCumulants.moments(fromFreeCumulants: (1...6).map(sc.freeCumulant))
            for k in 1...6 {
                let q = try Quadrature.integrate({ pow($0, Double(k)) * sc.density($0) }, from: c - sc.radius, to: c + sc.radius)
                #expect(abs(sc.moment(k) - fromCumulants[k - 1]) <= 1e-12 * max(1, abs(sc.moment(k))))
                #expect(abs(sc.moment(k) - q) <= 1e-9 * max(1, abs(q)))
            }
            for t in [0.1, 0.5, 0.9] {
                let x = c - sc.radius + 2 * sc.radius * t
                let q = try Quadrature.integrate(sc.density, from: c - sc.radius, to: x)
                #expect(abs(sc.cdf(x) - q) <= 1e-10)
            }
            for z in [Complex(0.3, 0.2), Complex(4, 1), Complex(c, 0.01), Complex(10, 1), Complex(-8, 3)] {
                let g = sc.cauchyTransform(z)
                #expect((sc.rTransform(g) + Complex(1) / g - z).length <= 1e-12 * max(1, z.length))
                // S is the germ at w = 0 (M⁻¹ near z = ∞): check it where |M(z)| ≪ 1, |z| ≥ 8.
                if c != 0 && z.length >= 8 {
                    let m = z * g - Complex(1)
                    let sv = try sc.sTransform(m)
                    #expect((sv - (Complex(1) + m) / (m * z)).length <= 1e-10 * sv.length)
                }
            }
        }
        #expect(throws: NumericalError.self) { try Semicircle(center: 0, variance: 1).sTransform(Complex(0.1)) }
    }

    @Test func badInputThrows() {
        for (r, v) in [(0.0, 1.0), (-1, 1), (.nan, 1), (.infinity, 1), (1, 0), (1, .nan)] {
            #expect(throws: NumericalError.self) { try MarchenkoPastur(ratio: r, variance: v) }
        }
        #expect(throws: NumericalError.self) { try Semicircle(center: 0, variance: 0) }
        #expect(throws: NumericalError.self) { try Semicircle(center: .nan, variance: 1) }
    }

    /// The distribution function at ratios where the arcsine form cancelled (λ = 4.4e-12: F was
    /// −0.38; λ = 1e-6: 5e-9 off) and at λ ≈ 1, against adaptive quadrature of the closed-form
    /// density (relative 1e-12 of a √-edged integrand): 1e-10. The Joukowski pieces
    /// (`MarchenkoPasturTransforms`) are checked against quadrature too: G₀, G₁, I₀, I₁, I₂ at
    /// points near the axis outside the support (Im ω = 1e-9), where Im G/Im ω would have lost
    /// every digit; a wrong ratio fails.
    @Test func distributionFunctionAndJoukowskiFormsAtExtremeRatios() throws {
        for lambda in [4.44e-12, 1e-6, 0.3, 1 - 1e-9, 1.0, 1 + 1e-9, 2.5, 1e6] {
            let mp = try MarchenkoPastur(ratio: lambda)
            let atom = mp.atoms.first?.mass ?? 0
            for q in [0.05, 0.3, 0.5, 0.7, 0.95] {
                let x = mp.lowerEdge + q * (mp.upperEdge - mp.lowerEdge)
                // Breakpoints at a + a·10^k: at λ = 1 ± 1e-9 the edge a = 2.5e-19 precedes a
                // x^{−1/2} rise whose first decades hold √a = 5e-10 of mass, which QAGS alone misses.
                let a = mp.lowerEdge
                let breaks = a > 0 ? (0...40).map { a + a * pow(10, Double($0) - 2) }.filter { $0 < x } : []
                let f = atom + (try Quadrature.integrate(mp.density, from: a, to: x, breakpoints: breaks, absoluteTolerance: 0, relativeTolerance: 1e-12))
                #expect(abs(mp.cdf(x) - f) <= 1e-10, "λ \(lambda) x \(x): \(mp.cdf(x)) vs \(f)")
            }
        }
        for lambda in [0.3, 2.5] {
            let t = MarchenkoPasturTransforms(ratio: lambda), mp = try MarchenkoPastur(ratio: lambda)
            let wrong = MarchenkoPasturTransforms(ratio: lambda * 1.01)
            for omega in [Complex(8.0, 1e-9), Complex(-1.0, 1e-9), Complex(1.2, 0.3), Complex(0.01, 1e-9)] {  // the first two and the last outside both supports
                let p = t.point(omega)
                let moments: [(Double) -> Double] = [{ _ in 1 }, { $0 }, { $0 * $0 }]
                var integrals: [Double] = []
                for m in moments {
                    var v = mp.atoms.first.map { $0.mass * m(0) / omega.lengthSquared } ?? 0
                    v += try Quadrature.integrate({ x in mp.density(x) * m(x) / ((omega.real - x) * (omega.real - x) + omega.imaginary * omega.imaginary) },
                                                  from: mp.lowerEdge, to: mp.upperEdge, breakpoints: [omega.real], absoluteTolerance: 0, relativeTolerance: 1e-12)
                    integrals.append(v)
                }
                let closed = [t.i0(p), t.i1(p), t.i2(p)]
                for k in 0..<3 { #expect(abs(closed[k] / integrals[k] - 1) <= 1e-9, "λ \(lambda) ω \(omega) I\(k)") }
                #expect((t.g0(p) - mp.cauchyTransform(omega)).length <= 1e-12 * mp.cauchyTransform(omega).length)
                #expect((t.g1(p) - (omega * mp.cauchyTransform(omega) - 1)).length <= 1e-9 * max(1, t.g1(p).length))
                #expect(abs(wrong.i0(wrong.point(omega)) / integrals[0] - 1) > 1e-4)
            }
        }
    }
}
