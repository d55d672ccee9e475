import ComplexModule
import Foundation
import RealModule

/// A slope law about its centre: D² = a(1 + Y), its poles x_k = a(1 + y_k) kept as the offsets
/// y_k, for laws with max|y_k| ≤ 0.1 (the isometric regime: tanh, erf, sigmoid at q ≲ 6e-4,
/// GELU and SiLU at q ≲ 1e-4, linear layers, atoms close together).
///
/// Implementation goals, in order:
/// 1. Exact where u is within the spread of the law from a: with u = a(1 + ν) and ν known to
///    full relative accuracy, u − x_k = a(ν − y_k) loses nothing, so
///    M(u) = Σ c_k (1 + y_k)/(ν − y_k), 1 + M(u) = (1 + ν) Σ c_k/(ν − y_k),
///    M′(u) = −(1/a) Σ c_k (1 + y_k)/(ν − y_k)² keep their relative accuracy however small the
///    spread (in Double, u − x_k has ~ε/spread of its digits: none at a spread of 1e-16).
///    The offsets come from the activation's `SlopeDeviation` (φ′/φ′(0) − 1 without
///    cancellation); for other activations from x_k/a − 1, which is as good as x_k itself.
/// 2. Cheap away from the support: for |ν| ≥ 4 max|y_k| the sums are the series
///    Σ_j B_j/ν^{j+1}, Σ_j A_j/ν^{j+1}, Σ_j (j + 1)A_j/ν^{j+2} with A_j = Σ c_k(1 + y_k)y_k^j,
///    B_j = Σ c_k y_k^j, whose terms fall by ≤ 1/4 each: ~10–28 terms instead of ~1 000 poles.
///    It is what a network with many nearly linear layers needs (layer-by-layer q^l decaying
///    to 1e-18: every such law is one group with its own poles).
/// 3. Continuous with the plain form: the same poles and weights, the same branch cuts.
struct Concentration: Sendable {
    /// Laws with max|y_k| above this are not taken about a centre: 0.1 keeps the series ratio
    /// ≤ 0.1/|ν| ≤ 0.2 wherever |ν| ≥ ½ (the far side, where u itself is accurate).
    static let limit = 0.1
    /// a, the centre: φ′(0)² for a smooth law, the heaviest atom for an atomic one.
    let center: Double
    /// max_k |y_k|.
    let radius: Double
    /// |ν| from which the series is used.
    var seriesRadius: Double { 4 * radius }
    /// The largest real offset of the support, sup Y = sup D²/a − 1, to full relative accuracy.
    let top: Double
    /// The offsets as pole sums (X = y, n = c(1 + y), c).
    let offsets: PoleSums
    /// E Y = Σ c_k y_k (real part), so μ₁ = a(1 + E Y).
    var meanOffset: Double { b[1].real }
    /// Var Y/(1 + E Y)² = Var D²/(E D²)².
    var variance: Double { (b[2].real - b[1].real * b[1].real) / ((1 + b[1].real) * (1 + b[1].real)) }
    /// A_j and B_j, j = 0 … 47.
    private let a: [Complex<Double>], b: [Complex<Double>]

    /// Terms kept of the series: at |ν| ≥ 4 max|y_k| the j-th is ≤ 4^{−j} of the first, below
    /// rounding from j = 27; 48 leave room.
    private static let terms = 48

    private init?(center: Double, offsets y: [Complex<Double>], weights c: [Complex<Double>], top: Double) {
        guard center > 0, center.isFinite, !y.isEmpty else { return nil }
        let radius = y.reduce(0) { max($0, $1.length) }
        guard radius <= Self.limit else { return nil }
        self.center = center
        self.radius = radius
        self.top = top
        let numerators = zip(c, y).map { $0 * (1 + $1) }
        offsets = PoleSums(locations: y, numerators: numerators, weights: c)
        var a: [Complex<Double>] = [], b: [Complex<Double>] = []
        var powers = [Complex<Double>](repeating: 1, count: y.count)
        for _ in 0..<Self.terms {
            var sa = Complex<Double>.zero, sb = Complex<Double>.zero
            for k in y.indices {
                sa = sa + numerators[k] * powers[k]
                sb = sb + c[k] * powers[k]
                powers[k] = powers[k] * y[k]
            }
            a.append(sa); b.append(sb)
        }
        self.a = a
        self.b = b
    }

