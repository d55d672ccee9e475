import ArgumentParser
import COpenBLAS
import FreeSpectra
import Foundation

/// What a Monte Carlo run will cost, estimated from its matrix sizes before it starts: the
/// peak memory of its matrix buffers and a rough time. A run beyond `memoryLimit` or
/// `timeLimit` is refused unless `--allow-large` is given; one beyond `noticeMemory` or
/// `noticeTime` is announced on standard error.
///
/// The time counts operations at `rate`, 50 GFLOP/s (one OpenBLAS thread here: dgemm n = 2048
/// runs at about 50); the routines slower per operation are counted at their measured cost
/// in GEMM-equivalent operations (2-core machine under load, one thread): the singular values
/// of an N × N J (dgesdd) ≈ 17 N³, the eigenvalues of a symmetric n × n (dsyevd) ≈ 2 n³, a
/// Haar layer (Householder QR and Q) ≈ 4 N³, a normal deviate ≈ 200, an activation value ≈ 1000.
/// Measured: orthogonal N = 2000, L = 4, one sample 5.9 s (estimate 6.2 s); Gaussian 4.7 s
/// (4.1 s); peak memory 130 MB at N = 2000 (estimate 4 N² · 8 bytes = 128 MB).
struct MonteCarloBudget: Equatable {
    /// Peak bytes of the matrix buffers.
    var bytes: Double
    /// GEMM-equivalent operations.
    var operations: Double
    /// What is sampled, e.g. "4 configurations × 4 samples, widest layer N = 20000".
    var what: String
    /// The options that set the size, to name in a refusal, e.g. "--width or --samples".
    var options: String

    static let rate = 50e9
    static let memoryLimit = 4e9
    static let timeLimit = 300.0
    static let noticeMemory = 1e9
    static let noticeTime = 30.0

    var seconds: Double { operations / Self.rate }

    /// The line announcing a large run, or nil for a small one.
    var notice: String? {
        guard bytes >= Self.noticeMemory || seconds >= Self.noticeTime else { return nil }
        return "Monte Carlo of \(what): about \(Self.describe(bytes: bytes)) of memory and \(Self.describe(seconds: seconds)) (rough estimate)"
    }

    /// A usage error when the run exceeds the limits and `allowLarge` is false, or when it
    /// would not fit in 80 % of physical memory at all.
    func check(allowLarge: Bool) throws {
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        if bytes > 0.8 * physical {
            throw ValidationError("the Monte Carlo of \(what) needs about \(Self.describe(bytes: bytes)) of memory; this machine has \(Self.describe(bytes: physical)). Lower \(options)")
        }
        guard !allowLarge, bytes > Self.memoryLimit || seconds > Self.timeLimit else { return }
        throw ValidationError("the Monte Carlo of \(what) needs about \(Self.describe(bytes: bytes)) of memory and \(Self.describe(seconds: seconds)) (rough estimate), beyond the \(Self.describe(bytes: Self.memoryLimit)) or \(Self.describe(seconds: Self.timeLimit)) that run without asking. Lower \(options), or add --allow-large to run it anyway")
    }

    static func describe(bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.0f MB", max(1, bytes / 1e6))
    }

