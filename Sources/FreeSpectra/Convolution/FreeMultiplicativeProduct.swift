import ComplexModule
import Foundation
import RealModule

/// The spectral law of a product of free positive factors, J Jᵀ ~ ⊠_l (W_l W_lᵀ) ⊠ (D_l²),
/// with J = D_L W_L ⋯ D_1 W_1 (Pennington, Schoenholz & Ganguli, "The emergence of spectral
/// universality in deep networks", AISTATS 2018).
///
/// S-transforms multiply: S_{JJᵀ}(w) = Π_l S_{W_l W_lᵀ}(w) S_{D_l²}(w). Writing u_k for the
/// point where the k-th distinct slope law has M_{D_k}(u_k) = w, its S-transform is
/// S_{D_k}(w) = (1 + w)/(w u_k), and M⁻¹(w) = (1 + w)/(w S(w)) becomes, in logarithms,
///
///     log z = (1 − N) log(1 + w) + (N − 1) log w + Σ_l log(1/S_{W_l}(w)) + Σ_k n_k log u_k,
///
/// with N = Σ n_k the number of slope factors (the depth). The unknowns (w, u_1 … u_K) are
/// found by Newton's method with the arrow-shaped Jacobian eliminated in O(K). In logarithms
/// the equation stays well scaled at any depth: u_k moves like z^{1/L}, and nothing is raised
/// to the L-th power.
///
/// The physical solution has w = M(z) in the closed lower half-plane and every u_k in the
/// closed upper half-plane (u_k is a subordination function of the product). Logarithms are
/// taken with their cuts away from those half-planes, so the equation is analytic along any
/// path of physical solutions, and the branch is followed by continuation from the upper edge
/// of the support (see `SpectrumSweep`).
///
/// The CDF has a closed form along the solution (derived in Docs/theory.md): with
/// H(z) = ∫ log(1 − t/z) dμ(t),
///
///     H = (N − 1) log(1 + w) + Σ_l P_l(w) + Σ_k n_k H_{D_k}(u_k),
///     μ((x, ∞)) = Im H(x + i0)/π,
///
/// where P_l is the potential of the l-th weight law and H_{D_k}(u) = E log(1 − D_k²/u). It
/// counts atoms correctly and stays accurate where the density is far below double-precision
/// resolution of its peak, which is what quantiles of very deep spectra need.
public struct FreeMultiplicativeProduct: Sendable {
    /// A slope law, how many layers use it, and the ratio ρ = N_L/N_l of the output width to
    /// the width of those layers (1 for square networks).
    public struct SlopeGroup: Sendable {
        public let law: DerivativeSquaredLaw
        public let count: Int
        public let ratio: Double
    }

    /// A term b log(1 + r w) of the logarithmic equation: r is a width ratio N_L/N_l.
    struct ShiftTerm: Sendable {
        let ratio: Double
        let coefficient: Double
    }

    /// The weight laws, one per layer.
    public let weightLaws: [WeightGramLaw]
    /// The distinct (slope law, width ratio) pairs with their multiplicities.
    public let slopeGroups: [SlopeGroup]
    /// N_l/N_0 for l = 0 … L (all 1 for a square network).
    public let widths: [Double]
    /// L, the number of layers.
    public var depth: Int { slopeGroups.reduce(0) { $0 + $1.count } }
    /// Whether every layer has the same width.
    public var isSquare: Bool { widths.allSatisfy { $0 == widths[0] } }

    /// Σ_l log σ_l².
    let logSigmaSquaredSum: Double
    let gaussianCount: Int
    /// The equation log z = logConstant + logWCoefficient·log w + Σ b log(1 + r w) + Σ_k n_k log u_k.
    let logConstant: Double
    /// log a_k of the groups whose slope law is concentrated about a_k (`Concentration`), 0 for
    /// the others.
    let logCenters: [Double]
    /// logConstant + Σ_k n_k log a_k and logSigmaSquaredSum + Σ_k n_k log a_k, each summed once with
    /// compensation: the equation is taken as log z = anchoredConstant + … + Σ_k n_k log(u_k/a_k),
    /// every term small when the spectrum is concentrated (at criticality log z, log σ_l² a_k and
    /// log(u_k/a_k) are all ~ the spread). Added term by term, L log σ² + L log a (erf at q* = 1e-14,
    /// L = 30: ±7.2 each) left rounding noise of 1e-15 in every residual, 1 % of the spectrum's
    /// width 1e-13, and the walk stalled.
    let anchoredConstant: Double
    let anchoredSigmaSum: Double
    let logWCoefficient: Double
    let shiftTerms: [ShiftTerm]
    /// The terms b log(1 + r w) that come from the weight laws alone (log(1/S_W)), for the series.
    let weightShiftTerms: [ShiftTerm]
    /// ρ*, the largest width ratio in the equation: the state carries v = 1 + ρ* w, which
    /// vanishes at the bottom of the range of w = M(z) (see `State`).
    let bottomRatio: Double
    /// The atoms and the continuous mass (`decomposeAtoms`), found once.
    private var atomDecomposition: (atoms: [Atom], continuousMass: Double) = ([], 1)
    /// The terms of the continuous part's tail below a top atom (`TopAtomTail`), when the
    /// product has one.
    private var topAtomTail: TopAtomTail? = nil

