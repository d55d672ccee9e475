import CGSL
import Foundation

/// Wall-clock seconds spent in each stage of a Monte Carlo run, summed over samples.
public struct MonteCarloTimings: Sendable, Equatable {
    /// Drawing W^l (normals; and the QR factorisation for orthogonal weights).
    public var weightSampling: Double = 0
    /// Forward pass (or the independent draw of D^l) and the row scaling D^l·W^l.
    public var forwardPass: Double = 0
    /// The GEMMs J ← (D^l W^l)·J.
    public var product: Double = 0
    /// Singular values of J (LAPACK `dgesdd`).
    public var eigenvalues: Double = 0
    /// The whole run.
    public var total: Double = 0
    /// Floating-point operations of the product stage: 2N³ per GEMM, (L − 1)·S GEMMs
    /// (the first layer needs none).
    public var productFlops: Double = 0

    /// Product-stage speed in GFLOP/s (0 when no GEMM ran).
    public var productGFLOPS: Double { product > 0 ? productFlops / product / 1e9 : 0 }
}

/// One sample's layer-by-layer terms of (1/N) log det(J Jᵀ) (square networks).
public struct LayerLogDeterminants: Sendable {
    /// (1/N) log det(W^l W^lᵀ).
    public var weights: [Double]
    /// (1/N) Σ_i log (D^l_ii)², the mean log squared slope of layer l.
    public var slopes: [Double]
    /// Var_i(log (D^l_ii)²)/N: the variance of `slopes[l]` for slopes independent given the
    /// layer's input (estimated from the layer's own N values).
    public var slopeVariances: [Double]
    /// Σ_l (weights + slopes).
    public var total: Double { zip(weights, slopes).reduce(0) { $0 + $1.0 + $1.1 } }
}

/// The result of `JacobianSampler.sample`.
public struct JacobianSamples: Sendable {
    /// For each sample, the N eigenvalues of JJᵀ in ascending order.
    public var eigenvalues: [[Double]]
    /// For each sample, the empirical per-unit squared pre-activation length
    /// q̂^l = ‖h^l‖²/N of layers l = 1…L, measured before any renormalisation (network mode);
    /// q^l (or q*) of the configuration in independent mode. A drift away from the length
    /// map's q^l flags finite-width q-walks.
    public var preactivationLengths: [[Double]]
    /// For each sample, the number of eigenvalues of J Jᵀ that are exactly 0 by structure:
    /// N_L − rank J, with rank J = min(N_0, min_l N_l, min_l #{i : D^l_ii ≠ 0}) (the rank of a
    /// product of generic Gaussian or Haar factors and diagonal masks). The zero atom of ReLU
    /// or hard-tanh at width N is this count over N_L, which fluctuates like N^{−1/2}.
    public var structuralZeros: [Int]
    /// For each sample, the layers' terms of (1/N) log det(J Jᵀ) = (1/N) Σ_l [log det(W^l W^lᵀ)
    /// + Σ_i log (D^l_ii)²], summed exactly over the factors (the SVD of the product resolves only
    /// the eigenvalues above ~ε² λ_max); nil for rectangular layers.
    public var logDeterminants: [LayerLogDeterminants]?
    /// For each sample, (1/N) log det(J Jᵀ), the mean log-eigenvalue (−∞ when a slope is 0).
    public var meanLogEigenvalues: [Double]? { logDeterminants?.map(\.total) }
    /// Where the time went.
    public var timings: MonteCarloTimings
}

