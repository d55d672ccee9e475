import Foundation
import Testing
@testable import FreeSpectra

/// Real gradient descent on sampled regressions (`GradientDescentSampler`) against the curves
/// read off the law (`GradientDescentCurves`), n = 500 parameters.
///
/// Tolerance per point: |MC − theory| ≤ 3·s.e. + theory·(1 + ηλ_max·t)/n. The second term
/// is the finite-n bias: E tr g(A)/n − ∫g dμ = O(‖g′‖/n) for the real Wishart ensemble, and
/// g = λ(1 − ηλ)^{2t} varies by ~ tηλ_max|g| over the support. The standard error is dominated
/// by the single teacher w* per sample (a quadratic form in p = 500 Gaussians: ~6% relative per
/// sample, measured), hence 40 samples (~2.3%). Only t ≤ 30 are compared, where
/// the curve is still a bulk average (at t ≫ n^{2/3} it is set by the sample's own extreme
/// eigenvalues, which fluctuate at the Tracy–Widom scale). The same samples against the law of
/// ratio 0.55 (a 10% wrong aspect) must fail somewhere.
@Suite struct GradientDescentMonteCarloTests {
    static let steps = [0, 1, 2, 5, 10, 20, 30]

    func agree(_ mc: MonteCarloEstimate, _ theory: Double, eta: Double, step: Int, lambdaMax: Double, n: Int) -> Bool {
        abs(mc.value - theory) <= 3 * mc.standardError + theory * (1 + eta * lambdaMax * Double(step)) / Double(n)
    }

