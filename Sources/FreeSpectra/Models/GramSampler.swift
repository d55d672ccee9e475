import Foundation

/// The sizes of a sampled random-feature model: n₀ = width, m = round(n₀/φ), n₁ = round(n₀/ψ).
public struct GramShape: Sendable, Equatable, Codable {
    /// n₀, input dimension.
    public var inputs: Int
    /// n₁, number of features (rows of Y, size of M).
    public var features: Int
    /// m, number of data points (columns of X and Y).
    public var dataPoints: Int
    /// n₀/m actually sampled: compare with the theory at these ratios.
    public var effectivePhi: Double { Double(inputs) / Double(dataPoints) }
    /// n₀/n₁ actually sampled.
    public var effectivePsi: Double { Double(inputs) / Double(features) }

    /// - Throws: `invalidArgument` for φ, ψ ≤ 0 or non-finite, width < 2, or sizes that round
    ///   below 2.
    public init(phi: Double, psi: Double, width: Int) throws {
        try require(phi, "φ = n₀/m", { $0 > 0 }, "finite and > 0")
        try require(psi, "ψ = n₀/n₁", { $0 > 0 }, "finite and > 0")
        let m = Int((Double(width) / phi).rounded()), n1 = Int((Double(width) / psi).rounded())
        guard width >= 2, m >= 2, n1 >= 2 else {
            throw NumericalError.invalidArgument("Gram sampling needs n₀, n₁, m ≥ 2, got n₀ = \(width), n₁ = \(n1), m = \(m)")
        }
        inputs = width; features = n1; dataPoints = m
    }
}

/// What to sample: the features f(WX) themselves or Péché's linear-equivalent model.
public enum GramFeatureModel: String, Sendable, Codable, CaseIterable {
    /// Y = f(sW̃X̃) − E f, the real random features.
    case nonlinear
    /// Y = √ζ·(WX)/s + √(η − ζ)·Z, Z i.i.d. N(0, 1) (Péché 2019): same limiting spectrum.
    case linearEquivalent = "linear-equivalent"
}

/// Sampled Gram spectra.
public struct GramSamples: Sendable {
    public let shape: GramShape
    public let model: GramFeatureModel
    public let moments: GramActivationMoments
    /// Eigenvalues of M = YYᵀ/m for each sample (|λ| ≤ 1e-9·λ_max set to 0: the exact zeros of
    /// a rank-deficient M come out of LAPACK as ±ε‖M‖).
    public let spectrum: EmpiricalSpectrum
    public let seed: UInt64
}

/// One layer of a stacked random-feature network: the KS distance of its Gram spectrum from
/// Marchenko–Pastur.
public struct GramLayerReport: Sendable, Equatable, Codable {
    /// 1 for f(W₁X₀), 2 for f(W₂X₁), …
    public var layer: Int
    /// KS distance of the pooled spectrum of Y_kY_kᵀ/m from MP(ratio n/m, variance η).
    public var ks: Double
    /// The MonteCarloTolerance value for this width and sample count (KS below it: MP).
    public var tolerance: Double
    /// m₂ of the sampled spectrum and of MP (m₂ = η²(1 + n/m)); ζ > 0 makes the former larger.
    public var m2: Double
    public var m2MarchenkoPastur: Double
}

