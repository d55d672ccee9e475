import Foundation
import Testing
@testable import freespec

/// The JSON output contract (`encodeJSON`, issues 17 and 22): non-finite numbers are `null`
/// and named, per record, in `nonFinite`; everything else is byte for byte what `JSONEncoder`
/// writes.
@Suite struct JSONOutputTests {
    struct Inner: Encodable { var rho: [Double]; var label: String }
    struct Record: Encodable {
        var zeta: Double
        var alpha: Double
        var inner: Inner
        var grid: [[Double]]
        var empty: [Double] = []
        var nothing: [String: Int] = [:]
        var missing: Double? = nil
        var flag = true
    }

    static func plainEncoding<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    /// Finite documents come out exactly as the encoder wrote them: the digits of 0.1, 1e-300
    /// and 5e-324, escapes, empty containers, nesting.
    @Test func finiteDocumentsAreUnchanged() throws {
        let record = Record(zeta: 0.1, alpha: .leastNonzeroMagnitude, inner: Inner(rho: [1e-300, 2.5, -0.0], label: "q* \"= 1\"/é\u{1}"),
                            grid: [[1, 2], [], [3]])
        #expect(try encodeJSON(record) == Self.plainEncoding(record))
        #expect(try encodeJSON([record, record]) == Self.plainEncoding([record, record]))
        #expect(try encodeJSON([Double]()) == Self.plainEncoding([Double]()))
        #expect(try encodeJSON(["a": [0.3]]) == Self.plainEncoding(["a": [0.3]]))
    }

    /// Non-finite values are nulls, each named once in its record's `nonFinite` map (in the
    /// sorted place of that key), and the rest of the document is unchanged.
    @Test func nonFiniteValuesAreNullsNamedInTheirRecord() throws {
        let record = Record(zeta: .infinity, alpha: 1, inner: Inner(rho: [0, -.infinity, .nan], label: "x"), grid: [[1], [.infinity]])
        let text = try encodeJSON(record)
        #expect(!text.contains("Infinity") && !text.contains("NaN"))
        let object = try #require(try Self.parse(text) as? [String: Any])
        #expect(object["zeta"] is NSNull)
        let rho = try #require((object["inner"] as? [String: Any])?["rho"] as? [Any])
        #expect((rho[0] as? Double) == 0 && rho[1] is NSNull && rho[2] is NSNull)
        let marks = try #require(object["nonFinite"] as? [String: String])
        #expect(marks == ["zeta": "+inf", "inner.rho[1]": "-inf", "inner.rho[2]": "nan", "grid[1][0]": "+inf"])
        // Keys stay sorted with nonFinite among them.
        let keys = text.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { String($0.dropFirst(3).prefix { $0 != "\"" }) }
        #expect(keys == keys.sorted())
        #expect(keys.contains("nonFinite"))
        // numpy/pandas readers get floats: null is NaN-able, never a string.
        #expect(!rho.contains { $0 is String })
    }

    /// A top-level list of records (jacobian, critical-line) marks each record on its own;
    /// a record without non-finite values has no `nonFinite` key.
    @Test func eachRecordOfAListIsMarkedOnItsOwn() throws {
        let finite = Record(zeta: 1, alpha: 2, inner: Inner(rho: [1], label: ""), grid: [])
        let infinite = Record(zeta: 1, alpha: .nan, inner: Inner(rho: [1], label: ""), grid: [])
        let list = try #require(try Self.parse(try encodeJSON([finite, infinite])) as? [[String: Any]])
        #expect(list[0]["nonFinite"] == nil)
        #expect((list[1]["nonFinite"] as? [String: String]) == ["alpha": "nan"])
    }

    /// Through the command: ReLU's condition measure is ∞ (its atom at 0 holds ½).
    @Test func jacobianWritesInfinityAsNull() throws {
        let run = try CLIContractTests.run(["jacobian", "--activation", "relu", "--sigma-w", "1.2", "--sigma-b", "0", "--depth", "3", "--points", "3", "--format", "json"])
        #expect(run.status == 0)
        let record = try #require((try Self.parse(run.stdout) as? [[String: Any]])?.first)
        #expect(record["conditionMeasure"] is NSNull)
        let marks = try #require(record["nonFinite"] as? [String: String])
        #expect(marks["conditionMeasure"] == "+inf")
        #expect(marks["log10Median"] == "-inf")
        #expect(!run.stdout.contains("Infinity"))
    }
}
