import Foundation

/// The singular-value spectrum of the input–output Jacobian J = Π D^l W^l of a deep network
/// at initialisation: the law of J Jᵀ (Pennington, Schoenholz & Ganguli, "Resurrecting the
/// sigmoid in deep learning through dynamical isometry", NeurIPS 2017; "The emergence of
/// spectral universality in deep networks", AISTATS 2018).
///
/// Layer l has the slope law D_l² = φ′(√q^l h)², where q^l is the per-unit squared length of
/// its pre-activations (`MeanField`); with the weight laws this gives the free product
/// `FreeMultiplicativeProduct`, solved by `solve()`. Where q^l sits:
///
/// - on the critical line at q* (`.critical`), or at a stable fixed point q* > 0 of the length
///   map (`.weights`): q^l = q* in every layer, the network fed an input already at its fixed
///   point (|x⁰|²/N = (q* − σ_b²)/σ_w²);
/// - layer by layer (`inputLength` Q0 given, or `.weights` without a positive stable fixed
///   point: q^l → 0, marginal, or growing, with Q0 = 1, a standardised input): q¹ = σ_w² Q0 + σ_b²,
///   q^{l+1} = 𝓛(q^l), and J Jᵀ is a product of L different factors. Layers whose q^l agree to
///   1e-10 share one slope law (a trajectory that has reached its fixed point costs one law);
///   a positively homogeneous φ (linear, ReLU, leaky ReLU) has one law whatever q^l does.
public struct JacobianSpectrum: Sendable {
    /// Where the network sits in the (σ_w, σ_b) plane.
    public enum OperatingPoint: Sendable {
        /// On the critical line χ = 1 with the given fixed point q* (σ_w, σ_b follow).
        case critical(qStar: Double)
        /// At given (σ_w, σ_b); q* is the stable fixed point of the length map.
        case weights(sigmaW: Double, sigmaB: Double)
    }

    public let activation: any Activation
    public let weights: WeightEnsemble
    public let depth: Int
    /// N_l/N_0 for l = 1 … L, or nil for a square network.
    public let widthRatios: [Double]?
    public let meanField: MeanFieldSummary
    /// The slope law of each layer, bottom to top (layers that share a law share the value).
    public let slopeLaws: [DerivativeSquaredLaw]
    /// The slope law of the first layer (the only one when q^l is the same in every layer).
    public var slopeLaw: DerivativeSquaredLaw { slopeLaws[0] }
    public let product: FreeMultiplicativeProduct

