import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// The closed-form cubic against the general free additive convolution engine
/// (subordination), and the engine against closed forms of its own.
@Suite struct HessianConvolutionTests {
    static let cases: [(phi: Double, epsilon: Double)] = [(0.25, 0.05), (0.5, 0.01), (0.75, 0.002), (0.5, 0.1), (2.0, 0.01), (4.0, 1.0)]

    /// Two independent methods (root of a cubic chosen by subordination test; Newton on the
    /// subordination fixed point continued in Im z). Both converge to ~1e-13; the grid does
    /// not sit on an edge, where √-sensitivity would double the error digits. Tolerance 1e-10.
    @Test func cubicEqualsEngine() throws {
        for (phi, epsilon) in Self.cases {
            let h = try LossHessian(phi: phi, epsilon: epsilon)
            let engine = FreeAdditiveConvolution(h.wishart, h.wigner!)
            let lo = h.lambdaMin - 0.5, hi = h.lambdaMax + 0.5
            var grid: [Double] = []
            for i in 0..<157 { grid.append(lo + (hi - lo) * (Double(i) + 0.5) / 157) }
            for x in grid {
                for y in [0, 1e-3, 0.1, 1, 10] {  // y = 0: boundary values, real G off the support
                    let z = Complex(x, y)
                    let a = h.cauchyTransform(z), b = engine.cauchyTransform(z)
                    #expect((a - b).length <= 1e-10 * max(1, a.length), "φ \(phi) ε \(epsilon) z \(z)")
                }
            }
            let engineDensity = try engine.densities(on: grid)
            for (x, rho) in zip(grid, engineDensity) {
                #expect(abs(h.density(x) - rho) <= 1e-10, "φ \(phi) ε \(epsilon) x \(x)")
                #expect(abs(engine.density(x) - rho) <= 1e-10)  // continuation along the grid = per point
            }
            // Support: the engine thresholds ρ and bisects, the model uses discriminant roots;
            // the bisection is exact to ~1e-15 once outside points snap to real ω₁; near a
            // √-edge Newton degenerates (T′ → 1), costing half the digits: 1e-8 absolute.
            let engineSupport = try engine.supportIntervals()
            #expect(engineSupport.count == h.support.count)
            for (s, t) in zip(engineSupport, h.support) {
                #expect(abs(s.lowerBound - t.lowerBound) <= 1e-8 && abs(s.upperBound - t.upperBound) <= 1e-8, "φ \(phi) ε \(epsilon): \(s) vs \(t)")
            }
        }
    }

    /// semicircle(a, s) ⊞ semicircle(b, t) = semicircle(a + b, s + t): closed form, 1e-12.
    @Test func engineOnSemicircles() throws {
        let engine = FreeAdditiveConvolution(try Semicircle(center: 1, variance: 0.5), try Semicircle(center: -0.3, variance: 1.2))
        let exact = try Semicircle(center: 0.7, variance: 1.7)
        for x in stride(from: -2.5, through: 3.5, by: 0.37) {
            for y in [0.0, 0.01, 1] {
                let z = Complex(x, y)
                #expect((engine.cauchyTransform(z) - exact.cauchyTransform(z)).length <= 1e-12)
            }
        }
        let support = try engine.supportIntervals()
        #expect(support.count == 1 && abs(support[0].lowerBound - (0.7 - exact.radius)) <= 1e-6)
        #expect(engine.atoms.isEmpty)
    }

    /// Bercovici–Voiculescu: MP(2.5) ⊞ MP(3) keeps an atom at 0 of mass 0.6 + 2/3 − 1.
    @Test func engineAtomsAndMoments() throws {
        let a = try MarchenkoPastur(ratio: 2.5), b = try MarchenkoPastur(ratio: 3)
        let engine = FreeAdditiveConvolution(a, b)
        #expect(engine.atoms.count == 1)
        #expect(abs(engine.atoms[0].mass - (0.6 + 2.0 / 3 - 1)) <= 1e-15 && engine.atoms[0].location == 0)
        // Free cumulants add: m₂ = κ₂ + κ₁² with κ₁ = 2, κ₂ = 2.5 + 3.
        #expect(abs(engine.moment(2) - (5.5 + 4)) <= 1e-12)
        // Near the atom G has the pole 0.2667/z (at z = 1e-6 i the continuous part is O(1)).
        let g = engine.cauchyTransform(Complex(0, 1e-6))
        #expect(abs(g.imaginary * 1e-6 + engine.atoms[0].mass) <= 1e-5)
    }
}
