import Foundation

/// An interpolation problem for the diagonal network: a design X (N × d) and targets y (N),
/// and, for generated data, the planted β* behind them.
public struct RegressionData: Sendable {
    /// X, N × d, column-major.
    public let design: DenseMatrix
    /// y, N entries.
    public let targets: [Double]
    /// β* (d entries) when the data were generated; the population risk of β under
    /// x ~ N(0, I_d) is then ‖β − β*‖² (+ the noise variance).
    public let truth: [Double]?

    public var samples: Int { design.rows }
    public var dimension: Int { design.columns }

    /// - Throws: `invalidArgument` when X and y disagree in their number of rows, a value is
    ///   not finite, y is all zero, or β* has the wrong length.
    public init(design: DenseMatrix, targets: [Double], truth: [Double]? = nil) throws {
        guard targets.count == design.rows else {
            throw NumericalError.invalidArgument("the shapes disagree: X has \(design.rows) rows (samples) but y has \(targets.count) entries")
        }
        guard design.storage.allSatisfy(\.isFinite) else {
            throw NumericalError.invalidArgument("X holds a non-finite value (NaN or ±inf)")
        }
        guard targets.allSatisfy(\.isFinite) else {
            throw NumericalError.invalidArgument("y holds a non-finite value (NaN or ±inf)")
        }
        guard targets.contains(where: { $0 != 0 }) else {
            throw NumericalError.invalidArgument("y is all zero: every interpolant of interest is β = 0")
        }
        if let t = truth {
            guard t.count == design.columns, t.allSatisfy(\.isFinite) else {
                throw NumericalError.invalidArgument("β* must have \(design.columns) finite entries")
            }
        }
        self.design = design
        self.targets = targets
        self.truth = truth
    }

    /// The sparse-regression data of Woodworth et al. §6 (Figure 1): rows xₙ ~ N(0, I_d)
    /// independent, β* with `sparsity` non-zero entries ±1/√r on a uniformly random support
    /// (random signs, so ‖β*‖₂ = 1), y = Xβ* + σ·ξ, ξ ~ N(0, I_N). Reproducible from `seed`
    /// (xoshiro256** with Ziggurat normals).
    /// - Throws: `invalidArgument` unless 1 ≤ N, 1 ≤ r ≤ d, σ ≥ 0 finite.
    public static func sparse(dimension d: Int, samples n: Int, sparsity r: Int, noise sigma: Double, seed: UInt64) throws -> RegressionData {
        guard d >= 1, n >= 1 else { throw NumericalError.invalidArgument("d and N must be positive, got d = \(d), N = \(n)") }
        guard r >= 1, r <= d else { throw NumericalError.invalidArgument("the sparsity r must satisfy 1 ≤ r ≤ d = \(d), got \(r)") }
        try require(sigma, "the noise σ", { $0 >= 0 }, "finite and ≥ 0")
        guard n.multipliedReportingOverflow(by: d).overflow == false, n * d <= 50_000_000 else {
            throw NumericalError.invalidArgument("N·d = \(n)·\(d) is too large (at most 5e7 entries)")
        }
        var rng = Xoshiro256StarStar(seed: seed)
        let x = try DenseMatrix(rows: n, columns: d, columnMajor: rng.normals(n * d))
        var indices = Array(0..<d)
        for k in 0..<r {
            let j = k + Int(rng.next() % UInt64(d - k))
            indices.swapAt(k, j)
        }
        var beta = [Double](repeating: 0, count: d)
        let size = 1 / Double(r).squareRoot()
        for k in 0..<r { beta[indices[k]] = (rng.next() & 1 == 0 ? 1 : -1) * size }
        var y = LinearAlgebra.apply(x, beta)
        if sigma > 0 { for i in 0..<n { y[i] += sigma * rng.nextNormal() } }
        return try RegressionData(design: x, targets: y, truth: beta)
    }
}
