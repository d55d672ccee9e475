/// A file that cannot be read as numeric arrays: it names the file, the tensor when one is
/// concerned, and what is wrong (corrupt header, truncated data, unknown dtype, …).
///
/// The readers throw only this error; the command-line tool prints `description` and exits
/// with status 2.
public struct ArrayFileError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The path of the file.
    public let file: String
    /// The tensor concerned, or nil when the problem is the file as a whole.
    public let tensor: String?
    /// What is wrong, in words.
    public let reason: String

    public init(file: String, tensor: String? = nil, reason: String) {
        self.file = file
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String {
        if let tensor { return "\(file), tensor '\(tensor)': \(reason)" }
        return "\(file): \(reason)"
    }

    /// The product of `shape`, or nil if a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var n = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (p, overflow) = n.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            n = p
        }
        return n
    }
}
