import ArgumentParser
import FreeSpectra
import Foundation

/// The synthetic matrices of `--synthetic`.
enum SyntheticKind: String, CaseInsensitiveArgument {
    case gaussian, spiked, pareto
}

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Spectra of trained weight matrices: ESD, Marchenko–Pastur bulk, spikes, power-law tail, phase per layer.",
        discussion: """
        Reads .safetensors (F16, BF16, F32, F64), .npy, .npz, .csv or a directory of them. Every floating-point tensor of rank ≥ 2 with both sides ≥ 2 is a layer (1-D and integer tensors are skipped and counted); a matrix is oriented N × M with N ≥ M, a kernel (out, in, k…) is one out × in matrix per kernel position with their eigenvalues pooled. Per layer:

            ESD: eigenvalues of X = WᵀW/N (LAPACK dsyevd); α does not depend on 1/N, the norms do.
            MP bulk: σ² = mean of the bulk, spikes removed iteratively; λ± = σ²(1 ± √(M/N))².
            spikes: λ > λ₊ + s·σ_TW, σ_TW = σ²(√N + √M)(1/√N + 1/√M)^{1/3}/N (Johnstone), s = 2.0234 (TW₁ 99 %);
                    strength θ from λ = σ²(1 + t²)(M/N + t²)/t², t = θ/σ (Benaych-Georges–Nadakuditi).
            tail: p(λ) ∝ λ^{−α} for λ ≥ x_min, α = 1 + n/Σ ln(λ/x_min) ± (α − 1)/√n, x_min by the two-sided
                  KS distance over the data points with at least --min-tail points (Clauset–Shalizi–Newman);
                  p-value by the semi-parametric bootstrap with x_min re-estimated per replicate (--bootstrap, --seed).
            α̂ = α log₁₀ λ_max; traps: eigenvalues of the randomly permuted matrix above its own spike threshold.
            phase: rank-collapse (rank loss ≥ 10 % of M), else if the bulk is not MP (KS > 1.63/√n): heavy-tailed
                   (α < 4) or bulk-decay, else random-like (no spike), bleeding-out (> 2 % of M and ≥ 4 spikes)
                   or bulk+spikes.

        Examples:
          freespec weights model.safetensors --tensors 'attention.*weight'
          freespec weights checkpoint/ --format json
          freespec weights --eigenvalues hessian-eigenvalues.npy
          freespec weights --synthetic spiked --rows 2000 --cols 500 --spikes 3,1.5 --seed 1 --save W.npy
        """)

    @Argument(help: "Files (.safetensors, .npy, .npz, .csv) or directories of them.")
    var paths: [String] = []

    @Option(help: "Analyse only the tensors whose name matches this regular expression (anywhere in the name).")
    var tensors: String?

    @Option(help: "Fit a 1-D array of eigenvalues (any spectrum) instead of weight matrices; --rows/--cols give its N × M for the MP ratio (default N = M).")
    var eigenvalues: String?

    @Option(help: "Analyse a synthetic matrix: gaussian (N(0, 1) entries), spiked (gaussian + √N Σ θᵢuᵢvᵢᵀ) or pareto (±U^{−1/μ} entries).")
    var synthetic: SyntheticKind?

    @Option(parsing: .unconditional, help: "Rows N of the synthetic matrix (1 to 20000); with --eigenvalues the N of the MP ratio")
    var rows: Int?

    @Option(parsing: .unconditional, help: "Columns M of the synthetic matrix (1 to 20000); with --eigenvalues the M of the MP ratio")
    var cols: Int?

    @Option(help: "Spike strengths θ₁,θ₂,… of --synthetic spiked (comma-separated, ≥ 0; an outlier for θ > (M/N)^{1/4}).", transform: CommaList<Double>.decimals)
    var spikes: CommaList<Double>?

    @Option(parsing: .unconditional, help: "Tail exponent μ > 0 of --synthetic pareto entries (the ESD's α = 1 + μ/2 for μ < 2).", transform: decimalOption)
    var mu: Double = 1

    @Option(parsing: .unconditional, help: "Seed of the synthetic matrix, the bootstrap and the permutation of the trap test.")
    var seed: UInt64 = 1

    @Option(help: "Write the synthetic matrix to this .npy file (f8, C order).")
    var save: String?

    @Option(parsing: .unconditional, help: "Bootstrap replicates of the power-law p-value (0 to 100000; 0: no p-value).")
    var bootstrap: Int = 100

    @Option(name: .customLong("min-tail"), parsing: .unconditional, help: "Minimum number of eigenvalues in the power-law tail (2 to 100000).")
    var minTail: Int = PowerLawFit.defaultMinimumTail

    @Option(name: .customLong("tw-quantile"), parsing: .unconditional, help: "s: spikes lie above λ₊ + s·σ_TW (≥ 0; 2.0234 is TW₁'s 99 % quantile).", transform: decimalOption)
    var twQuantile: Double = MarchenkoPasturBulkFit.defaultQuantile

    @Option(help: "Output: table, json or csv (csv: one row per layer).")
    var format: OutputFormat = .table

    func validate() throws {
        let sources = (paths.isEmpty ? 0 : 1) + (eigenvalues == nil ? 0 : 1) + (synthetic == nil ? 0 : 1)
        guard sources == 1 else {
            throw ValidationError("give exactly one input: weight files (PATH…), --eigenvalues PATH or --synthetic KIND")
        }
        if let t = tensors {
            guard (try? Regex(t)) != nil else { throw ValidationError("--tensors '\(t)' is not a valid regular expression") }
            guard !paths.isEmpty else { throw ValidationError("--tensors selects tensors of weight files (PATH…)") }
        }
        if synthetic != nil || rows != nil || cols != nil {
            if synthetic != nil, rows == nil || cols == nil { throw ValidationError("--synthetic needs --rows and --cols") }
            if paths.count > 0 { throw ValidationError("--rows/--cols apply to --synthetic and --eigenvalues only") }
            for (name, v) in [("--rows", rows), ("--cols", cols)] {
                if let v, !(1...20_000).contains(v) { throw ValidationError("\(name) must be between 1 and 20000, got \(v)") }
            }
            if eigenvalues != nil, (rows == nil) != (cols == nil) { throw ValidationError("--eigenvalues takes both --rows and --cols or neither") }
        }
        if spikes != nil && synthetic != .spiked { throw ValidationError("--spikes applies to --synthetic spiked only") }
        if let s = spikes?.values, let bad = s.first(where: { !($0.isFinite && $0 >= 0) }) {
            throw ValidationError("--spikes must be finite and ≥ 0, got \(bad)")
        }
        guard mu.isFinite && mu > 0 else { throw ValidationError("--mu must be finite and > 0, got \(mu)") }
        if let s = save {
            guard synthetic != nil else { throw ValidationError("--save writes the --synthetic matrix; give --synthetic") }
            guard s.hasSuffix(".npy") else { throw ValidationError("--save \(s): the file name must end in .npy") }
            try validateOutputPath(s, option: "--save")
        }
        guard (0...100_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be between 0 and 100000, got \(bootstrap)") }
        guard (2...100_000).contains(minTail) else { throw ValidationError("--min-tail must be between 2 and 100000, got \(minTail)") }
        guard twQuantile.isFinite && twQuantile >= 0 else { throw ValidationError("--tw-quantile must be finite and ≥ 0, got \(twQuantile)") }
    }

    struct Output: Encodable {
        let layers: [WeightLayerReport]
        let summary: WeightModelSummary
    }

    func run() throws {
        try reportingErrors {
            let options = WeightAnalysisOptions(minimumTail: minTail, bootstrapReplicates: bootstrap, seed: seed, tracyWidomQuantile: twQuantile)
            var reports: [WeightLayerReport] = []
            var skipped = 0
            var saved: (path: String, data: Data)? = nil
            if let kind = synthetic, let n = rows, let m = cols {
                let w: NumericArray
                switch kind {
                case .gaussian: w = try SyntheticWeights.gaussian(rows: n, columns: m, seed: seed)
                case .spiked: w = try SyntheticWeights.spiked(rows: n, columns: m, strengths: spikes?.values ?? [], seed: seed)
                case .pareto: w = try SyntheticWeights.pareto(rows: n, columns: m, mu: mu, seed: seed)
                }
                reports.append(try WeightLayerReport(array: w, options: options))
                if let path = save { saved = (path, try NpyFormat.encode(w.values, shape: w.shape, file: path)) }
            } else if let path = eigenvalues {
                let arrays = try ArrayFiles.read(path: path)
                guard arrays.count == 1, let a = arrays.first else {
                    throw ArrayFileError(file: path, reason: "--eigenvalues needs a file with one array, found \(arrays.count)")
                }
                guard a.rank == 1, a.count >= 2 else {
                    throw ArrayFileError(file: path, tensor: a.name, reason: "--eigenvalues needs a 1-D array of at least 2 values, got shape \(a.shape)")
                }
                try a.requireFinite()
                let esd = EmpiricalSpectralDensity(eigenvalues: a.values, rows: rows ?? a.count, columns: cols ?? a.count)
                reports.append(try WeightLayerReport(name: a.name, file: path, shape: a.shape, esd: esd, traps: nil, options: options))
            } else {
                let pattern = try tensors.map { try Regex($0) }
                for path in paths {
                    let arrays = try ArrayFiles.read(path: path, selecting: { name in pattern.map { name.contains($0) } ?? true })
                    for a in arrays {
                        if !WeightLayerReport.isLayer(a) { skipped += 1; continue }
                        reports.append(try WeightLayerReport(array: a, options: options))
                    }
                }
                guard !reports.isEmpty else {
                    throw ArrayFileError(file: paths.joined(separator: ", "),
                                         reason: "no weight matrix (floating point, rank ≥ 2, both sides ≥ 2)\(tensors.map { " matches --tensors '\($0)'" } ?? "") (\(skipped) other tensor\(skipped == 1 ? "" : "s") skipped)")
                }
            }
            let summary = WeightModelSummary(layers: reports, skipped: skipped)
            // Everything is computed before anything is written: a failure leaves no partial output.
            if let s = saved { try s.data.write(to: URL(fileURLWithPath: s.path), options: .atomic) }
            switch format {
            case .json: print(try encodeJSON(Output(layers: reports, summary: summary)))
            case .csv: print(csv(reports))
            case .table: print(table(reports, summary))
            }
        }
    }

    static func optional(_ x: Double?) -> String { x.map { formatNumber($0) } ?? "-" }

    func table(_ reports: [WeightLayerReport], _ summary: WeightModelSummary) -> String {
        let header = ["layer", "N×M", "λmax", "σ²(MP)", "λ₊", "spikes", "α", "±", "xmin", "nTail", "D", "p", "α̂", "stable rank", "traps", "phase"]
        let rows = reports.map { r -> [String] in
            [r.name, "\(r.rows)×\(r.columns)\(r.matrices > 1 ? "×\(r.matrices)" : "")", formatNumber(r.lambdaMax), formatNumber(r.mpSigma2),
             formatNumber(r.mpUpperEdge), "\(r.numSpikes)", Self.optional(r.alpha), Self.optional(r.alphaStdErr), Self.optional(r.xmin),
             r.nTail.map(String.init) ?? "-", Self.optional(r.ksDistance), Self.optional(r.pValue), Self.optional(r.alphaHat),
             formatNumber(r.stableRank), r.numTraps.map(String.init) ?? "-", r.phase.rawValue]
        }
        var lines = [renderTable(header, rows)]
        let phases = summary.phases.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        lines.append("\(summary.layers) layer\(summary.layers == 1 ? "" : "s")\(summary.skippedTensors > 0 ? " (\(summary.skippedTensors) tensors skipped: 1-D, integer, or a side < 2)" : ""): mean α \(Self.optional(summary.meanAlpha)), mean α̂ \(Self.optional(summary.meanAlphaHat)); phases: \(phases)")
        for r in reports where !r.spikes.isEmpty {
            lines.append("spikes of \(r.name) (λ: strength θ): " + r.spikes.prefix(8).map { "\(formatNumber($0.location)): \(formatNumber($0.strength))" }.joined(separator: ", ") + (r.spikes.count > 8 ? ", …" : ""))
        }
        lines += summary.warnings.map { "warning: \($0)" }
        lines.append("ESD of X = WᵀW/N (N ≥ M); spikes above λ₊ + \(formatNumber(twQuantile))·σ_TW; tail fit with ≥ \(minTail) points, p from \(bootstrap) bootstrap replicates (seed \(seed)).")
        return lines.joined(separator: "\n")
    }

    func csv(_ reports: [WeightLayerReport]) -> String {
        let header = "name,rows,columns,matrices,lambdaMax,mpSigma2,mpUpperEdge,numSpikes,alpha,alphaStdErr,xmin,xmax,nTail,ksDistance,pValue,alphaHat,stableRank,logNorm,logSpectralNorm,entropy,rank,numTraps,phase"
        func f(_ x: Double?) -> String { x.map { "\($0)" } ?? "" }
        return ([header] + reports.map { r in
            ["\"\(r.name.replacingOccurrences(of: "\"", with: "\"\""))\"", "\(r.rows)", "\(r.columns)", "\(r.matrices)", f(r.lambdaMax), f(r.mpSigma2), f(r.mpUpperEdge),
             "\(r.numSpikes)", f(r.alpha), f(r.alphaStdErr), f(r.xmin), f(r.xmax), r.nTail.map(String.init) ?? "", f(r.ksDistance), f(r.pValue),
             f(r.alphaHat), f(r.stableRank), f(r.logNorm), f(r.logSpectralNorm), f(r.entropy), "\(r.rank)", r.numTraps.map(String.init) ?? "", r.phase.rawValue]
                .joined(separator: ",")
        }).joined(separator: "\n")
    }
}
