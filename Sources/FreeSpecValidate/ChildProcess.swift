import Foundation

/// What a child process did within its time limit.
struct ChildResult {
    enum Status { case exited(Int32), timedOut }
    var status: Status
    var stdout: Data
    var stderr: String
    var seconds: Double

    /// The error message of a failed command: the last stderr line that says "error",
    /// else the last non-empty one.
    var lastErrorLine: String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.last { $0.lowercased().contains("error") } ?? lines.last ?? ""
    }
}

/// Runs `executable arguments` with a time limit: output goes to temporary files (so a
/// large output cannot block on a full pipe); after `timeout` seconds the child gets
/// SIGTERM, then SIGKILL two seconds later. OpenBLAS is kept to one thread per child, so
/// that parallel cases share the cores fairly.
func runChild(_ executable: String, _ arguments: [String], timeout: Double) throws -> ChildResult {
    let directory = FileManager.default.temporaryDirectory
    let token = UUID().uuidString
    let outURL = directory.appendingPathComponent("freespec-validate-\(token).out")
    let errURL = directory.appendingPathComponent("freespec-validate-\(token).err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
        try? FileManager.default.removeItem(at: outURL)
        try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = out
    process.standardError = err
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = environment
    let start = Date()
    try process.run()
    var timedOut = false
    while process.isRunning {
        if Date().timeIntervalSince(start) > timeout {
            timedOut = true
            process.terminate()
            let killAt = Date().addingTimeInterval(2)
            while process.isRunning && Date() < killAt { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            break
        }
        usleep(20_000)
    }
    process.waitUntilExit()
    try? out.close(); try? err.close()
    let seconds = Date().timeIntervalSince(start)
    let stdout = (try? Data(contentsOf: outURL)) ?? Data()
    let stderr = String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self)
    return ChildResult(status: timedOut ? .timedOut : .exited(process.terminationStatus), stdout: stdout, stderr: stderr, seconds: seconds)
}