/// Samples the input–output Jacobian J = D^L W^L ⋯ D^1 W^1 of random networks and returns
/// the eigenvalues of JJᵀ.
///
/// Algorithm, per sample (memory O(N²) whatever L: three N × N buffers reused across layers,
/// N the widest layer; layer l has width N_l, N_l = N for a square network):
/// 1. x⁰ = a Gaussian vector of length² N_0 Q0 (`inputLength`, by default (q* − σ_b²)/σ_w²).
/// 2. For l = 1…L: draw W^l, N_l × N_{l−1} (Gaussian N(0, σ_w²/N_{l−1}), or
///    σ_w √max(1, N_l/N_{l−1}) times a Haar matrix by sign-corrected QR);
///    network mode: b^l ~ N(0, σ_b² I), h^l = W^l x^{l−1} + b^l (`dgemv`), optionally
///    rescale h^l to q̂ = q^l, D^l = diag φ′(h^l), x^l = φ(h^l); independent mode:
///    D^l = diag φ′(√q^l·z), z ~ N(0, I) (q^l = q* unless `layerLengths` are given).
///    Then J ← (D^l W^l)·J: rows of W^l scaled by D^l, one `dgemm` (J¹ = D¹W¹ needs none).
/// 3. λ(JJᵀ) = σ(J)² by `dgesdd` — accurate down to ≈ ε²·λ_max, where the eigenvalues of
///    JJᵀ by `dsyevd` would be rounding noise below ≈ ε·λ_max — and N_L − min(N_L, N_0)
///    exact zeros when the output is wider than the input.
///
/// Random streams: sample s draws its weights from the xoshiro256** stream "seed jumped s
/// times" and everything else (x⁰, b, z) from an independent stream ("seed long-jumped, then
/// jumped s times"). So a sample is reproducible on its own, and for the linear activation the
/// two modes give bit-identical J.
public enum JacobianSampler {
    /// Samples `configuration.samples` networks; see `JacobianSampler`.
    ///
    /// - Parameter progress: called after every layer with (layers done, total layers =
    ///   samples·depth), on the calling thread. The library never prints.
    /// - Throws: `invalidArgument` for bad parameters (see
    ///   `NetworkSamplingConfiguration.validate`); `noSolution` when J over- or underflows
    ///   to a non-finite value; `library` when LAPACK fails.
    public static func sample(
        _ configuration: NetworkSamplingConfiguration, progress: ((Int, Int) -> Void)? = nil
    ) throws -> JacobianSamples {
        try configuration.validate()
        let start = ContinuousClock.now
        var workspace = try Workspace(widths: configuration.widths, ensemble: configuration.weights)
        let base = Xoshiro256StarStar(seed: configuration.seed)
        var auxiliaryBase = base
        auxiliaryBase.longJump()
        var eigenvalues: [[Double]] = []
        var lengths: [[Double]] = []
        var zeroCounts: [Int] = []
        var logDeterminants: [LayerLogDeterminants] = []
        var timings = MonteCarloTimings()
        var weightStream = base
        var auxiliaryStream = auxiliaryBase
        for s in 0..<configuration.samples {
            var w = weightStream, a = auxiliaryStream
            let (lambda, q, zeros, logDet) = try workspace.sampleOne(
                configuration, weights: &w, auxiliary: &a, timings: &timings
            ) { layer in progress?(s * configuration.depth + layer, configuration.samples * configuration.depth) }
            eigenvalues.append(lambda)
            lengths.append(q)
            zeroCounts.append(zeros)
            if let logDet { logDeterminants.append(logDet) }
            weightStream.jump()
            auxiliaryStream.jump()
        }
        timings.total = seconds(since: start)
        return JacobianSamples(eigenvalues: eigenvalues, preactivationLengths: lengths, structuralZeros: zeroCounts,
                               logDeterminants: logDeterminants.count == configuration.samples ? logDeterminants : nil, timings: timings)
    }

