import Foundation
import ZIPFoundation

/// NumPy's `.npz`: a zip archive (stored or deflated, as `numpy.savez` and
/// `numpy.savez_compressed` write it) of `.npy` members, read with ZIPFoundation. Each
/// member `name.npy` is the array `name`. A file that is not a zip archive, a member that
/// fails its CRC or does not inflate, and a member that is not a valid .npy are
/// `ArrayFileError`s naming the file and the member.
public enum NpzFormat {
    /// The selected arrays of the archive at `path`, in archive order.
    public static func read(path: String, selecting: (String) -> Bool = { _ in true }) throws -> [NumericArray] {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw ArrayFileError(file: path, reason: "not a readable .npz (zip) archive: \(error)")
        }
        var arrays: [NumericArray] = []
        for entry in archive where entry.type == .file {
            let name = entry.path.hasSuffix(".npy") ? String(entry.path.dropLast(4)) : entry.path
            guard selecting(name) else { continue }
            var data = Data()
            do {
                _ = try archive.extract(entry) { data.append($0) }
            } catch {
                throw ArrayFileError(file: path, tensor: name, reason: "the archive member \(entry.path) is corrupt or truncated: \(error)")
            }
            arrays.append(try NpyFormat.decode(data, file: path, name: name))
        }
        return arrays
    }

    /// Writes `arrays` (name, shape, values) as an uncompressed .npz at `path` (f8 members).
    public static func write(_ arrays: [(name: String, shape: [Int], values: [Double])], to path: String) throws {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        } catch {
            throw ArrayFileError(file: path, reason: "cannot create the archive: \(error)")
        }
        for a in arrays {
            let image = try NpyFormat.encode(a.values, shape: a.shape, file: path)
            do {
                try archive.addEntry(with: a.name + ".npy", type: .file, uncompressedSize: Int64(image.count),
                                     compressionMethod: .deflate) { position, size in
                    image.subdata(in: Int(position)..<Int(position) + size)
                }
            } catch {
                throw ArrayFileError(file: path, tensor: a.name, reason: "cannot write the archive member: \(error)")
            }
        }
    }
}
