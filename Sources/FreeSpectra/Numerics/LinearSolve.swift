import COpenBLAS
import Foundation

// Linear solves for the implicit-bias problem (minimum-norm least squares, positive-definite
// systems) by LAPACKE, column-major like LinearAlgebra.swift.

extension LinearAlgebra {
    /// The minimum-norm least-squares solution x = A⁺b of an m × n system by LAPACK `dgelsd`
    /// (SVD, divide and conquer). Singular values below `relativeCutoff`·σ_max are treated as
    /// zero, so a numerically rank-deficient A gives the pseudo-inverse of its well-resolved part.
    /// - Returns: x (n entries) and the numerical rank of A.
    /// - Throws: `invalidArgument` for mismatched sizes or non-finite entries; `library` if
    ///   LAPACK fails.
    public static func minimumNormLeastSquares(
        _ a: DenseMatrix, _ b: [Double], relativeCutoff: Double = 1e-12
    ) throws -> (solution: [Double], rank: Int) {
        guard b.count == a.rows else {
            throw NumericalError.invalidArgument("least squares: A has \(a.rows) rows but b has \(b.count) entries")
        }
        try requireFinite(a.storage, "least squares")
        try requireFinite(b, "least squares (right-hand side)")
        let m = a.rows, n = a.columns, ldb = max(m, n)
        var copy = a.storage
        var rhs = [Double](repeating: 0, count: ldb)
        for i in 0..<m { rhs[i] = b[i] }
        var s = [Double](repeating: 0, count: min(m, n))
        var rank: Int32 = 0
        let info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, Int32(m), Int32(n), 1, &copy, Int32(m),
                                  &rhs, Int32(ldb), &s, relativeCutoff, &rank)
        guard info == 0 else { throw NumericalError.library("LAPACK dgelsd returned info = \(info)") }
        return (Array(rhs[0..<n]), Int(rank))
    }

    /// Solves H·x = b for a symmetric positive-definite n × n H (column-major, both triangles
    /// or the upper one filled) by Cholesky, LAPACK `dposv`.
    /// - Returns: nil when H is not numerically positive definite (Cholesky breaks down).
    /// - Throws: `library` for any other LAPACK failure.
    static func solvePositiveDefinite(_ h: [Double], n: Int, _ b: [Double]) throws -> [Double]? {
        var a = h, x = b
        let info = LAPACKE_dposv(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "U")), Int32(n), 1,
                                 &a, Int32(n), &x, Int32(n))
        if info > 0 { return nil }
        guard info == 0 else { throw NumericalError.library("LAPACK dposv returned info = \(info)") }
        return x
    }

    /// A·x (m entries) for column-major A (m × n) by `cblas_dgemv`.
    static func apply(_ a: DenseMatrix, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: a.rows)
        cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(a.rows), Int32(a.columns), 1, a.storage, Int32(a.rows), x, 1, 0, &y, 1)
        return y
    }

    /// Aᵀ·x (n entries) for column-major A (m × n) by `cblas_dgemv`.
    static func applyTransposed(_ a: DenseMatrix, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: a.columns)
        cblas_dgemv(CblasColMajor, CblasTrans, Int32(a.rows), Int32(a.columns), 1, a.storage, Int32(a.rows), x, 1, 0, &y, 1)
        return y
    }

    /// A·diag(s)·Aᵀ (m × m, both triangles) for column-major A (m × n), s ≥ 0, by `cblas_dsyrk`
    /// on A·diag(√s).
    static func weightedGram(_ a: DenseMatrix, _ s: [Double]) -> [Double] {
        let m = a.rows, n = a.columns
        var scaled = a.storage
        for j in 0..<n {
            let r = s[j].squareRoot()
            for i in 0..<m { scaled[i + j * m] *= r }
        }
        var c = [Double](repeating: 0, count: m * m)
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, Int32(m), Int32(n), 1, scaled, Int32(m), 0, &c, Int32(m))
        for j in 0..<m { for i in (j + 1)..<m { c[i + j * m] = c[j + i * m] } }
        return c
    }
}
