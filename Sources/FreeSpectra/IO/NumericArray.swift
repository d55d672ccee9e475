import Foundation

/// An n-dimensional numeric array read from a file: its name, its shape and its entries as
/// `Double`, in row-major (C) order — entry (i₀, i₁, …) is `values[((i₀·d₁ + i₁)·d₂ + …)]`,
/// whatever order the file stored them in.
///
/// Every reader in `ArrayFiles` returns this type (npy, npz, safetensors, csv), so that a
/// command needs one code path for all formats. Integers and half-precision floats are
/// converted to `Double` exactly (every f16, bf16, f32 and every integer of magnitude ≤ 2⁵³
/// is a Double); 64-bit integers beyond 2⁵³ are rounded to the nearest Double.
public struct NumericArray: Sendable, Equatable {
    /// The file the array came from (a path as given), for messages.
    public let file: String
    /// The tensor's name: the safetensors key, the npz member without `.npy`, or the file
    /// name for a single .npy / .csv.
    public let name: String
    /// The dimensions, outermost first (`[]` for a scalar).
    public let shape: [Int]
    /// The entries in row-major order; `values.count` is the product of `shape`.
    public let values: [Double]
    /// The element type as stored ("f4", "<f2", "BF16", "int64", …), for reports.
    public let storedType: String

    /// - Throws: `ArrayFileError` if a dimension is negative or `values.count` is not the
    ///   product of `shape`.
    public init(file: String, name: String, shape: [Int], values: [Double], storedType: String = "f8") throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ArrayFileError(file: file, tensor: name, reason: "negative dimension in shape \(shape)")
        }
        guard let count = ArrayFileError.elementCount(shape), count == values.count else {
            throw ArrayFileError(file: file, tensor: name, reason: "shape \(shape) does not match \(values.count) values")
        }
        self.file = file
        self.name = name
        self.shape = shape
        self.values = values
        self.storedType = storedType
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// The number of entries (product of the shape; 1 for a scalar).
    public var count: Int { values.count }

    /// Throws an `ArrayFileError` naming the file, the tensor and the first offending index
    /// unless every entry is finite (no NaN, no ±∞).
    public func requireFinite() throws {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw ArrayFileError(file: file, tensor: name,
                                 reason: "entry \(multiIndex(i)) is \(values[i]) (the tensor must be finite)")
        }
    }

    /// The multi-index (i₀, i₁, …) of flat row-major position `flat`.
    public func multiIndex(_ flat: Int) -> [Int] {
        var rest = flat
        var index = [Int](repeating: 0, count: shape.count)
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
            index[d] = rest % shape[d]
            rest /= shape[d]
        }
        return index
    }
}
