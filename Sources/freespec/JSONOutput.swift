import Foundation

/// The JSON every command writes with `--format json`.
///
/// The contract, in order of priority:
/// 1. Every number is a JSON number a reader takes as one (`json.load`, `np.array`, pandas).
///    JSON has no infinity or NaN, so a value that is not finite — an infinite condition
///    measure, a fixed point q* = ∞ where q^l grows, a density that diverges at λ = 0, the
///    standard error of a single sample — is written `null`, never as a string (a string in a
///    numeric array turns `np.array(rho)` into an array of strings).
/// 2. Nothing is lost: each record (the top-level object, or each object of a top-level list)
///    that holds such a value gets a key `nonFinite` mapping the value's path inside the record
///    (`meanField.qStar`, `density.rho[3]`) to what it was: `"+inf"`, `"-inf"` or `"nan"`.
///    Docs/cli.md lists the keys that can be non-finite and why.
/// 3. Everything else exactly as `JSONEncoder` writes it: sorted keys, two-space indentation,
///    numbers in their shortest round-trip spelling (the tree below keeps each token's text).
func encodeJSON<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: JSONTree.Sentinel.positiveInfinity.rawValue,
        negativeInfinity: JSONTree.Sentinel.negativeInfinity.rawValue,
        nan: JSONTree.Sentinel.nan.rawValue)
    var tree = try JSONTree(parsing: Array(try encoder.encode(value)))
    tree.recordNonFiniteValues()
    return tree.prettyPrinted()
}

