import Foundation
import FreeSpectra
import FreeSpectraPlot

/// The order–chaos phase diagram of tanh networks (Poole et al. 2016; Schoenholz et al. 2017;
/// drawn in Pennington, Schoenholz & Ganguli 2017, Fig. 2): the critical line χ = 1 in the
/// (σ_w, σ_b) plane from `CriticalLine.point`, checked two ways — the mean-field χ at the fixed
/// point of (σ_w, σ_b) on the line must be 1, and a sampled one-layer Jacobian at width 512
/// estimates χ = m1(J Jᵀ) on either side of the line.
enum PhaseDiagram {
    static let probes: [(sigmaW: Double, sigmaB: Double)] = [(0.8, 0.05), (1.0, 0.3), (1.2, 0.6), (1.5, 0.05), (2.0, 0.3), (2.5, 0.6)]

    static func section(_ context: LiteratureContext) -> ReportSection {
        var failures: [String] = []
        let tanh = Tanh()
        let grid = (0...60).map { pow(10, -3 + 5 * Double($0) / 60) }
        var line: [(q: Double, w: Double, b: Double)] = []
        for q in grid {
            guard let (w, b) = try? CriticalLine.point(activation: tanh, qStar: q) else { continue }
            line.append((q, w, b))
            // Witness 1: the mean field at (σ_w, σ_b) has fixed point q and χ = 1 there.
            if let field = try? MeanField(activation: tanh, sigmaW: w, sigmaB: b), let chi = try? field.chi(q),
               !(abs(chi - 1) <= 1e-8) {
                failures.append(String(format: "q* = %.3g: χ = %.10g on the critical line", q, chi))
            }
        }
        // Witness 2: sampled χ = m1 of a one-layer Gaussian Jacobian.
        let calls = probes.map { ["jacobian", "--activation", "tanh", "--weights", "gaussian", "--depth", "1", "--sigma-w", "\($0.sigmaW)",
                                  "--sigma-b", "\($0.sigmaB)", "--points", "2", "--format", "json", "--monte-carlo", "--width", "512", "--samples", "4"] }
        let answers = context.jsonBatch(calls, timeout: 60)
        failures += answers.failures
        var rows: [[String]] = []
        var ordered = SVGPlot.Points(label: "sampled χ < 1 (ordered)", x: [], y: [], colourIndex: 0, shape: .circle)
        var chaotic = SVGPlot.Points(label: "sampled χ > 1 (chaotic)", x: [], y: [], colourIndex: 1, shape: .triangle)
        for (i, probe) in probes.enumerated() {
            let r = answers.results[i]?[0]
            let chi = r?["meanField"]["chi"].double ?? .nan
            let m1 = r?["monteCarlo"]["moments"][0].double ?? .nan
            let se = r?["monteCarlo"]["momentStdErr"][0].double ?? .nan
            let side = chi < 1 ? "ordered" : "chaotic"
            let sampledSide = m1 < 1 ? "ordered" : "chaotic"
            // The sampled χ must fall on the predicted side and within 5 s.e. + 2 % of the mean field.
            if side != sampledSide || !(abs(m1 - chi) <= 5 * se + 0.02 * chi) {
                failures.append(String(format: "(σ_w, σ_b) = (%.2f, %.2f): mean-field χ = %.4f, sampled %.4f ± %.2g", probe.sigmaW, probe.sigmaB, chi, m1, se))
            }
            if m1 < 1 { ordered.x.append(probe.sigmaW); ordered.y.append(probe.sigmaB) } else { chaotic.x.append(probe.sigmaW); chaotic.y.append(probe.sigmaB) }
            rows.append([String(format: "%.2f", probe.sigmaW), String(format: "%.2f", probe.sigmaB), ReportSection.number(chi),
                         "\(ReportSection.number(m1)) ± \(ReportSection.number(se, digits: 2))", side])
        }
        var plot = SVGPlot(title: "tanh: order–chaos phase diagram", x: PlotAxis(label: "σ_w", range: 0.5...3), y: PlotAxis(label: "σ_b", range: 0...1.2))
        plot.curves.append(.init(label: "critical line χ = 1", x: line.map(\.w), y: line.map(\.b), colourIndex: 2))
        plot.points = [ordered, chaotic]
        plot.annotations = [.init(text: "ordered: χ < 1 (gradients vanish)", x: 0.6, y: 1.05), .init(text: "chaotic: χ > 1 (gradients explode)", x: 1.72, y: 0.15)]
        let marks = line.filter { point in [1e-3, 1e-2, 0.1, 1, 10].contains { abs(point.q / $0 - 1) < 1e-9 } }
        plot.points.append(.init(label: "q* = 10⁻³, 10⁻², 0.1, 1, 10 on the line", x: marks.map(\.w), y: marks.map(\.b), colourIndex: 2, shape: .square))
        var body = """
        Sources: B. Poole, S. Lahiri, M. Raghu, J. Sohl-Dickstein, S. Ganguli, *Exponential expressivity in deep
        neural networks through transient chaos*, NeurIPS 2016; S. S. Schoenholz, J. Gilmer, S. Ganguli,
        J. Sohl-Dickstein, *Deep information propagation*, ICLR 2017; the diagram as drawn in Pennington,
        Schoenholz & Ganguli 2017, Fig. 2. For each q* in [10⁻³, 10²] the critical point is σ_w² = 1/E[φ′(√q* h)²],
        σ_b² = q* − σ_w² E[φ(√q* h)²] (`CriticalLine.point`). Witnesses: the mean-field χ at the line's
        (σ_w, σ_b) and q* must be 1 to 10⁻⁸ (\(line.count) points, \(failures.filter { $0.contains("critical line") }.count) failed);
        at six points off the line a sampled one-layer Gaussian Jacobian (N = 512, S = 4; m1 of J Jᵀ
        estimates χ) must fall on the predicted side and within 5 s.e. + 2 % of the mean-field χ.


        """
        body += ReportSection.table(["σ_w", "σ_b", "χ (mean field)", "χ sampled (m1, N = 512)", "phase"], rows)
        body += "\n\n![tanh phase diagram](figures/tanh-phase-diagram.svg)\n"
        return ReportSection(title: "Order–chaos phase diagram of tanh", body: body,
                             figures: [(name: "tanh-phase-diagram.svg", plot: plot)], failures: failures)
    }
}
