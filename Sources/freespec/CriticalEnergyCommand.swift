import ArgumentParser
import FreeSpectra
import FreeSpectraPlot
import Foundation

struct CriticalEnergyCommand: ParsableCommand, SamplingCommand {
    static let configuration = CommandConfiguration(
        commandName: "critical-energy",
        abstract: "The critical energy ε_c(φ) of the loss Hessian below which critical points are minima.",
        discussion: """
        In the Pennington–Bahri model H = H₀ + H₁ (Wishart with ratio φ plus a semicircle of variance 2ε; see `freespec hessian --help`), the lower edge of the spectrum reaches 0 at

            ε_c(φ) = (1 − 20φ − 8φ² + (1 + 8φ)^{3/2}) / 16    (0 < φ < 1),
            ε_c(φ) = 0                                       (φ ≥ 1),

        the positive root of 8ε² + (8φ² + 20φ − 1)ε + 2φ(φ − 1)³ = 0. For each φ the table gives the closed form, an independent numerical ε_c (Brent's method on the lower edge of the support), their difference, the prefactor α₀ of the 3/2 law α ≈ α₀(ε − ε_c)^{3/2}, and the index α(2ε_c, φ). With --monte-carlo the index at 2ε_c is also sampled.

        Examples:
          freespec critical-energy --phi 0.1:0.9:0.1
          freespec critical-energy --phi 0.05:1.5:0.05 --plot epsilon-c.svg
          freespec critical-energy --phi 0.2:0.8:0.2 --monte-carlo --samples 8
          freespec critical-energy --phi 0.5 --format json
        """)

    @Option(parsing: .unconditional, help: "φ grid LO:HI:STEP (linear; 0 < LO ≤ HI, STEP > 0, at most 2000 points), or a single φ.")
    var phi: String

    @Option(help: "Output: table, json or csv.")
    var format: OutputFormat = .table

    @Option(help: "Write an SVG plot of ε_c against φ to this file (.svg).")
    var plot: String?

    @OptionGroup var monteCarlo: HessianMonteCarloOptions

    /// The φ grid; throws a ValidationError for anything malformed.
    static func grid(_ spec: String) throws -> [Double] {
        let usage = "--phi must be LO:HI:STEP with 0 < LO ≤ HI ≤ 1e6 and STEP > 0 (a linear grid of at most 2000 points), or one φ in (0, 1e6], got '\(spec)'"
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 1 || parts.count == 3, let v = try? parts.map(PlainNumber.decimal) else { throw ValidationError(usage) }
        if v.count == 1 {
            try validateHessianPhi(v[0])
            return v
        }
        guard v[0] > 0, v[1] >= v[0], v[2] > 0 else { throw ValidationError(usage) }
        try validateHessianPhi(v[1])
        let steps = ((v[1] - v[0]) / v[2] + 1e-9).rounded(.down)
        guard steps < 2000 else { throw ValidationError("--phi \(spec) has \(steps < 1e15 ? String(Int(steps) + 1) : formatNumber(steps)) points; at most 2000 (raise STEP)") }
        let count = Int(steps) + 1
        // Rounded to 12 significant digits so that 0.1 + 2·0.05 prints as 0.2, not 0.20000000000000001.
        return (0..<count).map { Double(String(format: "%.12g", v[0] + Double($0) * v[2]))! }
    }

    var monteCarloRun: (sampling: MonteCarloSampling, budget: MonteCarloBudget)? {
        monteCarlo.run(phis: (try? Self.grid(phi)) ?? [])
    }

    func validate() throws {
        guard ValueChecks.enabled else { return }
        let grid = try Self.grid(phi)
        if monteCarlo.monteCarloEnabled { for p in grid { try monteCarlo.checkDataPoints(phi: p) } }
        if let path = plot { try validateOutputPath(path, option: "--plot", extensions: ["svg"], writes: "SVG") }
        try checkBudget()
    }

    struct Row: Encodable {
        var row: CriticalEnergyRow
        var monteCarloIndexAt2EpsilonC: Double?
        var monteCarloIndexStdErr: Double?

        func encode(to encoder: Encoder) throws {
            try row.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(monteCarloIndexAt2EpsilonC, forKey: .monteCarloIndexAt2EpsilonC)
            try container.encodeIfPresent(monteCarloIndexStdErr, forKey: .monteCarloIndexAt2EpsilonCStdErr)
        }
        private enum Key: String, CodingKey { case monteCarloIndexAt2EpsilonC, monteCarloIndexAt2EpsilonCStdErr }
    }

    struct Output: Encodable { var rows: [Row] }

