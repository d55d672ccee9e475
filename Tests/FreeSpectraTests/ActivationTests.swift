import Foundation
import Testing
@testable import FreeSpectra

@Suite struct ActivationTests {
    @Test func unknownActivationIsRejected() {
        #expect(throws: NumericalError.self) { try Activations.named("softplusish") }
    }

    /// Names are case-insensitive and accept the aliases; a parameter only goes with leaky-relu.
    @Test func namesAliasesAndParameters() throws {
        #expect(try Activations.named("HardTanh").name == "hard-tanh")
        #expect(try Activations.named("swish").name == "silu")
        #expect(try Activations.named("leaky-relu:0.2").name == "leaky-relu(0.2)")
        #expect(throws: NumericalError.invalidArgument("activation 'tanh' takes no parameter")) { try Activations.named("tanh:3") }
        #expect(Activations.isBuiltin("leaky-relu:7") && !Activations.isBuiltin("abs"))
    }

    /// The Gram model's lookup reports what is wrong, not "unknown activation", for a known
    /// name with a bad parameter; its own `abs` and `square` take none.
    @Test func gramActivationErrorsSayWhatIsWrong() throws {
        #expect(throws: NumericalError.invalidArgument("leaky-relu slope must be in [0, 1), got 7.0")) {
            try GramActivations.named("leaky-relu:7")
        }
        #expect(throws: NumericalError.invalidArgument("leaky-relu slope 'x' is not a number")) {
            try GramActivations.named("leaky-relu:x")
        }
        #expect(throws: NumericalError.invalidArgument("activation 'abs' takes no parameter")) { try GramActivations.named("abs:2") }
        do {
            _ = try GramActivations.named("softsign")
            Issue.record("softsign accepted")
        } catch let NumericalError.invalidArgument(message) {
            #expect(message.hasPrefix("unknown activation 'softsign' for the Gram model"))
        }
        #expect(try GramActivations.named("Square").name == "square")
        #expect(try GramActivations.named("leaky-relu:0.1").name == "leaky-relu(0.1)")
    }

    /// ξ = −1/log χ: +∞ on the critical line even when χ is 1 only to rounding.
    @Test func depthScaleIsInfiniteAtCriticality() throws {
        #expect(MeanField.depthScale(chi: 1) == .infinity)
        #expect(MeanField.depthScale(chi: 1.0000000000000002) == .infinity)
        #expect(abs(MeanField.depthScale(chi: 0.5) - 1 / log(2.0)) <= 1e-15)
        #expect(MeanField.depthScale(chi: 2) < 0)
        let (sigmaW, _) = try CriticalLine.point(activation: Tanh(), qStar: 0.2)
        let chi = try MeanField(activation: Tanh(), sigmaW: sigmaW, sigmaB: 0).chi(0.2)
        #expect(MeanField.depthScale(chi: chi) == .infinity, "χ = \(chi)")
    }
}
