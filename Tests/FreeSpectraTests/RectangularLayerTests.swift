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
}