    func run() throws {
        let grid = try Self.grid(phi)
        var current = grid.first ?? 0
        try reportingErrors(ErrorContext.commandLine.at("at φ = \(current)")) {
            var rows: [Row] = []
            for p in grid {
                current = p
                var row = Row(row: try LossHessian.criticalEnergyRow(phi: p))
                if monteCarlo.monteCarloEnabled {
                    let s = try HessianSampler.sample(phi: p, epsilon: 2 * row.row.epsilonC, size: monteCarlo.size,
                                                      samples: monteCarlo.samples, seed: monteCarlo.seed)
                    row.monteCarloIndexAt2EpsilonC = s.index.value
                    row.monteCarloIndexStdErr = s.index.standardError
                }
                rows.append(row)
            }
            let output: String
            switch format {
            case .json: output = try encodeJSON(Output(rows: rows))
            case .csv: output = csv(rows)
            case .table: output = table(rows)
            }
            if let path = plot { try writeText(try svg(rows), to: path) }
            print(output)
        }
    }

    func table(_ rows: [Row]) -> String {
        let withMC = rows.contains { $0.monteCarloIndexAt2EpsilonC != nil }
        var header = ["φ", "ε_c (closed form)", "ε_c (numeric)", "difference", "α₀(φ)", "α(2ε_c)"]
        if withMC { header.append("MC α(2ε_c) ± s.e.") }
        let body = rows.map { r -> [String] in
            let c = r.row
            var cells = [formatNumber(c.phi), formatNumber(c.epsilonC), formatNumber(c.epsilonCNumeric),
                         String(format: "%.2e", c.difference), c.alpha0.map { formatNumber($0) } ?? "-", formatNumber(c.indexAt2EpsilonC)]
            if withMC {
                cells.append(r.monteCarloIndexAt2EpsilonC.map { "\(formatNumber($0)) ± \(formatNumber(r.monteCarloIndexStdErr ?? .nan))" } ?? "-")
            }
            return cells
        }
        var lines = [renderTable(header, body)]
        if rows.contains(where: { $0.row.phi >= 1 }) {
            lines.append("φ ≥ 1: ε_c = 0 (every ε > 0 has negative eigenvalues) and α₀ is undefined (-).")
        }
        if withMC {
            lines.append("MC: n = \(monteCarlo.size), m = round(n/φ), \(monteCarlo.samples) samples, seed \(monteCarlo.seed); sampled at ε = 2ε_c(φ) of the requested φ.")
        }
        return lines.joined(separator: "\n")
    }

    func csv(_ rows: [Row]) -> String {
        var lines = ["phi,epsilon_c,epsilon_c_numeric,difference,alpha0,index_at_2epsilon_c,mc_index_at_2epsilon_c,mc_index_stderr"]
        for r in rows {
            let c = r.row
            lines.append([c.phi, c.epsilonC, c.epsilonCNumeric, c.difference].map { "\($0)" }.joined(separator: ",")
                         + ",\(c.alpha0.map { "\($0)" } ?? ""),\(c.indexAt2EpsilonC),"
                         + "\(r.monteCarloIndexAt2EpsilonC.map { "\($0)" } ?? ""),\(r.monteCarloIndexStdErr.map { "\($0)" } ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    /// ε_c(φ): the closed form as a smooth curve over the grid's range, and the numeric ε_c at
    /// the grid points drawn as small crosses (a curve broken by NaN after each cross).
    func svg(_ rows: [Row]) throws -> String {
        var plot = SVGPlot(title: "Critical energy ε_c(φ) of the loss Hessian", xLabel: "φ = n/m", yLabel: "ε_c(φ)")
        let lo = rows.first?.row.phi ?? 0.01, hi = rows.last?.row.phi ?? 1
        let fine = lo == hi ? [lo] : (0...400).map { lo + (hi - lo) * Double($0) / 400 }
        let closed = try fine.map { try LossHessian.criticalEnergy(phi: $0) }
        plot.curves.append(.init(label: "closed form", x: fine, y: closed))
        let yMax = max(closed.max() ?? 0, rows.map(\.row.epsilonCNumeric).max() ?? 0, 1e-12)
        let dx = 0.008 * max(hi - lo, 0.01), dy = 0.02 * yMax
        var xs: [Double] = [], ys: [Double] = []
        for r in rows {
            let x = r.row.phi, y = r.row.epsilonCNumeric
            xs += [x - dx, x + dx, .nan, x, x, .nan]
            ys += [y, y, .nan, max(0, y - dy), y + dy, .nan]
        }
        plot.curves.append(.init(label: "numeric (root finding)", x: xs, y: ys))
        return plot.render()
    }
}
