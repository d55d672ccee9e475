import Foundation
import Testing
@testable import FreeSpectra

/// Rectangular layers: W_l of size N_l × N_{l−1}, S_{JJᵀ}(w) = Π_l S_{D_l²}(ρ_l w) S_{W_l W_lᵀ}(ρ_l w)
/// with ρ_l = N_L/N_l (Docs/theory.md, "Rectangular layers").
@Suite struct RectangularLayerTests {
    /// The layers of a homogeneous network at q* on its critical line, with widths N_0 … N_L.
    static func product(_ name: String, _ weights: WeightEnsemble, qStar: Double, widths: [Double]) throws -> FreeMultiplicativeProduct {
        let phi = try Activations.named(name)
        let (sigmaW, _) = try CriticalLine.point(activation: phi, qStar: qStar)
        let slopes = try DerivativeSquaredLaw(activation: phi, q: qStar)
        let gram: WeightGramLaw = weights == .gaussian ? .gaussian(sigmaW: sigmaW) : .orthogonal(sigmaW: sigmaW)
        return try FreeMultiplicativeProduct(layers: Array(repeating: (gram, slopes), count: widths.count - 1), widths: widths)
    }

    /// Linear Gaussian layers: the S-transform is Π_l 1/(σ²(1 + ρ_{l−1} w)), so
    /// m_2/m_1² = 1 + Σ_l N_L/N_{l−1} exactly (the square case gives 1 + L).
    @Test(arguments: [[1.0, 2, 0.5], [1, 0.5, 2, 1], [3, 1, 2], [1, 1, 1, 1]])
    func linearGaussianSecondMoment(widths: [Double]) throws {
        let product = try Self.product("linear", .gaussian, qStar: 1, widths: widths)
        let m = try product.normalizedMoments(count: 2).normalized
        let expected = 1 + widths.dropLast().reduce(0) { $0 + widths.last! / $1 }
        #expect(abs(m[1] - expected) < 1e-12 * expected, "\(widths): \(m[1]) vs \(expected)")
    }

    /// One Gaussian linear layer N_1 × N_0 is Marchenko–Pastur with ratio y = N_1/N_0:
    /// λ_max = σ²(1 + √y)² and an atom 1 − 1/y at 0 when y > 1.
    @Test(arguments: [0.25, 0.5, 2.0, 4.0])
    func singleGaussianLayerIsMarchenkoPastur(y: Double) throws {
        let product = try FreeMultiplicativeProduct(layers: [(.gaussian(sigmaW: 1.5), try DerivativeSquaredLaw(activation: Linear(), q: 1))],
                                                    widths: [1, y])
        let analysis = try SpectrumAnalysis(product: product)
        let edge = 2.25 * (1 + y.squareRoot()) * (1 + y.squareRoot())
        #expect(abs(analysis.lambdaMax - edge) < 1e-10 * edge, "λ_max \(analysis.lambdaMax) vs \(edge)")
        let zero = analysis.atoms.first { $0.location == 0 }?.mass ?? 0
        #expect(abs(zero - max(0, 1 - 1 / y)) < 1e-14)
        try Self.checkMassAndMoments(product, analysis, "MP y=\(y)")
    }

    static func checkMassAndMoments(_ product: FreeMultiplicativeProduct, _ analysis: SpectrumAnalysis, _ context: String) throws {
        let (logM1, normalized) = try product.normalizedMoments(count: 4)
        let (mass, moments) = try analysis.densityMoments(count: 4, logFirstMoment: logM1)
        let atomMass = analysis.atoms.reduce(0) { $0 + $1.mass }
        #expect(abs(mass + atomMass - 1) <= 1e-6, "mass \(mass) + atoms \(atomMass): \(context)")
        for k in 0..<4 {
            let atoms = analysis.atoms.reduce(0.0) { $0 + ($1.location > 0 ? $1.mass * exp(Double(k + 1) * (log($1.location) - logM1)) : 0) }
            #expect(abs(moments[k] + atoms - normalized[k]) <= 1e-6 * normalized[k], "m\(k + 1) \(moments[k] + atoms) vs \(normalized[k]): \(context)")
        }
    }

    static let shapes: [[Double]] = [[1, 2, 0.5, 1], [1, 0.5, 2, 1], [2, 1, 1, 1], [1, 1, 1, 2], [1, 1.5, 3, 0.5, 1, 0.8]]

