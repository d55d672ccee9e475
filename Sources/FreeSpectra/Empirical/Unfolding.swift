import Foundation

/// How eigenvalues λ are mapped to unfolded levels ε = N̄(λ), where N̄ is a smooth counting
/// function, so that the unfolded levels have mean spacing 1 and local statistics can be
/// compared with the universal laws (`SpacingSurmise`, `NumberVarianceTheory`).
///
/// - `polynomial(degree:)`: a least-squares fit of the staircase. The kept levels of all
///   samples are pooled and sorted; the k-th (k = 0, 1, …) gets the value (k + ½)/S, S the
///   number of samples, so the fit is the mean counting function of one sample ("unfold each
///   sample with all of them"). The polynomial is Σ c_j T_j(x) in Chebyshev polynomials of x
///   scaled to [−1, 1] over the kept levels, solved by QR (`LinearAlgebra.leastSquares`). A fit
///   that decreases between two kept levels is refused (lower the degree).
/// - `cumulativeDistribution`: the exact law of the model, ε = n·F(λ) with n the sample's
///   size as given (zero modes included, so an atom at 0 in F is counted consistently). This
///   is the only unfolding that does not absorb part of the fluctuations into the fit.
///
/// Both are followed by one rescaling: the spacings are divided by their mean over all
/// samples (reported as `meanSpacing`, which is ≈ 1 when the unfolding is right).
/// Source for the method and its pitfalls: T. Guhr, A. Müller-Groeling, H. A. Weidenmüller,
/// Phys. Rep. 299, 189 (1998), §3.2.1; J. M. G. Gómez et al., PRE 66, 036209 (2002).
public enum Unfolding: Sendable {
    case polynomial(degree: Int)
    case cumulativeDistribution(name: String, cdf: @Sendable (Double) -> Double)

    /// The default polynomial degree (9: enough for a semicircle or Marchenko–Pastur bulk
    /// after 10 % edge trimming; see Docs/theory-spacings.md §5).
    public static let defaultDegree = 9

    /// In words, for the output.
    public var description: String {
        switch self {
        case .polynomial(let d): return "polynomial of degree \(d) fitted to the pooled counting function"
        case .cumulativeDistribution(let name, _): return "exact CDF: n·F(λ) of \(name)"
        }
    }

    /// The unfolded kept levels of each sample (ascending).
    /// - Throws: `invalidArgument` for a degree outside 1…30 or too few kept levels for it
    ///   (fewer than 2(degree + 1)), a fit that is not increasing over the kept levels, or an
    ///   exact CDF that is not finite or decreases there.
    func unfold(_ samples: [PreparedSample]) throws -> [[Double]] {
        switch self {
        case .cumulativeDistribution(let name, let cdf):
            return try samples.map { sample in
                let e = sample.keptLevels.map { Double(sample.size) * cdf($0) }
                guard e.allSatisfy(\.isFinite) else { throw NumericalError.invalidArgument("unfolding with \(name): F(λ) is not finite at some eigenvalue") }
                if let i = e.indices.dropFirst().first(where: { e[$0] < e[$0 - 1] }) {
                    throw NumericalError.invalidArgument("unfolding with \(name): F decreases between λ = \(sample.keptLevels[sample.kept.lowerBound + i - 1]) and \(sample.keptLevels[sample.kept.lowerBound + i])")
                }
                return e
            }
        case .polynomial(let degree):
            guard (1...30).contains(degree) else { throw NumericalError.invalidArgument("polynomial unfolding degree must be between 1 and 30, got \(degree)") }
            let pooled = samples.flatMap { Array($0.keptLevels) }.sorted()
            guard pooled.count >= 2 * (degree + 1) else {
                throw NumericalError.invalidArgument("polynomial unfolding of degree \(degree) needs at least \(2 * (degree + 1)) kept levels, got \(pooled.count); lower --degree or give more eigenvalues")
            }
            let lo = pooled.first!, hi = pooled.last!
            guard hi > lo else { throw NumericalError.invalidArgument("polynomial unfolding: the kept levels are all equal to \(lo)") }
            let scaled = { (x: Double) in (2 * x - lo - hi) / (hi - lo) }
            let s = Double(samples.count)
            var design = try DenseMatrix(rows: pooled.count, columns: degree + 1)
            for (i, x) in pooled.enumerated() {
                let t = Chebyshev.values(scaled(x), degree: degree)
                for j in 0...degree { design[i, j] = t[j] }
            }
            let target = pooled.indices.map { (Double($0) + 0.5) / s }
            let c = try LinearAlgebra.leastSquares(design, target)
            let fit = { (x: Double) in zip(Chebyshev.values(scaled(x), degree: degree), c).reduce(0) { $0 + $1.0 * $1.1 } }
            // The fit must increase wherever levels are: check on the pooled levels.
            let atLevels = pooled.map(fit)
            if let i = atLevels.indices.dropFirst().first(where: { atLevels[$0] < atLevels[$0 - 1] }) {
                throw NumericalError.invalidArgument("polynomial unfolding of degree \(degree) decreases between λ = \(pooled[i - 1]) and \(pooled[i]); lower --degree or trim more of the edges")
            }
            return samples.map { $0.keptLevels.map(fit) }
        }
    }
}

/// Chebyshev polynomials of the first kind.
enum Chebyshev {
    /// T₀(x) … T_d(x) by the recurrence T_{k+1} = 2x T_k − T_{k−1}.
    static func values(_ x: Double, degree: Int) -> [Double] {
        var t = [1.0, x]
        if degree < 1 { return [1] }
        for k in 1..<max(1, degree) { t.append(2 * x * t[k] - t[k - 1]) }
        return Array(t.prefix(degree + 1))
    }
}
