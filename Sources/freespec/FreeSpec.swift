import ArgumentParser
import FreeSpectra
import Foundation

@main
struct FreeSpec: ParsableCommand {
    /// The version `freespec --version` prints.
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "freespec",
        abstract: "Spectra of the random matrices of deep networks, by free probability, checked by Monte Carlo.",
        discussion: """
        Each command prints a table (or JSON/CSV with --format) and can write an SVG plot.
        Conventions: G(z) = ∫ dμ(x)/(z − x), ρ(x) = −Im G(x + i0)/π; see Docs/theory.md.
        """,
        version: version,
        subcommands: [JacobianCommand.self, CriticalLineCommand.self, HessianCommand.self, CriticalEnergyCommand.self, GramCommand.self, ImplicitBiasCommand.self, GdCommand.self, WeightsCommand.self, SpacingsCommand.self])

    /// Parses, checks and runs the command line. Before a Monte Carlo run starts: BLAS threads
    /// are set and a large run's estimate goes to standard error (`MonteCarloBudget`).
    static func main() {
        do {
            var command = try parseChecked(Array(CommandLine.arguments.dropFirst()))
            if let sampling = command as? SamplingCommand, let run = sampling.monteCarloRun {
                BLASThreads.set(run.sampling.threadsOption ?? BLASThreads.default)
                if !run.sampling.quiet, let notice = run.budget.notice {
                    FileHandle.standardError.write(Data("freespec: \(notice)\n".utf8))
                }
            }
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    /// The command for `arguments`, or ArgumentParser's error: its own (an unknown option, a
    /// missing or malformed value) before the checks of values in `validate()`, which
    /// ArgumentParser would otherwise run first (see `ValueChecks`).
    static func parseChecked(_ arguments: [String]) throws -> ParsableCommand {
        _ = try ValueChecks.$enabled.withValue(false) { try parseAsRoot(arguments) }
        return try parseAsRoot(arguments)
    }
}

/// Output formats shared by the commands.
enum OutputFormat: String, CaseInsensitiveArgument {
    case table, json, csv
}

/// A number for a table cell: 4 significant digits, or 10^x for values outside Double's
/// comfortable range.
func formatNumber(_ x: Double, log10Value: Double? = nil) -> String {
    if let l = log10Value, l.isFinite, !x.isFinite || x == 0 || abs(l) > 300 { return String(format: "10^%.4g", l) }
    if x == 0 { return "0" }
    if !x.isFinite { return x > 0 ? "inf" : (x < 0 ? "-inf" : "nan") }
    if abs(x) >= 1e5 || abs(x) < 1e-3 { return String(format: "%.3e", x) }
    return String(format: "%.4g", x)
}

/// Left-aligned text table with a header rule.
func renderTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    return ([line(header), widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")] + rows.map(line))
        .joined(separator: "\n")
}

/// Writes `text` to `path`, the way `validateOutputPath` checked it can be: opened for
/// writing, created when missing (not atomically through a temporary file, which would need a
/// writable folder as well).
func writeText(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}
