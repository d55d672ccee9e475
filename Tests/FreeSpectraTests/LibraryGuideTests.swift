import ComplexModule
import Foundation
import Testing
import FreeSpectra  // not @testable: the guide may use only the public API

/// The code of Docs/library.md, section by section, with the numbers the guide quotes. If a
/// change of the public API breaks the guide, it breaks here first.
@Suite struct LibraryGuideTests {
    /// §2 "A Jacobian prediction".
    @Test func jacobianPrediction() throws {
        let model = try JacobianSpectrum(activation: Tanh(), weights: .orthogonal, depth: 64,
                                         point: .critical(qStar: 0.03))
        let p = try model.predict(points: 200, evaluations: [1.0])
        #expect(abs(p.meanField.sigmaW - 1.0284) < 1e-4 && abs(p.meanField.sigmaB - 0.005525) < 1e-6)
        #expect(abs(p.moments[0] - 1) < 1e-9 && abs(p.normalizedVariance - 0.3545) < 1e-4)
        #expect(abs(p.lambdaMax - 2.558) < 1e-3 && abs(p.conditionMeasure - 13.91) < 1e-2)
        #expect(p.isometry.isometric)
        let at1 = try #require(p.evaluations?.first)
        #expect(abs(at1.rho - 0.5134) < 1e-3 && abs(at1.cdf - 0.5649) < 1e-3, "ρ(1) = \(at1.rho), F(1) = \(at1.cdf)")
    }

