import Foundation
import ImageCore
import LocalFeatures
import Testing
import TestSupport

/// The evaluation protocol of issue 7: known real pairs, a generated scene protocol and negatives.
enum Protocol {
    static let big = ProcessInfo.processInfo.environment["OBJTRACE_BIG_TESTS"] == "1"
    static let extractor = FeatureExtractor()
    static let matcher = LocalMatcher()

    /// `file -> group` from the MANIFEST.
    static let groups: [String: String] = {
        guard let rows = try? SharedData.readTSV("dev/MANIFEST.tsv") else { return [:] }
        var out: [String: String] = [:]
        for r in rows { out["dev/" + (r["file"] ?? "")] = r["group"] ?? "" }
        return out
    }()

    static func group(_ path: String) -> String { groups[path] ?? path }

    /// Object crops (the published objects) and unrelated scene photos, as paths relative to shared/data.
    static let objects: [String] = SharedData.files(under: "dev/products", extensions: ["jpg", "png"])
        .map { "dev/" + $0.path.components(separatedBy: "/dev/").last! }
    static let photos: [String] = SharedData.files(under: "dev/photos", extensions: ["jpg", "png"])
        .map { "dev/" + $0.path.components(separatedBy: "/dev/").last! }

    nonisolated(unsafe) static var featureCache: [String: FeatureSet] = [:]
    static let lock = NSLock()

    static func features(_ path: String) throws -> FeatureSet {
        lock.lock()
        if let f = featureCache[path] { lock.unlock(); return f }
        lock.unlock()
        let f = extractor.extract(try TestImages.raster(path))
        lock.lock(); featureCache[path] = f; lock.unlock()
        return f
    }

    struct Case {
        var object: String
        var background: String
        var transform: SceneTransform
        var query: FeatureSet
        var outline: [(Double, Double)]
    }

    /// The generated positives: every `stride`-th object under every transform, fixed seed.
    static func cases(stride: Int) throws -> [Case] {
        var rng = TestRNG(seed: 7_007)
        var out: [Case] = []
        for (oi, obj) in objects.enumerated() where oi % stride == 0 {
            let raster = try TestImages.raster(obj)
            for t in SceneTransform.allCases {
                var bg = photos[rng.below(photos.count)]
                while group(bg) == group(obj) { bg = photos[rng.below(photos.count)] }
                let (q, outline) = Synth.scene(object: raster, background: try TestImages.raster(bg), transform: t, rng: &rng)
                out.append(Case(object: obj, background: bg, transform: t, query: extractor.extract(q), outline: outline))
            }
        }
        return out
    }
}

/// Known real pairs that local features must handle (decoder-only rows such as EXIF tags are left out).
enum KnownPairs {
    static let rows: [[String: String]] = ((try? SharedData.readTSV("dev/KNOWN_PAIRS.tsv")) ?? []).filter {
        let rel = $0["relation"] ?? ""
        return !rel.hasPrefix("exif-orientation") && rel != "format conversion"
    }

    /// Relations the issue names (object in scene, viewpoint, crops, letterbox, rotation, flips): must match.
    static func required(_ relation: String) -> Bool {
        relation.hasPrefix("object-in-scene") || relation.hasPrefix("viewpoint/perspective")
            || relation.hasPrefix("crop/aspect") || relation == "letterbox" || relation == "rotation"
            || relation == "hflip" || relation.hasPrefix("dihedral")
    }
}

