import ArgumentParser
import FreeSpectra
import Foundation

// The library's errors speak of its methods (branches, skeletons, series); the user typed
// options. Every failure that reaches the user is restated here: the command and options that
// produced it, what went wrong in the user's terms, and what to try. The library's own text
// stays in the message (after "engine:") so that it can still be searched for and reported.

/// The command and options a failure is reported with.
struct ErrorContext {
    /// The subcommand, e.g. `jacobian`.
    var command: String
    /// The options, as the user typed them.
    var options: [String]
    /// Where in the command's work it failed, e.g. "at φ = 0.3" for one point of a grid.
    var detail: String? = nil

    /// The command line of this process.
    static var commandLine: ErrorContext {
        let arguments = Array(CommandLine.arguments.dropFirst())
        return ErrorContext(command: arguments.first ?? "", options: Array(arguments.dropFirst()))
    }

    /// Whether the option `name` (e.g. `--q-star`) was given.
    func has(_ name: String) -> Bool { options.contains { $0 == name || $0.hasPrefix(name + "=") } }

    /// The value given to `name`, if any.
    func value(_ name: String) -> String? {
        for (i, o) in options.enumerated() {
            if o == name, i + 1 < options.count { return options[i + 1] }
            if o.hasPrefix(name + "=") { return String(o.dropFirst(name.count + 1)) }
        }
        return nil
    }

    /// `freespec COMMAND OPTIONS`, quoted for a shell where needed, and the detail.
    var invocation: String {
        (["freespec", command] + options).map { word in
            word.isEmpty || word.contains(where: { " \t'\"$*?;&|<>()".contains($0) }) ? "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" : word
        }.joined(separator: " ") + (detail.map { " (\($0))" } ?? "")
    }

    /// The same context with `detail`.
    func at(_ detail: String) -> ErrorContext {
        var c = self
        c.detail = detail
        return c
    }
}

/// Runs `body`; a failure is written to standard error with exit status 2 (argument errors keep
/// ArgumentParser's status 64), restated for the user (`userMessage`). Nothing is printed on
/// standard output by this function: a command prints its answer only after it is complete.
func reportingErrors(_ context: @autoclosure () -> ErrorContext = .commandLine, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as NumericalError {
        FileHandle.standardError.write(Data("freespec: error: \(userMessage(error, context()))\n".utf8))
        throw ExitCode(2)
    } catch let error as ArrayFileError {
        // The readers' errors already name the file, the tensor and what is wrong.
        FileHandle.standardError.write(Data("freespec: error: \(error.description)\n".utf8))
        throw ExitCode(2)
    } catch let error as CocoaError {
        FileHandle.standardError.write(Data("freespec: error: \(fileErrorMessage(error))\n".utf8))
        throw ExitCode(2)
    } catch let error as POSIXError {
        FileHandle.standardError.write(Data("freespec: error: \(fileErrorMessage(error))\n".utf8))
        throw ExitCode(2)
    }
}

/// A file-system error in the user's terms: the path and what is wrong with it (Foundation's
/// own text is "The operation could not be completed. (NSCocoaErrorDomain error 512.)").
func fileErrorMessage(_ error: Error, path given: String? = nil) -> String {
    let ns = error as NSError
    let path = given ?? (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    var reason: String
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(underlying.code)))
    } else if let posix = error as? POSIXError {
        reason = String(cString: strerror(posix.code.rawValue))
    } else if let cocoa = error as? CocoaError {
        switch cocoa.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: reason = "no such file or folder"
        case .fileWriteNoPermission, .fileReadNoPermission: reason = "permission denied"
        case .fileWriteOutOfSpace: reason = "the disk is full"
        case .fileWriteVolumeReadOnly: reason = "the disk is read-only"
        case .fileWriteFileExists: reason = "a file of that name exists"
        default: reason = "error \(cocoa.code.rawValue)"
        }
    } else {
        reason = "\(error)"
    }
    if let path {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            reason = "it is a folder"
        } else if !FileManager.default.fileExists(atPath: folder) {
            reason = "the folder \(folder) does not exist"
        }
        return "could not write \(path): \(reason)"
    }
    return "could not write a file: \(reason)"
}

/// A library error restated with the command, what it means for the user and what to try.
func userMessage(_ error: NumericalError, _ context: ErrorContext) -> String {
    let (what, advice) = explain(error, context)
    var text = "\(context.invocation): no answer: \(what)"
    if !advice.isEmpty { text += ". " + advice }
    return text.hasSuffix(".") ? text : text + "."
}

