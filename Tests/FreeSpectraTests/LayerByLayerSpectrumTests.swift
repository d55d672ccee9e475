import Foundation
import Testing
@testable import FreeSpectra

/// Spectra of networks whose q^l moves layer by layer (zero biases, standardised inputs, the
/// transient before a fixed point), against three witnesses: the mean field (m₁ = Π χ_l), the
/// S-transform additivity of normalised variances, and the density of the solved product.
@Suite struct LayerByLayerSpectrumTests {
    /// Normalised variances add under free multiplicative convolution: S(w) = (1/m₁)(1 − v w + O(w²))
    /// with v = m₂/m₁² − 1, so S_{JJᵀ} = Π_l S_{W_l} S_{D_l} gives v(JJᵀ) = Σ_l (s_W + v_{D_l}) with
    /// s_W = 1 (Marchenko–Pastur at ratio 1) or 0 (Haar), v_{D_l} = E[φ′⁴]/E[φ′²]² − 1 at q^l; and
    /// m₁ = Π_l σ_w² E[φ′(√q^l h)²]. Both are computed here by direct quadrature, independently of
    /// the law objects and the series.
    func meanFieldMoments(_ phi: any Activation, sigmaW: Double, q: [Double], weights: WeightEnsemble) throws -> (logM1: Double, v: Double) {
        var logM1 = 0.0, v = 0.0
        for ql in q {
            let e2 = try Quadrature.gaussianExpectation({ pow(phi.derivative(ql.squareRoot() * $0), 2) })
            let e4 = try Quadrature.gaussianExpectation({ pow(phi.derivative(ql.squareRoot() * $0), 4) })
            logM1 += log(sigmaW * sigmaW * e2)
            v += (weights == .gaussian ? 1 : 0) + e4 / (e2 * e2) - 1
        }
        return (logM1, v)
    }

    static let depths: [Int] = ProcessInfo.processInfo.environment["FREESPEC_FULL_TESTS"] != nil ? [1, 10, 50, 200] : [1, 10]

    /// tanh and erf at σ_b = 0, σ_w ∈ {0.9, 1, 1.3}, Q0 ∈ {0.5, 1}, both ensembles: the series
    /// m₁ and σ²/m₁² equal the mean-field values to 1e-9 (relative), and the density of the solved
    /// transient product integrates to 1 ± 1e-6 with m₁ … m₄ within 1e-6 of the series.
    @Test(arguments: ["tanh", "erf"], [WeightEnsemble.gaussian, .orthogonal])
    func transientMomentsMatchTheMeanField(name: String, weights: WeightEnsemble) throws {
        let phi = try Activations.named(name)
        for sigmaW in [0.9, 1.0, 1.3] {
            for q0 in [0.5, 1.0] {
                for depth in Self.depths {
                    let label = "\(name) \(weights) σ_w = \(sigmaW) Q0 = \(q0) L = \(depth)"
                    let model = try JacobianSpectrum(activation: phi, weights: weights, depth: depth,
                                                     point: .weights(sigmaW: sigmaW, sigmaB: 0), inputLength: q0)
                    let path = try #require(model.meanField.trajectory, "\(label): no trajectory")
                    #expect(model.meanField.operatingPoint == .layerByLayer)
                    let exact = try meanFieldMoments(phi, sigmaW: sigmaW, q: path.q, weights: weights)
                    let (logM1, normalized) = try model.product.normalizedMoments(count: 4)
                    #expect(abs(logM1 - exact.logM1) <= 1e-9 * max(1, abs(exact.logM1)), "\(label): log m1 \(logM1) vs \(exact.logM1)")
                    #expect(abs(normalized[1] - 1 - exact.v) <= 1e-9 * max(1, exact.v), "\(label): σ²/m1² \(normalized[1] - 1) vs \(exact.v)")
                    #expect(abs(path.chi.reduce(0) { $0 + log($1) } - exact.logM1) <= 1e-9 * max(1, abs(exact.logM1)))
                    let p = try model.predict(points: 50)
                    #expect(abs(p.check.totalMass - 1) <= 1e-6, "\(label): mass \(p.check.totalMass)")
                    #expect(p.check.momentRelativeErrors.allSatisfy { $0 <= 1e-6 }, "\(label): \(p.check.momentRelativeErrors)")
                }
            }
        }
    }

