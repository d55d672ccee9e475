import Foundation

/// A numeric array read from a NumPy `.npy` file, as Doubles in C (row-major) order.
///
/// Format (NumPy NEP 1, "A simple file format for NumPy arrays"): the magic `\x93NUMPY`, a
/// major and minor version byte, the header length (little-endian UInt16 for version 1,
/// UInt32 for versions 2 and 3), the header — a Python dict literal with the keys `descr`,
/// `fortran_order` and `shape` — and the raw data. Read here: `descr` a float (`f4`, `f8`) or
/// integer (`i1`…`i8`, `u1`…`u8`) type of either byte order (`<`, `>`, `|`, `=` taken as
/// little-endian), C or Fortran order (Fortran data is transposed to C order), any rank.
/// Writer: `EigenvalueExport` (`.npy`, 1-D float64).
public struct NpyArray: Sendable, Equatable {
    /// The shape, outermost axis first; [] for a scalar.
    public let shape: [Int]
    /// The Π shape entries in C order (the last index fastest).
    public let values: [Double]

    public init(shape: [Int], values: [Double]) {
        self.shape = shape
        self.values = values
    }

    /// Reads `url`.
    /// - Throws: `invalidArgument` naming the file when it cannot be read, is not a `.npy`
    ///   file, holds a type other than the numeric ones above (object arrays, complex,
    ///   strings), or is shorter than its header says.
    public init(contentsOf url: URL) throws {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw NumericalError.invalidArgument("cannot read \(url.path): \(error.localizedDescription)")
        }
        try self.init(data: data, name: url.lastPathComponent)
    }

    /// Parses the bytes of a `.npy` file; `name` is used in messages.
    public init(data: Data, name: String) throws {
        let bytes = [UInt8](data)
        func fail(_ why: String) -> NumericalError { .invalidArgument("\(name) is not a readable .npy array: \(why)") }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("no NumPy magic header") }
        let major = bytes[6]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default: throw fail("unknown format version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let dataStart = headerStart + headerLength

        guard let descr = Self.quotedValue(of: "descr", in: header) else { throw fail("no 'descr' in the header") }
        guard let type = ScalarType(descr) else {
            throw fail("element type '\(descr)' is not a real number type (float32/64 or an integer)")
        }
        let fortran: Bool
        if header.contains("'fortran_order': True") { fortran = true } else if header.contains("'fortran_order': False") { fortran = false } else {
            throw fail("no 'fortran_order' in the header")
        }
        guard let shape = Self.shape(in: header) else { throw fail("no readable 'shape' in the header") }
        let count = shape.reduce(1, *)
        guard dataStart + count * type.size <= bytes.count else {
            throw fail("the header promises \(count) values of \(type.size) bytes, the file holds \(bytes.count - dataStart) bytes of data")
        }
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count { values[i] = type.read(bytes, at: dataStart + i * type.size) }
        if fortran && shape.count > 1 { values = Self.fortranToC(values, shape: shape) }
        self.shape = shape
        self.values = values
    }

    /// The text between quotes after `'key':` in the header dict.
    static func quotedValue(of key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)':") else { return nil }
        let rest = header[range.upperBound...].drop { $0 == " " }
        guard let quote = rest.first, quote == "'" || quote == "\"" else { return nil }
        let body = rest.dropFirst()
        guard let end = body.firstIndex(of: quote) else { return nil }
        return String(body[..<end])
    }

    /// The tuple after `'shape':`, e.g. (3,), (2, 5) or ().
    static func shape(in header: String) -> [Int]? {
        guard let range = header.range(of: "'shape':"),
              let open = header[range.upperBound...].firstIndex(of: "("),
              let close = header[open...].firstIndex(of: ")") else { return nil }
        let parts = header[header.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let dims = parts.map { Int($0) }
        guard dims.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        return dims.map { $0! }
    }

    /// Reorders column-major (first index fastest) values into row-major order.
    static func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
        var result = [Double](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: shape.count)
        for f in 0..<values.count {
            // f = i₀ + s₀(i₁ + s₁(i₂ …)); the C offset is ((i₀ s₁ + i₁) s₂ + i₂) …
            var c = 0
            for k in 0..<shape.count { c = c * shape[k] + index[k] }
            result[c] = values[f]
            for k in 0..<shape.count {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
            }
        }
        return result
    }

    /// The element types that convert to Double.
    struct ScalarType {
        enum Kind { case float, signed, unsigned }
        let kind: Kind
        let size: Int
        let bigEndian: Bool

        init?(_ descr: String) {
            guard descr.count >= 3, let order = descr.first, "<>|=".contains(order),
                  let size = Int(descr.dropFirst(2)) else { return nil }
            switch descr.dropFirst().first {
            case "f" where size == 4 || size == 8: kind = .float
            case "i" where [1, 2, 4, 8].contains(size): kind = .signed
            case "u" where [1, 2, 4, 8].contains(size): kind = .unsigned
            default: return nil
            }
            self.size = size
            bigEndian = order == ">"
        }

        func read(_ bytes: [UInt8], at offset: Int) -> Double {
            var raw: UInt64 = 0
            for k in 0..<size {
                let byte = UInt64(bytes[offset + (bigEndian ? size - 1 - k : k)])
                raw |= byte << (8 * UInt64(k))
            }
            switch (kind, size) {
            case (.float, 8): return Double(bitPattern: raw)
            case (.float, _): return Double(Float(bitPattern: UInt32(raw)))
            case (.unsigned, _): return Double(raw)
            case (.signed, _):
                let shift = UInt64(64 - 8 * size)
                return Double(Int64(bitPattern: raw << shift) >> Int64(shift))
            }
        }
    }
}
