import Foundation

/// Where a training method stopped: β, the time t (gradient flow) or η·steps (gradient
/// descent), the number of integrator or descent steps, and the training loss ½‖Xβ − y‖².
public struct DiagonalNetworkTraining: Sendable {
    public var beta: [Double]
    public var time: Double
    public var steps: Int
    public var trainingLoss: Double
    /// ‖Xβ − y‖/‖y‖.
    public var relativeResidual: Double
}

/// Training the diagonal linear network on L(w) = ½‖Xβ − y‖², β = w₊^D − w₋^D, from
/// w₊ = w₋ = α w₀, until ‖Xβ − y‖ ≤ tolerance·‖y‖. A flow whose residual stalls at its
/// rounding floor (2 000 steps without a 10 % gain) above the tolerance but below
/// `acceptable`·‖y‖ (default 1e-6) stops there; `relativeResidual` reports where.
///
/// - `reduced`: gradient flow in N dimensions, dν/dt = y − Xβ(Xᵀν) (the derivation is in
///   Docs/theory-implicit-bias.md), integrated by GSL's BDF method (`msbdf`) with the exact
///   Jacobian −X diag(β′) Xᵀ.
/// - `full`: gradient flow on the 2d weights themselves, ẇ = −∇L(w), also by `msbdf` with the
///   exact Jacobian — an independent witness of the reduction (it never uses ν).
/// - `gradientDescent`: w ← w − η∇L(w), which differs from the flow by O(η).
///
/// Errors: `invalidArgument` for a bad tolerance, step or w₀ length; `didNotConverge` when the
/// time or step budget runs out (very small α needs time ∝ log(1/α)) or descent diverges;
/// `library` when GSL fails.
public enum DiagonalNetworkFlow {
    public static func reduced(
        _ network: DiagonalLinearNetwork, data: RegressionData, tolerance: Double = 1e-12,
        acceptable: Double = 1e-6, maximumTime: Double = 1e12, maximumSteps: Int = 200_000
    ) throws -> DiagonalNetworkTraining {
        try check(network, data, tolerance)
        let x = data.design, y = data.targets, n = data.samples, d = data.dimension
        let yNorm = euclideanNorm(y)
        func beta(_ nu: [Double]) -> [Double]? {
            let c = LinearAlgebra.applyTransposed(x, nu)
            var b = [Double](repeating: 0, count: d)
            for i in 0..<d {
                guard let v = network.coordinate(i, c[i]) else { return nil }
                b[i] = v
            }
            return b
        }
        let system = ODESystem(
            dimension: n,
            derivative: { nu, f in
                guard let b = beta(nu) else { return false }
                let xb = LinearAlgebra.apply(x, b)
                for k in 0..<n { f[k] = y[k] - xb[k] }
                return true
            },
            jacobian: { nu, j in
                let c = LinearAlgebra.applyTransposed(x, nu)
                var s = [Double](repeating: 0, count: d)
                for i in 0..<d {
                    guard let v = network.coordinateDerivative(i, c[i]) else { return false }
                    s[i] = v
                }
                let h = LinearAlgebra.weightedGram(x, s)
                for k in 0..<(n * n) { j[k] = -h[k] }
                return true
            })
        let h0Matrix = LinearAlgebra.weightedGram(x, (0..<d).map { network.coordinateDerivative($0, 0)! })
        let h0 = initialStep(h0Matrix, n)
        // ν's own scale: at large α the flow is nearly linear and ν → H(0)⁻¹y, which can be
        // ~1e-13; the absolute tolerance must sit below it (at small α it is far larger).
        let linear = (try? LinearAlgebra.solvePositiveDefinite(h0Matrix, n: n, y)) ?? nil
        let nuScale = linear.map { $0.map(abs).max() ?? 1 } ?? 1
        let absoluteTolerance = min(1e-14, 1e-12 * nuScale)
        var last: [Double] = []
        let monitor = StallMonitor()
        var current = Double.infinity
        let end = try ODEIntegration.integrate(
            system, from: [Double](repeating: 0, count: n), absoluteTolerance: absoluteTolerance, relativeTolerance: 1e-10,
            initialStep: h0, maximumTime: maximumTime, maximumSteps: maximumSteps,
            stalled: { _, _ in monitor.update(current) }
        ) { _, nu in
            guard let b = beta(nu) else { return false }
            last = b
            current = residual(x, b, y)
            return current <= tolerance * yNorm
        }
        guard end.stopped || residual(x, last, y) <= acceptable * yNorm else {
            throw NumericalError.didNotConverge("gradient flow (reduced, α = \(network.alpha), D = \(network.depth)): ‖Xβ − y‖/‖y‖ = \(residual(x, last, y) / yNorm) > \(tolerance) at t = \(end.time) after \(end.steps) steps (raise the tolerance if the residual has stalled at its rounding floor)")
        }
        return training(last, end.time, end.steps, x, y)
    }

