import CGSL

/// GSL's default error handler calls `abort()`. It is switched off exactly once, before the
/// first GSL call, and every status code is checked by the callers instead.
enum GSL {
    static let errorHandlerDisabled: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// Calls `body` with a `gsl_function` whose `function` evaluates `f`, keeping the closure
    /// alive for the whole call (GSL stores the pointer).
    static func withFunction<R>(_ f: (Double) -> Double, _ body: (UnsafeMutablePointer<gsl_function>) throws -> R) rethrows -> R {
        _ = errorHandlerDisabled
        return try withoutActuallyEscaping(f) { escapable in
            var box = escapable
            return try withUnsafeMutablePointer(to: &box) { boxPointer in
                var function = gsl_function(
                    function: { x, params in
                        params!.assumingMemoryBound(to: ((Double) -> Double).self).pointee(x)
                    },
                    params: UnsafeMutableRawPointer(boxPointer))
                return try body(&function)
            }
        }
    }

    static func message(_ status: Int32) -> String {
        String(cString: gsl_strerror(status))
    }
}