    /// `inputLength`, when given, is Q0 = |x⁰|²/N_0, the per-unit squared length of the input
    /// (standardised data: 1), and the spectrum is computed layer by layer from it (see the
    /// type's documentation); with `.critical` it starts the transient towards q*.
    ///
    /// `widthRatios`, when given, are N_l/N_0 for l = 1 … L (one per layer): W_l is N_l × N_{l−1}
    /// with entries of variance σ_w²/N_{l−1} (orthogonal: σ_w √max(1, N_l/N_{l−1}) times a Haar
    /// matrix with orthonormal rows or columns). The mean field does not depend on the widths
    /// (each pre-activation still has variance σ_w² E φ² + σ_b²), and the spectrum is that of
    /// J Jᵀ on the N_L output dimensions, so its zero atom includes the rank deficit
    /// 1 − min_l N_l/N_L.
    ///
    /// - Throws: `invalidArgument` for depth < 1, bad σ/q*/input length, or width ratios that
    ///   are not positive and finite or not one per layer; `noSolution` when the operating point
    ///   has no critical point, or q^l of an activation whose slope law depends on q grows past
    ///   what its slopes can be evaluated at.
    public init(activation: any Activation, weights: WeightEnsemble, depth: Int, point: OperatingPoint,
                inputLength: Double? = nil, widthRatios: [Double]? = nil) throws {
        guard depth >= 1 else { throw NumericalError.invalidArgument("depth must be at least 1, got \(depth)") }
        if let ratios = widthRatios {
            guard ratios.count == depth else {
                throw NumericalError.invalidArgument("width ratios N_l/N_0 are needed for each of the \(depth) layers, got \(ratios.count)")
            }
            for r in ratios { try require(r, "width ratio", { $0 > 0 }, "positive and finite") }
        }
        if let q0 = inputLength { try require(q0, "input length |x⁰|²/N", { $0 > 0 }, "positive and finite") }
        self.activation = activation
        self.weights = weights
        self.depth = depth
        self.widthRatios = widthRatios
        let sigmaW: Double, sigmaB: Double
        switch point {
        case .critical(let qStar): (sigmaW, sigmaB) = try CriticalLine.point(activation: activation, qStar: qStar)
        case .weights(let w, let b): (sigmaW, sigmaB) = (w, b)
        }
        let field = try MeanField(activation: activation, sigmaW: sigmaW, sigmaB: sigmaB)
        let homogeneous = activation.isPositivelyHomogeneous
        // The fixed point the network is held at, or nil for the layer-by-layer answer.
        var held: Double? = nil
        var note: String? = nil
        if inputLength == nil {
            switch point {
            case .critical(let qStar): held = qStar
            case .weights:
                if case .stable(let q) = try field.fixedPoint(from: sigmaW * sigmaW + sigmaB * sigmaB), q > 0 { held = q }
            }
        }
        let q0 = inputLength ?? held.map { max(0, $0 - sigmaB * sigmaB) / (sigmaW * sigmaW) } ?? 1
        let analysis = try field.analysis(inputLength: q0 > 0 ? q0 : 1)
        var trajectory: LengthTrajectory? = nil
        let qs: [Double]
        if let q = held {
            qs = Array(repeating: q, count: depth)
        } else {
            let path = try field.trajectory(inputLength: q0, depth: depth)
            trajectory = path
            qs = path.q
            if inputLength == nil {
                note = "the length map has no attracting fixed point q* > 0 at σ_w = \(sigmaW), σ_b = \(sigmaB) ("
                    + Self.describe(analysis.limit) + "), so the spectrum is computed layer by layer from a standardised input, |x⁰|²/N = 1 (--input-length sets it)"
            }
            if homogeneous {
                let gain = path.q.count > 1 && sigmaB == 0 ? pow(10, path.log10Q[1] - path.log10Q[0]) : nil
                note = (note.map { $0 + "; " } ?? "") + "the slope law of \(activation.name) is the same at every q > 0, so the spectrum does not depend on where q^l goes"
                    + (gain.map { g in abs(g - 1) <= 1e-12 ? " (q^l stays at q¹)"
                                      : String(format: " (q^l %@ by a factor %.4g per layer)", g < 1 ? "shrinks" : "grows", g) } ?? "")
            }
        }
        // Slope laws: one per distinct q^l (to 1e-10, below which the moments of two laws differ
        // by less than the 1e-9 the tests ask of them), one in all for a homogeneous φ, the atom
        // φ′(0)² where q^l underflows to 0.
        var laws: [DerivativeSquaredLaw] = []
        laws.reserveCapacity(depth)
        if homogeneous {
            laws = Array(repeating: try DerivativeSquaredLaw(activation: activation, q: 1), count: depth)
        } else {
            // Representatives sorted by q, searched by bisection: a trajectory that never settles
            // has one law per layer, and a linear search would cost L² comparisons.
            var representatives: [(q: Double, law: DerivativeSquaredLaw)] = []
            var atomLaw: DerivativeSquaredLaw? = nil
            for (l, q) in qs.enumerated() {
                if Self.isAtomToRounding(activation, q: q) {
                    if atomLaw == nil {
                        let slope = activation.derivative(0)
                        atomLaw = try DerivativeSquaredLaw(atoms: [Atom(location: slope * slope, mass: 1)], name: activation.name + "(q→0)")
                    }
                    laws.append(atomLaw!)
                    continue
                }
                var lo = 0, hi = representatives.count
                while lo < hi { let mid = (lo + hi) / 2; if representatives[mid].q < q { lo = mid + 1 } else { hi = mid } }
                if let k = [lo - 1, lo].first(where: { $0 >= 0 && $0 < representatives.count && abs(q - representatives[$0].q) <= 1e-10 * representatives[$0].q }) {
                    laws.append(representatives[k].law); continue
                }
                let law: DerivativeSquaredLaw
                do {
                    law = try DerivativeSquaredLaw(activation: activation, q: q)
                } catch NumericalError.invalidArgument(let reason) where held == nil {
                    // Name the layer and what moves q^l there, not only the law's q.
                    throw NumericalError.noSolution(String(
                        format: "layer %d of the network has pre-activations of variance q^%d = %.4g (σ_w = %g, σ_b = %g, input length %g: %@), where %@ Lower --sigma-w or --depth.",
                        l + 1, l + 1, q, sigmaW, sigmaB, q0, Self.describe(analysis.limit), reason.hasSuffix(".") ? reason : reason + "."))
                }
                representatives.insert((q, law), at: lo)
                laws.append(law)
            }
        }
        slopeLaws = laws
        let qStar: Double
        switch analysis.limit {
        case .stable(let q): qStar = held ?? q
        case .marginal: qStar = held ?? qs[0]
        case .divergent: qStar = held ?? .infinity
        }
        let chi = sigmaW * sigmaW * laws[depth - 1].moments[0]
        let slope = qStar > 0 && qStar.isFinite && !homogeneous ? try field.lengthMapSlope(qStar) : analysis.fixedPoints.first?.lengthMapSlope
        if held != nil, let s = slope, MeanField.isUnstable(lengthMapSlope: s), note == nil {
            note = String(format: "q* = %g is an unstable fixed point of the length map (𝓛′(q*) = %.4g > 1): in a real forward pass q^l drifts away from q* within ~%.3g layers, so this spectrum (slopes at q* in every layer) is that of a network held at q*, e.g. renormalised each layer (Monte Carlo: --mode independent)",
                          qStar, s, 1 / log(s))
        }
        meanField = MeanFieldSummary(
            qStar: qStar, chi: chi, sigmaW: sigmaW, sigmaB: sigmaB,
            depthScale: MeanField.depthScale(chi: chi), lengthMapSlope: slope, note: note,
            operatingPoint: held == nil ? .layerByLayer : (inputLength == nil && { if case .critical = point { return true } else { return false } }() ? .criticalLine : .fixedPoint),
            inputLength: q0, trajectory: trajectory,
            phase: analysis.phase, fixedPoints: analysis.fixedPoints,
            depthScaleQ: analysis.depthScaleQ, depthScaleC: analysis.depthScaleC,
            correlationFixedPoint: analysis.correlationFixedPoint)
        let gram: WeightGramLaw = weights == .gaussian ? .gaussian(sigmaW: sigmaW) : .orthogonal(sigmaW: sigmaW)
        let shared = laws.allSatisfy { $0.isSameLaw(as: laws[0]) }
        if let ratios = widthRatios {
            product = try FreeMultiplicativeProduct(layers: laws.map { (gram, $0) }, widths: [1] + ratios)
        } else if shared {
            product = try FreeMultiplicativeProduct(weights: gram, slopes: laws[0], depth: depth)
        } else {
            product = try FreeMultiplicativeProduct(layers: laws.map { (gram, $0) })
        }
    }

