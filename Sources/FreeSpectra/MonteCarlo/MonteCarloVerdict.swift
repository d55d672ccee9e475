import CGSL
import Foundation

/// The tolerance on the Kolmogorov–Smirnov distance between a Monte Carlo spectrum (S samples
/// of N eigenvalues) and an N = ∞ theory, calibrated on the sample's own spread:
///
///     tolerance = z · KS(A, B)/2 + c₂/N,
///
/// - Sampling part: KS(A, B) is the two-sample distance between the pooled spectra of two
///   independent halves A, B of the samples (even and odd sample indices). If the per-sample
///   empirical CDFs fluctuate about their finite-N mean F_N, then F̂ − F_N = (X + Y)/2 and
///   F̂_A − F̂_B = X − Y with X, Y the halves' deviations: for independent, identically
///   distributed X and Y (Gaussian fluctuations) these have the same law, so KS(A, B)/2 is one
///   draw of the size of F̂'s own sampling error. It measures what the i.i.d. bound 1.36/√(N·S)
///   cannot: eigenvalues of one matrix are rigid, so their empirical CDF fluctuates far less
///   than N·S independent points would (≈ log N/N, not 1/√N); but the drift of q^l in a
///   forward pass or the N^{−1/2} fluctuation of a zero atom (ReLU) make samples differ, and
///   that shows up here. z = 3: for the Kolmogorov law (coefficient of variation 0.3) the
///   ratio of two independent draws exceeds 3 with probability ≈ 0.3 %.
/// - Finite-width part, c₂ = 4: the spectrum at width N differs from its N = ∞ law by O(1/N),
///   which no split of the sample can see (both halves have it). Measured for products of
///   L = 2…16 square Gaussian layers against the Fuss–Catalan law (N = 64…400): KS ≈ (1–2)/N,
///   growing only weakly with L; c₂ = 4 leaves a factor 2.
/// - With a single sample there are no halves: the sampling part is then the i.i.d.
///   Kolmogorov bound c₁/√(N·S), c₁ = 1.36 (its 95 % quantile), a conservative stand-in.
///
/// A network-mode sample of a deep network whose pre-activation length q^l drifts (length
/// map barely contracting) can exceed this without any theory error: compare with the
/// `independent` mode or `renormalize` before blaming the theory.
public struct MonteCarloTolerance: Sendable, Equatable, Codable {
    /// c₁, multiplying 1/√(N·S) (one sample only).
    public var samplingConstant: Double
    /// z, multiplying the halves' distance KS(A, B)/2.
    public var spreadMultiplier: Double
    /// c₂, multiplying 1/N.
    public var finiteWidthConstant: Double

    public init(samplingConstant: Double = 1.36, spreadMultiplier: Double = 3, finiteWidthConstant: Double = 4) {
        self.samplingConstant = samplingConstant
        self.spreadMultiplier = spreadMultiplier
        self.finiteWidthConstant = finiteWidthConstant
    }

    /// The i.i.d. sampling bound c₁/√(N·S).
    public func samplingPart(width: Int, samples: Int) -> Double {
        samplingConstant / (Double(width) * Double(samples)).squareRoot()
    }

    /// The finite-width term c₂/N.
    public func finiteWidthPart(width: Int) -> Double {
        finiteWidthConstant / Double(width)
    }

    /// The i.i.d. tolerance c₁/√(N·S) + c₂/N (what a sample of one matrix is held to).
    public func value(width: Int, samples: Int) -> Double {
        samplingPart(width: width, samples: samples) + finiteWidthPart(width: width)
    }
}