/// Monte Carlo for the random-feature Gram model (theory: `NonlinearGram`).
///
/// W ∈ ℝ^{n₁×n₀} has i.i.d. N(0, σ_w²/n₀) entries and X ∈ ℝ^{n₀×m} i.i.d. N(0, σ_x²); Y is
/// centred with the *population* mean E f(sz) (`GramActivationMoments.meanRemoved`). Each
/// sample s uses `Xoshiro256StarStar(seed: seed).stream(s)`; products by BLAS, eigenvalues by
/// LAPACK `dsyevd` (`LinearAlgebra`).
public enum GramSampler {
    /// The centred features Y (n₁ × m) of one sample.
    /// - Throws: `library`/`invalidArgument` from the matrix routines.
    public static func features(
        _ activation: any Activation, moments: GramActivationMoments, shape: GramShape,
        model: GramFeatureModel = .nonlinear, using generator: inout Xoshiro256StarStar
    ) throws -> DenseMatrix {
        let n0 = shape.inputs, n1 = shape.features, m = shape.dataPoints
        let w = try RandomMatrices.gaussian(rows: n1, columns: n0, variance: moments.sigmaW * moments.sigmaW / Double(n0), using: &generator)
        let x = try RandomMatrices.gaussian(rows: n0, columns: m, variance: moments.sigmaX * moments.sigmaX, using: &generator)
        var y = try LinearAlgebra.multiply(w, x)
        switch model {
        case .nonlinear:
            let mean = moments.meanRemoved
            for i in y.storage.indices { y.storage[i] = activation.value(y.storage[i]) - mean }
        case .linearEquivalent:
            let a = moments.zeta.squareRoot() / moments.scale, b = max(0, moments.eta - moments.zeta).squareRoot()
            let z = try RandomMatrices.gaussian(rows: n1, columns: m, variance: 1, using: &generator)
            for i in y.storage.indices { y.storage[i] = a * y.storage[i] + b * z.storage[i] }
        }
        return y
    }

    /// The eigenvalues of M = YYᵀ/m (ascending), tiny ones snapped to 0.
    static func gramEigenvalues(_ y: DenseMatrix) throws -> [Double] {
        let m = Double(y.columns)
        var e = try LinearAlgebra.symmetricEigenvalues(LinearAlgebra.gram(y)).map { $0 / m }
        let top = e.map(abs).max() ?? 0
        for i in e.indices where abs(e[i]) <= 1e-9 * top { e[i] = 0 }
        return e
    }

    /// `samples` independent Gram spectra at (φ, ψ) with n₀ = `width`.
    /// - Throws: `invalidArgument` for bad ratios, sizes, σ or samples < 1.
    public static func sample(
        activation: any Activation, sigmaW: Double = 1, sigmaX: Double = 1, phi: Double, psi: Double,
        width: Int, samples: Int, seed: UInt64, model: GramFeatureModel = .nonlinear
    ) throws -> GramSamples {
        guard samples >= 1 else { throw NumericalError.invalidArgument("samples must be ≥ 1, got \(samples)") }
        let shape = try GramShape(phi: phi, psi: psi, width: width)
        let moments = try GramActivationMoments(activation: activation, sigmaW: sigmaW, sigmaX: sigmaX)
        let root = Xoshiro256StarStar(seed: seed)
        var spectra: [[Double]] = []
        for s in 0..<samples {
            var generator = root.stream(s)
            let y = try features(activation, moments: moments, shape: shape, model: model, using: &generator)
            spectra.append(try gramEigenvalues(y))
        }
        return GramSamples(shape: shape, model: model, moments: moments,
                           spectrum: try EmpiricalSpectrum(samples: spectra), seed: seed)
    }

    /// What to try when a sampled Gram spectrum disagrees with the theory: the comparison is
    /// already at the sampled ratios, so what remains is finite size, which is slow for
    /// heavy-tailed features.
    public static let disagreementAdvice =
        "finite-size effects shrink like 1/n₀ but are slow for heavy-tailed features such as f(x) = x²; a gap that stays as n₀ grows points at the theory"

    /// Compares sampled spectra with the theory at the sampled ratios: KS verdict (width n₁,
    /// the matrix size), moments m₁…m₄, λ_max and a histogram.
    /// - Throws: `didNotConverge` if the theory cannot be built; `invalidArgument` for bins ≤ 0.
    public static func summary(_ samples: GramSamples, bins: Int = 60) throws -> GramMonteCarloSummary {
        let theory = try NonlinearGram(eta: samples.moments.eta, zeta: samples.moments.zeta,
                                       phi: samples.shape.effectivePhi, psi: samples.shape.effectivePsi)
        let verdict = try MonteCarloVerdict.compare(samples.spectrum, theoryCDF: theory.cdf, width: samples.shape.features,
                                                    disagreementAdvice: disagreementAdvice)
        return GramMonteCarloSummary(
            width: samples.shape.inputs, features: samples.shape.features, dataPoints: samples.shape.dataPoints,
            samples: samples.spectrum.samples.count, seed: samples.seed, model: samples.model.rawValue,
            ks: verdict, moments: (1...4).map(samples.spectrum.moment), lambdaMax: samples.spectrum.lambdaMax,
            histogram: try samples.spectrum.histogram(bins: bins))
    }

