import ArgumentParser
import FreeSpectra
import Foundation

// Everything the commands read from the command line goes through the parsers of this file,
// so that every option spells numbers, lists and names the same way and every refusal names
// the option, the value, what is accepted and what to try.

// MARK: Numbers

/// The one spelling of numbers on the command line: plain decimal, `0.5`, `-3`, `1e-3`,
/// `2.5E+4`. Hexadecimal (`0x10`), `inf`, `nan` and `infinity` are refused, and so is a value
/// beyond Double's range (`1e400`): Swift's `Double(_:)` would read `0x10` as 16 and `1e400`
/// as ∞ without a word.
enum PlainNumber {
    /// Whether `text` is a plain decimal number: an optional sign, digits with at most one
    /// decimal point, an optional exponent.
    static func isDecimal(_ text: String) -> Bool {
        var chars = Substring(text)
        if let first = chars.first, first == "+" || first == "-" { chars = chars.dropFirst() }
        var mantissaDigits = 0, sawPoint = false
        while let c = chars.first, c.isASCII, c.isNumber || c == "." {
            if c == "." { if sawPoint { return false }; sawPoint = true } else { mantissaDigits += 1 }
            chars = chars.dropFirst()
        }
        guard mantissaDigits > 0 else { return false }
        if let e = chars.first, e == "e" || e == "E" {
            chars = chars.dropFirst()
            if let sign = chars.first, sign == "+" || sign == "-" { chars = chars.dropFirst() }
            guard !chars.isEmpty, chars.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            return true
        }
        return chars.isEmpty
    }

    /// `text` as a finite Double, or an error that says how to write it.
    static func decimal(_ text: String) throws -> Double {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard isDecimal(t), let x = Double(t) else {
            throw ValidationError("'\(text)' is not a plain decimal number: write it like 0.5, 16, -2 or 1e-3 (hexadecimal, inf and nan are not accepted)")
        }
        guard x.isFinite else {
            throw ValidationError("'\(text)' is beyond Double's range (±1.8e308)")
        }
        return x
    }

    /// `text` as a whole number, or an error that says how to write it.
    static func whole(_ text: String) throws -> Int {
        let t = text.trimmingCharacters(in: .whitespaces)
        let digits = t.first == "+" || t.first == "-" ? t.dropFirst() : Substring(t)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw ValidationError("'\(text)' is not a whole number: write it in decimal digits, like 16")
        }
        guard let n = Int(t) else { throw ValidationError("'\(text)' is too large") }
        return n
    }

    /// `text` as a random seed: a whole number from 0 to 2⁶⁴ − 1.
    static func seed(_ text: String) throws -> UInt64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), let seed = UInt64(t) else {
            throw ValidationError("'\(text)' is not a seed: give a whole number from 0 to \(UInt64.max)")
        }
        return seed
    }
}

/// A Double option: plain decimal only (`@Option(transform: decimalOption)`).
func decimalOption(_ text: String) throws -> Double { try PlainNumber.decimal(text) }

/// A comma-separated list `a,b,c` of values of one kind, with no empty item.
struct CommaList<T> {
    let values: [T]

    /// Each item of `text` read by `item`; an empty item (`1,,2`, `1,`) is an error that names it.
    init(_ text: String, example: String = "4,16,64", item: (String) throws -> T) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let empty = parts.firstIndex(where: \.isEmpty) {
            throw ValidationError(parts.count == 1
                ? "the list is empty; give comma-separated values like \(example)"
                : "item \(empty + 1) of '\(text)' is empty; give comma-separated values like \(example), without empty items")
        }
        values = try parts.map(item)
    }

    /// A list of plain decimal numbers.
    static func decimals(_ text: String) throws -> CommaList<Double> { try CommaList<Double>(text, item: PlainNumber.decimal) }

    /// A list of whole numbers.
    static func wholes(_ text: String) throws -> CommaList<Int> { try CommaList<Int>(text, item: PlainNumber.whole) }
}

extension CommaList where T: CaseInsensitiveArgument {
    /// A list of names of `T`, each matched as `T.choice` matches one.
    static func choices(_ text: String) throws -> CommaList<T> {
        try CommaList<T>(text, example: T.allValueStrings.joined(separator: ","), item: T.choice)
    }
}

/// `LO:HI:COUNT`: COUNT values spaced logarithmically from LO to HI (0 < LO ≤ HI, COUNT whole
/// in 1…`maxCount`); the usage error names `option`.
func logGrid(_ spec: String, option: String, maxCount: Int) throws -> [Double] {
    let usage = "\(option) must be LO:HI:COUNT with 0 < LO ≤ HI and COUNT a whole number from 1 to \(maxCount), got '\(spec)'"
    let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    guard parts.count == 3, let lo = try? PlainNumber.decimal(parts[0]), let hi = try? PlainNumber.decimal(parts[1]),
          let count = try? PlainNumber.whole(parts[2]), lo > 0, hi >= lo, (1...maxCount).contains(count) else {
        throw ValidationError(usage)
    }
    return (0..<count).map { i in count == 1 ? lo : lo * pow(hi / lo, Double(i) / Double(count - 1)) }
}

// MARK: Names

/// An option whose value is one of a fixed set of names, matched without regard to case
/// (`--format JSON`, `--weights Gaussian`, `--mode INDEPENDENT`). Every enum option of
/// freespec conforms, so all of them read names the same way and list the valid ones.
protocol CaseInsensitiveArgument: ExpressibleByArgument, CaseIterable, RawRepresentable where RawValue == String {}

