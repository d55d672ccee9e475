import Foundation
import Testing
@testable import FreeSpectra

/// The array readers (FreeSpectra/IO) against bytes built by hand, independently of the
/// writers: known bit patterns of every dtype, both byte orders, C and Fortran order; and the
/// round trip writer → reader for every safetensors dtype, exact. Every bad input is an
/// `ArrayFileError` that names the file and the tensor.
@Suite struct ArrayFileTests {
    static func temporaryPath(_ name: String) -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("freespec-io-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name).path
    }

    /// A safetensors image assembled byte by byte (not by `SafetensorsFormat.encode`).
    static func handMadeSafetensors(_ header: String, _ buffer: [UInt8]) -> Data {
        var header = Array(header.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out = Data()
        var n = UInt64(header.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        out.append(contentsOf: buffer)
        return out
    }

    @Test func safetensorsKnownBitPatterns() throws {
        // F16: 0x3C00 = 1, 0xC000 = −2, 0x0001 = 2⁻²⁴ (smallest subnormal), 0x7BFF = 65504.
        // BF16: 0x3F80 = 1, 0x4049 = 3.140625. F32: 0x3FC00000 = 1.5. F64: 0x4009…: 3.125 = 0x4009000000000000.
        // I64: −3. Little-endian bytes throughout.
        let buffer: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00, 0xFF, 0x7B,
                               0x80, 0x3F, 0x49, 0x40,
                               0x00, 0x00, 0xC0, 0x3F,
                               0, 0, 0, 0, 0, 0, 0x09, 0x40,
                               0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        let header = #"{"h":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"f":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},"d":{"dtype":"F64","shape":[1,1],"data_offsets":[16,24]},"i":{"dtype":"I64","shape":[1],"data_offsets":[24,32]},"__metadata__":{"format":"pt"}}"#
        let arrays = try SafetensorsFormat.decode(Self.handMadeSafetensors(header, buffer), file: "hand.safetensors")
        #expect(arrays.map(\.name) == ["h", "b", "f", "d", "i"])
        #expect(arrays[0].values == [1, -2, 0x1p-24, 65504])
        #expect(arrays[0].shape == [2, 2])
        #expect(arrays[1].values == [1, 3.140625])
        #expect(arrays[2].values == [1.5])
        #expect(arrays[3].values == [3.125])
        #expect(arrays[4].values == [-3])
        // Read as the wrong dtype, the same bytes give other numbers: the check can fail.
        let wrong = header.replacingOccurrences(of: #""h":{"dtype":"F16""#, with: #""h":{"dtype":"BF16""#)
        let misread = try SafetensorsFormat.decode(Self.handMadeSafetensors(wrong, buffer), file: "hand.safetensors")
        #expect(misread[0].values != arrays[0].values)
    }

    @Test func safetensorsRoundTripEveryDtype() throws {
        // Values exactly representable in every dtype: k/16 for |k| ≤ 256 (11 significant bits
        // at most, exponents far inside F16's), plus each format's extremes.
        let common = (-256...256).map { Double($0) / 16 }
        let tensors: [(String, [Double])] = [
            ("F16", common + [65504, -0x1p-24, 0x1p-14]),
            ("BF16", common + [0x1p-126, 0x1.FEp127, -0x1p100]),
            ("F32", common + [Double(Float.greatestFiniteMagnitude), Double(Float.leastNonzeroMagnitude), 0.1.nextUp.rounded()]),
            ("F64", common + [.pi, 1e-300, -Double.greatestFiniteMagnitude, 0x1p-1074]),
        ]
        let written = tensors.map { SafetensorsFormat.Tensor(name: "layer.\($0.0)", shape: [$0.1.count / 5, 5].reduce(1, *) == $0.1.count ? [$0.1.count / 5, 5] : [$0.1.count], values: $0.1, dtype: $0.0) }
        let path = Self.temporaryPath("every-dtype.safetensors")
        try SafetensorsFormat.encode(written).write(to: URL(fileURLWithPath: path))
        let read = try ArrayFiles.read(path: path)
        #expect(read.count == 4)
        for t in written {
            let r = try #require(read.first { $0.name == t.name })
            #expect(r.shape == t.shape)
            #expect(r.storedType == t.dtype)
            #expect(r.values == t.values, "\(t.dtype) round trip")
            #expect(r.file == path)
        }
        // A value that F16 cannot hold (0.1) comes back rounded: the comparison is not vacuous.
        let lossy = try SafetensorsFormat.decode(SafetensorsFormat.encode([.init(name: "x", shape: [1], values: [0.1], dtype: "F16")]), file: "m")
        #expect(lossy[0].values != [0.1])
        #expect(abs(lossy[0].values[0] - 0.1) <= 0x1p-14)
        // Selection by name reads only what is selected.
        #expect(try ArrayFiles.read(path: path, selecting: { $0.hasSuffix("F32") }).map(\.name) == ["layer.F32"])
    }

    @Test func safetensorsBadInput() throws {
        let good = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let buffer = [UInt8](repeating: 0, count: 8)
        func error(_ data: Data) -> ArrayFileError? {
            do { _ = try SafetensorsFormat.decode(data, file: "m.safetensors"); return nil } catch let e as ArrayFileError { return e } catch { return nil }
        }
        #expect(error(Self.handMadeSafetensors(good, buffer)) == nil)
        // Header length beyond the file.
        var corrupt = Self.handMadeSafetensors(good, buffer)
        corrupt[5] = 0x7F
        let e1 = try #require(error(corrupt))
        #expect(e1.file == "m.safetensors" && e1.reason.contains("header"))
        // Not JSON.
        #expect(try #require(error(Self.handMadeSafetensors("{\"w\": [", buffer))).reason.contains("JSON"))
        // Truncated data: the last 4 bytes missing.
        let e3 = try #require(error(Self.handMadeSafetensors(good, Array(buffer.prefix(4)))))
        #expect(e3.tensor == "w" && e3.reason.contains("truncated"))
        // Unknown dtype, named with its tensor.
        let e4 = try #require(error(Self.handMadeSafetensors(good.replacingOccurrences(of: "F32", with: "F8_E4M3"), buffer)))
        #expect(e4.tensor == "w" && e4.reason.contains("F8_E4M3"))
        #expect(e4.description.contains("m.safetensors") && e4.description.contains("'w'"))
        // Byte range inconsistent with the shape; negative dimension.
        #expect(try #require(error(Self.handMadeSafetensors(good.replacingOccurrences(of: "[2]", with: "[3]"), buffer))).tensor == "w")
        #expect(try #require(error(Self.handMadeSafetensors(good.replacingOccurrences(of: "[2]", with: "[-2]"), buffer))).reason.contains("negative"))
        // Fewer than 8 bytes.
        #expect(error(Data([1, 2, 3])) != nil)
    }

    /// A .npy image by hand: preamble, header, raw bytes.
    static func handMadeNpy(_ header: String, _ data: [UInt8]) -> Data {
        var h = Array(header.utf8)
        while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
        h.append(0x0A)
        return Data(NpyFormat.magic + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + data)
    }

    @Test func npyDtypesOrdersAndByteOrders() throws {
        // Big-endian f4, Fortran order, shape (2, 3): stored column by column 1, 4, 2, 5, 3, 6.
        var be: [UInt8] = []
        for x: Float in [1, 4, 2, 5, 3, 6] { withUnsafeBytes(of: x.bitPattern.bigEndian) { be.append(contentsOf: $0) } }
        let a = try NpyFormat.decode(Self.handMadeNpy("{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3), }", be), file: "a.npy", name: "a")
        #expect(a.shape == [2, 3] && a.values == [1, 2, 3, 4, 5, 6])
        // The same bytes read as C order give the stored order: the reorder is visible.
        let c = try NpyFormat.decode(Self.handMadeNpy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", be), file: "a.npy", name: "a")
        #expect(c.values == [1, 4, 2, 5, 3, 6])
        // Fortran order in 3-D: F-index i + 2j + 4k holds 100i + 10j + k.
        var f3: [UInt8] = []
        for k in 0..<2 { for j in 0..<2 { for i in 0..<2 { withUnsafeBytes(of: Double(100 * i + 10 * j + k).bitPattern.littleEndian) { f3.append(contentsOf: $0) } } } }
        let t = try NpyFormat.decode(Self.handMadeNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }", f3), file: "t.npy", name: "t")
        #expect(t.values == [0, 1, 10, 11, 100, 101, 110, 111])
        // Integers: little-endian i8 −2, 7; unsigned u1 255; little-endian f2 1 and −0.5 (0xB800).
        let i8 = try NpyFormat.decode(Self.handMadeNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                                                       [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0, 0, 0, 0, 0]), file: "i.npy", name: "i")
        #expect(i8.values == [-2, 7])
        #expect(try NpyFormat.decode(Self.handMadeNpy("{'descr': '|u1', 'fortran_order': False, 'shape': (1,), }", [255]), file: "u", name: "u").values == [255])
        #expect(try NpyFormat.decode(Self.handMadeNpy("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", [0, 0x3C, 0, 0xB8]), file: "h", name: "h").values == [1, -0.5])
        #expect(try NpyFormat.decode(Self.handMadeNpy("{'descr': '>i2', 'fortran_order': False, 'shape': (1,), }", [0xFF, 0xFE]), file: "s", name: "s").values == [-2])
        // Writer → reader round trip, and through a file.
        let values = (0..<12).map { Double($0) * 0.37 - 1 }
        let path = Self.temporaryPath("w.npy")
        try NpyFormat.encode(values, shape: [3, 4]).write(to: URL(fileURLWithPath: path))
        let back = try #require(ArrayFiles.read(path: path).first)
        #expect(back.name == "w" && back.shape == [3, 4] && back.values == values)
    }

    @Test func npyBadInput() throws {
        func error(_ d: Data) -> ArrayFileError? {
            do { _ = try NpyFormat.decode(d, file: "x.npy", name: "x"); return nil } catch let e as ArrayFileError { return e } catch { return nil }
        }
        let eight = [UInt8](repeating: 0, count: 16)
        #expect(error(Self.handMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", eight)) == nil)
        #expect(try #require(error(Self.handMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", eight))).reason.contains("truncated"))
        #expect(try #require(error(Self.handMadeNpy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", eight))).reason.contains("c16"))
        #expect(try #require(error(Self.handMadeNpy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", eight))).reason.contains("dtype"))
        #expect(try #require(error(Self.handMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", eight))).reason.contains("negative"))
        #expect(try #require(error(Data("PK\u{3}\u{4}garbage".utf8))).reason.contains("magic"))
        // A header length beyond the file.
        var cut = Self.handMadeNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", eight)
        cut = cut.prefix(40)
        #expect(try #require(error(cut)).reason.contains("truncated"))
    }

    @Test func npzCsvDirectoriesAndNaN() throws {
        let path = Self.temporaryPath("pair.npz")
        try? FileManager.default.removeItem(atPath: path)
        let w = (0..<6).map { Double($0) - 2.5 }
        try NpzFormat.write([("w", [2, 3], w), ("b", [3], [1, 2, 3])], to: path)
        let arrays = try ArrayFiles.read(path: path)
        #expect(arrays.map(\.name) == ["w", "b"])
        #expect(arrays[0].shape == [2, 3] && arrays[0].values == w)
        // A file that is not a zip archive.
        let bad = Self.temporaryPath("bad.npz")
        try Data("not a zip archive at all".utf8).write(to: URL(fileURLWithPath: bad))
        #expect(throws: ArrayFileError.self) { try ArrayFiles.read(path: bad) }
        // CSV: 2-D with a header, 1-D as a column; ragged rows refused, naming the line.
        let csv = try DelimitedTextFormat.decode("a,b\n1,2\n3, 4.5\n", file: "t.csv", name: "t")
        #expect(csv.shape == [2, 2] && csv.values == [1, 2, 3, 4.5])
        #expect(try DelimitedTextFormat.decode("# eigenvalues\n1\n2\n3e-3\n", file: "e.csv", name: "e").shape == [3])
        #expect(throws: ArrayFileError.self) { try DelimitedTextFormat.decode("1,2\n3\n", file: "r.csv", name: "r") }
        #expect(throws: ArrayFileError.self) { try DelimitedTextFormat.decode("1,2\n3,x\n", file: "r.csv", name: "r") }
        // NaN named with its tensor and index.
        let nan = try NumericArray(file: "n.npy", name: "n", shape: [2, 2], values: [1, 2, .nan, 4])
        do { try nan.requireFinite(); Issue.record("NaN accepted") } catch let e as ArrayFileError {
            #expect(e.description.contains("n.npy") && e.description.contains("'n'") && e.reason.contains("[1, 0]"))
        }
        // A missing file, an unknown extension.
        #expect(throws: ArrayFileError.self) { try ArrayFiles.read(path: Self.temporaryPath("missing.npy")) }
        let odd = Self.temporaryPath("w.bin")
        try Data([1]).write(to: URL(fileURLWithPath: odd))
        #expect(throws: ArrayFileError.self) { try ArrayFiles.read(path: odd) }
    }
}
