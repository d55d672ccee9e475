import Foundation

/// A two-dimensional SVG figure: a framed plotting area with grid and ticks (linear or
/// logarithmic axes, see `PlotAxis`), a title, axis labels and a legend beside the plot that
/// grows to fit its longest label.
///
/// Series, drawn in this order:
/// - histograms (bars from 0 up to each bin's height; a lone one grey, several in the
///   colours of the curves they go with),
/// - curves (polylines, broken at non-finite points; solid or dashed),
/// - markers (atoms: a dashed stem from the bottom of the plot to the point, and a dot),
/// - points (scatter with optional vertical error bars, e.g. Monte Carlo estimates),
/// - annotations (text at a data position).
///
/// The plot never prints; `render()` returns the SVG document.
public struct SVGPlot: Sendable {
    public struct Curve: Sendable {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        /// Palette index; nil takes the curve's position among the curves.
        public var colourIndex: Int?
        public var dashed: Bool
        public init(label: String, x: [Double], y: [Double], colourIndex: Int? = nil, dashed: Bool = false) {
            self.label = label; self.x = x; self.y = y; self.colourIndex = colourIndex; self.dashed = dashed
        }
    }

    public struct Histogram: Sendable {
        public var label: String
        /// Bin edges (count = heights.count + 1).
        public var edges: [Double]
        public var heights: [Double]
        /// Palette index; nil: grey when there is one histogram, else the position's colour.
        public var colourIndex: Int?
        public init(label: String, edges: [Double], heights: [Double], colourIndex: Int? = nil) {
            self.label = label; self.edges = edges; self.heights = heights; self.colourIndex = colourIndex
        }
    }

    /// A point mass drawn as a stem with a dot at (x, y).
    ///
    /// On the secondary axis (`SVGPlot.secondaryYAxis`, drawn on the right) y is read in that
    /// axis's units — an atom's mass, whatever the density's scale — and `text`, when given, is
    /// written beside the dot. An x outside the plot's x range is drawn at the nearer edge, its
    /// text saying where it is (an atom at λ = 0 on a logarithmic axis).
    public struct Marker: Sendable {
        public var label: String
        public var x: Double
        public var y: Double
        public var onSecondaryAxis: Bool
        public var text: String?
        /// Palette index; nil: after the curves' colours, in marker order.
        public var colourIndex: Int?
        public init(label: String, x: Double, y: Double, onSecondaryAxis: Bool = false, text: String? = nil, colourIndex: Int? = nil) {
            self.label = label; self.x = x; self.y = y; self.onSecondaryAxis = onSecondaryAxis; self.text = text
            self.colourIndex = colourIndex
        }
    }

    /// Scatter points with optional error bars [lower, upper] (data units).
    public struct Points: Sendable {
        public enum Shape: Sendable { case circle, square, triangle, diamond }
        public var label: String
        public var x: [Double]
        public var y: [Double]
        public var lower: [Double]?
        public var upper: [Double]?
        public var colourIndex: Int?
        public var shape: Shape
        public init(label: String, x: [Double], y: [Double], lower: [Double]? = nil, upper: [Double]? = nil,
                    colourIndex: Int? = nil, shape: Shape = .circle) {
            self.label = label; self.x = x; self.y = y; self.lower = lower; self.upper = upper
            self.colourIndex = colourIndex; self.shape = shape
        }
    }

    /// Text starting at a data position (left-aligned, baseline at y).
    public struct Annotation: Sendable {
        public var text: String
        public var x: Double
        public var y: Double
        public init(text: String, x: Double, y: Double) { self.text = text; self.x = x; self.y = y }
    }

    public var title: String
    /// A second line under the title (smaller), e.g. the operating point.
    public var subtitle: String?
    public var xAxis: PlotAxis
    public var yAxis: PlotAxis
    /// A second y axis on the right for markers with `onSecondaryAxis` (linear, from 0).
    public var secondaryYAxis: PlotAxis?
    public var curves: [Curve] = []
    public var histograms: [Histogram] = []
    public var markers: [Marker] = []
    public var points: [Points] = []
    public var annotations: [Annotation] = []
    /// Lines of text in the top-left corner of the plotting area (what the series leave out,
    /// e.g. a sample's censored mass).
    public var notes: [String] = []
    /// The smallest canvas; it widens for long titles and legends and grows for long legends.
    public var width = 860.0
    public var height = 520.0
    /// Clip y at this quantile of the plotted curve values (densities can diverge at edges);
    /// 1 shows every value.
    public var yClipQuantile = 0.995
    /// Whether the y range reaches down to 0 (densities, on a linear y axis).
    public var yIncludesZero = true

    /// A density-style plot: linear axes, y from 0.
    public init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xAxis = PlotAxis(label: xLabel)
        self.yAxis = PlotAxis(label: yLabel)
    }

    /// A plot with the given axes; y reaches 0 only if `yIncludesZero`.
    public init(title: String, x: PlotAxis, y: PlotAxis, yIncludesZero: Bool = false) {
        self.title = title
        self.xAxis = x
        self.yAxis = y
        self.yIncludesZero = yIncludesZero
        self.yClipQuantile = 1
    }

    public var xLabel: String { get { xAxis.label } set { xAxis.label = newValue } }
    public var yLabel: String { get { yAxis.label } set { yAxis.label = newValue } }

    /// The SVG document.
    public func render() -> String {
        PlotRenderer(plot: self).render()
    }
}
