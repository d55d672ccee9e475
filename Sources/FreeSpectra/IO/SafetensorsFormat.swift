import Foundation

/// The safetensors format, read natively: 8 bytes (u64, little-endian) giving the length n of
/// a UTF-8 JSON header, the header `{"name": {"dtype": "F32", "shape": [r, c],
/// "data_offsets": [begin, end]}, …, "__metadata__": {…}}`, then the byte buffer; offsets are
/// relative to the buffer's start and the data is little-endian, C order.
///
/// Read dtypes: F16, BF16, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, BOOL. A dtype
/// outside these (F8_E4M3, …) is an `ArrayFileError` naming the tensor — only if that tensor
/// is selected, so a file can still be read for its other tensors. Also refused, naming file
/// and tensor: a header length beyond the file, a header that is not a JSON object, an entry
/// without dtype/shape/data_offsets, negative dimensions, offsets outside the buffer, and a
/// byte range whose length is not shape × element size.
///
/// `encode` writes the same format (F16, BF16, F32, F64), for tests and for saving.
///
/// Source: the format's specification, github.com/huggingface/safetensors (README, "Format").
public enum SafetensorsFormat {
    /// One tensor's header entry.
    public struct Entry: Sendable, Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        public let begin: Int
        public let end: Int
    }

    /// The header entries of `data`, in the order of their data in the file.
    public static func entries(_ data: Data, file: String) throws -> (entries: [Entry], bufferStart: Int) {
        func fail(_ reason: String, _ tensor: String? = nil) -> ArrayFileError {
            ArrayFileError(file: file, tensor: tensor, reason: reason)
        }
        guard data.count >= 8 else { throw fail("truncated: \(data.count) bytes, fewer than the 8-byte header length") }
        let n = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n <= UInt64(data.count - 8) else {
            throw fail("corrupt or truncated header: it declares \(n) bytes, the file has \(data.count - 8) after the length")
        }
        let bufferStart = 8 + Int(n)
        let headerData = data.subdata(in: data.startIndex + 8 ..< data.startIndex + bufferStart)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerData)
        } catch {
            throw fail("corrupt header: not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw fail("corrupt header: not a JSON object") }
        let bufferLength = data.count - bufferStart
        var entries: [Entry] = []
        for (name, value) in object where name != "__metadata__" {
            guard let info = value as? [String: Any] else { throw fail("header entry is not an object", name) }
            guard let dtype = info["dtype"] as? String else { throw fail("header entry has no dtype", name) }
            guard let shapeAny = info["shape"] as? [Any], let shape = shapeAny.map({ ($0 as? NSNumber)?.intValue }) as? [Int],
                  shapeAny.allSatisfy({ ($0 as? NSNumber).map { Double($0.intValue) == $0.doubleValue } ?? false }) else {
                throw fail("header entry has no integer shape", name)
            }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("negative dimension in shape \(shape)", name) }
            guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
                  let begin = (offsets[0] as? NSNumber)?.intValue, let end = (offsets[1] as? NSNumber)?.intValue else {
                throw fail("header entry has no data_offsets [begin, end]", name)
            }
            guard begin >= 0, end >= begin else { throw fail("invalid data_offsets [\(begin), \(end)]", name) }
            guard end <= bufferLength else {
                throw fail("truncated: data_offsets [\(begin), \(end)] extend past the \(bufferLength)-byte data buffer", name)
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        entries.sort { ($0.begin, $0.name) < ($1.begin, $1.name) }
        return (entries, bufferStart)
    }

    /// The selected tensors of a safetensors image, decoded (in file order).
    public static func decode(_ data: Data, file: String, selecting: (String) -> Bool = { _ in true }) throws -> [NumericArray] {
        let (entries, bufferStart) = try entries(data, file: file)
        return try entries.filter { selecting($0.name) }.map { e in
            guard let type = elementType(e.dtype) else {
                throw ArrayFileError(file: file, tensor: e.name,
                                     reason: "unknown or unsupported dtype '\(e.dtype)' (supported: F16, BF16, F32, F64, I8–I64, U8–U64, BOOL)")
            }
            guard let count = ArrayFileError.elementCount(e.shape), count.multipliedReportingOverflow(by: type.size) == (count * type.size, false),
                  e.end - e.begin == count * type.size else {
                throw ArrayFileError(file: file, tensor: e.name,
                                     reason: "data_offsets [\(e.begin), \(e.end)] hold \(e.end - e.begin) bytes; shape \(e.shape) of \(e.dtype) needs \(ArrayFileError.elementCount(e.shape).map { "\($0 * type.size)" } ?? "too many")")
            }
            let values = data.withUnsafeBytes { type.decode($0, offset: bufferStart + e.begin, count: count, bigEndian: false) }
            return try NumericArray(file: file, name: e.name, shape: e.shape, values: values, storedType: e.dtype)
        }
    }

    /// A tensor to write: its values are rounded to `dtype` (F16, BF16 and F32 round to
    /// nearest even; F64 is exact).
    public struct Tensor: Sendable {
        public let name: String
        public let shape: [Int]
        public let values: [Double]
        public let dtype: String
        public init(name: String, shape: [Int], values: [Double], dtype: String) {
            self.name = name; self.shape = shape; self.values = values; self.dtype = dtype
        }
    }

    /// The safetensors image of `tensors`, data in the given order, header padded with
    /// spaces to a multiple of 8 bytes.
    /// - Throws: `ArrayFileError` for a dtype other than F16, BF16, F32, F64 or a shape that
    ///   does not match its values.
    public static func encode(_ tensors: [Tensor], file: String = "<memory>") throws -> Data {
        var buffer = Data()
        var header: [String: Any] = [:]
        for t in tensors {
            guard let count = ArrayFileError.elementCount(t.shape), count == t.values.count else {
                throw ArrayFileError(file: file, tensor: t.name, reason: "shape \(t.shape) does not match \(t.values.count) values")
            }
            let begin = buffer.count
            switch t.dtype {
            case "F64": for x in t.values { append(x.bitPattern, to: &buffer) }
            case "F32": for x in t.values { append(Float(x).bitPattern, to: &buffer) }
            case "F16": for x in t.values { append(ElementType.doubleToHalf(x), to: &buffer) }
            case "BF16": for x in t.values { append(ElementType.doubleToBFloat16(x), to: &buffer) }
            default: throw ArrayFileError(file: file, tensor: t.name, reason: "cannot write dtype '\(t.dtype)' (F16, BF16, F32, F64)")
            }
            header[t.name] = ["dtype": t.dtype, "shape": t.shape, "data_offsets": [begin, buffer.count]] as [String: Any]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var out = Data()
        append(UInt64(json.count), to: &out)
        out.append(json)
        out.append(buffer)
        return out
    }

    static func append<T: FixedWidthInteger>(_ x: T, to data: inout Data) {
        withUnsafeBytes(of: x.littleEndian) { data.append(contentsOf: $0) }
    }

    static func elementType(_ dtype: String) -> ElementType? {
        switch dtype {
        case "F16": return .float16
        case "BF16": return .bfloat16
        case "F32": return .float32
        case "F64": return .float64
        case "I8": return .int8
        case "I16": return .int16
        case "I32": return .int32
        case "I64": return .int64
        case "U8": return .uint8
        case "U16": return .uint16
        case "U32": return .uint32
        case "U64": return .uint64
        case "BOOL": return .bool
        default: return nil
        }
    }
}