    /// Without --input-length, networks with no positive stable fixed point are answered layer by
    /// layer from Q0 = 1 with a note, never as a divergence or an internal error (the findings).
    @Test func zeroBiasFindingsAreAnswered() throws {
        // tanh at σ_w = 1: q^l shrinks (it was reported to diverge).
        let tanh = try JacobianSpectrum(activation: Tanh(), weights: .orthogonal, depth: 10, point: .weights(sigmaW: 1, sigmaB: 0))
        #expect(tanh.meanField.operatingPoint == .layerByLayer)
        #expect(tanh.meanField.note?.contains("shrinks towards 0") ?? false)
        #expect(tanh.meanField.inputLength == 1)
        let t = try #require(tanh.meanField.trajectory)
        #expect(t.q[0] == 1 && t.q[9] < t.q[0])

        // ReLU at any σ_w: one law, m₁ = (σ_w²/2)^L, σ²/m₁² = L (Haar) or 2L (Gaussian).
        for w in [0.5, 1.0, 1.2, 1.3, 1.35, 1.4142, 1.5, 3.0] {
            for weights in [WeightEnsemble.gaussian, .orthogonal] {
                let model = try JacobianSpectrum(activation: LeakyReLU(slope: 0), weights: weights, depth: 10, point: .weights(sigmaW: w, sigmaB: 0))
                let p = try model.predict(points: 20)
                let m1 = pow(w * w / 2, 10)
                #expect(abs(p.moments[0] / m1 - 1) <= 1e-12, "relu σ_w = \(w): m1 \(p.moments[0]) vs \(m1)")
                #expect(abs(p.normalizedVariance - (weights == .gaussian ? 20 : 10)) <= 1e-9)
                #expect(p.atoms.first?.location == 0 && abs(p.atoms[0].mass - 0.5) <= 1e-15)
                #expect(model.meanField.note != nil)
            }
        }

        // leaky ReLU at σ_w = 1.3: m₁ = (σ_w²(1 + a²)/2)^L = 0.186 (was 1.9e-38, slopes at φ′(0)).
        let leaky = try JacobianSpectrum(activation: LeakyReLU(slope: 0.01), weights: .gaussian, depth: 10, point: .weights(sigmaW: 1.3, sigmaB: 0))
        let expected = pow(1.69 * (1 + 1e-4) / 2, 10)
        #expect(abs(try leaky.predict(points: 20).moments[0] / expected - 1) <= 1e-12)
        #expect(abs(expected - 0.186) < 5e-4)
    }

