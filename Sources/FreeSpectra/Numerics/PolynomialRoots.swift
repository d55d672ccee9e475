import CGSL
import ComplexModule
import RealModule

/// Complex roots of real polynomials by GSL's companion-matrix QR (`gsl_poly_complex_solve`).
public enum PolynomialRoots {
    /// All complex roots of Σ_k coefficients[k] x^k (coefficients in increasing degree).
    ///
    /// Trailing zero leading coefficients are dropped first.
    /// - Throws: `invalidArgument` for a constant polynomial, `didNotConverge` if the QR
    ///   iteration fails.
    public static func roots(_ coefficients: [Double]) throws -> [Complex<Double>] {
        _ = GSL.errorHandlerDisabled
        var c = coefficients
        while let last = c.last, last == 0 { c.removeLast() }
        guard c.count >= 2, c.allSatisfy(\.isFinite) else {
            throw NumericalError.invalidArgument("polynomial of degree < 1 or with non-finite coefficients")
        }
        let n = c.count
        let workspace = gsl_poly_complex_workspace_alloc(n)!
        defer { gsl_poly_complex_workspace_free(workspace) }
        var z = [Double](repeating: 0, count: 2 * (n - 1))
        let status = gsl_poly_complex_solve(&c, n, workspace, &z)
        guard status == 0 else {
            throw NumericalError.didNotConverge("polynomial roots: \(GSL.message(status))")
        }
        return (0..<(n - 1)).map { Complex(z[2 * $0], z[2 * $0 + 1]) }
    }
}