    /// A network whose layers are listed bottom to top. Slope laws are grouped when they are
    /// the same activation at the same q (a homogeneous network has one group).
    ///
    /// - Throws: `invalidArgument` for no layers or σ_w ≤ 0.
    public init(layers: [(weights: WeightGramLaw, slopes: DerivativeSquaredLaw)]) throws {
        try self.init(layers: layers, widths: Array(repeating: 1, count: layers.count + 1))
    }

    /// A network of rectangular layers: W_l is N_l × N_{l−1} with `widths` = [N_0, …, N_L]
    /// (any positive scale: only ratios matter), Gaussian entries of variance σ_w²/N_{l−1}, or
    /// σ_w √max(1, N_l/N_{l−1}) times a Haar matrix with orthonormal rows or columns (so the
    /// pre-activations keep variance σ_w² q in both ensembles). The spectrum is that of
    /// J Jᵀ on N_L dimensions (Docs/theory.md, "Rectangular layers"):
    ///
    ///     S_{JJᵀ}(w) = Π_l S_{D_l²}(ρ_l w) · S_{W_l W_lᵀ}(ρ_l w),   ρ_l = N_L/N_l.
    ///
    /// - Throws: `invalidArgument` for no layers, σ_w ≤ 0, or a wrong count of widths or a
    ///   width that is not positive and finite.
    public init(layers: [(weights: WeightGramLaw, slopes: DerivativeSquaredLaw)], widths: [Double]) throws {
        guard !layers.isEmpty else { throw NumericalError.invalidArgument("a network needs at least one layer") }
        guard widths.count == layers.count + 1 else {
            throw NumericalError.invalidArgument("a network of \(layers.count) layers needs \(layers.count + 1) widths N_0 … N_L, got \(widths.count)")
        }
        for width in widths { try require(width, "width", { $0 > 0 }, "positive and finite") }
        for layer in layers {
            try require(layer.weights.sigmaW, "sigma-w", { $0 > 0 }, "positive")
        }
        let widths = widths.map { $0 / widths[0] }
        let rho = Self.outputRatios(widths)
        var groups: [SlopeGroup] = []
        for (l, layer) in layers.enumerated() {
            if let i = groups.firstIndex(where: { $0.ratio == rho[l + 1] && $0.law.isSameLaw(as: layer.slopes) }) {
                groups[i] = SlopeGroup(law: groups[i].law, count: groups[i].count + 1, ratio: groups[i].ratio)
            } else {
                groups.append(SlopeGroup(law: layer.slopes, count: 1, ratio: rho[l + 1]))
            }
        }
        self.init(weightLaws: layers.map(\.weights), slopeGroups: groups, widths: widths)
    }

    /// ρ_l = N_L/N_l for l = 0 … L.
    private static func outputRatios(_ widths: [Double]) -> [Double] { widths.map { widths.last! / $0 } }

    /// L identical square layers.
    public init(weights: WeightGramLaw, slopes: DerivativeSquaredLaw, depth: Int) throws {
        guard depth >= 1 else { throw NumericalError.invalidArgument("depth must be at least 1, got \(depth)") }
        try require(weights.sigmaW, "sigma-w", { $0 > 0 }, "positive")
        self.init(weightLaws: Array(repeating: weights, count: depth),
                  slopeGroups: [SlopeGroup(law: slopes, count: depth, ratio: 1)],
                  widths: Array(repeating: 1, count: depth + 1))
    }

    /// Collects the coefficients of the logarithmic equation. Per layer l (ρ_l = N_L/N_l),
    /// log(1/S_{D_l²}(ρ_l w)) = log ρ_l + log w + log u_l − log(1 + ρ_l w) with M_{D_l²}(u_l) = ρ_l w,
    /// and log(1/S_{W_l W_lᵀ}(ρ_l w)) = log σ_l² + log(1 + ρ_{l−1} w) for Gaussian weights
    /// (Marchenko–Pastur with ratio y = N_l/N_{l−1}, and y ρ_l = ρ_{l−1}), log σ_l² for
    /// orthogonal weights with N_l ≤ N_{l−1}, and log σ_l² + log(1 + ρ_{l−1} w) − log(1 + ρ_l w)
    /// for orthogonal weights with N_l > N_{l−1} (σ_w² y times a projection of trace 1/y);
    /// M⁻¹(w) = (1 + w)/(w S(w)) adds log(1 + w) − log w.
    private init(weightLaws: [WeightGramLaw], slopeGroups: [SlopeGroup], widths: [Double]) {
        self.weightLaws = weightLaws
        self.slopeGroups = slopeGroups
        self.widths = widths
        let rho = Self.outputRatios(widths)
        var shifts: [Double: Double] = [1: 1]
        var weightShifts: [Double: Double] = [:]
        var logSigma = 0.0, logRho = 0.0
        var anchored = CompensatedSum()
        var gaussians = 0
        let square = widths.allSatisfy { $0 == widths[0] }
        for (l, weights) in weightLaws.enumerated() {
            logSigma += Foundation.log(weights.sigmaW * weights.sigmaW)
            anchored.add(Foundation.log(weights.sigmaW * weights.sigmaW))
            if !square { logRho += Foundation.log(rho[l + 1]) }
            shifts[rho[l + 1], default: 0] -= 1
            if weights.isGaussian { gaussians += 1 }
            if weights.isGaussian || widths[l + 1] > widths[l] { weightShifts[rho[l], default: 0] += 1 }
            if !weights.isGaussian && widths[l + 1] > widths[l] { weightShifts[rho[l + 1], default: 0] -= 1 }
        }
        for (r, b) in weightShifts { shifts[r, default: 0] += b }
        logSigmaSquaredSum = logSigma
        gaussianCount = gaussians
        logConstant = logSigma + logRho
        logCenters = slopeGroups.map { $0.law.concentration.map { Foundation.log($0.center) } ?? 0 }
        for (group, logCenter) in zip(slopeGroups, logCenters) { anchored.add(Double(group.count) * logCenter) }
        anchoredSigmaSum = anchored.value
        anchoredConstant = anchored.value + logRho
        logWCoefficient = Double(weightLaws.count - 1)
        shiftTerms = shifts.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { ShiftTerm(ratio: $0.key, coefficient: $0.value) }
        weightShiftTerms = weightShifts.filter { $0.value != 0 }.sorted { $0.key < $1.key }
            .map { ShiftTerm(ratio: $0.key, coefficient: $0.value) }
        bottomRatio = (shiftTerms.map(\.ratio) + slopeGroups.map(\.ratio)).max()!
        atomDecomposition = decomposeAtoms()
        topAtomTail = TopAtomTail(self)
    }

