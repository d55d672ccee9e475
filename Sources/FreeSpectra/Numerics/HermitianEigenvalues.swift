import COpenBLAS
import ComplexModule
import Foundation
import RealModule

// Complex Hermitian eigenvalues by LAPACK `zheevd`, beside the real routines of
// LinearAlgebra.swift (which this file extends without touching). Column-major throughout.

extension LinearAlgebra {
    /// The eigenvalues of an n × n complex Hermitian matrix, ascending, by LAPACK `zheevd`
    /// (divide and conquer, eigenvalues only).
    ///
    /// `entries` holds the n² entries column-major: entry (i, j) is `entries[i + j·n]`. Only the
    /// upper triangle (i ≤ j) is read, so the lower one may hold anything; the imaginary parts
    /// of the diagonal are ignored (LAPACK assumes them 0). Absolute accuracy is about ε·‖A‖₂.
    /// - Throws: `invalidArgument` if n ≤ 0, `entries.count ≠ n²` or an entry of the upper
    ///   triangle is not finite; `library` if LAPACK fails.
    public static func hermitianEigenvalues(_ entries: [Complex<Double>], size n: Int) throws -> [Double] {
        try requireDimensions(n, n)
        guard entries.count == n * n else {
            throw NumericalError.invalidArgument("a \(n)×\(n) Hermitian matrix needs \(n * n) entries, got \(entries.count)")
        }
        for j in 0..<n {
            for i in 0...j where !(entries[i + j * n].real.isFinite && entries[i + j * n].imaginary.isFinite) {
                throw NumericalError.invalidArgument("Hermitian eigenvalues: entry (\(i), \(j)) is not finite")
            }
        }
        let workspace = try HermitianEigenWorkspace(size: n)
        var copy = entries
        return try workspace.eigenvalues(&copy)
    }

    /// Workspace for repeated `zheevd` (eigenvalues only, upper triangle) of n × n matrices:
    /// the workspace query runs once, so many small matrices cost no reallocation.
    final class HermitianEigenWorkspace {
        let n: Int32
        var work: [Complex<Double>]
        var rwork: [Double]
        var iwork: [Int32]

        init(size: Int) throws {
            n = Int32(size)
            var query = Complex<Double>(0, 0), dummy = Complex<Double>(0, 0)
            var rquery = 0.0, iquery: Int32 = 0, w = 0.0
            let info = withUnsafeMutablePointer(to: &query) { q in
                withUnsafeMutablePointer(to: &dummy) { a in
                    LAPACKE_zheevd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")), Int32(size),
                                        OpaquePointer(a), Int32(size), &w, OpaquePointer(q), -1, &rquery, -1, &iquery, -1)
                }
            }
            guard info == 0 else { throw NumericalError.library("zheevd workspace query failed with info = \(info)") }
            work = [Complex<Double>](repeating: .zero, count: max(1, Int(query.real)))
            rwork = [Double](repeating: 0, count: max(1, Int(rquery)))
            iwork = [Int32](repeating: 0, count: max(1, Int(iquery)))
        }

        /// Destroys `a` (n² entries, column-major); returns the n eigenvalues ascending.
        func eigenvalues(_ a: inout [Complex<Double>]) throws -> [Double] {
            var w = [Double](repeating: 0, count: Int(n))
            let lwork = Int32(work.count), lrwork = Int32(rwork.count), liwork = Int32(iwork.count)
            let info = a.withUnsafeMutableBufferPointer { pa in
                work.withUnsafeMutableBufferPointer { pw in
                    LAPACKE_zheevd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")), n,
                                        OpaquePointer(pa.baseAddress!), n, &w, OpaquePointer(pw.baseAddress!), lwork,
                                        &rwork, lrwork, &iwork, liwork)
                }
            }
            guard info == 0 else {
                throw NumericalError.library(info > 0 ? "zheevd did not converge (info = \(info))" : "zheevd failed with info = \(info)")
            }
            return w
        }
    }
}