    public static func full(
        _ network: DiagonalLinearNetwork, data: RegressionData, tolerance: Double = 1e-12,
        acceptable: Double = 1e-6, maximumTime: Double = 1e12, maximumSteps: Int = 200_000,
        relativeTolerance: Double = 1e-11, method: ODEIntegration.Method = .bdf
    ) throws -> DiagonalNetworkTraining {
        try check(network, data, tolerance)
        let x = data.design, y = data.targets, d = data.dimension
        let yNorm = euclideanNorm(y)
        let depth = network.depth
        let gramXtX = try LinearAlgebra.multiply(x, x, transposeA: true)
        func beta(_ w: [Double]) -> [Double] { (0..<d).map { power(w[$0], depth) - power(w[d + $0], depth) } }
        /// ∂β/∂w for the 2d weights: D w₊^{D−1}, −D w₋^{D−1}.
        func sensitivity(_ w: [Double]) -> [Double] {
            (0..<(2 * d)).map { k in (k < d ? 1.0 : -1.0) * Double(depth) * power(w[k], depth - 1) }
        }
        let system = ODESystem(
            dimension: 2 * d,
            derivative: { w, f in
                let xb = LinearAlgebra.apply(x, beta(w))
                let g = LinearAlgebra.applyTransposed(x, (0..<y.count).map { xb[$0] - y[$0] })
                let s = sensitivity(w)
                for k in 0..<(2 * d) { f[k] = -s[k] * g[k % d] }
                return true
            },
            jacobian: { w, j in
                let xb = LinearAlgebra.apply(x, beta(w))
                let g = LinearAlgebra.applyTransposed(x, (0..<y.count).map { xb[$0] - y[$0] })
                let s = sensitivity(w)
                let m = 2 * d
                for a in 0..<m {
                    for b in 0..<m { j[a * m + b] = -s[a] * gramXtX[a % d, b % d] * s[b] }
                    // ∂s_a/∂w_a = ±D(D − 1) w^{D−2}.
                    let ds = (a < d ? 1.0 : -1.0) * Double(depth * (depth - 1)) * power(w[a], depth - 2)
                    j[a * m + a] -= ds * g[a % d]
                }
                return true
            })
        let w0 = network.scale + network.scale
        let h0 = initialStep(LinearAlgebra.weightedGram(x, (0..<d).map { network.coordinateDerivative($0, 0)! }), y.count)
        var last = beta(w0)
        let monitor = StallMonitor()
        var current = Double.infinity
        let end = try ODEIntegration.integrate(
            system, from: w0, method: method, absoluteTolerance: 0, relativeTolerance: relativeTolerance,
            initialStep: h0, maximumTime: maximumTime, maximumSteps: maximumSteps,
            stalled: { _, _ in monitor.update(current) }
        ) { _, w in
            last = beta(w)
            current = residual(x, last, y)
            return current <= tolerance * yNorm
        }
        guard end.stopped || residual(x, last, y) <= acceptable * yNorm else {
            throw NumericalError.didNotConverge("gradient flow (weights, α = \(network.alpha), D = \(network.depth)): ‖Xβ − y‖/‖y‖ = \(residual(x, last, y) / yNorm) > \(tolerance) at t = \(end.time) after \(end.steps) steps (raise the tolerance if the residual has stalled at its rounding floor)")
        }
        return training(last, end.time, end.steps, x, y)
    }

