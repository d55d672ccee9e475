import Foundation

/// An interpolation problem Xβ = y with its two limiting interpolants, and the per-α
/// comparison of gradient flow with the implicit-bias solution (Woodworth et al., COLT 2020).
///
/// - minimum-ℓ2 β_ℓ2 = X⁺y (LAPACK `dgelsd`), the α → ∞ (kernel) limit;
/// - minimum-ℓ1 β_ℓ1 = argmin ‖β‖₁ s.t. Xβ = y (GLPK simplex, `BasisPursuit`), the α → 0
///   (rich) limit at D = 2.
///
/// Errors: `noSolution` when no β interpolates y (the least-squares residual exceeds
/// 1e-9‖y‖); `invalidArgument` when X has rank below N (the dual is then degenerate —
/// drop the dependent rows).
public struct ImplicitBiasProblem: Sendable {
    public let data: RegressionData
    public let minimumL2: [Double]
    public let minimumL1: [Double]
    /// The ℓ1 LP's dual λ: ‖Xᵀλ‖_∞ ≤ 1 and yᵀλ = ‖β_ℓ1‖₁ certify optimality.
    public let minimumL1Certificate: [Double]

    public init(data: RegressionData) throws {
        self.data = data
        let (l2, rank) = try LinearAlgebra.minimumNormLeastSquares(data.design, data.targets)
        let yNorm = euclideanNorm(data.targets)
        let r = DiagonalNetworkFlow.residual(data.design, l2, data.targets)
        guard r <= 1e-9 * yNorm else {
            throw NumericalError.noSolution("no β interpolates the targets: the least-squares residual is ‖Xβ − y‖/‖y‖ = \(String(format: "%.3g", r / yNorm)) (X is \(data.samples)×\(data.dimension) of rank \(rank)); training cannot reach zero loss")
        }
        guard rank == data.samples else {
            throw NumericalError.invalidArgument("X (\(data.samples)×\(data.dimension)) has rank \(rank) < N = \(data.samples): remove the linearly dependent samples")
        }
        minimumL2 = l2
        let l1 = try BasisPursuit.solve(data.design, data.targets)
        minimumL1 = l1.beta
        minimumL1Certificate = l1.dual
    }

    /// How β_α is obtained for a row: the reduced N-dimensional flow, the flow on the weights,
    /// or gradient descent with step η.
    public enum Method: Sendable, Equatable {
        case reducedFlow, weightFlow
        case gradientDescent(step: Double)
    }

    /// The comparison at one (α, D): trains by `method`, solves the dual, and measures.
    /// - Parameters:
    ///   - tolerance: training stops at ‖Xβ − y‖ ≤ tolerance·‖y‖.
    ///   - epsilon: the ε of Theorem 2's thresholds.
    ///   - shape: w₀ (default all ones).
    public func row(
        alpha: Double, depth: Int, shape: [Double]? = nil, method: Method = .reducedFlow,
        tolerance: Double = 1e-12, epsilon: Double = 0.1, maximumTime: Double = 1e12
    ) throws -> ImplicitBiasRow {
        let w0 = shape ?? [Double](repeating: 1, count: data.dimension)
        let network = try DiagonalLinearNetwork(depth: depth, alpha: alpha, shape: w0)
        let trained: DiagonalNetworkTraining
        switch method {
        case .reducedFlow: trained = try DiagonalNetworkFlow.reduced(network, data: data, tolerance: tolerance, maximumTime: maximumTime)
        case .weightFlow: trained = try DiagonalNetworkFlow.full(network, data: data, tolerance: tolerance, maximumTime: maximumTime)
        case .gradientDescent(let eta): trained = try DiagonalNetworkFlow.gradientDescent(network, data: data, step: eta, tolerance: tolerance)
        }
        let dual = try ImplicitBiasDual.solve(network, data: data)
        let beta = trained.beta
        let l1 = minimumL1.map(abs).reduce(0, +), l2 = euclideanNorm(minimumL2)
        let betaL1 = beta.map(abs).reduce(0, +), betaL2 = euclideanNorm(beta)
        let theoremApplies = depth == 2 && w0.allSatisfy { $0 == 1 }
        return ImplicitBiasRow(
            alpha: alpha, depth: depth, betaFlow: beta, betaImplicit: dual.beta,
            flowVsImplicit: distance(beta, dual.beta) / max(euclideanNorm(dual.beta), .leastNormalMagnitude),
            l1Norm: betaL1, l2Norm: betaL2,
            distanceToMinL1: distance(beta, minimumL1), distanceToMinL2: distance(beta, minimumL2),
            testError: data.truth.map { t in zip(beta, t).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) },
            flowTime: trained.time, flowSteps: trained.steps, trainingLoss: trained.trainingLoss,
            dualResidual: dual.relativeResidual, dualIterations: dual.iterations,
            l1Ratio: betaL1 / l1, l2SquaredRatio: betaL2 * betaL2 / (l2 * l2),
            epsilon: epsilon,
            richAlphaThreshold: theoremApplies ? KernelRichThresholds.richAlpha(epsilon: epsilon, minimumL1Norm: l1, dimension: data.dimension) : nil,
            kernelAlphaThreshold: theoremApplies ? KernelRichThresholds.kernelAlpha(epsilon: epsilon, minimumL2Norm: l2) : nil,
            theoremL1Epsilon: theoremApplies ? KernelRichThresholds.richEpsilon(alpha: alpha, minimumL1Norm: l1, dimension: data.dimension) : nil,
            theoremL2Epsilon: theoremApplies ? KernelRichThresholds.kernelEpsilon(alpha: alpha, minimumL2Norm: l2) : nil)
    }
}

/// One (α, D) of `freespec implicit-bias`. Norms of β = β_flow (or β_GD); distances are
/// Euclidean; `flowVsImplicit` = ‖β_flow − β_Q‖/‖β_Q‖; `testError` = ‖β − β*‖² (generated
/// data only: the population risk for x ~ N(0, I) without the noise term); `l1Ratio` =
/// ‖β‖₁/‖β_ℓ1‖₁, `l2SquaredRatio` = ‖β‖₂²/‖β_ℓ2‖₂²; the Theorem-2 entries (D = 2, w₀ = 1 only):
/// α₁(ε), α₂(ε) at the requested ε and the smallest ε the theorem guarantees at this α.
public struct ImplicitBiasRow: Sendable, Encodable {
    public var alpha: Double
    public var depth: Int
    public var betaFlow: [Double]
    public var betaImplicit: [Double]
    public var flowVsImplicit: Double
    public var l1Norm: Double
    public var l2Norm: Double
    public var distanceToMinL1: Double
    public var distanceToMinL2: Double
    public var testError: Double?
    public var flowTime: Double
    public var flowSteps: Int
    public var trainingLoss: Double
    public var dualResidual: Double
    public var dualIterations: Int
    public var l1Ratio: Double
    public var l2SquaredRatio: Double
    public var epsilon: Double
    public var richAlphaThreshold: Double?
    public var kernelAlphaThreshold: Double?
    public var theoremL1Epsilon: Double?
    public var theoremL2Epsilon: Double?
}

func distance(_ a: [Double], _ b: [Double]) -> Double {
    euclideanNorm((0..<a.count).map { a[$0] - b[$0] })
}
