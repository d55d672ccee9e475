import Foundation

/// One validation case: a model at one parameter point, with its Monte Carlo settings.
///
/// Fields that do not apply to the model are nil. `monteCarlo == false` makes a theory-only
/// case (its verdict comes from the engine's self-check of mass and moments); `reason` then
/// says why.
struct ValidationCase: Decodable, Sendable {
    enum Model: String, Decodable, Sendable { case jacobian, gram, hessian }

    var model: Model
    // Jacobian
    var activation: String?
    var weights: String?
    var depth: Int?
    var qStar: Double?
    var sigmaW: Double?
    var sigmaB: Double?
    /// Rectangular layers: N_l/N_0 for l = 1 … L, comma-separated (passed as `--width-ratios`).
    var widthRatios: String?
    /// Monte Carlo mode: network (a real forward pass) or independent (each D from its law).
    var mode: String?
    var width: Int?
    // Gram
    var phi: Double?
    var psi: Double?
    var n0: Int?
    // Hessian (also `phi`)
    var epsilon: Double?
    var size: Int?
    // Common
    var samples: Int?
    var seed: UInt64?
    var monteCarlo: Bool?
    var reason: String?
    var quick: Bool?
    var timeout: Double?
    /// Allowed |m1_MC/m1 − 1| on top of 4 standard errors (see `CaseEvaluation`).
    var m1Tolerance: Double?
    /// Text the engine's error message must contain for a case that has no answer by design
    /// (e.g. a length map that diverges, so there is no q*): such a case passes as
    /// "expected error" when the message matches.
    var expectError: String?

    var runsMonteCarlo: Bool { monteCarlo ?? true }

    /// A short unique name, e.g. "jacobian tanh orthogonal L=32 q*=0.2".
    var id: String {
        func g(_ x: Double) -> String { String(format: "%g", x) }
        switch model {
        case .jacobian:
            var s = "jacobian \(activation ?? "?") \(weights ?? "?") L=\(depth ?? 0)"
            if let q = qStar { s += " q*=\(g(q))" }
            if let w = sigmaW { s += " σw=\(g(w)) σb=\(g(sigmaB ?? 0))" }
            if let r = widthRatios { s += " widths=\(r)" }
            if let m = mode, m != "network" { s += " (\(m))" }
            return s
        case .gram:
            return "gram \(activation ?? "?") φ=\(g(phi ?? .nan)) ψ=\(g(psi ?? .nan))"
        case .hessian:
            return "hessian φ=\(g(phi ?? .nan)) ε=\(g(epsilon ?? .nan))"
        }
    }

    /// A file-name-safe version of `id`.
    var slug: String {
        let map: [Character: String] = ["σ": "s", "φ": "phi", "ψ": "psi", "ε": "eps", "*": "", "=": "", " ": "-", ",": "_", "(": "", ")": ""]
        return id.map { map[$0] ?? String($0) }.joined()
    }

    /// The `freespec` command line for this case (JSON output, Monte Carlo when asked).
    func arguments(densityPoints: Int = 160) -> [String] {
        var a: [String]
        switch model {
        case .jacobian:
            a = ["jacobian", "--activation", activation ?? "tanh", "--weights", weights ?? "orthogonal", "--depth", "\(depth ?? 1)"]
            if let q = qStar { a += ["--q-star", "\(q)"] } else { a += ["--sigma-w", "\(sigmaW ?? 1)", "--sigma-b", "\(sigmaB ?? 0)"] }
            if let r = widthRatios { a += ["--width-ratios", r] }
            if runsMonteCarlo {
                a += ["--monte-carlo", "--width", "\(width ?? 256)", "--samples", "\(samples ?? 4)", "--seed", "\(seed ?? 1)"]
                if let m = mode { a += ["--mode", m] }
            }
        case .gram:
            a = ["gram", "--activation", activation ?? "relu", "--phi", "\(phi ?? 1)", "--psi", "\(psi ?? 1)"]
            if runsMonteCarlo { a += ["--monte-carlo", "--n0", "\(n0 ?? 300)", "--samples", "\(samples ?? 4)", "--seed", "\(seed ?? 1)"] }
        case .hessian:
            a = ["hessian", "--phi", "\(phi ?? 0.5)", "--epsilon", "\(epsilon ?? 0)"]
            if runsMonteCarlo { a += ["--monte-carlo", "--size", "\(size ?? 400)", "--samples", "\(samples ?? 4)", "--seed", "\(seed ?? 1)"] }
        }
        return a + ["--points", "\(densityPoints)", "--format", "json"]
    }
}

/// The catalogue file: `defaults` applied to every case; `cases`, where any field given as a
/// list expands into one case per value (the Cartesian product over all listed fields); and
/// `quick`, the ids of the cases in the quick subset.
enum Catalogue {
    static func load(_ url: URL) throws -> [ValidationCase] {
        let data = try Data(contentsOf: url)
        guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = root["cases"] as? [[String: Any]] else {
            throw ValidationFailure("\(url.path): expected {\"defaults\": {…}, \"cases\": [{…}, …]}")
        }
        let defaults = root["defaults"] as? [String: Any] ?? [:]
        var cases: [ValidationCase] = []
        for entry in entries {
            for expanded in expand(entry.filter { !$0.key.hasPrefix("_") }) {
                let merged = defaults.merging(expanded) { _, new in new }
                do {
                    cases.append(try JSONDecoder().decode(ValidationCase.self, from: JSONSerialization.data(withJSONObject: merged)))
                } catch {
                    throw ValidationFailure("\(url.path): case \(merged): \(error)")
                }
            }
        }
        let quick = root["quick"] as? [String] ?? []
        for name in quick {
            guard let i = cases.firstIndex(where: { $0.id == name }) else {
                throw ValidationFailure("\(url.path): quick case '\(name)' matches no case")
            }
            cases[i].quick = true
        }
        let ids = cases.map(\.id)
        if let dup = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            throw ValidationFailure("\(url.path): case '\(dup)' appears more than once")
        }
        return cases
    }

    /// The Cartesian product over the fields whose values are lists.
    static func expand(_ entry: [String: Any]) -> [[String: Any]] {
        var result: [[String: Any]] = [[:]]
        for key in entry.keys.sorted() {
            let values = (entry[key] as? [Any]) ?? [entry[key]!]
            result = result.flatMap { partial in values.map { partial.merging([key: $0]) { _, new in new } } }
        }
        return result
    }
}

/// An error of the runner itself (bad catalogue, missing binary), with its message.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
