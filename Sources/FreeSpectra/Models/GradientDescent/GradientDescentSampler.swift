import Foundation

/// The features a gradient-descent Monte Carlo regresses on.
public enum GradientDescentFeatures {
    /// F = Xᵀ, X ∈ ℝ^{m×n} with i.i.d. N(0, σ²) entries: A = XᵀX/m ~ MP(n/m, σ²).
    case gaussian(parameters: Int, dataPoints: Int, variance: Double)
    /// F = Y = f(WX) − E f (n₁ × m), as `GramSampler.features`: A = YYᵀ/m ~ Pennington–Worah.
    case randomFeatures(activation: any Activation, moments: GramActivationMoments, shape: GramShape)

    /// p, the number of parameters (rows of F).
    public var parameters: Int {
        switch self {
        case .gaussian(let p, _, _): return p
        case .randomFeatures(_, _, let s): return s.features
        }
    }
    /// m, the number of data points (columns of F).
    public var dataPoints: Int {
        switch self {
        case .gaussian(_, let m, _): return m
        case .randomFeatures(_, _, let s): return s.dataPoints
        }
    }
}

/// One (η, t) of the sampled curves: means over samples with standard errors.
public struct GradientDescentSampledPoint: Sendable, Equatable, Codable {
    public var eta: Double
    public var step: Int
    /// E(w_t) − E*; sampled only without label noise (then E* = 0 and it is the training
    /// loss itself), nil otherwise.
    public var excessLoss: MonteCarloEstimate?
    /// ‖w_t − w*‖².
    public var distance: MonteCarloEstimate
    /// E(w_t) = ‖Fᵀw_t − y‖²/(2m).
    public var trainError: MonteCarloEstimate
    /// ½(s² + σ²‖w_t − w*‖²): the exact expected error on a fresh point for i.i.d. features of
    /// variance σ² (nil for random features).
    public var testError: MonteCarloEstimate?
}