    /// An atomic law about its heaviest atom (nil when that is at 0 or the atoms spread wider
    /// than `limit`).
    init?(atoms: [Atom]) {
        guard let heaviest = atoms.max(by: { $0.mass < $1.mass }), heaviest.location > 0 else { return nil }
        let a = heaviest.location
        self.init(center: a, offsets: atoms.map { Complex($0.location / a - 1) }, weights: atoms.map { Complex($0.mass) },
                  top: atoms.map { $0.location / a - 1 }.max()!)
    }

    /// A smooth law about a = φ′(0)² from its lifted contour.
    init?(activation: any Activation, contour: LiftedContour) {
        let deviation = activation as? any SlopeDeviation
        let slope = deviation?.slopeAtZero ?? activation.derivative(0)
        let a = slope * slope
        guard a > 0 else { return nil }
        func offset(_ node: Complex<Double>, pole: Complex<Double>) -> Complex<Double> {
            guard let deviation else { return pole / Complex(a) - 1 }
            let d = deviation.relativeSlopeDeviation(complex: node)
            return d * (2 + d)
        }
        let y = zip(contour.nodes, contour.poles).map { offset($0, pole: $1) }
        // sup Y over the real window: at a critical point or an end of it.
        let top = contour.extremes.map { x -> Double in
            offset(Complex(x, 0), pole: Complex(activation.derivative(x) * activation.derivative(x))).real
        }.max() ?? 0
        self.init(center: a, offsets: y, weights: contour.weights, top: top)
    }

    /// The three sums of `PoleSums` at ν by the series (|ν| ≥ `seriesRadius`).
    @inline(__always)
    func series(_ nu: Complex<Double>) -> (s0: Complex<Double>, s1: Complex<Double>, s2: Complex<Double>) {
        let p = 1 / nu
        var power = p
        var s0 = Complex<Double>.zero, s1 = Complex<Double>.zero, s2 = Complex<Double>.zero
        for j in 0..<Self.terms {
            let t0 = b[j] * power, t1 = a[j] * power
            s0 = s0 + t0
            s1 = s1 + t1
            s2 = s2 + Complex(Double(j + 1)) * t1 * p
            // Stop once a term is below rounding of the sums (the rest fall faster still).
            if j > 0 && t0.length + t1.length <= 1e-17 * (s0.length + s1.length) { break }
            power = power * p
        }
        return (s0, s1, s2)
    }

    /// log(1 + ν) = log(u/a): from ν near the centre, from u far from it (ν → −1 as u → 0).
    @inline(__always)
    func logOnePlus(_ nu: Complex<Double>, u: Complex<Double>) -> Complex<Double> {
        nu.length < 0.5 ? Complex.log(onePlus: nu) : FreeMultiplicativeProduct.logUpper(u) - Complex(Foundation.log(center))
    }

    /// H(u) = Σ c_k (log(ν − y_k) − log(1 + ν)) (log a cancels), with the cuts of
    /// `DerivativeSquaredLaw.logPotential`; for |ν| ≥ `seriesRadius` as
    /// B₀(log ν − log(1 + ν)) − Σ_{j≥1} B_j/(j ν^j), since log(ν − y) = log ν + log(1 − y/ν) with
    /// |y/ν| ≤ ¼ changes no branch.
    func logPotential(_ u: Complex<Double>, offset nu: Complex<Double>) -> Complex<Double> {
        let logOnePlusNu = logOnePlus(nu, u: u)
        guard nu.length >= seriesRadius else { return offsets.logPotential(nu, logU: logOnePlusNu) }
        let p = 1 / nu
        var power = p
        var h = b[0] * (FreeMultiplicativeProduct.logUpper(nu) - logOnePlusNu)
        for j in 1..<Self.terms {
            let t = b[j] * power / Complex(Double(j))
            h = h - t
            if t.length <= 1e-17 * max(h.length, 1e-300) { break }
            power = power * p
        }
        return h
    }
}
