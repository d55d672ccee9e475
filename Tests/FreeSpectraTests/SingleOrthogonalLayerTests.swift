import Foundation
import Testing
@testable import FreeSpectra

/// One square orthogonal layer with a smooth activation, J Jᵀ = σ_w² D², which
/// `JacobianSpectrum.solve` computes directly as a push-forward (`SingleOrthogonalLayerSpectrum`).
/// Witnesses: the free-product engine on the same law, where it completes (a second method:
/// continuation of the S-transform equation on the lifted-contour M), sampled slopes (Monte
/// Carlo of the definition), and the exact moments (the mass/moment suite).
@Suite struct SingleOrthogonalLayerTests {
    static let cases: [(String, JacobianSpectrum.OperatingPoint)] = [
        ("tanh", .critical(qStar: 0.5)), ("erf", .critical(qStar: 0.5)), ("sigmoid", .critical(qStar: 64)),
        ("gelu", .weights(sigmaW: 1.2, sigmaB: 0.1)), ("silu", .weights(sigmaW: 1.2, sigmaB: 0.1)),
    ]

    /// Push-forward against the free-product engine: λ_max to 1e-9 relative (both locate the
    /// maximum of φ′² to rounding, and it is stationary), F at 12 points to 1e-9 (the engine's
    /// CDF is accurate to ~1e-11 here; the push-forward's roots to 1e-15), and λρ(λ) to 1e-6
    /// relative (the engine's density is solved to ~1e-9; near the inverse-square-root
    /// singularities both are steep, so points within 1e-3 of a critical value are left out).
    @Test(arguments: 0..<cases.count)
    func pushForwardAgreesWithTheFreeProductEngine(index: Int) throws {
        let (name, point) = Self.cases[index]
        let model = try JacobianSpectrum(activation: Activations.named(name), weights: .orthogonal, depth: 1, point: point)
        let direct = try #require(try model.solve() as? SingleOrthogonalLayerSpectrum)
        let engine = try SpectrumAnalysis(product: model.product)
        #expect(abs(direct.logLambdaMax - engine.logLambdaMax) <= 1e-9, "\(name): λ_max")
        let criticalValues = direct.pieces.flatMap { [$0.logGA, $0.logGB] }.map { $0 + 2 * log(model.meanField.sigmaW) }
        let ts = (1...12).map { direct.logLambdaMax - 0.35 * Double($0) }
            .filter { t in criticalValues.allSatisfy { abs($0 - t) > 1e-3 } && t > direct.logSupport[0].lowerBound }
        #expect(ts.count >= 8)
        let a = try direct.points(descendingLogX: ts, includeCDF: true)
        let b = try engine.points(descendingLogX: ts, includeCDF: true)
        for (p, r) in zip(a, b) {
            #expect(abs(p.cdf - r.cdf) <= 1e-9, "\(name): F at t = \(p.logX): \(p.cdf) vs \(r.cdf)")
            #expect(abs(p.logDensity - r.logDensity) <= 1e-6 * r.logDensity, "\(name): λρ at t = \(p.logX): \(p.logDensity) vs \(r.logDensity)")
        }
    }

    /// Push-forward against 100 000 sampled slopes σ_w² φ′(√q* h)² (fixed seed): the
    /// Kolmogorov–Smirnov distance (the empirical CDF against F at the sample ± 1e-12 relative)
    /// must stay below 1.95/√n, the 0.999 quantile of its null law,
    /// including the laws the free-product engine could not finish (SiLU at q* = 0.5, GELU at
    /// q* = 14, whose φ′² → 1 puts 1 % of the mass within 1e-16 of σ_w²) and the saturated ones.
    @Test(arguments: [("silu", 0.5), ("gelu", 14), ("gelu", 1), ("erf", 5), ("tanh", 64), ("sigmoid", 64), ("tanh", 1e-4)])
    func pushForwardMatchesSampledSlopes(name: String, qStar: Double) throws {
        let phi = try Activations.named(name)
        let model = try JacobianSpectrum(activation: phi, weights: .orthogonal, depth: 1, point: .critical(qStar: qStar))
        let spectrum = try model.solve()
        #expect(spectrum is SingleOrthogonalLayerSpectrum)
        var rng = Xoshiro256StarStar(seed: 20261123)
        let n = 100_000
        let s2 = model.meanField.sigmaW * model.meanField.sigmaW, sq = qStar.squareRoot()
        let samples = (0..<n).map { _ in let d = phi.derivative(sq * rng.nextNormal()); return s2 * d * d }.sorted()
        // F is read at λ(1 ± 1e-12): log λ and the sampled λ differ by rounding, which matters
        // where 1 % of the mass sits within 1e-16 of σ_w² (GELU at q* = 14).
        let above = try spectrum.cdf(at: samples.map { $0 * (1 + 1e-12) })
        let below = try spectrum.cdf(at: samples.map { $0 * (1 - 1e-12) })
        var distance = 0.0
        for i in 0..<n {
            distance = max(distance, Double(i + 1) / Double(n) - above[i], below[i] - Double(i) / Double(n))
        }
        #expect(distance <= 1.95 / Double(n).squareRoot(), "\(name) q* = \(qStar): KS \(distance)")
    }

    /// A custom φ with flat slopes (hard-tanh given by closures, so its slope law is not known to
    /// be atomic): the push-forward turns each flat piece into an atom — at σ_w² with mass
    /// P(|x| < 1) and at 0 with the rest — with no continuous part.
    @Test func flatSlopesAreAtoms() throws {
        let phi = CustomActivation(name: "custom-hard-tanh", kinks: [-1, 1],
                                   value: { max(-1, min(1, $0)) }, derivative: { abs($0) < 1 ? 1 : 0 })
        let q = 0.7, sigmaW = 1.3
        let spectrum = try SingleOrthogonalLayerSpectrum(activation: phi, q: q, sigmaW: sigmaW)
        let inside = erf(1 / (2 * q).squareRoot())
        #expect(!spectrum.hasContinuousPart)
        #expect(spectrum.atoms.count == 2)
        #expect(spectrum.atoms.first.map { $0.location == 0 && abs($0.mass - (1 - inside)) <= 1e-14 } ?? false)
        #expect(spectrum.atoms.last.map { abs($0.location - sigmaW * sigmaW) <= 1e-15 && abs($0.mass - inside) <= 1e-14 } ?? false)
        #expect(abs(spectrum.lambdaMax - sigmaW * sigmaW) <= 1e-15)
    }

    @Test func badParametersAreRefused() {
        let phi = Tanh()
        #expect(throws: NumericalError.self) { try SingleOrthogonalLayerSpectrum(activation: phi, q: -1, sigmaW: 1) }
        #expect(throws: NumericalError.self) { try SingleOrthogonalLayerSpectrum(activation: phi, q: 1, sigmaW: .nan) }
        #expect(throws: NumericalError.self) { try SingleOrthogonalLayerSpectrum(activation: phi, q: 1, sigmaW: 0) }
    }
}