    /// The eigenvalues of JJᵀ, ascending, one array per sample; see `sample`.
    public static func sampleEigenvalues(
        _ configuration: NetworkSamplingConfiguration, progress: ((Int, Int) -> Void)? = nil
    ) throws -> [[Double]] {
        try sample(configuration, progress: progress).eigenvalues
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// The reusable buffers of one run, sized for the widest layer.
    struct Workspace {
        /// N_0 … N_L.
        let widths: [Int]
        var weight: [Double]
        var jacobian: [Double]
        var next: [Double]
        var x: [Double]
        var h: [Double]
        var d: [Double]
        /// QR workspaces by (rows, columns) of the tall Gaussian matrix each orthogonal
        /// layer shape is drawn from.
        var qr: [[Int]: LinearAlgebra.QRWorkspace] = [:]
        /// LU of square Gaussian layers, for log|det W^l|.
        let lu: LinearAlgebra.LUWorkspace?
        let svd: LinearAlgebra.SingularValueWorkspace

        init(widths: [Int], ensemble: WeightEnsemble) throws {
            self.widths = widths
            let largest = widths.max()!
            weight = [Double](repeating: 0, count: largest * largest)
            jacobian = weight
            next = weight
            x = [Double](repeating: 0, count: largest)
            h = x
            d = x
            if ensemble == .orthogonal {
                for l in 1..<widths.count {
                    let shape = [max(widths[l], widths[l - 1]), min(widths[l], widths[l - 1])]
                    if qr[shape] == nil { qr[shape] = try LinearAlgebra.QRWorkspace(rows: shape[0], columns: shape[1]) }
                }
            }
            svd = try LinearAlgebra.SingularValueWorkspace(rows: widths.last!, columns: widths[0])
            let square = widths.allSatisfy { $0 == widths[0] }
            lu = square && ensemble == .gaussian ? LinearAlgebra.LUWorkspace(size: widths[0]) : nil
        }

        /// W^l (N_l × N_{l−1}, column-major) into `weight`: Gaussian N(0, σ_w²/N_{l−1}), or
        /// σ_w √max(1, N_l/N_{l−1}) times a Haar matrix with orthonormal columns (N_l ≥ N_{l−1})
        /// or rows (the transpose of a tall one).
        mutating func drawWeights(rows: Int, columns: Int, _ c: NetworkSamplingConfiguration,
                                  _ generator: inout Xoshiro256StarStar) throws {
            switch c.weights {
            case .gaussian:
                weight.withUnsafeMutableBufferPointer { wp in
                    generator.fillNormal(UnsafeMutableBufferPointer(rebasing: wp[0..<(rows * columns)]),
                                         standardDeviation: c.sigmaW / Double(columns).squareRoot())
                }
            case .orthogonal:
                let tall = max(rows, columns), narrow = min(rows, columns)
                let scale = c.sigmaW * max(1, Double(rows) / Double(columns)).squareRoot()
                let workspace = qr[[tall, narrow]]!
                if rows >= columns {
                    try weight.withUnsafeMutableBufferPointer { wp in
                        generator.fillNormal(UnsafeMutableBufferPointer(rebasing: wp[0..<(tall * narrow)]))
                        try RandomMatrices.orthonormalize(wp.baseAddress!, rows: tall, columns: narrow, scale: scale, workspace: workspace)
                    }
                } else {
                    try next.withUnsafeMutableBufferPointer { np in
                        generator.fillNormal(UnsafeMutableBufferPointer(rebasing: np[0..<(tall * narrow)]))
                        try RandomMatrices.orthonormalize(np.baseAddress!, rows: tall, columns: narrow, scale: scale, workspace: workspace)
                        weight.withUnsafeMutableBufferPointer { wp in
                            // weight[i, j] (rows × columns) = next[j, i] (columns × rows).
                            for j in 0..<columns {
                                for i in 0..<rows { wp[i + j * rows] = np[j + i * columns] }
                            }
                        }
                    }
                }
            }
        }

        mutating func sampleOne(
            _ c: NetworkSamplingConfiguration, weights: inout Xoshiro256StarStar,
            auxiliary: inout Xoshiro256StarStar, timings: inout MonteCarloTimings,
            layerDone: (Int) -> Void
        ) throws -> ([Double], [Double], Int, LayerLogDeterminants?) {
            let n0 = widths[0]
            var rank = widths.min()!
            let square = widths.allSatisfy { $0 == n0 }
            var logDeterminant = LayerLogDeterminants(weights: [], slopes: [], slopeVariances: [])
            var lengths: [Double] = []
            lengths.reserveCapacity(c.depth)
            let phi = c.activation
            if c.mode == .network {
                // x⁰: a Gaussian direction of length² N_0 Q0 (`inputLength`), by default
                // Q0 = (q* − σ_b²)/σ_w², so that h¹ = W x⁰ + b already has per-unit squared length
                // q* (at the fixed point this is N E[φ(√q* h)²], the stationary input length).
                x.withUnsafeMutableBufferPointer { auxiliary.fillNormal(UnsafeMutableBufferPointer(rebasing: $0[0..<n0])) }
                let norm2 = x[0..<n0].reduce(0) { $0 + $1 * $1 }
                let inputLength = c.inputLength ?? max(0, c.qStar - c.sigmaB * c.sigmaB) / (c.sigmaW * c.sigmaW)
                let factor = norm2 > 0 ? (Double(n0) * inputLength / norm2).squareRoot() : 0
                for i in 0..<n0 { x[i] *= factor }
            }
            for layer in 1...c.depth {
                let rows = widths[layer], columns = widths[layer - 1]
                // Weights.
                var t = ContinuousClock.now
                try drawWeights(rows: rows, columns: columns, c, &weights)
                if square {
                    if let lu {
                        // `next` is free until the product below.
                        let count = rows * columns
                        logDeterminant.weights.append(try weight.withUnsafeBufferPointer { wp in
                            try next.withUnsafeMutableBufferPointer { np in
                                np.baseAddress!.update(from: wp.baseAddress!, count: count)
                                return 2 * (try lu.logAbsDeterminant(np.baseAddress!)) / Double(n0)
                            }
                        })
                    } else {
                        logDeterminant.weights.append(log(c.sigmaW * c.sigmaW))  // W = σ_w Q
                    }
                }
                timings.weightSampling += JacobianSampler.seconds(since: t)

                // D^l and the forward pass.
                t = ContinuousClock.now
                switch c.mode {
                case .network:
                    h.withUnsafeMutableBufferPointer { auxiliary.fillNormal(UnsafeMutableBufferPointer(rebasing: $0[0..<rows]), standardDeviation: c.sigmaB) }
                    weight.withUnsafeBufferPointer { wp in
                        x.withUnsafeBufferPointer { xp in
                            h.withUnsafeMutableBufferPointer { hp in
                                LinearAlgebra.gemv(m: rows, n: columns, alpha: 1, a: wp.baseAddress!, lda: rows,
                                                   x: xp.baseAddress!, beta: 1, y: hp.baseAddress!)
                            }
                        }
                    }
                    let q = h[0..<rows].reduce(0) { $0 + $1 * $1 } / Double(rows)
                    lengths.append(q)
                    if c.renormalize && q > 0 {
                        let factor = (c.length(ofLayer: layer) / q).squareRoot()
                        for i in 0..<rows { h[i] *= factor }
                    }
                    for i in 0..<rows {
                        d[i] = phi.derivative(h[i])
                        x[i] = phi.value(h[i])
                    }
                case .independent:
                    // A homogeneous φ has the same slope law at every q > 0: draw at q = 1, so a
                    // q^l that left Double's range (0 or ∞) still gives the right slopes.
                    let q = c.activation.isPositivelyHomogeneous ? 1 : c.length(ofLayer: layer)
                    h.withUnsafeMutableBufferPointer { auxiliary.fillNormal(UnsafeMutableBufferPointer(rebasing: $0[0..<rows]), standardDeviation: q.squareRoot()) }
                    lengths.append(c.length(ofLayer: layer))
                    for i in 0..<rows { d[i] = phi.derivative(h[i]) }
                }
                rank = min(rank, d[0..<rows].reduce(0) { $1 != 0 ? $0 + 1 : $0 })
                if square {
                    let logs = d[0..<rows].map { log($0 * $0) }
                    let mean = logs.reduce(0, +) / Double(rows)
                    logDeterminant.slopes.append(mean)
                    logDeterminant.slopeVariances.append(logs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, rows - 1)) / Double(rows))
                }
                // W ← D W (scale row i by d_i; column-major, so each column is scaled by d).
                let target = layer == 1
                weight.withUnsafeMutableBufferPointer { wp in
                    d.withUnsafeBufferPointer { dp in
                        jacobian.withUnsafeMutableBufferPointer { jp in
                            for j in 0..<columns {
                                let column = wp.baseAddress! + j * rows
                                if target {
                                    let out = jp.baseAddress! + j * rows
                                    for i in 0..<rows { out[i] = dp[i] * column[i] }
                                } else {
                                    for i in 0..<rows { column[i] *= dp[i] }
                                }
                            }
                        }
                    }
                }
                timings.forwardPass += JacobianSampler.seconds(since: t)

                // J ← (D W) J: (N_l × N_{l−1})·(N_{l−1} × N_0).
                if layer > 1 {
                    t = ContinuousClock.now
                    weight.withUnsafeBufferPointer { wp in
                        jacobian.withUnsafeBufferPointer { jp in
                            next.withUnsafeMutableBufferPointer { np in
                                LinearAlgebra.gemm(m: rows, n: n0, k: columns, alpha: 1, a: wp.baseAddress!, lda: rows, transposeA: false,
                                                   b: jp.baseAddress!, ldb: columns, transposeB: false,
                                                   beta: 0, c: np.baseAddress!, ldc: rows)
                            }
                        }
                    }
                    swap(&jacobian, &next)
                    timings.product += JacobianSampler.seconds(since: t)
                    timings.productFlops += 2 * Double(rows) * Double(n0) * Double(columns)
                }
                layerDone(layer)
            }

            // Singular values of J (N_L × N_0); J Jᵀ has N_L − min(N_L, N_0) more zeros.
            let t = ContinuousClock.now
            let nL = widths.last!
            let count = nL * n0
            guard jacobian[0..<count].allSatisfy({ $0.isFinite }) else {
                throw NumericalError.noSolution(
                    "the sampled Jacobian overflowed (non-finite entries) at depth \(c.depth); lower σ_w or the depth")
            }
            var sigma = [Double](repeating: 0, count: min(nL, n0))
            try jacobian.withUnsafeMutableBufferPointer { jp in
                try sigma.withUnsafeMutableBufferPointer { sp in
                    try svd.singularValues(jp.baseAddress!, into: sp.baseAddress!)
                }
            }
            timings.eigenvalues += JacobianSampler.seconds(since: t)
            let zeros = [Double](repeating: 0, count: nL - sigma.count)
            return (zeros + sigma.reversed().map { $0 * $0 }, lengths, widths.last! - rank,
                    square ? logDeterminant : nil)
        }
    }
}

