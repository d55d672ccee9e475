import Foundation

/// Weight matrices with a known answer, for users and tests of `freespec weights`.
///
/// - gaussian: i.i.d. N(0, 1) entries: MP with σ² = 1, no spikes, random-like.
/// - spiked: W = Z + √N Σᵢ θᵢ uᵢvᵢᵀ, Z gaussian, uᵢ ∈ ℝᴺ and vᵢ ∈ ℝᴹ orthonormal (Gram–Schmidt on
///   Gaussian vectors), N = max(rows, cols): outliers at `SpikeStrength.location(θᵢ)` for
///   θᵢ > c^{1/4}, none for the others (c = M/N).
/// - pareto: symmetric Pareto entries ±U^{−1/μ}, P(|w| > x) = x^{−μ} for x ≥ 1: for μ < 2 the
///   ESD has a power-law tail of exponent α = 1 + μ/2 (Martin & Mahoney 2021, Table 3,
///   from the heavy-tailed random-matrix results of Ben Arous & Guionnet 2008).
///
/// Row-major rows × cols; the same seed gives the same matrix.
public enum SyntheticWeights {
    public static func gaussian(rows: Int, columns: Int, seed: UInt64) throws -> NumericArray {
        try checkSizes(rows, columns)
        var g = Xoshiro256StarStar(seed: seed)
        return try NumericArray(file: "<synthetic>", name: "gaussian", shape: [rows, columns], values: g.normals(rows * columns))
    }

    public static func spiked(rows: Int, columns: Int, strengths: [Double], seed: UInt64) throws -> NumericArray {
        try checkSizes(rows, columns)
        guard strengths.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw NumericalError.invalidArgument("spike strengths must be finite and ≥ 0, got \(strengths)")
        }
        guard strengths.count <= min(rows, columns) else {
            throw NumericalError.invalidArgument("at most min(rows, cols) = \(min(rows, columns)) spikes, got \(strengths.count)")
        }
        var g = Xoshiro256StarStar(seed: seed)
        var w = g.normals(rows * columns)
        let left = orthonormal(strengths.count, length: rows, &g)
        let right = orthonormal(strengths.count, length: columns, &g)
        let scale = Double(max(rows, columns)).squareRoot()
        for (k, theta) in strengths.enumerated() {
            for i in 0..<rows { for j in 0..<columns { w[i * columns + j] += scale * theta * left[k][i] * right[k][j] } }
        }
        return try NumericArray(file: "<synthetic>", name: "spiked", shape: [rows, columns], values: w)
    }

    public static func pareto(rows: Int, columns: Int, mu: Double, seed: UInt64) throws -> NumericArray {
        try checkSizes(rows, columns)
        try require(mu, "the Pareto exponent μ", { $0 > 0 }, "finite and > 0")
        var g = Xoshiro256StarStar(seed: seed)
        let values = (0..<(rows * columns)).map { _ -> Double in
            let u = 1 - g.nextUniform() // (0, 1]
            let magnitude = pow(u, -1 / mu)
            return g.next() & 1 == 0 ? magnitude : -magnitude
        }
        return try NumericArray(file: "<synthetic>", name: "pareto", shape: [rows, columns], values: values)
    }

    static func checkSizes(_ rows: Int, _ columns: Int) throws {
        guard rows >= 1, columns >= 1, rows <= 20_000, columns <= 20_000 else {
            throw NumericalError.invalidArgument("rows and columns must be between 1 and 20000, got \(rows) × \(columns)")
        }
    }

    static func orthonormal(_ k: Int, length n: Int, _ g: inout Xoshiro256StarStar) -> [[Double]] {
        var basis: [[Double]] = []
        while basis.count < k {
            var v = g.normals(n)
            for b in basis {
                let d = zip(v, b).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<n { v[i] -= d * b[i] }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1e-8 { basis.append(v.map { $0 / norm }) }
        }
        return basis
    }
}