extension CaseInsensitiveArgument {
    public init?(argument: String) {
        guard let value = Self.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(argument.trimmingCharacters(in: .whitespaces)) == .orderedSame }) else { return nil }
        self = value
    }

    public static var allValueStrings: [String] { allCases.map(\.rawValue) }

    /// The case named by `text`, or an error listing the valid names.
    static func choice(_ text: String) throws -> Self {
        guard let value = Self(argument: text) else {
            throw ValidationError("'\(text)' is not one of \(allValueStrings.joined(separator: ", ")) (names are case-insensitive)")
        }
        return value
    }
}

extension WeightEnsemble: CaseInsensitiveArgument {}
extension SamplingMode: CaseInsensitiveArgument {}
extension DensityScale: CaseInsensitiveArgument {}

/// The activation named by `--activation`, or a usage error that says what is wrong with
/// the name (unknown name, bad leaky-relu slope, a parameter the activation does not take).
/// Names are case-insensitive (the library's `Activations.parse`); a slope is a plain decimal.
func parseActivation(_ spec: String, option: String = "--activation",
                     using lookup: (String) throws -> any Activation = Activations.named) throws -> any Activation {
    let name = spec.trimmingCharacters(in: .whitespaces)
    guard !name.isEmpty else { throw ValidationError("\(option) needs a name, got an empty one") }
    if let parameter = Activations.parse(name).parameter, !PlainNumber.isDecimal(parameter) {
        throw ValidationError("\(option) \(spec): the parameter '\(parameter)' is not a plain decimal number (write e.g. leaky-relu:0.2)")
    }
    do {
        return try lookup(name)
    } catch let NumericalError.invalidArgument(message) {
        throw ValidationError("\(option): \(message)")
    }
}

// MARK: Output files

/// A usage error unless `path` is a file `option` can write: not empty, with one of the
/// `extensions` (lower case, without the dot) when given, not a folder, in a folder that
/// exists, and writable — checked by opening it for writing without truncating it, or, when
/// it does not exist, by creating it and removing it again, so that nothing is left behind
/// when a later check or the computation fails.
func validateOutputPath(_ path: String, option: String, extensions: [String] = [], writes kind: String = "") throws {
    guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
        throw ValidationError("\(option) needs a file name, got an empty path")
    }
    let url = URL(fileURLWithPath: path)
    var isFolder: ObjCBool = false
    let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
    if exists && isFolder.boolValue {
        throw ValidationError("\(option) \(path): that is a folder; give a file name inside it, e.g. \(path.hasSuffix("/") ? path : path + "/")out.\(extensions.first ?? "txt")")
    }
    if !extensions.isEmpty && !extensions.contains(url.pathExtension.lowercased()) {
        let suggestion = String(path.dropLast(url.pathExtension.isEmpty ? 0 : url.pathExtension.count + 1)) + "." + extensions[0]
        let found = url.pathExtension.isEmpty ? "it has no extension" : "'.\(url.pathExtension)' is not one of them"
        var message = "\(option) \(path): freespec writes \(kind.isEmpty ? "" : kind + " ")files ending in \(extensions.map { "." + $0 }.joined(separator: " or ")), and \(found); name it e.g. \(suggestion)"
        if extensions == ["svg"] && url.pathExtension.lowercased() == "png" {
            message += " (and convert it afterwards: rsvg-convert -o \(path) \(suggestion))"
        }
        throw ValidationError(message)
    }
    if exists {
        let fd = open(path, O_WRONLY | O_APPEND)
        guard fd >= 0 else { throw ValidationError("\(option) \(path): the file exists but cannot be written (\(String(cString: strerror(errno))))") }
        close(fd)
        return
    }
    let folder = url.deletingLastPathComponent().path
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
        throw ValidationError("\(option) \(path): the folder \(folder) does not exist (create it first)")
    }
    guard isFolder.boolValue else { throw ValidationError("\(option) \(path): \(folder) is a file, not a folder") }
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
    guard fd >= 0 else {
        throw ValidationError("\(option) \(path): cannot create a file in \(folder) (\(String(cString: strerror(errno))))")
    }
    close(fd)
    unlink(path)
}

// MARK: Options that need --monte-carlo

/// A usage error naming each option of `given` (option name → whether it was given) that was
/// given although `enabled` is false: such an option would otherwise be ignored without a word.
func requireMonteCarlo(_ given: [(String, Bool)], enabled: Bool, alternatives: String = "--monte-carlo") throws {
    guard !enabled else { return }
    let names = given.filter(\.1).map(\.0)
    guard !names.isEmpty else { return }
    let list = names.joined(separator: ", ")
    throw ValidationError("\(list) \(names.count == 1 ? "sets" : "set") the Monte Carlo run and \(names.count == 1 ? "needs" : "need") \(alternatives); add \(alternatives) or drop \(list)")
}

// MARK: Checks after parsing

/// Whether `validate()` checks values. `FreeSpec.parseChecked` parses twice: first with this
/// false, so that ArgumentParser's own errors (an unknown option, a missing value, a malformed
/// number) come first — it runs `validate()` before it looks for unknown options, so
/// `jacobian --foo` would otherwise be told to give --q-star — then with it true, for the
/// checks of values. Every `validate()` of freespec starts with `guard ValueChecks.enabled`.
enum ValueChecks {
    @TaskLocal static var enabled = true
}
