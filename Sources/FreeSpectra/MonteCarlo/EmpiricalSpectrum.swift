import Foundation

/// An estimate with its standard error.
public struct MonteCarloEstimate: Sendable, Equatable, Codable {
    /// The point estimate.
    public var value: Double
    /// Its standard error: the standard deviation of the per-sample values divided by
    /// √samples (NaN with a single sample, where it cannot be estimated).
    public var standardError: Double
}

/// The eigenvalues of several independently sampled matrices, pooled, with the statistics
/// used to compare them with a theoretical law.
public struct EmpiricalSpectrum: Sendable {
    /// The per-sample eigenvalues as given.
    public let samples: [[Double]]
    /// All eigenvalues pooled and sorted ascending.
    public let pooled: [Double]

    /// - Throws: `invalidArgument` if there is no sample, a sample is empty, or an
    ///   eigenvalue is NaN.
    public init(samples: [[Double]]) throws {
        guard !samples.isEmpty else { throw NumericalError.invalidArgument("an empirical spectrum needs at least one sample") }
        guard samples.allSatisfy({ !$0.isEmpty }) else {
            throw NumericalError.invalidArgument("an empirical spectrum cannot hold an empty sample")
        }
        let pooled = samples.joined().sorted()
        guard !pooled.contains(where: { $0.isNaN }) else {
            throw NumericalError.invalidArgument("an empirical spectrum cannot hold NaN eigenvalues")
        }
        self.samples = samples
        self.pooled = pooled
    }

    /// The k-th moment (1/n)Σλ^k of the pooled eigenvalues, with the standard error
    /// computed from the per-sample moments (sample standard deviation / √samples).
    public func moment(_ k: Int) -> MonteCarloEstimate {
        let perSample = samples.map { s in s.reduce(0) { $0 + pow($1, Double(k)) } / Double(s.count) }
        let value = pooled.reduce(0) { $0 + pow($1, Double(k)) } / Double(pooled.count)
        return MonteCarloEstimate(value: value, standardError: Self.standardError(perSample))
    }

    /// m₁ = mean eigenvalue, with its standard error across samples.
    public var m1: MonteCarloEstimate { moment(1) }
    /// m₂ = mean squared eigenvalue, with its standard error across samples.
    public var m2: MonteCarloEstimate { moment(2) }

    /// The mean over samples of each sample's largest eigenvalue, with its standard error.
    public var lambdaMax: MonteCarloEstimate {
        let maxima = samples.map { $0.max()! }
        return MonteCarloEstimate(value: maxima.reduce(0, +) / Double(maxima.count), standardError: Self.standardError(maxima))
    }

    /// The empirical CDF F_n(x) = #{λ ≤ x}/n (right-continuous).
    public func cdf(_ x: Double) -> Double {
        Double(upperBound(x)) / Double(pooled.count)
    }

    /// The Kolmogorov–Smirnov distance sup_x |F_n(x) − F(x)| between the pooled empirical CDF
    /// and a theoretical CDF F.
    ///
    /// `cdf` must be the right-continuous CDF F(x) = μ((−∞, x]) of the theory, atoms
    /// included (F jumps at an atom). Between consecutive sample points F_n is constant and
    /// F monotone, so the supremum is attained at a sample point λ, comparing the right
    /// limit F_n(λ) with F(λ) and the left limit F_n(λ⁻) with F(λ⁻) (F(λ⁻) is evaluated as
    /// F at the next smaller double). Ties are handled as one jump. Cost: two evaluations of
    /// F per distinct eigenvalue.
    ///
    /// Rounding smears a theoretical atom at a into eigenvalues a(1 ± 10⁻¹⁴), which the exact
    /// distance counts as a gap of up to the atom's mass. With `relativeResolution` r > 0 the
    /// comparison is made up to that relative shift of the abscissa (a Lévy-type distance):
    /// sup_x max(F_n(x) − F(x + r|x|), F((x − r|x|)⁻) − F_n(x⁻)). r = 0 is the exact KS distance.
    public func ksDistance(to cdf: (Double) -> Double, relativeResolution r: Double = 0) -> Double {
        let n = Double(pooled.count)
        var distance = 0.0
        var i = 0
        while i < pooled.count {
            let x = pooled[i]
            var j = i + 1
            while j < pooled.count && pooled[j] == x { j += 1 }
            let left = Double(i) / n, right = Double(j) / n
            let shift = r * abs(x)
            let above = cdf(x + shift)
            let below = cdf((x - shift).nextDown)
            distance = max(distance, right - above, below - left)
            i = j
        }
        return distance
    }

