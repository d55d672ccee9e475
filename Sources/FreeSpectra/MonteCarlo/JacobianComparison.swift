import Foundation

/// Sampled Jacobian spectra against a solved theory: the verdict of `MonteCarloVerdict` with
/// every model-specific choice made once, here.
///
/// - Resolution: eigenvalues below 10⁻¹² of the largest are raised to that floor and the theory
///   CDF is censored the same way (`clampedToResolution`); atoms away from 0 (orthogonal
///   hard-tanh at σ_w^{2L}) are compared up to a relative shift 10⁻⁹ of the abscissa, the
///   rounding that smears them in a product of L matrices.
/// - Zero atom: each sample's structural zeros (`JacobianSamples.structuralZeros`) are checked
///   against the finite-width law of the rank deficit, and the rest against the continuous part.
/// - First moment: m̂₁ against m₁ = Π χ_l, with the network-mode allowance
///   `JacobianSampler.firstMomentAllowance` (none for independent slopes).
/// - The theory CDF is solved in one sweep at exactly the abscissae the KS distance evaluates.
public struct JacobianComparison: Sendable {
    public let verdict: MonteCarloVerdict
    /// The sampled eigenvalues raised to the resolution floor (what the KS distance saw).
    public let spectrum: EmpiricalSpectrum
    /// The resolution floor.
    public let floor: Double

    /// - Throws: what `SolvedSpectrum.cdf(at:)` throws; `invalidArgument` for samples that do
    ///   not match the configuration.
    public init(_ samples: JacobianSamples, configuration: NetworkSamplingConfiguration, model: JacobianSpectrum,
                solved: any SolvedSpectrum, logFirstMoment: Double, disagreementAdvice: String? = nil) throws {
        let (clamped, floor) = clampedToResolution(samples.eigenvalues)
        let spectrum = try EmpiricalSpectrum(samples: clamped)
        let resolution = solved.atoms.contains { !$0.isAtZero } ? 1e-9 : 0
        let zeroMass = solved.atoms.first { $0.isAtZero }?.mass ?? 0
        // The abscissae the KS distances ask for: each sampled value shifted by ± the resolution
        // (and its next smaller double, the left limit), for the full and the trimmed samples.
        var queries: [Double] = []
        queries.reserveCapacity(2 * spectrum.pooled.count)
        for x in spectrum.pooled {
            queries.append(x + resolution * abs(x))
            queries.append((x - resolution * abs(x)).nextDown)
        }
        let values = try solved.cdf(at: queries)
        var table: [Double: Double] = [:]
        for (x, f) in zip(queries, values) { table[x] = f }
        let cdf = censoredCDF({ table[$0] ?? .nan }, floor: floor)
        let widths = configuration.widths
        let zeroProbabilities = model.slopeLaws.map(\.massAtZero)
        var atom: ZeroAtomSample? = nil
        if zeroMass > 0 || samples.structuralZeros.contains(where: { $0 > 0 }) {
            // The theory's atom, shifted by the finite-width bias of the rank deficit (its mean
            // at width N minus its N = ∞ value 1 − min(N_0, min_l (1 − p_l) N_l)/N_L).
            let (mean, deviation) = try JacobianSampler.structuralZeroFraction(widths: widths, zeroProbabilities: zeroProbabilities)
            let nL = Double(widths.last!)
            let rank = zip(widths.dropFirst(), zeroProbabilities).reduce(Double(widths.min()!)) { min($0, (1 - $1.1) * Double($1.0)) }
            let bias = mean - (1 - rank / nL)
            atom = ZeroAtomSample(counts: samples.structuralZeros, theory: zeroMass, expected: zeroMass + bias, standardDeviation: deviation)
        }
        // The mean log-eigenvalue, each sample's with the first-order effect of its own q̂^l
        // removed: Σ_l [(1/N) log det W^l W^lᵀ + (1/N) Σ_i log (D^l_ii)² − g′(q^l)(q̂^l − q^l)], whose
        // variance is the layers' own (Bartlett's for W, the N slopes' sample variance) once the
        // drift of q̂^l, which moves every slope of a layer together, is taken out.
        var meanLog: MeanLogEigenvalueSample? = nil
        if let logs = samples.logDeterminants, let terms = try model.logDeterminantTerms(width: widths[0]) {
            let qs = model.meanField.trajectory?.q ?? Array(repeating: model.meanField.qStar, count: configuration.depth)
            var values: [Double] = [], variances: [Double] = []
            for (s, sample) in logs.enumerated() {
                var total = 0.0, variance = 0.0
                for l in 0..<configuration.depth {
                    let drift = terms.slopes[l].derivative * (samples.preactivationLengths[s][l] - qs[l])
                    total += sample.weights[l] + sample.slopes[l] - (drift.isFinite ? drift : 0)
                    variance += terms.weightVariance + sample.slopeVariances[l]
                }
                values.append(total); variances.append(variance)
            }
            let theory = terms.slopes.reduce(0) { $0 + terms.weightMean + $1.mean }
            meanLog = MeanLogEigenvalueSample(
                values: values, variances: variances, theory: theory,
                allowance: configuration.mode == .network
                    ? JacobianSampler.firstMomentAllowance(depth: configuration.depth, width: widths[0]) : 0)
        }
        verdict = try MonteCarloVerdict.compare(
            spectrum, theoryCDF: cdf, width: widths.last!, relativeResolution: resolution,
            theoryLogFirstMoment: logFirstMoment,
            firstMomentAllowance: configuration.mode == .network
                ? JacobianSampler.firstMomentAllowance(depth: configuration.depth, width: widths.min()!) : 0,
            rawSpectrum: try EmpiricalSpectrum(samples: samples.eigenvalues), zeroAtom: atom, meanLogEigenvalue: meanLog,
            disagreementAdvice: disagreementAdvice)
        self.spectrum = spectrum
        self.floor = floor
    }
}
