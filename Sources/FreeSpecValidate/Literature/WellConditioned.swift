import Foundation
import FreeSpectra
import FreeSpectraPlot

/// The largest q* at which an orthogonal critical network of depth L stays well conditioned,
/// "well conditioned" meaning σ²_{JJᵀ}/m1² ≤ 1 (the singular values of J spread by less than
/// their mean; m1 = 1 on the critical line). σ²/m1² grows with q* (the slope law widens as
/// the pre-activations reach the saturated tails), so the boundary is found by bisection in
/// log q* on the engine's S-series variance.
///
/// For hard-tanh the slope law is Bernoulli(p), p = erf(1/√(2q*)), and σ²/m1² = L(1/p − 1)
/// (orthogonal), so q* = 1/(2 erf⁻¹(L/(L+1))²) in closed form: the second witness. At the
/// q* found, `freespec jacobian --monte-carlo` gives the sampled σ²/m1² and the engine's
/// condition measure λ_max/λ_{1 %}.
enum WellConditioned {
    static let depths = [10, 100, 1000]
    static let activations = ["hard-tanh", "tanh"]

    /// σ²/m1² of the orthogonal critical network at q* (S-series).
    static func normalizedVariance(_ activation: String, depth: Int, qStar: Double) throws -> Double {
        let model = try JacobianSpectrum(activation: try Activations.named(activation), weights: .orthogonal,
                                         depth: depth, point: .critical(qStar: qStar))
        return try model.product.normalizedMoments(count: 2).normalized[1] - 1
    }