    /// Whether the law of φ′(√q h)² is the atom φ′(0)² in Double: φ′(√q h)² rounds to φ′(0)²
    /// at every |h| ≤ 9 on a grid that holds the extremes of a monotone or even slope near 0
    /// (|h| = 9 is where the slope laws are cut). Then every pole the law would have equals that
    /// atom, and the law is that atom exactly as far as the engine can tell (q = 0 included: the
    /// pre-activations vanish). tanh reaches it at q ≲ 1e-19, GELU (slope linear in h) at q ≲ 1e-34.
    static func isAtomToRounding(_ activation: any Activation, q: Double) -> Bool {
        if q == 0 { return true }
        let top = activation.derivative(0) * activation.derivative(0)
        let s = q.squareRoot()
        return [-9.0, -6, -3, -1, -0.3, 0.3, 1, 3, 6, 9].allSatisfy { h in
            let d = activation.derivative(s * h)
            return d * d == top
        }
    }

    /// Where q^l goes, in words.
    static func describe(_ limit: MeanField.FixedPoint) -> String {
        switch limit {
        case .stable(0): return "q^l shrinks towards 0"
        case .stable(let q): return String(format: "q^l approaches %g", q)
        case .marginal: return "every q is a fixed point"
        case .divergent: return "q^l grows without bound"
        }
    }

