import Foundation
import Testing
@testable import FreeSpectra

/// The closed forms of level statistics against independent witnesses: the Wigner surmises'
/// mass, mean and second moment (4/π, 3π/8, 45π/128) and CDFs against adaptive quadrature of
/// the densities; the Atas ratio laws' normalisation, symmetry and mean (4 − 2√3, …) likewise;
/// Brody at q = 0, 1 against Poisson and GOE; Si against quadrature of sin t/t; Σ² and Δ₃ of
/// each class against their large-L logarithms and, for Δ₃, against Pandey's Σ² integral; the
/// windowed Δ₃ of a staircase against a brute-force least-squares line.
@Suite struct LevelSurmiseTests {
    static let classes = SymmetryClass.allCases

    @Test func spacingSurmisesNormalisedWithKnownSecondMoments() throws {
        let known: [SymmetryClass: Double] = [.goe: 4 / .pi, .gue: 3 * .pi / 8, .gse: 45 * .pi / 128, .poisson: 2]
        for c in Self.classes {
            let law = SpacingSurmise(c)
            let upper = c == .poisson ? 60.0 : 12.0  // tails below e^{−60}, e^{−113}
            // QAGP at rel. 1e-11 on smooth integrands: 1e-10.
            let mass = try Quadrature.integrate(law.density, from: 0, to: upper)
            let mean = try Quadrature.integrate({ $0 * law.density($0) }, from: 0, to: upper)
            let second = try Quadrature.integrate({ $0 * $0 * law.density($0) }, from: 0, to: upper)
            #expect(abs(mass - 1) <= 1e-10, "\(c)")
            #expect(abs(mean - 1) <= 1e-10, "\(c)")
            #expect(abs(second - known[c]!) <= 1e-10, "\(c) ⟨s²⟩ \(second)")
            #expect(abs(law.secondMoment - known[c]!) <= 1e-14)
            for s in [0.1, 0.5, 1, 1.7, 3] {
                let f = try Quadrature.integrate(law.density, from: 0, to: s)
                #expect(abs(law.cdf(s) - f) <= 1e-10, "\(c) F(\(s))")
            }
        }
        // The check can fail: the GOE constants with the GUE power s² have mass 1 by accident
        // but mean 4/π, not 1.
        let wrong = try Quadrature.integrate({ s in SpacingSurmise(.goe).amplitude * s * s * s * exp(-Double.pi / 4 * s * s) }, from: 0, to: 12)
        #expect(abs(wrong - 1) > 0.2)
    }

    @Test func ratioSurmisesNormalisedSymmetricWithSurmiseMeans() throws {
        for c in Self.classes {
            let law = RatioSurmise(c)
            let mass = try Quadrature.integrate(law.density, from: 0, to: 1)
            let mean = try Quadrature.integrate({ $0 * law.density($0) }, from: 0, to: 1)
            #expect(abs(mass - 1) <= 1e-10, "\(c)")
            // ⟨r̃⟩ by quadrature against the closed forms 4 − 2√3, 2√3/π − 1/2, 32√3/(15π) − 1/2, 2 ln 2 − 1.
            #expect(abs(mean - c.meanRatio(.surmise3x3)) <= 1e-10, "\(c) ⟨r̃⟩ \(mean)")
            // The whole law of r on [0, ∞) has mass 1 too (∫₀^∞ = 2∫₀^1 by the symmetry).
            for r in [0.3, 0.8, 2.5] {
                #expect(abs(law.ratioDensity(1 / r) / (r * r) - law.ratioDensity(r)) <= 1e-14 * law.ratioDensity(r))
                if r < 1 {
                    let f = try Quadrature.integrate(law.density, from: 0, to: r)
                    #expect(abs(law.cdf(r) - f) <= 1e-12, "\(c) F(\(r))")
                }
            }
        }
        // The surmise and large-N values differ (the test below relies on it) by 0.002–0.005.
        for c in [SymmetryClass.goe, .gue, .gse] {
            #expect(abs(c.meanRatio(.surmise3x3) - c.meanRatio(.largeN)) > 0.0015)
        }
    }

    @Test func brodyInterpolatesPoissonAndGOE() throws {
        for s in [0.2, 1, 2.5] {
            #expect(abs(try BrodyDistribution(q: 0).density(s) - SpacingSurmise(.poisson).density(s)) <= 1e-15)
            #expect(abs(try BrodyDistribution(q: 1).density(s) - SpacingSurmise(.goe).density(s)) <= 1e-14)
        }
        for q in [0.3, 0.7] {
            let b = try BrodyDistribution(q: q)
            #expect(abs(try Quadrature.integrate({ $0 * b.density($0) }, from: 0, to: 40) - 1) <= 1e-9)
        }
        // The fit recovers q from 20000 draws by inversion of its CDF (s = (−ln(1 − u)/b)^{1/(q+1)}):
        // the ML standard error is ~0.01 here, so 0.04.
        var g = Xoshiro256StarStar(seed: 3)
        for q in [0.0, 0.4, 1.0] {
            let b = try BrodyDistribution(q: q)
            let draws = (0..<20_000).map { _ in pow(-log1p(-g.nextUniform()) / b.rate, 1 / (q + 1)) }
            #expect(abs(try BrodyDistribution.fit(draws) - q) <= 0.04, "q \(q)")
        }
        #expect(throws: NumericalError.self) { try BrodyDistribution.fit([1]) }
        #expect(throws: NumericalError.self) { try BrodyDistribution.fit([1, .nan]) }
    }