/// The sampled mean eigenvalue m̂₁ against the theory's m₁, with a standard error measured
/// from the spread of the per-sample means.
///
/// KS distances are blind to a small mass far out: a deep spectrum whose top 10⁻³ of the
/// eigenvalues is wrong by a factor 10⁴ passes KS but has m₁ off by 10 (the drift of q^l at an
/// unstable fixed point did exactly this). The check passes when
/// |log m̂₁ − log m₁| ≤ t · se + `finiteWidthAllowance`, with se = s.e.(m̂₁)/m̂₁ across samples and
/// t the two-sided 99.5 % quantile of Student's t with S − 1 degrees of freedom (5.84 at S = 4),
/// since se is itself estimated from S values.
public struct FirstMomentCheck: Sendable, Equatable, Codable {
    /// m̂₁, the mean of the pooled eigenvalues.
    public var sample: Double
    /// log₁₀ m₁ of the theory (m₁ itself may overflow).
    public var log10Theory: Double
    /// m̂₁/m₁ − 1.
    public var relativeError: Double
    /// The standard error of log m̂₁ across samples.
    public var standardError: Double
    /// The allowance on |log m̂₁ − log m₁|: t · se + the finite-width allowance.
    public var allowance: Double
    public var agrees: Bool
}

/// The sample's mean log-eigenvalue (1/N) log det(J Jᵀ), summed exactly over its factors,
/// against the theory's E[log λ] (`JacobianSpectrum.meanLogEigenvalue`).
///
/// Deep spectra span hundreds of decades: a 5 % error in σ_w moves every eigenvalue of a
/// 16-layer network by a factor 4.8, which is 2 % of the width of a Gaussian network's log-
/// spectrum (invisible to KS at N = 256) and a factor the heavy-tailed per-sample m̂₁ cannot
/// resolve from 4 samples; but log det J Jᵀ/N concentrates: it is a sum over layers of terms
/// whose fluctuations are known from within the sample (`MeanLogEigenvalueSample`). The check
/// passes when |mean − theory| ≤ 4 se + the finite-width allowance (4 standard errors of a
/// statistic whose variance is estimated from N·L values: 6·10⁻⁵ false alarms if Gaussian).
public struct LogDeterminantCheck: Sendable, Equatable, Codable {
    /// The mean over samples of the (drift-corrected) (1/N) log det(J Jᵀ).
    public var sample: Double
    public var theory: Double
    public var standardError: Double
    public var allowance: Double
    public var agrees: Bool
}

/// Each sample's mean log-eigenvalue with the variance of its sampling error, and the theory's.
public struct MeanLogEigenvalueSample: Sendable {
    public var values: [Double]
    public var variances: [Double]
    public var theory: Double
    /// The finite-width allowance (the O(1/N) bias per layer of a forward pass).
    public var allowance: Double
    public init(values: [Double], variances: [Double], theory: Double, allowance: Double) {
        self.values = values
        self.variances = variances
        self.theory = theory
        self.allowance = allowance
    }
}

/// The structural zeros of a sample (eigenvalues that are 0 because some layer's slopes
/// vanish, `JacobianSamples.structuralZeros`) against the theory's atom at 0.
///
/// At width N the atom's mass is a random fraction whose mean `expected` differs from the
/// N = ∞ mass `theory` by O(N^{−1/2}) (`JacobianSampler.structuralZeroFraction`): the verdict
/// compares the sample's mean fraction with `expected`, within 4 standard deviations of a
/// mean of S samples plus 1/(2N) for the discreteness of a count, and compares the rest of
/// the spectrum with the theory's continuous part.
public struct ZeroAtomCheck: Sendable, Equatable, Codable {
    /// The N = ∞ mass of the atom at 0.
    public var theory: Double
    /// The mean structural zero fraction at this width.
    public var expected: Double
    /// The sample's mean structural zero fraction.
    public var sample: Double
    public var allowance: Double
    public var agrees: Bool
}

/// What the verdict needs to separate a zero atom from the rest of a sampled spectrum.
public struct ZeroAtomSample: Sendable {
    /// Structural zeros in each sample (same order as the samples).
    public var counts: [Int]
    /// The N = ∞ atom mass, and the finite-width mean and standard deviation of one sample's
    /// zero fraction.
    public var theory: Double
    public var expected: Double
    public var standardDeviation: Double
    public init(counts: [Int], theory: Double, expected: Double, standardDeviation: Double) {
        self.counts = counts
        self.theory = theory
        self.expected = expected
        self.standardDeviation = standardDeviation
    }
}

