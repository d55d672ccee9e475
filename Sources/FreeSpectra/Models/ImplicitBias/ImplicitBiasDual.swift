import Foundation

/// The exact implicit-bias solution β_Q = argmin Q_α(β) s.t. Xβ = y, from its convex dual.
///
/// Primal: min Σ ψᵢ*(βᵢ) s.t. Xβ = y, with ψᵢ the potential of `DiagonalLinearNetwork`
/// (Σψᵢ* is Q_α/4 at D = 2, w₀ = 1, and Q_α^D/(D(D − 2)α^{D−2}) at D ≥ 3, w₀ = 1).
/// Dual: max g(ν) = yᵀν − Σ ψᵢ((Xᵀν)ᵢ), concave; strictly concave when X has full row rank.
/// Optimality (KKT): Xβ = y with β = ∇ψ(Xᵀν), i.e. ∇Q(β) ∈ range(Xᵀ); the first holds to the
/// solver's tolerance, the second by construction.
///
/// Newton's method on ν: step Δ = H⁻¹∇g, H = X diag(β′(Xᵀν)) Xᵀ, ∇g = y − Xβ; the step length
/// halves until the point stays in the dual's domain and either the Armijo condition
/// g(ν + tΔ) ≥ g(ν) + ¼t∇gᵀΔ or ‖∇g‖ decreasing by the factor (1 − t/4) holds (the second
/// decides where g's change is below its rounding). Stops when ‖Xβ − y‖ ≤ tolerance·‖y‖.
public struct ImplicitBiasDualSolution: Sendable {
    /// β_Q.
    public var beta: [Double]
    /// The dual maximiser ν.
    public var dual: [Double]
    /// ‖Xβ − y‖/‖y‖ at the returned point.
    public var relativeResidual: Double
    /// Newton iterations taken.
    public var iterations: Int
}

public enum ImplicitBiasDual {
    /// - Parameters:
    ///   - tolerance: the relative optimality residual ‖Xβ − y‖/‖y‖ to aim for (default 1e-12).
    ///   - acceptable: the residual accepted when Newton stalls at its rounding floor (8
    ///     iterations without halving the best residual; default 1e-8; 60 such iterations
    ///     above it are a failure). Deep networks at
    ///     small α sit near the domain's edge z → 1, where 1 − z keeps few digits.
    ///   - start: a starting ν (default 0, always inside the domain).
    /// - Throws: `invalidArgument` when the shape w₀ has the wrong length; `didNotConverge`
    ///   when 500 Newton iterations or the line search fail (the message gives the residual).
    public static func solve(
        _ network: DiagonalLinearNetwork, data: RegressionData, tolerance: Double = 1e-12, acceptable: Double = 1e-8, start: [Double]? = nil
    ) throws -> ImplicitBiasDualSolution {
        let x = data.design, y = data.targets, n = data.samples, d = data.dimension
        guard network.shape.count == d else {
            throw NumericalError.invalidArgument("w₀ has \(network.shape.count) entries but X has d = \(d) columns")
        }
        try require(tolerance, "the dual tolerance", { $0 > 0 }, "finite and positive")
        let yNorm = euclideanNorm(y)
        var nu = start ?? [Double](repeating: 0, count: n)
        guard nu.count == n else { throw NumericalError.invalidArgument("the starting ν must have N = \(n) entries") }

        /// β, β′ and g at ν, or nil outside the domain.
        func evaluate(_ nu: [Double]) -> (beta: [Double], slope: [Double], value: Double, gradient: [Double])? {
            let c = LinearAlgebra.applyTransposed(x, nu)
            var beta = [Double](repeating: 0, count: d), slope = beta
            var value = dotProduct(y, nu)
            for i in 0..<d {
                guard let b = network.coordinate(i, c[i]), let s = network.coordinateDerivative(i, c[i]),
                      let p = network.potential(i, c[i]), b.isFinite, s.isFinite, p.isFinite else { return nil }
                beta[i] = b; slope[i] = s; value -= p
            }
            let xb = LinearAlgebra.apply(x, beta)
            let gradient = (0..<n).map { y[$0] - xb[$0] }
            return (beta, slope, value, gradient)
        }

        guard var current = evaluate(nu) else {
            throw NumericalError.invalidArgument("the starting ν lies outside the dual's domain")
        }
        var best = (residual: Double.infinity, beta: current.beta, nu: nu), sinceBest = 0
        for iteration in 0..<500 {
            let residual = euclideanNorm(current.gradient)
            if residual <= tolerance * yNorm {
                return ImplicitBiasDualSolution(beta: current.beta, dual: nu, relativeResidual: residual / yNorm, iterations: iteration)
            }
            if residual < 0.5 * best.residual { sinceBest = 0 } else { sinceBest += 1 }
            if residual < best.residual { best = (residual, current.beta, nu) }
            if (sinceBest >= 8 && best.residual <= acceptable * yNorm) || sinceBest >= 60 {
                guard best.residual <= acceptable * yNorm else {
                    throw NumericalError.didNotConverge("implicit-bias dual (Newton): stalled at ‖Xβ − y‖/‖y‖ = \(best.residual / yNorm) after \(iteration) iterations")
                }
                return ImplicitBiasDualSolution(beta: best.beta, dual: best.nu, relativeResidual: best.residual / yNorm, iterations: iteration)
            }
            var h = LinearAlgebra.weightedGram(x, current.slope)
            var step: [Double]? = try LinearAlgebra.solvePositiveDefinite(h, n: n, current.gradient)
            if step == nil {
                // H is positive semidefinite but singular to rounding: a relative ridge.
                let trace = (0..<n).map { h[$0 + $0 * n] }.reduce(0, +)
                for i in 0..<n { h[i + i * n] += 1e-14 * trace / Double(n) }
                step = try LinearAlgebra.solvePositiveDefinite(h, n: n, current.gradient)
            }
            guard let delta = step, delta.allSatisfy(\.isFinite) else {
                throw NumericalError.didNotConverge("implicit-bias dual (Newton): the Hessian X diag(β′) Xᵀ is singular at iteration \(iteration); X must have full row rank")
            }
            let decrease = dotProduct(current.gradient, delta)
            var t = 1.0
            var accepted: (nu: [Double], point: (beta: [Double], slope: [Double], value: Double, gradient: [Double]))? = nil
            while t > 1e-30 {
                let trial = (0..<n).map { nu[$0] + t * delta[$0] }
                if let p = evaluate(trial) {
                    if p.value >= current.value + 0.25 * t * decrease || euclideanNorm(p.gradient) <= (1 - 0.25 * t) * residual {
                        accepted = (trial, p)
                        break
                    }
                }
                t *= 0.5
            }
            guard let next = accepted else {
                throw NumericalError.didNotConverge("implicit-bias dual (Newton): the line search failed at iteration \(iteration) with ‖Xβ − y‖/‖y‖ = \(residual / yNorm)")
            }
            nu = next.nu
            current = next.point
        }
        throw NumericalError.didNotConverge("implicit-bias dual (Newton): 500 iterations without reaching ‖Xβ − y‖/‖y‖ ≤ \(tolerance) (at \(euclideanNorm(current.gradient) / yNorm))")
    }
}

@inline(__always) func dotProduct(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

@inline(__always) func euclideanNorm(_ a: [Double]) -> Double { dotProduct(a, a).squareRoot() }
