import Foundation

/// Samplers for the classical random-matrix ensembles, shared by the Jacobian, Gram and
/// Hessian Monte Carlo checks.
///
/// Every sampler draws from a caller-owned `Xoshiro256StarStar`, so a seed fixes the
/// matrix; entries are filled in bulk (column-major) by the Ziggurat normal sampler.
/// Invalid shapes or variances throw `NumericalError.invalidArgument`.
public enum RandomMatrices {
    /// An m × n matrix with i.i.d. N(0, variance) entries.
    ///
    /// For a layer with fan-in N_in and weight scale σ_w, use variance σ_w²/N_in; a square
    /// such W then has S_{WWᵀ}(w) = 1/(σ_w²(1 + w)) as N → ∞.
    /// - Throws: `invalidArgument` for non-positive dimensions or a negative/non-finite variance.
    public static func gaussian(
        rows: Int, columns: Int, variance: Double, using generator: inout Xoshiro256StarStar
    ) throws -> DenseMatrix {
        try require(variance, "variance", { $0 >= 0 }, "finite and ≥ 0")
        var m = try DenseMatrix(rows: rows, columns: columns)
        m.storage.withUnsafeMutableBufferPointer {
            generator.fillNormal($0, standardDeviation: variance.squareRoot())
        }
        return m
    }

    /// A Haar-distributed matrix with orthonormal columns (rows ≥ columns) or orthonormal
    /// rows (rows < columns), times `scale`.
    ///
    /// Method (Mezzadri, Notices AMS 54, 2007): Householder QR of an i.i.d. N(0, 1) matrix,
    /// G = QR, then Q ← Q·diag(sign R_ii). Without the sign correction LAPACK's Q is *not*
    /// Haar distributed. For rows < columns the transpose of the tall case is returned.
    /// A square result with scale σ_w has S_{WWᵀ}(w) = σ_w⁻².
    /// - Throws: `invalidArgument` for bad dimensions or scale; `library` if LAPACK fails.
    public static func haarOrthogonal(
        rows: Int, columns: Int, scale: Double = 1, using generator: inout Xoshiro256StarStar
    ) throws -> DenseMatrix {
        try haarOrthogonal(rows: rows, columns: columns, scale: scale, signCorrection: true, using: &generator)
    }

    /// As above; `signCorrection: false` returns LAPACK's raw Q (not Haar — tests only).
    static func haarOrthogonal(
        rows: Int, columns: Int, scale: Double, signCorrection: Bool, using generator: inout Xoshiro256StarStar
    ) throws -> DenseMatrix {
        try require(scale, "scale", { _ in true }, "finite")
        if rows < columns {
            return try haarOrthogonal(rows: columns, columns: rows, scale: scale,
                                      signCorrection: signCorrection, using: &generator).transposed
        }
        var m = try gaussian(rows: rows, columns: columns, variance: 1, using: &generator)
        let workspace = try LinearAlgebra.QRWorkspace(rows: rows, columns: columns)
        try m.storage.withUnsafeMutableBufferPointer { p in
            try orthonormalize(p.baseAddress!, rows: rows, columns: columns, scale: scale,
                               signCorrection: signCorrection, workspace: workspace)
        }
        return m
    }

    /// In place: a column-major m × n Gaussian matrix → scale·Q·diag(sign R_ii).
    static func orthonormalize(
        _ a: UnsafeMutablePointer<Double>, rows: Int, columns: Int, scale: Double,
        signCorrection: Bool = true, workspace: LinearAlgebra.QRWorkspace
    ) throws {
        var diagonal = [Double](repeating: 0, count: columns)
        try diagonal.withUnsafeMutableBufferPointer { d in
            try workspace.orthonormalize(a, rDiagonal: d.baseAddress!)
            for j in 0..<columns {
                let factor = (signCorrection && d[j] < 0) ? -scale : scale
                if factor == 1 { continue }
                let column = a + j * rows
                for i in 0..<rows { column[i] *= factor }
            }
        }
    }

    /// A real Wigner (GOE) matrix normalised so that its spectrum tends to the semicircle of
    /// variance σ² = `variance` on [−2σ, 2σ]: off-diagonal entries N(0, σ²/n), diagonal
    /// entries N(0, 2σ²/n), symmetric. Its R-transform is R(w) = σ² w.
    /// - Throws: `invalidArgument` for n ≤ 0 or a negative/non-finite variance.
    public static func wigner(size n: Int, variance: Double, using generator: inout Xoshiro256StarStar) throws -> DenseMatrix {
        try LinearAlgebra.requireDimensions(n, n)
        try require(variance, "variance", { $0 >= 0 }, "finite and ≥ 0")
        var m = try gaussian(rows: n, columns: n, variance: variance / Double(n), using: &generator)
        // (G + Gᵀ)/√2 has off-diagonal variance σ²/n and diagonal variance 2σ²/n.
        let s = 1 / 2.0.squareRoot()
        m.storage.withUnsafeMutableBufferPointer { a in
            for j in 0..<n {
                a[j + j * n] *= 2 * s
                for i in (j + 1)..<n {
                    let v = (a[i + j * n] + a[j + i * n]) * s
                    a[i + j * n] = v
                    a[j + i * n] = v
                }
            }
        }
        return m
    }

    /// A Wishart matrix W = X·Xᵀ (p × p) with X p × n and i.i.d. N(0, variance/n) entries.
    /// As p, n → ∞ with p/n → c its spectrum tends to Marchenko–Pastur with ratio c and
    /// scale `variance` (mean eigenvalue = variance, second moment = variance²·(1 + c)).
    /// - Throws: `invalidArgument` for non-positive dimensions or a bad variance.
    public static func wishart(
        dimension p: Int, degreesOfFreedom n: Int, variance: Double = 1, using generator: inout Xoshiro256StarStar
    ) throws -> DenseMatrix {
        try LinearAlgebra.requireDimensions(p, n)
        let x = try gaussian(rows: p, columns: n, variance: variance / Double(n), using: &generator)
        return LinearAlgebra.gram(x)
    }
}
