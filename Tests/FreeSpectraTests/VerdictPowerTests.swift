import Foundation
import Testing
@testable import FreeSpectra

/// The calibrated Monte Carlo verdict can fail: at the default width (N = 256, S = 4, depth 16)
/// it accepts the right theory and flags each deliberately wrong one the issue lists — σ_w off
/// by 5 %, q* off by a factor 2, the other ensemble, a dropped zero atom, and the fixed-point
/// theory for a zero-bias network started from a standardised input.
@Suite struct VerdictPowerTests {
    /// Samples the network of `network` (its own σ_w, σ_b, input length and q^l) and compares it
    /// with the solved spectrum `theory` of the model `model`.
    func verdict(network: JacobianSpectrum, model: JacobianSpectrum, theory: (any SolvedSpectrum)? = nil,
                 width: Int = 256, seed: UInt64 = 3) throws -> MonteCarloVerdict {
        let field = network.meanField
        let configuration = NetworkSamplingConfiguration(
            activation: network.activation, weights: network.weights, depth: network.depth, width: width,
            sigmaW: field.sigmaW, sigmaB: field.sigmaB, qStar: field.qStar.isFinite ? field.qStar : 1, samples: 4, seed: seed,
            inputLength: field.inputLength, layerLengths: field.trajectory?.q)
        let samples = try JacobianSampler.sample(configuration)
        let (logM1, _) = try model.product.normalizedMoments(count: 2)
        return try JacobianComparison(samples, configuration: configuration, model: model, solved: try theory ?? model.solve(),
                                      logFirstMoment: logM1).verdict
    }

    func tanh(_ weights: WeightEnsemble, _ point: JacobianSpectrum.OperatingPoint, inputLength: Double? = nil) throws -> JacobianSpectrum {
        try JacobianSpectrum(activation: Tanh(), weights: weights, depth: 16, point: point, inputLength: inputLength)
    }

    @Test(arguments: [WeightEnsemble.gaussian, .orthogonal])
    func sigmaWOffByFivePercentIsFlagged(weights: WeightEnsemble) throws {
        let network = try tanh(weights, .weights(sigmaW: 1.3, sigmaB: 0.1))
        let right = try verdict(network: network, model: network)
        #expect(right.agrees, "\(right.reason)")
        let wrong = try verdict(network: network, model: try tanh(weights, .weights(sigmaW: 1.3 * 1.05, sigmaB: 0.1)))
        #expect(!wrong.agrees, "\(wrong.reason)")
    }

    /// Both ensembles: with Gaussian weights the slope law is a small part of a spectrum 37 decades
    /// wide (σ²/m₁² = 17.6 against 16.8 at q* = 0.1): KS cannot see it at N = 256, the mean
    /// log-eigenvalue can (E log D² is −0.4 against −0.2 per layer).
    @Test(arguments: [WeightEnsemble.gaussian, .orthogonal])
    func qStarOffByTwoIsFlagged(weights: WeightEnsemble) throws {
        let network = try tanh(weights, .critical(qStar: 0.2))
        #expect(try verdict(network: network, model: network).agrees)
        let wrong = try verdict(network: network, model: try tanh(weights, .critical(qStar: 0.1)))
        #expect(!wrong.agrees, "\(wrong.reason)")
    }

    @Test func otherEnsembleIsFlagged() throws {
        let orthogonal = try tanh(.orthogonal, .critical(qStar: 0.2)), gaussian = try tanh(.gaussian, .critical(qStar: 0.2))
        #expect(!(try verdict(network: orthogonal, model: gaussian)).agrees)
        #expect(!(try verdict(network: gaussian, model: orthogonal)).agrees)
    }

    /// ReLU's zero atom removed from the theory (the continuous part renormalised to mass 1): the
    /// zero-atom check sees 0.5 of the sample at 0 where the theory has none.
    @Test(arguments: [WeightEnsemble.gaussian, .orthogonal])
    func droppedAtomIsFlagged(weights: WeightEnsemble) throws {
        let relu = try JacobianSpectrum(activation: LeakyReLU(slope: 0), weights: weights, depth: 16,
                                        point: .weights(sigmaW: 2.squareRoot(), sigmaB: 0.1))
        let solved = try relu.solve()
        #expect(try verdict(network: relu, model: relu, theory: solved).agrees)
        let wrong = try verdict(network: relu, model: relu, theory: WithoutZeroAtom(base: solved))
        #expect(!wrong.agrees)
        #expect(wrong.zeroAtom?.agrees == false, "\(wrong.reason)")
    }

