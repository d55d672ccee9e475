import Foundation
import Testing
@testable import FreeSpectra

/// The Pennington–Worah law against sampled matrices, n₀ = 400, two samples per configuration,
/// fixed seeds; the theory is evaluated at the sampled ratios n₀/m, n₀/n₁.
///
/// KS tolerance 0.02 for smooth activations: the empirical CDF of one n₁ × n₁ Gram matrix is
/// rigid (fluctuations ~ log n/n ≈ 0.01 at n ≈ 500) and finite-size bias is O(1/n) in the bulk.
/// For x² the feature matrix carries O(1)-norm low-rank parts at finite n (row- and column-norm
/// fluctuations of WX enter f quadratically), which move a few eigenvalues out of the bulk:
/// 0.03 there. A wrong law (ψ/φ exchanged) is > 0.1 away.
@Suite struct GramMonteCarloTests {
    static let shapes: [(Double, Double)] = [(1.0, 1.0), (0.5, 0.8), (2.0, 0.5)]

    @Test(arguments: ["relu", "tanh", "abs", "square"])
    func spectrumOfRandomFeatures(name: String) throws {
        let activation = try GramActivations.named(name)
        for (k, (phi, psi)) in Self.shapes.enumerated() {
            let mc = try GramSampler.sample(activation: activation, phi: phi, psi: psi, width: 400, samples: 2, seed: 40 + UInt64(k))
            let theory = try NonlinearGram(eta: mc.moments.eta, zeta: mc.moments.zeta,
                                           phi: mc.shape.effectivePhi, psi: mc.shape.effectivePsi)
            let ks = mc.spectrum.ksDistance(to: theory.cdf)
            #expect(ks <= (name == "square" ? 0.03 : 0.02), "\(name) φ \(phi) ψ \(psi): KS \(ks)")
            // m₁ = η: the trace averages n₁·m entries, so 2% is many standard errors.
            #expect(abs(mc.spectrum.m1.value / theory.moment(1) - 1) < 0.02)
            if name != "square" {
                // m₂ within 3% (finite-n bias O(1/n) plus sampling).
                #expect(abs(mc.spectrum.m2.value / theory.moment(2) - 1) < 0.03, "\(name) m₂ \(mc.spectrum.m2.value) vs \(theory.moment(2))")
            }
            if phi != psi {
                let wrong = try NonlinearGram(eta: mc.moments.eta, zeta: mc.moments.zeta, phi: psi, psi: phi)
                #expect(mc.spectrum.ksDistance(to: wrong.cdf) > 0.1)
            }
        }
    }

    /// Péché's linear-equivalent model √ζ·WX/s + √(η − ζ)·Z has the same limiting spectrum.
    @Test func linearEquivalentModelHasTheSameSpectrum() throws {
        for (k, (phi, psi)) in Self.shapes.enumerated() {
            for name in ["relu", "tanh"] {
                let mc = try GramSampler.sample(activation: try GramActivations.named(name), phi: phi, psi: psi,
                                                width: 400, samples: 2, seed: 60 + UInt64(k), model: .linearEquivalent)
                let theory = try NonlinearGram(eta: mc.moments.eta, zeta: mc.moments.zeta,
                                               phi: mc.shape.effectivePhi, psi: mc.shape.effectivePsi)
                let summary = try GramSampler.summary(mc)
                #expect(summary.ks.ks <= 0.02, "\(name) φ \(phi) ψ \(psi): KS \(summary.ks.ks)")
                #expect(summary.ks.agrees)
                #expect(abs(summary.moments[1].value / theory.moment(2) - 1) < 0.03)
            }
        }
    }

    /// Sampled ridge regressions (Cholesky solve, 256 random targets, n₀ = 300, 2 samples)
    /// against E_train from G′. Tolerance 3% relative + 0.002: per target the loss is a
    /// weighted χ² over m terms (relative sd ≈ √(2/m) ≈ 6%), averaged over 512 target–sample
    /// pairs → ≈ 0.3%; finite-n bias O(1/n) ≈ 0.3–1%.
    @Test func trainingLossOfSampledRidgeRegression() throws {
        let gammas = [0.01, 0.1, 1.0]
        for (phi, psi) in [(0.5, 0.8), (2.0, 0.5)] {
            for name in ["relu", "tanh"] {
                let activation = try GramActivations.named(name)
                let sampled = try GramSampler.trainingLoss(activation: activation, phi: phi, psi: psi, gammas: gammas,
                                                           width: 300, samples: 2, seed: 80)
                let moments = try GramActivationMoments(activation: activation)
                let theory = try NonlinearGram(eta: moments.eta, zeta: moments.zeta,
                                               phi: sampled.shape.effectivePhi, psi: sampled.shape.effectivePsi)
                for (gamma, estimate) in zip(gammas, sampled.losses) {
                    let expected = try theory.trainingLoss(gamma: gamma)
                    #expect(abs(estimate.value - expected) <= 0.03 * expected + 0.002,
                            "\(name) φ \(phi) ψ \(psi) γ \(gamma): sampled \(estimate.value) vs \(expected)")
                }
            }
        }
    }

    /// Stacked layers (n = 300, m = 600, 4 layers, 2 samples): ζ = 0 activations keep the
    /// Marchenko–Pastur spectrum at every layer (KS below 0.03), ReLU and tanh leave it at once
    /// (KS > 0.05 from layer 1 on).
    @Test func layersKeepMarchenkoPasturOnlyWhenZetaVanishes() throws {
        for name in ["abs", "relu", "tanh"] {
            let reports = try GramSampler.layers(activation: try GramActivations.named(name), phi: 0.5, depth: 4,
                                                 width: 300, samples: 2, seed: 90)
            #expect(reports.count == 4)
            for report in reports {
                if name == "abs" {
                    #expect(report.ks < 0.03, "abs layer \(report.layer): KS \(report.ks)")
                } else {
                    #expect(report.ks > 0.05, "\(name) layer \(report.layer): KS \(report.ks)")
                }
            }
        }
    }
}
