/// The xoshiro256** 1.0 pseudo-random generator (Blackman & Vigna, "Scrambled linear
/// pseudorandom number generators", ACM TOMS 2021; reference C code at prng.di.unimi.it),
/// seeded by SplitMix64.
///
/// State: four 64-bit words; period 2²⁵⁶ − 1; passes BigCrush and PractRand. All 64 output
/// bits are of full quality, so the Ziggurat sampler (`nextNormal`) may take the layer index
/// from the low bits and the uniform from the high bits of one output.
///
/// Seeding: `init(seed:)` runs SplitMix64 (Steele, Lea & Flood 2014) from `seed` and takes
/// its first four outputs as the state, as the xoshiro authors recommend; the state is never
/// all zero. The same seed gives the same stream on every platform and run.
///
/// Streams: `jump()` advances by 2¹²⁸ steps and `longJump()` by 2¹⁹² steps, giving
/// non-overlapping sub-streams. The Monte Carlo engine gives sample s the stream
/// "seed, jumped s times", so each sample is reproducible on its own.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Equatable {
    var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The generator whose state is the first four SplitMix64 outputs from `seed`.
    public init(seed: UInt64) {
        var splitMix = seed
        s0 = Self.splitMix64(&splitMix)
        s1 = Self.splitMix64(&splitMix)
        s2 = Self.splitMix64(&splitMix)
        s3 = Self.splitMix64(&splitMix)
    }

    /// A generator with the given raw state (not all zero); for reference-vector tests.
    init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
    }

    /// SplitMix64: advances `state` by the golden-ratio increment and returns its
    /// mixed value.
    @inline(__always)
    static func splitMix64(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    /// A uniform double in [0, 1): the top 53 bits of `next()` times 2⁻⁵³.
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Advances the state by 2¹²⁸ steps (the reference `jump`).
    public mutating func jump() {
        apply(polynomial: (0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C))
    }

    /// Advances the state by 2¹⁹² steps (the reference `long_jump`).
    public mutating func longJump() {
        apply(polynomial: (0x76E1_5D3E_FEFD_CBBF, 0xC500_4E44_1C52_2FB3, 0x7771_0069_854E_E241, 0x3910_9BB0_2ACB_E635))
    }

    private mutating func apply(polynomial: (UInt64, UInt64, UInt64, UInt64)) {
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        for word in [polynomial.0, polynomial.1, polynomial.2, polynomial.3] {
            for bit in 0..<64 {
                if word & (1 << UInt64(bit)) != 0 {
                    t0 ^= s0; t1 ^= s1; t2 ^= s2; t3 ^= s3
                }
                _ = next()
            }
        }
        (s0, s1, s2, s3) = (t0, t1, t2, t3)
    }

    /// The generator for sub-stream `index`: this one jumped `index` times (2¹²⁸·index steps).
    public func stream(_ index: Int) -> Xoshiro256StarStar {
        var g = self
        for _ in 0..<max(0, index) { g.jump() }
        return g
    }
}
