import Foundation

/// One axis of a plot: its label, how data map onto it, and optionally a fixed range.
///
/// Three scales:
/// - `linear`: values are plotted as given; ticks at 1, 2 or 5 × 10^k.
/// - `log`: values must be positive and are plotted at log10(value); ticks at decades
///   labelled 10^k (or 1-2-5 ticks when the range spans less than about a decade and a half).
///   Non-positive values are dropped.
/// - `log10Values`: the values given are already log10 of the quantity (deep spectra span
///   more decades than a Double can hold, so the caller keeps the logarithms); ticks and
///   labels are those of `log`.
public struct PlotAxis: Sendable {
    public enum Scale: Sendable { case linear, log, log10Values }

    public var label: String
    public var scale: Scale
    /// A fixed range in data units (for `log`: positive values; for `log10Values`: log10 values).
    public var range: ClosedRange<Double>?

    public init(label: String, scale: Scale = .linear, range: ClosedRange<Double>? = nil) {
        self.label = label
        self.scale = scale
        self.range = range
    }

    /// The plotting coordinate of a data value: the value itself, or its log10; NaN where a
    /// `log` axis is given a non-positive value.
    public func coordinate(_ value: Double) -> Double {
        switch scale {
        case .linear, .log10Values: return value
        case .log: return value > 0 ? log10(value) : .nan
        }
    }

    /// Whether tick labels are powers of ten.
    public var isLogarithmic: Bool { scale != .linear }

    /// Ticks (in plotting coordinates) with their labels for the coordinate range [a, b].
    public func ticks(_ a: Double, _ b: Double) -> [(position: Double, label: TickLabel)] {
        guard isLogarithmic else { return Self.niceTicks(a, b).map { ($0, .plain(Self.format($0))) } }
        let decades = b - a
        if decades < 1.5 {
            // Too narrow for decades: 1-2-5 × 10^k (or every digit when that gives fewer than 3).
            let lo = pow(10, a) * (1 - 1e-9), hi = pow(10, b) * (1 + 1e-9)
            for mantissas in [[1.0, 2, 5], [1.0, 2, 3, 4, 5, 6, 7, 8, 9]] {
                let values = (Int(floor(a))...Int(ceil(b))).flatMap { k in mantissas.map { $0 * pow(10, Double(k)) } }.filter { $0 >= lo && $0 <= hi }
                if values.count >= 3 || mantissas.count == 9 { return values.map { (log10($0), .plain(Self.format($0))) } }
            }
        }
        let step = max(1, Self.niceTicks(0, decades).dropFirst().first.map { ceil($0) } ?? 1)
        var k = ceil(a / step) * step
        var result: [(Double, TickLabel)] = []
        while k <= b + 1e-9 { result.append((k, .power(Int(k)))); k += step }
        return result
    }

    /// Ticks at 1, 2 or 5 × 10^k spacing, about six across [a, b].
    public static func niceTicks(_ a: Double, _ b: Double) -> [Double] {
        let span = b - a
        guard span > 0, span.isFinite else { return [a] }
        let raw = span / 6
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var t = ceil(a / step) * step
        var result: [Double] = []
        while t <= b + 1e-9 * step { result.append(abs(t) < 1e-12 * step ? 0 : t); t += step }
        return result
    }

    /// A tick value in at most four significant digits, exponent form outside [1e-3, 1e4).
    public static func format(_ t: Double) -> String {
        if t == 0 { return "0" }
        if abs(t) >= 1e4 || abs(t) < 1e-3 { return String(format: "%.0e", t) }
        return String(format: "%g", (t * 1e6).rounded() / 1e6)
    }
}

/// A tick label: plain text, or 10 raised to an integer power (drawn with a superscript).
public enum TickLabel: Sendable, Equatable {
    case plain(String)
    case power(Int)

    /// The label as plain text, e.g. "10^-3" (used to measure and in tests).
    public var text: String {
        switch self {
        case .plain(let s): return s
        case .power(let k): return "10^\(k)"
        }
    }
}