    @Test func sineIntegralAgainstQuadrature() throws {
        for x in [0.001, 0.5, 3, 6, 6.5, 12, 29.9, 30, 45, 200] {
            let q = try Quadrature.integrate({ $0 == 0 ? 1 : sin($0) / $0 }, from: 0, to: x, breakpoints: stride(from: Double.pi, to: x, by: .pi).map { $0 })
            #expect(abs(sineIntegral(x) - q) <= 1e-11, "Si(\(x)) \(sineIntegral(x)) vs \(q)")
            #expect(sineIntegral(-x) == -sineIntegral(x))
        }
        #expect(abs(sineIntegral(1e6) - .pi / 2) <= 1e-6)
    }

    @Test func numberVarianceAndRigidityTheory() throws {
        // Poisson in closed form.
        #expect(try NumberVarianceTheory.numberVariance(.poisson, 3) == 3)
        #expect(abs(try NumberVarianceTheory.rigidity(.poisson, 3) - 0.2) <= 1e-15)
        for c in [SymmetryClass.goe, .gue, .gse] {
            // Small L: Y₂(0) = 1 gives Σ² = L − L² + O(L³) (the O(L³) term is ≤ π²L⁴/9 for β ≤ 4… use 1e-5 at L = 0.01).
            let small = try NumberVarianceTheory.numberVariance(c, 0.01)
            #expect(abs(small - (0.01 - 0.0001)) <= 1e-5, "\(c) Σ²(0.01) = \(small)")
            // Large L: the logarithms with an O(1/L) error; at L = 40 the difference is below 0.01.
            for l in [40.0] {
                let s2 = try NumberVarianceTheory.numberVariance(c, l)
                let d3 = try NumberVarianceTheory.rigidity(c, l)
                #expect(abs(s2 - NumberVarianceTheory.asymptoticNumberVariance(c, l)) <= 0.01, "\(c) Σ² \(s2)")
                #expect(abs(d3 - NumberVarianceTheory.asymptoticRigidity(c, l)) <= 0.01, "\(c) Δ₃ \(d3)")
            }
            // Δ₃ through its own kernel against Pandey's Δ₃ = (2/L⁴)∫₀^L (L³ − 2L²r + r³) Σ²(r) dr.
            for l in [0.7, 3.0] {
                let pandey = try Quadrature.integrate({ r in
                    (l * l * l - 2 * l * l * r + r * r * r) * (try! NumberVarianceTheory.numberVariance(c, r))
                }, from: 0, to: l, relativeTolerance: 1e-9) * 2 / (l * l * l * l)
                #expect(abs(try NumberVarianceTheory.rigidity(c, l) - pandey) <= 1e-8, "\(c) Δ₃(\(l))")
            }
        }
        // The classes are told apart: at L = 5, Σ² GOE − GUE ≈ 0.26, GUE − GSE ≈ 0.16.
        #expect(try NumberVarianceTheory.numberVariance(.goe, 5) - NumberVarianceTheory.numberVariance(.gue, 5) > 0.2)
        #expect(throws: NumericalError.self) { try NumberVarianceTheory.numberVariance(.goe, -1) }
    }

    @Test func windowRigidityAgainstBruteForce() {
        // A staircase with levels at 0.3, 0.4, 1.7, 2.2 on [0, 3]: the best line by least
        // squares on a fine grid (normal equations for 1, t on 300 000 midpoints) to 1e-8.
        let levels: [Double] = [0.3, 0.4, 1.7, 2.2], a = 0.0, l = 3.0
        let m = 300_000
        var s1 = 0.0, st = 0.0, stt = 0.0, sn = 0.0, stn = 0.0, snn = 0.0
        for k in 0..<m {
            let x = a + (Double(k) + 0.5) * l / Double(m)
            let n = Double(levels.filter { $0 <= x }.count), t = x - 1.5
            s1 += 1; st += t; stt += t * t; sn += n; stn += t * n; snn += n * n
        }
        let slope = (stn - st * sn / s1) / (stt - st * st / s1), intercept = (sn - slope * st) / s1
        let brute = (snn - 2 * slope * stn - 2 * intercept * sn + slope * slope * stt + 2 * slope * intercept * st + intercept * intercept * s1) / s1
        let exact = SpectralRigidity.windowRigidity(levels[...], from: a, length: l)
        #expect(abs(exact - brute) <= 1e-6, "\(exact) vs \(brute)")
        // An evenly spaced lattice (picket fence): the staircase minus its line is a sawtooth,
        // Δ₃ → 1/12 as L grows (measured 1/12 − 5.2e-5 at L = 20, the finite window's line fitting the teeth).
        let lattice = (0..<20).map { Double($0) + 0.5 }
        #expect(abs(SpectralRigidity.windowRigidity(lattice[...], from: 0, length: 20) - 1.0 / 12) <= 1e-4)
    }
}
