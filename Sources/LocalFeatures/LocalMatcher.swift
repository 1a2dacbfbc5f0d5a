import ImageCore
/// A tentative descriptor correspondence: keypoint indices into the query and the reference feature sets.
public struct FeatureMatch: Sendable, Hashable, Codable {
    /// Index into the query's keypoints.
    public var query: Int
    /// Index into the reference's keypoints.
    public var reference: Int
    /// Hamming distance of the two descriptors (0–256).
    public var distance: Int

    /// Creates a correspondence.
    public init(query: Int, reference: Int, distance: Int) {
        self.query = query; self.reference = reference; self.distance = distance
    }
}

/// A geometrically verified sighting of a reference object in a query photo.
public struct LocalMatch: Sendable, Equatable, Codable {
    /// Correspondences consistent with `transform` (one-to-one).
    public var inliers: Int
    /// Confidence: the inlier count discounted when the inliers cover little of the object.
    public var score: Double
    /// Fraction (0–1) of the cells of a 6x6 grid over the reference's keypoints, among those with keypoints
    /// visible in the query, that hold an inlier.
    public var coverage: Double
    /// Whether the query shows the object mirrored (left-right flipped, possibly also rotated).
    public var mirrored: Bool
    /// Maps reference pixel coordinates to query pixel coordinates.
    public var transform: Homography
    /// The reference's outline (its four corners, clockwise from top-left) projected onto the query photo.
    public var region: [Point2D]
    /// Descriptor matches that went into verification.
    public var tentativeMatches: Int
    /// The inlier correspondences.
    public var inlierMatches: [FeatureMatch]
}

/// Descriptor matching (Hamming kNN, ratio test, one-to-one) and RANSAC geometric verification.
public struct LocalMatcher: Sendable {
    /// Matching and verification settings.
    public struct Config: Sendable, Equatable {
        /// Lowe's ratio: best distance must be below this fraction of the second best.
        public var ratio: Double = 0.8
        /// Largest Hamming distance (of 256) a tentative match may have.
        public var maxDistance: Int = 72
        /// Inlier threshold in working pixels at pyramid level 0 (grows with the keypoint's level).
        public var inlierThreshold: Double = 3.0
        /// RANSAC hypotheses (two-point similarities) per branch.
        public var iterations: Int = 600
        /// Allowed disagreement (degrees) between a hypothesis' rotation and the keypoints' orientations.
        public var angleTolerance: Double = 30
        /// Fewest inliers for any verified geometry.
        public var minInliers: Int = 8
        /// Largest ratio between projective denominators at the object's corners (limits perspective).
        public var maxPerspective: Double = 3.0
        /// Score at or above which `match` reports a match: `minInliers` well-spread inliers. No negative pair of
        /// the 2,000 in the tests reached any verified geometry (score 0), so this sits above all of them.
        public var minScore: Double = 8
        /// Also try the mirrored branch (query mirrored descriptors against reference descriptors).
        public var allowMirrored: Bool = true
        /// RANSAC seed (results are deterministic for a given seed).
        public var seed: UInt64 = 0x5EED_0B1E_C7
        /// Query keypoints (strongest per level first) used by the global vote.
        public var voteKeypoints: Int = 300

        /// The default settings.
        public init() {}
    }

    /// The settings in use.
    public let config: Config

    /// Creates a matcher.
    public init(_ config: Config = Config()) { self.config = config }

    /// The verified match of `reference` inside `query` if its score reaches `config.minScore`.
    public func match(query: FeatureSet, reference: FeatureSet) -> LocalMatch? {
        guard let m = verify(query: query, reference: reference), m.score >= config.minScore else { return nil }
        return m
    }

    /// The best plausible geometry of `reference` inside `query` regardless of score (nil when none).
    /// - Complexity: O(q·r) descriptor comparisons plus O(iterations · tentative matches).
    public func verify(query: FeatureSet, reference: FeatureSet) -> LocalMatch? {
        var best: LocalMatch?
        var branches: [(Bool, [FeatureMatch])] = [(false, tentativeMatches(query.descriptors, reference.descriptors))]
        if config.allowMirrored {
            if query.hasMirrored {
                branches.append((true, tentativeMatches(query.mirroredDescriptors, reference.descriptors)))
            } else if reference.hasMirrored {
                branches.append((true, tentativeMatches(query.descriptors, reference.mirroredDescriptors)))
            }
        }
        for (mirrored, matches) in branches {
            guard let m = verifyBranch(query: query, reference: reference, matches: matches, mirrored: mirrored)
            else { continue }
            if best == nil || m.score > best!.score { best = m }
        }
        return best
    }

