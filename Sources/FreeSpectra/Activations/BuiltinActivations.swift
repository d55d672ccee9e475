import ComplexModule
import Foundation
import RealModule

/// An activation that gives φ′(x)/φ′(0) − 1 without the cancellation of forming it from φ′(x)
/// near x = 0: the slope law at small q is concentrated at φ′(0)² with a relative spread
/// ~q (tanh, erf, sigmoid) or ~√q (GELU, SiLU), and its poles are kept as offsets from
/// φ′(0)² (`DerivativeSquaredLaw`), which φ′(x) − φ′(0) in Double would give only to
/// ~ε/spread. Used for complex x with |x| ≲ 0.1 (the lifted contour of a concentrated law).
protocol SlopeDeviation {
    /// φ′(0), positive.
    var slopeAtZero: Double { get }
    /// φ′(x)/φ′(0) − 1.
    func relativeSlopeDeviation(complex x: Complex<Double>) -> Complex<Double>
}

/// tanh(x) for small complex x as sinh/cosh (swift-numerics), to full relative accuracy.
private func smallTanh(_ x: Complex<Double>) -> Complex<Double> { Complex.tanh(x) }

/// φ(x) = x. φ′ ≡ 1, so D² = I.
public struct Linear: Activation {
    public init() {}
    public var name: String { "linear" }
    public func value(_ x: Double) -> Double { x }
    public func derivative(_ x: Double) -> Double { 1 }
    public func derivativeSquaredAtoms(q: Double) -> [(location: Double, mass: Double)]? { [(1, 1)] }
    public var isPositivelyHomogeneous: Bool { true }
}

/// φ(x) = max(x, αx) with slope α ∈ [0, 1) for x < 0; α = 0 is ReLU.
///
/// φ′(√q h)² takes the value 1 or α², each with probability 1/2 (h symmetric), whatever q.
public struct LeakyReLU: Activation {
    public let slope: Double
    public init(slope: Double) throws {
        try require(slope, "leaky-relu slope", { $0 >= 0 && $0 < 1 }, "in [0, 1)")
        self.slope = slope
    }
    public var name: String { slope == 0 ? "relu" : "leaky-relu(\(slope))" }
    public func value(_ x: Double) -> Double { x > 0 ? x : slope * x }
    public func derivative(_ x: Double) -> Double { x > 0 ? 1 : slope }
    public var kinks: [Double] { [0] }
    public func derivativeSquaredAtoms(q: Double) -> [(location: Double, mass: Double)]? {
        [(slope * slope, 0.5), (1, 0.5)]
    }
    public var isPositivelyHomogeneous: Bool { true }
}

/// φ(x) = max(−1, min(1, x)). φ′(√q h)² is Bernoulli: 1 with probability
/// p = P(|√q h| < 1) = erf(1/√(2q)), else 0.
public struct HardTanh: Activation {
    public init() {}
    public var name: String { "hard-tanh" }
    public func value(_ x: Double) -> Double { max(-1, min(1, x)) }
    public func derivative(_ x: Double) -> Double { abs(x) < 1 ? 1 : 0 }
    public var kinks: [Double] { [-1, 1] }
    /// Each mass from its own function, erfc for P(|√q h| > 1): at small q it is tiny (1.2e-15
    /// at q = 1/64), and 1 − erf would give it to ~ε/(1 − p) only (10 % there).
    public func derivativeSquaredAtoms(q: Double) -> [(location: Double, mass: Double)]? {
        let x = 1 / (2 * q).squareRoot()
        return [(0, erfc(x)), (1, erf(x))]
    }
}

/// φ(x) = tanh x; φ′ = sech² x = 4e^{−2|x|}/(1 + e^{−2|x|})², even, with poles at ±iπ/2.
///
/// The complex φ′ does not use `Complex.cosh`: swift-numerics 1.1.1 drops the sign of x in
/// cosh(x + iy) for x < −log ε ≈ −36 (it returns e^{|x|}/2 · e^{+iy}), which conjugates φ′
/// there, lifts the slope law's contour to the wrong side and, at q = 64, left an error of
/// 10⁻⁶ in the law's CDF below 10⁻⁸⁰. The form above, taken with Re ≥ 0 by evenness, needs
/// only `Complex.exp` of an argument with non-positive real part.
public struct Tanh: Activation {
    public init() {}
    public var name: String { "tanh" }
    public func value(_ x: Double) -> Double { tanh(x) }
    public func derivative(_ x: Double) -> Double {
        let e = exp(-2 * abs(x))
        return 4 * e / ((1 + e) * (1 + e))
    }
    public func derivative(complex x: Complex<Double>) -> Complex<Double>? {
        let e = Complex.exp(x.real >= 0 ? -2 * x : 2 * x)
        let d = 1 + e
        return 4 * e / (d * d)
    }
    public var analyticStripHalfWidth: Double { .pi / 2 }
}