    // MARK: Ridge regression

    /// The training loss of ridge regression of random targets on sampled features, for each
    /// γ: per sample, Y = f(WX) (centred), T ∈ ℝ^{n₂×m} i.i.d. N(0, 1), B solves
    /// (YYᵀ/n₁ + γI)Bᵀ = YTᵀ/√n₁ (Cholesky), and the loss is ‖T − BY/√n₁‖²/(n₂m). Returns the
    /// mean over samples with its standard error. Theory: `NonlinearGram.trainingLoss`.
    /// - Throws: `invalidArgument` for bad input or γ ≤ 0; `noSolution` if Cholesky fails.
    public static func trainingLoss(
        activation: any Activation, sigmaW: Double = 1, sigmaX: Double = 1, phi: Double, psi: Double,
        gammas: [Double], width: Int, targets: Int = 256, samples: Int, seed: UInt64
    ) throws -> (shape: GramShape, losses: [MonteCarloEstimate]) {
        guard samples >= 1, targets >= 1 else {
            throw NumericalError.invalidArgument("samples and targets must be ≥ 1, got \(samples), \(targets)")
        }
        for g in gammas { try require(g, "ridge parameter γ", { $0 > 0 }, "finite and > 0") }
        let shape = try GramShape(phi: phi, psi: psi, width: width)
        let moments = try GramActivationMoments(activation: activation, sigmaW: sigmaW, sigmaX: sigmaX)
        let root = Xoshiro256StarStar(seed: seed)
        var perSample = [[Double]](repeating: [], count: gammas.count)
        let n1 = shape.features, m = shape.dataPoints
        for s in 0..<samples {
            var generator = root.stream(s)
            let y = try features(activation, moments: moments, shape: shape, using: &generator)
            let t = try RandomMatrices.gaussian(rows: targets, columns: m, variance: 1, using: &generator)
            let gram = LinearAlgebra.gram(y)                                 // YYᵀ
            let rhs = try LinearAlgebra.multiply(y, t, transposeB: true)     // YTᵀ, n₁ × n₂
            for (k, gamma) in gammas.enumerated() {
                var a = gram.storage.map { $0 / Double(n1) }
                for i in 0..<n1 { a[i + i * n1] += gamma }
                try choleskyFactor(&a, n: n1)
                var solution = rhs.storage                                   // S = A⁻¹YTᵀ
                choleskySolve(a, n: n1, columns: targets, &solution)
                let s = try DenseMatrix(rows: n1, columns: targets, columnMajor: solution)
                let fit = try LinearAlgebra.multiply(s, y, transposeA: true) // SᵀY = √n₁·BY
                var loss = 0.0
                for i in t.storage.indices {
                    let r = t.storage[i] - fit.storage[i] / Double(n1)
                    loss += r * r
                }
                perSample[k].append(loss / Double(targets * m))
            }
        }
        let estimates = perSample.map { v in
            MonteCarloEstimate(value: v.reduce(0, +) / Double(v.count), standardError: EmpiricalSpectrum.standardError(v))
        }
        return (shape, estimates)
    }

    /// In place: the lower Cholesky factor L of a column-major SPD n × n matrix (right-looking).
    static func choleskyFactor(_ a: inout [Double], n: Int) throws {
        try a.withUnsafeMutableBufferPointer { p in
            for j in 0..<n {
                let d = p[j + j * n]
                guard d > 0, d.isFinite else {
                    throw NumericalError.noSolution("ridge system not positive definite (pivot \(d) at \(j))")
                }
                let l = d.squareRoot()
                p[j + j * n] = l
                for i in (j + 1)..<n { p[i + j * n] /= l }
                for k in (j + 1)..<n {
                    let lkj = p[k + j * n]
                    if lkj == 0 { continue }
                    for i in k..<n { p[i + k * n] -= p[i + j * n] * lkj }
                }
            }
        }
    }