    /// tanh at σ_w = 1.3, σ_b = 0, fed a standardised input (Q0 = 1, q¹ = 1.69): the fixed-point
    /// theory (every layer at q* = 0.41) is flagged; the layer-by-layer theory agrees.
    @Test(arguments: [WeightEnsemble.gaussian, .orthogonal])
    func fixedPointTheoryOfATransientIsFlagged(weights: WeightEnsemble) throws {
        let network = try tanh(weights, .weights(sigmaW: 1.3, sigmaB: 0), inputLength: 1)
        let right = try verdict(network: network, model: network)
        #expect(right.agrees, "\(right.reason)")
        let held = try tanh(weights, .weights(sigmaW: 1.3, sigmaB: 0))
        #expect(held.meanField.operatingPoint == .fixedPoint)
        let wrong = try verdict(network: network, model: held)
        #expect(!wrong.agrees, "\(wrong.reason)")
    }

    /// A deep spectrum whose KS distance is fine but whose m₁ is far off (the mass far out that
    /// KS cannot see): the first-moment check flags it.
    @Test func firstMomentCatchesWhatKSCannot() throws {
        let shifted: [[Double]] = (0..<4).map { s in (0..<256).map { k in Double(k + s) / 256 } }
        let spectrum = try EmpiricalSpectrum(samples: shifted)
        let uniform: (Double) -> Double = { min(1, max(0, $0)) }
        let right = try MonteCarloVerdict.compare(spectrum, theoryCDF: uniform, width: 256, theoryLogFirstMoment: log((127.5 + 1.5) / 256))
        #expect(right.agrees, "\(right.reason)")
        let wrong = try MonteCarloVerdict.compare(spectrum, theoryCDF: uniform, width: 256, theoryLogFirstMoment: log(400))
        #expect(wrong.ks <= wrong.tolerance)
        #expect(!wrong.agrees && wrong.firstMoment?.agrees == false)
    }

    /// The halves' distance is the sample's own spread: two halves drawn from the same law give
    /// KS(A, B)/2 of the size of the pooled sample's distance to that law (i.i.d. uniform points:
    /// both ≈ 0.87/√n), so the right law passes with z = 3 in 48 of 50 seeds and more; the
    /// tolerance is far tighter than the i.i.d. bound for a rigid (evenly spaced) sample.
    @Test func halvesMeasureTheSamplesOwnSpread() throws {
        var passed = 0
        for seed in 0..<50 {
            var generator = Xoshiro256StarStar(seed: UInt64(seed + 1))
            let samples = (0..<4).map { _ in (0..<250).map { _ in generator.nextUniform() } }
            let v = try MonteCarloVerdict.compare(try EmpiricalSpectrum(samples: samples), theoryCDF: { min(1, max(0, $0)) },
                                                  width: 1_000_000, tolerance: MonteCarloTolerance(finiteWidthConstant: 0))
            if v.agrees { passed += 1 }
        }
        #expect(passed >= 48, "\(passed) of 50")
        let rigidSamples: [[Double]] = (0..<4).map { s in
            let offset = 0.5 + 0.01 * Double(s)
            return (0..<256).map { (Double($0) + offset) / 256 }
        }
        let rigid = try EmpiricalSpectrum(samples: rigidSamples)
        let v = try MonteCarloVerdict.compare(rigid, theoryCDF: { min(1, max(0, $0)) }, width: 256)
        #expect(v.samplingPart < 0.1 * MonteCarloTolerance().samplingPart(width: 256, samples: 4))
    }
}

/// A solved spectrum with its zero atom removed and the rest renormalised (a deliberately wrong
/// theory for the verdict's tests).
struct WithoutZeroAtom: SolvedSpectrum {
    let base: any SolvedSpectrum
    var zero: Double { base.atoms.first { $0.location == 0 }?.mass ?? 0 }
    var atoms: [Atom] { base.atoms.filter { $0.location > 0 } }
    var logUpperEdge: Double { base.logUpperEdge }
    var logLambdaMax: Double { base.logLambdaMax }
    var logSupport: [ClosedRange<Double>] { base.logSupport }
    var reachesZero: Bool { base.reachesZero }
    var hasContinuousPart: Bool { base.hasContinuousPart }
    func logQuantile(_ p: Double) throws -> Double { try base.logQuantile(p) }
    func points(descendingLogX logXs: [Double], includeCDF: Bool) throws -> [SpectralPoint] {
        try base.points(descendingLogX: logXs, includeCDF: includeCDF)
    }
    func densityMoments(count: Int, logFirstMoment: Double) throws -> (mass: Double, normalizedMoments: [Double]) {
        try base.densityMoments(count: count, logFirstMoment: logFirstMoment)
    }
    func cdf(at xs: [Double]) throws -> [Double] {
        let p0 = zero
        return try base.cdf(at: xs).map { max(0, $0 - p0) / (1 - p0) }
    }
}