/// Whether a Monte Carlo spectrum agrees with a theoretical law, and why.
public struct MonteCarloVerdict: Sendable, Equatable, Codable {
    /// ks ≤ tolerance, and the first-moment check passes when there is one.
    public var agrees: Bool
    /// The KS distance (see `EmpiricalSpectrum.ksDistance`).
    public var ks: Double
    /// The tolerance used (sampling part + finite-width part).
    public var tolerance: Double
    /// The sampling part of the tolerance: z · KS(A, B)/2, or c₁/√(N·S) with one sample.
    public var samplingPart: Double
    /// The part c₂/N of the tolerance.
    public var finiteWidthPart: Double
    /// KS(A, B), the distance between the two halves of the samples (nil with one sample).
    public var halvesKS: Double?
    /// The first-moment check (nil when the caller gives no theory m₁, or with one sample).
    public var firstMoment: FirstMomentCheck?
    /// The mean log-eigenvalue check (nil without the samples' log-determinants).
    public var logDeterminant: LogDeterminantCheck?
    /// The zero-atom check (nil when the caller gives no structural zeros); `ks` is then the
    /// distance of the rest of the sample to the theory's continuous part.
    public var zeroAtom: ZeroAtomCheck?
    /// One sentence stating the comparison and the reasoning behind the tolerance.
    public var reason: String

