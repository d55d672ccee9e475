import Foundation

/// Read-only access to a parsed JSON document (from `JSONSerialization`), tolerant of
/// missing keys: every accessor returns nil rather than trapping. Numbers spelled
/// "Infinity", "-Infinity" or "NaN" (as `freespec --format json` writes them) read as Doubles.
struct JSONValue {
    let raw: Any?

    init(_ raw: Any?) { self.raw = raw }

    /// Parses `data`; nil if it is not JSON.
    init?(data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        raw = object
    }

    subscript(key: String) -> JSONValue { JSONValue((raw as? [String: Any])?[key]) }
    subscript(index: Int) -> JSONValue {
        guard let a = raw as? [Any], a.indices.contains(index) else { return JSONValue(nil) }
        return JSONValue(a[index])
    }

    var array: [JSONValue] { (raw as? [Any])?.map { JSONValue($0) } ?? [] }
    var string: String? { raw as? String }
    var bool: Bool? { raw as? Bool }

    var double: Double? {
        if let n = raw as? NSNumber { return n.doubleValue }
        switch raw as? String {
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        case "NaN": return .nan
        default: return nil
        }
    }

    /// An array of numbers (non-numbers read as NaN).
    var doubles: [Double] { array.map { $0.double ?? .nan } }

    /// The density of a histogram object per unit of its variable: its `density` array, or
    /// count/(total · bin width) from `counts`, `edges` and `total` where there is none.
    var histogramDensity: [Double] {
        let given = self["density"].doubles
        if !given.isEmpty { return given }
        let edges = self["edges"].doubles, counts = self["counts"].doubles
        let total = self["total"].double ?? counts.reduce(0, +)
        guard edges.count == counts.count + 1, total > 0 else { return [] }
        return counts.indices.map { counts[$0] / (total * (edges[$0 + 1] - edges[$0])) }
    }
}
