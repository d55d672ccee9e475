import Foundation
import FreeSpectra

/// The cost of the full answer of `freespec jacobian` for the slowest configurations known
/// (issue 15: every built-in activation, both ensembles, any L ≤ 10 000 in under 2 s): the
/// model (mean field and slope law), the solved spectrum, the exact moments, the 1 % and 50 %
/// quantiles, the 200-point density grid and the mass check — `JacobianSpectrum.predict`, as
/// the CLI calls it. Each row is one run (the slow ones take minutes on the old engine), with
/// the mass check's |mass − 1| and largest moment error beside the time, so a fast wrong
/// answer shows.
///
/// The `before` column was measured with this benchmark on the engine as it was when issue 15's
/// engine work began (commit d1ebf9a, this machine, 2 shared cores, load average 2–2.5): it is
/// kept here as the reference; "error" means the configuration ended in a numerical failure
/// (did not converge, w beyond the range of M) after that long.
func fullAnswerBenchmark() -> String {
    let cases: [FullAnswerCase] = [
        .init("erf", .orthogonal, 2, .critical(qStar: 5), before: "28.8 s"),
        .init("erf", .orthogonal, 10_000, .critical(qStar: 5), before: "188 s"),
        .init("erf", .gaussian, 10_000, .critical(qStar: 5), before: "168 s"),
        .init("erf", .gaussian, 28, .weights(sigmaW: 2.44736, sigmaB: 0.975666), before: "61.6 s"),
        .init("sigmoid", .orthogonal, 10_000, .critical(qStar: 64), before: "14.4 s"),
        .init("sigmoid", .gaussian, 10_000, .critical(qStar: 64), before: "16.9 s"),
        .init("gelu", .orthogonal, 10_000, .critical(qStar: 8), before: "9.6 s"),
        .init("gelu", .gaussian, 10_000, .critical(qStar: 8), before: "8.9 s"),
        .init("tanh", .gaussian, 30, .critical(qStar: 1e-3), before: "error, 6.3 s"),
        .init("tanh", .gaussian, 300, .critical(qStar: 1e-3), before: "error, 0.6 s"),
        .init("gelu", .gaussian, 3, .critical(qStar: 0.01), before: "error, 8.1 s"),
        .init("silu", .orthogonal, 3, .critical(qStar: 1e-3), before: "error, 0.0 s"),
        .init("silu", .orthogonal, 30, .critical(qStar: 0.01), before: "error, 4.2 s"),
        .init("hard-tanh", .orthogonal, 2, .critical(qStar: 0.05), before: "error, 5.0 s"),
        .init("hard-tanh", .orthogonal, 16, .critical(qStar: 0.02), before: "error, 0.0 s"),
        .init("hard-tanh", .orthogonal, 642, .critical(qStar: 0.0159054), before: "0.2 s, mass 1.62"),
        .init("tanh", .orthogonal, 30, .critical(qStar: 1e-8), before: "98.7 s, mass 1.009"),
        .init("erf", .orthogonal, 30, .critical(qStar: 1e-14), before: "error, 0.7 s"),
        .init("gelu", .orthogonal, 30, .critical(qStar: 1e-12), before: "error, 0.1 s"),
        .init("silu", .orthogonal, 1000, .critical(qStar: 1e-10), before: "error, 0.1 s"),
    ]
    var report = "Full answer of `freespec jacobian` (model + solve + moments + quantiles + 200-point grid + mass check), one run each\n\n"
    let header = [pad("activation", 10), pad("weights", 11), pad("L", 6, right: true), "  ", pad("point", 30), pad("before", 19, right: true),
                  pad("now", 10, right: true), pad("now CPU", 10, right: true), pad("|mass − 1|", 11, right: true), pad("max Δm/m", 10, right: true), "  notes"].joined()
    report += header + "\n" + String(repeating: "-", count: header.count + 20) + "\n"
    for c in cases {
        progress("full-answer bench: \(c.activation) \(c.weights.rawValue) L = \(c.depth) …")
        report += c.run() + "\n"
    }
    report += "\n  before: the engine at d1ebf9a (wall time, kept, not re-measured; the last four rows measured with the CLI on that build);"
    report += "\n  now: this build, wall time and this process's CPU time (the machine is shared). Target: < 2 s each.\n"
    return report
}

struct FullAnswerCase {
    let activation: String
    let weights: WeightEnsemble
    let depth: Int
    let point: JacobianSpectrum.OperatingPoint
    let before: String

    init(_ activation: String, _ weights: WeightEnsemble, _ depth: Int, _ point: JacobianSpectrum.OperatingPoint, before: String) {
        self.activation = activation
        self.weights = weights
        self.depth = depth
        self.point = point
        self.before = before
    }

    var pointLabel: String {
        switch point {
        case .critical(let q): return "q* = \(q)"
        case .weights(let w, let b): return "σ_w = \(w), σ_b = \(b)"
        }
    }

    func run() -> String {
        let start = ContinuousClock.now, cpuStart = cpuSeconds()
        var mass = "—", moments = "—", notes = ""
        do {
            let model = try JacobianSpectrum(activation: Activations.named(activation), weights: weights, depth: depth, point: point)
            let prediction = try model.predict(points: 200)
            mass = String(format: "%.1e", abs(prediction.check.totalMass - 1))
            moments = String(format: "%.1e", prediction.check.momentRelativeErrors.max() ?? .nan)
        } catch {
            notes = "error: \(error)"
        }
        let now = String(format: "%.2f s", elapsedSeconds(since: start)), cpu = String(format: "%.2f s", cpuSeconds() - cpuStart)
        return [pad(activation, 10), pad(weights.rawValue, 11), pad("\(depth)", 6, right: true), "  ", pad(pointLabel, 30),
                pad(before, 19, right: true), pad(now, 10, right: true), pad(cpu, 10, right: true), pad(mass, 11, right: true),
                pad(moments, 10, right: true), "  " + notes].joined()
    }
}

private func elapsedSeconds(since start: ContinuousClock.Instant) -> Double {
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
