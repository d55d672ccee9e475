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

/// The result of `JacobianSampler.sample`.
public struct JacobianSamples: Sendable {
    /// For each sample, the N eigenvalues of JJᵀ in ascending order.
    public var eigenvalues: [[Double]]
    /// For each sample, the empirical per-unit squared pre-activation length
    /// q̂^l = ‖h^l‖²/N of layers l = 1…L, measured before any renormalisation (network mode);
    /// q* repeated in independent mode. A drift away from q* flags finite-width q-walks.
    public var preactivationLengths: [[Double]]
    /// Where the time went.
    public var timings: MonteCarloTimings
}

/// Samples the input–output Jacobian J = D^L W^L ⋯ D^1 W^1 of random networks and returns
/// the eigenvalues of JJᵀ.
///
/// Algorithm, per sample (memory O(N²) whatever L: three N × N buffers reused across layers,
/// N the widest layer; layer l has width N_l, N_l = N for a square network):
/// 1. x⁰ = a Gaussian vector of length² N_0 (q* − σ_b²)/σ_w² (see `sampleOne`).
/// 2. For l = 1…L: draw W^l, N_l × N_{l−1} (Gaussian N(0, σ_w²/N_{l−1}), or
///    σ_w √max(1, N_l/N_{l−1}) times a Haar matrix by sign-corrected QR);
///    network mode: b^l ~ N(0, σ_b² I), h^l = W^l x^{l−1} + b^l (`dgemv`), optionally
///    rescale h^l to q̂ = q*, D^l = diag φ′(h^l), x^l = φ(h^l); independent mode:
///    D^l = diag φ′(√q*·z), z ~ N(0, I).
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
        var timings = MonteCarloTimings()
        var weightStream = base
        var auxiliaryStream = auxiliaryBase
        for s in 0..<configuration.samples {
            var w = weightStream, a = auxiliaryStream
            let (lambda, q) = try workspace.sampleOne(
                configuration, weights: &w, auxiliary: &a, timings: &timings
            ) { layer in progress?(s * configuration.depth + layer, configuration.samples * configuration.depth) }
            eigenvalues.append(lambda)
            lengths.append(q)
            weightStream.jump()
            auxiliaryStream.jump()
        }
        timings.total = seconds(since: start)
        return JacobianSamples(eigenvalues: eigenvalues, preactivationLengths: lengths, timings: timings)
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
        ) throws -> ([Double], [Double]) {
            let n0 = widths[0]
            var lengths: [Double] = []
            lengths.reserveCapacity(c.depth)
            let phi = c.activation
            if c.mode == .network {
                // x⁰: Gaussian direction, length² = N_0 (q* − σ_b²)/σ_w², so that the first
                // preactivations h¹ = W x⁰ + b already have per-unit squared length q* (at
                // the fixed point this is N E[φ(√q* h)²], the stationary input length). An
                // input of length² N q* would start the length map away from q* and bias
                // shallow networks (m₁ = 0.72 instead of 1 for tanh, q* = 0.5, L = 4).
                x.withUnsafeMutableBufferPointer { auxiliary.fillNormal(UnsafeMutableBufferPointer(rebasing: $0[0..<n0])) }
                let norm2 = x[0..<n0].reduce(0) { $0 + $1 * $1 }
                let inputLength = max(0, c.qStar - c.sigmaB * c.sigmaB) / (c.sigmaW * c.sigmaW)
                let factor = norm2 > 0 ? (Double(n0) * inputLength / norm2).squareRoot() : 0
                for i in 0..<n0 { x[i] *= factor }
            }
            for layer in 1...c.depth {
                let rows = widths[layer], columns = widths[layer - 1]
                // Weights.
                var t = ContinuousClock.now
                try drawWeights(rows: rows, columns: columns, c, &weights)
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
                        let factor = (c.qStar / q).squareRoot()
                        for i in 0..<rows { h[i] *= factor }
                    }
                    for i in 0..<rows {
                        d[i] = phi.derivative(h[i])
                        x[i] = phi.value(h[i])
                    }
                case .independent:
                    h.withUnsafeMutableBufferPointer { auxiliary.fillNormal(UnsafeMutableBufferPointer(rebasing: $0[0..<rows]), standardDeviation: c.qStar.squareRoot()) }
                    lengths.append(c.qStar)
                    for i in 0..<rows { d[i] = phi.derivative(h[i]) }
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
            return (zeros + sigma.reversed().map { $0 * $0 }, lengths)
        }
    }
}
