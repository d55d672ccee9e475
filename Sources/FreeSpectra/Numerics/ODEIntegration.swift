import CGSL
import Foundation

/// An autonomous system of ODEs dy/dt = f(y) for GSL's `odeiv2`.
///
/// `derivative(y, f)` fills f(y) and returns false when y lies outside the system's domain
/// (the integrator then shrinks its step and retries); `jacobian(y, J)` fills ∂fᵢ/∂yⱼ
/// row-major in J[i·n + j] and is used by the implicit (BDF) method.
struct ODESystem {
    let dimension: Int
    let derivative: ([Double], inout [Double]) -> Bool
    let jacobian: ([Double], inout [Double]) -> Bool
}

/// The result of `ODEIntegration.integrate`: the state where integration stopped, the time,
/// the number of accepted steps and whether the stopping condition was met.
struct ODETrajectoryEnd {
    var time: Double
    var state: [Double]
    var steps: Int
    var stopped: Bool
}

/// Adaptive integration of an `ODESystem` by GSL `odeiv2` (Gear/BDF `msbdf`, variable order
/// 1–5, stiff-capable; or Runge–Kutta–Prince–Dormand 8(9) `rk8pd` for non-stiff checks), with
/// the standard error control |err| ≤ absoluteTolerance + relativeTolerance·|y| per component.
public enum ODEIntegration {
    public enum Method: Sendable { case bdf, rungeKutta89 }

    /// Integrates from y(0) = `initial` step by step until `stop(t, y)` holds, t reaches
    /// `maximumTime`, `maximumSteps` accepted steps have been taken, or `stalled(t, y)` holds.
    /// - Throws: `library` when GSL fails (step size underflow, a derivative undefined on every
    ///   trial step); `invalidArgument` for a non-finite initial state.
    static func integrate(
        _ system: ODESystem, from initial: [Double], method: Method = .bdf,
        absoluteTolerance: Double, relativeTolerance: Double, initialStep: Double,
        maximumTime: Double, maximumSteps: Int,
        stalled: (Double, [Double]) -> Bool = { _, _ in false },
        stop: (Double, [Double]) -> Bool
    ) throws -> ODETrajectoryEnd {
        _ = GSL.errorHandlerDisabled
        guard initial.count == system.dimension, initial.allSatisfy(\.isFinite) else {
            throw NumericalError.invalidArgument("ODE: the initial state must have \(system.dimension) finite entries")
        }
        final class Box {
            let system: ODESystem
            var y: [Double], f: [Double], j: [Double]
            init(_ s: ODESystem) {
                system = s
                y = [Double](repeating: 0, count: s.dimension)
                f = y
                j = [Double](repeating: 0, count: s.dimension * s.dimension)
            }
        }
        let box = Box(system)
        let n = system.dimension
        return try withExtendedLifetime(box) {
            var sys = gsl_odeiv2_system(
                function: { _, y, dydt, params in
                    let b = Unmanaged<Box>.fromOpaque(params!).takeUnretainedValue()
                    let n = b.system.dimension
                    for i in 0..<n { b.y[i] = y![i] }
                    guard b.system.derivative(b.y, &b.f), b.f.allSatisfy(\.isFinite) else { return Int32(GSL_FAILURE) }
                    for i in 0..<n { dydt![i] = b.f[i] }
                    return Int32(GSL_SUCCESS)
                },
                jacobian: { _, y, dfdy, dfdt, params in
                    let b = Unmanaged<Box>.fromOpaque(params!).takeUnretainedValue()
                    let n = b.system.dimension
                    for i in 0..<n { b.y[i] = y![i] }
                    guard b.system.jacobian(b.y, &b.j), b.j.allSatisfy(\.isFinite) else { return Int32(GSL_FAILURE) }
                    for i in 0..<(n * n) { dfdy![i] = b.j[i] }
                    for i in 0..<n { dfdt![i] = 0 }
                    return Int32(GSL_SUCCESS)
                },
                dimension: n,
                params: Unmanaged.passUnretained(box).toOpaque())
            let type = method == .bdf ? fs_odeiv2_msbdf() : fs_odeiv2_rk8pd()
            guard let driver = gsl_odeiv2_driver_alloc_y_new(&sys, type, initialStep, absoluteTolerance, relativeTolerance) else {
                throw NumericalError.library("GSL odeiv2: could not allocate the integrator")
            }
            defer { gsl_odeiv2_driver_free(driver) }
            var t = 0.0, h = initialStep, steps = 0
            var y = initial
            if stop(t, y) { return ODETrajectoryEnd(time: 0, state: y, steps: 0, stopped: true) }
            while t < maximumTime, steps < maximumSteps {
                let d = driver.pointee
                let status = gsl_odeiv2_evolve_apply(d.e, d.c, d.s, d.sys, &t, maximumTime, &h, &y)
                guard status == GSL_SUCCESS else {
                    throw NumericalError.library("GSL odeiv2 (\(method == .bdf ? "msbdf" : "rk8pd")) stopped at t = \(t) after \(steps) steps: \(GSL.message(status))")
                }
                steps += 1
                if stop(t, y) { return ODETrajectoryEnd(time: t, state: y, steps: steps, stopped: true) }
                if stalled(t, y) { break }
            }
            return ODETrajectoryEnd(time: t, state: y, steps: steps, stopped: false)
        }
    }
}
