import ArgumentParser
import FreeSpectra
import Foundation

@main
struct FreeSpec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "freespec",
        abstract: "Spectra of the random matrices of deep networks, by free probability, checked by Monte Carlo.",
        discussion: """
        Each command prints a table (or JSON/CSV with --format) and can write an SVG plot.
        Conventions: G(z) = ∫ dμ(x)/(z − x), ρ(x) = −Im G(x + i0)/π; see Docs/theory.md.
        """,
        subcommands: [JacobianCommand.self, CriticalLineCommand.self, HessianCommand.self, CriticalEnergyCommand.self, GramCommand.self, SpacingsCommand.self])
}

/// Output formats shared by the commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// Runs `body`, turning the library's errors into a message on stderr and exit status 2
/// (argument errors keep ArgumentParser's status 64).
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as NumericalError {
        FileHandle.standardError.write(Data("freespec: error: \(error.description)\n".utf8))
        throw ExitCode(2)
    } catch let error as CocoaError {
        FileHandle.standardError.write(Data("freespec: error: \(error.localizedDescription)\n".utf8))
        throw ExitCode(2)
    }
}

/// Parses "a,b,c" into values, rejecting anything unparsable.
struct CommaList<T: LosslessStringConvertible>: ExpressibleByArgument {
    let values: [T]
    init?(argument: String) {
        let parts = argument.split(separator: ",").map { T(String($0.trimmingCharacters(in: .whitespaces))) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        values = parts.map { $0! }
    }
    /// Shown as "(default: 16)" in --help.
    var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}

/// JSON with infinities and NaN spelled as strings (JSON has no such numbers).
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// A number for a table cell: 4 significant digits, or 10^x for values outside Double's
/// comfortable range.
func formatNumber(_ x: Double, log10Value: Double? = nil) -> String {
    if let l = log10Value, l.isFinite, !x.isFinite || (x != 0 && (abs(l) > 300)) { return String(format: "10^%.4g", l) }
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

func writeText(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}
