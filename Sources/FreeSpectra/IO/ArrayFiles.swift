import Foundation

/// Reads numeric arrays from files by their extension: `.safetensors`, `.npy`, `.npz`, and
/// `.csv`/`.txt` (see `DelimitedTextFormat`); a directory is read file by file (those with
/// these extensions, sorted by name, not recursively).
///
/// This is the one entry point that commands use: `read(path:selecting:)` returns every
/// selected array, each naming its file and tensor. Errors are `ArrayFileError`s naming the
/// file (and tensor): a missing file, an unknown extension, an empty directory, and every
/// format error of the readers. Nothing is written.
public enum ArrayFiles {
    /// The file extensions read.
    public static let extensions = ["safetensors", "npy", "npz", "csv", "txt"]

    /// The selected arrays of `path` (a file or a directory). `selecting` receives the
    /// tensor's name (the safetensors key, the npz member name, or the file's name without
    /// its extension for .npy and .csv).
    public static func read(path: String, selecting: (String) -> Bool = { _ in true }) throws -> [NumericArray] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ArrayFileError(file: path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
                throw ArrayFileError(file: path, reason: "cannot list the directory")
            }
            let files = names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            guard !files.isEmpty else {
                throw ArrayFileError(file: path, reason: "the directory holds no \(extensions.map { "." + $0 }.joined(separator: ", ")) file")
            }
            return try files.flatMap { try readFile((path as NSString).appendingPathComponent($0), selecting: selecting) }
        }
        return try readFile(path, selecting: selecting)
    }

    static func readFile(_ path: String, selecting: (String) -> Bool) throws -> [NumericArray] {
        let ext = (path as NSString).pathExtension.lowercased()
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        func contents() throws -> Data {
            do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe) } catch {
                throw ArrayFileError(file: path, reason: "cannot read the file")
            }
        }
        switch ext {
        case "safetensors": return try SafetensorsFormat.decode(contents(), file: path, selecting: selecting)
        case "npz": return try NpzFormat.read(path: path, selecting: selecting)
        case "npy": return selecting(stem) ? [try NpyFormat.decode(contents(), file: path, name: stem)] : []
        case "csv", "txt":
            guard selecting(stem) else { return [] }
            guard let text = String(data: try contents(), encoding: .utf8) else {
                throw ArrayFileError(file: path, reason: "not UTF-8 text")
            }
            return [try DelimitedTextFormat.decode(text, file: path, name: stem)]
        default:
            throw ArrayFileError(file: path, reason: "unknown file type '.\(ext)' (read: \(extensions.map { "." + $0 }.joined(separator: ", ")))")
        }
    }
}
