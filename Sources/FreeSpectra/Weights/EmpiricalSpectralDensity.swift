import Foundation

/// The empirical spectral density (ESD) of a weight tensor: the eigenvalues of X = WᵀW/N.
///
/// Convention (Docs/theory.md): a matrix W is oriented N × M with N ≥ M (transposed if it has
/// fewer rows than columns), and its ESD is the M eigenvalues of X = WᵀW/N, so that i.i.d.
/// entries of variance σ² give Marchenko–Pastur with ratio M/N = 1/Q and variance σ² (edges
/// σ²(1 ± Q^{−1/2})²). The normalisation 1/N rescales every eigenvalue alike: α and the
/// stable rank do not depend on it; λ_max, the norms and σ² do.
///
/// A tensor of rank k ≥ 3 is a convolution kernel (out, in, k₁, …): one out × in matrix per
/// kernel position (k₁·k₂·… of them), each oriented and normalised as above; their
/// eigenvalues are pooled into one ESD (WeightWatcher's "conv2d_norm" treatment; the MP
/// fit uses each matrix's own N × M). Eigenvalues from LAPACK `dsyevd` on the Gram matrix
/// formed by `dsyrk`.
public struct EmpiricalSpectralDensity: Sendable, Equatable {
    /// All eigenvalues, ascending (M per matrix, pooled over kernel positions).
    public let eigenvalues: [Double]
    /// N: the longer side of each matrix.
    public let rows: Int
    /// M: the shorter side.
    public let columns: Int
    /// The number of matrices pooled (1 for a matrix, Π kᵢ for a kernel).
    public let matrices: Int

    /// The ESD of `array` (rank ≥ 2).
    /// - Throws: `ArrayFileError` naming the tensor if it has rank < 2, an empty side, or a
    ///   non-finite entry.
    public init(_ array: NumericArray) throws {
        guard array.rank >= 2 else {
            throw ArrayFileError(file: array.file, tensor: array.name, reason: "rank \(array.rank) is not a matrix (need rank ≥ 2)")
        }
        guard array.shape.allSatisfy({ $0 > 0 }) else {
            throw ArrayFileError(file: array.file, tensor: array.name, reason: "shape \(array.shape) has an empty side")
        }
        try array.requireFinite()
        let r = array.shape[0], c = array.shape[1]
        let positions = array.shape.dropFirst(2).reduce(1, *)
        var all: [Double] = []
        all.reserveCapacity(min(r, c) * positions)
        if positions == 1 {
            all = try array.values.withUnsafeBufferPointer { try LinearAlgebra.gramEigenvalues(rowMajor: $0, rows: r, columns: c) }
        } else {
            var slice = [Double](repeating: 0, count: r * c)
            for p in 0..<positions {
                for i in 0..<(r * c) { slice[i] = array.values[i * positions + p] }
                all += try slice.withUnsafeBufferPointer { try LinearAlgebra.gramEigenvalues(rowMajor: $0, rows: r, columns: c) }
            }
            all.sort()
        }
        self.init(eigenvalues: all, rows: max(r, c), columns: min(r, c), matrices: positions)
    }

    /// An ESD from eigenvalues computed elsewhere (sorted here), of `matrices` N × M matrices.
    public init(eigenvalues: [Double], rows: Int, columns: Int, matrices: Int = 1) {
        self.eigenvalues = eigenvalues.sorted()
        self.rows = rows
        self.columns = columns
        self.matrices = matrices
    }

    /// M/N ≤ 1, the Marchenko–Pastur ratio (1/Q).
    public var ratio: Double { Double(columns) / Double(rows) }
    /// λ_max.
    public var largest: Double { eigenvalues.last ?? 0 }
}