    /// Compares the pooled eigenvalues of `spectrum` (S = `spectrum.samples.count` samples of
    /// matrices of width N) with the theory CDF `cdf` (right-continuous, atoms included) using
    /// `MonteCarloTolerance`, and the sample mean with the theory's m₁ when
    /// `theoryLogFirstMoment` is given.
    ///
    /// - Parameters:
    ///   - relativeResolution: passed to `ksDistance`; use ≈ 1e-9 when the theory has
    ///     atoms away from 0 that rounding smears.
    ///   - theoryLogFirstMoment: log m₁ of the theory, for `FirstMomentCheck`.
    ///   - firstMomentAllowance: the finite-width allowance on |log m̂₁ − log m₁| (0 when the
    ///     sampled model has E m̂₁ = m₁ exactly at every N, e.g. independent slopes).
    ///   - rawSpectrum: the eigenvalues m̂₁ is taken from when `spectrum` was clamped at a
    ///     resolution floor for the KS comparison; nil: `spectrum`.
    ///   - zeroAtom: the structural zeros of each sample and the theory's atom at 0: then each
    ///     sample's zeros are removed before the KS comparison, which is made with the
    ///     continuous part (F − p₀)/(1 − p₀), and the zero fraction is checked on its own
    ///     (`ZeroAtomCheck`); the zeros must be the smallest values of their sample.
    ///   - meanLogEigenvalue: each sample's (1/N) log det with its variance, the theory's
    ///     E[log λ] and the finite-width allowance, for `LogDeterminantCheck`.
    ///   - disagreementAdvice: what the model's user should try when the sample disagrees
    ///     (e.g. for deep networks: rule out the drift of q^l first); appended to `reason`
    ///     only then.
    /// - Throws: `invalidArgument` if width ≤ 0.
    public static func compare(
        _ spectrum: EmpiricalSpectrum, theoryCDF cdf: (Double) -> Double, width: Int,
        tolerance: MonteCarloTolerance = MonteCarloTolerance(), relativeResolution: Double = 0,
        theoryLogFirstMoment: Double? = nil, firstMomentAllowance: Double = 0, rawSpectrum: EmpiricalSpectrum? = nil,
        zeroAtom: ZeroAtomSample? = nil,
        meanLogEigenvalue: MeanLogEigenvalueSample? = nil,
        disagreementAdvice: String? = nil
    ) throws -> MonteCarloVerdict {
        guard width > 0 else { throw NumericalError.invalidArgument("width must be positive, got \(width)") }
        let s = spectrum.samples.count
        var compared = spectrum
        var continuousCDF = cdf
        var atomCheck: ZeroAtomCheck? = nil
        if let atom = zeroAtom {
            guard atom.counts.count == s, zip(atom.counts, spectrum.samples).allSatisfy({ $0 >= 0 && $0 <= $1.count }) else {
                throw NumericalError.invalidArgument("need one structural zero count (at most the sample's size) per sample")
            }
            let fractions = zip(atom.counts, spectrum.samples).map { Double($0) / Double($1.count) }
            let mean = fractions.reduce(0, +) / Double(s)
            let allowance = 4 * atom.standardDeviation / Double(s).squareRoot() + 0.5 / Double(width)
            atomCheck = ZeroAtomCheck(theory: atom.theory, expected: atom.expected, sample: mean, allowance: allowance,
                                      agrees: abs(mean - atom.expected) <= allowance)
            let rest = zip(atom.counts, spectrum.samples).map { Array($1.sorted().dropFirst($0)) }
            if rest.allSatisfy({ !$0.isEmpty }) && atom.theory < 1 - 1e-12 {
                compared = try EmpiricalSpectrum(samples: rest)
                let p0 = atom.theory
                continuousCDF = { x in x < 0 ? 0 : max(0, cdf(x) - p0) / (1 - p0) }
            }
        }
        let ks = compared.ksDistance(to: continuousCDF, relativeResolution: relativeResolution)
        let f = { (x: Double) in String(format: "%.4g", x) }
        // A zero atom's mass at width N is biased by O(N^{−1/2}) (the rank deficit is a maximum
        // of L binomial counts), and the continuous part of the sample moves with it: measured
        // for ReLU networks (L = 2…64, N = 256, 1024, both ensembles), the KS distance of the
        // rest of the sample is 1–1.5 times that bias, so twice the bias is allowed.
        let atomBias = zeroAtom.map { max(0, $0.expected - $0.theory) } ?? 0
        let finite = tolerance.finiteWidthPart(width: width) + 2 * atomBias
        let halves = s >= 2 ? try compared.halvesDistance(relativeResolution: relativeResolution) : nil
        let sampling = halves.map { tolerance.spreadMultiplier * $0 / 2 } ?? tolerance.samplingPart(width: width, samples: s)
        let total = sampling + finite
        let samplingText = halves.map {
            "\(f(tolerance.spreadMultiplier)) × KS(A, B)/2 [the sample's own spread: KS(A, B) = \(f($0)) between its two halves]"
        } ?? "\(f(tolerance.samplingConstant))/√(N·S) [i.i.d. sampling bound: one sample has no halves to measure its spread]"
        let atomText = atomBias > 0 ? " + 2 × \(f(atomBias)) [the zero atom's finite-width bias]" : ""
        let budget = "tolerance \(f(total)) = \(samplingText) + \(f(tolerance.finiteWidthConstant))/N\(atomText) [finite width, N = \(width), S = \(s)] = \(f(sampling)) + \(f(finite))"
        let ksAgrees = ks <= total
        var moment: FirstMomentCheck? = nil
        // One sample has no spread to measure m̂₁'s standard error from.
        if let logM1 = theoryLogFirstMoment, s >= 2 {
            moment = firstMomentCheck(rawSpectrum ?? spectrum, logTheory: logM1, finiteWidthAllowance: firstMomentAllowance)
        }
        var logCheck: LogDeterminantCheck? = nil
        if let m = meanLogEigenvalue, !m.values.isEmpty, m.values.count == m.variances.count,
           m.values.allSatisfy(\.isFinite), m.variances.allSatisfy(\.isFinite), m.theory.isFinite {
            let n = Double(m.values.count)
            let mean = m.values.reduce(0, +) / n
            let se = (m.variances.reduce(0, +) / n / n).squareRoot()
            let allowance = 4 * se + m.allowance
            logCheck = LogDeterminantCheck(sample: mean, theory: m.theory, standardError: se, allowance: allowance,
                                           agrees: abs(mean - m.theory) <= allowance)
        }
        let agrees = ksAgrees && (moment?.agrees ?? true) && (atomCheck?.agrees ?? true) && (logCheck?.agrees ?? true)
        let part = atomCheck == nil ? "" : " (of the spectrum without its zero atom)"
        var reason = ksAgrees
            ? "KS distance\(part) \(f(ks)) ≤ \(budget)"
            : "KS distance\(part) \(f(ks)) > \(budget): the gap exceeds what the sample's spread and finite width explain"
        if let a = atomCheck {
            reason += a.agrees
                ? "; zero atom \(f(a.sample)) ≈ \(f(a.expected)) expected at this width (\(f(a.theory)) at N = ∞)"
                : "; zero atom \(f(a.sample)) is not the \(f(a.expected)) expected at this width (\(f(a.theory)) at N = ∞; allowance \(f(a.allowance)))"
        }
        if let m = moment {
            let percent = f(100 * m.relativeError)
            reason += m.agrees
                ? "; m1 \(f(m.sample)) is within its allowance (\(percent) %, |Δlog m1| ≤ \(f(m.allowance)))"
                : "; m1 \(f(m.sample)) is off the theory by \(percent) % (|Δlog m1| > \(f(m.allowance)) = t·s.e. + finite-width allowance): a mass far out that KS cannot see"
        }
        if let c = logCheck {
            reason += c.agrees
                ? "; mean log λ \(f(c.sample)) ≈ \(f(c.theory))"
                : "; mean log λ \(f(c.sample)) is not the theory's \(f(c.theory)) (allowance \(f(c.allowance)) = t·s.e. + finite width): the operating point (σ_w, q^l, weights) differs"
        }
        reason += agrees ? ": the sample agrees with the theory." : (disagreementAdvice.map { "; \($0)." } ?? ".")
        return MonteCarloVerdict(agrees: agrees, ks: ks, tolerance: total, samplingPart: sampling,
                                 finiteWidthPart: finite, halvesKS: halves, firstMoment: moment, logDeterminant: logCheck,
                                 zeroAtom: atomCheck, reason: reason)
    }

