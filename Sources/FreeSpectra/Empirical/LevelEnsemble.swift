import ComplexModule
import Foundation
import RealModule

/// Samples of the eigenvalues of the classical ensembles, and of Poisson levels, for level
/// statistics: known answers for every statistic of `LevelStatistics`.
///
/// Normalisation: every Gaussian ensemble is scaled so that its density tends to the
/// semicircle of variance 1 on [−2, 2] (`Semicircle(variance: 1)`, the exact CDF to unfold
/// with), i.e. E|H_ij|² = 1/N off the diagonal:
///
/// - GOE: real symmetric, H_ij ~ N(0, 1/N), H_ii ~ N(0, 2/N) (`RandomMatrices.wigner`);
/// - GUE: complex Hermitian, Re H_ij, Im H_ij ~ N(0, 1/(2N)), H_ii ~ N(0, 1/N);
/// - GSE: N × N self-dual quaternion matrices, as 2N × 2N complex Hermitian matrices built
///   from 2 × 2 blocks [[a + ib, c + id], [−c + id, a − ib]]; off the diagonal a, b, c, d ~
///   N(0, 1/(4N)), on it a ~ N(0, 1/(2N)), b = c = d = 0 (density ∝ exp(−N tr H²/2) on the 2N
///   matrix, whose second moment (1/2N) E tr H² → 1). Its 2N eigenvalues come in Kramers pairs;
///   each pair is counted once (the mean of the two, which agree to rounding), giving N levels.
///
/// Complex Hermitian eigenvalues come from LAPACK `dsyevd` on the real symmetric embedding
/// (`hermitianEigenvalues`), which doubles every eigenvalue; the doubling is undone the same way.
/// - Poisson: N independent uniform points on [0, 1] (exact CDF F(x) = x), sorted.
///
/// Source: M. L. Mehta, *Random Matrices*, 3rd ed. (2004), ch. 2–3; F. J. Dyson, J. Math.
/// Phys. 3, 140 (1962) for the quaternion representation. Sample k uses the stream k of
/// `Xoshiro256StarStar(seed:)`, so a seed fixes every sample and samples do not overlap.
public enum LevelEnsemble {
    /// `samples` independent spectra of size `size`, each ascending.
    /// - Throws: `invalidArgument` for size < 3 (a ratio needs three levels), size > 4000,
    ///   samples < 1 or samples·size > 4·10⁶; `library` if LAPACK fails.
    public static func sample(_ c: SymmetryClass, size n: Int, samples: Int, seed: UInt64) throws -> [[Double]] {
        guard n >= 3 && n <= 4000 else { throw NumericalError.invalidArgument("ensemble size must be between 3 and 4000, got \(n)") }
        guard samples >= 1, samples.multipliedReportingOverflow(by: n).partialValue <= 4_000_000, samples <= 4_000_000 else {
            throw NumericalError.invalidArgument("samples must be ≥ 1 with samples·size ≤ 4000000, got \(samples) × \(n)")
        }
        let base = Xoshiro256StarStar(seed: seed)
        return try (0..<samples).map { k in
            var g = base.stream(k)
            switch c {
            case .goe: return try LinearAlgebra.symmetricEigenvalues(RandomMatrices.wigner(size: n, variance: 1, using: &g))
            case .gue: return try gue(n, &g)
            case .gse: return try gse(n, &g)
            case .poisson: return (0..<n).map { _ in g.nextUniform() }.sorted()
            }
        }
    }

    /// The exact limiting CDF of the density of `c` in this normalisation: the semicircle of
    /// variance 1, or the uniform law on [0, 1] for Poisson.
    public static func limitingCDF(_ c: SymmetryClass) -> (name: String, cdf: @Sendable (Double) -> Double) {
        if c == .poisson { return ("uniform on [0, 1]", { min(1, max(0, $0)) }) }
        let law = try! Semicircle(variance: 1)
        return ("the semicircle of variance 1", { law.cdf($0) })
    }

    static func gue(_ n: Int, _ g: inout Xoshiro256StarStar) throws -> [Double] {
        var h = [Complex<Double>](repeating: .zero, count: n * n)
        let off = (1 / (2 * Double(n))).squareRoot(), diagonal = (1 / Double(n)).squareRoot()
        for j in 0..<n {
            h[j + j * n] = Complex(diagonal * g.nextNormal(), 0)
            for i in 0..<j {
                h[i + j * n] = Complex(off * g.nextNormal(), off * g.nextNormal())
                h[j + i * n] = h[i + j * n].conjugate
            }
        }
        return try everyOther(hermitianEigenvalues(h, size: n))
    }

    static func gse(_ n: Int, _ g: inout Xoshiro256StarStar) throws -> [Double] {
        try everyOther(gseDoubled(n, &g))
    }

    /// The 2N eigenvalues of one GSE matrix, ascending (each Kramers pair twice).
    static func gseDoubled(_ n: Int, _ g: inout Xoshiro256StarStar) throws -> [Double] {
        let m = 2 * n
        var h = [Complex<Double>](repeating: .zero, count: m * m)
        let off = (1 / (4 * Double(n))).squareRoot(), diagonal = (1 / (2 * Double(n))).squareRoot()
        // Block (i, j) is [[a + ib, c + id], [−c + id, a − ib]]; block (j, i) its adjoint.
        func set(_ r: Int, _ c: Int, _ v: Complex<Double>) {
            h[r + c * m] = v
            h[c + r * m] = v.conjugate
        }
        for j in 0..<n {
            let a0 = diagonal * g.nextNormal()
            set(2 * j, 2 * j, Complex(a0, 0))
            set(2 * j + 1, 2 * j + 1, Complex(a0, 0))
            for i in 0..<j {
                let a = off * g.nextNormal(), b = off * g.nextNormal(), c = off * g.nextNormal(), d = off * g.nextNormal()
                set(2 * i, 2 * j, Complex(a, b))
                set(2 * i, 2 * j + 1, Complex(c, d))
                set(2 * i + 1, 2 * j, Complex(-c, d))
                set(2 * i + 1, 2 * j + 1, Complex(a, -b))
            }
        }
        return try everyOther(hermitianEigenvalues(h, size: m))
    }

    /// The eigenvalues of an n × n complex Hermitian H (column-major, both triangles filled),
    /// ascending, each twice: those of the real symmetric 2n × 2n embedding [[A, −B], [B, A]],
    /// H = A + iB, by LAPACK `dsyevd` (for an eigenvector u + iv of H, both (u, v) and (−v, u)
    /// are eigenvectors of the embedding with the same eigenvalue).
    static func hermitianEigenvalues(_ h: [Complex<Double>], size n: Int) throws -> [Double] {
        let m = 2 * n
        var e = try DenseMatrix(rows: m, columns: m)
        for j in 0..<n {
            for i in 0..<n {
                let z = h[i + j * n]
                e[i, j] = z.real; e[i + n, j + n] = z.real
                e[i + n, j] = z.imaginary; e[i, j + n] = -z.imaginary
            }
        }
        return try LinearAlgebra.symmetricEigenvalues(e)
    }

    /// The mean of each consecutive pair of an ascending array of doubled eigenvalues.
    static func everyOther(_ w: [Double]) -> [Double] {
        var levels = [Double](repeating: 0, count: w.count / 2)
        for k in levels.indices { levels[k] = 0.5 * (w[2 * k] + w[2 * k + 1]) }
        return levels
    }
}
