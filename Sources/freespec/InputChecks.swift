import ArgumentParser
import FreeSpectra
import Foundation

/// The activation named by `--activation`, or a usage error that says what is wrong with
/// the name (unknown name, bad leaky-relu slope, a parameter the activation does not take).
func parseActivation(_ spec: String, using lookup: (String) throws -> any Activation = Activations.named) throws -> any Activation {
    do {
        return try lookup(spec.trimmingCharacters(in: .whitespaces))
    } catch let NumericalError.invalidArgument(message) {
        throw ValidationError("--activation: \(message)")
    }
}

/// A usage error unless the file `path` can be created: its folder must exist. Checked
/// before any computation, so a mistyped folder costs nothing.
func validateOutputPath(_ path: String, option: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
        throw ValidationError("\(option) \(path): the folder \(folder) does not exist")
    }
    guard FileManager.default.isWritableFile(atPath: folder) else {
        throw ValidationError("\(option) \(path): the folder \(folder) is not writable")
    }
}
