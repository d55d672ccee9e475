import Foundation
import ComplexModule
import RealModule

/// A point mass of a spectral measure.
///
/// The location is also kept as its logarithm, which stays exact where the location itself
/// is beyond Double: an atom of a deep product sits at σ_w^{2L}·Π x_l, e.g. 10^616 for a
/// linear orthogonal network at σ_w = 2.03, L = 1000 (`location` is then +∞). Encoded as
/// `location` and `mass` only.
public struct Atom: Sendable, Equatable, Codable {
    /// Where the mass sits (+∞ when beyond Double; see `logLocation`).
    public let location: Double
    /// ln(location) (−∞ for an atom at 0).
    public let logLocation: Double
    /// Its probability mass, in (0, 1].
    public let mass: Double
    public init(location: Double, mass: Double) {
        self.location = location
        self.logLocation = Foundation.log(location)
        self.mass = mass
    }
    /// The atom at e^logLocation, for locations that may be beyond Double.
    public init(logLocation: Double, mass: Double) {
        self.location = Foundation.exp(logLocation)
        self.logLocation = logLocation
        self.mass = mass
    }

    private enum CodingKeys: String, CodingKey { case location, mass }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(location: try c.decode(Double.self, forKey: .location), mass: try c.decode(Double.self, forKey: .mass))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(location, forKey: .location)
        try c.encode(mass, forKey: .mass)
    }
}

/// A probability measure μ on ℝ known through its Cauchy transform.
///
/// Conventions (Docs/theory.md): G(z) = ∫ dμ(x)/(z − x) for z ∉ supp μ, the density of the
/// absolutely continuous part is ρ(x) = −Im G(x + i0)/π, and M(z) = z G(z) − 1 =
/// Σ_{k≥1} m_k z^{−k}.
public protocol SpectralMeasure: Sendable {
    /// G(z) on the physical sheet, for Im z > 0 (and continued to Im z = 0⁺ where the
    /// measure allows it).
    func cauchyTransform(_ z: Complex<Double>) -> Complex<Double>
    /// The density of the absolutely continuous part at x (atoms excluded).
    func density(_ x: Double) -> Double
    /// The exact moment m_k = ∫ x^k dμ, k ≥ 0.
    func moment(_ k: Int) -> Double
    /// Point masses, in increasing location.
    var atoms: [Atom] { get }
    /// The support of the absolutely continuous part as disjoint closed intervals, in
    /// increasing order.
    var support: [ClosedRange<Double>] { get }
}

extension SpectralMeasure {
    /// M(z) = z G(z) − 1, the moment generating function at infinity.
    public func momentTransform(_ z: Complex<Double>) -> Complex<Double> {
        z * cauchyTransform(z) - 1
    }
}
