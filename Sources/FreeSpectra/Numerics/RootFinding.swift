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

extension RootFinding {
    /// A root of f between a and b, where fa = f(a) and fb = f(b) have opposite signs, by the
    /// Illinois variant of regula falsi (the retained end's value is halved when the same end
    /// is kept twice, which restores superlinear convergence), with a bisection after every
    /// step that does not halve the bracket, so the bracket at least halves every two steps.
    ///
    /// Returns a or b when f vanishes there (or, without a sign change, the end where |f| is
    /// smaller), a point where f is exactly 0, or the midpoint of the bracket once
    /// `converged(a, b)` holds or after `maxIterations` evaluations (the bracket is then as
    /// small as that many steps made it; callers that need a guarantee check `converged`).
    /// Rethrows what f throws.
    public static func illinois(
        _ f: (Double) throws -> Double, _ a: Double, _ fa: Double, _ b: Double, _ fb: Double,
        maxIterations: Int, until converged: (Double, Double) -> Bool
    ) rethrows -> Double {
        if fa == 0 { return a }
        if fb == 0 { return b }
        // Without a sign change (or with NaN) there is nothing to refine: the better end.
        guard (fa > 0) != (fb > 0), !fa.isNaN, !fb.isNaN else { return abs(fa) <= abs(fb) ? a : b }
        var (a, fa, b, fb) = (a, fa, b, fb)
        // The sign at b, kept apart from fb, which the Illinois halving may shrink to 0.
        let positiveAtB = fb > 0
        var side = 0, bisect = false
        for _ in 0..<maxIterations {
            let width = abs(b - a)
            if converged(a, b) { break }
            var c = bisect ? 0.5 * (a + b) : (a * fb - b * fa) / (fb - fa)
            if !(c > min(a, b) && c < max(a, b)) { c = 0.5 * (a + b) }
            let fc = try f(c)
            if fc == 0 { return c }
            if (fc > 0) == positiveAtB {
                b = c; fb = fc
                if side == -1 { fa /= 2 }
                side = -1
            } else {
                a = c; fa = fc
                if side == 1 { fb /= 2 }
                side = 1
            }
            bisect = !bisect && abs(b - a) > 0.5 * width
        }
        return 0.5 * (a + b)
    }
}
