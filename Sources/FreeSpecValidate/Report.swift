import Foundation
import FreeSpectraPlot

/// Writes Docs/validation/REPORT.md: summary, the rules of the verdicts, the case table,
/// the literature sections, and every figure under figures/.
enum Report {
    static func write(outcomes: [CaseOutcome], sections: [ReportSection], to directory: URL,
                      command: String, wallSeconds: Double) throws {
        let figures = directory.appendingPathComponent("figures")
        try FileManager.default.createDirectory(at: figures, withIntermediateDirectories: true)
        for section in sections {
            for f in section.figures {
                try f.plot.render().write(to: figures.appendingPathComponent(f.name), atomically: true, encoding: .utf8)
            }
        }
        var md = "# FreeSpectra validation report\n\n"
        md += "Written by `\(command)` in \(String(format: "%.0f", wallSeconds)) s "
        md += "(\(ProcessInfo.processInfo.activeProcessorCount) cores). Each case ran as a child process "
        md += "`freespec … --format json` with a time limit; a hang or crash is a row, not a stop.\n\n"
        md += summary(outcomes, sections)
        md += rules
        md += "## Cases\n\n" + caseTable(outcomes) + "\n\n"
        for section in sections {
            md += "## \(section.title)\n\n\(section.body)\n\n"
        }
        try md.write(to: directory.appendingPathComponent("REPORT.md"), atomically: true, encoding: .utf8)
    }

    static func summary(_ outcomes: [CaseOutcome], _ sections: [ReportSection]) -> String {
        var md = "## Summary\n\n"
        var rows: [[String]] = []
        for model in [ValidationCase.Model.jacobian, .gram, .hessian] {
            let mine = outcomes.filter { $0.testCase.model == model }
            guard !mine.isEmpty else { continue }
            let count = { (v: CaseOutcome.Verdict) in "\(mine.filter { $0.verdict == v }.count)" }
            rows.append([model.rawValue, "\(mine.count)", count(.agrees), count(.theoryConsistent), count(.disagrees),
                         count(.theoryInconsistent), count(.engineError), count(.timeout), count(.skipped), count(.expectedError)])
        }
        md += ReportSection.table(["model", "cases", "agree", "theory consistent", "disagree", "theory inconsistent",
                                   "engine error", "timeout", "skipped", "expected error"], rows) + "\n\n"
        let failing = outcomes.filter { !$0.verdict.passed && $0.verdict != .skipped }
        md += "Total: \(outcomes.count) cases, \(outcomes.filter(\.verdict.passed).count) passed, \(failing.count) did not, "
        md += "\(outcomes.filter { $0.verdict == .skipped }.count) skipped.\n\n"
        if !failing.isEmpty {
            md += "Cases that did not pass (signals for the engine):\n\n"
            md += failing.map { "- `\($0.testCase.id)`: \($0.verdict.rawValue) — \($0.note)" }.joined(separator: "\n") + "\n\n"
        }
        let literature = sections.flatMap { s in s.failures.map { "- \(s.title): \($0)" } }
        if !literature.isEmpty { md += "Literature checks that failed:\n\n" + literature.joined(separator: "\n") + "\n\n" }
        return md
    }

    static let rules = """
    ## How a verdict is reached

    - **agrees** (Monte Carlo cases): the Kolmogorov–Smirnov distance between the sampled
      eigenvalues (S samples of width N) and the theory CDF is at most the engine's tolerance
      1.36/√(N·S) + 4/N (`MonteCarloTolerance`: the 95 % Kolmogorov quantile for N·S points,
      plus an O(1/N) finite-width term measured on Gaussian products), **and**
      |m1(MC)/m1 − 1| ≤ 4 standard errors + 5 % + L/N (a standard error is the larger of the
      sample's and the theory's σ/(m1 √(N·S)), which a very wide spectrum needs; in a real forward pass each layer's
      χ_l differs from χ by O(1/N), as q_l drifts and D_l depends on W_l, so m1 = Π χ_l drifts
      by O(L/N); the L/N term is dropped in independent-D mode; a case may set another constant
      part; m1 is judged only for L ≤ N/2: deeper, the sample mean of the eigenvalues is not
      self-averaging, being carried by the few largest). m2 and λ_max errors are reported, not judged: m2 of deep products
      carries O(L/N) finite-width bias, and the largest of N eigenvalues approaches the edge
      only like N^(−2/3).
    - **theory consistent** (theory-only cases, e.g. depth 1000): the density integrates,
      with its atoms, to 1 within 10⁻³, and its m1, m2 match the exact S-series moments within
      10⁻³ (a lost atom or a wrong branch costs far more).
    - **expected error**: the case has no answer by design (e.g. GELU in the chaotic phase,
      where the length map diverges and there is no q*), and the engine says so.
    - **ENGINE ERROR**: `freespec` exited with an error (its message is quoted);
      **TIMEOUT**: no answer within the case's time limit; **skipped**: the CLI rejects an
      option the case needs (rectangular layers, not yet implemented).
    - KS at depth: eigenvalues below 10⁻¹² λ_max (the SVD's resolution) are censored, and the
      theory CDF with them.


    """

    static func caseTable(_ outcomes: [CaseOutcome]) -> String {
        let rows = outcomes.map { o -> [String] in
            let c = o.testCase
            let mcSize: String
            switch c.model {
            case .jacobian: mcSize = c.runsMonteCarlo ? "N=\(c.width ?? 256) S=\(c.samples ?? 4)" : "-"
            case .gram: mcSize = c.runsMonteCarlo ? "n₀=\(c.n0 ?? 300) S=\(c.samples ?? 4)" : "-"
            case .hessian: mcSize = c.runsMonteCarlo ? "n=\(c.size ?? 400) S=\(c.samples ?? 4)" : "-"
            }
            return ["`\(c.id)`", mcSize, ReportSection.number(o.ks, digits: 3), ReportSection.number(o.ksTolerance, digits: 3),
                    ReportSection.percent(o.m1Error), ReportSection.percent(o.m2Error), ReportSection.percent(o.lambdaMaxError),
                    "**\(o.verdict.rawValue)**", String(format: "%.1f", o.seconds),
                    o.figure.map { "[svg](figures/\($0))" } ?? "", o.note]
        }
        return ReportSection.table(["case", "MC", "KS", "tol", "m1 err", "m2 err", "λmax err", "verdict", "s", "figure", "note"], rows)
    }
}
