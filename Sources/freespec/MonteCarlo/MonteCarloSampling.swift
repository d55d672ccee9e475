import ArgumentParser

/// `--monte-carlo`, `--samples`, `--seed`: the options every sampling command shares. Each
/// command adds its own size option beside them (`--width`, `--size`, `--n0`), because the
/// size means a different matrix dimension in each model.
struct MonteCarloSampling: ParsableArguments {
    @Flag(name: .customLong("monte-carlo"), help: ArgumentHelp(
        "Also sample finite random matrices of the model and compare their spectrum with the theory.",
        discussion: "The comparison is a Kolmogorov–Smirnov test whose tolerance is calibrated on the sample's own spread: 3 × KS(A, B)/2 between the two halves A, B of the samples (with one sample, the i.i.d. bound 1.36/√(N·S)) + 4/N for finite width; Jacobians also check the zero atom, the mean eigenvalue m1 and the mean log-eigenvalue (Docs/theory.md)."))
    var enabled = false

    @Option(parsing: .unconditional, help: "Monte Carlo samples: independent matrices, pooled (1 to 10000).")
    var samples: Int = 4

    @Option(parsing: .unconditional, help: "Random seed (the same seed gives the same eigenvalues).")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...10_000).contains(samples) else { throw ValidationError("--samples must be between 1 and 10000, got \(samples)") }
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
