import Foundation

/// A real matrix read from a file: NumPy `.npy` (format 1.0–3.0; little-endian float64
/// `<f8` or float32 `<f4`; C or Fortran order; 1-D or 2-D) or text `.csv` (numbers separated
/// by commas or white space, one row per line; a first line that is not numeric is taken as a
/// header; blank lines and lines starting with # are skipped). A 1-D array is one column.
public struct MatrixFile: Sendable {
    public let rows: Int
    public let columns: Int
    /// The entries row after row: (i, j) at `values[i·columns + j]`.
    public let values: [Double]

    /// The entries as a `DenseMatrix` (column-major).
    public var matrix: DenseMatrix {
        get throws {
            var storage = [Double](repeating: 0, count: rows * columns)
            for i in 0..<rows { for j in 0..<columns { storage[i + j * rows] = values[i * columns + j] } }
            return try DenseMatrix(rows: rows, columns: columns, columnMajor: storage)
        }
    }

    /// Reads `path`, choosing the format by its extension.
    /// - Throws: `invalidArgument` naming the file for a missing or unreadable file, an
    ///   unknown extension, a corrupt or unsupported `.npy` header, a non-numeric CSV field,
    ///   ragged CSV rows, or an empty file.
    public static func read(_ path: String) throws -> MatrixFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw NumericalError.invalidArgument("\(path): no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NumericalError.invalidArgument("\(path): the file cannot be read")
        }
        switch (path as NSString).pathExtension.lowercased() {
        case "npy": return try npy(data, path)
        case "csv", "txt": return try csv(data, path)
        default: throw NumericalError.invalidArgument("\(path): unknown extension; use .npy or .csv")
        }
    }

    static func npy(_ data: Data, _ path: String) throws -> MatrixFile {
        let bytes = [UInt8](data)
        func corrupt(_ why: String) -> NumericalError { .invalidArgument("\(path): not a readable .npy file (\(why))") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else { throw corrupt("no NumPy magic") }
        let major = bytes[6]
        let headerLength: Int, start: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10
        } else if major == 2 || major == 3 {
            guard bytes.count >= 12 else { throw corrupt("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        } else { throw corrupt("format version \(major)") }
        guard start + headerLength <= bytes.count, let header = String(bytes: bytes[start..<(start + headerLength)], encoding: .utf8) else {
            throw corrupt("truncated header")
        }
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descr = field("descr"), let order = field("fortran_order"), let shapeText = field("shape") else { throw corrupt("header without descr/fortran_order/shape") }
        let width: Int
        if descr.hasPrefix("'<f8'") || descr.hasPrefix("'float64'") { width = 8 }
        else if descr.hasPrefix("'<f4'") { width = 4 }
        else { throw NumericalError.invalidArgument("\(path): unsupported .npy dtype \(descr.prefix(while: { $0 != "," })); save float64 or float32 (little-endian)") }
        let fortran = order.hasPrefix("True")
        guard let open = shapeText.firstIndex(of: "("), let close = shapeText.firstIndex(of: ")") else { throw corrupt("bad shape") }
        let dims = shapeText[shapeText.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard (1...2).contains(dims.count), let shape = Optional(dims.compactMap { Int($0) }), shape.count == dims.count, shape.allSatisfy({ $0 > 0 }) else {
            throw NumericalError.invalidArgument("\(path): the array must be 1-D or 2-D and non-empty, shape (\(dims.joined(separator: ", ")))")
        }
        let rows = shape[0], columns = shape.count == 2 ? shape[1] : 1
        let count = rows * columns, offset = start + headerLength
        guard bytes.count - offset >= count * width else { throw corrupt("\(count) values announced, \((bytes.count - offset) / width) present") }
        var raw = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { p in
            for k in 0..<count {
                if width == 8 { raw[k] = Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: offset + 8 * k, as: UInt64.self))) }
                else { raw[k] = Double(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: offset + 4 * k, as: UInt32.self)))) }
            }
        }
        if fortran && columns > 1 {
            var c = raw
            for i in 0..<rows { for j in 0..<columns { c[i * columns + j] = raw[i + j * rows] } }
            raw = c
        }
        return MatrixFile(rows: rows, columns: columns, values: raw)
    }

    static func csv(_ data: Data, _ path: String) throws -> MatrixFile {
        guard let text = String(data: data, encoding: .utf8) else { throw NumericalError.invalidArgument("\(path): not UTF-8 text") }
        var values: [Double] = [], columns = -1, rows = 0
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == ";" }).map(String.init)
            let parsed = fields.map { Double($0) }
            if parsed.contains(where: { $0 == nil }) {
                if rows == 0 && columns < 0 && values.isEmpty && number == 0 { continue }  // a header line
                let bad = fields[parsed.firstIndex(where: { $0 == nil })!]
                throw NumericalError.invalidArgument("\(path) line \(number + 1): '\(bad)' is not a number")
            }
            if columns < 0 { columns = fields.count }
            guard fields.count == columns else {
                throw NumericalError.invalidArgument("\(path) line \(number + 1): \(fields.count) values, but the first row has \(columns)")
            }
            values += parsed.map { $0! }
            rows += 1
        }
        guard rows > 0 else { throw NumericalError.invalidArgument("\(path): no numbers in the file") }
        return MatrixFile(rows: rows, columns: columns, values: values)
    }
}