/// A JSON document as `JSONEncoder` wrote it, each scalar kept as its original text.
indirect enum JSONTree: Equatable {
    case object([(key: String, value: JSONTree)])
    case array([JSONTree])
    /// A number, string (with its quotes and escapes), `true`, `false` or `null`, verbatim.
    case scalar(String)

    /// The strings the encoder writes for non-finite numbers; no model writes such a string
    /// itself, so each one marks a number.
    enum Sentinel: String, CaseIterable {
        case positiveInfinity = "freespec:+inf", negativeInfinity = "freespec:-inf", nan = "freespec:nan"

        var quoted: String { "\"\(rawValue)\"" }
        /// How `nonFinite` names the value.
        var name: String {
            switch self {
            case .positiveInfinity: "+inf"
            case .negativeInfinity: "-inf"
            case .nan: "nan"
            }
        }
    }

    static func == (a: JSONTree, b: JSONTree) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case let (.array(x), .array(y)): x == y
        case let (.scalar(x), .scalar(y)): x == y
        default: false
        }
    }

    // MARK: Parsing

    struct SyntaxError: Error, CustomStringConvertible {
        let offset: Int
        var description: String { "the JSON writer produced text that is not JSON (at byte \(offset))" }
    }

    /// Parses `bytes` (UTF-8 JSON as `JSONEncoder` writes it).
    init(parsing bytes: [UInt8]) throws {
        var index = 0
        self = try Self.parseValue(bytes, &index)
        Self.skipSpace(bytes, &index)
        guard index == bytes.count else { throw SyntaxError(offset: index) }
    }

    private static func skipSpace(_ b: [UInt8], _ i: inout Int) {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private static func parseValue(_ b: [UInt8], _ i: inout Int) throws -> JSONTree {
        skipSpace(b, &i)
        guard i < b.count else { throw SyntaxError(offset: i) }
        switch b[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(key: String, value: JSONTree)] = []
            skipSpace(b, &i)
            if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object([]) }
            while true {
                skipSpace(b, &i)
                guard case let .scalar(key) = try parseString(b, &i) else { throw SyntaxError(offset: i) }
                skipSpace(b, &i)
                guard i < b.count, b[i] == UInt8(ascii: ":") else { throw SyntaxError(offset: i) }
                i += 1
                members.append((key, try parseValue(b, &i)))
                skipSpace(b, &i)
                guard i < b.count else { throw SyntaxError(offset: i) }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "}") else { throw SyntaxError(offset: i) }
                i += 1
                return .object(members)
            }
        case UInt8(ascii: "["):
            i += 1
            var elements: [JSONTree] = []
            skipSpace(b, &i)
            if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array([]) }
            while true {
                elements.append(try parseValue(b, &i))
                skipSpace(b, &i)
                guard i < b.count else { throw SyntaxError(offset: i) }
                if b[i] == UInt8(ascii: ",") { i += 1; continue }
                guard b[i] == UInt8(ascii: "]") else { throw SyntaxError(offset: i) }
                i += 1
                return .array(elements)
            }
        case UInt8(ascii: "\""):
            return try parseString(b, &i)
        default:
            // A number or a literal: everything up to the next delimiter.
            let start = i
            while i < b.count, ![UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09].contains(b[i]) { i += 1 }
            guard i > start else { throw SyntaxError(offset: i) }
            return .scalar(String(decoding: b[start..<i], as: UTF8.self))
        }
    }

    /// A string token with its quotes, escapes kept as written.
    private static func parseString(_ b: [UInt8], _ i: inout Int) throws -> JSONTree {
        guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw SyntaxError(offset: i) }
        let start = i
        i += 1
        while i < b.count, b[i] != UInt8(ascii: "\"") { i += b[i] == UInt8(ascii: "\\") ? 2 : 1 }
        guard i < b.count else { throw SyntaxError(offset: start) }
        i += 1
        return .scalar(String(decoding: b[start..<i], as: UTF8.self))
    }

    // MARK: Non-finite values

    /// Replaces every sentinel by `null` and adds, to each record that held one, the key
    /// `nonFinite` (in its sorted place) mapping the value's path within the record to its name.
    mutating func recordNonFiniteValues() {
        switch self {
        case .array(let records) where records.allSatisfy({ if case .object = $0 { true } else { false } }):
            self = .array(records.map { var r = $0; r.recordNonFiniteValuesInRecord(); return r })
        default:
            recordNonFiniteValuesInRecord()
        }
    }

    private mutating func recordNonFiniteValuesInRecord() {
        var found: [(path: String, name: String)] = []
        self = replacingSentinels(path: "", &found)
        guard !found.isEmpty, case .object(var members) = self else { return }
        let entry = JSONTree.object(found.map { (key: "\"\($0.path)\"", value: .scalar("\"\($0.name)\"")) })
        let key = "\"nonFinite\""
        members.removeAll { $0.key == key }
        let place = members.firstIndex { $0.key > key } ?? members.count
        members.insert((key: key, value: entry), at: place)
        self = .object(members)
    }

    private func replacingSentinels(path: String, _ found: inout [(path: String, name: String)]) -> JSONTree {
        switch self {
        case .scalar(let text):
            guard let sentinel = Sentinel.allCases.first(where: { $0.quoted == text }) else { return self }
            found.append((path, sentinel.name))
            return .scalar("null")
        case .array(let elements):
            return .array(elements.enumerated().map { $0.element.replacingSentinels(path: "\(path)[\($0.offset)]", &found) })
        case .object(let members):
            return .object(members.map { member in
                // Keys are the encoder's quoted tokens; model keys are plain identifiers.
                let name = String(member.key.dropFirst().dropLast())
                return (member.key, member.value.replacingSentinels(path: path.isEmpty ? name : "\(path).\(name)", &found))
            })
        }
    }

    // MARK: Printing

    /// The text in `JSONEncoder`'s `.prettyPrinted` layout: two spaces per level, `"key" : value`,
    /// an empty container as an opening and closing line around a blank one.
    func prettyPrinted() -> String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    private func write(to out: inout String, indent: Int) {
        let inner = String(repeating: " ", count: indent + 2), outer = String(repeating: " ", count: indent)
        switch self {
        case .scalar(let text):
            out += text
        case .array(let elements):
            out += "[\n"
            if elements.isEmpty { out += "\n" }
            for (k, element) in elements.enumerated() {
                out += inner
                element.write(to: &out, indent: indent + 2)
                out += k + 1 < elements.count ? ",\n" : "\n"
            }
            out += outer + "]"
        case .object(let members):
            out += "{\n"
            if members.isEmpty { out += "\n" }
            for (k, member) in members.enumerated() {
                out += inner + member.key + " : "
                member.value.write(to: &out, indent: indent + 2)
                out += k + 1 < members.count ? ",\n" : "\n"
            }
            out += outer + "}"
        }
    }
}
