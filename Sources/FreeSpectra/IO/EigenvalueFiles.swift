import Foundation

/// Readers for the inputs of level statistics: eigenvalues (one sample or one per sample)
/// and symmetric matrices whose eigenvalues LAPACK computes.
public enum EigenvalueFiles {
    /// The eigenvalue samples in `url`, by extension:
    ///
    /// - `.npy`: a 1-D array is one sample; a 2-D array of shape (S, N) is S samples of N
    ///   eigenvalues (one per row, as `numpy.save(f, numpy.stack(samples))` writes them).
    /// - `.csv`: numbers separated by commas, one line per row; a first line that is not all
    ///   numbers is a header and skipped, blank lines are skipped. One number per line (the
    ///   format `--eigenvalues` of the Monte Carlo commands writes) is one sample; several per
    ///   line make each line a sample (lines may differ in length).
    ///
    /// Values are returned as read (NaN included): `LevelSamples` checks them.
    /// - Throws: `invalidArgument` naming the file for a missing or unreadable file, another
    ///   extension, an array of rank > 2, a cell that is not a number (with its line), or no
    ///   numbers at all.
    public static func eigenvalueSamples(_ url: URL) throws -> [[Double]] {
        switch url.pathExtension.lowercased() {
        case "npy":
            let array = try NpyArray(contentsOf: url)
            switch array.shape.count {
            case 1: return [array.values]
            case 2:
                let (s, n) = (array.shape[0], array.shape[1])
                guard s > 0 && n > 0 else { throw NumericalError.invalidArgument("\(url.lastPathComponent): the array of shape (\(s), \(n)) is empty") }
                return (0..<s).map { Array(array.values[($0 * n)..<(($0 + 1) * n)]) }
            default:
                throw NumericalError.invalidArgument("\(url.lastPathComponent): eigenvalues must be a 1-D array (one sample) or 2-D (one sample per row), got shape \(array.shape)")
            }
        case "csv", "txt":
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw NumericalError.invalidArgument("cannot read \(url.path): \(error.localizedDescription)")
            }
            return try csvRows(text, name: url.lastPathComponent)
        default:
            throw NumericalError.invalidArgument("\(url.lastPathComponent): unknown eigenvalue file extension '.\(url.pathExtension)'; use .npy or .csv")
        }
    }

    /// The rows of a CSV text as described in `eigenvalueSamples`.
    static func csvRows(_ text: String, name: String) throws -> [[Double]] {
        var rows: [[Double]] = []
        for (k, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let cells = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = cells.map { Double($0) }
            if numbers.contains(where: { $0 == nil }) {
                if rows.isEmpty && k == 0 { continue }  // a header line
                let bad = cells[numbers.firstIndex { $0 == nil }!]
                throw NumericalError.invalidArgument("\(name) line \(k + 1): '\(bad)' is not a number")
            }
            rows.append(numbers.map { $0! })
        }
        guard !rows.isEmpty else { throw NumericalError.invalidArgument("\(name) holds no numbers") }
        return rows.allSatisfy({ $0.count == 1 }) ? [rows.map { $0[0] }] : rows
    }

    /// The largest |A_ij − A_ji| a symmetric matrix may have, relative to max|A_ij|: 1e-8
    /// accepts a matrix symmetrised in float32 arithmetic and stored as float64 (asymmetry
    /// ~1e-7 of the entries would not), and rejects any genuinely non-symmetric one.
    public static let symmetryTolerance = 1e-8

    /// The eigenvalues of the symmetric matrix (or matrices) in a `.npy` file, by LAPACK
    /// `dsyevd`: a 2-D array (N, N) is one matrix, a 3-D array (S, N, N) is S matrices.
    /// - Throws: `invalidArgument` naming the file for another extension or shape, a
    ///   non-finite entry, or a matrix with max|A_ij − A_ji| > `symmetryTolerance`·max|A_ij|
    ///   (with the measured asymmetry and where it is); `library` if LAPACK fails.
    public static func symmetricMatrixEigenvalues(_ url: URL) throws -> [[Double]] {
        guard url.pathExtension.lowercased() == "npy" else {
            throw NumericalError.invalidArgument("\(url.lastPathComponent): a matrix must be a .npy file")
        }
        let array = try NpyArray(contentsOf: url)
        let s: Int, n: Int
        switch array.shape.count {
        case 2 where array.shape[0] == array.shape[1]: (s, n) = (1, array.shape[0])
        case 3 where array.shape[1] == array.shape[2]: (s, n) = (array.shape[0], array.shape[1])
        default:
            throw NumericalError.invalidArgument("\(url.lastPathComponent): a symmetric matrix must have shape (N, N), or (S, N, N) for S matrices, got \(array.shape)")
        }
        guard s > 0 && n > 0 else { throw NumericalError.invalidArgument("\(url.lastPathComponent): the matrix is empty") }
        return try (0..<s).map { k in
            let entries = Array(array.values[(k * n * n)..<((k + 1) * n * n)])
            let which = s == 1 ? "" : " (matrix \(k + 1) of \(s))"
            guard entries.allSatisfy(\.isFinite) else {
                throw NumericalError.invalidArgument("\(url.lastPathComponent)\(which): the matrix has a non-finite entry")
            }
            let scale = entries.map(abs).max() ?? 0
            var worst = 0.0, at = (0, 0)
            for i in 0..<n { for j in (i + 1)..<n where abs(entries[i * n + j] - entries[j * n + i]) > worst {
                worst = abs(entries[i * n + j] - entries[j * n + i]); at = (i, j)
            } }
            guard worst <= symmetryTolerance * scale else {
                throw NumericalError.invalidArgument("\(url.lastPathComponent)\(which): the matrix is not symmetric: |A[\(at.0),\(at.1)] − A[\(at.1),\(at.0)]| = \(worst), max|A| = \(scale) (allowed: \(symmetryTolerance)·max|A|); level statistics need real symmetric eigenvalues")
            }
            // Row-major storage of a symmetric matrix is its column-major storage.
            return try LinearAlgebra.symmetricEigenvalues(DenseMatrix(rows: n, columns: n, columnMajor: entries))
        }
    }
}