    static func describe(seconds: Double) -> String {
        if seconds < 1 { return "under a second" }
        if seconds < 120 { return String(format: "%.0f s", seconds) }
        if seconds < 7200 { return String(format: "%.0f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }

    // Costs per routine, in GEMM-equivalent operations (see the type's comment).
    static func normals(_ count: Double) -> Double { 200 * count }
    static func singularValues(_ rows: Double, _ columns: Double) -> Double { 17 * rows * columns * min(rows, columns) }
    static func symmetricEigenvalues(_ n: Double) -> Double { 2 * n * n * n }

    /// `jacobian --monte-carlo`: for each configuration (its widths N_0 … N_L and ensemble),
    /// per sample the L − 1 GEMMs J ← (D^l W^l) J, the weights (Haar: QR; Gaussian square: the LU
    /// for log det), and the singular values of J; memory 4 buffers of the widest layer.
    static func jacobian(_ configurations: [(widths: [Int], ensemble: WeightEnsemble)], samples: Int) -> MonteCarloBudget {
        var operations = 0.0, widest = 0
        for c in configurations {
            let n = c.widths.map(Double.init)
            let square = c.widths.allSatisfy { $0 == c.widths[0] }
            var perSample = singularValues(n.last!, n[0])
            for l in 1..<n.count {
                if l >= 2 { perSample += 2 * n[l] * n[l - 1] * n[0] }
                perSample += normals(n[l] * n[l - 1])
                switch c.ensemble {
                case .orthogonal:
                    let tall = max(n[l], n[l - 1]), narrow = min(n[l], n[l - 1])
                    perSample += 4 * tall * narrow * narrow
                case .gaussian:
                    if square { perSample += 2.0 / 3 * n[l] * n[l] * n[l] }
                }
            }
            operations += Double(samples) * perSample
            widest = max(widest, c.widths.max()!)
        }
        let count = configurations.count
        return MonteCarloBudget(
            bytes: 4 * Double(widest) * Double(widest) * 8, operations: operations,
            what: "\(count == 1 ? "" : "\(count) configurations × ")\(samples) sample\(samples == 1 ? "" : "s"), widest layer N = \(widest)",
            options: "--width or --samples")
    }

    /// `hessian`/`critical-energy --monte-carlo`: per sample and per φ, X (n × m) and its Gram
    /// matrix (n²m), a Wigner matrix, the eigenvalues; memory X and two n × n matrices.
    static func hessian(size n: Int, dataPoints: [Int], samples: Int) -> MonteCarloBudget {
        let nn = Double(n)
        let operations = dataPoints.reduce(0.0) { total, m in
            let md = Double(m)
            return total + Double(samples) * (normals(nn * md + nn * nn) + nn * nn * md + symmetricEigenvalues(nn))
        }
        let m = Double(dataPoints.max() ?? n)
        let points = dataPoints.count
        return MonteCarloBudget(
            bytes: 8 * (nn * m + 2 * nn * nn), operations: operations,
            what: "\(points == 1 ? "" : "\(points) values of φ × ")\(samples) sample\(samples == 1 ? "" : "s"), n = \(n), m = \(Int(m))",
            options: "--size or --samples")
    }

    /// `gram --monte-carlo` (and `--train-loss`, `--layers`): per sample Y = f(WX) (n₁ × m),
    /// YYᵀ and its eigenvalues; the ridge regressions (a Cholesky in Swift at ≈ 3.4 GFLOP/s, so
    /// 15× a GEMM operation, per γ); the stacked layers at width n₀.
    static func gram(inputs n0: Int, features n1: Int, dataPoints m: Int, samples: Int,
                     sampled: Bool, gammas: Int, layers: Int?) -> MonteCarloBudget {
        let a = Double(n0), b = Double(n1), c = Double(m), s = Double(samples)
        var operations = 0.0, bytes = 0.0
        if sampled {
            let features = normals(b * a + a * c) + 2 * b * a * c + 1000 * b * c
            operations += s * (features + b * b * c + symmetricEigenvalues(b))
            bytes = 8 * (b * a + a * c + b * c + 2 * b * b)
            if gammas > 0 {
                let targets = 256.0
                operations += s * (features + normals(targets * c) + b * b * c + 2 * b * c * targets
                                   + Double(gammas) * (15 * (b * b * b / 3 + 2 * b * b * targets) + 2 * targets * b * c))
                bytes = max(bytes, 8 * (b * a + a * c + b * c + 3 * b * b + 2 * targets * c + b * targets))
            }
        }
        if let k = layers {
            operations += s * Double(k) * (normals(a * a) + 2 * a * a * c + 1000 * a * c + a * a * c + symmetricEigenvalues(a))
            bytes = max(bytes, 8 * (3 * a * c + 2 * a * a))
        }
        return MonteCarloBudget(
            bytes: bytes, operations: operations,
            what: "\(samples) sample\(samples == 1 ? "" : "s") of n₀ = \(n0), n₁ = \(n1), m = \(m)" + (gammas > 0 ? " with \(gammas) ridge regressions each" : "") + (layers.map { ", \($0) stacked layers" } ?? ""),
            options: "--n0 or --samples" + (gammas > 0 ? " (or the COUNT of --gamma)" : ""))
    }
}

/// A command that may run a Monte Carlo: its shared options and the run's estimate, or nil
/// when it samples nothing. `FreeSpec.main` sets the BLAS threads and announces a large run
/// from it; the command's `check()` refuses one beyond the limits.
protocol SamplingCommand {
    var monteCarloRun: (sampling: MonteCarloSampling, budget: MonteCarloBudget)? { get }
}

extension SamplingCommand {
    /// A usage error for a run beyond `MonteCarloBudget`'s limits without `--allow-large`.
    func checkBudget() throws {
        if let run = monteCarloRun { try run.budget.check(allowLarge: run.sampling.allowLarge) }
    }
}

/// OpenBLAS's thread count for the Monte Carlo.
enum BLASThreads {
    /// OPENBLAS_NUM_THREADS when set; else min(2, processors not busy), at least 1, where busy
    /// is the 1-minute load average rounded (others' work: we have not started yet). OpenBLAS
    /// itself starts one thread per processor, and its threads spin while they wait for a
    /// descheduled partner, so a machine running other work is oversubscribed: on this 2-core
    /// machine at load 4, N = 400, L = 16, 4 samples took 4.7 s with 2 threads and 2.0 s with 1;
    /// N = 2000, L = 4: 7.0 s and 6.4 s.
    static var `default`: Int {
        if let text = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"], let n = Int(text), n >= 1 { return n }
        let processors = ProcessInfo.processInfo.activeProcessorCount
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))
            .flatMap { $0.split(separator: " ").first }.flatMap { Double($0) } ?? 0
        return max(1, min(2, processors, processors - Int(load.rounded())))
    }

    static func set(_ threads: Int) { openblas_set_num_threads(Int32(threads)) }
    static var current: Int { LinearAlgebra.blasThreadCount }
}

/// A progress line with an estimate of the time left, on standard error, only when it is a
/// terminal and `--quiet` was not given; rewritten in place at most five times a second.
final class ProgressLine {
    let label: String
    let enabled: Bool
    let start = Date()
    var lastWritten = -1.0