    /// Ranks `candidates` by a cheap global vote: how many of the query's strongest descriptors (plain or
    /// mirrored) find a distinctive nearest neighbour in the candidate (within `maxDistance` and passing the
    /// ratio test) with a consistent rotation. Returns the top `limit` as (index into `candidates`, votes), most votes first, ties by index.
    /// - Complexity: O(voteKeypoints · Σ candidate keypoints).
    public func rankCandidates(query: FeatureSet, candidates: [FeatureSet], limit: Int) -> [(index: Int, votes: Int)] {
        let picked = voteSubset(query)
        var plainWords: [UInt64] = [], mirrorWords: [UInt64] = []
        for i in picked {
            plainWords += query.descriptors[(4 * i)..<(4 * i + 4)]
            if query.hasMirrored { mirrorWords += query.mirroredDescriptors[(4 * i)..<(4 * i + 4)] }
        }
        var scored: [(index: Int, votes: Int)] = []
        for (ci, cand) in candidates.enumerated() {
            let plain = rotationVote(tentativeMatches(plainWords, cand.descriptors), picked, query, cand, mirrored: false)
            let flipped = mirrorWords.isEmpty || !config.allowMirrored ? 0
                : rotationVote(tentativeMatches(mirrorWords, cand.descriptors), picked, query, cand, mirrored: true)
            scored.append((ci, max(plain, flipped)))
        }
        scored.sort { $0.votes != $1.votes ? $0.votes > $1.votes : $0.index < $1.index }
        return Array(scored.prefix(max(0, limit)))
    }

    /// The largest number of matches agreeing on the object's rotation (30° bins, a bin plus its neighbour):
    /// true matches share one rotation while chance matches spread over all of them.
    func rotationVote(_ matches: [FeatureMatch], _ picked: [Int], _ q: FeatureSet, _ r: FeatureSet, mirrored: Bool) -> Int {
        var bins = [Int](repeating: 0, count: 12)
        for m in matches {
            let aq = q.keypoints[picked[m.query]].angle, ar = r.keypoints[m.reference].angle
            var d = Double(mirrored ? aq + ar : aq - ar) / (2 * .pi)
            d -= d.rounded(.down)
            bins[min(11, Int(d * 12))] += 1
        }
        var best = 0
        for b in 0..<12 { best = max(best, bins[b] + bins[(b + 1) % 12]) }
        return best
    }

    /// The query keypoints that vote: the strongest of each level, in proportion to the level's share.
    func voteSubset(_ q: FeatureSet) -> [Int] {
        let n = q.count
        if n <= config.voteKeypoints { return Array(0..<n) }
        // Keypoints are stored level by level, strongest first: take the leading share of each level.
        var start = 0
        var out: [Int] = []
        while start < n {
            var end = start
            while end < n && q.keypoints[end].level == q.keypoints[start].level { end += 1 }
            let share = max(1, (end - start) * config.voteKeypoints / n)
            out += Array(start..<min(end, start + share))
            start = end
        }
        return out
    }

    // MARK: Descriptor matching

    /// Brute-force 2-NN from every query descriptor, Lowe's ratio test and an absolute bound, then one-to-one
    /// (a reference keypoint keeps only its closest query keypoint).
    func tentativeMatches(_ query: [UInt64], _ reference: [UInt64]) -> [FeatureMatch] {
        let nq = query.count / 4, nr = reference.count / 4
        guard nq > 0, nr > 1 else { return [] }
        var bestForRef = [Int](repeating: -1, count: nr)
        var bestDistForRef = [Int](repeating: Int.max, count: nr)
        var out: [FeatureMatch] = []
        let ratio = config.ratio, maxD = config.maxDistance
        query.withUnsafeBufferPointer { q in
            reference.withUnsafeBufferPointer { r in
                for i in 0..<nq {
                    let a0 = q[4 * i], a1 = q[4 * i + 1], a2 = q[4 * i + 2], a3 = q[4 * i + 3]
                    var d1 = Int.max, d2 = Int.max, j1 = -1
                    for j in 0..<nr {
                        let d = (a0 ^ r[4 * j]).nonzeroBitCount + (a1 ^ r[4 * j + 1]).nonzeroBitCount
                            + (a2 ^ r[4 * j + 2]).nonzeroBitCount + (a3 ^ r[4 * j + 3]).nonzeroBitCount
                        if d < d1 { d2 = d1; d1 = d; j1 = j } else if d < d2 { d2 = d }
                    }
                    guard d1 <= maxD, Double(d1) < ratio * Double(d2) else { continue }
                    if d1 < bestDistForRef[j1] {
                        bestDistForRef[j1] = d1
                        bestForRef[j1] = i
                    }
                }
            }
        }
        for j in 0..<nr where bestForRef[j] >= 0 {
            out.append(FeatureMatch(query: bestForRef[j], reference: j, distance: bestDistForRef[j]))
        }
        return out
    }

