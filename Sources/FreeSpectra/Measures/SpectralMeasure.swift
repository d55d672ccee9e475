import Foundation
import ComplexModule
import RealModule

/// A point mass of a spectral measure.
///
/// The location is also kept as its logarithm, which stays exact where the location itself
/// is beyond Double: an atom of a deep product sits at σ_w^{2L}·Π x_l, e.g. 10^616 for a
/// linear orthogonal network at σ_w = 2.03, L = 1000 (`location` is then +∞). Encoded as
/// `location` and `mass`, and `log10Location` where the location is beyond Double (+∞, or 0
/// for an atom that is not at 0).
public struct Atom: Sendable, Equatable, Codable {
    /// Where the mass sits (+∞ when beyond Double; see `logLocation`).
    public let location: Double
    /// ln(location) (−∞ for an atom at 0).
    public let logLocation: Double
    /// Its probability mass, in (0, 1].
    public let mass: Double
    /// Whether the atom sits at 0 (not merely below Double's range, where `location` is 0 too).
    public var isAtZero: Bool { logLocation == -.infinity }
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

    private enum CodingKeys: String, CodingKey { case location, log10Location, mass }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let mass = try c.decode(Double.self, forKey: .mass)
        if let log10 = try c.decodeIfPresent(Double.self, forKey: .log10Location) {
            self.init(logLocation: log10 * Foundation.log(10.0), mass: mass)
        } else {
            self.init(location: try c.decode(Double.self, forKey: .location), mass: mass)
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(location, forKey: .location)
        if location == .infinity || (location == 0 && !isAtZero) {
            try c.encode(logLocation / Foundation.log(10.0), forKey: .log10Location)
        }
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