    /// The spectrum solved: for one square orthogonal layer with a smooth activation, directly
    /// as the push-forward σ_w² φ′(√q* h)² (`SingleOrthogonalLayerSpectrum`: the inverse-square-root
    /// singularities at every critical value of φ′² are the free-product engine's hardest case and
    /// need no convolution here); otherwise by continuation on the free product (`SpectrumAnalysis`).
    ///
    /// - Throws: what `SpectrumAnalysis.init` throws.
    public func solve() throws -> any SolvedSpectrum {
        let square = widthRatios?.allSatisfy { $0 == 1 } ?? true
        if weights == .orthogonal && depth == 1 && square && !slopeLaw.isAtomic && slopeLaw.q.isFinite && slopeLaw.q > 0 {
            return try SingleOrthogonalLayerSpectrum(activation: activation, q: slopeLaw.q, sigmaW: meanField.sigmaW)
        }
        return try SpectrumAnalysis(product: product)
    }

    /// The full prediction: moments, atoms, support, λ_max, quantiles, the density on a grid
    /// of `points` points (`scale` nil chooses logarithmic when the continuous part spans
    /// more than three decades between its 1 % quantile and λ_max), values at `evaluations`,
    /// and a verdict on dynamical isometry. `solved` is this model's `solve()` when the caller
    /// already has it (the CLI's Monte Carlo comparison reads its CDF too); nil solves here.
    public func predict(points: Int = 200, scale: DensityScale? = nil, evaluations: [Double] = [],
                        solved: (any SolvedSpectrum)? = nil) throws -> JacobianPrediction {
        guard points >= 2 else { throw NumericalError.invalidArgument("points must be at least 2, got \(points)") }
        for x in evaluations where !(x.isFinite && x >= 0) {
            throw NumericalError.invalidArgument("evaluation points must be finite and ≥ 0, got \(x)")
        }
        let analysis = try solved ?? solve()
        let (logM1, normalized) = try product.normalizedMoments(count: 4)
        let moments = normalized.enumerated().map { exp(Double($0.offset + 1) * logM1) * $0.element }
        let normalizedVariance = normalized[1] - 1
        let hasContinuous = analysis.hasContinuousPart
        let logQ01 = hasContinuous ? try analysis.logQuantile(0.01) : analysis.logUpperEdge
        let logMedian = hasContinuous ? try analysis.logQuantile(0.5) : analysis.logUpperEdge
        let lawQ01 = try Self.logQuantileOfLaw(analysis, 0.01)
        let lawMedian = try Self.logQuantileOfLaw(analysis, 0.5)
        let tMax = analysis.logUpperEdge
        let chosen = scale ?? ((tMax - logQ01) > log(1e3) ? .log : .linear)
        let grid = hasContinuous ? try densityGrid(analysis, points: points, scale: chosen) : []
        let values = try analysis.points(descendingLogX: grid, includeCDF: true)
        let density = DensityTable(
            scale: chosen,
            x: values.map(\.x), rho: values.map(\.density), cdf: values.map(\.cdf),
            log10X: values.map { $0.logX / log(10) }, rhoLog10: values.map { $0.logDensity * log(10) })
        // Evaluations: solved in decreasing order, reported in the order given.
        let order = evaluations.indices.sorted { evaluations[$0] > evaluations[$1] }
        let positive = order.filter { evaluations[$0] > 0 }
        let solved = hasContinuous ? try analysis.points(descendingLogX: positive.map { log(evaluations[$0]) }, includeCDF: true) : []
        var evaluated = [PointEvaluation?](repeating: nil, count: evaluations.count)
        for (i, p) in zip(positive, solved) { evaluated[i] = PointEvaluation(x: evaluations[i], rho: p.density, cdf: p.cdf) }
        let atZero = analysis.atoms.first { $0.isAtZero }?.mass ?? 0
        for i in evaluations.indices where evaluated[i] == nil {
            let x = evaluations[i]
            let cdf = x == 0 ? atZero : analysis.atoms.filter { $0.location <= x }.reduce(0) { $0 + $1.mass }
            evaluated[i] = PointEvaluation(x: x, rho: 0, cdf: cdf)
        }
        let support = analysis.logSupport.map { interval -> [Double] in
            let lower = interval.lowerBound == analysis.logSupport.first?.lowerBound && analysis.reachesZero ? 0 : exp(interval.lowerBound)
            return [lower, exp(interval.upperBound)]
        }
        let (mass, densityMoments) = hasContinuous ? try analysis.densityMoments(count: 4, logFirstMoment: logM1) : (0, [0, 0, 0, 0])
        let atomMass = analysis.atoms.reduce(0) { $0 + $1.mass }
        let momentErrors = (0..<4).map { k -> Double in
            let atoms = analysis.atoms.reduce(0.0) { $0 + (!$1.isAtZero ? $1.mass * exp(Double(k + 1) * ($1.logLocation - logM1)) : 0) }
            return abs(densityMoments[k] + atoms - normalized[k]) / normalized[k]
        }
        // κ on the whole law: λ_max over its 1 % quantile, atoms included (∞ when the atom at 0
        // holds 1 % or more; 1 for a single atom, the isometric limit).
        let conditionLog = analysis.logLambdaMax - lawQ01
        let verdict = IsometryVerdict(logFirstMoment: logM1, normalizedVariance: normalizedVariance,
                                      log10Condition: conditionLog / log(10), depth: depth, zeroMass: atZero,
                                      firstMomentName: meanField.trajectory == nil ? "χ^L" : "Π χ_l")
        return JacobianPrediction(
            depth: depth, activation: activation.name, weights: weights.rawValue, widthRatios: widthRatios, meanField: meanField,
            moments: moments, log10FirstMoment: logM1 / log(10),
            variance: normalizedVariance == 0 ? 0 : exp(2 * logM1) * normalizedVariance, normalizedVariance: normalizedVariance,
            atoms: analysis.atoms, support: support,
            lambdaMax: analysis.lambdaMax, log10LambdaMax: analysis.logLambdaMax / log(10),
            log10Quantile01: lawQ01 / log(10), log10Median: lawMedian / log(10),
            log10Quantile01Continuous: hasContinuous ? logQ01 / log(10) : nil,
            log10MedianContinuous: hasContinuous ? logMedian / log(10) : nil,
            conditionMeasure: exp(conditionLog), log10ConditionMeasure: conditionLog / log(10),
            isometry: verdict, density: density, evaluations: evaluations.isEmpty ? nil : evaluated.map { $0! },
            check: try DensityCheck(totalMass: mass + atomMass, momentRelativeErrors: momentErrors, density: density,
                                    atomsAboveEdge: analysis.atoms.filter { $0.logLocation > analysis.logUpperEdge }.reduce(0) { $0 + $1.mass },
                                    hasContinuousPart: hasContinuous, depth: depth, what: "the spectrum of J Jᵀ (\(activation.name), \(weights.rawValue), L = \(depth))"),
            log10Moments: normalized.enumerated().map { (Double($0.offset + 1) * logM1 + log($0.element)) / log(10) })
    }

