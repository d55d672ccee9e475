import Foundation

/// How the diagonal factors D^l = diag φ′(h^l) of a sampled Jacobian are produced.
public enum SamplingMode: String, Sendable, CaseIterable, Codable {
    /// A real forward pass: h^l = W^l x^{l−1} + b^l, x^l = φ(h^l), D^l = diag φ′(h^l).
    /// D^l is correlated with W^l at finite width, and the empirical q^l can drift from q*.
    case network
    /// Each D^l has i.i.d. diagonal entries φ′(√q*·z), z ~ N(0, 1), independent of every
    /// W: exactly the free-probability model at finite N. A gap between this mode and the
    /// theory is a finite-N or theory error; a gap between `network` and this mode is a
    /// finite-width correlation or a q-drift effect.
    case independent
}

/// The parameters of a Monte Carlo sample of the input–output Jacobian J = D^L W^L ⋯ D^1 W^1
/// of a fully connected network: of constant width N, or of widths N_0 … N_L (`layerWidths`).
///
/// Mean-field quantities are inputs: the caller gives q* (normally the fixed point of the
/// length map at (σ_w, σ_b)); nothing is solved here.
public struct NetworkSamplingConfiguration: Sendable {
    /// The activation φ (its `value` and `derivative` are used).
    public var activation: any Activation
    /// The law of each W^l.
    public var weights: WeightEnsemble
    /// Number of layers L ≥ 1.
    public var depth: Int
    /// Width N ≥ 1 of every layer (square W^l); with `layerWidths`, the input width N_0.
    public var width: Int
    /// N_0 … N_L for a network of rectangular layers (W^l is N_l × N_{l−1}), or nil for
    /// width N everywhere. Gaussian W^l has entries N(0, σ_w²/N_{l−1}); orthogonal W^l is
    /// σ_w √max(1, N_l/N_{l−1}) times a Haar matrix with orthonormal rows or columns, so the
    /// pre-activations have variance σ_w² q in both. J Jᵀ is N_L × N_L.
    public var layerWidths: [Int]?
    /// The widths N_0 … N_L in use.
    public var widths: [Int] { layerWidths ?? Array(repeating: width, count: depth + 1) }
    /// Weight scale σ_w > 0: Gaussian entries N(0, σ_w²/N), or W = σ_w·Q.
    public var sigmaW: Double
    /// Bias scale σ_b ≥ 0: b^l_i ~ N(0, σ_b²) (network mode only).
    public var sigmaB: Double
    /// q*: the variance of the pre-activations in the law of D (independent mode) and their
    /// target length under `renormalize`, in every layer unless `layerLengths` is given; it
    /// also sets the input when `inputLength` is nil.
    public var qStar: Double
    /// Q0 = ‖x⁰‖²/N_0, the per-unit squared length of the input of a network-mode forward pass;
    /// nil: (q* − σ_b²)/σ_w², which puts q¹ at q*.
    public var inputLength: Double?
    /// q^l for l = 1 … L (the length map's trajectory from `inputLength`), used in place of q*
    /// by the independent mode and by `renormalize`; nil: q* in every layer.
    public var layerLengths: [Double]?
    /// Number of independent networks S ≥ 1.
    public var samples: Int
    /// Seed of the xoshiro256** generator; the same seed gives the same eigenvalues.
    public var seed: UInt64
    /// Forward pass or independent D (see `SamplingMode`).
    public var mode: SamplingMode
    /// Network mode only: after each h^l = W^l x^{l−1} + b^l, rescale h^l by
    /// √(q*/q̂^l), q̂^l = ‖h^l‖²/N, so that its empirical per-unit squared length is exactly q*
    /// before φ and φ′ are applied. This removes the finite-width random walk of q^l (which
    /// matters when the length map barely contracts) while keeping the D–W correlations.
    public var renormalize: Bool

    public init(
        activation: any Activation, weights: WeightEnsemble, depth: Int, width: Int,
        sigmaW: Double, sigmaB: Double, qStar: Double, samples: Int, seed: UInt64 = 1,
        mode: SamplingMode = .network, renormalize: Bool = false, layerWidths: [Int]? = nil,
        inputLength: Double? = nil, layerLengths: [Double]? = nil
    ) {
        self.inputLength = inputLength
        self.layerLengths = layerLengths
        self.layerWidths = layerWidths
        self.activation = activation
        self.weights = weights
        self.depth = depth
        self.width = width
        self.sigmaW = sigmaW
        self.sigmaB = sigmaB
        self.qStar = qStar
        self.samples = samples
        self.seed = seed
        self.mode = mode
        self.renormalize = renormalize
    }

    /// The pre-activation variance of layer l (1-based): q^l, or q*.
    func length(ofLayer l: Int) -> Double { layerLengths?[l - 1] ?? qStar }

    /// Number of N × N double buffers the sampler holds at once (W, J, J_next).
    static let matrixBuffers = 3

    /// Checks every parameter.
    /// - Throws: `invalidArgument` naming the first bad parameter: width, depth or samples
    ///   ≤ 0; σ_w ≤ 0 or not finite; σ_b < 0 or not finite; q* < 0 or not finite; layer
    ///   widths that are not L + 1 positive integers starting with `width`; or a width whose
    ///   O(N²) buffers would not fit in physical memory.
    public func validate() throws {
        guard width > 0 else { throw NumericalError.invalidArgument("width must be a positive integer, got \(width)") }
        guard depth > 0 else { throw NumericalError.invalidArgument("depth must be a positive integer, got \(depth)") }
        guard samples > 0 else { throw NumericalError.invalidArgument("samples must be a positive integer, got \(samples)") }
        try require(sigmaW, "σ_w", { $0 > 0 }, "finite and > 0")
        try require(sigmaB, "σ_b", { $0 >= 0 }, "finite and ≥ 0")
        try require(qStar, "q*", { $0 >= 0 }, "finite and ≥ 0")
        if let q0 = inputLength { try require(q0, "input length ‖x⁰‖²/N", { $0 > 0 }, "finite and > 0") }
        if let lengths = layerLengths {
            guard lengths.count == depth, lengths.allSatisfy({ $0 >= 0 && !$0.isNaN }) else {
                throw NumericalError.invalidArgument("layer lengths q^l must be \(depth) numbers ≥ 0, got \(lengths.count)")
            }
        }
        if let widths = layerWidths {
            guard widths.count == depth + 1, widths.allSatisfy({ $0 > 0 }), widths.first == width else {
                throw NumericalError.invalidArgument("layer widths must be \(depth + 1) positive integers N_0 = \(width), …, N_L; got \(widths)")
            }
        }
        let largest = widths.max() ?? width
        guard largest <= 46_340 else {
            throw NumericalError.invalidArgument("width \(largest) exceeds LAPACK's 32-bit indexing (N² < 2³¹)")
        }
        let bytes = Double(Self.matrixBuffers + 1) * Double(largest) * Double(largest) * 8
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes < 0.8 * available else {
            throw NumericalError.invalidArgument(
                "width \(largest) needs about \(Int(bytes / 1e9)) GB of matrix buffers; this machine has \(Int(available / 1e9)) GB")
        }
    }
}
