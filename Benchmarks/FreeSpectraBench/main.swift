import Foundation

// `make bench`: the Jacobian-spectrum benchmark (seconds), the full answer of the slowest
// configurations known (seconds now, minutes before issue 15), and the Monte Carlo benchmark
// (minutes) only when asked for with FREESPEC_BENCH_MC=1 or --monte-carlo.

let arguments = CommandLine.arguments.dropFirst()
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: FreeSpectraBench [--monte-carlo] [--full-answer-only] [--near-linear-sweep] [--implicit-bias-only]
      Runs the Jacobian-spectrum benchmark (Swift engine vs the numpy polynomial-root baseline),
      then the full-answer benchmark of the slowest configurations known (issue 15).
      --full-answer-only runs only the latter.
      --implicit-bias-only runs only the implicit-bias α sweep (issue 20; d = 1000, N = 200, 30 α).
      --near-linear-sweep prints the near-linear sweep of issue 15 (432 points, ~2 min) and nothing else.
      --monte-carlo (or FREESPEC_BENCH_MC=1) also runs the Monte Carlo benchmark (several minutes).
      Run from the package root so Validation/baselines/*.py are found.
    """)
    exit(0)
}
let runMonteCarlo = arguments.contains("--monte-carlo") || ProcessInfo.processInfo.environment["FREESPEC_BENCH_MC"] == "1"

if arguments.contains("--near-linear-sweep") {
    print(nearLinearSweep())
    exit(0)
}
if arguments.contains("--implicit-bias-only") {
    print(implicitBiasBenchmark())
    exit(0)
}
let fullAnswerOnly = arguments.contains("--full-answer-only")
if !fullAnswerOnly { print(jacobianBenchmark()) }
print(fullAnswerBenchmark())
if !fullAnswerOnly { print(implicitBiasBenchmark()) }
if fullAnswerOnly {
    // Only the full-answer table was asked for.
} else if runMonteCarlo {
    print("")
    print("Monte Carlo benchmark (requested by \(arguments.contains("--monte-carlo") ? "--monte-carlo" : "FREESPEC_BENCH_MC=1"); takes several minutes) …")
    print(monteCarloBenchmark())
} else {
    print("")
    print("Monte Carlo benchmark skipped: it takes several minutes; run with FREESPEC_BENCH_MC=1 or --monte-carlo to include it.")
}