    /// See `FirstMomentCheck`.
    static func firstMomentCheck(_ spectrum: EmpiricalSpectrum, logTheory: Double, finiteWidthAllowance: Double) -> FirstMomentCheck {
        let m1 = spectrum.m1
        let s = spectrum.samples.count
        let logError = log(m1.value) - logTheory
        let se = m1.standardError.isFinite && m1.value > 0 ? m1.standardError / m1.value : 0
        let t = s >= 2 ? gsl_cdf_tdist_Pinv(0.9975, Double(s - 1)) : 0
        let allowance = t * se + finiteWidthAllowance
        return FirstMomentCheck(sample: m1.value, log10Theory: logTheory / log(10), relativeError: expm1(logError),
                                standardError: se, allowance: allowance, agrees: abs(logError) <= allowance)
    }
}

extension EmpiricalSpectrum {
    /// KS(A, B): the two-sample Kolmogorov–Smirnov distance between the pooled eigenvalues of
    /// the even-indexed samples (A) and the odd-indexed ones (B), up to a relative shift
    /// `relativeResolution` of the abscissa as in `ksDistance`.
    ///
    /// - Throws: `invalidArgument` with fewer than two samples.
    public func halvesDistance(relativeResolution r: Double = 0) throws -> Double {
        guard samples.count >= 2 else { throw NumericalError.invalidArgument("two halves need at least two samples, got \(samples.count)") }
        let a = try EmpiricalSpectrum(samples: samples.enumerated().filter { $0.offset % 2 == 0 }.map(\.element))
        let b = try EmpiricalSpectrum(samples: samples.enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        // The supremum is attained at a sample point of either half; at each, compare the
        // right limits and the left limits, B taken at the shifted abscissa.
        var distance = 0.0
        for (x, y) in [(a, b), (b, a)] {
            let n = Double(x.pooled.count), m = Double(y.pooled.count)
            var i = 0
            while i < x.pooled.count {
                let v = x.pooled[i]
                var j = i + 1
                while j < x.pooled.count && x.pooled[j] == v { j += 1 }
                let shift = r * abs(v)
                let above = Double(y.upperBound(v + shift)) / m
                let below = Double(y.lowerBound(v - shift)) / m
                distance = max(distance, Double(j) / n - above, below - Double(i) / n)
                i = j
            }
        }
        return distance
    }

    /// Index of the first pooled value ≥ x.
    func lowerBound(_ x: Double) -> Int {
        var lo = 0, hi = pooled.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pooled[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
