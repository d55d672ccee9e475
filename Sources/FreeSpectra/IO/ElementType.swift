import Foundation

/// A stored element type and its byte order: what every array format stores, decoded to
/// `Double` exactly (see `NumericArray`).
///
/// Half precision: IEEE 754 binary16 (`f2`, `F16`: 1 sign, 5 exponent, 10 fraction bits) and
/// bfloat16 (`BF16`: the top 16 bits of a binary32), both with subnormals, ±∞ and NaN.
public enum ElementType: Sendable, Equatable {
    case float16, bfloat16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32, uint64
    case bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .int8, .uint8, .bool: return 1
        case .float16, .bfloat16, .int16, .uint16: return 2
        case .float32, .int32, .uint32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Decodes `count` elements starting at byte `offset` of `bytes` into Doubles.
    /// The caller has checked that offset + count·size ≤ bytes.count.
    func decode(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int, bigEndian: Bool) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        let base = bytes.baseAddress! + offset
        @inline(__always) func u16(_ i: Int) -> UInt16 {
            let v = base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
            return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
        }
        @inline(__always) func u32(_ i: Int) -> UInt32 {
            let v = base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
            return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
        }
        @inline(__always) func u64(_ i: Int) -> UInt64 {
            let v = base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
            return bigEndian ? UInt64(bigEndian: v) : UInt64(littleEndian: v)
        }
        out.withUnsafeMutableBufferPointer { o in
            switch self {
            case .float16: for i in 0..<count { o[i] = Self.halfToDouble(u16(i)) }
            case .bfloat16: for i in 0..<count { o[i] = Double(Float(bitPattern: UInt32(u16(i)) << 16)) }
            case .float32: for i in 0..<count { o[i] = Double(Float(bitPattern: u32(i))) }
            case .float64: for i in 0..<count { o[i] = Double(bitPattern: u64(i)) }
            case .int8: for i in 0..<count { o[i] = Double(Int8(bitPattern: base.load(fromByteOffset: i, as: UInt8.self))) }
            case .uint8: for i in 0..<count { o[i] = Double(base.load(fromByteOffset: i, as: UInt8.self)) }
            case .bool: for i in 0..<count { o[i] = base.load(fromByteOffset: i, as: UInt8.self) == 0 ? 0 : 1 }
            case .int16: for i in 0..<count { o[i] = Double(Int16(bitPattern: u16(i))) }
            case .uint16: for i in 0..<count { o[i] = Double(u16(i)) }
            case .int32: for i in 0..<count { o[i] = Double(Int32(bitPattern: u32(i))) }
            case .uint32: for i in 0..<count { o[i] = Double(u32(i)) }
            case .int64: for i in 0..<count { o[i] = Double(Int64(bitPattern: u64(i))) }
            case .uint64: for i in 0..<count { o[i] = Double(u64(i)) }
            }
        }
        return out
    }

    /// IEEE binary16 bits → Double, exactly (subnormals, ±∞, NaN included).
    static func halfToDouble(_ h: UInt16) -> Double {
        let sign: Double = (h & 0x8000) != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let fraction = Double(h & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }

    /// Double → IEEE binary16 bits, rounded to nearest even (through `Float16`).
    static func doubleToHalf(_ x: Double) -> UInt16 { Float16(x).bitPattern }

    /// Double → bfloat16 bits: the binary32 value rounded to nearest even in its top 16 bits.
    static func doubleToBFloat16(_ x: Double) -> UInt16 {
        let f = Float(x)
        if f.isNaN { return 0x7FC0 }
        let bits = f.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}
