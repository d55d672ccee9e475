import Foundation

/// The spectrum of J Jᵀ = σ_w² D² for one square layer with orthogonal weights and a smooth
/// activation: the law of λ = σ_w² φ′(x)² for x ~ N(0, q), computed directly as a push-forward
/// (no convolution is needed: S_{WWᵀ} = σ_w⁻² is a constant).
///
/// The free-product engine can compute this law too, but it is its hardest case: every
/// critical value of φ′² is an inverse-square-root singularity of the density (SiLU and GELU
/// have them inside the support), which deeper products smooth out. Here the density is
///
///     λ ρ(λ) = Σ_r p_q(r) / |(log g)′(r)|,   g = φ′², over the roots r of σ_w² g(r) = λ,
///
/// with p_q the N(0, q) density, and F(λ) is the Gaussian mass of {x : σ_w² g(x) ≤ λ}, summed
/// over the monotone pieces of g between its critical points, by erfc (so it keeps its
/// relative accuracy in the tails). The window is |x| ≤ 9√q as for `DerivativeSquaredLaw`
/// (λ_max and the lower edge are those of the same law); the Gaussian mass outside it
/// (2e-19) is put at the ends of the outermost pieces so F reaches 1 exactly.
///
/// Pieces on which g is constant (a custom φ with flat slopes) are atoms.
public struct SingleOrthogonalLayerSpectrum: SolvedSpectrum {
    /// A monotone piece [a, b] of g, with log g at its ends and the Gaussian mass it carries.
    struct Piece: Sendable {
        let a: Double, b: Double
        let logGA: Double, logGB: Double
        /// Gaussian integration limits: ±∞ at the window's ends.
        let lower: Double, upper: Double
        var increasing: Bool { logGB > logGA }
        var logGMin: Double { min(logGA, logGB) }
        var logGMax: Double { max(logGA, logGB) }
    }

    public let activationName: String
    public let q: Double
    public let sigmaW: Double
    public let atoms: [Atom]
    public let logUpperEdge: Double
    public let reachesZero: Bool
    /// The lowest t of the continuous part: log σ_w² min g, or, where g reaches 0, the t
    /// below which less than 1e-14 of the mass remains.
    let logLowerEdge: Double
    let pieces: [Piece]
    private let activation: any Activation
    private let logSigmaW2: Double

    /// - Throws: `invalidArgument` for σ_w or q not positive and finite.
    public init(activation: any Activation, q: Double, sigmaW: Double) throws {
        try require(q, "q", { $0 > 0 }, "positive and finite")
        try require(sigmaW, "σ_w", { $0 > 0 }, "positive and finite")
        self.activation = activation
        activationName = activation.name
        self.q = q
        self.sigmaW = sigmaW
        logSigmaW2 = 2 * Foundation.log(sigmaW)
        let profile = SlopeProfile(activation: activation, q: q)
        let x = profile.xMax
        let kinks = Set(activation.kinks.filter { abs($0) < x })
        let breaks = Array(Set([-x, x] + profile.criticalPoints + kinks)).sorted()
        // A critical point where φ′ vanishes (SiLU, GELU) is located to rounding, so g there is
        // ~1e-33 rather than 0: it is the zero it approximates, and the support reaches 0.
        let slopeScale = breaks.map { abs(activation.derivative($0)) }.max() ?? 0
        let zeros = Set(profile.criticalPoints.filter { abs(activation.derivative($0)) <= 1e-12 * slopeScale })
        func endValue(_ x: Double, inward: (Double) -> Double) -> Double {
            zeros.contains(x) ? 0 : profile.g(kinks.contains(x) ? inward(x) : x)  // one-sided at a kink, where φ′ jumps
        }
        var pieces: [Piece] = [], flat: [Double: Double] = [:]
        for (a, b) in zip(breaks, breaks.dropFirst()) {
            let ga = endValue(a) { $0.nextUp }, gb = endValue(b) { $0.nextDown }
            let lower = a == breaks.first ? -Double.infinity : a, upper = b == breaks.last ? Double.infinity : b
            if ga == gb && profile.g(0.5 * (a + b)) == ga {
                flat[sigmaW * sigmaW * ga, default: 0] += Self.gaussianMass(lower, upper, q: q)
            } else {
                pieces.append(Piece(a: a, b: b, logGA: Foundation.log(ga), logGB: Foundation.log(gb), lower: lower, upper: upper))
            }
        }
        self.pieces = pieces
        atoms = flat.filter { $0.value > 0 }.map { Atom(location: $0.key, mass: $0.value) }.sorted { $0.location < $1.location }
        // Without a continuous part (all slopes flat) the "edge" is the top atom.
        logUpperEdge = pieces.isEmpty
            ? Foundation.log(atoms.last.map { max($0.location, .leastNormalMagnitude) } ?? 1)
            : logSigmaW2 + pieces.map(\.logGMax).max()!
        let logGMin = pieces.map(\.logGMin).min() ?? -.infinity
        reachesZero = !pieces.isEmpty && logGMin == -.infinity
        if !reachesZero || pieces.isEmpty {
            logLowerEdge = logSigmaW2 + logGMin
        } else {
            // Down from the lowest positive end value until less than 1e-14 is left below.
            let lowestPositive = pieces.flatMap { [$0.logGA, $0.logGB] }.filter(\.isFinite).min()!
            var t = logSigmaW2 + lowestPositive, step = 1.0
            let floor = logSigmaW2 + Foundation.log(Double.leastNormalMagnitude)
            while t > floor {
                t = max(t - step, floor)
                if Self.continuousCDF(pieces, logG: t - logSigmaW2, q: q, activation: activation) <= 1e-14 { break }
                step *= 2
            }
            logLowerEdge = t
        }
    }

