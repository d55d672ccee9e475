import FreeSpectra
import Foundation

/// Issue 20's benchmark: the α sweep of 30 values log-spaced on [1e-3, 1e2] at d = 1000,
/// N = 200 (sparse regression, r = 5, seed 1, D = 2), timing the reduced gradient flow
/// (GSL msbdf, to ‖Xβ − y‖ ≤ 1e-12‖y‖) and the dual Newton solve separately, with the worst
/// ‖β_flow − β_Q‖/‖β_Q‖ over the sweep as a correctness line.
func implicitBiasBenchmark() -> String {
    do {
        let data = try RegressionData.sparse(dimension: 1000, samples: 200, sparsity: 5, noise: 0, seed: 1)
        let alphas = (0..<30).map { 1e-3 * pow(1e5, Double($0) / 29) }
        let ones = [Double](repeating: 1, count: 1000)
        var flowSeconds = 0.0, dualSeconds = 0.0, worst = 0.0, steps = 0, iterations = 0
        let clock = ContinuousClock()
        for a in alphas {
            let network = try DiagonalLinearNetwork(depth: 2, alpha: a, shape: ones)
            var flow: DiagonalNetworkTraining? = nil
            flowSeconds += seconds(clock.measure { flow = try? DiagonalNetworkFlow.reduced(network, data: data) })
            var dual: ImplicitBiasDualSolution? = nil
            dualSeconds += seconds(clock.measure { dual = try? ImplicitBiasDual.solve(network, data: data) })
            guard let f = flow, let q = dual else { return "implicit-bias benchmark: failed at α = \(a)" }
            steps += f.steps; iterations += q.iterations
            let gap = zip(f.beta, q.beta).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                / q.beta.map { $0 * $0 }.reduce(0, +).squareRoot()
            worst = max(worst, gap)
        }
        return """

        Implicit-bias sweep (issue 20): d = 1000, N = 200, D = 2, 30 α in [1e-3, 1e2]
          reduced gradient flow (msbdf): \(String(format: "%.2f", flowSeconds)) s, \(steps) steps
          dual Newton:                   \(String(format: "%.2f", dualSeconds)) s, \(iterations) iterations
          worst ‖β_flow − β_Q‖/‖β_Q‖:    \(String(format: "%.1e", worst))
        """
    } catch {
        return "implicit-bias benchmark: \(error)"
    }
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