extension Tanh: SlopeDeviation {
    var slopeAtZero: Double { 1 }
    /// sech² x − 1 = −tanh² x.
    func relativeSlopeDeviation(complex x: Complex<Double>) -> Complex<Double> { let t = smallTanh(x); return -(t * t) }
}

/// φ(x) = erf x (not rescaled); φ′(x) = (2/√π) e^{−x²}, entire.
public struct Erf: Activation {
    public init() {}
    public var name: String { "erf" }
    public func value(_ x: Double) -> Double { erf(x) }
    public func derivative(_ x: Double) -> Double { 1.1283791670955126 * exp(-x * x) }
    public func derivative(complex x: Complex<Double>) -> Complex<Double>? {
        Complex(1.1283791670955126) * Complex.exp(-(x * x))
    }
}

extension Erf: SlopeDeviation {
    var slopeAtZero: Double { 1.1283791670955126 }
    /// e^{−x²} − 1.
    func relativeSlopeDeviation(complex x: Complex<Double>) -> Complex<Double> { Complex.expMinusOne(-(x * x)) }
}

/// φ(x) = 1/(1 + e^{−x}); φ′ = σ(1 − σ) = e^{−|x|}/(1 + e^{−|x|})², even, with poles at ±iπ.
///
/// φ′ is evaluated in the second form: σ(1 − σ) loses all its digits to the cancellation in
/// 1 − σ for x ≳ 37, where it returns 0. At large q that zero is not harmless: with q = 64 a
/// mass 2·10⁻⁶ of D² sat exactly at 0 and showed up as a spurious atom of J Jᵀ at λ = 0.
public struct Sigmoid: Activation {
    public init() {}
    public var name: String { "sigmoid" }
    public func value(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    public func derivative(_ x: Double) -> Double {
        let e = exp(-abs(x))
        return e / ((1 + e) * (1 + e))
    }
    public func derivative(complex x: Complex<Double>) -> Complex<Double>? {
        // Even in x, so the exponential is always taken of −x or x with Re ≤ 0 (no overflow).
        let e = Complex.exp(x.real >= 0 ? -x : x)
        let d = 1 + e
        return e / (d * d)
    }
    public var analyticStripHalfWidth: Double { .pi }
}

extension Sigmoid: SlopeDeviation {
    var slopeAtZero: Double { 0.25 }
    /// σ′ = ¼ sech²(x/2), so σ′/σ′(0) − 1 = −tanh²(x/2).
    func relativeSlopeDeviation(complex x: Complex<Double>) -> Complex<Double> { let t = smallTanh(x / 2); return -(t * t) }
}

/// φ(x) = x Φ(x) (exact GELU, Φ the standard normal CDF); φ′ = Φ(x) + x ϕ(x), entire.
public struct GELU: Activation {
    public init() {}
    public var name: String { "gelu" }
    public func value(_ x: Double) -> Double { x * 0.5 * erfc(-x / 2.squareRoot()) }
    public func derivative(_ x: Double) -> Double {
        0.5 * erfc(-x / 2.squareRoot()) + x * 0.3989422804014327 * exp(-0.5 * x * x)
    }
    public func derivative(complex x: Complex<Double>) -> Complex<Double>? {
        normalCDF(complex: x) + x * Complex(0.3989422804014327) * Complex.exp(-(x * x) / 2)
    }
}

extension GELU: SlopeDeviation {
    var slopeAtZero: Double { 0.5 }
    /// 2φ′ − 1 = 2(Φ(x) − ½) + 2xϕ(x).
    func relativeSlopeDeviation(complex x: Complex<Double>) -> Complex<Double> {
        2 * normalCDF(complex: x, lessHalf: true) + x * Complex(2 * 0.3989422804014327) * Complex.exp(-(x * x) / 2)
    }
}

/// φ(x) = x σ(x) (SiLU / swish); φ′ = σ + xσ(1 − σ), poles at ±iπ.
public struct SiLU: Activation {
    public init() {}
    public var name: String { "silu" }
    public func value(_ x: Double) -> Double { x / (1 + exp(-x)) }
    public func derivative(_ x: Double) -> Double { let s = 1 / (1 + exp(-x)); return s + x * s * (1 - s) }
    public func derivative(complex x: Complex<Double>) -> Complex<Double>? {
        let s = 1 / (1 + Complex.exp(-x))
        return s + x * s * (1 - s)
    }
    public var analyticStripHalfWidth: Double { .pi }
}

extension SiLU: SlopeDeviation {
    var slopeAtZero: Double { 0.5 }
    /// 2φ′ − 1 = (2σ − 1) + 2xσ(1 − σ) = tanh(x/2) + 2x e^{−x}/(1 + e^{−x})².
    func relativeSlopeDeviation(complex x: Complex<Double>) -> Complex<Double> {
        let e = Complex.exp(-x), d = 1 + e
        return smallTanh(x / 2) + 2 * x * e / (d * d)
    }
}

/// Φ(x + iy) for small |y| by its Taylor series in iy about the real point x:
/// Φ^{(n)}(x) = (−1)^{n−1} He_{n−1}(x) ϕ(x). Used only on contours with |y| ≲ 0.5, where
/// 40 terms are far below double precision. With `lessHalf`, Φ − ½ (from ½ erf(x/√2), to full
/// relative accuracy near 0).
func normalCDF(complex z: Complex<Double>, lessHalf: Bool = false) -> Complex<Double> {
    let x = z.real, y = z.imaginary
    var sum = Complex(lessHalf ? 0.5 * erf(x / 2.squareRoot()) : 0.5 * erfc(-x / 2.squareRoot()))
    let pdf = 0.3989422804014327 * exp(-0.5 * x * x)
    // He_{k}: He_0 = 1, He_1 = x, He_{k+1} = x He_k − k He_{k−1}.
    var hePrevious = 0.0, he = 1.0
    var power = Complex<Double>(1)  // (iy)^n / n!
    for n in 1...40 {
        power = power * Complex(0, y / Double(n))
        let derivative = (n % 2 == 1 ? 1.0 : -1.0) * he * pdf  // Φ^{(n)} = (−1)^{n−1} He_{n−1} ϕ
        sum = sum + power * Complex(derivative)
        let next = x * he - Double(n - 1) * hePrevious
        hePrevious = he
        he = next
        // Relative to the sum: Φ is ~1e-117 at x = −23, where an absolute 1e-18 stopped the
        // series after 5 terms (Φ to ~1e-7, φ′ of GELU to ~1e-10).
        if power.length * abs(he) * pdf < 1e-17 * sum.length && n > 4 { break }
    }
    return sum
}

/// The built-in activations by their command-line names: `linear`, `relu`,
/// `leaky-relu` (slope 0.01 unless given as `leaky-relu:0.2`), `hard-tanh`, `tanh`,
/// `erf`, `sigmoid`, `gelu`, `silu`.
public enum Activations {
    public static let names = ["linear", "relu", "leaky-relu", "hard-tanh", "tanh", "erf", "sigmoid", "gelu", "silu"]

