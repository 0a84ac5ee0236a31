@testable import NaveNode
import Testing

@Suite("Console node samples")
struct MeanSinceLastSampleTests {
    @Test("the mean of what a cumulative sum and count gained since the last sample; 0 when nothing came")
    func mean() {
        let mean = MeanSinceLastSample()
        #expect(mean.next(sum: 6, count: 3) == 2)
        #expect(mean.next(sum: 6, count: 3) == 0, "no fdatasync in the interval")
        #expect(mean.next(sum: 16, count: 5) == 5)
    }
}
