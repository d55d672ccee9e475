import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// Orthogonal hard-tanh at small q* (issue 15), where D² is Bernoulli with 1 − p = δ =
/// erfc(1/√(2q*)) between 1e-15 and 1e-5: J Jᵀ is an atom δ at 0, an atom 1 − Lδ at σ_w^{2L},
/// and a continuous part of mass (L − 1)δ at the scale δσ_w^{2L} near 0. Every witness here is
/// independent of the engine's walk:
///
/// - the atoms and the continuous mass (Belinschi's rule, exact in δ);
/// - the continuous edge from the exact equation of the product in ν = (1 + w)/δ: with
///   S_{JJᵀ} = σ^{−2L}((1 + w)/(w + p))^L, z = σ^{2L} δ (ν − 1)^L/(ν^{L−1}(δν − 1)), whose critical
///   point on ν < 0 solves −L/(1 − ν) − (L − 1)/ν + δ/(1 − δν) = 0 (Brent);
/// - the continuous part's first two moments as exact series in δ: from m₁ = σ^{2L}p^L and
///   m₂/m₁² = 1 + Lδ/p, C₁ = σ^{2L} Σ_{k≥2} C(L,k)(−δ)^k and
///   C₂ = σ^{4L} Σ_{k≥3} (−1)^k [C(2L−1,k) − (L − 1)C(2L−1,k−1)] δ^k (the atoms' parts cancel
///   exactly up to k = 1, resp. 2);
/// - at L = 2, the law of two free projections of trace p: continuous density
///   √(x(c − x))/(2π x(1 − x)) on [0, c], c = 4p(1 − p), in units of σ_w⁴.
@Suite struct OrthogonalHardTanhAtSmallQStarTests {
    struct Case {
        let model: JacobianSpectrum
        let product: FreeMultiplicativeProduct
        let delta: Double
        let logSigma2: Double
        let depth: Int
        init(qStar: Double, depth: Int) throws {
            model = try JacobianSpectrum(activation: HardTanh(), weights: .orthogonal, depth: depth, point: .critical(qStar: qStar))
            product = model.product
            delta = erfc(1 / (2 * qStar).squareRoot())
            logSigma2 = 2 * log(model.meanField.sigmaW)
            self.depth = depth
        }

        /// λ_e/σ_w^{2L} from the critical point of log z(ν) on ν < 0.
        func exactEdge() throws -> Double {
            let L = Double(depth), d = delta
            let slope: (Double) -> Double = { nu in -L / (1 - nu) - (L - 1) / nu + d / (1 - d * nu) }
            let nu = try RootFinding.brent(slope, in: -10 * L, -1e-3, relativeTolerance: 1e-15)
            return d * exp(L * log(1 - nu) - (L - 1) * log(-nu) - log(1 - d * nu))
        }

        /// C₁/σ^{2L} and C₂/σ^{4L} (see the suite's comment), for a given δ.
        static func continuousMoments(depth: Int, delta d: Double) -> (Double, Double) {
            func binomial(_ n: Int, _ k: Int) -> Double {
                k < 0 || k > n ? 0 : (0..<k).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
            }
            let L = depth
            var c1 = 0.0, c2 = 0.0
            // Terms fall like (2Lδ)^k: 40 of them are far below rounding for Lδ ≤ 1e-2.
            for k in 2...40 {
                let sign = k % 2 == 0 ? 1.0 : -1.0
                c1 += sign * binomial(L, k) * pow(d, Double(k))
                if k >= 3 { c2 += sign * (binomial(2 * L - 1, k) - Double(L - 1) * binomial(2 * L - 1, k - 1)) * pow(d, Double(k)) }
            }
            return (c1, c2)
        }
    }

    @Test(arguments: [1.0 / 64, 0.02, 0.03, 0.04, 0.05], [2, 16, 128, 1000])
    func atomsEdgeMassAndMoments(qStar: Double, depth: Int) throws {
        let c = try Case(qStar: qStar, depth: depth)
        let L = Double(depth), delta = c.delta
        let context = "q* = \(qStar), L = \(depth)"
        // Atoms: exact in δ (erfc to ~1 ulp, the deficits summed, not subtracted).
        let atoms = c.product.atoms
        #expect(atoms.count == 2, "\(context): \(atoms)")
        #expect(atoms[0].location == 0 && abs(atoms[0].mass / delta - 1) <= 1e-14, "\(context): zero atom \(atoms[0].mass) vs \(delta)")
        #expect(abs(atoms[1].mass - (1 - L * delta)) <= 1e-15, "\(context): top atom \(atoms[1].mass)")
        #expect(abs(log(atoms[1].location) - L * c.logSigma2) <= 1e-13 * max(1, L * c.logSigma2), "\(context): top atom at \(atoms[1].location)")
        #expect(abs(c.product.continuousMass / ((L - 1) * delta) - 1) <= 1e-13, "\(context): continuous mass \(c.product.continuousMass)")

        let analysis = try SpectrumAnalysis(product: c.product)
        // The continuous edge: Brent to 1e-15 in ν, where λ is stationary; the engine's edge is
        // a secant/Brent root of d log z/dw to ~1e-15: 1e-10 relative.
        let edge = try c.exactEdge()
        #expect(abs(exp(analysis.edge.logLocation - L * c.logSigma2) / edge - 1) <= 1e-10, "\(context): edge \(exp(analysis.edge.logLocation - L * c.logSigma2)) vs \(edge)")

        // The continuous part: its mass (Gauss–Legendre on the skeleton, ~1e-11 relative) and
        // first two moments against the series in δ, 1e-8 and 1e-6 (C₂ weights the square-root
        // edge more; both are far inside what a wrong location or shape would give: δ off by
        // 0.1 % moves C₁ by 0.2 %).
        let (mass, moments) = try analysis.densityMoments(count: 2, logFirstMoment: L * c.logSigma2)
        let (c1, c2) = Case.continuousMoments(depth: depth, delta: delta)
        #expect(abs(mass / ((L - 1) * delta) - 1) <= 1e-9, "\(context): ∫ρ = \(mass) vs \((L - 1) * delta)")
        #expect(abs(moments[0] / c1 - 1) <= 1e-8, "\(context): C₁ = \(moments[0]) vs \(c1)")
        #expect(abs(moments[1] / c2 - 1) <= 1e-6, "\(context): C₂ = \(moments[1]) vs \(c2)")

        // The whole law against the exact S-transform series: mass 1 ± 1e-12, m₁ … m₄ to 1e-6.
        let (logM1, normalized) = try c.product.normalizedMoments(count: 4)
        let (_, all) = try analysis.densityMoments(count: 4, logFirstMoment: logM1)
        let total = mass + atoms.reduce(0) { $0 + $1.mass }
        #expect(abs(total - 1) <= 1e-12, "\(context): total mass \(total)")
        for k in 0..<4 {
            let atomPart = atoms[1].mass * exp(Double(k + 1) * (log(atoms[1].location) - logM1))
            #expect(abs(all[k] + atomPart - normalized[k]) <= 1e-6 * normalized[k], "\(context): m\(k + 1)")
        }
    }

