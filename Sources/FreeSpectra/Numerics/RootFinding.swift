import CGSL

/// One-dimensional root bracketing with GSL's Brent solver.
public enum RootFinding {
    /// A root of f in [a, b], where f(a) and f(b) have opposite signs.
    ///
    /// - Throws: `invalidArgument` if the interval does not bracket a sign change,
    ///   `didNotConverge` after `maxIterations`.
    public static func brent(
        _ f: (Double) -> Double, in a: Double, _ b: Double,
        relativeTolerance: Double = 1e-14, maxIterations: Int = 500
    ) throws -> Double {
        let fa = f(a), fb = f(b)
        if fa == 0 { return a }
        if fb == 0 { return b }
        guard fa.isFinite, fb.isFinite, (fa < 0) != (fb < 0) else {
            throw NumericalError.invalidArgument("[\(a), \(b)] does not bracket a root (f = \(fa), \(fb))")
        }
        return try GSL.withFunction(f) { fn in
            let solver = gsl_root_fsolver_alloc(fs_root_brent())!
            defer { gsl_root_fsolver_free(solver) }
            var status = gsl_root_fsolver_set(solver, fn, min(a, b), max(a, b))
            guard status == 0 else { throw NumericalError.library("brent: \(GSL.message(status))") }
            for _ in 0..<maxIterations {
                status = gsl_root_fsolver_iterate(solver)
                guard status == 0 else { throw NumericalError.library("brent: \(GSL.message(status))") }
                let lo = gsl_root_fsolver_x_lower(solver), hi = gsl_root_fsolver_x_upper(solver)
                if gsl_root_test_interval(lo, hi, 0, relativeTolerance) == 0 || lo == hi {
                    return gsl_root_fsolver_root(solver)
                }
            }
            throw NumericalError.didNotConverge("brent on [\(a), \(b)] after \(maxIterations) iterations")
        }
    }
}