extension JacobianSampler {
    /// The allowance on |log m̂₁ − log m₁| for a network-mode sample of depth L and width N:
    /// c L/N with c = 2. In a forward pass D^l depends on W^l through h^l = W^l x^{l−1}, and q̂^l
    /// deviates from the length map by O(N^{−1/2}) with a bias O(1/N); each layer's mean
    /// squared slope is then off by O(1/N), and log m₁ by O(L/N). (Independent slopes have
    /// E m̂₁ = Π χ_l exactly at every N: E tr(W M Wᵀ)/N = σ_w² tr(M)/N for Gaussian and Haar W.)
    public static func firstMomentAllowance(depth: Int, width: Int) -> Double {
        2 * Double(depth) / Double(width)
    }
}

extension JacobianSampler {
    /// The mean and standard deviation, at finite width, of a sample's structural zero fraction
    /// (N_L − rank J)/N_L (see `JacobianSamples.structuralZeros`), for layers whose slopes
    /// vanish independently with probability p_l: rank J = min(N_0, min_l (N_l − Z_l)), Z_l
    /// ~ Binomial(N_l, p_l) independent (exact for independent slopes; for a forward pass the
    /// sign or saturation pattern of h^l = W^l x^{l−1} given x^{l−1} is Binomial for Gaussian
    /// W and for Haar W at σ_b = 0). The N = ∞ atom is max_l p_l; at width N the minimum of L
    /// binomials is biased downwards by ≈ √(p(1 − p)/N) E[max of L standard normals], which a
    /// KS distance to the N = ∞ law would count as a theory error.
    ///
    /// - Throws: `invalidArgument` unless there is one probability in [0, 1] per layer.
    public static func structuralZeroFraction(widths: [Int], zeroProbabilities p: [Double]) throws -> (mean: Double, standardDeviation: Double) {
        guard widths.count == p.count + 1, widths.allSatisfy({ $0 > 0 }), p.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw NumericalError.invalidArgument("need L + 1 positive widths and L zero probabilities in [0, 1], got \(widths.count) and \(p.count)")
        }
        let nL = Double(widths.last!)
        let top = widths.min()!
        // P(rank ≥ r) = Π_l P(N_l − Z_l ≥ r) for r ≤ min widths; rank ≤ top.
        var survival = [Double](repeating: 1, count: top + 2)
        for (l, probability) in p.enumerated() where probability > 0 {
            let n = widths[l + 1]
            // P(N_l − Z_l ≥ r) = P(Z_l ≤ n − r) for r = 0 … top.
            for r in 0...top { survival[r] *= gsl_cdf_binomial_P(UInt32(n - r), probability, UInt32(n)) }
        }
        survival[top + 1] = 0
        var meanRank = 0.0, meanRank2 = 0.0
        for r in 1...top {
            meanRank += survival[r]
            meanRank2 += Double(2 * r - 1) * survival[r]
        }
        let varRank = max(0, meanRank2 - meanRank * meanRank)
        return (1 - meanRank / nL, varRank.squareRoot() / nL)
    }
}