    public var logLambdaMax: Double {
        atoms.filter { !$0.isAtZero }.map(\.logLocation).reduce(logUpperEdge, max)
    }

    public var logSupport: [ClosedRange<Double>] { pieces.isEmpty ? [] : [logLowerEdge...logUpperEdge] }

    public var hasContinuousPart: Bool { !pieces.isEmpty && continuousMass > 1e-14 }

    /// Mass of the continuous part, 1 − Σ atoms.
    var continuousMass: Double { 1 - atoms.reduce(0) { $0 + $1.mass } }

    /// F(λ) = μ([0, λ]) at t = log λ, atoms included.
    func cdf(logX t: Double) -> Double {
        let atomMass = atoms.filter { $0.isAtZero || $0.logLocation <= t }.reduce(0) { $0 + $1.mass }
        return atomMass + continuousCDF(logX: t)
    }

    /// The continuous part's F at t = log λ. At the outer edges it is known exactly (0 below a
    /// positive lower edge, the continuous mass at and above the upper edge), whatever the
    /// rounding of t − log σ_w², which at a quadratic maximum of g would lose ~√ε of the mass.
    private func continuousCDF(logX t: Double) -> Double {
        if t >= logUpperEdge { return continuousMass }
        if t <= logLowerEdge && !reachesZero { return 0 }
        return Self.continuousCDF(pieces, logG: t - logSigmaW2, q: q, activation: activation)
    }

    /// λρ(λ), the density of log λ, at t = log λ.
    func logDensity(_ t: Double) -> Double {
        // At and above the edge by definition, whatever the rounding of t − log σ_w².
        if t >= logUpperEdge { return 0 }
        let y = t - logSigmaW2
        var density = 0.0
        let normalization = 1 / (2 * Double.pi * q).squareRoot()
        for piece in pieces where y > piece.logGMin && y < piece.logGMax {
            let r = Self.root(of: piece, logG: y, activation: activation)
            let logSlope = SlopeProfile.logGPrime(activation, r)
            guard logSlope.isFinite, logSlope != 0 else { continue }
            density += normalization * Foundation.exp(-0.5 * r * r / q) / abs(logSlope)
        }
        return density
    }

    public func points(descendingLogX logXs: [Double], includeCDF: Bool = true) throws -> [SpectralPoint] {
        try logXs.indices.map { i in
            let t = logXs[i]
            guard t.isFinite else { throw NumericalError.invalidArgument("log λ must be finite, got \(t)") }
            if i > 0 && t > logXs[i - 1] { throw NumericalError.invalidArgument("points must be sorted in decreasing order") }
            guard includeCDF else { return SpectralPoint(logX: t, logDensity: logDensity(t), tail: .nan, continuousTail: .nan, state: nil) }
            return SpectralPoint(logX: t, logDensity: logDensity(t), tail: 1 - cdf(logX: t),
                                 continuousTail: continuousMass - continuousCDF(logX: t), state: nil)
        }
    }

    public func cdf(at xs: [Double]) throws -> [Double] {
        xs.map { x in
            if x < 0 { return 0 }
            if x == 0 { return atoms.filter { $0.isAtZero }.reduce(0) { $0 + $1.mass } }
            return cdf(logX: Foundation.log(x))
        }
    }

    public func logQuantile(_ p: Double) throws -> Double {
        guard p > 0, p < 1 else { throw NumericalError.invalidArgument("quantile level must be in (0, 1), got \(p)") }
        guard hasContinuousPart else { throw NumericalError.noSolution("the spectrum has no continuous part") }
        let target = p * continuousMass
        let f: (Double) -> Double = { t in continuousCDF(logX: t) - target }
        let a = logLowerEdge, b = logUpperEdge, fa = f(a), fb = f(b)
        if fa >= 0 { return a }
        if fb <= 0 { return b }
        return RootFinding.illinois(f, a, fa, b, fb, maxIterations: 200) { a, b in abs(a - b) <= 1e-13 * max(1, abs(a)) }
    }

