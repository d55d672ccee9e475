import ArgumentParser
import FreeSpectra
import Foundation

struct CriticalLineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "critical-line",
        abstract: "The critical line χ = 1 in the (σ_w, σ_b) plane for each activation.",
        discussion: """
        For each q* on a grid: σ_w² = 1/E[φ′(√q* h)²], σ_b² = q* − σ_w² E[φ(√q* h)²].
        Points where σ_b² would be negative have no critical network and are marked.

        Example:
          freespec critical-line --activation tanh,erf,hard-tanh --q-star 0.01:2:8
        """)

    @Option(help: "Activations, comma-separated.")
    var activation: String = "tanh"

    @Option(name: .customLong("q-star"), help: "q* grid LO:HI:COUNT (logarithmic).")
    var qStar: String = "0.01:10:7"

    @Option(help: "Output: table, json or csv.")
    var format: OutputFormat = .table

    struct Row: Codable { var activation: String; var qStar: Double; var sigmaW: Double?; var sigmaB: Double?; var note: String? }

    func run() throws {
        let parts = qStar.split(separator: ":").compactMap { Double($0) }
        guard parts.count == 3, parts[0] > 0, parts[1] >= parts[0], parts[2] >= 1, parts[2] <= 10_000, parts[2] == parts[2].rounded() else {
            throw ValidationError("--q-star must be LO:HI:COUNT with 0 < LO ≤ HI and COUNT ≥ 1, got \(qStar)")
        }
        try reportingErrors {
            let count = Int(parts[2])
            let grid = (0..<count).map { i in count == 1 ? parts[0] : parts[0] * pow(parts[1] / parts[0], Double(i) / Double(count - 1)) }
            var rows: [Row] = []
            for name in activation.split(separator: ",") {
                let phi = try Activations.named(String(name))
                for q in grid {
                    do {
                        let (w, b) = try CriticalLine.point(activation: phi, qStar: q)
                        rows.append(Row(activation: phi.name, qStar: q, sigmaW: w, sigmaB: b, note: nil))
                    } catch let error as NumericalError {
                        rows.append(Row(activation: phi.name, qStar: q, sigmaW: nil, sigmaB: nil, note: error.description))
                    }
                }
            }
            switch format {
            case .json: print(try encodeJSON(rows))
            case .csv:
                print("activation,q_star,sigma_w,sigma_b")
                for r in rows { print("\(r.activation),\(r.qStar),\(r.sigmaW.map { "\($0)" } ?? ""),\(r.sigmaB.map { "\($0)" } ?? "")") }
            case .table:
                print(renderTable(["activation", "q*", "σ_w", "σ_b", "note"], rows.map {
                    [$0.activation, formatNumber($0.qStar), $0.sigmaW.map { formatNumber($0) } ?? "-", $0.sigmaB.map { formatNumber($0) } ?? "-", $0.note ?? ""]
                }))
            }
        }
    }
}
