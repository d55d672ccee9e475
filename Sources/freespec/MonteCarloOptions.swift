import ArgumentParser
import FreeSpectra
import Foundation

/// `--monte-carlo` and its options, shared by the Jacobian command.
struct MonteCarloOptions: ParsableArguments {
    @Flag(name: .customLong("monte-carlo"), help: "Also sample real networks and compare their J Jᵀ spectrum with the theory.")
    var enabled = false

    @Option(help: "Monte Carlo width N.")
    var width: Int = 256

    @Option(help: "Monte Carlo samples (independent networks).")
    var samples: Int = 4

    @Option(help: "Random seed (the same seed gives the same eigenvalues).")
    var seed: UInt64 = 1

    @Option(help: "network: D from a real forward pass; independent: each D drawn from its law.")
    var mode: SamplingMode = .network

    @Option(help: "Write the pooled eigenvalues to FILE (.csv or .npy).")
    var eigenvalues: String?

    func validate() throws {
        guard width >= 2 && width <= 20_000 else { throw ValidationError("--width must be between 2 and 20000, got \(width)") }
        guard samples >= 1 && samples <= 100_000 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
        if let path = eigenvalues {
            _ = try EigenvalueExport.Format(pathExtension: URL(fileURLWithPath: path).pathExtension)
        }
    }

    /// Samples the network of `model`, compares with `prediction`, and writes eigenvalues.
    func run(model: JacobianSpectrum, prediction: JacobianPrediction) throws -> MonteCarloReport {
        let field = prediction.meanField
        let configuration = NetworkSamplingConfiguration(
            activation: model.activation, weights: model.weights, depth: model.depth, width: width,
            sigmaW: field.sigmaW, sigmaB: field.sigmaB, qStar: field.qStar.isFinite ? field.qStar : 1,
            samples: samples, seed: seed, mode: mode)
        let interactive = isatty(2) != 0
        let result = try JacobianSampler.sample(configuration) { done, total in
            if interactive && (done % max(1, total / 100) == 0 || done == total) {
                FileHandle.standardError.write(Data(String(format: "\rMonte Carlo %@ L=%d: %3d%%", model.weights.rawValue, model.depth, 100 * done / max(total, 1)).utf8))
                if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
            }
        }
        let (clamped, floor) = clampedToResolution(result.eigenvalues)
        let spectrum = try EmpiricalSpectrum(samples: clamped)
        // The theory CDF at exactly the points the KS statistic asks for, solved in one sweep.
        let analysis = try SpectrumAnalysis(product: model.product)
        let resolution = prediction.atoms.contains { $0.location > 0 } ? 1e-9 : 0
        var queries: [Double] = []
        for x in spectrum.pooled { queries.append(x + resolution * abs(x)); queries.append((x - resolution * abs(x)).nextDown) }
        let values = try analysis.cdf(at: queries)
        var table: [Double: Double] = [:]
        for (x, f) in zip(queries, values) { table[x] = f }
        let cdf = censoredCDF({ table[$0] ?? 0 }, floor: floor)
        let verdict = try MonteCarloVerdict.compare(spectrum, theoryCDF: cdf, width: width, relativeResolution: resolution)
        let logarithmic = prediction.density.scale == .log
        // Eigenvalues clamped to the SVD's resolution floor stay out of the bins (they still
        // count in the normalisation): binned, they pile into one spurious spike.
        let positive = spectrum.pooled.filter { $0 > floor }
        var range: ClosedRange<Double>? = nil
        if logarithmic, let lo = positive.first, let hi = positive.last, lo < hi {
            range = max(lo, pow(10, prediction.log10Quantile01 - 2))...hi
        }
        let histogram = try spectrum.histogram(bins: 60, logarithmic: logarithmic, range: range)
        if let path = eigenvalues { try EigenvalueExport.write(spectrum.pooled, to: URL(fileURLWithPath: path)) }
        let m1 = spectrum.m1, m2 = spectrum.m2
        let mean = prediction.moments
        return MonteCarloReport(
            width: width, samples: samples, seed: seed, mode: mode.rawValue, ks: verdict.ks,
            moments: [m1.value, m2.value], momentStdErr: [m1.standardError, m2.standardError],
            momentRelativeErrors: [m1.value / mean[0] - 1, m2.value / mean[1] - 1],
            lambdaMax: spectrum.lambdaMax.value, lambdaMaxStdErr: spectrum.lambdaMax.standardError,
            lambdaMaxTheory: prediction.lambdaMax,
            histogram: HistogramReport(edges: histogram.edges, counts: histogram.counts,
                                       density: histogram.density, densityPerLog10: histogram.densityPerLog10),
            verdict: verdict, productGFLOPS: result.timings.productGFLOPS, seconds: result.timings.total)
    }
}

struct HistogramReport: Codable {
    var edges: [Double]
    var counts: [Int]
    var density: [Double]
    var densityPerLog10: [Double]
}

/// The `monteCarlo` key of the JSON output.
struct MonteCarloReport: Codable {
    var width: Int
    var samples: Int
    var seed: UInt64
    var mode: String
    var ks: Double
    var moments: [Double]
    var momentStdErr: [Double]
    var momentRelativeErrors: [Double]
    var lambdaMax: Double
    var lambdaMaxStdErr: Double
    var lambdaMaxTheory: Double
    var histogram: HistogramReport
    var verdict: MonteCarloVerdict
    var productGFLOPS: Double
    var seconds: Double
}

extension SamplingMode: ExpressibleByArgument {}
extension DensityScale: ExpressibleByArgument {}

extension SpectrumHistogram {
    /// Density of log10 λ per bin (for logarithmic bins): count/(total · Δlog10 λ).
    var densityPerLog10: [Double] {
        (0..<counts.count).map { i in
            let a = edges[i], b = edges[i + 1]
            guard a > 0, b > a, total > 0 else { return 0 }
            return Double(counts[i]) / (Double(total) * (log10(b) - log10(a)))
        }
    }
}