    /// §3 "Your own activation": by closures, and by a type.
    @Test func customActivation() throws {
        // LeCun's scaled tanh, 1.7159 tanh(2x/3): analytic, poles of φ′ at x = ±3πi/4.
        let lecun = CustomActivation(
            name: "lecun-tanh", analyticStripHalfWidth: 3 * .pi / 4,
            value: { 1.7159 * tanh(2 * $0 / 3) },
            derivative: { x in let c = cosh(2 * x / 3); return 1.7159 * (2.0 / 3) / (c * c) },
            complexDerivative: { x in let c = Complex.cosh(2 * x / 3); return Complex(1.7159 * 2 / 3) / (c * c) })
        let model = try JacobianSpectrum(activation: lecun, weights: .orthogonal, depth: 16, point: .critical(qStar: 0.1))
        let p = try model.predict()
        #expect(abs(p.moments[0] - 1) < 1e-9 && p.isometry.isometric, "\(p.isometry.reason)")

        // softsign continued piece by piece: the contour returns to the axis at the kink, a
        // vertex of the quadrature (with a panel across it the moments erred by 3e-10 per layer
        // and failed the guide's example). Measured: mass 1 − 1e-12 and moments 1e-14 at L = 16,
        // 1 − 9e-10 and 3e-9 at L = 3; the bound 1e-7 is 10× inside the self-check. (L = 2 is
        // refused by its m1 check, off by 1.1e-6: the product's top edge sits within rounding of
        // the slopes' top 1, where M_{D²} diverges only like a logarithm; see the issue-15 note.)
        for depth in [3, 16] {
            let softsign = try JacobianSpectrum(activation: Softsign(), weights: .orthogonal, depth: depth, point: .critical(qStar: 0.1))
            let s = try softsign.predict()
            #expect(abs(s.moments[0] - 1) < 1e-7 && abs(s.check.totalMass - 1) < 1e-7
                    && s.check.momentRelativeErrors.allSatisfy { abs($0) < 1e-7 } && s.lambdaMax > 1,
                    "L = \(depth): mass \(s.check.totalMass), moment errors \(s.check.momentRelativeErrors)")
        }
        // Without the continuation the slope law is a real-axis quadrature, whose density near
        // the edges is good to ~1e-6 of the mass (measured 1 − 9.2e-7 at L = 16): the answer is
        // within the self-check's 1e-6, or refused by it, never printed worse.
        let realAxis = try JacobianSpectrum(activation: RealAxisSoftsign(), weights: .orthogonal, depth: 16, point: .critical(qStar: 0.1))
        do {
            let s = try realAxis.predict()
            #expect(abs(s.check.totalMass - 1) <= 1e-6 && abs(s.moments[0] - 1) < 1e-6, "mass \(s.check.totalMass)")
        } catch {
            #expect("\(error)".contains("self-check"), "\(error)")
        }
    }

    /// §4 "Layers that differ".
    @Test func heterogeneousLayers() throws {
        let tanhSlopes = try DerivativeSquaredLaw(activation: Tanh(), q: 0.03)
        let reluSlopes = try DerivativeSquaredLaw(activation: LeakyReLU(slope: 0), q: 1)
        let (tanhSigmaW, _) = try CriticalLine.point(activation: Tanh(), qStar: 0.03)
        let layers: [(weights: WeightGramLaw, slopes: DerivativeSquaredLaw)] =
            Array(repeating: (.orthogonal(sigmaW: tanhSigmaW), tanhSlopes), count: 8)
            + Array(repeating: (.gaussian(sigmaW: 2.squareRoot()), reluSlopes), count: 2)
        let product = try FreeMultiplicativeProduct(layers: layers)
        let analysis = try SpectrumAnalysis(product: product)
        let moments = try product.moments(count: 2)
        #expect(abs(moments[0] - 1) < 1e-9)
        // Orthogonal tanh adds 8·Var(D²)/E[D²]², each Gaussian ReLU layer 1 (weights) + 1 (slopes).
        #expect(abs(moments[1] - 1 - (8 * 0.005538 + 4)) < 1e-3, "m2 = \(moments[1])")
        #expect(analysis.atoms == [Atom(location: 0, mass: 0.5)])
        let points = try product.evaluate(descending: [2, 1, 0.5], edge: analysis.edge)
        #expect(points.allSatisfy { $0.density > 0 && $0.cdf > 0.5 && $0.cdf < 1 })
        #expect(points[0].cdf > points[1].cdf && points[1].cdf > points[2].cdf)
        let median = exp(try analysis.logQuantile(0.5))  // of the continuous part
        #expect(median > 0 && median < analysis.lambdaMax)
    }

    /// §4, layers of different widths.
    @Test func rectangularLayers() throws {
        let relu = try DerivativeSquaredLaw(activation: LeakyReLU(slope: 0), q: 1)
        let shaped = try FreeMultiplicativeProduct(
            layers: Array(repeating: (.gaussian(sigmaW: 2.squareRoot()), relu), count: 3), widths: [100, 200, 50, 100])
        let m = try shaped.moments(count: 2)
        #expect(abs(m[0] - 1) < 1e-12 && abs(m[1] - 8) < 1e-12, "\(m)")
        #expect(try SpectrumAnalysis(product: shaped).atoms == [Atom(location: 0, mass: 0.75)])
        let model = try JacobianSpectrum(activation: Tanh(), weights: .gaussian, depth: 2, point: .critical(qStar: 0.5), widthRatios: [2, 1])
        #expect(model.product.widths == [1, 2, 1])
    }

    /// §5 "Mean field and the critical line".
    @Test func meanFieldAndCriticalLine() throws {
        let field = try MeanField(activation: Tanh(), sigmaW: 1.3, sigmaB: 0.2)
        guard case .stable(let qStar) = try field.fixedPoint() else { Issue.record("no stable q*"); return }
        #expect(abs(qStar - 0.5055) < 1e-4)
        #expect(abs(try field.chi(qStar) - 0.9977) < 1e-4)
        #expect(abs(try field.lengthMap(qStar) - qStar) < 1e-9)
        let (sigmaW, sigmaB) = try CriticalLine.point(activation: Tanh(), qStar: 0.03)
        #expect(abs(sigmaW - 1.0284) < 1e-4 && abs(sigmaB - 0.005525) < 1e-6)
        let (b, q) = try CriticalLine.point(activation: Tanh(), sigmaW: 1.2)
        #expect(abs(try MeanField(activation: Tanh(), sigmaW: 1.2, sigmaB: b).chi(q) - 1) < 1e-9)
        #expect(throws: NumericalError.self) { try CriticalLine.point(activation: Sigmoid(), qStar: 0.2) }
    }

    /// §2, zero biases: layer by layer from a standardised input.
    @Test func layerByLayer() throws {
        let lecun = try JacobianSpectrum(activation: Tanh(), weights: .gaussian, depth: 10,
                                         point: .weights(sigmaW: 1, sigmaB: 0), inputLength: 1)
        #expect(lecun.meanField.operatingPoint == .layerByLayer)
        let q = try #require(lecun.meanField.trajectory).q
        #expect(q.first == 1 && abs(q[1] - 0.394) < 1e-3 && abs(q.last! - 0.058) < 5e-4)
        #expect(abs(try lecun.predict().moments[0] - 0.0714) < 1e-4)
        #expect(lecun.meanField.phase == .critical && lecun.meanField.depthScaleQ == .infinity)
    }

    /// §6 "Monte Carlo".
    @Test func monteCarlo() throws {
        let model = try JacobianSpectrum(activation: Tanh(), weights: .orthogonal, depth: 64, point: .critical(qStar: 0.03))
        let field = model.meanField
        let configuration = NetworkSamplingConfiguration(
            activation: Tanh(), weights: .orthogonal, depth: 64, width: 256,
            sigmaW: field.sigmaW, sigmaB: field.sigmaB, qStar: field.qStar, samples: 2, seed: 1,
            inputLength: field.inputLength, layerLengths: field.trajectory?.q)
        let sampled = try JacobianSampler.sample(configuration)
        let (logM1, _) = try model.product.normalizedMoments(count: 2)
        let comparison = try JacobianComparison(sampled, configuration: configuration, model: model,
                                                solved: try model.solve(), logFirstMoment: logM1)
        let verdict = comparison.verdict
        #expect(verdict.agrees, "\(verdict.reason)")
        #expect(verdict.firstMoment != nil && verdict.logDeterminant != nil && verdict.zeroAtom == nil)
        let spectrum = comparison.spectrum
        #expect(abs(spectrum.m1.value - 1) < 4 * spectrum.m1.standardError + 0.02)
    }

    /// §7 "Gram matrices and Hessians".
    @Test func gramAndHessian() throws {
        let gram = try NonlinearGram(activation: LeakyReLU(slope: 0), phi: 0.5, psi: 0.5)
        #expect(abs(gram.eta - 0.3408) < 1e-4 && abs(gram.zeta - 0.25) < 1e-12)
        #expect(abs(gram.lambdaMax - 2.463) < 1e-3 && gram.atoms.isEmpty)
        #expect(gram.density(1) > 0 && gram.cdf(1) > 0.5 && gram.cdf(1) < 1)
        let loss = try gram.trainingLoss(gamma: 0.1)
        #expect(loss > 0 && loss < 1)
        let sampled = try GramSampler.sample(activation: LeakyReLU(slope: 0), phi: 0.5, psi: 0.5, width: 100, samples: 2, seed: 1)
        #expect(try GramSampler.summary(sampled).ks.agrees)

        let hessian = try LossHessian(phi: 0.5, epsilon: 0.02)
        let index = hessian.index()
        #expect(abs(index - 0.01485) < 1e-4, "index \(index)")
        #expect(abs(try LossHessian.criticalEnergy(phi: 0.5) - 0.01127) < 1e-5)
        let h = try HessianSampler.sample(phi: 0.5, epsilon: 0.02, size: 200, samples: 2, seed: 1)
        #expect(abs(h.index.value - index) < 4 * h.index.standardError + 0.01)
    }
}