    // MARK: Moments

    /// log m_1 and the normalised moments m_k/m_1^k, k = 1 … `count`, exactly from the
    /// product of S-transform series (m_1 is returned as a logarithm because χ^L overflows
    /// for deep networks off criticality).
    public func normalizedMoments(count: Int = 8) throws -> (logFirstMoment: Double, normalized: [Double]) {
        var logS = PowerSeries(constant: 0, order: count)
        // log m₁ = Σ log σ_l² + Σ_k n_k log μ₁ₖ, from the anchored constant and
        // log(μ₁/a) = log(1 + E Y) for a concentrated law (the poles' own mean offset, where
        // log μ₁ from its quadrature would carry ~1e-11 against a spread that can be 1e-14).
        var logM1 = anchoredSigmaSum
        // log(σ_w² S_W(ρ_l w)) = −Σ b log(1 + r w) over the weights' terms (see `init`).
        for term in weightShiftTerms {
            logS = logS - (try Self.linear(1, term.ratio, order: count).log()) * term.coefficient
        }
        for group in slopeGroups {
            let mu1 = group.law.moments[0]
            let normalized = (0..<count).map { group.law.moments[$0] / pow(mu1, Double($0 + 1)) }
            var s = try STransform.series(fromMoments: normalized)
            // S_{D²}(ρ w).
            if group.ratio != 1 { s = try s.composed(with: Self.linear(0, group.ratio, order: count)) }
            logS = logS + (try s.log()) * Double(group.count)
            logM1 += Double(group.count) * (group.law.concentration.map { Foundation.log1p($0.meanOffset) } ?? Foundation.log(mu1))
        }
        return (logM1, try STransform.moments(fromSeries: logS.exp()))
    }

    /// log m_1 … log m_count: finite where the moments themselves under- or overflow a Double
    /// (orthogonal sigmoid at L = 145, σ_w = 1.55507: m₁ = 4e-136, m₃ ~ 1e-408, m₄ ~ 1e-543).
    public func logMoments(count: Int = 8) throws -> [Double] {
        let (logM1, normalized) = try normalizedMoments(count: count)
        return normalized.enumerated().map { Double($0.offset + 1) * logM1 + Foundation.log($0.element) }
    }

    /// σ²/m₁² of J Jᵀ as the sum over the factors of their own normalised variances: the
    /// w-coefficient of −log S, which adds, is Σ_weights b r + Σ_k n_k ρ_k v_k (v_k that of the
    /// k-th slope law, see `DerivativeSquaredLaw.normalizedVariance`). It keeps its relative
    /// accuracy where it is tiny: m₂/m₁² − 1 from the series is a difference of numbers near 1,
    /// noise of 1e-16 beside 2.4e-18 for orthogonal tanh at q* = 1e-10, L = 30.
    public var normalizedVariance: Double {
        let weights = weightShiftTerms.reduce(0) { $0 + $1.coefficient * $1.ratio }
        return slopeGroups.reduce(weights) { $0 + Double($1.count) * $1.ratio * $1.law.normalizedVariance }
    }

    /// a + b w as a series of `order` terms.
    private static func linear(_ a: Double, _ b: Double, order: Int) -> PowerSeries {
        PowerSeries((0..<order).map { $0 == 0 ? a : $0 == 1 ? b : 0 })
    }

    /// The exact moments m_1 … m_count (may overflow to ∞ for very deep networks off
    /// criticality; use `normalizedMoments` there).
    public func moments(count: Int = 8) throws -> [Double] {
        let (logM1, normalized) = try normalizedMoments(count: count)
        return normalized.enumerated().map { exp(Double($0.offset + 1) * logM1) * $0.element }
    }

    // MARK: Atoms