    // MARK: Geometric verification

    func verifyBranch(query: FeatureSet, reference: FeatureSet, matches: [FeatureMatch], mirrored: Bool) -> LocalMatch? {
        let n = matches.count
        guard n >= config.minInliers else { return nil }
        let src = matches.map { Point2D(x: Double(reference.keypoints[$0.reference].x), y: Double(reference.keypoints[$0.reference].y)) }
        let dst = matches.map { Point2D(x: Double(query.keypoints[$0.query].x), y: Double(query.keypoints[$0.query].y)) }
        // Per-match tolerance: localisation error grows with the query keypoint's pyramid scale.
        let tight = matches.map { config.inlierThreshold * Double(query.keypoints[$0.query].size) / 31.0 }
        let angleDiff = matches.map { m -> Double in
            let aq = Double(query.keypoints[m.query].angle), ar = Double(reference.keypoints[m.reference].angle)
            return mirrored ? aq + ar : aq - ar
        }
        let refW = Double(reference.imageWidth), refH = Double(reference.imageHeight)
        let refDiag = (refW * refW + refH * refH).squareRoot()
        let tolerance = config.angleTolerance * .pi / 180

        var rng = SplitMix64(seed: config.seed ^ (mirrored ? 0xA5A5 : 0))
        var bestCount = 0
        var bestH: Homography?
        var bestLoose = 0.0
        for _ in 0..<config.iterations {
            let i = rng.below(n)
            var j = rng.below(n - 1)
            if j >= i { j += 1 }
            let p1 = src[i], p2 = src[j], q1 = dst[i], q2 = dst[j]
            let dpx = p2.x - p1.x, dpy = (mirrored ? -1 : 1) * (p2.y - p1.y)
            let dqx = q2.x - q1.x, dqy = q2.y - q1.y
            let den = dpx * dpx + dpy * dpy
            guard den > 64, dqx * dqx + dqy * dqy > 16 else { continue }
            // a = dq / dp (complex), with the reference conjugated on the mirrored branch.
            let re = (dqx * dpx + dqy * dpy) / den, im = (dqy * dpx - dqx * dpy) / den
            let scale2 = re * re + im * im
            guard scale2 > 1.0 / 100, scale2 < 100 else { continue }
            let rot = approxAtan2(Float(im), Float(re))
            guard angleClose(Double(rot), angleDiff[i], tolerance), angleClose(Double(rot), angleDiff[j], tolerance)
            else { continue }
            let p1y = mirrored ? -p1.y : p1.y
            let tx = q1.x - (re * p1.x - im * p1y), ty = q1.y - (im * p1.x + re * p1y)
            let h = Homography.similarity(a: re, im, tx: tx, ty: ty, mirrored: mirrored)
            // Loose tolerance: a similarity only approximates a perspective view of the object.
            let loose = max(3 * config.inlierThreshold * Double(query.workScale), 0.03 * scale2.squareRoot() * refDiag)
            var count = 0
            for k in 0..<n {
                let p = h.apply(src[k])
                let ex = p.x - dst[k].x, ey = p.y - dst[k].y
                if ex * ex + ey * ey <= loose * loose + tight[k] * tight[k] { count += 1 }
            }
            if count > bestCount {
                bestCount = count
                bestH = h
                bestLoose = loose
            }
        }
        guard var h = bestH, bestCount >= config.minInliers else { return nil }

        // Local optimisation: refit a homography on the inliers while shrinking the tolerance to `tight`.
        let steps = [1.0, 0.5, 0.0, 0.0, 0.0]
        for extra in steps {
            let inl = inliers(h, src, dst, tight, extra * bestLoose)
            guard inl.count >= config.minInliers, let refit = Homography.fit(src: src, dst: dst, indices: inl) else { break }
            h = refit
        }
        var inl = inliers(h, src, dst, tight, 0)
        // Orientation consistency with the final transform, per inlier.
        inl = inl.filter { k in
            let jac = h.jacobian(at: src[k])
            // The Jacobian's first column carries the rotation φ for a similarity and for a mirror R(φ)·diag(1, −1).
            let phi = approxAtan2(Float(jac.c), Float(jac.a))
            return angleClose(Double(phi), angleDiff[k], tolerance)
        }
        guard inl.count >= config.minInliers else { return nil }
        guard let region = plausibleRegion(h, reference: reference, query: query, mirrored: mirrored) else { return nil }

        let coverage = gridCoverage(inl.map { src[$0] }, reference: reference, query: query, h: h)
        // Inliers bunched on a small patch (text, a logo corner, a repeated texture) are weak evidence.
        let score = Double(inl.count) * min(1.0, coverage / 0.25)
        return LocalMatch(inliers: inl.count, score: score, coverage: coverage, mirrored: mirrored, transform: h,
                          region: region, tentativeMatches: n, inlierMatches: inl.map { matches[$0] })
    }