    /// Where q^l outgrows what the slopes can be evaluated at (GELU at σ_w = 3: q² = 40, where
    /// φ′² underflows Double with probability 7.5e-6), the refusal names the layer and σ_w.
    /// A linear orthogonal network is σ_w^L times an orthogonal matrix: J Jᵀ is one atom at
    /// σ_w^{2L} (closed form), here 10^616.6, beyond Double. It is answered, its log-location
    /// exact (the relative tolerance 1e-12 is rounding of L ln σ_w² = 1420), variance 0.
    @Test func anAtomBeyondDoubleIsAnswered() throws {
        let sigmaW = 2.0338, depth = 1000
        let p = try JacobianSpectrum(activation: Linear(), weights: .orthogonal, depth: depth,
                                     point: .weights(sigmaW: sigmaW, sigmaB: 0)).predict(points: 2)
        let atom = try #require(p.atoms.first)
        let exact = Double(depth) * log(sigmaW * sigmaW)
        #expect(p.atoms.count == 1 && atom.mass == 1 && atom.location == .infinity)
        #expect(abs(atom.logLocation - exact) <= 1e-12 * exact && abs(p.log10FirstMoment * log(10) - exact) <= 1e-12 * exact)
        #expect(p.variance == 0 && abs(p.check.totalMass - 1) < 1e-12)
        // The same below Double's range (σ_w = 0.5: 10^-602.1): an atom there is not at 0.
        let below = try JacobianSpectrum(activation: Linear(), weights: .orthogonal, depth: depth,
                                         point: .weights(sigmaW: 0.5, sigmaB: 0)).predict(points: 2)
        let low = try #require(below.atoms.first)
        #expect(below.atoms.count == 1 && low.location == 0 && !low.isAtZero)
        #expect(abs(low.logLocation - Double(depth) * log(0.25)) <= 1e-12 * Double(depth) * log(4))
        // JSON names it by its log10 location; the atom at 0 has none.
        let json = String(decoding: try JSONEncoder().encode([low, Atom(location: 0, mass: 1)]), as: UTF8.self)
        #expect(json.contains("\"log10Location\":-602.0") && json.components(separatedBy: "log10Location").count == 2, "\(json)")
        // A contracting tanh network (q^l → 0, λ_max = 10^-602) is answered, with its grid.
        for weights in [WeightEnsemble.orthogonal, .gaussian] {
            let tanh = try JacobianSpectrum(activation: Tanh(), weights: weights, depth: depth,
                                            point: .weights(sigmaW: 0.5, sigmaB: 0)).predict(points: 20)
            #expect(abs(tanh.check.totalMass - 1) < 1e-6 && tanh.log10LambdaMax < -590 && tanh.density.log10X.allSatisfy(\.isFinite))
        }
    }

    @Test func growingPreactivationsAreRefusedInTheUsersTerms() throws {
        do {
            _ = try JacobianSpectrum(activation: GELU(), weights: .orthogonal, depth: 10, point: .weights(sigmaW: 3, sigmaB: 0))
            Issue.record("GELU at σ_w = 3 should be refused")
        } catch NumericalError.noSolution(let message) {
            #expect(message.contains("layer 2") && message.contains("σ_w = 3"), "\(message)")
        }
    }

    /// The sampled network is the one described: started from Q0, its measured q̂^l follows the
    /// length map within 5 standard errors + 2/N (the O(1/N) bias of a finite-width forward
    /// pass), and the calibrated verdict agrees at N = 512 for the findings.
    @Test(arguments: [("tanh", 1.0, WeightEnsemble.orthogonal), ("tanh", 1.0, .gaussian), ("relu", 1.2, .orthogonal),
                      ("leaky-relu", 1.3, .gaussian), ("tanh", 1.3, .orthogonal)])
    func monteCarloFromTheInputAgrees(name: String, sigmaW: Double, weights: WeightEnsemble) throws {
        let phi = try Activations.named(name)
        let model = try JacobianSpectrum(activation: phi, weights: weights, depth: 10, point: .weights(sigmaW: sigmaW, sigmaB: 0), inputLength: 1)
        let p = try model.predict(points: 50)
        let path = try #require(model.meanField.trajectory)
        let configuration = NetworkSamplingConfiguration(
            activation: phi, weights: weights, depth: 10, width: 512, sigmaW: sigmaW, sigmaB: 0, qStar: 1,
            samples: 4, seed: 11, inputLength: 1, layerLengths: path.q)
        let samples = try JacobianSampler.sample(configuration)
        let comparison = try JacobianComparison(samples, configuration: configuration, model: model, solved: try model.solve(),
                                                logFirstMoment: p.log10FirstMoment * log(10))
        #expect(comparison.verdict.agrees, "\(name) σ_w = \(sigmaW) \(weights): \(comparison.verdict.reason)")
        for l in 0..<10 {
            let measured = samples.preactivationLengths.map { $0[l] }
            let mean = measured.reduce(0, +) / 4
            let se = (measured.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 3 / 4).squareRoot()
            #expect(abs(mean - path.q[l]) <= 5 * se + 2 / 512 * path.q[l], "layer \(l + 1): q̂ \(mean) ± \(se) vs \(path.q[l])")
        }
    }
}