    /// The atoms of the product, from Belinschi's theorem on free multiplicative convolution
    /// of measures on [0, ∞): (μ ⊠ ν)({0}) = max(μ({0}), ν({0})), and for a ≠ 0,
    /// (μ ⊠ ν)({a}) = μ({b}) + ν({c}) − 1 when bc = a and this is positive. Iterated over all
    /// 2L factors: an atom sits at Π b_f whenever the deficits Σ_f (1 − μ_f({b_f})) stay below 1.
    /// A square Wishart factor has no atom, so only all-orthogonal networks have atoms off 0.
    ///
    /// With rectangular layers both rules are read as dimension counts of generic subspaces
    /// (which is what Belinschi's rule says for square ones), measured in units of N_L: the
    /// zero atom is 1 − rank(J)/N_L with rank(J) = min(N_0, min_l (1 − μ_{D_l²}({0})) N_l), and a
    /// factor of width N_l with mass μ_f({b_f}) at b_f costs (1 − μ_f({b_f})) N_l/N_L; an
    /// expanding orthogonal layer (N_l > N_{l−1}) is the factor σ_w² y·(projection of rank
    /// N_{l−1}), y = N_l/N_{l−1}. The rectangular reading is checked against Monte Carlo.
    public var atoms: [Atom] { atomDecomposition.atoms }

    /// The mass of the continuous part, 1 − Σ atoms, formed from the atoms' deficits so it keeps
    /// its relative accuracy when it is tiny (orthogonal hard-tanh at q* = 1/64, L = 16: atoms
    /// 1.2e-15 at 0 and 1 − 1.9e-14 at σ_w^{2L}, continuous part 1.8e-14, which 1 − Σ atoms
    /// gives only to ~10 %).
    public var continuousMass: Double { atomDecomposition.continuousMass }

    /// The atoms (see `atoms`) and the continuous mass. Each atom off 0 is found with its
    /// deficit Σ_f (1 − μ_f({b_f})) N_f/N_L, where 1 − μ_f({b_f}) is summed from the factor's
    /// other atoms (not subtracted from 1), and the zero atom as max over the factors of
    /// (ρ − 1 + μ_f({0}))/ρ, exact for square layers; the continuous mass is then the smallest
    /// deficit less the other atoms.
    private func decomposeAtoms() -> (atoms: [Atom], continuousMass: Double) {
        var result: [Atom] = []
        let rho = Self.outputRatios(widths)
        // 1 − rank J/N_L with rank J = min(N_0, min_l (1 − μ_l({0})) N_l), in units of N_L.
        let zeroMass = slopeGroups.reduce((rho[0] - 1) / rho[0]) { max($0, ($1.ratio - 1 + $1.law.massAtZero) / $1.ratio) }
        if zeroMass > 0 { result.append(Atom(location: 0, mass: zeroMass)) }
        guard gaussianCount == 0 else { return (result, max(0, 1 - zeroMass)) }
        var logScale = logSigmaSquaredSum
        var baseDeficit = 0.0
        for l in 1..<widths.count where widths[l] > widths[l - 1] {
            let y = widths[l] / widths[l - 1]
            logScale += Foundation.log(y)
            baseDeficit += (1 - 1 / y) / rho[l]
        }
        // An atom lighter than 1e-15 (a deficit within 1e-15 of 1) is below the rounding of
        // the deficits it is formed from.
        let heaviest = 1 - 1e-15
        var smallestDeficit = 1.0
        if baseDeficit < heaviest {
            func search(_ g: Int, _ deficit: Double, _ logLocation: Double) {
                if g == slopeGroups.count {
                    result.append(Atom(logLocation: logLocation + logScale, mass: 1 - deficit))
                    smallestDeficit = min(smallestDeficit, deficit)
                    return
                }
                let group = slopeGroups[g]
                let atoms = group.law.atoms
                let candidates = atoms.indices.filter { atoms[$0].location > 0 }
                // Give `remaining` copies of this group's law to candidates i, i+1, …
                func distribute(_ i: Int, _ remaining: Int, _ deficit: Double, _ logLocation: Double) {
                    if remaining == 0 { search(g + 1, deficit, logLocation); return }
                    guard i < candidates.count else { return }
                    let c = candidates[i]
                    let d = atoms.indices.reduce(0.0) { $1 == c ? $0 : $0 + atoms[$1].mass } / group.ratio
                    let lowest = i == candidates.count - 1 ? remaining : 0
                    for copies in stride(from: remaining, through: lowest, by: -1) {
                        let total = deficit + Double(copies) * d
                        guard total < heaviest else { continue }
                        distribute(i + 1, remaining - copies, total,
                                   logLocation + Double(copies) * atoms[c].logLocation)
                    }
                }
                distribute(0, group.count, deficit, logLocation)
            }
            search(0, baseDeficit, 0)
        }
        // The heaviest atom off 0 is 1 − smallestDeficit; the others are summed apart from it.
        let offZero = result.filter { !$0.isAtZero }.map(\.mass).sorted(by: >)
        let continuous = offZero.isEmpty ? 1 - zeroMass : smallestDeficit - zeroMass - offZero.dropFirst().reduce(0, +)
        return (result.sorted { $0.logLocation < $1.logLocation }, max(0, continuous))
    }

    // MARK: The equation

