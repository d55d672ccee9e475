import Foundation

/// The choices of a level-statistics analysis, each reported with the result.
public struct LevelStatisticsOptions: Sendable {
    /// How eigenvalues are unfolded for spacings, Σ² and Δ₃ (ratios need none).
    public var unfolding: Unfolding
    /// The fraction of each sample's levels (after zero modes) cut from each end, in [0, 0.45]:
    /// edges have a different local law (Tracy–Widom) and unfold worst.
    public var trim: Double
    /// Which eigenvalues are zero modes, removed first.
    public var zeroModes: ZeroModeThreshold
    /// The lengths L of Σ²(L) and Δ₃(L); nil: `SpectralRigidity.defaultLengths` that fit.
    public var lengths: [Double]?

    public init(unfolding: Unfolding = .polynomial(degree: Unfolding.defaultDegree), trim: Double = 0.1,
                zeroModes: ZeroModeThreshold = .relative(1e-12), lengths: [Double]? = nil) {
        self.unfolding = unfolding
        self.trim = trim
        self.zeroModes = zeroModes
        self.lengths = lengths
    }
}

/// A sample's mean ratio against one class's reference value.
public struct RatioComparison: Sendable, Codable, Equatable {
    /// ⟨r̃⟩ of the class for large N (Atas et al. 2013, Table I).
    public let largeN: Double
    /// ⟨r̃⟩ of the class for 3 × 3 matrices (the Atas surmise).
    public let surmise3x3: Double
    /// (⟨r̃⟩ − largeN)/√(se² + u²), u the reference's own uncertainty (1e-4 or 0).
    public let zScore: Double
}

/// Which class the level statistics of a spectrum fit.
///
/// The decision is made on the mean ratio ⟨r̃⟩, which needs no unfolding: the class is the one
/// whose large-N value is nearest in units of the standard error (|z| smallest), and it *fits*
/// when |z| ≤ 3. `next` is the runner-up with its |z| (the distance to the next class). The
/// spacing distribution is a second opinion: `spacingClass` is the surmise nearest in KS
/// distance, and `agree` says whether it is the same class.
public struct LevelVerdict: Sendable, Codable, Equatable {
    /// The nearest class by ⟨r̃⟩.
    public let symmetryClass: SymmetryClass
    /// Whether |z| ≤ `fitLimit`.
    public let fits: Bool
    /// |z| of the nearest class.
    public let distance: Double
    /// The runner-up.
    public let next: SymmetryClass
    /// |z| of the runner-up.
    public let nextDistance: Double
    /// The surmise nearest to the spacings in KS distance (nil without spacings).
    public let spacingClass: SymmetryClass?
    /// Whether `spacingClass` is `symmetryClass`.
    public let agree: Bool
    /// One sentence.
    public let statement: String

    /// |z| ≤ 3: a class that is right fails this about 0.3 % of the time.
    public static let fitLimit = 3.0
}

