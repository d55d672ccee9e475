/// The phase of a layer's ESD in Martin & Mahoney's 5 + 1 phases of training (JMLR 22 (2021)
/// 165, §5), decided by a stated rule — WeightWatcher has no classifier.
///
/// Rule, first match wins (M eigenvalues, MP fit and power-law fit as in `WeightLayerReport`):
/// 1. rank-collapse: the numerical rank loss is ≥ 10 % of M;
/// 2. if the MP bulk is not MP-like (KS above its tolerance, or the spike removal did not
///    converge): heavy-tailed if the tail's α < 4, else bulk-decay;
/// 3. the bulk is MP-like: random-like with no spike; bleeding-out if more than 2 % of the
///    eigenvalues (and at least 4) lie above the spike threshold (mass leaking out of the
///    edge); else bulk+spikes (a few separated spikes).
public enum SpectralPhase: String, Sendable, Codable, CaseIterable {
    case randomLike = "random-like"
    case bleedingOut = "bleeding-out"
    case bulkPlusSpikes = "bulk+spikes"
    case bulkDecay = "bulk-decay"
    case heavyTailed = "heavy-tailed"
    case rankCollapse = "rank-collapse"

    /// The phase by the rule above.
    public static func classify(eigenvalueCount m: Int, rankLoss: Int, bulkIsMarchenkoPastur: Bool,
                                numSpikes: Int, alpha: Double?) -> SpectralPhase {
        if Double(rankLoss) >= 0.1 * Double(m) { return .rankCollapse }
        if !bulkIsMarchenkoPastur {
            if let a = alpha, a < 4 { return .heavyTailed }
            return .bulkDecay
        }
        if numSpikes == 0 { return .randomLike }
        if numSpikes >= 4 && Double(numSpikes) > 0.02 * Double(m) { return .bleedingOut }
        return .bulkPlusSpikes
    }
}
