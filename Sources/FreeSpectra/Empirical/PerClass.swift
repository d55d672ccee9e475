/// One value for each symmetry class, as the JSON object {goe, gue, gse, poisson}.
public struct PerClass<Value: Sendable & Codable & Equatable>: Sendable, Codable, Equatable {
    public var goe: Value
    public var gue: Value
    public var gse: Value
    public var poisson: Value

    /// The values of `f` for each class.
    public init(_ f: (SymmetryClass) throws -> Value) rethrows {
        goe = try f(.goe)
        gue = try f(.gue)
        gse = try f(.gse)
        poisson = try f(.poisson)
    }

    public subscript(_ c: SymmetryClass) -> Value {
        switch c {
        case .goe: return goe
        case .gue: return gue
        case .gse: return gse
        case .poisson: return poisson
        }
    }
}
