import Foundation
import Testing
@testable import FreeSpectra

/// The readers behind `freespec spacings`: .npy (written by EigenvalueExport, and hand-built
/// 2-D, Fortran-order, float32, big-endian and integer arrays), .csv (one sample, or one per
/// line, with a header), symmetric matrices by LAPACK against a diagonal and a known 2 × 2,
/// and every bad input: missing or corrupt files, object dtypes, non-numbers, non-symmetric
/// matrices.
@Suite final class LevelInputTests {
    /// Each test's files live in a directory of their own, removed when the test ends.
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("levelinput-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    func temporary(_ name: String, _ data: Data) throws -> URL {
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    /// A .npy v1.0 file with `descr`, `shape`, order and raw data bytes.
    static func npy(descr: String, shape: String, fortran: Bool = false, payload: [UInt8]) -> Data {
        var header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: payload)
        return d
    }

    static func bytes(_ values: [Double]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } } }

    @Test func npyRoundTripAndLayouts() throws {
        let values = [0.25, -1.5, 3e-300, 7]
        let url = try temporary("a.npy", EigenvalueExport.data(values, format: .npy))
        #expect(try EigenvalueFiles.eigenvalueSamples(url) == [values])
        // 2-D C order (2, 3): two samples.
        let six = (0..<6).map(Double.init)
        let c = try NpyArray(data: Self.npy(descr: "<f8", shape: "(2, 3)", payload: Self.bytes(six)), name: "c")
        #expect(c.shape == [2, 3] && c.values == six)
        // The same array stored in Fortran order: column-major bytes 0 3 1 4 2 5.
        let f = try NpyArray(data: Self.npy(descr: "<f8", shape: "(2, 3)", fortran: true, payload: Self.bytes([0, 3, 1, 4, 2, 5])), name: "f")
        #expect(f.values == six)
        // float32, big-endian float64 and int16.
        let f32 = [Float(1.5), -2].flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        #expect(try NpyArray(data: Self.npy(descr: "<f4", shape: "(2,)", payload: f32), name: "x").values == [1.5, -2])
        let big = [2.5].flatMap { v in withUnsafeBytes(of: v.bitPattern.bigEndian) { Array($0) } }
        #expect(try NpyArray(data: Self.npy(descr: ">f8", shape: "(1,)", payload: big), name: "x").values == [2.5])
        #expect(try NpyArray(data: Self.npy(descr: "<i2", shape: "(2,)", payload: [0xFF, 0xFF, 5, 0]), name: "x").values == [-1, 5])
    }

    @Test func csvOneSampleOrOnePerLine() throws {
        let one = try temporary("a.csv", Data("eigenvalue\n1\n2.5\n\n-3\n".utf8))
        #expect(try EigenvalueFiles.eigenvalueSamples(one) == [[1, 2.5, -3]])
        let rows = try temporary("b.csv", Data("1, 2, 3\n4,5,6,7\n".utf8))
        #expect(try EigenvalueFiles.eigenvalueSamples(rows) == [[1, 2, 3], [4, 5, 6, 7]])
        // The file exported by the Monte Carlo commands reads back bit-exactly.
        let values = [0.1, 1 / 3.0, 2e-17]
        let exported = try temporary("c.csv", EigenvalueExport.data(values, format: .csv))
        #expect(try EigenvalueFiles.eigenvalueSamples(exported) == [values])
    }

    @Test func symmetricMatrixEigenvalues() throws {
        // [[2, 1], [1, 2]] has eigenvalues 1 and 3; a diagonal one its diagonal, sorted.
        let m = try temporary("m.npy", Self.npy(descr: "<f8", shape: "(2, 2)", payload: Self.bytes([2, 1, 1, 2])))
        let e = try EigenvalueFiles.symmetricMatrixEigenvalues(m)
        #expect(e.count == 1 && abs(e[0][0] - 1) <= 1e-15 && abs(e[0][1] - 3) <= 1e-15)
        let stack = try temporary("s.npy", Self.npy(descr: "<f8", shape: "(2, 2, 2)", payload: Self.bytes([2, 1, 1, 2, 5, 0, 0, -1])))
        #expect(try EigenvalueFiles.symmetricMatrixEigenvalues(stack)[1] == [-1, 5])
    }

    @Test func badFilesAreRefusedWithTheirName() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "" } catch let NumericalError.invalidArgument(m) { return m } catch { return "\(error)" }
        }
        let missing = URL(fileURLWithPath: "/nonexistent/levels.npy")
        #expect(message { try EigenvalueFiles.eigenvalueSamples(missing) }.contains("cannot read"))
        let corrupt = try temporary("bad.npy", Data("not numpy at all".utf8))
        #expect(message { try EigenvalueFiles.eigenvalueSamples(corrupt) }.contains("no NumPy magic"))
        let truncated = try temporary("t.npy", Self.npy(descr: "<f8", shape: "(4,)", payload: Self.bytes([1, 2])))
        #expect(message { try EigenvalueFiles.eigenvalueSamples(truncated) }.contains("promises 4 values"))
        let objects = try temporary("o.npy", Self.npy(descr: "|O", shape: "(1,)", payload: [0, 0, 0, 0, 0, 0, 0, 0]))
        #expect(message { try EigenvalueFiles.eigenvalueSamples(objects) }.contains("element type"))
        let words = try temporary("w.csv", Data("1\n2\nthree\n".utf8))
        #expect(message { try EigenvalueFiles.eigenvalueSamples(words) }.contains("line 3: 'three'"))
        let other = try temporary("x.json", Data("[1,2,3]".utf8))
        #expect(message { try EigenvalueFiles.eigenvalueSamples(other) }.contains("unknown eigenvalue file extension"))
        // A non-symmetric matrix, a non-square one, a NaN entry.
        let skew = try temporary("k.npy", Self.npy(descr: "<f8", shape: "(2, 2)", payload: Self.bytes([2, 1, 0.5, 2])))
        #expect(message { try EigenvalueFiles.symmetricMatrixEigenvalues(skew) }.contains("not symmetric"))
        let wide = try temporary("r.npy", Self.npy(descr: "<f8", shape: "(2, 3)", payload: Self.bytes([1, 2, 3, 4, 5, 6])))
        #expect(message { try EigenvalueFiles.symmetricMatrixEigenvalues(wide) }.contains("shape (N, N)"))
        let nan = try temporary("n.npy", Self.npy(descr: "<f8", shape: "(2, 2)", payload: Self.bytes([1, .nan, .nan, 1])))
        #expect(message { try EigenvalueFiles.symmetricMatrixEigenvalues(nan) }.contains("non-finite"))
        // A symmetric matrix up to 1e-12 relative rounding is accepted.
        let nearly = try temporary("y.npy", Self.npy(descr: "<f8", shape: "(2, 2)", payload: Self.bytes([2, 1, 1 + 1e-12, 2])))
        #expect(try EigenvalueFiles.symmetricMatrixEigenvalues(nearly)[0].count == 2)
    }
}