    /// log λ_p, the p-quantile of the whole law of J Jᵀ (atoms included): the smallest λ with
    /// F(λ) ≥ p, −∞ when the atom at 0 alone reaches p. Between consecutive positive atoms
    /// ℓ_i < ℓ_{i+1}, F = z₀ + Σ_{j ≤ i} m_j + c F_c with c the continuous mass and F_c its
    /// normalised CDF; p is either reached by the jump at an atom (λ_p = ℓ_i) or inside an
    /// interval, where λ_p is the continuous part's quantile (p − z₀ − Σ_{j ≤ i} m_j)/c.
    ///
    /// - Throws: what `SolvedSpectrum.logQuantile` and `cdf(at:)` throw.
    static func logQuantileOfLaw(_ analysis: any SolvedSpectrum, _ p: Double) throws -> Double {
        let zero = analysis.atoms.first { $0.isAtZero }?.mass ?? 0
        if zero >= p { return -.infinity }
        let positive = analysis.atoms.filter { !$0.isAtZero }.sorted { $0.logLocation < $1.logLocation }
        let continuous = analysis.hasContinuousPart ? 1 - analysis.atoms.reduce(0) { $0 + $1.mass } : 0
        // F_c just below and at each atom: F(ℓ⁻) − atoms below ℓ, over c.
        let atLocations = continuous > 0 ? try analysis.cdf(at: positive.map { $0.location.nextDown }) : positive.map { _ in 0 }
        var below = zero
        for (i, atom) in positive.enumerated() {
            let continuousBelow = continuous > 0 ? max(0, atLocations[i] - below) : 0
            if below + continuousBelow >= p {
                let fraction = (p - below) / continuous
                return try analysis.logQuantile(min(max(fraction, 1e-300), 1 - 1e-16) )
            }
            if below + continuousBelow + atom.mass >= p { return atom.logLocation }
            below += atom.mass
        }
        guard continuous > 0 else { return positive.last.map(\.logLocation) ?? -.infinity }
        return try analysis.logQuantile(min(max((p - below) / continuous, 1e-300), 1 - 1e-16))
    }

