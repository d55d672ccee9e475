import ArgumentParser
import FreeSpectra
import FreeSpectraPlot
import Foundation

struct SpacingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spacings",
        abstract: "Level statistics of a spectrum: spacings, spacing ratios, number variance and rigidity, against GOE/GUE/GSE/Poisson.",
        discussion: """
        Input: eigenvalues (--eigenvalues FILE, .npy 1-D or one sample per row, or .csv), symmetric matrices (--matrix FILE.npy, (N, N) or (S, N, N); eigenvalues by LAPACK), or a generated ensemble (--ensemble goe|gue|gse|poisson --size N --samples S --seed K; GSE Kramers pairs counted once).

        Zero modes |λ| ≤ T are removed, then --trim of each sample's levels from each edge. The ratio r̃ = min(r, 1/r), r = s_n/s_{n−1}, needs no unfolding; its mean is compared with the large-N values GOE 0.5307, GUE 0.5996, GSE 0.6744, Poisson 2 ln 2 − 1 = 0.3863 (z-scores) and its law with the Atas surmise P(r) ∝ (r + r²)^β/(1 + r + r²)^{1+3β/2}. Spacings are unfolded (a polynomial fit of the pooled counting function, or --unfold-with the exact CDF of a model), rescaled to mean 1, and compared with the Wigner surmises P_β(s) = a_β s^β exp(−b_β s²) and Poisson e^{−s} (KS distance), with the Brody parameter q (0 Poisson, 1 GOE). Σ²(L) and Δ₃(L) are measured on the unfolded levels beside their GOE/GUE/GSE/Poisson values. The verdict is the class whose ⟨r̃⟩ is nearest in standard errors (it fits if |z| ≤ 3). Formulas: Docs/theory-spacings.md.

        Examples:
          freespec spacings --ensemble goe --size 400 --samples 8
          freespec spacings --ensemble gue --size 300 --unfold-with semicircle
          freespec spacings --eigenvalues levels.npy --format json
          freespec spacings --matrix hessian.npy --trim 0.2 --plot spacings.svg
        """)

    @Option(help: "Eigenvalues: .npy (1-D, or 2-D with one sample per row) or .csv (one value per line, or one sample per line).")
    var eigenvalues: String?

    @Option(help: "Symmetric matrix (.npy, shape (N, N) or (S, N, N)); its eigenvalues by LAPACK.")
    var matrix: String?

    @Option(help: "Generate samples of an ensemble: goe, gue, gse or poisson.")
    var ensemble: SymmetryClass?

    @Option(parsing: .unconditional, help: "Matrix size N for --ensemble (3 to 4000).")
    var size: Int = 200

    @Option(parsing: .unconditional, help: "Samples for --ensemble (1 to 10000; samples·size ≤ 4000000).")
    var samples: Int = 4

    @Option(parsing: .unconditional, help: "Random seed for --ensemble.")
    var seed: UInt64 = 1

    @Option(name: .customLong("unfold-with"), help: "Unfold with an exact CDF: semicircle[:VARIANCE[:CENTRE]], marchenko-pastur:RATIO[:VARIANCE] or uniform:LO:HI (default: a polynomial fit).")
    var unfoldWith: String?

    @Option(parsing: .unconditional, help: "Degree of the polynomial fit of the counting function (1 to 30).")
    var degree: Int = Unfolding.defaultDegree

    @Option(parsing: .unconditional, help: "Fraction of each sample's levels cut from each edge (0 to 0.45).", transform: decimalOption)
    var trim: Double = 0.1

    @Option(name: .customLong("zero-threshold"), parsing: .unconditional, help: "Remove eigenvalues with |λ| ≤ T as zero modes (default: T = 1e-12·max|λ| of each sample).", transform: decimalOption)
    var zeroThreshold: Double?

    @Option(parsing: .unconditional, help: "Lengths L for Σ²(L) and Δ₃(L) (comma-separated; default 0.5,1,2,5,10,20 up to a fifth of the unfolded span).", transform: CommaList<Double>.decimals)
    var lengths: CommaList<Double>?

    @Option(help: "Output: table, json or csv (csv: Σ² and Δ₃ against L).")
    var format: OutputFormat = .table

    @Option(help: "Write an SVG of the spacing histogram with the four surmises to this file.")
    var plot: String?

    @Option(name: .customLong("ratio-plot"), help: "Write an SVG of the r̃ histogram with the four ratio laws to this file.")
    var ratioPlot: String?

    func validate() throws {
        let sources = [eigenvalues != nil, matrix != nil, ensemble != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("give exactly one input: --eigenvalues FILE, --matrix FILE or --ensemble NAME (got \(sources))")
        }
        if ensemble != nil {
            guard (3...4000).contains(size) else { throw ValidationError("--size must be between 3 and 4000, got \(size)") }
            guard (1...10_000).contains(samples), samples * size <= 4_000_000 else {
                throw ValidationError("--samples must be between 1 and 10000 with samples·size ≤ 4000000, got \(samples) × \(size)")
            }
        }
        guard (1...30).contains(degree) else { throw ValidationError("--degree must be between 1 and 30, got \(degree)") }
        guard trim.isFinite && trim >= 0 && trim <= 0.45 else { throw ValidationError("--trim must be between 0 and 0.45, got \(trim)") }
        if let t = zeroThreshold, !(t.isFinite && t >= 0) { throw ValidationError("--zero-threshold must be a finite number ≥ 0, got \(t)") }
        if let bad = lengths?.values.first(where: { !($0.isFinite && $0 > 0) }) { throw ValidationError("--lengths must be finite and > 0, got \(bad)") }
        if let spec = unfoldWith { _ = try Self.unfoldingCDF(spec) }
        if let path = plot { try validateOutputPath(path, option: "--plot") }
        if let path = ratioPlot { try validateOutputPath(path, option: "--ratio-plot") }
    }

    /// The exact CDF named by --unfold-with, or a usage error.
    static func unfoldingCDF(_ spec: String) throws -> (name: String, cdf: @Sendable (Double) -> Double) {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespaces) }
        let numbers = parts.dropFirst().map { Double($0) }
        guard numbers.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw ValidationError("--unfold-with \(spec): the parameters after the name must be finite numbers")
        }
        let p = numbers.map { $0! }
        do {
            switch parts[0].lowercased() {
            case "semicircle" where p.count <= 2:
                let law = try Semicircle(center: p.count > 1 ? p[1] : 0, variance: p.first ?? 1)
                return ("the semicircle of variance \(law.variance), centre \(law.center)", { law.cdf($0) })
            case "marchenko-pastur", "mp":
                guard p.count == 1 || p.count == 2 else { break }
                let law = try MarchenkoPastur(ratio: p[0], variance: p.count > 1 ? p[1] : 1)
                return ("Marchenko–Pastur with ratio \(law.ratio), variance \(law.variance)", { law.cdf($0) })
            case "uniform" where p.count == 2:
                let (a, b) = (p[0], p[1])
                guard b > a else { throw ValidationError("--unfold-with \(spec): uniform needs LO < HI") }
                return ("uniform on [\(a), \(b)]", { min(1, max(0, ($0 - a) / (b - a))) })
            default: break
            }
        } catch let NumericalError.invalidArgument(message) {
            throw ValidationError("--unfold-with \(spec): \(message)")
        }
        throw ValidationError("--unfold-with must be semicircle[:VARIANCE[:CENTRE]], marchenko-pastur:RATIO[:VARIANCE] or uniform:LO:HI, got '\(spec)'")
    }

    func run() throws {
        try reportingErrors {
            let input: LevelSamples
            if let path = eigenvalues {
                input = try LevelSamples(EigenvalueFiles.eigenvalueSamples(URL(fileURLWithPath: path)), source: path)
            } else if let path = matrix {
                input = try LevelSamples(EigenvalueFiles.symmetricMatrixEigenvalues(URL(fileURLWithPath: path)), source: path)
            } else {
                let c = ensemble!
                input = try LevelSamples(LevelEnsemble.sample(c, size: size, samples: samples, seed: seed), source: "--ensemble \(c.rawValue)")
            }
            var options = LevelStatisticsOptions(unfolding: .polynomial(degree: degree), trim: trim,
                                                 zeroModes: zeroThreshold.map { .absolute($0) } ?? .relative(1e-12),
                                                 lengths: lengths?.values)
            if let spec = unfoldWith {
                let law = try Self.unfoldingCDF(spec)
                options.unfolding = .cumulativeDistribution(name: law.name, cdf: law.cdf)
            }
            let result = try LevelStatistics(input, options: options)
            switch format {
            case .json: print(try encodeJSON(result))
            case .csv: print(csv(result))
            case .table: print(table(result))
            }
            if let path = plot { try writeText(spacingFigure(result), to: path) }
            if let path = ratioPlot { try writeText(ratioFigure(result), to: path) }
        }
    }

    func table(_ r: LevelStatistics) -> String {
        let classes = SymmetryClass.allCases
        let f4 = { (x: Double) in String(format: "%.4f", x) }
        var lines: [String] = []
        lines.append("levels: \(r.count) in \(r.samples) sample\(r.samples == 1 ? "" : "s"); \(r.removedZeroModes) zero modes removed (\(r.zeroModeRule)); \(r.keptLevels) kept after trimming \(r.trim) of each edge")
        lines.append("unfolding: \(r.unfolding); mean spacing \(formatNumber(r.meanSpacing)) before rescaling to 1")
        lines.append("")
        var rows: [[String]] = [
            ["mean ratio, large N"] + classes.map { f4(r.ratioComparison[$0].largeN) },
            ["mean ratio, 3×3"] + classes.map { f4(r.ratioComparison[$0].surmise3x3) },
            ["z to large N"] + classes.map { String(format: "%.1f", r.ratioComparison[$0].zScore) },
            ["KS ratio law"] + classes.map { f4(r.ksToRatioSurmise[$0]) },
            ["KS spacing law"] + classes.map { f4(r.ksToSurmise[$0]) },
            ["mean s²"] + classes.map { f4(SpacingSurmise($0).secondMoment) },
        ]
        for p in r.rigidity {
            rows.append(["Σ²(\(formatNumber(p.length)))"] + classes.map { f4(p.numberVarianceTheory[$0]) })
        }
        for p in r.rigidity {
            rows.append(["Δ₃(\(formatNumber(p.length)))"] + classes.map { f4(p.rigidityTheory[$0]) })
        }
        let measured: [String] = [
            "\(f4(r.meanRatio)) ± \(f4(r.meanRatioStdErr))", "", "", "", "", f4(r.spacingSecondMoment),
        ] + r.rigidity.map { "\(f4($0.numberVariance.value)) ± \(f4($0.numberVariance.standardError))" }
          + r.rigidity.map { "\(f4($0.rigidity.value)) ± \(f4($0.rigidity.standardError))" }
        for i in rows.indices { rows[i].insert(measured[i], at: 1) }
        lines.append(renderTable(["statistic", "measured"] + classes.map(\.displayName), rows))
        lines.append("")
        lines.append("ratios: \(r.ratios); spacings: \(r.spacings); Brody q = \(String(format: "%.3f", r.brody)) (0 Poisson, 1 GOE); standard error: \(r.standardErrorMethod)")
        lines.append("verdict: \(r.verdict.statement)")
        return lines.joined(separator: "\n")
    }

    func csv(_ r: LevelStatistics) -> String {
        let header = "L,sigma2,sigma2_stderr,sigma2_goe,sigma2_gue,sigma2_gse,sigma2_poisson,delta3,delta3_stderr,delta3_goe,delta3_gue,delta3_gse,delta3_poisson"
        return ([header] + r.rigidity.map { p in
            ([p.length, p.numberVariance.value, p.numberVariance.standardError] + SymmetryClass.allCases.map { p.numberVarianceTheory[$0] }
             + [p.rigidity.value, p.rigidity.standardError] + SymmetryClass.allCases.map { p.rigidityTheory[$0] }).map { "\($0)" }.joined(separator: ",")
        }).joined(separator: "\n")
    }

    static func histogram(_ values: [Double], range: ClosedRange<Double>, bins: Int) -> (edges: [Double], heights: [Double]) {
        let width = (range.upperBound - range.lowerBound) / Double(bins)
        var counts = [Double](repeating: 0, count: bins)
        for v in values where range.contains(v) { counts[min(bins - 1, Int((v - range.lowerBound) / width))] += 1 }
        let n = Double(max(1, values.count))
        return ((0...bins).map { range.lowerBound + Double($0) * width }, counts.map { $0 / (n * width) })
    }

    /// A histogram of `values` on `range` with one curve per class.
    static func figure(title: String, xLabel: String, values: [Double], range: ClosedRange<Double>, maxBins: Int,
                       label: (SymmetryClass) -> String, density: (SymmetryClass, Double) -> Double) -> String {
        var plot = SVGPlot(title: title, xLabel: xLabel, yLabel: "density")
        let h = histogram(values, range: range, bins: max(10, min(maxBins, Int(Double(values.count).squareRoot()))))
        plot.histograms.append(.init(label: "data", edges: h.edges, heights: h.heights))
        let x = (0...400).map { range.lowerBound + Double($0) / 400 * (range.upperBound - range.lowerBound) }
        for c in SymmetryClass.allCases { plot.curves.append(.init(label: label(c), x: x, y: x.map { density(c, $0) })) }
        return plot.render()
    }

    func spacingFigure(_ r: LevelStatistics) -> String {
        Self.figure(title: "Nearest-neighbour spacings (\(r.spacings), unfolded, mean 1)", xLabel: "s", values: r.spacingValues,
                    range: 0...4, maxBins: 60, label: { $0 == .poisson ? "Poisson exp(−s)" : "Wigner \($0.displayName) (β = \($0.beta))" },
                    density: { SpacingSurmise($0).density($1) })
    }

    func ratioFigure(_ r: LevelStatistics) -> String {
        Self.figure(title: "Spacing ratios r̃ = min(r, 1/r) (\(r.ratios))", xLabel: "r̃", values: r.ratioValues,
                    range: 0...1, maxBins: 50, label: { $0 == .poisson ? "Poisson 2/(1 + r̃)²" : "Atas surmise \($0.displayName)" },
                    density: { RatioSurmise($0).density($1) })
    }
}

extension SymmetryClass: CaseInsensitiveArgument {}