    @Test func wishartCurvesMatchSimulation() throws {
        let n = 500, m = 1000
        let etas = [0.3, 0.6]
        let points = try GradientDescentSampler.run(.gaussian(parameters: n, dataPoints: m, variance: 1), etas: etas,
                                                    steps: Self.steps, samples: 40, seed: 21)
        let theory = try GradientDescentCurves.linearRegression(ratio: 0.5)
        let wrong = try GradientDescentCurves.linearRegression(ratio: 0.55)
        var wrongCaught = false
        for p in points {
            let t = try theory.point(eta: p.eta, step: p.step), w = try wrong.point(eta: p.eta, step: p.step)
            let loss = try #require(p.excessLoss)
            #expect(agree(loss, t.excessLoss, eta: p.eta, step: p.step, lambdaMax: theory.lambdaMax, n: n),
                    "η \(p.eta) t \(p.step): loss \(loss.value) ± \(loss.standardError) vs \(t.excessLoss)")
            #expect(agree(p.distance, t.distance, eta: p.eta, step: p.step, lambdaMax: theory.lambdaMax, n: n),
                    "η \(p.eta) t \(p.step): distance \(p.distance.value) ± \(p.distance.standardError) vs \(t.distance)")
            if !agree(loss, w.excessLoss, eta: p.eta, step: p.step, lambdaMax: theory.lambdaMax, n: n) { wrongCaught = true }
        }
        #expect(wrongCaught, "a law with a 10% wrong ratio passed the comparison")
        // and a wrong exponent (1 − ηλ)^t instead of (1 − ηλ)^{2t} (the curve at t/2) too:
        let halfExponent = try theory.point(eta: 0.3, step: 5)
        let sampled = try #require(points.first { $0.eta == 0.3 && $0.step == 10 }?.excessLoss)
        #expect(!agree(sampled, halfExponent.excessLoss, eta: 0.3, step: 10, lambdaMax: theory.lambdaMax, n: n))
    }

    /// Label noise s² = 0.25 at n > m (ratio 2): training error → 0 (interpolation), the
    /// distance → r²(1 − m/n) + s²·c∫dμ/λ…, test error ½(s² + σ²‖w − w*‖²); and the zero-atom
    /// plateau of the distance without noise at t = 2000 (the sampled null space is exactly
    /// n − m dimensional, so the plateau r²(n − m)/n is reached to the sample's spread).
    @Test func noiseAndPlateauMatchSimulation() throws {
        let n = 500, m = 250
        let steps = [0, 1, 5, 20, 2000]
        let noisy = try GradientDescentSampler.run(.gaussian(parameters: n, dataPoints: m, variance: 1), etas: [0.15],
                                                   steps: steps, noise: 0.25, samples: 20, seed: 5)
        let theory = try GradientDescentCurves.linearRegression(ratio: 2, noise: 0.25)
        for p in noisy where p.step <= 20 {
            let t = try theory.point(eta: p.eta, step: p.step)
            #expect(agree(p.trainError, t.trainError, eta: p.eta, step: p.step, lambdaMax: theory.lambdaMax, n: n),
                    "t \(p.step): train \(p.trainError.value) ± \(p.trainError.standardError) vs \(t.trainError)")
            let test = try #require(p.testError)
            #expect(agree(test, t.testError!, eta: p.eta, step: p.step, lambdaMax: theory.lambdaMax, n: n),
                    "t \(p.step): test \(test.value) ± \(test.standardError) vs \(t.testError!)")
            #expect(p.excessLoss == nil)
        }
        let clean = try GradientDescentSampler.run(.gaussian(parameters: n, dataPoints: m, variance: 1), etas: [0.15],
                                                   steps: [2000], samples: 4, seed: 6)
        let plateau = try GradientDescentCurves.linearRegression(ratio: 2).point(eta: 0.15, step: 2000).distance
        #expect(abs(plateau - 0.5) < 1e-9)
        #expect(abs(clean[0].distance.value - plateau) <= 3 * clean[0].distance.standardError + 0.01,
                "plateau \(clean[0].distance.value) ± \(clean[0].distance.standardError) vs \(plateau)")
    }

    /// η = 1.05·2/λ_max diverges in theory and in simulation (the sample's top eigenvalue sits
    /// within ~n^{-2/3}·λ_max ≈ 2% of λ_max, so ηλ̂_max > 2 still).
    @Test func stepAboveTheBoundDivergesInBoth() throws {
        let theory = try GradientDescentCurves.linearRegression(ratio: 0.5)
        let eta = 1.05 * theory.stableStepBound
        let mc = try GradientDescentSampler.run(.gaussian(parameters: 500, dataPoints: 1000, variance: 1), etas: [eta],
                                                steps: [0, 1000], samples: 2, seed: 8)
        let grow = try theory.logExcessLoss(eta: eta, step: 1000) - theory.logExcessLoss(eta: eta, step: 0)
        #expect(grow > log(1e6))
        #expect(mc[1].trainError.value > 1e6 * mc[0].trainError.value)
    }

    /// Random features (ReLU, φ = 0.5, ψ = 0.8 → c = 0.625): GD on the sampled f(WX) follows
    /// the curves of the Pennington–Worah law at the sampled ratios.
    @Test func randomFeatureCurvesMatchSimulation() throws {
        let relu = try GramActivations.named("relu")
        let shape = try GramShape(phi: 0.5, psi: 0.8, width: 320)
        let moments = try GramActivationMoments(activation: relu)
        let points = try GradientDescentSampler.run(.randomFeatures(activation: relu, moments: moments, shape: shape),
                                                    etas: [0.5], steps: Self.steps, samples: 20, seed: 3)
        let gram = try NonlinearGram(eta: moments.eta, zeta: moments.zeta, phi: shape.effectivePhi, psi: shape.effectivePsi)
        let theory = try GradientDescentCurves.randomFeatures(gram)
        for p in points {
            let t = try theory.point(eta: p.eta, step: p.step)
            let loss = try #require(p.excessLoss)
            #expect(agree(loss, t.excessLoss, eta: p.eta, step: p.step, lambdaMax: theory.lambdaMax, n: shape.features),
                    "t \(p.step): loss \(loss.value) ± \(loss.standardError) vs \(t.excessLoss)")
            #expect(p.testError == nil)
        }
    }
}
