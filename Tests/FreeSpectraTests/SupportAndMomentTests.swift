import ComplexModule
import Foundation
import Testing
@testable import FreeSpectra

/// Where the continuous part starts and what the moments are when they leave Double's range.
@Suite struct SupportAndMomentTests {
    /// One Gaussian layer with Bernoulli(p) slopes (ReLU, or hard-tanh with p = erf(1/√(2q))):
    /// J Jᵀ = D W Wᵀ D has pN non-zero eigenvalues, those of the pN × pN Wishart (PW)(PW)ᵀ with
    /// N columns: Marchenko–Pastur of ratio p and scale σ², bounded away from 0. So the atom 1 − p
    /// at 0, the continuous part on [σ²(1 − √p)², σ²(1 + √p)²] with λρ(λ) =
    /// √((λ₊ − λ)(λ − λ₋))/(2πσ²), and F ≡ 1 − p below λ₋. The engine's support started at 0
    /// (its skeleton ended 1e-8 above λ₋ with positive density) and, walking the real branch
    /// into the gap below, its CDF came out 0.51 at 4e-40 (hard-tanh, σ_w = 1.08624,
    /// σ_b = 0.218479: p = 0.855). Tolerances: the edge to 1e-9 (bisected to 1e-12 in log λ below
    /// where F = 1e-12), ρ to 1e-9 (closed form vs Newton to rounding), F exactly below λ₋; the
    /// density of ratio 1 (what the support from 0 amounted to) is off by far more.
    @Test(arguments: [0.5, 0.8553335878063513, 0.99])
    func oneGaussianLayerWithAZeroAtomIsMarchenkoPasturOfRatioP(p: Double) throws {
        let sigma = 1.08624, s2 = sigma * sigma
        let law = try DerivativeSquaredLaw(atoms: [Atom(location: 0, mass: 1 - p), Atom(location: 1, mass: p)])
        let product = try FreeMultiplicativeProduct(weights: .gaussian(sigmaW: sigma), slopes: law, depth: 1)
        let analysis = try SpectrumAnalysis(product: product)
        let lower = s2 * pow(1 - p.squareRoot(), 2), upper = s2 * pow(1 + p.squareRoot(), 2)
        #expect(abs(analysis.edge.location / upper - 1) <= 1e-10)
        #expect(!analysis.reachesZero, "p = \(p): the support reaches 0")
        let support = try #require(analysis.logSupport.first)
        #expect(abs(exp(support.lowerBound) / lower - 1) <= 1e-9, "p = \(p): lower edge \(exp(support.lowerBound)) vs \(lower)")
        // Inside: the density; below λ₋ (in the gap, down to 1e-40): the atom alone.
        let xs = [0.9, 0.5, 0.1, 0.01].map { lower + $0 * (upper - lower) } + [0.5 * lower, 1e-10, 1e-40]
        let points = try analysis.points(descendingLogX: xs.map { log($0) }, includeCDF: true)
        for (x, point) in zip(xs, points) {
            let exact = x > lower ? ((upper - x) * (x - lower)).squareRoot() / (2 * .pi * s2) : 0
            #expect(abs(point.logDensity - exact) <= 1e-9 * max(exact, 1e-3), "p = \(p): λρ(\(x)) = \(point.logDensity) vs \(exact)")
            if x < lower { #expect(abs(point.cdf - (1 - p)) <= 1e-15, "p = \(p): F(\(x)) = \(point.cdf)") }
            if x > lower {
                // Ratio 1 on [0, 4σ²] carrying the mass p: λρ = p √(λ(4σ² − λ))/(2πσ²).
                let wrong = p * (x * (4 * s2 - x)).squareRoot() / (2 * .pi * s2)
                #expect(abs(point.logDensity - wrong) > 1e-3 * exact)
            }
        }
    }

    /// log m_k where the moments underflow: orthogonal sigmoid at L = 145, σ_w = 1.55507,
    /// σ_b = 0.174579 (m₁ = 4e-136, m₃ ~ 1e-408). Witnesses: log m₁ = L log χ and, for orthogonal
    /// weights, log m₂ − 2 log m₁ = log(1 + L v) with v = Var D²/(E D²)² (the S-transform's first
    /// order), to 1e-9.
    @Test func logMomentsStayFiniteWhereTheMomentsUnderflow() throws {
        let model = try JacobianSpectrum(activation: Sigmoid(), weights: .orthogonal, depth: 145, point: .weights(sigmaW: 1.55507, sigmaB: 0.174579))
        let logMoments = try model.product.logMoments(count: 4)
        #expect(logMoments.allSatisfy { $0.isFinite }, "\(logMoments)")
        let moments = try model.product.moments(count: 4)
        #expect(moments[2] == 0, "m₃ no longer underflows: the test lost its point")
        #expect(abs(logMoments[0] / (145 * log(model.meanField.chi)) - 1) <= 1e-9)
        let v = model.slopeLaw.normalizedVariance
        #expect(abs((logMoments[1] - 2 * logMoments[0]) - log1p(145 * v)) <= 1e-9)
        #expect(abs(model.product.normalizedVariance / (145 * v) - 1) <= 1e-12)
    }

    /// σ²/m₁² from the factors' own variances against the series where both are accurate:
    /// rectangular linear Gaussian layers (exact: Σ_l N_L/N_{l−1}), and tanh, GELU, hard-tanh in
    /// both ensembles (the series' m₂/m₁² − 1, 1e-10).
    @Test func normalizedVarianceAgreesWithTheSeries() throws {
        let widths = [1.0, 2, 0.5, 1.5, 1]
        let linear = try FreeMultiplicativeProduct(layers: Array(repeating: (WeightGramLaw.gaussian(sigmaW: 1), try DerivativeSquaredLaw(atoms: [Atom(location: 1, mass: 1)])), count: 4), widths: widths)
        let exact = (1...4).reduce(0.0) { $0 + widths.last! / widths[$1 - 1] }
        #expect(abs(linear.normalizedVariance / exact - 1) <= 1e-14, "\(linear.normalizedVariance) vs \(exact)")
        for name in ["tanh", "gelu", "hard-tanh"] {
            for weights in [WeightEnsemble.gaussian, .orthogonal] {
                let model = try JacobianSpectrum(activation: Activations.named(name), weights: weights, depth: 16, point: .critical(qStar: 0.5))
                let series = try model.product.normalizedMoments(count: 2).normalized[1] - 1
                #expect(abs(model.product.normalizedVariance / series - 1) <= 1e-10, "\(name) \(weights)")
            }
        }
    }
}
