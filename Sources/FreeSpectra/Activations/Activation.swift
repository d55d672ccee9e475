import ComplexModule
import RealModule

/// A scalar activation φ of a fully connected network, with its derivative.
///
/// Conforming types give φ and φ′ on the real line. Activations that are analytic in a
/// strip around the real axis, or piecewise analytic between their `kinks`, also give φ′ at
/// complex arguments (`derivative(complex:)`; a piecewise φ continues the piece that holds
/// Re x): the spectral engine then evaluates the law of φ′(√q h)² on a contour lifted off
/// the real axis, which returns to it at each kink and stays accurate when the spectral
/// parameter approaches the support (see `DerivativeSquaredLaw`). Without it the law is a
/// real-axis quadrature: its moments are exact, but the density of J Jᵀ near its edges is
/// resolved only to about 1e-6 of the mass, the self-check's tolerance.
public protocol Activation: Sendable {
    /// A short name used in output (`"tanh"`, `"leaky-relu(0.1)"`).
    var name: String { get }
    /// φ(x).
    func value(_ x: Double) -> Double
    /// φ′(x); at a kink, either one-sided value (a null set under the Gaussian law).
    func derivative(_ x: Double) -> Double
    /// φ′ continued to complex x (for a piecewise-analytic φ, the continuation of the piece
    /// that holds Re x), or nil: then the slope law is integrated on the real axis.
    func derivative(complex x: Complex<Double>) -> Complex<Double>?
    /// Points where φ or φ′ is not smooth: quadrature splits there.
    var kinks: [Double] { get }
    /// When φ′ takes finitely many values (piecewise-linear φ), the law of φ′(√q h)² as
    /// atoms (location, mass) for h ~ N(0, 1); nil for smooth activations.
    func derivativeSquaredAtoms(q: Double) -> [(location: Double, mass: Double)]?
    /// Half-width of the strip |Im x| < a where `derivative(complex:)` is analytic
    /// (∞ for entire functions); the contour is kept well inside it.
    var analyticStripHalfWidth: Double { get }
    /// Whether φ(cx) = cφ(x) for every c > 0 (linear, ReLU, leaky ReLU). Then the law of
    /// φ′(√q h)² is the same for every q > 0, and the length map is linear,
    /// 𝓛(q) = σ_w² E[φ(h)²] q + σ_b²: the spectrum of J Jᵀ does not depend on where q^l goes.
    /// False unless a conforming type says otherwise.
    var isPositivelyHomogeneous: Bool { get }
}

extension Activation {
    public func derivative(complex x: Complex<Double>) -> Complex<Double>? { nil }
    public var kinks: [Double] { [] }
    public func derivativeSquaredAtoms(q: Double) -> [(location: Double, mass: Double)]? { nil }
    public var analyticStripHalfWidth: Double { .infinity }
    public var isPositivelyHomogeneous: Bool { false }
}

/// An activation given by closures: the way to bring any φ to the library.
///
/// Without a complex derivative the law of φ′(√q h)² is integrated on the real axis,
/// which loses accuracy where the spectral parameter nears its support (thin tails of
/// very deep networks); give `complexDerivative` when φ is analytic.
public struct CustomActivation: Activation {
    public let name: String
    public let kinks: [Double]
    public let analyticStripHalfWidth: Double
    private let phi: @Sendable (Double) -> Double
    private let phiPrime: @Sendable (Double) -> Double
    private let complexPhiPrime: (@Sendable (Complex<Double>) -> Complex<Double>)?

    public init(
        name: String, kinks: [Double] = [], analyticStripHalfWidth: Double = .infinity,
        value: @escaping @Sendable (Double) -> Double,
        derivative: @escaping @Sendable (Double) -> Double,
        complexDerivative: (@Sendable (Complex<Double>) -> Complex<Double>)? = nil
    ) {
        self.name = name
        self.kinks = kinks
        self.analyticStripHalfWidth = analyticStripHalfWidth
        self.phi = value
        self.phiPrime = derivative
        self.complexPhiPrime = complexDerivative
    }

    public func value(_ x: Double) -> Double { phi(x) }
    public func derivative(_ x: Double) -> Double { phiPrime(x) }
    public func derivative(complex x: Complex<Double>) -> Complex<Double>? { complexPhiPrime?(x) }
}