    /// The comparisons above can fail: the same witnesses with δ off by 0.1 % (an atom mass
    /// from 1 − erf would be off by far more at these q*) or one layer too few disagree with the
    /// engine by far more than their tolerances.
    @Test func theWitnessesCatchAWrongInput() throws {
        let c = try Case(qStar: 0.02, depth: 16)
        let analysis = try SpectrumAnalysis(product: c.product)
        let (_, moments) = try analysis.densityMoments(count: 2, logFirstMoment: 16 * c.logSigma2)
        let (wrongDelta, _) = Case.continuousMoments(depth: 16, delta: 1.001 * c.delta)
        let (wrongDepth, _) = Case.continuousMoments(depth: 15, delta: c.delta)
        #expect(abs(moments[0] / wrongDelta - 1) > 100 * 1e-8)
        #expect(abs(moments[0] / wrongDepth - 1) > 100 * 1e-8)
        let wrongEdge = try Case(qStar: 0.02, depth: 15).exactEdge()
        #expect(abs(exp(analysis.edge.logLocation - 16 * c.logSigma2) / wrongEdge - 1) > 100 * 1e-10)
    }

    /// Two layers: the law of two free projections (see the suite's comment), λρ(λ) =
    /// √(x(c − x))/(2π(1 − x)) at λ = σ_w⁴x, down to 1e-6 of the edge. Newton converges to
    /// rounding in v = 1 + w (|v| ~ δ): 1e-9 relative.
    @Test(arguments: [1.0 / 64, 0.02, 0.04])
    func twoLayersAreTwoFreeProjections(qStar: Double) throws {
        let c = try Case(qStar: qStar, depth: 2)
        let p = erf(1 / (2 * qStar).squareRoot())
        let width = 4 * p * c.delta
        let analysis = try SpectrumAnalysis(product: c.product)
        let xs = [0.9, 0.5, 0.1, 1e-3, 1e-6].map { $0 * width }
        let points = try c.product.evaluate(descendingLogX: xs.map { log($0) + 2 * c.logSigma2 }, edge: analysis.edge)
        for (x, point) in zip(xs, points) {
            let exact = (x * (width - x)).squareRoot() / (2 * .pi * (1 - x))
            #expect(abs(point.logDensity / exact - 1) <= 1e-9, "q* = \(qStar): λρ at x = \(x / width) c: \(point.logDensity) vs \(exact)")
        }
    }

    /// The continuous part's closed-form tail below the top atom (`TopAtomTail`) against the
    /// density integrated from the edge down (Gauss–Legendre on 400 panels graded towards the
    /// square-root edge, independent of the closed form): 1e-9 of the continuous mass. The
    /// general closed form resolves this tail only to ~L ε/((L − 1)δ) = 1e-5 here.
    @Test func continuousTailBelowTheTopAtomMatchesTheIntegratedDensity() throws {
        let c = try Case(qStar: 0.02, depth: 16)
        let analysis = try SpectrumAnalysis(product: c.product)
        let top = analysis.edge.logLocation
        let rule = GaussLegendreRule(points: 8)
        let continuous = c.product.continuousMass
        for depthBelow in [0.05, 0.5, 2.0, 8.0] {
            // t = top − s², panels uniform in s.
            let sMax = depthBelow.squareRoot(), panels = 400
            var nodes: [(t: Double, weight: Double)] = []
            for j in 0..<panels {
                let a = sMax * Double(j) / Double(panels), b = sMax * Double(j + 1) / Double(panels)
                for (x, w) in zip(rule.nodes, rule.weights) {
                    let s = a + 0.5 * (b - a) * (x + 1)
                    nodes.append((top - s * s, 0.5 * (b - a) * w * 2 * s))
                }
            }
            let values = try c.product.evaluate(descendingLogX: nodes.map(\.t), edge: analysis.edge, includeCDF: false)
            let integrated = zip(nodes, values).reduce(0) { $0 + $1.0.weight * $1.1.logDensity }
            let closed = try c.product.evaluate(descendingLogX: [top - depthBelow], edge: analysis.edge)[0].continuousTail
            #expect(abs(closed - integrated) <= 1e-9 * continuous, "tail at t_e − \(depthBelow): \(closed) vs ∫ \(integrated)")
        }
    }
}