    func inliers(_ h: Homography, _ src: [Point2D], _ dst: [Point2D], _ tight: [Double], _ extra: Double) -> [Int] {
        var out: [Int] = []
        for k in src.indices {
            guard h.denominator(src[k]) > 0 else { continue }
            let p = h.apply(src[k])
            let ex = p.x - dst[k].x, ey = p.y - dst[k].y
            let t = tight[k] + extra
            if ex * ex + ey * ey <= t * t { out.append(k) }
        }
        return out
    }

    /// The projected outline if the homography is a physically plausible view of a planar object: corners in
    /// front, a convex quadrilateral with the expected handedness, bounded perspective and scale.
    func plausibleRegion(_ h: Homography, reference: FeatureSet, query: FeatureSet, mirrored: Bool) -> [Point2D]? {
        let w = Double(reference.imageWidth), hh = Double(reference.imageHeight)
        let corners = [Point2D(x: -0.5, y: -0.5), Point2D(x: w - 0.5, y: -0.5),
                       Point2D(x: w - 0.5, y: hh - 0.5), Point2D(x: -0.5, y: hh - 0.5)]
        let dens = corners.map { h.denominator($0) }
        guard let dMin = dens.min(), let dMax = dens.max(), dMin > 0, dMax / dMin <= config.maxPerspective else { return nil }
        let quad = corners.map { h.apply($0) }
        let turn = convexTurnSign(quad)
        // Reference corners run clockwise on screen (positive turns in y-down axes); a mirror reverses that.
        guard turn == (mirrored ? -1 : 1) else { return nil }
        let area = abs(signedArea2(quad)) / 2
        let scale2 = area / (w * hh)
        guard scale2 > 1.0 / 400, scale2 < 64 else { return nil }
        let qArea = Double(query.imageWidth * query.imageHeight)
        guard area >= qArea / 400 else { return nil }
        return quad
    }

    /// Fraction of the occupied cells of a 6x6 grid over the reference keypoints that hold an inlier.
    ///
    /// Only cells with a reference keypoint that `h` maps inside the query count: blank background (white
    /// catalogue margins) cannot hold inliers, and a crop shows only part of the object. At least four cells
    /// always count, so a sliver of visible object cannot claim full coverage.
    func gridCoverage(_ pts: [Point2D], reference: FeatureSet, query: FeatureSet, h: Homography) -> Double {
        guard !reference.keypoints.isEmpty else { return 0 }
        var x0 = Float.infinity, y0 = Float.infinity, x1 = -Float.infinity, y1 = -Float.infinity
        for k in reference.keypoints { x0 = min(x0, k.x); y0 = min(y0, k.y); x1 = max(x1, k.x); y1 = max(y1, k.y) }
        let gw = max(1, Double(x1 - x0)), gh = max(1, Double(y1 - y0))
        func cell(_ p: Point2D) -> Int {
            let cx = min(5, max(0, Int((p.x - Double(x0)) / gw * 6)))
            let cy = min(5, max(0, Int((p.y - Double(y0)) / gh * 6)))
            return cy * 6 + cx
        }
        let qw = Double(query.imageWidth), qh = Double(query.imageHeight)
        var visible = Set<Int>()
        for k in reference.keypoints {
            let p = Point2D(x: Double(k.x), y: Double(k.y))
            guard h.denominator(p) > 0 else { continue }
            let q = h.apply(p)
            if q.x >= 0 && q.y >= 0 && q.x < qw && q.y < qh { visible.insert(cell(p)) }
        }
        let hit = Set(pts.map(cell))
        return Double(hit.count) / Double(max(4, visible.count, hit.count))
    }
}

@inline(__always)
func angleClose(_ a: Double, _ b: Double, _ tol: Double) -> Bool {
    var d = (a - b).truncatingRemainder(dividingBy: 2 * .pi)
    if d > .pi { d -= 2 * .pi }
    if d < -.pi { d += 2 * .pi }
    return abs(d) <= tol
}
