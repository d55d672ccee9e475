import ArgumentParser
import Foundation

/// `--monte-carlo`, `--samples`, `--seed` and how the run uses the machine (`--threads`,
/// `--allow-large`, `--quiet`): the options every sampling command shares. Each command adds
/// its own size option beside them (`--width`, `--size`, `--n0`), because the size means a
/// different matrix dimension in each model. The options stored as optionals are the ones
/// that need `--monte-carlo`: given without it they are a usage error (`monteCarloOnly`),
/// not silently ignored.
struct MonteCarloSampling: ParsableArguments {
    @Flag(name: .customLong("monte-carlo"), help: ArgumentHelp(
        "Also sample finite random matrices of the model and compare their spectrum with the theory.",
        discussion: "The comparison is a Kolmogorov–Smirnov test whose tolerance is calibrated on the sample's own spread: 3 × KS(A, B)/2 between the two halves A, B of the samples (with one sample, the i.i.d. bound 1.36/√(N·S)) + 4/N for finite width; Jacobians also check the zero atom, the mean eigenvalue m1 and the mean log-eigenvalue (Docs/theory.md)."))
    var enabled = false

    @Option(name: .customLong("samples"), parsing: .unconditional, help: "Monte Carlo samples: independent matrices, pooled (1 to 10000; default 4).",
            transform: PlainNumber.whole)
    var samplesOption: Int?

    @Option(name: .customLong("seed"), parsing: .unconditional, help: "Monte Carlo random seed, a whole number ≥ 0 (the same seed gives the same eigenvalues; default 1).",
            transform: PlainNumber.seed)
    var seedOption: UInt64?

    @Option(name: .customLong("threads"), parsing: .unconditional, help: ArgumentHelp(
        "BLAS threads for the Monte Carlo (1 to 256).",
        discussion: "Default: OPENBLAS_NUM_THREADS when set, else min(2, the processors not busy by the 1-minute load average), at least 1. OpenBLAS's own default (one thread per processor) oversubscribes a machine that is running other work, and its threads spin while they wait: N = 400, L = 16 took 4.7 s with 2 threads and 2.0 s with 1 on a loaded 2-core machine."),
            transform: PlainNumber.whole)
    var threadsOption: Int?

    @Flag(name: .customLong("allow-large"), help: "Run a Monte Carlo that is estimated to need more than 4 GB of memory or 5 minutes (refused otherwise).")
    var allowLarge = false

    @Flag(help: "No progress line and no size estimate on standard error.")
    var quiet = false

    /// Defaults of the options stored as optionals.
    static let defaultSamples = 4
    static let defaultSeed: UInt64 = 1

    var samples: Int { samplesOption ?? Self.defaultSamples }
    var seed: UInt64 { seedOption ?? Self.defaultSeed }

    /// The options of this group that need `--monte-carlo`, with whether each was given.
    var monteCarloOnly: [(String, Bool)] {
        [("--samples", samplesOption != nil), ("--seed", seedOption != nil), ("--threads", threadsOption != nil),
         ("--allow-large", allowLarge)]
    }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        guard (1...10_000).contains(samples) else { throw ValidationError("--samples must be between 1 and 10000, got \(samples)") }
        if let t = threadsOption, !(1...256).contains(t) {
            throw ValidationError("--threads must be between 1 and 256, got \(t) (this machine has \(ProcessInfo.processInfo.activeProcessorCount) processors)")
        }
    }
}

/// A command or option group that carries the shared Monte Carlo options; their values read
/// as its own (`options.samples`).
protocol SamplesMonteCarlo {
    var sampling: MonteCarloSampling { get }
}

extension SamplesMonteCarlo {
    /// Whether `--monte-carlo` was given.
    var monteCarloEnabled: Bool { sampling.enabled }
    var samples: Int { sampling.samples }
    var seed: UInt64 { sampling.seed }
}