    /// Grid points (as log λ, decreasing). Linear: x = a + (b − a)(1 + cos πs)/2, clustered
    /// at both edges. Logarithmic: from λ_max down to the 10⁻⁶ quantile of the continuous part,
    /// t = t_max − (t_max − t_min)(1 − cos(πs/2)), clustered at the upper edge; down to a
    /// positive lower edge within a decade below that quantile, with both ends clustered.
    func densityGrid(_ analysis: any SolvedSpectrum, points n: Int, scale: DensityScale) throws -> [Double] {
        let tMax = analysis.logUpperEdge
        let reachesZero = analysis.reachesZero
        let lowestEdge = analysis.logSupport.first?.lowerBound ?? tMax
        switch scale {
        case .linear:
            // In units of λ_max (y = x/λ_max), so a spectrum beyond Double's range (a deep
            // contracting network: λ_max = 10^-602) keeps its grid.
            let a = reachesZero ? 0 : exp(lowestEdge - tMax)
            return (0..<n).map { i -> Double in
                let s = Double(i) / Double(n - 1)
                let y = a + (1 - a) * (1 + cos(.pi * s)) / 2
                return y > 0 ? min(tMax + log(y), tMax) : tMax - 40 * log(10)
            }
        case .log:
            // Down to the 10⁻⁶ quantile, or to a positive lower edge within a decade below it
            // (then clustered there too); a lower edge far below holds too little to draw.
            let floor = try analysis.logQuantile(1e-6)
            let tMin = reachesZero ? floor : max(lowestEdge, floor - log(10))
            let bottomEdge = !reachesZero && tMin == lowestEdge
            return (0..<n).map { i in
                let s = Double(i) / Double(n - 1)
                let shape = bottomEdge ? (1 - cos(.pi * s)) / 2 : 1 - cos(.pi * s / 2)
                return tMax - (tMax - tMin) * shape
            }
        }
    }
}

/// Linear or logarithmic spacing of a density grid.
public enum DensityScale: String, Sendable, Codable, CaseIterable { case linear, log }

/// Mean-field quantities of the operating point.
public struct MeanFieldSummary: Sendable, Codable {
    /// How q^l was chosen (see `JacobianSpectrum`).
    public enum OperatingMode: String, Sendable, Codable {
        /// On the critical line at q*, q^l = q* in every layer.
        case criticalLine = "critical-line"
        /// At the stable fixed point q* of (σ_w, σ_b), q^l = q* in every layer.
        case fixedPoint = "fixed-point"
        /// q^l from the input length, layer by layer (`trajectory`).
        case layerByLayer = "layer-by-layer"
    }

    /// The fixed point the layers are held at, or (layer by layer) the limit of q^l: 0 when it
    /// shrinks to 0, ∞ when it grows without bound, q¹ when every q is fixed.
    public let qStar: Double
    /// χ = σ_w² E[φ′(√q^L h)²] of the last layer (χ at q* when every layer is at q*).
    public let chi: Double
    public let sigmaW: Double
    public let sigmaB: Double
    /// ξ = −1/log χ.
    public let depthScale: Double
    /// 𝓛′(q*), the slope of the length map at q* (`MeanField.lengthMapSlope`): q* attracts a real
    /// forward pass when < 1. Nil when q^l has no finite limit.
    public let lengthMapSlope: Double?
    /// A remark on an unusual fixed point (marginal, divergent, zero, unstable), else nil.
    public let note: String?
    public let operatingPoint: OperatingMode
    /// Q0 = |x⁰|²/N_0, the input's per-unit squared length (at a held fixed point, the one that
    /// puts q¹ at q*: (q* − σ_b²)/σ_w²).
    public let inputLength: Double
    /// q^l and χ_l layer by layer (layer-by-layer answers only).
    public let trajectory: LengthTrajectory?
    /// Ordered, critical or chaotic, from χ₁ at the limit of q^l (nil when q^l diverges with a
    /// q-dependent law).
    public let phase: MeanFieldPhase?
    /// Every fixed point of the length map with its stability.
    public let fixedPoints: [LengthFixedPoint]
    /// ξ_q and ξ_c of Schoenholz et al. 2017 (see `MeanFieldAnalysis`).
    public let depthScaleQ: Double?
    public let depthScaleC: Double?
    /// c*, the stable correlation of two inputs.
    public let correlationFixedPoint: Double?
}