@Suite struct ProtocolTests {
    /// Real pairs: required relations must verify at the default threshold with a region that is a sane
    /// quadrilateral inside the query; every row's score is printed for the report.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func knownPairs() throws {
        var missed: [String] = []
        for row in KnownPairs.rows {
            let q = "dev/" + row["query"]!, r = "dev/" + row["reference"]!, rel = row["relation"]!
            let m = Protocol.matcher.verify(query: try Protocol.features(q), reference: try Protocol.features(r))
            let ok = (m?.score ?? 0) >= Protocol.matcher.config.minScore
            print("KNOWN \(ok ? "hit " : "MISS") \(rel): inliers=\(m?.inliers ?? 0) score=\(m?.score ?? 0) mirrored=\(m?.mirrored ?? false) \(row["query"]!)")
            if KnownPairs.required(rel) && !ok { missed.append(rel) }
        }
        #expect(missed.isEmpty, "required known pairs missed: \(missed)")
    }

    /// Cost per image and per verified pair (meaningful in a release build; opt-in).
    @Test(.enabled(if: SharedData.isAvailable && Protocol.big, Comment(rawValue: "set OBJTRACE_BIG_TESTS=1")))
    func timing() throws {
        let paths = Protocol.photos
        let rasters = try paths.map { try TestImages.raster($0) }
        let clock = ContinuousClock()
        var sets: [FeatureSet] = []
        let extraction = clock.measure { sets = rasters.map { Protocol.extractor.extract($0) } }
        var pairs = 0
        let verification = clock.measure {
            for i in 0..<sets.count { for j in 0..<4 where j != i { _ = Protocol.matcher.verify(query: sets[i], reference: sets[j]); pairs += 1 } }
        }
        let ranking = clock.measure { _ = Protocol.matcher.rankCandidates(query: sets[0], candidates: sets, limit: 5) }
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        let meanPixels = rasters.map { $0.width * $0.height }.reduce(0, +) / rasters.count
        print("TIMING extraction \(ms(extraction) / Double(rasters.count)) ms/image (\(rasters.count) photos, mean \(meanPixels) px, \(sets.map(\.count).reduce(0, +) / sets.count) keypoints)")
        print("TIMING verification \(ms(verification) / Double(pairs)) ms/pair (\(pairs) pairs)")
        print("TIMING global vote \(ms(ranking) / Double(sets.count)) ms/candidate")
    }

    /// Over every published object (71, so the vote runs in two stages), the cheap first stage must not lose the
    /// true object where the full one-stage vote ranks it in the top 3.
    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func twoStageVoteKeepsWhatTheFullVoteFinds() throws {
        let cases = try Protocol.cases(stride: Protocol.big ? 4 : 16)
        let references = Protocol.objects
        let candidateSets = try references.map { try Protocol.features($0) }
        #expect(candidateSets.count > Protocol.matcher.config.prefilterAbove)
        var oneStageConfig = LocalMatcher.Config()
        oneStageConfig.prefilterAbove = .max
        let oneStage = LocalMatcher(oneStageConfig)
        var ranked = 0, full = 0, twoStage = 0
        for c in cases {
            guard let truth = references.firstIndex(of: c.object),
                  Protocol.matcher.match(query: c.query, reference: candidateSets[truth]) != nil else { continue }
            ranked += 1
            let a = oneStage.rankCandidates(query: c.query, candidates: candidateSets, limit: 3).map(\.index)
            let b = Protocol.matcher.rankCandidates(query: c.query, candidates: candidateSets, limit: 3).map(\.index)
            if a.contains(truth) { full += 1 }
            if b.contains(truth) { twoStage += 1 }
            print("VOTE2 \(c.transform) \(c.object): one-stage top 3 \(a.contains(truth)), two-stage top 3 \(b.contains(truth))")
        }
        print("two-stage vote among \(references.count) objects: true object in top 3 for \(twoStage)/\(ranked) scenes (one-stage \(full))")
        #expect(ranked > 5)
        #expect(twoStage >= full, "the first stage lost true objects the full vote found")
    }

    @Test(.enabled(if: SharedData.isAvailable, Comment(rawValue: SharedData.skipMessage)))
    func generatedProtocolAndNegatives() throws {
        let t0 = Date()
        let cases = try Protocol.cases(stride: Protocol.big ? 1 : 8)
        let t1 = Date()
        let minScore = Protocol.matcher.config.minScore
        var scores: [SceneTransform: [Double]] = [:]
        var badRegions = 0, matched = 0
        for c in cases {
            let ref = try Protocol.features(c.object)
            let m = Protocol.matcher.verify(query: c.query, reference: ref)
            scores[c.transform, default: []].append(m?.score ?? 0)
            if let m, m.score >= minScore {
                matched += 1
                // The projected outline must land on the true one: mean corner error under 5% of its diagonal.
                let o = c.outline
                let diag = ((o[2].0 - o[0].0) * (o[2].0 - o[0].0) + (o[2].1 - o[0].1) * (o[2].1 - o[0].1)).squareRoot()
                var err = 0.0
                for k in 0..<4 {
                    let dx = m.region[k].x - o[k].0, dy = m.region[k].y - o[k].1
                    err += (dx * dx + dy * dy).squareRoot() / 4
                }
                if err > 0.05 * diag || m.mirrored != (c.transform == .mirror) {
                    badRegions += 1
                    print("BAD REGION \(c.transform) \(c.object): corner error \(err) px, diagonal \(diag), region \(m.region), truth \(o)")
                }
            }
            print("POS \(c.transform) \(c.object) in \(c.background): inliers=\(m?.inliers ?? 0) score=\(m?.score ?? 0) coverage=\(m?.coverage ?? 0) tentative=\(m?.tentativeMatches ?? 0) mirrored=\(m?.mirrored ?? false)")
        }
        let t2 = Date()
        // Negatives: generated scenes, raw photos and known-pair queries against objects of other groups
        // (never the group of the pasted object nor of the background photo).
        var queries: [(FeatureSet, Set<String>, String)] = cases.map {
            ($0.query, [Protocol.group($0.object), Protocol.group($0.background)], "\($0.transform) \($0.object)+\($0.background)")
        }
        let rawQueries = Protocol.big ? Protocol.photos : Array(Protocol.photos.prefix(8))
        for p in rawQueries { queries.append((try Protocol.features(p), [Protocol.group(p)], p)) }
        let references = Protocol.big ? Protocol.objects : Array(Set(cases.map(\.object))).sorted()
        var rng = TestRNG(seed: 99)
        var negatives: [Double] = []
        let wanted = Protocol.big ? 2000 : 200
        var seen = Set<String>()
        while negatives.count < wanted && seen.count < wanted * 4 {
            let (qf, qGroups, qName) = queries[rng.below(queries.count)]
            let ref = references[rng.below(references.count)]
            guard !qGroups.contains(Protocol.group(ref)), seen.insert(qName + "|" + ref).inserted else { continue }
            let m = Protocol.matcher.verify(query: qf, reference: try Protocol.features(ref))
            negatives.append(m?.score ?? 0)
            if let m { print("NEG \(qName) vs \(ref): inliers=\(m.inliers) score=\(m.score) coverage=\(m.coverage) mirrored=\(m.mirrored)") }
        }
        let t3 = Date()
        // The cheap global vote must keep the true object among the top 3 candidates whenever verification can
        // find it (textureless objects that verification misses are not the vote's failure).
        let candidateSets = try references.map { try Protocol.features($0) }
        var ranked = 0, inTop = 0
        for (k, c) in cases.enumerated() where Protocol.big || k % 4 == 0 {
            guard let truth = references.firstIndex(of: c.object),
                  Protocol.matcher.match(query: c.query, reference: candidateSets[truth]) != nil else { continue }
            let all = Protocol.matcher.rankCandidates(query: c.query, candidates: candidateSets, limit: candidateSets.count)
            ranked += 1
            let rank = all.firstIndex(where: { $0.index == truth }) ?? all.count
            if rank < 3 { inTop += 1 }
            print("VOTE \(c.transform) \(c.object): true object rank \(rank + 1), votes \(all[rank].votes); top \(all.prefix(3).map(\.votes))")
        }
        print("global vote: true object in top 3 for \(inTop)/\(ranked) scenes among \(references.count) objects")
        #expect(ranked > 0)
        #expect(Double(inTop) >= 0.9 * Double(ranked), "global vote: true object in the top 3 for \(inTop)/\(ranked) scenes")
        // The calibrated threshold: the lowest score above every negative.
        let maxNegative = negatives.max() ?? 0
        print("scenes \(cases.count) generated+extracted in \(Int(t1.timeIntervalSince(t0))) s, verified in \(Int(t2.timeIntervalSince(t1))) s; negatives \(negatives.count) in \(Int(t3.timeIntervalSince(t2))) s")
        print("max negative score \(maxNegative) (default minScore \(minScore))")
        for t in SceneTransform.allCases {
            let s = scores[t] ?? []
            let atCalibrated = s.filter { $0 > maxNegative }.count, atDefault = s.filter { $0 >= minScore }.count
            print("recall \(t): \(atCalibrated)/\(s.count) above the calibrated threshold, \(atDefault)/\(s.count) at minScore")
            // Goal 0.90 (the big run's floor); the default run has only 9 scenes per transform, so its floor
            // allows two misses.
            #expect(Double(atDefault) >= (Protocol.big ? 0.90 : 0.75) * Double(s.count), "recall of \(t) at the default threshold")
        }
        #expect(negatives.count == wanted)
        #expect(maxNegative < minScore, "a negative pair reached the default threshold")
        #expect(badRegions <= matched / 10, "matched regions off the true outline: \(badRegions) of \(matched)")
    }
}
