import Foundation

/// A continuous power-law tail p(x) ∝ x^{−α} for x ≥ x_min, fitted by Clauset, Shalizi &
/// Newman (SIAM Rev. 51 (2009) 661, §3).
///
/// For a given x_min the maximum-likelihood exponent is α̂ = 1 + n / Σᵢ ln(xᵢ/x_min) over the
/// n points ≥ x_min (their eq. 3.1) with standard error (α̂ − 1)/√n (eq. 3.2). x_min is the
/// data point that minimises the two-sided Kolmogorov–Smirnov distance
/// D = sup_x |S(x) − P(x)| between the tail's empirical CDF S and the fitted
/// P(x) = 1 − (x/x_min)^{1−α̂}, over candidates with at least `minimumTail` points above
/// them. WeightWatcher's fit measures D one-sided, which lets tails of 2 or 3 points win;
/// the minimum tail (default 10) and the two-sided D prevent that.
///
/// Cost: each candidate's α̂ from suffix sums of ln x (O(1)), its D in one pass over its tail
/// (O(n)), so O(n²) for the scan with one `exp` per point and candidate.
public struct PowerLawFit: Sendable, Equatable, Codable {
    /// α̂ and its standard error (α̂ − 1)/√n_tail.
    public let alpha: Double
    public let alphaStdErr: Double
    /// x_min (a data point) and x_max (the largest point).
    public let xmin: Double
    public let xmax: Double
    /// The number of points ≥ x_min, and of all points.
    public let nTail: Int
    public let count: Int
    /// The two-sided KS distance of the tail to the fitted law.
    public let ksDistance: Double

    /// The default minimum number of tail points.
    public static let defaultMinimumTail = 10

    /// Fits `data` (positive values; sorted here), choosing x_min by the KS scan.
    /// - Throws: `invalidArgument` if a value is not finite and positive, or if fewer than
    ///   `minimumTail` (≥ 2) distinct-enough points leave no candidate.
    public init(_ data: [Double], minimumTail: Int = PowerLawFit.defaultMinimumTail) throws {
        try self.init(sorted: Self.checkedSorted(data), minimumTail: minimumTail)
    }

    /// Fits `data` with x_min given: α̂ over the points ≥ x_min, D of that tail.
    public init(_ data: [Double], xmin: Double) throws {
        let x = try Self.checkedSorted(data)
        try require(xmin, "x_min", { $0 > 0 }, "finite and > 0")
        let first = x.firstIndex(where: { $0 >= xmin }) ?? x.count
        let logs = x.map { log($0) }
        guard x.count - first >= 2 else {
            throw NumericalError.invalidArgument("a power-law fit needs at least 2 points ≥ x_min = \(xmin), got \(x.count - first)")
        }
        let sum = logs[first...].reduce(0, +)
        let m = Double(x.count - first)
        let alpha = 1 + m / (sum - m * log(xmin))
        self.init(alpha: alpha, xmin: xmin, xmax: x.last!, nTail: x.count - first, count: x.count,
                  ksDistance: Self.ksDistance(logs: logs, from: first, logXmin: log(xmin), alpha: alpha))
    }

    init(alpha: Double, xmin: Double, xmax: Double, nTail: Int, count: Int, ksDistance: Double) {
        self.alpha = alpha
        self.alphaStdErr = (alpha - 1) / Double(nTail).squareRoot()
        self.xmin = xmin
        self.xmax = xmax
        self.nTail = nTail
        self.count = count
        self.ksDistance = ksDistance
    }

    /// The scan over sorted positive data.
    init(sorted x: [Double], minimumTail: Int) throws {
        guard minimumTail >= 2 else { throw NumericalError.invalidArgument("the minimum tail must be ≥ 2, got \(minimumTail)") }
        let n = x.count
        guard n >= minimumTail else {
            throw NumericalError.invalidArgument("a power-law fit needs at least \(minimumTail) points (the minimum tail), got \(n)")
        }
        var logs = [Double](repeating: 0, count: n)
        for i in 0..<n { logs[i] = log(x[i]) }
        var suffix = [Double](repeating: 0, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + logs[i] }
        var best: (d: Double, i: Int, alpha: Double)? = nil
        logs.withUnsafeBufferPointer { lx in
            var i = 0
            while i <= n - minimumTail {
                // Each distinct value once: the first index of a run of ties.
                if i > 0 && x[i] == x[i - 1] { i += 1; continue }
                let m = Double(n - i)
                let denominator = suffix[i] - m * lx[i]
                if denominator > 0 {
                    let alpha = 1 + m / denominator
                    let d = Self.ksDistance(logs: lx, from: i, logXmin: lx[i], alpha: alpha, stopAbove: best?.d ?? .infinity)
                    if d < (best?.d ?? .infinity) { best = (d, i, alpha) }
                }
                i += 1
            }
        }
        guard let b = best else {
            throw NumericalError.invalidArgument("no x_min candidate leaves \(minimumTail) points with distinct values above it")
        }
        self.init(alpha: b.alpha, xmin: x[b.i], xmax: x[n - 1], nTail: n - b.i, count: n, ksDistance: b.d)
    }

    /// sup |S − P| over the tail logs[from...], two-sided (before and after each jump).
    /// Stops early once the running maximum exceeds `stopAbove` (the scan's best so far).
    static func ksDistance(logs: UnsafeBufferPointer<Double>, from first: Int, logXmin: Double, alpha: Double,
                           stopAbove: Double = .infinity) -> Double {
        let n = logs.count
        let m = Double(n - first)
        let exponent = 1 - alpha
        var d = 0.0
        var j = first
        while j < n {
            let p = 1 - exp(exponent * (logs[j] - logXmin))
            let k = Double(j - first)
            d = max(d, abs(p - k / m), abs(p - (k + 1) / m))
            if d > stopAbove { return d }
            j += 1
        }
        return d
    }

    static func ksDistance(logs: [Double], from first: Int, logXmin: Double, alpha: Double) -> Double {
        logs.withUnsafeBufferPointer { ksDistance(logs: $0, from: first, logXmin: logXmin, alpha: alpha) }
    }

    static func checkedSorted(_ data: [Double]) throws -> [Double] {
        if let bad = data.first(where: { !($0.isFinite && $0 > 0) }) {
            throw NumericalError.invalidArgument("a power-law fit needs finite positive values, got \(bad)")
        }
        return data.sorted()
    }
}
