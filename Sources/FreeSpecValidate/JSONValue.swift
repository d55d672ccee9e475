import Foundation

/// Read-only access to a parsed JSON document (from `JSONSerialization`), tolerant of
/// missing keys: every accessor returns nil rather than trapping. The non-finite numbers that
/// `freespec --format json` writes as `null` and names in a record's `nonFinite` map (path →
/// "+inf", "-inf" or "nan") read as those Doubles.
struct JSONValue {
    let raw: Any?

    init(_ raw: Any?) { self.raw = raw }

    /// Parses `data`; nil if it is not JSON.
    init?(data: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return nil }
        raw = Self.restoringNonFinite(object)
    }

    /// `value` with each record's `nonFinite` entries put back in place of their nulls.
    private static func restoringNonFinite(_ value: Any) -> Any {
        if let list = value as? [Any] { return list.map(restoringNonFinite) }
        guard var record = value as? [String: Any], let marks = record["nonFinite"] as? [String: String] else { return value }
        for (path, name) in marks {
            let number: Double = name == "+inf" ? .infinity : (name == "-inf" ? -.infinity : .nan)
            record = setting(number, at: pathComponents(path)[...], in: record) as? [String: Any] ?? record
        }
        return record
    }

    /// "density.rho[3]" → ["density", "rho", 3].
    private static func pathComponents(_ path: String) -> [Any] {
        path.split(separator: ".").flatMap { part -> [Any] in
            let pieces = part.split(separator: "[")
            return [String(pieces[0])] + pieces.dropFirst().compactMap { Int($0.dropLast()) }
        }
    }

    private static func setting(_ number: Double, at path: ArraySlice<Any>, in value: Any) -> Any {
        guard let first = path.first else { return number }
        if let key = first as? String, var object = value as? [String: Any], let inner = object[key] {
            object[key] = setting(number, at: path.dropFirst(), in: inner)
            return object
        }
        if let index = first as? Int, var list = value as? [Any], list.indices.contains(index) {
            list[index] = setting(number, at: path.dropFirst(), in: list[index])
            return list
        }
        return value
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
        if let d = raw as? Double { return d }
        return (raw as? NSNumber)?.doubleValue
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
