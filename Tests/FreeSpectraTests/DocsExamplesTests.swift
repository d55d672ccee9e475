import Foundation
import Testing

/// The documentation's examples are run, so they cannot rot.
///
/// Every ```console block in README.md and Docs/*.md holds one or more `$ freespec …`
/// commands, each followed by its documented output. Each command is run with the built
/// `freespec` (the one beside this test binary, else `.build/release/freespec`) in a fresh
/// temporary folder, and its output must match the documented one in its stable parts:
/// the same number of lines; the same text once every number is replaced by `#` and runs of
/// spaces are folded (so a column may widen); and every number equal to the printed
/// precision (within one unit of its last printed digit, or 1e-3 relative, whichever is
/// larger; numbers below 1e-12 count as 0, rounding noise). Lines naming a timing (`"seconds"`, `"productGFLOPS"`) keep their text but not
/// their numbers. A documented line `…` stands for any number of lines. A documented output
/// that starts with `Error:` or `freespec: error:` expects a non-zero exit and is compared
/// with standard error.
@Suite struct DocsExamplesTests {
    struct Example: Sendable, CustomTestStringConvertible {
        var file: String
        var line: Int
        var arguments: [String]
        var expected: [String]
        var testDescription: String { "\(file):\(line) freespec \(arguments.joined(separator: " "))" }
        var expectsFailure: Bool {
            expected.first.map { $0.hasPrefix("Error:") || $0.hasPrefix("freespec: error:") } ?? false
        }
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let documents: [URL] = {
        let docs = packageRoot.appendingPathComponent("Docs")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: docs.path)) ?? []).filter { $0.hasSuffix(".md") }.sorted()
        return [packageRoot.appendingPathComponent("README.md")] + names.map { docs.appendingPathComponent($0) }
    }()

    static let examples: [Example] = documents.flatMap { url in
        (try? String(contentsOf: url, encoding: .utf8)).map {
            DocsExamples.extract(from: $0, file: url.path.replacingOccurrences(of: packageRoot.path + "/", with: ""))
        } ?? []
    }

    @Test func documentsHaveExamples() {
        let files = Set(Self.examples.map(\.file))
        for name in ["README.md", "Docs/cli.md", "Docs/tutorial.md"] {
            #expect(files.contains(name), "no ```console example with `$ freespec …` in \(name)")
        }
    }

    @Test(arguments: examples) func exampleOutputMatches(_ example: Example) throws {
        let binary = try #require(DocsExamples.binary(), "no built freespec: run `swift build -c release` first")
        let run = try DocsExamples.run(binary, example.arguments)
        if example.expectsFailure {
            #expect(run.status != 0, "\(example.testDescription) was documented to fail but exited 0")
        } else {
            #expect(run.status == 0, "\(example.testDescription) exited \(run.status): \(run.stderr)")
        }
        let actual = DocsExamples.lines(example.expectsFailure ? run.stderr : run.stdout)
        if let difference = DocsExamples.difference(expected: example.expected, actual: actual) {
            Issue.record("\(example.testDescription): \(difference)\n--- actual output ---\n\(actual.joined(separator: "\n"))")
        }
    }

    /// Every subcommand and every option of `freespec --help` is documented in Docs/cli.md.
    @Test func cliReferenceCoversEveryOption() throws {
        let binary = try #require(DocsExamples.binary(), "no built freespec: run `swift build -c release` first")
        let reference = try String(contentsOf: Self.packageRoot.appendingPathComponent("Docs/cli.md"), encoding: .utf8)
        let top = try DocsExamples.run(binary, ["--help"]).stdout
        // Subcommands stand at two spaces' indent; wrapped abstracts are indented further.
        let commands = (top.components(separatedBy: "SUBCOMMANDS:").last.map(DocsExamples.lines) ?? []).compactMap { line -> String? in
            guard line.hasPrefix("  "), let first = line.dropFirst(2).first, first.isLowercase,
                  let word = line.split(separator: " ").first else { return nil }
            return String(word)
        }
        #expect(commands.count >= 5, "could not read the subcommands from freespec --help")
        for command in commands {
            #expect(reference.contains("freespec \(command)"), "Docs/cli.md does not document `freespec \(command)`")
            let help = try DocsExamples.run(binary, [command, "--help"]).stdout
            for option in DocsExamples.options(inHelp: help) where option != "--help" {
                #expect(reference.contains("`\(option)"), "Docs/cli.md does not document \(option) of freespec \(command)")
            }
        }
    }

    // The comparison must be able to fail.

    @Test func comparisonAcceptsPrintedPrecisionAndRejectsChanges() {
        let documented = ["weights  L   m1     why", "──────", "gaussian 16  4.414  σ²/m1² = 4.41"]
        #expect(DocsExamples.difference(expected: documented, actual: ["weights  L   m1     why", "──────", "gaussian 16  4.415  σ²/m1² = 4.41"]) == nil)
        #expect(DocsExamples.difference(expected: documented, actual: ["weights  L    m1      why", "──────", "gaussian 16   4.4141  σ²/m1² = 4.41"]) == nil)
        #expect(DocsExamples.difference(expected: documented, actual: ["weights  L   m1     why", "──────", "gaussian 16  4.424  σ²/m1² = 4.41"]) != nil)
        #expect(DocsExamples.difference(expected: documented, actual: ["weights  L   m1     why", "──────", "gaussian 17  4.414  σ²/m1² = 4.41"]) != nil)
        #expect(DocsExamples.difference(expected: documented, actual: ["weights  L   m1     why", "──────", "gaussian 16  4.414  σ²/m1² = 4.41 (wide)"]) != nil)
        #expect(DocsExamples.difference(expected: documented, actual: Array(documented.prefix(2))) != nil)
        #expect(DocsExamples.difference(expected: ["a 1", "…", "z 2"], actual: ["a 1", "b", "c", "z 2"]) == nil)
        #expect(DocsExamples.difference(expected: ["a 1", "…", "z 2"], actual: ["a 1", "b", "z 3"]) != nil)
        #expect(DocsExamples.difference(expected: ["  \"seconds\" : 0.5,"], actual: ["  \"seconds\" : 7.25,"]) == nil)
    }

    @Test func extractionReadsCommandsContinuationsAndOutputs() {
        let text = """
        ```console
        $ freespec critical-line --activation tanh \\
            --q-star 0.1:1:2
        activation  q*
        ──
        tanh 0.1

        $ freespec gram --phi 0.5 --psi 1 --plot 'my plot.svg'
        quantity
        ```
        ```sh
        $ freespec not-run
        ```
        """
        let found = DocsExamples.extract(from: text, file: "x.md")
        #expect(found.count == 2)
        #expect(found.first?.arguments == ["critical-line", "--activation", "tanh", "--q-star", "0.1:1:2"])
        #expect(found.first?.expected == ["activation  q*", "──", "tanh 0.1"])
        #expect(found.last?.arguments.last == "my plot.svg")
        #expect(found.first?.line == 2)
    }
}