    /// The density integrated in t between the critical values t_c (the ends of the pieces'
    /// images) by 8-point Gauss–Legendre: panels of width ≤ 1 inside, graded by halving towards
    /// each t_c, where λρ may be singular (|t − t_c|^{−1/2} at a critical point of φ′², and
    /// sharper where φ′² tends to its limit as x → ∞: SiLU and GELU put a few per cent of the
    /// mass within 1e-16 of t_c at q* ≳ 10). The last 1e-10 max(1, |t_c|) next to each t_c is
    /// taken from the closed-form CDF instead: there the roots are ill-conditioned (log g is
    /// known to ~ε, so a root at distance d from t_c is off by ~ε/d relative at a quadratic
    /// critical point) and the asymptotic spikes lie below the resolution of t.
    public func densityMoments(count: Int, logFirstMoment: Double) throws -> (mass: Double, normalizedMoments: [Double]) {
        guard !pieces.isEmpty else { return (0, [Double](repeating: 0, count: count)) }
        let ends = pieces.flatMap { [$0.logGA, $0.logGB] }.map { $0 + logSigmaW2 }
            .filter { $0 > logLowerEdge && $0 < logUpperEdge } + [logLowerEdge, logUpperEdge]
        let breaks = Array(Set(ends)).sorted()
        let rule = GaussLegendreRule(points: 8)
        var mass = 0.0
        var moments = [Double](repeating: 0, count: count)
        func add(_ t: Double, _ weight: Double) {
            mass += weight
            for k in 0..<count { moments[k] += weight * Foundation.exp(Double(k + 1) * (t - logFirstMoment)) }
        }
        func integrate(_ a: Double, _ b: Double) {
            for (node, weight) in zip(rule.nodes, rule.weights) {
                let t = a + 0.5 * (b - a) * (node + 1)
                add(t, 0.5 * (b - a) * weight * logDensity(t))
            }
        }
        for (t1, t2) in zip(breaks, breaks.dropFirst()) {
            let graded = min(1, 0.5 * (t2 - t1))
            let inner = max(1, Int((t2 - t1 - 2 * graded).rounded(.up)))
            if t2 - t1 > 2 * graded {
                let a = t1 + graded, h = (t2 - t1 - 2 * graded) / Double(inner)
                for j in 0..<inner { integrate(a + Double(j) * h, a + Double(j + 1) * h) }
            }
            for (end, direction) in [(t1, 1.0), (t2, -1.0)] {
                let floor = 1e-10 * max(1, abs(end))
                var far = graded
                while far > floor {
                    let a = end + direction * far / 2, b = end + direction * far
                    integrate(min(a, b), max(a, b))
                    far /= 2
                }
                add(end, abs(continuousCDF(logX: end + direction * far) - continuousCDF(logX: end)))
            }
        }
        return (mass, moments)
    }

    /// Gaussian mass of {x : log g(x) ≤ y} over the pieces (the continuous part's CDF).
    private static func continuousCDF(_ pieces: [Piece], logG y: Double, q: Double, activation: any Activation) -> Double {
        var sum = 0.0
        for piece in pieces where y > piece.logGMin {
            if y >= piece.logGMax {
                sum += gaussianMass(piece.lower, piece.upper, q: q)
                continue
            }
            let r = root(of: piece, logG: y, activation: activation)
            sum += piece.increasing ? gaussianMass(piece.lower, r, q: q) : gaussianMass(r, piece.upper, q: q)
        }
        return sum
    }

    /// The x in the piece with log g(x) = y (log g(a) and log g(b) on either side of y), by
    /// `RootFinding.illinois` to a bracket of 1e-15 (|a| + |b| + (b − a)/18). Where g underflows
    /// its log is taken at the smallest subnormal.
    static func root(of piece: Piece, logG y: Double, activation: any Activation) -> Double {
        let f: (Double) -> Double = { x in
            let d = activation.derivative(x)
            return Foundation.log(max(d * d, .leastNonzeroMagnitude)) - y
        }
        let floor = Foundation.log(Double.leastNonzeroMagnitude)
        let scale = (piece.b - piece.a) / 18 + abs(piece.a) + abs(piece.b)
        return RootFinding.illinois(f, piece.a, max(piece.logGA, floor) - y, piece.b, max(piece.logGB, floor) - y,
                                    maxIterations: 200) { abs($1 - $0) <= 1e-15 * scale }
    }

    /// N(0, q) mass of [u, v], by erfc of whichever tail is smaller so tiny masses keep
    /// their relative accuracy.
    static func gaussianMass(_ u: Double, _ v: Double, q: Double) -> Double {
        guard v > u else { return 0 }
        let s = (2 * q).squareRoot()
        if v <= 0 { return 0.5 * (erfc(-v / s) - erfc(-u / s)) }
        if u >= 0 { return 0.5 * (erfc(u / s) - erfc(v / s)) }
        return 1 - 0.5 * erfc(v / s) - 0.5 * erfc(-u / s)
    }
}
