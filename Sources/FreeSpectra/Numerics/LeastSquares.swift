import COpenBLAS
import Foundation

// Linear least squares by LAPACK `dgels`, beside the routines of LinearAlgebra.swift.

extension LinearAlgebra {
    /// The x that minimises ‖A·x − b‖₂ for an m × n matrix A of full column rank with m ≥ n,
    /// by LAPACK `dgels` (Householder QR of A; no normal equations, so the conditioning is
    /// that of A, not its square).
    ///
    /// Condition the problem before calling: for a polynomial fit, use an orthogonal basis
    /// (Chebyshev) on a variable scaled to [−1, 1] rather than monomials.
    /// - Throws: `invalidArgument` if m < n, b has not m entries, or an entry is not finite;
    ///   `noSolution` if A is rank deficient (LAPACK finds an exactly zero diagonal of R);
    ///   `library` if LAPACK fails otherwise.
    public static func leastSquares(_ a: DenseMatrix, _ b: [Double]) throws -> [Double] {
        let m = a.rows, n = a.columns
        guard m >= n else { throw NumericalError.invalidArgument("least squares needs rows ≥ columns, got \(m)×\(n)") }
        guard b.count == m else { throw NumericalError.invalidArgument("least squares: b has \(b.count) entries, A has \(m) rows") }
        try requireFinite(a.storage, "least squares")
        try requireFinite(b, "least squares (right-hand side)")
        var copy = a.storage, rhs = b
        var query = 0.0
        var info = LAPACKE_dgels_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(m), Int32(n), 1,
                                      &copy, Int32(m), &rhs, Int32(m), &query, -1)
        guard info == 0 else { throw NumericalError.library("dgels workspace query failed with info = \(info)") }
        var work = [Double](repeating: 0, count: max(1, Int(query)))
        info = LAPACKE_dgels_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), Int32(m), Int32(n), 1,
                                  &copy, Int32(m), &rhs, Int32(m), &work, Int32(work.count))
        if info > 0 { throw NumericalError.noSolution("least squares: the \(m)×\(n) matrix is rank deficient (R[\(info - 1)] = 0)") }
        guard info == 0 else { throw NumericalError.library("dgels failed with info = \(info)") }
        return Array(rhs.prefix(n))
    }
}
