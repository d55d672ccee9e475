import ArgumentParser
import FreeSpectra
import FreeSpectraPlot
import Foundation

struct ImplicitBiasCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "implicit-bias",
        abstract: "What gradient flow on a diagonal linear network learns from its initialisation scale α (kernel vs rich regime).",
        discussion: """
        The network f(w, x) = ⟨w₊^D − w₋^D, x⟩ starts at w₊ = w₋ = α·w₀ and is trained on ½‖Xβ − y‖² to zero loss. Woodworth et al. (COLT 2020) show the limit is β_Q = argmin Q_α(β) s.t. Xβ = y, which moves from the minimum-ℓ2 interpolant (α → ∞, kernel regime) to the minimum-ℓ1 one (α → 0, rich regime).

        For each α and depth D the command trains (the gradient flow in its exact N-dimensional reduced form, by GSL's BDF integrator; or the flow on the weights; or gradient descent with step η), solves the implicit-bias problem exactly through its dual (Newton), and reports ‖β_flow − β_Q‖/‖β_Q‖, ‖β‖₁, ‖β‖₂, the distances to the min-ℓ1 (GLPK linear program) and min-ℓ2 (LAPACK pseudo-inverse) interpolants, the test error ‖β − β*‖² (generated data), the flow time and the training loss. Theorem 2's thresholds on α (D = 2, w₀ = 1) are printed below the table. Derivation: Docs/theory-implicit-bias.md.

        Examples:
          freespec implicit-bias --generate sparse --d 100 --n 40 --sparsity 5 --seed 1
          freespec implicit-bias --x X.npy --y y.npy --alpha log:1e-3:1e2:11 --depth 2,3
          freespec implicit-bias --generate sparse --alpha log:1e-3:1e2:16 --depth 2,3,4 --plot l1.svg --plot-test-error test.svg
          freespec implicit-bias --generate sparse --d 50 --n 20 --alpha 0.1 --method gd --gd-step 1e-4
        """)

    @Option(help: "Design matrix X (N × d), .npy or .csv (one sample per row).")
    var x: String?

    @Option(help: "Targets y (N values), .npy or .csv.")
    var y: String?

    @Option(help: "Generate the data instead of reading it: 'sparse' (x ~ N(0, I_d), β* with r entries ±1/√r, y = Xβ* + noise).")
    var generate: String?

    @Option(help: "Generated data: dimension d.")
    var d: Int = 100

    @Option(help: "Generated data: number of samples N (N < d).")
    var n: Int = 40

    @Option(help: "Generated data: number r of non-zero entries of β*.")
    var sparsity: Int = 5

    @Option(help: "Generated data: standard deviation σ of the Gaussian noise added to y.", transform: decimalOption)
    var noise: Double = 0

    @Option(help: "Generated data: random seed.")
    var seed: UInt64 = 1

    @Option(help: "Initialisation scales: a list 'a,b,c' or log:LO:HI:COUNT (log-spaced, 0 < LO ≤ HI, COUNT ≤ 200).")
    var alpha: String = "log:1e-3:1e2:6"

    @Option(help: "Depths D ≥ 2, comma-separated (default 2).", transform: CommaList<Int>.wholes)
    var depth: CommaList<Int>?

    /// The depths asked for, 2 by default.
    var depths: [Int] { depth?.values ?? [2] }

    @Option(help: "Initialisation shape w₀ (d positive values, .npy or .csv); default all ones.")
    var w0: String?

    @Option(help: "How β is learned: 'flow' (reduced gradient flow), 'weights' (gradient flow on the 2d weights), 'gd' (gradient descent, needs --gd-step).")
    var method: String = "flow"

    @Option(help: "Gradient-descent step η (with --method gd).", transform: decimalOption)
    var gdStep: Double?

    @Option(help: "Training stops when ‖Xβ − y‖ ≤ TOLERANCE·‖y‖ (0 < TOLERANCE < 1).", transform: decimalOption)
    var tolerance: Double = 1e-12

    @Option(help: "ε of Theorem 2's (1 + ε) thresholds on α.", transform: decimalOption)
    var epsilon: Double = 0.1

    @Option(help: "Output: table, json or csv.")
    var format: OutputFormat = .table

    @Option(help: "Write an SVG of ‖β‖₁ against α (log axis), one curve per depth, with the ℓ1 norms of the min-ℓ1 and min-ℓ2 interpolants drawn as levels.")
    var plot: String?

    @Option(help: "Write an SVG of the test error ‖β − β*‖² against α (generated data only), with the levels of the min-ℓ1 and min-ℓ2 interpolants.")
    var plotTestError: String?

    /// The α values of `spec`; throws a ValidationError for anything malformed.
    static func alphas(_ spec: String) throws -> [Double] {
        let usage = "--alpha must be a list of positive numbers or log:LO:HI:COUNT with 0 < LO ≤ HI and 1 ≤ COUNT ≤ 200, got '\(spec)'"
        if spec.hasPrefix("log:") {
            let parts = spec.dropFirst(4).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[1]), let count = Int(parts[2]),
                  lo.isFinite, hi.isFinite, lo > 0, hi >= lo, (1...200).contains(count) else { throw ValidationError(usage) }
            if count == 1 { return [lo] }
            return (0..<count).map { Double(String(format: "%.12g", lo * pow(hi / lo, Double($0) / Double(count - 1))))! }
        }
        let values = spec.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.count <= 200, values.allSatisfy({ $0 != nil && $0!.isFinite && $0! > 0 }) else {
            throw ValidationError(usage + " (α must be > 0)")
        }
        return values.map { $0! }
    }

    func validate() throws {
        _ = try Self.alphas(alpha)
        guard depths.allSatisfy({ (2...64).contains($0) }) else {
            throw ValidationError("--depth: every D must satisfy 2 ≤ D ≤ 64 (D = 1 is plain linear regression, with no implicit bias), got \(depths.map(String.init).joined(separator: ","))")
        }
        switch (x, y, generate) {
        case (nil, nil, nil): throw ValidationError("give the data: --x X --y Y, or --generate sparse")
        case (.some, .some, nil): break
        case (nil, nil, .some(let g)):
            guard g == "sparse" else { throw ValidationError("--generate: unknown generator '\(g)'; the one available is 'sparse'") }
            guard d >= 1, n >= 1 else { throw ValidationError("--d and --n must be positive, got d = \(d), N = \(n)") }
            guard (1...d).contains(sparsity) else { throw ValidationError("--sparsity must be between 1 and d = \(d), got \(sparsity)") }
            guard noise.isFinite, noise >= 0 else { throw ValidationError("--noise must be finite and ≥ 0, got \(noise)") }
        case (.some, nil, _), (nil, .some, _): throw ValidationError("--x and --y go together")
        default: throw ValidationError("give either --x/--y or --generate, not both")
        }
        guard ["flow", "weights", "gd"].contains(method) else { throw ValidationError("--method must be flow, weights or gd, got '\(method)'") }
        if method == "gd" {
            guard let eta = gdStep, eta.isFinite, eta > 0 else { throw ValidationError("--method gd needs --gd-step η > 0") }
        } else if gdStep != nil {
            throw ValidationError("--gd-step applies only with --method gd")
        }
        guard tolerance.isFinite, tolerance > 0, tolerance < 1 else { throw ValidationError("--tolerance must be in (0, 1), got \(tolerance)") }
        guard epsilon.isFinite, epsilon > 0 else { throw ValidationError("--epsilon must be positive, got \(epsilon)") }
        if let path = plot { try validateOutputPath(path, option: "--plot") }
        if let path = plotTestError {
            guard generate != nil else { throw ValidationError("--plot-test-error needs generated data (--generate), where β* is known") }
            try validateOutputPath(path, option: "--plot-test-error")
        }
    }

    func loadData() throws -> RegressionData {
        if let xPath = x, let yPath = y {
            let design = try MatrixFile.read(xPath)
            let targets = try MatrixFile.read(yPath)
            guard targets.rows == 1 || targets.columns == 1 else {
                throw NumericalError.invalidArgument("\(yPath): y must be a vector, got \(targets.rows)×\(targets.columns)")
            }
            return try RegressionData(design: try design.matrix, targets: targets.values)
        }
        return try RegressionData.sparse(dimension: d, samples: n, sparsity: sparsity, noise: noise, seed: seed)
    }

    struct DataSummary: Encodable {
        var samples: Int, dimension: Int, generated: Bool
        var minimumL1Norm: Double, minimumL2Norm: Double
        var minimumL1: [Double], minimumL2: [Double], truth: [Double]?
    }
    struct Output: Encodable { var data: DataSummary; var method: String; var tolerance: Double; var rows: [ImplicitBiasRow] }

    func run() throws {
        let alphas = try Self.alphas(alpha)
        var at = ""
        do {
            let data = try loadData()
            let shape: [Double]? = try w0.map { path in
                let f = try MatrixFile.read(path)
                guard f.values.count == data.dimension else {
                    throw NumericalError.invalidArgument("\(path): w₀ has \(f.values.count) values but X has d = \(data.dimension) columns")
                }
                return f.values
            }
            let problem = try ImplicitBiasProblem(data: data)
            let m: ImplicitBiasProblem.Method = method == "gd" ? .gradientDescent(step: gdStep!) : (method == "weights" ? .weightFlow : .reducedFlow)
            var rows: [ImplicitBiasRow] = []
            for dd in depths {
                for a in alphas {
                    at = " (at α = \(a), D = \(dd))"
                    rows.append(try problem.row(alpha: a, depth: dd, shape: shape, method: m, tolerance: tolerance, epsilon: epsilon))
                }
            }
            let summary = DataSummary(samples: data.samples, dimension: data.dimension, generated: data.truth != nil,
                                      minimumL1Norm: problem.minimumL1.map(abs).reduce(0, +), minimumL2Norm: problem.minimumL2.map { $0 * $0 }.reduce(0, +).squareRoot(),
                                      minimumL1: problem.minimumL1, minimumL2: problem.minimumL2, truth: data.truth)
            switch format {
            case .json: print(try encodeJSON(Output(data: summary, method: method, tolerance: tolerance, rows: rows)))
            case .csv: print(csv(rows))
            case .table: print(table(rows, summary))
            }
            if let path = plot { try writeText(normPlot(rows, problem), to: path) }
            if let path = plotTestError, let truth = data.truth { try writeText(testErrorPlot(rows, problem, truth), to: path) }
        } catch let error as CocoaError {
            FileHandle.standardError.write(Data("freespec: error: \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        } catch let error as NumericalError {
            let advice: String
            switch error {
            case .invalidArgument(let m), .noSolution(let m): advice = "\(m)."
            case .didNotConverge(let m): advice = "\(m). Try a larger --tolerance, or a smaller --gd-step for gradient descent."
            case .library(let m): advice = "\(m). Please report the command."
            }
            FileHandle.standardError.write(Data("freespec: error: freespec implicit-bias\(at): no answer: \(advice)\n".utf8))
            throw ExitCode(2)
        }
    }

    func table(_ rows: [ImplicitBiasRow], _ s: DataSummary) -> String {
        let header = ["α", "D", "‖β−β_Q‖/‖β_Q‖", "‖β‖₁", "‖β‖₂", "to min-ℓ1", "to min-ℓ2", "test error", "time", "steps", "loss"]
        let body = rows.map { r in
            [formatNumber(r.alpha), "\(r.depth)", r.flowVsImplicit < 1e-10 ? "<1e-10" : String(format: "%.1e", r.flowVsImplicit), formatNumber(r.l1Norm), formatNumber(r.l2Norm),
             formatNumber(r.distanceToMinL1), formatNumber(r.distanceToMinL2), r.testError.map { formatNumber($0) } ?? "-",
             formatNumber(r.flowTime), "\(r.flowSteps)", r.trainingLoss < 1e-20 ? "<1e-20" : String(format: "%.1e", r.trainingLoss)]
        }
        var lines = [renderTable(header, body)]
        lines.append("data: N = \(s.samples), d = \(s.dimension)\(s.generated ? " (generated: sparse, r = \(sparsity), σ = \(noise), seed \(seed))" : ""); min-ℓ1 ‖β‖₁ = \(formatNumber(s.minimumL1Norm)), min-ℓ2 ‖β‖₂ = \(formatNumber(s.minimumL2Norm)); β by \(method == "gd" ? "gradient descent, η = \(gdStep!)" : (method == "weights" ? "gradient flow on the weights" : "reduced gradient flow")), stopped at ‖Xβ − y‖ ≤ \(tolerance)·‖y‖")
        if let r = rows.first(where: { $0.richAlphaThreshold != nil || $0.kernelAlphaThreshold != nil }) {
            lines.append("Theorem 2 (D = 2, w₀ = 1, ε = \(epsilon)): α ≤ \(r.richAlphaThreshold.map { formatNumber($0) } ?? "-") guarantees ‖β‖₁ ≤ (1 + ε)‖β_ℓ1‖₁; α ≥ \(r.kernelAlphaThreshold.map { formatNumber($0) } ?? "-") guarantees ‖β‖₂² ≤ (1 + ε)‖β_ℓ2‖₂²")
        }
        return lines.joined(separator: "\n")
    }

    func csv(_ rows: [ImplicitBiasRow]) -> String {
        var lines = ["alpha,depth,flow_vs_implicit,l1_norm,l2_norm,distance_to_min_l1,distance_to_min_l2,test_error,flow_time,flow_steps,training_loss,dual_residual,l1_ratio,l2_squared_ratio,theorem_l1_epsilon,theorem_l2_epsilon"]
        for r in rows {
            func o(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
            lines.append("\(r.alpha),\(r.depth),\(r.flowVsImplicit),\(r.l1Norm),\(r.l2Norm),\(r.distanceToMinL1),\(r.distanceToMinL2),\(o(r.testError)),\(r.flowTime),\(r.flowSteps),\(r.trainingLoss),\(r.dualResidual),\(r.l1Ratio),\(r.l2SquaredRatio),\(o(r.theoremL1Epsilon)),\(o(r.theoremL2Epsilon))")
        }
        return lines.joined(separator: "\n")
    }

    /// A log-x plot of one quantity per depth, with horizontal dashed levels.
    func sweepPlot(_ rows: [ImplicitBiasRow], title: String, yLabel: String, value: (ImplicitBiasRow) -> Double,
                   levels: [(String, Double)], logY: Bool) -> String {
        var plot = SVGPlot(title: title, x: PlotAxis(label: "initialisation scale α", scale: .log),
                           y: PlotAxis(label: yLabel, scale: logY ? .log : .linear))
        let alphas = rows.map(\.alpha)
        guard let lo = alphas.min(), let hi = alphas.max() else { return plot.render() }
        for (k, dd) in depths.enumerated() {
            let r = rows.filter { $0.depth == dd }
            plot.curves.append(.init(label: "D = \(dd)", x: r.map(\.alpha), y: r.map(value), colourIndex: k))
            plot.points.append(.init(label: "", x: r.map(\.alpha), y: r.map(value), colourIndex: k))
        }
        for (k, level) in levels.enumerated() {
            plot.curves.append(.init(label: level.0, x: [lo, hi], y: [level.1, level.1], colourIndex: depths.count + k, dashed: true))
        }
        return plot.render()
    }

    func normPlot(_ rows: [ImplicitBiasRow], _ problem: ImplicitBiasProblem) -> String {
        sweepPlot(rows, title: "Kernel and rich regimes: ‖β‖₁ of gradient flow's limit", yLabel: "‖β‖₁",
                  value: \.l1Norm,
                  levels: [("min-ℓ1 interpolant", problem.minimumL1.map(abs).reduce(0, +)),
                           ("min-ℓ2 interpolant (its ℓ1 norm)", problem.minimumL2.map(abs).reduce(0, +))], logY: false)
    }

    func testErrorPlot(_ rows: [ImplicitBiasRow], _ problem: ImplicitBiasProblem, _ truth: [Double]) -> String {
        func error(_ b: [Double]) -> Double { zip(b, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
        let floor = 1e-16 * max(truth.map { $0 * $0 }.reduce(0, +), 1e-300)
        return sweepPlot(rows, title: "Test error ‖β − β*‖² against the initialisation scale", yLabel: "‖β − β*‖²",
                         value: { max($0.testError ?? .nan, floor) },
                         levels: [("min-ℓ1 interpolant", max(error(problem.minimumL1), floor)), ("min-ℓ2 interpolant", max(error(problem.minimumL2), floor))], logY: true)
    }
}