/// Real gradient descent on sampled least-squares problems (theory: `GradientDescentCurves`).
///
/// For each sample s (generator `Xoshiro256StarStar(seed:).stream(s)`): features F (p × m),
/// teacher w* with i.i.d. N(0, r²/p) entries, labels y = Fᵀw* + ε, ε_j ~ N(0, s²); then from
/// w₀ = 0 (so ‖w₀ − w*‖² ≈ r²) the iteration w ← w − η(Aw − b), A = FFᵀ/m, b = Fy/m, for all
/// step sizes at once (one `cblas_dgemm` of A by the p × k matrix of iterates per step). At
/// each requested step, E(w) = ‖Fᵀw − y‖²/(2m) from the residual (no cancellation) and
/// ‖w − w*‖². An iterate whose squared length passes 1e300 is stopped and reads +∞ from then
/// on (a diverging step size).
public enum GradientDescentSampler {
    /// - Throws: `invalidArgument` for no step sizes, η ≤ 0, negative steps, samples < 1,
    ///   r² ≤ 0, s² < 0, or more than 2·10⁸ entries in F.
    public static func run(
        _ features: GradientDescentFeatures, etas: [Double], steps: [Int], initialError: Double = 1,
        noise: Double = 0, samples: Int, seed: UInt64
    ) throws -> [GradientDescentSampledPoint] {
        guard !etas.isEmpty else { throw NumericalError.invalidArgument("at least one step size η is needed") }
        for eta in etas { try require(eta, "step size η", { $0 > 0 }, "finite and > 0") }
        guard let last = steps.max(), steps.allSatisfy({ $0 >= 0 }) else {
            throw NumericalError.invalidArgument("steps must be ≥ 0 and at least one is needed, got \(steps)")
        }
        guard samples >= 1 else { throw NumericalError.invalidArgument("samples must be ≥ 1, got \(samples)") }
        try require(initialError, "initial error r²", { $0 > 0 }, "finite and > 0")
        try require(noise, "label-noise variance s²", { $0 >= 0 }, "finite and ≥ 0")
        let p = features.parameters, m = features.dataPoints, k = etas.count
        guard p >= 1, m >= 1, p * m <= 200_000_000 else {
            throw NumericalError.invalidArgument("gradient-descent sampling needs 1 ≤ p·m ≤ 2e8, got p = \(p), m = \(m)")
        }
        let recorded = Set(steps)
        let root = Xoshiro256StarStar(seed: seed)
        // perSample[quantity][eta][step] → values over samples
        var train = [[[Double]]](repeating: [[Double]](repeating: [], count: steps.count), count: k)
        var dist = train, test = train
        let stepIndex = Dictionary(steps.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

        for s in 0..<samples {
            var g = root.stream(s)
            let f: DenseMatrix  // p × m
            var variance: Double? = nil
            switch features {
            case .gaussian(_, _, let v):
                f = try RandomMatrices.gaussian(rows: p, columns: m, variance: v, using: &g)
                variance = v
            case .randomFeatures(let activation, let moments, let shape):
                f = try GramSampler.features(activation, moments: moments, shape: shape, using: &g)
            }
            let wStar = g.normals(p, standardDeviation: (initialError / Double(p)).squareRoot())
            let eps = g.normals(m, standardDeviation: noise.squareRoot())
            var y = eps
            var a = LinearAlgebra.gram(f).storage
            for i in a.indices { a[i] /= Double(m) }
            var b = [Double](repeating: 0, count: p)
            f.storage.withUnsafeBufferPointer { pf in
                wStar.withUnsafeBufferPointer { pw in
                    y.withUnsafeMutableBufferPointer { py in
                        LinearAlgebra.gemm(m: m, n: 1, k: p, alpha: 1, a: pf.baseAddress!, lda: p, transposeA: true,
                                           b: pw.baseAddress!, ldb: p, transposeB: false, beta: 1, c: py.baseAddress!, ldc: m)
                    }
                }
                y.withUnsafeBufferPointer { py in
                    b.withUnsafeMutableBufferPointer { pb in
                        LinearAlgebra.gemv(m: p, n: m, alpha: 1 / Double(m), a: pf.baseAddress!, lda: p, x: py.baseAddress!, beta: 0, y: pb.baseAddress!)
                    }
                }
            }
            var w = [Double](repeating: 0, count: p * k)
            var aw = [Double](repeating: 0, count: p * k)
            var residual = [Double](repeating: 0, count: m * k)
            var stopped = [Bool](repeating: false, count: k)

            func record(_ t: Int) {
                guard let index = stepIndex[t] else { return }
                for j in 0..<k { residual.replaceSubrange(j * m..<(j + 1) * m, with: y.lazy.map { -$0 }) }
                f.storage.withUnsafeBufferPointer { pf in
                    w.withUnsafeBufferPointer { pw in
                        residual.withUnsafeMutableBufferPointer { pr in
                            LinearAlgebra.gemm(m: m, n: k, k: p, alpha: 1, a: pf.baseAddress!, lda: p, transposeA: true,
                                               b: pw.baseAddress!, ldb: p, transposeB: false, beta: 1, c: pr.baseAddress!, ldc: m)
                        }
                    }
                }
                for j in 0..<k {
                    if stopped[j] {
                        train[j][index].append(.infinity); dist[j][index].append(.infinity); test[j][index].append(.infinity)
                        continue
                    }
                    var r2 = 0.0, d2 = 0.0
                    for i in 0..<m { r2 += residual[j * m + i] * residual[j * m + i] }
                    for i in 0..<p { let d = w[j * p + i] - wStar[i]; d2 += d * d }
                    train[j][index].append(r2 / (2 * Double(m)))
                    dist[j][index].append(d2)
                    test[j][index].append(variance.map { 0.5 * (noise + $0 * d2) } ?? .nan)
                }
            }

            record(0)
            if last > 0 {
                for t in 1...last {
                    a.withUnsafeBufferPointer { pa in
                        w.withUnsafeBufferPointer { pw in
                            aw.withUnsafeMutableBufferPointer { pc in
                                LinearAlgebra.gemm(m: p, n: k, k: p, alpha: 1, a: pa.baseAddress!, lda: p, transposeA: false,
                                                   b: pw.baseAddress!, ldb: p, transposeB: false, beta: 0, c: pc.baseAddress!, ldc: p)
                            }
                        }
                    }
                    for j in 0..<k where !stopped[j] {
                        let eta = etas[j]
                        var norm = 0.0
                        for i in 0..<p {
                            let v = w[j * p + i] - eta * (aw[j * p + i] - b[i])
                            w[j * p + i] = v
                            norm += v * v
                        }
                        if !(norm <= 1e300) {
                            stopped[j] = true
                            for i in 0..<p { w[j * p + i] = 0 }
                        }
                    }
                    if recorded.contains(t) { record(t) }
                }
            }
        }

        func estimate(_ v: [Double]) -> MonteCarloEstimate {
            let mean = v.reduce(0, +) / Double(v.count)
            guard mean.isFinite else { return MonteCarloEstimate(value: mean, standardError: .nan) }
            return MonteCarloEstimate(value: mean, standardError: EmpiricalSpectrum.standardError(v))
        }
        var result: [GradientDescentSampledPoint] = []
        let iid: Bool = { if case .gaussian = features { return true } else { return false } }()
        for j in 0..<k {
            for (index, t) in steps.enumerated() {
                let first = stepIndex[t]!  // repeated steps share the first's values
                let tr = estimate(train[j][first])
                result.append(GradientDescentSampledPoint(
                    eta: etas[j], step: t, excessLoss: noise == 0 ? tr : nil, distance: estimate(dist[j][first]),
                    trainError: tr, testError: iid ? estimate(test[j][first]) : nil))
                _ = index
            }
        }
        return result
    }
}