    @Test(arguments: ["linear", "relu", "hard-tanh", "tanh", "erf"], [WeightEnsemble.gaussian, .orthogonal])
    func massAndMomentsMatchTheSeries(name: String, weights: WeightEnsemble) throws {
        for widths in Self.shapes {
            let product = try Self.product(name, weights, qStar: name == "hard-tanh" ? 0.5 : 0.5, widths: widths)
            let analysis = try SpectrumAnalysis(product: product)
            try Self.checkMassAndMoments(product, analysis, "\(name) \(weights) \(widths)")
        }
    }

    /// A network of widths N_0 … N_L sampled (network mode: a real forward pass), and the KS
    /// distance of its pooled J Jᵀ spectrum from the theory's CDF (atoms included: the CDF is
    /// asked just above and below each sample, as `freespec jacobian --monte-carlo` does).
    static func verdict(_ name: String, sampled: WeightEnsemble, widths: [Double], theoryWidths: [Double]? = nil,
                        n0: Int = 200) throws -> (MonteCarloVerdict, [Double]) {
        let phi = try Activations.named(name)
        let qStar = 0.5
        let ratios = Array((theoryWidths ?? widths).dropFirst()).map { $0 / (theoryWidths ?? widths)[0] }
        let model = try JacobianSpectrum(activation: phi, weights: sampled, depth: ratios.count, point: .critical(qStar: qStar),
                                         widthRatios: ratios)
        let layerWidths = widths.map { Int(($0 / widths[0] * Double(n0)).rounded()) }
        let field = model.meanField
        let configuration = NetworkSamplingConfiguration(
            activation: phi, weights: sampled, depth: widths.count - 1, width: n0, sigmaW: field.sigmaW,
            sigmaB: field.sigmaB, qStar: field.qStar, samples: 4, seed: 11, mode: .network, layerWidths: layerWidths)
        let samples = try JacobianSampler.sampleEigenvalues(configuration)
        #expect(samples.allSatisfy { $0.count == layerWidths.last! })
        let (clamped, floor) = clampedToResolution(samples)
        let spectrum = try EmpiricalSpectrum(samples: clamped)
        let analysis = try SpectrumAnalysis(product: model.product)
        let resolution = analysis.atoms.contains { $0.location > 0 } ? 1e-9 : 0
        var queries: [Double] = []
        for x in spectrum.pooled { queries.append(x + resolution * abs(x)); queries.append((x - resolution * abs(x)).nextDown) }
        var table: [Double: Double] = [:]
        for (x, f) in zip(queries, try analysis.cdf(at: queries)) { table[x] = f }
        let v = try MonteCarloVerdict.compare(spectrum, theoryCDF: censoredCDF({ table[$0] ?? .nan }, floor: floor),
                                              width: layerWidths.last!, relativeResolution: resolution)
        let moments = try model.product.moments(count: 2)
        return (v, [spectrum.m1.value / moments[0] - 1, spectrum.m2.value / moments[1] - 1,
                    spectrum.m1.standardError / moments[0], spectrum.m2.standardError / moments[1]])
    }

    /// Monte Carlo, the independent witness of the derivation: widening, narrowing, a wide
    /// output (rank-deficit atom at 0) and an uneven five-layer shape, for three activations
    /// and both ensembles. KS within 1.36/√(N_L·S) + 4/N_L (sampling error of the pooled CDF
    /// and finite-width effects), and m_1, m_2 within 4 standard errors + 10 % (at N = 200 the
    /// O(L/N) finite-width bias of m_2 reaches a few per cent).
    @Test(arguments: ["relu", "tanh", "hard-tanh"], [WeightEnsemble.gaussian, .orthogonal])
    func theoryAgreesWithSampledRectangularNetworks(name: String, weights: WeightEnsemble) throws {
        for widths in [[1.0, 2, 0.5, 1], [1, 0.5, 2, 1], [1, 1, 1, 2], [1, 1.5, 3, 0.5, 1, 0.75]] {
            let (v, errors) = try Self.verdict(name, sampled: weights, widths: widths)
            #expect(v.agrees, "\(name) \(weights) \(widths): \(v.reason)")
            #expect(abs(errors[0]) <= 4 * errors[2] + 0.1, "m1 off by \(errors[0]) (s.e. \(errors[2])): \(name) \(weights) \(widths)")
            #expect(abs(errors[1]) <= 4 * errors[3] + 0.1, "m2 off by \(errors[1]) (s.e. \(errors[3])): \(name) \(weights) \(widths)")
        }
    }