    /// Other spellings accepted for built-in names.
    static let aliases = ["hardtanh": "hard-tanh", "swish": "silu"]

    /// The name of `spec` (lower case, aliases resolved) and its parameter, if any:
    /// `"Leaky-ReLU:0.2"` → (`"leaky-relu"`, `"0.2"`).
    public static func parse(_ spec: String) -> (name: String, parameter: String?) {
        let parts = spec.lowercased().split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts.first ?? ""
        return (aliases[name] ?? name, parts.count == 2 ? parts[1] : nil)
    }

    /// Whether `spec` names a built-in activation (its parameter, if any, is not checked).
    public static func isBuiltin(_ spec: String) -> Bool { names.contains(parse(spec).name) }

    /// The activation named `spec`; `leaky-relu:α` sets the slope.
    /// - Throws: `invalidArgument` for an unknown name, a parameter given to an activation
    ///   that takes none, or a bad slope.
    public static func named(_ spec: String) throws -> any Activation {
        let (name, parameter) = parse(spec)
        if parameter != nil && name != "leaky-relu" && names.contains(name) {
            throw NumericalError.invalidArgument("activation '\(name)' takes no parameter")
        }
        switch name {
        case "linear": return Linear()
        case "relu": return try LeakyReLU(slope: 0)
        case "leaky-relu":
            guard let parameter else { return try LeakyReLU(slope: 0.01) }
            guard let slope = Double(parameter) else {
                throw NumericalError.invalidArgument("leaky-relu slope '\(parameter)' is not a number")
            }
            return try LeakyReLU(slope: slope)
        case "hard-tanh": return HardTanh()
        case "tanh": return Tanh()
        case "erf": return Erf()
        case "sigmoid": return Sigmoid()
        case "gelu": return GELU()
        case "silu": return SiLU()
        default:
            throw NumericalError.invalidArgument(
                "unknown activation '\(spec)'; known: \(names.joined(separator: ", ")) (leaky-relu:SLOPE sets the slope)")
        }
    }
}