    /// The q* where `f(q*) = 1`, by bisection on log q* (60 halvings: relative precision ~1e-16
    /// in q*) from 1e-8 up to the first decade 1e-8 … 1e3 where f > 1; nil if there is none.
    /// The bracket grows by decades rather than starting at 1e3 because the slope law of tanh
    /// is refused beyond q ≈ 300 (its φ′² underflows Double with probability above 1e-12).
    static func boundary(_ f: (Double) throws -> Double) -> Double? {
        var lo = log(1e-8)
        guard let a = try? f(exp(lo)), a < 1 else { return nil }
        var hi = lo
        while true {
            hi += log(10)
            guard hi <= log(1e3) + 1e-9, let b = try? f(exp(hi)) else { return nil }
            if b > 1 { break }
            lo = hi
        }
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            guard let v = try? f(exp(mid)) else { return nil }
            if v <= 1 { lo = mid } else { hi = mid }
        }
        return exp((lo + hi) / 2)
    }

    /// erf⁻¹(y) for 0 < y < 1, by bisection on erf (to 1e-15 relative).
    static func inverseErf(_ y: Double) -> Double {
        var lo = 0.0, hi = 10.0
        for _ in 0..<200 { let mid = (lo + hi) / 2; if erf(mid) < y { lo = mid } else { hi = mid } }
        return (lo + hi) / 2
    }

    static func section(_ context: LiteratureContext) -> ReportSection {
        var failures: [String] = []
        var found: [(String, Int, Double)] = []
        var rows: [[String]] = []
        for a in activations {
            for L in depths {
                guard let q = boundary({ try normalizedVariance(a, depth: L, qStar: $0) }) else {
                    failures.append("\(a) L=\(L): σ²/m1² − 1 has no sign change for q* in [1e-8, 1e3] (decades where the law exists)")
                    continue
                }
                found.append((a, L, q))
            }
        }
        // Sampled check and condition measure at the boundary.
        let calls = found.map { (a, L, q) -> [String] in
            let mc = L >= 1000 ? ["--width", "128", "--samples", "2", "--mode", "independent"] : ["--width", "256", "--samples", "4"]
            return ["jacobian", "--activation", a, "--weights", "orthogonal", "--depth", "\(L)", "--q-star", "\(q)",
                    "--points", "2", "--format", "json", "--monte-carlo"] + mc
        }
        let answers = context.jsonBatch(calls, timeout: 150)
        failures += answers.failures
        var plot = SVGPlot(title: "Largest q* with σ²/m1² ≤ 1 (orthogonal, critical)",
                           x: PlotAxis(label: "depth L", scale: .log), y: PlotAxis(label: "q*", scale: .log))
        for (k, a) in activations.enumerated() {
            let mine = found.filter { $0.0 == a }
            plot.points.append(.init(label: "\(a) (bisection on the S-series)", x: mine.map { Double($0.1) }, y: mine.map(\.2),
                                     colourIndex: k, shape: k == 0 ? .circle : .diamond))
        }
        let fine = stride(from: 0.0, through: 3.2, by: 0.05).map { pow(10, $0) }
        plot.curves.append(.init(label: "hard-tanh closed form 1/(2 erf⁻¹(L/(L+1))²)", x: fine,
                                 y: fine.map { 1 / (2 * pow(inverseErf($0 / ($0 + 1)), 2)) }, colourIndex: 0, dashed: true))
        for (i, (a, L, q)) in found.enumerated() {
            var closed = "-"
            if a == "hard-tanh" {
                let exact = 1 / (2 * pow(inverseErf(Double(L) / Double(L + 1)), 2))
                closed = ReportSection.number(exact, digits: 6)
                if !(abs(q / exact - 1) <= 1e-6) { failures.append("hard-tanh L=\(L): bisection q* = \(q), closed form \(exact)") }
            }
            let r = answers.results[i]?[0]
            let m = r?["monteCarlo"]
            var sampled = "-"
            if let m, m.raw != nil {
                let (v, se) = DynamicalIsometry.sampledVariance(m)
                let m1 = m["moments"][0].double ?? .nan
                sampled = "\(ReportSection.number(v / (m1 * m1), digits: 3)) ± \(ReportSection.number(se / (m1 * m1), digits: 2))"
            }
            let kappa = r?["log10ConditionMeasure"].double.map { String(format: "10^%.3g", $0) } ?? "-"
            rows.append([a, "\(L)", ReportSection.number(q, digits: 6), closed, ReportSection.number(r?["normalizedVariance"].double),
                         sampled, kappa, r?["isometry"]["isometric"].bool.map { $0 ? "yes" : "no" } ?? "-"])
        }
        var body = """
        ### q* that keeps orthogonal hard-tanh and tanh well conditioned

        *Well conditioned* here: σ²_{JJᵀ}/m1² ≤ 1 (m1 = 1 on the critical line). σ²/m1² increases with q*
        (larger pre-activations reach the saturated tails, widening the slope law), so the largest
        admissible q* is found by bisection in log q* on the engine's S-series variance. For hard-tanh,
        σ²/m1² = L(1/erf(1/√(2q*)) − 1) gives q* = 1/(2 erf⁻¹(L/(L+1))²) in closed form (required to agree to
        10⁻⁶). At that q* the table shows the sampled σ²/m1² (N = 256, S = 4; at L = 1000 N = 128, S = 2 in
        independent-D mode) and the engine's condition measure κ = λ_max/λ_{1 %} with its isometry verdict
        (which asks also κ ≤ 100). Expected scaling: hard-tanh needs 1 − p = 1/(L + 1), so q* ≈ 1/(2 log L);
        tanh has D² ≈ 1 − 2q*h², μ₂/μ₁² − 1 ≈ 8q*², so q* ≈ 1/√(8L) for large L.


        """
        body += ReportSection.table(["activation", "L", "q* (bisection)", "q* closed form", "σ²/m1² engine", "σ²/m1² MC ± s.e.",
                                     "κ = λmax/λ1%", "isometric (engine)"], rows)
        body += "\n\n![q* against depth](figures/psg-qstar-well-conditioned.svg)\n"
        return ReportSection(title: "well conditioned", body: body, figures: [(name: "psg-qstar-well-conditioned.svg", plot: plot)],
                             failures: failures)
    }
}
