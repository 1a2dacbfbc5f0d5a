import Matching
import ObjtraceKit
import Testing

/// `calibrate` stores only thresholds the data can support; the rest keep the previous policy's.
@Suite struct CalibrationSupportTests {
    /// `positives` true pairs at distance 10 and `negatives` false pairs at 100 (or 20 for the closest few).
    static func samples(positives: Int, negatives: Int) -> [LabelledDistance] {
        (0..<positives).map { _ in LabelledDistance(distance: 10, isMatch: true) }
            + (0..<negatives).map { i in LabelledDistance(distance: i < 5 ? 20 + i : 100, isMatch: false) }
    }

    @Test func theReadmeRunShapeIsNotStored() throws {
        // 54 true pairs and 2,000 negatives at FPR 1e-3: the closest negatives alone set the threshold.
        let policy = try MatchPolicy.calibrated(from: ["pdq": Self.samples(positives: 54, negatives: 2000)])
        let record = try #require(policy.calibration["pdq"])
        #expect(record.threshold != nil)
        let reason = try #require(CalibrationJob.unsupportedReason(record))
        #expect(reason.contains("3000"))
        let previous = MatchPolicy(thresholds: ["pdq": 31])
        let (merged, updated) = CalibrationJob.merge(policy, into: previous)
        #expect(updated.isEmpty && merged.thresholds["pdq"] == 31, "the previous threshold stays")
    }

    @Test func enoughNegativesAndPositivesAreStored() throws {
        let policy = try MatchPolicy.calibrated(from: ["phash": Self.samples(positives: 40, negatives: 6000),
                                                       "dhash": Self.samples(positives: 5, negatives: 6000)])
        let phash = try #require(policy.calibration["phash"])
        #expect(CalibrationJob.unsupportedReason(phash) == nil)
        #expect(CalibrationJob.unsupportedReason(try #require(policy.calibration["dhash"]))?.contains("true pairs") == true)
        let (merged, updated) = CalibrationJob.merge(policy, into: MatchPolicy(thresholds: ["phash": 11, "dhash": 12]))
        #expect(updated == ["phash"])
        #expect(merged.thresholds["phash"] == phash.threshold && merged.thresholds["dhash"] == 12)
    }
}
