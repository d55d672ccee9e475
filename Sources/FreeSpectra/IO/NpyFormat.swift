import Foundation

/// The NumPy `.npy` format, versions 1.0, 2.0 and 3.0: the magic `\x93NUMPY`, a version,
/// a header length (u16 for 1.0, u32 for 2.0/3.0, little-endian), a Python-literal header
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }` and the raw data.
///
/// Read: dtypes f2, f4, f8, i1–i8, u1–u8 and b1, either byte order ('<', '>', '|', '='), C or
/// Fortran order (returned in C order). Structured, complex, string and object dtypes are
/// refused with an `ArrayFileError` naming the file and the dtype; so are a wrong magic, a
/// header that does not parse, a negative dimension and data shorter than the shape needs.
/// Extra bytes after the data are refused too (they mean the header lies about the shape).
///
/// Written (`encode`): little-endian f8, C order, version 1.0 — what `numpy.load` reads.
///
/// Source: numpy/lib/format.py, "A simple file format for NumPy arrays" (NEP 1).
public enum NpyFormat {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Decodes one .npy image held in `data`; `file` and `name` label the array and messages.
    public static func decode(_ data: Data, file: String, name: String) throws -> NumericArray {
        func fail(_ reason: String) -> ArrayFileError { ArrayFileError(file: file, tensor: name, reason: reason) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy file (the magic \\x93NUMPY is missing)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy preamble") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy version \(major).\(bytes[7])")
        }
        guard data.count >= headerStart + headerLength else {
            throw fail("truncated .npy header: it declares \(headerLength) bytes, the file has \(data.count - headerStart)")
        }
        let headerData = data.subdata(in: data.startIndex + headerStart ..< data.startIndex + headerStart + headerLength)
        guard let header = String(data: headerData, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("the .npy header is not text")
        }
        let (type, bigEndian, fortran, shape) = try parseHeader(header, fail: fail)
        guard let count = ArrayFileError.elementCount(shape) else { throw fail("invalid shape \(shape)") }
        let dataStart = headerStart + headerLength
        let needed = count.multipliedReportingOverflow(by: type.size)
        guard !needed.overflow else { throw fail("shape \(shape) is too large") }
        let available = data.count - dataStart
        guard available >= needed.partialValue else {
            throw fail("truncated data: shape \(shape) of \(typeName(type)) needs \(needed.partialValue) bytes, the file has \(available)")
        }
        guard available == needed.partialValue else {
            throw fail("\(available - needed.partialValue) bytes after the data of shape \(shape): the header does not describe the file")
        }
        var values = data.withUnsafeBytes { type.decode($0, offset: dataStart, count: count, bigEndian: bigEndian) }
        if fortran && shape.count > 1 { values = fortranToC(values, shape: shape) }
        return try NumericArray(file: file, name: name, shape: shape, values: values,
                                storedType: (bigEndian ? ">" : "<") + typeName(type))
    }

    /// The .npy image (version 1.0, '<f8', C order) of `values` with `shape`.
    /// - Throws: `ArrayFileError` if the shape does not match the number of values.
    public static func encode(_ values: [Double], shape: [Int], file: String = "<memory>") throws -> Data {
        guard let count = ArrayFileError.elementCount(shape), count == values.count else {
            throw ArrayFileError(file: file, reason: "shape \(shape) does not match \(values.count) values")
        }
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(dims)), }"
        // Pad with spaces so that the data starts on a 64-byte boundary; end with '\n'.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { p in
            for x in p { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        return data
    }

    static func typeName(_ t: ElementType) -> String {
        switch t {
        case .float16: return "f2"
        case .bfloat16: return "bf16"
        case .float32: return "f4"
        case .float64: return "f8"
        case .int8: return "i1"
        case .int16: return "i2"
        case .int32: return "i4"
        case .int64: return "i8"
        case .uint8: return "u1"
        case .uint16: return "u2"
        case .uint32: return "u4"
        case .uint64: return "u8"
        case .bool: return "b1"
        }
    }

    /// Parses the header dict: descr, fortran_order, shape.
    static func parseHeader(_ header: String, fail: (String) -> ArrayFileError) throws
        -> (ElementType, bigEndian: Bool, fortran: Bool, shape: [Int]) {
        func value(after key: String) -> Substring? {
            guard let k = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
            var rest = header[k.upperBound...].drop(while: { $0 == " " })
            guard rest.first == ":" else { return nil }
            rest = rest.dropFirst().drop(while: { $0 == " " })
            return rest
        }
        guard let descrText = value(after: "descr") else { throw fail("the .npy header has no 'descr': \(header.prefix(80))") }
        guard let quote = descrText.first, quote == "'" || quote == "\"",
              let end = descrText.dropFirst().firstIndex(of: quote) else {
            throw fail("unsupported dtype \(descrText.prefix(40)) (structured arrays are not numeric arrays)")
        }
        let descr = String(descrText[descrText.index(after: descrText.startIndex)..<end])
        guard let (type, bigEndian) = elementType(descr) else {
            throw fail("unknown or unsupported dtype '\(descr)' (supported: f2, f4, f8, i1–i8, u1–u8, b1, either byte order)")
        }
        guard let orderText = value(after: "fortran_order") else { throw fail("the .npy header has no 'fortran_order'") }
        let fortran: Bool
        if orderText.hasPrefix("True") { fortran = true } else if orderText.hasPrefix("False") { fortran = false } else {
            throw fail("the .npy header's fortran_order is neither True nor False")
        }
        guard let shapeText = value(after: "shape"), shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw fail("the .npy header has no shape tuple")
        }
        let inner = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "L", with: "")
            if t.isEmpty { continue }
            guard let d = Int(t) else { throw fail("the .npy shape (\(inner)) is not a tuple of integers") }
            guard d >= 0 else { throw fail("negative dimension \(d) in the .npy shape (\(inner))") }
            shape.append(d)
        }
        return (type, bigEndian, fortran, shape)
    }

    /// '<f8' → (.float64, little endian); nil for anything unsupported.
    static func elementType(_ descr: String) -> (ElementType, Bool)? {
        guard descr.count >= 2 else { return nil }
        var s = Substring(descr)
        var bigEndian = false
        if let c = s.first, "<>|=".contains(c) {
            bigEndian = c == ">"
            s = s.dropFirst()
        }
        let table: [String: ElementType] = [
            "f2": .float16, "f4": .float32, "f8": .float64,
            "i1": .int8, "i2": .int16, "i4": .int32, "i8": .int64,
            "u1": .uint8, "u2": .uint16, "u4": .uint32, "u8": .uint64, "b1": .bool, "?": .bool,
        ]
        guard let t = table[String(s)] else { return nil }
        return (t, bigEndian)
    }

    /// Reorders Fortran-order (first index fastest) values into C order (last index fastest).
    static func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
        let k = shape.count
        var fStride = [Int](repeating: 1, count: k)
        for d in 1..<k { fStride[d] = fStride[d - 1] * shape[d - 1] }
        var out = [Double](repeating: 0, count: values.count)
        var index = [Int](repeating: 0, count: k)
        var f = 0
        for c in 0..<values.count {
            out[c] = values[f]
            // Increment the C-order multi-index (last dimension fastest), tracking f.
            var d = k - 1
            while d >= 0 {
                index[d] += 1
                f += fStride[d]
                if index[d] < shape[d] { break }
                f -= fStride[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}
