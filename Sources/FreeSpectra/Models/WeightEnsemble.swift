/// The law of a network's weight matrices W^l (square, N × N, scale σ_w).
///
/// Shared by the free-probability theory (through the S-transform of WWᵀ) and the Monte
/// Carlo samplers (`RandomMatrices`, `JacobianSampler`). Raw values are the command-line
/// spellings.
public enum WeightEnsemble: String, Sendable, CaseIterable, Codable {
    /// I.i.d. Gaussian entries N(0, σ_w²/N). WWᵀ is Wishart with ratio 1 and, as N → ∞,
    /// Marchenko–Pastur distributed with mean σ_w²:
    /// S_{WWᵀ}(w) = 1/(σ_w²(1 + w)).
    case gaussian
    /// W = σ_w·Q with Q Haar orthogonal, so WWᵀ = σ_w² I exactly:
    /// S_{WWᵀ}(w) = σ_w⁻².
    case orthogonal
}
