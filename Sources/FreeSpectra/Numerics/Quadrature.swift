import CGSL
import Foundation

/// Adaptive quadrature on GSL's QAGS/QAGP/QAGI routines.
public enum Quadrature {
    /// ∫_a^b f(x) dx by GSL `qagp` (adaptive Gauss–Kronrod with user breakpoints), where
    /// `breakpoints` are interior points at which f or a derivative is discontinuous.
    ///
    /// - Throws: `NumericalError.didNotConverge` when GSL reports the tolerance unreachable.
    public static func integrate(
        _ f: (Double) -> Double, from a: Double, to b: Double, breakpoints: [Double] = [],
        absoluteTolerance: Double = 1e-13, relativeTolerance: Double = 1e-11
    ) throws -> Double {
        guard a < b else { return a == b ? 0 : -(try integrate(f, from: b, to: a, breakpoints: breakpoints)) }
        // Distinct interior breakpoints only: a repeated point would make a zero-length
        // subinterval, which QAGP reports as a singularity.
        let inner = Array(Set(breakpoints.filter { $0 > a && $0 < b })).sorted()
        var points = [a] + inner + [b]
        let limit = 1000
        let workspace = gsl_integration_workspace_alloc(limit)!
        defer { gsl_integration_workspace_free(workspace) }
        var result = 0.0, error = 0.0
        let status: Int32 = GSL.withFunction(f) { fn in
            points.withUnsafeMutableBufferPointer { p in
                gsl_integration_qagp(fn, p.baseAddress, p.count, absoluteTolerance, relativeTolerance,
                                     limit, workspace, &result, &error)
            }
        }
        // GSL_EROUND (18) means the requested accuracy was limited by round-off: the result
        // is still as good as double precision allows.
        if status != 0 && status != 18 {
            throw NumericalError.didNotConverge("quadrature on [\(a), \(b)]: \(GSL.message(status)) (error estimate \(error))")
        }
        return result
    }

    /// E[f(h)] for h ~ N(0, 1): the Gaussian weight is split at the breakpoints and the tails
    /// beyond ±12 (mass below 1e-32) are dropped.
    ///
    /// `breakpoints` are values of h where f has a kink or jump (e.g. ±1/√q for hard-tanh).
    public static func gaussianExpectation(_ f: (Double) -> Double, breakpoints: [Double] = []) throws -> Double {
        let normalization = 0.3989422804014327  // 1/√(2π)
        return try integrate({ h in f(h) * normalization * exp(-0.5 * h * h) }, from: -12, to: 12,
                             breakpoints: breakpoints + [0])
    }
}