/// The density on a grid: in λ (`x`, `rho`, `cdf` with atoms included) and in log10 λ.
public struct DensityTable: Sendable, Codable {
    public let scale: DensityScale
    public let x: [Double]
    public let rho: [Double]
    public let cdf: [Double]
    public let log10X: [Double]
    /// The density of log10 λ: λ ρ(λ) ln 10.
    public let rhoLog10: [Double]
}

/// ρ and F at one requested λ.
public struct PointEvaluation: Sendable, Codable {
    public let x: Double
    public let rho: Double
    public let cdf: Double
}

/// A self-check of the computed density against the exact series, which gates the answer:
/// `predict` throws instead of returning a prediction that fails it.
///
/// - total mass (∫ρ by quadrature on the skeleton + atoms) within 1e-6 of 1;
/// - m_1 … m_4 of the density + atoms within 1e-6 (relative) of the exact S-transform series;
/// - F non-decreasing along the density grid (to 1e-12, the rounding of the closed-form CDF),
///   within [0, 1], and reaching 1 − (atoms above it) at the upper edge λ_max.
///
/// 1e-6 is the accuracy every configuration of the test matrix reaches with two orders to
/// spare (observed ≤ 1e-8 down to depth 10 000); the failures it is there to catch — a lost
/// band, a truncated tail, a walk on the wrong branch — were 1e-4 to 0.6 of the mass.
public struct DensityCheck: Sendable, Codable {
    public let totalMass: Double
    public let momentRelativeErrors: [Double]
    /// The largest decrease of F along the density grid in increasing λ (0 when monotone).
    public let cdfDecrease: Double

    public static let tolerance = 1e-6
    /// How far F may step back, or out of [0, 1], by rounding: the closed-form CDF is the
    /// imaginary part of a sum of ~L logarithms of modulus up to π, over π, so it is rounded to
    /// ~L ε. 16 L ε (3.6e-12 at L = 1000), and never below 1e-12: orthogonal tanh and erf at
    /// L = 1000, q* ∈ [1e-4, 0.05] step back by 1.0e-12 to 2.2e-12 (refused by a fixed 1e-12);
    /// a lost band or a wrong branch moves F by 1e-4 or more.
    static func monotonicitySlack(depth: Int) -> Double { max(1e-12, 16 * .ulpOfOne * Double(depth)) }

    /// - Throws: `didNotConverge` naming `what`, the failed check and the measured discrepancy.
    init(totalMass: Double, momentRelativeErrors: [Double], density: DensityTable, atomsAboveEdge: Double,
         hasContinuousPart: Bool, depth: Int, what: String) throws {
        let slack = Self.monotonicitySlack(depth: depth)
        self.totalMass = totalMass
        self.momentRelativeErrors = momentRelativeErrors
        func fail(_ reason: String) -> NumericalError {
            .didNotConverge("\(what) failed its self-check, so no answer is given: \(reason); this is a limit of the engine at this operating point, not of your network — a nearby q*, σ_w or depth may be computed")
        }
        guard totalMass.isFinite, abs(totalMass - 1) <= Self.tolerance else {
            throw fail(String(format: "its total mass (density + atoms) is %.9g, off 1 by %.2g (tolerance %.0e)", totalMass, totalMass - 1, Self.tolerance))
        }
        for (k, e) in momentRelativeErrors.enumerated() where !(e.isFinite && e <= Self.tolerance) {
            throw fail(String(format: "its moment m%d is off the exact series by %.2g (relative; tolerance %.0e)", k + 1, e, Self.tolerance))
        }
        // The grid runs from λ_max down: F must not increase along it.
        var decrease = 0.0
        for i in density.cdf.indices {
            let f = density.cdf[i]
            guard f.isFinite, f >= -slack, f <= 1 + slack else {
                throw fail("F(\(density.x[i])) = \(f) is not a probability")
            }
            if i > 0 { decrease = max(decrease, f - density.cdf[i - 1]) }
        }
        cdfDecrease = decrease
        guard decrease <= slack else {
            throw fail(String(format: "its CDF decreases by %.2g somewhere on the grid", decrease))
        }
        if hasContinuousPart, let top = density.cdf.first {
            guard abs(top - (1 - atomsAboveEdge)) <= Self.tolerance else {
                throw fail(String(format: "its CDF at λ_max is %.9g, not %.9g", top, 1 - atomsAboveEdge))
            }
        }
    }
}

