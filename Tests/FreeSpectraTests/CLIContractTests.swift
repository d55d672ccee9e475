import ArgumentParser
import FreeSpectra
import Foundation
import Testing
@testable import freespec

/// The command line's contract (issue 22): every malformed or out-of-range input is a usage
/// error (exit 64) before any work, naming the option, the value and what is accepted; names
/// and numbers are read one way everywhere; output files are checked by creating them and
/// nothing is left behind; options that need --monte-carlo are refused without it; large Monte
/// Carlo runs are refused without --allow-large; engine failures are restated in the user's
/// terms. Parsing runs in process (`FreeSpec.parseChecked`, as `main` does); exit status and
/// standard output through the built binary.
@Suite struct CLIContractTests {
    /// The usage error `arguments` give, or nil when they parse and validate.
    static func usageError(_ arguments: [String]) -> String? {
        do {
            _ = try FreeSpec.parseChecked(arguments)
            return nil
        } catch {
            let code = FreeSpec.exitCode(for: error)
            return code == .validationFailure ? FreeSpec.message(for: error) : "exit \(code.rawValue): \(FreeSpec.message(for: error))"
        }
    }

    /// `arguments` must be refused with a message containing each of `expected`.
    static func expectRefused(_ arguments: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        guard let message = usageError(arguments) else {
            Issue.record("accepted: freespec \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
            return
        }
        #expect(!message.hasPrefix("exit "), "not a usage error: \(message)", sourceLocation: sourceLocation)
        for text in expected {
            #expect(message.contains(text), "freespec \(arguments.joined(separator: " ")): '\(message)' does not contain '\(text)'",
                    sourceLocation: sourceLocation)
        }
    }

