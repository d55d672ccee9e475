import COpenBLAS
import Foundation

// With LinearSolve.swift, the only files of FreeSpectra that call CBLAS or LAPACKE. Everything is column-major
// (LAPACK's native layout), so no routine pays for a LAPACKE row-major transposition.

/// A dense real matrix, stored column-major: entry (i, j) is `storage[i + j·rows]`.
///
/// This is the value type the random-matrix helpers return and the dense linear-algebra
/// routines (`LinearAlgebra`) accept. It is a plain container: products, factorisations
/// and spectra are computed by the BLAS/LAPACK wrappers in `LinearAlgebra`.
public struct DenseMatrix: Sendable, Equatable {
    /// Number of rows m.
    public let rows: Int
    /// Number of columns n.
    public let columns: Int
    /// The m·n entries, column after column.
    public var storage: [Double]

    /// An m × n matrix with every entry equal to `value`.
    /// - Throws: `invalidArgument` when a dimension is not positive.
    public init(rows: Int, columns: Int, repeating value: Double = 0) throws {
        try LinearAlgebra.requireDimensions(rows, columns)
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: value, count: rows * columns)
    }

    /// An m × n matrix from its column-major entries.
    /// - Throws: `invalidArgument` when a dimension is not positive or
    ///   `storage.count ≠ rows·columns`.
    public init(rows: Int, columns: Int, columnMajor storage: [Double]) throws {
        try LinearAlgebra.requireDimensions(rows, columns)
        guard storage.count == rows * columns else {
            throw NumericalError.invalidArgument(
                "a \(rows)×\(columns) matrix needs \(rows * columns) entries, got \(storage.count)")
        }
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// The n × n identity.
    /// - Throws: `invalidArgument` when n ≤ 0.
    public static func identity(_ n: Int) throws -> DenseMatrix {
        var m = try DenseMatrix(rows: n, columns: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    /// Entry (i, j), zero-based. Indices are not range-checked beyond Swift's array check.
    public subscript(row: Int, column: Int) -> Double {
        get { storage[row + column * rows] }
        set { storage[row + column * rows] = newValue }
    }

    /// The transpose Aᵀ.
    public var transposed: DenseMatrix {
        var t = storage
        let m = rows, n = columns
        storage.withUnsafeBufferPointer { a in
            t.withUnsafeMutableBufferPointer { b in
                for j in 0..<n { for i in 0..<m { b[j + i * n] = a[i + j * m] } }
            }
        }
        return DenseMatrix(uncheckedRows: n, columns: m, storage: t)
    }

    init(uncheckedRows rows: Int, columns: Int, storage: [Double]) {
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }
}

/// Dense linear algebra on OpenBLAS (CBLAS) and LAPACKE.
///
/// Public entry points take and return `DenseMatrix` values and throw
/// `NumericalError.invalidArgument` for non-conforming shapes and
/// `NumericalError.library` when LAPACK reports a non-zero `info`. The Monte Carlo engine
/// uses the internal pointer-level kernels and workspaces below, which allocate once and are
/// reused across layers so that memory stays O(N²).
public enum LinearAlgebra {
    // MARK: Products

    /// C = op(A)·op(B) by `cblas_dgemm`, op(X) = X or Xᵀ.
    /// - Throws: `invalidArgument` when the inner dimensions differ.
    public static func multiply(
        _ a: DenseMatrix, _ b: DenseMatrix, transposeA: Bool = false, transposeB: Bool = false
    ) throws -> DenseMatrix {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        guard k == kb else {
            throw NumericalError.invalidArgument(
                "matrix product: inner dimensions \(k) and \(kb) differ")
        }
        var c = [Double](repeating: 0, count: m * n)
        a.storage.withUnsafeBufferPointer { pa in
            b.storage.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: a.rows, transposeA: transposeA,
                         b: pb.baseAddress!, ldb: b.rows, transposeB: transposeB,
                         beta: 0, c: pc.baseAddress!, ldc: m)
                }
            }
        }
        return DenseMatrix(uncheckedRows: m, columns: n, storage: c)
    }

    /// The Gram matrix A·Aᵀ (m × m, symmetric, both triangles filled) by `cblas_dsyrk`.
    public static func gram(_ a: DenseMatrix) -> DenseMatrix {
        let m = a.rows, k = a.columns
        var c = [Double](repeating: 0, count: m * m)
        a.storage.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, Int32(m), Int32(k),
                            1, pa.baseAddress, Int32(m), 0, pc.baseAddress, Int32(m))
                // Copy the upper triangle to the lower one.
                for j in 0..<m { for i in (j + 1)..<m { pc[i + j * m] = pc[j + i * m] } }
            }
        }
        return DenseMatrix(uncheckedRows: m, columns: m, storage: c)
    }

    /// Column-major C ← α·op(A)·op(B) + β·C (`cblas_dgemm`), op(A) m × k, op(B) k × n.
    @inline(__always)
    static func gemm(
        m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Double>, ldb: Int, transposeB: Bool,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasColMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Column-major y ← α·A·x + β·y (`cblas_dgemv`), A m × n.
    @inline(__always)
    static func gemv(
        m: Int, n: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double, y: UnsafeMutablePointer<Double>
    ) {
        cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
    }

    // MARK: Factorisations and spectra

    /// The Householder QR factorisation A = Q·R of an m × n matrix with m ≥ n
    /// (`dgeqrf` + `dorgqr`): Q is m × n with orthonormal columns, `rDiagonal` holds R's
    /// diagonal. LAPACK does not fix the signs of R's diagonal; `RandomMatrices.haarOrthogonal`
    /// applies the correction that makes Q Haar distributed.
    /// - Throws: `invalidArgument` if m < n; `library` if LAPACK fails.
    public static func householderQR(_ a: DenseMatrix) throws -> (q: DenseMatrix, rDiagonal: [Double]) {
        guard a.rows >= a.columns else {
            throw NumericalError.invalidArgument("QR needs rows ≥ columns, got \(a.rows)×\(a.columns)")
        }
        let workspace = try QRWorkspace(rows: a.rows, columns: a.columns)
        var q = a.storage
        var diagonal = [Double](repeating: 0, count: a.columns)
        try q.withUnsafeMutableBufferPointer { p in
            try diagonal.withUnsafeMutableBufferPointer { d in
                try workspace.orthonormalize(p.baseAddress!, rDiagonal: d.baseAddress!)
            }
        }
        return (DenseMatrix(uncheckedRows: a.rows, columns: a.columns, storage: q), diagonal)
    }

    /// The eigenvalues of a symmetric matrix, ascending, by LAPACK `dsyevd` (divide and
    /// conquer, eigenvalues only). Only the upper triangle is read. Absolute accuracy is
    /// about ε·‖A‖₂: eigenvalues much smaller than that are rounding noise.
    /// - Throws: `invalidArgument` if A is not square or holds a non-finite entry;
    ///   `library` if LAPACK fails.
    public static func symmetricEigenvalues(_ a: DenseMatrix) throws -> [Double] {
        guard a.rows == a.columns else {
            throw NumericalError.invalidArgument("symmetric eigenvalues need a square matrix, got \(a.rows)×\(a.columns)")
        }
        try requireFinite(a.storage, "symmetric eigenvalues")
        let workspace = try SymmetricEigenWorkspace(size: a.rows)
        var copy = a.storage
        var w = [Double](repeating: 0, count: a.rows)
        try copy.withUnsafeMutableBufferPointer { p in
            try w.withUnsafeMutableBufferPointer { pw in
                try workspace.eigenvalues(p.baseAddress!, into: pw.baseAddress!)
            }
        }
        return w
    }

    /// The eigenvalues, ascending, of X = WᵀW/N for an r × c matrix W given row-major (as
    /// NumPy, safetensors and `NumericArray` store it), oriented so that N = max(r, c) and
    /// M = min(r, c): X is the M × M Gram matrix of the shorter side, formed by `cblas_dsyrk`
    /// with α = 1/N (no transposed copy: a row-major r × c buffer is the column-major c × r
    /// matrix Wᵀ), and its eigenvalues come from `dsyevd`. Absolute accuracy ≈ M·ε·λ_max.
    /// - Throws: `invalidArgument` if the buffer is not r·c long, a dimension is not positive
    ///   or an entry is not finite; `library` if LAPACK fails.
    public static func gramEigenvalues(rowMajor values: UnsafeBufferPointer<Double>, rows r: Int, columns c: Int) throws -> [Double] {
        try requireDimensions(r, c)
        guard values.count == r * c else {
            throw NumericalError.invalidArgument("a \(r)×\(c) matrix needs \(r * c) entries, got \(values.count)")
        }
        guard values.allSatisfy({ $0.isFinite }) else {
            throw NumericalError.invalidArgument("Gram eigenvalues: the matrix has a non-finite entry")
        }
        let n = max(r, c), m = min(r, c)
        var x = [Double](repeating: 0, count: m * m)
        x.withUnsafeMutableBufferPointer { px in
            // Column-major A = Wᵀ is c × r with leading dimension c. r ≥ c: WᵀW = A·Aᵀ;
            // r < c: the oriented matrix is Wᵀ and X = W·Wᵀ = Aᵀ·A.
            cblas_dsyrk(CblasColMajor, CblasUpper, r >= c ? CblasNoTrans : CblasTrans, Int32(m), Int32(n),
                        1 / Double(n), values.baseAddress, Int32(c), 0, px.baseAddress, Int32(m))
        }
        let workspace = try SymmetricEigenWorkspace(size: m)
        var w = [Double](repeating: 0, count: m)
        try x.withUnsafeMutableBufferPointer { px in
            try w.withUnsafeMutableBufferPointer { pw in try workspace.eigenvalues(px.baseAddress!, into: pw.baseAddress!) }
        }
        return w
    }

    /// The singular values of an m × n matrix, descending, by LAPACK `dgesdd` (no vectors).
    /// Their absolute accuracy is about ε·σ_max, so the squares σ² are accurate down to
    /// about ε²·σ_max² — far below what the eigenvalues of the Gram matrix A·Aᵀ can resolve
    /// (ε·σ_max²). Use this for the very wide spectra of deep Jacobians.
    /// - Throws: `invalidArgument` for a non-finite entry; `library` if LAPACK fails.
    public static func singularValues(_ a: DenseMatrix) throws -> [Double] {
        try requireFinite(a.storage, "singular values")
        let workspace = try SingularValueWorkspace(rows: a.rows, columns: a.columns)
        var copy = a.storage
        var s = [Double](repeating: 0, count: min(a.rows, a.columns))
        try copy.withUnsafeMutableBufferPointer { p in
            try s.withUnsafeMutableBufferPointer { ps in
                try workspace.singularValues(p.baseAddress!, into: ps.baseAddress!)
            }
        }
        return s
    }

    /// The eigenvalues λ = re + i·im of a general square matrix by LAPACK `dgeev`
    /// (no vectors), in LAPACK's order (complex pairs adjacent, positive imaginary part first).
    /// - Throws: `invalidArgument` if A is not square or not finite; `library` if LAPACK fails.
    public static func generalEigenvalues(_ a: DenseMatrix) throws -> (real: [Double], imaginary: [Double]) {
        guard a.rows == a.columns else {
            throw NumericalError.invalidArgument("eigenvalues need a square matrix, got \(a.rows)×\(a.columns)")
        }
        try requireFinite(a.storage, "eigenvalues")
        let n = Int32(a.rows)
        var copy = a.storage
        var re = [Double](repeating: 0, count: a.rows), im = re
        var vl = 0.0, vr = 0.0
        let info = LAPACKE_dgeev(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")),
                                 n, &copy, n, &re, &im, &vl, 1, &vr, 1)
        guard info == 0 else { throw NumericalError.library("dgeev failed with info = \(info)") }
        return (re, im)
    }

    // MARK: Reusable workspaces (internal)

    /// Workspace for repeated in-place Householder QR of m × n matrices (m ≥ n): after
    /// `orthonormalize`, the matrix holds Q (orthonormal columns) and `rDiagonal` R's diagonal.
    final class QRWorkspace {
        let rows: Int32, columns: Int32
        var tau: [Double]
        var work: [Double]

        init(rows: Int, columns: Int) throws {
            self.rows = Int32(rows)
            self.columns = Int32(columns)
            tau = [Double](repeating: 0, count: columns)
            // Workspace queries (lwork = −1) for both routines; keep the larger.
            var query = 0.0, query2 = 0.0, dummy = 0.0
            var info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, Int32(rows), Int32(columns), &dummy, Int32(rows), &tau, &query, -1)
            guard info == 0 else { throw NumericalError.library("dgeqrf workspace query failed with info = \(info)") }
            info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, Int32(rows), Int32(columns), Int32(columns), &dummy, Int32(rows), &tau, &query2, -1)
            guard info == 0 else { throw NumericalError.library("dorgqr workspace query failed with info = \(info)") }
            work = [Double](repeating: 0, count: max(1, Int(max(query, query2))))
        }

        func orthonormalize(_ a: UnsafeMutablePointer<Double>, rDiagonal: UnsafeMutablePointer<Double>) throws {
            let lwork = Int32(work.count)
            var info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, rows, columns, a, rows, &tau, &work, lwork)
            guard info == 0 else { throw NumericalError.library("dgeqrf failed with info = \(info)") }
            for i in 0..<Int(columns) { rDiagonal[i] = a[i + i * Int(rows)] }
            info = LAPACKE_dorgqr_work(LAPACK_COL_MAJOR, rows, columns, columns, a, rows, &tau, &work, lwork)
            guard info == 0 else { throw NumericalError.library("dorgqr failed with info = \(info)") }
        }
    }

    /// Workspace for repeated LU factorisations (`dgetrf`) of n × n matrices, for log|det|.
    final class LUWorkspace {
        let n: Int32
        var pivots: [Int32]

        init(size: Int) {
            n = Int32(size)
            pivots = [Int32](repeating: 0, count: size)
        }

        /// log|det A| = Σ log|U_ii| of the LU factors (−∞ for a singular A). Destroys `a`.
        func logAbsDeterminant(_ a: UnsafeMutablePointer<Double>) throws -> Double {
            let info = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, a, n, &pivots)
            guard info >= 0 else { throw NumericalError.library("dgetrf failed with info = \(info)") }
            var sum = 0.0
            for i in 0..<Int(n) { sum += log(abs(a[i + i * Int(n)])) }
            return sum
        }
    }

    /// Workspace for repeated `dsyevd` (eigenvalues only, upper triangle) of n × n matrices.
    final class SymmetricEigenWorkspace {
        let n: Int32
        var work: [Double]
        var iwork: [Int32]

        init(size: Int) throws {
            n = Int32(size)
            var query = 0.0, iquery: Int32 = 0, dummy = 0.0, w = 0.0
            let info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")),
                                           n, &dummy, n, &w, &query, -1, &iquery, -1)
            guard info == 0 else { throw NumericalError.library("dsyevd workspace query failed with info = \(info)") }
            work = [Double](repeating: 0, count: max(1, Int(query)))
            iwork = [Int32](repeating: 0, count: max(1, Int(iquery)))
        }

        /// Destroys `a`; writes the n eigenvalues ascending to `w`.
        func eigenvalues(_ a: UnsafeMutablePointer<Double>, into w: UnsafeMutablePointer<Double>) throws {
            let info = LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")),
                                           n, a, n, w, &work, Int32(work.count), &iwork, Int32(iwork.count))
            guard info == 0 else { throw NumericalError.library("dsyevd failed with info = \(info)") }
        }
    }

    /// Workspace for repeated `dgesdd` (singular values only) of m × n matrices.
    final class SingularValueWorkspace {
        let rows: Int32, columns: Int32
        var work: [Double]
        var iwork: [Int32]

        init(rows: Int, columns: Int) throws {
            self.rows = Int32(rows)
            self.columns = Int32(columns)
            iwork = [Int32](repeating: 0, count: 8 * min(rows, columns))
            var query = 0.0, a = 0.0, s = 0.0, u = 0.0, vt = 0.0
            let info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), self.rows, self.columns,
                                           &a, self.rows, &s, &u, 1, &vt, 1, &query, -1, &iwork)
            guard info == 0 else { throw NumericalError.library("dgesdd workspace query failed with info = \(info)") }
            work = [Double](repeating: 0, count: max(1, Int(query)))
        }

        /// Destroys `a`; writes min(m, n) singular values, descending, to `s`.
        func singularValues(_ a: UnsafeMutablePointer<Double>, into s: UnsafeMutablePointer<Double>) throws {
            var u = 0.0, vt = 0.0
            let info = LAPACKE_dgesdd_work(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), rows, columns,
                                           a, rows, s, &u, 1, &vt, 1, &work, Int32(work.count), &iwork)
            guard info == 0 else {
                throw NumericalError.library(info > 0 ? "dgesdd did not converge (info = \(info))" : "dgesdd failed with info = \(info)")
            }
        }
    }

    // MARK: Environment

    /// The number of threads OpenBLAS uses (`openblas_get_num_threads`).
    public static var blasThreadCount: Int { Int(openblas_get_num_threads()) }

    /// OpenBLAS's build configuration string (`openblas_get_config`), e.g. its kernel.
    public static var blasConfiguration: String { String(cString: openblas_get_config()) }

    /// The path of the shared library that the symbol `cblas_dgemm` resolves to in this
    /// process (found with `dlsym` and /proc/self/maps), or nil if it cannot be determined.
    /// It must be OpenBLAS: GSL's reference `libgslcblas` is about 8× slower.
    public static var dgemmLibraryPath: String? {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "cblas_dgemm") else { return nil }
        let address = UInt(bitPattern: symbol)
        // Read /proc/self/maps line by line with stdio: it reports size 0, and whole-file
        // readers may stop early.
        guard let file = fopen("/proc/self/maps", "r") else { return nil }
        defer { fclose(file) }
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(buffer) }
        while getline(&buffer, &capacity, file) > 0, let buffer {
            let line = String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6 else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let lo = UInt(bounds[0], radix: 16), let hi = UInt(bounds[1], radix: 16) else { continue }
            if lo <= address && address < hi { return fields[5...].joined(separator: " ") }
        }
        return nil
    }

    // MARK: Argument checks

    static func requireDimensions(_ rows: Int, _ columns: Int) throws {
        guard rows > 0, columns > 0 else {
            throw NumericalError.invalidArgument("matrix dimensions must be positive, got \(rows)×\(columns)")
        }
        // LAPACK indexes with 32-bit integers.
        guard rows <= Int(Int32.max), columns <= Int(Int32.max), rows.multipliedReportingOverflow(by: columns).overflow == false else {
            throw NumericalError.invalidArgument("matrix dimensions \(rows)×\(columns) exceed LAPACK's 32-bit indexing")
        }
    }

    static func requireFinite(_ values: [Double], _ routine: String) throws {
        guard values.allSatisfy({ $0.isFinite }) else {
            throw NumericalError.invalidArgument("\(routine): the matrix has a non-finite entry")
        }
    }
}