/// A plain verdict on dynamical isometry with its reasons.
///
/// Criteria: the mean squared singular value m_1 = Π χ_l within a factor 2 of 1, the normalised
/// variance σ²/m_1² of J Jᵀ at most 1 (singular values of J spread by less than their mean),
/// and the condition measure λ_max/λ_{1 %} at most 100, with λ_{1 %} the 1 % quantile of the
/// whole law (atoms included: an atom at 0 of 1 % or more makes it infinite; a smaller one is
/// named in the reason but does not decide).
public struct IsometryVerdict: Sendable, Codable {
    public let isometric: Bool
    public let reason: String

    init(logFirstMoment: Double, normalizedVariance: Double, log10Condition: Double, depth: Int, zeroMass: Double,
         firstMomentName: String = "χ^L") {
        var problems: [String] = []
        if logFirstMoment > log(2) { problems.append(String(format: "gradients explode: m1 = %@ = 10^%.3g", firstMomentName, logFirstMoment / log(10))) }
        if logFirstMoment < -log(2) { problems.append(String(format: "gradients vanish: m1 = %@ = 10^%.3g", firstMomentName, logFirstMoment / log(10))) }
        if normalizedVariance > 1 { problems.append(String(format: "spectrum too wide: σ²/m1² = %.3g", normalizedVariance)) }
        if log10Condition > 2 {
            problems.append(log10Condition.isFinite ? String(format: "ill-conditioned: λmax/λ1%% = 10^%.3g", log10Condition)
                                                    : "ill-conditioned: λmax/λ1% = ∞ (the atom at 0 holds 1 % or more)")
        }
        // An atom at 0 of 1 % or more makes κ infinite; a smaller one is reported, not disqualifying.
        if zeroMass >= 0.01 { problems.append(String(format: "%.3g of the singular values are exactly 0", zeroMass)) }
        isometric = problems.isEmpty
        let condition = log10Condition.isFinite ? String(format: "%.3g", pow(10, log10Condition)) : "∞"
        reason = problems.isEmpty
            ? String(format: "m1 = %.4g, σ²/m1² = %.3g, λmax/λ1%% = %@", exp(logFirstMoment), normalizedVariance, condition)
                + (zeroMass > 0 ? String(format: "; %.3g of the singular values are exactly 0", zeroMass) : "")
            : problems.joined(separator: "; ")
    }
}

/// The answer for one depth (JSON keys as in the `freespec jacobian` documentation).
public struct JacobianPrediction: Sendable, Codable {
    public let depth: Int
    public let activation: String
    public let weights: String
    /// N_l/N_0 for l = 1 … L (rectangular layers only).
    public let widthRatios: [Double]?
    public let meanField: MeanFieldSummary
    /// m_1 … m_4 of J Jᵀ (∞ when they overflow a Double; see `log10FirstMoment`).
    public let moments: [Double]
    public let log10FirstMoment: Double
    /// σ² = m_2 − m_1².
    public let variance: Double
    /// σ²/m_1².
    public let normalizedVariance: Double
    public let atoms: [Atom]
    /// The support of the continuous part as [lower, upper] pairs (lower 0 when it reaches 0).
    public let support: [[Double]]
    public let lambdaMax: Double
    public let log10LambdaMax: Double
    /// log₁₀ of the 1 % quantile and of the median of the whole law (atoms included: −∞ when
    /// the atom at 0 holds 1 %, resp. half, of the mass).
    public let log10Quantile01: Double
    public let log10Median: Double
    /// The same quantiles of the continuous part alone (nil without one).
    public let log10Quantile01Continuous: Double?
    public let log10MedianContinuous: Double?
    /// κ = λ_max/λ_1 %, λ_1 % the 1 % quantile of the whole law (∞ when the atom at 0 holds 1 %).
    public let conditionMeasure: Double
    public let log10ConditionMeasure: Double
    public let isometry: IsometryVerdict
    public let density: DensityTable
    public let evaluations: [PointEvaluation]?
    public let check: DensityCheck
    /// log₁₀ m_1 … log₁₀ m_4 (`moments` under- or overflows a Double in deep networks).
    public let log10Moments: [Double]
}