    /// Leaky-ReLU(0.01) through narrowing Gaussian layers has two bands, at ~10^-2…10^0.5 and
    /// ~10^-7…10^-4, each of half the mass: continuation along the real axis through the gap
    /// followed a non-physical real solution past the lower band (down to 10^-317, minutes),
    /// and the walk now checks the gap against a descent from infinity. Witnesses: the mass and
    /// moments against the series, and a sampled network (the KS and moment rules above).
    @Test func bandsBelowAGapAreFound() throws {
        let widths: [Double] = [1, 0.636, 0.623, 0.264]
        let product = try Self.product("leaky-relu", .gaussian, qStar: 0.5, widths: widths)
        let analysis = try SpectrumAnalysis(product: product)
        try Self.checkMassAndMoments(product, analysis, "leaky-relu gaussian \(widths)")
        let gap = try analysis.cdf(at: [1e-3])[0]
        #expect(abs(gap - 0.5) < 0.05, "F(1e-3) = \(gap): the lower band holds about half the mass")
        let (v, errors) = try Self.verdict("leaky-relu", sampled: .gaussian, widths: widths)
        #expect(v.agrees, "\(v.reason)")
        #expect(abs(errors[0]) <= 4 * errors[2] + 0.1 && abs(errors[1]) <= 4 * errors[3] + 0.1, "moment errors \(errors)")
    }

    /// The same comparison must fail when the theory ignores the shape: a network whose output
    /// is twice as wide as its input, compared with the square theory, misses the rank-deficit
    /// atom of mass 1/2 at 0 (and so KS ≥ 1/2 minus the square ReLU atom's overlap).
    @Test func squareTheoryFailsForARectangularNetwork() throws {
        let (v, _) = try Self.verdict("tanh", sampled: .gaussian, widths: [1, 1, 1, 2], theoryWidths: [1, 1, 1, 1])
        #expect(!v.agrees && v.ks > 0.4, "KS \(v.ks)")
    }

    /// The sampler's shapes, exactly: linear orthogonal layers N → N → 2N give J Jᵀ = 2σ_w⁴ P
    /// with P a projection of rank N (eigenvalues 0 and 2σ_w⁴, N each); 2N → N gives
    /// J Jᵀ = σ_w² I_N (a co-isometry). Tolerance: rounding of QR and SVD, 1e-12.
    @Test func samplerShapesAreExact() throws {
        let n = 40
        func eigenvalues(_ widths: [Int]) throws -> [Double] {
            let c = NetworkSamplingConfiguration(activation: Linear(), weights: .orthogonal, depth: widths.count - 1, width: widths[0],
                                                 sigmaW: 1.3, sigmaB: 0, qStar: 1, samples: 1, mode: .independent, layerWidths: widths)
            return try JacobianSampler.sampleEigenvalues(c)[0]
        }
        let expanding = try eigenvalues([n, n, 2 * n])
        #expect(expanding.count == 2 * n)
        #expect(expanding.prefix(n).allSatisfy { abs($0) < 1e-12 })
        #expect(expanding.suffix(n).allSatisfy { abs($0 - 2 * pow(1.3, 4)) < 1e-12 })
        let contracting = try eigenvalues([2 * n, n])
        #expect(contracting.count == n && contracting.allSatisfy { abs($0 - 1.69) < 1e-12 })
        let bad = NetworkSamplingConfiguration(activation: Linear(), weights: .orthogonal, depth: 2, width: n,
                                               sigmaW: 1, sigmaB: 0, qStar: 1, samples: 1, layerWidths: [n, n])
        #expect(throws: NumericalError.self) { try bad.validate() }
    }

    /// Equal widths other than 1 are a square network: same moments and the same density.
    @Test func equalWidthsAreSquare() throws {
        let rect = try Self.product("tanh", .orthogonal, qStar: 0.2, widths: [3, 3, 3, 3, 3])
        let square = try Self.product("tanh", .orthogonal, qStar: 0.2, widths: [1, 1, 1, 1, 1])
        #expect(rect.isSquare)
        let a = try SpectrumAnalysis(product: rect), b = try SpectrumAnalysis(product: square)
        #expect(abs(a.edge.logLocation - b.edge.logLocation) < 1e-13)
        let pa = try rect.evaluate(descending: [2, 1, 0.3], edge: a.edge), pb = try square.evaluate(descending: [2, 1, 0.3], edge: b.edge)
        for (x, y) in zip(pa, pb) { #expect(abs(x.density - y.density) < 1e-12 && abs(x.cdf - y.cdf) < 1e-12) }
    }
}
