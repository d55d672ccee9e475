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
    static func grid(_ spec: String) throws -> [Double] { try logGrid(spec, option: "--q-star", maxCount: 10_000) }

    /// The activations of --activation, in the order given.
    func activations() throws -> [any Activation] {
        let names = try CommaList<String>(activation, example: "tanh,erf") { $0 }
        return try names.values.map { try parseActivation($0) }
    }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        _ = try Self.grid(qStar)
        do {
            _ = try activations()
        } catch let error as ValidationError where !error.message.hasPrefix("--activation") {
            throw ValidationError("--activation: \(error.message)")
        }
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
                        rows.append(Row(activation: phi.name, qStar: q, sigmaW: nil, sigmaB: nil, lengthMapSlope: nil,
                                        note: explain(error, .commandLine).what))
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
