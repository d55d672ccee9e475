import Foundation

/// Settings of a per-layer analysis (`WeightLayerReport`).
public struct WeightAnalysisOptions: Sendable, Equatable {
    /// The power-law fit's minimum tail size (CSN x_min scan).
    public var minimumTail: Int = PowerLawFit.defaultMinimumTail
    /// Bootstrap replicates for the p-value (0: no p-value).
    public var bootstrapReplicates: Int = 100
    /// Seed of the bootstrap and of the permutation of the correlation-trap test.
    public var seed: UInt64 = 1
    /// s, the TW₁ quantile of the spike threshold.
    public var tracyWidomQuantile: Double = MarchenkoPasturBulkFit.defaultQuantile

    public init(minimumTail: Int = PowerLawFit.defaultMinimumTail, bootstrapReplicates: Int = 100, seed: UInt64 = 1,
                tracyWidomQuantile: Double = MarchenkoPasturBulkFit.defaultQuantile) {
        self.minimumTail = minimumTail
        self.bootstrapReplicates = bootstrapReplicates
        self.seed = seed
        self.tracyWidomQuantile = tracyWidomQuantile
    }
}

/// One spike: its eigenvalue and its strength θ by BBP inversion (`SpikeStrength`).
public struct Spike: Sendable, Equatable, Codable {
    public let location: Double
    public let strength: Double
}

/// Everything `freespec weights` says about one layer: the ESD's norms, its MP bulk and
/// spikes, its power-law tail (CSN fit, bootstrap p-value), the correlation traps and the
/// phase. JSON keys are the property names.
public struct WeightLayerReport: Sendable, Equatable, Codable {
    public let name: String
    public let file: String
    /// The tensor's shape as stored; N ≥ M the oriented sides; matrices pooled (kernels).
    public let shape: [Int]
    public let rows: Int
    public let columns: Int
    public let matrices: Int
    /// Power-law tail (nil when fewer than the minimum tail of positive eigenvalues).
    public let alpha: Double?
    public let alphaStdErr: Double?
    public let xmin: Double?
    public let xmax: Double?
    public let nTail: Int?
    public let ksDistance: Double?
    /// Bootstrap p-value (nil without bootstrap or without a fit).
    public let pValue: Double?
    /// α̂ = α · log₁₀ λ_max.
    public let alphaHat: Double?
    /// MP bulk.
    public let mpSigma2: Double
    public let mpUpperEdge: Double
    public let spikeThreshold: Double
    public let tracyWidomScale: Double
    public let bulkMax: Double
    public let bulkKS: Double
    public let bulkKSTolerance: Double
    public let bulkConverged: Bool
    public let spikes: [Spike]
    public let numSpikes: Int
    /// Correlation traps: eigenvalues of the randomly permuted matrix above its own spike
    /// threshold (nil for --eigenvalues input, which has no entries to permute).
    public let traps: [Double]?
    public let numTraps: Int?
    public let phase: SpectralPhase
    /// Norms (see `SpectrumNorms`).
    public let lambdaMax: Double
    public let stableRank: Double
    public let logNorm: Double
    public let logSpectralNorm: Double
    public let entropy: Double
    public let rank: Int
    public let rankLoss: Int

    /// Analyses the weight tensor `array` (rank ≥ 2).
    /// - Throws: `ArrayFileError` naming the tensor for a NaN, an empty side or rank < 2;
    ///   `NumericalError` if LAPACK fails.
    public init(array: NumericArray, options: WeightAnalysisOptions = .init()) throws {
        do {
            try self.init(analysing: array, options: options)
        } catch let error as NumericalError {
            throw ArrayFileError(file: array.file, tensor: array.name, reason: error.description)
        }
    }

    /// Whether `freespec weights` treats `array` as a layer: rank ≥ 2, a floating-point
    /// dtype (integer tensors such as position ids are not weights) and both sides ≥ 2 (a
    /// 1 × n "matrix" is a vector; its ESD is one number).
    public static func isLayer(_ array: NumericArray) -> Bool {
        let floating = ["F16", "BF16", "F32", "F64", "f2", "f4", "f8", "<f2", "<f4", "<f8", ">f2", ">f4", ">f8", "text"]
        return array.rank >= 2 && floating.contains(array.storedType) && array.shape[0] >= 2 && array.shape[1] >= 2
    }

    init(analysing array: NumericArray, options: WeightAnalysisOptions) throws {
        let esd = try EmpiricalSpectralDensity(array)
        // Correlation traps: the same entries in a random (seeded) order, whose ESD is
        // MP-like whatever the entries' law unless single large entries stand out.
        var rng = Xoshiro256StarStar(seed: options.seed ^ 0x7261_7073)
        var shuffled = array.values
        shuffled.shuffle(using: &rng)
        let permuted = try EmpiricalSpectralDensity(NumericArray(file: array.file, name: array.name, shape: array.shape, values: shuffled))
        let permutedFit = try MarchenkoPasturBulkFit(permuted, quantile: options.tracyWidomQuantile)
        try self.init(name: array.name, file: array.file, shape: array.shape, esd: esd, traps: permutedFit.spikes, options: options)
    }

