import Foundation
import FreeSpectraPlot

/// A section of the report: Markdown text and the figures it links to (written under
/// figures/ by `Report.write`).
struct ReportSection {
    var title: String
    var body: String
    var figures: [(name: String, plot: SVGPlot)] = []
    /// Checks that failed within the section (listed in the summary).
    var failures: [String] = []

    /// A Markdown table.
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        let line = { (cells: [String]) in "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return ([line(header), "|" + String(repeating: "---|", count: header.count)] + rows.map(line)).joined(separator: "\n")
    }

    /// A number in about four significant digits ("-" for nil, NaN spelled out).
    static func number(_ x: Double?, digits: Int = 4) -> String {
        guard let x else { return "-" }
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "∞" : "−∞" }
        if x != 0 && (abs(x) >= 1e5 || abs(x) < 1e-3) { return String(format: "%.\(digits - 1)e", x) }
        return String(format: "%.\(digits)g", x)
    }

    /// A signed relative error in percent.
    static func percent(_ x: Double?) -> String {
        guard let x else { return "-" }
        return x.isFinite ? String(format: "%+.2f%%", 100 * x) : "NaN"
    }
}