    /// A histogram of the pooled eigenvalues with `bins` bins on `range` (default: the
    /// sample's range; for logarithmic bins, its positive part).
    ///
    /// Logarithmic bins are equal in log λ, for spectra spanning decades; non-positive
    /// eigenvalues (rounding noise) then land in `underflow`.
    /// - Throws: `invalidArgument` if bins ≤ 0, the range is empty or not finite, or a
    ///   logarithmic range is not positive.
    public func histogram(bins: Int, logarithmic: Bool = false, range: ClosedRange<Double>? = nil) throws -> SpectrumHistogram {
        guard bins > 0 else { throw NumericalError.invalidArgument("histogram needs at least one bin, got \(bins)") }
        var lo: Double, hi: Double
        if let range {
            (lo, hi) = (range.lowerBound, range.upperBound)
        } else if logarithmic {
            guard let firstPositive = pooled.first(where: { $0 > 0 }) else {
                throw NumericalError.invalidArgument("a logarithmic histogram needs positive eigenvalues")
            }
            (lo, hi) = (firstPositive, pooled.last!)
        } else {
            (lo, hi) = (pooled.first!, pooled.last!)
        }
        guard lo.isFinite, hi.isFinite, !(logarithmic && lo <= 0) else {
            throw NumericalError.invalidArgument("histogram range [\(lo), \(hi)] must be finite (and positive for log bins)")
        }
        // A spread below 1e-9 of the value is rounding, not spectrum: the SVD gives eigenvalues
        // to about N·ε relative (≤ 1e-12 for N ≤ 4096), and 60 bins inside a few ulps would
        // have coinciding edges (zero width, density 0/0). Such a range is one value (e.g. an
        // exact atom, all slopes equal): widen it symmetrically.
        if hi - lo <= 1e-9 * max(abs(lo), abs(hi)) {
            let centre = 0.5 * (lo + hi)
            let pad = centre == 0 ? 0.5 : abs(centre) * 1e-6
            (lo, hi) = logarithmic ? (centre / (1 + 1e-6), centre * (1 + 1e-6)) : (centre - pad, centre + pad)
        }
        let edges: [Double] = (0...bins).map { k in
            let t = Double(k) / Double(bins)
            if k == bins { return hi }
            return logarithmic ? exp(log(lo) + t * (log(hi) - log(lo))) : lo + t * (hi - lo)
        }
        var counts = [Int](repeating: 0, count: bins)
        var underflow = 0, overflow = 0
        for x in pooled {
            if x < lo || (logarithmic && x <= 0) { underflow += 1; continue }
            if x > hi { overflow += 1; continue }
            let t = logarithmic ? (log(x) - log(lo)) / (log(hi) - log(lo)) : (x - lo) / (hi - lo)
            var k = min(bins - 1, max(0, Int(t * Double(bins))))
            // Correct rare rounding at an edge so that bin k is [edge_k, edge_{k+1}).
            if x < edges[k] && k > 0 { k -= 1 } else if x >= edges[k + 1] && k < bins - 1 { k += 1 }
            counts[k] += 1
        }
        return SpectrumHistogram(edges: edges, counts: counts, underflow: underflow, overflow: overflow,
                         total: pooled.count, logarithmic: logarithmic)
    }

    /// Index of the first pooled value > x.
    func upperBound(_ x: Double) -> Int {
        var lo = 0, hi = pooled.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pooled[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    static func standardError(_ values: [Double]) -> Double {
        guard values.count > 1 else { return .nan }
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
        return (variance / n).squareRoot()
    }
}
