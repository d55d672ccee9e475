import Foundation

/// A numeric table as text: one row per line, values separated by commas (or by
/// whitespace), read as a 1-D array (one column, or one row) or a 2-D array (rows × columns).
/// Blank lines and lines starting with '#' are skipped; a first line that is not numeric is
/// taken as a header and skipped. Ragged rows, a non-numeric value after the header and an
/// empty file are `ArrayFileError`s naming the file and the line.
public enum DelimitedTextFormat {
    /// The array in `text`; `file` and `name` label it and its messages.
    public static func decode(_ text: String, file: String, name: String) throws -> NumericArray {
        var rows: [[Double]] = []
        var sawHeader = false
        for (lineIndex, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.contains(",")
                ? line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                : line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            let numbers = fields.map(Double.init)
            if numbers.contains(where: { $0 == nil }) {
                if rows.isEmpty && !sawHeader { sawHeader = true; continue }
                let bad = fields[numbers.firstIndex(where: { $0 == nil })!]
                throw ArrayFileError(file: file, tensor: name, reason: "line \(lineIndex + 1): '\(bad)' is not a number")
            }
            let row = numbers.map { $0! }
            if let first = rows.first, first.count != row.count {
                throw ArrayFileError(file: file, tensor: name,
                                     reason: "line \(lineIndex + 1) has \(row.count) values, the first row has \(first.count)")
            }
            rows.append(row)
        }
        guard let first = rows.first else { throw ArrayFileError(file: file, tensor: name, reason: "no numeric rows") }
        if rows.count == 1 || first.count == 1 {
            let values = rows.flatMap { $0 }
            return try NumericArray(file: file, name: name, shape: [values.count], values: values, storedType: "text")
        }
        return try NumericArray(file: file, name: name, shape: [rows.count, first.count], values: rows.flatMap { $0 }, storedType: "text")
    }
}