/// softsign φ(x) = x/(1 + |x|), as in the guide: not analytic at its kink 0, each side
/// continued on its own (1/(1 ± x)², poles at x = ∓1).
struct Softsign: Activation {
    var name: String { "softsign" }
    func value(_ x: Double) -> Double { x / (1 + abs(x)) }
    func derivative(_ x: Double) -> Double { 1 / ((1 + abs(x)) * (1 + abs(x))) }
    func derivative(complex x: Complex<Double>) -> Complex<Double>? {
        let d = x.real >= 0 ? 1 + x : 1 - x
        return 1 / (d * d)
    }
    var kinks: [Double] { [0] }
    var analyticStripHalfWidth: Double { 1 }
}

/// The same softsign without a complex derivative: its slope law is a real-axis quadrature.
struct RealAxisSoftsign: Activation {
    var name: String { "softsign (real axis)" }
    func value(_ x: Double) -> Double { x / (1 + abs(x)) }
    func derivative(_ x: Double) -> Double { 1 / ((1 + abs(x)) * (1 + abs(x))) }
    var kinks: [Double] { [0] }
}

extension LibraryGuideTests {

    /// §8 "Implicit bias of diagonal linear networks".
    @Test func implicitBias() throws {
        let data = try RegressionData.sparse(dimension: 40, samples: 20, sparsity: 3, noise: 0, seed: 7)
        let problem = try ImplicitBiasProblem(data: data)
        let row = try problem.row(alpha: 1e-4, depth: 2)
        #expect(row.flowVsImplicit < 1e-9)
        #expect(abs(row.l1Ratio - 1.0001) < 1e-4)
        #expect(abs(try #require(row.theoremL1Epsilon) - 2.507) < 1e-3)
        let network = try DiagonalLinearNetwork(depth: 3, alpha: 0.1, shape: [Double](repeating: 1, count: 40))
        let q = try ImplicitBiasDual.solve(network, data: data)
        let flow = try DiagonalNetworkFlow.reduced(network, data: data)
        #expect(q.relativeResidual <= 1e-10 && flow.time > 0 && flow.steps > 0 && flow.trainingLoss < 1e-16)
        let gap = zip(flow.beta, q.beta).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / q.beta.map { $0 * $0 }.reduce(0, +).squareRoot()
        #expect(gap < 1e-6)
    }

    /// §9 "Trained weights".
    @Test func trainedWeights() throws {
        let w = try SyntheticWeights.spiked(rows: 1000, columns: 250, strengths: [3, 1.2, 0.5], seed: 1)
        let report = try WeightLayerReport(array: w, options: .init(bootstrapReplicates: 100, seed: 1))
        #expect(report.numSpikes == 2 && abs(report.spikes[0].strength - 3.008) < 1e-3)
        #expect(abs(report.mpSigma2 - 0.9949) < 1e-4 && report.phase == .bulkPlusSpikes)
        let fit = try PowerLawFit(report.spikes.map(\.location) + [1, 2, 3, 4, 5, 6, 7, 8], minimumTail: 5)
        #expect(fit.nTail >= 5 && fit.alpha > 1 && fit.ksDistance < 1)
    }
}
