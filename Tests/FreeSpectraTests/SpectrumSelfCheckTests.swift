import Foundation
import Testing
@testable import FreeSpectra

/// Each check of `SpectrumSelfCheck` against a deliberately broken spectrum: the intact law
/// passes, and each defect — 1e-4 of mass too much, a shifted density, a decreasing F, an F
/// that never reaches 1, a wrong F at an evaluation point, an empty support interval, a wrong
/// E_train, a NaN — is refused with its measured discrepancy. The law: MP(0.5) (closed-form ρ,
/// F, moments), and MP(2) for its atom.
@Suite struct SpectrumSelfCheckTests {
    static let mp = try! MarchenkoPastur(ratio: 0.5)
    static let withAtom = try! MarchenkoPastur(ratio: 2)

    static func check(_ law: MarchenkoPastur = mp, density: ((Double) -> Double)? = nil, support: [ClosedRange<Double>]? = nil,
                      moments: [Double]? = nil, cdf: ((Double) -> Double)? = nil, cdfValues: [(x: Double, cdf: Double)] = [],
                      integrals: [SpectrumSelfCheck.Integral] = []) -> SpectrumSelfCheck {
        let x = (0..<41).map { law.upperEdge * 1.025 * Double($0) / 40 }
        let f = cdf ?? law.cdf, rho = density ?? law.density
        return SpectrumSelfCheck(density: rho, support: support ?? law.support, atoms: law.atoms,
                                 moments: moments ?? (1...4).map(law.moment),
                                 table: (x, x.map(rho), x.map(f)), cdfValues: cdfValues, integrals: integrals)
    }

    /// The message of the failure, or nil if the check passed.
    static func failure(_ c: SpectrumSelfCheck) -> String? {
        do { _ = try c.run(what: "the test law"); return nil } catch NumericalError.didNotConverge(let m) { return m } catch { return "\(error)" }
    }

    @Test func intactLawsPass() throws {
        for law in [Self.mp, Self.withAtom] {
            let r = try Self.check(law, cdfValues: [(1, law.cdf(1))]).run(what: "MP")
            #expect(abs(r.totalMass - 1) <= 1e-10 && r.momentErrors.allSatisfy { abs($0) <= 1e-10 } && r.cdfError <= 1e-10)
        }
    }

    @Test func extraMassIsRefused() {
        let m = Self.failure(Self.check(density: { Self.mp.density($0) * (1 + 1e-4) }))
        #expect(m?.contains("total mass") == true, "\(m ?? "passed")")
    }

    /// The density moved right by 1e-3 of its width (mass intact): m₁ is off by 2.5e-3 relative.
    @Test func shiftedDensityFailsTheMoments() {
        let shift = 1e-3 * (Self.mp.upperEdge - Self.mp.lowerEdge)
        let support = [(Self.mp.lowerEdge + shift)...(Self.mp.upperEdge + shift)]
        let m = Self.failure(Self.check(density: { Self.mp.density($0 - shift) }, support: support,
                                        cdf: { Self.mp.cdf($0 - shift) }))
        #expect(m?.contains("moment m1") == true, "\(m ?? "passed")")
    }

    @Test func decreasingDistributionFunctionIsRefused() {
        let m = Self.failure(Self.check(cdf: { x in x > 0.9 && x < 1 ? Self.mp.cdf(x) - 0.1 : Self.mp.cdf(x) }))
        #expect(m?.contains("decreases") == true, "\(m ?? "passed")")
    }

    /// The Hessian bug of issue 22: F stops at 0.5 (the bulk lost) while ρ is intact.
    @Test func distributionFunctionThatNeverReachesOneIsRefused() {
        let m = Self.failure(Self.check(cdf: { min(0.5, Self.mp.cdf($0)) }))
        #expect(m?.contains("atoms + ∫ρ") == true, "\(m ?? "passed")")
    }

    /// λ_max reported below the real top: the support misses the mass above it.
    @Test func truncatedSupportIsRefused() {
        let m = Self.failure(Self.check(support: [Self.mp.lowerEdge...(0.8 * Self.mp.upperEdge)]))
        #expect(m?.contains("total mass") == true, "\(m ?? "passed")")
    }

    @Test func wrongEvaluationIsRefused() {
        let m = Self.failure(Self.check(cdfValues: [(1.0, Self.mp.cdf(1) + 1e-4)]))
        #expect(m?.contains("F(1.0)") == true, "\(m ?? "passed")")
    }

    @Test func emptySupportIntervalIsRefused() {
        let top = Self.mp.upperEdge
        let m = Self.failure(Self.check(support: Self.mp.support + [(top + 1)...(top + 2)]))
        #expect(m?.contains("carries no mass") == true, "\(m ?? "passed")")
    }

    @Test func wrongMomentSeriesIsRefused() {
        var moments = (1...4).map(Self.mp.moment)
        moments[3] *= 1 + 1e-5
        let m = Self.failure(Self.check(moments: moments))
        #expect(m?.contains("moment m4") == true, "\(m ?? "passed")")
    }

    /// ∫x² dμ reported through an integral: m₂ exact passes, 1e-6 off fails.
    @Test func wrongIntegralIsRefused() throws {
        let right = SpectrumSelfCheck.Integral(name: "m2", weight: { $0 * $0 }, offset: 0, factor: 1, reported: Self.mp.moment(2))
        _ = try Self.check(integrals: [right]).run(what: "MP")
        var wrong = right
        wrong.reported += 1e-6
        let m = Self.failure(Self.check(integrals: [wrong]))
        #expect(m?.contains("m2 = ") == true, "\(m ?? "passed")")
    }

    @Test func notANumberIsRefused() {
        let m = Self.failure(Self.check(density: { abs($0 - 1) < 0.03 ? .nan : Self.mp.density($0) }))
        #expect(m != nil)
    }
}
