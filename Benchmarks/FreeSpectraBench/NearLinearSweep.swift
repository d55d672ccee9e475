import Foundation
import FreeSpectra

/// The near-linear sweep of issue 15 as a table (`FreeSpectraBench --near-linear-sweep`): every
/// built-in activation × both ensembles × q* ∈ {1e-4, 1e-3, 1e-2, 0.05, 0.5, 2} × L ∈ {3, 30,
/// 300, 1000} on the critical line, each answered in full (`JacobianSpectrum.predict`, 200
/// points) with its |mass − 1|, largest moment error against the series and CPU time, or the
/// reason it was refused. `NearLinearSweepTests` asserts the same outcomes.
func nearLinearSweep() -> String {
    var lines = [[pad("activation", 11), pad("weights", 11), pad("q*", 7, right: true), pad("L", 6, right: true), "  ",
                  pad("outcome", 9), pad("|mass − 1|", 11, right: true), pad("max Δm/m", 10, right: true), pad("CPU s", 8, right: true), "  reason"].joined()]
    var answered = 0, refused = 0, failed = 0, slowest = 0.0
    for name in Activations.names {
        for weights in [WeightEnsemble.gaussian, .orthogonal] {
            for q in [1e-4, 1e-3, 1e-2, 0.05, 0.5, 2] {
                for depth in [3, 30, 300, 1000] {
                    progress("near-linear sweep: \(name) \(weights.rawValue) q* = \(q) L = \(depth) …")
                    let start = cpuSeconds()
                    var outcome = "answered", mass = "—", moments = "—", reason = ""
                    do {
                        let model = try JacobianSpectrum(activation: Activations.named(name), weights: weights, depth: depth, point: .critical(qStar: q))
                        let prediction = try model.predict(points: 200)
                        mass = String(format: "%.1e", abs(prediction.check.totalMass - 1))
                        moments = String(format: "%.1e", prediction.check.momentRelativeErrors.max() ?? .nan)
                        answered += 1
                    } catch let NumericalError.noSolution(message) where message.contains("no critical point") {
                        outcome = "refused"; reason = message; refused += 1
                    } catch {
                        outcome = "FAILED"; reason = "\(error)"; failed += 1
                    }
                    let seconds = cpuSeconds() - start
                    slowest = max(slowest, seconds)
                    lines.append([pad(name, 11), pad(weights.rawValue, 11), pad(String(format: "%g", q), 7, right: true), pad("\(depth)", 6, right: true), "  ",
                                  pad(outcome, 9), pad(mass, 11, right: true), pad(moments, 10, right: true), pad(String(format: "%.2f", seconds), 8, right: true),
                                  "  " + reason].joined())
                }
            }
        }
    }
    lines.append(String(format: "\n%d answered, %d refused (no critical point), %d failed; slowest %.2f s CPU", answered, refused, failed, slowest))
    return lines.joined(separator: "\n")
}

/// User CPU time of this process (the machine is shared: wall time counts the neighbours).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
}