    /// A point of the solution: w = M(z), v = 1 + ρ* w, and the subordination points u_k.
    ///
    /// w and v are both carried (and updated by the same steps) because each is needed to
    /// full relative accuracy at one end of the spectrum: w → 0 above, v → 0 below. ρ* is
    /// the largest width ratio N_L/N_l of the network (1 for square networks), so v = 0 is the
    /// bottom of the range of w. In the same way, for a group whose slope law is concentrated
    /// about a centre a_k (`Concentration`), ν_k = u_k/a_k − 1 is carried beside u_k: near the
    /// support u_k − a_k ~ a_k · spread, which u_k holds only to ε/spread; ν_k is the one that
    /// moves when |ν_k| < ½ and u_k is derived from it, and the other way round beyond.
    public struct State: Sendable {
        public var w: Complex<Double>
        public var v: Complex<Double>
        public internal(set) var u: [Complex<Double>]
        /// ν_k where `centers[k]` > 0 (unused elsewhere).
        var nu: [Complex<Double>]
        /// a_k for the concentrated groups, 0 for the others (empty: none).
        let centers: [Double]
        /// ρ*, see above.
        public let ratio: Double
        public init(w: Complex<Double>, u: [Complex<Double>], ratio: Double = 1) {
            self.init(w: w, v: 1 + Complex(ratio) * w, u: u, ratio: ratio, centers: [])
        }
        /// A state whose v is given rather than formed from w: near the bottom of the range of
        /// w, 1 + ρ* w computed from w keeps only |v|/|w| of its digits.
        init(w: Complex<Double>, v: Complex<Double>, u: [Complex<Double>], ratio: Double, centers: [Double]) {
            self.w = w
            self.v = v
            self.u = u
            self.ratio = ratio
            self.centers = centers
            nu = u.indices.map { $0 < centers.count && centers[$0] > 0 ? u[$0] / Complex(centers[$0]) - 1 : .zero }
        }
        /// ν_k to full relative accuracy, for a concentrated group (nil otherwise).
        @inline(__always) func offset(_ k: Int) -> Complex<Double>? {
            k < centers.count && centers[k] > 0 ? nu[k] : nil
        }
        /// Sets u_k (and ν_k from it).
        mutating func setU(_ k: Int, _ value: Complex<Double>) {
            u[k] = value
            if k < centers.count && centers[k] > 0 { nu[k] = value / Complex(centers[k]) - 1 }
        }
        /// Sets ν_k of a concentrated group (and u_k = a_k(1 + ν_k)).
        mutating func setOffset(_ k: Int, _ value: Complex<Double>) {
            nu[k] = value
            u[k] = Complex(centers[k]) * (1 + value)
        }
        /// Moves u_k by du, in ν_k where that is the accurate one.
        mutating func moveU(_ k: Int, by du: Complex<Double>) {
            if let n = offset(k), n.length < 0.5 { setOffset(k, n + du / Complex(centers[k])) } else { setU(k, u[k] + du) }
        }
        mutating func step(_ dw: Complex<Double>) {
            w = w + dw
            v = v + Complex(ratio) * dw
        }
        /// 1 + r w, from v when r = ρ* or v is small (so it keeps full relative accuracy
        /// near the bottom), from w otherwise.
        @inline(__always) func onePlus(_ r: Double) -> Complex<Double> {
            if r == ratio { return v }
            return v.length < 0.5 ? Complex(1 - r / ratio) + Complex(r / ratio) * v : 1 + Complex(r) * w
        }
        /// w − other.w, from whichever of w and v holds it to full relative accuracy (near
        /// the bottom the difference of the w's is rounding noise).
        func wDifference(from other: State) -> Complex<Double> {
            v.length < 0.5 ? (v - other.v) / Complex(ratio) : w - other.w
        }
        /// Moves every unknown by `factor` times its change from `other` to self (a secant
        /// step). The change of w is taken from whichever of w and v is small (and so known to
        /// full relative accuracy) and the other derived from it, which keeps v = 1 + ρ* w to
        /// rounding.
        mutating func extrapolate(from other: State, by factor: Complex<Double>) {
            if v.length < 0.5 {
                v = v + factor * (v - other.v)
                w = (v - 1) / Complex(ratio)
            } else {
                w = w + factor * (w - other.w)
                v = 1 + Complex(ratio) * w
            }
            for k in u.indices {
                if let n = offset(k), n.length < 0.5, let m = other.offset(k) {
                    setOffset(k, n + factor * (n - m))
                } else {
                    setU(k, u[k] + factor * (u[k] - other.u[k]))
                }
            }
        }
    }

    /// A state of this product at w with subordination points u.
    func state(w: Complex<Double>, u: [Complex<Double>]) -> State { state(w: w, v: 1 + Complex(bottomRatio) * w, u: u) }

    /// The same with v given (see `State`).
    func state(w: Complex<Double>, v: Complex<Double>, u: [Complex<Double>]) -> State {
        State(w: w, v: v, u: u, ratio: bottomRatio, centers: slopeGroups.map { $0.law.concentration?.center ?? 0 })
    }