/// Level statistics of one or more spectra: nearest-neighbour spacings against the Wigner
/// surmises and Poisson, the spacing ratio r̃ = min(r, 1/r) against the reference values and
/// the Atas surmise, the number variance and rigidity, and a verdict.
///
/// Pipeline (each step reported): zero modes removed (`ZeroModeThreshold`), edges trimmed,
/// ratios of consecutive raw kept levels (no unfolding), unfolding (`Unfolding`) of the kept
/// levels, spacings e_{i+1} − e_i within each sample divided by their pooled mean, then Σ²
/// and Δ₃ (`SpectralRigidity`). Nothing straddles two samples. Docs/theory-spacings.md gives
/// every formula and its derivation.
public struct LevelStatistics: Sendable, Codable {
    /// Eigenvalues given, over all samples.
    public let count: Int
    public let samples: Int
    /// Zero modes removed, over all samples, and the rule.
    public let removedZeroModes: Int
    public let zeroModeRule: String
    /// The fraction cut from each end, and the levels kept over all samples.
    public let trim: Double
    public let keptLevels: Int
    /// The unfolding, in words.
    public let unfolding: String
    /// The mean unfolded spacing before rescaling (≈ 1 when the unfolding is right).
    public let meanSpacing: Double
    /// Number of spacings.
    public let spacings: Int
    /// KS distance of the rescaled spacings to each class's surmise (`SpacingSurmise`).
    public let ksToSurmise: PerClass<Double>
    /// The maximum-likelihood Brody parameter q ∈ [0, 1] (`BrodyDistribution`).
    public let brody: Double
    /// ⟨s²⟩ of the rescaled spacings (4/π ≈ 1.273 for the GOE surmise, 2 for Poisson).
    public let spacingSecondMoment: Double
    /// Number of ratios.
    public let ratios: Int
    /// ⟨r̃⟩ and its standard error.
    public let meanRatio: Double
    public let meanRatioStdErr: Double
    /// How the standard error was formed (`StandardErrorGroups`).
    public let standardErrorMethod: String
    /// ⟨r̃⟩ against each class.
    public let ratioComparison: PerClass<RatioComparison>
    /// KS distance of the ratios r̃ to each class's law (`RatioSurmise`).
    public let ksToRatioSurmise: PerClass<Double>
    /// Σ²(L) and Δ₃(L).
    public let rigidity: [SpectralRigidityPoint]
    public let verdict: LevelVerdict
    /// The rescaled spacings and the ratios, pooled (for histograms; not encoded).
    public private(set) var spacingValues: [Double] = []
    public private(set) var ratioValues: [Double] = []

    enum CodingKeys: String, CodingKey {
        case count, samples, removedZeroModes, zeroModeRule, trim, keptLevels, unfolding, meanSpacing, spacings,
             ksToSurmise, brody, spacingSecondMoment, ratios, meanRatio, meanRatioStdErr, standardErrorMethod,
             ratioComparison, ksToRatioSurmise, rigidity, verdict
    }

    /// The ratios r̃_n = min(s_n/s_{n−1}, s_{n−1}/s_n) of consecutive spacings of `levels`
    /// (ascending); a pair of zero spacings (a triple degeneracy) gives no ratio.
    public static func spacingRatios<C: Collection>(_ levels: C) -> [Double] where C.Element == Double {
        let x = Array(levels)
        guard x.count >= 3 else { return [] }
        var result: [Double] = []
        result.reserveCapacity(x.count - 2)
        for i in 1..<(x.count - 1) {
            let a = x[i] - x[i - 1], b = x[i + 1] - x[i]
            let big = max(a, b)
            if big > 0 { result.append(min(a, b) / big) }
        }
        return result
    }

