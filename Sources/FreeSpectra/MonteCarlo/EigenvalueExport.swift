import Foundation

/// Writers for raw eigenvalues, for analysis outside FreeSpectra.
public enum EigenvalueExport {
    /// The file formats, chosen by file extension.
    public enum Format: String, Sendable, CaseIterable {
        /// Text: a header line `eigenvalue`, then one value per line in Swift's shortest
        /// round-tripping decimal form (reads back bit-exactly).
        case csv
        /// NumPy `.npy` format version 1.0: magic `\x93NUMPY`, version 1.0, a little-endian
        /// UInt16 header length, the header dict
        /// `{'descr': '<f8', 'fortran_order': False, 'shape': (n,), }` padded with spaces and
        /// a newline so the data starts at a multiple of 64 bytes, then n little-endian
        /// IEEE-754 doubles. `numpy.load` reads it as a 1-D float64 array.
        case npy

        /// The format for a file extension (`csv` or `npy`, case-insensitive).
        /// - Throws: `invalidArgument` for any other extension.
        public init(pathExtension: String) throws {
            guard let f = Format(rawValue: pathExtension.lowercased()) else {
                throw NumericalError.invalidArgument(
                    "unknown eigenvalue file extension '.\(pathExtension)'; use .csv or .npy")
            }
            self = f
        }
    }

    /// The bytes of `values` (1-D, in the given order) in `format`.
    public static func data(_ values: [Double], format: Format) -> Data {
        switch format {
        case .csv:
            var text = "eigenvalue\n"
            text.reserveCapacity(values.count * 24)
            for v in values { text += "\(v)\n" }
            return Data(text.utf8)
        case .npy:
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(values.count),), }"
            let preamble = 10  // magic (6) + version (2) + header length (2)
            let unpadded = preamble + header.utf8.count + 1  // + the closing newline
            header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
            var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
            let length = UInt16(header.utf8.count)
            data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
            data.append(contentsOf: Array(header.utf8))
            data.reserveCapacity(data.count + 8 * values.count)
            for v in values {
                withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            return data
        }
    }

    /// Writes `values` to `url` in the format given by its extension (`.csv` or `.npy`),
    /// replacing any existing file atomically.
    /// - Throws: `invalidArgument` for another extension; the file system's error if the
    ///   write fails.
    public static func write(_ values: [Double], to url: URL) throws {
        let format = try Format(pathExtension: url.pathExtension)
        try data(values, format: format).write(to: url, options: .atomic)
    }
}