    /// log(u_k/a_k) with its cut on the negative imaginary axis: log(1 + ν_k) for a concentrated
    /// group (log u_k − log a_k would keep only ε of it), log u_k for the others (a_k = 1); see
    /// `anchoredConstant`.
    @inline(__always) func logURelative(_ s: State, _ k: Int) -> Complex<Double> {
        guard let nu = s.offset(k), let c = slopeGroups[k].law.concentration else { return Self.logUpper(s.u[k]) }
        return c.logOnePlus(nu, u: s.u[k])
    }

    /// The size against which changes of u_k are measured (Newton's damping and convergence,
    /// the nudge off the axis, the acceptance of a step): |u_k|, or for a concentrated group near
    /// its centre a_k · max(|ν_k|, max|y|), its distance from the centre or the spread of the law.
    @inline(__always) func scaleOfU(_ s: State, _ k: Int) -> Double {
        guard let nu = s.offset(k), nu.length < 0.5, let c = slopeGroups[k].law.concentration else { return s.u[k].length }
        return c.center * max(nu.length, c.radius)
    }

    /// The terms of log z that do not involve the u_k, a log w + Σ b log(1 + r w), and their
    /// w-derivative. Where |r w| > 2 a term is taken as b (log r + log w + log(1 + 1/(r w))), so the
    /// log w parts combine before they are added: for orthogonal layers (a + Σ b = 0) they
    /// cancel exactly, and log z − log of the centre, ~1/w ~ the spread of a concentrated
    /// spectrum, does not drown in the rounding of ~L log|w|.
    @inline(__always) func shiftPart(_ s: State) -> (value: Complex<Double>, derivative: Complex<Double>) {
        var value = Complex<Double>.zero, derivative = Complex<Double>.zero
        var logWCoefficient = self.logWCoefficient
        var farTerms = Complex<Double>.zero
        for term in shiftTerms {
            let rw = Complex(term.ratio) * s.w
            if rw.length > 2 {
                logWCoefficient += term.coefficient
                value = value + Complex(term.coefficient) * (Complex(Foundation.log(term.ratio)) + Complex.log(onePlus: 1 / rw))
                farTerms = farTerms + Complex(term.coefficient) / (s.w * (1 + rw))
            } else {
                let x = s.onePlus(term.ratio)
                value = value + Complex(term.coefficient) * Self.logLower(x)
                derivative = derivative + Complex(term.coefficient * term.ratio) / x
            }
        }
        // b r/(1 + r w) = b/w − b/(w(1 + r w)) for the far terms.
        if logWCoefficient != 0 { value = value + Complex(logWCoefficient) * Self.logLower(s.w) }
        if logWCoefficient != 0 { derivative = derivative + Complex(logWCoefficient) / s.w }
        derivative = derivative - farTerms
        return (value, derivative)
    }

    /// log with its cut on the positive imaginary axis: continuous on the closed lower
    /// half-plane, where w and 1 + w live.
    @inline(__always) static func logLower(_ a: Complex<Double>) -> Complex<Double> {
        let l = Complex.log(a)
        return l.imaginary > .pi / 2 ? l - Complex(0, 2 * .pi) : l
    }

    /// log with its cut on the negative imaginary axis: continuous on the closed upper
    /// half-plane, where z and the u_k live.
    @inline(__always) static func logUpper(_ a: Complex<Double>) -> Complex<Double> {
        let l = Complex.log(a)
        return l.imaginary < -.pi / 2 ? l + Complex(0, 2 * .pi) : l
    }

    /// Φ(w, u) − log z, ∂Φ/∂w, the slope-law residuals M_k(u_k) − ρ_k w and M_k′(u_k), and the
    /// size of the terms r₀ is summed from (its rounding is ~ε times that).
    @inline(__always)
    func residual(_ s: State, logZ: Complex<Double>)
        -> (r0: Complex<Double>, a: Complex<Double>, rk: [Complex<Double>], mPrime: [Complex<Double>], termScale: Double)
    {
        // Terms with a zero coefficient are absent: at depth 1, w may pass through 0 (or
        // 1 + w through 0 for one orthogonal layer) where their logarithms are singular.
        let shifts = shiftPart(s)
        var r0 = Complex(anchoredConstant) - logZ + shifts.value
        var termScale = r0.length + shifts.value.length
        let a = shifts.derivative
        let useComplement = s.v.length < 0.5
        var rk: [Complex<Double>] = []
        var mp: [Complex<Double>] = []
        rk.reserveCapacity(slopeGroups.count)
        mp.reserveCapacity(slopeGroups.count)
        // By index, not `for group in slopeGroups`: a copied group retains each of its law's
        // arrays, which for two-atom laws cost more than the law's sum itself.
        for k in slopeGroups.indices {
            let logU = Complex(Double(slopeGroups[k].count)) * logURelative(s, k)
            r0 = r0 + logU
            termScale += logU.length
            let m = slopeGroups[k].law.transform(s.u[k], offset: s.offset(k))
            let ratio = slopeGroups[k].ratio
            rk.append(useComplement ? m.complement - s.onePlus(ratio) : m.value - Complex(ratio) * s.w)
            mp.append(m.derivative)
        }
        return (r0, a, rk, mp, termScale)
    }

