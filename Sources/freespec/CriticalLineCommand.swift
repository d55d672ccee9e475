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
        𝓛′ is the slope of the length map at q* (χ + σ_w² E[φφ″]): below 1 a forward
        pass is drawn back to q*; above 1 (GELU, SiLU at small q*) it drifts away.

        Example:
          freespec critical-line --activation tanh,erf,hard-tanh --q-star 0.01:2:8
        """)

    @Option(help: "Activations, comma-separated: \(Activations.names.joined(separator: ", ")) (leaky-relu:SLOPE sets the slope).")
    var activation: String = "tanh"

    @Option(name: .customLong("q-star"), parsing: .unconditional, help: "q* grid LO:HI:COUNT, COUNT points spaced logarithmically (0 < LO ≤ HI, 1 ≤ COUNT ≤ 10000).")
    var qStar: String = "0.01:10:7"

    @Option(help: "Output: table, json or csv.")
    var format: OutputFormat = .table

    struct Row: Codable {
        var activation: String; var qStar: Double; var sigmaW: Double?; var sigmaB: Double?
        /// 𝓛′(q*), the slope of the length map there.
        var lengthMapSlope: Double?
        var note: String?
    }

    /// The q* grid; throws a usage error for anything malformed.
    static func grid(_ spec: String) throws -> [Double] {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let lo = parts[0], let hi = parts[1], let c = parts[2],
              lo.isFinite, hi.isFinite, lo > 0, hi >= lo, c >= 1, c <= 10_000, c == c.rounded() else {
            throw ValidationError("--q-star must be LO:HI:COUNT with 0 < LO ≤ HI finite and COUNT a whole number from 1 to 10000, got '\(spec)'")
        }
        let count = Int(c)
        return (0..<count).map { i in count == 1 ? lo : lo * pow(hi / lo, Double(i) / Double(count - 1)) }
    }

    /// The activations of --activation, in the order given.
    func activations() throws -> [any Activation] {
        let names = activation.split(separator: ",").map(String.init)
        guard !names.isEmpty else { throw ValidationError("--activation needs at least one name") }
        return try names.map { try parseActivation($0) }
    }

    func validate() throws {
        _ = try Self.grid(qStar)
        _ = try activations()
    }

    func run() throws {
        let grid = try Self.grid(qStar)
        let phis = try activations()
        try reportingErrors {
            var rows: [Row] = []
            for phi in phis {
                for q in grid {
                    do {
                        let (w, b) = try CriticalLine.point(activation: phi, qStar: q)
                        let slope = try MeanField(activation: phi, sigmaW: w, sigmaB: b).lengthMapSlope(q)
                        rows.append(Row(activation: phi.name, qStar: q, sigmaW: w, sigmaB: b, lengthMapSlope: slope,
                                        note: MeanField.isUnstable(lengthMapSlope: slope) ? "unstable q*: a forward pass drifts away" : nil))
                    } catch let error as NumericalError {
                        rows.append(Row(activation: phi.name, qStar: q, sigmaW: nil, sigmaB: nil, lengthMapSlope: nil, note: error.description))
                    }
                }
            }
            switch format {
            case .json: print(try encodeJSON(rows))
            case .csv:
                print("activation,q_star,sigma_w,sigma_b,length_map_slope")
                for r in rows {
                    let fields = [r.sigmaW, r.sigmaB, r.lengthMapSlope].map { $0.map { "\($0)" } ?? "" }
                    print("\(r.activation),\(r.qStar)," + fields.joined(separator: ","))
                }
            case .table:
                print(renderTable(["activation", "q*", "σ_w", "σ_b", "𝓛′", "note"], rows.map {
                    [$0.activation, formatNumber($0.qStar), $0.sigmaW.map { formatNumber($0) } ?? "-", $0.sigmaB.map { formatNumber($0) } ?? "-",
                     $0.lengthMapSlope.map { formatNumber($0) } ?? "-", $0.note ?? ""]
                }))
            }
        }
    }
}
