import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import FreeSpectraPlot

/// Collects element names, attributes and text of an XML document.
private final class ElementCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append((elementName, attributeDict))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        text += "\n"
    }
}

final class SVGPlotTests: XCTestCase {
    private func parse(_ svg: String) throws -> ElementCollector {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = ElementCollector()
        parser.delegate = collector
        XCTAssertTrue(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
        return collector
    }

    /// Every series kind renders into well-formed SVG with the expected elements.
    func testEverySeriesKindRendersWellFormedSVG() throws {
        var plot = SVGPlot(title: "a <title> & more", x: PlotAxis(label: "depth L", scale: .log), y: PlotAxis(label: "λ_max", scale: .log))
        plot.curves.append(.init(label: "theory", x: [1, 10, 100, 1000], y: [2, 20, 200, 2000]))
        plot.histograms.append(.init(label: "histogram", edges: [1, 10, 100], heights: [5, 50]))
        plot.markers.append(.init(label: "atom", x: 30, y: 40))
        plot.points.append(.init(label: "Monte Carlo", x: [4, 16], y: [8, 32], lower: [7, 30], upper: [9, 34], shape: .square))
        plot.annotations.append(.init(text: "note", x: 2, y: 1000))
        let doc = try parse(plot.render())
        let names = doc.elements.map(\.name)
        XCTAssertEqual(names.first, "svg")
        XCTAssertEqual(names.filter { $0 == "path" }.count, 1, "one curve path")
        XCTAssertEqual(names.filter { $0 == "circle" }.count, 2, "the atom's dot and its legend entry")
        XCTAssertGreaterThanOrEqual(names.filter { $0 == "tspan" }.count, 4, "powers of ten on both log axes")
        for label in ["theory", "histogram", "atom", "Monte Carlo", "note", "depth L", "λ_max", "a <title> & more"] {
            XCTAssertTrue(doc.text.contains(label), "missing text \(label)")
        }
    }

    /// A long legend label widens the canvas instead of being cut off.
    func testLongLegendWidensCanvas() throws {
        var plot = SVGPlot(title: "t", xLabel: "x", yLabel: "y")
        plot.curves.append(.init(label: "short", x: [0, 1], y: [0, 1]))
        let narrow = try parse(plot.render()).elements[0].attributes["width"].flatMap(Double.init) ?? 0
        XCTAssertEqual(narrow, plot.width, "a short legend fits the default canvas")
        plot.curves[0].label = String(repeating: "a very long legend label ", count: 6)
        let wide = try parse(plot.render()).elements[0].attributes["width"].flatMap(Double.init) ?? 0
        // The plotting area keeps at least 480 px beside the full label.
        XCTAssertGreaterThanOrEqual(wide, PlotStyle.textWidth(plot.curves[0].label) + 480)
    }

    /// Log axes: decades labelled 10^k; a narrow range gets 1-2-5 ticks; log10Values agree with log.
    func testLogTicks() {
        let axis = PlotAxis(label: "x", scale: .log)
        XCTAssertEqual(axis.ticks(-3, 2).map(\.label.text), ["10^-3", "10^-2", "10^-1", "10^0", "10^1", "10^2"])
        XCTAssertEqual(axis.ticks(log10(0.25), log10(4)).map(\.label.text), ["0.5", "1", "2"])
        XCTAssertEqual(PlotAxis(label: "x", scale: .log10Values).ticks(-300, 0).count, axis.ticks(-300, 0).count)
        XCTAssertTrue(axis.coordinate(-1).isNaN)
        XCTAssertEqual(axis.coordinate(1000), 3, accuracy: 1e-15)
    }

    /// Atoms on the secondary axis: the stem's height is the mass in the right axis's units
    /// (not the density's), its text is drawn, an atom at λ = 0 on a log axis stands at the left
    /// edge, and notes appear.
    func testAtomsOnTheSecondaryAxis() throws {
        var plot = SVGPlot(title: "t", xLabel: "λ", yLabel: "density")
        plot.xAxis.scale = .log10Values
        plot.xAxis.range = -10...1
        plot.curves.append(.init(label: "density", x: [-10, 0, 1], y: [0, 1e-4, 0]))
        plot.secondaryYAxis = PlotAxis(label: "atom mass", range: 0...1)
        plot.markers.append(.init(label: "atoms", x: 0, y: 0.5, onSecondaryAxis: true, text: "0.5 at λ = 1"))
        plot.markers.append(.init(label: "", x: -.infinity, y: 0.25, onSecondaryAxis: true, text: "0.25 at λ = 0"))
        plot.notes.append("MC: 3 % not binned")
        let svg = plot.render()
        let doc = try parse(svg)
        for text in ["0.5 at λ = 1", "0.25 at λ = 0", "atom mass", "MC: 3 % not binned"] {
            XCTAssertTrue(doc.text.contains(text), "missing \(text)")
        }
        // The two dots: heights in the ratio of their masses above the frame's bottom, whatever
        // the density's scale (1e-4).
        let dots = doc.elements.filter { $0.name == "circle" }.compactMap { $0.attributes["cy"].flatMap(Double.init) }
        let frame = try XCTUnwrap(doc.elements.first { $0.name == "rect" && $0.attributes["fill"] == "none" })
        let bottom = Double(frame.attributes["y"]!)! + Double(frame.attributes["height"]!)!
        XCTAssertEqual((bottom - dots[0]) / (bottom - dots[1]), 2, accuracy: 1e-2)
        let xs = doc.elements.filter { $0.name == "circle" }.compactMap { $0.attributes["cx"].flatMap(Double.init) }
        let left = Double(frame.attributes["x"]!)!
        XCTAssertLessThan(xs[1] - left, 5, "the atom at 0 stands at the left edge")
    }
}

