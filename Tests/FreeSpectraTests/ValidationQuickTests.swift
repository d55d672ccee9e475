import XCTest

/// Runs `freespec-validate --quick` (the catalogue's quick subset, a few seconds) and checks
/// that the report lists every quick case and that each agreed or was skipped for an option
/// the CLI does not have yet.
final class ValidationQuickTests: XCTestCase {
    func testQuickSubsetAgrees() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bin, bin.deletingLastPathComponent(), bin.deletingLastPathComponent().deletingLastPathComponent()]
        guard let dir = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("freespec-validate").path) }) else {
            return XCTFail("freespec-validate not built next to the tests (looked in \(candidates.map(\.path)))")
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("freespec-validate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = dir.appendingPathComponent("freespec-validate")
        process.arguments = ["--quick", "--catalogue", root.appendingPathComponent("Validation/catalogue.json").path, "--out", out.path,
                             "--freespec", dir.appendingPathComponent("freespec").path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "a quick case did not agree (see the report)")
        let report = try String(contentsOf: out.appendingPathComponent("REPORT.md"), encoding: .utf8)
        let catalogue = try JSONSerialization.jsonObject(with: Data(contentsOf: root.appendingPathComponent("Validation/catalogue.json"))) as? [String: Any]
        let quick = catalogue?["quick"] as? [String] ?? []
        XCTAssertGreaterThanOrEqual(quick.count, 5)
        for id in quick {
            let row = report.split(separator: "\n").first { $0.hasPrefix("| `\(id)`") }
            XCTAssertNotNil(row, "no row for \(id)")
            XCTAssertTrue(row.map { $0.contains("**agrees**") || $0.contains("**skipped**") } ?? false, "\(id): \(row ?? "")")
        }
    }
}