    /// Solves L Lᵀ X = B in place for `columns` right-hand sides (column-major n × columns).
    static func choleskySolve(_ l: [Double], n: Int, columns: Int, _ b: inout [Double]) {
        l.withUnsafeBufferPointer { lp in
            b.withUnsafeMutableBufferPointer { bp in
                for c in 0..<columns {
                    let x = bp.baseAddress! + c * n
                    for j in 0..<n {
                        x[j] /= lp[j + j * n]
                        let xj = x[j]
                        for i in (j + 1)..<n { x[i] -= lp[i + j * n] * xj }
                    }
                    for j in stride(from: n - 1, through: 0, by: -1) {
                        var sum = x[j]
                        for i in (j + 1)..<n { sum -= lp[i + j * n] * x[i] }
                        x[j] = sum / lp[j + j * n]
                    }
                }
            }
        }
    }

    // MARK: Stacked layers

    /// Propagates data through `depth` random-feature layers of equal width n and reports,
    /// per layer, the KS distance of the Gram spectrum of Y_k = f(W_k X_{k−1}) − E f from
    /// MP(ratio n/m, variance η).
    ///
    /// X₀ ∈ ℝ^{n×m} is i.i.d. N(0, σ_x²); W_k ∈ ℝ^{n×n} i.i.d. N(0, σ_w²/n); the next input is
    /// X_k = Y_k·σ_x/√η, so its entries again have variance σ_x² and every layer sees
    /// pre-activations of variance σ_w²σ_x² (same η, ζ). For ζ = 0 (E f′ = 0) each layer's
    /// spectrum stays MP (Pennington & Worah 2017, §4.3); for ζ > 0 it departs from MP from the
    /// first layer on (there M is the ψ = 1 Pennington–Worah law, not MP).
    /// - Throws: `invalidArgument` for depth < 1, bad sizes, σ or φ.
    public static func layers(
        activation: any Activation, sigmaW: Double = 1, sigmaX: Double = 1, phi: Double,
        depth: Int, width n: Int, samples: Int, seed: UInt64
    ) throws -> [GramLayerReport] {
        guard depth >= 1, samples >= 1 else {
            throw NumericalError.invalidArgument("depth and samples must be ≥ 1, got \(depth), \(samples)")
        }
        let shape = try GramShape(phi: phi, psi: 1, width: n)
        let moments = try GramActivationMoments(activation: activation, sigmaW: sigmaW, sigmaX: sigmaX)
        let m = shape.dataPoints
        let mp = try MarchenkoPastur(ratio: Double(n) / Double(m), variance: moments.eta)
        let renormalise = sigmaX / moments.eta.squareRoot()
        let root = Xoshiro256StarStar(seed: seed)
        var spectra = [[[Double]]](repeating: [], count: depth)
        for s in 0..<samples {
            var generator = root.stream(s)
            var x = try RandomMatrices.gaussian(rows: n, columns: m, variance: sigmaX * sigmaX, using: &generator)
            for layer in 0..<depth {
                let w = try RandomMatrices.gaussian(rows: n, columns: n, variance: sigmaW * sigmaW / Double(n), using: &generator)
                var y = try LinearAlgebra.multiply(w, x)
                for i in y.storage.indices { y.storage[i] = activation.value(y.storage[i]) - moments.meanRemoved }
                spectra[layer].append(try gramEigenvalues(y))
                for i in y.storage.indices { y.storage[i] *= renormalise }
                x = y
            }
        }
        let tolerance = MonteCarloTolerance().value(width: n, samples: samples)
        return try spectra.enumerated().map { k, e in
            let spectrum = try EmpiricalSpectrum(samples: e)
            return GramLayerReport(layer: k + 1, ks: spectrum.ksDistance(to: mp.cdf), tolerance: tolerance,
                                   m2: spectrum.m2.value, m2MarchenkoPastur: mp.moment(2))
        }
    }
}