    /// Analyses an ESD given directly (eigenvalues of X = WᵀW/N of an N × M matrix, or any
    /// spectrum with `rows` = `columns` = its size for the MP ratio 1).
    public init(name: String, file: String, shape: [Int], esd: EmpiricalSpectralDensity, traps: [Double]?,
                options: WeightAnalysisOptions = .init()) throws {
        let norms = SpectrumNorms(eigenvalues: esd.eigenvalues)
        let bulk = try MarchenkoPasturBulkFit(esd, quantile: options.tracyWidomQuantile)
        let cutoff = Double(max(1, esd.eigenvalues.count)) * Double.ulpOfOne * norms.lambdaMax
        let positive = esd.eigenvalues.filter { $0 > cutoff }
        let fit = positive.count >= options.minimumTail ? try? PowerLawFit(positive, minimumTail: options.minimumTail) : nil
        var p: Double? = nil
        if let fit, options.bootstrapReplicates > 0 {
            p = try PowerLawBootstrap(data: positive, fit: fit, replicates: options.bootstrapReplicates,
                                      seed: options.seed, minimumTail: options.minimumTail).pValue
        }
        self.name = name
        self.file = file
        self.shape = shape
        rows = esd.rows
        columns = esd.columns
        matrices = esd.matrices
        alpha = fit?.alpha
        alphaStdErr = fit?.alphaStdErr
        xmin = fit?.xmin
        xmax = fit?.xmax
        nTail = fit?.nTail
        ksDistance = fit?.ksDistance
        pValue = p
        alphaHat = fit.map { $0.alpha * log10(norms.lambdaMax) }
        mpSigma2 = bulk.variance
        mpUpperEdge = bulk.upperEdge
        spikeThreshold = bulk.threshold
        tracyWidomScale = bulk.tracyWidomScale
        bulkMax = bulk.bulkMax
        bulkKS = bulk.ksDistance
        bulkKSTolerance = bulk.ksTolerance
        bulkConverged = bulk.converged
        spikes = bulk.spikes.reversed().map {
            Spike(location: $0, strength: SpikeStrength.strength(location: $0, variance: bulk.variance, ratio: bulk.ratio) ?? .nan)
        }
        numSpikes = bulk.spikes.count
        self.traps = traps.map { Array($0.reversed()) }
        numTraps = traps?.count
        phase = SpectralPhase.classify(eigenvalueCount: esd.eigenvalues.count, rankLoss: norms.rankLoss,
                                       bulkIsMarchenkoPastur: bulk.bulkIsMarchenkoPastur, numSpikes: bulk.spikes.count, alpha: fit?.alpha)
        lambdaMax = norms.lambdaMax
        stableRank = norms.stableRank
        logNorm = norms.logNorm
        logSpectralNorm = norms.logSpectralNorm
        entropy = norms.entropy
        rank = norms.rank
        rankLoss = norms.rankLoss
    }
}

/// The model summary: mean α and α̂ over the layers with a tail fit, layers per phase, and
/// the tensors skipped (rank < 2).
public struct WeightModelSummary: Sendable, Equatable, Codable {
    public let layers: Int
    public let meanAlpha: Double?
    public let meanAlphaHat: Double?
    public let phases: [String: Int]
    public let skippedTensors: Int
    public let warnings: [String]

    public init(layers reports: [WeightLayerReport], skipped: Int) {
        layers = reports.count
        let alphas = reports.compactMap(\.alpha), hats = reports.compactMap(\.alphaHat)
        meanAlpha = alphas.isEmpty ? nil : alphas.reduce(0, +) / Double(alphas.count)
        meanAlphaHat = hats.isEmpty ? nil : hats.reduce(0, +) / Double(hats.count)
        var counts: [String: Int] = [:]
        for r in reports { counts[r.phase.rawValue, default: 0] += 1 }
        phases = counts
        skippedTensors = skipped
        var w: [String] = []
        let overfit = reports.filter { ($0.alpha ?? 3) < 2 }.map(\.name)
        if !overfit.isEmpty { w.append("α < 2 (very heavy tail; Martin & Mahoney read it as over-fit or over-regularised): \(overfit.joined(separator: ", "))") }
        let under = reports.filter { ($0.alpha ?? 3) > 6 }.map(\.name)
        if !under.isEmpty { w.append("α > 6 (tail barely heavier than random; under-trained by Martin & Mahoney's reading): \(under.joined(separator: ", "))") }
        let rejected = reports.filter { ($0.pValue ?? 1) < 0.1 }.map(\.name)
        if !rejected.isEmpty { w.append("bootstrap p < 0.1 (the power law is ruled out; α describes the top of the ESD only loosely): \(rejected.joined(separator: ", "))") }
        let trapped = reports.filter { ($0.numTraps ?? 0) > 0 }.map(\.name)
        if !trapped.isEmpty { w.append("correlation traps (the permuted matrix still has spikes: single large entries, not correlations, make them): \(trapped.joined(separator: ", "))") }
        let collapsed = reports.filter { $0.phase == .rankCollapse }.map(\.name)
        if !collapsed.isEmpty { w.append("rank collapse (≥ 10 % of the eigenvalues are numerically 0): \(collapsed.joined(separator: ", "))") }
        warnings = w
    }
}