    public static func gradientDescent(
        _ network: DiagonalLinearNetwork, data: RegressionData, step eta: Double, tolerance: Double = 1e-10,
        maximumSteps: Int = 10_000_000
    ) throws -> DiagonalNetworkTraining {
        try check(network, data, tolerance)
        try require(eta, "the gradient-descent step η", { $0 > 0 }, "finite and positive")
        let x = data.design, y = data.targets, d = data.dimension, depth = network.depth
        let yNorm = euclideanNorm(y)
        var plus = network.scale, minus = network.scale
        var beta = [Double](repeating: 0, count: d)
        let initialLoss = 0.5 * yNorm * yNorm
        for k in 0...maximumSteps {
            for i in 0..<d { beta[i] = power(plus[i], depth) - power(minus[i], depth) }
            let xb = LinearAlgebra.apply(x, beta)
            let r = (0..<y.count).map { xb[$0] - y[$0] }
            let rNorm = euclideanNorm(r)
            guard rNorm.isFinite, 0.5 * rNorm * rNorm <= 1e8 * initialLoss else {
                throw NumericalError.didNotConverge("gradient descent diverged at step \(k) (η = \(eta), α = \(network.alpha), D = \(depth)); use a smaller step η")
            }
            if rNorm <= tolerance * yNorm { return training(beta, Double(k) * eta, k, x, y) }
            if k == maximumSteps { break }
            let g = LinearAlgebra.applyTransposed(x, r)
            for i in 0..<d {
                let gp = Double(depth) * power(plus[i], depth - 1), gm = Double(depth) * power(minus[i], depth - 1)
                plus[i] -= eta * gp * g[i]
                minus[i] += eta * gm * g[i]
            }
        }
        throw NumericalError.didNotConverge("gradient descent (η = \(eta), α = \(network.alpha), D = \(depth)): \(maximumSteps) steps without ‖Xβ − y‖/‖y‖ ≤ \(tolerance) (at \(residual(x, beta, y) / yNorm))")
    }

    /// Tracks the best residual along a trajectory: stalled when 2 000 steps have not
    /// lowered it by 10 % (the residual has reached its rounding floor above the tolerance).
    final class StallMonitor {
        var best = Double.infinity, since = 0
        func update(_ r: Double) -> Bool {
            if r < 0.9 * best { best = r; since = 0 } else { since += 1 }
            return since >= 2000
        }
    }

    static func check(_ network: DiagonalLinearNetwork, _ data: RegressionData, _ tolerance: Double) throws {
        guard network.shape.count == data.dimension else {
            throw NumericalError.invalidArgument("w₀ has \(network.shape.count) entries but X has d = \(data.dimension) columns")
        }
        try require(tolerance, "the training tolerance", { $0 > 0 && $0 < 1 }, "in (0, 1)")
    }

    /// A first step well inside the fastest time scale 1/λ_max(H(0)) ≤ 1/tr H(0).
    static func initialStep(_ h: [Double], _ n: Int) -> Double {
        let trace = (0..<n).map { h[$0 + $0 * n] }.reduce(0, +)
        return min(1, 1e-3 / max(trace, 1e-300))
    }

    static func residual(_ x: DenseMatrix, _ beta: [Double], _ y: [Double]) -> Double {
        let xb = LinearAlgebra.apply(x, beta)
        return euclideanNorm((0..<y.count).map { xb[$0] - y[$0] })
    }

    static func training(_ beta: [Double], _ time: Double, _ steps: Int, _ x: DenseMatrix, _ y: [Double]) -> DiagonalNetworkTraining {
        let r = residual(x, beta, y)
        return DiagonalNetworkTraining(beta: beta, time: time, steps: steps, trainingLoss: 0.5 * r * r, relativeResidual: r / euclideanNorm(y))
    }
}

/// xⁿ for a small non-negative integer n by repeated multiplication.
@inline(__always) func power(_ x: Double, _ n: Int) -> Double {
    var r = 1.0
    for _ in 0..<n { r *= x }
    return r
}