    init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && isatty(2) != 0
    }

    func update(_ done: Int, of total: Int) {
        guard enabled, total > 0 else { return }
        let elapsed = Date().timeIntervalSince(start)
        guard done == total || elapsed - lastWritten >= 0.2 else { return }
        lastWritten = elapsed
        let fraction = Double(done) / Double(total)
        var text = String(format: "\r%@: %3d%%, %@", label, Int(100 * fraction), MonteCarloBudget.describe(seconds: elapsed).replacingOccurrences(of: "under a second", with: "0 s"))
        if done < total, fraction > 0 {
            let left = MonteCarloBudget.describe(seconds: elapsed * (1 - fraction) / fraction)
            text += left == "under a second" ? ", under a second left" : ", about \(left) left"
        }
        text += "\u{1B}[K" + (done == total ? "\n" : "")
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension JacobianCommand: SamplingCommand {
    var monteCarloRun: (sampling: MonteCarloSampling, budget: MonteCarloBudget)? {
        guard monteCarlo.monteCarloEnabled else { return nil }
        let n = monteCarlo.width
        let configurations = ensembles.flatMap { ensemble in
            depths.map { depth -> (widths: [Int], ensemble: WeightEnsemble) in
                (monteCarlo.layerWidths(ratios: widthRatios?.values) ?? Array(repeating: n, count: depth + 1), ensemble)
            }
        }
        return (monteCarlo.sampling, MonteCarloBudget.jacobian(configurations, samples: monteCarlo.samples))
    }
}