    /// Newton's method for the state at z from `guess`, with steps damped to change no
    /// unknown by more than half its modulus. Returns nil if it does not converge within
    /// `maxIterations` or ends outside the physical half-planes. `roundingFloor` is the
    /// relative step below which steps that stop shrinking quadratically are taken as the
    /// rounding floor (larger near an inverse-square-root edge, where the root is only
    /// determined to ~ L ε/δ).
    func newton(atLogZ logZ: Complex<Double>, from guess: State, maxIterations: Int = 60, roundingFloor: Double = 1e-10) -> State? {
        var s = guess
        var previousStepSize = Double.infinity
        for _ in 0..<maxIterations {
            let (r0, a, rk, mp, termScale) = residual(s, logZ: logZ)
            // With du_k = (ρ_k dw − r_k)/M_k′ the first equation gives dw alone.
            var numerator = -r0, denominator = a
            for k in slopeGroups.indices {
                let c = Complex(Double(slopeGroups[k].count)) / (s.u[k] * mp[k])
                numerator = numerator + c * rk[k]
                denominator = denominator + c * Complex(slopeGroups[k].ratio)
            }
            let dw = numerator / denominator
            guard dw.real.isFinite, dw.imaginary.isFinite else { return nil }
            var du = [Complex<Double>](repeating: .zero, count: slopeGroups.count)
            var scale = 1.0
            let wScale = scaleOfW(s)
            if dw.length > 0.5 * wScale { scale = 0.5 * wScale / dw.length }
            let uScales = slopeGroups.indices.map { scaleOfU(s, $0) }
            for k in slopeGroups.indices {
                du[k] = (Complex(slopeGroups[k].ratio) * dw - rk[k]) / mp[k]
                let limit = 0.5 * uScales[k]
                if du[k].length > limit { scale = min(scale, limit / du[k].length) }
            }
            s.step(Complex(scale) * dw)
            for k in du.indices { s.moveU(k, by: Complex(scale) * du[k]) }
            // Converged when the step is at rounding level, or when it is small and the
            // residuals are at rounding level (u near 0 or w near −1 cannot be resolved
            // to 1e-13 relative: their inverse maps lose those digits).
            let stepSize = max(dw.length / wScale, du.indices.map { du[$0].length / uScales[$0] }.max() ?? 0)
            // (r₀ against the size of its terms where that is smaller: for a concentrated
            // spectrum every term is ~ its width, 1e-15 at q* = 1e-16, and 1e-13 (1 + |log z|)
            // accepted w to 1e-9 of its value, 1e-8 of the mass.)
            let residualsTiny = r0.length <= 1e-13 * min(1 + logZ.length, termScale)
                && rk.allSatisfy { $0.length <= 1e-13 * max(1, s.w.length) }
            // …or when steps below the floor stop shrinking quadratically: rounding. The floor
            // is at least what the conditioning allows: log z is a sum of ~L terms, rounded to
            // ~L ε, and moves w by that over dΦ/dw (after elimination, `denominator`). Where
            // z(w) is nearly flat (a square-root edge of tiny curvature: orthogonal hard-tanh
            // near L(1 − p) = 1) this is far above 1e-10.
            let attainable = 10 * .ulpOfOne * (Double(depth) + logZ.length) / max(denominator.length * wScale, 1e-300)
            let floor = min(1e-5, max(roundingFloor, attainable))
            let stalled = stepSize <= floor && stepSize >= 0.25 * previousStepSize
            previousStepSize = stepSize
            if scale == 1 && (stepSize <= 1e-13 || (stepSize <= 1e-9 && residualsTiny) || stalled) {
                let tolerance = 1e-10
                guard s.w.imaginary <= tolerance * s.w.length,
                      s.u.indices.allSatisfy({ s.u[$0].imaginary >= -tolerance * scaleOfU(s, $0) }) else { return nil }
                return s
            }
        }
        return nil
    }

    /// The size against which changes of w are measured: the distance of w from the
    /// singular points (0 and −1/r) of the logarithms that appear with non-zero coefficient.
    func scaleOfW(_ s: State) -> Double {
        var scale = Double.infinity
        if logWCoefficient != 0 { scale = min(scale, s.w.length) }
        for term in shiftTerms { scale = min(scale, s.onePlus(term.ratio).length / term.ratio) }
        return scale.isFinite ? scale : max(1, s.w.length)
    }

    /// μ((x, ∞)) and the continuous part's own μ_c((x, ∞)) at a solved state at t = log x:
    /// the closed form (`tailMass`) less the atoms above x, or, below a top atom, the well
    /// conditioned form of `TopAtomTail`.
    func tails(_ s: State, logX t: Double) -> (total: Double, continuous: Double) {
        let direct = tailMass(s)
        let atomsAbove = atoms.filter { !$0.isAtZero && $0.logLocation > t }
        guard let top = topAtomTail else { return (direct, direct - atomsAbove.reduce(0) { $0 + $1.mass }) }
        var belowTop = top.massBelowTop(s)
        // The two forms differ by rounding only, or by a whole turn of an argument (2 in units
        // of π) where a branch choice differs: the direct form decides the turn.
        belowTop += 2 * ((direct - top.mass - belowTop) / 2).rounded()
        // The atoms strictly between x and the top atom (the last of them, above every point
        // of the continuous part).
        let intermediate = atomsAbove.dropLast().reduce(0) { $0 + $1.mass }
        return (top.mass + belowTop, belowTop - intermediate)
    }