    /// Analyses `levels`.
    /// - Throws: `invalidArgument` for a trim outside [0, 0.45], a sample with fewer than 3 levels
    ///   left after zero modes and trimming, an unfolding that fails (`Unfolding`), no
    ///   positive spacing, or a length L that does not fit; `didNotConverge` from a quadrature.
    public init(_ levels: LevelSamples, options: LevelStatisticsOptions = LevelStatisticsOptions()) throws {
        try require(options.trim, "edge trim", { $0 >= 0 && $0 <= 0.45 }, "in [0, 0.45]")
        let prepared = levels.samples.map { PreparedSample($0, threshold: options.zeroModes.threshold(for: $0), trim: options.trim) }
        for (k, p) in prepared.enumerated() where p.kept.count < 3 {
            let which = prepared.count == 1 ? "" : " sample \(k + 1)"
            throw NumericalError.invalidArgument("\(levels.source)\(which): \(p.kept.count) level\(p.kept.count == 1 ? "" : "s") left after removing \(p.removedZeroModes) zero mode\(p.removedZeroModes == 1 ? "" : "s") (\(options.zeroModes.description)) and trimming \(options.trim) of each edge; at least 3 are needed")
        }
        count = levels.count
        samples = prepared.count
        removedZeroModes = prepared.reduce(0) { $0 + $1.removedZeroModes }
        zeroModeRule = options.zeroModes.description
        trim = options.trim
        keptLevels = prepared.reduce(0) { $0 + $1.kept.count }
        unfolding = options.unfolding.description
        let groups = StandardErrorGroups(samples: prepared.count)
        standardErrorMethod = groups.description

        // Ratios: raw kept levels.
        let ratioGroups = prepared.map { Self.spacingRatios($0.keptLevels) }
        let ratio = GroupedMean.estimate(groups.groups(ratioGroups))
        let pooledRatios = ratioGroups.flatMap { $0 }
        guard !pooledRatios.isEmpty else { throw NumericalError.invalidArgument("\(levels.source): no spacing ratio is defined (every kept level is degenerate)") }
        ratios = pooledRatios.count
        meanRatio = ratio.value
        meanRatioStdErr = ratio.standardError
        ratioComparison = PerClass { c in
            let u = c.meanRatioUncertainty(.largeN)
            let se = ratio.standardError.isFinite ? ratio.standardError : 0
            let scale = (se * se + u * u).squareRoot()
            return RatioComparison(largeN: c.meanRatio(.largeN), surmise3x3: c.meanRatio(.surmise3x3),
                                   zScore: scale > 0 ? (ratio.value - c.meanRatio(.largeN)) / scale : .infinity)
        }
        ksToRatioSurmise = PerClass { c in kolmogorovSmirnovDistance(pooledRatios, RatioSurmise(c).cdf) }

        // Spacings: unfolded kept levels.
        let unfolded = try options.unfolding.unfold(prepared)
        let raw = unfolded.map { e in zip(e.dropFirst(), e).map { $0 - $1 } }
        let pooledRaw = raw.flatMap { $0 }
        let mean = pooledRaw.reduce(0, +) / Double(pooledRaw.count)
        guard mean > 0 && mean.isFinite else { throw NumericalError.invalidArgument("\(levels.source): the unfolded spacings have mean \(mean); nothing to compare") }
        meanSpacing = mean
        let spacingsRescaled = pooledRaw.map { $0 / mean }
        spacings = spacingsRescaled.count
        ksToSurmise = PerClass { c in kolmogorovSmirnovDistance(spacingsRescaled, SpacingSurmise(c).cdf) }
        brody = try BrodyDistribution.fit(spacingsRescaled)
        spacingSecondMoment = spacingsRescaled.reduce(0) { $0 + $1 * $1 } / Double(spacingsRescaled.count)

        // Σ², Δ₃ on the rescaled unfolded levels.
        let levelsRescaled = unfolded.map { $0.map { $0 / mean } }
        let span = levelsRescaled.map { $0.last! - $0.first! }.min()!
        let lengths = options.lengths ?? SpectralRigidity.defaultLengths.filter { $0 <= span / 5 }
        rigidity = try SpectralRigidity.measure(levelsRescaled, lengths: lengths, groups: groups)

        verdict = Self.decide(ratioComparison, ksToSurmise)
        spacingValues = spacingsRescaled
        ratioValues = pooledRatios
    }

    static func decide(_ ratio: PerClass<RatioComparison>, _ ks: PerClass<Double>) -> LevelVerdict {
        let ranked = SymmetryClass.allCases.sorted { abs(ratio[$0].zScore) < abs(ratio[$1].zScore) }
        let best = ranked[0], next = ranked[1]
        let spacingClass = SymmetryClass.allCases.filter { ks[$0].isFinite }.min { ks[$0] < ks[$1] }
        let d = abs(ratio[best].zScore), dn = abs(ratio[next].zScore)
        let fits = d <= LevelVerdict.fitLimit
        let z = { (x: Double) in String(format: "%.1f", x) }
        var statement = fits
            ? "\(best.displayName): ⟨r̃⟩ within \(z(d)) standard errors of its large-N value; next \(next.displayName) at \(z(dn))"
            : "no class fits: ⟨r̃⟩ is \(z(d)) standard errors from the nearest, \(best.displayName) (next \(next.displayName) at \(z(dn)))"
        if let s = spacingClass {
            statement += s == best ? "; the spacings agree (nearest surmise \(s.displayName))" : "; the spacings are nearest the \(s.displayName) surmise"
        }
        return LevelVerdict(symmetryClass: best, fits: fits, distance: d, next: next, nextDistance: dn,
                            spacingClass: spacingClass, agree: spacingClass == best, statement: statement)
    }
}
