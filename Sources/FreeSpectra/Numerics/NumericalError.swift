/// The ways a numerical computation in FreeSpectra can fail.
///
/// The library never prints or exits: every failure is thrown as one of these cases, and
/// the command-line tool turns it into a message and a non-zero exit status.
public enum NumericalError: Error, Equatable, CustomStringConvertible {
    /// A parameter is outside its domain (negative width, σ_w ≤ 0, NaN, …).
    case invalidArgument(String)
    /// An iterative method (root finder, quadrature, continuation) did not reach its
    /// tolerance; the message names the method and where it stopped.
    case didNotConverge(String)
    /// The request is well posed but has no solution (e.g. no critical point on a line).
    case noSolution(String)
    /// A C library (GSL, LAPACK) reported an error status.
    case library(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): return "invalid argument: \(m)"
        case .didNotConverge(let m): return "did not converge: \(m)"
        case .noSolution(let m): return "no solution: \(m)"
        case .library(let m): return "numerical library error: \(m)"
        }
    }
}

/// Throws `invalidArgument` unless `value` is finite and satisfies `condition`.
@inline(__always)
func require(_ value: Double, _ name: String, _ condition: (Double) -> Bool, _ expectation: String) throws {
    guard value.isFinite, condition(value) else {
        throw NumericalError.invalidArgument("\(name) must be \(expectation), got \(value)")
    }
}