/// What went wrong and what to try, for the failures the engine is known to report; any other
/// failure keeps the engine's text with advice by its kind.
func explain(_ error: NumericalError, _ context: ErrorContext) -> (what: String, advice: String) {
    let message: String, kind: String
    switch error {
    case .invalidArgument(let m): (message, kind) = (m, "invalid")
    case .didNotConverge(let m): (message, kind) = (m, "convergence")
    case .noSolution(let m): (message, kind) = (m, "none")
    case .library(let m): (message, kind) = (m, "library")
    }
    let stripped = message.hasSuffix(".") ? String(message.dropLast()) : message
    let nearby = nearbyAdvice(context)

    // The density sweep lost the branch of the spectrum's equation.
    if let m = firstMatch(#"branch continuation stalled at x = (\S+) \(target (\S+)\)"#, in: message)
        ?? firstMatch(#"branch continuation did not reach x = (\S+) within [0-9 ]+ steps(?: or [0-9 ]+ solves)? \(stuck at x = (\S+)\)"#, in: message).map({ [$0[1], $0[0]] }) {
        return ("the solver lost the spectrum's branch near λ = \(m[0]) on its way to λ = \(m[1]) (the equation it follows turns too sharply there for double precision) (engine: \(stripped))",
                "This is a limit of freespec, not a fault in the input: \(nearby)")
    }
    // The skeleton of a very deep spectrum ran out of steps.
    if let m = firstMatch(#"skeleton used ([0-9 ]+) steps and stopped at log λ = (\S+) with a mass (\S+) of the continuous part still below"#, in: message) {
        let decade = (Double(m[1]) ?? .nan) / log(10)
        return ("the spectrum spans too many decades to trace to its lower edge: after \(m[0]) steps it had reached λ = 10^\(String(format: "%.4g", decade)) with a fraction \(m[2]) of the continuous part still below (engine: \(stripped))",
                "Try a smaller --depth, or a --q-star (--sigma-w) where the network is better conditioned")
    }
    // The slopes φ′(√q h)² underflow at the network's q.
    if let m = firstMatch(#"the law of φ′\(√q h\)² for (\S+) at q = (\S+) puts a mass (\S+) below 1e-308"#, in: message) {
        var advice: String
        if context.has("--q-star") {
            advice = "Use a smaller --q-star"
        } else if context.has("--input-length") {
            advice = "Use a smaller --input-length, --sigma-w or --sigma-b: together they set q"
        } else if context.has("--sigma-w") {
            advice = "Use a smaller --sigma-w or --sigma-b, which set q (the fixed point q*, or layer by layer q^l, which at σ_b = 0 grows with depth: then a smaller --depth also helps)"
        } else {
            advice = "Use a smaller q*"
        }
        var place = "at pre-activation variance q = \(m[1])"
        if let layer = firstMatch(#"layer (\d+) of the network has pre-activations of variance q\^\d+ = \S+ \(([^)]*)\)"#, in: message) {
            place = "at layer \(layer[0]), whose pre-activations have variance q^\(layer[0]) = \(m[1]) (\(layer[1]))"
        }
        return ("\(place), a fraction \(m[2]) of the squared slopes φ′(√q h)² of \(m[0]) lies below 1e-308, where double precision underflows, so the spectrum cannot be computed", advice)
    }
    // The critical line needs a negative σ_b².
    if let m = firstMatch(#"(\S+) has no critical point with q\* = (\S+): it would need σ_b² = (\S+) < 0"#, in: message) {
        return ("no bias puts \(m[0]) on its critical line χ = 1 at q* = \(m[1]): it would need σ_b² = \(m[2]) < 0",
                "The critical line exists only where σ_b² ≥ 0: `freespec critical-line --activation \(m[0]) --q-star 0.001:1000:13` shows where; or give --sigma-w (and --sigma-b) instead")
    }
    // A failed step on the moment series.
    if ["composition needs an inner series", "reciprocal of a series", "log of a series", "reversion needs", "S(0) must be non-zero", "S-transform needs"].contains(where: message.contains) {
        return ("the moment series of the spectrum could not be formed, because the layers' widths or slopes span more than double precision holds (engine: \(stripped))",
                "Bring --width-ratios closer to 1, or --q-star (--sigma-w) closer to the critical line")
    }
    if message.contains("M_{D²}") {
        return ("the solver could not invert the moment transform of the slopes' law (engine: \(stripped))", "This is a limit of freespec, not a fault in the input: \(nearby)")
    }
    if message.hasPrefix("dgesdd") || message.hasPrefix("dsyevd") || message.hasPrefix("dgeqrf") || message.hasPrefix("dorgqr") || message.hasPrefix("dgetrf") {
        return ("LAPACK failed on a sampled matrix (engine: \(stripped))", "Rerun with another --seed; if it persists, lower --width (--size, --n0)")
    }
    if message.contains("ridge system not positive definite") {
        return ("a sampled ridge regression was numerically singular (engine: \(stripped))", "Raise the smallest γ of --gamma")
    }
    switch kind {
    case "invalid":
        return (stripped, "Change those options (see freespec \(context.command) --help for their ranges)")
    case "none":
        return (stripped, "")
    default:
        return (stripped, "This is a limit of freespec, not a fault in the input: \(nearby); please report the command")
    }
}

/// What usually gets past a numerical limit of the command, by the options it has.
func nearbyAdvice(_ context: ErrorContext) -> String {
    switch context.command {
    case "jacobian":
        var tries = ["a different --points (e.g. 199 or 1001)", "the other --scale"]
        if context.has("--at") { tries.append("other --at values") }
        tries.append(context.has("--q-star") ? "a slightly different --q-star" : "a slightly different --sigma-w or --sigma-b")
        tries.append("another --depth")
        return "nearby values usually work — try " + tries.joined(separator: ", ")
    case "gram":
        return "nearby values usually work — try a slightly different --phi or --psi, or another --points"
    case "hessian":
        return "nearby values usually work — try a slightly different --phi or --epsilon, or another --points"
    case "critical-energy":
        return "nearby values usually work — try a slightly different --phi"
    default:
        return "nearby values of these options usually work"
    }
}

/// The capture groups of the first match of `pattern` in `text`.
func firstMatch(_ pattern: String, in text: String) -> [String]? {
    guard let regex = try? NSRegularExpression(pattern: pattern),
          let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { return nil }
    return (1..<match.numberOfRanges).map { i in
        Range(match.range(at: i), in: text).map { String(text[$0]) } ?? ""
    }
}
