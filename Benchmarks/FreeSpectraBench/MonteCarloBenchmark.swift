import Foundation
import FreeSpectra

/// The Monte Carlo engine's benchmark, as a text report (this function never prints).
///
/// Measures, at N = 1024, L = 64, S = 4 (tanh network, σ_w = 1, σ_b = 0.05, q* = 0.05):
/// 1. raw `cblas_dgemm` of two N × N matrices (GFLOP/s, best of 5 after a warm-up);
/// 2. `JacobianSampler` with Gaussian and with orthogonal weights: wall time per stage and
///    the product-stage rate (2N³ flops per GEMM), as a fraction of the raw dgemm rate;
/// 3. the numpy baseline `Validation/baselines/montecarlo_numpy.py` on the same problem,
///    run through `python3` with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
///    environment (they can slow numpy's bundled OpenBLAS).
func monteCarloBenchmark() -> String {
    monteCarloBenchmark(width: 1024, depth: 64, samples: 4)
}

func monteCarloBenchmark(width n: Int, depth: Int, samples: Int, runNumpy: Bool = true) -> String {
    var report = "Monte Carlo engine benchmark (N = \(n), L = \(depth), S = \(samples), tanh network)\n"
    report += "  OpenBLAS: \(LinearAlgebra.blasThreadCount) threads; cblas_dgemm from \(LinearAlgebra.dgemmLibraryPath ?? "?")\n"
    report += "  config: \(LinearAlgebra.blasConfiguration)\n"

    // 1. Raw dgemm.
    let dgemmRate: Double
    do {
        var g = Xoshiro256StarStar(seed: 1)
        let a = try RandomMatrices.gaussian(rows: n, columns: n, variance: 1, using: &g)
        let b = try RandomMatrices.gaussian(rows: n, columns: n, variance: 1, using: &g)
        _ = try LinearAlgebra.multiply(a, b)
        var best = Double.infinity
        for _ in 0..<5 {
            let t = ContinuousClock.now
            _ = try LinearAlgebra.multiply(a, b)
            best = min(best, seconds(ContinuousClock.now - t))
        }
        dgemmRate = 2 * pow(Double(n), 3) / best / 1e9
        report += String(format: "  raw dgemm N=%d: %.1f GFLOP/s (best of 5, %.1f ms)\n", n, dgemmRate, best * 1e3)
    } catch {
        return report + "  dgemm failed: \(error)\n"
    }

    // 2. The sampler.
    var swiftTotals: [WeightEnsemble: Double] = [:]
    for weights in WeightEnsemble.allCases {
        let c = NetworkSamplingConfiguration(
            activation: Tanh(), weights: weights, depth: depth, width: n, sigmaW: 1, sigmaB: 0.05, qStar: 0.05,
            samples: samples, seed: 1)
        do {
            let t = try JacobianSampler.sample(c).timings
            swiftTotals[weights] = t.total
            report += String(
                format: "  Swift %@: total %.2f s = weights %.2f + forward %.2f + product %.2f + eigenvalues %.2f; product %.1f GFLOP/s (%.0f%% of dgemm)\n",
                weights.rawValue, t.total, t.weightSampling, t.forwardPass, t.product, t.eigenvalues,
                t.productGFLOPS, 100 * t.productGFLOPS / dgemmRate)
        } catch {
            report += "  Swift \(weights.rawValue): failed: \(error)\n"
        }
    }

    // 3. numpy.
    guard runNumpy else { return report }
    guard let script = numpyScript() else {
        return report + "  numpy baseline: Validation/baselines/montecarlo_numpy.py not found (run from the package root)\n"
    }
    for weights in WeightEnsemble.allCases {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--width", "\(n)", "--depth", "\(depth)", "--samples", "\(samples)",
                             "--weights", weights.rawValue, "--activation", "tanh", "--sigma-w", "1",
                             "--sigma-b", "0.05", "--q-star", "0.05"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        environment["OPENBLAS_L2_SIZE"] = nil
        process.environment = environment
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let start = ContinuousClock.now
        do { try process.run() } catch {
            report += "  numpy \(weights.rawValue): could not start python3: \(error)\n"
            continue
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        _ = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let wall = seconds(ContinuousClock.now - start)
        guard process.terminationStatus == 0,
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let t = json["timings"] as? [String: Double], let total = t["total"]
        else {
            report += "  numpy \(weights.rawValue): failed (exit \(process.terminationStatus))\n"
            continue
        }
        let swift = swiftTotals[weights].map { String(format: "; Swift is %.2f× faster", total / $0) } ?? ""
        report += String(
            format: "  numpy %@ (%@): total %.2f s (process %.2f s) = weights %.2f + forward %.2f + product %.2f + eigenvalues %.2f; product %.1f GFLOP/s%@\n",
            weights.rawValue, (json["numpy"] as? String) ?? "?", total, wall, t["weightSampling"] ?? 0,
            t["forwardPass"] ?? 0, t["product"] ?? 0, t["eigenvalues"] ?? 0, t["productGFLOPS"] ?? 0, swift)
    }
    report += "  (numpy subprocess ran with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; timings are wall-clock on a shared machine)\n"
    return report
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// The baseline script: relative to the working directory, else to this source file.
private func numpyScript() -> String? {
    let relative = "Validation/baselines/montecarlo_numpy.py"
    let candidates = [
        FileManager.default.currentDirectoryPath + "/" + relative,
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(relative).path,
    ]
    return candidates.first { FileManager.default.fileExists(atPath: $0) }
}