    static func expectAccepted(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        if let message = usageError(arguments) {
            Issue.record("freespec \(arguments.joined(separator: " ")) refused: \(message)", sourceLocation: sourceLocation)
        }
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("freespec-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    // MARK: Unknown options come first

    @Test func unknownOptionIsNamedBeforeAnyCheckOfValues() {
        // jacobian has no required option: before the fix its validate() spoke of --q-star.
        Self.expectRefused(["jacobian", "--foo"], ["Unknown option '--foo'"])
        Self.expectRefused(["jacobian", "--q-star", "0", "--foo"], ["Unknown option '--foo'"])
        Self.expectRefused(["hessian", "--phi", "0.5", "--epsilon", "-1", "--foo"], ["Unknown option '--foo'"])
        Self.expectRefused(["gram", "--phi", "0.5", "--psi", "0", "--foo"], ["Unknown option '--foo'"])
        Self.expectRefused(["critical-energy", "--phi", "0", "--foo"], ["Unknown option '--foo'"])
        Self.expectRefused(["critical-line", "--q-star", "x", "--foo"], ["Unknown option '--foo'"])
        // The second parse still checks values.
        Self.expectRefused(["jacobian", "--q-star", "0"], ["--q-star", "> 0"])
    }

    // MARK: One parser for names

    @Test func namesAreCaseInsensitiveEverywhere() throws {
        let parsed = try #require(try FreeSpec.parseChecked(["jacobian", "--activation", "TANH", "--weights", "Gaussian,ORTHOGONAL", "--format", "JSON",
                                                             "--scale", "Log", "--q-star", "0.5", "--monte-carlo", "--mode", "Independent"]) as? JacobianCommand)
        #expect(parsed.ensembles == [.gaussian, .orthogonal])
        #expect(parsed.format == .json)
        #expect(parsed.scale == .log)
        #expect(parsed.monteCarlo.mode == .independent)
        #expect(try parseActivation(parsed.activation).name == "tanh")
        let gram = try #require(try FreeSpec.parseChecked(["gram", "--phi", "1", "--psi", "1", "--format", "Csv", "--activation", "ReLU"]) as? GramCommand)
        #expect(gram.format == .csv)
    }

    @Test func unknownNamesListTheValidOnes() {
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--weights", "gauss"], ["--weights", "'gauss'", "gaussian, orthogonal"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--format", "xml"], ["--format", "'xml'", "'table', 'json' or 'csv'"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--scale", "cubic"], ["--scale", "'linear' and 'log'"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--monte-carlo", "--mode", "forward"], ["--mode", "'network' and 'independent'"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--activation", "tanhh"], ["--activation", "tanhh"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--activation", "cube"], ["--activation", "cube", "abs"])
    }

    // MARK: Lists and numbers

    @Test func listsWithEmptyItemsAreRefused() {
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--depth", "1,,2"], ["--depth", "'1,,2'", "item 2", "empty"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--depth", "4,"], ["--depth", "item 2", "empty"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--weights", ",gaussian"], ["--weights", "item 1", "empty"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--at", "1,,2"], ["--at", "item 2"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--width-ratios", "1,,2"], ["--width-ratios", "item 2"])
        Self.expectRefused(["hessian", "--phi", "0.5", "--epsilon", "0.1", "--at", ","], ["--at", "empty"])
        Self.expectRefused(["critical-line", "--activation", "tanh,,erf"], ["--activation", "item 2", "tanh,erf"])
    }

    @Test func numbersArePlainDecimalOnly() {
        for bad in ["0x10", "inf", "-inf", "nan", "infinity", "1e400", "0.5.1", "1e", "", "0b1", "1_000"] {
            Self.expectRefused(["jacobian", "--q-star", bad], ["--q-star", "'\(bad)'"])
        }
        Self.expectRefused(["jacobian", "--sigma-w", "0x1p1"], ["--sigma-w", "plain decimal"])
        Self.expectRefused(["jacobian", "--sigma-w", "1.2", "--sigma-b", "NaN"], ["--sigma-b", "plain decimal"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--at", "1,0x2"], ["--at", "'0x2'"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--points", "1e3"], ["--points", "whole number"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--activation", "leaky-relu:0x0.1"], ["--activation", "plain decimal"])
        Self.expectRefused(["gram", "--phi", "0x1", "--psi", "1"], ["--phi", "plain decimal"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--train-loss", "--gamma", "1e-3:0x10:3"], ["--gamma", "LO:HI:COUNT"])
        Self.expectRefused(["hessian", "--phi", "0.5", "--epsilon", "inf"], ["--epsilon", "plain decimal"])
        Self.expectRefused(["critical-energy", "--phi", "0x1"], ["--phi", "'0x1'"])
        Self.expectRefused(["critical-energy", "--phi", "0.1:nan:0.1"], ["--phi", "LO:HI:STEP"])
        Self.expectRefused(["critical-line", "--q-star", "0.1:inf:3"], ["--q-star", "LO:HI:COUNT"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--monte-carlo", "--seed", "-1"], ["--seed", "0 to"])
        // Plain decimals in every spelling are read.
        for good in ["0.5", ".5", "5e-1", "+0.5", "0.50E+0", "5.", "1e-300"] {
            Self.expectAccepted(["jacobian", "--q-star", good, "--depth", "1"])
        }
    }

    // MARK: Ranges

    @Test func valuesOutOfRangeNameTheRange() {
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--depth", "0"], ["--depth", "1 to 100000", "got 0"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--depth", "100001"], ["--depth", "1 to 100000", "100001"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--points", "1"], ["--points", "2 to 1000000", "got 1"])
        Self.expectRefused(["jacobian", "--q-star", "1e-320"], ["--q-star", "1e-320", "2.2e-308"])
        Self.expectRefused(["jacobian", "--q-star", "-1"], ["--q-star", "> 0", "-1"])
        Self.expectRefused(["jacobian", "--sigma-w", "0"], ["--sigma-w", "> 0"])
        Self.expectRefused(["jacobian", "--sigma-w", "1", "--sigma-b", "-0.1"], ["--sigma-b", "≥ 0", "-0.1"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--input-length", "0"], ["--input-length", "> 0"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--width-ratios", "1e300"], ["--width-ratios", "[1e-6, 1e6]"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--width-ratios", "1e-7"], ["--width-ratios", "[1e-6, 1e6]"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--at", "1e-320"], ["--at", "1e-320", "2.2e-308"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--at", "-1"], ["--at", "≥ 0", "-1"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--activation", "leaky-relu:2"], ["--activation", "[0, 1)"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--monte-carlo", "--width", "1"], ["--width", "2 and 20000", "got 1"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--monte-carlo", "--samples", "0"], ["--samples", "1 and 10000"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--monte-carlo", "--threads", "0"], ["--threads", "1 and 256"])
        Self.expectRefused(["gram", "--phi", "0", "--psi", "1"], ["--phi", "(0, 1e6]", "got 0"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "2e6"], ["--psi", "(0, 1e6]"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--sigma-x", "0"], ["--sigma-x", "(0, 1e6]"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--points", "100001"], ["--points", "2 to 100000"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--layers", "0"], ["--layers", "1 to 100"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--monte-carlo", "--n0", "5000"], ["--n0", "2 to 4000"])
        Self.expectRefused(["gram", "--phi", "1e-3", "--psi", "1", "--monte-carlo", "--n0", "100"], ["--n0 100", "m = round(n₀/φ) = 100000", "8000"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--train-loss", "--gamma", "1:0.1:3"], ["--gamma", "0 < LO ≤ HI", "'1:0.1:3'"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--train-loss", "--gamma", "0.1:1:1001"], ["--gamma", "1 to 1000"])
        Self.expectRefused(["hessian", "--phi", "0.5", "--epsilon", "-1"], ["--epsilon", "[0, 1e6]", "-1"])
        Self.expectRefused(["hessian", "--phi", "-1", "--epsilon", "0"], ["--phi", "(0, 1e6]"])
        Self.expectRefused(["hessian", "--phi", "0.5", "--epsilon", "0", "--monte-carlo", "--size", "1"], ["--size", "2 and 4000"])
        Self.expectRefused(["hessian", "--phi", "0.001", "--epsilon", "0", "--monte-carlo"], ["--size 400", "--phi 0.001", "50000"])
        Self.expectRefused(["critical-energy", "--phi", "0.1:0.9:0"], ["--phi", "STEP > 0"])
        Self.expectRefused(["critical-energy", "--phi", "0.001:10:0.001"], ["--phi", "at most 2000"])
        Self.expectRefused(["critical-line", "--q-star", "1:0.1:3"], ["--q-star", "0 < LO ≤ HI"])
        Self.expectRefused(["critical-line", "--q-star", "0.1:1:0"], ["--q-star", "1 to 10000"])
    }

    // MARK: Options that need --monte-carlo, and other conflicts

    @Test func monteCarloOptionsWithoutMonteCarloAreRefused() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for option in [["--width", "100"], ["--samples", "2"], ["--seed", "3"], ["--mode", "independent"],
                       ["--eigenvalues", folder.appendingPathComponent("e.npy").path], ["--threads", "1"], ["--allow-large"]] {
            Self.expectRefused(["jacobian", "--q-star", "0.5"] + option, [option[0], "needs --monte-carlo"])
            Self.expectAccepted(["jacobian", "--q-star", "0.5", "--monte-carlo"] + option)
        }
        Self.expectRefused(["hessian", "--phi", "0.5", "--epsilon", "0.1", "--size", "100"], ["--size", "needs --monte-carlo"])
        Self.expectRefused(["critical-energy", "--phi", "0.5", "--samples", "2"], ["--samples", "needs --monte-carlo"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--n0", "100"], ["--n0", "--monte-carlo or --layers"])
        Self.expectAccepted(["gram", "--phi", "1", "--psi", "1", "--n0", "100", "--layers", "2", "--samples", "1"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--gamma", "0.1:1:3"], ["--gamma", "add --train-loss"])
    }

    @Test func conflictingOptionsAreRefused() throws {
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--sigma-w", "1.2"], ["--q-star and --sigma-w conflict"])
        Self.expectRefused(["jacobian"], ["give --q-star", "or --sigma-w"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--sigma-b", "0.1"], ["--sigma-b goes with --sigma-w"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--width-ratios", "1,2", "--depth", "3"], ["--width-ratios", "2 ratios need --depth 2"])
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("e.npy").path
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--depth", "4,8", "--monte-carlo", "--eigenvalues", file],
                           ["--eigenvalues", "one configuration", "give 2"])
        let same = folder.appendingPathComponent("x.csv").path
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--monte-carlo", "--eigenvalues", same, "--plot", same], ["same file"])
    }

    // MARK: Output files

    @Test func outputPathsAreCheckedByCreatingThem() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let base = ["jacobian", "--q-star", "0.5", "--depth", "2"]
        Self.expectRefused(base + ["--plot", folder.path], ["--plot", folder.path, "is a folder"])
        Self.expectRefused(base + ["--plot", ""], ["--plot", "empty path"])
        Self.expectRefused(base + ["--plot", folder.appendingPathComponent("no/such/x.svg").path], ["--plot", "no/such", "does not exist"])
        Self.expectRefused(base + ["--plot", "/proc/freespec-x.svg"], ["--plot", "/proc/freespec-x.svg", "cannot create"])
        Self.expectRefused(base + ["--plot", folder.appendingPathComponent("x.png").path], ["--plot", "x.png", ".svg", "rsvg-convert"])
        Self.expectRefused(base + ["--plot", folder.appendingPathComponent("x").path], ["--plot", "no extension"])
        Self.expectRefused(base + ["--monte-carlo", "--eigenvalues", folder.appendingPathComponent("e.txt").path], ["--eigenvalues", ".csv or .npy"])
        Self.expectRefused(["gram", "--phi", "1", "--psi", "1", "--plot", folder.path], ["--plot", "is a folder"])
        Self.expectRefused(["hessian", "--phi", "1", "--epsilon", "1", "--plot", "/proc/h.svg"], ["--plot", "cannot create"])
        Self.expectRefused(["critical-energy", "--phi", "0.5", "--plot", "ec.pdf"], ["--plot", "ec.pdf", ".svg"])
        // A read-only folder (root may write anywhere, so only for other users).
        if getuid() != 0 {
            let locked = folder.appendingPathComponent("locked")
            try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o500])
            Self.expectRefused(base + ["--plot", locked.appendingPathComponent("x.svg").path], ["--plot", "cannot create"])
        }
        // Accepted paths are not left behind by the check, and a later refusal leaves nothing.
        let plot = folder.appendingPathComponent("fine.SVG").path
        Self.expectAccepted(base + ["--plot", plot])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--depth", "64", "--plot", plot, "--monte-carlo", "--width", "3000", "--samples", "100"], ["--allow-large"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "locked" }.isEmpty)
        // An existing file is checked without being truncated.
        let existing = folder.appendingPathComponent("kept.svg")
        try Data("keep".utf8).write(to: existing)
        Self.expectAccepted(base + ["--plot", existing.path])
        #expect(try String(contentsOf: existing, encoding: .utf8) == "keep")
    }

    // MARK: Size estimate

    @Test func largeMonteCarloRunsNeedAllowLarge() throws {
        let long = ["jacobian", "--q-star", "0.5", "--depth", "64", "--monte-carlo", "--width", "3000", "--samples", "100"]
        Self.expectRefused(long, ["Monte Carlo", "100 samples", "N = 3000", "min", "--width or --samples", "--allow-large"])
        Self.expectAccepted(long + ["--allow-large"])
        Self.expectRefused(["jacobian", "--q-star", "0.5", "--depth", "2", "--monte-carlo", "--width", "12000"], ["GB", "--allow-large"])
        Self.expectRefused(["hessian", "--phi", "0.1", "--epsilon", "0.1", "--monte-carlo", "--size", "4000", "--samples", "40"], ["n = 4000", "m = 40000", "--allow-large"])
        Self.expectRefused(["gram", "--phi", "0.5", "--psi", "0.5", "--monte-carlo", "--n0", "4000", "--train-loss"], ["ridge regressions", "--allow-large"])
        Self.expectRefused(["critical-energy", "--phi", "0.2:1:0.01", "--monte-carlo", "--size", "4000"], ["81 values of φ", "--allow-large"])
        // A small run has no notice; a mid-sized one is announced.
        let small = try #require(try FreeSpec.parseChecked(["jacobian", "--q-star", "0.5", "--monte-carlo"]) as? SamplingCommand)
        #expect(small.monteCarloRun?.budget.notice == nil)
        let middle = try #require(try FreeSpec.parseChecked(["hessian", "--phi", "0.1", "--epsilon", "0.1", "--monte-carlo", "--size", "4000"]) as? SamplingCommand)
        let notice = try #require(middle.monteCarloRun?.budget.notice)
        #expect(notice.contains("GB") && notice.contains("n = 4000"))
        let theoryOnly = try #require(try FreeSpec.parseChecked(["hessian", "--phi", "0.1", "--epsilon", "0.1"]) as? SamplingCommand)
        #expect(theoryOnly.monteCarloRun == nil)
    }

    @Test func estimateFollowsTheMeasuredCosts() {
        // Orthogonal N = 2000, L = 4, one sample took 5.9 s and 130 MB; Gaussian 4.7 s.
        let orthogonal = MonteCarloBudget.jacobian([(Array(repeating: 2000, count: 5), .orthogonal)], samples: 1)
        let gaussian = MonteCarloBudget.jacobian([(Array(repeating: 2000, count: 5), .gaussian)], samples: 1)
        #expect(orthogonal.seconds > 5.9 / 2 && orthogonal.seconds < 5.9 * 2)
        #expect(gaussian.seconds > 4.7 / 2 && gaussian.seconds < 4.7 * 2)
        #expect(orthogonal.bytes > 130e6 / 2 && orthogonal.bytes < 130e6 * 2)
        // Memory grows like N², time like N³ and the samples.
        let wider = MonteCarloBudget.jacobian([(Array(repeating: 4000, count: 5), .orthogonal)], samples: 2)
        #expect(abs(wider.bytes / orthogonal.bytes - 4) < 1e-12)
        #expect(abs(wider.seconds / orthogonal.seconds - 16) < 0.5)
    }

    // MARK: Engine failures in the user's terms

    @Test func engineFailuresAreRestatedWithOptionsAndWhatToTry() {
        let critical = ErrorContext(command: "jacobian", options: ["--q-star", "1e-8", "--depth", "4"])
        let stalled = userMessage(.didNotConverge("branch continuation stalled at x = 0.9999999999999991 (target 0.9999999999999991)"), critical)
        #expect(stalled.hasPrefix("freespec jacobian --q-star 1e-8 --depth 4: no answer:"))
        #expect(stalled.contains("λ = 0.9999999999999991") && stalled.contains("--points") && stalled.contains("--q-star"))

        let weights = ErrorContext(command: "jacobian", options: ["--sigma-w", "100"])
        let underflow = userMessage(.invalidArgument("the law of φ′(√q h)² for tanh at q = 9919.89 puts a mass 0.06 below 1e-308, where Double underflows; its spectra cannot be computed: use a smaller q (q*)"), weights)
        #expect(underflow.contains("smaller --sigma-w") && !underflow.contains("use a smaller q (q*)"))
        let layered = userMessage(.noSolution("layer 6 of the network has pre-activations of variance q^6 = 15.88 (σ_w = 1.7, σ_b = 0, input length 1: q^l grows without bound), where the law of φ′(√q h)² for gelu at q = 15.8773 puts a mass 3.2e-12 below 1e-308, where Double underflows; its spectra cannot be computed: use a smaller q (q*). Lower --sigma-w or --depth."), weights)
        #expect(layered.contains("at layer 6") && layered.contains("q^6 = 15.8773") && layered.contains("grows without bound") && !layered.contains("use a smaller q (q*)"), "\(layered)")
        let onLine = userMessage(.invalidArgument("the law of φ′(√q h)² for erf at q = 9 puts a mass 0.1 below 1e-308, where Double underflows; its spectra cannot be computed: use a smaller q (q*)"), critical)
        #expect(onLine.contains("smaller --q-star"))

        let skeleton = userMessage(.didNotConverge("the spectrum's skeleton used 200 000 steps and stopped at log λ = -5.29e+06 with a mass 0.00046 of the continuous part still below"), critical)
        #expect(skeleton.contains("10^-2.297e+06") && skeleton.contains("--depth") && skeleton.contains("0.00046"))

        let bias = userMessage(.noSolution("sigmoid has no critical point with q* = 0.2: it would need σ_b² = -4.37 < 0"), critical)
        #expect(bias.contains("σ_b² = -4.37 < 0") && bias.contains("freespec critical-line --activation sigmoid"))

        let series = userMessage(.invalidArgument("composition needs an inner series with zero constant term"), critical)
        #expect(series.contains("--width-ratios") && series.contains("double precision"))

        // Anything else keeps the engine's text, with the command and advice by its kind.
        let other = userMessage(.didNotConverge("quadrature on [0, 1]: roundoff (error estimate 1e-3)"),
                                ErrorContext(command: "hessian", options: ["--phi", "0.5", "--epsilon", "0.1"]))
        #expect(other.contains("freespec hessian --phi 0.5 --epsilon 0.1") && other.contains("quadrature on [0, 1]") && other.contains("--epsilon"))
        // A grid point is named.
        let point = userMessage(.didNotConverge("brent"), ErrorContext(command: "critical-energy", options: ["--phi", "0.1:1:0.1"]).at("at φ = 0.3"))
        #expect(point.hasPrefix("freespec critical-energy --phi 0.1:1:0.1 (at φ = 0.3): no answer:"))
    }

    @Test func fileErrorsNameThePathAndTheReason() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try writeText("x", to: folder.path)
            Issue.record("writing to a folder succeeded")
        } catch {
            let message = fileErrorMessage(error)
            #expect(message == "could not write \(folder.path): it is a folder", "\(message)")
        }
        let missing = folder.appendingPathComponent("gone/x.svg").path
        do {
            try writeText("x", to: missing)
            Issue.record("writing into a missing folder succeeded")
        } catch {
            let message = fileErrorMessage(error)
            #expect(message.contains(missing) && message.contains("does not exist") && !message.contains("NSCocoaErrorDomain"), "\(message)")
        }
    }

    // MARK: Through the binary: exit status, standard output, files

    static func run(_ arguments: [String]) throws -> DocsExamples.Run {
        let binary = try #require(DocsExamples.binary(), "no built freespec: run `swift build -c release` first")
        return try DocsExamples.run(binary, arguments)
    }

    @Test func versionPrintsAndExitsZero() throws {
        let run = try Self.run(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == FreeSpec.version)
    }

    @Test func failuresPrintNothingOnStandardOutputAndLeaveNoFile() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let plot = folder.appendingPathComponent("p.svg").path
        // A usage error.
        let usage = try Self.run(["jacobian", "--foo", "--plot", plot])
        #expect(usage.status == 64 && usage.stdout.isEmpty && usage.stderr.contains("Unknown option '--foo'"))
        // A request without an answer (sigmoid has no critical point at q* = 0.2): exit 2, the
        // options and what to try on standard error, nothing on standard output, no plot.
        let none = try Self.run(["jacobian", "--activation", "sigmoid", "--depth", "4", "--q-star", "0.2", "--plot", plot])
        #expect(none.status == 2 && none.stdout.isEmpty, "\(none)")
        #expect(none.stderr.hasPrefix("freespec: error: freespec jacobian --activation sigmoid --depth 4 --q-star 0.2"))
        #expect(none.stderr.contains("critical-line"))
        #expect(!FileManager.default.fileExists(atPath: plot))
        // The positive control: the same plot option writes the file.
        let fine = try Self.run(["hessian", "--phi", "0.5", "--epsilon", "0.02", "--points", "11", "--plot", plot])
        #expect(fine.status == 0 && !fine.stdout.isEmpty && FileManager.default.fileExists(atPath: plot))
    }
}
