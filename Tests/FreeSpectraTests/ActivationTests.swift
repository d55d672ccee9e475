import Testing
@testable import FreeSpectra

@Suite struct ActivationTests {
    @Test func unknownActivationIsRejected() {
        #expect(throws: NumericalError.self) { try Activations.named("softplusish") }
    }
}
