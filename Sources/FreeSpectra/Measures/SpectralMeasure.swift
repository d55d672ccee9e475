import ComplexModule
import RealModule

/// A point mass of a spectral measure.
public struct Atom: Sendable, Equatable, Codable {
    /// Where the mass sits.
    public var location: Double
    /// Its probability mass, in (0, 1].
    public var mass: Double
    public init(location: Double, mass: Double) {
        self.location = location
        self.mass = mass
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