    /// The closed-form tail μ((x, ∞)) = Im H(x + i0)/π at a solved state, with (from
    /// H′(z) = M(z)/z integrated along the solution from z = ∞)
    ///
    ///     H = a w + Σ b (w − log(1 + r w)/r) + Σ_k (n_k/ρ_k) H_{D_k}(u_k)
    ///
    /// for the equation log z = C + a log w + Σ b log(1 + r w) + Σ n_k log u_k.
    func tailMass(_ s: State) -> Double {
        var imaginary = (logWCoefficient + shiftTerms.reduce(0) { $0 + $1.coefficient }) * s.w.imaginary
        for term in shiftTerms {
            imaginary -= term.coefficient / term.ratio * Self.logLower(s.onePlus(term.ratio)).imaginary
        }
        for k in slopeGroups.indices {
            imaginary += Double(slopeGroups[k].count) / slopeGroups[k].ratio * slopeGroups[k].law.logPotentialImaginary(s.u[k], offset: s.offset(k))
        }
        return imaginary / .pi
    }
}

/// The mass of (x, a) below the top atom a of a square orthogonal network whose slope laws
/// are all atomic with an atom x_{a,k} at their tops, without the cancellation of the general
/// closed form.
///
/// There, Im H(x + i0) = (L − 1) arg v + Σ_k n_k Im H_{D_k}(u_k) is a sum of ~L arguments of
/// size ~π whose result, the top atom plus the continuous part, differs from the atom by the
/// continuous mass alone; when that is tiny (hard-tanh at q* = 1/64: 1e-14) the general form
/// resolves it only to ~L ε. With M_k(u) = c_a x_a/(u − x_a) · (1 + R_k(u)),
/// R_k = Σ_{j≠a} (c_j/c_a) x_j (u − x_a)/(x_a (u − x_j)), the arguments of the equation
/// (Im Φ = (L − 1) arg w − (L − 1) arg v + Σ n_k arg u_k = 0) cancel the large terms exactly, and
///
///     π μ((x, a)) = −arg(−w) + Σ_k n_k [arg(1 + R_k) + Σ_{j≠a} c_j (arg(u_k − x_j) − arg(x_a − u_k))],
///
/// every term small (arg(−w) → 0 as w → −1) or carrying a small weight c_j. (Derived in
/// Docs/theory.md, "Atoms".)
struct TopAtomTail: Sendable {
    struct Law: Sendable {
        let count: Double
        let top: Double
        let topMass: Double
        let others: [(location: Double, mass: Double)]
    }
    let laws: [Law]
    /// The top atom's mass 1 − Σ_k n_k (1 − c_{a,k}) and log location.
    let mass: Double
    let logLocation: Double

    /// nil unless the product is square, orthogonal, with atomic slope laws each with an atom
    /// at the top of its support, and has an atom at the top.
    init?(_ product: FreeMultiplicativeProduct) {
        guard product.gaussianCount == 0, product.isSquare, product.slopeGroups.allSatisfy({ $0.law.isAtomic }) else { return nil }
        var laws: [Law] = []
        var deficit = 0.0, logLocation = product.logSigmaSquaredSum
        for group in product.slopeGroups {
            guard let top = group.law.atoms.last, top.location > 0, top.location == group.law.supportHull.upperBound else { return nil }
            let others = group.law.atoms.dropLast().map { (location: $0.location, mass: $0.mass) }
            laws.append(Law(count: Double(group.count), top: top.location, topMass: top.mass, others: others))
            deficit += Double(group.count) * others.reduce(0) { $0 + $1.mass }
            logLocation += Double(group.count) * top.logLocation
        }
        guard let atom = product.atoms.last, !atom.isAtZero,
              abs(atom.logLocation - logLocation) <= 1e-12 * max(1, abs(logLocation)) else { return nil }
        self.laws = laws
        mass = 1 - deficit
        self.logLocation = logLocation
    }

    /// μ((x, a)) at a solved state below the top atom (see above).
    ///
    /// Arguments are cut as in the engine: −w and u − x_j live in the closed upper half-plane,
    /// x_a − u in the closed lower one, so none jumps where a state touches the real axis.
    func massBelowTop(_ s: FreeMultiplicativeProduct.State) -> Double {
        typealias P = FreeMultiplicativeProduct
        var sum = -P.logUpper(-s.w).imaginary
        for (k, law) in laws.enumerated() {
            let u = s.u[k], top = Complex(law.top)
            var r = Complex<Double>.zero
            var others = 0.0
            for atom in law.others {
                let x = Complex(atom.location)
                if atom.location > 0 { r = r + Complex(atom.mass / law.topMass) * x * (u - top) / (top * (u - x)) }
                others += atom.mass * (P.logUpper(u - x).imaginary - P.logLower(top - u).imaginary)
            }
            sum += law.count * ((1 + r).phase + others)
        }
        return sum / .pi
    }
}

/// Neumaier's compensated sum: the rounding of each addition is carried apart, so a sum of
/// many terms of size ~1 that cancel keeps an absolute accuracy of ~ε (not ~n ε).
struct CompensatedSum {
    private var sum = 0.0, compensation = 0.0
    mutating func add(_ x: Double) {
        let t = sum + x
        compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum
        sum = t
    }
    var value: Double { sum + compensation }
}