/// Extraction, running and comparison for `DocsExamplesTests`.
enum DocsExamples {
    /// The `$ freespec …` commands of every ```console block, with the lines after each.
    static func extract(from text: String, file: String) -> [DocsExamplesTests.Example] {
        var examples: [DocsExamplesTests.Example] = []
        var inConsole = false
        var current: DocsExamplesTests.Example? = nil
        var pendingCommand: (line: Int, text: String)? = nil
        func finish() {
            if var e = current {
                while e.expected.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { e.expected.removeLast() }
                examples.append(e)
            }
            current = nil
        }
        for (index, rawLine) in text.components(separatedBy: "\n").enumerated() {
            let line = rawLine
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                if inConsole { finish(); inConsole = false } else { inConsole = trimmed == "```console" }
                continue
            }
            guard inConsole else { continue }
            if var command = pendingCommand {
                command.text += " " + trimmed
                pendingCommand = command
            } else if trimmed.hasPrefix("$ ") {
                finish()
                pendingCommand = (index + 1, String(trimmed.dropFirst(2)))
            } else {
                current?.expected.append(line)
                continue
            }
            if let command = pendingCommand {
                if command.text.hasSuffix("\\") {
                    pendingCommand = (command.line, String(command.text.dropLast()).trimmingCharacters(in: .whitespaces))
                } else {
                    let words = shellWords(command.text)
                    if words.first == "freespec" {
                        current = .init(file: file, line: command.line, arguments: Array(words.dropFirst()), expected: [])
                    }
                    pendingCommand = nil
                }
            }
        }
        finish()
        return examples
    }

    /// Words split at spaces, with '…' and "…" quoting.
    static func shellWords(_ s: String) -> [String] {
        var words: [String] = [], word = "", quote: Character? = nil, inWord = false
        for c in s {
            if let q = quote {
                if c == q { quote = nil } else { word.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c; inWord = true
            } else if c == " " || c == "\t" {
                if inWord { words.append(word); word = ""; inWord = false }
            } else {
                word.append(c); inWord = true
            }
        }
        if inWord { words.append(word) }
        return words
    }

    static func lines(_ s: String) -> [String] {
        var result = s.components(separatedBy: "\n")
        while result.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { result.removeLast() }
        return result
    }

    /// `freespec` beside the test binary (same build configuration), else the release build.
    static func binary() -> URL? {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let root = DocsExamplesTests.packageRoot
        let candidates = [
            testBinary.deletingLastPathComponent().appendingPathComponent("freespec"),
            testBinary.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("freespec"),
            root.appendingPathComponent(".build/release/freespec"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `binary` with `arguments` in a fresh temporary folder (output files land there;
    /// folders named in --plot/--eigenvalues are created), stopping it after `timeout` s.
    static func run(_ binary: URL, _ arguments: [String], timeout: Double = 60) throws -> Run {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("freespec-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (option, value) in zip(arguments, arguments.dropFirst()) where ["--plot", "--eigenvalues"].contains(option) {
            let file = value.hasPrefix("/") ? URL(fileURLWithPath: value) : folder.appendingPathComponent(value)
            let parent = file.deletingLastPathComponent()
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        }
        let out = folder.appendingPathComponent(".stdout"), err = folder.appendingPathComponent(".stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try outHandle.close(); try errHandle.close()
        return Run(status: process.terminationStatus,
                   stdout: try String(contentsOf: out, encoding: .utf8), stderr: try String(contentsOf: err, encoding: .utf8))
    }

    /// The options (`--name`) listed in a `--help` text.
    static func options(inHelp help: String) -> [String] {
        lines(help).compactMap { line in
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("--"), let word = t.split(separator: " ").first else { return nil }
            return String(word)
        }
    }

    // MARK: Comparison

    /// A number not glued to a name (`m1`, `L2` stay text).
    static let number = try! NSRegularExpression(pattern: #"(?<![A-Za-z_0-9.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"#)
    static let timingKeys = ["\"seconds\"", "\"productGFLOPS\""]
    /// Numbers this small are compared as 0: full-precision JSON shows rounding noise such
    /// as a relative error of 2e-14 or log₁₀ m1 = 8e-16 at χ = 1.
    static let roundingNoise = 1e-12

    /// A line's text with every number replaced by #, runs of spaces and of table rules (─)
    /// folded, and its numbers.
    static func split(_ line: String) -> (skeleton: String, numbers: [Substring]) {
        var skeleton = "", numbers: [Substring] = []
        var last = line.startIndex
        for match in number.matches(in: line, range: NSRange(line.startIndex..., in: line)) {
            guard let range = Range(match.range, in: line) else { continue }
            skeleton += line[last..<range.lowerBound] + "#"
            numbers.append(line[range])
            last = range.upperBound
        }
        skeleton += line[last...]
        var folded = ""
        for c in skeleton where !((c == " " || c == "─") && folded.last == c) { folded.append(c) }
        return (folded.trimmingCharacters(in: .whitespaces), numbers)
    }

    /// Whether `actual` equals the documented `expected` to its printed precision.
    static func numberMatches(_ expected: Substring, _ actual: Substring) -> Bool {
        guard let e = Double(expected), let a = Double(actual) else { return expected == actual }
        let mantissa = expected.split(whereSeparator: { $0 == "e" || $0 == "E" })
        guard mantissa.count == 2 || expected.contains(".") else { return abs(a - e) <= max(1e-3 * abs(e), roundingNoise) }
        let decimals = mantissa[0].split(separator: ".").dropFirst().first?.count ?? 0
        let exponent = mantissa.count == 2 ? Double(mantissa[1]) ?? 0 : 0
        let unit = pow(10, exponent - Double(decimals))
        return abs(a - e) <= max(1.01 * unit, 1e-3 * abs(e), roundingNoise)
    }

    /// Why one line differs, or nil.
    static func lineDifference(_ expected: String, _ actual: String) -> String? {
        let e = split(expected), a = split(actual)
        guard e.skeleton == a.skeleton && e.numbers.count == a.numbers.count else {
            return "text differs:\n  documented: \(expected)\n  actual:     \(actual)"
        }
        if timingKeys.contains(where: expected.contains) { return nil }
        for (x, y) in zip(e.numbers, a.numbers) where !numberMatches(x, y) {
            return "number \(x) is now \(y):\n  documented: \(expected)\n  actual:     \(actual)"
        }
        return nil
    }

    /// Why the outputs differ, or nil when they match; a documented `…` matches any lines.
    static func difference(expected: [String], actual: [String]) -> String? {
        func match(_ i: Int, _ j: Int) -> String? {
            if i == expected.count { return j == actual.count ? nil : "\(actual.count - j) more lines than documented (\(actual.count) against \(expected.count))" }
            if expected[i].trimmingCharacters(in: .whitespaces) == "…" {
                var firstFailure: String? = nil
                for k in j...actual.count {
                    guard let failure = match(i + 1, k) else { return nil }
                    if firstFailure == nil { firstFailure = failure }
                }
                return firstFailure
            }
            guard j < actual.count else { return "fewer lines than documented: \(actual.count) against \(expected.count), missing: \(expected[i])" }
            if let d = lineDifference(expected[i], actual[j]) { return "line \(j + 1): \(d)" }
            return match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}
