import Foundation
import ImageCore
import LocalFeatures
import Testing
import TestSupport

/// Where the protocol loses a positive: keypoint repeatability, descriptor matching or verification.
/// Opt-in (OBJTRACE_LF_DIAG=1); prints one line per case, asserts nothing beyond sanity.
@Suite struct DiagnosticTests {
    static let enabled = ProcessInfo.processInfo.environment["OBJTRACE_LF_DIAG"] == "1"

    @Test(.enabled(if: SharedData.isAvailable && DiagnosticTests.enabled, Comment(rawValue: "set OBJTRACE_LF_DIAG=1")))
    func lossBreakdown() throws {
        let only = ProcessInfo.processInfo.environment["OBJTRACE_LF_DIAG_T"] ?? "rotation"
        let cases = try Protocol.cases(stride: 1).filter { $0.transform.rawValue == only }
        var tot = (rep: 0, tent: 0, correct: 0, ok: 0)
        for c in cases {
            let obj = try TestImages.raster(c.object)
            let ref = try Protocol.features(c.object)
            let h = Synth.homography(fromRect: Double(obj.width), Double(obj.height), to: c.outline)
            let mirrored = c.transform == .mirror
            func proj(_ k: Keypoint) -> (Double, Double) { Synth.project(h, Double(k.x) + 0.5, Double(k.y) + 0.5) }
            // Repeatable: a reference keypoint whose true image has a query keypoint within 3 px · scale.
            var rep = 0
            for k in ref.keypoints {
                let (u, v) = proj(k)
                if c.query.keypoints.contains(where: { q in
                    let dx = Double(q.x) + 0.5 - u, dy = Double(q.y) + 0.5 - v
                    return dx * dx + dy * dy < 9 * Double(q.size / 31) * Double(q.size / 31)
                }) { rep += 1 }
            }
            let tent = mirrored ? Protocol.matcher.tentativeMatches(c.query.mirroredDescriptors, ref.descriptors)
                : Protocol.matcher.tentativeMatches(c.query.descriptors, ref.descriptors)
            var correct = 0
            var angErr: [Double] = []
            for m in tent {
                let k = ref.keypoints[m.reference], q = c.query.keypoints[m.query]
                let (u, v) = proj(k)
                let dx = Double(q.x) + 0.5 - u, dy = Double(q.y) + 0.5 - v
                if dx * dx + dy * dy < 9 * Double(q.size / 31) * Double(q.size / 31) {
                    correct += 1
                    // True rotation at the point: direction of the image of a unit step in x.
                    let (u2, v2) = Synth.project(h, Double(k.x) + 1.5, Double(k.y) + 0.5)
                    let truth = atan2(v2 - v, u2 - u)
                    let d = mirrored ? Double(q.angle + k.angle) : Double(q.angle - k.angle)
                    var e = (d - truth).truncatingRemainder(dividingBy: 2 * .pi)
                    if e > .pi { e -= 2 * .pi }; if e < -.pi { e += 2 * .pi }
                    angErr.append(abs(e) * 180 / .pi)
                }
            }
            // Orientation error of repeatable pairs (true rotation from the homography's first column).
            let m = Protocol.matcher.verify(query: c.query, reference: ref)
            let ok = (m?.score ?? 0) >= Protocol.matcher.config.minScore
            let sortedErr = angErr.sorted()
            let med = sortedErr.isEmpty ? -1 : sortedErr[sortedErr.count / 2]
            let over = angErr.filter { $0 > 30 }.count
            tot.rep += rep; tot.tent += tent.count; tot.correct += correct; tot.ok += ok ? 1 : 0
            let o = c.outline
            let shown = ((o[1].0 - o[0].0) * (o[1].0 - o[0].0) + (o[1].1 - o[0].1) * (o[1].1 - o[0].1)).squareRoot() / Double(obj.width)
            print("DIAG \(c.transform) \(c.object) [\(obj.width)x\(obj.height) shown at \(String(format: "%.3f", shown)) in \(c.background)]: refKP=\(ref.count) qKP=\(c.query.count) repeatable=\(rep) tentative=\(tent.count) correct=\(correct) angErrMedian=\(Int(med)) over30=\(over) inliers=\(m?.inliers ?? 0) score=\(m?.score ?? 0) \(ok ? "ok" : "MISS")")
        }
        print("DIAG total \(only): repeatable=\(tot.rep) tentative=\(tot.tent) correct=\(tot.correct) recall=\(tot.ok)/\(cases.count)")
        #expect(!cases.isEmpty)
    }
}
