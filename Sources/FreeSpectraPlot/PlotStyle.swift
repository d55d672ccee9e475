import Foundation

/// The look shared by every figure: palette, font, sizes, and the text-width estimate used
/// to lay out legends and titles without truncating them.
public enum PlotStyle {
    /// Series colours in order (the Tableau 10 hues).
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
    /// The colour of a lone histogram (a neutral grey, so the theory curve stands out).
    public static let histogramGrey = "#9aa5b1"
    public static let fontFamily = "Helvetica, Arial, sans-serif"
    public static let fontSize = 13.0
    public static let titleFontSize = 16.0
    public static let gridColour = "#e6e6e6"
    public static let frameColour = "#333"

    /// The colour of series `index` (cycling through the palette).
    public static func colour(_ index: Int) -> String { palette[((index % palette.count) + palette.count) % palette.count] }

    /// An upper estimate of the rendered width of `text` at `fontSize` in a Helvetica-like
    /// font: 0.62 em per character (Helvetica's widest common glyphs are ≈ 0.6–0.9 em, its
    /// average ≈ 0.5 em), so a box sized by it is never too short.
    public static func textWidth(_ text: String, fontSize: Double = fontSize) -> Double {
        Double(text.count) * 0.62 * fontSize
    }
}

/// Small helpers to write SVG text.
enum SVG {
    /// A coordinate with two decimals.
    static func number(_ x: Double) -> String { String(format: "%.2f", x) }

    /// Text escaped for XML character data and attribute values.
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A `<text>` element for a tick label; powers of ten get a raised exponent.
    static func tickText(_ label: TickLabel, x: Double, y: Double, anchor: String) -> String {
        let head = "<text x=\"\(number(x))\" y=\"\(number(y))\" text-anchor=\"\(anchor)\">"
        switch label {
        case .plain(let s): return head + escape(s) + "</text>\n"
        case .power(let k):
            return head + "10<tspan dy=\"-6\" font-size=\"10\">\(k)</tspan></text>\n"
        }
    }
}
