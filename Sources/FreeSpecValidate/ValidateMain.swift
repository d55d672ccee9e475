import Foundation

/// `freespec-validate`: runs the validation catalogue and the literature reproductions and
/// writes the report.
///
///     freespec-validate [--catalogue Validation/catalogue.json] [--out Docs/validation]
///                       [--freespec PATH] [--quick] [--jobs 2] [--timeout 60]
///                       [--filter TEXT] [--no-literature] [--strict]
///
/// --quick runs only the cases marked `quick` and no literature sections, and implies
/// --strict: exit status 1 when any case run did not pass (skipped cases excepted).
@main
struct ValidateMain {
    struct Options {
        var catalogue = "Validation/catalogue.json"
        var out = "Docs/validation"
        var freespec: String?
        var quick = false
        var jobs = 2
        var timeout = 60.0
        var filter: String?
        var literature = true
        var strict = false
    }

    static func parse(_ arguments: [String]) throws -> Options {
        var o = Options()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw ValidationFailure("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--catalogue": o.catalogue = try value()
            case "--out": o.out = try value()
            case "--freespec": o.freespec = try value()
            case "--quick": o.quick = true; o.literature = false; o.strict = true
            case "--jobs": guard let j = Int(try value()), j >= 1 else { throw ValidationFailure("--jobs needs a whole number ≥ 1") }; o.jobs = j
            case "--timeout": guard let t = Double(try value()), t > 0 else { throw ValidationFailure("--timeout needs seconds > 0") }; o.timeout = t
            case "--filter": o.filter = try value()
            case "--no-literature": o.literature = false
            case "--strict": o.strict = true
            case "-h", "--help":
                print("usage: freespec-validate [--catalogue FILE] [--out DIR] [--freespec PATH] [--quick] [--jobs N] [--timeout S] [--filter TEXT] [--no-literature] [--strict]")
                exit(0)
            default: throw ValidationFailure("unknown argument \(arguments[i])")
            }
            i += 1
        }
        return o
    }

    static func main() {
        do {
            try run(parse(Array(CommandLine.arguments.dropFirst())))
        } catch {
            FileHandle.standardError.write(Data("freespec-validate: error: \(error)\n".utf8))
            exit(2)
        }
    }

    static func run(_ o: Options) throws {
        let start = Date()
        let binary = o.freespec ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("freespec").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationFailure("no freespec binary at \(binary) (build it, or pass --freespec)")
        }
        var cases = try Catalogue.load(URL(fileURLWithPath: o.catalogue))
        if o.quick { cases = cases.filter { $0.quick == true } }
        if let f = o.filter { cases = cases.filter { $0.id.contains(f) } }
        let out = URL(fileURLWithPath: o.out)
        let figures = out.appendingPathComponent("figures")
        try FileManager.default.createDirectory(at: figures, withIntermediateDirectories: true)
        let freespec = Freespec(path: binary)
        let runner = CaseRunner(freespec: freespec, figures: figures, defaultTimeout: o.timeout)
        let total = cases.count
        say("running \(total) cases, \(o.jobs) at a time")
        let outcomes = runner.run(cases, jobs: o.jobs) { outcome, done in
            say(String(format: "[%d/%d] %@: %@ (%.1f s) %@", done, total, outcome.testCase.id, outcome.verdict.rawValue,
                       outcome.seconds, outcome.note))
        }
        var sections: [ReportSection] = []
        if o.literature {
            let context = LiteratureContext(freespec: freespec, jobs: o.jobs)
            for (name, make) in Literature.sections {
                say("literature: \(name)")
                sections.append(make(context))
            }
        }
        let command = "freespec-validate" + (o.quick ? " --quick" : "") + (o.filter.map { " --filter '\($0)'" } ?? "")
        try Report.write(outcomes: outcomes, sections: sections, to: out, command: command,
                         wallSeconds: Date().timeIntervalSince(start))
        let passed = outcomes.filter(\.verdict.passed).count
        let skipped = outcomes.filter { $0.verdict == .skipped }.count
        say(String(format: "%d of %d cases passed, %d skipped; report in %@ (%.0f s)", passed, total, skipped,
                   out.appendingPathComponent("REPORT.md").path, Date().timeIntervalSince(start)))
        if o.strict && passed + skipped < total { exit(1) }
    }
}

/// A progress line on stderr.
func say(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
