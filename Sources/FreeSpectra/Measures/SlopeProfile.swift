import ComplexModule
import Foundation

/// g(x) = φ′(x)² on the window |x| ≤ 9√q that carries the law of D² = φ′(√q h)² (the
/// Gaussian mass N(0, q) beyond it is 2e-19), with its derivative and its critical points.
///
/// Shared by the two computations of a smooth slope law: the lifted contour of
/// `DerivativeSquaredLaw` (which must return to the axis at the critical points) and the
/// direct push-forward `SingleOrthogonalLayerSpectrum` (monotone pieces between them).
struct SlopeProfile {
    let activation: any Activation
    let q: Double
    /// X = 9√q: the law is that of g(x) for x ~ N(0, q) restricted to [−X, X].
    let xMax: Double
    /// Points of (−X, X) where g′ changes sign or vanishes, increasing, at least 1e-9 apart;
    /// located by bisection to rounding.
    let criticalPoints: [Double]

    init(activation: any Activation, q: Double) {
        self.activation = activation
        self.q = q
        xMax = 9 * q.squareRoot()
        criticalPoints = Self.scanCriticalPoints(activation: activation, xMax: xMax)
    }

    /// φ′(x)².
    func g(_ x: Double) -> Double { let d = activation.derivative(x); return d * d }

    /// g′(x): by complex step where φ′ is analytic (exact to rounding), else by central
    /// differences with step 1e-6 max(1, |x|).
    func gPrime(_ x: Double) -> Double { Self.gPrime(activation, x) }

    /// g′ = 2φ′φ″ with φ″ = Im φ′(x + i s)/s formed first: the product φ′ · Im φ′(x + is)
    /// underflows where φ′ ~ 1e-154 (erf at |x| ≈ 18.7), and its rounding to 0 read as
    /// critical points.
    static func gPrime(_ activation: any Activation, _ x: Double) -> Double {
        let step = 1e-30
        if let d = activation.derivative(complex: Complex(x, step)) {
            return 2 * d.real * (d.imaginary / step)
        }
        let h = 1e-6 * max(1, abs(x))
        let a = activation.derivative(x + h), b = activation.derivative(x - h)
        return (a * a - b * b) / (2 * h)
    }

    /// (log g)′(x) = 2φ″/φ′: by complex step of size 1e-10 (error ~1e-20 relative, and no
    /// underflow of εφ″ where φ′ is tiny), else by central differences of φ′.
    static func logGPrime(_ activation: any Activation, _ x: Double) -> Double {
        let step = 1e-10
        if let d = activation.derivative(complex: Complex(x, step)) {
            return 2 * (d.imaginary / step) / d.real
        }
        let h = 1e-6 * max(1, abs(x))
        return 2 * (activation.derivative(x + h) - activation.derivative(x - h)) / (2 * h) / activation.derivative(x)
    }

    /// Sign changes of g′ on a scan of 4000 intervals, refined by bisection. Where g is below
    /// the normal range of Double (erf beyond |x| ≈ 19, GELU below x ≈ −27) g′ is rounding
    /// noise or 0: no critical point there, only the end of what Double represents. (Subnormal
    /// g read as critical points put 170 of them into erf's tails at q = 5, each with panels
    /// graded to 1e-16: 38 240 poles instead of 3 000, and 29 s for one orthogonal L = 2 answer.)
    private static func scanCriticalPoints(activation: any Activation, xMax: Double) -> [Double] {
        let g: (Double) -> Double = { x in let d = activation.derivative(x); return d * d }
        let scanCount = 4000
        var critical: [Double] = []
        var previousX = -xMax, previousD = gPrime(activation, -xMax), previousG = g(-xMax)
        for i in 1...scanCount {
            let x = -xMax + 2 * xMax * Double(i) / Double(scanCount)
            let d = gPrime(activation, x), gx = g(x)
            defer { previousX = x; previousD = d; previousG = gx }
            if gx < .leastNormalMagnitude || previousG < .leastNormalMagnitude { continue }
            if d == 0 || (d > 0) != (previousD > 0) {
                var lo = previousX, hi = x, dLo = previousD
                for _ in 0..<60 {
                    let mid = 0.5 * (lo + hi)
                    let dm = gPrime(activation, mid)
                    if (dm > 0) == (dLo > 0) && dm != 0 { lo = mid; dLo = dm } else { hi = mid }
                }
                critical.append(0.5 * (lo + hi))
            }
        }
        var unique: [Double] = []
        for c in critical where unique.last.map({ abs($0 - c) > 1e-9 }) ?? true { unique.append(c) }
        return unique
    }
}
