import Foundation
import Testing
@testable import FreeSpectra

/// Theory against sampled matrices: H = (1/m)XXᵀ + GOE(2ε), n = 400, m = round(n/φ),
/// two samples (800 eigenvalues), fixed seeds.
@Suite struct HessianMonteCarloTests {
    /// KS tolerance 0.02: eigenvalues are rigid, so the empirical CDF of one n = 400 matrix
    /// deviates from its mean by O(log n / n) ≈ 0.015 at worst, and finite-n bias is O(1/n)
    /// in the bulk (n^{-2/3} ≈ 0.02 only in edge *positions*, which carry little mass). An
    /// i.i.d. bound (1.63/√800 = 0.058) would be far too loose to catch a wrong density.
    /// Index tolerance 0.01 = 4/n: the count of negative eigenvalues fluctuates by a few.
    @Test(arguments: [0.25, 0.5, 0.75])
    func spectrumAndIndex(phi: Double) throws {
        let ec = try LossHessian.criticalEnergy(phi: phi)
        let above: Double = phi == 0.25 ? 0.1 : (phi == 0.5 ? 0.05 : 0.02)
        for (k, epsilon) in [0, ec / 2, above].enumerated() {
            let mc = try HessianSampler.sample(phi: phi, epsilon: epsilon, size: 400, samples: 2, seed: 2017 + UInt64(k))
            let theory = try LossHessian(phi: mc.effectivePhi, epsilon: epsilon)
            let ks = mc.spectrum.ksDistance(to: theory.cdf)
            #expect(ks <= 0.02, "φ \(phi) ε \(epsilon): KS \(ks)")
            let alpha = theory.index()
            #expect(abs(mc.index.value - alpha) <= 0.01, "φ \(phi) ε \(epsilon): MC α \(mc.index.value) vs \(alpha)")
            // P&B convention φ = n/m (parameters/data): E[(1/n)tr H²] = 1 + (n+1)/m + 2ε(n+1)/n
            // exactly at finite n; its fluctuation is O(1/n), so 0.02 is ~8σ (and 1 + 1/φ + 2ε,
            // the transposed convention, is off by ≥ 0.5).
            let expectedM2 = 1 + Double(mc.size + 1) / Double(mc.dataPoints) + 2 * epsilon * Double(mc.size + 1) / Double(mc.size)
            #expect(abs(mc.spectrum.moment(2).value - expectedM2) <= 0.02)
        }
        // A wrong model fails: the transposed convention φ → 1/φ is far off in KS.
        let mc = try HessianSampler.sample(phi: phi, epsilon: above, size: 400, samples: 1, seed: 99)
        let wrong = try LossHessian(phi: 1 / phi, epsilon: above)
        #expect(mc.spectrum.ksDistance(to: wrong.cdf) > 0.1)
    }
}
